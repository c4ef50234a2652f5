//! Backend Workbook: a local-first, hands-on workbook for learning backend development in
//! Rust. Lessons and quizzes are read in the browser; exercises are graded with hidden tests.
//!
//! Data flows one way: files -> [`course::Course`] -> render / grade -> store -> web / CLI.

pub mod cli;
pub mod course;
pub mod grade;
pub mod gradebook;
pub mod mutation;
pub mod pristine;
pub mod publish;
pub mod quiz_grading;
pub mod render;
pub mod scaffold;
pub mod scoring;
pub mod snippets;
pub mod store;
pub mod web;
