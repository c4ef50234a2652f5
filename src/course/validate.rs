//! Checks that span files: lessons naming quizzes and exercises, links between documents,
//! exercises naming lessons, and dependencies shared between exercises.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::Course;
use super::diagnostic::{Code, Diagnostic, display_path};
use super::links::{LinkTarget, resolve};
use super::outline::{Link, Outline};

/// Runs every cross-file check on a loaded course.
///
/// `every_lesson_loaded` is false when a lesson file was too broken to read; a quiz may then
/// look unused only because its lesson is missing, so that is not reported.
pub fn course(course: &Course, every_lesson_loaded: bool, problems: &mut Vec<Diagnostic>) {
    if course.lessons.is_empty() {
        problems.push(Diagnostic::file(
            Path::new("lessons"),
            Code::NoLessons,
            "the course has no lessons: add `lessons/01-first-lesson.md`",
        ));
    }
    lesson_identities(course, problems);
    lesson_references(course, every_lesson_loaded, problems);
    exercise_lessons(course, problems);
    rule_sections(course, problems);
    style_sections(course, problems);
    grader_folders(course, problems);
    shared_dependencies(course, problems);
    for quiz in course.quizzes.values() {
        super::key_positions::check(quiz, problems);
    }
    for lesson in &course.lessons {
        for link in &lesson.outline.links {
            check_link(course, &lesson.path, &lesson.outline, link, problems);
        }
    }
    for exercise in course.exercises.values() {
        let readme = exercise.stub_dir.join("README.md");
        for link in &exercise.readme.links {
            check_link(course, &readme, &exercise.readme, link, problems);
        }
    }
}

fn lesson_identities(course: &Course, problems: &mut Vec<Diagnostic>) {
    let mut numbers: HashMap<u32, &Path> = HashMap::new();
    let mut slugs: HashMap<&str, &Path> = HashMap::new();
    for lesson in &course.lessons {
        if let Some(first) = numbers.insert(lesson.number, &lesson.path) {
            problems.push(Diagnostic::file(
                &lesson.path,
                Code::DuplicateLessonNumber,
                format!(
                    "lesson number {:02} is also used by {}; give each lesson its own number",
                    lesson.number,
                    display_path(first)
                ),
            ));
        }
        if let Some(first) = slugs.insert(lesson.slug.as_str(), &lesson.path) {
            problems.push(Diagnostic::file(
                &lesson.path,
                Code::DuplicateLessonSlug,
                format!(
                    "lesson slug `{}` is also used by {}; slugs name pages, so they must differ",
                    lesson.slug,
                    display_path(first)
                ),
            ));
        }
    }
}

fn lesson_references(course: &Course, report_orphans: bool, problems: &mut Vec<Diagnostic>) {
    let mut quiz_users: BTreeMap<&str, &Path> = BTreeMap::new();
    for lesson in &course.lessons {
        if let Some((quiz, line)) = &lesson.quiz {
            let path = Path::new("quizzes").join(format!("{quiz}.toml"));
            if !course.quizzes.contains_key(quiz) && !course.root.join(&path).exists() {
                problems.push(Diagnostic::at(
                    &lesson.path,
                    *line,
                    Code::UnknownQuiz,
                    format!(
                        "the lesson names quiz `{quiz}`, but there is no {}",
                        display_path(&path)
                    ),
                ));
            }
            if let Some(first) = quiz_users.insert(quiz.as_str(), &lesson.path) {
                problems.push(Diagnostic::at(
                    &lesson.path,
                    *line,
                    Code::QuizReused,
                    format!(
                        "quiz `{quiz}` is already the quiz of {}; a quiz belongs to one lesson",
                        display_path(first)
                    ),
                ));
            }
        }
        for (slug, line) in &lesson.exercises {
            if !course.exercises.contains_key(slug)
                && !course.root.join("exercises").join(slug.as_str()).is_dir()
            {
                problems.push(Diagnostic::at(
                    &lesson.path,
                    *line,
                    Code::UnknownExercise,
                    format!(
                        "the lesson names exercise `{slug}`, but there is no exercises/{slug}/"
                    ),
                ));
            }
        }
    }
    for quiz in course.quizzes.values().filter(|_| report_orphans) {
        if !quiz_users.contains_key(quiz.slug.as_str()) {
            problems.push(Diagnostic::file(
                &quiz.path,
                Code::OrphanQuiz,
                format!(
                    "no lesson uses quiz `{}`: add `quiz = \"{}\"` to a lesson's front matter",
                    quiz.slug, quiz.slug
                ),
            ));
        }
    }
}

