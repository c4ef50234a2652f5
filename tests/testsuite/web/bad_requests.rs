//! Requests the app must refuse: each gets its status and a clear error, and none writes
//! anything.

use reqwest::StatusCode;
use serde_json::{Value, json};
use workbook::store::Store;

use crate::common::{Server, course_copy, raw_request};

#[tokio::test]
async fn bad_requests_get_their_status_and_write_nothing() {
    let dir = course_copy();
    let server = Server::start(dir.path()).await;
    let origin = server.origin();
    let quiz = "/quizzes/rest-api-design/attempts";

    // Before signing in: no cookie, so no change is accepted.
    let response = server
        .client
        .post(server.url(quiz))
        .header("Origin", &origin)
        .json(&json!({"answers": {"partial-update-method": [1]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"]["code"],
        "NO_SESSION"
    );
    let (status, _) = server.get("/?token=0000").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a wrong token is refused");

    server.sign_in().await;
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (
            "foreign Host (DNS rebinding)",
            server
                .client
                .get(server.url("/"))
                .header("Accept", "application/json")
                .header("Host", format!("attacker.example:{}", server.port())),
            StatusCode::FORBIDDEN,
            "FORBIDDEN_HOST",
        ),
        (
            "no Origin",
            server
                .client
                .post(server.url(quiz))
                .json(&json!({"answers": {}})),
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
        ),
        (
            "foreign Origin",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", "http://attacker.example")
                .json(&json!({"answers": {"partial-update-method": [1]}})),
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ORIGIN",
        ),
        (
            "malformed JSON",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .header("Content-Type", "application/json")
                .body("{\"answers\": "),
            StatusCode::BAD_REQUEST,
            "MALFORMED_JSON",
        ),
        (
            "wrong content type",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .header("Content-Type", "text/plain")
                .body("answers"),
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED_CONTENT_TYPE",
        ),
        (
            "wrongly typed submission",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .json(&json!({"answers": [1, 2]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_SUBMISSION",
        ),
        (
            "empty submission",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .json(&json!({"answers": {}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_ANSWER",
        ),
        (
            "option out of range",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .json(&json!({"answers": {"partial-update-method": [99]}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_ANSWER",
        ),
        (
            "text for a choice question",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .json(&json!({"answers": {"partial-update-method": "PATCH"}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_ANSWER",
        ),
        (
            "unknown question",
            server
                .client
                .post(server.url(quiz))
                .header("Origin", &origin)
                .json(&json!({"answers": {"no-such-question": [0]}})),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "unknown quiz",
            server
                .client
                .post(server.url("/quizzes/no-such-quiz/attempts"))
                .header("Origin", &origin)
                .json(&json!({"answers": {"x": [0]}})),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "unknown exercise hint",
            server
                .client
                .post(server.url("/exercises/nope/hints"))
                .header("Origin", &origin),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "unknown exercise grade",
            server
                .client
                .post(server.url("/exercises/nope/grade"))
                .header("Origin", &origin),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "unknown lesson",
            server
                .client
                .get(server.url("/lessons/nope"))
                .header("Accept", "application/json"),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            "wrong method",
            server
                .client
                .delete(server.url("/lessons/caching"))
                .header("Origin", &origin),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (what, request, status, code) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}: {body}"
        );
    }

    // Paths that try to climb out never reach the file system, and an oversized body is
    // refused from its Content-Length. Both are sent raw: a client library would normalise
    // `..` away, and would still be writing the body when the server answers.
    for path in [
        "/lessons/..%2F..%2FCargo.toml",
        "/lessons/%2e%2e",
        "/lessons/%2e%2e/%2e%2e/Cargo.toml",
        "/exercises/..%2F..%2Fetc%2Fpasswd",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2e%2e%2fsrc%2fmain.rs",
        "/../Cargo.toml",
        "/static/../../Cargo.toml",
        "//etc/passwd",
        "/lessons//etc/passwd",
    ] {
        let (status, response) = raw_request(&server, &format!("GET {path}"), "");
        assert_eq!(status, 404, "{path}: {response}");
        assert!(
            !response.contains("[package]") && !response.contains("root:"),
            "{path}"
        );
    }
    let port = server.port();
    let cookie = format!("workbook_session_{port}={}", server.token);
    let headers = format!(
        "Origin: {origin}\r\nCookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        70 * 1024
    );
    let (status, response) = raw_request(&server, &format!("POST {quiz}"), &headers);
    assert_eq!(status, 413, "{response}");
    assert!(response.contains("\"PAYLOAD_TOO_LARGE\""), "{response}");

    let store = Store::open(&server.db).unwrap();
    assert!(
        store.best_quiz_scores().unwrap().is_empty(),
        "no rejected request wrote an attempt"
    );
    assert_eq!(store.revealed_hints("rate-limiter").unwrap(), 0);
}
