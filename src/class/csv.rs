//! CSV tables for spreadsheets, written with the `csv` crate (quoting and escaping are
//! its job). What is ours is one rule: a text cell a spreadsheet would run as a formula is
//! made plain text.

use crate::io_error::{IoError, io};

/// A cell a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return: CSV injection, OWASP) gets a leading apostrophe, which makes it
/// plain text. Only text cells need this: the workbook's own numbers are never negative.
pub fn neutralise(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Writes `rows` (the header first) as CSV; every text cell must already be neutralised.
pub fn table(rows: &[Vec<String>]) -> Result<String, IoError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row)
            .map_err(|e| io("cannot write a CSV row")(std::io::Error::other(e)))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| io("cannot write a CSV table")(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_separators_are_quoted() {
        let rows = vec![
            vec!["learner".to_string(), "total".to_string()],
            vec![neutralise("=HYPERLINK(\"x\")"), "0.50".to_string()],
            vec![neutralise("a,b"), neutralise("-1")],
            vec![neutralise("plain"), String::new()],
        ];
        assert_eq!(
            table(&rows).unwrap(),
            "learner,total\n\"'=HYPERLINK(\"\"x\"\")\",0.50\n\"a,b\",'-1\nplain,\n"
        );
    }
}
