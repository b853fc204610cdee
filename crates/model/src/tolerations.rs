//! Tolerations that Kubernetes itself adds to pods, shared by the scenario reader (pods that
//! exist at t = 0) and the controllers (pods created during the run).

use crate::node::{TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TaintEffect};
use crate::params::Params;
use crate::pod::{PodSpec, Toleration, TolerationOperator};

/// `node.kubernetes.io/memory-pressure`
pub const TAINT_MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
/// `node.kubernetes.io/disk-pressure`
pub const TAINT_DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
/// `node.kubernetes.io/pid-pressure`
pub const TAINT_PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
/// `node.kubernetes.io/network-unavailable`
pub const TAINT_NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

fn exists(key: &str, effect: TaintEffect, seconds: Option<i64>) -> Toleration {
    Toleration {
        key: key.to_string(),
        operator: TolerationOperator::Exists,
        value: String::new(),
        effect: Some(effect),
        toleration_seconds: seconds,
    }
}

/// The tolerations the `DefaultTolerationSeconds` admission plugin would add to `spec`
/// (`plugin/pkg/admission/defaulttolerationseconds`): `not-ready` and `unreachable`
/// NoExecute for `--default-*-toleration-seconds`, each unless a toleration with that key
/// (or an empty key) and effect NoExecute (or empty) exists. Empty when it has both.
pub fn missing_default_tolerations(spec: &PodSpec, params: &Params) -> Vec<Toleration> {
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
            add.push(exists(key, TaintEffect::NoExecute, Some(seconds)));
        }
    }
    add
}

/// `AddOrUpdateDaemonPodTolerations` (`pkg/controller/daemon/util`): the tolerations the
/// DaemonSet controller puts on its pods, replacing any toleration with the same key and
/// effect: `not-ready` and `unreachable` NoExecute forever, the pressure and `unschedulable`
/// NoSchedule ones, and `network-unavailable` for host-network pods.
pub fn add_daemonset_tolerations(spec: &mut PodSpec, host_network: bool) {
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
        let t = exists(key, effect, None);
        match spec.tolerations.iter_mut().find(|x| x.key == key && x.effect == Some(effect)) {
            Some(existing) => *existing = t,
            None => spec.tolerations.push(t),
        }
    }
}
