//! Edited lesson examples: the learner's version of an example, kept until they reset it.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// The learner's version of one lesson example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleEdit {
    /// The whole program as they left it.
    pub code: String,
    /// The hash of the lesson's version it was edited from.
    pub based_on: String,
    /// When it was last saved (UTC, `YYYY-MM-DD HH:MM:SS`).
    pub saved_at: String,
}

impl Store {
    /// The learner's version of example `number` of `lesson`, if they edited it.
    pub fn example_edit(
        &self,
        lesson: &str,
        number: usize,
    ) -> Result<Option<ExampleEdit>, StoreError> {
        self.conn
            .query_row(
                "SELECT code, based_on, saved_at FROM example_edits WHERE lesson = ?1 AND number = ?2",
                params![lesson, number as i64],
                |row| {
                    Ok(ExampleEdit {
                        code: row.get(0)?,
                        based_on: row.get(1)?,
                        saved_at: row.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Keeps `code` as the learner's version of example `number` of `lesson`, replacing an
    /// earlier one.
    pub fn save_example_edit(
        &mut self,
        lesson: &str,
        number: usize,
        code: &str,
        based_on: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO example_edits (lesson, number, code, based_on) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (lesson, number) DO UPDATE SET code = excluded.code,
                     based_on = excluded.based_on,
                     saved_at = strftime('%Y-%m-%d %H:%M:%S', 'now')",
                params![lesson, number as i64, code, based_on],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Forgets the learner's version of example `number` of `lesson`; true when there was one.
    pub fn forget_example_edit(&mut self, lesson: &str, number: usize) -> Result<bool, StoreError> {
        let deleted = self
            .conn
            .execute(
                "DELETE FROM example_edits WHERE lesson = ?1 AND number = ?2",
                params![lesson, number as i64],
            )
            .map_err(self.err())?;
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[test]
    fn an_edit_is_kept_replaced_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        assert_eq!(store.example_edit("caching", 2).unwrap(), None);
        store
            .save_example_edit("caching", 2, "fn main() {}\n", "h1")
            .unwrap();
        store
            .save_example_edit("caching", 2, "fn main() { x }\n", "h2")
            .unwrap();
        store
            .save_example_edit("caching", 3, "other\n", "h3")
            .unwrap();
        let edit = store.example_edit("caching", 2).unwrap().unwrap();
        assert_eq!(
            (edit.code.as_str(), edit.based_on.as_str()),
            ("fn main() { x }\n", "h2")
        );
        assert!(store.forget_example_edit("caching", 2).unwrap());
        assert!(!store.forget_example_edit("caching", 2).unwrap());
        assert_eq!(store.example_edit("caching", 2).unwrap(), None);
        assert!(store.example_edit("caching", 3).unwrap().is_some());
    }
}
