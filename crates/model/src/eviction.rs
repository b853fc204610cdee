//! Every call of the Eviction API (`POST pods/<name>/eviction`) a run made, and the answer
//! the API server gave, kept compact: ids, not names, and the answer as a small value from
//! which [`EvictionAnswer::code`], [`EvictionAnswer::reason`], [`EvictionAnswer::message`]
//! and [`EvictionAnswer::cause`] give the `metav1.Status` word for word
//! (`pkg/registry/core/pod/storage/eviction.go`, `EvictionREST.Create` and
//! `checkAndDecrement`; the texts are checked there). The report writes them as
//! `evictions.csv`.

use crate::meta::{NodeId, PdbId, PodId};
use kubesim_engine::SimTime;

/// The message of a 429 refusal (`checkAndDecrement`, `createTooManyRequestsError`).
pub const MSG_VIOLATES_BUDGET: &str =
    "Cannot evict pod as it would violate the pod's disruption budget.";
/// The message of the 500 for a pod with several PDBs (`EvictionREST.Create`: a
/// `metav1.Status` with `Code: 500`, no reason).
pub const MSG_MULTIPLE_PDBS: &str = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
/// `policyv1.DisruptionBudgetCause`: the type of the cause a 429 carries.
pub const CAUSE_DISRUPTION_BUDGET: &str = "DisruptionBudget";

/// Who posted an eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionCaller {
    /// kubectl drain run by a `drain` action: its index in [`crate::Trace::drains`].
    Drain(u32),
    /// The drain of a node-pool upgrade: its index in [`crate::Trace::drains`].
    Upgrade(u32),
    /// An `evict-pod` action: its index in [`crate::Trace::marks`].
    Action(u32),
    /// The cluster autoscaler, removing this node.
    Autoscaler(NodeId),
}

impl EvictionCaller {
    /// `drain`, `upgrade`, `action` or `autoscaler`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drain(_) => "drain",
            Self::Upgrade(_) => "upgrade",
            Self::Action(_) => "action",
            Self::Autoscaler(_) => "autoscaler",
        }
    }
}

/// Why an eviction was allowed (201).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionGrant {
    /// `canIgnorePDB`: the pod is terminal, Pending, or already being deleted (the words say
    /// which); no PDB is looked at.
    NoBudgetCheck(&'static str),
    /// No PDB selects the pod.
    NoPdb,
    /// The pod is not Ready and its PDB says `unhealthyPodEvictionPolicy: AlwaysAllow`.
    UnhealthyAlwaysAllow,
    /// The pod is not Ready and its PDB's budget is met (`IfHealthyBudget`): no disruption
    /// used.
    UnhealthyBudgetMet,
    /// `checkAndDecrement` used one of the PDB's disruptions.
    Budget,
}

impl EvictionGrant {
    /// kubesim's words for why the eviction went ahead.
    pub fn detail(self) -> &'static str {
        match self {
            Self::NoBudgetCheck(why) => why,
            Self::NoPdb => "no PodDisruptionBudget",
            Self::UnhealthyAlwaysAllow => "pod not Ready, unhealthyPodEvictionPolicy AlwaysAllow",
            Self::UnhealthyBudgetMet => "pod not Ready, budget met: no disruption used",
            Self::Budget => "one disruption used",
        }
    }
}

/// The API server's answer to one eviction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictionAnswer {
    /// 201 Created (`metav1.Status{Status: Success}`, which the create handler sends with
    /// 201): the pod is being deleted (in a dry run: would be).
    Created(EvictionGrant),
    /// 404: the pod does not exist.
    NotFound,
    /// 429: the PDB has no disruption left.
    BudgetExhausted {
        /// The PDB's `desiredHealthy`.
        desired: i32,
        /// The PDB's `currentHealthy`.
        current: i32,
    },
    /// 429: the PDB's status is older than its spec (`observedGeneration < generation`).
    StillProcessing,
    /// 403: the PDB's `disruptionsAllowed` is negative.
    NegativeAllowed,
    /// 403: the PDB's `disruptedPods` holds more than `MaxDisruptedPodSize` (2000) pods.
    TooManyDisrupted,
    /// 500: more than one PDB selects the pod.
    MultiplePdbs,
}

