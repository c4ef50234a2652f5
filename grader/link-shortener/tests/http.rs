//! Hidden tests for the presentation layer, driven in-process with
//! `tower::ServiceExt::oneshot` over fakes of the repository and generator.

mod common;

use expect::expect_eq;
use axum::http::StatusCode;
use common::{FakeRepo, SECRET, Script, get, header, json, post_links, router, send, service};
use link_shortener::domain::LinkError;
use serde_json::{Value, json};

/// Checks the error envelope `{"error": {"code", "message", ...}}` and returns its `error` object.
#[track_caller]
fn envelope(text: &str, code: &str, what: &str) -> Value {
    let body = json(text);
    let error = body
        .get("error")
        .unwrap_or_else(|| panic!("{what}: expected a body {{\"error\": {{...}}}}, got {text}"));
    expect_eq!(
        error["code"], code,
        "{what}: expected error code {code:?}, body was {text}"
    );
    let message = error["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: error.message should be a string, body was {text}"));
    assert!(
        !message.is_empty(),
        "{what}: error.message should not be empty"
    );
    error.clone()
}

/// `POST /links` with a URL and an alias answers 201 with `Location: /<alias>` and the link as JSON.
/// Rules: http-create.
#[tokio::test]
async fn post_creates_link() {
    let repo = FakeRepo::new();
    let app = router(&repo, &Script::new(&[]));
    let (response, body) = send(
        &app,
        post_links(json!({"url": "https://example.com/docs", "alias": "docs"})),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::CREATED,
        "a new link should be 201 Created; body was {body}"
    );
    expect_eq!(
        header(&response, "location"),
        "/docs",
        "Location should be the short link's path"
    );
    expect_eq!(
        json(&body),
        json!({"alias": "docs", "url": "https://example.com/docs", "visits": 0}),
        "the body should be the new link"
    );
    assert!(
        repo.link("docs").is_some(),
        "the link should be stored through the service's repository"
    );
}

/// `POST /links` without an alias, or with `"alias": null`, uses a generated alias.
/// Rules: http-create, generated-alias.
#[tokio::test]
async fn post_without_alias_generates() {
    let repo = FakeRepo::new();
    let app = router(&repo, &Script::new(&["gen-1", "gen-2"]));
    let (response, body) = send(&app, post_links(json!({"url": "https://example.com/a"}))).await;
    expect_eq!(response.status(), StatusCode::CREATED, "body was {body}");
    expect_eq!(header(&response, "location"), "/gen-1");
    expect_eq!(json(&body)["alias"], "gen-1");
    let (response, body) = send(
        &app,
        post_links(json!({"url": "https://example.com/b", "alias": null})),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::CREATED,
        "\"alias\": null means no custom alias; body was {body}"
    );
    expect_eq!(header(&response, "location"), "/gen-2");
}

/// `GET /<alias>` answers 307 Temporary Redirect with `Location` set to the target, and counts a visit.
/// Rules: http-redirect, resolve-counts-visit.
#[tokio::test]
async fn get_alias_redirects() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com/Start?x=1", 0);
    let app = router(&repo, &Script::new(&[]));
    let (response, _) = send(&app, get("/docs")).await;
    expect_eq!(
        response.status(),
        StatusCode::TEMPORARY_REDIRECT,
        "following a short link should be 307 Temporary Redirect"
    );
    expect_eq!(
        header(&response, "location"),
        "https://docs.example.com/Start?x=1",
        "Location should be the target URL exactly"
    );
    expect_eq!(
        repo.link("docs").unwrap().visits,
        1,
        "following the link should count one visit"
    );
    let (response, _) = send(&app, get("/DOCS")).await;
    expect_eq!(
        response.status(),
        StatusCode::TEMPORARY_REDIRECT,
        "`/DOCS` is the alias `docs`"
    );
    expect_eq!(repo.link("docs").unwrap().visits, 2);
}

