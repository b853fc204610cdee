//! Pods: the spec fields kubesim simulates, and the status the kubelet and the scheduler write.

use crate::labels::{LabelSelector, Labels, Requirement};
use crate::meta::{Meta, NodeId};
use crate::node::{CondStatus, Taint, TaintEffect};
use crate::probe::{Lifecycle, Probe, ProbeKind};
use crate::resources::Resources;
use crate::scheduling::{HostPort, PodAffinity, PreemptionPolicy};
use kubesim_engine::SimTime;
use std::sync::Arc;

/// `DefaultMilliCPURequest`: what scoring counts for a container without a cpu request.
pub const DEFAULT_MILLI_CPU_REQUEST: u64 = 100;
/// `DefaultMemoryRequest` (200 MiB): what scoring counts for a container without a memory request.
pub const DEFAULT_MEMORY_REQUEST: u64 = 200 << 20;
/// `kubernetes.io/config.mirror`: the annotation of a mirror pod (the API's copy of a static
/// pod, which `kubectl drain` skips because it cannot be deleted through the API).
pub const ANNOTATION_MIRROR_POD: &str = "kubernetes.io/config.mirror";

/// `spec.restartPolicy`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestartPolicy {
    /// Restart on any exit (the default).
    #[default]
    Always,
    /// Restart on non-zero exit.
    OnFailure,
    /// Never restart.
    Never,
}

impl RestartPolicy {
    /// The policy as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::OnFailure => "OnFailure",
            Self::Never => "Never",
        }
    }
}

/// `imagePullPolicy`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull on every container start.
    Always,
    /// Pull only if the node lacks the image (the `Default` here only for building structs;
    /// manifests get [`PullPolicy::default_for`]).
    #[default]
    IfNotPresent,
    /// Never pull; fail if the image is absent.
    Never,
}

impl PullPolicy {
    /// The default for an image reference (`SetDefaults_Container`): `Always` for the tag
    /// `latest` (including no tag and no digest), else `IfNotPresent`.
    pub fn default_for(image: &str) -> Self {
        if image.contains('@') {
            return Self::IfNotPresent;
        }
        let last = image.rsplit('/').next().unwrap_or(image);
        match last.split_once(':') {
            Some((_, "latest")) | None => Self::Always,
            Some(_) => Self::IfNotPresent,
        }
    }

    /// The policy as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::IfNotPresent => "IfNotPresent",
            Self::Never => "Never",
        }
    }
}

/// A container of the pod spec.
#[derive(Clone, PartialEq, Default)]
pub struct Container {
    /// `name`
    pub name: String,
    /// `image`
    pub image: String,
    /// `imagePullPolicy` (defaulted).
    pub image_pull_policy: PullPolicy,
    /// `resources.requests` (pods: 0).
    pub requests: Resources,
    /// `resources.limits` (pods: 0).
    pub limits: Resources,
    /// The form each quantity of `requests` was written in, which `state.yaml` prints it in.
    pub request_formats: crate::quantity::ResourceFormats,
    /// The form each quantity of `limits` was written in.
    pub limit_formats: crate::quantity::ResourceFormats,
    /// `restartPolicy` of the container: only `Always`, on an init container, which makes it
    /// a sidecar (a restartable init container, v1.29+).
    pub restart_policy: Option<RestartPolicy>,
    /// `startupProbe`
    pub startup_probe: Option<Probe>,
    /// `livenessProbe`
    pub liveness_probe: Option<Probe>,
    /// `readinessProbe`
    pub readiness_probe: Option<Probe>,
    /// `lifecycle`
    pub lifecycle: Lifecycle,
}

