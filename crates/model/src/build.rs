//! Fluent builders for tests and examples, in the style of upstream's `st.MakePod()`:
//! `NodeBuilder::new("n1").zone("a").allocatable("4", "16Gi", 110).build()`.

use crate::behaviour::BehaviourId;
use crate::labels::{LabelSelector, Labels};
use crate::meta::{Kind, Meta};
use crate::node::{CondStatus, LABEL_HOSTNAME, LABEL_ZONE, Node, NodeReady, Taint, TaintEffect};
use crate::pdb::{Pdb, PdbStatus, UnhealthyPodEvictionPolicy};
use crate::pod::{
    Container, PodSpec, PodTemplate, PullPolicy, RestartPolicy, Toleration, TolerationOperator,
};
use crate::probe::{HookHandler, Probe, ProbeHandler, ProbeKind};
use crate::quantity::{parse_millicpu, parse_value};
use crate::resources::Resources;
use crate::workload::{
    DeploymentStrategy, IntOrPercent, PodManagementPolicy, Workload, WorkloadSpec, WorkloadStatus,
};
use kubesim_engine::SimTime;
use std::sync::Arc;

/// Builds a [`Node`] that is Ready at t = 0 with the well-known labels.
pub struct NodeBuilder(Node);

impl NodeBuilder {
    /// A node with 4 CPUs, 16Gi and 110 pods.
    pub fn new(name: &str) -> Self {
        let mut labels = Labels::new();
        labels.insert(LABEL_HOSTNAME.into(), name.into());
        let alloc =
            Resources { cpu_milli: 4000, memory: 16 << 30, ephemeral_storage: 0, pods: 110 };
        Self(Node {
            meta: Meta {
                name: name.into(),
                uid: format!("node-{name}"),
                labels: labels.into(),
                ..Meta::default()
            },
            allocatable: alloc,
            capacity: alloc,
            unschedulable: false,
            taints: Vec::new(),
            ready: NodeReady {
                status: CondStatus::True,
                reason: "KubeletReady",
                message: "kubelet is posting ready status",
                last_transition: SimTime::ZERO,
            },
            pool: None,
            zone: None,
            images: Default::default(),
            removed: None,
        })
    }

    /// Sets `topology.kubernetes.io/zone`.
    pub fn zone(mut self, zone: &str) -> Self {
        self.0.meta.labels.insert(LABEL_ZONE.into(), zone.into());
        self.0.zone = Some(zone.into());
        self
    }

    /// Sets allocatable (and capacity) from quantities.
    pub fn allocatable(mut self, cpu: &str, memory: &str, pods: u64) -> Self {
        let r = Resources {
            cpu_milli: parse_millicpu(cpu).expect("cpu quantity"),
            memory: parse_value(memory).expect("memory quantity"),
            ephemeral_storage: 0,
            pods,
        };
        self.0.allocatable = r;
        self.0.capacity = r;
        self
    }

    /// Adds a label.
    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.0.meta.labels.insert(k.into(), v.into());
        self
    }

    /// Adds a taint.
    pub fn taint(mut self, key: &str, value: &str, effect: TaintEffect) -> Self {
        self.0.taints.push(Taint {
            key: key.into(),
            value: value.into(),
            effect,
            time_added: None,
        });
        self
    }

    /// Marks the node cordoned.
    pub fn unschedulable(mut self) -> Self {
        self.0.unschedulable = true;
        self
    }

    /// Adds an image already present on the node.
    pub fn image(mut self, image: &str) -> Self {
        self.0.images.insert(image.into());
        self
    }

    /// The node.
    pub fn build(self) -> Node {
        self.0
    }
}

/// Builds a [`PodSpec`] with one container.
pub struct SpecBuilder(PodSpec);

impl SpecBuilder {
    /// One container `app` running `nginx:1.25`, no requests.
    pub fn new() -> Self {
        Self(PodSpec {
            containers: vec![Container {
                name: "app".into(),
                image: "nginx:1.25".into(),
                image_pull_policy: PullPolicy::IfNotPresent,
                ..Container::default()
            }],
            termination_grace_period_seconds: 30,
            scheduler_name: "default-scheduler".into(),
            ..PodSpec::default()
        })
    }

