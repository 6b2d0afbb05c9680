//! Random streams. One master seed; every tenant, replication and purpose
//! gets its own stream derived from (seed, replication, index, purpose)
//! with SplitMix64 finalisers, feeding Xoshiro256++ (a documented, portable
//! generator whose output does not change between rand versions).
//!
//! Streams depend only on the tenant and replication, never on the design,
//! so every design sees the same arrivals (common random numbers).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// What a stream is used for; keeps streams for different uses apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamPurpose {
    /// A tenant's arrivals.
    Arrivals = 1,
    /// A generated group's rate factors (drawn at resolution).
    GroupRates = 2,
    /// The app's re-roll of a scenario's seed.
    Reroll = 3,
    /// Which partition a tenant's key shard hashes to (a fixed hash of
    /// tenant and shard, the same for every seed and design).
    PartitionKeys = 4,
    /// A tenant's arrival times in the per-request engine.
    ExactArrivals = 5,
    /// A tenant's requests' own draws (service time, read or write, key
    /// shard) in the per-request engine.
    ExactRequests = 6,
    /// A compute stack's service times and arrival placement when the
    /// fast engine simulates it request by request (engine Auto).
    StackRequests = 7,
    /// A tenant's retry jitter in the per-request engine.
    RetryJitter = 8,
    /// The gateway's and the database's latency of a tenant's served
    /// requests, in the per-request engine and `Auto`'s request-by-request
    /// stacks.
    LayerLatency = 9,
    /// A relational database's draws in the per-request engine: which
    /// compute instance holds a connection, which replica reads, and each
    /// query's time.
    RelationalQueries = 10,
    /// The initialisation times of a tenant's queued messages that a
    /// serverless function starts cold, in the per-request engine.
    ColdStarts = 11,
}

/// SplitMix64's finaliser: a bijective 64-bit mix.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 64-bit seed of one stream.
pub fn stream_seed(seed: u64, replication: u64, index: u64, purpose: StreamPurpose) -> u64 {
    const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = mix64(seed ^ GOLDEN);
    h = mix64(h ^ replication.wrapping_mul(GOLDEN));
    h = mix64(h ^ index.wrapping_add(1).wrapping_mul(0xd1b5_4a32_d192_ed03));
    mix64(h ^ (purpose as u64).wrapping_mul(0x8cb9_2ba7_2f3d_8dd7))
}

/// The generator of one stream.
pub fn stream(seed: u64, replication: u64, index: u64, purpose: StreamPurpose) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, replication, index, purpose))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_every_coordinate() {
        let base = stream_seed(42, 0, 0, StreamPurpose::Arrivals);
        assert_ne!(base, stream_seed(43, 0, 0, StreamPurpose::Arrivals));
        assert_ne!(base, stream_seed(42, 1, 0, StreamPurpose::Arrivals));
        assert_ne!(base, stream_seed(42, 0, 1, StreamPurpose::Arrivals));
        assert_ne!(base, stream_seed(42, 0, 0, StreamPurpose::GroupRates));
        assert_ne!(base, stream_seed(42, 0, 0, StreamPurpose::Reroll));
        assert_ne!(base, stream_seed(42, 0, 0, StreamPurpose::PartitionKeys));
        assert_eq!(base, stream_seed(42, 0, 0, StreamPurpose::Arrivals));
    }
}