/// `GET /links/<alias>/stats` answers 200 with the link and its visits as JSON, without counting a visit.
/// Rules: http-stats, stats-no-visit.
#[tokio::test]
async fn get_stats() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 41);
    let app = router(&repo, &Script::new(&[]));
    for _ in 0..2 {
        let (response, body) = send(&app, get("/links/docs/stats")).await;
        expect_eq!(
            response.status(),
            StatusCode::OK,
            "stats of a stored link should be 200; body was {body}"
        );
        expect_eq!(
            json(&body),
            json!({"alias": "docs", "url": "https://docs.example.com", "visits": 41})
        );
    }
}

/// An invalid URL or alias is 422 with code `VALIDATION_ERROR` and `field` naming the bad field, and nothing is stored.
/// Rules: http-invalid-422, validate-before-storage.
#[tokio::test]
async fn invalid_input_is_422_naming_the_field() {
    let cases = [
        (json!({"url": "example.com"}), "url"),
        (
            json!({"url": "mailto:ops@example.com", "alias": "ops"}),
            "url",
        ),
        (json!({"url": "https://example.com", "alias": "x"}), "alias"),
        (
            json!({"url": "https://example.com", "alias": "not_valid"}),
            "alias",
        ),
    ];
    for (request, field) in cases {
        let repo = FakeRepo::new();
        let app = router(&repo, &Script::new(&["gen"]));
        let (response, body) = send(&app, post_links(request.clone())).await;
        let what = format!("POST /links {request}");
        expect_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what} should be 422; body was {body}"
        );
        let error = envelope(&body, "VALIDATION_ERROR", &what);
        expect_eq!(
            error["field"], field,
            "{what}: error.field should be {field:?}; body was {body}"
        );
        expect_eq!(
            repo.calls(),
            Vec::<String>::new(),
            "{what}: invalid input must not reach the repository"
        );
    }
}

/// `"alias": ""` is a custom alias like any other: 422 with `field` `alias`, and no alias is generated; only a missing or `null` alias means a generated one.
/// Rules: http-empty-alias.
#[tokio::test]
async fn empty_alias_is_422() {
    let repo = FakeRepo::new();
    let script = Script::new(&["gen"]);
    let app = router(&repo, &script);
    let request = json!({"url": "https://example.com", "alias": ""});
    let (response, body) = send(&app, post_links(request.clone())).await;
    let what = format!("POST /links {request}");
    expect_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: an empty string is a custom alias, and too short, so 422 (not a generated alias); body was {body}"
    );
    let error = envelope(&body, "VALIDATION_ERROR", &what);
    expect_eq!(
        error["field"], "alias",
        "{what}: error.field should be \"alias\"; body was {body}"
    );
    expect_eq!(
        script.used(),
        0,
        "{what}: an empty alias is not a missing one, so no alias should be generated"
    );
    expect_eq!(
        repo.calls(),
        Vec::<String>::new(),
        "{what}: invalid input must not reach the repository"
    );
}

/// `field` sits inside `error`, and errors without a field (409, 404, 500) leave it out entirely, not as `null`.
/// Rules: error-field-absent.
#[tokio::test]
async fn field_only_on_validation_errors() {
    let taken = FakeRepo::with_link("docs", "https://docs.example.com", 0);
    let full = FakeRepo::with_link("t-1", "https://example.com", 0);
    let requests = [
        (
            "POST /links with a taken alias (409)",
            router(&taken, &Script::new(&[])),
            post_links(json!({"url": "https://other.example", "alias": "docs"})),
        ),
        (
            "GET /nowhere (404)",
            router(&FakeRepo::new(), &Script::new(&[])),
            get("/nowhere"),
        ),
        (
            "GET /docs with a failing repository (500)",
            router(&FakeRepo::failing(), &Script::new(&[])),
            get("/docs"),
        ),
        (
            "POST /links with no free alias (500)",
            // more aliases than needed: this test judges only the envelope
            router(&full, &Script::new(&["t-1"; 10])),
            post_links(json!({"url": "https://example.com/new"})),
        ),
    ];
    for (what, app, request) in requests {
        let (_, text) = send(&app, request).await;
        let body = json(&text);
        assert!(
            body.get("field").is_none(),
            "{what}: `field` belongs inside `error`, and only validation errors have it; body was {text}"
        );
        let error = body.get("error").unwrap_or_else(|| {
            panic!("{what}: expected a body {{\"error\": {{...}}}}, got {text}")
        });
        assert!(
            error.get("field").is_none(),
            "{what}: an error without a field should leave `field` out entirely (not \"field\": null); body was {text}"
        );
    }
}

