//! For instructors grading a class: learners' files in, one table out. Nothing here reads a
//! learner's progress store directly; learners hand in what `workbook export` and
//! `workbook grade --all --format json` write.
//!
//! - [`gradebook`]: merges learners' report files into one table (CSV or JSON).
//! - [`by_test`]: each hidden test's pass rate across the class, with the rules it checks.
//! - [`page`]: the gradebook and a per-test heatmap as one self-contained HTML page.
//! - [`quiz_scores`]: scores a learner's exported quiz answers with the course's keys.
//! - [`export`]: the learner's progress file, written by `workbook export`.
//! - [`csv`]: CSV cells made safe for spreadsheets.

pub mod by_test;
pub mod csv;
pub mod export;
pub mod gradebook;
pub mod page;
pub mod quiz_scores;
