//! Hidden tests for roles, the `CurrentUser` extractor and the 401/403 responses,
//! driven through a `Router` with `tower::ServiceExt::oneshot`.

mod common;

use expect::expect_eq;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_tokens::{AuthRejection, CurrentUser, Permission, Role};
use axum::http::StatusCode;
use common::{
    ACCESS_TTL, OTHER_SECRET, SECRET, START, app, assert_error_envelope, body_text, challenge, forge,
    good_claims, is_bearer_challenge, setup, setup_with_alice,
};
use jsonwebtoken::Algorithm;

/// Each role grants exactly the permissions of the README's table, and nothing else.
/// Rules: role-table.
#[test]
fn roles_grant_exactly_the_table() {
    use Permission::{DeleteArticles, ManageUsers, ReadArticles, WriteArticles};
    let table = [
        (Role::Viewer, [true, false, false, false]),
        (Role::Editor, [true, true, false, false]),
        (Role::Admin, [true, true, true, true]),
    ];
    for (role, expected) in table {
        for (permission, granted) in [ReadArticles, WriteArticles, DeleteArticles, ManageUsers]
            .into_iter()
            .zip(expected)
        {
            expect_eq!(
                role.grants(permission),
                granted,
                "{role:?} should {}grant {permission:?}",
                if granted { "" } else { "not " }
            );
        }
    }
}

/// CurrentUser::require is Ok when the role grants the permission and Forbidden(permission) otherwise.
/// Rules: require-forbidden.
#[test]
fn require_answers_forbidden_with_the_permission() {
    let viewer = CurrentUser {
        id: "vic".into(),
        role: Role::Viewer,
    };
    expect_eq!(viewer.require(Permission::ReadArticles), Ok(()));
    expect_eq!(
        viewer.require(Permission::DeleteArticles),
        Err(AuthRejection::Forbidden(Permission::DeleteArticles)),
        "a viewer requiring DeleteArticles should get Forbidden(DeleteArticles)"
    );
    let admin = CurrentUser {
        id: "ada".into(),
        role: Role::Admin,
    };
    expect_eq!(admin.require(Permission::ManageUsers), Ok(()));
}

/// A request without an Authorization header gets 401, a plain Bearer challenge with no error attribute, and the JSON envelope.
/// Rules: missing-token-401, missing-token-challenge, error-envelope.
#[tokio::test]
async fn no_authorization_header_is_401_with_a_plain_bearer_challenge() {
    let setup = setup();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    for (method, uri) in [("GET", "/me"), ("DELETE", "/articles/7")] {
        let response = common::send(&app, method, uri, None).await;
        expect_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {uri} without a token should be 401 (not authenticated), not {}",
            response.status()
        );
        let challenge = challenge(&response);
        assert!(
            is_bearer_challenge(&challenge),
            "the 401's WWW-Authenticate should use the Bearer scheme, got {challenge:?}"
        );
        assert!(
            !challenge.contains("error="),
            "with no token at all, RFC 6750 says the challenge has no error attribute, got {challenge:?}"
        );
        assert_error_envelope(response, "UNAUTHORIZED").await;
    }
    expect_eq!(
        deletions.load(Ordering::SeqCst),
        0,
        "the handler must not run"
    );
}

/// An Authorization header with another scheme (Basic, or a token sent without Bearer) counts as no token: 401 without an error attribute.
/// Rules: missing-token-401, missing-token-challenge.
#[tokio::test]
async fn another_scheme_counts_as_no_token() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let app = app(setup.auth.clone(), Arc::default());
    let basic = "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=".to_string();
    let token_as_basic = format!("Basic {}", pair.access_token);
    for value in [basic, token_as_basic, pair.access_token.clone()] {
        let response = common::send(&app, "GET", "/me", Some(&value)).await;
        expect_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "`Authorization: {value}` carries no Bearer token: 401"
        );
        let challenge = challenge(&response);
        assert!(
            is_bearer_challenge(&challenge) && !challenge.contains("error="),
            "without a Bearer token the challenge is Bearer with no error attribute, got {challenge:?}"
        );
    }
}

/// An Authorization header that is just `Bearer`, with no token after it, counts as no token: 401 without an error attribute.
/// Rules: bare-bearer-is-missing, missing-token-401.
#[tokio::test]
async fn bearer_without_a_token_counts_as_no_token() {
    let setup = setup_with_alice();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    for value in ["Bearer", "Bearer "] {
        let response = common::send(&app, "DELETE", "/articles/7", Some(value)).await;
        expect_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "`Authorization: {value:?}` carries no token: 401"
        );
        let challenge = challenge(&response);
        assert!(
            is_bearer_challenge(&challenge) && !challenge.contains("error="),
            "`Authorization: {value:?}` has no token after the scheme, so it is MissingToken: \
             a Bearer challenge with no error attribute, got {challenge:?}"
        );
    }
    expect_eq!(
        deletions.load(Ordering::SeqCst),
        0,
        "the handler must not run"
    );
}

