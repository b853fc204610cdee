//! `kubectl drain` (kubectl `pkg/cmd/drain/drain.go` `RunDrain`, `pkg/drain/drain.go`,
//! `pkg/drain/filters.go`), as a state machine whose decisions are values ([`DrainStep`]).
//!
//! 1. **Cordon** every target node first (`RunCordonOrUncordon(true)`).
//! 2. Then drain the nodes **one by one**. For a node, list its pods (and `--pod-selector`),
//!    sorted as the API lists them (namespace, name), and run the filters in order, stopping
//!    at the first that does not say "delete" ([`filter_pod`]): `skipDeleted`
//!    (`--skip-wait-for-delete-timeout`), `daemonSet` (error "DaemonSet-managed Pods (use
//!    --ignore-daemonsets to ignore)" unless `--ignore-daemonsets`, which leaves them),
//!    `mirrorPod` (skipped), `localStorage` (`emptyDir`: error "Pods with local storage (use
//!    --delete-emptydir-data to override)"), `unreplicated` (error "cannot delete Pods that
//!    declare no controller (use --force to override)"). Any error fails that node before
//!    anything is evicted ("cannot delete <reason>: ns/pod, ..."), and kubectl goes on with
//!    the next node.
//! 3. **Evict** every remaining pod at once (one goroutine each). A 429 prints "(will retry
//!    after 5s)", sleeps [`EVICT_ERROR_RETRY_DELAY`], re-reads the pod and tries again; 404
//!    means done; any other error fails the pod. Before each attempt, a passed `--timeout`
//!    fails the pod ("global timeout reached"). After a successful eviction `waitForDelete`
//!    polls every [`WAIT_FOR_DELETE_INTERVAL`] (first poll at once) until the pod is gone or
//!    has a new UID; the timeout interrupts the wait ("context deadline exceeded").
//!    With `--disable-eviction` the pods are deleted (no PDB check) and waited for together.
//! 4. The node is drained when every pod is done; it failed if any pod failed.
//!
//! Work follows events: the 5 s retries are timers per refused pod, and the 1 s polling is a
//! timer at the first poll tick after the pod's removal (the API tells the drain when the pod
//! goes), so a drain costs a few events per pod, not one per second. The `--timeout` is one
//! timer per node. Simplified: kubectl's client-side latencies are 0; the `--chunk-size` and
//! dry-run flags are not modelled.

use crate::api;
use crate::eviction::{self, EvictionResponse};
use crate::world::{Event, World};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::pod::ANNOTATION_MIRROR_POD;
use kubesim_model::{
    BlockedSpan, DrainOptions, DrainOutcome, DrainRecord, EvictionCaller, Kind, NodeDrainRecord,
    NodeId, PodId,
};
use std::collections::BTreeMap;

/// `EvictErrorRetryDelay`: how long kubectl waits after a 429 before evicting again.
pub const EVICT_ERROR_RETRY_DELAY: SimDuration = SimDuration::from_secs(5);
/// The `waitForDelete` poll interval.
pub const WAIT_FOR_DELETE_INTERVAL: SimDuration = SimDuration::from_secs(1);

/// `daemonSetFatal`
pub const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
/// `daemonSetWarning`
pub const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
/// `localStorageFatal`
pub const LOCAL_STORAGE_FATAL: &str =
    "Pods with local storage (use --delete-emptydir-data to override)";
/// `localStorageWarning`
pub const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
/// `unmanagedFatal`
pub const UNMANAGED_FATAL: &str =
    "cannot delete Pods that declare no controller (use --force to override)";
/// `unmanagedWarning`
pub const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";

/// What the filters need to know of a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PodFacts {
    /// The pod has a controller reference: `Some(kind)`, where the kind is `None` for a kind
    /// kubesim does not simulate (kept as written, see [`kubesim_model::OwnerKind`]).
    pub controller: Option<Option<Kind>>,
    /// The controller object exists (for a DaemonSet pod).
    pub controller_exists: bool,
    /// Phase Succeeded or Failed.
    pub terminal: bool,
    /// Has the `kubernetes.io/config.mirror` annotation.
    pub mirror: bool,
    /// Has an `emptyDir` volume.
    pub empty_dir: bool,
    /// Seconds since its deletionTimestamp, if it has one that has passed.
    pub deleted_for_seconds: Option<u64>,
}

