//! What a class struggles with: `gradebook --by-test` (each hidden test's pass rate, with
//! the rules it checks) and `gradebook --html` (the class page, opened in a real browser).

use crate::common::{fixture_copy, fixtures, run, workbook, workbook_on};

/// The three-learner reports, in order.
fn three_reports() -> Vec<std::path::PathBuf> {
    let reports = fixtures().join("reports");
    ["alice", "bob", "carol"]
        .iter()
        .map(|l| reports.join(format!("{l}.json")))
        .collect()
}

/// A copy of the grading course whose `counter` exercise has a rule map, each hidden test
/// naming its rules.
fn grading_course_with_rules() -> tempfile::TempDir {
    let course = fixture_copy("grading");
    let grader = course.path().join("grader/counter");
    std::fs::write(
        grader.join("rules.toml"),
        "[graded]\nadds = \"add sums two numbers.\"\nsigns = \"Negative numbers are added too.\"\ncounts = \"countdown counts down to 1.\"\n",
    )
    .unwrap();
    let tests = grader.join("tests/functions.rs");
    let text = std::fs::read_to_string(&tests).unwrap();
    let text = text
        .replace("gives 5.\n", "gives 5.\n/// Rules: adds, signs.\n")
        .replace("3, 2, 1.\n", "3, 2, 1.\n/// Rules: counts.\n")
        .replace(
            "#[test]\nfn recurses",
            "/// Rules: counts.\n#[test]\nfn recurses",
        )
        .replace("#[test]\nfn shouts", "/// Rules: adds.\n#[test]\nfn shouts")
        .replace(
            "#[test]\nfn tells_parity",
            "/// Rules: adds.\n#[test]\nfn tells_parity",
        );
    std::fs::write(&tests, text).unwrap();
    course
}

#[test]
fn gradebook_by_test_shows_the_hardest_tests_first_with_their_rules() {
    let reports = three_reports();
    let (code, csv, err) = run(workbook().args(["gradebook", "--by-test"]).args(&reports));
    assert_eq!(code, Some(0), "{err}");
    // No course: no rules column, and stderr says how to get one.
    assert!(err.contains("--course DIR"), "{err}");
    insta::assert_snapshot!("gradebook_by_test_csv", csv);
    let (code, json, err) = run(workbook()
        .args(["gradebook", "--by-test", "--format", "json"])
        .args(&reports));
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_json_snapshot!("gradebook_by_test_json", json);

    // With the course, each test names the rules its doc comment lists; the table is
    // written whole to --out.
    let course = grading_course_with_rules();
    let out = course.path().join("by-test.csv");
    let (code, stdout_text, err) = run(workbook_on(course.path())
        .args(["gradebook", "--by-test", "--out"])
        .arg(&out)
        .args(&reports));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(stdout_text, "", "the table went to --out");
    let csv = std::fs::read_to_string(&out).unwrap();
    insta::assert_snapshot!("gradebook_by_test_rules_csv", csv);
    let (code, _, err) = run(workbook()
        .args(["gradebook", "--by-test", "--course", "/no/such/course"])
        .args(&reports));
    assert_eq!(code, Some(2), "a course asked for must be readable");
    assert!(err.contains("/no/such/course"), "{err}");
}

#[tokio::test]
async fn the_gradebook_page_shows_the_class_and_a_heatmap_on_desktop_and_phone() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("gradebook.html");
    let (code, _, err) = run(workbook()
        .arg("gradebook")
        .arg("--html")
        .arg(&page)
        .args(three_reports()));
    assert_eq!(code, Some(0), "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch, nothing to run.
    for outside in ["<script", "<link", "src=", "url("] {
        assert!(!html.contains(outside), "the page holds {outside}");
    }
    let Some(browser) = crate::browser::start_browser().await else {
        return;
    };
    let client = &browser.client;
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .unwrap();
    let layout = page_layout(client).await;
    assert_eq!(layout["captions"], 2, "{layout}");
    assert_eq!(
        layout["learners"],
        serde_json::json!(["alice", "bob", "carol"])
    );
    // Six tests, each a row with its pass rate and a mark in every learner's cell; the
    // hardest (bob fails `adds`, carol's counter did not compile) first.
    assert_eq!(layout["tests"], 6, "{layout}");
    assert_eq!(layout["first"], "✓ pass|✗ fail|– absent", "{layout}");
    assert!(
        layout["firstRate"].as_str().unwrap().starts_with("50%"),
        "{layout}"
    );
    crate::browser::screenshot(client, "gradebook-desktop.png").await;

    client.set_window_size(390, 844).await.unwrap();
    let layout = page_layout(client).await;
    assert_eq!(
        layout["overflow"], 0,
        "the page never scrolls sideways: {layout}"
    );
    assert_eq!(
        layout["scrolling"], true,
        "the heatmap scrolls inside itself: {layout}"
    );
    client
        .execute("document.getElementById('tests').scrollIntoView();", vec![])
        .await
        .unwrap();
    crate::browser::screenshot(client, "gradebook-phone.png").await;
    client.clone().close().await.unwrap();
}

