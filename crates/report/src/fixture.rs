//! A hand-built run for the tests.
//!
//! Cluster: `node-1` (Ready), `node-2` (Ready, cordoned); Deployment `web` (3 replicas) with
//! ReplicaSet `web-7d9f` and three pods, one of them terminating; StatefulSet `shop/db`
//! (2 replicas) with one pod; PDB `web-pdb` (`minAvailable: 50%`).
//!
//! Metrics (end of run at 120 s):
//! - `deployment/web`, desired 3: ready 0, 1, 2, 3 at 0, 10, 20, 30 s, dips to 2 at 60 s,
//!   back to 3 at 75 s.
//! - `statefulset/shop/db`, desired 2: ready 0, 1, 2 at 0, 15, 40 s, dips to 1 at 90 s and
//!   stays there.
//! - `pods_pending`: 5 at 0 s, 3 at 10 s, 0 at 40 s, 2 at 60 s, 0 at 75 s.

use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::node::{LABEL_HOSTNAME, LABEL_ZONE, TAINT_UNSCHEDULABLE};
use kubesim_model::trace::{
    COL_NODES_CORDONED, COL_NODES_NOT_READY, COL_NODES_READY, COL_PODS_PENDING, workload_column,
    workload_ref,
};
use kubesim_model::workload::{DeploymentStrategy, PodManagementPolicy};
use kubesim_model::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A finished run: scenario, final cluster, trace.
pub struct Run {
    pub scenario: Scenario,
    pub cluster: Cluster,
    pub trace: Trace,
}

impl Run {
    pub fn output(&self) -> crate::RunOutput<'_> {
        crate::RunOutput { scenario: &self.scenario, cluster: &self.cluster, trace: &self.trace }
    }
}

