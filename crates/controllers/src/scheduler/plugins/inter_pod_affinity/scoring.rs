//! InterPodAffinity's PreScore, Score and NormalizeScore (`scoring.go`).

use super::{HARD_POD_AFFINITY_WEIGHT, term_matches};
use crate::scheduler::cache::{KeyId, MISSING, SchedulerCache, ValueId};
use crate::scheduler::framework::{Code, MAX_NODE_SCORE};
use crate::scheduler::plugins::Ctx;
use kubesim_model::{Cluster, NodeId, Pod, PodAffinityTerm, PodId};
use std::collections::BTreeMap;

/// What PreScore computes: a score per topology pair (`topologyScore`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreScoreState {
    /// Score added to every node in the domain `(key, value)`.
    pub topology_score: BTreeMap<(KeyId, ValueId), i64>,
}

#[allow(clippy::too_many_arguments)]
fn process_term(
    st: &mut PreScoreState,
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    owner: &Pod,
    term: &PodAffinityTerm,
    weight: i64,
    target: &Pod,
    node: NodeId,
) {
    if term_matches(owner, term, target) {
        let k = cache.topo.key_id(&term.topology_key, cluster);
        let v = cache.topo.value(k, node);
        if v != MISSING {
            *st.topology_score.entry((k, v)).or_insert(0) += weight;
        }
    }
}

/// PreScore: for every existing pod (every pod when the incoming pod has preferred terms,
/// else only pods with affinity terms), the incoming pod's preferred terms that select it and
/// its own terms that select the incoming pod add (affinity) or subtract (anti-affinity)
/// their weight to its node's domain. Skip when nothing applies.
pub fn pre_score(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    out: &mut PreScoreState,
) -> Code {
    let p = &cluster.pods[pod.index()];
    let has_constraints =
        !p.spec.pod_affinity.preferred.is_empty() || !p.spec.pod_anti_affinity.preferred.is_empty();
    let pods: Vec<PodId> = if has_constraints {
        cluster
            .live_nodes()
            .flat_map(|n| cluster.pods_on_node(n).iter().copied())
            .filter(|&q| cache.assigned_node(q).is_some())
            .collect()
    } else {
        cache.with_affinity.iter().copied().collect()
    };
    for q in pods {
        let Some(node) = cache.assigned_node(q) else { continue };
        let qp = &cluster.pods[q.index()];
        for t in &p.spec.pod_affinity.preferred {
            process_term(out, cache, cluster, p, &t.term, i64::from(t.weight), qp, node);
        }
        for t in &p.spec.pod_anti_affinity.preferred {
            process_term(out, cache, cluster, p, &t.term, -i64::from(t.weight), qp, node);
        }
        for t in &qp.spec.pod_affinity.required {
            process_term(out, cache, cluster, qp, t, HARD_POD_AFFINITY_WEIGHT, p, node);
        }
        for t in &qp.spec.pod_affinity.preferred {
            process_term(out, cache, cluster, qp, &t.term, i64::from(t.weight), p, node);
        }
        for t in &qp.spec.pod_anti_affinity.preferred {
            process_term(out, cache, cluster, qp, &t.term, -i64::from(t.weight), p, node);
        }
    }
    out.topology_score.retain(|_, s| *s != 0);
    if out.topology_score.is_empty() { Code::Skip } else { Code::Success }
}

/// Score: the sum of the scores of the node's domains.
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    ctx.state
        .affinity_score
        .topology_score
        .iter()
        .filter(|((k, v), _)| ctx.cache.topo.value(*k, node) == *v)
        .map(|(_, s)| *s)
        .sum()
}

/// NormalizeScore: `100 × (score − min) / (max − min)` (0 for all when they are equal).
pub fn normalize(ctx: &Ctx<'_>, scores: &mut [i64]) {
    if ctx.state.affinity_score.topology_score.is_empty() {
        return;
    }
    normalize_scores(scores);
}

/// The normalisation itself.
pub fn normalize_scores(scores: &mut [i64]) {
    let min = scores.iter().copied().min().unwrap_or(0);
    let max = scores.iter().copied().max().unwrap_or(0);
    let diff = max - min;
    for s in scores.iter_mut() {
        *s = if diff > 0 {
            (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_min_max() {
        // -5, 0, 15: min -5, max 15 -> 0, 25, 100.
        let mut s = vec![-5, 0, 15];
        normalize_scores(&mut s);
        assert_eq!(s, vec![0, 25, 100]);
        let mut s = vec![3, 3];
        normalize_scores(&mut s);
        assert_eq!(s, vec![0, 0]);
    }
}
