//! The assertion helper of hidden tests: `assert_eq!` with labels.
//!
//! `expect_eq!(actual, expected)` and `expect_ne!(actual, unexpected)` take the arguments of
//! `assert_eq!`/`assert_ne!`, in the order the hidden tests write them (what the learner's
//! code gave first, then what the rule asks for), with an optional message. A failure is a
//! [`Card`] that says which value is which, instead of `left` and `right`:
//!
//! ```text
//! a denied request says when to retry
//!   expected: 2.5s
//!   actual:   3s
//! ```
//!
//! - Values whose one-line `Debug` form is long are shown as a line difference of their
//!   pretty forms, so the card points at the field that differs.
//! - A `serde_json::Value` is compared field by field: the card names each field that
//!   differs (`field: data.items[1].qty`), an unexpected one included.
//! - Without a message, the headline names the expression that was checked.

mod card;
pub mod diff;
mod shown;

pub use card::Card;
pub use diff::{Difference, all_differences, differences};

/// Fails the test with a labelled card unless `actual == expected`.
///
/// Takes `assert_eq!`'s arguments: `expect_eq!(actual, expected)` or
/// `expect_eq!(actual, expected, "format {}", args)`.
#[macro_export]
macro_rules! expect_eq {
    (@compare $actual:expr, $expected:expr, $message:expr) => {
        match (&$actual, &$expected) {
            (actual, expected) => {
                if !(*actual == *expected) {
                    #[allow(unused_imports)]
                    use $crate::__private::{ByDebug as _, ByJson as _};
                    let values = (&$crate::__private::Pair(actual, expected)).shown();
                    $crate::__private::not_equal(::core::stringify!($actual), $message, values);
                }
            }
        }
    };
    ($actual:expr, $expected:expr $(,)?) => {
        $crate::expect_eq!(@compare $actual, $expected, ::core::option::Option::None)
    };
    ($actual:expr, $expected:expr, $($message:tt)+) => {
        $crate::expect_eq!(
            @compare $actual,
            $expected,
            ::core::option::Option::Some(::std::format!($($message)+))
        )
    };
}

/// Fails the test with a labelled card if `actual == unexpected`.
///
/// Takes `assert_ne!`'s arguments: `expect_ne!(actual, unexpected)` or
/// `expect_ne!(actual, unexpected, "format {}", args)`.
#[macro_export]
macro_rules! expect_ne {
    (@compare $actual:expr, $unexpected:expr, $message:expr) => {
        match (&$actual, &$unexpected) {
            (actual, unexpected) => {
                if *actual == *unexpected {
                    $crate::__private::equal(::core::stringify!($actual), $message, &*actual);
                }
            }
        }
    };
    ($actual:expr, $unexpected:expr $(,)?) => {
        $crate::expect_ne!(@compare $actual, $unexpected, ::core::option::Option::None)
    };
    ($actual:expr, $unexpected:expr, $($message:tt)+) => {
        $crate::expect_ne!(
            @compare $actual,
            $unexpected,
            ::core::option::Option::Some(::std::format!($($message)+))
        )
    };
}

/// What the macros expand to; not part of the interface.
#[doc(hidden)]
pub mod __private {
    pub use crate::shown::{ByDebug, ByJson, Pair};
    use crate::{Card, shown::Shown};

    /// The headline: the test author's message, or what was checked.
    fn headline(checked: &str, message: Option<String>, fallback: &str) -> String {
        match message {
            Some(message) if !message.trim().is_empty() => message,
            _ => format!("{checked}: {fallback}"),
        }
    }

    #[track_caller]
    pub fn not_equal(checked: &str, message: Option<String>, shown: Shown) -> ! {
        let mut card = Card::new(headline(checked, message, "not the expected value"));
        for (label, text) in shown.lines {
            card = card.line(label, &text);
        }
        card.panic()
    }

    #[track_caller]
    pub fn equal<T: std::fmt::Debug + ?Sized>(
        checked: &str,
        message: Option<String>,
        actual: &T,
    ) -> ! {
        let value = crate::shown::debug(actual);
        Card::new(headline(
            checked,
            message,
            "should have been something else",
        ))
        .line("expected", &format!("anything but {value}"))
        .line("actual", &value)
        .panic()
    }
}

#[cfg(test)]
mod tests {
    use std::panic::catch_unwind;

    fn message(work: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = catch_unwind(work).expect_err("the check should fail");
        match payload.downcast::<String>() {
            Ok(text) => *text,
            Err(_) => panic!("the panic should carry a String"),
        }
    }

    #[test]
    fn equal_values_pass_and_unequal_ones_are_labelled() {
        expect_eq!(2 + 2, 4);
        expect_eq!("a".to_string(), "a", "strings compare with &str");
        let text = message(|| expect_eq!(1 + 1, 3));
        assert_eq!(
            text,
            "1 + 1: not the expected value\n  expected: 3\n  actual:   2"
        );
        let text = message(|| expect_eq!(Some("x"), None, "the key {} is gone", "k"));
        assert_eq!(
            text,
            "the key k is gone\n  expected: None\n  actual:   Some(\"x\")"
        );
    }

    #[test]
    fn expect_ne_shows_the_value_it_should_not_have_been() {
        expect_ne!(1, 2);
        let text = message(|| expect_ne!(7, 7, "ids must differ"));
        assert_eq!(
            text,
            "ids must differ\n  expected: anything but 7\n  actual:   7"
        );
    }

    #[test]
    fn json_values_name_the_field_that_differs() {
        let body = serde_json::json!({"data": {"id": 1, "qty": 2}});
        expect_eq!(body["data"]["id"], 1);
        let text = message(|| {
            expect_eq!(
                body,
                serde_json::json!({"data": {"id": 1, "qty": 3}}),
                "the order"
            )
        });
        assert_eq!(
            text,
            "the order\n  field:    data.qty\n  expected: 3\n  actual:   2"
        );
    }

    #[derive(Debug, PartialEq)]
    struct Order {
        id: u32,
        customer: &'static str,
        lines: Vec<(&'static str, u32)>,
        total_cents: u64,
    }

    #[test]
    fn long_values_show_the_lines_that_differ() {
        let order = |total_cents| Order {
            id: 7,
            customer: "ada@example.com",
            lines: vec![("tea", 2), ("cups", 4)],
            total_cents,
        };
        let text = message(|| expect_eq!(order(1200), order(1250), "the order's total"));
        assert!(
            text.starts_with("the order's total\n  expected: (lines marked -)\n  actual:   (lines marked +)\n  difference:"),
            "{text}"
        );
        let changed: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(['-', '+']))
            .collect();
        assert_eq!(
            changed,
            ["-     total_cents: 1250,", "+     total_cents: 1200,"],
            "{text}"
        );
        assert!(
            !text.contains("\"tea\""),
            "far-off lines are left out: {text}"
        );
    }
}
