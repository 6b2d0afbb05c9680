//! The relational database: each instance is an M/M/c queue of vCPUs
//! (Erlang C's wait), reads go to the replicas and writes to the writer,
//! compute instances that keep more connections open than an instance
//! accepts fail the share of queries they cannot connect for, a proxy
//! removes that and bounds a query's wait by its borrow timeout, and an
//! instance costs its price by the hour. Every expected value is computed
//! here, independently of the engine, at 1 and 2 threads and on two seeds.

use tenantsim::report::{DesignReport, RunReport};
use tenantsim::scenario::{Limits, load_str};

use crate::common::{close, load, mmc_time_ms, run_1_and_2_threads};
/// The parts of a test scenario that change.
struct Case<'a> {
    seed: u64,
    duration: &'a str,
    tenants: u32,
    rate: f64,
    read_fraction: f64,
    /// Compute: instances and concurrency, of the pool and of each silo.
    instances: u32,
    concurrency: u32,
    compute: &'a str,
    database: &'a str,
    relational: &'a str,
}

impl Case<'_> {
    /// A scenario whose compute adds next to nothing (1 µs, more servers
    /// than ever busy), so that its database sees Poisson arrivals.
    fn text(&self) -> String {
        format!(
            r#"Scenario(version: 1, name: "relational", clock: (duration: "{duration}", seed: {seed}, replications: 2),
                tiers: {{ "t": (price_per_month: 1.0) }},
                tenants: [ Group(prefix: "t", count: {tenants}, tier: "t",
                                 load: (rate: {rate}, read_fraction: {reads})) ],
                layers: (
                    compute: (service_time: Deterministic(ms: 0.001), concurrency: {concurrency},
                              instances: (min: {instances}, max: {instances}),
                              silo_instances: (min: {instances}, max: {instances}), price_per_hour: 0.1),
                    relational: Some(({relational})),
                ),
                designs: [ (name: "d", placement: {{ "*": {compute} }},
                            layers: (database: {{ "*": {database} }})) ])"#,
            duration = self.duration,
            seed = self.seed,
            tenants = self.tenants,
            rate = self.rate,
            reads = self.read_fraction,
            concurrency = self.concurrency,
            instances = self.instances,
            relational = self.relational,
            compute = self.compute,
            database = self.database,
        )
    }

    fn run(&self) -> RunReport {
        run_1_and_2_threads(&load(&self.text()))
    }
}

/// A case on one pooled database with ample compute.
fn pooled(seed: u64, tenants: u32, rate: f64, read_fraction: f64, relational: &str) -> Case<'_> {
    Case {
        seed,
        duration: "30m",
        tenants,
        rate,
        read_fraction,
        instances: 1,
        concurrency: 2000,
        compute: "Pool",
        database: "Pool",
        relational,
    }
}

/// Ten tenants at 20 requests a second, their compute (`compute`) of 2
/// instances of concurrency 5 (so pools of 5) on one pooled database.
fn ten_pools<'a>(seed: u64, duration: &'a str, compute: &'a str, relational: &'a str) -> Case<'a> {
    Case {
        seed,
        duration,
        tenants: 10,
        rate: 20.0,
        read_fraction: 0.8,
        instances: 2,
        concurrency: 5,
        compute,
        database: "Pool",
        relational,
    }
}

fn sum(d: &DesignReport, figure: impl Fn(&tenantsim::report::TenantReport) -> f64) -> f64 {
    d.tenants.iter().map(figure).sum()
}

/// The tenants' mean time at the database, weighted by requests served.
fn database_ms(d: &DesignReport) -> f64 {
    sum(d, |t| t.latency_by_layer.database_ms.mean * t.served.mean) / sum(d, |t| t.served.mean)
}

