//! PodTopologySpread's PreScore, Score and NormalizeScore (`scoring.go`).

use super::common::{self, Resolved};
use crate::scheduler::cache::{CounterId, CounterMode, KeyId, MISSING, SchedulerCache};
use crate::scheduler::framework::{Code, MAX_NODE_SCORE};
use crate::scheduler::plugins::Ctx;
use kubesim_model::pod::WhenUnsatisfiable;
use kubesim_model::{Cluster, LABEL_HOSTNAME, NodeId, PodId};
use std::sync::Arc;

/// One ScheduleAnyway constraint (or system default), resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreConstraint {
    /// The constraint.
    pub c: Resolved,
    /// `kubernetes.io/hostname`: counted per node, not per domain.
    pub is_hostname: bool,
    /// Matching pods per domain (or per node for hostname).
    pub counter: CounterId,
}

/// The resolved constraints of a pod shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScorePlan {
    /// The constraints.
    pub constraints: Vec<ScoreConstraint>,
    /// Explicit constraints require every topology key on a scored node (`requireAllTopologies`);
    /// the system defaults do not.
    pub require_all: bool,
    /// The keys a node must have (when `require_all`).
    pub keys: Vec<KeyId>,
}

impl ScorePlan {
    /// `IgnoredNodes`: nodes missing a required key score 0.
    #[inline]
    pub fn ignored(&self, cache: &SchedulerCache, node: NodeId) -> bool {
        self.require_all && self.keys.iter().any(|&k| cache.topo.value(k, node) == MISSING)
    }
}

/// What PreScore computes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreScoreState {
    /// The constraints (shared by the pods of one shape).
    pub plan: Arc<ScorePlan>,
    /// `topologyNormalizingWeight` per constraint: `ln(domains among the filtered nodes + 2)`.
    pub weights: Vec<f64>,
    /// Whether some filtered node is ignored (lacks a key).
    pub any_ignored: bool,
}

impl PreScoreState {
    /// Whether a node is ignored.
    #[inline]
    pub fn ignored(&self, cache: &SchedulerCache, node: NodeId) -> bool {
        self.any_ignored && self.plan.ignored(cache, node)
    }
}

fn plan(cache: &mut SchedulerCache, cluster: &Cluster, pod: PodId) -> Arc<ScorePlan> {
    let shape = cache.shape(cluster, pod);
    if let Some(p) = cache.spread_memo.score.get(&shape) {
        return p.clone();
    }
    let cs = common::constraints(cache, cluster, pod, WhenUnsatisfiable::ScheduleAnyway);
    let explicit = !cluster.pods[pod.index()].spec.topology_spread_constraints.is_empty();
    let mut plan = ScorePlan {
        constraints: Vec::new(),
        require_all: explicit,
        keys: if explicit { common::keys_of(&cs) } else { Vec::new() },
    };
    let keyset = plan.keys.clone();
    let hostname = cache.topo.key_id(LABEL_HOSTNAME, cluster);
    for c in cs {
        let is_hostname = c.key == hostname;
        let mode = if is_hostname {
            CounterMode::ByNode
        } else {
            common::by_value_mode(cache, cluster, pod, &c, &keyset)
        };
        let counter = cache.counter(cluster, c.group, c.key, mode);
        plan.constraints.push(ScoreConstraint { c, is_hostname, counter });
    }
    let plan = Arc::new(plan);
    cache.spread_memo.score.insert(shape, plan.clone());
    plan
}

/// PreScore: resolves the ScheduleAnyway constraints (or the system defaults; once per pod
/// shape) and weighs each by the number of its domains among the filtered nodes. Skip without
/// constraints.
pub fn pre_score(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    filtered: &[NodeId],
    out: &mut PreScoreState,
) -> Code {
    let plan = plan(cache, cluster, pod);
    if plan.constraints.is_empty() {
        return Code::Skip;
    }
    out.any_ignored = plan.require_all
        && plan.keys.iter().any(|&k| cache.topo.live_missing(k) > 0)
        && filtered.iter().any(|&n| plan.ignored(cache, n));
    let scored = filtered.iter().copied().filter(|&n| !out.ignored(cache, n));
    let num_scored = scored.clone().count();
    out.weights = plan
        .constraints
        .iter()
        .map(|sc| {
            let size = if sc.is_hostname {
                num_scored
            } else {
                // Distinct values among the scored nodes; a missing key counts as "".
                let mut seen = vec![false; cache.topo.num_values(sc.c.key) + 1];
                // Every value there can be (to stop early once all are seen).
                let all = cache.topo.num_values(sc.c.key)
                    + usize::from(cache.topo.live_missing(sc.c.key) > 0);
                let mut n = 0;
                for node in scored.clone() {
                    let v = cache.topo.value(sc.c.key, node);
                    let slot = if v == MISSING { seen.len() - 1 } else { v as usize };
                    if !seen[slot] {
                        seen[slot] = true;
                        n += 1;
                        if n == all {
                            break;
                        }
                    }
                }
                n
            };
            ((size + 2) as f64).ln()
        })
        .collect();
    out.plan = plan;
    Code::Success
}

