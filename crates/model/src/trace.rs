//! The trace: what happened during a run. Every output (CSV, charts, summary) is computed
//! from it, so what a user sees and what a check asserts cannot disagree.

use crate::meta::Kind;
use kubesim_engine::SimTime;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// `type` of a Kubernetes Event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `Normal`
    Normal,
    /// `Warning`
    Warning,
}

impl EventType {
    /// `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warning => "Warning",
        }
    }
}

/// One event, as `kubectl get events` would list it: the owned form, to build one (tests,
/// fixtures) and hand it to [`Events::push`]. The trace stores events packed (see
/// [`Events`]) and lends them out as [`EventRef`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// When it happened.
    pub time: SimTime,
    /// Normal or Warning.
    pub event_type: EventType,
    /// The kind of the involved object.
    pub kind: Kind,
    /// The namespace of the involved object (empty for nodes).
    pub namespace: Arc<str>,
    /// The name of the involved object.
    pub name: Arc<str>,
    /// `reason`, e.g. `Scheduled`, `FailedScheduling`, `Killing`.
    pub reason: &'static str,
    /// `message`, worded like the Kubernetes component's.
    pub message: String,
    /// The node involved, if any (empty if none).
    pub node: Arc<str>,
}

/// One recorded event, borrowed from the trace ([`Events::iter`], [`Events::get`]): the
/// fields of [`TraceEvent`], with the strings borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// When it happened.
    pub time: SimTime,
    /// Normal or Warning.
    pub event_type: EventType,
    /// The kind of the involved object.
    pub kind: Kind,
    /// The namespace of the involved object (empty for nodes).
    pub namespace: &'a str,
    /// The name of the involved object.
    pub name: &'a str,
    /// `reason`, e.g. `Scheduled`, `FailedScheduling`, `Killing`.
    pub reason: &'static str,
    /// `message`, worded like the Kubernetes component's.
    pub message: &'a str,
    /// The node involved, if any (empty if none).
    pub node: &'a str,
}

impl EventRef<'_> {
    /// The event in its owned form.
    pub fn to_event(&self) -> TraceEvent {
        TraceEvent {
            time: self.time,
            event_type: self.event_type,
            kind: self.kind,
            namespace: Arc::from(self.namespace),
            name: Arc::from(self.name),
            reason: self.reason,
            message: self.message.to_string(),
            node: Arc::from(self.node),
        }
    }
}

/// One event as the trace keeps it (32 bytes): the strings are ids into [`Strings`], the
/// reason an index into the reasons seen so far.
#[derive(Debug, Clone, Copy)]
struct Packed {
    time: SimTime,
    namespace: u32,
    name: u32,
    node: u32,
    message: u32,
    reason: u16,
    event_type: EventType,
    kind: Kind,
}

/// Events per storage chunk: the events are kept in chunks of this many, so the store grows
/// without copying (and never holds more than one chunk of unused room).
const CHUNK_EVENTS: usize = 1 << 15;

/// Bytes per text chunk of [`Strings`] (a longer string gets a chunk of its own).
const TEXT_CHUNK: usize = 1 << 20;

/// Where one string lies in the text chunks.
#[derive(Debug, Clone, Copy)]
struct Span {
    chunk: u32,
    start: u32,
    len: u32,
}

/// A hasher for keys that are already hashes (the u64 of [`Strings::index`]).
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type PassThroughMap = HashMap<u64, u32, BuildHasherDefault<PassThrough>>;

/// The strings of the events (names, namespaces, nodes, messages), each kept once: most
/// messages repeat (`Started container app`, a readiness probe's failure, ...) and every
/// event of one pod names it again. Strings are appended to large text chunks that are never
/// reallocated, and found again by a hash of their text; ids are given in order of first use,
/// so nothing here depends on the hash (a collision of two different texts only costs the
/// second its sharing).
#[derive(Debug, Clone, Default)]
struct Strings {
    text: Vec<String>,
    spans: Vec<Span>,
    index: PassThroughMap,
}

impl Strings {
    fn hash(s: &str) -> u64 {
        // SipHash with fixed keys: the same on every run (not that any output depends on it).
        let mut h = std::hash::DefaultHasher::new();
        h.write(s.as_bytes());
        h.finish()
    }

