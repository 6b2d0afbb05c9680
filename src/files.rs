//! The file IO front ends share: bounded reads of scenario files (a file
//! larger than the limit is refused before it is read) and atomic saves
//! (write a temporary file beside the target, flush, then rename), so a
//! crash never leaves a half-written scenario.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::scenario::{self, Limits, LoadError, Scenario, ScenarioFile};

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Occurs when the file cannot be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: io::Error,
    },
    /// Occurs when the file is larger than [`Limits::max_file_bytes`].
    #[error("{path}: the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// Occurs when the file is not UTF-8 text.
    #[error("{path}: the file is not UTF-8 text")]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// Occurs when the text is not a valid scenario.
    #[error("{}", format_load_error(path, error))]
    Load {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        error: LoadError,
    },
}

/// Prefixes every line of a load error with the file name, so editors can
/// jump to `file:line:col`.
pub fn format_load_error(path: &Path, error: &LoadError) -> String {
    let name = path.display();
    match error {
        LoadError::Syntax { .. } => format!("{name}:{error}"),
        LoadError::Invalid(errors) => errors.0.iter().map(|e| format!("{name}: {e}")).collect::<Vec<_>>().join("\n"),
    }
}

/// Reads a text file of at most `limits.max_file_bytes`.
///
/// # Errors
/// Occurs when the file cannot be read, is too large or is not UTF-8.
pub fn read_text(path: &Path, limits: &Limits) -> Result<String, FileError> {
    let io_err = |source| FileError::Io { path: path.to_owned(), source };
    let file = fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(limits.max_file_bytes as u64 + 1).read_to_end(&mut bytes).map_err(io_err)?;
    if bytes.len() > limits.max_file_bytes {
        return Err(FileError::TooLarge { path: path.to_owned(), limit: limits.max_file_bytes });
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotText { path: path.to_owned() })
}

/// Reads and parses a scenario file without resolving it.
///
/// # Errors
/// Occurs when the file cannot be read or does not parse.
pub fn parse_file(path: &Path, limits: &Limits) -> Result<ScenarioFile, FileError> {
    let text = read_text(path, limits)?;
    scenario::parse_str(&text, limits).map_err(|error| FileError::Load { path: path.to_owned(), error })
}

/// Resolves a parsed file and checks its plans and its lesson's steps,
/// attaching the path to errors.
///
/// # Errors
/// Occurs when the scenario's values are invalid or over the limits, or a
/// plan or lesson step is.
pub fn resolve_file(path: &Path, file: &ScenarioFile, limits: &Limits) -> Result<Scenario, FileError> {
    let invalid = |errors| FileError::Load { path: path.to_owned(), error: LoadError::Invalid(errors) };
    let scenario = scenario::resolve::resolve(file, limits).map_err(invalid)?;
    let mut errors = crate::lesson::check_steps(file, limits);
    if let Err(plans) = crate::plan::spec::resolve_plans(file, &scenario, limits) {
        errors.extend(plans.0);
    }
    if errors.is_empty() { Ok(scenario) } else { Err(invalid(scenario::FieldErrors(errors))) }
}

/// Writes `contents` to `path` atomically: a temporary file in the same
/// directory is written, flushed to disk and renamed over the target.
///
/// # Errors
/// Occurs when the directory is not writable or the disk is full; the
/// target is then left as it was.
pub fn save_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map_or_else(|| "scenario".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
