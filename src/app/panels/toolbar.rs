//! The run bar: scenario title, seed and re-roll, replications, progress.

use crate::app::panels::form;
use crate::app::runner::RunStatus;
use crate::app::{Command, Document};

/// Draws the run bar.
pub fn toolbar_ui(ui: &mut egui::Ui, doc: &Document, run: RunStatus, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading(&doc.file.name).on_hover_text(&doc.file.description);
        ui.separator();
        // Only the clock is drafted: cloning a large file every frame would
        // cost the frame.
        let mut clock = doc.file.clock.clone();
        let seed_label = ui.label("Seed").on_hover_text(
            "Every random arrival derives from this number. The same seed gives the same traffic in every design \
             (common random numbers) and the same results on every machine.",
        );
        form::drag_value_ui(ui, &mut clock.seed, 0..=u64::MAX, |d| d.speed(1.0)).labelled_by(seed_label.id);
        if ui.button("Re-roll seed").on_hover_text("Draw a new seed: new random traffic, same scenario").clicked() {
            commands.push(Command::Reroll);
        }
        let replications_label = ui.label("Replications").on_hover_text(
            "Independent runs with different random streams. More replications give tighter 95 % confidence \
             intervals (the ± figures) but take longer.",
        );
        form::drag_value_ui(ui, &mut clock.replications, 1..=200, |d| d)
            .labelled_by(replications_label.id)
            .on_hover_text("Type a number and press Enter; the scenario's limits say how many are allowed");
        if clock != doc.file.clock {
            let mut file = doc.file.clone();
            file.clock = clock;
            commands.push(Command::Edit { file: Box::new(file), label: "Edit seed/replications".into() });
        }
        ui.separator();
        match run.progress {
            Some(p) => {
                // No animation: it would ask for every frame, and under a
                // software renderer the frames take CPU from the run. The
                // bar moves with the frames the app asks for while busy.
                ui.add(egui::ProgressBar::new(p).desired_width(160.0).show_percentage())
                    .on_hover_text("Simulating in the background; the results shown are from the previous run");
            }
            None if run.busy => {
                ui.spinner();
            }
            None => {
                if ui.button("Re-run").on_hover_text("Simulate again now (F5)").clicked() {
                    commands.push(Command::Rerun);
                }
            }
        }
        if let Some(results) = &doc.results.latest {
            let r = &results.report;
            match doc.results.first_look_of {
                Some(total) => {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("first look: {} designs × {} of {total} replications", r.designs.len(), r.replications),
                    )
                    .on_hover_text(
                        "A quick run of the first replications, shown while all of them run; the figures settle and \
                         the intervals narrow when they arrive",
                    );
                }
                None => {
                    ui.label(format!("{} designs × {} replications", r.designs.len(), r.replications))
                        .on_hover_text("Results: mean over replications, ± half-width of the 95 % confidence interval");
                }
            }
        }
    });
}
