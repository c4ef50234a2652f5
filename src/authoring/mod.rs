//! For instructors: writing a course and proving it sound, beyond `workbook check`.
//!
//! - [`scaffold`]: `workbook new` writes a lesson, quiz or exercise skeleton, linked in.
//! - [`publish`]: `workbook publish` writes the learner edition (no reference solutions).
//! - [`lesson_code`]: `workbook check --code` compiles and runs every lesson's Rust blocks.
//! - [`mutants`]: `workbook verify --mutants` mutation-tests the hidden tests.

pub mod lesson_code;
pub mod mutants;
pub mod publish;
pub mod scaffold;
