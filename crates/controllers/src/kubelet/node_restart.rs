//! The kubelet's side of node faults: the two hooks the node-health components call
//! ([`crate::faults`]).
//!
//! Everything else about a kubelet that is stopped or cut off happens outside the kubelet:
//! its pending work (pod syncs, timed steps, probe re-plans) is held back and replayed, in
//! order, when it runs again (`node_heartbeat::KubeletGate`); while the machine is off that work
//! is dropped, and these hooks rebuild the kubelet's state.
//!
//! - [`Kubelet::node_crashed`]: the machine lost power (or is gone). Every container stops,
//!   the node's pod workers get new epochs (their pending timers are stale) and the image
//!   puller loses its queue (images already pulled stay on the node's disk).
//! - [`Kubelet::node_booted`]: the machine booted and the kubelet started; it lists the pods
//!   bound to its node (`HandlePodAdditions` after a restart). Pods deleted meanwhile have no
//!   container left: they end Failed, their containers that ran shown as
//!   `ContainerStatusUnknown` (exit 137), and the kubelet removes them. The others get a new
//!   sandbox (`SandboxChanged`, "Pod sandbox changed, it will be killed and re-created."):
//!   init containers run again, then the containers `restartPolicy` restarts (each counts a
//!   restart), with no back-off (the kubelet's back-offs were in memory); under
//!   `restartPolicy: Never` a pod whose containers had been created is done instead. Pods
//!   bound while the machine was down are admitted now.
//!
//! Simplified: the kubelet starts at once and finds every container gone (as with a runtime
//! whose state did not survive the reboot; upstream `convertToAPIContainerStatuses` then
//! reports the running ones as `ContainerStatusUnknown`); kubesim keeps each pod's worker
//! across the crash instead of rebuilding it from the status the kubelet wrote, which holds
//! the same restart counts and last states.

use super::images::OnNode;
use super::pod_worker::{self, Ctx, PodWorker};
use super::{Kubelet, NodeKubelet};
use crate::world::World;
use kubesim_model::{NodeId, PodId};

impl Kubelet {
    /// The machine lost power (or is gone): every container is gone, and with it every timer
    /// of the kubelet's work on the node's pods and image pulls.
    pub fn node_crashed(&mut self, w: &mut World, node: NodeId) {
        let now = w.now;
        let pods: Vec<PodId> = self.node(node).pods().collect();
        for p in pods {
            let epoch = self.epoch();
            if let Some(wk) = self.node(node).pods.get_mut(&p) {
                wk.epoch = epoch;
            }
        }
        let NodeKubelet { images, .. } = self.node(node);
        images.machine_off(now, &mut OnNode(&mut w.cluster, node));
    }

    /// The machine booted and the kubelet started (see the module docs).
    pub fn node_booted(&mut self, w: &mut World, node: NodeId) {
        let now = w.now;
        // Pods removed from the API meanwhile: nothing of them is left.
        let known: Vec<PodId> = self.node(node).pods().collect();
        for p in known {
            if w.cluster.pods[p.index()].removed.is_some() {
                self.node(node).forget_pod(p);
            }
        }
        let pods: Vec<PodId> = w.cluster.pods_on_node(node).iter().copied().collect();
        for pod in pods {
            let p = &w.cluster.pods[pod.index()];
            if p.removed.is_some() || p.status.phase.is_terminal() {
                continue;
            }
            let deleting = p.meta.deletion.is_some();
            match self.node(node).pods.get(&pod) {
                Some(wk) if wk.done => continue,
                Some(_) => {}
                None if deleting => {
                    let wk = PodWorker::new(p, self.next_epoch, now);
                    self.node(node).pods.insert(pod, wk);
                }
                None => {
                    self.admit(w, pod, node);
                    continue;
                }
            }
            let epoch = self.epoch();
            let NodeKubelet { rng, images, pods, .. } = self.node(node);
            let wk = pods.get_mut(&pod).expect("a worker");
            pod_worker::lose_runtime(wk, epoch, now);
            let mut cx = Ctx { w, rng, images, pod, node };
            if deleting {
                pod_worker::finish_deleted(&mut cx, wk);
                pods.remove(&pod);
            } else {
                pod_worker::sandbox_changed(&mut cx, wk);
            }
        }
    }
}
