#!/usr/bin/env bash
# Runs the seeded invariant test over random scenarios with random timelines
# (crates/controllers/tests/integration/invariants.rs) in a release build: COUNT scenarios
# (default 10000), each checked after every event and rerun for a byte-identical trace.
# Prints the count, the events checked and the time.
# Usage: scripts/invariants.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
KUBESIM_INVARIANT_SCENARIOS="${1:-10000}" cargo test --release -q -p kubesim-controllers \
  --test integration -- --ignored ten_thousand_random_timelines --nocapture
