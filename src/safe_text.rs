//! Text from a file made safe for where it is shown: a terminal (where
//! control characters could move the cursor, rewrite the title, hide or
//! fake output) and a spreadsheet (where a cell starting with `=` runs as
//! a formula). Names, ids, labels, descriptions and error messages that
//! quote a file pass through here on their way out; numbers never do.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: every control
/// character but the line break (C0, DEL, C1: escape sequences, carriage
/// return, backspace, bell, tab) and the invisible bidirectional
/// overrides, which make text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character but the line break written as a
/// Rust escape (`\u{1b}`), so it prints as what it is; ordinary Unicode
/// (accents, CJK, emoji) stays as it is.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV text cell (a name, an id, a label; never a number): control
/// characters escaped as for [`terminal`], and a cell a spreadsheet would
/// read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a `'` in front, as OWASP recommends.
pub fn csv_cell(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = terminal(text);
    if formula { format!("'{text}") } else { text.into_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_unicode_kept() {
        assert_eq!(terminal("acme"), "acme");
        assert_eq!(terminal("café 東京 🚀"), "café 東京 🚀");
        assert_eq!(terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal("x\rY\u{8}\t\u{7}"), "x\\u{d}Y\\u{8}\\u{9}\\u{7}");
        assert_eq!(terminal("\u{9b}31m"), "\\u{9b}31m", "the one-byte C1 CSI");
        assert_eq!(terminal("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(terminal("line one\nline two"), "line one\nline two");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for (text, cell) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-cmd", "'-cmd"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("acme", "acme"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(text), cell, "{text}");
        }
        assert_eq!(csv_cell("\t=1"), "'\\u{9}=1");
        assert_eq!(csv_cell("\r@x"), "'\\u{d}@x");
    }
}
