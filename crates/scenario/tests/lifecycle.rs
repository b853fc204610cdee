//! Reading the pod lifecycle: probes, lifecycle hooks, sidecars and readiness gates from
//! manifests (with the API defaults and checks), container behaviours, and the lifecycle
//! actions; each error names its place and field.

use kubesim_engine::{Dist, SimDuration};
use kubesim_model::{
    ActionKind, CondStatus, CrashChance, HookHandler, ProbeHandler, ProbeKind, ProbeKinds,
    RestartPolicy, Scenario,
};
use kubesim_scenario::{ScenarioError, load_str};
use std::path::Path;

/// A scenario with one Deployment whose pod spec is `spec` (indented as written under
/// `template.spec`), and `tail` appended (behaviour, actions).
fn scenario(spec: &str, tail: &str) -> String {
    let spec: String = spec.lines().map(|l| format!("          {l}\n")).collect();
    format!(
        r#"name: t
cluster:
  nodePools:
    - name: pool
      count: 1
      allocatable: {{cpu: "4", memory: 16Gi}}
workloads:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: web}}
    spec:
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec:
{spec}{tail}"#
    )
}

const APP: &str = "containers:\n  - name: app\n    image: nginx:1.25\n";

fn ok(text: &str) -> Scenario {
    load_str(text, Path::new("t.yaml")).unwrap_or_else(|e| panic!("{e}")).scenario
}

