//! The SQLite database: opening it, bringing its schema up to date with migrations, and
//! running queries without blocking the async runtime.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::ApiError;

/// The schema, as an ordered list of steps. Step `n` (counting from 1) runs exactly once, on
/// a database whose `PRAGMA user_version` is `n - 1`, and leaves it at `n`.
///
/// Never edit or reorder a step that has shipped: databases in the wild have already run
/// it and will not run it again. Change the schema by appending a step.
///
/// `AUTOINCREMENT` is what keeps ids from being reused. A plain `INTEGER PRIMARY KEY` hands
/// out one more than the largest id *present*, so deleting the newest product would give
/// its id to the next one; `AUTOINCREMENT` remembers the largest id *ever* used, in the
/// `sqlite_sequence` table, which is committed with the row and so survives a restart.
const MIGRATIONS: &[&str] = &[
    // 1: the catalog (stage 1).
    //
    // `name_folded` is the lower-cased name, written by Rust next to `name`: SQLite's own
    // `lower()` and `LIKE` fold ASCII letters only, so "CAFÉ" would never match "café".
    //
    // `version` feeds the ETag (stage 3). The trigger bumps it on *every* update of a row,
    // whoever makes it: a PATCH, an order taking stock, a cancel putting it back. No code
    // path can forget to, so a cached copy can never look current when it is not. (The
    // trigger's own UPDATE does not fire it again: SQLite's recursive triggers are off, and
    // the WHEN clause would stop it anyway.)
    //
    // `CHECK (stock >= 0)` is the last line of defence of "never oversell": even a bug in
    // the order code could not commit a negative stock.
    "CREATE TABLE products (
         id          INTEGER PRIMARY KEY AUTOINCREMENT,
         name        TEXT NOT NULL,
         name_folded TEXT NOT NULL,
         description TEXT NOT NULL,
         category    TEXT NOT NULL,
         price_cents INTEGER NOT NULL CHECK (price_cents > 0),
         stock       INTEGER NOT NULL CHECK (stock >= 0),
         version     INTEGER NOT NULL DEFAULT 1
     ) STRICT;
     CREATE INDEX products_by_category ON products (category);
     CREATE TRIGGER products_version AFTER UPDATE ON products
     FOR EACH ROW WHEN NEW.version = OLD.version
     BEGIN
         UPDATE products SET version = OLD.version + 1 WHERE id = NEW.id;
     END;",
    // 2: customers and their login tokens (stage 2).
    "CREATE TABLE customers (
         id            INTEGER PRIMARY KEY AUTOINCREMENT,
         email         TEXT NOT NULL UNIQUE,
         password_hash TEXT NOT NULL
     ) STRICT;
     CREATE TABLE sessions (
         token       TEXT PRIMARY KEY,
         customer_id INTEGER NOT NULL REFERENCES customers (id)
     ) STRICT;",
    // 3: carts (stage 4). `id` only orders the items by when they were first added (a new
    // quantity updates the row and keeps its place). Deleting a product deletes it from
    // every cart, through the cascade.
    "CREATE TABLE cart_items (
         id          INTEGER PRIMARY KEY,
         customer_id INTEGER NOT NULL REFERENCES customers (id),
         product_id  INTEGER NOT NULL REFERENCES products (id) ON DELETE CASCADE,
         quantity    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 99),
         UNIQUE (customer_id, product_id)
     ) STRICT;",
    // 4: orders (stages 5 and 7). An item copies the product's name and price: an order
    // records what was bought, at what price, whatever happens to the catalog later. So
    // `product_id` is deliberately not a foreign key: deleting the product must not touch
    // (or be blocked by) the orders that bought it.
    "CREATE TABLE orders (
         id          INTEGER PRIMARY KEY AUTOINCREMENT,
         customer_id INTEGER NOT NULL REFERENCES customers (id),
         status      TEXT NOT NULL
                     CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled', 'refunded')),
         total_cents INTEGER NOT NULL,
         charge_id   TEXT
     ) STRICT;
     CREATE INDEX orders_by_customer ON orders (customer_id, id);
     CREATE TABLE order_items (
         order_id         INTEGER NOT NULL REFERENCES orders (id),
         position         INTEGER NOT NULL,
         product_id       INTEGER NOT NULL,
         name             TEXT NOT NULL,
         unit_price_cents INTEGER NOT NULL,
         quantity         INTEGER NOT NULL,
         PRIMARY KEY (order_id, position)
     ) STRICT;",
    // 5: idempotency keys (stage 6): the response kept for a customer's key, to replay.
    "CREATE TABLE idempotency_keys (
         customer_id     INTEGER NOT NULL REFERENCES customers (id),
         idempotency_key TEXT NOT NULL,
         order_id        INTEGER NOT NULL REFERENCES orders (id),
         status          INTEGER NOT NULL,
         body            TEXT NOT NULL,
         PRIMARY KEY (customer_id, idempotency_key)
     ) STRICT;",
];

