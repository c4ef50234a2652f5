//! A server exercise graded in stages, in a real browser: the page lists the stages (the
//! first current, the rest locked) and folds the locked stages' instructions; a streamed
//! grade moves the list on and shows the failed HTTP check's card. Screenshots at desktop
//! and phone width.

use std::time::Duration;

use super::grading::texts;
use super::{click, screenshot, start_browser};
use crate::common::{Server, staged_course_with};

#[tokio::test]
async fn the_stage_list_moves_on_as_a_streamed_grade_passes_stage_1() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let client = &browser.client;
    let course = staged_course_with(Some("greets-everyone"));
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    let exercise = format!("{}/exercises/hello-server", server.base);
    client.goto(&exercise).await.unwrap();

    let before = texts(client, "ol.stages > li").await;
    assert_eq!(before.len(), 2, "{before:?}");
    assert!(
        before[0].contains("Stage 1: Answer a health check") && before[0].contains("current"),
        "{before:?}"
    );
    assert!(before[1].contains("locked"), "{before:?}");
    let folded = texts(client, ".readme details.locked-stage > summary").await;
    assert_eq!(
        folded.len(),
        1,
        "stage 2's instructions start folded: {folded:?}"
    );
    assert!(
        folded[0].contains("Stage 2: Greet by name: locked until stage 1 passes"),
        "{folded:?}"
    );
    let edit = texts(client, ".grade-box p code").await;
    assert!(
        edit.iter().any(|t| t.ends_with("src/main.rs")),
        "a server is edited in main.rs: {edit:?}"
    );

    click(client, ".grade-form button").await;
    // The first grade of this course builds the support crate's dependencies.
    let limit = Duration::from_secs(600);
    // The stream is over when the button works again (after a report or an error).
    wait_until_enabled(client, ".grade-form button", limit).await;
    let verdict = texts(client, ".grade-output .grade-summary").await;
    assert!(verdict[0].starts_with("Grade: fail"), "{verdict:?}");
    let after = texts(client, "ol.stages > li").await;
    assert!(
        after[0].contains("passed") && after[0].contains("1/1 tests"),
        "{after:?}"
    );
    assert!(
        after[1].contains("current") && after[1].contains("0/1 tests"),
        "{after:?}"
    );
    let failures = texts(client, ".grade-output .tests.failures > li").await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    for part in [
        "GET /greet?name=",
        "curl -i",
        "field:",
        "greeting",
        "\"Hello, World!\"",
    ] {
        assert!(
            failures[0].contains(part),
            "the card lacks {part:?}: {failures:?}"
        );
    }
    screenshot(client, "stages-desktop.png").await;
    client.set_window_size(390, 844).await.unwrap();
    screenshot(client, "stages-phone.png").await;
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow, 0,
        "the page never scrolls sideways; the card wraps"
    );

    // Reloaded, the page shows the same stages from the stored grade, and stage 2 unfolded.
    client.set_window_size(1280, 1800).await.unwrap();
    client.goto(&exercise).await.unwrap();
    let stored = texts(client, "ol.stages > li").await;
    assert!(
        stored[0].contains("passed") && stored[1].contains("current"),
        "{stored:?}"
    );
    let still_folded = texts(client, ".readme details.locked-stage > summary").await;
    assert!(
        still_folded.is_empty(),
        "stage 2 is current now: {still_folded:?}"
    );
}

/// Waits until the element matching `selector` is enabled, up to `limit`.
async fn wait_until_enabled(client: &fantoccini::Client, selector: &str, limit: Duration) {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Ok(element) = client.find(fantoccini::Locator::Css(selector)).await
            && element.attr("disabled").await.ok().flatten().is_none()
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`{selector}` stayed disabled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
