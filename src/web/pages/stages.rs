//! The stages of a staged exercise on its page: the stage list (passed, current, locked),
//! and the README with the sections of the locked stages folded away.

use crate::course::Exercise;
use crate::grade::{Report, StageStatus};

/// One stage as the page lists it.
pub(super) struct StageView {
    /// 1-based.
    pub number: usize,
    pub id: String,
    pub title: String,
    /// The README section's anchor.
    pub anchor: String,
    /// `passed`, `current` or `locked`: the CSS class, and the word shown.
    pub state: &'static str,
    /// "3/5 tests" once the stage ran.
    pub score: Option<String>,
}

/// The stages of `exercise` in the light of its latest report (none: not graded yet, so the
/// first stage is current). Stages are matched by id, so a report from before the stages
/// changed still shows what it can.
pub(super) fn stage_views(exercise: &Exercise, report: Option<&Report>) -> Vec<StageView> {
    let mut current_seen = false;
    exercise
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let outcome = report.and_then(|r| r.stages.iter().find(|s| s.id == stage.id));
            let passed = outcome.is_some_and(|o| o.status == StageStatus::Passed);
            let state = match (passed, current_seen) {
                (true, false) => "passed",
                (_, true) => "locked",
                (false, false) => {
                    current_seen = true;
                    "current"
                }
            };
            StageView {
                number: i + 1,
                id: stage.id.clone(),
                title: stage.title.clone(),
                anchor: stage.anchor.clone(),
                state,
                score: outcome
                    .filter(|o| o.score.total > 0)
                    .map(|o| format!("{}/{} tests", o.score.passed, o.score.total)),
            }
        })
        .collect()
}

/// The README's HTML with each locked stage's section (its `<h2>` up to the next `<h2>`)
/// folded into a `<details>`, so the page leads with the stages the learner is on.
pub(super) fn fold_locked(readme: &str, stages: &[StageView]) -> String {
    let mut html = readme.to_string();
    // From the last stage back, so earlier positions stay valid.
    for stage in stages.iter().rev().filter(|s| s.state == "locked") {
        let Some(start) = html.find(&format!("<h2 id=\"{}\"", stage.anchor)) else {
            continue;
        };
        let end = html[start + 3..]
            .find("<h2")
            .map_or(html.len(), |i| start + 3 + i);
        let before = stage.number.saturating_sub(1);
        let folded = format!(
            "<details class=\"locked-stage\"><summary>Stage {}: {}: locked until stage {before} passes (open it to read ahead)</summary>\n{}</details>\n",
            stage.number,
            pulldown_cmark_escape_text(&stage.title),
            &html[start..end]
        );
        html.replace_range(start..end, &folded);
    }
    html
}

fn pulldown_cmark_escape_text(text: &str) -> String {
    let mut out = String::new();
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(number: usize, state: &'static str) -> StageView {
        StageView {
            number,
            id: format!("s{number}"),
            title: format!("Step <{number}>"),
            anchor: format!("stage-{number}"),
            state,
            score: None,
        }
    }

    #[test]
    fn locked_sections_are_folded_up_to_the_next_heading() {
        let readme = "<h2 id=\"intro\">Intro</h2><p>a</p><h2 id=\"stage-1\">S1</h2><p>one</p><h2 id=\"stage-2\">S2</h2><p>two</p><h2 id=\"checks\">Checks</h2><p>end</p>";
        let html = fold_locked(readme, &[view(1, "current"), view(2, "locked")]);
        assert!(
            html.contains("<h2 id=\"stage-1\">S1</h2><p>one</p><details"),
            "{html}"
        );
        assert!(
            html.contains("Stage 2: Step &lt;2&gt;: locked until stage 1 passes"),
            "{html}"
        );
        assert!(
            html.contains("<p>two</p></details>\n<h2 id=\"checks\">"),
            "{html}"
        );
    }
}
