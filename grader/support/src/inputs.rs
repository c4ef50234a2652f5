//! The random inputs of one test run, all drawn from one seed: the seed is printed on every
//! failure, and `WORKBOOK_SEED=<seed>` in the environment repeats the run's inputs. Random
//! inputs are what keep a server that replays the answers of an earlier run from passing.

use std::sync::{Mutex, OnceLock};

static SEED: OnceLock<u64> = OnceLock::new();
static RNG: OnceLock<Mutex<fastrand::Rng>> = OnceLock::new();

const FIRST: [&str; 12] = [
    "ada", "grace", "linus", "barbara", "ken", "margaret", "dennis", "radia", "edsger", "frances",
    "alan", "hedy",
];
const VERBS: [&str; 10] = [
    "Write", "Review", "Plan", "Fix", "Test", "Deploy", "Measure", "Document", "Refactor",
    "Archive",
];
const THINGS: [&str; 10] = [
    "the release notes",
    "the cache policy",
    "the login page",
    "the invoice export",
    "the backup job",
    "the search index",
    "the rate limits",
    "the onboarding mail",
    "the audit log",
    "the status page",
];

/// This run's seed: `WORKBOOK_SEED` when set to a number, else a fresh random one.
pub fn seed() -> u64 {
    *SEED.get_or_init(|| {
        std::env::var("WORKBOOK_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| fastrand::u64(..))
    })
}

fn with_rng<T>(draw: impl FnOnce(&mut fastrand::Rng) -> T) -> T {
    let rng = RNG.get_or_init(|| Mutex::new(fastrand::Rng::with_seed(seed())));
    let mut guard = match rng.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    draw(&mut guard)
}

/// A whole number in `low..=high`.
pub fn number(low: u32, high: u32) -> u32 {
    with_rng(|r| r.u32(low..=high))
}

/// One of `choices`.
pub fn pick<T: Clone>(choices: &[T]) -> T {
    with_rng(|r| choices[r.usize(..choices.len())].clone())
}

/// A new email address, lower-case, unique within the run.
pub fn email() -> String {
    let name = pick(&FIRST);
    format!("{name}.{}@example.test", unique())
}

/// A password of 12 to 16 letters and digits.
pub fn password() -> String {
    with_rng(|r| {
        let len = r.usize(12..=16);
        (0..len).map(|_| r.alphanumeric()).collect()
    })
}

/// A task title such as "Review the audit log #4821".
pub fn title() -> String {
    format!("{} {} #{}", pick(&VERBS), pick(&THINGS), unique())
}

/// A calendar date `YYYY-MM-DD` between 2026 and 2030 (days 1 to 28, so always real).
pub fn date() -> String {
    with_rng(|r| {
        format!(
            "{}-{:02}-{:02}",
            r.u32(2026..=2030),
            r.u32(1..=12),
            r.u32(1..=28)
        )
    })
}

/// A number not handed out before in this run, from 1000 up, in random steps.
fn unique() -> u32 {
    static LAST: Mutex<u32> = Mutex::new(1000);
    let step = number(1, 97);
    let mut last = match LAST.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    *last += step;
    *last
}