/// A filter's verdict (`PodDeleteStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodDeleteStatus {
    /// Delete (evict) it.
    Okay,
    /// Leave it, silently.
    Skip,
    /// Delete it or leave it, with a warning.
    Warning {
        /// Whether it is deleted.
        delete: bool,
        /// The warning.
        message: String,
    },
    /// The node cannot be drained because of this pod.
    Error(String),
}

impl PodDeleteStatus {
    /// Whether the pod is to be evicted.
    pub fn delete(&self) -> bool {
        matches!(self, Self::Okay | Self::Warning { delete: true, .. })
    }
}

/// The filters in kubectl's order, stopping at the first that does not delete (`filterPods`).
pub fn filter_pod(p: &PodFacts, o: &DrainOptions) -> PodDeleteStatus {
    // skipDeletedFilter
    if o.skip_wait_for_delete_timeout_seconds > 0
        && p.deleted_for_seconds.is_some_and(|s| s > o.skip_wait_for_delete_timeout_seconds)
    {
        return PodDeleteStatus::Skip;
    }
    // daemonSetFilter
    let mut status = PodDeleteStatus::Okay;
    if p.controller == Some(Some(Kind::DaemonSet)) && !p.terminal {
        if !p.controller_exists {
            if o.force {
                status = PodDeleteStatus::Warning {
                    delete: true,
                    message: "daemonsets.apps not found".into(),
                };
            } else {
                return PodDeleteStatus::Error("daemonsets.apps not found".into());
            }
        } else if !o.ignore_daemonsets {
            return PodDeleteStatus::Error(DAEMONSET_FATAL.into());
        } else {
            return PodDeleteStatus::Warning { delete: false, message: DAEMONSET_WARNING.into() };
        }
    }
    // mirrorPodFilter
    if p.mirror {
        return PodDeleteStatus::Skip;
    }
    // localStorageFilter
    if p.empty_dir && !p.terminal {
        if !o.delete_emptydir_data {
            return PodDeleteStatus::Error(LOCAL_STORAGE_FATAL.into());
        }
        status = PodDeleteStatus::Warning { delete: true, message: LOCAL_STORAGE_WARNING.into() };
    }
    // unreplicatedFilter
    if !p.terminal && p.controller.is_none() {
        if !o.force {
            return PodDeleteStatus::Error(UNMANAGED_FATAL.into());
        }
        status = PodDeleteStatus::Warning { delete: true, message: UNMANAGED_WARNING.into() };
    }
    status
}

