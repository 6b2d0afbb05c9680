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

# shot NAME WxH SCENARIO VIEW [extra args…]: NAME-WxH.png, a window of that size
shot() {
    local name=$1 size=$2 scenario=$3 view=$4
    shift 4
    local png="$out/$name-$size.png"
    rm -f "$png"
    xvfb-run -a -s "-screen 0 ${size}x24" \
        timeout 120 "${CARGO_TARGET_DIR:-target}/release/tenantsim" gui "$scenario" --size "$size" --view "$view" --screenshot "$png" "$@"
    if [[ -s "$png" ]]; then
        echo "wrote $png"
    else
        echo "FAILED: $png" >&2
        return 1
    fi
}

# The two screens a workshop meets: a 1280×720 projector and a 1920×1080 one.
for size in 1280x720 1920x1080; do
    shot noisy-neighbour-compare "$size" noisy-neighbour.ron compare
    shot noisy-neighbour-presenter "$size" noisy-neighbour.ron timelines --presenter
    shot lesson-cells-presenter "$size" cells.ron timelines --presenter
done
shot noisy-neighbour-timelines 1920x1080 noisy-neighbour.ron timelines --select acme
shot noisy-neighbour-costs 1920x1080 noisy-neighbour.ron costs
shot noisy-neighbour-tenants 1920x1080 noisy-neighbour.ron tenants
shot lesson-hot-partition-presenter 1920x1080 hot-partition.ron compare --presenter
shot lesson-silo-vs-pool-costs 1280x720 silo-vs-pool-cost.ron costs
