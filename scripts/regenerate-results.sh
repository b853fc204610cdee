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
# The example study (its command is in the file's opening comment).
./target/release/kubesim sweep scenarios/studies/surge-vs-duration.yaml \
  --set 'actions[0].maxSurge=1,2,3,4' --seeds 100 --jobs 2 \
  --chart upgrade_duration_s --chart min_ready_pct --chart deployment/web:min_ready_pct \
  --out results/studies/surge-vs-duration >/dev/null
echo "regenerated results/studies/surge-vs-duration/"
./target/release/kubesim sweep scenarios/studies/autoscaler-maxcount.yaml \
  --set 'cluster.nodePools[general].maxCount=6,7,8,9' --seeds 20 --jobs 2 \
  --chart below_desired_s --chart recovery_s \
  --out results/studies/autoscaler-maxcount >/dev/null
echo "regenerated results/studies/autoscaler-maxcount/"
