//! The fast engines against the per-request engine on the cases near
//! saturation of `tenantsim agreement` (src/agreement.rs): engine Auto
//! agrees on every figure; the fast engine alone on every figure but those
//! docs/engines.md lists as its limits.

use tenantsim::agreement::{Row, cases, compare};
use tenantsim::scenario::model::Engine;
use tenantsim::sim::RunOptions;

fn rows(engine: Engine) -> Vec<Row> {
    let options = RunOptions { threads: Some(2), ..RunOptions::default() };
    cases(8).iter().flat_map(|case| compare(case, engine, &options).unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn report(rows: &[&Row]) -> String {
    rows.iter()
        .map(|r| format!("{}: {} {:.1} vs {:.1} ± {:.1}", r.case, r.figure, r.fast.mean, r.exact.mean, r.exact.ci95))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn auto_agrees_with_the_per_request_engine_on_every_case() {
    let rows = rows(Engine::Auto);
    assert!(rows.len() >= 40, "{} figures compared", rows.len());
    let off: Vec<&Row> = rows.iter().filter(|r| !r.agrees()).collect();
    assert!(off.is_empty(), "outside their limits:\n{}", report(&off));
}

#[test]
fn the_fast_engine_agrees_outside_its_documented_limits() {
    // Its limits (docs/engines.md): weighted-fair sharing (also of
    // consumers reading a queue per tenant in turn), the p99 of a queue at
    // 0.99 (its mean agrees), and the per-minute p99 of a queue near
    // saturation or in a transition.
    let rows = rows(Engine::Fast);
    let beyond = |r: &&Row| {
        r.case.starts_with("weighted-fair")
            || r.case == "queue per tenant"
            || r.figure.contains("worst minute")
            || (r.case == "pool at 0.99" && r.figure.contains("p99"))
    };
    let within_limits = |r: &&Row| !beyond(r);
    let checked: Vec<&Row> = rows.iter().filter(within_limits).collect();
    assert!(checked.len() >= 28, "{} figures checked", checked.len());
    let off: Vec<&Row> = checked.iter().copied().filter(|r| !r.agrees()).collect();
    assert!(off.is_empty(), "outside their limits:\n{}", report(&off));
    // And the limits are real: weighted-fair is far off, with queues too.
    assert!(rows.iter().any(|r| r.case.starts_with("weighted-fair") && !r.agrees()));
    assert!(rows.iter().any(|r| r.case == "queue per tenant" && !r.agrees()));
}