/// `PodDeleteList.errors()`: one error per message, listing its pods (`ns/name, ...`),
/// prefixed "cannot delete " unless the message already starts so. kubectl groups them in a
/// map (random order); kubesim lists them in the order the messages first appear.
pub fn filter_errors(statuses: &[(String, PodDeleteStatus)]) -> Vec<String> {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for (pod, s) in statuses {
        if let PodDeleteStatus::Error(msg) = s {
            match groups.iter_mut().find(|(m, _)| m == msg) {
                Some((_, pods)) => pods.push(pod),
                None => groups.push((msg.clone(), vec![pod])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(msg, pods)| {
            if msg.to_lowercase().starts_with("cannot delete") {
                format!("{msg}: {}", pods.join(", "))
            } else {
                format!("cannot delete {msg}: {}", pods.join(", "))
            }
        })
        .collect()
}

/// `utilerrors.NewAggregate(errs).Error()`: the one error, or `[a, b]`.
pub fn aggregate(errs: &[String]) -> String {
    match errs {
        [one] => one.clone(),
        _ => format!("[{}]", errs.join(", ")),
    }
}

/// What one pod's eviction loop does next: kubectl's goroutine as a value.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainStep {
    /// Post an eviction now.
    EvictNow,
    /// Sleep, then re-read the pod and evict again.
    RetryAfter(SimDuration),
    /// The eviction was accepted: poll until the pod is gone.
    WaitForDelete,
    /// The pod is gone (or was never found).
    Done,
    /// The pod cannot be evicted; kubectl's error.
    Failed(String),
}

/// Before an attempt: the `--timeout` check at the top of kubectl's loop.
pub fn before_attempt(
    now: SimTime,
    deadline: Option<SimTime>,
    timeout: Option<SimDuration>,
    namespace: &str,
    pod: &str,
) -> DrainStep {
    match (deadline, timeout) {
        (Some(d), Some(t)) if now >= d => DrainStep::Failed(format!(
            "error when evicting pods/\"{pod}\" -n \"{namespace}\": global timeout reached: {t}"
        )),
        _ => DrainStep::EvictNow,
    }
}

/// After an attempt: what kubectl does with the API's answer.
pub fn after_eviction(resp: &EvictionResponse, namespace: &str, pod: &str) -> DrainStep {
    match resp {
        EvictionResponse::Evicted(_) => DrainStep::WaitForDelete,
        EvictionResponse::NotFound => DrainStep::Done,
        EvictionResponse::Refused(r) if r.code() == 429 => {
            DrainStep::RetryAfter(EVICT_ERROR_RETRY_DELAY)
        }
        EvictionResponse::Refused(r) => DrainStep::Failed(format!(
            "error when evicting pods/\"{pod}\" -n \"{namespace}\": {}",
            r.message()
        )),
    }
}

/// The first `waitForDelete` poll that sees a pod removed at `removed`, when polling started
/// at `since` (immediately, then every second).
pub fn poll_notices(since: SimTime, removed: SimTime) -> SimTime {
    let elapsed = removed.saturating_since(since).as_millis();
    let step = WAIT_FOR_DELETE_INTERVAL.as_millis();
    since + SimDuration::from_millis(elapsed.div_ceil(step) * step)
}

/// One pod of the node being drained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PodState {
    /// Refused; a retry is due.
    Retrying,
    /// Evicted (or deleted); polling since the given time.
    Waiting(SimTime),
    /// Gone.
    Done,
    /// Failed.
    Failed,
}

/// Who runs a drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainOwner {
    /// A `drain` action.
    Action,
    /// A node-pool upgrade (index into the upgrades), told with [`Event::DrainFinished`].
    Upgrade(u32),
}

#[derive(Debug)]
struct Drain {
    record: usize,
    nodes: Vec<NodeId>,
    current: usize,
    opts: DrainOptions,
    deadline: Option<SimTime>,
    /// The pods of the current node: the pod being evicted (its current object) → state.
    pods: BTreeMap<PodId, PodState>,
    /// Errors of the current node.
    errors: Vec<String>,
    /// Pods whose evictions are being refused: pod → index in the record's `blocked`.
    blocked: BTreeMap<PodId, usize>,
    owner: DrainOwner,
    finished: bool,
    any_failed: bool,
}

/// Every drain of the run.
#[derive(Debug, Default)]
pub struct Drains {
    drains: Vec<Drain>,
}

impl Drains {
    /// No drains yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `kubectl drain` on `nodes`: cordons them all, then drains the first.
    pub fn start(
        &mut self,
        w: &mut World,
        nodes: Vec<NodeId>,
        opts: DrainOptions,
        label: String,
        owner: DrainOwner,
    ) -> u32 {
        let record = w.trace.drains.len();
        w.trace.drains.push(DrainRecord {
            label,
            start: w.now,
            end: None,
            outcome: DrainOutcome::Running,
            nodes: nodes
                .iter()
                .map(|&n| NodeDrainRecord {
                    node: w.cluster.nodes[n.index()].meta.name.clone(),
                    start: None,
                    end: None,
                    error: None,
                })
                .collect(),
            evictions_allowed: 0,
            evictions_refused: 0,
            deletions: 0,
            blocked: Vec::new(),
            upgrade: match owner {
                DrainOwner::Upgrade(u) => Some(u),
                DrainOwner::Action => None,
            },
        });
        for &n in &nodes {
            api::set_unschedulable(w, n, true);
        }
        let id = self.drains.len() as u32;
        self.drains.push(Drain {
            record,
            nodes,
            current: 0,
            opts,
            deadline: None,
            pods: BTreeMap::new(),
            errors: Vec::new(),
            blocked: BTreeMap::new(),
            owner,
            finished: false,
            any_failed: false,
        });
        self.run_nodes(w, id);
        id
    }

