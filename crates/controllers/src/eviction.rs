//! The Eviction API (`POST pods/<name>/eviction`,
//! `pkg/registry/core/pod/storage/eviction.go` `EvictionREST.Create`): a delete that respects
//! PodDisruptionBudgets.
//!
//! [`decide`] is the decision, a pure function of the pod and the PDBs that match it:
//! 1. a pod in phase Succeeded, Failed or Pending, or already being deleted, is deleted without
//!    looking at PDBs (`canIgnorePDB`);
//! 2. the PDBs of the pod's namespace whose selector matches the pod (policy/v1: an empty
//!    selector matches every pod, a null one none; kubernetes PR #119732): more than one is an error (500 "This pod has more than one PodDisruptionBudget,
//!    which the eviction subresource does not support."); none, and the pod is deleted;
//! 3. a pod that is not Ready is deleted without using up the budget if the PDB says
//!    `unhealthyPodEvictionPolicy: AlwaysAllow`, or (`IfHealthyBudget`, the default) if the
//!    budget is met (`currentHealthy ≥ desiredHealthy > 0`);
//! 4. otherwise `checkAndDecrement`: a status older than the spec (`observedGeneration <
//!    generation`) is 429 "still being processed"; a negative `disruptionsAllowed` or more than
//!    2000 `disruptedPods` is 403; `disruptionsAllowed == 0` is 429 "Cannot evict pod as it
//!    would violate the pod's disruption budget." with the cause "The disruption budget <name>
//!    needs <desired> healthy pods and has <current> currently"; else `disruptionsAllowed` is
//!    decremented and the pod entered in `disruptedPods`.
//!
//! [`evict`] applies it through the API: the PDB status write, then the pod's
//! `DisruptionTarget` condition (reason `EvictionByEvictionAPI`, message "Eviction API:
//! evicting") and a graceful DELETE with the eviction's grace period (else the pod's own).
//! [`evict_dry_run`] is `dryRun: [All]`: the same answer, no change.
//! Simplified: no optimistic-concurrency conflicts (kubesim's API handles one request at a
//! time, so the retry loop and the resourceVersion precondition never fire).
//!
//! Every call, its caller and its answer (code, reason, message, cause as the API returns
//! them, [`kubesim_model::EvictionAnswer`]) and the PDBs consulted with their
//! `disruptionsAllowed` before and after go to [`kubesim_model::Trace::eviction_calls`]
//! (`evictions.csv`): a fixed-size record of ids per call.
//!
//! Kubernetes records no event for an eviction; kubesim records one per decision so every
//! eviction shows in `events.csv` ([`eviction_event`]): an allowed one as a Normal
//! `EvictionByEvictionAPI` event with the condition's message "Eviction API: evicting" and the
//! budget it used; a refused one as a Warning whose reason is the HTTP status reason
//! (`TooManyRequests`, `Forbidden`, `InternalError`) and whose message is what `kubectl
//! drain` prints for it (`error when evicting pods/"x" -n "ns" (will retry after 5s): Cannot
//! evict pod as it would violate the pod's disruption budget.`), followed by the status cause
//! the API returns with it in parentheses (kubectl does not print the cause).

use crate::api;
use crate::world::World;
use kubesim_engine::SimDuration;
use kubesim_model::{
    CondStatus, ConsultedPdb, EventType, EvictionAnswer, EvictionCaller, EvictionGrant, Pdb, PdbId,
    Pod, PodConditionType, PodId, PodPhase, UnhealthyPodEvictionPolicy,
};

/// `MaxDisruptedPodSize`
pub const MAX_DISRUPTED_POD_SIZE: usize = 2000;
pub use kubesim_model::eviction::{MSG_MULTIPLE_PDBS, MSG_VIOLATES_BUDGET};
/// `PodReasonEvictionByEvictionAPI`: the `DisruptionTarget` reason of an evicted pod.
pub const REASON_EVICTION_BY_EVICTION_API: &str = "EvictionByEvictionAPI";
/// The `DisruptionTarget` message of an evicted pod.
pub const MSG_EVICTING: &str = "Eviction API: evicting";

