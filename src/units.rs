//! Human units in scenario files: durations written as `"10m"`, `"1h"`,
//! `"250ms"` (or a bare number of seconds).
//!
//! This module only converts text to typed values; it knows nothing about
//! what a duration is used for. Resolution decides which values are allowed.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration as written in a scenario file.
///
/// Keeps the text the user wrote so that saving a scenario writes `"10m"`
/// back rather than `600.0`. The parsed value is available as seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationText {
    text: String,
    secs: Result<f64, String>,
}

impl DurationText {
    /// Builds a duration from text such as `"90s"`, `"1.5h"` or `"250ms"`.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let secs = parse_duration_secs(&text);
        Self { text, secs }
    }

    /// Builds a duration from a number of seconds, written back in the
    /// largest whole unit that represents it exactly.
    pub fn from_secs(secs: f64) -> Self {
        Self::new(format_duration(secs))
    }

    /// The text as written in the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The duration in seconds, or why the text is not a duration.
    ///
    /// # Errors
    /// Occurs when the text is not a number followed by one of the units
    /// `ms`, `s`, `m`, `h`, `d`, `w`.
    pub fn secs(&self) -> Result<f64, String> {
        self.secs.clone()
    }
}

impl fmt::Display for DurationText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Where the unit of `"<number><unit>"` starts: at the first letter that
/// is not the `e` of an exponent (`"1e3s"`, `"2.5E-1h"`), or at the end.
fn unit_start(text: &str) -> usize {
    let bytes = text.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii_alphabetic() {
            continue;
        }
        let after_mantissa = i > 0 && (digit_at(i - 1) || bytes[i - 1] == b'.');
        let exponent_follows = digit_at(i + 1) || (matches!(bytes.get(i + 1), Some(b'+' | b'-')) && digit_at(i + 2));
        if !(matches!(b, b'e' | b'E') && after_mantissa && exponent_follows) {
            return i;
        }
    }
    text.len()
}

/// Parses `"<number><unit>"` into seconds. Units: ms, s, m, h, d, w.
/// The number may have an exponent (`"1e3s"`, `"2.5e-1h"`).
/// A number without a unit is seconds. Negative and non-finite values are
/// rejected here; zero is allowed (resolution decides where it is valid).
///
/// # Errors
/// Occurs when the text is empty, has an unknown unit or a malformed number.
pub fn parse_duration_secs(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, unit) = trimmed.split_at(unit_start(trimmed));
    if number.trim().is_empty() {
        return Err(format!("\"{text}\" is not a duration (write e.g. \"250ms\", \"30s\", \"10m\", \"1h\")"));
    }
    let unit_secs = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        other => {
            return Err(format!("duration \"{text}\" has unknown unit \"{other}\" (use ms, s, m, h, d or w)"));
        }
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration (write e.g. \"250ms\", \"30s\", \"10m\", \"1h\")"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("duration \"{text}\" must be a finite, non-negative number"));
    }
    Ok(value * unit_secs)
}

/// Formats seconds in the largest unit that divides it exactly
/// (`3600.0` → `"1h"`, `90.0` → `"90s"`, `0.25` → `"250ms"`).
pub fn format_duration(secs: f64) -> String {
    const UNITS: [(&str, f64); 5] = [("d", 86_400.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 0.001)];
    if secs == 0.0 {
        return "0s".to_owned();
    }
    for (unit, size) in UNITS {
        let count = secs / size;
        if count >= 1.0 && (count - count.round()).abs() < 1e-9 {
            return format!("{}{unit}", count.round());
        }
    }
    format!("{secs}s")
}

impl Serialize for DurationText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"250ms\", \"30s\", \"10m\" or \"1h\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationText, E> {
                Ok(DurationText::new(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationText, E> {
                Ok(DurationText::new(format!("{v}s")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationText, E> {
                Ok(DurationText::new(format!("{v}s")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationText, E> {
                Ok(DurationText::new(format!("{v}s")))
            }
        }
        deserializer.deserialize_any(DurationVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        assert_eq!(parse_duration_secs("250ms"), Ok(0.25));
        assert_eq!(parse_duration_secs("30s"), Ok(30.0));
        assert_eq!(parse_duration_secs("10m"), Ok(600.0));
        assert_eq!(parse_duration_secs("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration_secs("2d"), Ok(172_800.0));
        assert_eq!(parse_duration_secs("1w"), Ok(604_800.0));
        assert_eq!(parse_duration_secs("42"), Ok(42.0));
    }

    #[test]
    fn reads_exponent_notation() {
        assert_eq!(parse_duration_secs("1e3s"), Ok(1000.0));
        assert_eq!(parse_duration_secs("1e3"), Ok(1000.0));
        assert_eq!(parse_duration_secs("2.5E-1h"), Ok(900.0));
        assert_eq!(parse_duration_secs("5e+1ms"), Ok(0.05));
        assert_eq!(parse_duration_secs("1.e2m"), Ok(6000.0));
        // An `e` that starts no exponent is still a unit.
        assert!(parse_duration_secs("2e").is_err_and(|e| e.contains("unknown unit \"e\"")));
        assert!(parse_duration_secs("2e-s").is_err_and(|e| e.contains("unknown unit \"e-s\"")));
        assert!(parse_duration_secs("e3s").is_err());
    }

    #[test]
    fn rejects_bad_text() {
        assert!(parse_duration_secs("").is_err());
        assert!(parse_duration_secs("10y").is_err());
        assert!(parse_duration_secs("-5s").is_err());
        assert!(parse_duration_secs("NaNs").is_err());
        assert!(parse_duration_secs("infh").is_err());
        assert!(parse_duration_secs("1e400s").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for secs in [0.25, 1.0, 90.0, 600.0, 3600.0, 86_400.0, 5400.0] {
            assert_eq!(parse_duration_secs(&format_duration(secs)), Ok(secs));
        }
        assert_eq!(format_duration(3600.0), "1h");
        assert_eq!(format_duration(0.25), "250ms");
    }
}
