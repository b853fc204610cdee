//! Kubernetes manifests, read as their `k8s-openapi` types (`objects.rs`), converted to model
//! structs with the defaults the API server applies.
//!
//! Errors found after typing (quantities, selectors, enums) are placed by looking their field
//! path up in the position index. Fields kubesim reads but does not simulate yet are collected
//! per manifest and reported as one note.

use crate::error::{Problem, ScenarioError, did_you_mean, one_of};
use crate::format::quantity_what;
use crate::objects::{Manifest, Typed};
use crate::read::QUANTITY_EXPECTED;
use crate::source::Source;
use crate::yaml::{Node, Path};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::scheduling::v1 as scheduling;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kubesim_engine::SimTime;
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::quantity::{self, ResourceFormats};
use kubesim_model::workload::{DeploymentStrategy, PodManagementPolicy};
use kubesim_model::{
    Container, HookHandler, HostPort, IntOrPercent, Kind, LabelSelector, Labels, Lifecycle, Meta,
    NodeAffinity, NodeSelectorTerm, Operator, Params, Pdb, PodAffinity, PodAffinityTerm, PodSpec,
    PodTemplate, PreemptionPolicy, PreferredTerm, PriorityClass, Probe, ProbeHandler, ProbeKind,
    PullPolicy, Requirement, Resources, RestartPolicy, Toleration, TolerationOperator,
    TopologySpreadConstraint, UnhealthyPodEvictionPolicy, WeightedPodAffinityTerm,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Where a manifest's problems are reported, and the fields it has that are not simulated.
pub(crate) struct Ctx<'a> {
    pub src: &'a Source,
    pub node: Node,
    pub object: String,
    ignored: Vec<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(m: &Manifest<'a>) -> Self {
        Self { src: m.src, node: m.node, object: m.object.clone(), ignored: Vec::new() }
    }

    /// An error at `path` in this manifest.
    pub fn err(&self, path: &Path, p: Problem) -> ScenarioError {
        self.src.at(self.node, path, Some(&self.object), p)
    }

    /// Whether the whole of `path` is written in the manifest.
    pub fn has(&self, path: &Path) -> bool {
        self.src.index().find(self.node, path, false).complete
    }

    fn ignore(&mut self, path: Path) {
        self.ignored.push(path.to_string());
    }

    /// The one note listing what this manifest has that is not simulated, if anything.
    pub fn note(&self) -> Option<String> {
        (!self.ignored.is_empty()).then(|| {
            format!("{}: not simulated yet (ignored): {}", self.object, self.ignored.join(", "))
        })
    }
}

/// PriorityClasses by name (value and `preemptionPolicy`), with the built-in system classes.
#[derive(Debug, Clone)]
pub(crate) struct Priorities {
    classes: BTreeMap<String, (i32, PreemptionPolicy)>,
    global_default: Option<(i32, PreemptionPolicy)>,
}

impl Default for Priorities {
    fn default() -> Self {
        let classes =
            [("system-cluster-critical", 2_000_000_000), ("system-node-critical", 2_000_001_000)]
                .into_iter()
                .map(|(n, v)| (n.to_string(), (v, PreemptionPolicy::PreemptLowerPriority)))
                .collect();
        Self { classes, global_default: None }
    }
}

fn preemption_policy(
    ctx: &Ctx<'_>,
    path: &Path,
    v: Option<&str>,
) -> Result<Option<PreemptionPolicy>, ScenarioError> {
    match v {
        None | Some("") => Ok(None),
        Some("PreemptLowerPriority") => Ok(Some(PreemptionPolicy::PreemptLowerPriority)),
        Some("Never") => Ok(Some(PreemptionPolicy::Never)),
        Some(other) => {
            let allowed = ["PreemptLowerPriority", "Never"];
            Err(ctx.err(
                path,
                Problem::new(format!("unknown preemptionPolicy `{other}`"))
                    .expected(one_of(&allowed))
                    .hint(did_you_mean(other, allowed)),
            ))
        }
    }
}

/// A PriorityClass manifest as a model object.
pub(crate) fn priority_class(
    ctx: &Ctx<'_>,
    pc: &scheduling::PriorityClass,
) -> Result<PriorityClass, ScenarioError> {
    Ok(PriorityClass {
        meta: meta(ctx, &pc.metadata, false)?,
        value: pc.value,
        global_default: pc.global_default == Some(true),
        preemption_policy: preemption_policy(
            ctx,
            &Path::parse("preemptionPolicy"),
            pc.preemption_policy.as_deref(),
        )?
        .unwrap_or_default(),
        description: pc.description.clone().unwrap_or_default(),
    })
}

impl Priorities {
    /// Adds a PriorityClass manifest.
    pub fn add(
        &mut self,
        ctx: &Ctx<'_>,
        pc: &scheduling::PriorityClass,
    ) -> Result<(), ScenarioError> {
        let name = required_name(ctx, &pc.metadata)?;
        let policy = preemption_policy(
            ctx,
            &Path::parse("preemptionPolicy"),
            pc.preemption_policy.as_deref(),
        )?
        .unwrap_or_default();
        if pc.global_default == Some(true) {
            if self.global_default.is_some() {
                return Err(ctx.err(
                    &Path::parse("globalDefault"),
                    Problem::new("only one PriorityClass can be marked `globalDefault`"),
                ));
            }
            self.global_default = Some((pc.value, policy));
        }
        self.classes.insert(name, (pc.value, policy));
        Ok(())
    }
}

/// What conversions need besides the manifest.
pub(crate) struct Env<'a> {
    pub priorities: &'a Priorities,
}

fn required_name(ctx: &Ctx<'_>, m: &metav1::ObjectMeta) -> Result<String, ScenarioError> {
    match m.name.as_deref() {
        Some(n) if !n.is_empty() => Ok(n.to_string()),
        _ => {
            let hint = m
                .generate_name
                .as_ref()
                .map(|_| "`generateName` is not supported: give the object a `name`".to_string());
            Err(ctx.err(
                &Path::parse("metadata.name"),
                Problem::new("missing field `metadata.name`").hint(hint),
            ))
        }
    }
}

/// `metadata` → [`Meta`] (uid left empty for the caller to fill; creation at t = 0).
pub(crate) fn meta(
    ctx: &Ctx<'_>,
    m: &metav1::ObjectMeta,
    namespaced: bool,
) -> Result<Meta, ScenarioError> {
    let name = required_name(ctx, m)?;
    let namespace = if namespaced {
        m.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_string())
    } else {
        String::new()
    };
    Ok(Meta {
        name,
        namespace,
        uid: m.uid.clone().unwrap_or_default(),
        labels: m.labels.clone().unwrap_or_default().into(),
        annotations: m.annotations.clone().unwrap_or_default(),
        owner: None,
        creation: SimTime(0),
        deletion: None,
        deletion_grace_seconds: None,
        generation: m.generation.and_then(|g| u64::try_from(g).ok()).unwrap_or(1),
    })
}

