//! An order's life: pay, cancel, ship and refund, along the README's arrows only.
//!
//! ```text
//! pending ──pay──> paid ──ship──> shipped
//!    │               │               │
//!  cancel          refund          refund
//!    ▼               ▼               ▼
//! cancelled       refunded        refunded
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use rusqlite::{Connection, TransactionBehavior, params};
use tokio::sync::OwnedMutexGuard;

use crate::AppState;
use crate::auth::{Admin, CustomerId};
use crate::error::{ApiError, Problems};
use crate::json::{Data, JsonObject, string_field};
use crate::orders::{Order, Status, find_order};

/// What can be done to an order.
#[derive(Debug, Clone, Copy)]
enum Action {
    Pay,
    Cancel,
    Ship,
    Refund,
}

impl Action {
    /// The status the action leads to from `from`, if the diagram has that arrow. This
    /// match *is* the diagram: an arrow that is not here does not exist.
    fn next(self, from: Status) -> Option<Status> {
        match (self, from) {
            (Action::Pay, Status::Pending) => Some(Status::Paid),
            (Action::Cancel, Status::Pending) => Some(Status::Cancelled),
            (Action::Ship, Status::Paid) => Some(Status::Shipped),
            (Action::Refund, Status::Paid | Status::Shipped) => Some(Status::Refunded),
            _ => None,
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Action::Pay => "pay",
            Action::Cancel => "cancel",
            Action::Ship => "ship",
            Action::Refund => "refund",
        }
    }

    /// The status the action leads to from the order's, or 409 INVALID_TRANSITION.
    fn check(self, order: &Order) -> Result<Status, ApiError> {
        self.next(order.status).ok_or_else(|| {
            ApiError::InvalidTransition(format!(
                "cannot {} order {}: it is {}",
                self.verb(),
                order.id,
                order.status.as_str()
            ))
        })
    }
}

/// One action at a time per order, across the whole process.
///
/// Paying and refunding call the provider between reading the order and writing its new
/// status, and the database lock cannot be held across that call (a slow provider would
/// stall every request). Without this lock a cancel could slip in while the card is being
/// charged, leaving a cancelled order whose money was taken; or a ship, while the charge
/// is being refunded. Holding the order's lock from the read to the write makes each
/// action see the status it will replace. Other orders are not held up.
#[derive(Clone, Default)]
pub struct OrderLocks(Arc<Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>);

impl OrderLocks {
    /// Waits for the order's turn; the turn ends when the guard is dropped.
    async fn lock(&self, order_id: i64) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            // Forgets the locks that nobody holds or waits for (only the map refers to
            // them), so the map stays as small as the number of orders in action.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            Arc::clone(locks.entry(order_id).or_default())
        };
        lock.lock_owned().await
    }
}

/// Moves the order to `to`, if it is still in the status it was read in (always so under
/// its lock; the condition keeps the table right even if that ever changed).
fn set_status(
    conn: &Connection,
    order: &Order,
    to: Status,
    charge_id: Option<&str>,
) -> Result<(), ApiError> {
    let changed = conn.execute(
        "UPDATE orders SET status = ?1, charge_id = coalesce(?2, charge_id)
         WHERE id = ?3 AND status = ?4",
        params![to, charge_id, order.id, order.status],
    )?;
    match changed {
        1 => Ok(()),
        _ => Err(ApiError::internal(format!(
            "order {} changed status during an action",
            order.id
        ))),
    }
}

/// The card of a pay body: a non-blank string, passed on to the provider as it is.
fn card(body: &JsonObject) -> Result<String, ApiError> {
    let mut problems = Problems::default();
    let card = string_field(body, "card").and_then(|card| match card.trim() {
        "" => Err("must not be blank"),
        _ => Ok(card.to_owned()),
    });
    problems
        .check("card", card)
        .ok_or_else(|| problems.into_validation())
}