/// A taken custom alias is 409 Conflict with code `ALIAS_TAKEN`.
/// Rules: http-taken-409, alias-taken.
#[tokio::test]
async fn taken_alias_is_409() {
    let repo = FakeRepo::with_link("docs", "https://docs.example.com", 0);
    let app = router(&repo, &Script::new(&[]));
    let (response, body) = send(
        &app,
        post_links(json!({"url": "https://other.example", "alias": "Docs"})),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::CONFLICT,
        "a taken alias should be 409; body was {body}"
    );
    envelope(&body, "ALIAS_TAKEN", "POST /links with a taken alias");
}

/// An unknown alias is 404 with code `NOT_FOUND`, on both the redirect and the stats route.
/// Rules: http-not-found-404, resolve-unknown.
#[tokio::test]
async fn unknown_alias_is_404() {
    let repo = FakeRepo::new();
    let app = router(&repo, &Script::new(&[]));
    for uri in ["/nowhere", "/links/nowhere/stats", "/x"] {
        let (response, body) = send(&app, get(uri)).await;
        expect_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "GET {uri} names no link, so 404; body was {body}"
        );
        envelope(&body, "NOT_FOUND", &format!("GET {uri}"));
    }
}

/// A repository failure is 500 with code `INTERNAL` and a generic message: the repository's error text never reaches the client.
/// Rules: http-storage-500.
#[tokio::test]
async fn storage_failure_is_500_without_details() {
    let repo = FakeRepo::failing();
    let app = router(&repo, &Script::new(&["gen"]));
    let requests = [
        (
            "POST /links",
            post_links(json!({"url": "https://example.com", "alias": "docs"})),
        ),
        (
            "POST /links (generated)",
            post_links(json!({"url": "https://example.com"})),
        ),
        ("GET /docs", get("/docs")),
        ("GET /links/docs/stats", get("/links/docs/stats")),
    ];
    for (what, request) in requests {
        let (response, body) = send(&app, request).await;
        expect_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{what} with a failing repository should be 500; body was {body}"
        );
        envelope(&body, "INTERNAL", what);
        for secret in [SECRET, "db-primary", "hunter2"] {
            assert!(
                !body.contains(secret),
                "{what}: the repository's error text ({secret:?}) leaked into the response body: {body}"
            );
        }
    }
}

/// Running out of generated aliases is 500 with code `INTERNAL`.
/// Rules: http-no-free-alias-500, generated-attempts.
#[tokio::test]
async fn no_free_alias_is_500() {
    let repo = FakeRepo::new();
    let names = ["t-1", "t-2", "t-3", "t-4", "t-5"];
    for name in names {
        repo.add(name, "https://example.com", 0);
    }
    let app = router(&repo, &Script::new(&names));
    let (response, body) = send(&app, post_links(json!({"url": "https://example.com/new"}))).await;
    expect_eq!(
        response.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "no free alias after 5 tries should be 500; body was {body}"
    );
    envelope(
        &body,
        "INTERNAL",
        "POST /links with every generated alias taken",
    );
}

