//! Probe workers (`pkg/kubelet/prober/worker.go`), one per container and probe type.
//!
//! Upstream, each worker ticks every `periodSeconds` from when the pod was added to the
//! kubelet, and a readiness worker also probes at once when its container has started
//! (`manualTriggerCh`, which restarts its ticker). kubesim keeps that tick grid but only wakes a
//! worker at a tick where something can happen: while the application fails (every failed
//! probe records an `Unhealthy` event), while a result is still short of its threshold, or at
//! the first tick after the application's health is due to change. A healthy container with
//! settled results costs nothing.
//!
//! Results (`doProbe`): initial values readiness Failure, liveness Success, startup Unknown,
//! reset for each new container instance; probes wait `initialDelaySeconds` after the
//! container started; liveness and readiness wait for the startup probe; a result changes
//! after `failureThreshold` consecutive failures or `successThreshold` consecutive successes;
//! a liveness failure or any startup result puts the worker on hold until the next instance;
//! once the pod is being deleted, liveness and startup workers stop.
//!
//! Simplified: the random initial sleep of workers started right after a kubelet restart is
//! not modelled (kubelets are long-running); the readiness manual trigger happens when a
//! container starts, not at every pod sync.

use super::pod_worker::{self, Ctx, KillReason, PodWorker, Run};
use crate::apps::Health;
use crate::world::KubeletStep;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{EventType, Probe, ProbeHandler, ProbeKind};

/// A probe type's result (`proberesults.Result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    /// No result yet (startup's initial value).
    Unknown,
    /// `Success`
    Success,
    /// `Failure`
    Failure,
}

impl ProbeResult {
    /// The result a new container instance starts with (`newWorker`).
    pub fn initial(kind: ProbeKind) -> Self {
        match kind {
            ProbeKind::Readiness => Self::Failure,
            ProbeKind::Liveness => Self::Success,
            ProbeKind::Startup => Self::Unknown,
        }
    }
}

/// One probe worker.
#[derive(Debug, Clone)]
pub struct ProbeWorker {
    /// The probe type.
    pub kind: ProbeKind,
    /// Ticks are at `anchor + k × periodSeconds`.
    pub anchor: SimTime,
    /// Bumped to make a scheduled tick stale.
    pub token: u32,
    /// The last raw outcome (`lastResult`) and how many in a row (`resultRun`).
    pub last: Option<bool>,
    /// `resultRun`
    pub run: u32,
    /// The result for the current container instance.
    pub result: ProbeResult,
    /// `onHold`: no probing until a new container instance.
    pub on_hold: bool,
    /// Stopped for good (liveness and startup once the pod is being deleted).
    pub stopped: bool,
    /// A probe that will time out is in flight.
    pub in_flight: bool,
    /// When it last probed (no second probe in the same instant).
    pub last_probe: Option<SimTime>,
}

impl ProbeWorker {
    /// A worker created when the pod is added to the kubelet at `now`.
    pub fn new(kind: ProbeKind, now: SimTime) -> Self {
        Self {
            kind,
            anchor: now,
            token: 0,
            last: None,
            run: 0,
            result: ProbeResult::initial(kind),
            on_hold: false,
            stopped: false,
            in_flight: false,
            last_probe: None,
        }
    }

    /// A new container instance: results back to their initial value, probing resumes.
    pub fn new_instance(&mut self) {
        self.result = ProbeResult::initial(self.kind);
        self.on_hold = false;
        self.in_flight = false;
        self.token += 1;
    }

    /// Records one probe outcome (`doProbe` after the probe ran). Returns the new result if
    /// the threshold was reached (even if equal to the old one).
    pub fn record(&mut self, ok: bool, probe: &Probe) -> Option<ProbeResult> {
        if self.last == Some(ok) {
            self.run += 1;
        } else {
            self.last = Some(ok);
            self.run = 1;
        }
        if (!ok && self.run < probe.failure_threshold) || (ok && self.run < probe.success_threshold)
        {
            return None;
        }
        let result = if ok { ProbeResult::Success } else { ProbeResult::Failure };
        self.result = result;
        if (self.kind == ProbeKind::Liveness && !ok) || self.kind == ProbeKind::Startup {
            self.on_hold = true;
            self.run = 0;
        }
        Some(result)
    }

