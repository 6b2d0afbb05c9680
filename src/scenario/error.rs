//! Errors of loading a scenario: syntax errors with a line and column,
//! meaning errors with the field path, all of them at once.

use std::fmt;

/// One problem with one field of a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `tenants[3].tier`.
    pub path: String,
    /// What is wrong and, where possible, what to write instead.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every meaning error found in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl FieldErrors {
    /// The message for the field at `path`, if there is one (for showing
    /// an error next to the field that caused it).
    pub fn for_path(&self, path: &str) -> Option<&str> {
        self.0.iter().find(|e| e.path == path).map(|e| e.message.as_str())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// Occurs when the text is not valid RON, or does not have the shape of
    /// a scenario (unknown field, wrong type, missing required field).
    #[error("{line}:{col}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The parser's message.
        message: String,
    },
    /// Occurs when the file parses but values are inconsistent, out of
    /// range or over the limits of a run.
    #[error("{0}")]
    Invalid(FieldErrors),
}

impl From<ron::error::SpannedError> for LoadError {
    fn from(error: ron::error::SpannedError) -> Self {
        LoadError::Syntax { line: error.span.start.line, col: error.span.start.col, message: error.code.to_string() }
    }
}
