//! Reading course files as text and turning byte offsets into line numbers.
//!
//! Every file of a course goes through [`read_text`], so a binary file, an empty file or
//! invalid UTF-8 becomes a diagnostic instead of a panic or a confusing parse error.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::diagnostic::{Code, Diagnostic};

/// A text file's content with CRLF line ends turned into LF and any BOM removed. A file
/// that is a link to somewhere outside the course is refused, never read: the course is
/// served to a browser, and a link must not show it any other file on the machine.
pub fn read_text(root: &Path, rel: &Path) -> Result<String, Diagnostic> {
    if let Some(target) = outside_course(root, rel) {
        return Err(Diagnostic::file(
            rel,
            Code::LinkOutsideCourse,
            format!(
                "the file is a link to {}, outside the course folder; copy the file into the course instead",
                target.display()
            ),
        ));
    }
    let bytes = std::fs::read(root.join(rel)).map_err(|e| {
        Diagnostic::file(rel, Code::Unreadable, format!("cannot read the file: {e}"))
    })?;
    if bytes.contains(&0) {
        let line = line_of(&bytes, bytes.iter().position(|&b| b == 0).unwrap_or(0));
        return Err(Diagnostic::at(
            rel,
            line,
            Code::BinaryFile,
            "the file holds NUL bytes: it looks binary, not text",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let line = line_of(e.as_bytes(), at);
            return Err(Diagnostic::at(
                rel,
                line,
                Code::NotUtf8,
                format!(
                    "the file is not valid UTF-8 (first bad byte at offset {at}); save it as UTF-8"
                ),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(Diagnostic::file(rel, Code::EmptyFile, "the file is empty"));
    }
    Ok(text.replace("\r\n", "\n"))
}

/// Where `rel` leads, as its link says, when following its links leads outside `root`. A
/// file that does not exist (or cannot be resolved) is not outside: reading it reports that.
///
/// An absolute `rel` (a private grader folder given with `--grader-dir`) is the caller's to
/// judge against its own root, so it is never "outside" here.
pub fn outside_course(root: &Path, rel: &Path) -> Option<std::path::PathBuf> {
    if rel.is_absolute() {
        return None;
    }
    let real_root = root.canonicalize().ok()?;
    let path = root.join(rel);
    let real = path.canonicalize().ok()?;
    if real.starts_with(&real_root) {
        return None;
    }
    // The link as written (stable, and what the author wrote); a folder link on the way
    // is named by the folder.
    Some(
        std::fs::read_link(&path)
            .unwrap_or_else(|_| rel.parent().map(|p| p.to_path_buf()).unwrap_or_default()),
    )
}

/// The 1-based line holding byte `offset` of `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> u32 {
    let end = offset.min(bytes.len());
    let newlines = bytes[..end].iter().filter(|&&b| b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// The 1-based line holding byte `offset` of `text` (offsets past the end give the last line).
pub fn line_at(text: &str, offset: usize) -> u32 {
    line_of(text.as_bytes(), offset)
}

/// How serde words errors about the shape of a document (as opposed to its syntax).
const SHAPE_ERRORS: [&str; 6] = [
    "unknown field",
    "missing field",
    "invalid type",
    "invalid value",
    "unknown variant",
    "invalid length",
];

/// Parses TOML into `T`, turning a syntax or shape error into a diagnostic at the parser's line.
///
/// `first_line` is the line of the file on which `text` starts (front matter sits below a
/// `+++` line), so the reported line is the line in the file, not in the snippet.
pub fn parse_toml<T: DeserializeOwned>(
    text: &str,
    rel: &Path,
    first_line: u32,
) -> Result<T, Diagnostic> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_at(text, span.start)).unwrap_or(1);
        let message = e.message().trim_end();
        // serde reports a well-formed document of the wrong shape through the same error
        // type as a syntax error; the wording tells them apart.
        let (code, what) = if SHAPE_ERRORS.iter().any(|p| message.starts_with(p)) {
            (Code::InvalidField, "unexpected content")
        } else {
            (Code::TomlSyntax, "invalid TOML")
        };
        Diagnostic::at(
            rel,
            first_line + line - 1,
            code,
            format!("{what}: {message}"),
        )
    })
}

/// The value of `result`, or `None` once its problem is pushed to `problems`.
pub(super) fn or_report<T>(
    result: Result<T, Diagnostic>,
    problems: &mut Vec<Diagnostic>,
) -> Option<T> {
    result.map_err(|problem| problems.push(problem)).ok()
}

/// The line of a TOML value from its span.
pub fn span_line(text: &str, span: &std::ops::Range<usize>, first_line: u32) -> u32 {
    first_line + line_at(text, span.start) - 1
}

/// True for `lower-case-words-like-this`, the shape of every slug and question id.
pub fn is_kebab_case(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_at_counts_newlines_before_offset() {
        let text = "a\nbb\nccc";
        assert_eq!(line_at(text, 0), 1);
        assert_eq!(line_at(text, 2), 2);
        assert_eq!(line_at(text, 5), 3);
        assert_eq!(line_at(text, 999), 3);
    }

    #[test]
    fn kebab_case_rejects_capitals_spaces_and_edges() {
        assert!(is_kebab_case("rate-limiter"));
        assert!(is_kebab_case("n1"));
        for bad in ["", "Rate", "rate_limiter", "-a", "a-", "a--b", "a b"] {
            assert!(!is_kebab_case(bad), "{bad:?} passed");
        }
    }

    #[test]
    fn toml_error_line_is_offset_by_first_line() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: u32,
        }
        let err = parse_toml::<T>("\n\na = \"x\"\n", Path::new("f.toml"), 10).unwrap_err();
        assert_eq!(err.line, Some(12));
        assert_eq!(err.code, Code::InvalidField);
        let err = parse_toml::<T>("a = [\n", Path::new("f.toml"), 1).unwrap_err();
        assert_eq!(err.code, Code::TomlSyntax);
    }
}
