//! `workbook new quiz`: a quiz file with one example question, named in its lesson's front
//! matter.

use std::path::PathBuf;

use super::{ScaffoldError, Scaffolded, check_slug, edit_front_matter, find_lesson, write_new};
use crate::course::{Course, Lesson};

/// `workbook new quiz <slug> --lesson <lesson>`.
pub fn new_quiz(course: &Course, slug: &str, lesson: &str) -> Result<Scaffolded, ScaffoldError> {
    check_slug(slug)?;
    let lesson = find_lesson(course, lesson)?;
    let rel = PathBuf::from(format!("quizzes/{slug}.toml"));
    if course.root.join(&rel).exists() {
        return Err(ScaffoldError::Exists(rel.display().to_string()));
    }
    if let Some((quiz, _)) = &lesson.quiz {
        return Err(ScaffoldError::LessonHasQuiz {
            lesson: lesson.slug.to_string(),
            quiz: quiz.to_string(),
        });
    }
    write_new(&course.root, &rel, &quiz_text(lesson))?;
    let quiz_slug = slug.to_string();
    edit_front_matter(&course.root, lesson, |doc| {
        doc["quiz"] = toml_edit::value(quiz_slug);
    })?;
    Ok(Scaffolded {
        created: vec![rel.clone()],
        changed: vec![lesson.path.clone()],
        renamed: Vec::new(),
        next_steps: vec![
            format!(
                "Write the questions in {}; aim for six or more, mixing single, multiple and short.",
                rel.display()
            ),
            "Run `workbook check` to validate the answer keys.".into(),
        ],
    })
}

/// The new quiz file: how to write a question, and one valid question about `lesson`.
fn quiz_text(lesson: &Lesson) -> String {
    format!(
        r#"title = "{title}"
pass_mark = 0.8

# Each question: id (kebab-case, unique), kind (single | multiple | short), prompt,
# options (choice questions), answer (0-based option numbers, or accepted strings for
# short), and an explanation of why the answer is right and the tempting wrong one wrong.

[[questions]]
id = "first-question"
kind = "single"
prompt = "Which of these is a question about {topic}?"
options = ["This one", "Not this one", "Nor this one"]
answer = [0]
explanation = "Say why the right option is right, and why the most tempting wrong one is wrong."
"#,
        title = lesson.title.replace('"', "\\\""),
        topic = lesson.title.to_lowercase().replace('"', "'"),
    )
}
