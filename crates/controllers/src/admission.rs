//! Admission that shapes pods' tolerations for node failures.
//!
//! - [`default_toleration_seconds`]: the kube-apiserver's `DefaultTolerationSeconds` admission
//!   plugin (`plugin/pkg/admission/defaulttolerationseconds/admission.go`), enabled by
//!   default. On pod create it adds `node.kubernetes.io/not-ready:NoExecute` and
//!   `node.kubernetes.io/unreachable:NoExecute` tolerations with `tolerationSeconds` =
//!   `--default-not-ready-toleration-seconds` / `--default-unreachable-toleration-seconds`
//!   (300 s each) to a pod that has no toleration for that key (or an empty key) with effect
//!   NoExecute (or empty). Existing tolerations are never changed. The scenario loader applies
//!   the same rule to the pods a scenario starts with; [`crate::api::create_pod`] applies it to
//!   every pod created during the run.
//! - [`daemonset_tolerations`]: what the DaemonSet controller adds to every pod it creates
//!   (`pkg/controller/daemon/util/daemonset_util.go`, `AddOrUpdateDaemonPodTolerations`):
//!   not-ready and unreachable NoExecute *without* `tolerationSeconds` (forever), so DaemonSet
//!   pods are never evicted for a node failure, and the NoSchedule condition taints.

use crate::world::World;
use kubesim_model::{
    Params, PodSpec, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TaintEffect,
    Toleration, TolerationOperator,
};
use std::sync::Arc;

/// `node.kubernetes.io/memory-pressure`
pub const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
/// `node.kubernetes.io/disk-pressure`
pub const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
/// `node.kubernetes.io/pid-pressure`
pub const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
/// `node.kubernetes.io/network-unavailable`
pub const TAINT_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// The tolerations `DefaultTolerationSeconds` would add to `spec` (empty if it has them).
fn missing_default_tolerations(spec: &PodSpec, params: &Params) -> Vec<Toleration> {
    let mut add = Vec::new();
    for (key, seconds) in [
        (TAINT_NOT_READY, params.default_not_ready_toleration_seconds),
        (TAINT_UNREACHABLE, params.default_unreachable_toleration_seconds),
    ] {
        let tolerated = spec.tolerations.iter().any(|t| {
            (t.key == key || t.key.is_empty())
                && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
        });
        if !tolerated {
            add.push(Toleration {
                key: key.to_string(),
                operator: TolerationOperator::Exists,
                value: String::new(),
                effect: Some(TaintEffect::NoExecute),
                toleration_seconds: Some(seconds),
            });
        }
    }
    add
}

/// Applies `DefaultTolerationSeconds` to a pod being created. Pods of one template share the
/// admitted spec (cached in [`World::admitted_specs`]), so a ReplicaSet of 1,000 pods still
/// holds one spec.
pub fn default_toleration_seconds(w: &mut World, spec: &mut Arc<PodSpec>) {
    let key = Arc::as_ptr(spec) as usize;
    if let Some((_, admitted)) = w.admitted_specs.get(&key) {
        *spec = Arc::clone(admitted);
        return;
    }
    let add = missing_default_tolerations(spec, &w.params);
    let admitted = if add.is_empty() {
        Arc::clone(spec)
    } else {
        let mut s = PodSpec::clone(spec);
        s.tolerations.extend(add);
        Arc::new(s)
    };
    w.admitted_specs.insert(key, (Arc::clone(spec), Arc::clone(&admitted)));
    *spec = admitted;
}

/// `AddOrUpdateDaemonPodTolerations`: the tolerations the DaemonSet controller puts on its
/// pods (replacing any toleration with the same key and effect). `host_network` adds the
/// `network-unavailable` one.
pub fn daemonset_tolerations(spec: &mut PodSpec, host_network: bool) {
    let mut wanted: Vec<(&str, TaintEffect)> = vec![
        (TAINT_NOT_READY, TaintEffect::NoExecute),
        (TAINT_UNREACHABLE, TaintEffect::NoExecute),
        (TAINT_DISK_PRESSURE, TaintEffect::NoSchedule),
        (TAINT_MEMORY_PRESSURE, TaintEffect::NoSchedule),
        (TAINT_PID_PRESSURE, TaintEffect::NoSchedule),
        (TAINT_UNSCHEDULABLE, TaintEffect::NoSchedule),
    ];
    if host_network {
        wanted.push((TAINT_NETWORK_UNAVAILABLE, TaintEffect::NoSchedule));
    }
    for (key, effect) in wanted {
        let t = Toleration {
            key: key.to_string(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(effect),
            toleration_seconds: None,
        };
        match spec.tolerations.iter_mut().find(|x| x.key == key && x.effect == Some(effect)) {
            Some(existing) => *existing = t,
            None => spec.tolerations.push(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::SpecBuilder;
    use kubesim_model::{Cluster, Taint};

    fn unreachable_noexecute() -> Taint {
        Taint {
            key: TAINT_UNREACHABLE.into(),
            value: String::new(),
            effect: TaintEffect::NoExecute,
            time_added: None,
        }
    }

    #[test]
    fn adds_both_tolerations_once_and_shares_the_spec() {
        let mut w = World::new(Cluster::new(), Params::default());
        let template = Arc::new(SpecBuilder::new().build());
        let (mut a, mut b) = (Arc::clone(&template), Arc::clone(&template));
        default_toleration_seconds(&mut w, &mut a);
        default_toleration_seconds(&mut w, &mut b);
        // not-ready and unreachable, NoExecute, 300 s each (the flags' defaults).
        assert_eq!(a.tolerations.len(), 2);
        assert!(a.tolerations.iter().all(|t| t.toleration_seconds == Some(300)
            && t.effect == Some(TaintEffect::NoExecute)
            && t.operator == TolerationOperator::Exists));
        assert!(Arc::ptr_eq(&a, &b), "pods of one template share the admitted spec");
        assert!(a.tolerates(&unreachable_noexecute()));
    }

    #[test]
    fn keeps_existing_tolerations() {
        let mut w = World::new(Cluster::new(), Params::default());
        // A pod tolerating everything (empty key, Exists, no effect) gets nothing added.
        let all = SpecBuilder::new().toleration("", "", None).build();
        let mut s = Arc::new(all);
        default_toleration_seconds(&mut w, &mut s);
        assert_eq!(s.tolerations.len(), 1);
        // A pod with its own unreachable toleration of 30 s keeps it and only gains not-ready.
        let mut own = SpecBuilder::new().build();
        own.tolerations.push(Toleration {
            key: TAINT_UNREACHABLE.into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(30),
        });
        let mut s = Arc::new(own);
        default_toleration_seconds(&mut w, &mut s);
        assert_eq!(s.tolerations.len(), 2);
        assert_eq!(s.tolerations[0].toleration_seconds, Some(30));
        assert_eq!(s.tolerations[1].key, TAINT_NOT_READY);
    }

    #[test]
    fn daemonset_pods_tolerate_node_failure_forever() {
        let mut s = SpecBuilder::new().build();
        daemonset_tolerations(&mut s, false);
        assert_eq!(s.tolerations.len(), 6);
        let forever: Vec<_> =
            s.tolerations.iter().filter(|t| t.effect == Some(TaintEffect::NoExecute)).collect();
        assert_eq!(forever.len(), 2);
        assert!(forever.iter().all(|t| t.toleration_seconds.is_none()));
        // Applying again replaces rather than duplicates; host network adds one more.
        daemonset_tolerations(&mut s, true);
        assert_eq!(s.tolerations.len(), 7);
    }
}
