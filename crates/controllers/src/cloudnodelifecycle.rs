//! The cloud node lifecycle controller of the cloud-controller-manager
//! (`k8s.io/cloud-provider/controllers/nodelifecycle/node_lifecycle_controller.go`,
//! `MonitorNodes`): every `--node-monitor-period` (5 s) it looks at the nodes whose Ready
//! condition is not True and deletes those whose machine no longer exists in the cloud,
//! with event `DeletingNode` `"Deleting node <name> because it does not exist in the cloud
//! provider"`.
//!
//! In kubesim it matters only for machines that are gone while their Node object remains
//! (a spot termination), so it checks just those, on the `k × 5 s` grid, from the termination
//! until the node is deleted: the first check after the node lifecycle controller marked it
//! Unknown deletes it. (Upstream the two controllers' 5 s grids have unrelated phases; kubesim
//! puts them on the same grid and lets this one look strictly after the Unknown.)

use crate::api;
use crate::world::{Event, World};
use kubesim_engine::SimTime;
use kubesim_model::{EventType, NodeId};

/// Handles [`Event::CloudNodeMonitor`]: deletes the node if it is not Ready, else looks again
/// at the next period. Returns whether the node was deleted.
pub fn monitor(w: &mut World, node: NodeId) -> bool {
    let n = &w.cluster.nodes[node.index()];
    if n.removed.is_some() {
        return false;
    }
    if n.is_ready() {
        let period = w.params.node_monitor_period.as_millis().max(1);
        w.queue.schedule(w.now + w.params.node_monitor_period, Event::CloudNodeMonitor(node));
        debug_assert_eq!(w.now.0 % period, 0);
        return false;
    }
    let name = n.meta.name.clone();
    w.record_node(
        node,
        EventType::Normal,
        "DeletingNode",
        format!("Deleting node {name} because it does not exist in the cloud provider"),
    );
    api::delete_node(w, node);
    true
}

/// Starts watching a node whose machine is gone: the first check is at the next grid point
/// after now.
pub fn watch(w: &mut World, node: NodeId) {
    let period = w.params.node_monitor_period.as_millis().max(1);
    let t = SimTime((w.now.0 / period + 1) * period);
    w.queue.schedule(t, Event::CloudNodeMonitor(node));
}
