//! Steady and incident cost (issue: a 10-minute spike in a one-hour run
//! was billed as if it happened every hour of the month). The steady cost
//! is what the design costs a month without its spikes; the incident cost
//! is what the spikes add, once. Expected values are worked out here from
//! the price list and from separate runs of the same scenario without its
//! spike events, not from the engine's own cost formulas.

use crate::common::{bundled_scenarios, close, load, run, run_1_and_2_threads};
use tenantsim::report::figures::{FigureId, Scope, figure};
use tenantsim::report::{RunReport, compare};

/// USD per request: the gateway's 4.00 per million requests, plus one
/// on-demand read unit (every request reads one 1 KB item) at 0.50 per
/// million.
const USD_PER_REQUEST: f64 = 4.5e-6;

/// Three tenants on fixed instances that never saturate (no throttles, no
/// drops): the only cost that follows load is per request. `spike` is the
/// events list's body.
fn per_request(spike: &str, engine: &str, placement: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "per request", clock: (duration: "1h", seed: 11, replications: 3, engine: {engine}),
            tiers: {{ "t": (price_per_month: 100.0) }},
            tenants: [
                Tenant(id: "spiker", tier: "t", load: (rate: 20.0, read_fraction: 1.0, data_gb: 2.0)),
                Group(prefix: "q", count: 2, tier: "t", load: (rate: 20.0, read_fraction: 1.0, data_gb: 2.0)),
            ],
            layers: (
                gateway: (price_per_million: 4.0),
                compute: (service_time: Exponential(mean_ms: 10.0), concurrency: 8, instances: (min: 4, max: 4),
                          price_per_hour: 0.10),
                database: (pricing: OnDemand(read_per_million: 0.5, write_per_million: 2.0)),
            ),
            designs: [ (name: "d", placement: {{ "*": {placement} }}, overhead_per_stack_per_month: 10.0) ],
            events: [ {spike} ],
        )"#
    )
}

/// Requests offered over the run by every tenant of the first design.
fn offered(report: &RunReport) -> f64 {
    report.designs[0].totals.offered.mean
}

fn totals(report: &RunReport) -> (f64, f64, f64) {
    let t = &report.designs[0].totals;
    (t.cost_usd_per_month.mean, t.steady_cost_usd_per_month.mean, t.incident_cost_usd.mean)
}

#[test]
fn a_spike_to_the_end_of_the_run_costs_its_extra_requests_once_in_both_engines() {
    // The spike runs to the end, so the no-spike baseline covers the whole
    // run: without spikes is exactly the same scenario without the event.
    let spike = r#"Spike(tenant: "spiker", at: "30m", duration: "30m", factor: 5.0)"#;
    for engine in ["Auto", "Exact"] {
        for placement in ["Pool", "Silo"] {
            let with = run_1_and_2_threads(&load(&per_request(spike, engine, placement)));
            let without = run(&load(&per_request("", engine, placement)));
            let label = format!("{engine}/{placement}");
            let extra = offered(&with) - offered(&without);
            // 80 req/s more for 30 minutes: 144,000 requests, Poisson noise
            // of about 470 (the spike's draws differ from the baseline's).
            assert!((extra - 144_000.0).abs() < 2_500.0, "{label}: {extra} extra requests");
            let (cost, steady, incident) = totals(&with);
            let want = extra * USD_PER_REQUEST;
            assert!(close(incident, want, 1e-9), "{label}: incident {incident}, want {want}");
            let without_cost = without.designs[0].totals.cost_usd_per_month.mean;
            assert!(close(steady, without_cost, 1e-12), "{label}: steady {steady}, no-spike run {without_cost}");
            // The monthly figure bills the spike every hour: 730 incidents.
            assert!(close(cost - steady, incident / with.months_per_run, 1e-9), "{label}: {cost} − {steady}");
            // Each tenant's attributed costs add up as the totals do.
            let design = &with.designs[0];
            let tenants: f64 = design.tenants.iter().map(|t| t.incident_cost_usd.mean).sum();
            assert!(close(tenants, incident, 1e-9), "{label}: tenants' incident {tenants} vs {incident}");
            let tier = design.tiers[0].steady_cost_usd_per_month.mean;
            let steady_tenants: f64 = design.tenants.iter().map(|t| t.steady_cost_usd_per_month.mean).sum();
            assert!(close(tier, steady_tenants, 1e-12), "{label}: tier {tier} vs tenants {steady_tenants}");
        }
    }
}

