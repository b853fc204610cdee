//! InterPodAffinity's PreFilter and Filter (`filtering.go`).

use super::{
    ERR_REASON_AFFINITY_RULES_NOT_MATCH, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
    ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH, term_matches,
};
use crate::scheduler::cache::{KeyId, MISSING, SchedulerCache, ValueId};
use crate::scheduler::framework::{Code, FilterResult, Status};
use crate::scheduler::plugins::Ctx;
use kubesim_model::{Cluster, NodeId, Pod, PodId};
use std::collections::BTreeMap;

/// Counts per topology pair (`topologyToMatchedTermCount`).
pub type PairCounts = BTreeMap<(KeyId, ValueId), i64>;

/// What PreFilter computes (`preFilterState`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreFilterState {
    /// Existing pods' required anti-affinity terms that match the incoming pod.
    pub existing_anti: PairCounts,
    /// Existing pods that match *all* the incoming pod's required affinity terms.
    pub affinity: PairCounts,
    /// Existing pods that match each of the incoming pod's required anti-affinity terms.
    pub anti: PairCounts,
    /// Topology keys of the incoming pod's required affinity terms.
    pub affinity_keys: Vec<KeyId>,
    /// Topology keys of its required anti-affinity terms.
    pub anti_keys: Vec<KeyId>,
    /// Whether the pod matches all its own required affinity terms (the first pod of a group
    /// with affinity to itself may go anywhere the keys exist).
    pub self_affinity: bool,
}

fn add(m: &mut PairCounts, key: KeyId, value: ValueId, delta: i64) {
    if value == MISSING {
        return;
    }
    let e = m.entry((key, value)).or_insert(0);
    *e += delta;
    if *e == 0 {
        m.remove(&(key, value));
    }
}

impl PreFilterState {
    /// `updateWithPod`: pod `q` on `node` added (+1) or removed (−1).
    fn update_with_pod(
        &mut self,
        cache: &SchedulerCache,
        incoming: &Pod,
        q: &Pod,
        node: NodeId,
        delta: i64,
    ) {
        for t in &q.spec.pod_anti_affinity.required {
            if let Some(k) = cache.topo.lookup_key(&t.topology_key)
                && term_matches(q, t, incoming)
            {
                add(&mut self.existing_anti, k, cache.topo.value(k, node), delta);
            }
        }
        let aff = &incoming.spec.pod_affinity.required;
        if !aff.is_empty() && aff.iter().all(|t| term_matches(incoming, t, q)) {
            for &k in &self.affinity_keys.clone() {
                add(&mut self.affinity, k, cache.topo.value(k, node), delta);
            }
        }
        for (i, t) in incoming.spec.pod_anti_affinity.required.iter().enumerate() {
            if term_matches(incoming, t, q) {
                let k = self.anti_keys[i];
                add(&mut self.anti, k, cache.topo.value(k, node), delta);
            }
        }
    }
}

/// PreFilter: counts existing pods against the terms; Skip when neither the pod nor any
/// existing pod has a required term that could apply.
pub fn pre_filter(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    out: &mut PreFilterState,
) -> Code {
    let p = &cluster.pods[pod.index()];
    let with_anti: Vec<PodId> = cache.with_required_anti_affinity.iter().copied().collect();
    for q in with_anti {
        let (Some(node), qp) = (cache.assigned_node(q), &cluster.pods[q.index()]) else {
            continue;
        };
        for t in &qp.spec.pod_anti_affinity.required {
            if term_matches(qp, t, p) {
                let k = cache.topo.key_id(&t.topology_key, cluster);
                add(&mut out.existing_anti, k, cache.topo.value(k, node), 1);
            }
        }
    }
    let aff = &p.spec.pod_affinity.required;
    let anti = &p.spec.pod_anti_affinity.required;
    if out.existing_anti.is_empty() && aff.is_empty() && anti.is_empty() {
        return Code::Skip;
    }
    out.affinity_keys = aff.iter().map(|t| cache.topo.key_id(&t.topology_key, cluster)).collect();
    out.anti_keys = anti.iter().map(|t| cache.topo.key_id(&t.topology_key, cluster)).collect();
    out.self_affinity = !aff.is_empty() && aff.iter().all(|t| term_matches(p, t, p));
    if !aff.is_empty() || !anti.is_empty() {
        for node in cluster.live_nodes() {
            for &q in cluster.pods_on_node(node) {
                if cache.assigned_node(q) != Some(node) {
                    continue;
                }
                let qp = &cluster.pods[q.index()];
                if !aff.is_empty() && aff.iter().all(|t| term_matches(p, t, qp)) {
                    for &k in &out.affinity_keys {
                        add(&mut out.affinity, k, cache.topo.value(k, node), 1);
                    }
                }
                for (i, t) in anti.iter().enumerate() {
                    if term_matches(p, t, qp) {
                        let k = out.anti_keys[i];
                        add(&mut out.anti, k, cache.topo.value(k, node), 1);
                    }
                }
            }
        }
    }
    Code::Success
}

fn check(st: &PreFilterState, ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let topo = &ctx.cache.topo;
    // satisfyPodAffinity
    let mut pods_exist = true;
    for &k in &st.affinity_keys {
        let v = topo.value(k, node);
        if v == MISSING {
            return Err(Status::fail(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_AFFINITY_RULES_NOT_MATCH,
            ));
        }
        if st.affinity.get(&(k, v)).copied().unwrap_or(0) <= 0 {
            pods_exist = false;
        }
    }
    // The first pod of a group with affinity to itself: no matching pod anywhere yet.
    let first_of_group = st.affinity.is_empty() && st.self_affinity;
    if !pods_exist && !first_of_group {
        return Err(Status::fail(
            Code::UnschedulableAndUnresolvable,
            ERR_REASON_AFFINITY_RULES_NOT_MATCH,
        ));
    }
    // satisfyPodAntiAffinity
    for &k in &st.anti_keys {
        let v = topo.value(k, node);
        if v != MISSING && st.anti.get(&(k, v)).copied().unwrap_or(0) > 0 {
            return Err(Status::fail(
                Code::Unschedulable,
                ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
            ));
        }
    }
    // satisfyExistingPodsAntiAffinity
    for (&(k, v), &n) in &st.existing_anti {
        if n > 0 && topo.value(k, node) == v {
            return Err(Status::fail(
                Code::Unschedulable,
                ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
            ));
        }
    }
    Ok(())
}

/// Filter.
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let st = &ctx.state.affinity_filter;
    match ctx.overlay_for(node) {
        None => check(st, ctx, node),
        Some(o) => {
            // AddPod/RemovePod on a copy of the state, as preemption's dry run does.
            let mut copy = st.clone();
            let incoming = ctx.state.pod;
            for &r in &o.removed {
                let q = &ctx.cluster.pods[r.index()];
                copy.update_with_pod(ctx.cache, incoming, q, node, -1);
            }
            for &a in &o.added {
                let q = &ctx.cluster.pods[a.index()];
                copy.update_with_pod(ctx.cache, incoming, q, node, 1);
            }
            check(&copy, ctx, node)
        }
    }
}
