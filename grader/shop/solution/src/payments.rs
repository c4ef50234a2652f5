//! The payment provider's client: charges and refunds over HTTP, each with an idempotency
//! key of its own, so that retrying one never moves money twice.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::ApiError;

/// How long a call to the provider may take in all (connecting, sending, the answer):
/// past it, the customer gets a 502 rather than a request that hangs.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The provider at `PAYMENT_URL`. Cloning is cheap: `reqwest::Client` shares its
/// connection pool between clones.
#[derive(Clone)]
pub struct Payments {
    client: Client,
    base_url: Arc<str>,
}

/// The part of a successful charge that the shop keeps.
#[derive(Deserialize)]
struct Charge {
    id: String,
}

impl Payments {
    /// The client, or a one-line reason it could not be built.
    pub fn new(base_url: String) -> Result<Payments, String> {
        let client = Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|error| format!("cannot set up the payment client: {error}"))?;
        Ok(Payments {
            client,
            base_url: base_url.into(),
        })
    }

    /// Charges `amount_cents` for the order to the card and returns the charge's id.
    ///
    /// The key is the order's, not the request's: every attempt to pay one order is the
    /// same charge as far as the provider is concerned, so a retry after a timeout (when
    /// the first attempt may well have gone through) cannot charge the card again.
    pub async fn charge(
        &self,
        order_id: i64,
        amount_cents: i64,
        card: &str,
    ) -> Result<String, ApiError> {
        let body = json!({
            "amount_cents": amount_cents,
            "currency": "usd",
            "card": card,
            "reference": format!("order-{order_id}"),
        });
        let key = format!("order-{order_id}-pay");
        let response = self.post("charges", &key, &body).await?;
        match response.status() {
            status if status.is_success() => charge_id(response).await,
            StatusCode::PAYMENT_REQUIRED => Err(ApiError::PaymentDeclined),
            status => Err(unavailable(format!(
                "the charge for {key} answered {status}"
            ))),
        }
    }

    /// Refunds the whole charge of the order.
    pub async fn refund(
        &self,
        order_id: i64,
        charge_id: &str,
        amount_cents: i64,
    ) -> Result<(), ApiError> {
        let body = json!({ "charge_id": charge_id, "amount_cents": amount_cents });
        let key = format!("order-{order_id}-refund");
        let response = self.post("refunds", &key, &body).await?;
        match response.status() {
            // The refund's own id is of no use to the shop: the status says it all.
            status if status.is_success() => Ok(()),
            status => Err(unavailable(format!(
                "the refund for {key} answered {status}"
            ))),
        }
    }

    /// POSTs JSON to the provider. Not reaching it, or no answer within `TIMEOUT`, is 502.
    async fn post(
        &self,
        path: &str,
        key: &str,
        body: &Value,
    ) -> Result<reqwest::Response, ApiError> {
        self.client
            .post(format!("{}/{path}", self.base_url))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .map_err(|error| unavailable(format!("POST /{path} ({key}) failed: {error}")))
    }
}

/// The id of a successful charge. An answer without one is a failure: the shop could not
/// refund the charge later. (Paying again is safe: same key, same charge.)
async fn charge_id(response: reqwest::Response) -> Result<String, ApiError> {
    match response.json::<Charge>().await {
        Ok(charge) => Ok(charge.id),
        Err(error) => Err(unavailable(format!(
            "the charge's answer is unreadable: {error}"
        ))),
    }
}

/// Logs why the provider failed (the client only learns that it did) and answers 502.
fn unavailable(cause: String) -> ApiError {
    eprintln!("shop: payment provider: {cause}");
    ApiError::PaymentUnavailable
}
