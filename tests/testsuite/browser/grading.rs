//! The exercise page in a real browser: a streamed grade puts the failure first with its
//! card and folds the passing tests; once the exercise passes, the review shows the
//! learner's code beside the reference, and clippy's style notes on request. Screenshots at desktop and phone width.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use super::{click, screenshot, start_browser};
use crate::common::{Server, grading_course_with};

#[tokio::test]
async fn a_grade_shows_failures_first_and_a_pass_opens_the_review() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let client = &browser.client;
    let course = grading_course_with(Some("panics"));
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    let exercise = format!("{}/exercises/counter", server.base);
    client.goto(&exercise).await.unwrap();

    click(client, ".grade-form button").await;
    wait_for_text(client, ".grade-output .grade-summary", "Grade: fail").await;
    let failures = texts(client, ".grade-output .tests.failures > li").await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("Adding 2 and 3 gives 5."),
        "{failures:?}"
    );
    assert!(
        failures[0].contains("negative numbers only, got 2"),
        "{failures:?}"
    );
    let folded = client
        .find(Locator::Css(".grade-output details.passes"))
        .await
        .unwrap();
    assert_eq!(
        folded.attr("open").await.unwrap(),
        None,
        "passes start folded"
    );
    let summary = texts(client, ".grade-output details.passes > summary").await;
    assert_eq!(summary, ["✓ 4 passing tests"]);
    screenshot(client, "grade-failures-desktop.png").await;
    client.set_window_size(390, 844).await.unwrap();
    screenshot(client, "grade-failures-phone.png").await;
    client.set_window_size(1280, 1800).await.unwrap();

    // The learner fixes `add` in their own way; after a pass the review is offered.
    let lib = course.path().join("exercises/counter/src/lib.rs");
    let reference =
        std::fs::read_to_string(course.path().join("grader/counter/solution/src/lib.rs")).unwrap();
    std::fs::write(&lib, reference.replace("    a + b\n", "    b + a\n")).unwrap();
    click(client, ".grade-form button").await;
    wait_for_text(client, ".grade-output .grade-summary", "Grade: pass").await;
    client.goto(&exercise).await.unwrap();
    click(client, "a[href=\"/exercises/counter/review\"]").await;

    let yours = texts(client, "table.diff tr.changed td.yours").await;
    let theirs = texts(client, "table.diff tr.changed td.reference").await;
    assert_eq!(yours, ["    b + a"], "{yours:?}");
    assert_eq!(theirs, ["    a + b"], "{theirs:?}");
    let caption = texts(client, "table.diff caption").await;
    assert_eq!(caption, ["in fn add"]);
    // Clippy's style notes come into the page without leaving it.
    click(client, ".style-form button").await;
    wait_for_text(
        client,
        "#style-notes p",
        "Clippy has nothing to say about your code.",
    )
    .await;
    screenshot(client, "review-desktop.png").await;
    client.set_window_size(390, 844).await.unwrap();
    let overflow = client
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        overflow, 0,
        "the page never scrolls sideways; the diff scrolls inside"
    );
    screenshot(client, "review-phone.png").await;
}

/// Waits until the first element matching `selector` shows text starting with `start`.
async fn wait_for_text(client: &fantoccini::Client, selector: &str, start: &str) {
    wait_for_text_within(client, selector, start, Duration::from_secs(120)).await;
}

/// [`wait_for_text`], waiting up to `limit`.
async fn wait_for_text_within(
    client: &fantoccini::Client,
    selector: &str,
    start: &str,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(element) = client.find(Locator::Css(selector)).await
            && let Ok(text) = element.text().await
            && text.starts_with(start)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "`{selector}` never said `{start}`"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The visible text of every element matching `selector`.
pub(super) async fn texts(client: &fantoccini::Client, selector: &str) -> Vec<String> {
    let mut found = Vec::new();
    for element in client.find_all(Locator::Css(selector)).await.unwrap() {
        found.push(element.text().await.unwrap());
    }
    found
}
