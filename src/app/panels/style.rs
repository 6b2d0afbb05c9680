//! Colours shared by every panel: one per design, tier and layer, with a
//! high-contrast palette for presenter mode, so the same thing has the same
//! colour everywhere.

use egui::Color32;

const DESIGNS: [Color32; 8] = [
    Color32::from_rgb(66, 165, 245),
    Color32::from_rgb(255, 167, 38),
    Color32::from_rgb(102, 187, 106),
    Color32::from_rgb(171, 71, 188),
    Color32::from_rgb(239, 83, 80),
    Color32::from_rgb(38, 198, 218),
    Color32::from_rgb(212, 225, 87),
    Color32::from_rgb(141, 110, 99),
];

/// Saturated colours that stay distinct on a projector.
const PRESENTER: [Color32; 8] = [
    Color32::from_rgb(0, 114, 255),
    Color32::from_rgb(255, 128, 0),
    Color32::from_rgb(0, 190, 60),
    Color32::from_rgb(200, 0, 200),
    Color32::from_rgb(230, 0, 0),
    Color32::from_rgb(0, 200, 220),
    Color32::from_rgb(200, 200, 0),
    Color32::from_rgb(120, 70, 40),
];

const TIERS: [Color32; 6] = [
    Color32::from_rgb(144, 164, 174),
    Color32::from_rgb(77, 182, 172),
    Color32::from_rgb(255, 202, 40),
    Color32::from_rgb(236, 64, 122),
    Color32::from_rgb(126, 87, 194),
    Color32::from_rgb(141, 110, 99),
];

/// Colour of the `index`th design.
pub fn design_color(index: usize, presenter: bool) -> Color32 {
    let palette = if presenter { &PRESENTER } else { &DESIGNS };
    palette[index % palette.len()]
}

/// Colour of the `index`th tier.
pub fn tier_color(index: usize) -> Color32 {
    TIERS[index % TIERS.len()]
}

/// Colour of a layer's cost (gateway, queue, compute, database, overhead).
pub fn layer_color(layer: usize) -> Color32 {
    [
        Color32::from_rgb(121, 134, 203),
        Color32::from_rgb(77, 208, 225),
        Color32::from_rgb(255, 183, 77),
        Color32::from_rgb(129, 199, 132),
        Color32::from_rgb(176, 190, 197),
    ][layer % COST_LAYERS]
}

/// Cost layers the app shows.
pub const COST_LAYERS: usize = 5;

/// Names of the cost layers, in [`layer_color`] order.
pub const LAYER_NAMES: [&str; COST_LAYERS] = ["gateway", "queue", "compute", "database", "overhead"];

/// Colour for "good" figures (best value in a row, SLO met).
pub const GOOD: Color32 = Color32::from_rgb(76, 175, 80);
/// Colour for "bad" figures (SLO missed, errors).
pub const BAD: Color32 = Color32::from_rgb(239, 83, 80);
/// Colour for event windows on timelines.
pub fn event_color(spike: bool) -> Color32 {
    if spike {
        Color32::from_rgba_unmultiplied(239, 83, 80, 40)
    } else {
        Color32::from_rgba_unmultiplied(120, 144, 156, 40)
    }
}

/// Adds the bundled monospace font as a fallback for proportional text, so
/// arrows and shapes (▲ ▼ ↑ ↓ ● ■) render; call once per context.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    let monospace = fonts.families.get(&egui::FontFamily::Monospace).cloned().unwrap_or_default();
    if let Some(proportional) = fonts.families.get_mut(&egui::FontFamily::Proportional) {
        for name in monospace {
            if !proportional.contains(&name) {
                proportional.push(name);
            }
        }
    }
    ctx.set_fonts(fonts);
}
