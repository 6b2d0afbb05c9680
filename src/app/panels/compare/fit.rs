//! How the comparison fits its panel: which rows (all, the main ones or
//! the headline ones), at which font size, in one table or two side by
//! side split at a section boundary, measured with the fonts the panel
//! draws with. Pure layout arithmetic; drawing is in the parent module.

use egui::{Color32, FontId};

use crate::app::Prepared;
use crate::app::plot_data::compare::CompareRow;

/// Font sizes tried, largest first, when fitting two tables side by side.
const SIZES: [f32; 3] = [16.0, 14.0, 12.5];
/// Gap between columns.
pub(super) const COLUMN_GAP: f32 = 18.0;
/// Gap between the two tables.
pub(super) const TABLE_GAP: f32 = 36.0;

/// How the rows are laid out this frame.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fit {
    /// Rows shown have at most this priority.
    pub(super) max_priority: u8,
    /// Font size.
    pub(super) size: f32,
    /// Two tables side by side.
    pub(super) two_up: bool,
}

/// Height of a caption line (and a little room).
pub(super) const TITLE_HEIGHT: f32 = 20.0;

/// Where the caption's height, as last drawn, is kept.
pub(super) const CAPTION_HEIGHT_ID: &str = "tenantsim_compare_caption_height";

/// Height the comparison needs to show its headline rows at the smallest
/// font under its caption (presenter mode gives it at least this much of
/// a short window).
pub fn headline_height(ui: &egui::Ui, prepared: &Prepared) -> f32 {
    let caption: f32 = ui.data(|d| d.get_temp(egui::Id::unique(CAPTION_HEIGHT_ID))).unwrap_or(2.0 * TITLE_HEIGHT);
    let rows: Vec<&CompareRow> = prepared.compare.iter().filter(|r| r.priority == 0).collect();
    caption + 4.0 + table_height(ui, &rows, SIZES[SIZES.len() - 1], false)
}

/// The rows of each section, sections in order.
fn sections<'r>(rows: &[&'r CompareRow]) -> Vec<Vec<&'r CompareRow>> {
    let mut sections: Vec<Vec<&CompareRow>> = Vec::new();
    for &row in rows {
        match sections.last_mut() {
            Some(section) if section.first().is_some_and(|r| r.section == row.section) => section.push(row),
            _ => sections.push(vec![row]),
        }
    }
    sections
}

/// Two tables of whole sections, split where their heights (rows and
/// headings) come out most even; the earlier split on a tie.
pub(super) fn split<'r>(rows: &[&'r CompareRow]) -> (Vec<&'r CompareRow>, Vec<&'r CompareRow>) {
    let sections = sections(rows);
    let lines = |s: &[Vec<&CompareRow>]| s.iter().map(|rows| rows.len() + 1).sum::<usize>();
    let at = (1..sections.len()).min_by_key(|&k| lines(&sections[..k]).max(lines(&sections[k..]))).unwrap_or(1);
    let (left, right) = sections.split_at(at.min(sections.len()));
    (left.concat(), right.concat())
}

/// The most rows at the largest font that fit `width` × `height`: all
/// rows if possible, else the main ones, else the headline ones.
pub(super) fn fit(ui: &egui::Ui, prepared: &Prepared, width: f32, height: f32) -> Fit {
    [2, 1, 0].into_iter().find_map(|max_priority| layout(ui, prepared, max_priority, width, height)).unwrap_or(Fit {
        max_priority: 0,
        size: SIZES[2],
        two_up: false,
    })
}

/// The rows of at most `max_priority` at the largest font that fits
/// `width` × `height`, two tables side by side before one; `None` when
/// none does.
fn layout(ui: &egui::Ui, prepared: &Prepared, max_priority: u8, width: f32, height: f32) -> Option<Fit> {
    let rows = Rows::new(prepared, max_priority);
    let mut layouts = SIZES.iter().map(|&size| (true, size)).chain(SIZES.iter().map(|&size| (false, size)));
    layouts.find(|&(two_up, size)| rows.fit(ui, prepared, two_up, size, width, height)).map(|(two_up, size)| Fit {
        max_priority,
        size,
        two_up,
    })
}

/// The rows of at most a priority, and their split into two tables.
struct Rows<'p> {
    all: Vec<&'p CompareRow>,
    left: Vec<&'p CompareRow>,
    right: Vec<&'p CompareRow>,
    sections: bool,
}

impl<'p> Rows<'p> {
    fn new(prepared: &'p Prepared, max_priority: u8) -> Self {
        let all: Vec<&CompareRow> = prepared.compare.iter().filter(|r| r.priority <= max_priority).collect();
        let (left, right) = split(&all);
        Self { all, left, right, sections: max_priority > 0 }
    }

    /// They fit `width` × `height` at font `size`, in two tables or one.
    fn fit(&self, ui: &egui::Ui, prepared: &Prepared, two_up: bool, size: f32, width: f32, height: f32) -> bool {
        let sections = self.sections;
        if two_up {
            let (left, right) = (&self.left, &self.right);
            let two_wide = table_width(ui, prepared, left, size) + table_width(ui, prepared, right, size) + TABLE_GAP;
            let two_high = table_height(ui, left, size, sections).max(table_height(ui, right, size, sections));
            two_wide <= width && two_high <= height
        } else {
            table_width(ui, prepared, &self.all, size) <= width && table_height(ui, &self.all, size, sections) <= height
        }
    }
}