#[test]
fn a_spike_mid_run_costs_its_extra_requests_once() {
    // Ten minutes at 5×: 48,000 extra requests expected. The baseline stops
    // once the spike's effect has settled and the run with spikes is read
    // from there on, so the figure is the extra requests up to there.
    let spike = r#"Spike(tenant: "spiker", at: "20m", duration: "10m", factor: 5.0)"#;
    let with = run_1_and_2_threads(&load(&per_request(spike, "Auto", "Pool")));
    let without = run(&load(&per_request("", "Auto", "Pool")));
    let (cost, steady, incident) = totals(&with);
    let extra = incident / USD_PER_REQUEST;
    // Poisson noise: the window's 60,000 and 12,000 requests, and the
    // spiker's 30 s of diverging draws after it: σ ≈ 270 requests.
    assert!((extra - 48_000.0).abs() < 1_400.0, "incident {incident} is {extra} requests");
    // Steady is the same design without the spike, to the noise of the
    // spiker's own draws over the rest of the run (σ ≈ 270 requests there,
    // about $0.9 a month; the ± of the means is larger still).
    let without_cost = without.designs[0].totals.cost_usd_per_month.mean;
    assert!((steady - without_cost).abs() < 5.0, "steady {steady}, no-spike run {without_cost}");
    assert!(cost - steady > 100.0, "a month of hourly spikes costs more than one: {cost} vs {steady}");
}

#[test]
fn without_spikes_steady_is_the_cost_and_there_is_no_incident() {
    for (name, text) in bundled_scenarios() {
        let sc = load(&text);
        if sc.has_spikes() {
            continue;
        }
        let report = run(&sc);
        for design in &report.designs {
            let t = &design.totals;
            assert_eq!(t.steady_cost_usd_per_month, t.cost_usd_per_month, "{name} {}", design.name);
            assert_eq!(t.incident_cost_usd.mean, 0.0, "{name} {}", design.name);
            assert_eq!(t.incident_cost_usd.ci95, 0.0, "{name} {}", design.name);
            for tier in &design.tiers {
                assert_eq!(tier.steady_cost_usd_per_month, tier.cost_usd_per_month, "{name} {}", tier.name);
                assert_eq!(tier.incident_cost_usd.mean, 0.0, "{name} {}", tier.name);
            }
            for tenant in &design.tenants {
                assert_eq!(tenant.steady_cost_usd_per_month, tenant.cost_usd_per_month, "{name} {}", tenant.id);
                assert_eq!(tenant.incident_cost_usd.mean, 0.0, "{name} {}", tenant.id);
            }
        }
        // The comparison does not repeat the total as a steady cost.
        let keys: Vec<String> = compare::compare_rows(&report).into_iter().map(|r| r.key).collect();
        assert!(!keys.iter().any(|k| k == "steady_cost" || k == "incident_cost"), "{name}: {keys:?}");
    }
}

/// The bundled scenario's text with its one spike event removed.
fn without_spikes(text: &str, spike: &str) -> String {
    assert!(text.contains(spike), "the scenario's spike is {spike}");
    let plain = text.replace(spike, "");
    assert!(!load(&plain).has_spikes());
    plain
}

#[test]
fn an_autoscaled_surge_costs_its_instances_once_and_the_steady_month_matches_a_run_without_it() {
    let text = bundled_scenarios()
        .into_iter()
        .find_map(|(name, text)| (name == "autoscaling-lag.ron").then_some(text))
        .unwrap_or_default();
    let with = run(&load(&text));
    let spike = r#"Spike(tenant: "launchco", at: "15m", duration: "20m", factor: 10.0),"#;
    let without = run(&load(&without_spikes(&text, spike)));
    for (design, plain) in with.designs.iter().zip(&without.designs) {
        let t = &design.totals;
        let (cost, steady, incident) =
            (t.cost_usd_per_month.mean, t.steady_cost_usd_per_month.mean, t.incident_cost_usd.mean);
        // The surge's extra instances and requests cost something, once;
        // billed every hour they make the monthly figure larger.
        assert!(incident > 0.0, "{}: incident {incident}", design.name);
        assert!(steady < cost, "{}: steady {steady} vs cost {cost}", design.name);
        // At least the extra requests the gateway let through (about
        // 180 req/s for 20 minutes, at $1 per million), plus instances.
        assert!(incident > 0.8 * 180.0 * 1200.0 * 1e-6, "{}: incident {incident}", design.name);
        // The steady month is that of the scenario without the surge. Had
        // the baseline stopped before the autoscaler shed the surge's
        // instances (five minutes of warm-up after the surge), the rest of
        // their hours would be in it: about $1.5 an hour each.
        let plain_cost = plain.totals.cost_usd_per_month.mean;
        assert!(
            (steady - plain_cost).abs() <= 0.002 * plain_cost,
            "{}: steady {steady}, no-surge run {plain_cost}",
            design.name
        );
        // The table of figures reads the report's fields.
        let read = |id| figure(id).read(design, Scope::Design).map(|e| e.mean);
        assert_eq!(read(FigureId::IncidentCost), Ok(incident));
        assert_eq!(read(FigureId::SteadyCost), Ok(steady));
    }
    // Both rows are in the comparison, in its Cost section.
    let rows = compare::compare_rows(&with);
    for key in ["steady_cost", "incident_cost"] {
        assert!(rows.iter().any(|r| r.key == key && r.section == "Cost"), "{key}");
    }
}

