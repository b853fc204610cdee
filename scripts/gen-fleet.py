#!/usr/bin/env python3
"""Writes kubesim fleet scenarios at any size, shaped like a production fleet.

The fleet: `--zones` zones, `--pools` node pools (each spread round-robin over the zones,
node shapes cycling through general/compute/memory/batch), `--deployments` Deployments pinned
to the pools in turn (nodeSelector `kubesim.io/node-pool`), each with a zone
`topologySpreadConstraints` (maxSkew 1) and a readiness probe, a PDB for the first `--pdbs` of
them (`maxUnavailable`, default 10%), and `--daemonsets` DaemonSets on every node.
`--pods-per-node` counts every pod of a node, DaemonSet pods included: each pool holds
`nodes x (pods-per-node - daemonsets)` Deployment pods, shared among its Deployments. Requests
are sized to fill about 60 % of a node's CPU and memory.

Where the pods come from (`--source`):
  deployments  the Deployments create them at t = 0 (scheduled, pulled, started);
  dump         they are Running and Ready at t = 0 on their nodes, read from a pod dump in the
               `kubectl get deploy,rs,ds,pdb,pods -A -o yaml` List format (split over several
               files of `--pods-per-file` pods, each one `include:` of the scenario), with
               replicas placed round-robin over each pool's nodes (zone skew <= 1).

What happens (`--timeline`):
  upgrade  every pool gets a managed surge upgrade (`upgrade-pool`, `--max-surge`, provisioning
           1-3 min, drainTimeout force-after 1h) at `--upgrade-at` (default 10m); the run ends
           when the last upgrade is done (duration 24h);
  idle     nothing (default duration 24h);
  outage   the first zone loses power at `--outage-at` (default 1h; duration 2h);
  load     nothing for 3 minutes (the cost of loading, building and writing).

Presets (`--preset`) for the rows of issue 11's table (any option given overrides them):
  a       upgrade, deployments, 500 nodes x 30 pods        (scale with --nodes)
  b       idle 24h, deployments, 5,000 x 30
  c       idle 24h, dump, 5,000 x 30
  d       outage 2h, deployments, 5,000 x 30
  d-dump  outage 2h, dump, 5,000 x 30
  e       load 3m: 100,000 nodes, 3 pods in all (one Deployment with a PDB, no DaemonSet)
  f       1,000,000 pods: 25,000 nodes x 40, dump, 1h with a zone outage at 30m

Usage:
  scripts/gen-fleet.py --preset c --out /tmp/fleet          # writes /tmp/fleet/<name>.yaml
  scripts/gen-fleet.py --preset a --nodes 1000 --out /tmp/fleet --name up-1000
  kubesim validate /tmp/fleet/<name>.yaml

The scenario is written to OUT/<name>.yaml and its manifests to OUT/<name>/. Output is a pure
function of the options (no randomness, no clock): the same options write the same bytes.
Only the Python 3 standard library is used.
"""

import argparse
import os
import sys

PRESETS = {
    "a": dict(timeline="upgrade", source="deployments", nodes=500, pods_per_node=30),
    "b": dict(timeline="idle", source="deployments", nodes=5000, pods_per_node=30),
    "c": dict(timeline="idle", source="dump", nodes=5000, pods_per_node=30),
    "d": dict(timeline="outage", source="deployments", nodes=5000, pods_per_node=30),
    "d-dump": dict(timeline="outage", source="dump", nodes=5000, pods_per_node=30),
    "e": dict(timeline="load", source="deployments", nodes=100000, total_pods=3,
              deployments=1, daemonsets=0),
    "f": dict(timeline="outage", source="dump", nodes=25000, pods_per_node=40,
              duration="1h", outage_at="30m"),
}

DEFAULTS = dict(
    timeline="idle", source="deployments", nodes=500, pods_per_node=30, deployments=50,
    pdbs=None, daemonsets=1, zones=3, pools=3, namespaces=5, max_surge="10%",
    pdb_max_unavailable="10%", upgrade_at="10m", outage_at="1h", duration=None,
    pods_per_file=1000, seed=1, spread="DoNotSchedule", total_pods=None,
)

# (name, cpu cores, memory GiB) cycled over the pools.
SHAPES = [("general", 16, 64), ("compute", 32, 64), ("memory", 16, 128), ("batch", 8, 32)]

