#!/usr/bin/env bash
# The scale benchmark of issue 11: generates fleet scenarios (scripts/gen-fleet.py) and runs
# each with `/usr/bin/time -v ./target/release/kubesim run`, printing per row the wall time,
# the time inside the event loop (as `kubesim run` reports it) and outside it (reading,
# validating, building, writing), the events processed, events/s, peak RSS and peak RSS per
# pod and per node; and the growth exponent of the upgrade row (log-log slope of wall time
# against nodes, least squares over its sizes).
#
# Rows (see scripts/gen-fleet.py for the fleet's shape; 30 pods per node unless said):
#   a       managed surge upgrade of every pool (maxSurge 10%), at each of --upgrade-sizes
#   b       pods created by their Deployments at t = 0, then 24 h idle (5,000 nodes)
#   c       pods Running at t = 0 from a pod dump, 24 h idle, readiness probes (5,000 nodes)
#   d       zone outage (zone-a fails at 1 h, 2 h in all), from Deployments (5,000 nodes)
#   d-dump  the same from a pod dump
#   e       loading: 100,000 nodes, 3 pods in all, 3 minutes
#   f       1,000,000 pods: 25,000 nodes x 40 pods from a dump, 1 h, zone outage at 30 min
#
# Usage: scripts/bench-scale.sh [--rows a,b,c,d,d-dump,e,f] [--upgrade-sizes "500 1000 2000"]
#                               [--scale F] [--work DIR] [--no-build] [--bin PATH]
#   --rows           which rows (default: a,b,c,d,d-dump,e; f takes minutes and GBs: ask for it)
#   --upgrade-sizes  node counts of row a (default "500 1000 2000 5000")
#   --scale F        multiply every row's node count by F (e.g. 0.1 for a quick look)
#   --work DIR       where scenarios and results go (default /tmp/kubesim-bench-scale); the
#                    scenarios are generated again only when their options change
#   --no-build       use ./target/release/kubesim as it is
#   --bin PATH       run this kubesim binary instead (implies --no-build; for before/after)
# Nothing here runs under `cargo test`. Figures depend on the machine: say which, and how
# loaded it was, when you quote them.
set -euo pipefail
cd "$(dirname "$0")/.."

rows="a,b,c,d,d-dump,e"
upgrade_sizes="500 1000 2000 5000"
scale=1
work=/tmp/kubesim-bench-scale
build=1
bin=./target/release/kubesim
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --upgrade-sizes) upgrade_sizes="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --bin) bin="$2"; build=0; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "bench-scale.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -x /usr/bin/time ]; then
  echo "bench-scale.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi
if [ "$build" = 1 ]; then
  cargo build --release -q -p kubesim-cli
fi
mkdir -p "$work"

scaled() { python3 -c "import sys; print(max(3, round($1 * $scale)))"; }

