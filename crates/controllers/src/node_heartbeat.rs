//! Kubelet heartbeats, and the faults that stop them.
//!
//! # Upstream
//! A kubelet proves it is alive in two independent ways:
//! - **The node Lease** (`kube-node-lease/<node>`), renewed every `nodeLeaseDurationSeconds ×
//!   0.25` = 10 s by `wait.JitterUntil(sync, renewInterval, 0.04, sliding=true)`
//!   (`staging/src/k8s.io/component-helpers/apimachinery/lease/controller.go`): each renewal
//!   comes `renewInterval + U[0, 0.04·renewInterval)` (10.0–10.4 s) after the previous one.
//! - **The node status**, computed every `nodeStatusUpdateFrequency` (10 s, the same jittered
//!   loop: `wait.JitterUntil(kl.syncNodeStatus, nodeStatusUpdateFrequency, 0.04, true, ...)`
//!   in `pkg/kubelet/kubelet.go`) but only *posted* when it changed or when
//!   `nodeStatusReportFrequency` (5 min) has passed since the last post
//!   (`tryUpdateNodeStatus`). After a real change or a kubelet start the next deadline gets a
//!   one-time `delayAfterNodeStatusChange`, uniform in `[-0.5, 0.5] × nodeStatusReportFrequency`.
//!
//! The node lifecycle controller treats either as a heartbeat (`tryUpdateNodeHealth`).
//!
//! # Event-driven equivalence
//! While a node is healthy its heartbeats change nothing anyone observes: the controller only
//! moves its private `probeTimestamp`, and Ready stays True. So they are not events: a
//! healthy node adds nothing to the queue and draws nothing. Only when heartbeats *stop* (a
//! crash, a stopped kubelet, a partition) does the last one matter, and it is computed then:
//! each node has two lazily advanced jittered clocks ([`Ticks`]), one per loop, each drawing
//! from the node's own stream ([`streams::LEASE_BASE`], [`streams::NODE_STATUS_BASE`]) only
//! when advanced. Advancing a clock from its last known tick to the failure draws the same
//! values, in the same order, as simulating every renewal would, so the result is identical
//! to a per-renewal simulation; it costs one draw per elapsed renewal, once, at the failure.
//!
//! The scenario starts in a running cluster: at t = 0 every kubelet has been renewing for a
//! while, its last renewal `U[0, renewInterval)` before t = 0 and its last status post
//! `U[0, nodeStatusReportFrequency)` before t = 0 (both drawn lazily from the node's streams).
//!
//! # Faults
//! A node's kubelet can be stopped (containers keep running), its machine can lose power
//! (containers stop) or be deleted, and it can be cut off from the control plane (everything
//! keeps running but nothing reaches the API server and the kubelet hears of no change).
//! While the kubelet is stopped or cut off, its work on pods is held back ([`KubeletGate`]) and
//! replayed, in order, when it can act again; when the machine is off, that work is dropped
//! (the kubelet rebuilds its state from the API server when the machine boots).
//!
//! Simplified: kubelet start-up takes no time (a recovery at `T` means the kubelet is up and
//! posts its status at `T`); failed renewals during a partition do not shift the renewal
//! schedule (upstream a timed-out request delays the next sliding period a little).

use crate::world::{Event, streams};
use kubesim_engine::{RngStreams, SimDuration, SimTime};
use kubesim_model::{NodeId, Params};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Heartbeat times are signed milliseconds: the cluster was already running before t = 0.
pub type HbTime = i64;

/// "Long ago": the heartbeats of the nodes a scenario starts with began before anything the
/// run can observe.
const LONG_AGO: HbTime = i64::MIN / 4;

/// A lazily drawn sequence of jittered ticks, `next = last + period + U[0, 0.04·period)`
/// (`wait.JitterUntil(f, period, 0.04, sliding=true)`; the time `f` takes is not modelled).
#[derive(Debug, Clone)]
pub struct Ticks {
    rng: ChaCha8Rng,
    period: HbTime,
    jitter: HbTime,
    last: HbTime,
    next: HbTime,
}

