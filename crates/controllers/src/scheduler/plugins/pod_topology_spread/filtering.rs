//! PodTopologySpread's PreFilter and Filter (`filtering.go`).

use super::common::{self, Resolved};
use super::{ERR_REASON_CONSTRAINTS_NOT_MATCH, ERR_REASON_NODE_LABEL_NOT_MATCH};
use crate::scheduler::cache::{CounterId, KeyId, MISSING, SchedulerCache};
use crate::scheduler::framework::{Code, FilterResult, Status};
use crate::scheduler::plugins::Ctx;
use kubesim_model::pod::WhenUnsatisfiable;
use kubesim_model::{Cluster, NodeId, PodId};
use std::sync::Arc;

/// One DoNotSchedule constraint, resolved to the counter of its domains.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterConstraint {
    /// The constraint.
    pub c: Resolved,
    /// Matching pods per domain over the eligible nodes.
    pub counter: CounterId,
}

/// What PreFilter computes (upstream's `preFilterState`, whose counts here live in the cache).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreFilterState {
    /// The DoNotSchedule constraints.
    pub constraints: Arc<Vec<FilterConstraint>>,
    /// Per constraint: its key, its counter, and the most matching pods a domain may hold for
    /// the pod to fit, `maxSkew + minMatch − selfMatch` with this attempt's minimum (the counts
    /// do not change during an attempt unless an overlay says so).
    pub limits: Vec<(KeyId, CounterId, i64)>,
}

/// PreFilter: resolves the pod's DoNotSchedule constraints (once per pod shape); Skip if it
/// has none.
pub fn pre_filter(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    out: &mut PreFilterState,
) -> Code {
    let shape = cache.shape(cluster, pod);
    let plan = match cache.spread_memo.filter.get(&shape) {
        Some(p) => p.clone(),
        None => {
            let cs = common::constraints(cache, cluster, pod, WhenUnsatisfiable::DoNotSchedule);
            let keys = common::keys_of(&cs);
            let mut plan = Vec::new();
            for c in cs {
                let mode = common::by_value_mode(cache, cluster, pod, &c, &keys);
                let counter = cache.counter(cluster, c.group, c.key, mode);
                plan.push(FilterConstraint { c, counter });
            }
            let plan = Arc::new(plan);
            cache.spread_memo.filter.insert(shape, plan.clone());
            plan
        }
    };
    if plan.is_empty() {
        return Code::Skip;
    }
    out.limits = plan
        .iter()
        .map(|fc| {
            let counter = cache.counter_ref(fc.counter);
            let limit = i64::from(fc.c.max_skew)
                + min_match(fc, counter.num_domains(), counter.min().map(i64::from))
                - i64::from(fc.c.self_match);
            (fc.c.key, fc.counter, limit)
        })
        .collect();
    out.constraints = plan;
    Code::Success
}

/// `minMatchNum`: the global minimum, 0 while there are fewer domains than `minDomains`, and
/// `MaxInt32` when there is no domain at all.
fn min_match(fc: &FilterConstraint, domains: u32, min: Option<i64>) -> i64 {
    if i64::from(domains) < i64::from(fc.c.min_domains) {
        0
    } else {
        min.unwrap_or(i64::from(i32::MAX))
    }
}

/// The numbers behind one constraint's verdict on one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skew {
    /// Matching pods in the node's domain.
    pub match_num: i64,
    /// 1 if the selector matches the incoming pod.
    pub self_match: i64,
    /// The global minimum used (0 below `minDomains`; `i32::MAX` with no domain at all).
    pub min_match: i64,
    /// Domains with eligible nodes.
    pub domains: u32,
}

impl Skew {
    /// `matchNum + selfMatchNum − minMatchNum`.
    pub fn skew(&self) -> i64 {
        self.match_num + self.self_match - self.min_match
    }
}

/// The skew arithmetic of one constraint on one node; None if the node lacks the key.
pub fn skew_on(ctx: &Ctx<'_>, fc: &FilterConstraint, node: NodeId) -> Option<Skew> {
    let v = ctx.cache.topo.value(fc.c.key, node);
    if v == MISSING {
        return None;
    }
    let counter = ctx.cache.counter_ref(fc.counter);
    let mut match_num = i64::from(counter.count(v));
    let mut min = counter.min().map(i64::from);
    // Preemption's RemovePod and the nominated pods' AddPod (`updateWithPod`): only pods on an
    // eligible node change the counts, and the minimum moves with the node's domain.
    if let Some(o) = ctx.overlay_for(node) {
        let d = counter.node_domain(node);
        if d != MISSING {
            let p = ctx.state.pod;
            let added = o
                .added
                .iter()
                .filter(|&&a| {
                    let q = &ctx.cluster.pods[a.index()];
                    q.meta.namespace == p.meta.namespace
                        && ctx.cache.group_matches(fc.c.group, &q.meta.namespace, &q.meta.labels)
                })
                .count() as i64;
            let removed =
                o.removed.iter().filter(|&&r| ctx.cache.group_has(fc.c.group, r)).count() as i64;
            if added != removed {
                let new = i64::from(counter.count(d)) + added - removed;
                match_num = new;
                min = Some(counter.min_excluding(d).map_or(new, |m| i64::from(m).min(new)));
            }
        }
    }
    let min_match = min_match(fc, counter.num_domains(), min);
    Some(Skew {
        match_num,
        self_match: i64::from(fc.c.self_match),
        min_match,
        domains: counter.num_domains(),
    })
}

/// Filter.
#[inline(always)]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let st = &ctx.state.spread_filter;
    if ctx.overlay.is_some() {
        return filter_with_overlay(ctx, node);
    }
    // The common case: the counts as they are, against the attempt's limits.
    for &(key, counter, limit) in &st.limits {
        let v = ctx.cache.topo.value(key, node);
        if v == MISSING {
            return Err(Status::fail(
                Code::UnschedulableAndUnresolvable,
                ERR_REASON_NODE_LABEL_NOT_MATCH,
            ));
        }
        if i64::from(ctx.cache.counter_ref(counter).count(v)) > limit {
            return Err(Status::fail(Code::Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH));
        }
    }
    Ok(())
}

/// Filter under an overlay (preemption's dry run, nominated pods): the counts and the minimum
/// as the overlay changes them.
#[cold]
fn filter_with_overlay(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    for fc in ctx.state.spread_filter.constraints.iter() {
        match skew_on(ctx, fc, node) {
            None => {
                return Err(Status::fail(
                    Code::UnschedulableAndUnresolvable,
                    ERR_REASON_NODE_LABEL_NOT_MATCH,
                ));
            }
            Some(s) if s.skew() > i64::from(fc.c.max_skew) => {
                return Err(Status::fail(Code::Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// For `explain`: each constraint's arithmetic on the node, in words.
pub fn explain(ctx: &Ctx<'_>, node: NodeId) -> Vec<String> {
    ctx.state
        .spread_filter
        .constraints
        .iter()
        .map(|fc| {
            let key = ctx.cache.topo.key_name(fc.c.key);
            match skew_on(ctx, fc, node) {
                None => format!("{key}: node has no such label"),
                Some(s) => {
                    let v =
                        ctx.cache.topo.value_name(fc.c.key, ctx.cache.topo.value(fc.c.key, node));
                    let verdict = if s.skew() > i64::from(fc.c.max_skew) { ">" } else { "<=" };
                    format!(
                        "{key}={v}: {} matching + {} self - min {} = skew {} {verdict} maxSkew {}",
                        s.match_num,
                        s.self_match,
                        s.min_match,
                        s.skew(),
                        fc.c.max_skew
                    )
                }
            }
        })
        .collect()
}
