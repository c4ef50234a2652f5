//! What a link in a lesson or README points at. The validator checks the answer and the
//! renderer rewrites the link from it, so both agree on every link.

use std::path::{Component, Path, PathBuf};

use super::Course;
use super::ids::{ExerciseSlug, LessonSlug};

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// Has a scheme (`https:`, `mailto:`) or is protocol-relative: not ours to check.
    External,
    /// `#anchor` in the same document.
    SameDocument {
        /// The anchor, without `#`.
        anchor: String,
    },
    /// Another lesson, maybe at a heading.
    Lesson {
        /// The lesson's slug.
        slug: LessonSlug,
        /// The anchor, without `#`.
        anchor: Option<String>,
    },
    /// An exercise's folder or README, maybe at a heading.
    Exercise {
        /// The exercise's slug.
        slug: ExerciseSlug,
        /// The anchor, without `#`.
        anchor: Option<String>,
    },
    /// Some other file of the course, relative to its root.
    File {
        /// The file.
        path: PathBuf,
        /// The anchor, without `#`.
        anchor: Option<String>,
    },
    /// An absolute path such as `/lessons/x`: it works nowhere but one server.
    Absolute,
    /// A relative path that climbs out of the course folder.
    Outside,
    /// An empty target.
    Empty,
}

/// Resolves `target`, written in the file `from` (relative to the course root).
pub fn resolve(course: &Course, from: &Path, target: &str) -> LinkTarget {
    let target = target.trim();
    if target.is_empty() {
        return LinkTarget::Empty;
    }
    if is_external(target) {
        return LinkTarget::External;
    }
    let (path_part, anchor) = match target.split_once('#') {
        Some((p, a)) => (p, Some(a.to_string())),
        None => (target, None),
    };
    let path_part = path_part.split('?').next().unwrap_or("");
    if path_part.is_empty() {
        return match anchor {
            Some(anchor) => LinkTarget::SameDocument { anchor },
            None => LinkTarget::Empty,
        };
    }
    if path_part.starts_with('/') {
        return LinkTarget::Absolute;
    }
    let base = from.parent().unwrap_or(Path::new(""));
    let Some(resolved) = normalize(&base.join(path_part)) else {
        return LinkTarget::Outside;
    };
    if let Some(lesson) = course.lessons.iter().find(|l| l.path == resolved) {
        return LinkTarget::Lesson {
            slug: lesson.slug.clone(),
            anchor,
        };
    }
    if let Some(exercise) = course
        .exercises
        .values()
        .find(|e| resolved == e.stub_dir || resolved == e.stub_dir.join("README.md"))
    {
        return LinkTarget::Exercise {
            slug: exercise.slug.clone(),
            anchor,
        };
    }
    LinkTarget::File {
        path: resolved,
        anchor,
    }
}

/// Links with a scheme (`https:`, `mailto:`) or protocol-relative ones.
pub fn is_external(target: &str) -> bool {
    if target.starts_with("//") {
        return true;
    }
    match target.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Resolves `.` and `..` without touching the disk; `None` when the path climbs above the root.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_parents_and_refuses_escapes() {
        assert_eq!(
            normalize(Path::new("lessons/../exercises/x/./README.md")),
            Some(PathBuf::from("exercises/x/README.md"))
        );
        assert_eq!(normalize(Path::new("lessons/../../etc/passwd")), None);
    }

    #[test]
    fn external_links_are_recognised() {
        for url in ["https://x.dev", "mailto:a@b.c", "//cdn.x/y.js"] {
            assert!(is_external(url), "{url}");
        }
        for rel in ["02-a.md", "../exercises/x/README.md", "#top", "a/b:c"] {
            assert!(!is_external(rel), "{rel}");
        }
    }
}
