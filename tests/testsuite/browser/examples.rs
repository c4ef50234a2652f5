//! A lesson example in a real browser: Run shows its output, Edit opens the CodeMirror
//! editor, a change runs with the new output, a compile error marks its line, and Reset
//! brings the lesson's version back, also after a reload. No Content-Security-Policy
//! violation on the way (the editor's styles are constructed stylesheets).

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::Value;

use super::{browser_log, click, screenshot, start_browser};
use crate::common::{Server, fixture_copy};

/// The text of the first element matching `selector` ("" while there is none).
async fn text(client: &fantoccini::Client, selector: &str) -> String {
    let script =
        format!("var e = document.querySelector({selector:?}); return e ? e.textContent : '';");
    match client.execute(&script, vec![]).await.unwrap() {
        Value::String(text) => text,
        _ => String::new(),
    }
}

/// Waits until the text of `selector` contains `needle` (up to five minutes: the first run
/// compiles).
async fn wait_for_text(client: &fantoccini::Client, selector: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let found = text(client, selector).await;
        if found.contains(needle) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{selector} never said {needle:?}: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Replaces the editor's whole text by typing, as a person would: Ctrl+A, Backspace, then
/// the keys. (Typing straight over a selection also works, but Chromium then tries to keep
/// the deleted text's look with an inline `style` attribute, which the page's
/// Content-Security-Policy blocks, harmlessly, with a console message: the editor redraws
/// from its own state. Deleting first keeps the console clean for the check below.)
async fn type_over(client: &fantoccini::Client, editor: &str, program: &str) {
    let content = client
        .find(Locator::Css(&format!("{editor} .cm-content")))
        .await
        .unwrap();
    content.click().await.unwrap();
    content
        .send_keys("\u{e009}a\u{e009}\u{e003}")
        .await
        .unwrap();
    content.send_keys(program).await.unwrap();
}

#[tokio::test]
async fn a_learner_runs_edits_breaks_and_resets_an_example() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let (client, driver_port) = (&browser.client, browser.driver_port);
    let course = fixture_copy("lesson-code");
    let server = Server::start(course.path()).await;
    client.goto(&server.sign_in_url()).await.unwrap();
    client
        .goto(&format!("{}/lessons/examples", server.base))
        .await
        .unwrap();
    let example = "#example-6";
    assert_eq!(
        text(client, &format!("{example} .example-mark")).await,
        "Does not compile, on purpose"
    );
    assert!(
        client.find(Locator::Css(".example-nojs")).await.is_err(),
        "the script replaces the forms for pages without JavaScript"
    );
    // The lesson's version: a mistake the compiler catches, as the label says.
    click(client, &format!("{example} .example-tools button")).await;
    let status = format!("{example} .example-status");
    wait_for_text(client, &status, "That is the mistake this example shows.").await;
    let log = text(client, &format!("{example} .example-log")).await;
    assert!(log.contains("expected `u8`, found `&str`"), "{log}");

    // Edit it to print something instead.
    click(
        client,
        &format!("{example} .example-tools button:nth-child(2)"),
    )
    .await;
    wait_for_text(client, &format!("{example} .cm-content"), "three").await;
    type_over(client, example, "fn main() { println!(\"now it runs\"); }").await;
    click(client, &format!("{example} .example-tools button")).await;
    wait_for_text(client, &status, "It ran and exited with status 0.").await;
    assert_eq!(
        text(client, &format!("{example} .example-log")).await,
        "now it runs\n"
    );
    assert_eq!(
        text(client, &format!("{example} .example-badge")).await,
        "Your version"
    );
    screenshot(client, "example-edited-desktop.png").await;

    // A compile error on the second line: the editor marks that line.
    type_over(client, example, "fn main() {\nlet n: u8 = \"no\";\n}").await;
    click(client, &format!("{example} .example-tools button")).await;
    wait_for_text(client, &status, "It does not compile.").await;
    let marked = client
        .execute(
            &format!(
                "var lines = Array.from(document.querySelectorAll('{example} .cm-line'));\
                 return lines.findIndex(function (l) {{ return l.classList.contains('cm-error-line'); }}) + 1;"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marked, Value::from(2), "the error's line is marked");
    client.set_window_size(390, 844).await.unwrap();
    screenshot(client, "example-error-phone.png").await;
    client.set_window_size(1280, 1800).await.unwrap();

    // The edit is kept across a reload, and Reset brings the lesson's version back.
    client.refresh().await.unwrap();
    wait_for_text(client, &format!("{example} .cm-content"), "let n: u8").await;
    click(
        client,
        &format!("{example} .example-tools button:nth-child(4)"),
    )
    .await;
    // Reset asks first: the learner's version is thrown away.
    client.accept_alert().await.unwrap();
    wait_for_text(client, &status, "Back to the lesson's version.").await;
    assert_eq!(
        client
            .execute("return document.activeElement.textContent;", vec![])
            .await
            .unwrap(),
        Value::from("Run"),
        "the keyboard goes on from Run"
    );
    wait_for_text(client, &format!("{example} .cm-content"), "\"three\"").await;
    client.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        client
            .find(Locator::Css(&format!("{example} .cm-content")))
            .await
            .is_err(),
        "after a reset the example is the lesson's again, not open in the editor"
    );

    let log = browser_log(driver_port, client).await;
    let blocked: Vec<&String> = log
        .iter()
        .filter(|m| m.contains("Content Security Policy") || m.contains("Content-Security-Policy"))
        .collect();
    assert!(blocked.is_empty(), "{blocked:#?}");
}
