//! A real browser: headless Chromium, driven over WebDriver by chromedriver, opens a lesson,
//! answers its quiz, submits it and sees the score. It saves a screenshot of the result, then
//! checks that the console reports nothing blocked by the Content-Security-Policy.
//!
//! CI installs Debian's chromium and chromium-driver and this test must run there. Outside
//! CI it is skipped, with a note, only when chromedriver is not installed.

// Every page kind through axe-core, both themes, both widths.
mod accessibility;
// Lesson examples: run, edit, break, reset.
mod examples;
// The exercise page: streamed grades, folded passes, the review.
mod grading;
mod stages;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use workbook::course::AnswerKey;

use crate::common::{Server, course_copy, find_program, loaded, option_value};

/// chromedriver in a process group of its own, killed with everything it started when
/// dropped: a failed assertion skips `client.close()`, and Chromium would outlive the test.
struct KilledGroup(Child);

impl Drop for KilledGroup {
    fn drop(&mut self) {
        if let Ok(group) = libc::pid_t::try_from(self.0.id()) {
            // SAFETY: signals the process group this test created for chromedriver.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A headless Chromium session and the chromedriver that drives it (killed when dropped).
pub struct Browser {
    /// The WebDriver session.
    pub client: fantoccini::Client,
    /// chromedriver's port, for the endpoints fantoccini does not wrap.
    pub driver_port: u16,
    _driver: KilledGroup,
    _profile: tempfile::TempDir,
}

/// Starts chromedriver and a headless Chromium at 1280 × 1800; `None` (with a note) when
/// chromedriver is not installed, which CI does not allow.
pub async fn start_browser() -> Option<Browser> {
    let Some(chromedriver) = find_program("chromedriver") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromedriver is missing on CI: .ci/run must install chromium-driver"
        );
        eprintln!(
            "SKIPPED: chromedriver is not installed (apt-get install chromium chromium-driver); the browser test did not run"
        );
        return None;
    };
    let driver_port = free_port();
    let driver = KilledGroup(
        Command::new(&chromedriver)
            .arg(format!("--port={driver_port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", driver_port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(chromium_capabilities(profile.path()))
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("chromedriver starts a Chromium session");
    Some(Browser {
        client,
        driver_port,
        _driver: driver,
        _profile: profile,
    })
}

/// Headless Chromium with its own profile, and its console log kept (where Chromium
/// reports what the Content-Security-Policy blocked).
fn chromium_capabilities(profile: &Path) -> serde_json::Map<String, serde_json::Value> {
    let mut options = serde_json::json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--window-size=1280,1800",
            format!("--user-data-dir={}", profile.display()),
        ]
    });
    if let Some(chromium) = find_program("chromium") {
        options["binary"] = serde_json::json!(chromium);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities.insert(
        "goog:loggingPrefs".into(),
        serde_json::json!({"browser": "ALL"}),
    );
    capabilities
}

/// Saves the browser's screenshot as `CARGO_TARGET_TMPDIR/<name>` and returns its path.
pub async fn screenshot(client: &fantoccini::Client, name: &str) -> std::path::PathBuf {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&shot, &png).unwrap();
    eprintln!("screenshot: {}", shot.display());
    shot
}

#[tokio::test]
async fn a_learner_takes_a_quiz_in_a_real_browser() {
    let Some(browser) = start_browser().await else {
        return;
    };
    let (client, driver_port) = (&browser.client, browser.driver_port);
    let course_dir = course_copy();
    let course = loaded(course_dir.path());

    let server = Server::start(course_dir.path()).await;
    let url = server.sign_in_url();
    let base = server.base.clone();

    // The printed URL signs the browser in; then the learner opens the lesson.
    client.goto(&url).await.unwrap();
    client
        .goto(&format!("{base}/lessons/caching"))
        .await
        .unwrap();
    let title = client
        .find(Locator::Css("article.lesson h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(title, course.lesson("caching").unwrap().title);

    let quiz = &course.quizzes["caching"];
    // First a wrong answer: the page offers to retry the missed questions.
    let (wrong_question, wrong_choice) = quiz
        .questions
        .iter()
        .find_map(|q| match &q.answer {
            AnswerKey::Choices(key) if key.len() == 1 => {
                Some((q, (0..q.options.len()).find(|i| !key.contains(i))?))
            }
            _ => None,
        })
        .expect("a single-choice question");
    // The page names options by opaque tokens, not by their place in the quiz file.
    let wrong_value = option_value(course_dir.path(), "caching", wrong_question, wrong_choice);
    click(
        client,
        &format!(
            "input[name=\"q.{}\"][value=\"{wrong_value}\"]",
            wrong_question.id
        ),
    )
    .await;
    click(client, ".quiz-form button[type=submit]").await;
    let first = wait_for_score(client).await;
    assert!(first.contains("1 question(s) to revisit"), "{first}");
    assert!(
        client
            .find(Locator::Css(".quiz-actions a.secondary"))
            .await
            .is_ok(),
        "the retry button appears after a miss"
    );
    // Clears the score line, so the next one read is the new attempt's.
    client
        .execute(
            "document.querySelector('.quiz-score').textContent = '';",
            vec![],
        )
        .await
        .unwrap();
    for question in &quiz.questions {
        match &question.answer {
            AnswerKey::Choices(key) => {
                for &index in key {
                    let value = option_value(course_dir.path(), "caching", question, index);
                    let selector = format!("input[name=\"q.{}\"][value=\"{value}\"]", question.id);
                    let input = client.find(Locator::Css(&selector)).await.unwrap();
                    client
                        .execute(
                            "arguments[0].scrollIntoView({block: 'center'});",
                            vec![serde_json::to_value(&input).unwrap()],
                        )
                        .await
                        .unwrap();
                    input.click().await.unwrap();
                }
            }
            AnswerKey::Accepted(accepted) => {
                let selector = format!("input[name=\"q.{}\"]", question.id);
                let input = client.find(Locator::Css(&selector)).await.unwrap();
                input.send_keys(&accepted[0]).await.unwrap();
            }
        }
    }
    client
        .find(Locator::Css(".quiz-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let score = wait_for_score(client).await;
    assert!(score.contains("Score: 100%"), "{score}");
    assert!(
        client
            .find(Locator::Css(".quiz-actions a.secondary"))
            .await
            .is_err(),
        "after a full pass there is nothing to retry"
    );
    assert!(score.contains("passed!"), "{score}");
    let explanations = client
        .find_all(Locator::Css(".question.right .explanation"))
        .await
        .unwrap();
    assert_eq!(
        explanations.len(),
        quiz.questions.len(),
        "every answered question shows its explanation"
    );
    // The script marks the right options from the tokens the server sends back.
    let marked = client
        .find_all(Locator::Css(".option.correct"))
        .await
        .unwrap();
    let keys: usize = quiz
        .questions
        .iter()
        .map(|q| match &q.answer {
            AnswerKey::Choices(key) => key.len(),
            AnswerKey::Accepted(_) => 0,
        })
        .sum();
    assert_eq!(marked.len(), keys, "each right option is marked");

    let score_line = client.find(Locator::Css(".quiz-score")).await.unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'end'});",
            vec![serde_json::to_value(&score_line).unwrap()],
        )
        .await
        .unwrap();
    screenshot(client, "browser-quiz.png").await;

    // The theme toggle is remembered by the script in <head>, on the next page too.
    client
        .find(Locator::Css(".theme-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.goto(&format!("{base}/progress")).await.unwrap();
    let theme = client
        .execute(
            "return document.documentElement.dataset.theme || '';",
            vec![],
        )
        .await
        .unwrap();
    let blocked: Vec<String> = browser_log(driver_port, client)
        .await
        .into_iter()
        .filter(|line| line.contains("Content Security Policy"))
        .collect();
    assert_eq!(
        blocked,
        Vec::<String>::new(),
        "the pages need nothing the policy blocks"
    );
    assert!(
        theme == "dark" || theme == "light",
        "the saved theme is applied: {theme}"
    );
    on_a_phone(client, &base).await;
    let blocked: Vec<String> = browser_log(driver_port, client)
        .await
        .into_iter()
        .filter(|line| line.contains("Content Security Policy"))
        .collect();
    assert_eq!(blocked, Vec::<String>::new(), "nor at phone width");
    client.clone().close().await.unwrap();
}

/// At 390 px: the menu reaches Progress, nothing widens the page, wide tables scroll inside
/// themselves, quiz titles stay in their cards and "Select all that apply" is said once.
async fn on_a_phone(client: &fantoccini::Client, base: &str) {
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{base}/lessons/auth-and-security"))
        .await
        .unwrap();
    click(client, "button.menu").await;
    let progress = client
        .find(Locator::Css(".sidebar-links a[href=\"/progress\"]"))
        .await
        .unwrap();
    assert!(
        progress.is_displayed().await.unwrap(),
        "Progress is in the menu"
    );
    click(client, "button.menu").await;
    let layout = client
        .execute(
            r#"const page = document.documentElement;
            const tables = [...document.querySelectorAll('.prose table')];
            const cards = [...document.querySelectorAll('.question')].map(q => {
              const box = q.getBoundingClientRect(), title = q.querySelector('legend').getBoundingClientRect();
              const says = (q.textContent.match(/all that apply/gi) || []).length;
              return { inside: title.left >= box.left && title.right <= box.right && title.top >= box.top - 1, says, multiple: q.dataset.kind === 'multiple' };
            });
            return { overflow: page.scrollWidth - page.clientWidth,
                     tables: tables.length,
                     scrolling: tables.filter(t => t.scrollWidth > t.clientWidth).length,
                     cards };"#,
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        layout["overflow"], 0,
        "the page itself never scrolls sideways: {layout}"
    );
    assert!(layout["tables"].as_u64() > Some(0), "{layout}");
    assert!(
        layout["scrolling"].as_u64() > Some(0),
        "a wide table scrolls inside itself: {layout}"
    );
    for card in layout["cards"].as_array().unwrap() {
        assert_eq!(
            card["inside"], true,
            "a question title stays in its card: {layout}"
        );
        let expected = if card["multiple"] == true { 1 } else { 0 };
        assert_eq!(
            card["says"], expected,
            "'Select all that apply' once: {card}"
        );
    }
    screenshot(client, "browser-phone-lesson.png").await;
}

async fn click(client: &fantoccini::Client, selector: &str) {
    let element = client.find(Locator::Css(selector)).await.unwrap();
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&element).unwrap()],
        )
        .await
        .unwrap();
    element.click().await.unwrap();
}

/// The score line, once the page has written one.
async fn wait_for_score(client: &fantoccini::Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = client
            .find(Locator::Css(".quiz-score"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if text.starts_with("Score:") {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no score appeared; the score line says {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The browser's console messages so far, through chromedriver's log endpoint (which
/// fantoccini does not wrap).
async fn browser_log(driver_port: u16, client: &fantoccini::Client) -> Vec<String> {
    let session = client.session_id().await.unwrap().unwrap();
    let response: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{driver_port}/session/{session}/se/log"
        ))
        .json(&serde_json::json!({"type": "browser"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries = response["value"]
        .as_array()
        .unwrap_or_else(|| panic!("chromedriver returns the log: {response}"));
    entries
        .iter()
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect()
}