impl Ticks {
    /// A clock whose last tick was at `last`.
    pub fn new(rng: ChaCha8Rng, period: SimDuration, last: HbTime) -> Self {
        let period = period.as_millis() as HbTime;
        let mut t = Self { rng, period, jitter: period * 4 / 100, last, next: last };
        t.next = last + t.step();
        t
    }

    fn step(&mut self) -> HbTime {
        // Go draws `rand.Float64() * 0.04 * period` in nanoseconds; kubesim keeps whole
        // milliseconds. A period under 25 ms has no jitter (and draws nothing).
        let j = if self.jitter > 0 { self.rng.random_range(0..self.jitter) } else { 0 };
        self.period.max(1) + j
    }

    /// The last tick at or before `t` (advancing the clock to it).
    pub fn last_at_or_before(&mut self, t: HbTime) -> HbTime {
        while self.next <= t {
            self.last = self.next;
            self.next = self.last + self.step();
        }
        self.last
    }

    /// The first tick at or after `t` (advancing the clock to just before it).
    pub fn first_at_or_after(&mut self, t: HbTime) -> HbTime {
        if self.last >= t {
            return self.last;
        }
        self.last_at_or_before(t - 1);
        self.next
    }

    /// The loop restarts at `at` (a kubelet start runs its first sync at once).
    pub fn restart(&mut self, at: HbTime) {
        self.last = at;
        self.next = at + self.step();
    }
}

/// The node status loop: its ticks and the last status post.
#[derive(Debug, Clone)]
struct StatusClock {
    ticks: Ticks,
    /// `lastStatusReportTime`: the last post that reached the API server.
    last_report: HbTime,
    /// `nodeStatusReportFrequency + delayAfterNodeStatusChange` for the next deadline.
    interval: HbTime,
    /// Posts only at ticks at or after this (set when a partition heals: nothing during the
    /// partition reached the API server).
    floor: HbTime,
}

impl StatusClock {
    /// The last post at or before `t`, advancing through the posts the report period causes.
    fn last_report_at_or_before(&mut self, t: HbTime, report: HbTime) -> HbTime {
        loop {
            let due = (self.last_report + self.interval).max(self.floor);
            if due > t {
                // Never advance the ticks past `t`: a later query may start before.
                return self.last_report;
            }
            let at = self.ticks.first_at_or_after(due);
            if at > t {
                return self.last_report;
            }
            self.last_report = at;
            self.interval = report;
        }
    }
}

/// What the kubelet can do with its work on a node's pods right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeletGate {
    /// Do it.
    Run,
    /// Hold it until the kubelet runs and can reach the API server again.
    Defer,
    /// Drop it: the machine is off or gone (the kubelet re-reads everything when it boots).
    Drop,
}

/// What a recovery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing was wrong (or the machine is gone for good).
    Nothing,
    /// The machine booted and the kubelet started.
    Booted,
    /// The kubelet process started again (containers had kept running).
    KubeletStarted,
    /// The partition healed: the kubelet's next status sync is at the given time.
    Healed(SimTime),
}

/// One node's machine, kubelet and link to the control plane.
#[derive(Debug, Clone)]
struct Agent {
    powered: bool,
    kubelet: bool,
    partitioned: bool,
    gone: bool,
    /// Bumped by every fault or recovery; timers of an older generation are stale.
    fault_gen: u32,
    lease: Option<Ticks>,
    status: Option<StatusClock>,
    /// Heartbeats reach the API server since this time (None while they do not).
    reporting_since: Option<HbTime>,
    /// The first heartbeat that reached the API server after `reporting_since`.
    first_heartbeat: HbTime,
    /// The last heartbeat that reached the API server before they stopped.
    last_heartbeat: Option<HbTime>,
    /// Kubelet work held back while the kubelet is stopped or cut off.
    deferred: Vec<Event>,
}

