//! Hidden tests for `migrate` and the store's own migrations.

mod common;

use expect::expect_eq;
use orders_db::{MIGRATIONS, Migration, MigrationError, Store, migrate, schema_version};
use rusqlite::Connection;

const CREATE: Migration = Migration {
    name: "create notes",
    sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
};
const SEED: Migration = Migration {
    name: "seed a note",
    sql: "INSERT INTO notes (body) VALUES ('hello');",
};
const ADD_COLUMN: Migration = Migration {
    name: "add pinned",
    sql: "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;",
};
/// Its first statement works, its second fails: the first must be undone too.
const BROKEN: Migration = Migration {
    name: "add nickname, then index a missing table",
    sql: "ALTER TABLE notes ADD COLUMN nickname TEXT; CREATE INDEX broken ON missing (x);",
};
const LATER: Migration = Migration {
    name: "create tags",
    sql: "CREATE TABLE tags (id INTEGER PRIMARY KEY);",
};

fn version(conn: &Connection) -> u32 {
    schema_version(conn).expect("PRAGMA user_version can be read")
}

fn notes(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM notes", [], |row| row.get(0))
        .expect("the notes table exists")
}

fn has_column(conn: &Connection, table: &str, column: &str) -> bool {
    conn.prepare(&format!("SELECT {column} FROM {table}"))
        .is_ok()
}

/// A new database gets every migration, in order, and `migrate` says how many ran.
/// Rules: migrate-applies-in-order, migrate-returns-count.
#[test]
fn a_new_database_gets_every_migration_in_order() {
    let mut conn = Connection::open_in_memory().unwrap();
    let ran = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN]).expect("three valid migrations");
    expect_eq!(ran, 3, "migrate should report that it ran 3 migrations");
    expect_eq!(
        version(&conn),
        3,
        "user_version should be 3 after three migrations"
    );
    expect_eq!(
        notes(&conn),
        1,
        "the seed migration should have inserted one note"
    );
    assert!(
        has_column(&conn, "notes", "pinned"),
        "the third migration's column is missing"
    );
}

/// Running `migrate` again on an up-to-date database runs nothing and returns 0.
/// Rules: migrate-twice-noop, migrate-returns-count.
#[test]
fn migrating_twice_is_a_no_op() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, &[CREATE, SEED]).expect("two valid migrations");
    let again = migrate(&mut conn, &[CREATE, SEED])
        .expect("migrating an up-to-date database should succeed, doing nothing");
    expect_eq!(again, 0, "the second migrate should run no migration");
    expect_eq!(
        notes(&conn),
        1,
        "the seed migration ran twice: expected 1 note"
    );
    expect_eq!(version(&conn), 2);
}

/// Migrations appended to the list later are the only ones the next `migrate` runs.
/// Rules: migrate-runs-only-new, migrate-returns-count, migrate-applies-in-order.
#[test]
fn only_appended_migrations_run() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, &[CREATE, SEED]).expect("two valid migrations");
    let ran = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN, LATER]).expect("two new migrations");
    expect_eq!(ran, 2, "only the two appended migrations should run");
    expect_eq!(version(&conn), 4);
    expect_eq!(
        notes(&conn),
        1,
        "the seed migration ran again: expected 1 note"
    );
    assert!(has_column(&conn, "notes", "pinned") && has_column(&conn, "tags", "id"));
}

/// A migration that fails is rolled back completely, keeps the version, stops the run and is named in the error.
/// Rules: failed-migration-rolls-back, failed-migration-keeps-version, failed-migration-named.
#[test]
fn a_broken_migration_leaves_no_trace() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, &[CREATE, SEED]).expect("two valid migrations");

    let error = migrate(&mut conn, &[CREATE, SEED, BROKEN, LATER])
        .expect_err("a migration whose SQL fails must make migrate return an error");
    match error {
        MigrationError::Failed { version, name, .. } => {
            expect_eq!(version, 3, "the broken migration is the third one");
            expect_eq!(
                name, BROKEN.name,
                "the error should carry the failed migration's name"
            );
        }
        other => panic!("expected MigrationError::Failed for migration 3, got {other:?}"),
    }
    expect_eq!(
        version(&conn),
        2,
        "user_version must stay at the last migration that succeeded"
    );
    assert!(
        !has_column(&conn, "notes", "nickname"),
        "the broken migration's first statement (ADD COLUMN nickname) was not rolled back"
    );
    assert!(
        !has_column(&conn, "tags", "id"),
        "no migration may run after the one that failed"
    );

    // Fixed forward, the list applies cleanly from version 2.
    let ran = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN, LATER]).expect("valid migrations");
    expect_eq!(
        (ran, version(&conn)),
        (2, 4),
        "after the fix, migrations 3 and 4 should run"
    );
}

