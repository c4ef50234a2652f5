//! The JUnit XML printer, for CI systems: one `<testsuite>` per exercise, one `<testcase>`
//! per hidden test (and one named `compile` when the crate did not build). The XML is
//! written by `quick-xml`, which does the escaping.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{Report, TestStatus};

/// JUnit XML for `reports`.
pub fn junit(reports: &[Report]) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail, so the results below are only there for the types.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = writer
        .create_element("testsuites")
        .with_attribute(("name", "workbook"))
        .write_inner_content(|w| {
            for report in reports {
                suite(w, report)?;
            }
            Ok::<(), std::io::Error>(())
        });
    let mut xml = String::from_utf8_lossy(&writer.into_inner()).into_owned();
    xml.push('\n');
    xml
}

fn suite(w: &mut Writer<Vec<u8>>, report: &Report) -> std::io::Result<()> {
    let failures = report
        .tests
        .iter()
        .filter(|t| t.status != TestStatus::Passed)
        .count();
    let errors = usize::from(!report.compile_errors.is_empty());
    let seconds = (report.compile_ms + report.test_ms) as f64 / 1000.0;
    w.create_element("testsuite")
        .with_attributes([
            ("name", xml_text(report.exercise.as_str()).as_str()),
            ("tests", report.tests.len().to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", errors.to_string().as_str()),
            ("time", format!("{seconds:.3}").as_str()),
        ])
        .write_inner_content(|w| {
            if !report.compile_errors.is_empty() {
                compile_case(w, report)?;
            }
            for test in &report.tests {
                test_case(w, report, test)?;
            }
            Ok::<(), std::io::Error>(())
        })?;
    Ok(())
}

fn compile_case(w: &mut Writer<Vec<u8>>, report: &Report) -> std::io::Result<()> {
    let text: Vec<&str> = report
        .compile_errors
        .iter()
        .map(|e| e.rendered.as_str())
        .collect();
    w.create_element("testcase")
        .with_attributes([
            ("name", "compile"),
            ("classname", xml_text(report.exercise.as_str()).as_str()),
        ])
        .write_inner_content(|w| {
            w.create_element("error")
                .with_attribute(("message", "compile error"))
                .write_text_content(BytesText::new(&xml_text(&text.join("\n\n"))))?;
            Ok::<(), std::io::Error>(())
        })?;
    Ok(())
}

fn test_case(
    w: &mut Writer<Vec<u8>>,
    report: &Report,
    test: &super::TestOutcome,
) -> std::io::Result<()> {
    let classname = format!("{}.{}", report.exercise, test.name);
    w.create_element("testcase")
        .with_attributes([
            ("name", xml_text(&test.description).as_str()),
            ("classname", xml_text(&classname).as_str()),
            (
                "time",
                format!("{:.3}", test.duration_ms as f64 / 1000.0).as_str(),
            ),
        ])
        .write_inner_content(|w| {
            match test.status {
                TestStatus::Passed => {}
                TestStatus::Failed | TestStatus::TimedOut => {
                    let message = xml_text(test.message.as_deref().unwrap_or_default());
                    w.create_element("failure")
                        .with_attributes([
                            ("message", message.lines().next().unwrap_or("")),
                            ("type", test.status.as_str()),
                        ])
                        .write_text_content(BytesText::new(&message))?;
                }
            }
            if !test.output.is_empty() {
                w.create_element("system-out")
                    .write_text_content(BytesText::new(&xml_text(&test.output)))?;
            }
            Ok::<(), std::io::Error>(())
        })?;
    Ok(())
}

/// Text XML 1.0 can carry: control characters other than tab and newlines cannot appear in
/// an XML document at all, even escaped, so they are dropped.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::ExerciseSlug;
    use crate::grade::TestOutcome;

    #[test]
    fn markup_in_messages_is_escaped_and_control_characters_dropped() {
        let mut report = Report::new(ExerciseSlug::new("counter"), 5);
        report.tests.push(TestOutcome {
            name: "adds".into(),
            description: "adds <a> & \"b\"".into(),
            status: TestStatus::Failed,
            duration_ms: 12,
            message: Some("expected </failure> got \u{1b}[31mred\u{0}".into()),
            output: "out ]]> here".into(),
            output_truncated: false,
            rules: Vec::new(),
            stage: None,
        });
        let xml = junit(&[report]);
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"adds &lt;a&gt; &amp; &quot;b&quot;\""),
            "{xml}"
        );
        assert!(
            xml.contains("expected &lt;/failure&gt; got [31mred"),
            "{xml}"
        );
        assert!(!xml.contains('\u{1b}') && !xml.contains('\u{0}'), "{xml}");
        assert!(
            xml.contains("tests=\"1\" failures=\"1\" errors=\"0\""),
            "{xml}"
        );
        // It parses back as XML.
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!(
                    "not well-formed at {}: {e}\n{xml}",
                    reader.buffer_position()
                ),
            }
        }
    }
}
