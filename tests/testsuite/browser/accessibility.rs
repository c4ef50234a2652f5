//! Accessibility, audited as a screen-reader user's tools would: axe-core (vendored under
//! `tests/vendor/axe-core/`) runs on every kind of page, in the light and the dark theme, at
//! desktop and phone width, with the WCAG 2.0, 2.1 and 2.2 A and AA rules and axe's best
//! practices. Any violation fails the test, listed by rule, impact and the first elements.

use std::time::Duration;

use serde_json::Value;

use super::start_browser;
use crate::common::{Server, course_copy, root};

/// One page of each kind the workbook serves.
const PAGES: [&str; 10] = [
    "/",
    "/lessons/caching",
    "/lessons/framework-patterns",
    "/exercises/rate-limiter",
    "/exercises/task-api",
    "/exercises/rate-limiter/review",
    "/search?q=cache",
    "/progress",
    "/review",
    "/lessons/no-such-lesson",
];

/// The axe tags of the rules run: WCAG 2.0/2.1/2.2 A and AA, and best practices.
const TAGS: &str = "['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22a','wcag22aa','best-practice']";

#[tokio::test]
async fn every_page_passes_axe_in_both_themes_at_both_widths() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let client = &browser.client;
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(60)),
            Some(Duration::from_secs(0)),
        ))
        .await
        .unwrap();
    let axe = std::fs::read_to_string(root().join("tests/vendor/axe-core/axe.min.js")).unwrap();
    let course = course_copy();
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    let mut found = Vec::new();
    for (width, height) in [(1280, 900), (390, 844)] {
        client.set_window_size(width, height).await.unwrap();
        for theme in ["light", "dark"] {
            // The theme the toggle would have saved; every page applies it before drawing.
            let set = format!("localStorage.setItem('theme', '{theme}');");
            client.execute(&set, vec![]).await.unwrap();
            for page in PAGES {
                client
                    .goto(&format!("{}{page}", server.base))
                    .await
                    .unwrap();
                for violation in audit(client, &axe).await {
                    found.push(format!("{page} ({theme}, {width} px): {violation}"));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} axe violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// At 320 px (a phone, or 1280 px at 400% zoom) no page scrolls sideways: wide code blocks,
/// tables and diffs scroll inside themselves (WCAG 1.4.10, reflow).
#[tokio::test]
async fn no_page_scrolls_sideways_at_320_px() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let client = &browser.client;
    let course = course_copy();
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    client.set_window_size(320, 800).await.unwrap();
    let mut wide = Vec::new();
    for page in PAGES {
        client
            .goto(&format!("{}{page}", server.base))
            .await
            .unwrap();
        let overflow = client
            .execute(
                "var d = document.documentElement; return d.scrollWidth - d.clientWidth;",
                vec![],
            )
            .await
            .unwrap();
        if overflow.as_i64() != Some(0) {
            wide.push(format!("{page}: {overflow} px too wide"));
        }
    }
    assert!(wide.is_empty(), "{}", wide.join("\n"));
}

/// Runs axe on the page and returns each violation as `rule (impact): n elements: first`.
async fn audit(client: &fantoccini::Client, axe: &str) -> Vec<String> {
    client.execute(axe, vec![]).await.unwrap();
    let script = format!(
        "var done = arguments[arguments.length - 1];
         axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})
           .then(function (r) {{ done(r.violations.map(function (v) {{
             return {{ id: v.id, impact: v.impact, count: v.nodes.length,
                      first: v.nodes.slice(0, 3).map(function (n) {{ return n.target.join(' '); }}) }};
           }})); }})
           .catch(function (e) {{ done([{{ id: 'axe-error', impact: String(e), count: 0, first: [] }}]); }});"
    );
    let result = client.execute_async(&script, vec![]).await.unwrap();
    let Value::Array(violations) = result else {
        panic!("axe returned {result}");
    };
    violations
        .iter()
        .map(|v| {
            format!(
                "{} ({}): {} elements: {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["count"],
                v["first"]
            )
        })
        .collect()
}

const TAB: char = '\u{e004}';
const ENTER: char = '\u{e007}';
const SPACE: char = '\u{e00d}';
const SHIFT: char = '\u{e008}';
const ESCAPE: char = '\u{e00c}';
const RIGHT: char = '\u{e014}';

