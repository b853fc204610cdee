//! The scheduling queue: activeQ (priority, then time queued), a back-off set whose expiries
//! are timers in the event queue, and the unschedulable pods waiting for a cluster change.
//!
//! Source: `pkg/scheduler/backend/queue/scheduling_queue.go`. A pod that failed remembers the
//! plugins that rejected it; a cluster event moves it back only if one of their QueueingHints
//! says so (`MoveAllToActiveOrBackoffQueue` with [`super::events::worth_requeuing`]), to
//! backoffQ if its back-off (1 s doubling to 10 s after each failure) has not expired, else to
//! activeQ. Back-off expiries are honoured at the next whole second (upstream flushes backoffQ
//! every 1 s); the leftover flush runs on upstream's 30 s grid and moves pods unschedulable for
//! longer than `podMaxInUnschedulablePodsDuration`. Both are timers in the event queue, not
//! polling loops.

use super::framework::PluginSet;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{Params, PodId};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// Where a queued pod is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In activeQ.
    Active,
    /// Backing off until the given time.
    Backoff(SimTime),
    /// In the unschedulable pods pool.
    Unschedulable,
}

/// Queue bookkeeping of one pod (`QueuedPodInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedPod {
    /// When the pod was last added back to the queue (orders activeQ among equal priorities).
    pub timestamp: SimTime,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// Where it is.
    pub place: Place,
    /// Bumped on every move, so stale timers are ignored.
    pub epoch: u32,
    /// The pod's priority.
    pub priority: i32,
    /// The plugins that rejected it in its last attempt (`UnschedulablePlugins`).
    pub plugins: PluginSet,
}

/// The scheduling queue.
#[derive(Debug, Default)]
pub struct SchedulingQueue {
    active: BTreeSet<(Reverse<i32>, SimTime, u64, PodId)>,
    pods: BTreeMap<PodId, QueuedPod>,
    /// Pods in the unschedulable pool (`unschedulablePods`).
    unschedulable: BTreeSet<PodId>,
    seq: u64,
}

/// A timer the queue asks the caller to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Call [`SchedulingQueue::backoff_expired`] at this time.
    Backoff(PodId, SimTime),
    /// Call [`SchedulingQueue::unschedulable_timeout`] at this time with this generation.
    Leftover(PodId, u32, SimTime),
}

/// Upstream's `flushUnschedulablePodsLeftover` period.
const LEFTOVER_FLUSH_PERIOD_MS: u64 = 30_000;
/// Upstream's `flushBackoffQCompleted` period.
const BACKOFF_FLUSH_PERIOD_MS: u64 = 1_000;

fn ceil_to(t: u64, period: u64) -> u64 {
    t.div_ceil(period) * period
}

