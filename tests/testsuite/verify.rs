//! `workbook verify` over the whole course: every stub compiles and fails, every reference
//! solution passes every hidden test.

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
}