/// Every row at the largest font that fits `width`, however tall (the
/// panel scrolls); the smallest font in one table when nothing fits.
pub(super) fn fit_width(ui: &egui::Ui, prepared: &Prepared, width: f32) -> Fit {
    let fit = fit(ui, prepared, width, f32::INFINITY);
    if fit.max_priority == 2 { fit } else { Fit { max_priority: 2, size: SIZES[2], two_up: false } }
}

/// `kept` (the layout of earlier results) for these results, if their
/// rows fit `width` in it; else the same rows at the largest font and
/// split that fit it, however tall (the smallest font in one table, which
/// scrolls sideways, when nothing fits). A first look keeps its rows so.
pub(super) fn keep_rows(ui: &egui::Ui, prepared: &Prepared, width: f32, kept: Fit) -> Fit {
    let rows = Rows::new(prepared, kept.max_priority);
    if rows.fit(ui, prepared, kept.two_up, kept.size, width, f32::INFINITY) {
        return kept;
    }
    layout(ui, prepared, kept.max_priority, width, f32::INFINITY).unwrap_or(Fit {
        max_priority: kept.max_priority,
        size: SIZES[2],
        two_up: false,
    })
}

/// Height a table of `rows` needs at font `size`.
pub(super) fn table_height(ui: &egui::Ui, rows: &[&CompareRow], size: f32, sections: bool) -> f32 {
    let text = |size: f32| ui.fonts_mut(|f| f.row_height(&FontId::proportional(size)));
    let line = |size: f32| text(size) + ROW_GAP;
    // A row's name sits in a horizontal layout: never lower than a button.
    let row = text(size).max(ui.spacing().interact_size.y) + ROW_GAP;
    let mut headings = 0;
    let mut last = "";
    for row in rows {
        if row.section != last {
            headings += 1;
            last = row.section;
        }
    }
    let headings = if sections { headings as f32 * line(size - 3.0) } else { 0.0 };
    line(size + 2.0) + rows.len() as f32 * row + headings + 8.0
}

/// Vertical gap between rows.
pub(super) const ROW_GAP: f32 = 5.0;

pub(super) fn text_width(ui: &egui::Ui, text: &str, size: f32) -> f32 {
    ui.fonts_mut(|f| f.layout_no_wrap(text.to_owned(), FontId::proportional(size), Color32::WHITE).size().x)
}

/// Width a table of `rows` needs at font `size`.
pub(super) fn table_width(ui: &egui::Ui, prepared: &Prepared, rows: &[&CompareRow], size: f32) -> f32 {
    // Room for the sort marker, whichever row carries it.
    let marker = (size * 0.6).round() + ui.spacing().item_spacing.x;
    let label = rows.iter().map(|r| text_width(ui, &label_text(r), size)).fold(0.0, f32::max) + marker;
    let columns: f32 = prepared
        .report
        .designs
        .iter()
        .enumerate()
        .map(|(d, design)| {
            let header = text_width(ui, &design.name, size + 2.0);
            rows.iter().map(|r| cell_width(ui, r, d, size)).fold(header, f32::max) + COLUMN_GAP
        })
        .sum();
    label + COLUMN_GAP + columns
}

pub(super) fn label_text(row: &CompareRow) -> String {
    if row.indent { format!("    {}", row.label) } else { row.label.clone() }
}

/// A cell's width: its text, plus the star when it is the best.
pub(super) fn cell_width(ui: &egui::Ui, row: &CompareRow, design: usize, size: f32) -> f32 {
    row.cells.get(design).map_or(0.0, |c| {
        let star = if c.best { size + ui.spacing().item_spacing.x } else { 0.0 };
        text_width(ui, &c.text, size) + star
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::plot_data::compare::DURING_THE_SPIKE;
    use crate::app::plot_data::tests::noisy_prepared;

    #[test]
    fn the_tables_split_where_their_heights_even_out() {
        let prepared = noisy_prepared();
        let rows: Vec<&CompareRow> = prepared.compare.iter().collect();
        let (left, right) = split(&rows);
        let sections = |rows: &[&CompareRow]| {
            let mut names: Vec<&str> = rows.iter().map(|r| r.section).collect();
            names.dedup();
            names
        };
        // With the spike block, the noisy-neighbour story goes right (and
        // service with it: the spike's steady and incident cost rows
        // lengthen the cost section).
        assert_eq!(sections(&left), ["Cost", "Revenue and margin"]);
        assert_eq!(sections(&right), ["Service", "Noisy neighbours", DURING_THE_SPIKE]);
        // Without it, money on the left and service on the right.
        let no_block: Vec<&CompareRow> = rows.iter().copied().filter(|r| r.section != DURING_THE_SPIKE).collect();
        let (left, right) = split(&no_block);
        assert_eq!(sections(&left), ["Cost", "Revenue and margin"]);
        assert_eq!(sections(&right), ["Service", "Noisy neighbours"]);
    }
}
