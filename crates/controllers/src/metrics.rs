//! Metrics over time, taken at the end of every instant at which something happened (a row is
//! kept only when a value changed), so the cost follows events, not a sampling clock.

use crate::world::World;
use kubesim_model::trace::{
    COL_CONTAINER_RESTARTS, COL_NODES_CORDONED, COL_NODES_NOEXECUTE, COL_NODES_NOT_READY,
    COL_NODES_READY, COL_NODES_READY_CORDONED, COL_NODES_UNKNOWN, COL_PODS_FAILED,
    COL_PODS_PENDING, COL_PODS_RUNNING, COL_PODS_SUCCEEDED, COL_PODS_TERMINATING, PDB_FIELDS,
    WORKLOAD_FIELDS, ZONE_FIELDS, pdb_ref, workload_column, workload_ref, zone_column, zone_ref,
};
use kubesim_model::{
    CondStatus, NodeId, PdbId, PodPhase, TAINT_NOT_READY, TAINT_UNREACHABLE, TaintEffect,
    WorkloadId,
};

/// Node counts kept per instant: ready, not ready, cordoned, unknown, NoExecute-tainted,
/// ready and cordoned.
const NODE_COLUMNS: usize = 6;
/// Cluster-wide pod columns: running, succeeded, failed, terminating, container restarts.
const POD_COLUMNS: usize = 5;

/// Takes the metrics rows.
pub struct MetricsRecorder {
    workloads: Vec<WorkloadId>,
    pdbs: Vec<PdbId>,
    zones: usize,
    /// Node pools whose live node count is a column (every pool, when any autoscales).
    pools: Vec<String>,
    nodes: [i64; NODE_COLUMNS],
    /// Per node: the node columns it counts in (bit i for column i), as last counted.
    node_bits: Vec<u8>,
    /// Every node has been counted once (later instants recount only the touched ones).
    nodes_counted: bool,
}

/// The node columns a node counts in, as bits (see [`NODE_COLUMNS`]): 0 for a deleted node.
fn node_bits(node: &kubesim_model::Node) -> u8 {
    if node.removed.is_some() {
        return 0;
    }
    let ready = node.is_ready();
    let noexecute = node.taints.iter().any(|t| {
        t.effect == TaintEffect::NoExecute
            && (t.key == TAINT_UNREACHABLE || t.key == TAINT_NOT_READY)
    });
    let bits = [
        ready,
        !ready,
        node.unschedulable,
        node.ready.status == CondStatus::Unknown,
        noexecute,
        node.unschedulable && ready,
    ];
    bits.iter().enumerate().fold(0, |acc, (i, &b)| acc | (u8::from(b) << i))
}

impl MetricsRecorder {
    /// Sets up the columns: pending pods, nodes by state, then desired/ready/available/restarts
    /// per top-level workload, then pods by phase, terminating pods and container restarts,
    /// then expected/desired/healthy/allowed per PDB (by namespace/name), then the state and
    /// not-Ready count of each zone of the node lifecycle controller (`zones`, by name).
    pub fn new(w: &mut World, zones: Vec<String>) -> Self {
        let workloads: Vec<WorkloadId> = w.cluster.top_level_workloads().collect();
        let mut columns: Vec<String> = [
            COL_PODS_PENDING,
            COL_NODES_READY,
            COL_NODES_NOT_READY,
            COL_NODES_CORDONED,
            COL_NODES_UNKNOWN,
            COL_NODES_NOEXECUTE,
            COL_NODES_READY_CORDONED,
        ]
        .map(String::from)
        .to_vec();
        for &id in &workloads {
            let wl = &w.cluster.workloads[id.index()];
            let r = workload_ref(wl.kind, &wl.meta.namespace, &wl.meta.name);
            for f in WORKLOAD_FIELDS {
                columns.push(workload_column(&r, f));
            }
        }
        columns.extend(
            [
                COL_PODS_RUNNING,
                COL_PODS_SUCCEEDED,
                COL_PODS_FAILED,
                COL_PODS_TERMINATING,
                COL_CONTAINER_RESTARTS,
            ]
            .map(String::from),
        );
        let pdbs: Vec<PdbId> = w.pdbs_in_order().to_vec();
        for &id in &pdbs {
            let m = &w.cluster.pdbs[id.index()].meta;
            let r = pdb_ref(&m.namespace, &m.name);
            for f in PDB_FIELDS {
                columns.push(format!("{r}:{f}"));
            }
        }
        for z in &zones {
            let r = zone_ref(z);
            for f in ZONE_FIELDS {
                columns.push(zone_column(&r, f));
            }
        }
        // Nodes per pool only with autoscaling pools, so other scenarios' columns stay as
        // they were.
        let pools: Vec<String> = if w.params.cluster_autoscaler.node_groups.is_empty() {
            Vec::new()
        } else {
            w.cluster.pools.iter().map(|p| p.name.clone()).collect()
        };
        columns.extend(pools.iter().map(|p| kubesim_model::trace::pool_column(p)));
        w.trace.metrics = kubesim_model::Metrics::new(columns);
        Self {
            workloads,
            pdbs,
            zones: zones.len(),
            pools,
            nodes: [0; NODE_COLUMNS],
            node_bits: Vec::new(),
            nodes_counted: false,
        }
    }