/// The extractor takes id and role from the token's claims alone: a role changed since the token was issued, or a user the store does not hold, does not matter.
/// Rules: extractor-identity.
#[tokio::test]
async fn the_extractor_trusts_the_claims_without_a_store_lookup() {
    let setup = setup_with_alice();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    setup.auth.set_role("alice", Role::Admin).unwrap();
    let bearer = format!("Bearer {}", pair.access_token);
    let response = common::send(&app, "GET", "/me", Some(&bearer)).await;
    expect_eq!(response.status(), StatusCode::OK);
    expect_eq!(
        body_text(response).await,
        "alice Editor",
        "the role comes from the token, issued while alice was an editor; set_role shows up \
         in the next token, not in this one"
    );
    let response = common::send(&app, "DELETE", "/articles/7", Some(&bearer)).await;
    expect_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "alice's token says editor, so deleting is still 403 until she gets a new token"
    );
    let mut claims = good_claims(START);
    claims["sub"] = serde_json::json!("zed");
    claims["role"] = serde_json::json!("viewer");
    let token = forge(Algorithm::HS256, SECRET, &claims);
    let response = common::send(&app, "GET", "/me", Some(&format!("Bearer {token}"))).await;
    expect_eq!(
        response.status(),
        StatusCode::OK,
        "a valid token for a user the store does not hold still authenticates: the token \
         alone says who is calling, with no database lookup"
    );
    expect_eq!(body_text(response).await, "zed Viewer");
    expect_eq!(deletions.load(Ordering::SeqCst), 0);
}

/// An expired bearer token gets 401 with error="invalid_token"; one second earlier it was accepted.
/// Rules: invalid-token-401, invalid-token-challenge, error-envelope, extractor-identity.
#[tokio::test]
async fn an_expired_token_is_401_invalid_token() {
    let setup = setup_with_alice();
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let app = app(setup.auth.clone(), Arc::default());
    let bearer = format!("Bearer {}", pair.access_token);
    setup.clock.advance(ACCESS_TTL - 1);
    let response = common::send(&app, "GET", "/me", Some(&bearer)).await;
    expect_eq!(
        response.status(),
        StatusCode::OK,
        "one second before exp the token works"
    );
    setup.clock.advance(1);
    let response = common::send(&app, "GET", "/me", Some(&bearer)).await;
    expect_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "an expired token should be 401"
    );
    let challenge = challenge(&response);
    assert!(
        is_bearer_challenge(&challenge) && challenge.contains(r#"error="invalid_token""#),
        "an expired token's challenge should be Bearer with error=\"invalid_token\", got {challenge:?}"
    );
    assert_error_envelope(response, "UNAUTHORIZED").await;
}

/// A forged or malformed bearer token gets 401 with error="invalid_token" and the handler does not run.
/// Rules: invalid-token-401, invalid-token-challenge.
#[tokio::test]
async fn a_forged_or_malformed_token_is_401_invalid_token() {
    let setup = setup_with_alice();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    let mut admin_claims = good_claims(START);
    admin_claims["role"] = serde_json::json!("admin");
    let forged = forge(Algorithm::HS256, OTHER_SECRET, &admin_claims);
    for token in [forged.as_str(), "not-a-jwt"] {
        let response = common::send(
            &app,
            "DELETE",
            "/articles/7",
            Some(&format!("Bearer {token}")),
        )
        .await;
        expect_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "the bearer token {token:?} is not valid: 401"
        );
        let challenge = challenge(&response);
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "a bad token's challenge should carry error=\"invalid_token\", got {challenge:?}"
        );
    }
    expect_eq!(
        deletions.load(Ordering::SeqCst),
        0,
        "the handler must not run"
    );
}

/// A valid token whose role lacks the permission gets 403 with the FORBIDDEN envelope, and the handler does no work.
/// Rules: forbidden-403, error-envelope.
#[tokio::test]
async fn a_valid_token_without_the_permission_is_403() {
    let setup = setup_with_alice();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    let pair = setup.auth.login("alice", "alice-password").unwrap();
    let response = common::send(
        &app,
        "DELETE",
        "/articles/7",
        Some(&format!("Bearer {}", pair.access_token)),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "an editor deleting an article is authenticated but not permitted: 403, not {}",
        response.status()
    );
    assert_error_envelope(response, "FORBIDDEN").await;
    expect_eq!(
        deletions.load(Ordering::SeqCst),
        0,
        "the delete must not happen"
    );
}

/// A valid token with the permission reaches the handler, which sees the caller's id and role.
/// Rules: extractor-identity, forbidden-403.
#[tokio::test]
async fn a_permitted_caller_reaches_the_handler_as_themselves() {
    let setup = setup_with_alice();
    setup
        .auth
        .register("ada", "ada-password", Role::Admin)
        .unwrap();
    let deletions = Arc::new(AtomicUsize::new(0));
    let app = app(setup.auth.clone(), deletions.clone());
    let alice = setup.auth.login("alice", "alice-password").unwrap();
    let ada = setup.auth.login("ada", "ada-password").unwrap();

    let response = common::send(
        &app,
        "GET",
        "/me",
        Some(&format!("Bearer {}", alice.access_token)),
    )
    .await;
    expect_eq!(response.status(), StatusCode::OK);
    expect_eq!(
        body_text(response).await,
        "alice Editor",
        "the handler should see CurrentUser {{ id: \"alice\", role: Editor }}"
    );
    let response = common::send(
        &app,
        "GET",
        "/articles",
        Some(&format!("Bearer {}", alice.access_token)),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::OK,
        "an editor may read articles"
    );

    let response = common::send(
        &app,
        "DELETE",
        "/articles/7",
        Some(&format!("Bearer {}", ada.access_token)),
    )
    .await;
    expect_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "an admin may delete"
    );
    expect_eq!(
        deletions.load(Ordering::SeqCst),
        1,
        "the admin's delete should run once"
    );
}
