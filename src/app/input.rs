//! Input that belongs to no panel: keyboard shortcuts (undo and redo left
//! to a text field while one has the keyboard), files dropped on
//! the window, a paste outside any text field, the window's close button
//! (held while there are unsaved edits) and egui's own Ctrl +/- zoom.
//! Everything becomes a [`Command`] queued for this frame.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::app::{Command, TenantsimApp};

/// The keyboard shortcuts, longest modifier sets first (so Ctrl+Shift+Z
/// is not taken for Ctrl+Z).
fn shortcuts() -> [(KeyboardShortcut, Command); 9] {
    [
        (KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::S), Command::SaveAsDialog),
        (KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z), Command::Redo),
        (KeyboardShortcut::new(Modifiers::COMMAND, Key::N), Command::New),
        (KeyboardShortcut::new(Modifiers::COMMAND, Key::O), Command::OpenDialog),
        (KeyboardShortcut::new(Modifiers::COMMAND, Key::S), Command::Save),
        (KeyboardShortcut::new(Modifiers::COMMAND, Key::Z), Command::Undo),
        (KeyboardShortcut::new(Modifiers::COMMAND, Key::Y), Command::Redo),
        (KeyboardShortcut::new(Modifiers::NONE, Key::F5), Command::Rerun),
        (KeyboardShortcut::new(Modifiers::NONE, Key::F11), Command::TogglePresenter),
    ]
}

/// Commands for the files dropped on the window this frame.
fn dropped_files(input: &egui::InputState) -> Vec<Command> {
    input
        .raw
        .dropped_files
        .iter()
        .filter_map(|f| {
            if f.path().as_os_str().is_empty() {
                f.bytes().ok().map(|b| Command::OpenText { text: String::from_utf8_lossy(&b).into_owned(), path: None })
            } else {
                Some(Command::OpenPath(f.path().to_path_buf()))
            }
        })
        .collect()
}

impl TenantsimApp {
    /// Turns this frame's window-wide input into commands.
    pub(super) fn handle_input(&mut self, ctx: &egui::Context) {
        let mut fired = Vec::new();
        // While a text field has the keyboard, Ctrl+Z and Ctrl+Y undo its
        // own typing first (egui's text undo), not a document change.
        let text_has_keys = ctx.egui_wants_keyboard_input();
        ctx.input_mut(|input| {
            for (shortcut, command) in shortcuts() {
                if text_has_keys && matches!(command, Command::Undo | Command::Redo) {
                    continue;
                }
                if input.consume_shortcut(&shortcut) {
                    fired.push(command);
                }
            }
        });
        self.commands.extend(fired);
        let dropped = ctx.input(dropped_files);
        self.commands.extend(dropped);
        // A paste outside any text field (or after File ▸ Paste scenario)
        // opens the pasted text as a scenario.
        let typing = ctx.memory(|m| m.focused().is_some());
        let pasted = ctx.input(|i| {
            i.raw.events.iter().find_map(|e| match e {
                egui::Event::Paste(text) => Some(text.clone()),
                _ => None,
            })
        });
        if let Some(text) = pasted
            && (self.window.paste_armed || !typing)
        {
            self.window.paste_armed = false;
            self.commands.push(Command::OpenText { text, path: None });
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.is_dirty() && !self.quit_confirmed {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.held = Some(Command::Quit);
        }
        // Keep the preference in sync with egui's own Ctrl +/- zoom.
        if !self.prefs.presenter {
            self.prefs.ui_scale = ctx.zoom_factor();
        }
    }
}