/// Why an eviction may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// `canIgnorePDB`: the pod is terminal, Pending, or already being deleted.
    NoBudgetCheck(&'static str),
    /// No PDB matches the pod.
    NoPdb,
    /// The pod is not Ready and its PDB says `AlwaysAllow`.
    UnhealthyAlwaysAllow {
        /// The PDB.
        pdb: PdbId,
        /// Its name.
        name: String,
    },
    /// The pod is not Ready and its PDB's budget is met: deleted without a decrement.
    UnhealthyBudgetMet {
        /// The PDB.
        pdb: PdbId,
        /// Its name.
        name: String,
        /// `currentHealthy`
        healthy: i32,
        /// `desiredHealthy`
        desired: i32,
    },
    /// `checkAndDecrement` used one disruption of the PDB.
    Budget {
        /// The PDB.
        pdb: PdbId,
        /// Its name.
        name: String,
        /// `disruptionsAllowed` before the decrement.
        allowed_before: i32,
    },
}

/// Why an eviction was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// 429: the budget has no room (or its status is not up to date).
    TooManyRequests {
        /// The PDB.
        pdb: PdbId,
        /// The status cause (`DisruptionBudget`).
        cause: String,
    },
    /// 403: the PDB's status is inconsistent.
    Forbidden {
        /// The PDB.
        pdb: PdbId,
        /// The status message.
        message: String,
    },
    /// 500: the pod matches more than one PDB.
    MultiplePdbs,
}

impl Refused {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::TooManyRequests { .. } => 429,
            Self::Forbidden { .. } => 403,
            Self::MultiplePdbs => 500,
        }
    }

    /// The status reason (`metav1.StatusReason`).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooManyRequests { .. } => "TooManyRequests",
            Self::Forbidden { .. } => "Forbidden",
            Self::MultiplePdbs => "InternalError",
        }
    }

    /// The status message (what a client prints as the error).
    pub fn message(&self) -> String {
        match self {
            Self::TooManyRequests { .. } => MSG_VIOLATES_BUDGET.to_string(),
            Self::Forbidden { message, .. } => message.clone(),
            Self::MultiplePdbs => MSG_MULTIPLE_PDBS.to_string(),
        }
    }

    /// The PDB that refused, if one did.
    pub fn pdb(&self) -> Option<PdbId> {
        match self {
            Self::TooManyRequests { pdb, .. } | Self::Forbidden { pdb, .. } => Some(*pdb),
            Self::MultiplePdbs => None,
        }
    }
}

/// The API's answer to one eviction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvictionResponse {
    /// 201: the pod is being deleted.
    Evicted(Allowed),
    /// 404: no such pod.
    NotFound,
    /// The eviction was refused.
    Refused(Refused),
}

/// The decision for a pod, given the PDBs that match it (`matching`, in listing order). Pure.
pub fn decide(pod: &Pod, matching: &[(PdbId, &Pdb)]) -> Result<Allowed, Refused> {
    let phase = pod.status.phase;
    if pod.meta.deletion.is_some() {
        return Ok(Allowed::NoBudgetCheck("pod is already being deleted"));
    }
    match phase {
        PodPhase::Succeeded | PodPhase::Failed => {
            return Ok(Allowed::NoBudgetCheck("pod has terminated"));
        }
        PodPhase::Pending => return Ok(Allowed::NoBudgetCheck("pod is Pending")),
        _ => {}
    }
    let (pdb_id, pdb) = match matching {
        [] => return Ok(Allowed::NoPdb),
        [one] => *one,
        _ => return Err(Refused::MultiplePdbs),
    };
    let st = &pdb.status;
    let name = pdb.meta.name.clone();
    if !pod.is_ready() {
        if pdb.unhealthy_pod_eviction_policy == UnhealthyPodEvictionPolicy::AlwaysAllow {
            return Ok(Allowed::UnhealthyAlwaysAllow { pdb: pdb_id, name });
        }
        if st.current_healthy >= st.desired_healthy && st.desired_healthy > 0 {
            return Ok(Allowed::UnhealthyBudgetMet {
                pdb: pdb_id,
                name,
                healthy: st.current_healthy,
                desired: st.desired_healthy,
            });
        }
    }
    // checkAndDecrement
    if st.observed_generation < pdb.meta.generation {
        return Err(Refused::TooManyRequests {
            pdb: pdb_id,
            cause: format!("The disruption budget {name} is still being processed by the server."),
        });
    }
    if st.disruptions_allowed < 0 {
        return Err(Refused::Forbidden {
            pdb: pdb_id,
            message: format!(
                "poddisruptionbudget.policy \"{name}\" is forbidden: pdb disruptions allowed is negative"
            ),
        });
    }
    if st.disrupted_pods.len() > MAX_DISRUPTED_POD_SIZE {
        return Err(Refused::Forbidden {
            pdb: pdb_id,
            message: format!(
                "poddisruptionbudget.policy \"{name}\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller"
            ),
        });
    }
    if st.disruptions_allowed == 0 {
        return Err(Refused::TooManyRequests {
            pdb: pdb_id,
            cause: format!(
                "The disruption budget {name} needs {} healthy pods and has {} currently",
                st.desired_healthy, st.current_healthy
            ),
        });
    }
    Ok(Allowed::Budget { pdb: pdb_id, name, allowed_before: st.disruptions_allowed })
}

