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
use kubesim_model::PodSpec;
use std::sync::Arc;

pub use kubesim_model::tolerations::{
    TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_PID_PRESSURE,
    add_daemonset_tolerations as daemonset_tolerations, missing_default_tolerations,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::SpecBuilder;
    use kubesim_model::{
        Cluster, Params, TAINT_NOT_READY, TAINT_UNREACHABLE, Taint, TaintEffect, Toleration,
        TolerationOperator,
    };

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