/// A migration that fails after others of the same call succeeded is named by its own version, and `user_version` says which migrations stayed applied.
/// Rules: failed-migration-keeps-version, failed-migration-named.
#[test]
fn a_failure_later_in_the_same_call_keeps_the_version_honest() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate(&mut conn, &[CREATE, SEED]).expect("two valid migrations");

    let error = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN, BROKEN, LATER])
        .expect_err("a migration whose SQL fails must make migrate return an error");
    match error {
        MigrationError::Failed { version, name, .. } => expect_eq!(
            (version, name),
            (4, BROKEN.name),
            "the failed migration is the fourth of the list (the third ran fine in the same call): \
             (version, name)"
        ),
        other => panic!("expected MigrationError::Failed for migration 4, got {other:?}"),
    }
    let at = version(&conn);
    let pinned = has_column(&conn, "notes", "pinned");
    assert!(
        (at == 3 && pinned) || (at == 2 && !pinned),
        "after migration 3 succeeded and 4 failed in one call, user_version must say what is applied: \
         3 with migration 3's column `pinned`, or 2 without it; found user_version {at} and the \
         column {}",
        if pinned { "present" } else { "absent" }
    );
    assert!(
        !has_column(&conn, "notes", "nickname") && !has_column(&conn, "tags", "id"),
        "the failed migration must be rolled back and no later migration run"
    );

    let ran = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN, LATER])
        .expect("after the fix, the remaining migrations should apply cleanly");
    expect_eq!(
        (ran, version(&conn)),
        (4 - at as usize, 4),
        "after the fix, (migrations run, user_version)"
    );
}

/// A database already migrated past the known list is refused and left as it is.
/// Rules: newer-database-refused.
#[test]
fn a_newer_database_is_refused() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.execute_batch("PRAGMA user_version = 5").unwrap();
    let error = migrate(&mut conn, &[CREATE, SEED, ADD_COLUMN])
        .expect_err("a database at version 5 with only 3 known migrations must be refused");
    assert!(
        matches!(error, MigrationError::NewerDatabase { found: 5, known: 3 }),
        "expected NewerDatabase {{ found: 5, known: 3 }}, got {error:?}"
    );
    expect_eq!(
        version(&conn),
        5,
        "the refused database's version must not change"
    );
    assert!(
        !has_column(&conn, "notes", "id"),
        "no migration may run on a newer database"
    );
}

/// Reopening a database file keeps its data and does not migrate it again.
/// Rules: migrate-twice-noop.
#[test]
fn reopening_a_file_keeps_the_data() {
    let path = std::env::temp_dir().join(format!("orders-db-reopen-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let desk = {
        let mut store = Store::open(&path).expect("a new database file opens and migrates");
        store.add_product("Desk", 12_000, 5).unwrap()
    };
    let reopened = Store::open(&path);
    let result = reopened.map(|store| store.product(desk).map(|product| product.name));
    let _ = std::fs::remove_file(&path);
    match result {
        Ok(Ok(name)) => expect_eq!(name, "Desk"),
        Ok(Err(error)) => panic!("the product added before reopening is gone: {error}"),
        Err(error) => {
            panic!("reopening an up-to-date database failed (migrations ran again?): {error}")
        }
    }
}

/// The given first migration is kept exactly as it was, and the index comes as a new migration.
/// Rules: first-migration-unchanged.
#[test]
fn the_first_migration_is_unchanged() {
    let words = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let given = "CREATE TABLE products ( id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents \
        INTEGER NOT NULL CHECK (price_cents >= 0), stock INTEGER NOT NULL CHECK (stock >= 0), \
        version INTEGER NOT NULL DEFAULT 1 ); CREATE TABLE orders ( id INTEGER PRIMARY KEY, \
        customer TEXT NOT NULL, created_at INTEGER NOT NULL, total_cents INTEGER NOT NULL ); \
        CREATE TABLE order_items ( id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES \
        orders (id), product_id INTEGER NOT NULL REFERENCES products (id), quantity INTEGER NOT \
        NULL CHECK (quantity > 0), unit_price_cents INTEGER NOT NULL ); -- Items are always read \
        by their order: index the foreign key. CREATE INDEX order_items_by_order ON order_items \
        (order_id);";
    assert!(
        MIGRATIONS.len() >= 2,
        "MIGRATIONS should hold the given migration plus your index migration, found {}",
        MIGRATIONS.len()
    );
    expect_eq!(
        words(MIGRATIONS[0].sql),
        words(given),
        "MIGRATIONS[0] was edited: a migration that may have run somewhere must not change; add a new one"
    );
}
