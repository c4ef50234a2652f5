//! `workbook verify` over the whole course: every stub compiles and fails (a staged one at
//! its first stage), every reference solution passes every hidden test.

use crate::common::{root, workbook_on};

#[test]
fn every_stub_fails_and_every_solution_passes() {
    let output = workbook_on(root()).arg("verify").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "verify failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("every stub fails and every solution passes"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    // The server exercises: each stub fails at stage 1, each solution passes every stage.
    for (slug, stages) in [("task-api", 6), ("shop", 8)] {
        let row = stdout
            .lines()
            .find(|l| l.starts_with(slug))
            .unwrap_or_else(|| panic!("no row for {slug}:\n{stdout}"));
        assert!(
            row.contains("ok: fails stage 1")
                && row.contains(&format!("ok: passes all {stages} stages")),
            "{row}"
        );
    }
}