    fn get(&self, id: u32) -> &str {
        let span = self.spans[id as usize];
        let start = span.start as usize;
        &self.text[span.chunk as usize][start..start + span.len as usize]
    }

    fn intern(&mut self, s: &str) -> u32 {
        let h = Self::hash(s);
        match self.index.get(&h) {
            Some(&id) if self.get(id) == s => id,
            Some(_) => self.append(s),
            None => {
                let id = self.append(s);
                self.index.insert(h, id);
                id
            }
        }
    }

    fn append(&mut self, s: &str) -> u32 {
        let fits = self.text.last().is_some_and(|t| t.capacity() - t.len() >= s.len());
        if !fits {
            self.text.push(String::with_capacity(TEXT_CHUNK.max(s.len())));
        }
        let chunk = self.text.len() - 1;
        let t = &mut self.text[chunk];
        let start = t.len();
        t.push_str(s);
        let id = u32::try_from(self.spans.len()).expect("fewer than 2^32 distinct strings");
        let narrow = |n: usize| u32::try_from(n).expect("a text chunk is under 4 GiB");
        self.spans.push(Span { chunk: narrow(chunk), start: narrow(start), len: narrow(s.len()) });
        id
    }
}

/// The events of a run, in the order they happened, kept compact (issue 11, compact state):
/// 32 bytes per event in fixed-size chunks, with each distinct string (name, namespace, node,
/// message) stored once. Read them with [`Events::iter`] (or `for e in &events`) and
/// [`Events::get`], which lend [`EventRef`]s.
#[derive(Clone, Default)]
pub struct Events {
    chunks: Vec<Vec<Packed>>,
    len: usize,
    strings: Strings,
    reasons: Vec<&'static str>,
    reason_ids: HashMap<&'static str, u16>,
}

impl Events {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        time: SimTime,
        event_type: EventType,
        kind: Kind,
        namespace: &str,
        name: &str,
        reason: &'static str,
        message: &str,
        node: &str,
    ) {
        let reason = match self.reason_ids.get(reason) {
            Some(&r) => r,
            None => {
                let r = u16::try_from(self.reasons.len()).expect("fewer than 65,536 reasons");
                self.reasons.push(reason);
                self.reason_ids.insert(reason, r);
                r
            }
        };
        let packed = Packed {
            time,
            namespace: self.strings.intern(namespace),
            name: self.strings.intern(name),
            node: self.strings.intern(node),
            message: self.strings.intern(message),
            reason,
            event_type,
            kind,
        };
        if self.chunks.last().is_none_or(|c| c.len() == CHUNK_EVENTS) {
            self.chunks.push(Vec::with_capacity(CHUNK_EVENTS));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.push(packed);
        }
        self.len += 1;
    }

    /// Appends an event given in its owned form.
    pub fn push(&mut self, e: TraceEvent) {
        self.record(
            e.time,
            e.event_type,
            e.kind,
            &e.namespace,
            &e.name,
            e.reason,
            &e.message,
            &e.node,
        );
    }

    /// The number of events.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No event recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The event at `i` (in recording order), if there is one.
    pub fn get(&self, i: usize) -> Option<EventRef<'_>> {
        if i >= self.len {
            return None;
        }
        let p = &self.chunks[i / CHUNK_EVENTS][i % CHUNK_EVENTS];
        Some(EventRef {
            time: p.time,
            event_type: p.event_type,
            kind: p.kind,
            namespace: self.strings.get(p.namespace),
            name: self.strings.get(p.name),
            reason: self.reasons[p.reason as usize],
            message: self.strings.get(p.message),
            node: self.strings.get(p.node),
        })
    }

    /// The events in recording order (double-ended: `.rev()` reads the latest first).
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// The events from index `start` on (none if `start` is past the end).
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        Iter { events: self, front: start.min(self.len), back: self.len }
    }
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Events {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Events {}

impl Extend<TraceEvent> for Events {
    fn extend<I: IntoIterator<Item = TraceEvent>>(&mut self, iter: I) {
        for e in iter {
            self.push(e);
        }
    }
}

impl FromIterator<TraceEvent> for Events {
    fn from_iter<I: IntoIterator<Item = TraceEvent>>(iter: I) -> Self {
        let mut events = Self::new();
        events.extend(iter);
        events
    }
}

/// An iterator over [`Events`].
#[derive(Clone)]
pub struct Iter<'a> {
    events: &'a Events,
    front: usize,
    back: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = EventRef<'a>;

    fn next(&mut self) -> Option<EventRef<'a>> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.events.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.events.get(self.back)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Events {
    type Item = EventRef<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// A time series table: one column per series, one row per instant at which some value changed.
///
/// Stored column by column as change lists (issue 11): each column keeps the rows at which its
/// value differs from the row before (and the first row), so a row costs O(columns changed),
/// not O(columns). Full rows are rebuilt on the way out ([`Metrics::rows`]), one column's step
/// series is read as is ([`Metrics::series`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Column names (without the time column).
    pub columns: Vec<String>,
    /// The time of each row, strictly increasing.
    times: Vec<SimTime>,
    /// Per column: the rows where its value changed, with the value from then on.
    changes: Vec<Changes>,
    /// The values of the last row (one per column once a row is recorded).
    last: Vec<i64>,
}