    /// How a drain ended so far.
    pub fn outcome(&self, w: &World, id: u32) -> DrainOutcome {
        w.trace.drains[self.drains[id as usize].record].outcome
    }

    /// Starts nodes from `current` until one has pods to wait for, or all are done.
    fn run_nodes(&mut self, w: &mut World, id: u32) {
        loop {
            let d = &mut self.drains[id as usize];
            if d.finished {
                return;
            }
            if d.current >= d.nodes.len() {
                self.finish(w, id);
                return;
            }
            self.start_node(w, id);
            let d = &self.drains[id as usize];
            if d.pods.values().any(|s| matches!(s, PodState::Retrying | PodState::Waiting(_))) {
                return;
            }
            self.finish_node(w, id);
            self.drains[id as usize].current += 1;
        }
    }

    /// Lists and filters the pods of the current node, then evicts (or deletes) them.
    fn start_node(&mut self, w: &mut World, id: u32) {
        let now = w.now;
        let d = &mut self.drains[id as usize];
        let node = d.nodes[d.current];
        w.trace.drains[d.record].nodes[d.current].start = Some(now);
        d.pods.clear();
        d.errors.clear();
        d.deadline = d.opts.timeout.map(|t| now + t);
        let mut listed: Vec<PodId> = w
            .cluster
            .pods_on_node(node)
            .iter()
            .copied()
            .filter(|&p| {
                let pod = &w.cluster.pods[p.index()];
                d.opts.pod_selector.as_ref().is_none_or(|s| s.matches(&pod.meta.labels))
            })
            .collect();
        listed.sort_by(|a, b| {
            let (x, y) = (&w.cluster.pods[a.index()].meta, &w.cluster.pods[b.index()].meta);
            (&x.namespace, &x.name).cmp(&(&y.namespace, &y.name))
        });
        let statuses: Vec<(PodId, String, PodDeleteStatus)> = listed
            .iter()
            .map(|&p| {
                let pod = &w.cluster.pods[p.index()];
                let facts = pod_facts(w, p);
                (
                    p,
                    format!("{}/{}", pod.meta.namespace, pod.meta.name),
                    filter_pod(&facts, &d.opts),
                )
            })
            .collect();
        let named: Vec<(String, PodDeleteStatus)> =
            statuses.iter().map(|(_, n, s)| (n.clone(), s.clone())).collect();
        let errors = filter_errors(&named);
        if !errors.is_empty() {
            d.errors = errors;
            return;
        }
        let to_evict: Vec<PodId> =
            statuses.iter().filter(|(_, _, s)| s.delete()).map(|(p, _, _)| *p).collect();
        if to_evict.is_empty() {
            return;
        }
        if let Some(at) = d.deadline {
            w.schedule_at(at, Event::DrainTimeout(id, d.current as u32));
        }
        if d.opts.disable_eviction {
            let grace = d.opts.grace_period_seconds;
            for &p in &to_evict {
                api::delete_pod(w, p, grace);
                w.trace.drains[d.record].deletions += 1;
                if w.cluster.pods[p.index()].removed.is_some() {
                    // Grace 0 (`--grace-period=0`, or a pod that already terminated): gone
                    // at once, seen by the first poll.
                    d.pods.insert(p, PodState::Done);
                } else {
                    d.pods.insert(p, PodState::Waiting(now));
                    watch(w, id, p);
                }
            }
            return;
        }
        for p in to_evict {
            self.attempt(w, id, p);
        }
    }