fn exercise_lessons(course: &Course, problems: &mut Vec<Diagnostic>) {
    for exercise in course.exercises.values() {
        let (lesson_slug, line) = &exercise.lesson;
        let toml_path = exercise.stub_dir.join("exercise.toml");
        let Some(lesson) = course.lesson(lesson_slug.as_str()) else {
            problems.push(Diagnostic::at(
                &toml_path,
                *line,
                Code::UnknownLesson,
                format!("the exercise names lesson `{lesson_slug}`, but no lesson has that slug"),
            ));
            continue;
        };
        if !lesson
            .exercises
            .iter()
            .any(|(slug, _)| *slug == exercise.slug)
        {
            problems.push(Diagnostic::at(
                &toml_path,
                *line,
                Code::ExerciseLessonMismatch,
                format!(
                    "the exercise says lesson `{lesson_slug}` teaches it, but {} does not list it: add `exercises = [\"{}\"]` there",
                    display_path(&lesson.path),
                    exercise.slug
                ),
            ));
        }
    }
    for lesson in &course.lessons {
        for (slug, line) in &lesson.exercises {
            if let Some(exercise) = course.exercises.get(slug)
                && exercise.lesson.0 != lesson.slug
                && course.lesson(exercise.lesson.0.as_str()).is_some()
            {
                problems.push(Diagnostic::at(
                    &lesson.path,
                    *line,
                    Code::ExerciseLessonMismatch,
                    format!(
                        "the lesson lists exercise `{slug}`, but its exercise.toml says lesson `{}` teaches it",
                        exercise.lesson.0
                    ),
                ));
            }
        }
    }
}

fn grader_folders(course: &Course, problems: &mut Vec<Diagnostic>) {
    let Ok(entries) = std::fs::read_dir(course.root.join(&course.grader_root)) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && !super::side_files::is_side_file(&e.file_name()))
        // The server exercises' support crate is shared by their hidden tests.
        .filter(|e| e.file_name() != super::SUPPORT_DIR)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if !course.root.join("exercises").join(&name).is_dir() {
            let folder = course.grader_root.join(&name);
            problems.push(Diagnostic::file(
                &folder,
                Code::OrphanGrader,
                format!(
                    "{}/ has no exercise: there is no exercises/{name}/",
                    display_path(&folder)
                ),
            ));
        }
    }
}

/// Exercises share one target directory; a crate declared two ways is compiled twice.
fn shared_dependencies(course: &Course, problems: &mut Vec<Diagnostic>) {
    let mut first: HashMap<(&str, &str), (&toml::Value, &Path)> = HashMap::new();
    for exercise in course.exercises.values() {
        let manifest = &exercise.manifest;
        for (section, table) in [
            ("dependencies", &manifest.dependencies),
            ("dev-dependencies", &manifest.dev_dependencies),
        ] {
            for (name, value) in table {
                match first.get(&(section, name.as_str())) {
                    None => {
                        first.insert((section, name.as_str()), (value, &manifest.path));
                    }
                    Some((seen, path)) if *seen != value => problems.push(Diagnostic::at(
                        &manifest.path,
                        manifest.line_of(section, Some(name)),
                        Code::DependencyMismatch,
                        format!(
                            "[{section}] `{name}` is `{value}` here but `{seen}` in {}; declare it the same way so it compiles once for all exercises",
                            display_path(path)
                        ),
                    )),
                    Some(_) => {}
                }
            }
        }
    }
}