    /// Sets the first container's requests.
    pub fn requests(mut self, cpu: &str, memory: &str) -> Self {
        let c = &mut self.0.containers[0];
        c.requests.cpu_milli = parse_millicpu(cpu).expect("cpu quantity");
        c.requests.memory = parse_value(memory).expect("memory quantity");
        self
    }

    /// Sets the first container's image.
    pub fn image(mut self, image: &str) -> Self {
        self.0.containers[0].image = image.into();
        self
    }

    /// Adds a `nodeSelector` pair.
    pub fn node_selector(mut self, k: &str, v: &str) -> Self {
        self.0.node_selector.insert(k.into(), v.into());
        self
    }

    /// Adds a toleration `key=value:effect` (`Exists` when value is empty).
    pub fn toleration(mut self, key: &str, value: &str, effect: Option<TaintEffect>) -> Self {
        self.0.tolerations.push(Toleration {
            key: key.into(),
            operator: if value.is_empty() {
                TolerationOperator::Exists
            } else {
                TolerationOperator::Equal
            },
            value: value.into(),
            effect,
            toleration_seconds: None,
        });
        self
    }

    /// Sets `terminationGracePeriodSeconds`.
    pub fn grace(mut self, seconds: u64) -> Self {
        self.0.termination_grace_period_seconds = seconds;
        self
    }

    /// Sets `restartPolicy`.
    pub fn restart_policy(mut self, p: RestartPolicy) -> Self {
        self.0.restart_policy = p;
        self
    }

    /// Gives the first container an HTTP probe (`GET /healthz` on 8080) of a kind, with
    /// `periodSeconds` and `failureThreshold`; other fields at their API defaults.
    pub fn probe(mut self, kind: ProbeKind, period: u32, failure_threshold: u32) -> Self {
        let mut p = Probe::new(ProbeHandler::HttpGet {
            scheme: "HTTP".into(),
            path: "/healthz".into(),
            port: "8080".into(),
            host: None,
        });
        p.period_seconds = period;
        p.failure_threshold = failure_threshold;
        let c = &mut self.0.containers[0];
        match kind {
            ProbeKind::Startup => c.startup_probe = Some(p),
            ProbeKind::Liveness => c.liveness_probe = Some(p),
            ProbeKind::Readiness => c.readiness_probe = Some(p),
        }
        self
    }

    /// Gives the first container a `preStop` exec hook.
    pub fn pre_stop(mut self) -> Self {
        self.0.containers[0].lifecycle.pre_stop =
            Some(HookHandler::Exec { command: vec!["/bin/drain".into()] });
        self
    }

    /// Gives the first container a `postStart` exec hook.
    pub fn post_start(mut self) -> Self {
        self.0.containers[0].lifecycle.post_start =
            Some(HookHandler::Exec { command: vec!["/bin/warm-up".into()] });
        self
    }

    /// Adds an init container (a sidecar if `sidecar`) with an image and CPU request.
    pub fn init_container(mut self, name: &str, image: &str, cpu: &str, sidecar: bool) -> Self {
        self.0.init_containers.push(Container {
            name: name.into(),
            image: image.into(),
            image_pull_policy: PullPolicy::IfNotPresent,
            requests: Resources {
                cpu_milli: parse_millicpu(cpu).expect("cpu quantity"),
                ..Resources::default()
            },
            restart_policy: sidecar.then_some(RestartPolicy::Always),
            ..Container::default()
        });
        self
    }

    /// Adds a readiness gate.
    pub fn readiness_gate(mut self, condition_type: &str) -> Self {
        self.0.readiness_gates.push(condition_type.into());
        self
    }

    /// Adds an `emptyDir` volume.
    pub fn empty_dir(mut self, name: &str) -> Self {
        self.0.empty_dir_volumes.push(name.into());
        self
    }

    /// The spec.
    pub fn build(self) -> PodSpec {
        self.0
    }
}

impl Default for SpecBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a workload selecting `app=<name>`.
pub struct WorkloadBuilder(Workload);