    /// Whether a successful probe now would change nothing (so ticks while the application is
    /// healthy can be skipped).
    pub fn settled_on_success(&self) -> bool {
        self.last == Some(true) && self.result == ProbeResult::Success
    }
}

/// Plans the next tick of container `c`'s `kind` worker: the first tick (not before now) at
/// which a probe can change something; none while a healthy container's result is settled
/// and no health change is due. Any tick planned before is cancelled.
pub fn plan(cx: &mut Ctx, wk: &mut PodWorker, c: usize, kind: ProbeKind) {
    let now = cx.w.now;
    let spec_c = cx.container(wk, c);
    let Some(probe) = spec_c.probe(kind).cloned() else { return };
    let ctr = &mut wk.ctrs[c];
    let started = ctr.started;
    let (started_at, ready_at) = match ctr.run {
        Run::Running { started_at, ready_at } | Run::Stopping { started_at, ready_at, .. } => {
            (started_at, ready_at)
        }
        _ => return,
    };
    let Some(pw) = ctr.probe_mut(kind) else { return };
    if pw.in_flight {
        return;
    }
    pw.token += 1;
    if pw.stopped || pw.on_hold || (kind == ProbeKind::Startup) == started {
        return;
    }
    let mut from = now.max(eligible_from(&probe, started_at));
    if let Some(last) = pw.last_probe {
        from = from.max(SimTime(last.0 + 1));
    }
    let p = period(&probe);
    let first = tick_at_or_after(pw.anchor, p, from);
    let (anchor, token, settled) = (pw.anchor, pw.token, pw.settled_on_success());
    let apps = &cx.w.apps;
    let at = if !settled
        || !apps.health(cx.pod, &ctr.name, kind, started_at, ready_at, first).passes()
    {
        Some(first)
    } else {
        apps.next_change(cx.pod, &ctr.name, kind, ready_at, first)
            .map(|t| tick_at_or_after(anchor, p, t))
    };
    if let Some(at) = at {
        cx.w.schedule_at(
            at,
            crate::world::Event::KubeletStep(
                cx.pod,
                wk.epoch,
                KubeletStep::Probe(c as u16, kind, token),
            ),
        );
    }
}

/// A tick of container `c`'s `kind` worker: probe the application.
pub fn tick(cx: &mut Ctx, wk: &mut PodWorker, c: usize, kind: ProbeKind, token: u32) {
    let now = cx.w.now;
    let ctr = &mut wk.ctrs[c];
    let Some((started_at, ready_at)) = ctr.run.started() else { return };
    let name = ctr.name.clone();
    let Some(pw) = ctr.probe_mut(kind) else { return };
    if pw.token != token || pw.in_flight {
        return;
    }
    pw.last_probe = Some(now);
    let health = cx.w.apps.health(cx.pod, &name, kind, started_at, ready_at, now);
    if health == Health::Timeout {
        let spec_c = cx.container(wk, c);
        let timeout = spec_c.probe(kind).map_or(1, |p| p.timeout_seconds.max(1));
        let pw = wk.ctrs[c].probe_mut(kind).expect("worker");
        pw.in_flight = true;
        let at = now + SimDuration::from_secs(u64::from(timeout));
        cx.w.schedule_at(
            at,
            crate::world::Event::KubeletStep(
                cx.pod,
                wk.epoch,
                KubeletStep::ProbeTimedOut(c as u16, kind, token),
            ),
        );
        return;
    }
    outcome(cx, wk, c, kind, health);
}

/// A timed-out probe reports its failure.
pub fn timed_out(cx: &mut Ctx, wk: &mut PodWorker, c: usize, kind: ProbeKind, token: u32) {
    let Some(pw) = wk.ctrs[c].probe_mut(kind) else { return };
    if pw.token != token || !pw.in_flight {
        return;
    }
    pw.in_flight = false;
    if !wk.ctrs[c].run.is_up() {
        return;
    }
    outcome(cx, wk, c, kind, Health::Timeout);
}