T0 = "2026-11-30T08:00:00Z"
# Characters of generated name suffixes (k8s.io/apimachinery/pkg/util/rand: no vowels, no
# confusable digits).
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def suffix(i, width=5):
    """A deterministic generateName-style suffix for index i."""
    out = []
    for _ in range(width):
        out.append(ALPHANUMS[i % len(ALPHANUMS)])
        i //= len(ALPHANUMS)
    return "".join(out)


def uid(kind, i):
    return f"{kind:08x}-0000-4000-8000-{i:012x}"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Write a kubesim fleet scenario (see the module docstring).",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--preset", choices=sorted(PRESETS))
    p.add_argument("--out", required=True, help="directory to write into (created)")
    p.add_argument("--name", help="scenario name (default: fleet-<timeline>-<source>-<nodes>n)")
    p.add_argument("--timeline", choices=["upgrade", "idle", "outage", "load"])
    p.add_argument("--source", choices=["deployments", "dump"])
    p.add_argument("--nodes", type=int)
    p.add_argument("--pods-per-node", type=int, help="every pod of a node, DaemonSets included")
    p.add_argument("--total-pods", type=int,
                   help="Deployment pods in all, instead of per node (spread over the pools)")
    p.add_argument("--deployments", type=int)
    p.add_argument("--pdbs", type=int, help="Deployments with a PDB (default: all)")
    p.add_argument("--daemonsets", type=int)
    p.add_argument("--zones", type=int)
    p.add_argument("--pools", type=int)
    p.add_argument("--namespaces", type=int)
    p.add_argument("--max-surge", help="upgrade-pool maxSurge (integer or percentage)")
    p.add_argument("--pdb-max-unavailable", help="the PDBs' maxUnavailable")
    p.add_argument("--upgrade-at")
    p.add_argument("--outage-at")
    p.add_argument("--duration")
    p.add_argument("--pods-per-file", type=int, help="pods per dump file (one include each)")
    p.add_argument("--seed", type=int)
    p.add_argument("--spread", choices=["DoNotSchedule", "ScheduleAnyway"],
                   help="whenUnsatisfiable of the zone spread constraint")
    a = p.parse_args(argv)
    cfg = dict(DEFAULTS)
    if a.preset:
        cfg.update(PRESETS[a.preset])
    for k in DEFAULTS:
        v = getattr(a, k)
        if v is not None:
            cfg[k] = v
    cfg["out"] = a.out
    cfg["preset"] = a.preset
    if cfg["pdbs"] is None:
        cfg["pdbs"] = cfg["deployments"]
    if cfg["duration"] is None:
        cfg["duration"] = {"upgrade": "24h", "idle": "24h", "outage": "2h", "load": "3m"}[
            cfg["timeline"]]
    cfg["name"] = a.name or "fleet-{}-{}-{}n".format(
        cfg["timeline"], "dump" if cfg["source"] == "dump" else "deploy", cfg["nodes"])
    errors = []
    if cfg["nodes"] < 1:
        errors.append("--nodes must be at least 1")
    if not 1 <= cfg["pools"] <= cfg["nodes"]:
        errors.append("--pools must be between 1 and --nodes")
    if cfg["zones"] < 1 or cfg["zones"] > 26:
        errors.append("--zones must be between 1 and 26")
    if cfg["pods_per_node"] < cfg["daemonsets"]:
        errors.append("--pods-per-node must be at least --daemonsets")
    if cfg["deployments"] < 0 or not 0 <= cfg["pdbs"] <= cfg["deployments"]:
        errors.append("--pdbs must be between 0 and --deployments")
    if cfg["pods_per_node"] > cfg["daemonsets"] and cfg["deployments"] < 1:
        errors.append("Deployment pods per node > 0 need --deployments >= 1")
    if cfg["namespaces"] < 1 or cfg["pods_per_file"] < 1:
        errors.append("--namespaces and --pods-per-file must be at least 1")
    if errors:
        p.error("; ".join(errors))
    return cfg