/// As derived, but the quantity formats only when one is not the default: the Deployment
/// controller's `pod-template-hash` hashes this text, so a template written in the usual
/// forms keeps the hash it had before kubesim kept the forms, and one written as `10G` gets
/// its own (upstream hashes the template as given, forms included).
impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Container");
        d.field("name", &self.name)
            .field("image", &self.image)
            .field("image_pull_policy", &self.image_pull_policy)
            .field("requests", &self.requests)
            .field("limits", &self.limits);
        let default = crate::quantity::ResourceFormats::default();
        if self.request_formats != default {
            d.field("request_formats", &self.request_formats);
        }
        if self.limit_formats != default {
            d.field("limit_formats", &self.limit_formats);
        }
        d.field("restart_policy", &self.restart_policy)
            .field("startup_probe", &self.startup_probe)
            .field("liveness_probe", &self.liveness_probe)
            .field("readiness_probe", &self.readiness_probe)
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

impl Container {
    /// Whether this (init) container is a sidecar: `restartPolicy: Always`
    /// (`podutil.IsRestartableInitContainer`).
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy == Some(RestartPolicy::Always)
    }

    /// The probe of a kind, if the container has one.
    pub fn probe(&self, kind: ProbeKind) -> Option<&Probe> {
        match kind {
            ProbeKind::Startup => self.startup_probe.as_ref(),
            ProbeKind::Liveness => self.liveness_probe.as_ref(),
            ProbeKind::Readiness => self.readiness_probe.as_ref(),
        }
    }
}

/// An ephemeral container injected into a running pod (`kubectl debug`): no resources, no
/// probes, never restarted.
#[derive(Debug, Clone, PartialEq)]
pub struct EphemeralContainer {
    /// The container (`name`, `image`, `imagePullPolicy`).
    pub container: Container,
    /// `targetContainerName`
    pub target: Option<String>,
    /// How long the debugging session runs before the container exits 0 (not an API field:
    /// what the user does; None = until the pod ends).
    pub run_for: Option<kubesim_engine::SimDuration>,
}

/// `operator` of a toleration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TolerationOperator {
    /// Key and value must match.
    Equal,
    /// The key must match (an empty key matches every taint).
    Exists,
}

/// A pod toleration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Toleration {
    /// `key` (empty with `Exists` tolerates everything).
    pub key: String,
    /// `operator`
    pub operator: TolerationOperator,
    /// `value`
    pub value: String,
    /// `effect` (None matches all effects).
    pub effect: Option<TaintEffect>,
    /// `tolerationSeconds` (NoExecute only; None = forever).
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `taint` (`v1.Toleration.ToleratesTaint`).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|e| e != taint.effect) {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => self.value == taint.value,
        }
    }
}

/// A node selector term: all of its requirements must hold (`matchExpressions` on labels,
/// `matchFields` on `metadata.name`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeSelectorTerm {
    /// `matchExpressions`
    pub match_expressions: Vec<Requirement>,
    /// `matchFields` (only `metadata.name` is a valid key upstream).
    pub match_fields: Vec<Requirement>,
}

impl NodeSelectorTerm {
    /// Whether a node with these labels and name satisfies the term. An empty term matches
    /// nothing (upstream: "a null or empty node selector term matches no objects").
    pub fn matches(&self, labels: &Labels, node_name: &str) -> bool {
        if self.match_expressions.is_empty() && self.match_fields.is_empty() {
            return false;
        }
        // The fields are `{metadata.name: <node name>}`.
        let field = |key: &str| (key == "metadata.name").then_some(node_name);
        self.match_expressions.iter().all(|r| r.matches(labels))
            && self.match_fields.iter().all(|r| r.matches_value(field(&r.key)))
    }
}

/// A weighted preferred scheduling term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreferredTerm {
    /// `weight` (1–100)
    pub weight: i32,
    /// `preference`
    pub term: NodeSelectorTerm,
}