/// One column's changes: row indexes (increasing, starting at row 0) and the values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Changes {
    rows: Vec<u32>,
    values: Vec<i64>,
}

impl Changes {
    /// The value at `row` (the last change at or before it).
    fn at(&self, row: u32) -> Option<i64> {
        let i = self.rows.partition_point(|&r| r <= row);
        i.checked_sub(1).map(|i| self.values[i])
    }
}

impl Metrics {
    /// Empty metrics with these columns.
    pub fn new(columns: Vec<String>) -> Self {
        Self { columns, ..Self::default() }
    }

    /// Metrics with these columns and rows, recorded one by one (so consecutive equal rows
    /// are kept once, as [`Metrics::record`] does).
    pub fn from_rows(
        columns: Vec<String>,
        rows: impl IntoIterator<Item = (SimTime, Vec<i64>)>,
    ) -> Self {
        let mut m = Self::new(columns);
        for (t, v) in rows {
            m.record(t, &v);
        }
        m
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Appends a sample at `time` if it differs from the last row (a later sample at the same
    /// time replaces the earlier one, so each instant has its settled values). The first
    /// sample fixes the number of values per row; later samples are cut or padded with 0 to it.
    pub fn record(&mut self, time: SimTime, values: &[i64]) {
        if self.times.is_empty() {
            self.last = values.to_vec();
            self.changes =
                values.iter().map(|&v| Changes { rows: vec![0], values: vec![v] }).collect();
            self.times.push(time);
            return;
        }
        let value = |i: usize| values.get(i).copied().unwrap_or(0);
        if (0..self.last.len()).all(|i| self.last[i] == value(i)) {
            return;
        }
        let n = self.times.len();
        if self.times[n - 1] == time {
            // Replace the last row: each column's entry at that row is set, added, or dropped
            // when the value is back to the row before's.
            let row = (n - 1) as u32;
            let mut any = n == 1;
            for (i, ch) in self.changes.iter_mut().enumerate() {
                let v = value(i);
                self.last[i] = v;
                let has = ch.rows.last() == Some(&row);
                let before = if n == 1 {
                    None
                } else {
                    let k = ch.values.len() - usize::from(has);
                    k.checked_sub(1).map(|k| ch.values[k])
                };
                match (has, before) {
                    (true, Some(b)) if b == v => {
                        ch.rows.pop();
                        ch.values.pop();
                    }
                    (true, _) => {
                        if let Some(last) = ch.values.last_mut() {
                            *last = v;
                        }
                        any = true;
                    }
                    (false, b) => {
                        if b != Some(v) {
                            ch.rows.push(row);
                            ch.values.push(v);
                            any = true;
                        }
                    }
                }
            }
            // The row now equals the one before it: drop it.
            if !any {
                self.times.pop();
            }
            return;
        }
        let row = n as u32;
        for (i, ch) in self.changes.iter_mut().enumerate() {
            let v = value(i);
            if self.last[i] != v {
                self.last[i] = v;
                ch.rows.push(row);
                ch.values.push(v);
            }
        }
        self.times.push(time);
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// No row recorded.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The time of each row.
    pub fn times(&self) -> &[SimTime] {
        &self.times
    }

    /// The value of a column at `time` (the last row at or before it).
    pub fn value_at(&self, column: usize, time: SimTime) -> Option<i64> {
        let idx = self.times.partition_point(|t| *t <= time);
        let row = idx.checked_sub(1)?;
        self.changes.get(column)?.at(row as u32)
    }

    /// The value of a column in the first row.
    pub fn first_value(&self, column: usize) -> Option<i64> {
        self.changes.get(column)?.values.first().copied()
    }

    /// The value of a column in the last row.
    pub fn last_value(&self, column: usize) -> Option<i64> {
        self.last.get(column).copied()
    }

    /// One column as a step series: the first row and each row where the column changed, as
    /// (time, value from then on). Empty for a column that does not exist.
    pub fn series(&self, column: usize) -> impl Iterator<Item = (SimTime, i64)> + '_ {
        let ch = self.changes.get(column);
        let rows = ch.map_or(&[][..], |c| &c.rows[..]);
        let values = ch.map_or(&[][..], |c| &c.values[..]);
        rows.iter().zip(values).map(|(&r, &v)| (self.times[r as usize], v))
    }

    /// Every row with all its values, in time order (see [`Steps`]).
    pub fn rows(&self) -> Steps<'_> {
        self.steps((0..self.changes.len()).collect())
    }

    /// The rows where one of `columns` changed (and the first row), with the values of
    /// `columns` only, in that order (see [`Steps`]). A column that does not exist reads 0.
    pub fn steps(&self, columns: Vec<usize>) -> Steps<'_> {
        let n = columns.len();
        Steps { m: self, pos: vec![0; n], values: vec![0; n], columns, next: 0 }
    }

