//! Maps whose keys must be unique (tiers, placements): a key written twice
//! is an error, never a silent replacement of the first entry by the last.
//!
//! Serde finds the repeated key (so only a real duplicate is ever
//! reported); [`locate`] then reads the text to say where both entries
//! are and in which map, which serde cannot tell. This module reads text
//! and builds maps; it knows nothing of what the keys mean.

use std::fmt;
use std::marker::PhantomData;

use indexmap::IndexMap;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// How the message of a repeated key starts (how [`locate`]'s caller
/// recognises it among the parser's errors).
pub(crate) const DUPLICATE_KEY: &str = "duplicate key ";

/// A map read with [`keys`]: every key once, in file order.
struct UniqueMap<T>(IndexMap<String, T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for UniqueMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = UniqueMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with quoted keys, each written once")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = IndexMap::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format!("{DUPLICATE_KEY}\"{key}\"")));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// Reads a map whose keys must be unique (`deserialize_with`).
///
/// # Errors
/// Occurs when a key is written twice, or on the map's own errors.
pub(crate) fn keys<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, T>, D::Error> {
    UniqueMap::deserialize(deserializer).map(|m| m.0)
}

/// Reads an optional map whose keys must be unique (`deserialize_with`).
///
/// # Errors
/// Occurs when a key is written twice, or on the map's own errors.
pub(crate) fn optional_keys<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<IndexMap<String, T>>, D::Error> {
    Option::<UniqueMap<T>>::deserialize(deserializer).map(|m| m.map(|m| m.0))
}

/// A 1-based line and column (in characters, as the RON parser counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LineCol {
    /// Line.
    pub line: usize,
    /// Column.
    pub col: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Where a repeated key is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// The key, as written between its quotes.
    pub key: String,
    /// Field path of the map, e.g. `tiers` or `designs[1].placement`.
    pub path: String,
    /// The first entry's opening quote.
    pub first: LineCol,
    /// The repeated entry's opening quote.
    pub second: LineCol,
}

/// A map key found in the text: its map, its text and where it starts.
struct KeySeen {
    map: usize,
    key: String,
    start: LineCol,
}

/// An open bracket: its kind, the field path it is at, the key or field
/// (or list index) its next value takes, and an id for maps.
struct Frame {
    open: char,
    path: String,
    field: Option<String>,
    index: usize,
    id: usize,
}

/// The repeated key the parser stopped at, located in `text`: the last
/// map key that starts at or before `at` (the parser's position, inside
/// the key), with the first entry of the same key in the same map. `None`
/// when the text does not show one (the parser's message is then used as
/// it is).
pub(crate) fn locate(text: &str, at: LineCol) -> Option<Duplicate> {
    let seen = map_keys(text);
    let second = seen.iter().rposition(|k| k.start <= at)?;
    let repeated = &seen[second];
    let first = seen[..second].iter().find(|k| k.map == repeated.map && k.key == repeated.key)?;
    let path = paths_of_maps(text).into_iter().nth(repeated.map)?;
    Some(Duplicate { key: repeated.key.clone(), path, first: first.start, second: repeated.start })
}

/// Every key of every `{ … }` map in `text`, in order.
fn map_keys(text: &str) -> Vec<KeySeen> {
    let mut keys = Vec::new();
    walk(text, |event| {
        if let Event::MapKey { map, key, start } = event {
            keys.push(KeySeen { map, key: key.to_owned(), start });
        }
    });
    keys
}

/// The field path of every `{ … }` map in `text`, by map id.
fn paths_of_maps(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    walk(text, |event| {
        if let Event::MapOpened { path } = event {
            paths.push(path.trim_start_matches('.').to_owned());
        }
    });
    paths
}

/// What [`walk`] reports.
enum Event<'a> {
    /// A map opened (maps are numbered in order from 0).
    MapOpened { path: &'a str },
    /// A key of map `map` (a string followed by `:`).
    MapKey { map: usize, key: &'a str, start: LineCol },
}

/// A token of RON text, as far as paths need: a word (identifier or
/// number), a string with its contents, or one punctuation character.
#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    Str(&'a str, LineCol),
    Punct(char),
}

/// Reads `text` token by token, following brackets, and reports maps and
/// their keys. Comments, strings (plain, raw and byte) and characters are
/// skipped as RON defines them; anything it does not understand ends the
/// walk (the parser has already read the text, so this only loses detail).
fn walk<'a>(text: &'a str, mut report: impl FnMut(Event<'_>)) {
    let mut lexer = Lexer { text, offset: 0, at: LineCol { line: 1, col: 1 } };
    let mut stack: Vec<Frame> = vec![Frame { open: ' ', path: String::new(), field: None, index: 0, id: 0 }];
    let mut maps = 0;
    let mut previous: Option<Token<'a>> = None;
    while let Some(token) = lexer.next_token() {
        let Some(top) = stack.last_mut() else { return };
        match token {
            Token::Punct(':') => match (&previous, top.open) {
                (Some(Token::Word(name)), '(') => top.field = Some(format!(".{name}")),
                (Some(Token::Str(key, start)), '{') => {
                    top.field = Some(format!(".\"{key}\""));
                    report(Event::MapKey { map: top.id, key, start: *start });
                }
                _ => {}
            },
            Token::Punct(',') => {
                top.field = None;
                top.index += 1;
            }
            Token::Punct(open @ ('(' | '[' | '{')) => {
                let segment = match top.open {
                    '[' => format!("[{}]", top.index),
                    _ => top.field.clone().unwrap_or_default(),
                };
                let path = format!("{}{segment}", top.path);
                let id = if open == '{' {
                    report(Event::MapOpened { path: &path });
                    maps += 1;
                    maps - 1
                } else {
                    0
                };
                stack.push(Frame { open, path, field: None, index: 0, id });
            }
            Token::Punct(')' | ']' | '}') => {
                stack.pop();
                if stack.is_empty() {
                    return;
                }
            }
            _ => {}
        }
        previous = Some(token);
    }
}