impl Agent {
    fn new() -> Self {
        Self {
            powered: true,
            kubelet: true,
            partitioned: false,
            gone: false,
            fault_gen: 0,
            lease: None,
            status: None,
            reporting_since: Some(LONG_AGO),
            first_heartbeat: LONG_AGO,
            last_heartbeat: None,
            deferred: Vec::new(),
        }
    }

    fn reporting(&self) -> bool {
        self.powered && self.kubelet && !self.partitioned && !self.gone
    }
}

/// The kubelet side of node health for every node.
pub struct NodeHeartbeats {
    streams: RngStreams,
    renew_interval: SimDuration,
    update_frequency: SimDuration,
    report_frequency: HbTime,
    agents: Vec<Agent>,
}

impl NodeHeartbeats {
    /// Heartbeats of `nodes` nodes with the scenario's kubelet settings.
    pub fn new(streams: &RngStreams, params: &Params, nodes: usize) -> Self {
        Self {
            streams: *streams,
            // NewMainKubelet: renewInterval = leaseDuration × nodeLeaseRenewIntervalFraction.
            renew_interval: SimDuration::from_millis(params.node_lease_duration_seconds * 250),
            update_frequency: params.node_status_update_frequency,
            report_frequency: params.node_status_report_frequency.as_millis() as HbTime,
            agents: vec![Agent::new(); nodes],
        }
    }

    fn agent(&mut self, n: NodeId) -> &mut Agent {
        if self.agents.len() <= n.index() {
            self.agents.resize(n.index() + 1, Agent::new());
        }
        &mut self.agents[n.index()]
    }

    /// The node's clocks, created on first use with the phase they had at t = 0.
    fn clocks(&mut self, n: NodeId) -> (&mut Ticks, &mut StatusClock) {
        let (renew, update, report) =
            (self.renew_interval, self.update_frequency, self.report_frequency);
        let streams = self.streams;
        let a = self.agent(n);
        if a.lease.is_none() {
            let mut rng = streams.stream(streams::LEASE_BASE + n.0 as u64);
            let phase = rng.random_range(0..renew.as_millis().max(1)) as HbTime;
            a.lease = Some(Ticks::new(rng, renew, -phase));
        }
        if a.status.is_none() {
            let mut rng = streams.stream(streams::NODE_STATUS_BASE + n.0 as u64);
            let phase = rng.random_range(0..report.max(1) as u64) as HbTime;
            a.status = Some(StatusClock {
                ticks: Ticks::new(rng, update, -phase),
                last_report: -phase,
                interval: report,
                floor: LONG_AGO,
            });
        }
        let Agent { lease: Some(l), status: Some(s), .. } = a else { unreachable!() };
        (l, s)
    }

    /// The current fault generation of a node (timers carry it).
    pub fn generation(&self, n: NodeId) -> u32 {
        self.agents.get(n.index()).map_or(0, |a| a.fault_gen)
    }

    /// Whether the node's kubelet runs and reaches the API server.
    pub fn reporting(&self, n: NodeId) -> bool {
        self.agents.get(n.index()).is_none_or(Agent::reporting)
    }

    /// Whether the node's machine is off or gone (its containers are not running).
    pub fn machine_down(&self, n: NodeId) -> bool {
        self.agents.get(n.index()).is_some_and(|a| !a.powered || a.gone)
    }

    /// What the kubelet can do with work on this node's pods.
    pub fn kubelet_gate(&self, n: NodeId) -> KubeletGate {
        match self.agents.get(n.index()) {
            None => KubeletGate::Run,
            Some(a) if !a.powered || a.gone => KubeletGate::Drop,
            Some(a) if !a.kubelet || a.partitioned => KubeletGate::Defer,
            Some(_) => KubeletGate::Run,
        }
    }

    /// Holds kubelet work until the kubelet can act.
    pub fn defer(&mut self, n: NodeId, ev: Event) {
        self.agent(n).deferred.push(ev);
    }

    /// The kubelet work held back, to replay now.
    pub fn take_deferred(&mut self, n: NodeId) -> Vec<Event> {
        std::mem::take(&mut self.agent(n).deferred)
    }

