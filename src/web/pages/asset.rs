//! The stylesheet and scripts, compiled into the binary.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::web::error::WebError;

/// `GET /static/app.css`, `/static/app.js`, `/static/examples.js`, `/static/codemirror.js` and
/// `/static/theme.js`: assets compiled into the binary.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, content_type) = match name.as_str() {
        "app.css" => (
            include_str!("../../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "examples.js" => (
            include_str!("../../../static/examples.js"),
            "text/javascript; charset=utf-8",
        ),
        // CodeMirror 6, vendored (static/vendor/CODEMIRROR-README.md); the lesson page's
        // script loads it when an example is first edited.
        "codemirror.js" => (
            include_str!("../../../static/vendor/codemirror.js"),
            "text/javascript; charset=utf-8",
        ),
        "theme.js" => (
            include_str!("../../../static/theme.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => {
            return WebError::not_found(format!("there is no asset `{name}`"), false)
                .into_response();
        }
    };
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
