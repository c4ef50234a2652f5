//! A quiz's `reveal` field: `"always"`, `"after-pass"` or `{ after_attempts = N }`.

use std::num::NonZeroU32;

use toml::Spanned;

use super::{Report, RevealPolicy};
use crate::course::diagnostic::Code;

/// What every problem with `reveal` says the field may be.
const FORMS: &str =
    "\"always\" (the default), \"after-pass\" or { after_attempts = N } with N at least 1";

/// Returns the quiz's reveal policy, reporting a value that is none of the three forms (and
/// then returning the default, as the quiz is refused anyway).
pub(super) fn check(value: Option<&Spanned<toml::Value>>, report: &mut Report) -> RevealPolicy {
    let Some(value) = value else {
        return RevealPolicy::default();
    };
    match read(value.get_ref()) {
        Ok(policy) => policy,
        Err(problem) => {
            report(
                value.span(),
                Code::InvalidField,
                format!("`reveal` {problem}; it is {FORMS}"),
            );
            RevealPolicy::default()
        }
    }
}

/// Reads one value of `reveal`, or says what is wrong with it.
fn read(value: &toml::Value) -> Result<RevealPolicy, String> {
    match value {
        toml::Value::String(word) => match word.trim() {
            "always" => Ok(RevealPolicy::Always),
            "after-pass" => Ok(RevealPolicy::AfterPass),
            other => Err(format!("is `\"{other}\"`")),
        },
        toml::Value::Table(table) => {
            let attempts = match (table.len(), table.get("after_attempts")) {
                (1, Some(attempts)) => attempts,
                _ => return Err(format!("is the table `{value}`")),
            };
            // Attempts count from 1, so 0 is a slip: it could mean "always" or "never", and
            // guessing wrong would show keys the author meant to keep back.
            attempts
                .as_integer()
                .and_then(|n| u32::try_from(n).ok())
                .and_then(NonZeroU32::new)
                .map(RevealPolicy::AfterAttempts)
                .ok_or_else(|| format!("has `after_attempts = {attempts}`"))
        }
        other => Err(format!("is `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_toml(text: &str) -> Result<RevealPolicy, String> {
        let table: toml::Table = toml::from_str(&format!("reveal = {text}")).unwrap();
        read(&table["reveal"])
    }

    #[test]
    fn reads_the_three_forms() {
        assert_eq!(read_toml("\"always\""), Ok(RevealPolicy::Always));
        assert_eq!(read_toml("\"after-pass\""), Ok(RevealPolicy::AfterPass));
        assert_eq!(
            read_toml("{ after_attempts = 3 }"),
            Ok(RevealPolicy::AfterAttempts(NonZeroU32::new(3).unwrap()))
        );
    }

    #[test]
    fn refuses_zero_negative_unknown_words_and_other_keys() {
        for bad in [
            "{ after_attempts = 0 }",
            "{ after_attempts = -2 }",
            "{ after_attempts = \"3\" }",
            "{ after_attempt = 3 }",
            "{ after_attempts = 3, also = 1 }",
            "\"after_pass\"",
            "\"never\"",
            "true",
            "3",
        ] {
            assert!(read_toml(bad).is_err(), "{bad} was read");
        }
    }
}