/// `scoreForCount`: `count × weight + (maxSkew − 1)`.
pub fn score_for_count(count: u32, max_skew: i32, weight: f64) -> f64 {
    f64::from(count) * weight + f64::from(max_skew - 1)
}

/// Score: the sum over the constraints whose key the node has; 0 for ignored nodes.
#[inline]
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let st = &ctx.state.spread_score;
    if st.ignored(ctx.cache, node) {
        return 0;
    }
    let mut s = 0.0;
    for (sc, &weight) in st.plan.constraints.iter().zip(&st.weights) {
        let v = ctx.cache.topo.value(sc.c.key, node);
        if v == MISSING {
            continue;
        }
        let counter = ctx.cache.counter_ref(sc.counter);
        let cnt = if sc.is_hostname { counter.count(node.0) } else { counter.count(v) };
        s += score_for_count(cnt, sc.c.max_skew, weight);
    }
    round_half_away(s)
}

/// `math.Round` of a non-negative score (half away from zero) without a libm call: the cast
/// truncates, and the remainder is exact for the magnitudes scores have.
#[inline]
pub fn round_half_away(x: f64) -> i64 {
    let t = x as i64;
    if x - t as f64 >= 0.5 { t + 1 } else { t }
}

/// NormalizeScore: `100 × (max + min − score) / max` over the scored nodes (all 100 when the
/// maximum is 0); ignored nodes get 0.
pub fn normalize(ctx: &Ctx<'_>, nodes: &[NodeId], scores: &mut [i64]) {
    let st = &ctx.state.spread_score;
    if !st.any_ignored {
        normalize_scores(scores, &[]);
        return;
    }
    let ignored: Vec<bool> = nodes.iter().map(|&n| st.ignored(ctx.cache, n)).collect();
    normalize_scores(scores, &ignored);
}

/// The normalisation itself, with the ignored nodes marked (an empty `ignored`: none is).
pub fn normalize_scores(scores: &mut [i64], ignored: &[bool]) {
    let is_ignored = |i: usize| ignored.get(i).copied().unwrap_or(false);
    let mut min = i64::MAX;
    let mut max = 0i64;
    for (i, s) in scores.iter().enumerate() {
        if is_ignored(i) {
            continue;
        }
        min = min.min(*s);
        max = max.max(*s);
    }
    for (i, s) in scores.iter_mut().enumerate() {
        *s = if is_ignored(i) {
            0
        } else if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - *s) / max
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_weight_and_score() {
        // Two zones: weight ln(4) = 1.386; 2 matching pods, maxSkew 1 -> 2.77 -> 3.
        let w = (4f64).ln();
        assert_eq!(score_for_count(2, 1, w).round() as i64, 3);
        assert_eq!(score_for_count(1, 1, w).round() as i64, 1);
        // maxSkew 5 adds 4 to every node, watering the difference down.
        assert_eq!(score_for_count(0, 5, w).round() as i64, 4);
    }

    #[test]
    fn rounding_matches_math_round() {
        for x in [0.0, 0.49, 0.5, 1.386, 2.5, 2.772, 3.499_999, 7.5, 123.456] {
            assert_eq!(round_half_away(x), x.round() as i64, "{x}");
        }
    }

    #[test]
    fn normalize_like_upstream() {
        // Raw 3, 3, 1, 1 (zoneA, zoneA, zoneB, zoneB): min 1, max 3:
        // 100 * (3 + 1 - 3) / 3 = 33, 100 * (3 + 1 - 1) / 3 = 100.
        let mut s = vec![3, 3, 1, 1];
        normalize_scores(&mut s, &[false; 4]);
        assert_eq!(s, vec![33, 33, 100, 100]);
        // All zero: every scored node 100; ignored nodes 0.
        let mut s = vec![0, 0, 5];
        normalize_scores(&mut s, &[false, false, true]);
        assert_eq!(s, vec![100, 100, 0]);
    }
}