impl SchedulingQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn push_active(&mut self, pod: PodId, now: SimTime) {
        let q = self.pods.get_mut(&pod).expect("queued pod");
        q.place = Place::Active;
        q.epoch += 1;
        self.seq += 1;
        self.active.insert((Reverse(q.priority), q.timestamp, self.seq, pod));
        let _ = now;
    }

    /// Adds a new pod to activeQ.
    pub fn add(&mut self, pod: PodId, priority: i32, now: SimTime) {
        if self.pods.contains_key(&pod) {
            return;
        }
        self.pods.insert(
            pod,
            QueuedPod {
                timestamp: now,
                attempts: 0,
                place: Place::Active,
                epoch: 0,
                priority,
                plugins: PluginSet::EMPTY,
            },
        );
        self.push_active(pod, now);
    }

    /// Starts tracking a pod being scheduled outside the queue (tests drive cycles directly):
    /// it counts as popped from activeQ.
    pub fn track(&mut self, pod: PodId, priority: i32, now: SimTime) {
        self.pods.entry(pod).or_insert(QueuedPod {
            timestamp: now,
            attempts: 0,
            place: Place::Active,
            epoch: 0,
            priority,
            plugins: PluginSet::EMPTY,
        });
    }

    /// Pops the head of activeQ.
    pub fn pop(&mut self) -> Option<PodId> {
        let (_, _, _, pod) = self.active.pop_first()?;
        Some(pod)
    }

    /// Forgets a pod (bound, or deleted).
    pub fn forget(&mut self, pod: PodId) {
        self.pods.remove(&pod);
        self.unschedulable.remove(&pod);
    }

    /// Where a pod is, if queued.
    pub fn get(&self, pod: PodId) -> Option<&QueuedPod> {
        self.pods.get(&pod)
    }

    /// `Activate`: moves a pod waiting in the unschedulable pool or backing off to activeQ.
    /// Returns whether it moved.
    pub fn activate(&mut self, pod: PodId, now: SimTime) -> bool {
        match self.pods.get(&pod).map(|q| q.place) {
            Some(Place::Unschedulable | Place::Backoff(_)) => {
                self.unschedulable.remove(&pod);
                self.push_active(pod, now);
                true
            }
            _ => false,
        }
    }

    /// The back-off of a pod after `attempts` failures: `initial × 2^(attempts−1)`, capped.
    pub fn backoff_duration(params: &Params, attempts: u32) -> SimDuration {
        if attempts == 0 {
            return SimDuration::from_millis(0);
        }
        let initial = params.pod_initial_backoff_seconds * 1000;
        let max = params.pod_max_backoff_seconds * 1000;
        let shift = (attempts - 1).min(32);
        SimDuration::from_millis(initial.saturating_mul(1u64 << shift).min(max))
    }

    /// Records a failed attempt, rejected by `plugins`: the pod joins the unschedulable pool.
    /// Returns the leftover flush timer to set.
    pub fn add_unschedulable(
        &mut self,
        pod: PodId,
        now: SimTime,
        params: &Params,
        plugins: PluginSet,
    ) -> Timer {
        let q = self.pods.get_mut(&pod).expect("queued pod");
        q.attempts += 1;
        q.timestamp = now;
        q.place = Place::Unschedulable;
        q.epoch += 1;
        q.plugins = plugins;
        self.unschedulable.insert(pod);
        // The first 30 s flush tick at which the pod has been unschedulable for longer than
        // the limit (`now - timestamp > podMaxInUnschedulablePodsDuration`).
        let limit = params.pod_max_in_unschedulable_pods_duration.as_millis();
        let at = ceil_to(now.0 + limit + 1, LEFTOVER_FLUSH_PERIOD_MS);
        Timer::Leftover(pod, q.epoch, SimTime(at))
    }

    /// Moves one unschedulable pod back: to back-off if its back-off has not expired, else
    /// to activeQ. Returns a timer to set when it goes to back-off.
    fn requeue(&mut self, pod: PodId, now: SimTime, params: &Params) -> Option<Timer> {
        let q = *self.pods.get(&pod)?;
        self.unschedulable.remove(&pod);
        let expiry = q.timestamp + Self::backoff_duration(params, q.attempts);
        if expiry > now {
            let at = SimTime(ceil_to(expiry.0, BACKOFF_FLUSH_PERIOD_MS));
            let e = self.pods.get_mut(&pod).expect("queued pod");
            e.place = Place::Backoff(at);
            e.epoch += 1;
            Some(Timer::Backoff(pod, at))
        } else {
            self.push_active(pod, now);
            None
        }
    }

    /// A cluster change that may help everyone: every unschedulable pod moves back.
    /// Returns the back-off timers to set.
    pub fn move_all_unschedulable(&mut self, now: SimTime, params: &Params) -> Vec<Timer> {
        self.move_unschedulable(now, params, |_, _| true)
    }

    /// `MoveAllToActiveOrBackoffQueue`: each unschedulable pod for which `worth(pod, its
    /// unschedulable plugins)` holds moves back. Returns the back-off timers to set.
    pub fn move_unschedulable(
        &mut self,
        now: SimTime,
        params: &Params,
        mut worth: impl FnMut(PodId, PluginSet) -> bool,
    ) -> Vec<Timer> {
        if self.unschedulable.is_empty() {
            return Vec::new();
        }
        let moving: Vec<PodId> = self
            .unschedulable
            .iter()
            .copied()
            .filter(|p| worth(*p, self.pods[p].plugins))
            .collect();
        moving.into_iter().filter_map(|p| self.requeue(p, now, params)).collect()
    }

    /// Whether any pod waits in the unschedulable pool.
    pub fn has_unschedulable(&self) -> bool {
        !self.unschedulable.is_empty()
    }

    /// A back-off timer fired: the pod goes to activeQ if it is still backing off until then.
    /// Returns whether it moved.
    pub fn backoff_expired(&mut self, pod: PodId, now: SimTime) -> bool {
        match self.pods.get(&pod) {
            Some(q) if q.place == Place::Backoff(now) => {
                self.push_active(pod, now);
                true
            }
            _ => false,
        }
    }

    /// A leftover-flush timer fired: the pod moves if it is still in the unschedulable pool
    /// since the attempt that set the timer. Returns a back-off timer if it went to back-off,
    /// and whether it reached activeQ.
    pub fn unschedulable_timeout(
        &mut self,
        pod: PodId,
        epoch: u32,
        now: SimTime,
        params: &Params,
    ) -> (Option<Timer>, bool) {
        match self.pods.get(&pod) {
            Some(q) if q.place == Place::Unschedulable && q.epoch == epoch => {
                let t = self.requeue(pod, now, params);
                (t, t.is_none())
            }
            _ => (None, false),
        }
    }

    /// Number of pods the queue holds (active, backing off, unschedulable).
    pub fn len(&self) -> usize {
        self.pods.len()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.pods.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = Params::default();
        let secs: Vec<u64> =
            (1..=6).map(|a| SchedulingQueue::backoff_duration(&p, a).as_millis() / 1000).collect();
        // initial 1 s, doubling, max 10 s (podInitialBackoffSeconds / podMaxBackoffSeconds).
        assert_eq!(secs, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn priority_then_time() {
        let mut q = SchedulingQueue::new();
        q.add(PodId(1), 0, SimTime(0));
        q.add(PodId(2), 10, SimTime(5));
        q.add(PodId(3), 0, SimTime(0));
        assert_eq!(q.pop(), Some(PodId(2)));
        assert_eq!(q.pop(), Some(PodId(1)));
        assert_eq!(q.pop(), Some(PodId(3)));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn unschedulable_moves_to_backoff_then_active() {
        let p = Params::default();
        let mut q = SchedulingQueue::new();
        q.add(PodId(1), 0, SimTime(0));
        assert_eq!(q.pop(), Some(PodId(1)));
        // Fails at t=500ms: leftover flush on the 30 s grid after 5 min: 300.5 s -> 330 s.
        let t = q.add_unschedulable(PodId(1), SimTime(500), &p, PluginSet::EMPTY);
        assert_eq!(t, Timer::Leftover(PodId(1), 2, SimTime(330_000)));
        // A cluster change at 1 s: back-off (1 s after 500 ms) runs to 1.5 s -> flushed at 2 s.
        let timers = q.move_all_unschedulable(SimTime(1000), &p);
        assert_eq!(timers, vec![Timer::Backoff(PodId(1), SimTime(2000))]);
        assert!(q.pop().is_none());
        assert!(q.backoff_expired(PodId(1), SimTime(2000)));
        assert_eq!(q.pop(), Some(PodId(1)));
        // The stale leftover timer does nothing.
        assert_eq!(q.unschedulable_timeout(PodId(1), 2, SimTime(330_000), &p), (None, false));
    }

    #[test]
    fn hints_pick_which_pods_move() {
        use crate::scheduler::framework::PluginId;
        let p = Params::default();
        let mut q = SchedulingQueue::new();
        q.add(PodId(1), 0, SimTime(0));
        q.add(PodId(2), 0, SimTime(0));
        q.pop();
        q.pop();
        let mut fit = PluginSet::EMPTY;
        fit.insert(PluginId::NodeResourcesFit);
        let mut spread = PluginSet::EMPTY;
        spread.insert(PluginId::PodTopologySpread);
        q.add_unschedulable(PodId(1), SimTime(0), &p, fit);
        q.add_unschedulable(PodId(2), SimTime(0), &p, spread);
        // An event only NodeResourcesFit cares about moves pod 1 alone (its 1 s back-off has
        // expired at 5 s, so straight to activeQ).
        let timers = q
            .move_unschedulable(SimTime(5000), &p, |_, pl| pl.contains(PluginId::NodeResourcesFit));
        assert!(timers.is_empty());
        assert_eq!(q.pop(), Some(PodId(1)));
        assert_eq!(q.pop(), None);
        assert!(q.has_unschedulable());
        assert_eq!(q.get(PodId(2)).unwrap().place, Place::Unschedulable);
    }
}