    /// Every row as (time, values), materialised (for tests and small tables).
    pub fn to_rows(&self) -> Vec<(SimTime, Vec<i64>)> {
        let mut out = Vec::with_capacity(self.len());
        let mut rows = self.rows();
        while let Some((t, v)) = rows.advance() {
            out.push((t, v.to_vec()));
        }
        out
    }
}

/// A cursor over the rows of [`Metrics`] where one of some columns changed, yielding each as
/// (time, the values of those columns): `while let Some((t, v)) = steps.advance() { .. }`.
/// Each step costs O(columns followed).
pub struct Steps<'a> {
    m: &'a Metrics,
    columns: Vec<usize>,
    /// Per followed column: its next change not yet applied.
    pos: Vec<usize>,
    values: Vec<i64>,
    /// The next row to yield (`m.len()` when done).
    next: usize,
}

impl Steps<'_> {
    fn changes(&self, i: usize) -> Option<&Changes> {
        self.m.changes.get(self.columns[i])
    }

    /// The next step, or `None` after the last.
    pub fn advance(&mut self) -> Option<(SimTime, &[i64])> {
        let row = self.next;
        let time = *self.m.times.get(row)?;
        for i in 0..self.columns.len() {
            let p = self.pos[i];
            let Some(ch) = self.changes(i) else { continue };
            if ch.rows.get(p) == Some(&(row as u32)) {
                self.values[i] = ch.values[p];
                self.pos[i] = p + 1;
            }
        }
        // The next row at which a followed column changes; the first row is always a step.
        self.next = (0..self.columns.len())
            .filter_map(|i| self.changes(i)?.rows.get(self.pos[i]).map(|&r| r as usize))
            .min()
            .unwrap_or(self.m.times.len());
        Some((time, &self.values))
    }

    /// The time of the step after the one last returned (`None` if it was the last).
    pub fn peek_time(&self) -> Option<SimTime> {
        self.m.times.get(self.next).copied()
    }
}

/// A scenario action, marked on charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// When the action ran.
    pub time: SimTime,
    /// A short label, e.g. `cordon node-1`.
    pub label: String,
}