# One row: LABEL NODES PODS GEN-ARGS... (`kubesim run` also gets the flags in run_flags)
results=()
run_flags=()
run_row() {
  local label="$1" nodes="$2" pods="$3"; shift 3
  local name dir stamp
  name="row-$label"
  dir="$work/$name"
  stamp="$*"
  if [ ! -f "$dir/$name.yaml" ] || [ "$(cat "$dir/.args" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "${dir:?}"
    mkdir -p "$dir"
    echo "generating $label: gen-fleet.py $*" >&2
    python3 scripts/gen-fleet.py --out "$dir" --name "$name" "$@" >/dev/null
    printf '%s' "$stamp" > "$dir/.args"
  fi
  echo "running $label ..." >&2
  local log="$dir/time.log" out="$dir/run.out"
  if ! /usr/bin/time -v "$bin" run "$dir/$name.yaml" --out "$dir/results" ${run_flags[@]+"${run_flags[@]}"} \
      >"$out" 2>"$log"; then
    echo "row $label failed; see $log and $out" >&2
    tail -5 "$log" >&2
    results+=("$label|$nodes|$pods|failed|||")
    return
  fi
  local wall rss line loop_ms events
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | python3 -c '
import sys
t = sys.stdin.read().strip().split(":")
s = 0.0
for part in t:
    s = s * 60 + float(part)
print(f"{s:.2f}")')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  line=$(grep -E '^simulated .* in [0-9.]+ ms \([0-9]+ events\)' "$out" | tail -1)
  loop_ms=$(sed -E 's/.* in ([0-9.]+) ms .*/\1/' <<<"$line")
  events=$(sed -E 's/.*\(([0-9]+) events\).*/\1/' <<<"$line")
  results+=("$label|$nodes|$pods|$wall|$loop_ms|$events|$rss")
}

IFS=',' read -r -a want <<<"$rows"
upgrade_points=()
for row in "${want[@]}"; do
  case "$row" in
    a)
      for n in $upgrade_sizes; do
        n=$(scaled "$n")
        run_row "a-${n}n" "$n" $((n * 30)) --preset a --nodes "$n"
        upgrade_points+=("$n ${results[-1]}")
      done ;;
    b|c|d|d-dump)
      n=$(scaled 5000)
      run_row "$row-${n}n" "$n" $((n * 30)) --preset "$row" --nodes "$n" ;;
    e)
      n=$(scaled 100000)
      run_row "e-${n}n" "$n" 3 --preset e --nodes "$n" ;;
    f)
      n=$(scaled 25000)
      # Above the default budgets (200,000 pods, see the README's "Safety limits"): the
      # dump's pods, one DaemonSet pod per node, and the Deployments' surge.
      run_flags=(--max-pods $((n * 40 * 2 + n)))
      run_row "f-${n}n" "$n" $((n * 40)) --preset f --nodes "$n"
      run_flags=() ;;
    *) echo "bench-scale.sh: unknown row $row" >&2; exit 2 ;;
  esac
done

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %7s %8s %8s %8s %9s %9s %10s %9s %8s %8s\n' \
  row nodes pods wall_s loop_s outside_s events events/s peak_MiB B/pod B/node
for r in "${results[@]}"; do
  IFS='|' read -r label nodes pods wall loop_ms events rss <<<"$r"
  if [ "$wall" = failed ]; then
    printf '%-14s %7s %8s %8s\n' "$label" "$nodes" "$pods" failed
    continue
  fi
  python3 - "$label" "$nodes" "$pods" "$wall" "$loop_ms" "$events" "$rss" <<'EOF'
import sys
label, nodes, pods, wall, loop_ms, events, rss = sys.argv[1:]
nodes, pods, wall, events, rss_kib = int(nodes), int(pods), float(wall), int(events), int(rss)
loop = float(loop_ms) / 1000
rate = events / loop if loop > 0 else float("nan")
print(f"{label:<14} {nodes:>7} {pods:>8} {wall:>8.2f} {loop:>8.2f} {wall - loop:>9.2f}"
      f" {events:>9} {rate:>10.0f} {rss_kib / 1024:>9.0f} {rss_kib * 1024 / pods:>8.0f}"
      f" {rss_kib * 1024 / nodes:>8.0f}")
EOF
done

if [ "${#upgrade_points[@]}" -ge 2 ]; then
  python3 - "${upgrade_points[@]}" <<'EOF'
import math, sys
pts = []
for p in sys.argv[1:]:
    n, rest = p.split(" ", 1)
    fields = rest.split("|")
    if fields[3] not in ("", "failed"):
        pts.append((int(n), float(fields[3])))
if len(pts) >= 2:
    xs = [math.log(n) for n, _ in pts]
    ys = [math.log(max(w, 1e-3)) for _, w in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    span = f"{pts[0][0]} -> {pts[-1][0]} nodes"
    print(f"growth exponent of the upgrade's wall time ({span}, log-log slope): {slope:.2f}")
EOF
fi