    /// Records the values at the current instant; `zones` holds each zone's state code and
    /// not-Ready count.
    pub fn record(&mut self, w: &mut World, zones: &[[i64; 2]]) {
        if std::mem::take(&mut w.nodes_dirty) {
            // Each touched node's columns move from what it counted in to what it counts in
            // now: O(changed nodes), not O(nodes), per instant (issue 11).
            let touched = std::mem::take(&mut w.nodes_touched);
            let all: Vec<NodeId>;
            let recount: &[NodeId] = if self.nodes_counted {
                &touched
            } else {
                all = (0..w.cluster.nodes.len()).map(|i| NodeId(i as u32)).collect();
                &all
            };
            self.nodes_counted = true;
            self.node_bits.resize(w.cluster.nodes.len(), 0);
            for &id in recount {
                let new = node_bits(&w.cluster.nodes[id.index()]);
                let old = std::mem::replace(&mut self.node_bits[id.index()], new);
                for (i, n) in self.nodes.iter_mut().enumerate() {
                    *n += i64::from(new >> i & 1) - i64::from(old >> i & 1);
                }
            }
            #[cfg(any(debug_assertions, feature = "consistency-checks"))]
            {
                let mut full = [0i64; NODE_COLUMNS];
                for id in w.cluster.live_nodes() {
                    let b = node_bits(&w.cluster.nodes[id.index()]);
                    for (i, n) in full.iter_mut().enumerate() {
                        *n += i64::from(b >> i & 1);
                    }
                }
                assert_eq!(full, self.nodes, "node metrics kept against a recount");
            }
        }
        let mut values = Vec::with_capacity(
            1 + NODE_COLUMNS
                + WORKLOAD_FIELDS.len() * self.workloads.len()
                + POD_COLUMNS
                + PDB_FIELDS.len() * self.pdbs.len()
                + 2 * self.zones,
        );
        values.push(w.cluster.pending_pods() as i64);
        values.extend_from_slice(&self.nodes);
        for &id in &self.workloads {
            let wl = &w.cluster.workloads[id.index()];
            values.push(i64::from(wl.replicas));
            values.push(i64::from(wl.status.ready_replicas));
            values.push(i64::from(wl.status.available_replicas));
            values.push(w.workload_restarts.get(id.index()).copied().unwrap_or(0) as i64);
        }
        let c = &w.cluster;
        values.push(c.pods_in_phase(PodPhase::Running) as i64);
        values.push(c.pods_in_phase(PodPhase::Succeeded) as i64);
        values.push(c.pods_in_phase(PodPhase::Failed) as i64);
        values.push(c.terminating_pods() as i64);
        values.push(w.container_restarts as i64);
        for &id in &self.pdbs {
            let st = &w.cluster.pdbs[id.index()].status;
            values.push(i64::from(st.expected_pods));
            values.push(i64::from(st.desired_healthy));
            values.push(i64::from(st.current_healthy));
            values.push(i64::from(st.disruptions_allowed));
        }
        for z in zones.iter().take(self.zones) {
            values.extend_from_slice(z);
        }
        for p in &self.pools {
            values.push(i64::from(w.cluster.live_nodes_in_pool(p)));
        }
        w.trace.metrics.record(w.now, &values);
    }
}