impl WorkloadBuilder {
    fn new(kind: Kind, name: &str, replicas: u32, spec: PodSpec, wspec: WorkloadSpec) -> Self {
        let labels: Labels = [("app".to_string(), name.to_string())].into();
        Self(Workload {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                uid: format!("{}-{name}", kind.as_str().to_lowercase()),
                labels: labels.clone().into(),
                generation: 1,
                ..Meta::default()
            },
            kind,
            replicas,
            selector: LabelSelector { match_labels: labels.clone(), match_expressions: vec![] },
            template: PodTemplate {
                labels: labels.into(),
                annotations: Default::default(),
                spec: Arc::new(spec),
            },
            min_ready_seconds: 0,
            spec: wspec,
            owner: None,
            status: WorkloadStatus::default(),
            behaviour: BehaviourId(0),
            progressing: None,
        })
    }

    /// A Deployment with the default strategy.
    pub fn deployment(name: &str, replicas: u32, spec: PodSpec) -> Self {
        Self::new(
            Kind::Deployment,
            name,
            replicas,
            spec,
            WorkloadSpec::Deployment {
                strategy: DeploymentStrategy::default(),
                progress_deadline_seconds: Some(crate::workload::DEFAULT_PROGRESS_DEADLINE_SECONDS),
            },
        )
    }

    /// A StatefulSet with the given pod management policy.
    pub fn statefulset(
        name: &str,
        replicas: u32,
        spec: PodSpec,
        policy: PodManagementPolicy,
    ) -> Self {
        Self::new(
            Kind::StatefulSet,
            name,
            replicas,
            spec,
            WorkloadSpec::StatefulSet { pod_management_policy: policy, service_name: name.into() },
        )
    }

    /// A DaemonSet with the default update strategy (maxUnavailable 1, maxSurge 0).
    pub fn daemonset(name: &str, spec: PodSpec) -> Self {
        Self::new(
            Kind::DaemonSet,
            name,
            0,
            spec,
            WorkloadSpec::DaemonSet {
                max_unavailable: IntOrPercent::Int(1),
                max_surge: IntOrPercent::Int(0),
            },
        )
    }

    /// Sets a Deployment's RollingUpdate `maxSurge` and `maxUnavailable`.
    pub fn rolling_update(
        mut self,
        max_surge: IntOrPercent,
        max_unavailable: IntOrPercent,
    ) -> Self {
        if let WorkloadSpec::Deployment { strategy, .. } = &mut self.0.spec {
            *strategy = DeploymentStrategy::RollingUpdate { max_surge, max_unavailable };
        }
        self
    }

    /// Sets a Deployment's `progressDeadlineSeconds` (None: no deadline).
    pub fn progress_deadline_seconds(mut self, s: Option<u64>) -> Self {
        if let WorkloadSpec::Deployment { progress_deadline_seconds, .. } = &mut self.0.spec {
            *progress_deadline_seconds = s;
        }
        self
    }

    /// Sets `minReadySeconds`.
    pub fn min_ready_seconds(mut self, s: u64) -> Self {
        self.0.min_ready_seconds = s;
        self
    }

    /// Sets the behaviour index.
    pub fn behaviour(mut self, b: BehaviourId) -> Self {
        self.0.behaviour = b;
        self
    }

    /// The workload.
    pub fn build(self) -> Workload {
        self.0
    }
}

/// Builds a [`Pdb`] in namespace `default` selecting `app=<app>`.
pub struct PdbBuilder(Pdb);

impl PdbBuilder {
    /// A PDB named `name` selecting `app=<app>`, with neither `minAvailable` nor
    /// `maxUnavailable` set yet.
    pub fn new(name: &str, app: &str) -> Self {
        Self(Pdb {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                uid: format!("pdb-{name}"),
                generation: 1,
                ..Meta::default()
            },
            selector: Some(LabelSelector::from_labels([("app", app)])),
            min_available: None,
            max_unavailable: None,
            unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy::IfHealthyBudget,
            status: PdbStatus::default(),
        })
    }

    /// Sets `minAvailable`.
    pub fn min_available(mut self, v: IntOrPercent) -> Self {
        self.0.min_available = Some(v);
        self
    }

    /// Sets `maxUnavailable`.
    pub fn max_unavailable(mut self, v: IntOrPercent) -> Self {
        self.0.max_unavailable = Some(v);
        self
    }

    /// Sets `unhealthyPodEvictionPolicy: AlwaysAllow`.
    pub fn always_allow(mut self) -> Self {
        self.0.unhealthy_pod_eviction_policy = UnhealthyPodEvictionPolicy::AlwaysAllow;
        self
    }

    /// The PDB.
    pub fn build(self) -> Pdb {
        self.0
    }
}

/// Shorthand for [`TaintEffect::NoSchedule`].
pub const NO_SCHEDULE: TaintEffect = TaintEffect::NoSchedule;
