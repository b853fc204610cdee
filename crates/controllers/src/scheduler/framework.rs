//! The scheduling framework's vocabulary: statuses with upstream's codes, the per-cycle state
//! computed once per pod, and normalisation helpers.
//!
//! Source: `staging/src/k8s.io/kube-scheduler/framework/interface.go`,
//! `pkg/scheduler/framework/plugins/helper/normalize_score.go`.

use kubesim_model::{Cluster, NodeId, Pod, Resources};

/// Highest score a plugin may give a node (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// Result code of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Code {
    /// The node fits.
    Success,
    /// The node does not fit, but preemption might help.
    Unschedulable,
    /// The node does not fit, and preemption cannot help.
    UnschedulableAndUnresolvable,
}

/// A filter's verdict on one node: a code and, on failure, upstream's reason strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The code.
    pub code: Code,
    /// Reasons, verbatim from upstream (`Insufficient cpu`, `node(s) were unschedulable`, ...).
    pub reasons: Vec<String>,
}

impl Status {
    /// Success.
    pub const fn success() -> Self {
        Self { code: Code::Success, reasons: Vec::new() }
    }

    /// A failure with one reason.
    pub fn fail(code: Code, reason: impl Into<String>) -> Self {
        Self { code, reasons: vec![reason.into()] }
    }

    /// Whether the node passed.
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }
}

/// What a scheduling cycle computes once per pod (upstream: `CycleState` and the PreFilter
/// results of each plugin).
pub struct CycleState<'a> {
    /// The pod being scheduled.
    pub pod: &'a Pod,
    /// Its effective requests (Filter uses these: 0 when unset).
    pub requests: Resources,
    /// Its requests with upstream's non-zero defaults (100m CPU, 200Mi memory per container
    /// without requests), used by scoring (`GetNonzeroRequests`).
    pub nonzero_requests: Resources,
}

/// `DefaultMilliCPURequest`
pub const DEFAULT_MILLI_CPU_REQUEST: u64 = 100;
/// `DefaultMemoryRequest` (200 MiB)
pub const DEFAULT_MEMORY_REQUEST: u64 = 200 * 1024 * 1024;

impl<'a> CycleState<'a> {
    /// Computes the state for a pod.
    pub fn new(pod: &'a Pod) -> Self {
        let requests = pod.spec.requests();
        let nonzero = |c: &kubesim_model::Container| Resources {
            cpu_milli: if c.requests.cpu_milli == 0 {
                DEFAULT_MILLI_CPU_REQUEST
            } else {
                c.requests.cpu_milli
            },
            memory: if c.requests.memory == 0 { DEFAULT_MEMORY_REQUEST } else { c.requests.memory },
            ..Resources::default()
        };
        let mut sum = Resources::default();
        for c in &pod.spec.containers {
            sum += nonzero(c);
        }
        let init =
            pod.spec.init_containers.iter().fold(Resources::default(), |a, c| a.max(nonzero(c)));
        Self { pod, requests, nonzero_requests: sum.max(init) }
    }
}

/// The sum of non-zero requests of the pods on a node (scoring's view of "requested").
pub fn nonzero_requested_on_node(cluster: &Cluster, node: NodeId) -> Resources {
    let mut r = Resources::default();
    for &p in cluster.pods_on_node(node) {
        let pod = &cluster.pods[p.index()];
        if !pod.status.phase.is_terminal() {
            r += CycleState::new(pod).nonzero_requests;
        }
    }
    r
}

/// `helper.DefaultNormalizeScore`: scale scores to `0..=MAX_NODE_SCORE` by the maximum, and
/// reverse them if asked (`MAX - score`). With a maximum of 0 all become 0 (or MAX if reversed).
pub fn default_normalize_score(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = MAX_NODE_SCORE * *s / max;
        if reverse {
            v = MAX_NODE_SCORE - v;
        }
        *s = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize() {
        let mut s = vec![0, 2, 4];
        default_normalize_score(&mut s, false);
        assert_eq!(s, vec![0, 50, 100]);
        let mut s = vec![0, 1, 4];
        default_normalize_score(&mut s, true);
        // 100*1/4 = 25 -> 75; 100*4/4 -> 0.
        assert_eq!(s, vec![100, 75, 0]);
        let mut s = vec![0, 0];
        default_normalize_score(&mut s, true);
        assert_eq!(s, vec![100, 100]);
    }
}
