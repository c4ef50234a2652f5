//! Search in scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
//! Khmer, Myanmar).
//!
//! FTS5's word tokenizer (`unicode61`) splits text on spaces and punctuation, so a whole
//! Chinese sentence is one "word" and `数据库` in the middle of it is never found. A course
//! holds a few hundred sections, so a query in such a script is answered by a plain
//! substring search over the sections' text, which finds a word anywhere in a sentence and
//! needs no segmenter.

use super::site::Hit;
use crate::render::escape;

/// A lesson section as the search sees it.
#[derive(Debug, Clone)]
pub struct SectionText {
    /// The lesson's slug.
    pub lesson: String,
    /// The lesson's title.
    pub lesson_title: String,
    /// The section's heading.
    pub heading: String,
    /// The section's anchor.
    pub anchor: String,
    /// The section's plain text.
    pub body: String,
}

/// Characters to show before the first match, and in all, in a snippet.
const BEFORE: usize = 24;
const LENGTH: usize = 80;

/// True for a character of a script written without spaces between words.
pub fn is_unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2FA1F  // CJK Extensions B-F and supplements
    )
}

/// Sections holding every term of `query` (case-insensitively), the most matches first.
pub fn search(sections: &[SectionText], query: &str) -> Vec<Hit> {
    let terms: Vec<String> = query
        .split_whitespace()
        .take(12)
        .map(str::to_lowercase)
        .collect();
    if terms.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<(usize, Hit)> = sections
        .iter()
        .filter_map(|section| {
            let text = format!("{} {}", section.heading, section.body).to_lowercase();
            let count: usize = terms.iter().map(|t| text.matches(t.as_str()).count()).sum();
            let all = terms.iter().all(|t| text.contains(t.as_str()));
            all.then(|| {
                let hit = Hit {
                    lesson: section.lesson.clone(),
                    lesson_title: section.lesson_title.clone(),
                    heading: section.heading.clone(),
                    anchor: section.anchor.clone(),
                    snippet_html: snippet(&section.body, &terms),
                };
                (count, hit)
            })
        })
        .collect();
    hits.sort_by_key(|(count, _)| std::cmp::Reverse(*count));
    hits.into_iter().take(30).map(|(_, hit)| hit).collect()
}

/// A short piece of `body` around the first match, escaped, with every match in `<mark>`.
fn snippet(body: &str, terms: &[String]) -> String {
    let chars: Vec<char> = body.chars().collect();
    let lower: Vec<char> = body.chars().flat_map(char::to_lowercase).collect();
    // Lower-casing can change the length of a few characters; fall back to the start then.
    let same_length = lower.len() == chars.len();
    let matches = |at: usize| -> Option<usize> {
        terms.iter().find_map(|t| {
            let t: Vec<char> = t.chars().collect();
            (same_length && lower.get(at..at + t.len()) == Some(&t[..])).then_some(t.len())
        })
    };
    let first = (0..chars.len())
        .find(|&i| matches(i).is_some())
        .unwrap_or(0);
    let start = first.saturating_sub(BEFORE);
    let end = (start + LENGTH).min(chars.len());
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut i = start;
    while i < end {
        match matches(i) {
            Some(len) => {
                let text: String = chars[i..(i + len).min(chars.len())].iter().collect();
                html.push_str(&format!("<mark>{}</mark>", escape(&text)));
                i += len;
            }
            None => {
                html.push_str(&escape(&chars[i].to_string()));
                i += 1;
            }
        }
    }
    if end < chars.len() {
        html.push('…');
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(body: &str) -> SectionText {
        SectionText {
            lesson: "caching".into(),
            lesson_title: "Caching".into(),
            heading: "缓存".into(),
            anchor: "缓存".into(),
            body: body.into(),
        }
    }

    #[test]
    fn a_word_in_the_middle_of_a_chinese_sentence_is_found() {
        let sections = [section("缓存可以降低数据库的负载"), section("别的内容")];
        let hits = search(&sections, "数据库");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].snippet_html,
            "缓存可以降低<mark>数据库</mark>的负载"
        );
        assert_eq!(
            search(&sections, "负载 缓存").len(),
            1,
            "every term, any order"
        );
        assert!(search(&sections, "消息").is_empty());
    }

    #[test]
    fn japanese_and_thai_are_found_too() {
        let sections = [
            section("キャッシュはデータベースの負荷を下げる"),
            section("แคชช่วยลดภาระของฐานข้อมูล"),
        ];
        assert_eq!(search(&sections, "データベース").len(), 1);
        assert_eq!(search(&sections, "ฐานข้อมูล").len(), 1);
    }

    #[test]
    fn snippets_are_escaped_and_cut_around_the_match() {
        let body = format!("{}<b>数据库</b>{}", "前".repeat(40), "后".repeat(100));
        let html = snippet(&body, &["数据库".to_string()]);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(
            html.contains("&lt;b&gt;<mark>数据库</mark>&lt;/b&gt;"),
            "{html}"
        );
    }
}
