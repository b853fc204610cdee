#!/usr/bin/env bash
# Measures kubesim's memory per pod, from which the defaults of --max-pods and --max-nodes
# are chosen (README, "Safety limits"): runs a generated scenario of NODES nodes and one
# Deployment of PODS replicas twice (with PODS and PODS/2), and prints the peak resident
# memory of each run and the difference per pod. The scenarios are written to a temporary
# directory, removed at the end.
# Usage: scripts/measure-pod-memory.sh [PODS] [NODES]   (default 100000 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
PODS="${1:-100000}"
NODES="${2:-1000}"
cargo build --release -q -p kubesim-cli
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
peak() { # pods -> peak RSS in KiB
  cat > "$tmp/s.yaml" <<YAML
name: pod-memory
duration: 10m
cluster:
  nodePools:
    - name: pool
      count: $NODES
      zones: [a, b, c]
      allocatable: {cpu: '64', memory: 256Gi, pods: 200}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: $1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: c, image: nginx, resources: {requests: {cpu: 10m, memory: 16Mi}}}]
YAML
  /usr/bin/time -f "%M" ./target/release/kubesim run "$tmp/s.yaml" --out "$tmp/out" -o json \
    2>"$tmp/time" >/dev/null
  tail -1 "$tmp/time"
}
full=$(peak "$PODS")
half=$(peak $((PODS / 2)))
echo "peak RSS: $PODS pods ${full} KiB, $((PODS / 2)) pods ${half} KiB"
echo "per pod: $(( (full - half) * 1024 / (PODS - PODS / 2) )) bytes"