#[test]
fn one_instance_queues_as_erlang_c_says() {
    // 320 queries a second on 4 vCPUs of 100 a second: ρ = 0.8.
    let expected = mmc_time_ms(4, 320.0, 10.0);
    for seed in [1, 2] {
        let report = pooled(seed, 4, 80.0, 0.8, "vcpus: 4, query_time: Exponential(mean_ms: 10.0)").run();
        let d = &report.designs[0];
        let got = database_ms(d);
        assert!(close(got, expected, 0.03), "seed {seed}: {got:.2} ms at the database, Erlang C {expected:.2}");
        // Its vCPUs are busy 80 % of the time.
        let util = d.stacks.iter().find(|s| s.layer == "database").map(|s| s.utilisation.mean);
        assert!(util.is_some_and(|u| close(u, 0.8, 0.02)), "seed {seed}: utilisation {util:?}");
        assert_eq!(sum(d, |t| t.dropped.total.mean), 0.0, "seed {seed}");
    }
}

#[test]
fn reads_go_to_the_replica_and_writes_to_the_writer() {
    // 200 a second, 3 in 4 reads: 150 reads on the replica's 2 vCPUs and
    // 50 writes on the writer's, each of 100 a second.
    let expected = 0.75 * mmc_time_ms(2, 150.0, 10.0) + 0.25 * mmc_time_ms(2, 50.0, 10.0);
    let alone = mmc_time_ms(2, 200.0 * 0.999, 10.0);
    for seed in [1, 2] {
        let report =
            pooled(seed, 2, 100.0, 0.75, "vcpus: 2, read_replicas: 1, query_time: Exponential(mean_ms: 10.0)").run();
        let got = database_ms(&report.designs[0]);
        assert!(
            close(got, expected, 0.03),
            "seed {seed}: {got:.2} ms, expected {expected:.2} (one instance: {alone:.0})"
        );
    }
}

#[test]
fn compute_instances_keeping_more_connections_than_accepted_fail_the_rest() {
    // 10 silo compute stacks of 2 instances, each keeping a pool of 5 (its
    // concurrency) open: 100 connections asked of one instance accepting
    // 40, so 60 % of queries find none.
    let relational = "vcpus: 8, max_connections: 40, query_time: Exponential(mean_ms: 1.0)";
    for seed in [1, 2] {
        let case = ten_pools(seed, "10m", "Silo", relational);
        let d = &case.run().designs[0];
        let refused = sum(d, |t| t.dropped.connections.mean) / sum(d, |t| t.offered.mean);
        assert!(close(refused, 0.6, 0.02), "seed {seed}: {refused:.4} refused");
        // Through a proxy, the same instances share its connections.
        let proxied = format!("{relational}, proxy: Some(())");
        let d = &Case { relational: &proxied, ..case }.run().designs[0];
        assert_eq!(sum(d, |t| t.dropped.total.mean), 0.0, "seed {seed}: through a proxy");
    }
}

#[test]
fn a_database_per_tenant_multiplies_the_pools_a_shared_schema_does_not() {
    // One pooled compute stack of 2 instances, pools of 5: one database
    // asks 10 connections, ten tenant databases 100 of an instance
    // accepting 40.
    for (tenancy, expected) in [("SharedSchema", 0.0), ("SchemaPerTenant", 0.0), ("DatabasePerTenant", 0.6)] {
        let relational =
            format!("vcpus: 8, max_connections: 40, tenancy: {tenancy}, query_time: Exponential(mean_ms: 1.0)");
        let case = ten_pools(3, "10m", "Pool", &relational);
        let d = &case.run().designs[0];
        let refused = sum(d, |t| t.dropped.connections.mean) / sum(d, |t| t.offered.mean);
        assert!((refused - expected).abs() < 0.012, "{tenancy}: {refused:.4} refused, expected {expected}");
    }
}

