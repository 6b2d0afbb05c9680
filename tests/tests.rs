//! tenantsim's integration tests: one binary, one module per promise.

mod accounting;
mod agreement;
mod bad_input;
mod batches;
mod budget;
mod capacity_loss;
#[cfg(feature = "cli")]
mod cli;
mod client_timeouts;
mod common;
mod cost;
mod database;
mod deep;
mod determinism;
mod duplicates;
mod exact;
mod fair_queues;
mod fairness;
mod fidelity;
mod fifo;
mod finite;
mod functions;
mod hostile_text;
mod incident_cost;
mod isolation;
mod layer_latency;
mod lessons;
mod plan;
mod plausible_files;
mod queued_functions;
mod queues;
mod quotas;
mod relational;
mod retries;
mod saving;
mod scenarios;
mod ticks;
mod token_bucket;
#[cfg(feature = "gui")]
mod typing;
#[cfg(feature = "gui")]
mod ui;