/// Everything a run recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Events in the order they happened.
    pub events: Events,
    /// Metrics over time.
    pub metrics: Metrics,
    /// Actions, in time order.
    pub marks: Vec<Mark>,
    /// When the run ended (the scenario's duration, or the time nothing was left to do).
    pub end: SimTime,
    /// How many queue events the engine processed.
    pub events_processed: u64,
    /// Drains (`drain` actions and the drains of node-pool upgrades), in start order.
    pub drains: Vec<crate::disruption::DrainRecord>,
    /// Node-pool upgrades, in start order.
    pub upgrades: Vec<crate::disruption::UpgradeRecord>,
    /// Evictions the Eviction API allowed, in time order (for `noPdbViolation`).
    pub evictions: Vec<crate::disruption::EvictionRecord>,
    /// Every Eviction API call (allowed, refused, not found, dry runs), in order: the rows
    /// of `evictions.csv`.
    pub eviction_calls: crate::eviction::EvictionCalls,
    /// With `--trace-objects`: each change of the followed objects, in order (`objects.jsonl`);
    /// None when no object was followed.
    pub object_changes: Option<Vec<crate::objects::ObjectChange>>,
    /// When pods stopped being Pending (turned Running, Succeeded or Failed, or started
    /// being deleted, or were removed), in time order: with each pod's creation time (or t = 0
    /// for pods Pending at the start) this gives how long each pod was Pending. A pod may
    /// appear more than once; its first entry counts.
    pub left_pending: Vec<(crate::meta::PodId, SimTime)>,
    /// Deployment rollouts started by `rollout` actions, in start order.
    pub rollouts: Vec<RolloutRecord>,
    /// The cluster autoscaler's scale-ups, in time order.
    pub scale_ups: Vec<ScaleUpRecord>,
    /// Spot interruption notices, in time order.
    pub spot_interruptions: Vec<SpotInterruptionRecord>,
}

/// One spot interruption: the notice, and what it cost the PodDisruptionBudgets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotInterruptionRecord {
    /// When the notice came.
    pub time: SimTime,
    /// The node.
    pub node: crate::meta::NodeId,
    /// Its pool (None for a node of no pool).
    pub pool: Option<String>,
    /// When the machine is terminated.
    pub terminated: SimTime,
    /// Pods the interruption stopped or deleted (not DaemonSet pods).
    pub pods: u32,
    /// Of those, the pods whose loss took a PodDisruptionBudget below its `desiredHealthy`
    /// (each counted once per budget it broke).
    pub pdb_violations: u32,
}

/// One scale-up of the cluster autoscaler: the node groups resized and the pods that
/// triggered it (their time from creation to leaving Pending is the scale-up's latency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleUpRecord {
    /// When the autoscaler asked for the nodes.
    pub time: SimTime,
    /// Each node pool resized: (name, target size before, after).
    pub groups: Vec<(String, u32, u32)>,
    /// The pods that got `TriggeredScaleUp`.
    pub pods: Vec<crate::meta::PodId>,
}

/// One `rollout` action and how the Deployment's rollout went, as `kubectl rollout status`
/// would tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRecord {
    /// The action's label, e.g. `rollout deployment/web image=web:2`.
    pub label: String,
    /// The Deployment.
    pub workload: crate::meta::WorkloadId,
    /// When the template changed.
    pub start: SimTime,
    /// When the Deployment was complete (`DeploymentComplete`: every replica updated and
    /// available, no old replica left), if it was.
    pub complete: Option<SimTime>,
    /// When its `Progressing` condition turned False with reason `ProgressDeadlineExceeded`
    /// (the first time), if it did.
    pub deadline_exceeded: Option<SimTime>,
    /// When a later `rollout` of the same Deployment changed its template again before this
    /// one was complete (this revision then never completes).
    pub superseded: Option<SimTime>,
}

