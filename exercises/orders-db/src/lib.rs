//! Orders on SQLite: versioned migrations, an order placed in one transaction,
//! optimistic concurrency on prices, keyset pagination, and a listing that
//! loads every order's items in a fixed number of queries.
//!
//! Money is in integer cents and time is whatever the caller passes in (Unix
//! seconds in the tests): the store never reads the system clock.
//!
//! The types, the errors (with their `Display`), `schema_version`, the first
//! migration and `Store`'s constructors are given, finished. Everything that
//! says `todo!()` is yours, and so is the second migration: see README.md for
//! the steps. You may add private fields, types and helper functions freely,
//! but keep every public signature as it is, because the grader's tests are
//! compiled against them.

use std::error::Error;
use std::fmt;
use std::path::Path;

use rusqlite::Connection;

// ---------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------

/// One step of the schema's history. Its version is its position in the
/// list, counting from 1: the first migration brings a database from version
/// 0 to 1, the second from 1 to 2, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// A short description, used in error messages.
    pub name: &'static str,
    /// One or more SQL statements, run together with `execute_batch`.
    pub sql: &'static str,
}

/// The store's schema, oldest first. Never edit a migration once it has run
/// somewhere: add a new one at the end.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "create products, orders and order items",
        sql: "
            CREATE TABLE products (
                id          INTEGER PRIMARY KEY,
                name        TEXT    NOT NULL,
                price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
                stock       INTEGER NOT NULL CHECK (stock >= 0),
                version     INTEGER NOT NULL DEFAULT 1
            );
            CREATE TABLE orders (
                id          INTEGER PRIMARY KEY,
                customer    TEXT    NOT NULL,
                created_at  INTEGER NOT NULL,
                total_cents INTEGER NOT NULL
            );
            CREATE TABLE order_items (
                id               INTEGER PRIMARY KEY,
                order_id         INTEGER NOT NULL REFERENCES orders (id),
                product_id       INTEGER NOT NULL REFERENCES products (id),
                quantity         INTEGER NOT NULL CHECK (quantity > 0),
                unit_price_cents INTEGER NOT NULL
            );
            -- Items are always read by their order: index the foreign key.
            CREATE INDEX order_items_by_order ON order_items (order_id);
        ",
    },
    // TODO (step 6): add the migration that indexes a customer's orders here,
    // as a new entry. Never edit a migration that may already have run.
];

/// Why `migrate` (or opening a store) failed.
#[derive(Debug)]
pub enum MigrationError {
    /// The database is at a version this code has no migration for: it was
    /// migrated by newer code. Nothing was changed.
    NewerDatabase {
        /// The database's `user_version`.
        found: u32,
        /// How many migrations this code knows.
        known: u32,
    },
    /// A migration failed and was rolled back: the database stays at
    /// `version - 1`, and no later migration ran.
    Failed {
        /// The failed migration's version (its position in the list, from 1).
        version: u32,
        /// The failed migration's name.
        name: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// Opening the database or reading its version failed.
    Db(rusqlite::Error),
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NewerDatabase { found, known } => write!(
                f,
                "the database is at schema version {found}, but this code only knows {known} migrations"
            ),
            Self::Failed {
                version,
                name,
                source,
            } => write!(f, "migration {version} ({name}) failed: {source}"),
            Self::Db(error) => write!(f, "database error: {error}"),
        }
    }
}

impl Error for MigrationError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed { source, .. } => Some(source),
            Self::Db(error) => Some(error),
            Self::NewerDatabase { .. } => None,
        }
    }
}

impl From<rusqlite::Error> for MigrationError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Db(error)
    }
}

/// The database's schema version: SQLite's `PRAGMA user_version` (0 for a new database).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the database up to date: runs, in order, every migration after the
/// database's current version, and returns how many ran (0 when it was
/// already up to date).
///
/// Each migration runs in its own transaction together with its version
/// bump, so a failing migration leaves no trace and the version unchanged.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<usize, MigrationError> {
    let _ = (conn, migrations);
    todo!("run each pending migration in its own transaction, with its version bump")
}

// ---------------------------------------------------------------------------
// The domain
// ---------------------------------------------------------------------------

/// A product's id (its row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductId(pub i64);

/// An order's id (its row id). Later orders get larger ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(pub i64);

/// A product as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// The product's id.
    pub id: ProductId,
    /// The name, exactly as given.
    pub name: String,
    /// The current unit price, in cents.
    pub price_cents: i64,
    /// Units in stock.
    pub stock: u32,
    /// Starts at 1 and goes up by one with every price change.
    pub version: i64,
}

/// One line of an order being placed: how many units of which product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The product ordered.
    pub product: ProductId,
    /// How many units; at least 1.
    pub quantity: u32,
}

/// An order as stored, without its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The order's id.
    pub id: OrderId,
    /// The customer, exactly as given.
    pub customer: String,
    /// When it was placed, as passed to `place_order` (Unix seconds).
    pub created_at: i64,
    /// The sum of quantity × unit price over its items, in cents.
    pub total_cents: i64,
}

/// One item of a stored order, with the price it was sold at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderItem {
    /// The product sold.
    pub product: ProductId,
    /// How many units.
    pub quantity: u32,
    /// The product's price when the order was placed, in cents.
    pub unit_price_cents: i64,
}

/// An order together with its items, in the order of the lines placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderWithItems {
    /// The order.
    pub order: Order,
    /// Its items, in line order.
    pub items: Vec<OrderItem>,
}