/// The PDBs the Eviction API considers for a pod: those of its namespace whose selector
/// matches (an empty selector matches every pod, a null one none: [`Pdb::selects`]), in
/// listing order (namespace, name).
pub fn matching_pdbs(w: &World, pod: PodId) -> Vec<PdbId> {
    w.matching_pdbs(pod)
}

/// Posts an eviction for `pod` with `deleteOptions.gracePeriodSeconds = grace` on behalf of
/// `caller`, and applies the decision. The caller records the event ([`eviction_event`]);
/// the call itself is recorded in [`kubesim_model::Trace::eviction_calls`].
pub fn evict(
    w: &mut World,
    pod: PodId,
    grace: Option<u64>,
    caller: EvictionCaller,
) -> EvictionResponse {
    post(w, pod, grace, false, caller)
}

/// [`evict`] with `dryRun: [All]` (`kubectl ... --dry-run=server`): the API answers as it
/// would, and changes nothing. Upstream, `checkAndDecrement` decrements its copy of the PDB
/// and returns before `UpdateStatus` ("If this is a dry-run, we don't need to go any further
/// than that"), `addConditionAndDeletePod` adds no `DisruptionTarget` condition when
/// `dryrun.IsDryRun`, and the store's Delete with `DryRun` deletes nothing.
pub fn evict_dry_run(w: &mut World, pod: PodId, caller: EvictionCaller) -> EvictionResponse {
    post(w, pod, None, true, caller)
}

fn post(
    w: &mut World,
    pod: PodId,
    grace: Option<u64>,
    dry_run: bool,
    caller: EvictionCaller,
) -> EvictionResponse {
    if w.cluster.pods[pod.index()].removed.is_some() {
        let now = w.now;
        w.trace.eviction_calls.push(now, pod, caller, dry_run, EvictionAnswer::NotFound, []);
        return EvictionResponse::NotFound;
    }
    let ids = matching_pdbs(w, pod);
    let decision = {
        let matching: Vec<(PdbId, &Pdb)> =
            ids.iter().map(|&id| (id, &w.cluster.pdbs[id.index()])).collect();
        decide(&w.cluster.pods[pod.index()], &matching)
    };
    // What the API consulted, with disruptionsAllowed before the call (the answer is read off
    // the same statuses `decide` read; nothing has changed them yet).
    let answer = answer_of(w, &decision);
    let consulted: &[PdbId] = match &decision {
        Ok(Allowed::NoBudgetCheck(_)) => &[],
        _ => &ids,
    };
    let before: Vec<(PdbId, i32)> = consulted
        .iter()
        .map(|&id| (id, w.cluster.pdbs[id.index()].status.disruptions_allowed))
        .collect();
    let response = match decision {
        Ok(allowed) if !dry_run => {
            let was_healthy = {
                let p = &w.cluster.pods[pod.index()];
                p.is_ready() && p.meta.deletion.is_none()
            };
            if let Allowed::Budget { pdb, .. } = &allowed {
                let now = w.now;
                let name = w.cluster.pods[pod.index()].meta.name.clone();
                let mut status = w.cluster.pdbs[pdb.index()].status.clone();
                status.disruptions_allowed -= 1;
                if status.disruptions_allowed == 0 {
                    status.update_disruption_allowed_condition(now);
                }
                status.disrupted_pods.insert(name, now);
                api::write_pdb_status(w, *pdb, status);
            }
            api::set_pod_condition(
                w,
                pod,
                PodConditionType::DisruptionTarget,
                CondStatus::True,
                REASON_EVICTION_BY_EVICTION_API,
                MSG_EVICTING,
            );
            api::delete_pod(w, pod, grace);
            record_eviction(w, pod, ids.first().copied().filter(|_| ids.len() == 1), was_healthy);
            EvictionResponse::Evicted(allowed)
        }
        Ok(allowed) => EvictionResponse::Evicted(allowed),
        Err(refused) => EvictionResponse::Refused(refused),
    };
    let now = w.now;
    let pdbs = &w.cluster.pdbs;
    w.trace.eviction_calls.push(
        now,
        pod,
        caller,
        dry_run,
        answer,
        before.into_iter().map(|(pdb, allowed_before)| ConsultedPdb {
            pdb,
            allowed_before,
            allowed_after: pdbs[pdb.index()].status.disruptions_allowed,
        }),
    );
    response
}