/// Splits RON text into [`Token`]s.
struct Lexer<'a> {
    text: &'a str,
    offset: usize,
    at: LineCol,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.offset..).unwrap_or("")
    }

    /// Moves past `bytes` bytes of the text, counting lines and columns.
    fn advance(&mut self, bytes: usize) {
        let end = (self.offset + bytes).min(self.text.len());
        for c in self.text.get(self.offset..end).unwrap_or("").chars() {
            if c == '\n' {
                self.at = LineCol { line: self.at.line + 1, col: 1 };
            } else {
                self.at.col += 1;
            }
        }
        self.offset = end;
    }

    fn next_token(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            if c.is_whitespace() {
                self.advance(c.len_utf8());
            } else if rest.starts_with("//") {
                self.advance(rest.find('\n').unwrap_or(rest.len()));
            } else if rest.starts_with("/*") {
                self.advance(block_comment_len(rest)?);
            } else {
                break;
            }
        }
        let rest = self.rest();
        let start = self.at;
        let quoted = rest.strip_prefix('b').unwrap_or(rest);
        if quoted.starts_with('"') || raw_string_hashes(quoted).is_some() {
            let prefix = rest.len() - quoted.len();
            let (contents, len) = string_at(quoted)?;
            self.advance(prefix + len);
            return Some(Token::Str(contents, start));
        }
        if quoted.starts_with('\'') {
            let len = char_len(quoted)?;
            self.advance(rest.len() - quoted.len() + len);
            return Some(Token::Word(""));
        }
        let c = rest.chars().next()?;
        if "()[]{}:,".contains(c) {
            self.advance(1);
            return Some(Token::Punct(c));
        }
        let len = rest.find(|c: char| c.is_whitespace() || "()[]{}:,\"'/".contains(c)).unwrap_or(rest.len()).max(1);
        let word = rest.get(..len).unwrap_or("");
        self.advance(len);
        Some(Token::Word(word))
    }
}

/// Length of a (nested) `/* … */` comment at the start of `text`.
fn block_comment_len(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        let rest = text.get(i..)?;
        if rest.starts_with("/*") {
            depth += 1;
            i += 2;
        } else if rest.starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += rest.chars().next()?.len_utf8();
        }
    }
    None
}

/// The number of `#` of a raw string `r#"…"#` at the start of `text`.
fn raw_string_hashes(text: &str) -> Option<usize> {
    let after_r = text.strip_prefix('r')?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r.get(hashes..)?.starts_with('"').then_some(hashes)
}

/// A string at the start of `text` (plain or raw): its contents as
/// written between the quotes, and its whole length.
fn string_at(text: &str) -> Option<(&str, usize)> {
    if let Some(hashes) = raw_string_hashes(text) {
        let open = 2 + hashes;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = open + text.get(open..)?.find(&close)?;
        return Some((text.get(open..end)?, end + close.len()));
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some((text.get(1..i)?, i + 1)),
            _ => {}
        }
    }
    None
}

/// Length of a character literal `'x'` or `'\n'` at the start of `text`.
fn char_len(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, col: usize) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn finds_both_entries_of_a_repeated_tier_with_the_maps_path() {
        let text = "Scenario(\n  tiers: {\n    \"a\": (price_per_month: 1.0),\n    \"b\": (),\n    \"a\": (),\n  },\n)";
        let found = locate(text, at(5, 6));
        assert_eq!(found, Some(Duplicate { key: "a".into(), path: "tiers".into(), first: at(3, 5), second: at(5, 5) }));
    }

    #[test]
    fn names_the_design_and_layer_of_a_placement_map() {
        let text = r#"Scenario(
    // a comment with "quotes": { and braces
    designs: [
        (name: "pool", placement: { "*": Pool }),
        (name: "mixed", placement: { "premium": Silo, /* "premium": */ "*": Pool },
         layers: (compute: Some({ "basic": Cells(2), "x": Pool, "basic": Pool }))),
    ],
)"#;
        let found = locate(text, at(6, 66));
        assert_eq!(
            found,
            Some(Duplicate {
                key: "basic".into(),
                path: "designs[1].layers.compute".into(),
                first: at(6, 35),
                second: at(6, 65),
            })
        );
        // The commented-out key is not a key.
        let seen = map_keys(text);
        assert_eq!(seen.iter().filter(|k| k.key == "premium").count(), 1);
    }

    #[test]
    fn skips_raw_strings_chars_and_escapes() {
        let text = "S(a: r#\"x\": {\"#, b: '{', c: \"\\\"{\", m: { \"k\": 1, \"k\": 2 })";
        let found = locate(text, at(1, 52));
        assert_eq!(found.map(|d| (d.key, d.path, d.first.col)), Some(("k".into(), "m".into(), 41)));
    }

    #[test]
    fn a_position_far_from_any_key_finds_nothing() {
        assert_eq!(locate("S(m: { \"k\": 1 }, x: 1)", at(1, 22)), None);
        assert_eq!(locate("", at(1, 1)), None);
        assert_eq!(locate("S(m: { \"k", at(1, 9)), None);
    }
}
