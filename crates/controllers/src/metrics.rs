//! Metrics over time, taken at the end of every instant at which something happened (a row is
//! kept only when a value changed), so the cost follows events, not a sampling clock.

use crate::world::World;
use kubesim_model::trace::{
    COL_CONTAINER_RESTARTS, COL_NODES_CORDONED, COL_NODES_NOT_READY, COL_NODES_READY,
    COL_PODS_FAILED, COL_PODS_PENDING, COL_PODS_RUNNING, COL_PODS_SUCCEEDED, COL_PODS_TERMINATING,
    WORKLOAD_FIELDS, workload_column, workload_ref,
};
use kubesim_model::{PodPhase, WorkloadId};

/// Takes the metrics rows.
pub struct MetricsRecorder {
    workloads: Vec<WorkloadId>,
    nodes: [i64; 3],
}

impl MetricsRecorder {
    /// Sets up the columns: pending pods, nodes by state, desired/ready/available/restarts per
    /// top-level workload, then pods by phase, terminating pods and container restarts.
    pub fn new(w: &mut World) -> Self {
        let workloads: Vec<WorkloadId> = w.cluster.top_level_workloads().collect();
        let mut columns: Vec<String> =
            [COL_PODS_PENDING, COL_NODES_READY, COL_NODES_NOT_READY, COL_NODES_CORDONED]
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
        w.trace.metrics.columns = columns;
        Self { workloads, nodes: [0; 3] }
    }

    /// Records the values at the current instant.
    pub fn record(&mut self, w: &mut World) {
        if std::mem::take(&mut w.nodes_dirty) {
            let mut n = [0i64; 3];
            for id in w.cluster.live_nodes() {
                let node = &w.cluster.nodes[id.index()];
                if node.is_ready() {
                    n[0] += 1;
                } else {
                    n[1] += 1;
                }
                if node.unschedulable {
                    n[2] += 1;
                }
            }
            self.nodes = n;
        }
        let mut values = Vec::with_capacity(9 + 4 * self.workloads.len());
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
        w.trace.metrics.record(w.now, values);
    }
}