#[test]
fn a_schema_per_tenant_leaves_memory_for_fewer_connections_as_tenants_grow() {
    // 200 tenants on one pooled instance of 4 GiB, their compute 10
    // instances keeping pools of 10: 100 connections asked. With a schema
    // per tenant each connection caches the catalog of the other 199
    // schemas' 50 relations (5 KiB each) besides the 9,531,392 bytes a
    // connection is given: 4 GiB holds 71 such connections, so 29 % of
    // queries find none. One shared schema accepts the default 450; a
    // database per tenant asks 20,000 of them (97.75 % refused); a proxy
    // opens only the connections that fit.
    let memory = 4.0 * f64::from(1u32 << 30);
    let per_connection = 9_531_392.0 + 199.0 * 50.0 * 5.0 * 1024.0;
    let fit = (memory / per_connection).floor();
    assert_eq!(fit, 71.0);
    for (tenancy, expected) in
        [("SchemaPerTenant", 1.0 - fit / 100.0), ("SharedSchema", 0.0), ("DatabasePerTenant", 1.0 - 450.0 / 20_000.0)]
    {
        let relational = format!("vcpus: 8, tenancy: {tenancy}, query_time: Exponential(mean_ms: 1.0)");
        let case = Case {
            seed: 4,
            duration: "10m",
            tenants: 200,
            rate: 1.0,
            read_fraction: 0.8,
            instances: 10,
            concurrency: 10,
            compute: "Pool",
            database: "Pool",
            relational: &relational,
        };
        let d = &case.run().designs[0];
        let refused = sum(d, |t| t.dropped.connections.mean) / sum(d, |t| t.offered.mean);
        assert!((refused - expected).abs() < 0.01, "{tenancy}: {refused:.4} refused, expected {expected:.4}");
        if tenancy == "SchemaPerTenant" {
            // Fewer relations per schema fit every connection asked.
            let small = format!("{relational}, relations_per_schema: 10");
            let d = &Case { relational: &small, ..case }.run().designs[0];
            assert_eq!(sum(d, |t| t.dropped.total.mean), 0.0, "10 relations a schema");
        }
    }
}

#[test]
fn behind_a_proxy_an_overloaded_instance_serves_its_capacity_and_fails_the_rest_after_the_borrow_timeout() {
    // 300 queries a second on 2 vCPUs of 100 a second through 2 proxy
    // connections: 200 a second served, the rest wait 1 s and fail.
    for seed in [1, 2] {
        let relational = "vcpus: 2, max_connections: 2, query_time: Exponential(mean_ms: 10.0), \
                          proxy: Some((borrow_timeout: \"1s\"))";
        let d = &pooled(seed, 3, 100.0, 0.8, relational).run().designs[0];
        let offered = sum(d, |t| t.offered.mean);
        let refused = sum(d, |t| t.dropped.connections.mean) / offered;
        assert!(close(refused, 1.0 / 3.0, 0.03), "seed {seed}: {refused:.4} refused");
        for t in &d.tenants {
            // At most the borrow timeout at the proxy, then the query.
            assert!(t.latency.p99_ms.mean < 1000.0 + 60.0, "seed {seed} {}: p99 {}", t.id, t.latency.p99_ms.mean);
            assert!(t.latency_by_layer.database_ms.mean > 900.0, "seed {seed} {}: the proxy's queue stays full", t.id);
        }
    }
}

#[test]
fn an_instance_costs_its_price_by_the_hour_and_a_silo_pays_its_own() {
    // Each tenant's own writer and replica at $0.5 an hour, a proxy at
    // $0.015 per vCPU-hour on their 4 vCPUs each, and 10 GB at $0.115.
    let relational = "vcpus: 4, read_replicas: 1, price_per_hour: 0.5, proxy: Some(()), \
                      query_time: Exponential(mean_ms: 1.0)";
    let text = Case {
        seed: 1,
        duration: "10m",
        tenants: 3,
        rate: 10.0,
        read_fraction: 0.8,
        instances: 1,
        concurrency: 10,
        compute: "Pool",
        database: "Silo",
        relational,
    }
    .text()
    .replace("read_fraction: 0.8", "read_fraction: 0.8, data_gb: 10.0");
    let report = run_1_and_2_threads(&load(&text));
    let month_hours = 730.0;
    let expected = 2.0 * (0.5 + 0.015 * 4.0) * month_hours + 10.0 * 0.115;
    for t in &report.designs[0].tenants {
        let got = t.cost_by_layer.database.mean;
        assert!(close(got, expected, 1e-9), "{}: ${got:.4} a month, expected ${expected:.4}", t.id);
    }
}

