//! Preferences kept between runs with eframe persistence: theme, UI scale,
//! presenter mode, recent files. Runtime state (the simulation, caches) is
//! never persisted.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Most recent files remembered.
const RECENT: usize = 10;

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Theme {
    /// Dark.
    #[default]
    Dark,
    /// Light.
    Light,
}

/// User preferences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Colour theme.
    pub theme: Theme,
    /// UI zoom factor (presenter-friendly sizes above 1).
    pub ui_scale: f32,
    /// Large UI, high-contrast plots, results filling the window.
    pub presenter: bool,
    /// Recently opened or saved files, newest first.
    pub recent: Vec<PathBuf>,
    /// Width of the editor panel, points.
    pub editor_width: f32,
}

impl Default for Prefs {
    fn default() -> Self {
        Self { theme: Theme::Dark, ui_scale: 1.0, presenter: false, recent: Vec::new(), editor_width: 460.0 }
    }
}

impl Prefs {
    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT);
    }
}
