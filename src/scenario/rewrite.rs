//! Writing a scenario back over the text it came from: what did not change
//! keeps its bytes (comments, layout, number spelling, left-out defaults),
//! and only the values that changed are rewritten, in the documented
//! format. A save with no edit writes the file it read, byte for byte.
//!
//! Three syntax trees take part: the source text, the canonical text of
//! what the source parses to, and the canonical text of the edited file.
//! Comparing the two canonical texts says what changed; the source tree
//! says where it is. The result is parsed again and must equal the edited
//! file, else the canonical text is written instead: a layout we cannot
//! keep is never a reason to write a wrong file.

use std::collections::HashMap;
use std::ops::Range;

use ron2::ast::{Expr, StructBody};

use super::{Limits, LoadError, ScenarioFile, parse_str, to_ron_string};

/// The text a document was opened from or last saved as, with the file it
/// parses to.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceText {
    /// The text, as read or written.
    pub text: String,
    /// What the text parses to.
    pub file: ScenarioFile,
}

impl SourceText {
    /// Parses `text` and keeps it as the source of later writes.
    ///
    /// # Errors
    /// Occurs when the text is not a scenario (see [`parse_str`]).
    pub fn parse(text: &str, limits: &Limits) -> Result<Self, LoadError> {
        let file = parse_str(text, limits)?;
        Ok(Self { text: text.to_owned(), file })
    }
}

/// Writes `file` as RON text: over `source` when there is one (unchanged
/// parts keep their text), else in the canonical documented format.
///
/// # Errors
/// Occurs only if serialisation fails (it does not for valid files).
pub fn write(file: &ScenarioFile, source: Option<&SourceText>) -> Result<String, ron::Error> {
    if let Some(source) = source
        && source.file == *file
    {
        return Ok(source.text.clone());
    }
    let fresh = to_ron_string(file)?;
    let Some(source) = source else { return Ok(fresh) };
    let before = to_ron_string(&source.file)?;
    let merged = merge_texts(&source.text, &before, &fresh);
    // The merged text must read back as the edited file; anything else
    // (a layout the merge does not know) falls back to the canonical text.
    // Equal files can still differ in the order of a map's keys, which the
    // canonical text shows: compare that too.
    let limits = Limits { max_file_bytes: usize::MAX, ..Limits::default() };
    let reads_back = |text: &String| {
        parse_str(text, &limits).is_ok_and(|back| back == *file && to_ron_string(&back).is_ok_and(|t| t == fresh))
    };
    Ok(merged.filter(reads_back).unwrap_or(fresh))
}

/// The source text with the changes from `before` to `after` (both
/// canonical) applied in place; `None` when a text does not parse.
fn merge_texts(source: &str, before: &str, after: &str) -> Option<String> {
    let (bom, body) = match source.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", source),
    };
    let s = ron2::ast::parse_document(body).ok()?;
    let o = ron2::ast::parse_document(before).ok()?;
    let n = ron2::ast::parse_document(after).ok()?;
    let crlf = body.contains("\r\n");
    let mut merge = Merge { s: body, o: before, n: after, edits: Vec::new(), crlf, commas: Default::default() };
    merge.expr(s.value.as_ref()?, o.value.as_ref()?, n.value.as_ref()?);
    Some(format!("{bom}{}", merge.apply()))
}

/// Lists longer than this (old × new items) are diffed coarsely: their
/// common start and end kept, the middle replaced (the fine diff's time
/// grows with both lengths and the number of changes).
const FINE_DIFF_MAX: usize = 25_000_000;