impl EvictionAnswer {
    /// The HTTP status code.
    pub fn code(self) -> u16 {
        match self {
            Self::Created(_) => 201,
            Self::NotFound => 404,
            Self::BudgetExhausted { .. } | Self::StillProcessing => 429,
            Self::NegativeAllowed | Self::TooManyDisrupted => 403,
            Self::MultiplePdbs => 500,
        }
    }

    /// Whether the eviction was allowed.
    pub fn allowed(self) -> bool {
        matches!(self, Self::Created(_))
    }

    /// The `metav1.Status` reason: empty for a success and for the 500, which upstream
    /// returns as a bare `metav1.Status{Status: Failure, Message, Code: 500}`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Created(_) | Self::MultiplePdbs => "",
            Self::NotFound => "NotFound",
            Self::BudgetExhausted { .. } | Self::StillProcessing => "TooManyRequests",
            Self::NegativeAllowed | Self::TooManyDisrupted => "Forbidden",
        }
    }

    /// The `metav1.Status` message, given the pod's name and the PDB's (the first consulted):
    /// empty for a success; `errors.NewNotFound` and `errors.NewForbidden` word theirs as
    /// `pods "<name>" not found` and `poddisruptionbudget.policy "<name>" is forbidden: ...`
    /// (`policy.Resource("poddisruptionbudget")`, singular).
    pub fn message(self, pod: &str, pdb: &str) -> String {
        match self {
            Self::Created(_) => String::new(),
            Self::NotFound => format!("pods \"{pod}\" not found"),
            Self::BudgetExhausted { .. } | Self::StillProcessing => MSG_VIOLATES_BUDGET.into(),
            Self::NegativeAllowed => format!(
                "poddisruptionbudget.policy \"{pdb}\" is forbidden: pdb disruptions allowed is negative"
            ),
            Self::TooManyDisrupted => format!(
                "poddisruptionbudget.policy \"{pdb}\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller"
            ),
            Self::MultiplePdbs => MSG_MULTIPLE_PDBS.into(),
        }
    }

    /// The status cause (`details.causes[0]`, type [`CAUSE_DISRUPTION_BUDGET`]) of a 429: its
    /// message, given the PDB's name; None for the other answers.
    pub fn cause(self, pdb: &str) -> Option<String> {
        match self {
            Self::BudgetExhausted { desired, current } => Some(format!(
                "The disruption budget {pdb} needs {desired} healthy pods and has {current} currently"
            )),
            Self::StillProcessing => {
                Some(format!("The disruption budget {pdb} is still being processed by the server."))
            }
            _ => None,
        }
    }
}

/// A PDB the API looked at for one eviction, with its `disruptionsAllowed` before and after
/// the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsultedPdb {
    /// The PDB.
    pub pdb: PdbId,
    /// `status.disruptionsAllowed` when the call came.
    pub allowed_before: i32,
    /// `status.disruptionsAllowed` after it (one less after a decrement; the same after a
    /// refusal or a dry run).
    pub allowed_after: i32,
}

/// One eviction call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvictionCall {
    /// When it was posted.
    pub time: SimTime,
    /// The pod (its slot stays after it is removed, so its name can be read at the end).
    pub pod: PodId,
    /// Who posted it.
    pub caller: EvictionCaller,
    /// `dryRun: [All]`: the answer without any change.
    pub dry_run: bool,
    /// The answer.
    pub answer: EvictionAnswer,
    /// Where its consulted PDBs start in [`EvictionCalls::pdbs`].
    pdbs_start: u32,
    /// How many there are.
    pdbs_len: u32,
}

/// Every eviction call of a run, in the order they were made. The consulted PDBs of all
/// calls share one list, so a call costs a fixed-size record and no allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvictionCalls {
    calls: Vec<EvictionCall>,
    pdbs: Vec<ConsultedPdb>,
}

