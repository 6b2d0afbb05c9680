//! tenantsim: a multi-tenant SaaS architecture simulator.
//!
//! The library holds the simulation core and the scenario format, with no
//! GUI dependency: [`scenario`] parses and resolves RON scenario files,
//! [`sim`] runs every design on the same random traffic (rayon-parallel,
//! deterministic), and [`report`] is the one result type every front end
//! reads. [`files`] does the little IO the front ends share (bounded reads,
//! atomic saves), [`safe_text`] makes a file's text safe to print or put
//! in a spreadsheet, and [`host`] hands them the machine's clock; [`cli`] is the command-line front end; `app` (behind the
//! default `gui` feature) is the desktop app.

pub mod agreement;
#[cfg(feature = "gui")]
pub mod app;
pub mod bundled;
#[cfg(feature = "cli")]
pub mod cli;
pub mod files;
pub mod host;
pub mod lesson;
pub mod plan;
pub mod presets;
pub mod queueing;
pub mod reference;
pub mod report;
pub mod rng;
pub mod safe_text;
pub mod scenario;
pub mod sim;
pub mod units;