/// `spec.affinity.nodeAffinity`
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NodeAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` (ORed); None = no requirement.
    pub required: Option<Vec<NodeSelectorTerm>>,
    /// `preferredDuringSchedulingIgnoredDuringExecution`
    pub preferred: Vec<PreferredTerm>,
}

/// `whenUnsatisfiable` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WhenUnsatisfiable {
    /// A hard constraint (filter).
    DoNotSchedule,
    /// A soft constraint (score).
    ScheduleAnyway,
}

/// `nodeAffinityPolicy` / `nodeTaintsPolicy` of a topology spread constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InclusionPolicy {
    /// Take the pod's node affinity / tolerations into account when counting domains.
    Honor,
    /// Count every node.
    Ignore,
}

/// `spec.topologySpreadConstraints[]` (used by the scheduler's PodTopologySpread plugin).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopologySpreadConstraint {
    /// `maxSkew`
    pub max_skew: i32,
    /// `topologyKey`
    pub topology_key: String,
    /// `whenUnsatisfiable`
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// `labelSelector` (None selects nothing).
    pub label_selector: Option<LabelSelector>,
    /// `minDomains` (None = 1)
    pub min_domains: Option<i32>,
    /// `nodeAffinityPolicy` (None = Honor)
    pub node_affinity_policy: Option<InclusionPolicy>,
    /// `nodeTaintsPolicy` (None = Ignore)
    pub node_taints_policy: Option<InclusionPolicy>,
    /// `matchLabelKeys`
    pub match_label_keys: Vec<String>,
}

/// The pod spec fields kubesim simulates. Pods made from one template share it (`Arc`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodSpec {
    /// `spec.nodeName` as written in a template or manifest (a pod created with it bypasses
    /// the scheduler and is bound at once; the binding itself is [`Pod::node`], and a pod
    /// bound at t = 0 from a manifest keeps it there only, so its spec can be shared).
    pub node_name: Option<String>,
    /// `spec.containers`
    pub containers: Vec<Container>,
    /// `spec.initContainers`
    pub init_containers: Vec<Container>,
    /// `spec.restartPolicy`
    pub restart_policy: RestartPolicy,
    /// `spec.terminationGracePeriodSeconds` (default 30).
    pub termination_grace_period_seconds: u64,
    /// `spec.nodeSelector`
    pub node_selector: Labels,
    /// `spec.affinity.nodeAffinity`
    pub node_affinity: NodeAffinity,
    /// `spec.tolerations`
    pub tolerations: Vec<Toleration>,
    /// `spec.topologySpreadConstraints`
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// `spec.priority` (resolved from `priorityClassName` if given).
    pub priority: i32,
    /// `spec.priorityClassName`
    pub priority_class_name: Option<String>,
    /// `spec.schedulerName` (default `default-scheduler`).
    pub scheduler_name: String,
    /// `spec.affinity.podAffinity`
    pub pod_affinity: PodAffinity,
    /// `spec.affinity.podAntiAffinity`
    pub pod_anti_affinity: PodAffinity,
    /// The `hostPort`s of the containers' `ports` (only ports with a `hostPort`).
    pub host_ports: Vec<HostPort>,
    /// `spec.preemptionPolicy` (resolved from the PriorityClass when not given).
    pub preemption_policy: PreemptionPolicy,
    /// `spec.readinessGates[].conditionType`
    pub readiness_gates: Vec<String>,
    /// Names of the pod's `emptyDir` volumes (`spec.volumes[].emptyDir`): local data that
    /// `kubectl drain` refuses to delete without `--delete-emptydir-data`.
    pub empty_dir_volumes: Vec<String>,
}

impl PodSpec {
    /// Effective requests as the scheduler and kubelet count them
    /// (`resourcehelper.PodRequests`): app containers and sidecars run together, so their
    /// requests add up; each regular init container runs alone beside the sidecars started
    /// before it. The result is the larger of the two:
    /// `max(sum(app) + sum(sidecars), max over init i of (req(i) + sum(sidecars before i)))`.
    /// Pod overhead is not modelled.
    pub fn requests(&self) -> Resources {
        let mut sum = Resources::default();
        for c in &self.containers {
            sum += c.requests;
        }
        let mut sidecars = Resources::default();
        let mut init = Resources::default();
        for c in &self.init_containers {
            if c.is_sidecar() {
                sum += c.requests;
                sidecars += c.requests;
                init = init.max(sidecars);
            } else {
                init = init.max(c.requests + sidecars);
            }
        }
        let mut r = sum.max(init);
        r.pods = 1;
        r
    }

    /// Requests as scheduling *scores* count them (`GetNonzeroRequests`): a container without
    /// a cpu or memory request counts 100m / 200Mi; init containers as in [`Self::requests`].
    pub fn nonzero_requests(&self) -> Resources {
        let nonzero = |c: &Container| Resources {
            cpu_milli: if c.requests.cpu_milli == 0 {
                DEFAULT_MILLI_CPU_REQUEST
            } else {
                c.requests.cpu_milli
            },
            memory: if c.requests.memory == 0 { DEFAULT_MEMORY_REQUEST } else { c.requests.memory },
            ..Resources::default()
        };
        let mut sum = Resources::default();
        for c in &self.containers {
            sum += nonzero(c);
        }
        let init = self.init_containers.iter().fold(Resources::default(), |a, c| a.max(nonzero(c)));
        let mut r = sum.max(init);
        r.pods = 1;
        r
    }

    /// Whether the pod has any inter-pod affinity or anti-affinity term.
    pub fn has_pod_affinity(&self) -> bool {
        !self.pod_affinity.is_empty() || !self.pod_anti_affinity.is_empty()
    }

    /// Whether some toleration of the pod tolerates `taint`.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        self.tolerations.iter().any(|t| t.tolerates(taint))
    }
}

/// A pod template (of a workload).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodTemplate {
    /// `template.metadata.labels` (shared with the pods made from the template).
    pub labels: crate::meta::SharedLabels,
    /// `template.metadata.annotations`
    pub annotations: std::collections::BTreeMap<String, String>,
    /// `template.spec`
    pub spec: Arc<PodSpec>,
}

/// `status.phase`
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodPhase {
    /// Accepted, not all containers running yet (includes waiting for scheduling and pulls).
    Pending,
    /// Bound, containers created, at least one running.
    Running,
    /// All containers exited with success and will not restart.
    Succeeded,
    /// All containers exited, at least one with failure, and none will restart.
    Failed,
    /// The state of the pod could not be obtained.
    Unknown,
}

impl PodPhase {
    /// The phase as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }

    /// Succeeded or Failed.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// The pod condition types, in the order `kubectl get -o yaml` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodConditionType {
    /// `PodReadyToStartContainers`: sandbox and network ready.
    PodReadyToStartContainers,
    /// `Initialized`: init containers done.
    Initialized,
    /// `Ready`: able to serve.
    Ready,
    /// `ContainersReady`: all containers ready.
    ContainersReady,
    /// `PodScheduled`: bound to a node.
    PodScheduled,
    /// `DisruptionTarget`: about to be terminated by a disruption.
    DisruptionTarget,
}

impl PodConditionType {
    /// All types, in listing order.
    pub const ALL: [Self; 6] = [
        Self::PodReadyToStartContainers,
        Self::Initialized,
        Self::Ready,
        Self::ContainersReady,
        Self::PodScheduled,
        Self::DisruptionTarget,
    ];

    /// The type as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PodReadyToStartContainers => "PodReadyToStartContainers",
            Self::Initialized => "Initialized",
            Self::Ready => "Ready",
            Self::ContainersReady => "ContainersReady",
            Self::PodScheduled => "PodScheduled",
            Self::DisruptionTarget => "DisruptionTarget",
        }
    }
}

/// One pod condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCondition {
    /// `status`
    pub status: CondStatus,
    /// `lastTransitionTime`
    pub last_transition: SimTime,
    /// `reason` (may be empty; a boxed `str`, 16 bytes, as conditions are held inline)
    pub reason: Box<str>,
    /// `message` (may be empty)
    pub message: Box<str>,
}

/// The state of one container (`status.containerStatuses[].state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerState {
    /// Not running yet (or between restarts).
    Waiting {
        /// e.g. `ContainerCreating`, `PodInitializing`, `CrashLoopBackOff`.
        reason: String,
        /// e.g. `back-off 10s restarting failed container=app pod=web_default(uid)`.
        message: String,
    },
    /// Running since `started_at`.
    Running {
        /// `startedAt`
        started_at: SimTime,
    },
    /// Exited.
    Terminated {
        /// e.g. `Completed`, `Error`.
        reason: String,
        /// `exitCode`
        exit_code: i32,
        /// `startedAt`
        started_at: SimTime,
        /// `finishedAt`
        finished_at: SimTime,
    },
}

