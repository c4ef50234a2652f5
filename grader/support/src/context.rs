//! What a test is in the middle of ("signing up a user for this test", "after a restart"),
//! so that a failure in a shared step says where it happened and a card reads
//! "While signing up a user for this test: POST /api/v1/users answered 500 ...".

use std::cell::RefCell;

thread_local! {
    static STEPS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Runs `work` with `step` as the context of any failure inside it.
pub fn during<T>(step: &str, work: impl FnOnce() -> T) -> T {
    STEPS.with(|steps| steps.borrow_mut().push(step.to_string()));
    let result = work();
    STEPS.with(|steps| steps.borrow_mut().pop());
    result
}

/// The steps in progress, outermost first, joined ("after a restart, signing up a user").
pub(crate) fn current() -> Option<String> {
    STEPS.with(|steps| {
        let steps = steps.borrow();
        (!steps.is_empty()).then(|| steps.join(", "))
    })
}
