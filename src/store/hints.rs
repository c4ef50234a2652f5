//! Revealed hints: which hints of an exercise the learner has seen.

use std::collections::BTreeSet;

use rusqlite::TransactionBehavior;

use super::{Store, StoreError};

impl Store {
    /// How many hints each exercise has had revealed, by exercise slug.
    pub fn hint_counts(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT exercise, COUNT(*) FROM hints GROUP BY exercise ORDER BY exercise")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(self.err())?;
        rows.map(|r| r.map(|(e, n)| (e, usize::try_from(n).unwrap_or(0))))
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }

    /// How many hints of `exercise` have been revealed.
    pub fn revealed_hints(&self, exercise: &str) -> Result<usize, StoreError> {
        let count: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM hints WHERE exercise = ?1",
                [exercise],
                |row| row.get(0),
            )
            .map_err(self.err())?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Which hints of `exercise` have been revealed, by 0-based index.
    pub fn revealed_hint_indices(&self, exercise: &str) -> Result<BTreeSet<usize>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT hint_index FROM hints WHERE exercise = ?1")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([exercise], |row| row.get::<_, i64>(0))
            .map_err(self.err())?;
        rows.map(|r| r.map(|i| usize::try_from(i).unwrap_or(usize::MAX)))
            .collect::<Result<_, _>>()
            .map_err(self.err())
    }

    /// Reveals the first hint of `order` (0-based indexes, most helpful first) not revealed
    /// yet. Choosing and recording happen in one immediate transaction, so two front ends
    /// revealing at once reveal two different hints, never one twice. Returns the index
    /// revealed, or `None` when every hint of `order` was revealed already.
    pub fn reveal_first_of(
        &mut self,
        exercise: &str,
        order: &[usize],
    ) -> Result<Option<usize>, StoreError> {
        let err = self.tx_err();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let revealed: BTreeSet<i64> = {
            let mut stmt = tx
                .prepare("SELECT hint_index FROM hints WHERE exercise = ?1")
                .map_err(&err)?;
            let rows = stmt
                .query_map([exercise], |row| row.get::<_, i64>(0))
                .map_err(&err)?;
            rows.collect::<Result<_, _>>().map_err(&err)?
        };
        let Some(next) = order
            .iter()
            .copied()
            .find(|&i| !revealed.contains(&(i as i64)))
        else {
            return Ok(None);
        };
        tx.execute(
            "INSERT OR IGNORE INTO hints (exercise, hint_index) VALUES (?1, ?2)",
            rusqlite::params![exercise, next as i64],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        Ok(Some(next))
    }
}
