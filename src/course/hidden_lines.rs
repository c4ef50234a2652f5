//! Lesson code blocks in the style of rustdoc: a line starting with `# ` (or a lone `#`) is
//! compiled but not shown, so an example can hide its set-up. The page shows
//! [`visible_code`]; `workbook check --code` compiles every [`compiled_line`].

use super::outline::CodeBlock;

/// The code a rendered page shows for a block: hidden `# ` lines removed.
pub fn visible_code(code: &str) -> String {
    code.lines()
        .filter(|line| !is_hidden(line))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// True for a line that is compiled but not shown: `# ` followed by code, or a lone `#`.
pub fn is_hidden(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed == "#" || trimmed.starts_with("# ")
}

/// The line as the compiler sees it.
pub fn compiled_line(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed == "#" {
        ""
    } else if let Some(rest) = trimmed.strip_prefix("# ") {
        rest
    } else {
        line
    }
}

/// True when a block is compiled: `rust` blocks, unless marked `ignore`.
pub fn is_compiled(block: &CodeBlock) -> bool {
    block.language() == "rust" && !block.has_flag("ignore")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_lines_are_compiled_but_not_shown() {
        let code = "# use std::fmt;\nfn f() {}\n#\n#[derive(Debug)]\nstruct S;\n";
        assert_eq!(
            visible_code(code),
            "fn f() {}\n#[derive(Debug)]\nstruct S;\n"
        );
        let compiled: Vec<&str> = code.lines().map(compiled_line).collect();
        assert_eq!(
            compiled,
            [
                "use std::fmt;",
                "fn f() {}",
                "",
                "#[derive(Debug)]",
                "struct S;"
            ]
        );
    }
}