impl ContainerState {
    /// A waiting state without a message.
    pub fn waiting(reason: &str) -> Self {
        Self::Waiting { reason: reason.to_string(), message: String::new() }
    }
}

/// `status.containerStatuses[]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerStatus {
    /// `name`
    pub name: String,
    /// `image`
    pub image: String,
    /// `state`
    pub state: ContainerState,
    /// `ready`
    pub ready: bool,
    /// `started` (startup probe passed, or no startup probe and running).
    pub started: bool,
    /// `restartCount`
    pub restart_count: u32,
    /// `lastState`: the previous instance's termination, once the container has restarted
    /// or is waiting to.
    pub last_state: Option<ContainerState>,
}

/// `status` of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodStatus {
    /// `phase`
    pub phase: PodPhase,
    /// Conditions, indexed by [`PodConditionType`] order.
    pub conditions: [Option<PodCondition>; 6],
    /// `containerStatuses`
    pub container_statuses: Vec<ContainerStatus>,
    /// `initContainerStatuses`
    pub init_container_statuses: Vec<ContainerStatus>,
    /// `ephemeralContainerStatuses`
    pub ephemeral_container_statuses: Vec<ContainerStatus>,
    /// Conditions of other types (readiness gates), in the order they were first set.
    pub custom_conditions: Vec<(String, PodCondition)>,
    /// `startTime`: when the kubelet accepted the pod.
    pub start_time: Option<SimTime>,
    /// `reason` (e.g. `OutOfcpu` for a pod the kubelet rejected).
    pub reason: Option<String>,
    /// `message`
    pub message: Option<String>,
    /// `nominatedNodeName`: the node a preemption made room on for this pod.
    pub nominated_node: Option<NodeId>,
}