    /// One turn of a pod's eviction loop.
    fn attempt(&mut self, w: &mut World, id: u32, pod: PodId) {
        let now = w.now;
        let d = &mut self.drains[id as usize];
        let (ns, name) = {
            let m = &w.cluster.pods[pod.index()].meta;
            (m.namespace.clone(), m.name.clone())
        };
        if let DrainStep::Failed(e) = before_attempt(now, d.deadline, d.opts.timeout, &ns, &name) {
            d.pods.insert(pod, PodState::Failed);
            d.errors.push(e);
            close_block(w, d, pod, now);
            return;
        }
        let caller = match d.owner {
            DrainOwner::Action => EvictionCaller::Drain(d.record as u32),
            DrainOwner::Upgrade(_) => EvictionCaller::Upgrade(d.record as u32),
        };
        let resp = eviction::evict(w, pod, d.opts.grace_period_seconds, caller);
        let (t, reason, msg) =
            eviction::eviction_event(&resp, &ns, &name, Some(EVICT_ERROR_RETRY_DELAY));
        if resp != EvictionResponse::NotFound {
            w.record_pod(pod, t, reason, msg);
        }
        let rec = d.record;
        match after_eviction(&resp, &ns, &name) {
            DrainStep::WaitForDelete => {
                w.trace.drains[rec].evictions_allowed += 1;
                close_block(w, d, pod, now);
                if w.cluster.pods[pod.index()].removed.is_some() {
                    d.pods.insert(pod, PodState::Done);
                } else {
                    d.pods.insert(pod, PodState::Waiting(now));
                    watch(w, id, pod);
                }
            }
            DrainStep::Done | DrainStep::EvictNow => {
                close_block(w, d, pod, now);
                d.pods.insert(pod, PodState::Done);
            }
            DrainStep::RetryAfter(delay) => {
                w.trace.drains[rec].evictions_refused += 1;
                if let EvictionResponse::Refused(r) = &resp
                    && let Some(pdb) = r.pdb()
                    && !d.blocked.contains_key(&pod)
                {
                    let m = &w.cluster.pdbs[pdb.index()].meta;
                    let spans = &mut w.trace.drains[rec].blocked;
                    spans.push(BlockedSpan {
                        pdb: format!("{}/{}", m.namespace, m.name),
                        pod: format!("{ns}/{name}"),
                        from: now,
                        to: None,
                    });
                    d.blocked.insert(pod, spans.len() - 1);
                }
                d.pods.insert(pod, PodState::Retrying);
                w.schedule(delay, Event::DrainRetry(id, pod));
            }
            DrainStep::Failed(e) => {
                d.pods.insert(pod, PodState::Failed);
                d.errors.push(e);
                close_block(w, d, pod, now);
            }
        }
    }

    /// Handles `DrainRetry`: re-read the pod (a new pod of the same name replaces it, as
    /// kubectl's GET by name does) and evict again.
    pub fn retry(&mut self, w: &mut World, id: u32, pod: PodId) {
        let d = &mut self.drains[id as usize];
        if d.finished || d.pods.get(&pod) != Some(&PodState::Retrying) {
            return;
        }
        let m = &w.cluster.pods[pod.index()].meta;
        let current = w.cluster.pod_by_name(&m.namespace, &m.name).unwrap_or(pod);
        if current != pod {
            d.pods.remove(&pod);
            if let Some(span) = d.blocked.remove(&pod) {
                d.blocked.insert(current, span);
            }
        }
        self.attempt(w, id, current);
        self.after_change(w, id);
    }

    /// Handles `DrainPodRemoved`: schedule the poll that notices it.
    pub fn pod_removed(&mut self, w: &mut World, id: u32, pod: PodId) {
        let d = &self.drains[id as usize];
        if let Some(&PodState::Waiting(since)) = d.pods.get(&pod) {
            let at = poll_notices(since, w.now);
            w.schedule_at(at, Event::DrainPodGone(id, pod));
        }
    }

