//! `state.yaml`: the final objects as
//! `kubectl get nodes,pods,deployments,replicasets,statefulsets,daemonsets,poddisruptionbudgets -o yaml`
//! would show them.
//!
//! The document is a `v1` `List` whose `items` are, in this order: nodes by name, pods by
//! namespace/name, then Deployments, ReplicaSets, StatefulSets, DaemonSets and
//! PodDisruptionBudgets (with the status the disruption controller wrote), each by
//! namespace/name. Only objects that still exist are listed (removed pods and nodes are
//! not). Keys are sorted alphabetically inside every object, as in kubectl's output, and
//! fields the API would omit (empty or zero optional values) are left out.
//!
//! Timestamps are RFC 3339 at second precision, taking simulated t = 0 as
//! [`crate::EPOCH`]. A container's quantities are printed in the form they were given, as the
//! API server keeps it (`10G` stays `10G`, `1.5Gi` is `1536Mi`: [`format_quantity`]); others
//! like kubectl (`500m`, `2`, `16Gi`); `pods` is a plain integer. Fields kubesim does not simulate (IPs, `lastProbeTime`, image sizes, …) are
//! not invented.

use crate::ReportError;
use crate::timefmt::rfc3339;
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::quantity::{ResourceFormats, format_quantity};
use kubesim_model::workload::{DeploymentStrategy, PodManagementPolicy};
use kubesim_model::{
    Cluster, CondStatus, Container, ContainerState, ContainerStatus, HookHandler, IntOrPercent,
    Kind, LabelSelector, Meta, Node, NodeSelectorTerm, Pdb, Pod, PodCondition, PodConditionType,
    PodSpec, PodTemplate, Probe, ProbeHandler, Requirement, Resources, TolerationOperator,
    UnhealthyPodEvictionPolicy, Workload, WorkloadSpec,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// A JSON object under construction; keys come out sorted whatever `serde_json` features
/// are enabled, because they are collected in a `BTreeMap` first.
#[derive(Default)]
struct Obj(BTreeMap<String, Value>);

impl Obj {
    fn new() -> Self {
        Self::default()
    }

    fn set(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.0.insert(key.to_string(), v.into());
        self
    }

    fn opt(self, key: &str, v: Option<impl Into<Value>>) -> Self {
        match v {
            Some(v) => self.set(key, v),
            None => self,
        }
    }

    /// Sets `key` only if `v` is not empty (an empty object, list or string).
    fn non_empty(self, key: &str, v: impl Into<Value>) -> Self {
        let v = v.into();
        let empty = match &v {
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::String(s) => s.is_empty(),
            Value::Null => true,
            _ => false,
        };
        if empty { self } else { self.set(key, v) }
    }

    fn build(self) -> Value {
        Value::Object(self.0.into_iter().collect())
    }
}

impl From<Obj> for Value {
    fn from(o: Obj) -> Value {
        o.build()
    }
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// Renders `state.yaml` as one string (see [`write_state_yaml`], which `write_results` uses).
pub fn state_yaml(cluster: &Cluster) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write_state_yaml(cluster, &mut out).map_err(|e| ReportError::Yaml(e.to_string()))?;
    String::from_utf8(out).map_err(|e| ReportError::Yaml(e.to_string()))
}

/// Why [`write_state_yaml`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum StateWriteError {
    /// Serializing an object failed.
    #[error("{0}")]
    Yaml(String),
    /// Writing to `out` failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Writes `state.yaml` to `out` one batch of objects at a time: the bytes of
/// `serde_saphyr::to_string(&state_value(cluster))`, without holding the whole document.
///
/// The document's top-level keys are in sorted order (`apiVersion`, `items`, `kind`,
/// `metadata`); `items` is a block sequence at the top level's indentation, so each item is
/// serialized alone as a one-element sequence (`- apiVersion: v1\n  kind: Node …`) and
/// written after the other. The items of a batch are rendered on the machine's cores (each
/// thread a contiguous run of them) and written in order, so the bytes do not depend on the
/// number of threads. An empty list is left to the serializer as a whole.
pub fn write_state_yaml<W: Write>(cluster: &Cluster, out: &mut W) -> Result<(), StateWriteError> {
    let items = state_items(cluster);
    if items.is_empty() {
        let yaml = serde_saphyr::to_string(&state_value(cluster));
        out.write_all(yaml.map_err(|e| StateWriteError::Yaml(e.to_string()))?.as_bytes())?;
        return Ok(());
    }
    out.write_all(b"apiVersion: v1\nitems:\n")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    for batch in items.chunks(STATE_BATCH) {
        let per_thread = batch.len().div_ceil(threads);
        let rendered: Vec<Result<String, String>> = if threads == 1 || batch.len() < 64 {
            vec![render_items(cluster, batch)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .chunks(per_thread)
                    .map(|part| scope.spawn(move || render_items(cluster, part)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|_| Err("a rendering thread panicked".into())))
                    .collect()
            })
        };
        for text in rendered {
            out.write_all(text.map_err(StateWriteError::Yaml)?.as_bytes())?;
        }
    }
    out.write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")?;
    Ok(())
}

