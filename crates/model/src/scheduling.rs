//! The pod fields only kube-scheduler reads, and PriorityClasses: inter-pod affinity terms,
//! host ports, `preemptionPolicy`.
//!
//! Source: `k8s.io/api/core/v1` (`PodAffinityTerm`, `WeightedPodAffinityTerm`, `ContainerPort`,
//! `PreemptionPolicy`) and `k8s.io/api/scheduling/v1` (`PriorityClass`).

use crate::labels::{LabelSelector, Labels};
use crate::meta::Meta;

/// `preemptionPolicy` of a pod or PriorityClass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PreemptionPolicy {
    /// The pod may preempt lower-priority pods (the default).
    #[default]
    PreemptLowerPriority,
    /// The pod never preempts; it waits in the queue.
    Never,
}

impl PreemptionPolicy {
    /// The policy as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreemptLowerPriority => "PreemptLowerPriority",
            Self::Never => "Never",
        }
    }
}

/// `PodAffinityTerm`: the pods selected by `label_selector` in `namespaces` (or in the
/// namespaces `namespace_selector` selects), co-located in the domain of `topology_key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinityTerm {
    /// `labelSelector` (None selects no pod).
    pub label_selector: Option<LabelSelector>,
    /// `namespaces` (with `namespace_selector` None and this empty: the pod's own namespace).
    pub namespaces: Vec<String>,
    /// `namespaceSelector` (an empty selector selects every namespace).
    pub namespace_selector: Option<LabelSelector>,
    /// `topologyKey` (required, non-empty).
    pub topology_key: String,
    /// `matchLabelKeys`: `key in (pod's value)` is ANDed into the selector.
    pub match_label_keys: Vec<String>,
    /// `mismatchLabelKeys`: `key notin (pod's value)` is ANDed into the selector.
    pub mismatch_label_keys: Vec<String>,
}

/// `WeightedPodAffinityTerm` (preferred terms).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeightedPodAffinityTerm {
    /// `weight`, 1–100.
    pub weight: i32,
    /// `podAffinityTerm`
    pub term: PodAffinityTerm,
}

/// `spec.affinity.podAffinity` or `spec.affinity.podAntiAffinity`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PodAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`
    pub required: Vec<PodAffinityTerm>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`
    pub preferred: Vec<WeightedPodAffinityTerm>,
}

impl PodAffinity {
    /// Whether there is no term at all.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty()
    }
}

/// A container port with a `hostPort` (only those matter to the scheduler's NodePorts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// `hostPort`
    pub port: i32,
    /// `protocol` (default `TCP`).
    pub protocol: String,
    /// `hostIP` (empty means `0.0.0.0`, every address).
    pub host_ip: String,
}

impl HostPort {
    /// Whether two host ports collide (`HostPortInfo.CheckConflict`): same protocol and port,
    /// and the same address or either of them on every address (`0.0.0.0`).
    pub fn conflicts(&self, other: &HostPort) -> bool {
        let any = |ip: &str| ip.is_empty() || ip == "0.0.0.0";
        self.port == other.port
            && self.protocol == other.protocol
            && (any(&self.host_ip) || any(&other.host_ip) || self.host_ip == other.host_ip)
    }
}

/// A PriorityClass (`scheduling.k8s.io/v1`).
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityClass {
    /// Metadata (cluster-scoped).
    pub meta: Meta,
    /// `value`
    pub value: i32,
    /// `globalDefault`
    pub global_default: bool,
    /// `preemptionPolicy` (default PreemptLowerPriority).
    pub preemption_policy: PreemptionPolicy,
    /// `description`
    pub description: String,
}

/// The labels every namespace carries (`kubernetes.io/metadata.name: <name>`, set by the API
/// server). kubesim has no Namespace objects, so a `namespaceSelector` is matched against these.
pub fn namespace_labels(namespace: &str) -> Labels {
    [("kubernetes.io/metadata.name".to_string(), namespace.to_string())].into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_conflicts() {
        let p = |port, ip: &str| HostPort { port, protocol: "TCP".into(), host_ip: ip.into() };
        assert!(p(80, "").conflicts(&p(80, "10.0.0.1")));
        assert!(p(80, "10.0.0.1").conflicts(&p(80, "10.0.0.1")));
        assert!(!p(80, "10.0.0.1").conflicts(&p(80, "10.0.0.2")));
        assert!(!p(80, "").conflicts(&p(81, "")));
        let udp = HostPort { port: 80, protocol: "UDP".into(), host_ip: String::new() };
        assert!(!p(80, "").conflicts(&udp));
    }
}