/// Where a page ended: the sort key of the last order on it. Pass it back as
/// `after` to get the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last order's `created_at`.
    pub created_at: i64,
    /// The last order's id, the tie-breaker between equal `created_at`s.
    pub id: OrderId,
}

/// One page of a customer's orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// At most `limit` orders.
    pub orders: Vec<Order>,
    /// The cursor for the next page; `None` when this page holds the customer's last order.
    pub next: Option<Cursor>,
}

/// Why a store operation failed. When an operation fails, it changed nothing.
#[derive(Debug)]
pub enum StoreError {
    /// No product has this id.
    UnknownProduct(ProductId),
    /// A price below zero cents.
    NegativePrice(i64),
    /// An order with no lines.
    EmptyOrder,
    /// A line with quantity 0.
    ZeroQuantity(ProductId),
    /// A line asks for more units than the product has in stock.
    InsufficientStock {
        /// The product that is short.
        product: ProductId,
        /// Its name.
        name: String,
        /// The units the line asked for.
        requested: u32,
        /// The units that were available to that line.
        available: u32,
    },
    /// The product's version is no longer the one the caller read: somebody
    /// else changed it first. Re-read it and decide again.
    Conflict {
        /// The product.
        product: ProductId,
        /// The version the caller expected.
        expected: i64,
        /// The version it has now.
        actual: i64,
    },
    /// SQLite failed.
    Db(rusqlite::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownProduct(id) => write!(f, "no product has id {}", id.0),
            Self::NegativePrice(cents) => write!(f, "a price cannot be negative ({cents} cents)"),
            Self::EmptyOrder => write!(f, "an order needs at least one line"),
            Self::ZeroQuantity(id) => write!(f, "the line for product {} has quantity 0", id.0),
            Self::InsufficientStock {
                product,
                name,
                requested,
                available,
            } => write!(
                f,
                "not enough stock of product {} ({name:?}): {requested} requested, {available} available",
                product.0
            ),
            Self::Conflict {
                product,
                expected,
                actual,
            } => write!(
                f,
                "product {} was changed by someone else: expected version {expected}, found {actual}",
                product.0
            ),
            Self::Db(error) => write!(f, "database error: {error}"),
        }
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Db(error) => Some(error),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Db(error)
    }
}

// ---------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------

/// The orders database: one SQLite connection, migrated to `MIGRATIONS`.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (or creates) the database file at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, MigrationError> {
        Store::from_connection(Connection::open(path)?)
    }

    /// Opens a fresh in-memory database and migrates it.
    pub fn open_in_memory() -> Result<Store, MigrationError> {
        Store::from_connection(Connection::open_in_memory()?)
    }

    /// Migrates `conn` with `MIGRATIONS` and wraps it. Tests use this to
    /// install a trace hook on the connection first.
    pub fn from_connection(mut conn: Connection) -> Result<Store, MigrationError> {
        migrate(&mut conn, MIGRATIONS)?;
        Ok(Store { conn })
    }

    /// The underlying connection, for reading the database directly.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Adds a product with version 1 and returns its id.
    ///
    /// Errors: `NegativePrice` if `price_cents < 0`.
    pub fn add_product(
        &mut self,
        name: &str,
        price_cents: i64,
        stock: u32,
    ) -> Result<ProductId, StoreError> {
        let _ = (name, price_cents, stock);
        todo!("insert the product with version 1")
    }

    /// Reads one product. Errors: `UnknownProduct`.
    pub fn product(&self, id: ProductId) -> Result<Product, StoreError> {
        let _ = id;
        todo!("read one product")
    }

    /// Places an order: in one transaction, takes every line's quantity out
    /// of stock and stores the order and its items at today's prices.
    ///
    /// Errors (and then nothing changed): `EmptyOrder`, `ZeroQuantity`,
    /// `UnknownProduct`, `InsufficientStock` naming the product that is short.
    pub fn place_order(
        &mut self,
        customer: &str,
        lines: &[Line],
        created_at: i64,
    ) -> Result<OrderId, StoreError> {
        let _ = (customer, lines, created_at);
        todo!("check and take stock for every line, then store the order, all in one transaction")
    }

    /// Changes a product's price if its version is still `expected_version`,
    /// and returns the new version (one more).
    ///
    /// Errors (and then nothing changed): `NegativePrice`, `UnknownProduct`,
    /// `Conflict` when the product's version is no longer `expected_version`.
    pub fn update_price(
        &mut self,
        id: ProductId,
        new_price_cents: i64,
        expected_version: i64,
    ) -> Result<i64, StoreError> {
        let _ = (id, new_price_cents, expected_version);
        todo!("compare-and-set on the version column")
    }

    /// One page of `customer`'s orders, newest first (by `created_at`, then
    /// id), starting after `after` (or at the newest order when `None`).
    /// `limit` is at least 1.
    pub fn orders_page(
        &self,
        customer: &str,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let _ = (customer, after, limit);
        todo!("seek past the cursor, newest first")
    }

    /// All of `customer`'s orders, newest first, each with its items in line
    /// order, read in a fixed number of queries whatever the number of orders.
    pub fn orders_with_items(&self, customer: &str) -> Result<Vec<OrderWithItems>, StoreError> {
        let _ = customer;
        todo!("every order with its items, in a fixed number of queries")
    }
}