#[test]
fn a_relational_database_with_another_database_or_out_of_range_is_refused_at_its_field() {
    let base = pooled(1, 1, 1.0, 0.8, "").text();
    let both = base.replace("relational: Some(", "database: Some(()), relational: Some(");
    assert!(refused(&both).contains("layers.relational"), "{}", refused(&both));
    let bad = base.replace("relational: Some(()", "relational: Some((vcpus: 0)");
    assert!(refused(&bad).contains("layers.relational.vcpus"), "{}", refused(&bad));
    let bad = base.replace("relational: Some(()", "relational: Some((proxy: Some((borrow_timeout: \"0s\")))");
    assert!(refused(&bad).contains("layers.relational.proxy.borrow_timeout"), "{}", refused(&bad));
}

/// The message a file is refused with (empty when it loads).
fn refused(text: &str) -> String {
    load_str(text, &Limits::default()).err().map(|e| e.to_string()).unwrap_or_default()
}

/// The first answer of `plan` (one plan's text) run on `case`, at 1 and 2
/// threads.
fn first_answers(case: &Case<'_>, plan: &str) -> Vec<(usize, tenantsim::report::plan::Answer)> {
    let mut text = case.text();
    text.pop();
    text.push_str(&format!(", plans: [ {plan} ])"));
    let limits = Limits::default();
    let file = tenantsim::scenario::parse_str(&text, &limits).unwrap_or_else(|e| panic!("{e}"));
    let sc = tenantsim::scenario::resolve::resolve(&file, &limits).unwrap_or_else(|e| panic!("{e}"));
    let specs = tenantsim::plan::spec::resolve_plans(&file, &sc, &limits).unwrap_or_else(|e| panic!("{e}"));
    [1, 2]
        .into_iter()
        .map(|threads| {
            let report = tenantsim::plan::run(
                &file,
                &specs[0],
                &limits,
                tenantsim::plan::PlanOptions { threads: Some(threads) },
                &tenantsim::sim::RunControl::new(),
                &tenantsim::plan::PlanProgress::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
            (threads, report.answers[0].clone())
        })
        .collect()
}

#[test]
fn goal_seek_finds_the_connections_the_compute_pools_ask_for() {
    // Ten silo compute stacks of 2 instances keep pools of 5: they ask 100
    // connections, the smallest limit at which nothing is refused.
    let case = ten_pools(1, "2m", "Silo", "vcpus: 8, query_time: Exponential(mean_ms: 1.0)");
    let plan = r#"(name: "connections",
              axes: [ (knob: MaxConnections, values: Linear(from: 10, to: 200, step: 10)) ],
              ask: [ Smallest(design: "d", constraints: [ AtMost(figure: (metric: Unserved), value: 0.0) ]) ])"#;
    for (threads, a) in first_answers(&case, plan) {
        assert!(a.found && a.value == Some(100.0), "{threads} thread(s): {a:?}");
    }
}

#[test]
fn function_environments_each_keep_a_connection_and_a_proxy_shares_them() {
    // Ten tenants, each with a function of its own keeping 10 provisioned
    // environments alive (light load: no other environment starts), so 100
    // connections are asked of an instance accepting 40: 60 % refused.
    let text = |proxy: &str| {
        format!(
            r#"Scenario(version: 1, name: "functions", clock: (duration: "10m", seed: 4, replications: 2),
                tiers: {{ "t": (price_per_month: 1.0) }},
                tenants: [ Group(prefix: "t", count: 10, tier: "t", load: (rate: 5.0)) ],
                layers: (
                    compute: (service_time: Deterministic(ms: 1.0),
                              functions: (concurrency_limit: 1000, provisioned: 10)),
                    relational: Some((vcpus: 8, max_connections: 40, query_time: Exponential(mean_ms: 1.0){proxy})),
                ),
                designs: [ (name: "d", placement: {{ "*": Silo }}, layers: (database: {{ "*": Pool }})) ])"#
        )
    };
    let d = &run_1_and_2_threads(&load(&text(""))).designs[0];
    let refused = sum(d, |t| t.dropped.connections.mean) / sum(d, |t| t.offered.mean);
    assert!(close(refused, 0.6, 0.03), "{refused:.4} refused");
    let d = &run_1_and_2_threads(&load(&text(", proxy: Some(())"))).designs[0];
    assert_eq!(sum(d, |t| t.dropped.total.mean), 0.0, "through a proxy");
}

