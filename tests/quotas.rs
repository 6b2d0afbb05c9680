//! Usage-plan quotas (docs/model.md, "Throttle chain"): each period,
//! counted from the start of the run, admits exactly its quota from a
//! tenant that offers more, and a new period starts afresh. A day is
//! 86,400 s, a week 7 days and a month the scenario's
//! `cost.hours_per_month` (730 h by default).

use crate::common::{load, run_1_and_2_threads};
use tenantsim::report::RunReport;

const HOUR: f64 = 3600.0;
const DAY: f64 = 24.0 * HOUR;

/// One tenant offering `rate` per second (far more than its quotas) through
/// a gateway whose token buckets never bind, with coarse ticks.
fn scenario(seed: u64, quotas: &str, rate: f64, tick: &str, duration: &str, cost: &str) -> String {
    format!(
        r#"Scenario(version: 1, name: "quota", clock: (duration: "{duration}", tick: "{tick}", seed: {seed}, replications: 2),
            tiers: {{ "t": (price_per_month: 1.0, plan: (rate: 100000.0, burst: 100000000.0, {quotas})) }},
            tenants: [ Tenant(id: "q", tier: "t", load: (rate: {rate:?})) ],
            layers: ( gateway: (account_rate: 1000000.0, account_burst: 100000000.0),
                      compute: (service_time: Exponential(mean_ms: 1.0), concurrency: 100, instances: (min: 10, max: 10)) ),
            designs: [ (name: "pool", placement: {{ "*": Pool }}) ],
            cost: ({cost}))"#
    )
}

/// Requests admitted in each period of `period_secs` (by the series,
/// whose points must not straddle a period boundary).
fn admitted_per_period(report: &RunReport, period_secs: f64) -> Vec<f64> {
    let series = &report.designs[0].series;
    let mut periods = vec![0.0; (report.duration_secs / period_secs).ceil() as usize];
    for (p, &start) in series.t_secs.iter().enumerate() {
        let secs = series.interval_secs.min(report.duration_secs - start);
        let k = (start / period_secs).floor() as usize;
        let end_k = ((start + secs) / period_secs).ceil() as usize - 1;
        assert_eq!(k, end_k, "series point at {start} s straddles a period boundary");
        periods[k] += series.total.admitted_per_sec.mean[p] * secs;
    }
    periods
}

#[test]
fn daily_quota_admits_exactly_the_quota_each_day_including_a_partial_last_day() {
    // 0.5 req/s is 43,200 a day against a quota of 1,000. Three days of
    // 10-minute ticks, and 60 hours (the third day starts 12 h before the
    // end): 3,000 admitted either way, 1,000 in each day.
    for seed in [1, 2] {
        for duration in ["3d", "60h"] {
            let report = run_1_and_2_threads(&load(&scenario(seed, "quota_per_day: 1000", 0.5, "10m", duration, "")));
            let t = &report.designs[0].tenants[0];
            assert_eq!(t.admitted.mean, 3000.0, "seed {seed}, {duration}");
            assert_eq!(t.throttled.plan.mean, 0.0);
            assert_eq!(t.throttled.quota.mean, t.offered.mean - 3000.0);
            assert_eq!(admitted_per_period(&report, DAY), vec![1000.0; 3], "seed {seed}, {duration}");
        }
    }
}

#[test]
fn weekly_quota_resets_weekly_and_binds_together_with_the_daily_one() {
    // 1 req/s (86,400 a day), 1,000 a day and 3,000 a week, 15 days of
    // hourly ticks: a week's first three days get 1,000 each and the next
    // four nothing; the third week starts on day 14.
    let (daily, weekly) = (1000.0, 3000.0);
    let mut want = Vec::new();
    let mut week_used = 0.0;
    for day in 0..15 {
        if day % 7 == 0 {
            week_used = 0.0;
        }
        let today = f64::min(daily, weekly - week_used);
        week_used += today;
        want.push(today);
    }
    assert_eq!(want.iter().filter(|&&a| a > 0.0).count(), 7, "days 0–2, 7–9 and 14");
    for seed in [3, 4] {
        let quotas = "quota_per_day: 1000, quota_per_week: 3000";
        let report = run_1_and_2_threads(&load(&scenario(seed, quotas, 1.0, "1h", "15d", "")));
        let t = &report.designs[0].tenants[0];
        assert_eq!(t.admitted.mean, 7000.0, "seed {seed}");
        assert_eq!(admitted_per_period(&report, DAY), want, "seed {seed}");
    }
}

#[test]
fn monthly_quota_period_is_the_cost_month() {
    // 0.05 req/s (4,320 a day) against 5,000 a month. With the default
    // 730-hour month, 1,455 h (60.6 days) is two months: 10,000 admitted
    // (a 30-day month would have started a third at 1,440 h). With
    // `hours_per_month: 240`, 25 days is three months: 15,000.
    for seed in [5, 6] {
        let report = run_1_and_2_threads(&load(&scenario(seed, "quota_per_month: 5000", 0.05, "5h", "1455h", "")));
        assert_eq!(report.designs[0].tenants[0].admitted.mean, 10_000.0, "seed {seed}");
        assert_eq!(admitted_per_period(&report, 730.0 * HOUR), vec![5000.0; 2], "seed {seed}");

        let short = "hours_per_month: 240.0";
        let report = run_1_and_2_threads(&load(&scenario(seed, "quota_per_month: 5000", 0.05, "5h", "25d", short)));
        assert_eq!(report.designs[0].tenants[0].admitted.mean, 15_000.0, "seed {seed}");
        assert_eq!(admitted_per_period(&report, 240.0 * HOUR), vec![5000.0; 3], "seed {seed}");
    }
}
