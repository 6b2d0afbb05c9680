//! Helpers for the panels' tests: the text a frame painted, its
//! place and colours, for what accessibility labels cannot tell (a header's
//! colour, the tick labels of a plot axis). Test builds only.

use egui::{Color32, Rect, Shape};

/// One piece of painted text.
#[derive(Debug, Clone)]
pub(crate) struct PaintedText {
    /// The text as laid out.
    pub text: String,
    /// Where it was painted, points.
    pub rect: Rect,
    /// Its colours: the override, if any, then each section's.
    pub colors: Vec<Color32>,
}

/// Every text the last frame painted, in paint order.
pub(crate) fn painted_texts(output: &egui::FullOutput) -> Vec<PaintedText> {
    fn walk(shape: &Shape, out: &mut Vec<PaintedText>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            Shape::Text(t) => {
                let mut colors: Vec<Color32> = t.override_text_color.into_iter().collect();
                colors.extend(t.galley.job.sections.iter().map(|s| s.format.color));
                let rect = Rect::from_min_size(t.pos, t.galley.size());
                out.push(PaintedText { text: t.galley.job.text.clone(), rect, colors });
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &output.shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

/// Colours of every painted text that reads exactly `text`.
pub(crate) fn text_colors(output: &egui::FullOutput, text: &str) -> Vec<Color32> {
    painted_texts(output).into_iter().filter(|t| t.text == text).flat_map(|t| t.colors).collect()
}