#[test]
fn instances_that_hold_connections_keep_them_and_a_stack_scaling_out_finds_none() {
    // Two tenants' own stacks of 2 instances keep pools of 5: 20
    // connections, all the instance accepts. When b's traffic goes up
    // eightfold its stack scales out, but its new instances cannot connect:
    // b loses requests, a none.
    let text = r#"Scenario(version: 1, name: "scale out", clock: (duration: "30m", seed: 2, replications: 2),
        tiers: { "t": (price_per_month: 1.0) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 20.0)), Tenant(id: "b", tier: "t", load: (rate: 20.0)) ],
        layers: (
            compute: (service_time: Exponential(mean_ms: 100.0), concurrency: 5,
                      silo_instances: (min: 2, max: 20), price_per_hour: 0.1,
                      autoscale: (target_utilisation: 0.5, evaluation_period: "30s", warmup: "30s")),
            relational: Some((vcpus: 16, max_connections: 20, query_time: Exponential(mean_ms: 1.0))),
        ),
        designs: [ (name: "d", placement: { "*": Silo }, layers: (database: { "*": Pool })) ],
        events: [ Spike(tenant: "b", at: "10m", duration: "10m", factor: 8.0) ])"#;
    let d = &run_1_and_2_threads(&load(text)).designs[0];
    let of = |id: &str| d.tenants.iter().find(|t| t.id == id).map_or(f64::NAN, |t| t.dropped.connections.mean);
    assert_eq!(of("a"), 0.0, "a's instances keep their connections");
    assert!(of("b") > 1000.0, "b's new instances find none: {}", of("b"));
    // Through a proxy b's new instances serve too.
    let proxied =
        text.replace("query_time: Exponential(mean_ms: 1.0)", "query_time: Exponential(mean_ms: 1.0), proxy: Some(())");
    let d = &run_1_and_2_threads(&load(&proxied)).designs[0];
    assert_eq!(d.tenants.iter().map(|t| t.dropped.connections.mean).sum::<f64>(), 0.0);
}

#[test]
fn a_database_that_loses_its_only_vcpu_serves_again_when_it_comes_back() {
    // One vCPU, lost for 30 s (a 30 % loss rounds down to none): the
    // queries that waited run when it is back, and only those that waited
    // past compute's 5 s timeout are lost, at most the 300 sent while it
    // was gone.
    let text = r#"Scenario(version: 1, name: "loss", clock: (duration: "10m", seed: 1, replications: 2),
        tiers: { "t": (price_per_month: 1.0) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 10.0)) ],
        layers: (
            compute: (service_time: Deterministic(ms: 1.0), concurrency: 50, instances: (min: 1, max: 1),
                      queue_timeout: "5s", price_per_hour: 0.1),
            relational: Some((vcpus: 1, query_time: Exponential(mean_ms: 5.0))),
        ),
        designs: [ (name: "d", placement: { "*": Pool }) ],
        events: [ CapacityLoss(layer: Database, at: "1m", duration: "30s", fraction: 0.3) ])"#;
    let a = &run_1_and_2_threads(&load(text)).designs[0].tenants[0];
    assert!(a.dropped.total.mean <= 300.0, "{} dropped", a.dropped.total.mean);
    assert!(a.served.mean > 5600.0, "{} served of about 6,000", a.served.mean);
}

#[test]
fn a_query_waiting_at_the_proxy_fails_at_its_borrow_timeout_and_frees_its_server() {
    // One proxy connection held for a minute by each query: the others
    // wait 1 s at the proxy and fail then, so compute (10 servers, one
    // request a second) never runs out of servers.
    let text = r#"Scenario(version: 1, name: "proxy", clock: (duration: "30m", seed: 1, replications: 2),
        tiers: { "t": (price_per_month: 1.0) },
        tenants: [ Tenant(id: "a", tier: "t", load: (rate: 1.0)) ],
        layers: (
            compute: (service_time: Deterministic(ms: 1.0), concurrency: 10, instances: (min: 1, max: 1),
                      queue_timeout: "5s", price_per_hour: 0.1),
            relational: Some((vcpus: 2, max_connections: 1, query_time: Deterministic(ms: 60000.0),
                              proxy: Some((borrow_timeout: "1s")))),
        ),
        designs: [ (name: "d", placement: { "*": Pool }) ])"#;
    let a = &run_1_and_2_threads(&load(text)).designs[0].tenants[0];
    assert_eq!(a.dropped.timeout.mean, 0.0, "no compute queue timeout");
    // One query a minute holds the connection; about 59 of every 60 fail.
    let refused = a.dropped.connections.mean / a.offered.mean;
    assert!(close(refused, 59.0 / 60.0, 0.01), "{refused:.4}");
}