/// Objects per batch of [`write_state_yaml`]: enough to keep the threads busy, few enough
/// that a batch's text stays small (a few MB).
const STATE_BATCH: usize = 4096;

/// The items `part` as consecutive one-element YAML sequences.
fn render_items(cluster: &Cluster, part: &[Item<'_>]) -> Result<String, String> {
    let mut text = String::new();
    for item in part {
        let one = serde_saphyr::to_string(&[item.value(cluster)]).map_err(|e| e.to_string())?;
        text.push_str(&one);
    }
    Ok(text)
}

/// The `List` of final objects, as a JSON value (what `state.yaml` serializes).
pub fn state_value(cluster: &Cluster) -> Value {
    let items: Vec<Value> = state_items(cluster).iter().map(|i| i.value(cluster)).collect();
    Obj::new()
        .set("apiVersion", "v1")
        .set("kind", "List")
        .set("items", items)
        .set("metadata", Obj::new().set("resourceVersion", ""))
        .build()
}

/// One object of the `List`.
#[derive(Clone, Copy)]
enum Item<'c> {
    Node(&'c Node),
    Pod(&'c Pod),
    Workload(&'c Workload),
    Pdb(&'c Pdb),
}

impl Item<'_> {
    fn value(self, cluster: &Cluster) -> Value {
        match self {
            Item::Node(n) => node_value(n),
            Item::Pod(p) => pod_value(cluster, p),
            Item::Workload(w) => workload_value(w),
            Item::Pdb(p) => pdb_value(p),
        }
    }
}

/// The objects of the `List`, in order: nodes by name, pods by namespace/name, then
/// Deployments, ReplicaSets, StatefulSets, DaemonSets and PDBs, each by namespace/name.
fn state_items(cluster: &Cluster) -> Vec<Item<'_>> {
    let mut nodes: Vec<&Node> = cluster.nodes.iter().filter(|n| n.removed.is_none()).collect();
    nodes.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
    let mut items: Vec<Item<'_>> = nodes.into_iter().map(Item::Node).collect();

    let mut pods: Vec<&Pod> = cluster.pods.iter().filter(|p| p.removed.is_none()).collect();
    pods.sort_by(|a, b| ns_name(&a.meta).cmp(&ns_name(&b.meta)));
    items.extend(pods.into_iter().map(Item::Pod));

    for kind in [Kind::Deployment, Kind::ReplicaSet, Kind::StatefulSet, Kind::DaemonSet] {
        let mut ws: Vec<&Workload> = cluster.workloads.iter().filter(|w| w.kind == kind).collect();
        ws.sort_by(|a, b| ns_name(&a.meta).cmp(&ns_name(&b.meta)));
        items.extend(ws.into_iter().map(Item::Workload));
    }

    let mut pdbs: Vec<&Pdb> = cluster.pdbs.iter().collect();
    pdbs.sort_by(|a, b| ns_name(&a.meta).cmp(&ns_name(&b.meta)));
    items.extend(pdbs.into_iter().map(Item::Pdb));
    items
}

fn ns_name(m: &Meta) -> (&str, &str) {
    (&m.namespace, &m.name)
}

fn metadata(m: &Meta) -> Obj {
    let mut o = Obj::new()
        .set("name", m.name.as_str())
        .non_empty("namespace", m.namespace.as_str())
        .non_empty("uid", m.uid.as_str())
        .non_empty("labels", string_map(&m.labels))
        .non_empty("annotations", string_map(&m.annotations))
        .set("creationTimestamp", rfc3339(m.creation));
    if m.generation > 0 {
        o = o.set("generation", m.generation);
    }
    if let Some(owner) = &m.owner {
        o = o.set(
            "ownerReferences",
            vec![
                Obj::new()
                    .set("apiVersion", owner.kind.api_version())
                    .set("kind", owner.kind.as_str())
                    .set("name", owner.name.as_str())
                    .set("uid", owner.uid.as_str())
                    .set("controller", true)
                    .set("blockOwnerDeletion", true)
                    .build(),
            ],
        );
    }
    if let Some(d) = m.deletion {
        o = o.set("deletionTimestamp", rfc3339(d));
        o = o.opt("deletionGracePeriodSeconds", m.deletion_grace_seconds);
    }
    o
}

fn object(kind: Kind, meta: &Meta) -> Obj {
    Obj::new()
        .set("apiVersion", kind.api_version())
        .set("kind", kind.as_str())
        .set("metadata", metadata(meta))
}

/// A resource list (`requests`, `allocatable`, …), each quantity in the form it was given
/// ([`format_quantity`]); zero amounts are left out.
fn resource_list(r: &Resources, f: &ResourceFormats, with_pods: bool) -> Value {
    let mut o = Obj::new();
    if r.cpu_milli > 0 {
        o = o.set("cpu", format_quantity(r.cpu_milli, true, f.cpu));
    }
    if r.memory > 0 {
        o = o.set("memory", format_quantity(r.memory, false, f.memory));
    }
    if r.ephemeral_storage > 0 {
        o = o.set(
            "ephemeral-storage",
            format_quantity(r.ephemeral_storage, false, f.ephemeral_storage),
        );
    }
    if with_pods && r.pods > 0 {
        // kubectl prints `pods: "110"`: a quantity, so a string.
        o = o.set("pods", r.pods.to_string());
    }
    o.build()
}

pub(crate) fn node_value(n: &Node) -> Value {
    let taints: Vec<Value> = n
        .taints
        .iter()
        .map(|t| {
            Obj::new()
                .set("key", t.key.as_str())
                .non_empty("value", t.value.as_str())
                .set("effect", t.effect.as_str())
                .opt("timeAdded", t.time_added.map(rfc3339))
                .build()
        })
        .collect();
    let mut spec = Obj::new().non_empty("taints", taints);
    if n.unschedulable {
        spec = spec.set("unschedulable", true);
    }
    let conditions = node_conditions(n);
    let images: Vec<Value> = n.images.iter().map(|i| json!({ "names": [i] })).collect();
    let status = Obj::new()
        .set("allocatable", resource_list(&n.allocatable, &ResourceFormats::default(), true))
        .set("capacity", resource_list(&n.capacity, &ResourceFormats::default(), true))
        .set("conditions", conditions)
        .non_empty("images", images)
        .build();
    object(Kind::Node, &n.meta).set("spec", spec).set("status", status).build()
}

/// A port as written: a number stays a number, a name a string.
fn port_value(p: &str) -> Value {
    p.parse::<i64>().map_or_else(|_| Value::from(p), Value::from)
}

fn probe_value(p: &Probe) -> Value {
    let mut o = Obj::new()
        .set("initialDelaySeconds", p.initial_delay_seconds)
        .set("periodSeconds", p.period_seconds)
        .set("timeoutSeconds", p.timeout_seconds)
        .set("successThreshold", p.success_threshold)
        .set("failureThreshold", p.failure_threshold)
        .opt("terminationGracePeriodSeconds", p.termination_grace_period_seconds);
    o = match &p.handler {
        ProbeHandler::Exec { command } => o.set("exec", json!({ "command": command })),
        ProbeHandler::HttpGet { scheme, path, port, host } => o.set(
            "httpGet",
            Obj::new()
                .set("path", path.as_str())
                .set("port", port_value(port))
                .set("scheme", scheme.as_str())
                .opt("host", host.as_deref()),
        ),
        ProbeHandler::TcpSocket { port } => o.set("tcpSocket", json!({ "port": port_value(port) })),
        ProbeHandler::Grpc { port, service } => {
            o.set("grpc", Obj::new().set("port", *port).opt("service", service.as_deref()))
        }
    };
    o.build()
}

fn hook_value(h: &HookHandler) -> Value {
    match h {
        HookHandler::Exec { command } => json!({ "exec": { "command": command } }),
        HookHandler::HttpGet { scheme, path, port } => json!({
            "httpGet": { "path": path, "port": port_value(port), "scheme": scheme }
        }),
        HookHandler::TcpSocket { port } => json!({ "tcpSocket": { "port": port_value(port) } }),
        HookHandler::Sleep { seconds } => json!({ "sleep": { "seconds": seconds } }),
    }
}

/// The node's conditions in `kubectl get node -o yaml` order: MemoryPressure, DiskPressure,
/// PIDPressure, Ready. kubesim does not simulate resource pressure: the three pressure
/// conditions are False (with the kubelet's reasons) while the kubelet reports, and Unknown
/// together with Ready when the node lifecycle controller stops hearing from it (it sets the
/// four at once); their transition time is Ready's.
fn node_conditions(n: &Node) -> Vec<Value> {
    let unknown = n.ready.status == CondStatus::Unknown;
    let pressure = [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ];
    let mut out: Vec<Value> = pressure
        .iter()
        .map(|(t, reason, message)| {
            let (status, reason, message) = if unknown {
                ("Unknown", n.ready.reason, n.ready.message)
            } else {
                ("False", *reason, *message)
            };
            Obj::new()
                .set("type", *t)
                .set("status", status)
                .set("reason", reason)
                .set("message", message)
                .set("lastTransitionTime", rfc3339(n.ready.last_transition))
                .build()
        })
        .collect();
    out.push(
        Obj::new()
            .set("type", "Ready")
            .set("status", n.ready.status.as_str())
            .non_empty("reason", n.ready.reason)
            .non_empty("message", n.ready.message)
            .set("lastTransitionTime", rfc3339(n.ready.last_transition))
            .build(),
    );
    out
}

fn container_value(c: &Container) -> Value {
    let resources = Obj::new()
        .non_empty("requests", resource_list(&c.requests, &c.request_formats, false))
        .non_empty("limits", resource_list(&c.limits, &c.limit_formats, false));
    let lifecycle = Obj::new()
        .opt("postStart", c.lifecycle.post_start.as_ref().map(hook_value))
        .opt("preStop", c.lifecycle.pre_stop.as_ref().map(hook_value));
    Obj::new()
        .set("name", c.name.as_str())
        .set("image", c.image.as_str())
        .set("imagePullPolicy", c.image_pull_policy.as_str())
        .set("resources", resources)
        .opt("restartPolicy", c.restart_policy.map(|p| p.as_str()))
        .opt("startupProbe", c.startup_probe.as_ref().map(probe_value))
        .opt("livenessProbe", c.liveness_probe.as_ref().map(probe_value))
        .opt("readinessProbe", c.readiness_probe.as_ref().map(probe_value))
        .non_empty("lifecycle", lifecycle)
        .build()
}

fn requirement_value(r: &Requirement) -> Value {
    Obj::new()
        .set("key", r.key.as_str())
        .set("operator", r.operator.as_str())
        .non_empty("values", r.values.clone())
        .build()
}

fn selector_value(s: &LabelSelector) -> Value {
    Obj::new()
        .non_empty("matchLabels", string_map(&s.match_labels))
        .non_empty(
            "matchExpressions",
            s.match_expressions.iter().map(requirement_value).collect::<Vec<_>>(),
        )
        .build()
}

fn term_value(t: &NodeSelectorTerm) -> Value {
    Obj::new()
        .non_empty(
            "matchExpressions",
            t.match_expressions.iter().map(requirement_value).collect::<Vec<_>>(),
        )
        .non_empty("matchFields", t.match_fields.iter().map(requirement_value).collect::<Vec<_>>())
        .build()
}

fn inclusion(p: InclusionPolicy) -> &'static str {
    match p {
        InclusionPolicy::Honor => "Honor",
        InclusionPolicy::Ignore => "Ignore",
    }
}

/// The pod spec; `node_name` is None and `ephemeral` empty for templates.
fn pod_spec_value(spec: &PodSpec, node_name: Option<&str>, ephemeral: Vec<Value>) -> Value {
    let tolerations: Vec<Value> = spec
        .tolerations
        .iter()
        .map(|t| {
            let op = match t.operator {
                TolerationOperator::Equal => "Equal",
                TolerationOperator::Exists => "Exists",
            };
            Obj::new()
                .non_empty("key", t.key.as_str())
                .set("operator", op)
                .non_empty("value", t.value.as_str())
                .opt("effect", t.effect.map(|e| e.as_str()))
                .opt("tolerationSeconds", t.toleration_seconds)
                .build()
        })
        .collect();
    let na = &spec.node_affinity;
    let mut node_affinity = Obj::new();
    if let Some(terms) = &na.required {
        node_affinity = node_affinity.set(
            "requiredDuringSchedulingIgnoredDuringExecution",
            Obj::new().set("nodeSelectorTerms", terms.iter().map(term_value).collect::<Vec<_>>()),
        );
    }
    let preferred: Vec<Value> = na
        .preferred
        .iter()
        .map(|p| Obj::new().set("weight", p.weight).set("preference", term_value(&p.term)).build())
        .collect();
    node_affinity =
        node_affinity.non_empty("preferredDuringSchedulingIgnoredDuringExecution", preferred);
    let node_affinity = node_affinity.build();
    let affinity = Obj::new().non_empty("nodeAffinity", node_affinity);
    let spread: Vec<Value> = spec
        .topology_spread_constraints
        .iter()
        .map(|c| {
            let when = match c.when_unsatisfiable {
                WhenUnsatisfiable::DoNotSchedule => "DoNotSchedule",
                WhenUnsatisfiable::ScheduleAnyway => "ScheduleAnyway",
            };
            Obj::new()
                .set("maxSkew", c.max_skew)
                .set("topologyKey", c.topology_key.as_str())
                .set("whenUnsatisfiable", when)
                .opt("labelSelector", c.label_selector.as_ref().map(selector_value))
                .opt("minDomains", c.min_domains)
                .opt("nodeAffinityPolicy", c.node_affinity_policy.map(inclusion))
                .opt("nodeTaintsPolicy", c.node_taints_policy.map(inclusion))
                .non_empty("matchLabelKeys", c.match_label_keys.clone())
                .build()
        })
        .collect();
    Obj::new()
        .set("containers", spec.containers.iter().map(container_value).collect::<Vec<_>>())
        .non_empty(
            "initContainers",
            spec.init_containers.iter().map(container_value).collect::<Vec<_>>(),
        )
        .non_empty("ephemeralContainers", ephemeral)
        .opt("nodeName", node_name)
        .non_empty("nodeSelector", string_map(&spec.node_selector))
        .non_empty("affinity", affinity)
        .non_empty("tolerations", tolerations)
        .non_empty("topologySpreadConstraints", spread)
        .set("priority", spec.priority)
        .opt("priorityClassName", spec.priority_class_name.as_deref())
        .non_empty(
            "readinessGates",
            spec.readiness_gates.iter().map(|g| json!({ "conditionType": g })).collect::<Vec<_>>(),
        )
        .set("restartPolicy", spec.restart_policy.as_str())
        .non_empty("schedulerName", spec.scheduler_name.as_str())
        .set("terminationGracePeriodSeconds", spec.termination_grace_period_seconds)
        .non_empty(
            "volumes",
            spec.empty_dir_volumes
                .iter()
                .map(|v| Obj::new().set("name", v.as_str()).set("emptyDir", Obj::new()).build())
                .collect::<Vec<_>>(),
        )
        .build()
}

fn container_state_value(s: &ContainerState) -> Value {
    match s {
        ContainerState::Waiting { reason, message } => json!({
            "waiting": Obj::new()
                .non_empty("reason", reason.as_str())
                .non_empty("message", message.as_str())
                .build()
        }),
        ContainerState::Running { started_at } => {
            json!({ "running": { "startedAt": rfc3339(*started_at) } })
        }
        ContainerState::Terminated { reason, exit_code, started_at, finished_at } => json!({
            "terminated": Obj::new()
                .set("exitCode", *exit_code)
                .non_empty("reason", reason.as_str())
                .set("startedAt", rfc3339(*started_at))
                .set("finishedAt", rfc3339(*finished_at))
                .build()
        }),
    }
}

fn condition_value(t: &str, c: &PodCondition) -> Value {
    Obj::new()
        .set("type", t)
        .set("status", c.status.as_str())
        .set("lastTransitionTime", rfc3339(c.last_transition))
        .non_empty("reason", &*c.reason)
        .non_empty("message", &*c.message)
        .build()
}

fn container_status_value(s: &ContainerStatus) -> Value {
    Obj::new()
        .set("name", s.name.as_str())
        .set("image", s.image.as_str())
        .set("ready", s.ready)
        .set("started", s.started)
        .set("restartCount", s.restart_count)
        .set("state", container_state_value(&s.state))
        .opt("lastState", s.last_state.as_ref().map(container_state_value))
        .build()
}

pub(crate) fn pod_value(cluster: &Cluster, p: &Pod) -> Value {
    let node_name = p.node.map(|n| cluster.nodes[n.index()].meta.name.as_str());
    let mut conditions: Vec<Value> = PodConditionType::ALL
        .iter()
        .filter_map(|&t| Some(condition_value(t.as_str(), p.status.condition(t)?)))
        .collect();
    conditions.extend(p.status.custom_conditions.iter().map(|(t, c)| condition_value(t, c)));
    let statuses = |v: &[ContainerStatus]| v.iter().map(container_status_value).collect::<Vec<_>>();
    let status = Obj::new()
        .set("phase", p.status.phase.as_str())
        .non_empty("conditions", conditions)
        .non_empty("initContainerStatuses", statuses(&p.status.init_container_statuses))
        .non_empty("containerStatuses", statuses(&p.status.container_statuses))
        .non_empty("ephemeralContainerStatuses", statuses(&p.status.ephemeral_container_statuses))
        .opt(
            "nominatedNodeName",
            p.status.nominated_node.map(|n| cluster.nodes[n.index()].meta.name.as_str()),
        )
        .opt("startTime", p.status.start_time.map(rfc3339))
        .opt("reason", p.status.reason.as_deref())
        .opt("message", p.status.message.as_deref())
        .build();
    let ephemeral: Vec<Value> = p
        .ephemeral_containers
        .iter()
        .map(|e| {
            Obj::new()
                .set("name", e.container.name.as_str())
                .set("image", e.container.image.as_str())
                .set("imagePullPolicy", e.container.image_pull_policy.as_str())
                .opt("targetContainerName", e.target.as_deref())
                .build()
        })
        .collect();
    object(Kind::Pod, &p.meta)
        .set("spec", pod_spec_value(&p.spec, node_name, ephemeral))
        .set("status", status)
        .build()
}

fn template_value(t: &PodTemplate) -> Value {
    let meta = Obj::new()
        .non_empty("labels", string_map(&t.labels))
        .non_empty("annotations", string_map(&t.annotations));
    Obj::new().set("metadata", meta).set("spec", pod_spec_value(&t.spec, None, Vec::new())).build()
}

fn int_or_percent(v: IntOrPercent) -> Value {
    match v {
        IntOrPercent::Int(i) => Value::from(i),
        IntOrPercent::Percent(_) => Value::from(v.to_string()),
    }
}

pub(crate) fn workload_value(w: &Workload) -> Value {
    if let WorkloadSpec::DaemonSet { max_unavailable, max_surge } = &w.spec {
        return daemonset_value(w, *max_unavailable, *max_surge);
    }
    let mut spec = Obj::new()
        .set("replicas", w.replicas)
        .set("selector", selector_value(&w.selector))
        .set("template", template_value(&w.template));
    if w.min_ready_seconds > 0 {
        spec = spec.set("minReadySeconds", w.min_ready_seconds);
    }
    match &w.spec {
        WorkloadSpec::Deployment { strategy, progress_deadline_seconds } => {
            // The API server stores `math.MaxInt32` for "no deadline".
            spec = spec.set(
                "progressDeadlineSeconds",
                progress_deadline_seconds.unwrap_or(i32::MAX as u64),
            );
            let s = match strategy {
                DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
                    Obj::new().set("type", "RollingUpdate").set(
                        "rollingUpdate",
                        Obj::new()
                            .set("maxSurge", int_or_percent(*max_surge))
                            .set("maxUnavailable", int_or_percent(*max_unavailable)),
                    )
                }
                DeploymentStrategy::Recreate => Obj::new().set("type", "Recreate"),
            };
            spec = spec.set("strategy", s);
        }
        WorkloadSpec::ReplicaSet { .. } => {}
        WorkloadSpec::StatefulSet { pod_management_policy, service_name } => {
            let policy = match pod_management_policy {
                PodManagementPolicy::OrderedReady => "OrderedReady",
                PodManagementPolicy::Parallel => "Parallel",
            };
            spec = spec
                .set("podManagementPolicy", policy)
                .non_empty("serviceName", service_name.as_str());
        }
        WorkloadSpec::DaemonSet { .. } => {}
    }
    let s = &w.status;
    let mut status = Obj::new();
    // ReplicaSet and StatefulSet status always carry `replicas`; the rest is omitted when zero,
    // as the API does.
    if s.replicas > 0 || w.kind != Kind::Deployment {
        status = status.set("replicas", s.replicas);
    }
    if s.ready_replicas > 0 {
        status = status.set("readyReplicas", s.ready_replicas);
    }
    if s.available_replicas > 0 {
        status = status.set("availableReplicas", s.available_replicas);
    }
    if w.kind == Kind::Deployment && s.updated_replicas > 0 {
        status = status.set("updatedReplicas", s.updated_replicas);
    }
    if let Some(c) = &w.progressing {
        status = status.set(
            "conditions",
            vec![
                Obj::new()
                    .set("type", "Progressing")
                    .set("status", c.status.as_str())
                    .set("reason", c.reason)
                    .set("message", c.message.as_str())
                    .set("lastUpdateTime", rfc3339(c.last_update))
                    .set("lastTransitionTime", rfc3339(c.last_transition))
                    .build(),
            ],
        );
    }
    object(w.kind, &w.meta).set("spec", spec).set("status", status).build()
}