    /// Handles `DrainPodGone`: the poll saw the pod gone.
    pub fn pod_gone(&mut self, w: &mut World, id: u32, pod: PodId) {
        let d = &mut self.drains[id as usize];
        if d.finished || !matches!(d.pods.get(&pod), Some(PodState::Waiting(_))) {
            return;
        }
        d.pods.insert(pod, PodState::Done);
        self.after_change(w, id);
    }

    /// Handles `DrainTimeout`: the node's `--timeout` expired; pods still being waited for
    /// fail now, pods sleeping after a 429 fail at their next attempt.
    pub fn timeout(&mut self, w: &mut World, id: u32, node_index: u32) {
        let d = &mut self.drains[id as usize];
        if d.finished || d.current != node_index as usize {
            return;
        }
        let waiting: Vec<PodId> = d
            .pods
            .iter()
            .filter(|(_, s)| matches!(s, PodState::Waiting(_)))
            .map(|(p, _)| *p)
            .collect();
        if waiting.is_empty() {
            return;
        }
        if d.opts.disable_eviction {
            d.errors.push("context deadline exceeded".into());
        }
        for p in waiting {
            d.pods.insert(p, PodState::Failed);
            if !d.opts.disable_eviction {
                let m = &w.cluster.pods[p.index()].meta;
                d.errors.push(format!(
                    "error when waiting for pod \"{}\" in namespace \"{}\" to terminate: context deadline exceeded",
                    m.name, m.namespace
                ));
            }
        }
        self.after_change(w, id);
    }

    /// A node-pool upgrade's `force-after`: the pods whose evictions are still refused are
    /// deleted without the Eviction API (grace period as the drain's), and waited for.
    pub fn force_delete(&mut self, w: &mut World, id: u32) {
        let now = w.now;
        let d = &mut self.drains[id as usize];
        if d.finished {
            return;
        }
        let refused: Vec<PodId> =
            d.pods.iter().filter(|(_, s)| **s == PodState::Retrying).map(|(p, _)| *p).collect();
        for p in refused {
            close_block(w, d, p, now);
            api::delete_pod(w, p, d.opts.grace_period_seconds);
            w.trace.drains[d.record].deletions += 1;
            if w.cluster.pods[p.index()].removed.is_some() {
                d.pods.insert(p, PodState::Done);
            } else {
                d.pods.insert(p, PodState::Waiting(now));
                watch(w, id, p);
            }
        }
        self.after_change(w, id);
    }

    /// Stops a drain (its owner gave up): pending retries and polls are ignored from now on.
    pub fn cancel(&mut self, w: &mut World, id: u32) {
        let now = w.now;
        let d = &mut self.drains[id as usize];
        if d.finished {
            return;
        }
        let blocked: Vec<PodId> = d.blocked.keys().copied().collect();
        for p in blocked {
            close_block(w, d, p, now);
        }
        d.finished = true;
        let rec = &mut w.trace.drains[d.record];
        rec.end = Some(now);
        rec.outcome = DrainOutcome::Cancelled;
        if let Some(n) = rec.nodes.get_mut(d.current)
            && n.end.is_none()
        {
            n.end = Some(now);
            n.error = Some("cancelled".into());
        }
    }

    /// After a pod of the current node changed state: finish the node when no pod is left
    /// in progress, and go on with the next.
    fn after_change(&mut self, w: &mut World, id: u32) {
        let d = &self.drains[id as usize];
        if d.finished
            || d.pods.values().any(|s| matches!(s, PodState::Retrying | PodState::Waiting(_)))
        {
            return;
        }
        self.finish_node(w, id);
        self.drains[id as usize].current += 1;
        self.run_nodes(w, id);
    }

    /// Records the current node's end (and error).
    fn finish_node(&mut self, w: &mut World, id: u32) {
        let now = w.now;
        let d = &mut self.drains[id as usize];
        let rec = &mut w.trace.drains[d.record].nodes[d.current];
        rec.end = Some(now);
        if !d.errors.is_empty() {
            rec.error = Some(aggregate(&d.errors));
            d.any_failed = true;
        }
    }