/// The one connection to the database, shared by every request.
///
/// One connection behind a mutex serialises every query. For a small service that is a
/// feature: each handler's read-check-write runs alone, with no interleaving to reason
/// about, and SQLite allows only one writer at a time anyway.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (or creates) the database file and migrates it. The error is one line naming
    /// the file, for `main` to print before exiting.
    pub fn open(path: &Path) -> Result<Db, String> {
        let describe = |error: rusqlite::Error| {
            format!(
                "cannot use the database {} (DATABASE_URL): {error}",
                path.display()
            )
        };
        let mut conn = Connection::open(path).map_err(describe)?;
        // SQLite checks foreign keys only when asked, once per connection.
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(describe)?;
        // If another process (a backup, someone with the sqlite3 shell) holds a lock,
        // wait for it a while instead of failing the request at once.
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(describe)?;
        // The journal mode is left at SQLite's default, a rollback journal: a commit then
        // lands in the database file itself, where anything that reads the file sees it.
        // WAL would keep recent commits in a side file until a checkpoint.
        migrate(&mut conn).map_err(|error| match error {
            MigrateError::Sqlite(error) => describe(error),
            MigrateError::UnknownVersion { found } => format!(
                "the database {} has schema version {found}, but this program knows versions \
                 0 to {} only (was it written by a newer version?): refusing to start",
                path.display(),
                MIGRATIONS.len()
            ),
        })?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on tokio's blocking thread pool, and returns what it
    /// returns.
    ///
    /// SQLite calls block (on the disk, on `fsync` at every commit), and blocking inside an
    /// async task would stall every other request on that runtime thread. The mutex is
    /// taken and released inside the blocking closure, so it is never held across an
    /// `.await`.
    ///
    /// Outside an explicit transaction SQLite commits each statement as it completes, so
    /// when `work` returns, every change it made is on disk, before any response is sent.
    pub async fn call<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let outcome = tokio::task::spawn_blocking(move || {
            // A poisoned mutex only means some closure panicked while holding it. SQLite
            // rolls back whatever that closure left uncommitted (rusqlite's `Transaction`
            // does so on drop), so the connection is still sound: carry on with it rather
            // than fail every later request.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await;
        outcome.map_err(ApiError::internal)?
    }
}

enum MigrateError {
    Sqlite(rusqlite::Error),
    UnknownVersion { found: i64 },
}

impl From<rusqlite::Error> for MigrateError {
    fn from(error: rusqlite::Error) -> MigrateError {
        MigrateError::Sqlite(error)
    }
}

/// Applies every step the database has not run yet, all in one transaction with the new
/// `user_version`: a crash halfway leaves the database exactly as it was, never with a step
/// applied but not counted (which would run it twice on the next start).
fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    // IMMEDIATE takes the write lock before reading the version, so two copies of the
    // program starting at once cannot both decide to run the same step.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let applied: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    // A version we do not know came from a newer program, whose schema we cannot guess at:
    // writing to it could corrupt its data. A negative one came from no program of ours.
    let applied = match usize::try_from(applied) {
        Ok(applied) if applied <= MIGRATIONS.len() => applied,
        _ => return Err(MigrateError::UnknownVersion { found: applied }),
    };
    for step in &MIGRATIONS[applied..] {
        tx.execute_batch(step)?;
    }
    if applied < MIGRATIONS.len() {
        // `user_version` lives in the database header, which the transaction covers: it is
        // committed together with the steps, or not at all.
        tx.pragma_update(None, "user_version", MIGRATIONS.len())?;
    }
    tx.commit()?;
    Ok(())
}