/// The operations that turn `old` into `new`: a minimal diff for lists of
/// ordinary length, else the common start and end kept and the middle
/// replaced. Either way the same lists give the same operations.
fn list_diff(old: &[&str], new: &[&str]) -> Vec<similar::DiffOp> {
    if old.len().saturating_mul(new.len()) <= FINE_DIFF_MAX {
        return similar::capture_diff_slices(similar::Algorithm::Myers, old, new);
    }
    let start = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let end = old[start..].iter().rev().zip(new[start..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (old_len, new_len) = (old.len() - start - end, new.len() - start - end);
    let mut ops = vec![similar::DiffOp::Equal { old_index: 0, new_index: 0, len: start }];
    ops.push(match (old_len, new_len) {
        (0, 0) => similar::DiffOp::Equal { old_index: start, new_index: start, len: 0 },
        (_, 0) => similar::DiffOp::Delete { old_index: start, old_len, new_index: start },
        (0, _) => similar::DiffOp::Insert { old_index: start, new_index: start, new_len },
        _ => similar::DiffOp::Replace { old_index: start, old_len, new_index: start, new_len },
    });
    ops
}

/// One replacement of a byte range of the source.
struct Edit {
    at: Range<usize>,
    text: String,
    order: usize,
}

/// The three texts and the edits found so far.
struct Merge<'t> {
    /// The source text.
    s: &'t str,
    /// The canonical text of what the source parses to.
    o: &'t str,
    /// The canonical text of the edited file.
    n: &'t str,
    edits: Vec<Edit>,
    /// The source ends its lines with `\r\n` (inserted lines do too).
    crlf: bool,
    /// Where a comma was added after a member that had none.
    commas: std::collections::HashSet<usize>,
}

/// How a container's members are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// By field name (structs) or key (maps).
    Keyed,
    /// By position (lists and tuples).
    Positional,
}

/// One member of a container: a field, a map entry or an item.
struct Member<'e, 'a> {
    /// The field name or the map key's value (empty for items).
    key: String,
    /// Where the member starts (its name, key or value).
    start: usize,
    /// Its value.
    value: &'e Expr<'a>,
    /// Its comma, if it has one.
    comma: Option<Range<usize>>,
}

impl Member<'_, '_> {
    /// Where the member ends, its comma included.
    fn end(&self) -> usize {
        self.comma.as_ref().map_or(self.value.span().end_offset, |c| c.end)
    }
}

/// A struct, map, list or tuple: its name (enum variants), brackets and
/// members.
struct Container<'e, 'a> {
    name: Option<&'e str>,
    kind: Kind,
    open: Range<usize>,
    close: Range<usize>,
    members: Vec<Member<'e, 'a>>,
}

fn range(span: &ron2::Span) -> Range<usize> {
    span.start_offset..span.end_offset
}

fn map_key(key: &Expr<'_>, text: &str) -> String {
    match key {
        Expr::String(s) => s.value.clone(),
        other => text[range(other.span())].to_owned(),
    }
}

