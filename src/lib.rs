//! Backend Workbook: a local-first, hands-on workbook for learning backend development in
//! Rust. Lessons and quizzes are read in the browser; exercises are graded with hidden tests.
//!
//! Data flows one way: files -> [`course::Course`] -> [`render`] / [`grade`] -> [`store`] ->
//! [`app`] (the use cases) -> [`web`] / [`cli`]. ARCHITECTURE.md is the map.

pub mod app;
pub mod authoring;
pub mod class;
pub mod cli;
pub mod course;
pub mod grade;
pub mod io_error;
pub mod playground;
pub mod render;
pub mod store;
pub mod terminal;
pub mod web;
