//! Edits of a scenario's text that keep the rest of it as written
//! (comments, layout): adding a design at the end of the `designs` list.

use crate::scenario::file::DesignFile;
use crate::scenario::rewrite::{self, SourceText};
use crate::scenario::{Limits, parse_str};

/// Why a text edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// Occurs when the text is not a scenario.
    #[error("the file is not a scenario: {0}")]
    NotAScenario(String),
    /// Occurs when the edited scenario cannot be written as RON.
    #[error("the edited file cannot be written: {0}")]
    Unwritable(String),
}

/// Adds `design` as the last entry of the top-level `designs` list of the
/// scenario text `text`; the rest of the text stays as written.
///
/// # Errors
/// Occurs when the text is not a scenario.
pub fn append_design(text: &str, design: &DesignFile) -> Result<String, EditError> {
    let source = SourceText::parse(text, &Limits::default()).map_err(|e| EditError::NotAScenario(e.to_string()))?;
    let mut edited = source.file.clone();
    edited.designs.push(design.clone());
    let updated = rewrite::write(&edited, Some(&source)).map_err(|e| EditError::Unwritable(e.to_string()))?;
    debug_assert!(parse_str(&updated, &Limits::default()).is_ok_and(|f| f == edited));
    Ok(updated)
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
    fn a_file_that_is_not_a_scenario_is_refused() {
        let design = DesignFile {
            name: "x".into(),
            placement: Default::default(),
            layers: Default::default(),
            overhead_per_stack_per_month: 0.0,
        };
        assert!(matches!(append_design("Scenario(version: 1)", &design), Err(EditError::NotAScenario(_))));
    }
}