/// The container an expression is, if it is one.
fn container<'e, 'a>(expr: &'e Expr<'a>, text: &str) -> Option<Container<'e, 'a>> {
    let fields = |fields: &'e [ron2::ast::StructField<'a>]| {
        fields
            .iter()
            .map(|f| Member {
                key: f.name.name.to_string(),
                start: f.name.span.start_offset,
                value: &f.value,
                comma: f.comma.as_ref().map(range),
            })
            .collect()
    };
    let items = |items: Vec<(&'e Expr<'a>, Option<&ron2::Span>)>| {
        items
            .into_iter()
            .map(|(value, comma)| Member {
                key: String::new(),
                start: value.span().start_offset,
                value,
                comma: comma.map(range),
            })
            .collect()
    };
    Some(match expr {
        Expr::AnonStruct(s) => Container {
            name: None,
            kind: Kind::Keyed,
            open: range(&s.open_paren),
            close: range(&s.close_paren),
            members: fields(&s.fields),
        },
        Expr::Struct(s) => match s.body.as_ref()? {
            StructBody::Fields(body) => Container {
                name: Some(&s.name.name),
                kind: Kind::Keyed,
                open: range(&body.open_brace),
                close: range(&body.close_brace),
                members: fields(&body.fields),
            },
            StructBody::Tuple(body) => Container {
                name: Some(&s.name.name),
                kind: Kind::Positional,
                open: range(&body.open_paren),
                close: range(&body.close_paren),
                members: items(body.elements.iter().map(|e| (&e.expr, e.comma.as_ref())).collect()),
            },
        },
        Expr::Tuple(t) => Container {
            name: None,
            kind: Kind::Positional,
            open: range(&t.open_paren),
            close: range(&t.close_paren),
            members: items(t.elements.iter().map(|e| (&e.expr, e.comma.as_ref())).collect()),
        },
        Expr::Seq(s) => Container {
            name: None,
            kind: Kind::Positional,
            open: range(&s.open_bracket),
            close: range(&s.close_bracket),
            members: items(s.items.iter().map(|e| (&e.expr, e.comma.as_ref())).collect()),
        },
        Expr::Map(m) => Container {
            name: None,
            kind: Kind::Keyed,
            open: range(&m.open_brace),
            close: range(&m.close_brace),
            members: m
                .entries
                .iter()
                .map(|e| Member {
                    key: map_key(&e.key, text),
                    start: e.key.span().start_offset,
                    value: &e.value,
                    comma: e.comma.as_ref().map(range),
                })
                .collect(),
        },
        _ => return None,
    })
}

/// The whitespace that starts the line holding byte `at`.
fn line_indent(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `text` (which starts on a line indented by `from`) moved to a line
/// indented by `to`: every later line trades `from` for `to`.
fn reindent(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            match line.strip_prefix(from) {
                Some(rest) if !line.is_empty() => {
                    out.push_str(to);
                    out.push_str(rest);
                }
                _ => out.push_str(line),
            }
        } else {
            out.push_str(line);
        }
    }
    out
}

impl<'t> Merge<'t> {
    fn push(&mut self, at: Range<usize>, text: String) {
        let text =
            if self.crlf && text.contains('\n') { text.replace("\r\n", "\n").replace('\n', "\r\n") } else { text };
        let order = self.edits.len();
        self.edits.push(Edit { at, text, order });
    }

    /// The edited file's text for `at` (a range of the canonical text),
    /// indented for a place in the source at `target`.
    fn new_text(&self, at: Range<usize>, target: usize) -> String {
        reindent(&self.n[at.clone()], line_indent(self.n, at.start), line_indent(self.s, target))
    }

    /// Merges the change from `o` to `n` into the source expression `s`.
    fn expr(&mut self, s: &Expr<'_>, o: &Expr<'_>, n: &Expr<'_>) {
        let (o_text, n_text) = (&self.o[range(o.span())], &self.n[range(n.span())]);
        if o_text == n_text {
            return;
        }
        // `Some(x)` in the source stands for the `x` the canonical text writes.
        if let Expr::Option(opt) = s
            && let Some(inner) = &opt.value
            && !matches!(o, Expr::Option(_))
        {
            return self.expr(&inner.expr, o, n);
        }
        if let (Some(sc), Some(oc), Some(nc)) = (container(s, self.s), container(o, self.o), container(n, self.n))
            && sc.kind == oc.kind
            && oc.kind == nc.kind
            && oc.name == nc.name
            // A source may leave a struct's name out (`(version: 1, …)`).
            && (oc.name.is_none() || sc.name.is_none() || sc.name == oc.name)
        {
            match oc.kind {
                Kind::Keyed => self.keyed(&sc, &oc, &nc),
                Kind::Positional => self.positional(&sc, &oc, &nc),
            }
            return;
        }
        let at = range(s.span());
        let text = self.new_text(range(n.span()), at.start);
        self.push(at, text);
    }

