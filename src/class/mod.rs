//! For instructors grading a class: learners' files in, one table out. Nothing here reads a
//! learner's progress store directly; learners hand in what `workbook export` and
//! `workbook grade --all --format json` write.
//!
//! - [`gradebook`]: merges learners' report files into one table (CSV or JSON).
//! - [`quiz_scores`]: scores a learner's exported quiz answers with the course's keys.
//! - [`export`]: the learner's progress file, written by `workbook export`.
//! - [`csv`]: CSV cells made safe for spreadsheets.

pub mod csv;
pub mod export;
pub mod gradebook;
pub mod quiz_scores;
