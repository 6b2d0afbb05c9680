//! Edits of a scenario's text that keep the rest of it as written
//! (comments, layout): adding a design at the end of the `designs` list.

use crate::scenario::file::DesignFile;
use crate::scenario::{Limits, parse_str, ron_options};

/// Why a text edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Occurs when the text has no top-level `designs: [ … ]` list.
    #[error("the file has no designs list to add to")]
    NoDesignsList,
    /// Occurs when the edited text does not read back as the intended file.
    #[error("the edited file does not read back: {0}")]
    Unreadable(String),
}

/// Adds `design` as the last entry of the top-level `designs` list of the
/// scenario text `text`.
///
/// # Errors
/// Occurs when the list cannot be found or the result does not read back
/// with the design added.
pub fn append_design(text: &str, design: &DesignFile) -> Result<String, EditError> {
    let close = designs_list_end(text).ok_or(EditError::NoDesignsList)?;
    let entry = ron_options().to_string(design).map_err(|e| EditError::Unreadable(e.to_string()))?;
    let before = text[..close].trim_end();
    let comma = if before.ends_with(',') || before.ends_with('[') { "" } else { "," };
    let indent = text[..close].rsplit('\n').next().filter(|s| s.trim().is_empty()).unwrap_or("");
    let updated = format!("{before}{comma}\n{indent}    {entry},\n{indent}{}", &text[close..]);
    let limits = Limits::default();
    let check = parse_str(&updated, &limits).map_err(|e| EditError::Unreadable(e.to_string()))?;
    let original = parse_str(text, &limits).map_err(|e| EditError::Unreadable(e.to_string()))?;
    let mut expected = original;
    expected.designs.push(design.clone());
    if check != expected {
        return Err(EditError::Unreadable("the result differs from the file with the design added".to_owned()));
    }
    Ok(updated)
}

/// Byte offset of the `]` closing the top-level `designs` list.
fn designs_list_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    let mut list_depth: Option<i32> = None;
    let mut pending = false; // saw `designs` `:` at depth 1, waiting for `[`
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 2);
                i = end;
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'r' if bytes.get(i + 1).is_some_and(|&b| b == b'"' || b == b'#')
                && (i == 0 || !is_ident(bytes[i - 1])) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let closing = format!("\"{}", "#".repeat(hashes));
                let start = i + 1 + hashes + 1;
                i = text.get(start..).and_then(|t| t.find(&closing)).map_or(bytes.len(), |e| start + e + closing.len());
                continue;
            }
            b'(' | b'{' => depth += 1,
            b'[' => {
                depth += 1;
                if pending {
                    list_depth = Some(depth);
                    pending = false;
                }
            }
            b')' | b'}' => depth -= 1,
            b']' => {
                if list_depth == Some(depth) {
                    return Some(i);
                }
                depth -= 1;
            }
            _ if depth == 1 && text[i..].starts_with("designs") && (i == 0 || !is_ident(bytes[i - 1])) => {
                let rest = text[i + 7..].trim_start();
                if rest.starts_with(':') {
                    pending = true;
                }
                i += 7;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::file::PlacementFile;

    #[test]
    fn a_design_is_added_and_comments_stay() {
        let text = crate::bundled::DEFAULT.text;
        let mut design =
            parse_str(text, &Limits::default()).map(|f| f.designs[0].clone()).unwrap_or_else(|e| panic!("{e}"));
        design.name = "added".to_owned();
        design.placement.insert("*".to_owned(), PlacementFile::Cells(3));
        let updated = append_design(text, &design).unwrap_or_else(|e| panic!("{e}"));
        let comments = |t: &str| t.lines().filter(|l| l.trim_start().starts_with("//")).count();
        assert_eq!(comments(&updated), comments(text));
        let file = parse_str(&updated, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.designs.last().map(|d| d.name.as_str()), Some("added"));
        // Every line of the original is still there, in order.
        let mut lines = updated.lines();
        for line in text.lines() {
            assert!(lines.any(|l| l == line), "lost: {line}");
        }
    }

    #[test]
    fn a_file_without_designs_is_refused() {
        let design = DesignFile {
            name: "x".into(),
            placement: Default::default(),
            layers: Default::default(),
            overhead_per_stack_per_month: 0.0,
        };
        assert_eq!(append_design("Scenario(version: 1)", &design), Err(EditError::NoDesignsList));
    }
}