/// The answer as the trace keeps it. A refusal's numbers are read from the PDB's status,
/// which the refusal left as `decide` read it.
fn answer_of(w: &World, decision: &Result<Allowed, Refused>) -> EvictionAnswer {
    match decision {
        Ok(a) => EvictionAnswer::Created(match a {
            Allowed::NoBudgetCheck(why) => EvictionGrant::NoBudgetCheck(why),
            Allowed::NoPdb => EvictionGrant::NoPdb,
            Allowed::UnhealthyAlwaysAllow { .. } => EvictionGrant::UnhealthyAlwaysAllow,
            Allowed::UnhealthyBudgetMet { .. } => EvictionGrant::UnhealthyBudgetMet,
            Allowed::Budget { .. } => EvictionGrant::Budget,
        }),
        Err(Refused::MultiplePdbs) => EvictionAnswer::MultiplePdbs,
        Err(Refused::TooManyRequests { pdb, .. }) => {
            let b = &w.cluster.pdbs[pdb.index()];
            if b.status.observed_generation < b.meta.generation {
                EvictionAnswer::StillProcessing
            } else {
                EvictionAnswer::BudgetExhausted {
                    desired: b.status.desired_healthy,
                    current: b.status.current_healthy,
                }
            }
        }
        Err(Refused::Forbidden { pdb, .. }) => {
            if w.cluster.pdbs[pdb.index()].status.disruptions_allowed < 0 {
                EvictionAnswer::NegativeAllowed
            } else {
                EvictionAnswer::TooManyDisrupted
            }
        }
    }
}

/// Records an allowed eviction in the trace with the PDB's healthy pods after it, counted on
/// the objects (for the `noPdbViolation` expectation; Kubernetes records nothing).
fn record_eviction(w: &mut World, pod: PodId, pdb: Option<PdbId>, was_healthy: bool) {
    let p = &w.cluster.pods[pod.index()];
    let name = format!("{}/{}", p.meta.namespace, p.meta.name);
    let (pdb_ref, healthy_after, desired) = match pdb {
        Some(id) => {
            let b = &w.cluster.pdbs[id.index()];
            // The PDB's Ready pods without deletionTimestamp, as the cluster keeps them.
            let healthy = i64::from(w.cluster.pdb_counts(id).healthy);
            (
                Some(kubesim_model::trace::pdb_ref(&b.meta.namespace, &b.meta.name)),
                healthy,
                i64::from(b.status.desired_healthy),
            )
        }
        None => (None, 0, 0),
    };
    let time = w.now;
    w.trace.evictions.push(kubesim_model::EvictionRecord {
        time,
        pod: name,
        pdb: pdb_ref,
        pod_was_healthy: was_healthy,
        healthy_after,
        desired_healthy: desired,
    });
}