#[track_caller]
fn err(text: &str) -> ScenarioError {
    match load_str(text, Path::new("t.yaml")) {
        Ok(_) => panic!("loaded, but should not have:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn probes_hooks_sidecars_and_gates_are_read_with_api_defaults() {
    let spec = r#"initContainers:
  - name: proxy
    image: envoy:1.30
    restartPolicy: Always
    startupProbe: {tcpSocket: {port: 15000}, failureThreshold: 30}
containers:
  - name: app
    image: nginx:1.25
    ports: [{name: http, containerPort: 8080}]
    livenessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5, terminationGracePeriodSeconds: 10}
    readinessProbe: {exec: {command: [cat, /tmp/ready]}, initialDelaySeconds: 3, successThreshold: 2, timeoutSeconds: 0}
    lifecycle:
      postStart: {exec: {command: [/bin/warm]}}
      preStop: {sleep: {seconds: 15}}
readinessGates:
  - conditionType: example.com/load-balancer
"#;
    let s = ok(&scenario(spec, ""));
    let t = &s.cluster.workloads[0].template.spec;
    // No note: every one of these fields is simulated.
    assert!(s.notes.is_empty(), "{:?}", s.notes);
    let proxy = &t.init_containers[0];
    assert_eq!(proxy.restart_policy, Some(RestartPolicy::Always));
    assert!(proxy.is_sidecar());
    let sp = proxy.startup_probe.as_ref().unwrap();
    assert_eq!(sp.handler, ProbeHandler::TcpSocket { port: "15000".into() });
    assert_eq!((sp.period_seconds, sp.failure_threshold, sp.timeout_seconds), (10, 30, 1));
    let app = &t.containers[0];
    let lp = app.probe(ProbeKind::Liveness).unwrap();
    assert_eq!(
        lp.handler,
        ProbeHandler::HttpGet {
            scheme: "HTTP".into(),
            path: "/healthz".into(),
            // The port name resolved against the container's ports.
            port: "8080".into(),
            host: None
        }
    );
    assert_eq!((lp.period_seconds, lp.termination_grace_period_seconds), (5, Some(10)));
    let rp = app.probe(ProbeKind::Readiness).unwrap();
    // timeoutSeconds 0 takes the default 1, as SetDefaults_Probe does.
    assert_eq!(
        (rp.initial_delay_seconds, rp.success_threshold, rp.timeout_seconds, rp.failure_threshold),
        (3, 2, 1, 3)
    );
    assert_eq!(app.lifecycle.pre_stop, Some(HookHandler::Sleep { seconds: 15 }));
    assert!(matches!(app.lifecycle.post_start, Some(HookHandler::Exec { .. })));
    assert_eq!(t.readiness_gates, vec!["example.com/load-balancer".to_string()]);
    // Effective requests count the sidecar (none here) and the pod: 1.
    assert_eq!(t.requests().pods, 1);
}

#[test]
fn probe_and_container_checks() {
    // No handler.
    let e = err(&scenario(
        "containers:\n  - name: app\n    image: nginx:1.25\n    livenessProbe: {periodSeconds: 5}\n",
        "",
    ));
    assert_eq!(e.field, "spec.template.spec.containers[0].livenessProbe");
    assert_eq!(e.message, "a probe must specify a handler type");
    // Two handlers: the error points at the second.
    let e = err(&scenario(
        "containers:\n  - name: app\n    image: nginx:1.25\n    readinessProbe: {exec: {command: [x]}, tcpSocket: {port: 80}}\n",
        "",
    ));
    assert!(e.field.ends_with("readinessProbe.tcpSocket"), "{}", e.field);
    // successThreshold must be 1 for liveness and startup.
    let e = err(&scenario(
        "containers:\n  - name: app\n    image: nginx:1.25\n    livenessProbe: {tcpSocket: {port: 80}, successThreshold: 2}\n",
        "",
    ));
    assert_eq!(e.message, "must be 1 for a liveness probe");
    assert!(e.field.ends_with("livenessProbe.successThreshold"));
    // Negative values.
    let e = err(&scenario(
        "containers:\n  - name: app\n    image: nginx:1.25\n    readinessProbe: {tcpSocket: {port: 80}, periodSeconds: -1}\n",
        "",
    ));
    assert_eq!(e.message, "must be greater than or equal to 0");
    // A regular init container cannot have probes or hooks.
    let e = err(&scenario(
        "initContainers:\n  - name: init\n    image: busybox:1\n    readinessProbe: {tcpSocket: {port: 80}}\ncontainers:\n  - name: app\n    image: nginx:1.25\n",
        "",
    ));
    assert_eq!(
        e.message,
        "`readinessProbe` may not be set for init containers without `restartPolicy: Always`"
    );
    // restartPolicy: only Always, only on init containers.
    let e = err(&scenario(
        "initContainers:\n  - name: init\n    image: busybox:1\n    restartPolicy: OnFailure\ncontainers:\n  - name: app\n    image: nginx:1.25\n",
        "",
    ));
    assert_eq!(e.message, "unsupported restartPolicy `OnFailure` for an init container");
    let e = err(&scenario(
        "containers:\n  - name: app\n    image: nginx:1.25\n    restartPolicy: Always\n",
        "",
    ));
    assert_eq!(e.message, "`restartPolicy` may not be set for non-init containers");
}

#[test]
fn behaviours_with_exits_crashes_hooks_and_per_container_overrides() {
    let spec = "initContainers:\n  - name: migrate\n    image: busybox:1\ncontainers:\n  - name: app\n    image: nginx:1.25\n  - name: log\n    image: fluent-bit:3\n";
    let tail = r#"behaviour:
  default: {preStop: 5s}
  workloads:
    deployment/web:
      crash: {after: 1s, times: 3}
      imagePullError: "manifest unknown"
      postStart: {duration: 2s, fail: true}
      containers:
        migrate: {exit: {after: 20s}}
        log: {exit: {after: 1m, code: 2}}
"#;
    let s = ok(&scenario(spec, tail));
    let b = &s.cluster.behaviours[s.cluster.workloads[0].behaviour.0 as usize];
    let crash = b.crash.as_ref().unwrap();
    assert_eq!(crash.chance, CrashChance::FirstStarts(3));
    assert_eq!((crash.after.clone(), crash.code), (Dist::Constant(SimDuration::from_secs(1)), 1));
    assert_eq!(b.image_pull_error.as_deref(), Some("manifest unknown"));
    assert!(b.post_start.fail);
    // preStop inherited from the default.
    assert_eq!(b.pre_stop.duration, Dist::Constant(SimDuration::from_secs(5)));
    // The init container's entry does not inherit the app containers' crash; the app
    // container's does, and overrides the exit.
    let migrate = b.container("migrate").unwrap();
    assert!(migrate.crash.is_none());
    assert_eq!(migrate.exit.as_ref().unwrap().code, 0);
    let log = b.container("log").unwrap();
    assert_eq!(log.crash.as_ref().unwrap().chance, CrashChance::FirstStarts(3));
    assert_eq!(log.exit.as_ref().unwrap().code, 2);
    assert_eq!(log.image_pull_error.as_deref(), Some("manifest unknown"));
    assert!(b.container("app").is_none());

    // A container name that is not in the pods: error with the names there are.
    let e = err(&scenario(
        spec,
        "behaviour:\n  workloads:\n    deployment/web:\n      containers:\n        lg: {exit: {after: 1s}}\n",
    ));
    assert_eq!(e.field, "behaviour.workloads[\"deployment/web\"].containers.lg");
    assert_eq!(e.message, "no container `lg` in the pods of this object");
    assert_eq!(e.hint.as_deref(), Some("did you mean `log`?"));
    // probability and times are exclusive; probability is within [0, 1].
    let e = err(&scenario(
        APP,
        "behaviour:\n  default: {crash: {after: 1s, probability: 0.5, times: 2}}\n",
    ));
    assert_eq!(e.message, "give either `probability` or `times`, not both");
    let e = err(&scenario(APP, "behaviour:\n  default: {crash: {after: 1s, probability: 1.5}}\n"));
    assert_eq!(e.message, "invalid probability 1.5");
    let e = err(&scenario(APP, "behaviour:\n  default: {containers: {app: {ready: 1s}}}\n"));
    assert_eq!(e.message, "`containers` is only allowed under `behaviour.workloads`");
}

#[test]
fn lifecycle_actions() {
    let tail = r#"actions:
  - at: 1m
    make-unhealthy: {selector: {matchLabels: {app: web}}, container: app, for: 30s, probes: [readiness], timeout: true}
  - at: 2m
    make-healthy: {selector: {matchLabels: {app: web}}}
  - at: 3m
    set-pod-condition: {selector: {matchLabels: {app: web}}, count: 2, type: example.com/lb, status: "True"}
  - at: 4m
    debug: {selector: {matchLabels: {app: web}}, image: busybox:1.36, target: app, for: 5m}
"#;
    let s = ok(&scenario(APP, tail));
    let labels: Vec<&str> = s.actions.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "make-unhealthy app=web (readiness) for 30s",
            "make-healthy app=web",
            "set-pod-condition app=web x2 example.com/lb=True",
            "debug app=web busybox:1.36",
        ]
    );
    match &s.actions[0].kind {
        ActionKind::MakeUnhealthy { fault, .. } => {
            assert_eq!(fault.container.as_deref(), Some("app"));
            assert_eq!(fault.duration, Some(SimDuration::from_secs(30)));
            assert_eq!(fault.probes, ProbeKinds(ProbeKind::Readiness.bit()));
            assert!(fault.timeout && !fault.until_restart);
        }
        k => panic!("{k:?}"),
    }
    match &s.actions[2].kind {
        ActionKind::SetPodCondition { condition_type, status, .. } => {
            assert_eq!((condition_type.as_str(), *status), ("example.com/lb", CondStatus::True));
        }
        k => panic!("{k:?}"),
    }
    match &s.actions[3].kind {
        ActionKind::Debug { name, image, target_container, run_for, .. } => {
            assert_eq!(name, &None);
            assert_eq!(image, "busybox:1.36");
            assert_eq!(target_container.as_deref(), Some("app"));
            assert_eq!(*run_for, Some(SimDuration::from_mins(5)));
        }
        k => panic!("{k:?}"),
    }
    // A container the target pods do not have.
    let e = err(&scenario(
        APP,
        "actions:\n  - at: 1m\n    make-unhealthy: {selector: {matchLabels: {app: web}}, container: ap}\n",
    ));
    assert_eq!(e.field, "actions[0].make-unhealthy.container");
    assert_eq!(e.message, "the target pods have no container `ap`");
    assert_eq!(e.hint.as_deref(), Some("did you mean `app`?"));
    // An unknown probe type.
    let e = err(&scenario(
        APP,
        "actions:\n  - at: 1m\n    make-unhealthy: {selector: {matchLabels: {app: web}}, probes: [liveliness]}\n",
    ));
    assert_eq!(e.field, "actions[0].make-unhealthy.probes[0]");
}