/// A DaemonSet: no `replicas` in its spec; the status counts nodes (`desiredNumberScheduled`
/// is kept in [`Workload::replicas`]).
fn daemonset_value(w: &Workload, max_unavailable: IntOrPercent, max_surge: IntOrPercent) -> Value {
    let mut spec = Obj::new()
        .set("selector", selector_value(&w.selector))
        .set("template", template_value(&w.template))
        .set(
            "updateStrategy",
            Obj::new().set("type", "RollingUpdate").set(
                "rollingUpdate",
                Obj::new()
                    .set("maxSurge", int_or_percent(max_surge))
                    .set("maxUnavailable", int_or_percent(max_unavailable)),
            ),
        );
    if w.min_ready_seconds > 0 {
        spec = spec.set("minReadySeconds", w.min_ready_seconds);
    }
    let s = &w.status;
    let status = Obj::new()
        .set("currentNumberScheduled", s.replicas)
        .set("desiredNumberScheduled", w.replicas)
        .set("numberMisscheduled", 0)
        .set("numberReady", s.ready_replicas)
        .opt("numberAvailable", (s.available_replicas > 0).then_some(s.available_replicas))
        .opt("updatedNumberScheduled", (s.updated_replicas > 0).then_some(s.updated_replicas));
    object(w.kind, &w.meta).set("spec", spec).set("status", status).build()
}