/// The handlers hold no rules of their own: for each request, HTTP gives the outcome the service gives when called directly.
/// Rules: handlers-thin.
#[tokio::test]
async fn http_agrees_with_the_service() {
    let cases: [(&str, Option<&str>); 13] = [
        ("https://example.com", Some("Mixed-Case")),
        ("https://Example.com/Path?Q=Upper", Some("caps")),
        ("https://example.com", Some("")),
        ("https://example.com", Some(" padded")),
        ("https://example.com", Some("Taken")),
        (" https://example.com", None),
        ("https://example.com\n", Some("newline")),
        ("https://example.com", Some("taken")),
        ("http://x", Some("abc")),
        ("https://example.com/q?a=b", None),
        ("https://", Some("fine")),
        ("https://example.com", Some("ab")),
        ("HTTPS://example.com", None),
    ];
    for (url, alias) in cases {
        let direct_repo = FakeRepo::with_link("taken", "https://t.example", 0);
        let direct = service(&direct_repo, &Script::new(&["gen"]))
            .shorten(url, alias)
            .await;
        let http_repo = FakeRepo::with_link("taken", "https://t.example", 0);
        let app = router(&http_repo, &Script::new(&["gen"]));
        let (response, body) = send(&app, post_links(json!({"url": url, "alias": alias}))).await;
        let what = format!("POST /links {{url: {url:?}, alias: {alias:?}}}");
        let expected = match &direct {
            Ok(_) => StatusCode::CREATED,
            Err(LinkError::InvalidUrl | LinkError::InvalidAlias) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(LinkError::AliasTaken) => StatusCode::CONFLICT,
            Err(other) => panic!("unexpected service result {other:?}"),
        };
        expect_eq!(
            response.status(),
            expected,
            "{what}: the service called directly gives {direct:?}, so HTTP should answer {expected}; body was {body}"
        );
        if let Ok(link) = direct {
            expect_eq!(
                header(&response, "location"),
                format!("/{}", link.alias),
                "{what}: the alias should come from the service"
            );
            expect_eq!(
                json(&body),
                json!({"alias": link.alias.as_str(), "url": link.target.as_str(), "visits": link.visits}),
                "{what}: the body should be the link the service returned"
            );
        }
        expect_eq!(
            http_repo.calls(),
            direct_repo.calls(),
            "{what}: HTTP should make the same repository calls as the service alone"
        );
    }
}

/// The GET handlers hold no rules of their own either: for each path, HTTP finds what `resolve` and `stats` find when called directly, with the same repository calls.
/// Rules: handlers-thin.
#[tokio::test]
async fn get_routes_agree_with_the_service() {
    // (the path segment as sent, the alias text it decodes to)
    let cases = [
        ("docs", "docs"),
        ("Docs", "Docs"),
        ("%20docs", " docs"),
        ("docs%20", "docs "),
        ("docs%09", "docs\t"),
        ("nowhere", "nowhere"),
        ("ab", "ab"),
    ];
    for (segment, text) in cases {
        let repo = || FakeRepo::with_link("docs", "https://docs.example.com", 3);

        let direct_repo = repo();
        let direct = service(&direct_repo, &Script::new(&[])).resolve(text).await;
        let http_repo = repo();
        let app = router(&http_repo, &Script::new(&[]));
        let (response, body) = send(&app, get(&format!("/{segment}"))).await;
        let expected = if direct.is_ok() {
            StatusCode::TEMPORARY_REDIRECT
        } else {
            StatusCode::NOT_FOUND
        };
        expect_eq!(
            response.status(),
            expected,
            "GET /{segment}: resolve({text:?}) called directly gives {direct:?}, so HTTP should answer {expected}; body was {body}"
        );
        expect_eq!(
            http_repo.calls(),
            direct_repo.calls(),
            "GET /{segment}: HTTP should make the same repository calls as resolve({text:?}) alone"
        );

        let direct_repo = repo();
        let direct = service(&direct_repo, &Script::new(&[])).stats(text).await;
        let http_repo = repo();
        let app = router(&http_repo, &Script::new(&[]));
        let uri = format!("/links/{segment}/stats");
        let (response, body) = send(&app, get(&uri)).await;
        let expected = if direct.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        expect_eq!(
            response.status(),
            expected,
            "GET {uri}: stats({text:?}) called directly gives {direct:?}, so HTTP should answer {expected}; body was {body}"
        );
        expect_eq!(
            http_repo.calls(),
            direct_repo.calls(),
            "GET {uri}: HTTP should make the same repository calls as stats({text:?}) alone"
        );
    }
}
