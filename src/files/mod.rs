//! The file IO front ends share: bounded reads of scenario files (a file
//! larger than the limit, or one that is not a regular file, is refused
//! before it is read) and atomic saves ([`save`]), so a crash never leaves
//! a half-written file.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::scenario::{self, Limits, LoadError, Scenario, ScenarioFile};

mod save;

pub use save::{SaveError, check_writable, save_atomic};

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
    /// Occurs when the path names a directory, a FIFO, a device or a
    /// socket: reading one could block forever or make no sense.
    #[error("{path}: is {kind}, not a regular file")]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is instead, with its article ("a directory").
        kind: &'static str,
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
    let not_regular = |meta: &fs::Metadata| match kind_of(&meta.file_type()) {
        Some(kind) => Err(FileError::NotRegular { path: path.to_owned(), kind }),
        None => Ok(()),
    };
    // Checked before opening so a FIFO is never opened (that would wait
    // for a writer), and again on the open handle in case the path was
    // swapped in between; the non-blocking open keeps that case from
    // hanging too.
    not_regular(&fs::metadata(path).map_err(io_err)?)?;
    let file = open_nonblocking(path).map_err(io_err)?;
    not_regular(&file.metadata().map_err(io_err)?)?;
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
    errors.extend(crate::lesson::check_claim_names(file, &scenario));
    if let Err(plans) = crate::plan::spec::resolve_plans(file, &scenario, limits) {
        errors.extend(plans.0);
    }
    if errors.is_empty() { Ok(scenario) } else { Err(invalid(scenario::FieldErrors(errors))) }
}

/// What a file that is not a regular file is, with its article (`"a
/// directory"`); `None` for a regular file.
pub(crate) fn kind_of(file_type: &fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    if file_type.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("an unknown kind of file")
}

/// Opens for reading without waiting: on unix with `O_NONBLOCK`, which
/// changes nothing for a regular file but keeps a FIFO swapped in after
/// the check from blocking the open.
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}