/// Records a probe's outcome and acts on a changed result (`handleProbeSync`).
fn outcome(cx: &mut Ctx, wk: &mut PodWorker, c: usize, kind: ProbeKind, health: Health) {
    let spec_c = cx.container(wk, c);
    let Some(probe) = spec_c.probe(kind).cloned() else { return };
    let ok = health.passes();
    if !ok {
        let msg = format!("{} probe failed: {}", kind.as_str(), failure_output(&probe, health));
        cx.w.record_pod(cx.pod, EventType::Warning, "Unhealthy", msg);
    }
    let Some(pw) = wk.ctrs[c].probe_mut(kind) else { return };
    let result = pw.record(ok, &probe);
    match (kind, result) {
        (ProbeKind::Readiness, Some(_)) => {
            plan(cx, wk, c, kind);
            pod_worker::write_status(cx, wk);
        }
        (ProbeKind::Liveness, Some(ProbeResult::Failure)) => {
            wk.ctrs[c].kill = Some(KillReason::Liveness);
            pod_worker::sync(cx, wk);
        }
        (ProbeKind::Startup, Some(ProbeResult::Success)) => {
            pod_worker::started_now(cx, wk, c);
            pod_worker::sync(cx, wk);
        }
        (ProbeKind::Startup, Some(ProbeResult::Failure)) => {
            wk.ctrs[c].kill = Some(KillReason::Startup);
            pod_worker::sync(cx, wk);
        }
        _ => plan(cx, wk, c, kind),
    }
}

/// The first tick of the grid `anchor + k × period` at or after `t`.
pub fn tick_at_or_after(anchor: SimTime, period: SimDuration, t: SimTime) -> SimTime {
    if t <= anchor {
        return anchor;
    }
    let p = period.as_millis().max(1);
    let k = (t.0 - anchor.0).div_ceil(p);
    SimTime(anchor.0 + k * p)
}

/// The probe's `periodSeconds` as a duration.
pub fn period(probe: &Probe) -> SimDuration {
    SimDuration::from_secs(u64::from(probe.period_seconds.max(1)))
}

/// The earliest instant a probe may run for an instance started at `started_at`
/// (`int32(time.Since(startedAt).Seconds()) < initialDelaySeconds` skips it).
pub fn eligible_from(probe: &Probe, started_at: SimTime) -> SimTime {
    started_at + SimDuration::from_secs(u64::from(probe.initial_delay_seconds))
}

/// Where a probe connects (kubesim assigns no pod IPs, so the address reads `<pod IP>`).
fn address(host: Option<&str>, port: &str) -> String {
    format!("{}:{port}", host.unwrap_or("<pod IP>"))
}

