//! Preferences kept between runs with eframe persistence: theme, UI scale,
//! presenter mode, recent files, editor width. They are app-wide: opening
//! another document keeps them. Runtime state (the simulation, caches,
//! what the user is looking at in a document) is never persisted.
//! Preferences written by an older or newer version load with defaults
//! for what they lack and ignore what they have extra; what cannot be read
//! at all gives the defaults, never an error.

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
    /// The preferences eframe stored, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage.and_then(|s| eframe::get_value(s, eframe::APP_KEY)).unwrap_or_default()
    }

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// eframe's storage, in memory.
    #[derive(Default)]
    struct Memory(HashMap<String, String>);

    impl eframe::Storage for Memory {
        fn get_string(&self, key: &str) -> Option<String> {
            self.0.get(key).cloned()
        }
        fn set_string(&mut self, key: &str, value: String) {
            self.0.insert(key.to_owned(), value);
        }
        fn remove_string(&mut self, key: &str) {
            self.0.remove(key);
        }
        fn flush(&mut self) {}
    }

    fn stored(text: &str) -> Memory {
        let mut memory = Memory::default();
        eframe::Storage::set_string(&mut memory, eframe::APP_KEY, text.to_owned());
        memory
    }

    #[test]
    fn preferences_round_trip_through_eframe_storage() {
        let mut prefs = Prefs { theme: Theme::Light, ui_scale: 1.25, editor_width: 500.0, ..Prefs::default() };
        prefs.remember(PathBuf::from("/tmp/a.ron"));
        let mut memory = Memory::default();
        eframe::set_value(&mut memory, eframe::APP_KEY, &prefs);
        assert_eq!(Prefs::load(Some(&memory)), prefs);
    }

    #[test]
    fn preferences_saved_by_an_older_version_load_with_defaults_for_missing_fields() {
        // Written before the editor width was remembered.
        let memory = stored(r#"(theme: Light, ui_scale: 1.5, presenter: false, recent: ["/tmp/old.ron"])"#);
        let prefs = Prefs::load(Some(&memory));
        assert_eq!(prefs.theme, Theme::Light);
        assert_eq!(prefs.ui_scale, 1.5);
        assert_eq!(prefs.recent, vec![PathBuf::from("/tmp/old.ron")]);
        assert_eq!(prefs.editor_width, Prefs::default().editor_width);
        // Only a theme.
        let prefs = Prefs::load(Some(&stored("(theme: Light)")));
        assert_eq!(prefs, Prefs { theme: Theme::Light, ..Prefs::default() });
    }

    #[test]
    fn preferences_with_fields_this_version_does_not_know_still_load() {
        let memory =
            stored(r#"(theme: Light, font_size: 18.0, last_lesson: "cells.ron", recent: [], layout: (left: 1))"#);
        assert_eq!(Prefs::load(Some(&memory)), Prefs { theme: Theme::Light, ..Prefs::default() });
    }

    #[test]
    fn unreadable_or_missing_preferences_give_the_defaults() {
        assert_eq!(Prefs::load(None), Prefs::default());
        assert_eq!(Prefs::load(Some(&Memory::default())), Prefs::default());
        assert_eq!(Prefs::load(Some(&stored("not RON at all {"))), Prefs::default());
        assert_eq!(Prefs::load(Some(&stored("(theme: Solarized)"))), Prefs::default(), "a theme this version lacks");
    }
}