/// Checks one link of `from` (a lesson or README) against the course.
fn check_link(
    course: &Course,
    from: &Path,
    own: &Outline,
    link: &Link,
    problems: &mut Vec<Diagnostic>,
) {
    let target = link.target.trim();
    let message = match resolve(course, from, target) {
        LinkTarget::External => return,
        LinkTarget::Empty => "a link has an empty target".to_string(),
        LinkTarget::SameDocument { anchor } if !own.has_anchor(&anchor) => {
            format!("links to `#{anchor}`, but no heading here has that anchor")
        }
        LinkTarget::SameDocument { .. } => return,
        LinkTarget::Absolute => format!(
            "links to the absolute path `{target}`; write a path relative to this file, e.g. `02-rest-api-design.md`"
        ),
        LinkTarget::Outside => format!("links to `{target}`, which is outside the course folder"),
        LinkTarget::Lesson { slug, anchor } => {
            let Some(lesson) = course.lesson(slug.as_str()) else {
                return;
            };
            match anchor.filter(|a| !lesson.outline.has_anchor(a)) {
                Some(anchor) => format!(
                    "links to `{target}`, but {} has no heading with anchor `{anchor}`",
                    display_path(&lesson.path)
                ),
                None => return,
            }
        }
        LinkTarget::Exercise { slug, anchor } => {
            let Some(exercise) = course.exercises.get(&slug) else {
                return;
            };
            match anchor.filter(|a| !exercise.readme.has_anchor(a)) {
                Some(anchor) => format!(
                    "links to `{target}`, but the README of `{slug}` has no heading with anchor `{anchor}`"
                ),
                None => return,
            }
        }
        LinkTarget::File { path, .. } if course.root.join(&path).exists() => return,
        LinkTarget::File { path, .. } => {
            format!(
                "links to `{target}`, but {} does not exist",
                display_path(&path)
            )
        }
    };
    problems.push(Diagnostic::at(from, link.line, Code::BrokenLink, message));
}

/// Every entry of `grader/style.toml` names a lesson and one of its headings.
fn style_sections(course: &Course, problems: &mut Vec<Diagnostic>) {
    // Diagnostics name files relative to the course root.
    let path = course.grader_root.join(super::style_links::STYLE_FILE);
    let links = match super::style_links::read(&course.root.join(&path)) {
        Ok(links) => links,
        Err(message) => {
            problems.push(Diagnostic::file(&path, Code::TomlSyntax, message));
            return;
        }
    };
    for (lint, link) in links {
        let found = course
            .lesson(&link.lesson)
            .map(|lesson| lesson.outline.has_anchor(&link.anchor));
        let message = match found {
            Some(true) => continue,
            Some(false) => format!(
                "`{lint}` points at section `#{}`, which lesson `{}` has no heading for",
                link.anchor, link.lesson
            ),
            None => format!(
                "`{lint}` points at lesson `{}`, which does not exist",
                link.lesson
            ),
        };
        problems.push(Diagnostic::at(&path, link.line, Code::BrokenLink, message));
    }
}

/// Every `[sections]` entry of a rule map names a heading of the exercise's lesson.
fn rule_sections(course: &Course, problems: &mut Vec<Diagnostic>) {
    for exercise in course.exercises.values() {
        let (Some(map), Some(lesson)) =
            (&exercise.rules, course.lesson(exercise.lesson.0.as_str()))
        else {
            continue;
        };
        let rules_file = exercise.grader_dir.join(super::rules::RULES_FILE);
        for rule in map.graded.iter().chain(&map.either) {
            if let Some((anchor, line)) = &rule.section
                && !lesson.outline.has_anchor(anchor)
            {
                let message = format!(
                    "rule `{}` points at section `#{anchor}`, which lesson `{}` has no heading for",
                    rule.id, lesson.slug
                );
                problems.push(Diagnostic::at(
                    &rules_file,
                    *line,
                    Code::BrokenLink,
                    message,
                ));
            }
        }
    }
}
