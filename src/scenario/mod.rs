//! Scenario files: the RON format ([`file`]), its resolution into a checked
//! [`Scenario`] ([`resolve`]), the limits checked before a run, and the
//! errors a user sees. No IO here: callers pass text in and get text out.

pub mod budget;
pub mod change;
pub mod edit;
pub mod error;
pub mod file;
pub mod limits;
pub mod model;
pub mod ranges;
pub mod resolve;
pub mod rewrite;

pub use error::{FieldError, FieldErrors, LoadError};
pub use file::ScenarioFile;
pub use limits::Limits;
pub use model::Scenario;

pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Parses RON text into a [`ScenarioFile`] without checking its meaning.
/// A leading UTF-8 byte-order mark (which some editors write) is skipped.
///
/// # Errors
/// Occurs when the text is larger than the limit, is not valid RON or does
/// not have the shape of a scenario; carries the line and column.
pub fn parse_str(text: &str, limits: &Limits) -> Result<ScenarioFile, LoadError> {
    if text.len() > limits.max_file_bytes {
        return Err(LoadError::Syntax {
            line: 1,
            col: 1,
            message: format!("the file is {} bytes, over the limit of {} bytes", text.len(), limits.max_file_bytes),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ron_options().from_str(text).map_err(|error| duplicate_key(text, &error).unwrap_or_else(|| error.into()))
}

/// A key written twice in one map, as a syntax error at the second entry
/// that names the map and the first entry (`None` for other errors, or
/// when the text does not show where the entries are).
fn duplicate_key(text: &str, error: &ron::error::SpannedError) -> Option<LoadError> {
    let ron::Error::Message(message) = &error.code else { return None };
    if !message.starts_with(file::unique::DUPLICATE_KEY) {
        return None;
    }
    let at = file::unique::LineCol { line: error.span.start.line, col: error.span.start.col };
    let found = file::unique::locate(text, at)?;
    Some(LoadError::Syntax {
        line: found.second.line,
        col: found.second.col,
        message: format!(
            "{}: duplicate key \"{}\" (first at {}): each key may appear once",
            found.path, found.key, found.first
        ),
    })
}

/// Parses and resolves RON text in one step.
///
/// # Errors
/// Occurs on a syntax error ([`LoadError::Syntax`]) or on meaning errors
/// ([`LoadError::Invalid`], all of them).
pub fn load_str(text: &str, limits: &Limits) -> Result<(ScenarioFile, Scenario), LoadError> {
    let file = parse_str(text, limits)?;
    let scenario = resolve::resolve(&file, limits).map_err(LoadError::Invalid)?;
    Ok((file, scenario))
}

/// Writes a scenario file as pretty RON in the documented format (only the
/// top level is named, as `Scenario(`; enum variants keep their names) that
/// [`parse_str`] reads back to an equal [`ScenarioFile`]. To keep the
/// layout and comments of an opened file, see [`rewrite::write`].
///
/// # Errors
/// Occurs only if serialisation fails (it does not for valid files).
pub fn to_ron_string(file: &ScenarioFile) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::new()
        .depth_limit(6)
        .struct_names(false)
        .separate_tuple_members(false)
        .enumerate_arrays(false);
    let text = ron_options().to_string_pretty(file, config)?;
    Ok(format!("Scenario{}", plain_apostrophes(&text)))
}

/// `text` with `\'` inside double-quoted strings written as a plain `'`
/// (the serialiser escapes it; RON strings do not need it).
fn plain_apostrophes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                if chars.peek() == Some(&'\'') {
                    continue;
                }
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}