/// What the gradebook page shows, read in the browser.
async fn page_layout(client: &fantoccini::Client) -> serde_json::Value {
    client
        .execute(
            r#"const page = document.documentElement;
            const heat = document.querySelectorAll('table')[1];
            const rows = [...heat.querySelectorAll('tbody tr')].filter(r => r.querySelector('th[scope=row]'));
            const first = rows[0];
            return {
              captions: document.querySelectorAll('table > caption').length,
              learners: [...heat.querySelectorAll('thead th[scope=col]')].slice(2).map(th => th.textContent.trim()),
              tests: rows.length,
              first: [...first.querySelectorAll('td')].slice(1).map(td => td.textContent.trim()).join('|'),
              firstRate: first.querySelectorAll('td')[0].textContent.trim(),
              overflow: page.scrollWidth - page.clientWidth,
              scrolling: heat.parentElement.scrollWidth > heat.parentElement.clientWidth,
            };"#,
            vec![],
        )
        .await
        .unwrap()
}

/// A staged exercise's reach: how many learners passed each stage, stages in order (a stage
/// after a failed one does not run, so it is not reached), in the JSON, the CSV's `stage`
/// column and the class page.
#[test]
fn gradebook_by_test_shows_how_far_the_class_got_in_a_staged_exercise() {
    let dir = tempfile::tempdir().unwrap();
    // (learner, outcome of boot's two tests, of accounts' test if it ran)
    let class: [(&str, [bool; 2], Option<bool>); 3] = [
        ("dana", [true, true], Some(true)),
        ("eli", [true, true], Some(false)),
        ("fay", [true, false], None),
    ];
    let mut files = Vec::new();
    for (learner, boot, accounts) in class {
        let status = |ok: bool| if ok { "passed" } else { "failed" };
        let test = |name: &str, stage: &str, ok: bool| {
            serde_json::json!({
                "name": name, "description": name, "status": status(ok), "message": null,
                "duration_ms": 1, "output": "", "output_truncated": false, "stage": stage,
            })
        };
        let mut tests = vec![
            test("boot::listens_on_port", "boot", boot[0]),
            test("boot::answers_health", "boot", boot[1]),
        ];
        if let Some(ok) = accounts {
            tests.push(test("accounts::signs_up", "accounts", ok));
        }
        let passed = tests.iter().filter(|t| t["status"] == "passed").count();
        let report = serde_json::json!({
            "version": 2, "exercise": "hello-server",
            "status": if passed == tests.len() && accounts.is_some() { "pass" } else { "fail" },
            "score": {"passed": passed, "total": tests.len()},
            "compile_ms": 1, "test_ms": 1, "compile_errors": [], "tests": tests,
        });
        let file =
            serde_json::json!({"version": 2, "kind": "workbook-grades", "exercises": [report]});
        let path = dir.path().join(format!("{learner}.json"));
        std::fs::write(&path, file.to_string()).unwrap();
        files.push(path);
    }
    let (code, json, err) = run(workbook()
        .args(["gradebook", "--by-test", "--format", "json"])
        .args(&files));
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["stages"],
        serde_json::json!([
            {"exercise": "hello-server", "stage": "boot", "learners": 3, "reached": 2},
            {"exercise": "hello-server", "stage": "accounts", "learners": 3, "reached": 1},
        ]),
        "{json}"
    );
    let (_, csv, _) = run(workbook().args(["gradebook", "--by-test"]).args(&files));
    assert!(
        csv.starts_with("exercise,test,description,stage,reports,passed,pass_rate\n"),
        "{csv}"
    );
    assert!(
        csv.contains("hello-server,boot::answers_health,boot::answers_health,boot,3,2,0.67"),
        "{csv}"
    );
    let page = dir.path().join("class.html");
    let (code, _, err) = run(workbook()
        .args(["gradebook", "--html"])
        .arg(&page)
        .args(&files));
    assert_eq!(code, Some(0), "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("How far the class got"), "{html}");
    assert!(
        html.contains("<th scope=\"row\">hello-server</th><td>accounts</td><td class=\"num\">1</td><td class=\"num\">3</td>"),
        "{html}"
    );
}
