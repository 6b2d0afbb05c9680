//! Helpers for the panels' tests: the text a frame painted, its
//! place and colours, and the lines it drew, for what accessibility
//! labels cannot tell (a header's colour, the tick labels of a plot axis,
//! a line's width). Test builds only.

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

/// Width and colour of every open, solid-coloured path of more than two
/// points the last frame painted: the lines of the plots.
pub(crate) fn painted_lines(output: &egui::FullOutput) -> Vec<(f32, Color32)> {
    fn walk(shape: &Shape, out: &mut Vec<(f32, Color32)>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            Shape::Path(path) if !path.closed && path.points.len() > 2 => {
                if let egui::epaint::ColorMode::Solid(color) = path.stroke.color {
                    out.push((path.stroke.width, color));
                }
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