    /// For the node lifecycle controller at `now`: `None` if a heartbeat reached the API
    /// server recently (the node cannot be overdue), else the time of the last one that did.
    pub fn stale_heartbeat(&self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let a = self.agents.get(n.index())?;
        if a.reporting_since.is_some() && a.first_heartbeat <= now.0 as HbTime {
            return None;
        }
        Some(a.last_heartbeat.unwrap_or(LONG_AGO))
    }

    /// Heartbeats stop at `now` (if they were flowing). Returns the time of the last one that
    /// reached the API server, for the node lifecycle controller.
    fn stop(&mut self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let t = now.0 as HbTime;
        let report = self.report_frequency;
        let a = self.agent(n);
        a.reporting_since.take()?;
        let first = a.first_heartbeat;
        if first <= t {
            let (lease, status) = self.clocks(n);
            let renewed = lease.last_at_or_before(t);
            let posted = status.last_report_at_or_before(t, report);
            self.agent(n).last_heartbeat = Some(renewed.max(posted).max(first));
        }
        Some(self.agent(n).last_heartbeat.unwrap_or(LONG_AGO))
    }

    /// The machine loses power. Returns the last heartbeat if heartbeats were flowing.
    pub fn power_off(&mut self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let last = self.stop(n, now);
        let a = self.agent(n);
        a.fault_gen += 1;
        a.powered = false;
        a.deferred.clear();
        last
    }

    /// The kubelet process stops (the machine keeps running).
    pub fn stop_kubelet(&mut self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let last = self.stop(n, now);
        let a = self.agent(n);
        a.fault_gen += 1;
        a.kubelet = false;
        last
    }

    /// The node is cut off from the control plane.
    pub fn partition(&mut self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let last = self.stop(n, now);
        let a = self.agent(n);
        a.fault_gen += 1;
        a.partitioned = true;
        last
    }

    /// The machine is gone for good (deleted or terminated).
    pub fn machine_gone(&mut self, n: NodeId, now: SimTime) -> Option<HbTime> {
        let last = self.stop(n, now);
        let a = self.agent(n);
        a.fault_gen += 1;
        a.gone = true;
        a.powered = false;
        a.deferred.clear();
        last
    }

    /// Undoes the node's faults at `now`: a machine that was off boots and its kubelet
    /// starts, a stopped kubelet starts, a partition heals.
    pub fn recover(&mut self, n: NodeId, now: SimTime) -> Recovery {
        let t = now.0 as HbTime;
        let a = self.agent(n);
        if a.gone || a.reporting() {
            return Recovery::Nothing;
        }
        a.fault_gen += 1;
        let booted = !a.powered;
        let restarted = booted || !a.kubelet;
        a.powered = true;
        a.kubelet = true;
        a.partitioned = false;
        a.reporting_since = Some(t);
        let report = self.report_frequency;
        let (lease, status) = self.clocks(n);
        if restarted {
            // A kubelet start renews the lease and posts its status at once; the change
            // gets a fresh `delayAfterNodeStatusChange`.
            lease.restart(t);
            status.ticks.restart(t);
            status.last_report = t;
            status.interval = report + report_delay(&mut status.ticks.rng, report);
            status.floor = LONG_AGO;
            self.agent(n).first_heartbeat = t;
            return if booted { Recovery::Booted } else { Recovery::KubeletStarted };
        }
        // Healed: both loops kept running; the next renewal and the next status sync are the
        // first to get through.
        let renewal = lease.first_at_or_after(t);
        let sync = status.ticks.first_at_or_after(t);
        status.floor = t;
        self.agent(n).first_heartbeat = renewal;
        Recovery::Healed(SimTime(sync.max(0) as u64))
    }

