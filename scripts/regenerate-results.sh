#!/usr/bin/env bash
# Re-runs every scenario in scenarios/ and rewrites results/<name>/ (the golden files the
# test suite compares against, and the outputs the README shows). Review the diff after.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kubesim-cli
for f in scenarios/*.yaml; do
  ./target/release/kubesim run "$f" >/dev/null
  echo "regenerated results/$(basename "$f" .yaml)/"
done
