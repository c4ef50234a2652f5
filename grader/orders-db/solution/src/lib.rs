//! Orders on SQLite: versioned migrations, an order placed in one transaction,
//! optimistic concurrency on prices, keyset pagination, and a listing that
//! loads every order's items in a fixed number of queries.
//!
//! Money is in integer cents and time is whatever the caller passes in (Unix
//! seconds in the tests): the store never reads the system clock.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

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
    // A new migration rather than an edit of the first: databases already at
    // version 1 get the index too. Equality column first, then the sort
    // columns, so one index seek finds a customer's orders already in page
    // order (`id` is the rowid, which every SQLite index ends with anyway).
    Migration {
        name: "index a customer's orders by time",
        sql: "CREATE INDEX orders_by_customer ON orders (customer, created_at, id);",
    },
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
    let current = schema_version(conn)?;
    let known = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    if current > known {
        // Running old code against a newer schema would corrupt data quietly.
        return Err(MigrationError::NewerDatabase {
            found: current,
            known,
        });
    }
    let mut applied = 0;
    for (version, migration) in (1..).zip(migrations).skip(current as usize) {
        let failed = |source| MigrationError::Failed {
            version,
            name: migration.name,
            source,
        };
        // Every error of this migration, its bookkeeping included (BEGIN, the
        // version update, COMMIT), is reported as its failure; the README
        // accepts `Db` for the bookkeeping too, which the tests never break.
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(migration.sql).map_err(failed)?;
        // PRAGMA takes no bound parameters; `version` is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(failed)?;
        // Dropping `tx` on any `?` above rolls back the half-done migration.
        tx.commit().map_err(failed)?;
        applied += 1;
    }
    Ok(applied)
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
        if price_cents < 0 {
            return Err(StoreError::NegativePrice(price_cents));
        }
        // Every value travels as a bound parameter: a name full of quotes and
        // semicolons is stored as text, never run as SQL.
        self.conn.execute(
            "INSERT INTO products (name, price_cents, stock, version) VALUES (?1, ?2, ?3, 1)",
            params![name, price_cents, stock],
        )?;
        Ok(ProductId(self.conn.last_insert_rowid()))
    }

    /// Reads one product. Errors: `UnknownProduct`.
    pub fn product(&self, id: ProductId) -> Result<Product, StoreError> {
        self.conn
            .query_row(
                "SELECT id, name, price_cents, stock, version FROM products WHERE id = ?1",
                [id.0],
                |row| {
                    Ok(Product {
                        id: ProductId(row.get(0)?),
                        name: row.get(1)?,
                        price_cents: row.get(2)?,
                        stock: row.get(3)?,
                        version: row.get(4)?,
                    })
                },
            )
            .optional()?
            .ok_or(StoreError::UnknownProduct(id))
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
        if lines.is_empty() {
            return Err(StoreError::EmptyOrder);
        }
        if let Some(line) = lines.iter().find(|line| line.quantity == 0) {
            return Err(StoreError::ZeroQuantity(line.product));
        }
        // Rolls back when dropped: every early return below undoes the stock
        // already taken by earlier lines. A deferred transaction (the default)
        // is enough because the check and the write are one statement; an
        // immediate one would do as well.
        let tx = self.conn.transaction()?;
        let mut prices = Vec::with_capacity(lines.len());
        for line in lines {
            prices.push(take_stock(&tx, line)?);
        }
        let total: i64 = lines
            .iter()
            .zip(&prices)
            .map(|(line, price)| i64::from(line.quantity) * price)
            .sum();
        tx.execute(
            "INSERT INTO orders (customer, created_at, total_cents) VALUES (?1, ?2, ?3)",
            params![customer, created_at, total],
        )?;
        let order = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (line, price) in lines.iter().zip(&prices) {
                insert.execute(params![order, line.product.0, line.quantity, price])?;
            }
        }
        tx.commit()?;
        Ok(OrderId(order))
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
        if new_price_cents < 0 {
            return Err(StoreError::NegativePrice(new_price_cents));
        }
        // The version check and the write are one statement, so no other
        // writer can slip in between them: compare-and-set in SQL.
        let changed = self.conn.execute(
            "UPDATE products SET price_cents = ?1, version = version + 1
             WHERE id = ?2 AND version = ?3",
            params![new_price_cents, id.0, expected_version],
        )?;
        if changed == 1 {
            return Ok(expected_version + 1);
        }
        // Zero rows: either the product is gone or somebody got there first.
        let actual: Option<i64> = self
            .conn
            .query_row(
                "SELECT version FROM products WHERE id = ?1",
                [id.0],
                |row| row.get(0),
            )
            .optional()?;
        match actual {
            None => Err(StoreError::UnknownProduct(id)),
            Some(actual) => Err(StoreError::Conflict {
                product: id,
                expected: expected_version,
                actual,
            }),
        }
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
        // One row more than asked tells whether another page follows.
        let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
        // Seek past the cursor instead of counting rows to skip: rows inserted
        // meanwhile cannot shift the page, and the index finds the spot
        // directly. With no cursor, start above every possible key.
        let (created_at, id) = match after {
            Some(cursor) => (cursor.created_at, cursor.id.0),
            None => (i64::MAX, i64::MAX),
        };
        let mut stmt = self.conn.prepare(
            "SELECT id, customer, created_at, total_cents FROM orders
             WHERE customer = ?1 AND (created_at, id) < (?2, ?3)
             ORDER BY created_at DESC, id DESC
             LIMIT ?4",
        )?;
        let mut orders = stmt
            .query_map(params![customer, created_at, id, fetch], order_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let more = orders.len() > limit;
        orders.truncate(limit);
        let next = match orders.last() {
            Some(last) if more => Some(Cursor {
                created_at: last.created_at,
                id: last.id,
            }),
            _ => None,
        };
        Ok(Page { orders, next })
    }

    /// All of `customer`'s orders, newest first, each with its items in line
    /// order, read in a fixed number of queries whatever the number of orders.
    pub fn orders_with_items(&self, customer: &str) -> Result<Vec<OrderWithItems>, StoreError> {
        let mut orders_stmt = self.conn.prepare(
            "SELECT id, customer, created_at, total_cents FROM orders
             WHERE customer = ?1
             ORDER BY created_at DESC, id DESC",
        )?;
        let orders = orders_stmt
            .query_map([customer], order_from_row)?
            .collect::<Result<Vec<_>, _>>()?;

        // The second and last query: every item of every one of those
        // orders at once, instead of one query per order (N+1).
        let mut items_stmt = self.conn.prepare(
            "SELECT i.order_id, i.product_id, i.quantity, i.unit_price_cents
             FROM order_items AS i JOIN orders AS o ON o.id = i.order_id
             WHERE o.customer = ?1
             ORDER BY i.id",
        )?;
        let mut items: HashMap<OrderId, Vec<OrderItem>> = HashMap::new();
        let rows = items_stmt.query_map([customer], |row| {
            let item = OrderItem {
                product: ProductId(row.get(1)?),
                quantity: row.get(2)?,
                unit_price_cents: row.get(3)?,
            };
            Ok((OrderId(row.get(0)?), item))
        })?;
        for row in rows {
            let (order, item) = row?;
            items.entry(order).or_default().push(item);
        }

        Ok(orders
            .into_iter()
            .map(|order| OrderWithItems {
                items: items.remove(&order.id).unwrap_or_default(),
                order,
            })
            .collect())
    }
}