    /// Fields or map entries, matched by name or key.
    fn keyed(&mut self, s: &Container<'_, '_>, o: &Container<'_, '_>, n: &Container<'_, '_>) {
        // Keys to positions once: a map may hold tens of thousands.
        let index = |c: &Container<'_, '_>| -> HashMap<String, usize> {
            c.members.iter().enumerate().map(|(i, m)| (m.key.clone(), i)).collect()
        };
        let (s_at, o_at, n_at) = (index(s), index(o), index(n));
        // The last member of the edited file seen so far that the source has.
        let mut last_in_source = None;
        for nm in &n.members {
            let om = o_at.get(&nm.key).map(|&i| &o.members[i]);
            let si = s_at.get(&nm.key).copied();
            if om.is_some_and(|om| self.o[range(om.value.span())] == self.n[range(nm.value.span())]) {
                last_in_source = si.or(last_in_source);
                continue;
            }
            match (si, om) {
                (Some(si), Some(om)) => self.expr(s.members[si].value, om.value, nm.value),
                (Some(si), None) => {
                    let at = range(s.members[si].value.span());
                    let text = self.new_text(range(nm.value.span()), at.start);
                    self.push(at, text);
                }
                (None, _) => self.insert(s, last_in_source, nm),
            }
            last_in_source = si.or(last_in_source);
        }
        let mut gone: Vec<usize> = o
            .members
            .iter()
            .filter(|om| !n_at.contains_key(&om.key))
            .filter_map(|om| s_at.get(&om.key).copied())
            .collect();
        gone.sort_unstable();
        self.delete_all(s, &gone);
    }

