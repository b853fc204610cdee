//! How a workload's containers behave: the timings and failures a real cluster shows.
//!
//! Kubernetes does not fix these (image size, registry speed, application start-up, bugs); a
//! scenario gives them as constants or distributions, drawn from seeded streams (the kubelet's
//! per-node stream; a constant draws nothing).

use kubesim_engine::{Dist, SimDuration};

/// Index into [`crate::Cluster::behaviours`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BehaviourId(pub u32);

/// A container exiting on its own, `after` its start, with `code`.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    /// How long each start runs.
    pub after: Dist,
    /// The exit code (0 = `Completed`, else `Error`).
    pub code: i32,
}

impl Exit {
    /// What a regular init container does unless the scenario says otherwise: it completes
    /// (exit 0) 1 s after it started.
    pub fn init_default() -> Self {
        Self { after: Dist::Constant(SimDuration::from_secs(1)), code: 0 }
    }
}

/// Which starts of a container crash.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrashChance {
    /// Every start.
    Always,
    /// Each start independently with this probability (drawn from the node's kubelet stream;
    /// 0 and 1 draw nothing).
    Probability(f64),
    /// The first N starts; later starts behave normally ("fails N times then succeeds").
    FirstStarts(u32),
}

/// A container crashing: on the starts [`CrashChance`] picks, it exits `after` its start with
/// `code`, whatever [`Behaviour::exit`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct Crash {
    /// Which starts crash.
    pub chance: CrashChance,
    /// How long a crashing start runs.
    pub after: Dist,
    /// Its exit code (default 1).
    pub code: i32,
}

/// A lifecycle hook's run (`postStart`, `preStop`), when the container spec has the hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// How long the handler runs (a `sleep` handler's own seconds take precedence).
    pub duration: Dist,
    /// Whether it fails (`FailedPostStartHook` / `FailedPreStopHook`).
    pub fail: bool,
}

impl Default for Hook {
    fn default() -> Self {
        Self { duration: Dist::Constant(SimDuration::ZERO), fail: false }
    }
}

/// What a workload's (or one container's) containers do.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Time to pull one image that is not on the node (a failing pull fails after it too).
    pub image_pull: Dist,
    /// Time from `Created` to `Started` for a container.
    pub container_start: Dist,
    /// Time from `Started` until the application answers its probes (drawn per start).
    pub ready: Dist,
    /// Time the application takes to exit after SIGTERM (SIGKILL ends it at the end of the
    /// grace period).
    pub shutdown: Dist,
    /// The container exits on its own; None = it runs until stopped (for a regular init
    /// container: [`Exit::init_default`]).
    pub exit: Option<Exit>,
    /// Starts that crash.
    pub crash: Option<Crash>,
    /// Every pull of the image fails with this error (`ErrImagePull`, then `ImagePullBackOff`).
    pub image_pull_error: Option<String>,
    /// The `postStart` hook's run.
    pub post_start: Hook,
    /// The `preStop` hook's run.
    pub pre_stop: Hook,
    /// Per-container overrides, by container name: complete behaviours (unset fields were
    /// inherited when the scenario was read). Empty in the overrides themselves.
    pub containers: Vec<(String, Behaviour)>,
}

impl Behaviour {
    /// The override for a container, if any.
    pub fn container(&self, name: &str) -> Option<&Behaviour> {
        self.containers.iter().find(|(n, _)| n == name).map(|(_, b)| b)
    }

    /// The behaviour a container follows: its override, or this one.
    pub fn for_container(&self, name: &str) -> &Behaviour {
        self.container(name).unwrap_or(self)
    }
}

impl Default for Behaviour {
    /// The defaults documented in `docs/scenario-format.md`: pull 5 s, start 1 s, ready 2 s,
    /// shutdown 1 s (constants); containers run until stopped; hooks take no time.
    fn default() -> Self {
        Self {
            image_pull: Dist::Constant(SimDuration::from_secs(5)),
            container_start: Dist::Constant(SimDuration::from_secs(1)),
            ready: Dist::Constant(SimDuration::from_secs(2)),
            shutdown: Dist::Constant(SimDuration::from_secs(1)),
            exit: None,
            crash: None,
            image_pull_error: None,
            post_start: Hook::default(),
            pre_stop: Hook::default(),
            containers: Vec::new(),
        }
    }
}