/// Takes one line's quantity out of stock and returns the unit price, or says
/// why it cannot.
fn take_stock(tx: &Transaction<'_>, line: &Line) -> Result<i64, StoreError> {
    // Check and decrement in one statement: the `stock >= ?1` condition sees
    // what earlier lines of this order already took, so two lines for the same
    // product add up, and no read-modify-write race exists.
    let price = tx
        .query_row(
            "UPDATE products SET stock = stock - ?1
             WHERE id = ?2 AND stock >= ?1
             RETURNING price_cents",
            params![line.quantity, line.product.0],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(price) = price {
        return Ok(price);
    }
    // No row changed: the product is missing or short. Reading it in the same
    // transaction tells which, and gives the stock as this order sees it.
    let found: Option<(String, u32)> = tx
        .query_row(
            "SELECT name, stock FROM products WHERE id = ?1",
            [line.product.0],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match found {
        None => Err(StoreError::UnknownProduct(line.product)),
        Some((name, available)) => Err(StoreError::InsufficientStock {
            product: line.product,
            name,
            requested: line.quantity,
            available,
        }),
    }
}

fn order_from_row(row: &Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        id: OrderId(row.get(0)?),
        customer: row.get(1)?,
        created_at: row.get(2)?,
        total_cents: row.get(3)?,
    })
}
