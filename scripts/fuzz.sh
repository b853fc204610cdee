#!/usr/bin/env bash
# Fuzzes the scenario reader and the manifest conversion (crates/scenario/tests/fuzz.rs) in a
# release build: four properties (arbitrary text, generated scenarios, mutated generated
# scenarios, mutated project scenarios), CASES inputs each (default 250000: 1,000,000 in all).
# Prints the count, the time, the slowest input and the peak resident memory.
# Usage: scripts/fuzz.sh [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
KUBESIM_FUZZ_CASES="${1:-250000}" cargo test --release -q -p kubesim-scenario --test fuzz \
  -- --ignored long_run --nocapture
