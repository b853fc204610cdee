//! DefaultPreemption: the PostFilter that, when no node fits, looks for a node where evicting
//! lower-priority pods would make room, picks the best such node, and nominates the pod to it.
//! Source: `pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go`
//! (`SelectVictimsOnNode`, `PodEligibleToPreemptOthers`, `filterPodsWithPDBViolation`,
//! `calculateNumCandidates`), `pkg/scheduler/framework/preemption/preemption.go`
//! (`Preempt`, `findCandidates`, `DryRunPreemption`, `pickOneNodeForPreemption`,
//! `prepareCandidate`), `pkg/scheduler/util/utils.go` (`MoreImportantPod`).
//!
//! 1. The pod must be allowed to preempt: not `preemptionPolicy: Never`, and not already
//!    waiting for victims (a lower-priority pod terminating by preemption on its nominated
//!    node), unless that node is now unresolvable for it.
//! 2. Candidates are the nodes whose filter verdict was `Unschedulable` (preemption cannot fix
//!    `UnschedulableAndUnresolvable`). They are tried from a random offset (the scheduler's
//!    seeded stream); the dry run stops once it has `max(10% of them, 100)` candidates, at least
//!    one of which violates no PDB.
//! 3. On each node ([`select_victims_on_node`]): every pod of lower priority is a potential
//!    victim; without all of them the pod must fit, else the node is no candidate. Then victims
//!    are reprieved greedily, most important first (higher priority, then longer running), the
//!    ones whose eviction would violate a PDB before the others: a victim is given back if the
//!    pod still fits with it.
//! 4. The node is chosen by [`pick_one_node`]: fewest PDB violations, lowest highest victim
//!    priority, lowest sum of priorities, fewest victims, latest start of the highest-priority
//!    victims, then the first.
//!
//! The PDB check reads what the disruption controller wrote: `status.disruptionsAllowed`, and
//! `status.disruptedPods` (pods already counted as disrupted are not counted again), as
//! upstream's `filterPodsWithPDBViolation` does with the PDB lister.

use crate::scheduler::framework::{Code, NodeOverlay, Status};
use kubesim_engine::SimTime;
use kubesim_model::{Cluster, NodeId, PodConditionType, PodId, PreemptionPolicy};

/// Status message of a node with no lower-priority pod.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// Status of the nodes preemption did not consider.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
/// The pod's policy forbids preemption.
pub const NOT_ELIGIBLE_NEVER: &str = "not eligible due to preemptionPolicy=Never.";
/// The pod already preempted and its victims are still terminating.
pub const NOT_ELIGIBLE_TERMINATING: &str =
    "not eligible due to a terminating pod on the nominated node.";
/// `DisruptionTarget` reason of a preempted pod (`v1.PodReasonPreemptionByScheduler`).
pub const REASON_PREEMPTION_BY_SCHEDULER: &str = "PreemptionByScheduler";
/// `minCandidateNodesPercentage` (DefaultPreemptionArgs default).
pub const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `minCandidateNodesAbsolute` (DefaultPreemptionArgs default).
pub const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;

/// `calculateNumCandidates`: `max(n × 10 %, 100)`, at most `n`.
pub fn num_candidates(n: usize) -> usize {
    (n * MIN_CANDIDATE_NODES_PERCENTAGE / 100).max(MIN_CANDIDATE_NODES_ABSOLUTE).min(n)
}

/// A node where the pod fits after evicting `victims`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The node.
    pub node: NodeId,
    /// The victims, most important first.
    pub victims: Vec<PodId>,
    /// How many victims' eviction violates a PDB.
    pub num_pdb_violations: i64,
}

/// The pod's priority (`corev1helpers.PodPriority`).
fn priority(cluster: &Cluster, p: PodId) -> i32 {
    cluster.pods[p.index()].spec.priority
}

/// `GetPodStartTime`: `status.startTime`, or now for a pod not started yet.
fn start_time(cluster: &Cluster, p: PodId, now: SimTime) -> SimTime {
    cluster.pods[p.index()].status.start_time.unwrap_or(now)
}

/// `MoreImportantPod`: higher priority first, then the one that started earlier.
pub fn more_important_first(
    cluster: &Cluster,
    now: SimTime,
    a: PodId,
    b: PodId,
) -> std::cmp::Ordering {
    priority(cluster, b)
        .cmp(&priority(cluster, a))
        .then(start_time(cluster, a, now).cmp(&start_time(cluster, b, now)))
        .then(a.cmp(&b))
}

/// `podTerminatingByPreemption`: being deleted after a `DisruptionTarget` condition with
/// reason `PreemptionByScheduler`.
pub fn terminating_by_preemption(cluster: &Cluster, p: PodId) -> bool {
    let pod = &cluster.pods[p.index()];
    pod.meta.deletion.is_some()
        && pod.status.condition(PodConditionType::DisruptionTarget).is_some_and(|c| {
            c.status == kubesim_model::CondStatus::True
                && *c.reason == *REASON_PREEMPTION_BY_SCHEDULER
        })
}

/// `PodEligibleToPreemptOthers`. `nominated_code` is the filter verdict on the pod's
/// nominated node in this attempt, if it has one.
pub fn pod_eligible(
    cluster: &Cluster,
    pod: PodId,
    pods_on_nominated: &[PodId],
    nominated_code: Option<Code>,
) -> Result<(), &'static str> {
    let p = &cluster.pods[pod.index()];
    if p.spec.preemption_policy == PreemptionPolicy::Never {
        return Err(NOT_ELIGIBLE_NEVER);
    }
    if p.status.nominated_node.is_some() {
        if nominated_code == Some(Code::UnschedulableAndUnresolvable) {
            return Ok(());
        }
        let prio = p.spec.priority;
        if pods_on_nominated
            .iter()
            .any(|&q| priority(cluster, q) < prio && terminating_by_preemption(cluster, q))
        {
            return Err(NOT_ELIGIBLE_TERMINATING);
        }
    }
    Ok(())
}