/// `POST /api/v1/orders/{id}/pay` (customer, own order).
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/pay", tag = "orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Paid: `{data: order}` with `charge_id`"),
        (status = 402, description = "PAYMENT_DECLINED: the order stays pending"),
        (status = 404, description = "NOT_FOUND: no such order, or another customer's"),
        (status = 409, description = "INVALID_TRANSITION: the order is not pending"),
        (status = 422, description = "VALIDATION_ERROR: no card"),
        (status = 502, description = "PAYMENT_UNAVAILABLE: the order is left as it was"),
    )
)]
pub async fn pay_order(
    CustomerId(customer): CustomerId,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<JsonObject>, JsonRejection>,
) -> Result<Json<Data<Order>>, ApiError> {
    let Path(id) = id?;
    let Json(body) = body?;
    let card = card(&body)?;
    let _turn = state.order_locks.lock(id).await;
    let order = state
        .db
        .call(move |conn| find_order(conn, id, Some(customer)))
        .await?;
    let paid = Action::Pay.check(&order)?;
    // No database lock is held here: `Db::call` has returned. A decline or a failure
    // returns before anything is written, so the order stays pending.
    let charge_id = state.payments.charge(id, order.total_cents, &card).await?;
    let order = state
        .db
        .call(move |conn| {
            set_status(conn, &order, paid, Some(&charge_id))?;
            find_order(conn, order.id, None)
        })
        .await?;
    Ok(Json(Data { data: order }))
}

/// `POST /api/v1/orders/{id}/cancel` (customer, own order): the stock comes back.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/cancel", tag = "orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Cancelled: `{data: order}`; every item back in stock"),
        (status = 404, description = "NOT_FOUND: no such order, or another customer's"),
        (status = 409, description = "INVALID_TRANSITION: the order is not pending"),
    )
)]
pub async fn cancel_order(
    CustomerId(customer): CustomerId,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Order>>, ApiError> {
    let Path(id) = id?;
    let _turn = state.order_locks.lock(id).await;
    let order = state
        .db
        .call(move |conn| {
            // The status and the stock change together, or neither does.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let order = find_order(&tx, id, Some(customer))?;
            let cancelled = Action::Cancel.check(&order)?;
            set_status(&tx, &order, cancelled, None)?;
            // A product deleted since matches no row: there is no stock to return it to.
            for item in &order.items {
                tx.execute(
                    "UPDATE products SET stock = stock + ?1 WHERE id = ?2",
                    params![item.quantity, item.product_id],
                )?;
            }
            tx.commit()?;
            find_order(conn, id, None)
        })
        .await?;
    Ok(Json(Data { data: order }))
}

/// `POST /api/v1/orders/{id}/ship` (admin).
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/ship", tag = "orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Shipped: `{data: order}`"),
        (status = 403, description = "FORBIDDEN: a customer's token"),
        (status = 404, description = "NOT_FOUND"),
        (status = 409, description = "INVALID_TRANSITION: the order is not paid"),
    )
)]
pub async fn ship_order(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Order>>, ApiError> {
    let Path(id) = id?;
    let _turn = state.order_locks.lock(id).await;
    let order = state
        .db
        .call(move |conn| {
            let order = find_order(conn, id, None)?;
            let shipped = Action::Ship.check(&order)?;
            set_status(conn, &order, shipped, None)?;
            find_order(conn, id, None)
        })
        .await?;
    Ok(Json(Data { data: order }))
}

/// `POST /api/v1/orders/{id}/refund` (admin): the money goes back, the stock does not
/// (the goods may be gone).
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/refund", tag = "orders",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The order's id")),
    responses(
        (status = 200, description = "Refunded: `{data: order}`"),
        (status = 403, description = "FORBIDDEN: a customer's token"),
        (status = 404, description = "NOT_FOUND"),
        (status = 409, description = "INVALID_TRANSITION: the order is neither paid nor shipped"),
        (status = 502, description = "PAYMENT_UNAVAILABLE: the order is left as it was"),
    )
)]
pub async fn refund_order(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Data<Order>>, ApiError> {
    let Path(id) = id?;
    let _turn = state.order_locks.lock(id).await;
    let order = state
        .db
        .call(move |conn| find_order(conn, id, None))
        .await?;
    let refunded = Action::Refund.check(&order)?;
    // Paid and shipped orders always have a charge: paying is the only way in.
    let charge_id = order
        .charge_id
        .clone()
        .ok_or_else(|| ApiError::internal(format!("order {id} is paid without a charge")))?;
    state
        .payments
        .refund(id, &charge_id, order.total_cents)
        .await?;
    let order = state
        .db
        .call(move |conn| {
            set_status(conn, &order, refunded, None)?;
            find_order(conn, order.id, None)
        })
        .await?;
    Ok(Json(Data { data: order }))
}