impl Default for PodStatus {
    fn default() -> Self {
        Self {
            phase: PodPhase::Pending,
            conditions: Default::default(),
            container_statuses: Vec::new(),
            init_container_statuses: Vec::new(),
            ephemeral_container_statuses: Vec::new(),
            custom_conditions: Vec::new(),
            start_time: None,
            reason: None,
            message: None,
            nominated_node: None,
        }
    }
}

impl PodStatus {
    /// The condition of a type, if set.
    pub fn condition(&self, t: PodConditionType) -> Option<&PodCondition> {
        self.conditions[t as usize].as_ref()
    }

    /// Whether a condition is present and True.
    pub fn is_true(&self, t: PodConditionType) -> bool {
        self.condition(t).is_some_and(|c| c.status == CondStatus::True)
    }

    /// A condition of another type (a readiness gate's), if set.
    pub fn custom_condition(&self, t: &str) -> Option<&PodCondition> {
        self.custom_conditions.iter().find(|(n, _)| n == t).map(|(_, c)| c)
    }

    /// Sets a condition of another type; as [`Self::set_condition`]. Returns whether the
    /// status changed.
    pub fn set_custom_condition(
        &mut self,
        t: &str,
        status: CondStatus,
        now: SimTime,
        reason: &str,
        message: &str,
    ) -> bool {
        match self.custom_conditions.iter_mut().find(|(n, _)| n == t) {
            Some((_, c)) if c.status == status => {
                c.reason = reason.into();
                c.message = message.into();
                false
            }
            Some((_, c)) => {
                *c = PodCondition {
                    status,
                    last_transition: now,
                    reason: reason.into(),
                    message: message.into(),
                };
                true
            }
            None => {
                self.custom_conditions.push((
                    t.to_string(),
                    PodCondition {
                        status,
                        last_transition: now,
                        reason: reason.into(),
                        message: message.into(),
                    },
                ));
                true
            }
        }
    }