/// Column name of the count of pods in phase Pending (bound or not) that are not being deleted.
pub const COL_PODS_PENDING: &str = "pods_pending";
/// Column name of the count of nodes that exist and are Ready.
pub const COL_NODES_READY: &str = "nodes_ready";
/// Column name of the count of nodes that exist and are not Ready (False or Unknown).
pub const COL_NODES_NOT_READY: &str = "nodes_not_ready";
/// Column name of the count of nodes that exist and are cordoned (`spec.unschedulable`).
pub const COL_NODES_CORDONED: &str = "nodes_cordoned";
/// Column name of the count of nodes that exist and are `Ready=Unknown` (a subset of
/// [`COL_NODES_NOT_READY`]): the node lifecycle controller stopped hearing from them.
pub const COL_NODES_UNKNOWN: &str = "nodes_unknown";
/// Column name of the count of nodes that exist and carry a `node.kubernetes.io/not-ready`
/// or `node.kubernetes.io/unreachable` NoExecute taint (their pods are being evicted).
pub const COL_NODES_NOEXECUTE: &str = "nodes_noexecute";
/// Column name of the count of nodes that exist, are Ready and are cordoned: with
/// [`COL_NODES_READY`], [`COL_NODES_NOT_READY`] and [`COL_NODES_UNKNOWN`] it splits the nodes
/// into Ready and schedulable, Ready and cordoned, NotReady (False) and Unknown, the stack of
/// the nodes chart.
pub const COL_NODES_READY_CORDONED: &str = "nodes_ready_cordoned";

/// The series kept per zone of the node lifecycle controller.
pub const ZONE_FIELDS: [&str; 2] = ["state", "not_ready"];

/// The zone states of the node lifecycle controller as they appear in `metrics.csv`
/// (`zone/<name>:state`), by code: `0 Initial` (also a zone that has lost all its nodes,
/// which upstream forgets), `1 Normal`, `2 PartialDisruption`, `3 FullDisruption`.
pub const ZONE_STATES: [&str; 4] = ["Initial", "Normal", "PartialDisruption", "FullDisruption"];

/// The name a zone is shown by: its `topology.kubernetes.io/zone` label, or `<none>` for
/// nodes without one.
pub fn zone_ref(zone: &str) -> String {
    if zone.is_empty() { "zone/<none>".to_string() } else { format!("zone/{zone}") }
}

/// Column name of one series of a zone: `zone/zone-a:state`.
pub fn zone_column(zone_ref: &str, field: &str) -> String {
    format!("{zone_ref}:{field}")
}

/// Column name of a node pool's live node count, present only when the scenario has
/// autoscaling pools: `nodepool/<name>:nodes` (one per pool).
pub fn pool_column(pool: &str) -> String {
    format!("nodepool/{pool}:nodes")
}

/// The pool of a [`pool_column`] name.
pub fn split_pool_column(column: &str) -> Option<&str> {
    column.strip_prefix("nodepool/")?.strip_suffix(":nodes")
}

/// Splits a zone column back into (reference, field).
pub fn split_zone_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, f)| r.starts_with("zone/") && ZONE_FIELDS.contains(f))
}

/// Column name of the count of live pods in phase Running.
pub const COL_PODS_RUNNING: &str = "pods_running";
/// Column name of the count of live pods in phase Succeeded (not yet garbage-collected).
pub const COL_PODS_SUCCEEDED: &str = "pods_succeeded";
/// Column name of the count of live pods in phase Failed (not yet garbage-collected).
pub const COL_PODS_FAILED: &str = "pods_failed";
/// Column name of the count of live pods with a deletion timestamp (`Terminating` in kubectl).
pub const COL_PODS_TERMINATING: &str = "pods_terminating";
/// Column name of the number of container restarts since the start of the run (every pod's,
/// including pods since deleted): the sum of the `restartCount` increments.
pub const COL_CONTAINER_RESTARTS: &str = "container_restarts";

/// The series kept per top-level workload: `spec.replicas`, ready and available replicas, and
/// the container restarts of its pods since the start of the run.
pub const WORKLOAD_FIELDS: [&str; 4] = ["desired", "ready", "available", "restarts"];

/// The series kept per PodDisruptionBudget: `status.expectedPods`, `desiredHealthy`,
/// `currentHealthy` and `disruptionsAllowed`.
pub const PDB_FIELDS: [&str; 4] = ["expected", "desired", "healthy", "allowed"];

/// The kubectl-style reference of a PDB (short name `pdb`): `pdb/web`, or `pdb/shop/web`
/// outside the `default` namespace. Its columns are `pdb/web:allowed`, ...
pub fn pdb_ref(namespace: &str, name: &str) -> String {
    if namespace == "default" || namespace.is_empty() {
        format!("pdb/{name}")
    } else {
        format!("pdb/{namespace}/{name}")
    }
}

/// Splits a PDB column back into (reference, field).
pub fn split_pdb_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, _)| r.starts_with("pdb/"))
}