    /// The kubelet's status sync after a partition healed: posts if the API server's copy
    /// differs (`changed`) or the report period has passed. Returns whether it posted.
    pub fn status_sync(&mut self, n: NodeId, now: SimTime, changed: bool) -> bool {
        let t = now.0 as HbTime;
        let report = self.report_frequency;
        let (_, status) = self.clocks(n);
        let expired = t >= status.last_report + status.interval;
        if !(changed || expired) {
            return false;
        }
        status.last_report = t;
        status.interval =
            if changed { report + report_delay(&mut status.ticks.rng, report) } else { report };
        let a = self.agent(n);
        a.first_heartbeat = a.first_heartbeat.min(t);
        true
    }
}

/// `calculateDelay`: uniform in `[-0.5, 0.5] × nodeStatusReportFrequency` (whole ms).
fn report_delay(rng: &mut ChaCha8Rng, report: HbTime) -> HbTime {
    if report <= 0 {
        return 0;
    }
    rng.random_range(0..=report) - report / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hb(params: &Params) -> NodeHeartbeats {
        NodeHeartbeats::new(&RngStreams::new(7), params, 3)
    }

    #[test]
    fn renewals_are_ten_to_ten_point_four_seconds_apart() {
        let mut t = Ticks::new(RngStreams::new(1).stream(9), SimDuration::from_secs(10), 0);
        let mut prev = 0;
        for k in 1..=1000 {
            let next = t.first_at_or_after(prev + 1);
            assert!((10_000..10_400).contains(&(next - prev)), "gap {} at {k}", next - prev);
            prev = next;
        }
        // Advancing lazily draws the same sequence as stepping through it.
        let mut a = Ticks::new(RngStreams::new(1).stream(9), SimDuration::from_secs(10), 0);
        assert_eq!(a.last_at_or_before(prev), prev);
    }

    #[test]
    fn last_heartbeat_before_a_crash_is_within_one_renewal() {
        let p = Params::default();
        for seed in 0..50 {
            let mut h = NodeHeartbeats::new(&RngStreams::new(seed), &p, 1);
            let t = SimTime::ZERO + SimDuration::from_secs(3600);
            let last = h.power_off(NodeId(0), t).expect("was reporting");
            // The last renewal is in (t - 10.4 s, t]; a status post can only be later.
            assert!(last <= 3_600_000 && last > 3_600_000 - 10_400, "seed {seed}: {last}");
            assert_eq!(h.stale_heartbeat(NodeId(0), t), Some(last));
        }
    }

    #[test]
    fn a_restarted_kubelet_heartbeats_at_once() {
        let p = Params::default();
        let mut h = hb(&p);
        let n = NodeId(1);
        h.stop_kubelet(n, SimTime(30_000));
        assert_eq!(h.kubelet_gate(n), KubeletGate::Defer);
        assert_eq!(h.recover(n, SimTime(100_000)), Recovery::KubeletStarted);
        assert_eq!(h.stale_heartbeat(n, SimTime(100_000)), None);
        // Crashing 5 s later: the last heartbeat is the start itself (the next renewal is
        // 10-10.4 s after it).
        assert_eq!(h.power_off(n, SimTime(105_000)), Some(100_000));
        assert_eq!(h.kubelet_gate(n), KubeletGate::Drop);
        assert_eq!(h.recover(n, SimTime(200_000)), Recovery::Booted);
    }

    #[test]
    fn a_healed_partition_heartbeats_at_the_next_renewal() {
        let p = Params::default();
        let mut h = hb(&p);
        let n = NodeId(2);
        let last = h.partition(n, SimTime(60_000)).unwrap();
        let Recovery::Healed(sync) = h.recover(n, SimTime(120_000)) else { panic!() };
        assert!(sync.0 >= 120_000 && sync.0 < 130_400);
        // Until the first renewal gets through, the controller still sees the old heartbeat.
        assert_eq!(h.stale_heartbeat(n, SimTime(120_000)), Some(last));
        assert_eq!(h.stale_heartbeat(n, SimTime(131_000)), None);
        // A status post that gets through first counts as the heartbeat.
        assert!(h.status_sync(n, sync, true));
        assert_eq!(h.stale_heartbeat(n, sync), None);
    }
}