fn s(secs: u64) -> SimTime {
    SimTime(secs * 1000)
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn node(c: &mut Cluster, name: &str, zone: &str, cordoned: bool) -> NodeId {
    let uid = c.new_uid();
    let alloc = Resources { cpu_milli: 3500, memory: 15 << 30, ephemeral_storage: 0, pods: 110 };
    let cap =
        Resources { cpu_milli: 4000, memory: 16 << 30, ephemeral_storage: 100 << 30, pods: 110 };
    c.add_node(Node {
        meta: Meta {
            name: name.into(),
            uid,
            labels: labels(&[(LABEL_HOSTNAME, name), (LABEL_ZONE, zone)]).into(),
            ..Meta::default()
        },
        allocatable: alloc,
        capacity: cap,
        unschedulable: cordoned,
        taints: if cordoned {
            vec![Taint {
                key: TAINT_UNSCHEDULABLE.into(),
                value: String::new(),
                effect: TaintEffect::NoSchedule,
                time_added: Some(s(61)),
            }]
        } else {
            Vec::new()
        },
        ready: NodeReady {
            status: CondStatus::True,
            reason: "KubeletReady",
            message: "kubelet is posting ready status",
            last_transition: SimTime(0),
        },
        pool: None,
        zone: Some(zone.into()),
        images: BTreeSet::from(["nginx:1.27".to_string()]),
        removed: None,
    })
}

fn pod_spec() -> Arc<PodSpec> {
    Arc::new(PodSpec {
        containers: vec![Container {
            name: "web".into(),
            image: "nginx:1.27".into(),
            image_pull_policy: PullPolicy::IfNotPresent,
            requests: Resources { cpu_milli: 250, memory: 128 << 20, ..Resources::default() },
            limits: Resources::default(),
            ..Container::default()
        }],
        restart_policy: RestartPolicy::Always,
        termination_grace_period_seconds: 30,
        tolerations: vec![Toleration {
            key: "node.kubernetes.io/not-ready".into(),
            operator: TolerationOperator::Exists,
            value: String::new(),
            effect: Some(TaintEffect::NoExecute),
            toleration_seconds: Some(300),
        }],
        scheduler_name: "default-scheduler".into(),
        ..PodSpec::default()
    })
}

fn running_status(start: SimTime) -> PodStatus {
    let mut st =
        PodStatus { phase: PodPhase::Running, start_time: Some(start), ..PodStatus::default() };
    for t in [
        PodConditionType::PodScheduled,
        PodConditionType::Initialized,
        PodConditionType::PodReadyToStartContainers,
        PodConditionType::ContainersReady,
        PodConditionType::Ready,
    ] {
        st.set_condition(t, CondStatus::True, start, "", "");
    }
    st.container_statuses.push(ContainerStatus {
        name: "web".into(),
        image: "nginx:1.27".into(),
        state: ContainerState::Running { started_at: start },
        ready: true,
        started: true,
        restart_count: 0,
        last_state: None,
    });
    st
}

/// Builds the run described in the module documentation.
pub fn run() -> Run {
    let mut c = Cluster::new();
    let n1 = node(&mut c, "node-1", "zone-a", false);
    let _n2 = node(&mut c, "node-2", "zone-b", true);

    let template = PodTemplate {
        labels: labels(&[("app", "web")]).into(),
        spec: pod_spec(),
        ..PodTemplate::default()
    };
    let dep_uid = c.new_uid();
    let dep = c.add_workload(Workload {
        meta: Meta {
            name: "web".into(),
            namespace: "default".into(),
            uid: dep_uid.clone(),
            labels: labels(&[("app", "web")]).into(),
            generation: 1,
            ..Meta::default()
        },
        kind: Kind::Deployment,
        replicas: 3,
        selector: LabelSelector::from_labels([("app", "web")]),
        template: template.clone(),
        min_ready_seconds: 0,
        spec: WorkloadSpec::Deployment {
            strategy: DeploymentStrategy::default(),
            progress_deadline_seconds: Some(600),
        },
        owner: None,
        status: WorkloadStatus {
            replicas: 3,
            ready_replicas: 3,
            available_replicas: 3,
            ..WorkloadStatus::default()
        },
        behaviour: BehaviourId(0),
        progressing: None,
    });
    let rs_uid = c.new_uid();
    let rs = c.add_workload(Workload {
        meta: Meta {
            name: "web-7d9f".into(),
            namespace: "default".into(),
            uid: rs_uid.clone(),
            labels: labels(&[("app", "web"), ("pod-template-hash", "7d9f")]).into(),
            owner: Some(OwnerRef {
                kind: Kind::Deployment.into(),
                name: "web".into(),
                uid: dep_uid,
            }),
            generation: 1,
            ..Meta::default()
        },
        kind: Kind::ReplicaSet,
        replicas: 3,
        selector: LabelSelector::from_labels([("app", "web"), ("pod-template-hash", "7d9f")]),
        template,
        min_ready_seconds: 0,
        spec: WorkloadSpec::ReplicaSet { template_hash: Some("7d9f".into()) },
        owner: Some(dep),
        status: WorkloadStatus {
            replicas: 3,
            ready_replicas: 3,
            available_replicas: 3,
            ..WorkloadStatus::default()
        },
        behaviour: BehaviourId(0),
        progressing: None,
    });
    for (i, name) in ["web-7d9f-abcde", "web-7d9f-fghij", "web-7d9f-klmno"].into_iter().enumerate()
    {
        let uid = c.new_uid();
        let terminating = i == 2;
        let pod = Pod {
            meta: Meta {
                name: name.into(),
                namespace: "default".into(),
                uid,
                labels: labels(&[("app", "web"), ("pod-template-hash", "7d9f")]).into(),
                owner: Some(OwnerRef {
                    kind: Kind::ReplicaSet.into(),
                    name: "web-7d9f".into(),
                    uid: rs_uid.clone(),
                }),
                creation: s(5 * i as u64),
                deletion: terminating.then(|| s(60)),
                deletion_grace_seconds: terminating.then_some(30),
                ..Meta::default()
            },
            spec: pod_spec(),
            node: Some(n1),
            status: running_status(s(10 + 10 * i as u64)),
            ready_since: Some(s(10 + 10 * i as u64)),
            removed: None,
            behaviour: BehaviourId(0),
            ephemeral_containers: Vec::new(),
        };
        c.add_pod(pod, Some(rs));
    }
    // A pod that was deleted during the run: not in state.yaml.
    let gone_uid = c.new_uid();
    let gone = c.add_pod(
        Pod {
            meta: Meta {
                name: "web-7d9f-gone1".into(),
                namespace: "default".into(),
                uid: gone_uid,
                ..Meta::default()
            },
            spec: pod_spec(),
            node: None,
            status: PodStatus::default(),
            ready_since: None,
            removed: None,
            behaviour: BehaviourId(0),
            ephemeral_containers: Vec::new(),
        },
        Some(rs),
    );
    c.remove_pod(gone, s(60));

    let db_uid = c.new_uid();
    let db = c.add_workload(Workload {
        meta: Meta {
            name: "db".into(),
            namespace: "shop".into(),
            uid: db_uid.clone(),
            ..Meta::default()
        },
        kind: Kind::StatefulSet,
        replicas: 2,
        selector: LabelSelector::from_labels([("app", "db")]),
        template: PodTemplate {
            labels: labels(&[("app", "db")]).into(),
            spec: pod_spec(),
            ..PodTemplate::default()
        },
        min_ready_seconds: 10,
        spec: WorkloadSpec::StatefulSet {
            pod_management_policy: PodManagementPolicy::OrderedReady,
            service_name: "db".into(),
        },
        owner: None,
        status: WorkloadStatus {
            replicas: 2,
            ready_replicas: 1,
            available_replicas: 1,
            ..WorkloadStatus::default()
        },
        behaviour: BehaviourId(0),
        progressing: None,
    });
    let db0_uid = c.new_uid();
    let mut pending = PodStatus::default();
    pending.set_condition(
        PodConditionType::PodScheduled,
        CondStatus::False,
        s(90),
        "Unschedulable",
        "0/2 nodes are available: 1 node(s) were unschedulable.",
    );
    c.add_pod(
        Pod {
            meta: Meta {
                name: "db-0".into(),
                namespace: "shop".into(),
                uid: db0_uid,
                labels: labels(&[("app", "db")]).into(),
                owner: Some(OwnerRef {
                    kind: Kind::StatefulSet.into(),
                    name: "db".into(),
                    uid: db_uid,
                }),
                creation: s(90),
                ..Meta::default()
            },
            spec: pod_spec(),
            node: None,
            status: pending,
            ready_since: None,
            removed: None,
            behaviour: BehaviourId(0),
            ephemeral_containers: Vec::new(),
        },
        Some(db),
    );
    let pdb_uid = c.new_uid();
    c.add_pdb(Pdb {
        meta: Meta {
            name: "web-pdb".into(),
            namespace: "default".into(),
            uid: pdb_uid,
            ..Meta::default()
        },
        selector: Some(LabelSelector::from_labels([("app", "web")])),
        min_available: Some(IntOrPercent::Percent(50)),
        max_unavailable: None,
        unhealthy_pod_eviction_policy: UnhealthyPodEvictionPolicy::IfHealthyBudget,
        status: Default::default(),
    });

    let web = workload_ref(Kind::Deployment, "default", "web");
    let dbr = workload_ref(Kind::StatefulSet, "shop", "db");
    let mut columns: Vec<String> =
        [COL_PODS_PENDING, COL_NODES_READY, COL_NODES_NOT_READY, COL_NODES_CORDONED]
            .map(String::from)
            .into();
    for w in [&web, &dbr] {
        for f in trace::WORKLOAD_FIELDS {
            columns.push(workload_column(w, f));
        }
    }
    let mut metrics = Metrics::new(columns);
    // (time s, pending, cordoned, web ready, db ready); available follows ready.
    let samples: [(u64, i64, i64, i64, i64); 9] = [
        (0, 5, 0, 0, 0),
        (10, 3, 0, 1, 0),
        (15, 3, 0, 1, 1),
        (20, 3, 0, 2, 1),
        (30, 3, 0, 3, 1),
        (40, 0, 0, 3, 2),
        (60, 2, 0, 2, 2),
        (61, 2, 1, 2, 2),
        (75, 0, 1, 3, 2),
    ];
    for (t, pending, cordoned, web_ready, db_ready) in samples {
        metrics.record(
            s(t),
            &[pending, 2, 0, cordoned, 3, web_ready, web_ready, 0, 2, db_ready, db_ready, 0],
        );
    }
    metrics.record(s(90), &[1, 2, 0, 1, 3, 3, 3, 0, 2, 1, 1, 1]);

    let ev = |t: u64,
              ty: EventType,
              kind: Kind,
              ns: &str,
              name: &str,
              reason: &'static str,
              msg: &str,
              node: &str| {
        TraceEvent {
            time: SimTime(t),
            event_type: ty,
            kind,
            namespace: ns.into(),
            name: name.into(),
            reason,
            message: msg.into(),
            node: node.into(),
        }
    };
    let events = vec![
        ev(
            0,
            EventType::Normal,
            Kind::ReplicaSet,
            "default",
            "web-7d9f",
            "SuccessfulCreate",
            "Created pod: web-7d9f-abcde",
            "",
        ),
        ev(
            1_000,
            EventType::Normal,
            Kind::Pod,
            "default",
            "web-7d9f-abcde",
            "Scheduled",
            "Successfully assigned default/web-7d9f-abcde to node-1",
            "node-1",
        ),
        ev(
            60_000,
            EventType::Normal,
            Kind::Pod,
            "default",
            "web-7d9f-gone1",
            "Killing",
            "Stopping container web",
            "node-1",
        ),
        ev(
            61_250,
            EventType::Warning,
            Kind::Pod,
            "shop",
            "db-0",
            "FailedScheduling",
            "0/2 nodes are available: 1 node(s) were unschedulable, 1 Insufficient \"cpu\".",
            "",
        ),
        ev(
            90_000,
            EventType::Warning,
            Kind::Pod,
            "shop",
            "db-0",
            "FailedScheduling",
            "0/2 nodes are available",
            "",
        ),
    ];
    let marks = vec![
        Mark { time: s(60), label: "delete pod web-7d9f-gone1".into() },
        Mark { time: s(61), label: "cordon node-2".into() },
        Mark { time: s(90), label: "delete pod db-0".into() },
    ];
    let trace = Trace {
        events: events.into_iter().collect(),
        metrics,
        marks,
        end: s(120),
        events_processed: 4242,
        ..Trace::default()
    };
    let scenario = Scenario {
        name: "demo".into(),
        seed: 7,
        duration: SimDuration::from_secs(120),
        params: Params::default(),
        cluster: Cluster::new(),
        actions: Vec::new(),
        expectations: vec![],
        notes: vec!["spec.affinity.podAffinity is read but not simulated".into()],
    };
    Run { scenario, cluster: c, trace }
}
