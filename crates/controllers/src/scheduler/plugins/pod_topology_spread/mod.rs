//! PodTopologySpread: spreads matching pods evenly over topology domains.
//! Source: `pkg/scheduler/framework/plugins/podtopologyspread/{plugin,common,filtering,scoring}.go`.
//!
//! - [`common`]: the constraints the plugin works with (`filterTopologySpreadConstraints`):
//!   `whenUnsatisfiable` picks Filter or Score, `minDomains` defaults to 1,
//!   `nodeAffinityPolicy` to Honor, `nodeTaintsPolicy` to Ignore, `matchLabelKeys` values of the
//!   incoming pod are ANDed into the selector; a pod without constraints gets the system
//!   defaults (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) with the selector of its
//!   controlling ReplicaSet or StatefulSet (`helper.DefaultSelector`; Services are not
//!   modelled, so their selectors are not merged in).
//! - [`filtering`]: `skew = matching pods in the node's domain + self-match − global minimum`
//!   (the minimum is 0 while there are fewer domains than `minDomains`); a node whose skew
//!   exceeds `maxSkew` is rejected, a node without the topology key is rejected as unresolvable.
//! - [`scoring`]: fewer matching pods in the node's domains is better, each constraint weighted
//!   by `ln(number of domains + 2)`, normalised so that the best node gets 100.
//!
//! Which pods count (`countPodsMatchSelector`): pods bound to a node, in the incoming pod's
//! namespace, matching the selector, not terminating (no `deletionTimestamp`) and not terminal.
//! Which nodes count (`calPreFilterState`): every node of the cluster (not only the feasible
//! ones) that has all the constraints' topology keys and passes the inclusion policies. The
//! counts live in the scheduler cache ([`crate::scheduler::cache::DomainCounter`]) and follow
//! every bind, deletion and node change instead of being recounted per attempt.

pub mod common;
pub mod filtering;
pub mod scoring;
#[cfg(test)]
mod tests;

pub use filtering::PreFilterState;
pub use scoring::PreScoreState;

use std::collections::HashMap;
use std::sync::Arc;

/// The constraints resolved for each pod shape ([`crate::scheduler::cache::SchedulerCache::shape`]):
/// pods of one template reuse them instead of resolving selectors and counters per attempt.
#[derive(Debug, Default)]
pub struct Memo {
    filter: HashMap<u32, Arc<Vec<filtering::FilterConstraint>>>,
    score: HashMap<u32, Arc<scoring::ScorePlan>>,
}

/// `ErrReasonConstraintsNotMatch`
pub const ERR_REASON_CONSTRAINTS_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`
pub const ERR_REASON_NODE_LABEL_NOT_MATCH: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";