/// `filterPodsWithPDBViolation`: splits pods (in order) into those whose eviction would
/// violate a PDB and the others, spending each PDB's allowance as it goes. A PDB with a nil or
/// empty selector matches nothing here; a pod already in the PDB's `disruptedPods` does not
/// spend its allowance again.
pub fn filter_pods_with_pdb_violation(
    cluster: &Cluster,
    pods: &[PodId],
    allowed: &[(usize, i64)],
) -> (Vec<PodId>, Vec<PodId>) {
    let mut left: Vec<i64> = allowed.iter().map(|&(_, a)| a).collect();
    let (mut violating, mut non_violating) = (Vec::new(), Vec::new());
    for &p in pods {
        let pod = &cluster.pods[p.index()];
        let mut violated = false;
        if !pod.meta.labels.is_empty() {
            for (i, &(pdb_index, _)) in allowed.iter().enumerate() {
                let pdb = &cluster.pdbs[pdb_index];
                if pdb.meta.namespace != pod.meta.namespace {
                    continue;
                }
                let Some(sel) = pdb.selector.as_ref().filter(|s| !s.is_empty()) else { continue };
                if !sel.matches(&pod.meta.labels) {
                    continue;
                }
                if pdb.status.disrupted_pods.contains_key(&pod.meta.name) {
                    continue;
                }
                left[i] -= 1;
                if left[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated { violating.push(p) } else { non_violating.push(p) }
    }
    (violating, non_violating)
}

/// The PDBs with their current allowance (`pdb.Status.DisruptionsAllowed`, as the disruption
/// controller last wrote it), by index.
pub fn pdb_allowances(cluster: &Cluster) -> Vec<(usize, i64)> {
    (0..cluster.pdbs.len())
        .map(|i| (i, i64::from(cluster.pdbs[i].status.disruptions_allowed)))
        .collect()
}

/// `SelectVictimsOnNode`. `pods_on_node` are the pods the scheduler sees on the node;
/// `fits` runs the filters (with nominated pods) under an overlay.
pub fn select_victims_on_node(
    cluster: &Cluster,
    now: SimTime,
    preemptor: PodId,
    node: NodeId,
    pods_on_node: &[PodId],
    pdbs: &[(usize, i64)],
    fits: &mut dyn FnMut(&NodeOverlay) -> Status,
) -> Result<(Vec<PodId>, i64), Status> {
    let prio = priority(cluster, preemptor);
    let mut potential: Vec<PodId> =
        pods_on_node.iter().copied().filter(|&q| priority(cluster, q) < prio).collect();
    if potential.is_empty() {
        return Err(Status::fail(Code::UnschedulableAndUnresolvable, NO_VICTIMS));
    }
    let mut overlay = NodeOverlay { node, added: Vec::new(), removed: potential.clone() };
    let st = fits(&overlay);
    if !st.is_success() {
        return Err(st);
    }
    potential.sort_by(|&a, &b| more_important_first(cluster, now, a, b));
    let (violating, non_violating) = filter_pods_with_pdb_violation(cluster, &potential, pdbs);
    let mut victims = Vec::new();
    let mut num_violating = 0;
    let mut reprieve = |p: PodId, overlay: &mut NodeOverlay, victims: &mut Vec<PodId>| -> bool {
        overlay.removed.retain(|&q| q != p);
        if fits(overlay).is_success() {
            return true;
        }
        overlay.removed.push(p);
        victims.push(p);
        false
    };
    for &p in &violating {
        if !reprieve(p, &mut overlay, &mut victims) {
            num_violating += 1;
        }
    }
    for &p in &non_violating {
        reprieve(p, &mut overlay, &mut victims);
    }
    if !violating.is_empty() && !non_violating.is_empty() {
        victims.sort_by(|&a, &b| more_important_first(cluster, now, a, b));
    }
    Ok((victims, num_violating))
}

/// `pickOneNodeForPreemption`: the index of the best candidate.
pub fn pick_one_node(cluster: &Cluster, now: SimTime, candidates: &[Candidate]) -> usize {
    let mut best: Vec<usize> = (0..candidates.len()).collect();
    let scores: [&dyn Fn(&Candidate) -> i64; 5] = [
        // Fewest PDB violations.
        &|c| -c.num_pdb_violations,
        // Lowest highest-priority victim.
        &|c| -i64::from(priority(cluster, c.victims[0])),
        // Lowest sum of priorities (shifted to be non-negative).
        &|c| {
            -c.victims
                .iter()
                .map(|&v| i64::from(priority(cluster, v)) + i64::from(i32::MAX) + 1)
                .sum::<i64>()
        },
        // Fewest victims.
        &|c| -(c.victims.len() as i64),
        // Latest start among the highest-priority victims (`GetEarliestPodStartTime`).
        &|c| {
            let top = priority(cluster, c.victims[0]);
            c.victims
                .iter()
                .filter(|&&v| priority(cluster, v) == top)
                .map(|&v| start_time(cluster, v, now).0 as i64)
                .min()
                .unwrap_or(i64::MIN)
        },
    ];
    for f in scores {
        let max = best.iter().map(|&i| f(&candidates[i])).max().unwrap_or(0);
        best.retain(|&i| f(&candidates[i]) == max);
        if best.len() == 1 {
            break;
        }
    }
    best[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_count() {
        // 10 % of the potential nodes, at least 100, at most all of them.
        assert_eq!(num_candidates(50), 50);
        assert_eq!(num_candidates(500), 100);
        assert_eq!(num_candidates(5000), 500);
    }
}