/// Presses `keys` together (a chord such as Shift+Tab), then lets go.
async fn press(client: &fantoccini::Client, keys: &[char]) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut actions = KeyActions::new("keyboard".into());
    for &key in keys {
        actions = actions.then(KeyAction::Down { value: key });
    }
    for &key in keys.iter().rev() {
        actions = actions.then(KeyAction::Up { value: key });
    }
    client.perform_actions(actions).await.unwrap();
    client.release_actions().await.unwrap();
}

/// Presses Tab until the element in focus matches `selector` (at most 300 times).
async fn tab_to(client: &fantoccini::Client, selector: &str) {
    let script = format!("return document.activeElement.matches({selector:?});");
    for _ in 0..300 {
        press(client, &[TAB]).await;
        if client.execute(&script, vec![]).await.unwrap() == Value::Bool(true) {
            return;
        }
    }
    panic!("Tab never reached `{selector}`");
}

async fn url(client: &fantoccini::Client) -> String {
    client.current_url().await.unwrap().to_string()
}

/// Everything a learner does on a page works with Tab, Shift+Tab, Enter and Space alone:
/// answering a quiz, revealing a hint, starting a grade. The arrow keys turn lessons only
/// when no code block that scrolls has focus, and not once turned off in the `?` help.
#[tokio::test]
async fn a_learner_can_do_everything_with_the_keyboard_alone() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let client = &browser.client;
    let course = crate::common::grading_course_with(Some("panics"));
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();

    // A hint, then a grade, on the exercise page.
    client
        .goto(&format!("{}/exercises/counter", server.base))
        .await
        .unwrap();
    tab_to(client, ".hint-form button").await;
    press(client, &[ENTER]).await;
    wait_for(
        client,
        "document.querySelectorAll('.hint-list li').length === 1",
    )
    .await;
    press(client, &[SHIFT, TAB]).await;
    tab_to(client, ".grade-form button").await;
    press(client, &[SPACE]).await;
    wait_for(
        client,
        "document.querySelector('.grade-announce').textContent.startsWith('Grade: fail')",
    )
    .await;

    // A quiz on a lesson of the real course, answered with Space and sent with Enter.
    let real = course_copy();
    let server = Server::start(real.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    client
        .goto(&format!("{}/lessons/caching", server.base))
        .await
        .unwrap();
    tab_to(client, ".quiz-form input[type=radio]").await;
    press(client, &[SPACE]).await;
    tab_to(client, ".quiz-form button[type=submit]").await;
    press(client, &[ENTER]).await;
    wait_for(
        client,
        "document.querySelector('.quiz-score').textContent.length > 0",
    )
    .await;

    // Arrows: a focused code block that scrolls keeps them; elsewhere they turn the lesson.
    client.set_window_size(390, 844).await.unwrap();
    let lesson = format!("{}/lessons/framework-patterns", server.base);
    client.goto(&lesson).await.unwrap();
    tab_to(client, "pre.code[tabindex]").await;
    press(client, &[RIGHT]).await;
    assert_eq!(
        url(client).await,
        lesson,
        "a focused code block keeps the arrow"
    );
    // The browser scrolls the block instead (it may animate).
    wait_for(client, "document.activeElement.scrollLeft > 0").await;
    assert_eq!(url(client).await, lesson, "still on the lesson");
    // Out of the block, the arrow turns the page.
    client
        .execute("document.activeElement.blur();", vec![])
        .await
        .unwrap();
    press(client, &[RIGHT]).await;
    wait_for(
        client,
        "location.pathname !== '/lessons/framework-patterns'",
    )
    .await;

    // `?` opens the help, whose checkbox turns the arrows off.
    client.goto(&lesson).await.unwrap();
    press(client, &[SHIFT, '?']).await;
    wait_for(client, "document.querySelector('.shortcuts').open").await;
    tab_to(client, ".arrow-toggle").await;
    press(client, &[SPACE]).await;
    press(client, &[ESCAPE]).await;
    wait_for(client, "!document.querySelector('.shortcuts').open").await;
    press(client, &[RIGHT]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(url(client).await, lesson, "the arrows are off");
}

/// Waits until `condition` (a JavaScript expression) holds, for up to two minutes.
async fn wait_for(client: &fantoccini::Client, condition: &str) {
    let script = format!("return Boolean({condition});");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while client.execute(&script, vec![]).await.unwrap() != Value::Bool(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "never true: {condition}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