/// The event kubesim records for an eviction decision: (type, reason, message). `drain_retry`
/// is kubectl drain's retry delay when the eviction came from a drain (its wording is
/// kubectl's), None for a single `evict-pod`.
pub fn eviction_event(
    resp: &EvictionResponse,
    namespace: &str,
    pod: &str,
    drain_retry: Option<SimDuration>,
) -> (EventType, &'static str, String) {
    match resp {
        EvictionResponse::Evicted(a) => {
            let detail = match a {
                Allowed::NoBudgetCheck(why) => format!("{why}: no budget check"),
                Allowed::NoPdb => "no PodDisruptionBudget".to_string(),
                Allowed::UnhealthyAlwaysAllow { name, .. } => format!(
                    "pod not Ready; PodDisruptionBudget {name} has unhealthyPodEvictionPolicy AlwaysAllow"
                ),
                Allowed::UnhealthyBudgetMet { name, healthy, desired, .. } => format!(
                    "pod not Ready; PodDisruptionBudget {name} has {healthy} healthy pods of {desired} needed: no disruption used"
                ),
                Allowed::Budget { name, allowed_before, .. } => format!(
                    "PodDisruptionBudget {name}: disruptionsAllowed {allowed_before} -> {}",
                    allowed_before - 1
                ),
            };
            (
                EventType::Normal,
                REASON_EVICTION_BY_EVICTION_API,
                format!("{MSG_EVICTING} ({detail})"),
            )
        }
        EvictionResponse::NotFound => {
            (EventType::Normal, "NotFound", format!("pods \"{pod}\" not found"))
        }
        EvictionResponse::Refused(r) => {
            let status = r.message();
            let mut msg = match (drain_retry, r) {
                (Some(d), Refused::TooManyRequests { .. }) => format!(
                    "error when evicting pods/\"{pod}\" -n \"{namespace}\" (will retry after {d}): {status}"
                ),
                (Some(_), _) => {
                    format!("error when evicting pods/\"{pod}\" -n \"{namespace}\": {status}")
                }
                (None, _) => status,
            };
            if let Refused::TooManyRequests { cause, .. } = r {
                msg.push_str(&format!(" ({cause})"));
            }
            (EventType::Warning, r.reason(), msg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::SimTime;
    use kubesim_model::build::PdbBuilder;
    use kubesim_model::{IntOrPercent, Meta, PodStatus};
    use std::sync::Arc;

    fn pod(phase: PodPhase, ready: bool) -> Pod {
        let mut status = PodStatus { phase, ..PodStatus::default() };
        status.set_condition(
            PodConditionType::Ready,
            CondStatus::from_bool(ready),
            SimTime(0),
            "",
            "",
        );
        Pod {
            meta: Meta { name: "pod-a".into(), namespace: "default".into(), ..Meta::default() },
            spec: Arc::default(),
            node: None,
            status,
            ready_since: None,
            removed: None,
            behaviour: Default::default(),
            ephemeral_containers: Vec::new(),
        }
    }

    /// The walkthrough's PDB (minAvailable 2) as the controller computed it.
    fn pdb(healthy: i32, desired: i32, allowed: i32) -> Pdb {
        let mut p = PdbBuilder::new("web-pdb", "web").min_available(IntOrPercent::Int(2)).build();
        p.status.observed_generation = 1;
        p.status.expected_pods = 3;
        p.status.current_healthy = healthy;
        p.status.desired_healthy = desired;
        p.status.disruptions_allowed = allowed;
        p
    }

    #[test]
    fn pods_that_are_not_running_skip_the_budget() {
        let full = pdb(2, 2, 0);
        let m = [(PdbId(0), &full)];
        assert_eq!(
            decide(&pod(PodPhase::Pending, false), &m),
            Ok(Allowed::NoBudgetCheck("pod is Pending"))
        );
        assert_eq!(
            decide(&pod(PodPhase::Succeeded, false), &m),
            Ok(Allowed::NoBudgetCheck("pod has terminated"))
        );
        let mut terminating = pod(PodPhase::Running, true);
        terminating.meta.deletion = Some(SimTime(30_000));
        assert_eq!(
            decide(&terminating, &m),
            Ok(Allowed::NoBudgetCheck("pod is already being deleted"))
        );
    }

    #[test]
    fn budget_with_room_is_decremented() {
        // 3 healthy, 2 needed: one disruption allowed.
        let p = pdb(3, 2, 1);
        assert_eq!(
            decide(&pod(PodPhase::Running, true), &[(PdbId(0), &p)]),
            Ok(Allowed::Budget { pdb: PdbId(0), name: "web-pdb".into(), allowed_before: 1 })
        );
        assert_eq!(decide(&pod(PodPhase::Running, true), &[]), Ok(Allowed::NoPdb));
    }

    #[test]
    fn budget_without_room_is_429_with_upstreams_cause() {
        let p = pdb(2, 2, 0);
        let r = decide(&pod(PodPhase::Running, true), &[(PdbId(0), &p)]).unwrap_err();
        assert_eq!(r.code(), 429);
        assert_eq!(
            r.message(),
            "Cannot evict pod as it would violate the pod's disruption budget."
        );
        assert_eq!(
            r,
            Refused::TooManyRequests {
                pdb: PdbId(0),
                cause: "The disruption budget web-pdb needs 2 healthy pods and has 2 currently"
                    .into()
            }
        );
        // kubectl drain's line, then the cause.
        let (t, reason, msg) = eviction_event(
            &EvictionResponse::Refused(r),
            "default",
            "pod-d",
            Some(SimDuration::from_secs(5)),
        );
        assert_eq!((t, reason), (EventType::Warning, "TooManyRequests"));
        assert_eq!(
            msg,
            "error when evicting pods/\"pod-d\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget web-pdb needs 2 healthy pods and has 2 currently)"
        );
    }

    #[test]
    fn stale_status_is_still_being_processed() {
        let mut p = pdb(3, 2, 1);
        p.status.observed_generation = 0;
        assert_eq!(
            decide(&pod(PodPhase::Running, true), &[(PdbId(0), &p)]),
            Err(Refused::TooManyRequests {
                pdb: PdbId(0),
                cause: "The disruption budget web-pdb is still being processed by the server."
                    .into()
            })
        );
    }

    #[test]
    fn negative_allowed_and_oversized_map_are_403() {
        let mut p = pdb(3, 2, -1);
        let r = decide(&pod(PodPhase::Running, true), &[(PdbId(0), &p)]).unwrap_err();
        assert_eq!((r.code(), r.reason()), (403, "Forbidden"));
        assert!(r.message().ends_with("pdb disruptions allowed is negative"));
        p.status.disruptions_allowed = 1;
        for i in 0..=MAX_DISRUPTED_POD_SIZE {
            p.status.disrupted_pods.insert(format!("p{i}"), SimTime(0));
        }
        let r = decide(&pod(PodPhase::Running, true), &[(PdbId(0), &p)]).unwrap_err();
        assert_eq!(r.code(), 403);
    }

    #[test]
    fn two_pdbs_are_500() {
        let (a, b) = (pdb(3, 2, 1), pdb(3, 2, 1));
        let r =
            decide(&pod(PodPhase::Running, true), &[(PdbId(0), &a), (PdbId(1), &b)]).unwrap_err();
        assert_eq!((r.code(), r.reason()), (500, "InternalError"));
        assert_eq!(
            r.message(),
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
        );
    }

    #[test]
    fn unready_pods_follow_the_unhealthy_policy() {
        // IfHealthyBudget: the budget is met (2 healthy >= 2 desired) -> allowed, no decrement.
        let met = pdb(2, 2, 0);
        assert!(matches!(
            decide(&pod(PodPhase::Running, false), &[(PdbId(0), &met)]),
            Ok(Allowed::UnhealthyBudgetMet { healthy: 2, desired: 2, .. })
        ));
        // Not met (1 healthy < 2): an unready pod goes through checkAndDecrement, which has no
        // room -> 429.
        let short = pdb(1, 2, 0);
        assert!(decide(&pod(PodPhase::Running, false), &[(PdbId(0), &short)]).is_err());
        // AlwaysAllow: an unready running pod is always allowed.
        let mut always = short.clone();
        always.unhealthy_pod_eviction_policy = UnhealthyPodEvictionPolicy::AlwaysAllow;
        assert!(matches!(
            decide(&pod(PodPhase::Running, false), &[(PdbId(0), &always)]),
            Ok(Allowed::UnhealthyAlwaysAllow { .. })
        ));
        // A Ready pod is not affected by the policy.
        assert!(decide(&pod(PodPhase::Running, true), &[(PdbId(0), &always)]).is_err());
        // desiredHealthy 0 does not count as a met budget for IfHealthyBudget.
        let zero = pdb(0, 0, 0);
        assert!(decide(&pod(PodPhase::Running, false), &[(PdbId(0), &zero)]).is_err());
    }
}
