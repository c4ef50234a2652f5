//! Files that editors, operating systems and file managers leave beside the files a person
//! edits: never course content, never a reason to re-grade.
//!
//! The list follows what the common tools write: Vim (`.name.swp`, `name~`, and the `4913`
//! probe file it creates to test that a folder is writable), Emacs (`.#name` lock links,
//! `#name#` autosaves, `name~` backups), JetBrains IDEs (`name___jb_tmp___`,
//! `name___jb_old___`), Kate (`name.kate-swp`), LibreOffice and Microsoft Office
//! (`.~lock.name#`, `~$name`), macOS (`.DS_Store`, `._name`), Windows (`Thumbs.db`,
//! `desktop.ini`) and GNOME's `.goutputstream-*`. Every dotfile counts as a side file.

use std::ffi::OsStr;
use std::path::Path;

/// True when a file named `name` is an editor's, OS's or file manager's side file.
pub fn is_side_file(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        // Course files have UTF-8 names; anything else is not ours either.
        return true;
    };
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name.starts_with("~$")
        || (!name.is_empty() && name.chars().all(|c| c.is_ascii_digit()))
        || [
            ".swp",
            ".swo",
            ".swx",
            ".kate-swp",
            "___jb_tmp___",
            "___jb_old___",
            ".tmp",
            ".bak",
            ".orig",
            ".rej",
        ]
        .iter()
        .any(|suffix| lower.ends_with(suffix))
        || ["thumbs.db", "desktop.ini", "icon\r"].contains(&lower.as_str())
}

/// True when any component of `path` below `root` is a side file (a file inside a hidden
/// folder is not content either). Paths outside `root` are judged by their file name.
pub fn is_side_path(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().any(|c| match c {
        std::path::Component::Normal(name) => is_side_file(name),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_and_os_side_files_are_recognised() {
        for name in [
            ".lib.rs.swp",
            ".lib.rs.swo",
            "lib.rs~",
            "4913",
            ".#02-rest-api-design.md",
            "#lib.rs#",
            "lib.rs___jb_tmp___",
            "lib.rs___jb_old___",
            "lib.rs.kate-swp",
            ".~lock.notes.md#",
            "~$notes.docx",
            ".DS_Store",
            "._lib.rs",
            "Thumbs.db",
            "desktop.ini",
            ".goutputstream-ABC123",
            "lib.rs.orig",
            "lib.rs.bak",
        ] {
            assert!(is_side_file(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn content_files_are_not_side_files() {
        for name in [
            "lib.rs",
            "main.rs",
            "Cargo.toml",
            "02-rest-api-design.md",
            "rest-api-design.toml",
            "README.md",
            "v2.rs",
            "exercise.toml",
        ] {
            assert!(!is_side_file(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn a_file_in_a_hidden_folder_is_a_side_file() {
        let root = Path::new("/course/exercises/x");
        assert!(is_side_path(root, &root.join(".idea/workspace.xml")));
        assert!(!is_side_path(root, &root.join("src/lib.rs")));
    }
}
