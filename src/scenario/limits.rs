//! Limits checked before a run starts, so that a hostile or mistaken file
//! cannot make the simulator hang or eat memory: counts per field, and the
//! budget of work and memory a whole run may need (see
//! [`super::budget`]).

/// Upper bounds on what one scenario may ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Tenants after expanding groups.
    pub max_tenants: u64,
    /// Ticks in one run.
    pub max_ticks: u64,
    /// Work of a whole run, in units of one tenant simulated for one tick
    /// (see [`super::budget::estimate`]); plans hold their tenant-ticks
    /// to it too.
    pub max_work: f64,
    /// Work of one tick (tenants, stacks and key shards visited, requests
    /// simulated one by one), so that a tick stays short and a run stops
    /// promptly when cancelled.
    pub max_tick_work: f64,
    /// Memory a run may need, bytes (see [`super::budget::estimate`]).
    pub max_memory_bytes: f64,
    /// Replications.
    pub max_replications: u32,
    /// Designs.
    pub max_designs: usize,
    /// Events.
    pub max_events: usize,
    /// Tiers.
    pub max_tiers: usize,
    /// Servers (instances × concurrency) in one compute stack.
    pub max_servers_per_stack: u64,
    /// Partitions per table.
    pub max_partitions: u32,
    /// Cells per placement entry.
    pub max_cells: u32,
    /// Key shards per tenant.
    pub max_key_shards: u32,
    /// Request rate of one tenant (base rate × pattern peak × spike).
    pub max_rate_per_sec: f64,
    /// Largest scenario file in bytes.
    pub max_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_tenants: 20_000,
            max_ticks: 10_000_000,
            max_work: 5e10,
            max_tick_work: 4e6,
            max_memory_bytes: 8e9,
            max_replications: 1000,
            max_designs: 32,
            max_events: 1000,
            max_tiers: 64,
            max_servers_per_stack: 100_000,
            max_partitions: 10_000,
            max_cells: 1000,
            max_key_shards: 1000,
            max_rate_per_sec: 1e8,
            max_file_bytes: 4 * 1024 * 1024,
        }
    }
}
