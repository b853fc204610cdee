//! Container probes and lifecycle hooks (`livenessProbe`, `readinessProbe`, `startupProbe`,
//! `lifecycle.postStart`, `lifecycle.preStop`), with the API defaults of
//! `pkg/apis/core/v1/defaults.go` (`SetDefaults_Probe`).
//!
//! kubesim does not run the handlers: whether a probe passes, and how long a hook takes, comes
//! from the scenario's `behaviour` and actions. The handler is kept so that events read like
//! the kubelet's (`HTTP probe failed with statuscode: 503`) and `state.yaml` shows it.

/// The three probe types of a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProbeKind {
    /// `startupProbe`: gates the other two; failure restarts the container.
    Startup,
    /// `livenessProbe`: failure restarts the container.
    Liveness,
    /// `readinessProbe`: failure makes the container not ready.
    Readiness,
}

impl ProbeKind {
    /// All kinds, in the order upstream's prober manager creates workers.
    pub const ALL: [Self; 3] = [Self::Startup, Self::Liveness, Self::Readiness];

    /// As the kubelet writes it in events (`Liveness probe failed: ...`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Startup => "Startup",
            Self::Liveness => "Liveness",
            Self::Readiness => "Readiness",
        }
    }

    /// As the scenario format spells it (`liveness`).
    pub fn as_lower(self) -> &'static str {
        match self {
            Self::Startup => "startup",
            Self::Liveness => "liveness",
            Self::Readiness => "readiness",
        }
    }

    /// A bit for [`ProbeKinds`].
    pub const fn bit(self) -> u8 {
        match self {
            Self::Startup => 1,
            Self::Liveness => 2,
            Self::Readiness => 4,
        }
    }
}

/// A set of probe kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeKinds(pub u8);

impl ProbeKinds {
    /// Every kind.
    pub const ALL: Self = Self(7);

    /// Whether the set holds `k`.
    pub fn contains(self, k: ProbeKind) -> bool {
        self.0 & k.bit() != 0
    }
}

impl Default for ProbeKinds {
    fn default() -> Self {
        Self::ALL
    }
}

/// How a probe checks the container (exactly one handler, as the API requires).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeHandler {
    /// `exec.command`
    Exec {
        /// The command.
        command: Vec<String>,
    },
    /// `httpGet`
    HttpGet {
        /// `scheme` (default `HTTP`).
        scheme: String,
        /// `path` (default `/`).
        path: String,
        /// `port`: a number or a port name, as written.
        port: String,
        /// `host` (default: the pod IP).
        host: Option<String>,
    },
    /// `tcpSocket`
    TcpSocket {
        /// `port`: a number or a port name.
        port: String,
    },
    /// `grpc`
    Grpc {
        /// `port`
        port: i32,
        /// `service` (empty = the server's overall health).
        service: Option<String>,
    },
}

/// A probe with the API defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The handler.
    pub handler: ProbeHandler,
    /// `initialDelaySeconds` (default 0).
    pub initial_delay_seconds: u32,
    /// `periodSeconds` (default 10).
    pub period_seconds: u32,
    /// `timeoutSeconds` (default 1).
    pub timeout_seconds: u32,
    /// `successThreshold` (default 1; must be 1 for liveness and startup).
    pub success_threshold: u32,
    /// `failureThreshold` (default 3).
    pub failure_threshold: u32,
    /// `terminationGracePeriodSeconds`: the grace period used when this probe's failure kills
    /// the container (default: the pod's).
    pub termination_grace_period_seconds: Option<u64>,
}

impl Probe {
    /// A probe with the API defaults (`SetDefaults_Probe`).
    pub fn new(handler: ProbeHandler) -> Self {
        Self {
            handler,
            initial_delay_seconds: 0,
            period_seconds: 10,
            timeout_seconds: 1,
            success_threshold: 1,
            failure_threshold: 3,
            termination_grace_period_seconds: None,
        }
    }
}

/// A lifecycle hook handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookHandler {
    /// `exec.command`
    Exec {
        /// The command.
        command: Vec<String>,
    },
    /// `httpGet`
    HttpGet {
        /// `scheme`
        scheme: String,
        /// `path`
        path: String,
        /// `port`
        port: String,
    },
    /// `tcpSocket` (deprecated upstream, accepted and not run).
    TcpSocket {
        /// `port`
        port: String,
    },
    /// `sleep.seconds` (v1.30+): the hook takes exactly this long.
    Sleep {
        /// `seconds`
        seconds: u64,
    },
}

/// `lifecycle` of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// `postStart`
    pub post_start: Option<HookHandler>,
    /// `preStop`
    pub pre_stop: Option<HookHandler>,
}