/// The output the kubelet puts after `<Kind> probe failed: `, worded as upstream's probers
/// (`pkg/probe/{http,tcp,exec,grpc}`).
pub fn failure_output(probe: &Probe, health: Health) -> String {
    let timeout = probe.timeout_seconds;
    match (&probe.handler, health) {
        (ProbeHandler::HttpGet { scheme, path, port, host }, h) => {
            let url = format!(
                "{}://{}{path}",
                scheme.to_ascii_lowercase(),
                address(host.as_deref(), port)
            );
            match h {
                Health::NotListening => format!(
                    "Get \"{url}\": dial tcp {}: connect: connection refused",
                    address(host.as_deref(), port)
                ),
                Health::Timeout => format!(
                    "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                ),
                _ => "HTTP probe failed with statuscode: 503".to_string(),
            }
        }
        (ProbeHandler::TcpSocket { port }, h) => {
            let addr = address(None, port);
            match h {
                Health::Timeout => format!("dial tcp {addr}: i/o timeout"),
                _ => format!("dial tcp {addr}: connect: connection refused"),
            }
        }
        (ProbeHandler::Exec { command }, h) => match h {
            Health::Timeout => format!("command {:?} timed out", command.join(" ")),
            // The command's output; kubesim has none to show.
            _ => String::new(),
        },
        (ProbeHandler::Grpc { port, .. }, h) => match h {
            Health::Timeout => format!("timeout: health rpc did not complete within {timeout}s"),
            Health::NotListening => format!(
                "timeout: failed to connect service \"{}\" within {timeout}s: context deadline exceeded",
                address(None, &port.to_string())
            ),
            _ => "service unhealthy (responded with \"NOT_SERVING\")".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(period: u32, failure: u32, success: u32) -> Probe {
        let mut p = Probe::new(ProbeHandler::HttpGet {
            scheme: "HTTP".into(),
            path: "/healthz".into(),
            port: "8080".into(),
            host: None,
        });
        p.period_seconds = period;
        p.failure_threshold = failure;
        p.success_threshold = success;
        p
    }

    #[test]
    fn tick_grid() {
        let s = |x: u64| SimTime(x * 1000);
        let p = SimDuration::from_secs(10);
        assert_eq!(tick_at_or_after(s(3), p, s(0)), s(3));
        assert_eq!(tick_at_or_after(s(3), p, s(3)), s(3));
        assert_eq!(tick_at_or_after(s(3), p, SimTime(3001)), s(13));
        assert_eq!(tick_at_or_after(s(3), p, s(45)), s(53));
    }

    /// When does a readiness probe (period 10 s, failureThreshold 3) make a container not
    /// ready, if its application turns unhealthy at `u` and the probe ticks at `phase`,
    /// `phase + 10`, ...?
    fn not_ready_after(phase: u64, u: u64) -> u64 {
        let probe = http(10, 3, 1);
        let mut w = ProbeWorker::new(ProbeKind::Readiness, SimTime(phase));
        // Healthy and ready before: a success streak.
        w.record(true, &probe);
        assert_eq!(w.result, ProbeResult::Success);
        let mut t = tick_at_or_after(SimTime(phase), period(&probe), SimTime(u));
        loop {
            if w.record(false, &probe) == Some(ProbeResult::Failure) {
                return t.0 - u;
            }
            t += period(&probe);
        }
    }

    #[test]
    fn readiness_turns_not_ready_20_to_30_s_after_the_app_fails() {
        // Hand derivation: the first failing probe is the first tick at or after the failure,
        // 0-10 s later (exclusive of 10 s); two more failures 10 s apart reach
        // failureThreshold 3, so NotReady comes 20 s after that tick: in [20 s, 30 s).
        // Ticks at 0, 10, ... and the app failing at 60 s: probes fail at 60, 70, 80 -> 20 s.
        assert_eq!(not_ready_after(0, 60_000), 20_000);
        // Failing at 60.001 s: first failing tick at 70 s -> NotReady at 90 s, 29.999 s later.
        assert_eq!(not_ready_after(0, 60_001), 29_999);
        // Every phase of the tick grid lands in [20 s, 30 s).
        for phase in (0..10_000).step_by(250) {
            let d = not_ready_after(phase, 123_456);
            assert!((20_000..30_000).contains(&d), "phase {phase}: {d}");
        }
    }

    #[test]
    fn thresholds_and_hold() {
        let probe = http(10, 3, 2);
        let mut w = ProbeWorker::new(ProbeKind::Readiness, SimTime(0));
        // successThreshold 2: one success is not enough.
        assert_eq!(w.record(true, &probe), None);
        assert_eq!(w.record(true, &probe), Some(ProbeResult::Success));
        // Two failures, then a success resets the streak: three more failures are needed.
        w.record(false, &probe);
        w.record(false, &probe);
        w.record(true, &probe);
        assert_eq!(w.result, ProbeResult::Success);
        assert_eq!(w.record(false, &probe), None);
        assert_eq!(w.record(false, &probe), None);
        assert_eq!(w.record(false, &probe), Some(ProbeResult::Failure));
        // A liveness failure puts the worker on hold and restarts the count.
        let live = http(10, 1, 1);
        let mut l = ProbeWorker::new(ProbeKind::Liveness, SimTime(0));
        assert_eq!(l.result, ProbeResult::Success);
        assert_eq!(l.record(false, &live), Some(ProbeResult::Failure));
        assert!(l.on_hold);
        l.new_instance();
        assert!(!l.on_hold);
        assert_eq!(l.result, ProbeResult::Success);
    }

    #[test]
    fn failure_messages() {
        let p = http(10, 3, 1);
        assert_eq!(failure_output(&p, Health::Error), "HTTP probe failed with statuscode: 503");
        assert_eq!(
            failure_output(&p, Health::Timeout),
            "Get \"http://<pod IP>:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        );
        let tcp = Probe::new(ProbeHandler::TcpSocket { port: "5432".into() });
        assert_eq!(
            failure_output(&tcp, Health::NotListening),
            "dial tcp <pod IP>:5432: connect: connection refused"
        );
        let exec = Probe::new(ProbeHandler::Exec { command: vec!["cat".into(), "/tmp/ok".into()] });
        assert_eq!(failure_output(&exec, Health::Timeout), "command \"cat /tmp/ok\" timed out");
    }
}