    /// List or tuple items, matched by a diff of their texts.
    fn positional(&mut self, s: &Container<'_, '_>, o: &Container<'_, '_>, n: &Container<'_, '_>) {
        if s.members.len() != o.members.len() {
            let at = s.open.start..s.close.end;
            let text = self.new_text(n.open.start..n.close.end, at.start);
            return self.push(at, text);
        }
        let texts = |c: &Container<'_, '_>, text: &'t str| -> Vec<&'t str> {
            c.members.iter().map(|m| &text[range(m.value.span())]).collect()
        };
        let (o_texts, n_texts) = (texts(o, self.o), texts(n, self.n));
        let ops = list_diff(&o_texts, &n_texts);
        for op in ops {
            match op {
                similar::DiffOp::Equal { .. } => {}
                similar::DiffOp::Delete { old_index, old_len, .. } => self.delete(s, old_index..old_index + old_len),
                similar::DiffOp::Insert { old_index, new_index, new_len } => {
                    let after = old_index.checked_sub(1);
                    for nm in &n.members[new_index..new_index + new_len] {
                        self.insert(s, after, nm);
                    }
                }
                similar::DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    if old_len == new_len {
                        for k in 0..old_len {
                            self.expr(
                                s.members[old_index + k].value,
                                o.members[old_index + k].value,
                                n.members[new_index + k].value,
                            );
                        }
                    } else {
                        self.delete(s, old_index..old_index + old_len);
                        let after = old_index.checked_sub(1);
                        for nm in &n.members[new_index..new_index + new_len] {
                            self.insert(s, after, nm);
                        }
                    }
                }
            }
        }
    }

    /// True when the container spans lines in the source.
    fn multiline(&self, c: &Container<'_, '_>) -> bool {
        self.s[c.open.end..c.close.start].contains('\n')
    }

    /// Inserts the edited file's member `nm` into the source container
    /// after its member `after` (first when `None`).
    fn insert(&mut self, c: &Container<'_, '_>, after: Option<usize>, nm: &Member<'_, '_>) {
        let n_at = nm.start..nm.value.span().end_offset;
        if self.multiline(c) && !c.members.is_empty() {
            // A line of its own, indented like the first member, when the
            // line it follows ends inside the container.
            let line_end = after.map_or(c.open.end, |i| c.members[i].end());
            // … and the member that follows starts on a later line.
            let next = after.map_or(0, |i| i + 1);
            let next_start = c.members.get(next).map_or(c.close.start, |m| m.start);
            let newline = self.s[line_end..].find('\n').map(|k| line_end + k).filter(|&k| k < next_start);
            if let Some(newline) = newline {
                if let Some(i) = after
                    && c.members[i].comma.is_none()
                    && self.commas.insert(line_end)
                {
                    self.push(line_end..line_end, ",".to_owned());
                }
                let indent = line_indent(self.s, c.members[0].start);
                let text = format!("{indent}{},\n", self.new_text(n_at, c.members[0].start));
                return self.push(newline + 1..newline + 1, text);
            }
        }
        let text = self.new_text(n_at, c.open.start);
        match after {
            Some(i) => {
                let m = &c.members[i];
                match &m.comma {
                    Some(comma) => self.push(comma.end..comma.end, format!(" {text},")),
                    None => self.push(m.end()..m.end(), format!(", {text}")),
                }
            }
            None => match c.members.first() {
                Some(first) => self.push(first.start..first.start, format!("{text}, ")),
                // Into an empty container: each entry with its comma.
                None => self.push(c.open.end..c.open.end, format!("{text}, ")),
            },
        }
    }

    /// Removes the source container's members `run` (consecutive), each
    /// with its line when it has one to itself.
    fn delete(&mut self, c: &Container<'_, '_>, run: Range<usize>) {
        if run.is_empty() {
            return;
        }
        if self.multiline(c) && run.clone().all(|i| self.own_line(&c.members[i]).is_some()) {
            for i in run {
                if let Some(line) = self.own_line(&c.members[i]) {
                    self.push(line, String::new());
                }
            }
            return;
        }
        // Only the run and the spaces after it: the neighbours keep their
        // commas and comments (a comma left before a closing bracket is
        // fine in RON).
        let (first, last) = (&c.members[run.start], &c.members[run.end - 1]);
        let end = last.end();
        let spaces = self.s[end..].len() - self.s[end..].trim_start_matches([' ', '\t']).len();
        self.push(first.start..end + spaces, String::new());
    }

    /// The lines a member has to itself (nothing else on its first and
    /// last line but a comment after it), newline included.
    fn own_line(&self, m: &Member<'_, '_>) -> Option<Range<usize>> {
        let (start, end) = (m.start, m.end());
        let line_start = self.s[..start].rfind('\n').map_or(0, |k| k + 1);
        let rest = &self.s[end..];
        let line_rest = rest.find('\n').map_or(rest, |k| &rest[..k]);
        let after_blank = line_rest.trim().is_empty() || line_rest.trim_start().starts_with("//");
        (self.s[line_start..start].trim().is_empty() && after_blank)
            .then(|| line_start..(end + line_rest.len() + 1).min(self.s.len()))
    }

    /// Removes the source members at `indices` (ascending), run by run.
    fn delete_all(&mut self, c: &Container<'_, '_>, indices: &[usize]) {
        let mut k = 0;
        while k < indices.len() {
            let mut j = k + 1;
            while j < indices.len() && indices[j] == indices[j - 1] + 1 {
                j += 1;
            }
            self.delete(c, indices[k]..indices[j - 1] + 1);
            k = j;
        }
    }

    /// The source with every edit applied, in one pass from the start.
    fn apply(mut self) -> String {
        self.edits.sort_by_key(|e| (e.at.start, e.at.end, e.order));
        let mut out = String::with_capacity(self.s.len() + self.edits.iter().map(|e| e.text.len()).sum::<usize>());
        let mut done = 0;
        for edit in &self.edits {
            // Edits never overlap; should one, the result fails the
            // read-back check and the canonical text is written instead.
            if edit.at.start < done {
                continue;
            }
            out.push_str(&self.s[done..edit.at.start]);
            out.push_str(&edit.text);
            done = edit.at.end;
        }
        out.push_str(&self.s[done..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundled::BUNDLED;
    use crate::scenario::file::{PlacementFile, TenantEntryFile};

    fn source(text: &str) -> SourceText {
        SourceText::parse(text, &Limits::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The merged text (not the canonical fallback) for an edit of `text`,
    /// checked to read back as the edited file.
    fn merged(text: &str, edit: impl FnOnce(&mut ScenarioFile)) -> String {
        let src = source(text);
        let mut file = src.file.clone();
        edit(&mut file);
        let before = to_ron_string(&src.file).unwrap_or_default();
        let after = to_ron_string(&file).unwrap_or_default();
        let out = merge_texts(text, &before, &after).unwrap_or_else(|| panic!("no merge"));
        let back = parse_str(&out, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{out}"));
        assert!(back == file, "the merged text reads back differently:\n{out}");
        assert_eq!(to_ron_string(&back).ok(), to_ron_string(&file).ok(), "key order:\n{out}");
        assert_eq!(write(&file, Some(&src)).ok().as_deref(), Some(out.as_str()));
        out
    }

    /// Lines of `a` missing from `b` and lines of `b` missing from `a`.
    fn changed_lines(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
        let diff = similar::TextDiff::from_lines(a, b);
        let (mut gone, mut added) = (Vec::new(), Vec::new());
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Delete => gone.push(change.value().trim_end().to_owned()),
                similar::ChangeTag::Insert => added.push(change.value().trim_end().to_owned()),
                similar::ChangeTag::Equal => {}
            }
        }
        (gone, added)
    }

    fn noisy() -> &'static str {
        crate::bundled::by_file_name("noisy-neighbour.ron").map(|b| b.text).unwrap_or_default()
    }

    #[test]
    fn unchanged_files_are_written_byte_for_byte() {
        for b in BUNDLED {
            let src = source(b.text);
            assert_eq!(write(&src.file, Some(&src)).ok().as_deref(), Some(b.text), "{}", b.file_name);
        }
    }

    #[test]
    fn canonical_text_names_only_the_top_level_and_reads_back() {
        for b in BUNDLED {
            let file = source(b.text).file;
            let text = to_ron_string(&file).unwrap_or_default();
            assert!(text.starts_with("Scenario(\n"), "{}", b.file_name);
            for internal in ["LessonFile(", "TryThisFile(", "ExpectFile(", "FigureFile(", "ClockFile(", "\\'"] {
                assert!(!text.contains(internal), "{}: {internal}", b.file_name);
            }
            assert!(parse_str(&text, &Limits::default()).is_ok_and(|back| back == file), "{}", b.file_name);
        }
    }

    #[test]
    fn a_changed_price_rewrites_one_line_and_keeps_the_comments() {
        let out = merged(noisy(), |f| {
            if let Some(t) = f.tiers.get_mut("basic") {
                t.price_per_month = 149.0;
            }
        });
        let (gone, added) = changed_lines(noisy(), &out);
        assert_eq!(gone, ["            price_per_month: 99.0,"]);
        assert_eq!(added, ["            price_per_month: 149.0,"]);
        assert!(out.starts_with("// One basic tenant spikes 20x"));
    }

    #[test]
    fn added_and_removed_members_touch_only_their_lines() {
        let out = merged(noisy(), |f| {
            f.designs.retain(|d| d.name != "bridge");
            f.tenants.push(TenantEntryFile::Tenant {
                id: "newco".into(),
                tier: "premium".into(),
                load: f
                    .tenants
                    .iter()
                    .find_map(|t| match t {
                        TenantEntryFile::Tenant { load, .. } => Some(load.clone()),
                        TenantEntryFile::Group { .. } => None,
                    })
                    .unwrap_or_else(|| panic!("a tenant")),
            });
            f.designs[0].placement.insert("newco".into(), PlacementFile::Cells(2));
            f.name = "The neighbour's test".into();
        });
        let (gone, added) = changed_lines(noisy(), &out);
        assert!(gone.iter().any(|l| l.contains("name: \"bridge\"")), "{gone:?}");
        assert!(added.iter().any(|l| l.contains("id: \"newco\"")), "{added:?}");
        assert!(added.iter().any(|l| l.contains("\"newco\": Cells(2)")), "{added:?}");
        assert!(added.iter().any(|l| l.contains("name: \"The neighbour's test\"")), "{added:?}");
        // The old name, the bridge and the pool line with its new entry; the new
        // tenant takes its canonical dozen lines.
        assert_eq!(gone.len(), 3, "{gone:?}");
        assert!(added.len() <= 14, "{added:?}");
        for comment in noisy().lines().filter(|l| l.trim_start().starts_with("//")) {
            assert!(out.contains(comment), "lost: {comment}");
        }
    }

    #[test]
    fn a_default_left_out_stays_out_and_a_new_value_goes_in() {
        let text = "Scenario(version: 1, name: \"x\", // the name\n clock: (duration: \"1h\"),\n tiers: {\"b\": (price_per_month: 1.0)},\n tenants: [Tenant(id: \"a\", tier: \"b\", load: (rate: 1.0))],\n layers: (gateway: (), compute: (service_time: Exponential(mean_ms: 20.0))),\n designs: [(name: \"pool\", placement: {\"*\": Pool})],\n)\n";
        let out = merged(text, |f| f.clock.replications = 3);
        assert!(out.contains("clock: (duration: \"1h\", replications: 3)"), "{out}");
        assert!(out.contains("// the name"));
        assert!(!out.contains("seed"), "{out}");
    }

    #[test]
    fn every_bundled_file_takes_every_kind_of_edit_in_place() {
        type EditFn = fn(&mut ScenarioFile);
        let edits: [(&str, EditFn); 10] = [
            ("price", |f| f.tiers.values_mut().for_each(|t| t.price_per_month += 1.0)),
            ("drop the last tenant", |f| drop(f.tenants.pop())),
            ("no lesson", |f| f.lesson = None),
            ("designs reversed", |f| f.designs.reverse()),
            ("clock", |f| {
                f.clock.replications = 16;
                f.clock.seed = 7;
            }),
            ("quoted text", |f| f.description = "a \"quoted\" word, it's\nnew line \\ ünïcode".into()),
            ("no plans", |f| f.plans.clear()),
            ("two designs appended", |f| {
                let copies: Vec<_> = f.designs.iter().take(2).cloned().collect();
                for (k, mut d) in copies.into_iter().enumerate() {
                    d.name = format!("copy {k}");
                    f.designs.push(d);
                }
            }),
            ("every design pooled", |f| {
                for d in &mut f.designs {
                    d.placement.clear();
                    d.placement.insert("*".into(), PlacementFile::Pool);
                }
            }),
            ("a tier copied", |f| {
                if let Some((_, tier)) = f.tiers.first() {
                    let tier = tier.clone();
                    f.tiers.insert("gold".into(), tier);
                }
            }),
        ];
        for b in BUNDLED {
            for (label, edit) in &edits {
                let src = source(b.text);
                let mut file = src.file.clone();
                edit(&mut file);
                if file == src.file {
                    continue;
                }
                let before = to_ron_string(&src.file).unwrap_or_default();
                let after = to_ron_string(&file).unwrap_or_default();
                let out = merge_texts(b.text, &before, &after).unwrap_or_default();
                let back = parse_str(&out, &Limits::default());
                assert!(back.as_ref().is_ok_and(|f| *f == file), "{} / {label}: {back:?}\n{out}", b.file_name);
                // Comments outside what was removed stay.
                if *label != "no lesson" && *label != "drop the last tenant" && *label != "no plans" {
                    for comment in b.text.lines().filter(|l| l.trim_start().starts_with("//")) {
                        assert!(out.contains(comment), "{} / {label}: lost {comment}", b.file_name);
                    }
                }
            }
        }
    }

    #[test]
    fn a_map_of_twenty_thousand_keys_is_merged_key_by_key() {
        let keys: String = (0..20_000).map(|k| format!("\"t-{k:05}\": Silo, ")).collect();
        let text = noisy().replace("placement: { \"*\": Pool }", &format!("placement: {{ {keys}\"*\": Pool }}"));
        let out = merged(&text, |f| {
            let map = &mut f.designs[0].placement;
            map.insert("t-00007".into(), PlacementFile::Pool);
            map.shift_remove("t-00011");
            map.insert("extra".into(), PlacementFile::Cells(2));
        });
        assert!(
            out.contains("\"t-00007\": Pool") && !out.contains("\"t-00011\"") && out.contains("\"extra\": Cells(2)")
        );
        // Only the three entries changed: every other key is as written.
        assert_eq!(
            out.len() as i64 - text.len() as i64,
            "\"extra\": Cells(2), ".len() as i64 - "\"t-00011\": Silo, ".len() as i64
        );
    }

    /// A small file for the layout cases below: `tiers` and `placement`
    /// as given, the rest fixed.
    fn small(tiers: &str, placement: &str) -> String {
        format!(
            "// head\nScenario(\n    version: 1, name: \"x\",\n    clock: (duration: \"1h\"),\n    tiers: {tiers},\n    \
             tenants: [Tenant(id: \"a\", tier: \"b\", load: (rate: 1.0))],\n    \
             layers: (gateway: (), compute: (service_time: Exponential(mean_ms: 20.0))),\n    \
             designs: [(name: \"pool\", placement: {placement})],\n)\n"
        )
    }

    #[test]
    fn layouts_the_merge_must_get_right() {
        let tier = "(price_per_month: 1.0)";
        // A key inserted second into a map whose first two share a line.
        let text = small(
            &format!("{{\n        \"b\": {tier}, \"c\": {tier},\n        \"d\": {tier},\n    }}"),
            "{\"*\": Pool}",
        );
        merged(&text, |f| {
            let copy = f.tiers["b"].clone();
            f.tiers.shift_insert(1, "b-copy".into(), copy);
        });
        // The last of two entries renamed: a delete and an insert at one place.
        let text = small(&format!("{{\"b\": {tier}}}"), "{\"b\": Pool, \"z\": Silo}");
        let out = merged(&text, |f| {
            f.designs[0].placement.shift_remove("z");
            f.designs[0].placement.insert("y".into(), PlacementFile::Silo);
        });
        assert!(out.starts_with("// head"), "{out}");
        // Two entries into an empty map.
        let text = small(&format!("{{\"b\": {tier}}}"), "{}");
        merged(&text, |f| {
            f.designs[0].placement.insert("*".into(), PlacementFile::Pool);
            f.designs[0].placement.insert("b".into(), PlacementFile::Silo);
        });
        // A source that leaves out the name `Scenario`.
        let text = small(&format!("{{\"b\": {tier}}}"), "{\"*\": Pool}").replace("Scenario(", "(");
        let out = merged(&text, |f| f.name = "y".into());
        assert!(out.starts_with("// head\n(") && out.contains("name: \"y\""), "{out}");
        // An inline member removed: its neighbours keep their comments.
        let tiers = "{\"b\": (\n        price_per_month: 1.0, weight: 2.0,\n        // about cost\n        cost_weight: 3.0,\n    )}";
        let out = merged(&small(tiers, "{\"*\": Pool}"), |f| {
            if let Some(t) = f.tiers.get_mut("b") {
                t.weight = 1.0;
            }
        });
        assert!(out.contains("// about cost\n        cost_weight: 3.0"), "{out}");
        // Windows line ends stay Windows line ends.
        let text = small(&format!("{{\"b\": {tier}}}"), "{\"*\": Pool}").replace('\n', "\r\n");
        let out = merged(&text, |f| f.clock.seed = 9);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }
}
