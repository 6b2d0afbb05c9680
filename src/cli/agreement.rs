//! `tenantsim agreement`: engine Fast or Auto against the per-request
//! engine on the cases of [`crate::agreement`], as a table.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use crate::agreement::{self, AgreementError};
use crate::scenario::model::Engine;

/// Runs every case with `replications` replications and prints the
/// table; returns how many figures disagree.
///
/// # Errors
/// Occurs when a run fails.
pub fn run(replications: u32, engine: Engine) -> Result<usize, AgreementError> {
    let options = crate::host::run_options();
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    let name = if engine == Engine::Auto { "auto" } else { "fast" };
    table.set_header(["case", "figure", name, "per request (95 % CI)", "error", "limit", ""].map(Cell::new));
    let mut disagree = 0;
    for case in agreement::cases(replications) {
        eprintln!("{}: {}", case.name, case.about);
        for row in agreement::compare(&case, engine, &options)? {
            let ok = row.agrees();
            disagree += usize::from(!ok);
            table.add_row([
                Cell::new(row.case),
                Cell::new(&row.figure),
                Cell::new(format!("{:.1}", row.fast.mean)),
                Cell::new(format!("{:.1} ± {:.1}", row.exact.mean, row.exact.ci95)),
                Cell::new(format!("{:+.1} %", row.error() * 100.0)),
                Cell::new(format!("{:.0} %", row.limit * 100.0)),
                Cell::new(if ok { "ok" } else { "OFF" }),
            ]);
        }
    }
    for c in 2..6 {
        if let Some(col) = table.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    println!("{name} engine against the per-request engine, {replications} replications per case");
    println!("{table}");
    println!("{disagree} figure(s) outside their limit (widened by both engines' 95 % intervals)");
    Ok(disagree)
}
