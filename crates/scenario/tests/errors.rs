//! Loading scenarios: the full example (every feature of format v1) and one test per kind of
//! error, checking the file, line, column, field path and hint each error reports.

use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::workload::{DeploymentStrategy, PodManagementPolicy};
use kubesim_model::{
    ActionKind, BehaviourId, CondStatus, ContainerState, IntOrPercent, Kind, LabelSelector, NodeId,
    Operator, Pick, PodConditionType, PodId, PodPhase, PodTarget, PullPolicy, TaintEffect,
    WorkloadId, WorkloadSpec,
};
use kubesim_scenario::{ScenarioError, load, load_str};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn testdata(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata").join(p)
}

/// Loads `text` as `bad.yaml` and returns the error it must give.
#[track_caller]
fn err(text: &str) -> ScenarioError {
    match load_str(text, Path::new("bad.yaml")) {
        Ok(_) => panic!("the scenario loaded, but it should not have:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts where an error in `bad.yaml` points.
#[track_caller]
fn at(e: &ScenarioError, line: u64, column: u64, field: &str) {
    assert_eq!(
        (e.file.as_path(), e.line, e.column, e.field.as_str()),
        (Path::new("bad.yaml"), line, column, field),
        "\n{e}"
    );
}

/// A small valid scenario with one Deployment; tests break one thing in it.
const BASE: &str = r#"name: t
cluster:
  nodePools:
    - name: pool-a
      count: 2
      allocatable: {cpu: "4", memory: 16Gi}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      replicas: 2
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: nginx
              image: nginx:1.25
              resources:
                requests: {cpu: 500m}
"#;

/// `BASE` (24 lines) followed by `tail`, which starts on line 25.
fn base_with(tail: &str) -> String {
    format!("{BASE}{tail}")
}

fn selector(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector::from_labels(pairs.iter().copied())
}

// ----- the full example ------------------------------------------------------------------

#[test]
fn full_example_loads_into_the_model() {
    let loaded = load(&testdata("full/scenario.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let s = &loaded.scenario;
    let c = &s.cluster;
    assert_eq!(loaded.files.len(), 3);
    assert!(loaded.files[1].ends_with("manifests/dump.yaml"));

    // Header and params.
    assert_eq!(
        (s.name.as_str(), s.seed, s.duration),
        ("full-example", 7, SimDuration::from_mins(30))
    );
    assert_eq!(s.params.node_monitor_grace_period, SimDuration::from_secs(40));
    assert_eq!(s.params.max_pods, 50);
    assert_eq!(s.params.node_eviction_rate, 0.2);
    assert_eq!(
        s.params.node_monitor_period,
        SimDuration::from_secs(5),
        "unset params keep the default"
    );

    // Nodes: pool nodes (zones round-robin), the explicit node, the Node manifest.
    let names: Vec<&str> = c.nodes.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["pool-a-1", "pool-a-2", "pool-a-3", "big-1", "dump-node-1"]);
    let zones: Vec<Option<&str>> = c.nodes.iter().map(|n| n.zone.as_deref()).collect();
    assert_eq!(
        zones,
        [Some("zone-a"), Some("zone-b"), Some("zone-a"), Some("zone-c"), Some("zone-c")]
    );
    let a2 = &c.nodes[1];
    let label = |k: &str| a2.labels().get(k).map(String::as_str);
    assert_eq!(label("tier"), Some("web"));
    assert_eq!(label("kubernetes.io/hostname"), Some("pool-a-2"));
    assert_eq!(label("topology.kubernetes.io/zone"), Some("zone-b"));
    assert_eq!(label("topology.kubernetes.io/region"), Some("eu-west-1"));
    assert_eq!(label("kubesim.io/node-pool"), Some("pool-a"));
    assert_eq!(a2.pool.as_deref(), Some("pool-a"));
    assert_eq!(
        (a2.allocatable.cpu_milli, a2.allocatable.memory, a2.allocatable.pods),
        (4000, 16 << 30, 50)
    );
    assert_eq!(a2.taints.len(), 1);
    assert_eq!((a2.taints[0].key.as_str(), a2.taints[0].value.as_str()), ("dedicated", "web"));
    assert_eq!(a2.taints[0].effect, TaintEffect::NoSchedule);
    assert!(a2.images.contains("nginx:1.25"));
    assert!(a2.is_ready() && !a2.unschedulable);

    let big = &c.nodes[3];
    assert!(big.unschedulable);
    assert!(big.taints.iter().any(|t| t.key == "node.kubernetes.io/unschedulable"));
    assert_eq!(big.pool, None);
    assert_eq!(big.allocatable.cpu_milli, 16_000);
    assert_eq!(big.allocatable.pods, 200);
    assert_eq!(big.allocatable.ephemeral_storage, 100 << 30);

    let dump = &c.nodes[4];
    assert_eq!(
        (dump.allocatable.cpu_milli, dump.allocatable.memory, dump.allocatable.pods),
        (3920, 15 << 30, 58)
    );
    assert_eq!(dump.capacity.cpu_milli, 4000);
    assert_eq!(
        dump.labels().get("node.kubernetes.io/instance-type").map(String::as_str),
        Some("m5.xlarge")
    );
    assert_eq!(
        dump.labels().get("topology.kubernetes.io/region").map(String::as_str),
        Some("eu-west-1")
    );
    assert_eq!(dump.taints[0].effect, TaintEffect::NoExecute);
    assert!(dump.images.contains("docker.io/library/postgres:16"));

    // Workloads in file order, then the ReplicaSet synthesized for the dump's pods.
    let kinds: Vec<(Kind, &str)> =
        c.workloads.iter().map(|w| (w.kind, w.meta.name.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (Kind::Deployment, "web"),
            (Kind::StatefulSet, "db"),
            (Kind::Deployment, "api"),
            (Kind::ReplicaSet, "web-5d8f7c9b6"),
        ]
    );
    let web = &c.workloads[0];
    assert_eq!(web.meta.uid, "11111111-1111-4111-8111-111111111111");
    assert_eq!(web.meta.creation, SimTime(0));
    assert_eq!(web.replicas, 3);
    assert_eq!(web.selector, selector(&[("app", "web")]));
    assert_eq!(
        web.spec,
        WorkloadSpec::Deployment {
            progress_deadline_seconds: Some(600),
            strategy: DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(1),
                max_unavailable: IntOrPercent::Int(0)
            }
        }
    );
    let nginx = &web.template.spec.containers[0];
    assert_eq!((nginx.requests.cpu_milli, nginx.requests.memory), (500, 128 << 20));
    assert_eq!(nginx.image_pull_policy, PullPolicy::IfNotPresent);
    assert_eq!(web.template.spec.termination_grace_period_seconds, 45);
    assert_eq!(web.template.spec.scheduler_name, "default-scheduler");
    assert_eq!(web.template.spec.topology_spread_constraints.len(), 1);

    let db = &c.workloads[1];
    assert_eq!(db.replicas, 2);
    assert_eq!(
        db.spec,
        WorkloadSpec::StatefulSet {
            pod_management_policy: PodManagementPolicy::OrderedReady,
            service_name: "db".into()
        }
    );
    let db_spec = &db.template.spec;
    assert_eq!(db_spec.priority, 1000, "resolved from the PriorityClass `high`");
    assert_eq!(db_spec.priority_class_name.as_deref(), Some("high"));
    assert_eq!(db_spec.init_containers[0].requests.cpu_milli, 1000);
    // Requests default to limits.
    assert_eq!(
        (db_spec.containers[0].requests.cpu_milli, db_spec.containers[0].requests.memory),
        (2000, 4 << 30)
    );
    let required = db_spec.node_affinity.required.as_ref().unwrap();
    assert_eq!(required[0].match_expressions[0].operator, Operator::In);
    assert_eq!(required[0].match_expressions[0].values, ["zone-c"]);
    assert_eq!(db_spec.node_affinity.preferred[0].weight, 10);

    let api = &c.workloads[2];
    assert_eq!(
        api.spec,
        WorkloadSpec::Deployment {
            strategy: DeploymentStrategy::Recreate,
            progress_deadline_seconds: Some(600)
        }
    );
    let api_c = &api.template.spec.containers[0];
    assert_eq!(api_c.image_pull_policy, PullPolicy::Always, "no tag means `latest`");
    assert_eq!((api_c.requests.cpu_milli, api_c.requests.memory), (250, 256 << 20));
    assert_eq!((api_c.limits.cpu_milli, api_c.limits.memory), (1000, 512 << 20));

    let rs = &c.workloads[3];
    assert_eq!(rs.owner, Some(WorkloadId(0)));
    assert_eq!(rs.meta.uid, "33333333-3333-4333-8333-333333333333");
    let owner = rs.meta.owner.as_ref().unwrap();
    assert_eq!(
        (owner.kind.known(), owner.name.as_str(), owner.uid.as_str()),
        (Some(Kind::Deployment), "web", web.meta.uid.as_str())
    );
    assert_eq!(rs.spec, WorkloadSpec::ReplicaSet { template_hash: Some("5d8f7c9b6".into()) });
    assert_eq!(rs.replicas, 3);
    assert_eq!(rs.selector, selector(&[("app", "web"), ("pod-template-hash", "5d8f7c9b6")]));
    assert_eq!(rs.template.labels.get("pod-template-hash").map(String::as_str), Some("5d8f7c9b6"));
    assert!(Arc::ptr_eq(&rs.template.spec, &web.template.spec), "one PodSpec per template");

    // Pods: a Running and Ready dump pod, a bound Pending one, a StatefulSet pod, a bare pod.
    let pod_names: Vec<&str> = c.pods.iter().map(|p| p.meta.name.as_str()).collect();
    assert_eq!(pod_names, ["web-5d8f7c9b6-abcde", "web-5d8f7c9b6-fghij", "db-0", "debug"]);
    let running = &c.pods[0];
    assert_eq!(running.meta.uid, "22222222-2222-4222-8222-222222222222");
    assert_eq!(running.node, Some(NodeId(0)));
    assert_eq!(running.status.phase, PodPhase::Running);
    for t in [
        PodConditionType::PodScheduled,
        PodConditionType::PodReadyToStartContainers,
        PodConditionType::Initialized,
        PodConditionType::ContainersReady,
        PodConditionType::Ready,
    ] {
        let cond = running.status.condition(t).unwrap();
        assert_eq!((cond.status, cond.last_transition), (CondStatus::True, SimTime(0)), "{t:?}");
    }
    let cs = &running.status.container_statuses[0];
    assert_eq!(cs.state, ContainerState::Running { started_at: SimTime(0) });
    assert!(cs.ready && cs.started);
    assert_eq!(running.ready_since, Some(SimTime(0)));
    assert_eq!(running.removed, None);
    assert_eq!(c.controller_of(PodId(0)), Some(WorkloadId(3)));
    assert_eq!(running.meta.owner.as_ref().unwrap().uid, rs.meta.uid);
    // Bound at t = 0: the binding is `node` (pool-a-1), as for a pod the scheduler binds; the
    // spec keeps no nodeName, so equal pods of one controller share one spec.
    assert_eq!(c.nodes[0].meta.name, "pool-a-1");
    assert_eq!(running.spec.node_name, None);
    assert_eq!(
        running.spec.tolerations.len(),
        3,
        "the dump's default tolerations are not added twice"
    );

    let pending = &c.pods[1];
    assert_eq!((pending.node, pending.status.phase), (Some(NodeId(1)), PodPhase::Pending));
    assert!(pending.status.is_true(PodConditionType::PodScheduled));
    assert!(!pending.is_ready());
    assert_eq!(pending.ready_since, None);
    assert_eq!(
        c.controller_of(PodId(1)),
        Some(WorkloadId(3)),
        "the ReplicaSet is synthesized once"
    );
    assert_eq!(c.pods_of(WorkloadId(3)).len(), 2);
    assert_eq!(
        c.requested_on_node(NodeId(1)).cpu_milli,
        500,
        "a bound Pending pod holds its requests"
    );

    let db0 = &c.pods[2];
    assert_eq!((db0.node, db0.status.phase), (Some(NodeId(4)), PodPhase::Running));
    assert_eq!(c.controller_of(PodId(2)), Some(WorkloadId(1)));
    assert_eq!(db0.meta.owner.as_ref().unwrap().kind, Kind::StatefulSet);
    assert_eq!(c.requested_on_node(NodeId(4)).cpu_milli, 2000);

    let debug = &c.pods[3];
    assert_eq!(debug.meta.namespace, "tools");
    assert_eq!((debug.node, debug.status.phase), (None, PodPhase::Pending));
    assert!(debug.status.conditions.iter().all(Option::is_none));
    assert_eq!(c.controller_of(PodId(3)), None);
    assert_eq!(debug.meta.owner, None);
    let admitted: Vec<(&str, Option<i64>)> =
        debug.spec.tolerations.iter().map(|t| (t.key.as_str(), t.toleration_seconds)).collect();
    assert_eq!(
        admitted,
        [
            ("node.kubernetes.io/not-ready", Some(300)),
            ("node.kubernetes.io/unreachable", Some(300))
        ]
    );
    assert!(c.pods.iter().all(|p| p.meta.creation == SimTime(0)));

    // The PDB.
    assert_eq!(c.pdbs.len(), 1);
    assert_eq!(c.pdbs[0].min_available, Some(IntOrPercent::Percent(50)));
    assert_eq!(c.pdbs[0].selector, Some(selector(&[("app", "web")])));

    // Behaviours: the default (with imagePull 3s), web's and db's overrides.
    let b = &c.behaviours;
    assert_eq!(b.len(), 3);
    assert_eq!(b[0].image_pull, Dist::Constant(SimDuration::from_secs(3)));
    assert_eq!(b[0].container_start, Dist::Constant(SimDuration::from_secs(1)));
    assert_eq!(
        b[1].image_pull,
        Dist::Uniform { min: SimDuration::from_secs(2), max: SimDuration::from_secs(8) }
    );
    assert_eq!(b[1].ready, Dist::LogNormal { median: SimDuration::from_secs(10), sigma: 0.5 });
    assert_eq!(
        b[1].container_start,
        Dist::Normal { mean: SimDuration::from_secs(2), stddev: SimDuration::from_millis(500) }
    );
    assert_eq!(b[1].shutdown, Dist::Exponential { mean: SimDuration::from_secs(3) });
    assert_eq!(b[2].ready, Dist::Constant(SimDuration::from_secs(20)));
    assert_eq!(
        b[2].image_pull,
        Dist::Constant(SimDuration::from_secs(3)),
        "unset timings inherit the default"
    );
    let wb: Vec<BehaviourId> = c.workloads.iter().map(|w| w.behaviour).collect();
    assert_eq!(wb, [BehaviourId(1), BehaviourId(2), BehaviourId(0), BehaviourId(1)]);
    let pb: Vec<BehaviourId> = c.pods.iter().map(|p| p.behaviour).collect();
    assert_eq!(pb, [BehaviourId(1), BehaviourId(1), BehaviourId(2), BehaviourId(0)]);

    // Actions, sorted by time.
    let labels: Vec<(u64, &str)> = s.actions.iter().map(|a| (a.at.0, a.label.as_str())).collect();
    assert_eq!(
        labels,
        [
            (60_000, "delete-pod app=web x2"),
            (90_000, "delete-pod web-5d8f7c9b6-abcde --force"),
            (120_000, "cordon pool-a-1"),
            (180_000, "uncordon pool-a-1,big-1"),
            (240_000, "scale deployment/web to 5"),
        ]
    );
    assert_eq!(
        s.actions[0].kind,
        ActionKind::DeletePod {
            target: PodTarget::Selector {
                namespace: "default".into(),
                selector: selector(&[("app", "web")]),
                node: None,
                count: 2,
                pick: Pick::Newest
            },
            grace_period_seconds: Some(10),
            force: false
        }
    );
    assert_eq!(
        s.actions[1].kind,
        ActionKind::DeletePod {
            target: PodTarget::Name {
                namespace: "default".into(),
                name: "web-5d8f7c9b6-abcde".into()
            },
            grace_period_seconds: Some(0),
            force: true
        }
    );
    assert_eq!(s.actions[2].kind, ActionKind::Cordon { nodes: vec![NodeId(0)] });
    assert_eq!(s.actions[3].kind, ActionKind::Uncordon { nodes: vec![NodeId(0), NodeId(3)] });
    assert_eq!(s.actions[4].kind, ActionKind::Scale { workload: WorkloadId(0), replicas: 5 });

    // Probes are simulated: read with the API defaults (no note).
    let web = s
        .cluster
        .workloads
        .iter()
        .find(|w| w.kind == Kind::Deployment && w.meta.name == "web")
        .expect("deployment/web");
    let p = web.template.spec.containers[0].readiness_probe.as_ref().expect("readinessProbe");
    assert_eq!((p.period_seconds, p.timeout_seconds, p.failure_threshold), (10, 1, 3));

    // Notes: one per manifest with unsimulated fields (pods of a controller are covered by its
    // template's), the synthesized ReplicaSet, the skipped Service.
    let notes = &s.notes;
    for expected in [
        "statefulset/db: not simulated yet (ignored): spec.volumeClaimTemplates",
        "replicaset/web-5d8f7c9b6: not in the scenario; synthesized from deployment/web for its pods",
    ] {
        assert!(notes.iter().any(|n| n == expected), "missing note {expected:?} in {notes:#?}");
    }
    assert!(
        notes.iter().any(|n| n.ends_with(
            "manifests/dump.yaml: document 4: skipped Service `web` (kind not simulated)"
        )),
        "{notes:#?}"
    );
    assert_eq!(notes.len(), 3, "{notes:#?}");
}

#[test]
fn defaults_and_stable_action_order() {
    let text = base_with(
        "actions:\n  - at: 1m\n    uncordon: pool-a-2\n  - at: 30s\n    cordon: pool-a-1\n  - at: 1m\n    cordon: pool-a-2\n",
    );
    let s = load_str(&text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario;
    assert_eq!((s.seed, s.duration), (1, SimDuration::from_hours(1)));
    let labels: Vec<&str> = s.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["cordon pool-a-1", "uncordon pool-a-2", "cordon pool-a-2"]);
    let w = &s.cluster.workloads[0];
    assert_eq!(w.meta.namespace, "default");
    assert_eq!(
        w.spec,
        WorkloadSpec::Deployment {
            strategy: DeploymentStrategy::default(),
            progress_deadline_seconds: Some(600)
        }
    );
    assert_eq!(w.min_ready_seconds, 0);
    assert_eq!(w.template.spec.termination_grace_period_seconds, 30);
    assert_eq!(s.cluster.nodes[0].allocatable.pods, 110, "pods defaults to params.maxPods");
    assert_eq!(s.cluster.behaviours.len(), 1);
    assert!(s.notes.is_empty(), "{:?}", s.notes);
}

#[test]
fn replicaset_manifest_is_owned_by_its_deployment() {
    let text = base_with(
        r#"  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web-abc
      labels: {app: web, pod-template-hash: abc}
      ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
    spec:
      replicas: 2
      selector: {matchLabels: {app: web, pod-template-hash: abc}}
      template:
        metadata: {labels: {app: web, pod-template-hash: abc}}
        spec:
          containers: [{name: nginx, image: "nginx:1.25"}]
  - apiVersion: v1
    kind: Pod
    metadata:
      name: web-abc-1
      labels: {app: web, pod-template-hash: abc}
      ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u2, controller: true}]
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: lone, labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25"}]
behaviour:
  workloads:
    Deploy/web: {ready: 5s}
    pod/lone: {ready: 7s}
"#,
    );
    let c =
        load_str(&text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario.cluster;
    assert_eq!(c.workloads.len(), 2, "no ReplicaSet is synthesized when the manifest is there");
    let rs = &c.workloads[1];
    assert_eq!(rs.owner, Some(WorkloadId(0)));
    assert_eq!(
        rs.meta.owner.as_ref().map(|o| (o.kind.known(), o.name.as_str())),
        Some((Some(Kind::Deployment), "web"))
    );
    assert_eq!(rs.spec, WorkloadSpec::ReplicaSet { template_hash: Some("abc".into()) });
    assert_eq!(c.controller_of(PodId(0)), Some(WorkloadId(1)));
    assert_eq!(c.pods[0].meta.owner.as_ref().map(|o| o.name.as_str()), Some("web-abc"));
    // Bare pods are not adopted, even when a selector matches them.
    assert_eq!(c.controller_of(PodId(1)), None);
    assert_eq!(c.pods[1].meta.owner, None);
    // The ReplicaSet and its pod follow the Deployment's behaviour; `pod/lone` its own.
    assert_eq!(c.behaviours[1].ready, Dist::Constant(SimDuration::from_secs(5)));
    assert_eq!(c.behaviours[2].ready, Dist::Constant(SimDuration::from_secs(7)));
    let wb: Vec<BehaviourId> = c.workloads.iter().map(|w| w.behaviour).collect();
    assert_eq!(wb, [BehaviourId(1), BehaviourId(1)]);
    let pb: Vec<BehaviourId> = c.pods.iter().map(|p| p.behaviour).collect();
    assert_eq!(pb, [BehaviourId(1), BehaviourId(2)]);
}

#[test]
fn one_note_per_manifest_lists_what_is_not_simulated() {
    let text = "name: t
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: prod}
    spec:
      containers:
        - name: c
          image: x
          resources: {requests: {nvidia.com/gpu: 1}}
          ports: [{containerPort: 80, hostPort: 8080}]
      volumes: [{name: v, emptyDir: {}}, {name: h, hostPath: {path: /data}}]
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
";
    let s = load_str(text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario;
    assert_eq!(
        s.notes,
        [
            "ok.yaml: workloads[1]: skipped ConfigMap `settings` (kind not simulated)",
            "pod/prod/p: not simulated yet (ignored): spec.containers[0].resources.requests[\"nvidia.com/gpu\"], spec.volumes",
            "the cluster has no nodes: no pod can be scheduled",
        ]
    );
    // hostPort is simulated (the scheduler's NodePorts): read, not noted.
    let hp = &s.cluster.pods[0].spec.host_ports;
    assert_eq!(hp.len(), 1);
    assert_eq!((hp[0].port, hp[0].protocol.as_str()), (8080, "TCP"));
}

#[test]
fn scheduling_fields_are_read() {
    let text = "name: t
workloads:
  - apiVersion: scheduling.k8s.io/v1
    kind: PriorityClass
    metadata: {name: batch}
    value: 100
    preemptionPolicy: Never
  - apiVersion: v1
    kind: Node
    metadata: {name: n1}
    status:
      allocatable: {cpu: 4, memory: 8Gi}
      images: [{names: [\"app:1\", \"registry/app:1\"], sizeBytes: 300000000}]
  - apiVersion: v1
    kind: Pod
    metadata: {name: p, labels: {app: web, version: v1}}
    spec:
      priorityClassName: batch
      affinity:
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: db}}
              topologyKey: topology.kubernetes.io/zone
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 50
              podAffinityTerm:
                labelSelector: {matchLabels: {app: web}}
                matchLabelKeys: [version]
                namespaceSelector: {}
                topologyKey: kubernetes.io/hostname
      containers: [{name: c, image: app:1}]
";
    let s = load_str(text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario;
    assert!(s.notes.iter().all(|n| !n.contains("not simulated")), "{:?}", s.notes);
    let c = &s.cluster;
    // The PriorityClass is an object of the model, and its policy reaches the pod.
    assert_eq!(c.priority_classes.len(), 1);
    assert_eq!(c.priority_classes[0].value, 100);
    let spec = &c.pods[0].spec;
    assert_eq!(spec.priority, 100);
    assert_eq!(spec.preemption_policy, kubesim_model::PreemptionPolicy::Never);
    // Pod affinity and anti-affinity terms.
    assert_eq!(spec.pod_affinity.required.len(), 1);
    assert_eq!(spec.pod_affinity.required[0].topology_key, "topology.kubernetes.io/zone");
    let pref = &spec.pod_anti_affinity.preferred[0];
    assert_eq!(pref.weight, 50);
    assert_eq!(pref.term.match_label_keys, ["version"]);
    assert_eq!(pref.term.namespace_selector, Some(kubesim_model::LabelSelector::default()));
    // Image sizes from the node's status, for ImageLocality.
    assert_eq!(c.image_sizes.get("registry/app:1"), Some(&300_000_000));
    assert_eq!(c.image_num_nodes("app:1"), 1);
}

#[test]
fn affinity_term_without_topology_key_is_an_error() {
    let e = err("name: t
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
      containers: [{name: c, image: x}]
");
    let e = e.to_string();
    assert!(e.contains("missing field `topologyKey`"), "{e}");
    assert!(e.contains("requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"), "{e}");
}

// ----- errors ----------------------------------------------------------------------------

#[test]
fn malformed_yaml() {
    let e = err("name: t\nseed: 1\n  bad: x\n");
    at(&e, 3, 6, "");
    assert!(e.message.starts_with("invalid YAML: mapping values are not allowed"), "{e}");
    assert!(e.hint.is_some());

    let e = err("name: t\ncluster:\n  nodePools: [a, b\n");
    assert_eq!(e.line, 3, "an unterminated list is reported at the end of its last line\n{e}");
    assert!(e.message.starts_with("invalid YAML"), "{e}");

    let e = err("name: t\nseed: 1\nname: u\n");
    at(&e, 3, 1, "name");
    assert_eq!(e.message, "duplicate key `name` (first given at line 1)");
}

#[test]
fn unknown_field_suggests_the_nearest() {
    let e = err(&BASE.replace("  nodePools:", "  nodPools:"));
    at(&e, 3, 3, "cluster.nodPools");
    assert_eq!(e.message, "unknown field `nodPools`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `nodePools`?"));
    assert_eq!(e.expected.as_deref(), Some("one of `region`, `nodePools` or `nodes`"));
}

#[test]
fn unknown_field_in_a_manifest() {
    let e = err(&BASE.replace("replicas: 2", "replcas: 2"));
    at(&e, 13, 7, "spec.replcas");
    assert_eq!(e.object.as_deref(), Some("deployment/web"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `replicas`?"));
}

#[test]
fn wrong_type() {
    let e = err(&BASE.replace("count: 2", "count: three"));
    at(&e, 5, 14, "cluster.nodePools[0].count");
    assert_eq!(e.message, "wrong type: found string `three`");
    assert_eq!(e.expected.as_deref(), Some("a non-negative integer"));
}

#[test]
fn bad_quantity_in_the_scenario() {
    let e = err(&BASE.replace(r#"cpu: "4""#, "cpu: 4 cores"));
    at(&e, 6, 26, "cluster.nodePools[0].allocatable.cpu");
    assert_eq!(e.message, "invalid quantity `4 cores`");
    assert_eq!(
        e.expected.as_deref(),
        Some("a Kubernetes quantity such as `500m`, `2`, `1.5Gi` or `1e3`")
    );
    assert_eq!(e.source_line(), Some("      allocatable: {cpu: 4 cores, memory: 16Gi}"));
}

#[test]
fn bad_quantity_in_an_inline_manifest() {
    let e = err(&BASE.replace("cpu: 500m", "cpu: 4 cores"));
    at(&e, 24, 33, "spec.template.spec.containers[0].resources.requests.cpu");
    assert_eq!(e.object.as_deref(), Some("deployment/web"));
    assert_eq!(e.message, "invalid quantity `4 cores`");
}

#[test]
fn bad_quantity_in_an_included_manifest() {
    let e = load(&testdata("errors/include-bad-cpu.yaml")).unwrap_err();
    assert!(e.file.ends_with("testdata/errors/manifests/bad-cpu.yaml"), "{e}");
    assert_eq!((e.line, e.column), (26, 18), "{e}");
    assert_eq!(e.field, "spec.template.spec.containers[0].resources.requests.cpu");
    assert_eq!(e.object.as_deref(), Some("deployment/web"));
    assert_eq!(e.message, "invalid quantity `4 cores`");
}

#[test]
fn bad_duration() {
    let e = err(&base_with("actions:\n  - at: 5 minutes\n    cordon: pool-a-1\n"));
    at(&e, 26, 9, "actions[0].at");
    assert_eq!(e.message, "invalid duration `5 minutes`");
    assert_eq!(e.expected.as_deref(), Some("a duration such as `30s`, `5m` or `1h30m`"));

    let e = err(&base_with("actions:\n  - at: 300\n    cordon: pool-a-1\n"));
    at(&e, 26, 9, "actions[0].at");
    assert_eq!(e.message, "wrong type: found integer `300`");

    let e = err("name: t\nduration: -5m\n");
    at(&e, 2, 11, "duration");
    assert_eq!(e.message, "invalid duration `-5m` (negative)");
}

#[test]
fn missing_include_file() {
    let path = testdata("errors/missing-include.yaml");
    let e = load(&path).unwrap_err();
    assert_eq!(e.file, path);
    assert_eq!((e.line, e.column, e.field.as_str()), (4, 14, "workloads[0].include"), "{e}");
    let resolved = testdata("errors/manifests/nope.yaml");
    assert!(e.message.contains(&format!("(resolved to `{}`)", resolved.display())), "{e}");
}

#[test]
fn selector_must_match_template_labels() {
    let e = err(&BASE.replace("labels: {app: web}", "labels: {app: api}"));
    at(&e, 18, 11, "spec.template.metadata.labels");
    assert_eq!(e.message, "`selector` does not match template `labels`");
    assert_eq!(e.object.as_deref(), Some("deployment/web"));
}

#[test]
fn action_selector_that_matches_nothing() {
    let e = err(&base_with(
        "actions:\n  - at: 1m\n    delete-pod: {selector: {matchLabels: {app: wbe}}}\n",
    ));
    at(&e, 27, 18, "actions[0].delete-pod.selector");
    assert_eq!(
        e.message,
        "selector `app=wbe` matches no pod or pod template in namespace `default`"
    );
    assert_eq!(e.hint.as_deref(), Some("did you mean `app=web`?"));
}

#[test]
fn pod_name_that_matches_nothing() {
    let e = err(&base_with("actions:\n  - at: 1m\n    delete-pod: {name: web-1}\n"));
    at(&e, 27, 24, "actions[0].delete-pod.name");
    assert_eq!(e.message, "no pod `web-1` in namespace `default`");
}

#[test]
fn workload_reference_that_matches_nothing() {
    let e =
        err(&base_with("actions:\n  - at: 1m\n    scale: {workload: deploy/wbe, replicas: 3}\n"));
    at(&e, 27, 23, "actions[0].scale.workload");
    assert_eq!(e.message, "no deployment `wbe` in namespace `default`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `deploy/web`?"));

    let e = err(&base_with("actions:\n  - at: 1m\n    scale: {workload: sts/web, replicas: 3}\n"));
    assert_eq!(e.hint.as_deref(), Some("`web` is a deployment: did you mean `deployment/web`?"));
}

#[test]
fn unknown_kind_alias() {
    let e = err(&base_with(
        "actions:\n  - at: 1m\n    scale: {workload: deploymnt/web, replicas: 3}\n",
    ));
    at(&e, 27, 23, "actions[0].scale.workload");
    assert_eq!(e.message, "unknown kind `deploymnt` in `deploymnt/web`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `deployment`?"));
}

#[test]
fn node_name_that_matches_nothing() {
    let e = err(&base_with("actions:\n  - at: 1m\n    cordon: [pool-a-1, pool-a-9]\n"));
    at(&e, 27, 24, "actions[0].cordon[1]");
    assert_eq!(e.message, "no node `pool-a-9` in the scenario");
    assert_eq!(e.hint.as_deref(), Some("did you mean `pool-a-1`?"));

    let e = err(&base_with("actions:\n  - at: 1m\n    uncordon: pool-b-1\n"));
    at(&e, 27, 15, "actions[0].uncordon");
    assert_eq!(e.hint.as_deref(), Some("did you mean `pool-a-1`?"));

    let e = err(&BASE
        .replace("          containers:", "          nodeName: pool-a-3\n          containers:"));
    at(&e, 20, 21, "spec.template.spec.nodeName");
    assert_eq!(e.message, "`nodeName` names node `pool-a-3`, which is not in the scenario");
}

#[test]
fn duplicate_node_name() {
    let e = err(&BASE.replace(
        "      allocatable: {cpu: \"4\", memory: 16Gi}\n",
        "      allocatable: {cpu: \"4\", memory: 16Gi}\n  nodes:\n    - name: pool-a-2\n      allocatable: {cpu: 1, memory: 1Gi}\n",
    ));
    at(&e, 8, 13, "cluster.nodes[0].name");
    assert_eq!(e.message, "duplicate node name `pool-a-2` (first defined at line 4)");
}

#[test]
fn action_with_zero_or_two_verbs() {
    let e = err(&base_with("actions:\n  - at: 1m\n"));
    at(&e, 26, 5, "actions[0]");
    assert_eq!(e.message, "an action needs a verb");
    assert_eq!(
        e.expected.as_deref(),
        Some(
            "exactly one of `delete-pod`, `cordon`, `uncordon`, `scale`, `drain`, `evict-pod`, \
             `rollout`, `add-node`, `upgrade-pool`, `crash-node`, `stop-kubelet`, `partition`, \
             `zone-outage`, `recover-node`, `recover-zone`, `delete-node`, `spot-interruption`, \
             `taint`, `untaint`, `set-pod-condition`, `make-unhealthy`, `make-healthy` or `debug`"
        )
    );

    let e = err(&base_with(
        "actions:\n  - at: 1m\n    cordon: pool-a-1\n    scale: {workload: deploy/web, replicas: 3}\n",
    ));
    at(&e, 28, 5, "actions[0].scale");
    assert_eq!(e.message, "an action has exactly one verb, but this one has `cordon` and `scale`");

    let e = err(&base_with("actions:\n  - at: 1m\n    cordn: pool-a-1\n"));
    at(&e, 27, 5, "actions[0].cordn");
    assert_eq!(e.hint.as_deref(), Some("did you mean `cordon`?"));
}

#[test]
fn behaviour_key_naming_a_missing_workload() {
    let e = err(&base_with("behaviour:\n  workloads:\n    deployment/wbe: {ready: 1s}\n"));
    at(&e, 27, 5, "behaviour.workloads[\"deployment/wbe\"]");
    assert_eq!(e.message, "no deployment `wbe` in namespace `default`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `deployment/web`?"));

    let e = err(&base_with("behaviour:\n  workloads:\n    deplyo/web: {ready: 1s}\n"));
    at(&e, 27, 5, "behaviour.workloads[\"deplyo/web\"]");
    assert_eq!(e.hint.as_deref(), Some("did you mean `deploy`?"));
}

#[test]
fn bad_distributions() {
    let e = err("name: t\nbehaviour:\n  default: {imagePull: {uniform: {min: 8s, max: 2s}}}\n");
    at(&e, 3, 13, "behaviour.default.imagePull");
    assert_eq!(
        e.message,
        "invalid distribution: uniform distribution has min (8s) greater than max (2s)"
    );

    let e = err(
        "name: t\nbehaviour:\n  default: {ready: {uniform: {min: 1s, max: 2s}, normal: {mean: 1s, stddev: 1s}}}\n",
    );
    at(&e, 3, 50, "behaviour.default.ready.normal");

    let e = err("name: t\nbehaviour:\n  default: {ready: {unifrom: {min: 1s, max: 2s}}}\n");
    at(&e, 3, 21, "behaviour.default.ready.unifrom");
    assert_eq!(e.hint.as_deref(), Some("did you mean `uniform`?"));
}

#[test]
fn manifest_problems_after_typing() {
    let e = err(&BASE.replace("apiVersion: apps/v1", "apiVersion: extensions/v1beta1"));
    at(&e, 8, 17, "apiVersion");
    assert_eq!(e.expected.as_deref(), Some("`apps/v1`"));

    let e = err(&BASE.replace("kind: Deployment", "kind: Deploymnet"));
    at(&e, 9, 11, "kind");
    assert_eq!(e.hint.as_deref(), Some("did you mean `Deployment`?"));

    let e = err(&BASE.replace(
        "          containers:",
        "          priorityClassName: hihg\n          containers:",
    ));
    at(&e, 20, 30, "spec.template.spec.priorityClassName");
    assert_eq!(e.message, "no PriorityClass with name `hihg` was found");

    let e = err(&BASE.replace(
        "image: nginx:1.25",
        "image: nginx:1.25\n              imagePullPolicy: IfNotPresnt",
    ));
    at(&e, 23, 32, "spec.template.spec.containers[0].imagePullPolicy");
    assert_eq!(e.hint.as_deref(), Some("did you mean `IfNotPresent`?"));
}

#[test]
fn display_quotes_the_line() {
    let e = err(&BASE.replace("count: 2", "count: three"));
    assert_eq!(
        e.to_string(),
        "error: wrong type: found string `three`\n --> bad.yaml:5:14 (cluster.nodePools[0].count)\n  |\n5 |       count: three\n  |              ^^^^^\n  = expected: a non-negative integer"
    );
    let e = err(&BASE.replace("replicas: 2", "replcas: 2"));
    let shown = e.to_string();
    assert!(shown.contains("--> bad.yaml:13:7 (deployment/web: spec.replcas)"), "{shown}");
    assert!(shown.ends_with("= hint: did you mean `replicas`?"), "{shown}");
}

/// Whatever the input, loading returns `Ok` or `Err`: every prefix of the full example, and the
/// example with each line dropped or mangled.
#[test]
fn never_panics() {
    let path = testdata("full/scenario.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut inputs: Vec<String> =
        text.char_indices().step_by(5).map(|(i, _)| text[..i].to_string()).collect();
    let lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len() {
        let mut dropped = lines.clone();
        dropped.remove(i);
        inputs.push(dropped.join("\n"));
        for mangle in [": [", ": {", "\t", ": *x", ": &a !!int x", "- -"] {
            let mut mangled = lines.clone();
            let line = format!("{}{mangle}", lines[i]);
            mangled[i] = &line;
            inputs.push(mangled.join("\n"));
        }
    }
    for input in &inputs {
        let _ = load_str(input, &path);
    }
}

/// Anchors defined in one inline manifest can be used in another, merge keys work, and an error
/// inside an alias points at what the anchor wrote.
#[test]
fn anchors_aliases_and_merge_keys() {
    let text = base_with(
        r#"  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          containers:
            - <<: &nginx {image: "nginx:1.25", resources: {requests: &small {cpu: 250m}}}
              name: nginx
            - {name: sidecar, image: busybox, resources: {limits: *small}}
"#,
    );
    let c =
        load_str(&text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario.cluster;
    let api = &c.workloads[1].template.spec.containers;
    assert_eq!((api[0].image.as_str(), api[0].requests.cpu_milli), ("nginx:1.25", 250));
    assert_eq!(api[1].limits.cpu_milli, 250);

    let e = err(&text.replace("cpu: 250m", "cpu: 1 core"));
    at(&e, 34, 83, "spec.template.spec.containers[0].resources.requests.cpu");
    assert_eq!(e.message, "invalid quantity `1 core`");
}

// ----- voluntary disruptions ---------------------------------------------------------------

/// BASE plus a DaemonSet, a PDB and one action of each disruption verb.
const DISRUPTIONS: &str = r#"  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata: {labels: {app: agent}}
        spec:
          containers: [{name: a, image: agent:1}]
          volumes: [{name: buf, emptyDir: {}}]
  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web}
    spec: {maxUnavailable: "34%", selector: {matchLabels: {app: web}}}
actions:
  - at: 1m
    drain: {nodes: [pool-a-1, pool-a-2], ignoreDaemonSets: true, deleteEmptyDirData: true, timeout: 5m, gracePeriodSeconds: 10, podSelector: {matchLabels: {app: web}}}
  - at: 2m
    evict-pod: {selector: {matchLabels: {app: web}}, count: 2}
  - at: 3m
    rollout: {workload: deploy/web, image: "nginx:1.27"}
  - at: 4m
    add-node: {pool: pool-a, count: 2}
  - at: 5m
    add-node: {name: spare, zone: zone-a, allocatable: {cpu: "2", memory: 8Gi}}
  - at: 6m
    upgrade-pool: {pool: pool-a, maxSurge: "50%", provisioning: {uniform: {min: 1m, max: 3m}}, drainTimeout: {fail-after: 15m}}
"#;

#[test]
fn disruption_verbs_and_daemonsets_load() {
    let text = base_with(DISRUPTIONS);
    let s = load_str(&text, Path::new("ok.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario;
    let ds = &s.cluster.workloads[1];
    assert_eq!(ds.kind, Kind::DaemonSet);
    assert_eq!(
        ds.spec,
        WorkloadSpec::DaemonSet {
            max_unavailable: IntOrPercent::Int(1),
            max_surge: IntOrPercent::Int(0)
        }
    );
    // emptyDir volumes are read (drain's --delete-emptydir-data), so there is no note for them.
    assert_eq!(ds.template.spec.empty_dir_volumes, ["buf"]);
    assert!(s.notes.iter().all(|n| !n.contains("volumes")), "{:?}", s.notes);
    assert_eq!(s.cluster.pdbs[0].max_unavailable, Some(IntOrPercent::Percent(34)));
    assert_eq!(s.cluster.pools[0].name, "pool-a");
    assert_eq!(s.cluster.pools[0].next_index, 3);
    let labels: Vec<&str> = s.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "drain pool-a-1,pool-a-2",
            "evict-pod app=web x2",
            "rollout deploy/web image=nginx:1.27",
            "add-node pool-a x2",
            "add-node spare",
            "upgrade-pool pool-a (maxSurge 50%, maxUnavailable 0)",
        ]
    );
    let ActionKind::Drain { nodes, options } = &s.actions[0].kind else { panic!() };
    assert_eq!(nodes, &[NodeId(0), NodeId(1)]);
    assert!(options.ignore_daemonsets && options.delete_emptydir_data && !options.force);
    assert_eq!(options.timeout, Some(SimDuration::from_mins(5)));
    assert_eq!(options.grace_period_seconds, Some(10));
    let ActionKind::UpgradePool { settings, .. } = &s.actions[5].kind else { panic!() };
    assert_eq!(settings.max_surge, IntOrPercent::Percent(50));
    assert_eq!(
        settings.drain_timeout,
        kubesim_model::DrainTimeoutBehaviour::FailAfter(SimDuration::from_mins(15))
    );
}

#[test]
fn disruption_verbs_with_mistakes() {
    let with = |action: &str| base_with(&format!("actions:\n  - at: 1m\n    {action}\n"));
    let e = err(&with("upgrade-pool: {pool: pool-b}"));
    at(&e, 27, 26, "actions[0].upgrade-pool.pool");
    assert_eq!(e.message, "no node pool `pool-b` in the scenario");
    assert_eq!(e.hint.as_deref(), Some("did you mean `pool-a`?"));
    let e = err(&with("upgrade-pool: {pool: pool-a, maxSurge: 0}"));
    assert_eq!(
        e.message,
        "`maxSurge` and `maxUnavailable` cannot both be 0: nothing could be upgraded"
    );
    let e = err(&with("upgrade-pool: {pool: pool-a, drainTimeout: forever}"));
    assert_eq!(e.field, "actions[0].upgrade-pool.drainTimeout");
    assert!(e.expected.as_deref().unwrap_or("").contains("respect-pdb"), "{e}");
    let e = err(&with("upgrade-pool: {pool: pool-a, maxSurge: \"150%\"}"));
    assert_eq!(e.field, "actions[0].upgrade-pool.maxSurge");
    let e = err(&with("rollout: {workload: deploy/web}"));
    assert_eq!(e.message, "`rollout` needs exactly one of `image` and `restart: true`");
    let e = err(&with("rollout: {workload: deploy/web, image: x, container: ngnix}"));
    assert_eq!(e.message, "no container `ngnix` in deploy/web");
    assert_eq!(e.hint.as_deref(), Some("did you mean `nginx`?"));
    let e = err(&with("add-node: {pool: pool-a, name: extra}"));
    assert_eq!(
        e.message,
        "give either `pool` (more nodes of a pool) or `name` (one node), not both"
    );
    let e = err(&with("add-node: {name: pool-a-1, allocatable: {cpu: 1, memory: 1Gi}}"));
    assert_eq!(e.message, "node `pool-a-1` already exists");
    let e = err(&with("drain: {nodes: pool-a-3}"));
    assert_eq!(e.field, "actions[0].drain.nodes");
    assert_eq!(e.hint.as_deref(), Some("did you mean `pool-a-1`?"));
    let e = err(&with("drain: {nodes: pool-a-1, ignoreDaemonsets: true}"));
    assert_eq!(e.hint.as_deref(), Some("did you mean `ignoreDaemonSets`?"));
    let e = err(&with("evict-pod: {count: 2}"));
    assert_eq!(e.message, "`evict-pod` needs a `name` or a `selector`");
    let e = err(&with("scale: {workload: ds/agent, replicas: 2}"));
    assert_eq!(e.message, "a daemonset cannot be scaled");
}

#[test]
fn node_fault_actions() {
    // Every node verb, resolved against the cluster: zones name their nodes, notices default
    // to 2 minutes with the drain handler, taints carry their effect.
    let text = BASE.replace("      count: 2\n", "      count: 2\n      zones: [zone-a, zone-b]\n");
    let s = load_str(
        &format!(
            "{text}actions:\n\
             \x20 - {{at: 1m, crash-node: pool-a-1}}\n\
             \x20 - {{at: 2m, stop-kubelet: [pool-a-1, pool-a-2]}}\n\
             \x20 - {{at: 3m, partition: pool-a-2}}\n\
             \x20 - {{at: 4m, zone-outage: {{zone: zone-b, mode: partition}}}}\n\
             \x20 - {{at: 5m, recover-node: pool-a-1}}\n\
             \x20 - {{at: 6m, recover-zone: zone-b}}\n\
             \x20 - {{at: 7m, delete-node: pool-a-2}}\n\
             \x20 - {{at: 8m, spot-interruption: {{nodes: pool-a-1}}}}\n\
             \x20 - {{at: 9m, taint: {{nodes: pool-a-1, key: node.kubernetes.io/out-of-service, value: nodeshutdown, effect: NoExecute}}}}\n\
             \x20 - {{at: 10m, untaint: {{nodes: pool-a-1, key: node.kubernetes.io/out-of-service}}}}\n"
        ),
        Path::new("ok.yaml"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .scenario;
    let labels: Vec<&str> = s.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "crash-node pool-a-1",
            "stop-kubelet pool-a-1,pool-a-2",
            "partition pool-a-2",
            "zone-outage zone-b (partition)",
            "recover-node pool-a-1",
            "recover-zone zone-b",
            "delete-node pool-a-2",
            "spot-interruption pool-a-1",
            "taint pool-a-1 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute",
            "untaint pool-a-1 node.kubernetes.io/out-of-service-",
        ]
    );
    assert_eq!(
        s.actions[3].kind,
        ActionKind::ZoneOutage {
            zone: "zone-b".into(),
            nodes: vec![NodeId(1)],
            mode: kubesim_model::OutageMode::Partition
        }
    );
    assert_eq!(
        s.actions[7].kind,
        ActionKind::SpotInterruption {
            nodes: vec![NodeId(0)],
            notice: None,
            handler: None,
            rate: None
        }
    );
    let ActionKind::Taint { taint, .. } = &s.actions[8].kind else { panic!() };
    assert_eq!((taint.value.as_str(), taint.effect), ("nodeshutdown", TaintEffect::NoExecute));
}

// ----- API validation the API server performs (issue 13) ---------------------------------

#[test]
fn min_domains_needs_do_not_schedule() {
    // pkg/apis/core/validation/validation.go validateMinDomains: "When MinDomains is non-nil,
    // whenUnsatisfiable must be DoNotSchedule".
    let e = err("name: t
workloads:
  - apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: zone
          whenUnsatisfiable: ScheduleAnyway
          minDomains: 2
      containers: [{name: c, image: x}]
");
    at(&e, 11, 23, "spec.topologySpreadConstraints[0].minDomains");
    assert!(
        e.to_string().contains(
            "Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"
        ),
        "{e}"
    );
}

#[test]
fn selector_label_keys_and_values_are_validated() {
    // apimachinery ValidateLabelSelector: matchLabels keys/values and matchExpressions keys
    // are label keys (IsQualifiedName) and values (IsValidLabelValue); In/NotIn values are
    // label values. The API server refuses such a PodDisruptionBudget at create.
    let pdb = |selector: &str| {
        base_with(&format!(
            "  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {{name: web-pdb}}
    spec:
      minAvailable: 1
      selector: {selector}
"
        ))
    };
    let e = err(&pdb("{matchLabels: {'app/web/x': web}}"));
    at(&e, 30, 45, "spec.selector.matchLabels[\"app/web/x\"]");
    assert!(e.to_string().contains("with an optional DNS subdomain prefix and '/'"), "{e}");
    let e = err(&pdb("{matchLabels: {app: 'web!'}}"));
    at(&e, 30, 37, "spec.selector.matchLabels.app");
    assert!(
        e.to_string().contains("Invalid value: \"web!\": a valid label must be an empty string"),
        "{e}"
    );
    let e = err(&pdb("{matchExpressions: [{key: 'Example.com/app', operator: Exists}]}"));
    at(&e, 30, 43, "spec.selector.matchExpressions[0].key");
    assert!(e.to_string().contains("prefix part a lowercase RFC 1123 subdomain"), "{e}");
    let e = err(&pdb("{matchExpressions: [{key: app, operator: In, values: [ok, '-bad']}]}"));
    at(&e, 30, 75, "spec.selector.matchExpressions[0].values[1]");
    let long = "a".repeat(64);
    let e = err(&pdb(&format!("{{matchLabels: {{{long}: web}}}}")));
    assert!(e.to_string().contains("name part must be no more than 63 characters"), "{e}");
    // Valid: a prefixed key, an empty value, dots/underscores inside.
    load_str(&pdb("{matchLabels: {example.com/app_name: '', tier: my.v_1}}"), Path::new("ok.yaml"))
        .map(drop)
        .expect("valid selector");
}

#[test]
fn a_pdb_status_in_a_manifest_is_ignored() {
    // pkg/registry/policy/poddisruptionbudget/strategy.go PrepareForCreate: "create cannot set
    // status". A dump's status is dropped unread, even a condition without
    // lastTransitionTime (required by metav1.Condition) or fields of a newer schema.
    let s = base_with(
        "  - apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: web-pdb}
    spec:
      minAvailable: 1
      selector: {matchLabels: {app: web}}
    status:
      disruptionsAllowed: 7
      currentHealthy: 9
      conditions:
        - {type: DisruptionAllowed, status: 'True', reason: SufficientPods}
      someFutureField: 1
",
    );
    let sc = load_str(&s, Path::new("ok.yaml")).expect("loads");
    let pdb = &sc.scenario.cluster.pdbs[0];
    assert_eq!(pdb.status.disruptions_allowed, 0);
    assert_eq!(pdb.status.current_healthy, 0);
    assert!(pdb.status.condition.is_none());
}