#[test]
fn each_interval_s_time_at_the_database_follows_its_load() {
    // Four tenants at 20 queries a second on one vCPU of 5 ms (ρ = 0.4),
    // one of them sending 5 times as much from minute 10 to 20 (ρ = 0.8):
    // the database's part of each interval's mean latency is M/M/1's for
    // that interval's load (8.3 ms, then 25 ms).
    let (calm, spiked) = (mmc_time_ms(1, 80.0, 5.0), mmc_time_ms(1, 160.0, 5.0));
    for seed in [1, 2] {
        let case = pooled(seed, 4, 20.0, 0.8, "vcpus: 1, query_time: Exponential(mean_ms: 5.0)");
        let text = case.text().replace(
            "designs: [",
            r#"events: [ Spike(tenant: "t-00", at: "10m", duration: "10m", factor: 5.0) ], designs: ["#,
        );
        let report = run_1_and_2_threads(&load(&text));
        let series = &report.designs[0].series;
        let interval = series.interval_secs;
        let mean_between = |band: &tenantsim::report::Band, from_min: f64, to_min: f64| {
            let values: Vec<f64> = (0..series.t_secs.len())
                .filter(|&p| series.t_secs[p] >= from_min * 60.0 && series.t_secs[p] + interval <= to_min * 60.0)
                .map(|p| band.mean[p])
                .collect();
            values.iter().sum::<f64>() / values.len().max(1) as f64
        };
        let database = &series.total.latency_by_layer.database_ms;
        let (before, during, after) =
            (mean_between(database, 1.0, 9.5), mean_between(database, 11.0, 20.0), mean_between(database, 21.0, 30.0));
        assert!(close(before, calm, 0.04), "seed {seed}: before {before:.2} ms vs M/M/1 {calm:.2}");
        assert!(close(during, spiked, 0.06), "seed {seed}: during {during:.2} ms vs M/M/1 {spiked:.2}");
        assert!(close(after, calm, 0.04), "seed {seed}: after {after:.2} ms vs M/M/1 {calm:.2}");
        // Compute adds its microsecond and nothing else.
        let compute = mean_between(&series.total.latency_by_layer.compute_ms, 11.0, 20.0);
        assert!(compute < 0.01, "seed {seed}: compute {compute} ms");
    }
}

#[test]
fn goal_seek_finds_the_most_relations_a_schema_per_tenant_may_have() {
    // 200 tenants with a schema each on one 4 GiB instance, asked for 100
    // connections: a connection takes 9,531,392 bytes and 5 KiB for each
    // relation of the other 199 schemas, so 100 of them fit while
    // 199 × R × 5,120 ≤ 4 GiB / 100 − 9,531,392: R ≤ 32.8.
    let most = ((4.0 * f64::from(1u32 << 30) / 100.0 - 9_531_392.0) / (199.0 * 5120.0)).floor();
    assert_eq!(most, 32.0);
    let case = Case {
        seed: 2,
        duration: "2m",
        tenants: 200,
        rate: 1.0,
        read_fraction: 0.8,
        instances: 10,
        concurrency: 10,
        compute: "Pool",
        database: "Pool",
        relational: "vcpus: 8, tenancy: SchemaPerTenant, query_time: Exponential(mean_ms: 1.0)",
    };
    let plan = r#"(name: "relations",
              axes: [ (knob: RelationsPerSchema, values: Linear(from: 10, to: 60, step: 10)) ],
              ask: [ Largest(design: "d", constraints: [ AtMost(figure: (metric: Unserved), value: 0.0) ]) ])"#;
    for (threads, a) in first_answers(&case, plan) {
        assert!(a.found && a.value == Some(most), "{threads} thread(s): {a:?}");
    }
}