/// 128 silo tenants run as parts of a design; one of them surges.
fn silos(spike: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "silos", clock: (duration: "40m", seed: 5, replications: 2),
            tiers: {{ "t": (price_per_month: 10.0, plan: (rate: 400.0, burst: 400.0)) }},
            tenants: [ Group(prefix: "s", count: 128, tier: "t", load: (rate: 4.0), spread: LogNormal(sigma: 0.5)) ],
            layers: (
                gateway: (price_per_million: 3.5),
                compute: (service_time: Exponential(mean_ms: 50.0), concurrency: 2, instances: (min: 1, max: 6),
                          autoscale: (target_utilisation: 0.6, warmup: "1m"), price_per_hour: 0.05),
                database: (partitions: 1),
            ),
            designs: [ (name: "silo", placement: {{ "*": Silo }}, overhead_per_stack_per_month: 5.0) ],
            events: [ {spike} ],
        )"#
    )
}

#[test]
fn a_silo_run_in_parts_gets_its_steady_cost_from_the_surging_part() {
    let spike = r#"Spike(tenant: "s-007", at: "10m", duration: "5m", factor: 12.0)"#;
    let sc = load(&silos(spike));
    assert!(tenantsim::sim::parts::split(&sc, &sc.designs[0]).len() > 1, "the design runs in parts");
    let with = run_1_and_2_threads(&sc);
    let without = run(&load(&silos("")));
    let (design, plain) = (&with.designs[0], &without.designs[0]);
    for (tenant, alone) in design.tenants.iter().zip(&plain.tenants) {
        if tenant.id == "s-007" {
            // Its own stack scaled out and back: the instances and requests
            // cost something once; without them it costs what it does in
            // the run without the surge.
            assert!(tenant.incident_cost_usd.mean > 0.0, "{:?}", tenant.incident_cost_usd);
            let (steady, plain) = (tenant.steady_cost_usd_per_month.mean, alone.cost_usd_per_month.mean);
            assert!((steady - plain).abs() <= 0.005 * plain, "steady {steady}, no-surge run {plain}");
        } else {
            // Out of the surge's reach: bit-identical.
            assert_eq!(tenant.steady_cost_usd_per_month, tenant.cost_usd_per_month, "{}", tenant.id);
            assert_eq!(tenant.cost_usd_per_month, alone.cost_usd_per_month, "{}", tenant.id);
            assert_eq!(tenant.incident_cost_usd.mean, 0.0, "{}", tenant.id);
        }
    }
    let incident: f64 = design.tenants.iter().map(|t| t.incident_cost_usd.mean).sum();
    assert!(close(design.totals.incident_cost_usd.mean, incident, 1e-9));
}

#[test]
fn a_report_written_before_the_steady_and_incident_cost_still_reads() {
    let spike = r#"Spike(tenant: "spiker", at: "20m", duration: "10m", factor: 5.0)"#;
    let report = run(&load(&per_request(spike, "Auto", "Pool")));
    let mut old = serde_json::to_value(&report).unwrap_or_default();
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("steady_cost_usd_per_month");
                map.remove("incident_cost_usd");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut old);
    let read: RunReport = match serde_json::from_value(old) {
        Ok(r) => r,
        Err(e) => panic!("an old report does not read: {e}"),
    };
    let (design, was) = (&read.designs[0], &report.designs[0]);
    assert_eq!(design.totals.steady_cost_usd_per_month.mean, 0.0);
    assert_eq!(design.tenants[0].incident_cost_usd.mean, 0.0);
    assert_eq!(design.totals.cost_usd_per_month, was.totals.cost_usd_per_month);
}
