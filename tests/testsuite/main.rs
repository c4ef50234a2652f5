//! The workbook's integration tests, as one test binary: a module per feature, all sharing
//! the helpers of [`common`]. See README.md for how the suite is laid out and run.

mod common;

mod browser;
mod check;
mod class;
mod class_views;
mod feedback;
mod grade;
mod instructor;
mod learner_cli;
mod lesson_code;
mod mutants;
mod robustness;
mod servers;
mod verify;
mod web;
