//! A lesson's runnable example on the page: its highlighted block inside the `div` the
//! page's script (`static/examples.js`) gives Run, Edit, Copy and Reset, and the form that
//! runs it without JavaScript.

use super::highlight::escape;
use crate::course::example::Expectation;

/// A runnable example: its block in a `div` the page's script finds by its number, with
/// the label of an example meant to fail. Without JavaScript, a form with the whole
/// `program` in a text box runs it (the script replaces the form with its editor).
pub(super) fn example_html(
    (slug, number, expect): (&str, usize, Expectation),
    pre: &str,
    program: &str,
) -> String {
    let name = match expect {
        Expectation::Runs => "runs",
        Expectation::NoRun => "no_run",
        Expectation::CompileFail => "compile_fail",
        Expectation::ShouldPanic => "should_panic",
    };
    let label = expect
        .label()
        .map(|words| format!("<p class=\"example-mark\">{words}</p>\n"))
        .unwrap_or_default();
    let slug = escape(slug);
    let rows = program.lines().count().clamp(3, 30);
    let form = format!(
        "<details class=\"example-nojs\"><summary>Change and run this example</summary>\n\
         <form method=\"post\" action=\"/lessons/{slug}/examples/{number}/run\">\n\
         <label for=\"example-{number}-code\">The program of example {number}</label>\n\
         <textarea id=\"example-{number}-code\" name=\"code\" class=\"code-box\" rows=\"{rows}\" spellcheck=\"false\" autocapitalize=\"off\" autocomplete=\"off\">{}</textarea>\n\
         <button type=\"submit\">Run</button></form></details>\n",
        escape(program)
    );
    format!(
        "<div class=\"example\" id=\"example-{number}\" data-lesson=\"{slug}\" data-example=\"{number}\" data-expect=\"{name}\">\n{label}{pre}{form}</div>\n"
    )
}