/// A label selector (`matchLabels` + `matchExpressions` with the four set operators).
pub(crate) fn selector(
    ctx: &Ctx<'_>,
    path: &Path,
    s: &metav1::LabelSelector,
) -> Result<LabelSelector, ScenarioError> {
    let mut out = LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: Vec::new(),
    };
    // `ValidateLabelSelector` (apimachinery `pkg/apis/meta/v1/validation`): matchLabels keys
    // and values and matchExpressions keys are label keys and values (`ValidateLabels`,
    // `ValidateLabelName`); In/NotIn values are label values.
    for (k, v) in &out.match_labels {
        let p = path.key("matchLabels").key(k);
        if let Some(e) = label_key_error(k) {
            return Err(ctx.err(&p, Problem::new(format!("Invalid value: {k:?}: {e}"))));
        }
        if let Some(e) = label_value_error(v) {
            return Err(ctx.err(&p, Problem::new(format!("Invalid value: {v:?}: {e}"))));
        }
    }
    for (i, r) in s.match_expressions.iter().flatten().enumerate() {
        let p = path.key("matchExpressions").index(i);
        if let Some(e) = label_key_error(&r.key) {
            return Err(
                ctx.err(&p.key("key"), Problem::new(format!("Invalid value: {:?}: {e}", r.key)))
            );
        }
        if matches!(r.operator.as_str(), "In" | "NotIn") {
            for (j, v) in r.values.iter().flatten().enumerate() {
                if let Some(e) = label_value_error(v) {
                    return Err(ctx.err(
                        &p.key("values").index(j),
                        Problem::new(format!("Invalid value: {v:?}: {e}")),
                    ));
                }
            }
        }
        let req = requirement(
            ctx,
            &p,
            &r.key,
            &r.operator,
            r.values.as_deref(),
            &["In", "NotIn", "Exists", "DoesNotExist"],
        )?;
        out.match_expressions.push(req);
    }
    Ok(out)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`: a qualified name's name part, or a non-empty
/// label value.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: u8| c.is_ascii_alphanumeric();
    !b.is_empty()
        && edge(b[0])
        && edge(b[b.len() - 1])
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsDNS1123Subdomain`: at most 253 characters of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` labels
/// joined by dots.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
            !b.is_empty()
                && edge(b[0])
                && edge(b[b.len() - 1])
                && b.iter().all(|&c| edge(c) || c == b'-')
        })
}

const QUALIFIED_NAME_FMT: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// `IsQualifiedName` (apimachinery `pkg/util/validation/validation.go`), the rule for label
/// keys: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters;
/// the first error in upstream's words, or None if valid.
pub(crate) fn label_key_error(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                return Some("prefix part must be non-empty".into());
            }
            if !is_dns1123_subdomain(prefix) {
                return Some(if prefix.len() > 253 {
                    "prefix part must be no more than 253 characters".into()
                } else {
                    "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into()
                });
            }
            name
        }
        _ => {
            return Some(format!(
                "a qualified name {QUALIFIED_NAME_FMT} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ));
        }
    };
    if name.is_empty() {
        Some("name part must be non-empty".into())
    } else if name.len() > 63 {
        Some("name part must be no more than 63 characters".into())
    } else if !is_qualified_name_part(name) {
        Some(format!("name part {QUALIFIED_NAME_FMT}"))
    } else {
        None
    }
}

/// `IsValidLabelValue`: empty, or at most 63 characters of the qualified-name pattern.
pub(crate) fn label_value_error(v: &str) -> Option<String> {
    if v.len() > 63 {
        Some("must be no more than 63 characters".into())
    } else if !v.is_empty() && !is_qualified_name_part(v) {
        Some("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into())
    } else {
        None
    }
}

fn requirement(
    ctx: &Ctx<'_>,
    path: &Path,
    key: &str,
    operator: &str,
    values: Option<&[String]>,
    allowed: &[&str],
) -> Result<Requirement, ScenarioError> {
    let op = Operator::parse(operator).filter(|o| allowed.contains(&o.as_str()));
    let Some(op) = op else {
        return Err(ctx.err(
            &path.key("operator"),
            Problem::new(format!("unknown operator `{operator}`"))
                .expected(one_of(allowed))
                .hint(did_you_mean(operator, allowed.iter().copied())),
        ));
    };
    let values = values.unwrap_or_default().to_vec();
    let problem = match op {
        Operator::In | Operator::NotIn if values.is_empty() => {
            Some("must be specified when `operator` is 'In' or 'NotIn'")
        }
        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
            Some("may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        }
        Operator::Gt | Operator::Lt if values.len() != 1 => {
            Some("must be a single integer when `operator` is 'Gt' or 'Lt'")
        }
        _ => None,
    };
    if let Some(why) = problem {
        return Err(ctx.err(&path.key("values"), Problem::new(format!("`values` {why}"))));
    }
    Ok(Requirement { key: key.to_string(), operator: op, values })
}

/// A resource map (`requests` or `limits`): cpu, memory and ephemeral-storage; other
/// resources are noted as not simulated.
fn resources(
    ctx: &mut Ctx<'_>,
    path: &Path,
    map: Option<&BTreeMap<String, Quantity>>,
) -> Result<(Resources, ResourceFormats, Vec<&'static str>), ScenarioError> {
    let mut r = Resources::default();
    let mut f = ResourceFormats::default();
    let mut present = Vec::new();
    for (name, q) in map.into_iter().flatten() {
        let p = path.key(name);
        let form = quantity::format_of(&q.0);
        let parsed = match name.as_str() {
            "cpu" => quantity::parse_millicpu(&q.0).map(|v| {
                r.cpu_milli = v;
                f.cpu = form;
                "cpu"
            }),
            "memory" => quantity::parse_value(&q.0).map(|v| {
                r.memory = v;
                f.memory = form;
                "memory"
            }),
            "ephemeral-storage" => quantity::parse_value(&q.0).map(|v| {
                r.ephemeral_storage = v;
                f.ephemeral_storage = form;
                "ephemeral-storage"
            }),
            _ => {
                ctx.ignore(p);
                continue;
            }
        };
        match parsed {
            Ok(k) => present.push(k),
            Err(e) => {
                return Err(ctx.err(
                    &p,
                    Problem::new(format!("invalid {}", quantity_what(&e)))
                        .expected(QUANTITY_EXPECTED),
                ));
            }
        }
    }
    Ok((r, f, present))
}

fn container(
    ctx: &mut Ctx<'_>,
    path: &Path,
    c: &core::Container,
    init: bool,
    host_ports: &mut Vec<HostPort>,
) -> Result<Container, ScenarioError> {
    if c.name.is_empty() {
        return Err(ctx.err(&path.key("name"), Problem::new("missing field `name`")));
    }
    let Some(image) = c.image.clone().filter(|i| !i.is_empty()) else {
        return Err(ctx.err(
            &path.key("image"),
            Problem::new(format!("container `{}` has no `image`", c.name)),
        ));
    };
    let image_pull_policy = match c.image_pull_policy.as_deref() {
        None | Some("") => PullPolicy::default_for(&image),
        Some("Always") => PullPolicy::Always,
        Some("IfNotPresent") => PullPolicy::IfNotPresent,
        Some("Never") => PullPolicy::Never,
        Some(other) => {
            let allowed = ["Always", "IfNotPresent", "Never"];
            return Err(ctx.err(
                &path.key("imagePullPolicy"),
                Problem::new(format!("unknown imagePullPolicy `{other}`"))
                    .expected(one_of(&allowed))
                    .hint(did_you_mean(other, allowed)),
            ));
        }
    };
    let (mut requests, mut limits) = (Resources::default(), Resources::default());
    let (mut request_formats, mut limit_formats) = Default::default();
    if let Some(res) = &c.resources {
        let (req, req_f, req_present) =
            resources(ctx, &path.then("resources.requests"), res.requests.as_ref())?;
        let (lim, lim_f, lim_present) =
            resources(ctx, &path.then("resources.limits"), res.limits.as_ref())?;
        requests = req;
        limits = lim;
        request_formats = req_f;
        limit_formats = lim_f;
        // SetDefaults_Container: a resource with a limit and no request requests the limit
        // (a copy of the quantity: its form too).
        for k in &lim_present {
            if !req_present.contains(k) {
                match *k {
                    "cpu" => {
                        requests.cpu_milli = lim.cpu_milli;
                        request_formats.cpu = lim_f.cpu;
                    }
                    "memory" => {
                        requests.memory = lim.memory;
                        request_formats.memory = lim_f.memory;
                    }
                    _ => {
                        requests.ephemeral_storage = lim.ephemeral_storage;
                        request_formats.ephemeral_storage = lim_f.ephemeral_storage;
                    }
                }
            }
        }
        for (k, rq, lm) in [
            ("cpu", requests.cpu_milli, lim.cpu_milli),
            ("memory", requests.memory, lim.memory),
            ("ephemeral-storage", requests.ephemeral_storage, lim.ephemeral_storage),
        ] {
            if lim_present.contains(&k) && rq > lm {
                return Err(ctx.err(
                    &path.then("resources.requests").key(k),
                    Problem::new(format!("the {k} request is greater than the {k} limit")),
                ));
            }
        }
        if res.claims.is_some() {
            ctx.ignore(path.then("resources.claims"));
        }
    }
    // `restartPolicy` on a container: `Always` on an init container makes it a sidecar
    // (v1.29+); anything else is rejected, as the API server of v1.33 does.
    let restart_policy = match (c.restart_policy.as_deref(), init) {
        (None, _) => None,
        (Some("Always"), true) => Some(RestartPolicy::Always),
        (Some(other), true) => {
            return Err(ctx.err(
                &path.key("restartPolicy"),
                Problem::new(format!("unsupported restartPolicy `{other}` for an init container"))
                    .expected("`Always` (a sidecar container), or no `restartPolicy`"),
            ));
        }
        (Some(_), false) => {
            return Err(ctx.err(
                &path.key("restartPolicy"),
                Problem::new("`restartPolicy` may not be set for non-init containers")
                    .hint(Some("the pod's `spec.restartPolicy` decides restarts".into())),
            ));
        }
    };
    let sidecar = restart_policy.is_some();
    if init && !sidecar {
        for (present, field) in [
            (c.liveness_probe.is_some(), "livenessProbe"),
            (c.readiness_probe.is_some(), "readinessProbe"),
            (c.startup_probe.is_some(), "startupProbe"),
            (c.lifecycle.is_some(), "lifecycle"),
        ] {
            if present {
                return Err(ctx.err(
                    &path.key(field),
                    Problem::new(format!(
                        "`{field}` may not be set for init containers without `restartPolicy: Always`"
                    )),
                ));
            }
        }
    }
    let ports = c.ports.as_deref().unwrap_or_default();
    let mut probes = [None, None, None];
    for (i, (p, kind, field)) in [
        (&c.startup_probe, ProbeKind::Startup, "startupProbe"),
        (&c.liveness_probe, ProbeKind::Liveness, "livenessProbe"),
        (&c.readiness_probe, ProbeKind::Readiness, "readinessProbe"),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(p) = p {
            probes[i] = Some(probe(ctx, &path.key(field), p, kind, ports)?);
        }
    }
    let [startup_probe, liveness_probe, readiness_probe] = probes;
    let mut lifecycle = Lifecycle::default();
    if let Some(l) = &c.lifecycle {
        let lp = path.key("lifecycle");
        if let Some(h) = &l.post_start {
            lifecycle.post_start = Some(hook(ctx, &lp.key("postStart"), h, ports)?);
        }
        if let Some(h) = &l.pre_stop {
            lifecycle.pre_stop = Some(hook(ctx, &lp.key("preStop"), h, ports)?);
        }
        if l.stop_signal.is_some() {
            ctx.ignore(lp.key("stopSignal"));
        }
    }
    for (j, port) in c.ports.iter().flatten().enumerate() {
        let Some(hp) = port.host_port.filter(|&p| p != 0) else { continue };
        let pp = path.key("ports").index(j);
        if !(1..=65535).contains(&hp) {
            return Err(ctx.err(
                &pp.key("hostPort"),
                Problem::new("`hostPort` must be between 1 and 65535, inclusive"),
            ));
        }
        let protocol = port.protocol.clone().filter(|p| !p.is_empty()).unwrap_or("TCP".into());
        if !["TCP", "UDP", "SCTP"].contains(&protocol.as_str()) {
            return Err(ctx.err(
                &pp.key("protocol"),
                Problem::new(format!("unknown protocol `{protocol}`"))
                    .expected(one_of(&["TCP", "UDP", "SCTP"])),
            ));
        }
        if init {
            // Only app containers' ports reach the scheduler's NodePorts.
            continue;
        }
        host_ports.push(HostPort {
            port: hp,
            protocol,
            host_ip: port.host_ip.clone().unwrap_or_default(),
        });
    }
    Ok(Container {
        name: c.name.clone(),
        image,
        image_pull_policy,
        requests,
        limits,
        request_formats,
        limit_formats,
        restart_policy,
        startup_probe,
        liveness_probe,
        readiness_probe,
        lifecycle,
    })
}

/// A probe or hook port: a number, or a port name resolved against the container's `ports`
/// (as the kubelet's `findPortByName` does); an unknown name is kept as written.
fn port_text(p: &IntOrString, ports: &[core::ContainerPort]) -> String {
    match p {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => ports
            .iter()
            .find(|cp| cp.name.as_deref() == Some(s.as_str()))
            .map_or_else(|| s.clone(), |cp| cp.container_port.to_string()),
    }
}

/// A probe, with `SetDefaults_Probe` applied (a 0 or missing field takes its default:
/// timeoutSeconds 1, periodSeconds 10, successThreshold 1, failureThreshold 3) and the API
/// server's checks (`validateProbe`).
fn probe(
    ctx: &Ctx<'_>,
    path: &Path,
    p: &core::Probe,
    kind: ProbeKind,
    ports: &[core::ContainerPort],
) -> Result<Probe, ScenarioError> {
    let mut handlers = Vec::new();
    if let Some(e) = &p.exec {
        handlers
            .push(("exec", ProbeHandler::Exec { command: e.command.clone().unwrap_or_default() }));
    }
    if let Some(h) = &p.http_get {
        handlers.push((
            "httpGet",
            ProbeHandler::HttpGet {
                scheme: h.scheme.clone().unwrap_or_else(|| "HTTP".into()),
                path: h.path.clone().filter(|x| !x.is_empty()).unwrap_or_else(|| "/".into()),
                port: port_text(&h.port, ports),
                host: h.host.clone().filter(|x| !x.is_empty()),
            },
        ));
    }
    if let Some(t) = &p.tcp_socket {
        handlers.push(("tcpSocket", ProbeHandler::TcpSocket { port: port_text(&t.port, ports) }));
    }
    if let Some(g) = &p.grpc {
        handlers.push(("grpc", ProbeHandler::Grpc { port: g.port, service: g.service.clone() }));
    }
    let handler = match handlers.len() {
        0 => {
            return Err(ctx.err(
                path,
                Problem::new("a probe must specify a handler type")
                    .expected("one of `exec`, `httpGet`, `tcpSocket` or `grpc`"),
            ));
        }
        1 => handlers.pop().expect("one").1,
        _ => {
            return Err(ctx.err(
                &path.key(handlers[1].0),
                Problem::new("a probe may not specify more than 1 handler type"),
            ));
        }
    };
    let mut out = Probe::new(handler);
    for (field, v, default) in [
        ("initialDelaySeconds", p.initial_delay_seconds, 0),
        ("timeoutSeconds", p.timeout_seconds, 1),
        ("periodSeconds", p.period_seconds, 10),
        ("successThreshold", p.success_threshold, 1),
        ("failureThreshold", p.failure_threshold, 3),
    ] {
        let v = match v {
            Some(x) if x < 0 => {
                return Err(
                    ctx.err(&path.key(field), Problem::new("must be greater than or equal to 0"))
                );
            }
            Some(0) | None => default,
            Some(x) => x as u32,
        };
        match field {
            "initialDelaySeconds" => out.initial_delay_seconds = v,
            "timeoutSeconds" => out.timeout_seconds = v,
            "periodSeconds" => out.period_seconds = v,
            "successThreshold" => out.success_threshold = v,
            _ => out.failure_threshold = v,
        }
    }
    if kind != ProbeKind::Readiness && out.success_threshold != 1 {
        return Err(ctx.err(
            &path.key("successThreshold"),
            Problem::new(format!("must be 1 for a {} probe", kind.as_lower())),
        ));
    }
    if let Some(g) = p.termination_grace_period_seconds {
        if kind == ProbeKind::Readiness {
            return Err(ctx.err(
                &path.key("terminationGracePeriodSeconds"),
                Problem::new("must not be set for readinessProbes"),
            ));
        }
        if g <= 0 {
            return Err(ctx.err(
                &path.key("terminationGracePeriodSeconds"),
                Problem::new("must be greater than 0"),
            ));
        }
        out.termination_grace_period_seconds = Some(g as u64);
    }
    Ok(out)
}

/// A lifecycle hook handler (exactly one of `exec`, `httpGet`, `tcpSocket`, `sleep`).
fn hook(
    ctx: &Ctx<'_>,
    path: &Path,
    h: &core::LifecycleHandler,
    ports: &[core::ContainerPort],
) -> Result<HookHandler, ScenarioError> {
    let mut handlers = Vec::new();
    if let Some(e) = &h.exec {
        handlers
            .push(("exec", HookHandler::Exec { command: e.command.clone().unwrap_or_default() }));
    }
    if let Some(g) = &h.http_get {
        handlers.push((
            "httpGet",
            HookHandler::HttpGet {
                scheme: g.scheme.clone().unwrap_or_else(|| "HTTP".into()),
                path: g.path.clone().filter(|x| !x.is_empty()).unwrap_or_else(|| "/".into()),
                port: port_text(&g.port, ports),
            },
        ));
    }
    if let Some(t) = &h.tcp_socket {
        handlers.push(("tcpSocket", HookHandler::TcpSocket { port: port_text(&t.port, ports) }));
    }
    if let Some(sl) = &h.sleep {
        if sl.seconds < 0 {
            return Err(ctx.err(
                &path.key("sleep").key("seconds"),
                Problem::new("must be greater than or equal to 0"),
            ));
        }
        handlers.push(("sleep", HookHandler::Sleep { seconds: sl.seconds as u64 }));
    }
    match handlers.len() {
        0 => Err(ctx.err(
            path,
            Problem::new("a lifecycle hook must specify a handler type")
                .expected("one of `exec`, `httpGet`, `tcpSocket` or `sleep`"),
        )),
        1 => Ok(handlers.pop().expect("one").1),
        _ => Err(ctx.err(
            &path.key(handlers[1].0),
            Problem::new("a lifecycle hook may not specify more than 1 handler type"),
        )),
    }
}

fn node_term(
    ctx: &Ctx<'_>,
    path: &Path,
    t: &core::NodeSelectorTerm,
) -> Result<NodeSelectorTerm, ScenarioError> {
    const ALL: [&str; 6] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
    let mut term = NodeSelectorTerm::default();
    for (i, r) in t.match_expressions.iter().flatten().enumerate() {
        let p = path.key("matchExpressions").index(i);
        term.match_expressions.push(requirement(
            ctx,
            &p,
            &r.key,
            &r.operator,
            r.values.as_deref(),
            &ALL,
        )?);
    }
    for (i, r) in t.match_fields.iter().flatten().enumerate() {
        let p = path.key("matchFields").index(i);
        if r.key != "metadata.name" {
            return Err(ctx.err(
                &p.key("key"),
                Problem::new(format!("unsupported matchFields key `{}`", r.key))
                    .expected("`metadata.name`"),
            ));
        }
        term.match_fields.push(requirement(
            ctx,
            &p,
            &r.key,
            &r.operator,
            r.values.as_deref(),
            &ALL,
        )?);
    }
    Ok(term)
}

fn effect(
    ctx: &Ctx<'_>,
    path: &Path,
    e: &str,
) -> Result<kubesim_model::TaintEffect, ScenarioError> {
    kubesim_model::TaintEffect::parse(e).ok_or_else(|| {
        let allowed = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
        ctx.err(
            path,
            Problem::new(format!("unknown taint effect `{e}`"))
                .expected(one_of(&allowed))
                .hint(did_you_mean(e, allowed)),
        )
    })
}

fn toleration(
    ctx: &Ctx<'_>,
    path: &Path,
    t: &core::Toleration,
) -> Result<Toleration, ScenarioError> {
    let operator = match t.operator.as_deref() {
        None | Some("") | Some("Equal") => TolerationOperator::Equal,
        Some("Exists") => TolerationOperator::Exists,
        Some(other) => {
            return Err(ctx.err(
                &path.key("operator"),
                Problem::new(format!("unknown toleration operator `{other}`"))
                    .expected(one_of(&["Equal", "Exists"]))
                    .hint(did_you_mean(other, ["Equal", "Exists"])),
            ));
        }
    };
    let key = t.key.clone().unwrap_or_default();
    let value = t.value.clone().unwrap_or_default();
    if operator == TolerationOperator::Exists && !value.is_empty() {
        return Err(ctx.err(
            &path.key("value"),
            Problem::new("`value` must be empty when `operator` is 'Exists'"),
        ));
    }
    if key.is_empty() && operator != TolerationOperator::Exists {
        return Err(ctx.err(
            &path.key("operator"),
            Problem::new("`operator` must be 'Exists' when `key` is empty"),
        ));
    }
    let effect = match t.effect.as_deref() {
        None | Some("") => None,
        Some(e) => Some(effect(ctx, &path.key("effect"), e)?),
    };
    Ok(Toleration { key, operator, value, effect, toleration_seconds: t.toleration_seconds })
}

fn inclusion(
    ctx: &Ctx<'_>,
    path: &Path,
    v: Option<&str>,
) -> Result<Option<InclusionPolicy>, ScenarioError> {
    match v {
        None => Ok(None),
        Some("Honor") => Ok(Some(InclusionPolicy::Honor)),
        Some("Ignore") => Ok(Some(InclusionPolicy::Ignore)),
        Some(other) => Err(ctx.err(
            path,
            Problem::new(format!("unknown policy `{other}`"))
                .expected(one_of(&["Honor", "Ignore"]))
                .hint(did_you_mean(other, ["Honor", "Ignore"])),
        )),
    }
}

fn spread(
    ctx: &Ctx<'_>,
    path: &Path,
    c: &core::TopologySpreadConstraint,
) -> Result<TopologySpreadConstraint, ScenarioError> {
    if c.max_skew <= 0 {
        return Err(
            ctx.err(&path.key("maxSkew"), Problem::new("`maxSkew` must be greater than zero"))
        );
    }
    if c.topology_key.is_empty() {
        return Err(ctx.err(&path.key("topologyKey"), Problem::new("missing field `topologyKey`")));
    }
    let when_unsatisfiable = match c.when_unsatisfiable.as_str() {
        "DoNotSchedule" => WhenUnsatisfiable::DoNotSchedule,
        "ScheduleAnyway" => WhenUnsatisfiable::ScheduleAnyway,
        other => {
            let allowed = ["DoNotSchedule", "ScheduleAnyway"];
            return Err(ctx.err(
                &path.key("whenUnsatisfiable"),
                Problem::new(format!("unknown whenUnsatisfiable `{other}`"))
                    .expected(one_of(&allowed))
                    .hint(did_you_mean(other, allowed)),
            ));
        }
    };
    if c.min_domains.is_some_and(|m| m <= 0) {
        return Err(ctx
            .err(&path.key("minDomains"), Problem::new("`minDomains` must be greater than zero")));
    }
    // `validateMinDomains` (pkg/apis/core/validation/validation.go): "When MinDomains is
    // non-nil, whenUnsatisfiable must be DoNotSchedule".
    if let Some(m) = c.min_domains
        && when_unsatisfiable != WhenUnsatisfiable::DoNotSchedule
    {
        return Err(ctx.err(
            &path.key("minDomains"),
            Problem::new(format!(
                "Invalid value: {m}: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {}",
                c.when_unsatisfiable
            )),
        ));
    }
    let label_selector = c
        .label_selector
        .as_ref()
        .map(|s| selector(ctx, &path.key("labelSelector"), s))
        .transpose()?;
    Ok(TopologySpreadConstraint {
        max_skew: c.max_skew,
        topology_key: c.topology_key.clone(),
        when_unsatisfiable,
        label_selector,
        min_domains: c.min_domains,
        node_affinity_policy: inclusion(
            ctx,
            &path.key("nodeAffinityPolicy"),
            c.node_affinity_policy.as_deref(),
        )?,
        node_taints_policy: inclusion(
            ctx,
            &path.key("nodeTaintsPolicy"),
            c.node_taints_policy.as_deref(),
        )?,
        match_label_keys: c.match_label_keys.clone().unwrap_or_default(),
    })
}

/// A pod spec at `path` (`spec` of a Pod, `spec.template.spec` of a workload).
pub(crate) fn pod_spec(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    path: &Path,
    s: &core::PodSpec,
) -> Result<PodSpec, ScenarioError> {
    if s.containers.is_empty() {
        return Err(
            ctx.err(&path.key("containers"), Problem::new("a pod needs at least one container"))
        );
    }
    let mut containers = Vec::new();
    let mut host_ports = Vec::new();
    for (i, c) in s.containers.iter().enumerate() {
        containers.push(container(
            ctx,
            &path.key("containers").index(i),
            c,
            false,
            &mut host_ports,
        )?);
    }
    let mut init_containers = Vec::new();
    for (i, c) in s.init_containers.iter().flatten().enumerate() {
        init_containers.push(container(
            ctx,
            &path.key("initContainers").index(i),
            c,
            true,
            &mut host_ports,
        )?);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, c) in s.containers.iter().chain(s.init_containers.iter().flatten()).enumerate() {
        if seen.insert(&c.name, i).is_some() {
            let n = s.containers.len();
            let p = if i < n {
                path.key("containers").index(i)
            } else {
                path.key("initContainers").index(i - n)
            };
            return Err(ctx.err(
                &p.key("name"),
                Problem::new(format!("duplicate container name `{}`", c.name)),
            ));
        }
    }
    let restart_policy = match s.restart_policy.as_deref() {
        None | Some("") | Some("Always") => RestartPolicy::Always,
        Some("OnFailure") => RestartPolicy::OnFailure,
        Some("Never") => RestartPolicy::Never,
        Some(other) => {
            let allowed = ["Always", "OnFailure", "Never"];
            return Err(ctx.err(
                &path.key("restartPolicy"),
                Problem::new(format!("unknown restartPolicy `{other}`"))
                    .expected(one_of(&allowed))
                    .hint(did_you_mean(other, allowed)),
            ));
        }
    };
    // Since v1.27 the API server turns a negative grace period into 1.
    let termination_grace_period_seconds = match s.termination_grace_period_seconds {
        None => 30,
        Some(g) if g < 0 => 1,
        Some(g) => g as u64,
    };
    let mut node_affinity = NodeAffinity::default();
    let mut pod_affinity = PodAffinity::default();
    let mut pod_anti_affinity = PodAffinity::default();
    if let Some(aff) = &s.affinity {
        let ap = path.key("affinity");
        if let Some(na) = &aff.node_affinity {
            let np = ap.key("nodeAffinity");
            if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
                let rp = np.key("requiredDuringSchedulingIgnoredDuringExecution");
                let mut terms = Vec::new();
                for (i, t) in req.node_selector_terms.iter().enumerate() {
                    terms.push(node_term(ctx, &rp.key("nodeSelectorTerms").index(i), t)?);
                }
                node_affinity.required = Some(terms);
            }
            for (i, t) in
                na.preferred_during_scheduling_ignored_during_execution.iter().flatten().enumerate()
            {
                let pp = np.key("preferredDuringSchedulingIgnoredDuringExecution").index(i);
                if !(1..=100).contains(&t.weight) {
                    return Err(ctx.err(
                        &pp.key("weight"),
                        Problem::new("`weight` must be in the range 1-100"),
                    ));
                }
                node_affinity.preferred.push(PreferredTerm {
                    weight: t.weight,
                    term: node_term(ctx, &pp.key("preference"), &t.preference)?,
                });
            }
        }
        if let Some(pa) = &aff.pod_affinity {
            pod_affinity = affinity_terms(
                ctx,
                &ap.key("podAffinity"),
                pa.required_during_scheduling_ignored_during_execution.as_deref(),
                pa.preferred_during_scheduling_ignored_during_execution.as_deref(),
            )?;
        }
        if let Some(pa) = &aff.pod_anti_affinity {
            pod_anti_affinity = affinity_terms(
                ctx,
                &ap.key("podAntiAffinity"),
                pa.required_during_scheduling_ignored_during_execution.as_deref(),
                pa.preferred_during_scheduling_ignored_during_execution.as_deref(),
            )?;
        }
    }
    let mut tolerations = Vec::new();
    for (i, t) in s.tolerations.iter().flatten().enumerate() {
        tolerations.push(toleration(ctx, &path.key("tolerations").index(i), t)?);
    }
    let mut topology_spread_constraints = Vec::new();
    for (i, c) in s.topology_spread_constraints.iter().flatten().enumerate() {
        topology_spread_constraints.push(spread(
            ctx,
            &path.key("topologySpreadConstraints").index(i),
            c,
        )?);
    }
    let priority_class_name = s.priority_class_name.clone().filter(|n| !n.is_empty());
    // The Priority admission plugin: the class's value and preemptionPolicy (the pod's own
    // preemptionPolicy wins when given).
    let class = priority_class_name
        .as_ref()
        .and_then(|c| env.priorities.classes.get(c).copied())
        .or(if priority_class_name.is_none() { env.priorities.global_default } else { None });
    let preemption_policy =
        preemption_policy(ctx, &path.key("preemptionPolicy"), s.preemption_policy.as_deref())?
            .or(class.map(|c| c.1))
            .unwrap_or_default();
    let priority = match (s.priority, &priority_class_name) {
        (Some(p), _) => p,
        (None, Some(class)) => match env.priorities.classes.get(class) {
            Some(v) => v.0,
            None => {
                let known: Vec<&str> = env.priorities.classes.keys().map(String::as_str).collect();
                return Err(ctx.err(
                    &path.key("priorityClassName"),
                    Problem::new(format!("no PriorityClass with name `{class}` was found"))
                        .expected("the name of a PriorityClass in the scenario (add its manifest to `workloads`)")
                        .hint(did_you_mean(class, known)),
                ));
            }
        },
        (None, None) => env.priorities.global_default.map_or(0, |g| g.0),
    };
    let readiness_gates: Vec<String> =
        s.readiness_gates.iter().flatten().map(|g| g.condition_type.clone()).collect();
    // `emptyDir` volumes matter to `kubectl drain`; other volume types are not simulated.
    let empty_dir_volumes: Vec<String> = s
        .volumes
        .iter()
        .flatten()
        .filter(|v| v.empty_dir.is_some())
        .map(|v| v.name.clone())
        .collect();
    let other_volumes = s.volumes.iter().flatten().any(|v| v.empty_dir.is_none());
    for (present, field) in [
        (other_volumes, "volumes"),
        (s.overhead.is_some(), "overhead"),
        (s.resource_claims.is_some(), "resourceClaims"),
        (s.resources.is_some(), "resources"),
        (s.scheduling_gates.is_some(), "schedulingGates"),
        (s.active_deadline_seconds.is_some(), "activeDeadlineSeconds"),
        (s.ephemeral_containers.is_some(), "ephemeralContainers"),
        (s.runtime_class_name.is_some(), "runtimeClassName"),
    ] {
        if present {
            ctx.ignore(path.key(field));
        }
    }
    Ok(PodSpec {
        node_name: s.node_name.clone().filter(|n| !n.is_empty()),
        containers,
        init_containers,
        restart_policy,
        termination_grace_period_seconds,
        node_selector: s.node_selector.clone().unwrap_or_default(),
        node_affinity,
        tolerations,
        topology_spread_constraints,
        priority,
        priority_class_name,
        scheduler_name: s
            .scheduler_name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default-scheduler".to_string()),
        readiness_gates,
        empty_dir_volumes,
        pod_affinity,
        pod_anti_affinity,
        host_ports,
        preemption_policy,
    })
}

/// `podAffinity` / `podAntiAffinity` terms.
fn affinity_terms(
    ctx: &Ctx<'_>,
    path: &Path,
    required: Option<&[core::PodAffinityTerm]>,
    preferred: Option<&[core::WeightedPodAffinityTerm]>,
) -> Result<PodAffinity, ScenarioError> {
    let mut out = PodAffinity::default();
    let rp = path.key("requiredDuringSchedulingIgnoredDuringExecution");
    for (i, t) in required.unwrap_or_default().iter().enumerate() {
        out.required.push(affinity_term(ctx, &rp.index(i), t)?);
    }
    let pp = path.key("preferredDuringSchedulingIgnoredDuringExecution");
    for (i, t) in preferred.unwrap_or_default().iter().enumerate() {
        let p = pp.index(i);
        if !(1..=100).contains(&t.weight) {
            return Err(
                ctx.err(&p.key("weight"), Problem::new("`weight` must be in the range 1-100"))
            );
        }
        out.preferred.push(WeightedPodAffinityTerm {
            weight: t.weight,
            term: affinity_term(ctx, &p.key("podAffinityTerm"), &t.pod_affinity_term)?,
        });
    }
    Ok(out)
}

fn affinity_term(
    ctx: &Ctx<'_>,
    path: &Path,
    t: &core::PodAffinityTerm,
) -> Result<PodAffinityTerm, ScenarioError> {
    if t.topology_key.is_empty() {
        return Err(ctx.err(
            &path.key("topologyKey"),
            Problem::new("missing field `topologyKey`")
                .expected("a node label key such as `topology.kubernetes.io/zone`"),
        ));
    }
    let match_label_keys = t.match_label_keys.clone().unwrap_or_default();
    let mismatch_label_keys = t.mismatch_label_keys.clone().unwrap_or_default();
    if (!match_label_keys.is_empty() || !mismatch_label_keys.is_empty())
        && t.label_selector.is_none()
    {
        return Err(ctx.err(
            &path.key("matchLabelKeys"),
            Problem::new("`matchLabelKeys` and `mismatchLabelKeys` need a `labelSelector`"),
        ));
    }
    Ok(PodAffinityTerm {
        label_selector: t
            .label_selector
            .as_ref()
            .map(|s| selector(ctx, &path.key("labelSelector"), s))
            .transpose()?,
        namespaces: t.namespaces.clone().unwrap_or_default(),
        namespace_selector: t
            .namespace_selector
            .as_ref()
            .map(|s| selector(ctx, &path.key("namespaceSelector"), s))
            .transpose()?,
        topology_key: t.topology_key.clone(),
        match_label_keys,
        mismatch_label_keys,
    })
}

/// A workload's `spec.template`.
pub(crate) fn template(
    ctx: &mut Ctx<'_>,
    env: &Env<'_>,
    t: Option<&core::PodTemplateSpec>,
) -> Result<PodTemplate, ScenarioError> {
    let path = Path::parse("spec.template");
    let Some(t) = t else {
        return Err(ctx.err(&path, Problem::new("missing field `spec.template`")));
    };
    let Some(spec) = &t.spec else {
        return Err(ctx.err(&path.key("spec"), Problem::new("missing field `spec.template.spec`")));
    };
    let meta = t.metadata.clone().unwrap_or_default();
    Ok(PodTemplate {
        labels: meta.labels.unwrap_or_default().into(),
        annotations: meta.annotations.unwrap_or_default(),
        spec: Arc::new(pod_spec(ctx, env, &path.key("spec"), spec)?),
    })
}

/// A workload's `spec.selector`, checked against its template's labels as the API server does.
pub(crate) fn workload_selector(
    ctx: &Ctx<'_>,
    kind: &str,
    s: &metav1::LabelSelector,
    template: &PodTemplate,
) -> Result<LabelSelector, ScenarioError> {
    let path = Path::parse("spec.selector");
    if !ctx.has(&path) {
        return Err(ctx.err(&Path::parse("spec"), Problem::new("missing field `selector`")));
    }
    let sel = selector(ctx, &path, s)?;
    if sel.is_empty() {
        return Err(ctx.err(&path, Problem::new(format!("empty selector is invalid for a {kind}"))));
    }
    if !sel.matches(&template.labels) {
        return Err(ctx.err(
            &Path::parse("spec.template.metadata.labels"),
            Problem::new("`selector` does not match template `labels`")
                .expected(format!("template labels that `spec.selector` ({sel}) matches")),
        ));
    }
    Ok(sel)
}

/// `spec.replicas` (default 1) or `spec.minReadySeconds` (default 0), non-negative.
pub(crate) fn non_negative(
    ctx: &Ctx<'_>,
    field: &str,
    v: Option<i32>,
    default: u32,
) -> Result<u32, ScenarioError> {
    match v {
        None => Ok(default),
        Some(v) => u32::try_from(v).map_err(|_| {
            ctx.err(
                &Path::parse(field),
                Problem::new(format!(
                    "`{}` must be greater than or equal to 0",
                    field.rsplit('.').next().unwrap_or(field)
                )),
            )
        }),
    }
}

/// An `IntOrString` that must be an integer or a percentage.
pub(crate) fn int_or_percent(
    ctx: &Ctx<'_>,
    field: &str,
    v: &IntOrString,
) -> Result<IntOrPercent, ScenarioError> {
    let parsed = match v {
        IntOrString::Int(i) => Some(IntOrPercent::Int(i64::from(*i))),
        IntOrString::String(s) => {
            s.strip_suffix('%').and_then(|p| p.parse().ok()).map(IntOrPercent::Percent)
        }
    };
    match parsed {
        Some(IntOrPercent::Int(i) | IntOrPercent::Percent(i)) if i < 0 => {
            Err(ctx.err(&Path::parse(field), Problem::new("must be greater than or equal to 0")))
        }
        Some(p) => Ok(p),
        None => Err(ctx.err(
            &Path::parse(field),
            Problem::new(format!(
                "invalid value `{}`",
                match v {
                    IntOrString::Int(i) => i.to_string(),
                    IntOrString::String(s) => s.clone(),
                }
            ))
            .expected("an integer or a percentage such as `25%`"),
        )),
    }
}

/// A Deployment's `spec.strategy` (default RollingUpdate 25%/25%).
/// `spec.progressDeadlineSeconds`: 600 when unset (the API server's default); `math.MaxInt32`
/// means no deadline (`HasProgressDeadline`). Validated as the API server does
/// (`ValidateDeploymentSpec`): not negative, and greater than `minReadySeconds`.
pub(crate) fn progress_deadline(
    ctx: &Ctx<'_>,
    v: Option<i32>,
    min_ready_seconds: Option<i32>,
) -> Result<Option<u64>, ScenarioError> {
    let Some(v) = v else {
        return Ok(Some(kubesim_model::workload::DEFAULT_PROGRESS_DEADLINE_SECONDS));
    };
    let path = Path::parse("spec.progressDeadlineSeconds");
    if v < 0 {
        return Err(ctx.err(
            &path,
            Problem::new(format!("invalid value {v}")).expected("a number of seconds, 0 or more"),
        ));
    }
    let min_ready = min_ready_seconds.unwrap_or(0);
    if v <= min_ready {
        return Err(ctx.err(
            &path,
            Problem::new(format!("{v} must be greater than minReadySeconds ({min_ready})")),
        ));
    }
    Ok((v != i32::MAX).then_some(v as u64))
}

pub(crate) fn strategy(
    ctx: &Ctx<'_>,
    s: Option<&apps::DeploymentStrategy>,
) -> Result<DeploymentStrategy, ScenarioError> {
    let Some(s) = s else {
        return Ok(DeploymentStrategy::default());
    };
    match s.type_.as_deref() {
        None | Some("") | Some("RollingUpdate") => {
            let ru = s.rolling_update.clone().unwrap_or_default();
            let surge = ru
                .max_surge
                .as_ref()
                .map(|v| int_or_percent(ctx, "spec.strategy.rollingUpdate.maxSurge", v))
                .transpose()?
                .unwrap_or(IntOrPercent::Percent(25));
            let unavailable = ru
                .max_unavailable
                .as_ref()
                .map(|v| int_or_percent(ctx, "spec.strategy.rollingUpdate.maxUnavailable", v))
                .transpose()?
                .unwrap_or(IntOrPercent::Percent(25));
            let zero =
                |v: IntOrPercent| matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0));
            if zero(surge) && zero(unavailable) {
                return Err(ctx.err(
                    &Path::parse("spec.strategy.rollingUpdate.maxUnavailable"),
                    Problem::new("may not be 0 when `maxSurge` is 0"),
                ));
            }
            if matches!(unavailable, IntOrPercent::Percent(p) if p > 100) {
                return Err(ctx.err(
                    &Path::parse("spec.strategy.rollingUpdate.maxUnavailable"),
                    Problem::new("must not be greater than 100%"),
                ));
            }
            Ok(DeploymentStrategy::RollingUpdate { max_surge: surge, max_unavailable: unavailable })
        }
        Some("Recreate") => {
            if s.rolling_update.is_some() {
                return Err(ctx.err(
                    &Path::parse("spec.strategy.rollingUpdate"),
                    Problem::new("may not be specified when strategy `type` is 'Recreate'"),
                ));
            }
            Ok(DeploymentStrategy::Recreate)
        }
        Some(other) => Err(ctx.err(
            &Path::parse("spec.strategy.type"),
            Problem::new(format!("unknown strategy type `{other}`"))
                .expected(one_of(&["RollingUpdate", "Recreate"]))
                .hint(did_you_mean(other, ["RollingUpdate", "Recreate"])),
        )),
    }
}

/// A DaemonSet's `spec.updateStrategy` (default RollingUpdate, maxUnavailable 1, maxSurge 0);
/// `OnDelete` is read as the defaults (rolling updates of DaemonSets are not simulated).
pub(crate) fn daemonset_strategy(
    ctx: &Ctx<'_>,
    s: Option<&apps::DaemonSetUpdateStrategy>,
) -> Result<kubesim_model::workload::WorkloadSpec, ScenarioError> {
    let ru = s.and_then(|s| s.rolling_update.clone()).unwrap_or_default();
    let max_unavailable = ru
        .max_unavailable
        .as_ref()
        .map(|v| int_or_percent(ctx, "spec.updateStrategy.rollingUpdate.maxUnavailable", v))
        .transpose()?
        .unwrap_or(IntOrPercent::Int(1));
    let max_surge = ru
        .max_surge
        .as_ref()
        .map(|v| int_or_percent(ctx, "spec.updateStrategy.rollingUpdate.maxSurge", v))
        .transpose()?
        .unwrap_or(IntOrPercent::Int(0));
    Ok(kubesim_model::workload::WorkloadSpec::DaemonSet { max_unavailable, max_surge })
}

/// A StatefulSet's `spec.podManagementPolicy` (default OrderedReady).
pub(crate) fn pod_management(
    ctx: &Ctx<'_>,
    v: Option<&str>,
) -> Result<PodManagementPolicy, ScenarioError> {
    match v {
        None | Some("") | Some("OrderedReady") => Ok(PodManagementPolicy::OrderedReady),
        Some("Parallel") => Ok(PodManagementPolicy::Parallel),
        Some(other) => Err(ctx.err(
            &Path::parse("spec.podManagementPolicy"),
            Problem::new(format!("unknown podManagementPolicy `{other}`"))
                .expected(one_of(&["OrderedReady", "Parallel"]))
                .hint(did_you_mean(other, ["OrderedReady", "Parallel"])),
        )),
    }
}

/// Notes for workload-level fields that are read but not simulated.
pub(crate) fn workload_extras(ctx: &mut Ctx<'_>, typed: &Typed) {
    match typed {
        Typed::Deployment(d) if d.spec.as_ref().is_some_and(|s| s.paused == Some(true)) => {
            ctx.ignore(Path::parse("spec.paused"));
        }
        Typed::StatefulSet(s) => {
            let Some(spec) = &s.spec else { return };
            if spec.volume_claim_templates.as_ref().is_some_and(|v| !v.is_empty()) {
                ctx.ignore(Path::parse("spec.volumeClaimTemplates"));
            }
            if spec.ordinals.as_ref().is_some_and(|o| o.start.unwrap_or(0) != 0) {
                ctx.ignore(Path::parse("spec.ordinals"));
            }
            if let Some(u) = &spec.update_strategy {
                let non_default = u.type_.as_deref().is_some_and(|t| t != "RollingUpdate")
                    || u.rolling_update.as_ref().is_some_and(|r| {
                        r.partition.unwrap_or(0) != 0 || r.max_unavailable.is_some()
                    });
                if non_default {
                    ctx.ignore(Path::parse("spec.updateStrategy"));
                }
            }
        }
        _ => {}
    }
}

/// A PodDisruptionBudget.
pub(crate) fn pdb(ctx: &Ctx<'_>, p: &policy::PodDisruptionBudget) -> Result<Pdb, ScenarioError> {
    let meta = meta(ctx, &p.metadata, true)?;
    let spec = p.spec.clone().unwrap_or_default();
    if spec.min_available.is_some() && spec.max_unavailable.is_some() {
        return Err(ctx.err(
            &Path::parse("spec.maxUnavailable"),
            Problem::new("minAvailable and maxUnavailable cannot be both set"),
        ));
    }
    let ip = |field: &str, v: &Option<IntOrString>| {
        v.as_ref().map(|v| int_or_percent(ctx, field, v)).transpose()
    };
    let min_available = ip("spec.minAvailable", &spec.min_available)?;
    let max_unavailable = ip("spec.maxUnavailable", &spec.max_unavailable)?;
    for (field, v) in
        [("spec.minAvailable", min_available), ("spec.maxUnavailable", max_unavailable)]
    {
        if matches!(v, Some(IntOrPercent::Percent(p)) if p > 100) {
            return Err(ctx.err(&Path::parse(field), Problem::new("must not be greater than 100%")));
        }
    }
    let unhealthy_pod_eviction_policy = match spec.unhealthy_pod_eviction_policy.as_deref() {
        None | Some("") | Some("IfHealthyBudget") => UnhealthyPodEvictionPolicy::IfHealthyBudget,
        Some("AlwaysAllow") => UnhealthyPodEvictionPolicy::AlwaysAllow,
        Some(other) => {
            let allowed = ["IfHealthyBudget", "AlwaysAllow"];
            return Err(ctx.err(
                &Path::parse("spec.unhealthyPodEvictionPolicy"),
                Problem::new(format!("unknown unhealthyPodEvictionPolicy `{other}`"))
                    .expected(one_of(&allowed))
                    .hint(did_you_mean(other, allowed)),
            ));
        }
    };
    let selector = spec
        .selector
        .as_ref()
        .map(|s| selector(ctx, &Path::parse("spec.selector"), s))
        .transpose()?;
    Ok(Pdb {
        meta,
        selector,
        min_available,
        max_unavailable,
        unhealthy_pod_eviction_policy,
        status: Default::default(),
    })
}

/// What a `kind: Node` manifest says about the node.
pub(crate) struct NodeManifest {
    pub meta: Meta,
    pub allocatable: Resources,
    pub capacity: Resources,
    pub unschedulable: bool,
    pub taints: Vec<kubesim_model::Taint>,
    pub images: Vec<String>,
    /// `status.images[].sizeBytes` per name, where given.
    pub image_sizes: Vec<(String, u64)>,
    /// `Some(status)` when the manifest's Ready condition is not True.
    pub not_ready: Option<String>,
}

/// A `kind: Node` manifest.
pub(crate) fn node(
    ctx: &Ctx<'_>,
    params: &Params,
    n: &core::Node,
) -> Result<NodeManifest, ScenarioError> {
    let meta = meta(ctx, &n.metadata, false)?;
    let status = n.status.clone().unwrap_or_default();
    let res = |field: &str, map: &BTreeMap<String, Quantity>| -> Result<Resources, ScenarioError> {
        let mut r = Resources::default();
        for (k, q) in map {
            let target = match k.as_str() {
                "cpu" => &mut r.cpu_milli,
                "memory" => &mut r.memory,
                "ephemeral-storage" => &mut r.ephemeral_storage,
                "pods" => &mut r.pods,
                _ => continue,
            };
            let parsed = if k == "cpu" {
                quantity::parse_millicpu(&q.0)
            } else {
                quantity::parse_value(&q.0)
            };
            *target = parsed.map_err(|e| {
                ctx.err(
                    &Path::parse(field).key(k),
                    Problem::new(format!("invalid {}", quantity_what(&e)))
                        .expected(QUANTITY_EXPECTED),
                )
            })?;
        }
        if r.pods == 0 {
            r.pods = params.max_pods;
        }
        Ok(r)
    };
    let (allocatable, capacity) = match (&status.allocatable, &status.capacity) {
        (Some(a), Some(c)) => (res("status.allocatable", a)?, res("status.capacity", c)?),
        (Some(a), None) => {
            let a = res("status.allocatable", a)?;
            (a, a)
        }
        (None, Some(c)) => {
            let c = res("status.capacity", c)?;
            (c, c)
        }
        (None, None) => {
            return Err(ctx.err(
                &Path::parse("status"),
                Problem::new("a Node needs `status.allocatable` (or `status.capacity`): kubesim must know its size"),
            ));
        }
    };
    let spec = n.spec.clone().unwrap_or_default();
    let mut taints = Vec::new();
    for (i, t) in spec.taints.iter().flatten().enumerate() {
        let p = Path::parse("spec.taints").index(i);
        taints.push(kubesim_model::Taint {
            key: t.key.clone(),
            value: t.value.clone().unwrap_or_default(),
            effect: effect(ctx, &p.key("effect"), &t.effect)?,
            time_added: t.time_added.as_ref().map(|_| SimTime(0)),
        });
    }
    let images =
        status.images.iter().flatten().flat_map(|i| i.names.iter().flatten().cloned()).collect();
    let image_sizes = status
        .images
        .iter()
        .flatten()
        .filter_map(|i| Some((i.names.as_ref()?, u64::try_from(i.size_bytes?).ok()?)))
        .flat_map(|(names, size)| names.iter().map(move |n| (n.clone(), size)))
        .collect();
    let not_ready = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .filter(|c| c.status != "True")
        .map(|c| c.status.clone());
    Ok(NodeManifest {
        meta,
        allocatable,
        capacity,
        unschedulable: spec.unschedulable.unwrap_or(false),
        taints,
        images,
        image_sizes,
        not_ready,
    })
}

/// `metadata.ownerReferences[controller=true]` of a manifest: (kind, name, uid).
pub(crate) fn controller_ref(m: &metav1::ObjectMeta) -> Option<(usize, &metav1::OwnerReference)> {
    m.owner_references.iter().flatten().enumerate().find(|(_, r)| r.controller == Some(true))
}

/// The model kind of an owner reference, if kubesim simulates that kind of controller.
pub(crate) fn owner_kind(r: &metav1::OwnerReference) -> Option<Kind> {
    match (r.api_version.as_str(), r.kind.as_str()) {
        ("apps/v1", "Deployment") => Some(Kind::Deployment),
        ("apps/v1", "ReplicaSet") => Some(Kind::ReplicaSet),
        ("apps/v1", "StatefulSet") => Some(Kind::StatefulSet),
        ("apps/v1", "DaemonSet") => Some(Kind::DaemonSet),
        _ => None,
    }
}

/// Labels → `k=v` strings, for suggestions.
pub(crate) fn label_pairs(l: &Labels) -> impl Iterator<Item = String> + '_ {
    l.iter().map(|(k, v)| format!("{k}={v}"))
}