    fn finish(&mut self, w: &mut World, id: u32) {
        let d = &mut self.drains[id as usize];
        d.finished = true;
        let rec = &mut w.trace.drains[d.record];
        rec.end = Some(w.now);
        rec.outcome = if d.any_failed { DrainOutcome::Failed } else { DrainOutcome::Drained };
        if let DrainOwner::Upgrade(_) = d.owner {
            w.queue.schedule(w.now, Event::DrainFinished(id));
        }
    }
}

/// Registers the drain's interest in the pod's removal.
fn watch(w: &mut World, id: u32, pod: PodId) {
    w.watch_removal(pod, Event::DrainPodRemoved(id, pod));
}

/// Ends the pod's blocked span, if it has one open.
fn close_block(w: &mut World, d: &mut Drain, pod: PodId, now: SimTime) {
    if let Some(i) = d.blocked.remove(&pod) {
        w.trace.drains[d.record].blocked[i].to = Some(now);
    }
}

/// The facts the filters read, from the pod and the cluster.
pub fn pod_facts(w: &World, p: PodId) -> PodFacts {
    let pod = &w.cluster.pods[p.index()];
    PodFacts {
        controller: pod.meta.owner.as_ref().map(|o| o.kind.known()),
        controller_exists: w.cluster.controller_of(p).is_some(),
        terminal: pod.status.phase.is_terminal(),
        mirror: pod.meta.annotations.contains_key(ANNOTATION_MIRROR_POD),
        empty_dir: !pod.spec.empty_dir_volumes.is_empty(),
        deleted_for_seconds: pod
            .meta
            .deletion
            .filter(|&t| t <= w.now)
            .map(|t| w.now.saturating_since(t).as_millis() / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eviction::{Allowed, Refused};
    use kubesim_model::PdbId;

    fn managed() -> PodFacts {
        PodFacts {
            controller: Some(Some(Kind::ReplicaSet)),
            controller_exists: true,
            ..PodFacts::default()
        }
    }

    #[test]
    fn filters_in_kubectls_order() {
        let none = DrainOptions::default();
        assert_eq!(filter_pod(&managed(), &none), PodDeleteStatus::Okay);
        // DaemonSet pods need --ignore-daemonsets, and are then left alone with a warning.
        let ds = PodFacts { controller: Some(Some(Kind::DaemonSet)), ..managed() };
        assert_eq!(filter_pod(&ds, &none), PodDeleteStatus::Error(DAEMONSET_FATAL.into()));
        let ignore = DrainOptions { ignore_daemonsets: true, ..DrainOptions::default() };
        assert_eq!(
            filter_pod(&ds, &ignore),
            PodDeleteStatus::Warning { delete: false, message: DAEMONSET_WARNING.into() }
        );
        // A finished DaemonSet pod can be removed.
        assert_eq!(filter_pod(&PodFacts { terminal: true, ..ds }, &none), PodDeleteStatus::Okay);
        // Mirror pods are skipped silently (before the local-storage and controller checks).
        let mirror = PodFacts { mirror: true, controller: None, empty_dir: true, ..managed() };
        assert_eq!(filter_pod(&mirror, &none), PodDeleteStatus::Skip);
        // emptyDir needs --delete-emptydir-data.
        let local = PodFacts { empty_dir: true, ..managed() };
        assert_eq!(filter_pod(&local, &none), PodDeleteStatus::Error(LOCAL_STORAGE_FATAL.into()));
        let del = DrainOptions { delete_emptydir_data: true, ..DrainOptions::default() };
        assert!(filter_pod(&local, &del).delete());
        // Bare pods need --force.
        let bare = PodFacts { controller: None, ..managed() };
        assert_eq!(filter_pod(&bare, &none), PodDeleteStatus::Error(UNMANAGED_FATAL.into()));
        let force = DrainOptions { force: true, ..DrainOptions::default() };
        assert_eq!(
            filter_pod(&bare, &force),
            PodDeleteStatus::Warning { delete: true, message: UNMANAGED_WARNING.into() }
        );
        // A bare pod with emptyDir: the local-storage error comes first.
        let both = PodFacts { controller: None, empty_dir: true, ..managed() };
        assert_eq!(filter_pod(&both, &force), PodDeleteStatus::Error(LOCAL_STORAGE_FATAL.into()));
        // --skip-wait-for-delete-timeout=10: a pod deleted 11 s ago is skipped, 10 s is not.
        let skip =
            DrainOptions { skip_wait_for_delete_timeout_seconds: 10, ..DrainOptions::default() };
        assert_eq!(
            filter_pod(&PodFacts { deleted_for_seconds: Some(11), ..managed() }, &skip),
            PodDeleteStatus::Skip
        );
        assert_eq!(
            filter_pod(&PodFacts { deleted_for_seconds: Some(10), ..managed() }, &skip),
            PodDeleteStatus::Okay
        );
    }

    #[test]
    fn filter_errors_read_like_kubectl() {
        let s = vec![
            ("default/ds-x".to_string(), PodDeleteStatus::Error(DAEMONSET_FATAL.into())),
            ("default/bare".to_string(), PodDeleteStatus::Error(UNMANAGED_FATAL.into())),
            ("default/ds-y".to_string(), PodDeleteStatus::Error(DAEMONSET_FATAL.into())),
            ("default/ok".to_string(), PodDeleteStatus::Okay),
        ];
        let e = filter_errors(&s);
        assert_eq!(
            e,
            [
                "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-x, default/ds-y",
                "cannot delete Pods that declare no controller (use --force to override): default/bare",
            ]
        );
        assert_eq!(aggregate(&e[1..]), e[1]);
        assert!(aggregate(&e).starts_with("[cannot delete DaemonSet"));
    }

    #[test]
    fn steps_after_each_answer() {
        let refused = EvictionResponse::Refused(Refused::TooManyRequests {
            pdb: PdbId(0),
            cause: String::new(),
        });
        assert_eq!(
            after_eviction(&refused, "ns", "p"),
            DrainStep::RetryAfter(SimDuration::from_secs(5))
        );
        assert_eq!(
            after_eviction(&EvictionResponse::Evicted(Allowed::NoPdb), "ns", "p"),
            DrainStep::WaitForDelete
        );
        assert_eq!(after_eviction(&EvictionResponse::NotFound, "ns", "p"), DrainStep::Done);
        assert_eq!(
            after_eviction(&EvictionResponse::Refused(Refused::MultiplePdbs), "ns", "p"),
            DrainStep::Failed("error when evicting pods/\"p\" -n \"ns\": This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".into())
        );
        // --timeout 60s from 0: an attempt at 55 s goes ahead, one at 60 s fails.
        let (dl, t) = (Some(SimTime(60_000)), Some(SimDuration::from_secs(60)));
        assert_eq!(before_attempt(SimTime(55_000), dl, t, "ns", "p"), DrainStep::EvictNow);
        assert_eq!(
            before_attempt(SimTime(60_000), dl, t, "ns", "p"),
            DrainStep::Failed(
                "error when evicting pods/\"p\" -n \"ns\": global timeout reached: 1m0s".into()
            )
        );
        assert_eq!(before_attempt(SimTime(1 << 40), None, None, "ns", "p"), DrainStep::EvictNow);
    }

    #[test]
    fn polls_notice_removal_on_the_next_whole_second() {
        // Polling from 10.0 s: a pod removed at 10.0 s is seen at once, at 41.3 s at 42.0 s,
        // at 41.0 s exactly at 41.0 s.
        let since = SimTime(10_000);
        assert_eq!(poll_notices(since, SimTime(10_000)), SimTime(10_000));
        assert_eq!(poll_notices(since, SimTime(41_300)), SimTime(42_000));
        assert_eq!(poll_notices(since, SimTime(41_000)), SimTime(41_000));
    }
}
