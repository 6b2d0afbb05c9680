#!/usr/bin/env bash
# Writes PNGs of the app (release build) under Xvfb to docs/screenshots/.
# Needs: xvfb (xvfb-run). Usage: scripts/screenshots.sh [--install]
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--install" ]] || ! command -v xvfb-run > /dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb libgl1-mesa-dri > /dev/null
fi

cargo build --release
out=docs/screenshots
mkdir -p "$out"

# shot NAME SCENARIO VIEW [extra args…]
shot() {
    local name=$1 scenario=$2 view=$3
    shift 3
    rm -f "$out/$name.png"
    xvfb-run -a -s "-screen 0 1600x1000x24" \
        timeout 120 ./target/release/tenantsim gui "$scenario" --view "$view" --screenshot "$out/$name.png" "$@"
    if [[ -s "$out/$name.png" ]]; then
        echo "wrote $out/$name.png"
    else
        echo "FAILED: $out/$name.png" >&2
        return 1
    fi
}

shot noisy-neighbour-compare noisy-neighbour.ron compare
shot noisy-neighbour-timelines noisy-neighbour.ron timelines --select acme
shot noisy-neighbour-costs noisy-neighbour.ron costs
shot noisy-neighbour-tenants noisy-neighbour.ron tenants
shot noisy-neighbour-presenter noisy-neighbour.ron timelines --presenter
shot lesson-cells-presenter cells.ron timelines --presenter
shot lesson-hot-partition-presenter hot-partition.ron compare --presenter
shot lesson-silo-vs-pool-costs silo-vs-pool-cost.ron costs