    /// Sets a condition; the transition time moves only when the status changes.
    /// Returns whether the status changed.
    pub fn set_condition(
        &mut self,
        t: PodConditionType,
        status: CondStatus,
        now: SimTime,
        reason: &str,
        message: &str,
    ) -> bool {
        let slot = &mut self.conditions[t as usize];
        match slot {
            Some(c) if c.status == status => {
                if *c.reason != *reason {
                    c.reason = reason.into();
                }
                if *c.message != *message {
                    c.message = message.into();
                }
                false
            }
            _ => {
                *slot = Some(PodCondition {
                    status,
                    last_transition: now,
                    reason: reason.into(),
                    message: message.into(),
                });
                true
            }
        }
    }
}

/// A pod as kubesim keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    /// Metadata.
    pub meta: Meta,
    /// The spec, shared by the pods of one template.
    pub spec: Arc<PodSpec>,
    /// `spec.nodeName`, once bound.
    pub node: Option<NodeId>,
    /// Status.
    pub status: PodStatus,
    /// When the pod became Ready (for `minReadySeconds` availability), if it is Ready.
    pub ready_since: Option<SimTime>,
    /// Set when the object has been removed from the API (the slot stays for the trace).
    pub removed: Option<SimTime>,
    /// The timings this pod follows (its workload's, or the scenario default).
    pub behaviour: crate::behaviour::BehaviourId,
    /// `spec.ephemeralContainers`: added to a running pod by `kubectl debug`, so kept per pod
    /// rather than in the shared spec.
    pub ephemeral_containers: Vec<EphemeralContainer>,
}

impl Pod {
    /// Whether the pod is Ready.
    pub fn is_ready(&self) -> bool {
        self.status.is_true(PodConditionType::Ready)
    }

    /// Whether the pod is available: Ready for at least `min_ready_seconds` at `now`.
    pub fn is_available(&self, now: SimTime, min_ready_seconds: u64) -> bool {
        self.is_ready() && self.ready_since.is_some_and(|t| now.0 >= t.0 + min_ready_seconds * 1000)
    }

    /// Active in the sense of the ReplicaSet controller (`IsPodActive`): not terminal and not
    /// being deleted.
    pub fn is_active(&self) -> bool {
        self.removed.is_none() && !self.status.phase.is_terminal() && self.meta.deletion.is_none()
    }

    /// Whether the pod still exists in the API.
    pub fn exists(&self) -> bool {
        self.removed.is_none()
    }

    /// Whether the pod is terminating (has a deletion timestamp but still exists).
    pub fn is_terminating(&self) -> bool {
        self.removed.is_none() && self.meta.deletion.is_some()
    }
}

#[cfg(test)]
mod tests {
    use crate::build::SpecBuilder;

    #[test]
    fn effective_requests_with_init_containers_and_sidecars() {
        // App 500m. Init containers in order: init-a 2 (regular), sidecar 300m, init-b 1
        // (regular). Upstream PodRequests: app + sidecars = 500m + 300m = 800m; init peak =
        // max(init-a alone 2000m, sidecar cumulative 300m, init-b + sidecar 1300m) = 2000m;
        // effective = max(800m, 2000m) = 2000m.
        let spec = SpecBuilder::new()
            .requests("500m", "0")
            .init_container("init-a", "busybox:1", "2", false)
            .init_container("proxy", "envoy:1", "300m", true)
            .init_container("init-b", "busybox:1", "1", false)
            .build();
        assert_eq!(spec.requests().cpu_milli, 2000);
        assert_eq!(spec.requests().pods, 1);
        // With a smaller first init container: max(800m, 300m, 1300m) = 1300m.
        let spec = SpecBuilder::new()
            .requests("500m", "0")
            .init_container("proxy", "envoy:1", "300m", true)
            .init_container("init-b", "busybox:1", "1", false)
            .build();
        assert_eq!(spec.requests().cpu_milli, 1300);
        // App containers dominate: 4 + sidecar 300m = 4300m.
        let spec = SpecBuilder::new()
            .requests("4", "0")
            .init_container("proxy", "envoy:1", "300m", true)
            .init_container("init-b", "busybox:1", "1", false)
            .build();
        assert_eq!(spec.requests().cpu_milli, 4300);
    }
}
