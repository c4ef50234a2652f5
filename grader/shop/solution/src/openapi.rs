//! `GET /openapi.json`: the API described as an OpenAPI 3.1 document, built by utoipa from
//! the `#[utoipa::path]` attribute on each handler, so a route's description sits next to
//! its code.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{auth, cart, lifecycle, orders, products, search};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Shop",
        description = "A catalog, customers, carts, orders, payments. Errors are \
            `{\"error\": {\"code\", \"message\", \"details\"?}}`; lists are \
            `{\"data\", \"pagination\"}`."
    ),
    paths(
        crate::health,
        document,
        products::create_product,
        search::list_products,
        products::get_product,
        products::update_product,
        products::delete_product,
        auth::sign_up,
        auth::log_in,
        cart::get_cart,
        cart::set_item,
        cart::remove_item,
        orders::place_order,
        orders::list_orders,
        orders::get_order,
        lifecycle::pay_order,
        lifecycle::cancel_order,
        lifecycle::ship_order,
        lifecycle::refund_order,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "catalog", description = "Products: the admin writes, anyone reads"),
        (name = "customers", description = "Sign-up and login"),
        (name = "cart", description = "The customer's cart"),
        (name = "orders", description = "Orders and their payments"),
        (name = "meta", description = "Health and this document"),
    )
)]
struct ApiDoc;

/// Declares the `bearer` scheme that the handlers' `security(("bearer" = []))` refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /openapi.json` (anyone, never rate limited).
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "This document"))
)]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
