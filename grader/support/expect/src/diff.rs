//! A JSON-aware difference: which field, what was expected there, and what came instead.
//! [`differences`] compares objects by the fields the expectation names (a response may
//! carry more); [`all_differences`] also names the fields the expectation does not have.
//! Lists must have the same length and matching items.

use serde_json::Value;

/// One field whose value is not the expected one.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Where: `data.email`, `data[2].id`, or `(the body)` for the whole of it.
    pub path: String,
    /// What the check expected there.
    pub expected: Value,
    /// What the response has there, or `None` when the field is missing.
    pub actual: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let actual = match &self.actual {
            Some(value) => short(value),
            None => "missing".to_string(),
        };
        write!(
            f,
            "at {}: expected {}, actual {}",
            self.path,
            short(&self.expected),
            actual
        )
    }
}

/// Every place where `actual` does not have what `expected` asks for; fields of `actual`
/// that `expected` does not name are allowed.
pub fn differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    walk(expected, Some(actual), "", Extra::Allowed, &mut found);
    found
}

/// Every place where `actual` and `expected` differ, an extra field of `actual` included
/// (its `expected` is `null` and its path says "(not expected)").
pub fn all_differences(expected: &Value, actual: &Value) -> Vec<Difference> {
    let mut found = Vec::new();
    walk(expected, Some(actual), "", Extra::Reported, &mut found);
    found
}

/// What to do with a field the expectation does not name.
#[derive(Clone, Copy, PartialEq)]
enum Extra {
    Allowed,
    Reported,
}

fn walk(
    expected: &Value,
    actual: Option<&Value>,
    path: &str,
    extra: Extra,
    found: &mut Vec<Difference>,
) {
    let here = || {
        if path.is_empty() {
            "(the body)".to_string()
        } else {
            path.to_string()
        }
    };
    match (expected, actual) {
        (Value::Object(fields), Some(Value::Object(theirs))) => {
            for (name, value) in fields {
                let at = join(path, name);
                walk(value, theirs.get(name), &at, extra, found);
            }
            if extra == Extra::Reported {
                for (name, value) in theirs.iter().filter(|(n, _)| !fields.contains_key(*n)) {
                    found.push(Difference {
                        path: format!("{} (not expected)", join(path, name)),
                        expected: Value::Null,
                        actual: Some(value.clone()),
                    });
                }
            }
        }
        (Value::Array(items), Some(Value::Array(theirs))) if items.len() == theirs.len() => {
            for (i, (mine, yours)) in items.iter().zip(theirs).enumerate() {
                walk(mine, Some(yours), &format!("{path}[{i}]"), extra, found);
            }
        }
        (Value::Array(items), Some(Value::Array(theirs))) => found.push(Difference {
            path: format!(
                "{} (a list of {} items, not {})",
                here(),
                items.len(),
                theirs.len()
            ),
            expected: expected.clone(),
            actual: Some(Value::Array(theirs.clone())),
        }),
        (expected, actual) if actual != Some(expected) => found.push(Difference {
            path: here(),
            expected: expected.clone(),
            actual: actual.cloned(),
        }),
        _ => {}
    }
}

/// The path of field `name` inside `path`.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// A value in one line, at most about 120 characters.
pub fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 120 {
        return text;
    }
    let cut: String = text.chars().take(117).collect();
    format!("{cut}...")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_field_that_differs_and_ignores_extra_ones() {
        let expected = json!({"data": {"email": "a@b.c", "id": 1}});
        let actual = json!({"data": {"email": "A@b.c", "extra": true}});
        let found: Vec<String> = differences(&expected, &actual)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "at data.email: expected \"a@b.c\", actual \"A@b.c\"",
                "at data.id: expected 1, actual missing"
            ]
        );
    }

    #[test]
    fn lists_of_another_length_differ_as_a_whole() {
        let found = differences(&json!([1, 2]), &json!([1]));
        assert_eq!(found.len(), 1);
        assert!(found[0].path.contains("a list of 2 items, not 1"));
        assert!(differences(&json!([{"id": 1}]), &json!([{"id": 1, "x": 0}])).is_empty());
    }

    #[test]
    fn all_differences_names_a_field_that_was_not_expected() {
        let found: Vec<String> = all_differences(&json!({"a": 1}), &json!({"a": 1, "b": [2]}))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, ["at b (not expected): expected null, actual [2]"]);
    }
}