impl EvictionCalls {
    /// Appends a call with the PDBs it consulted.
    pub fn push(
        &mut self,
        time: SimTime,
        pod: PodId,
        caller: EvictionCaller,
        dry_run: bool,
        answer: EvictionAnswer,
        pdbs: impl IntoIterator<Item = ConsultedPdb>,
    ) {
        let start = self.pdbs.len();
        self.pdbs.extend(pdbs);
        let narrow = |n: usize| u32::try_from(n).expect("fewer than 2^32 consulted PDBs");
        self.calls.push(EvictionCall {
            time,
            pod,
            caller,
            dry_run,
            answer,
            pdbs_start: narrow(start),
            pdbs_len: narrow(self.pdbs.len() - start),
        });
    }

    /// The calls, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &EvictionCall> + '_ {
        self.calls.iter()
    }

    /// The PDBs a call consulted (in listing order).
    pub fn pdbs(&self, call: &EvictionCall) -> &[ConsultedPdb] {
        let start = call.pdbs_start as usize;
        &self.pdbs[start..start + call.pdbs_len as usize]
    }

    /// The number of calls.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// No call made.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_the_api_server_words_them() {
        // checkAndDecrement: DisruptionsAllowed == 0 -> NewTooManyRequests(msg, 0) with a
        // DisruptionBudget cause.
        let a = EvictionAnswer::BudgetExhausted { desired: 2, current: 2 };
        assert_eq!((a.code(), a.reason()), (429, "TooManyRequests"));
        assert_eq!(a.message("web-1", "web-pdb"), MSG_VIOLATES_BUDGET);
        assert_eq!(
            a.cause("web-pdb").as_deref(),
            Some("The disruption budget web-pdb needs 2 healthy pods and has 2 currently")
        );
        // len(pdbs) > 1: a bare metav1.Status with Code 500 and no reason.
        let m = EvictionAnswer::MultiplePdbs;
        assert_eq!((m.code(), m.reason(), m.cause("x")), (500, "", None));
        assert_eq!(
            m.message("web-1", ""),
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
        );
        // errors.NewForbidden(policy.Resource("poddisruptionbudget"), name, err).
        let f = EvictionAnswer::NegativeAllowed;
        assert_eq!(
            (f.code(), f.reason(), f.message("p", "web-pdb").as_str()),
            (
                403,
                "Forbidden",
                "poddisruptionbudget.policy \"web-pdb\" is forbidden: pdb disruptions allowed is negative"
            )
        );
        // errors.NewNotFound(pods, name).
        let n = EvictionAnswer::NotFound;
        assert_eq!((n.code(), n.message("web-1", "").as_str()), (404, "pods \"web-1\" not found"));
        // metav1.Status{Status: Success}, written with 201 by the create handler.
        let c = EvictionAnswer::Created(EvictionGrant::NoPdb);
        assert_eq!((c.code(), c.reason(), c.message("p", "").as_str()), (201, "", ""));
    }

    #[test]
    fn calls_keep_their_own_pdbs() {
        let mut calls = EvictionCalls::default();
        let pdb = |i, b, a| ConsultedPdb { pdb: PdbId(i), allowed_before: b, allowed_after: a };
        let c = EvictionCaller::Action(0);
        calls.push(
            SimTime(1),
            PodId(0),
            c,
            false,
            EvictionAnswer::MultiplePdbs,
            [pdb(0, 1, 1), pdb(1, 2, 2)],
        );
        calls.push(SimTime(2), PodId(1), c, false, EvictionAnswer::NotFound, []);
        calls.push(
            SimTime(3),
            PodId(2),
            c,
            true,
            EvictionAnswer::Created(EvictionGrant::Budget),
            [pdb(1, 2, 2)],
        );
        let got: Vec<Vec<ConsultedPdb>> = calls.iter().map(|k| calls.pdbs(k).to_vec()).collect();
        assert_eq!(got, vec![vec![pdb(0, 1, 1), pdb(1, 2, 2)], vec![], vec![pdb(1, 2, 2)]]);
        assert_eq!(calls.len(), 3);
    }
}