pub(crate) fn pdb_value(p: &Pdb) -> Value {
    let policy = match p.unhealthy_pod_eviction_policy {
        UnhealthyPodEvictionPolicy::IfHealthyBudget => "IfHealthyBudget",
        UnhealthyPodEvictionPolicy::AlwaysAllow => "AlwaysAllow",
    };
    let spec = Obj::new()
        .opt("selector", p.selector.as_ref().map(selector_value))
        .opt("minAvailable", p.min_available.map(int_or_percent))
        .opt("maxUnavailable", p.max_unavailable.map(int_or_percent))
        .set("unhealthyPodEvictionPolicy", policy);
    let st = &p.status;
    let mut status = Obj::new();
    if st.observed_generation > 0 {
        let disrupted = Value::Object(
            st.disrupted_pods.iter().map(|(k, v)| (k.clone(), Value::from(rfc3339(*v)))).collect(),
        );
        let conditions: Vec<Value> = st
            .condition
            .iter()
            .map(|c| {
                Obj::new()
                    .set("type", "DisruptionAllowed")
                    .set("status", c.status.as_str())
                    .set("reason", c.reason)
                    .set("message", c.message.as_str())
                    .set("lastTransitionTime", rfc3339(c.last_transition))
                    .set("observedGeneration", c.observed_generation)
                    .build()
            })
            .collect();
        status = status
            .set("currentHealthy", st.current_healthy)
            .set("desiredHealthy", st.desired_healthy)
            .set("disruptionsAllowed", st.disruptions_allowed)
            .set("expectedPods", st.expected_pods)
            .set("observedGeneration", st.observed_generation)
            .non_empty("disruptedPods", disrupted)
            .non_empty("conditions", conditions);
    }
    object(Kind::PodDisruptionBudget, &p.meta).set("spec", spec).set("status", status).build()
}
