//! TaintToleration: filter rejects a node with an untolerated NoSchedule or NoExecute taint;
//! score counts untolerated PreferNoSchedule taints (fewer is better).
//! Source: `pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go`.

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status, default_normalize_score};
use kubesim_model::{NodeId, PodSpec, Taint, TaintEffect};

/// The first NoSchedule/NoExecute taint the pod does not tolerate
/// (`FindMatchingUntoleratedTaint` with `DoNotScheduleTaintsFilterFunc`).
pub fn untolerated_taint<'t>(spec: &PodSpec, taints: &'t [Taint]) -> Option<&'t Taint> {
    taints.iter().find(|t| t.effect != TaintEffect::PreferNoSchedule && !spec.tolerates(t))
}

/// Filter: `node(s) had untolerated taint {key: value}`.
#[inline(always)]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    if !ctx.cache.node_info(node).hard_taints {
        return Ok(());
    }
    let n = &ctx.cluster.nodes[node.index()];
    match untolerated_taint(&ctx.state.pod.spec, &n.taints) {
        None => Ok(()),
        Some(t) => Err(Status::fail(Code::UnschedulableAndUnresolvable, untolerated_reason(t))),
    }
}

/// `node(s) had untolerated taint {key: value}`; a constant for the taints the node
/// controllers put on many nodes at once (a zone outage taints thousands), formatted for others.
fn untolerated_reason(t: &Taint) -> std::borrow::Cow<'static, str> {
    use kubesim_model::{TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE};
    if t.value.is_empty() {
        let known = match t.key.as_str() {
            TAINT_UNREACHABLE => {
                Some("node(s) had untolerated taint {node.kubernetes.io/unreachable: }")
            }
            TAINT_NOT_READY => {
                Some("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")
            }
            TAINT_UNSCHEDULABLE => {
                Some("node(s) had untolerated taint {node.kubernetes.io/unschedulable: }")
            }
            _ => None,
        };
        if let Some(r) = known {
            return r.into();
        }
    }
    format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value).into()
}

/// Raw score: the number of PreferNoSchedule taints the pod does not tolerate (upstream only
/// considers tolerations with effect PreferNoSchedule or empty).
#[inline]
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    if !ctx.cache.node_info(node).prefer_taints {
        return 0;
    }
    let n = &ctx.cluster.nodes[node.index()];
    n.taints
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| {
            !ctx.state
                .pod
                .spec
                .tolerations
                .iter()
                .filter(|tol| tol.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
                .any(|tol| tol.tolerates(t))
        })
        .count() as i64
}

/// Normalisation: reversed (`helper.DefaultNormalizeScore(MaxNodeScore, true, ...)`).
pub fn normalize(scores: &mut [i64]) {
    default_normalize_score(scores, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::{TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE};

    #[test]
    fn constant_reasons_read_like_the_formatted_ones() {
        let taint = |key: &str, value: &str| Taint {
            key: key.into(),
            value: value.into(),
            effect: TaintEffect::NoExecute,
            time_added: None,
        };
        for key in [TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE, "dedicated"] {
            for value in ["", "gpu"] {
                let t = taint(key, value);
                let r = untolerated_reason(&t);
                assert_eq!(r, format!("node(s) had untolerated taint {{{key}: {value}}}"));
                // The node controllers' taints (no value) need no allocation.
                let constant = matches!(r, std::borrow::Cow::Borrowed(_));
                assert_eq!(constant, value.is_empty() && key != "dedicated", "{key}={value}");
            }
        }
    }
}