/// The kubectl-style reference of a workload: `deployment/web`, or `deployment/shop/web`
/// outside the `default` namespace.
pub fn workload_ref(kind: Kind, namespace: &str, name: &str) -> String {
    let k = kind.as_str().to_ascii_lowercase();
    if namespace == "default" || namespace.is_empty() {
        format!("{k}/{name}")
    } else {
        format!("{k}/{namespace}/{name}")
    }
}

/// Column name of one series of a workload: `deployment/web:ready`.
pub fn workload_column(workload_ref: &str, field: &str) -> String {
    format!("{workload_ref}:{field}")
}

/// Splits a workload column back into (reference, field); other columns with a `/` (PDBs,
/// zones) are not workloads.
pub fn split_workload_column(column: &str) -> Option<(&str, &str)> {
    column.rsplit_once(':').filter(|(r, f)| {
        r.contains('/')
            && !r.starts_with("zone/")
            && !r.starts_with("pdb/")
            && WORKLOAD_FIELDS.contains(f)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(i: usize) -> TraceEvent {
        // Names repeat every 7 events, messages every 3 (and one in 10 is unique), so the
        // store shares some strings and not others.
        let message = if i.is_multiple_of(10) {
            format!("unique message {i}")
        } else {
            format!("message {}", i % 3)
        };
        TraceEvent {
            time: SimTime(i as u64 * 10),
            event_type: if i.is_multiple_of(4) { EventType::Warning } else { EventType::Normal },
            kind: if i.is_multiple_of(2) { Kind::Pod } else { Kind::Node },
            namespace: Arc::from(if i.is_multiple_of(2) { "default" } else { "" }),
            name: Arc::from(format!("obj-{}", i % 7).as_str()),
            reason: ["Scheduled", "Killing", "Started"][i % 3],
            message,
            node: Arc::from(if i.is_multiple_of(5) {
                String::new()
            } else {
                format!("node-{}", i % 5)
            }),
        }
    }

    #[test]
    fn events_read_back_as_recorded_across_chunks() {
        let n = CHUNK_EVENTS * 2 + 17;
        let events: Events = (0..n).map(owned).collect();
        assert_eq!(events.len(), n);
        assert_eq!(events.chunks.len(), 3);
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.to_event(), owned(i), "event {i}");
        }
        // Reading from the back, from an index, and past the end.
        assert_eq!(events.iter().next_back().map(|e| e.to_event()), Some(owned(n - 1)));
        let at = CHUNK_EVENTS - 1;
        let from: Vec<TraceEvent> = events.iter_from(at).take(3).map(|e| e.to_event()).collect();
        assert_eq!(from, (at..at + 3).map(owned).collect::<Vec<_>>());
        assert_eq!(events.iter_from(n + 5).count(), 0);
        assert!(events.get(n).is_none());
        // Each distinct string once: 7 names, 2 namespaces, 5 nodes (with the empty one, which
        // is also the nodes' namespace), 3 repeated messages and one in 10 unique.
        let distinct = 7 + 1 + 4 + 3 + n.div_ceil(10) + 1;
        assert_eq!(events.strings.spans.len(), distinct);
        assert_eq!(events.reasons.len(), 3);
        // Equality is by content, whatever the storage.
        let mut again = Events::new();
        again.extend((0..n).map(owned));
        assert_eq!(again, events);
        again.push(owned(0));
        assert_ne!(again, events);
    }

    #[test]
    fn strings_longer_than_a_text_chunk_and_hash_collisions_stay_exact() {
        let mut s = Strings::default();
        let long = "x".repeat(TEXT_CHUNK + 3);
        let a = s.intern("short");
        let b = s.intern(&long);
        let c = s.intern("short");
        assert_eq!((a, c), (0, 0));
        assert_eq!(s.get(b), long);
        // A second text that lands on the same hash key as another is kept apart.
        let d = s.append("other text");
        s.index.insert(Strings::hash("other text"), a);
        let e = s.intern("other text");
        assert_eq!(s.get(e), "other text");
        assert_ne!(e, a);
        assert_eq!(s.get(a), "short");
        assert_eq!(s.get(d), "other text");
    }

    #[test]
    fn record_dedups_and_settles_same_instant() {
        let mut m = Metrics::new(vec!["a".into()]);
        m.record(SimTime(0), &[1]);
        m.record(SimTime(5), &[1]); // unchanged: no row
        m.record(SimTime(10), &[2]);
        m.record(SimTime(10), &[3]); // same instant: replaces
        assert_eq!(m.to_rows(), vec![(SimTime(0), vec![1]), (SimTime(10), vec![3])]);
        m.record(SimTime(20), &[4]);
        m.record(SimTime(20), &[3]); // settles back to the previous value: row dropped
        assert_eq!(m.len(), 2);
        assert_eq!(m.value_at(0, SimTime(15)), Some(3));
        assert_eq!(m.value_at(0, SimTime(9)), Some(1));
    }

    /// The row table kept in full, as `Metrics` stored it before the change lists.
    fn record_full(rows: &mut Vec<(SimTime, Vec<i64>)>, time: SimTime, values: Vec<i64>) {
        if let Some((t, last)) = rows.last_mut() {
            if *last == values {
                return;
            }
            if *t == time {
                *last = values;
                let n = rows.len();
                if n >= 2 && rows[n - 2].1 == rows[n - 1].1 {
                    rows.pop();
                }
                return;
            }
        }
        rows.push((time, values));
    }

    #[test]
    fn change_lists_read_like_the_full_table() {
        // A small linear congruential generator: values in 0..3 so rows often repeat, and
        // times that often stay at the same instant (replacements, settling back).
        let mut x: u64 = 12345;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let cols = 4;
        let mut m = Metrics::new((0..cols).map(|i| format!("c{i}")).collect());
        let mut full = Vec::new();
        let mut t = 0;
        for _ in 0..2_000 {
            t += next(3) * 10; // a third of the samples at the same instant as the last
            let mut v: Vec<i64> =
                full.last().map_or(vec![0; cols], |(_, v): &(_, Vec<i64>)| v.clone());
            // Change 0, 1 or 2 columns.
            for _ in 0..next(3) {
                let c = next(cols as u64) as usize;
                v[c] = next(3) as i64;
            }
            m.record(SimTime(t), &v);
            record_full(&mut full, SimTime(t), v);
        }
        assert!(full.len() > 100, "{}", full.len());
        assert_eq!(m.to_rows(), full);
        assert_eq!(m.len(), full.len());
        for c in 0..cols {
            // The step series: the first row and each row where the column changed.
            let mut expected: Vec<(SimTime, i64)> = Vec::new();
            for (t, v) in &full {
                if expected.last().is_none_or(|&(_, last)| last != v[c]) {
                    expected.push((*t, v[c]));
                }
            }
            assert_eq!(m.series(c).collect::<Vec<_>>(), expected, "column {c}");
            assert_eq!(m.last_value(c), full.last().map(|(_, v)| v[c]));
            assert_eq!(m.first_value(c), full.first().map(|(_, v)| v[c]));
            for probe in (0..t + 20).step_by(7) {
                let i = full.partition_point(|(t, _)| t.0 <= probe);
                let want = i.checked_sub(1).map(|i| full[i].1[c]);
                assert_eq!(m.value_at(c, SimTime(probe)), want, "column {c} at {probe}");
            }
        }
        // Steps over two columns: the rows where either changed, with their values.
        let mut expected: Vec<(SimTime, Vec<i64>)> = Vec::new();
        for (t, v) in &full {
            let pair = vec![v[2], v[0]];
            if expected.last().is_none_or(|(_, last)| *last != pair) {
                expected.push((*t, pair));
            }
        }
        let mut got = Vec::new();
        let mut peeked = Vec::new();
        let mut steps = m.steps(vec![2, 0, 9]);
        while let Some((t, v)) = steps.advance() {
            got.push((t, vec![v[0], v[1]]));
            assert_eq!(v[2], 0, "a missing column reads 0");
            peeked.push(steps.peek_time());
        }
        assert_eq!(got, expected);
        // peek_time is the time of the next step (not of the next row), then None.
        let next: Vec<Option<SimTime>> =
            expected.iter().skip(1).map(|(t, _)| Some(*t)).chain([None]).collect();
        assert_eq!(peeked, next);
    }
}