class Fleet:
    def __init__(self, cfg):
        self.cfg = cfg
        n, k = cfg["nodes"], cfg["pools"]
        self.zones = ["zone-" + chr(ord("a") + i) for i in range(cfg["zones"])]
        # Pools: equal shares, rounded to whole multiples of the zone count where possible.
        base = n // k
        self.pools = []
        left = n
        for i in range(k):
            count = base if i < k - 1 else left
            left -= count
            shape = SHAPES[i % len(SHAPES)]
            name = shape[0] if i < len(SHAPES) else f"{shape[0]}-{i // len(SHAPES) + 1}"
            self.pools.append(dict(name=name, count=count, cpu=shape[1], mem=shape[2]))
        ppn = cfg["pods_per_node"]
        self.max_pods = max(110, 2 * ppn)
        deploy_ppn = ppn - cfg["daemonsets"]
        # Deployments: i goes to pool i % k; a pool's pods are shared among its Deployments.
        self.deployments = []
        for p_i, pool in enumerate(self.pools):
            mine = [i for i in range(cfg["deployments"]) if i % k == p_i]
            total = pool["count"] * deploy_ppn
            if cfg["total_pods"] is not None:
                # Shared among the pools that have Deployments.
                used = min(k, cfg["deployments"])
                t = cfg["total_pods"]
                total = t // used + (1 if p_i < t % used else 0) if p_i < used else 0
            if not mine:
                if total:
                    sys.exit(f"pool {pool['name']} has no Deployment; use --deployments >= --pools")
                continue
            # Requests: 60 % of the node's CPU and memory over its pods (DaemonSets included).
            cpu_m = max(10, (pool["cpu"] * 1000 * 60 // 100) // max(ppn, 1) // 10 * 10)
            mem_mi = max(16, (pool["mem"] * 1024 * 60 // 100) // max(ppn, 1))
            for j, i in enumerate(mine):
                replicas = total // len(mine) + (1 if j < total % len(mine) else 0)
                self.deployments.append(dict(
                    index=i, name=f"app-{i:02d}", ns=f"team-{i % cfg['namespaces'] + 1}",
                    pool=pool, pool_index=p_i, replicas=replicas, cpu=f"{cpu_m}m",
                    mem=f"{mem_mi}Mi", hash=suffix((i + 1) * 2654435761 % 27**9, 9), pdb=i < cfg["pdbs"]))
        self.deployments.sort(key=lambda d: d["index"])
        self.daemonsets = [dict(name=f"node-agent-{i + 1}" if i else "node-agent",
                                ns="kube-system", index=i) for i in range(cfg["daemonsets"])]

    # --- manifests -------------------------------------------------------------------------

    def deployment_doc(self, d, indent):
        """A Deployment as kubectl prints it (the fields kubesim reads, and a few it skips)."""
        lines = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  labels: {{app: {d['name']}}}
  name: {d['name']}
  namespace: {d['ns']}
  uid: {uid(0xd0, d['index'])}
spec:
  replicas: {d['replicas']}
  selector:
    matchLabels: {{app: {d['name']}}}
  strategy:
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 25%}}
    type: RollingUpdate
  template:
    metadata:
      labels: {{app: {d['name']}}}
    spec:
{self.pod_spec_text(d, '      ', None)}"""
        return indent_lines(lines, indent)

    def replicaset_doc(self, d, indent):
        """The Deployment's current ReplicaSet, as a dump of a settled cluster holds it."""
        rs = f"{d['name']}-{d['hash']}"
        lines = f"""\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  labels: {{app: {d['name']}, pod-template-hash: {d['hash']}}}
  name: {rs}
  namespace: {d['ns']}
  ownerReferences:
  - apiVersion: apps/v1
    blockOwnerDeletion: true
    controller: true
    kind: Deployment
    name: {d['name']}
    uid: {uid(0xd0, d['index'])}
  uid: {uid(0x5e, d['index'])}
spec:
  replicas: {d['replicas']}
  selector:
    matchLabels: {{app: {d['name']}, pod-template-hash: {d['hash']}}}
  template:
    metadata:
      labels: {{app: {d['name']}, pod-template-hash: {d['hash']}}}
    spec:
{self.pod_spec_text(d, '      ', None)}"""
        return indent_lines(lines, indent)

    def pod_spec_text(self, d, ind, node):
        """The pod spec of Deployment d (a template when node is None, else a dump pod)."""
        spread = self.cfg["spread"]
        s = f"""\
{ind}containers:
{ind}- image: registry.example.com/{d['name']}:1.{d['index'] % 7}.{d['index'] % 3}
{ind}  imagePullPolicy: IfNotPresent
{ind}  name: app
{ind}  ports:
{ind}  - {{containerPort: 8080, name: http, protocol: TCP}}
{ind}  readinessProbe:
{ind}    failureThreshold: 3
{ind}    httpGet: {{path: /ready, port: http, scheme: HTTP}}
{ind}    periodSeconds: 10
{ind}    successThreshold: 1
{ind}    timeoutSeconds: 1
{ind}  resources:
{ind}    requests: {{cpu: {d['cpu']}, memory: {d['mem']}}}
{ind}  terminationMessagePath: /dev/termination-log
{ind}  terminationMessagePolicy: File
{ind}dnsPolicy: ClusterFirst
"""
        if node is not None:
            s += f"{ind}nodeName: {node}\n"
        s += f"""\
{ind}nodeSelector: {{kubesim.io/node-pool: {d['pool']['name']}}}
{ind}restartPolicy: Always
{ind}schedulerName: default-scheduler
{ind}terminationGracePeriodSeconds: 30
"""
        if node is not None:
            s += f"""\
{ind}tolerations:
{ind}- {{effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}}
{ind}- {{effect: NoExecute, key: node.kubernetes.io/unreachable, operator: Exists, tolerationSeconds: 300}}
"""
        s += f"""\
{ind}topologySpreadConstraints:
{ind}- labelSelector:
{ind}    matchLabels: {{app: {d['name']}}}
{ind}  maxSkew: 1
{ind}  topologyKey: topology.kubernetes.io/zone
{ind}  whenUnsatisfiable: {spread}"""
        return s

    def daemonset_doc(self, ds, indent):
        lines = f"""\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels: {{app: {ds['name']}}}
  name: {ds['name']}
  namespace: {ds['ns']}
  uid: {uid(0xda, ds['index'])}
spec:
  selector:
    matchLabels: {{app: {ds['name']}}}
  template:
    metadata:
      labels: {{app: {ds['name']}}}
    spec:
{self.ds_spec_text(ds, '      ', None)}
  updateStrategy:
    rollingUpdate: {{maxSurge: 0, maxUnavailable: 1}}
    type: RollingUpdate"""
        return indent_lines(lines, indent)

    def ds_spec_text(self, ds, ind, node):
        s = f"""\
{ind}containers:
{ind}- image: registry.example.com/{ds['name']}:2.1.0
{ind}  imagePullPolicy: IfNotPresent
{ind}  name: agent
{ind}  resources:
{ind}    limits: {{cpu: 100m, memory: 128Mi}}
{ind}    requests: {{cpu: 50m, memory: 64Mi}}
"""
        if node is not None:
            s += f"{ind}nodeName: {node}\n"
        s += f"""\
{ind}priorityClassName: system-node-critical
{ind}restartPolicy: Always
{ind}terminationGracePeriodSeconds: 30"""
        if node is not None:
            s += f"""
{ind}tolerations:
{ind}- {{effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists}}
{ind}- {{effect: NoExecute, key: node.kubernetes.io/unreachable, operator: Exists}}
{ind}- {{effect: NoSchedule, key: node.kubernetes.io/disk-pressure, operator: Exists}}
{ind}- {{effect: NoSchedule, key: node.kubernetes.io/memory-pressure, operator: Exists}}
{ind}- {{effect: NoSchedule, key: node.kubernetes.io/pid-pressure, operator: Exists}}
{ind}- {{effect: NoSchedule, key: node.kubernetes.io/unschedulable, operator: Exists}}"""
        return s

    def pdb_doc(self, d, indent):
        lines = f"""\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {d['name']}
  namespace: {d['ns']}
  uid: {uid(0xdb, d['index'])}
spec:
  maxUnavailable: {yaml_scalar(self.cfg['pdb_max_unavailable'])}
  selector:
    matchLabels: {{app: {d['name']}}}"""
        return indent_lines(lines, indent)

    def status_text(self, ind, container, image, node_ip, pod_ip, n):
        return f"""\
{ind}conditions:
{ind}- {{lastTransitionTime: "{T0}", status: "True", type: PodReadyToStartContainers}}
{ind}- {{lastTransitionTime: "{T0}", status: "True", type: Initialized}}
{ind}- {{lastTransitionTime: "{T0}", status: "True", type: Ready}}
{ind}- {{lastTransitionTime: "{T0}", status: "True", type: ContainersReady}}
{ind}- {{lastTransitionTime: "{T0}", status: "True", type: PodScheduled}}
{ind}containerStatuses:
{ind}- containerID: containerd://{n:064x}
{ind}  image: {image}
{ind}  lastState: {{}}
{ind}  name: {container}
{ind}  ready: true
{ind}  restartCount: 0
{ind}  started: true
{ind}  state:
{ind}    running: {{startedAt: "{T0}"}}
{ind}hostIP: {node_ip}
{ind}phase: Running
{ind}podIP: {pod_ip}
{ind}qosClass: Burstable
{ind}startTime: "{T0}\""""

    # --- nodes and placement ---------------------------------------------------------------

    def node_name(self, pool, i):
        return f"{pool['name']}-{i}"

    def node_ip(self, p_i, i):
        return f"10.{p_i}.{i // 256 % 256}.{i % 256}"

    def pod_ip(self, n):
        return f"100.{64 + n // 65536 % 64}.{n // 256 % 256}.{n % 256}"

    def dump_pods(self):
        """Yields the text of every pod of the dump, as List items (two-space indent)."""
        n = 0
        offsets = [0] * len(self.pools)
        for d in self.deployments:
            pool, p_i = d["pool"], d["pool_index"]
            rs = f"{d['name']}-{d['hash']}"
            image = f"registry.example.com/{d['name']}:1.{d['index'] % 7}.{d['index'] % 3}"
            for r in range(d["replicas"]):
                i = (offsets[p_i] + r) % pool["count"] + 1
                node = self.node_name(pool, i)
                n += 1
                yield f"""\
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "{T0}"
    labels:
      app: {d['name']}
      pod-template-hash: {d['hash']}
    name: {rs}-{suffix(r)}
    namespace: {d['ns']}
    ownerReferences:
    - apiVersion: apps/v1
      blockOwnerDeletion: true
      controller: true
      kind: ReplicaSet
      name: {rs}
      uid: {uid(0x5e, d['index'])}
    uid: {uid(0x90, n)}
  spec:
{self.pod_spec_text(d, '    ', node)}
  status:
{self.status_text('    ', 'app', image, self.node_ip(p_i, i), self.pod_ip(n), n)}
"""
            offsets[p_i] = (offsets[p_i] + d["replicas"]) % pool["count"]
        for ds in self.daemonsets:
            image = f"registry.example.com/{ds['name']}:2.1.0"
            for p_i, pool in enumerate(self.pools):
                for i in range(1, pool["count"] + 1):
                    node = self.node_name(pool, i)
                    n += 1
                    yield f"""\
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "{T0}"
    labels:
      app: {ds['name']}
      controller-revision-hash: 7c9d8f6b5
      pod-template-generation: "1"
    name: {ds['name']}-{suffix(n)}
    namespace: {ds['ns']}
    ownerReferences:
    - apiVersion: apps/v1
      blockOwnerDeletion: true
      controller: true
      kind: DaemonSet
      name: {ds['name']}
      uid: {uid(0xda, ds['index'])}
    uid: {uid(0x90, n)}
  spec:
{self.ds_spec_text(ds, '    ', node)}
  status:
{self.status_text('    ', 'agent', image, self.node_ip(p_i, i), self.node_ip(p_i, i), n)}
"""

    # --- files -----------------------------------------------------------------------------

    def write(self):
        cfg = self.cfg
        out = cfg["out"]
        name = cfg["name"]
        mdir = os.path.join(out, name)
        os.makedirs(mdir, exist_ok=True)
        includes = []
        dump = cfg["source"] == "dump"

        # Workloads: Deployments, PDBs, DaemonSets (a List as kubectl prints it for a dump,
        # plain documents otherwise).
        path = os.path.join(mdir, "workloads.yaml")
        with open(path, "w") as f:
            if dump:
                f.write("# kubectl get deploy,rs,ds,pdb -A -o yaml (generated by scripts/gen-fleet.py)\n")
                f.write("apiVersion: v1\nkind: List\nitems:\n")
                docs = [self.deployment_doc(d, "  ") for d in self.deployments]
                docs += [self.replicaset_doc(d, "  ") for d in self.deployments]
                docs += [self.daemonset_doc(ds, "  ") for ds in self.daemonsets]
                docs += [self.pdb_doc(d, "  ") for d in self.deployments if d["pdb"]]
                for doc in docs:
                    f.write("-" + doc[1:] + "\n")
            else:
                f.write("# generated by scripts/gen-fleet.py\n")
                for d in self.deployments:
                    f.write("---\n" + self.deployment_doc(d, "") + "\n")
                    if d["pdb"]:
                        f.write("---\n" + self.pdb_doc(d, "") + "\n")
                for ds in self.daemonsets:
                    f.write("---\n" + self.daemonset_doc(ds, "") + "\n")
        includes.append(f"{name}/workloads.yaml")

        if dump:
            per = cfg["pods_per_file"]
            f = None
            count = 0
            file_no = 0
            for text in self.dump_pods():
                if count % per == 0:
                    if f:
                        f.close()
                    file_no += 1
                    rel = f"{name}/pods-{file_no:04d}.yaml"
                    includes.append(rel)
                    f = open(os.path.join(out, rel), "w")
                    f.write("# kubectl get pods -A -o yaml (generated by scripts/gen-fleet.py)\n")
                    f.write("apiVersion: v1\nkind: List\nitems:\n")
                f.write(text)
                count += 1
            if f:
                f.close()

        scenario = os.path.join(out, f"{name}.yaml")
        with open(scenario, "w") as f:
            f.write(self.scenario_text(includes))
        return scenario

    def scenario_text(self, includes):
        cfg = self.cfg
        ppn = cfg["pods_per_node"]
        total = sum(d["replicas"] for d in self.deployments) + cfg["nodes"] * len(self.daemonsets)
        args = " ".join(sys.argv[1:])
        s = f"""\
# {cfg['name']} — generated by scripts/gen-fleet.py {args}
# {cfg['nodes']} nodes in {len(self.pools)} pools over {len(self.zones)} zones,
# {total} pods ({len(self.deployments)} Deployments with zone spread and readiness probes,
# {cfg['pdbs']} PDBs, {len(self.daemonsets)} DaemonSet(s)); pods from {cfg['source']}; timeline {cfg['timeline']}.
name: {cfg['name']}
seed: {cfg['seed']}
duration: {cfg['duration']}
cluster:
  region: region-1
  nodePools:
"""
        for pool in self.pools:
            s += (f"    - {{name: {pool['name']}, count: {pool['count']}, "
                  f"zones: [{', '.join(self.zones)}], "
                  f"allocatable: {{cpu: \"{pool['cpu']}\", memory: {pool['mem']}Gi, "
                  f"pods: {self.max_pods}}}}}\n")
        s += """\
behaviour:
  default:
    imagePull: {uniform: {min: 1s, max: 5s}}
    containerStart: 1s
    ready: {uniform: {min: 5s, max: 30s}}
    shutdown: {uniform: {min: 1s, max: 20s}}
workloads:
"""
        for inc in includes:
            s += f"  - include: {inc}\n"
        t = cfg["timeline"]
        if t == "upgrade":
            s += "actions:\n"
            for pool in self.pools:
                s += f"""\
  - at: {cfg['upgrade_at']}
    upgrade-pool:
      pool: {pool['name']}
      maxSurge: {yaml_scalar(cfg['max_surge'])}
      maxUnavailable: 0
      provisioning: {{uniform: {{min: 1m, max: 3m}}}}
      drainTimeout: {{force-after: 1h}}
"""
        elif t == "outage":
            s += f"""\
actions:
  - at: {cfg['outage_at']}
    zone-outage: {{zone: {self.zones[0]}}}
"""
        return s


def yaml_scalar(v):
    v = str(v)
    return f'"{v}"' if v.endswith("%") else v


def indent_lines(text, indent):
    if not indent:
        return text
    return "\n".join(indent + line if line else line for line in text.split("\n"))


def main():
    cfg = parse_args(sys.argv[1:])
    path = Fleet(cfg).write()
    print(path)


if __name__ == "__main__":
    main()
