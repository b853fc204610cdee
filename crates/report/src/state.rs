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
//! [`crate::EPOCH`]. Quantities are formatted like kubectl (`500m`, `2`, `16Gi`); `pods` is a
//! plain integer. Fields kubesim does not simulate (IPs, `lastProbeTime`, image sizes, …) are
//! not invented.

use crate::ReportError;
use crate::timefmt::rfc3339;
use kubesim_engine::SimTime;
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::quantity::{QuantityFormat, ResourceFormats, format_quantity};
use kubesim_model::workload::{DeploymentStrategy, PodManagementPolicy};
use kubesim_model::{
    Cluster, CondStatus, Container, ContainerState, ContainerStatus, HookHandler, IntOrPercent,
    Kind, LabelSelector, Meta, Node, NodeSelectorTerm, Pdb, Pod, PodCondition, PodConditionType,
    PodSpec, PodTemplate, Probe, ProbeHandler, Requirement, Resources, TolerationOperator,
    UnhealthyPodEvictionPolicy, Workload, WorkloadSpec,
};
use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};
use std::collections::BTreeMap;
use std::io::Write;

// ---------------------------------------------------------------------------------------
// How the objects are written
//
// Every object is a view of the model (`NodeView(&node)`, …) that implements `Serialize`
// by handing its entries, keys in sorted order, straight to the serializer: no value tree
// is built per object. The serializer is serde-saphyr's own (`to_fmt_writer`), so scalars
// are quoted, escaped and folded exactly as `serde_saphyr::to_string` of a JSON value
// would (`"yes"`, `"1e3"`, `": "`, multi-line strings as block scalars, …); and the same
// views serialize to a `serde_json::Value` for the tests.
//
// A mapping's entries are written twice: once counted (an empty mapping is written `{}`,
// and serde-saphyr needs to know whether it is empty before the first key), then for real.
// Values are cheap views until serialized, so counting costs little.
// ---------------------------------------------------------------------------------------

/// A mapping's entries, written in sorted key order through [`Entries`].
trait Fields {
    fn fields<M: SerializeMap>(&self, m: &mut Entries<'_, M>) -> Result<(), M::Error>;
}

/// The entries of one mapping as they are written: checks that the keys come sorted (as
/// kubectl prints them), which every view below promises; a key out of order is an error,
/// not a silently different document.
struct Entries<'m, M> {
    map: &'m mut M,
    last: &'static str,
}

impl<M: SerializeMap> Entries<'_, M> {
    fn set<V: Serialize + ?Sized>(&mut self, key: &'static str, v: &V) -> Result<(), M::Error> {
        if key <= self.last {
            return Err(M::Error::custom(format!(
                "state.yaml: key `{key}` written after `{}` (a kubesim bug)",
                self.last
            )));
        }
        self.last = key;
        self.map.serialize_entry(key, v)
    }

    fn opt<V: Serialize>(&mut self, key: &'static str, v: Option<V>) -> Result<(), M::Error> {
        match v {
            Some(v) => self.set(key, &v),
            None => Ok(()),
        }
    }

    /// Sets `key` only if the mapping `v` has entries.
    fn map<F: Fields>(&mut self, key: &'static str, v: F) -> Result<(), M::Error> {
        if len(&v) == 0 { Ok(()) } else { self.set(key, &Map(v)) }
    }

    /// Sets `key` only if the string is not empty.
    fn str(&mut self, key: &'static str, v: &str) -> Result<(), M::Error> {
        if v.is_empty() { Ok(()) } else { self.set(key, v) }
    }

    /// Sets `key` to the sequence `items` only if it is not empty.
    fn seq<I>(&mut self, key: &'static str, items: I) -> Result<(), M::Error>
    where
        I: Iterator + Clone,
        I::Item: Serialize,
    {
        if items.clone().next().is_none() { Ok(()) } else { self.set(key, &Seq(items)) }
    }

    /// Sets `key` to the string map `m` only if it is not empty.
    fn strings(&mut self, key: &'static str, m: &BTreeMap<String, String>) -> Result<(), M::Error> {
        if m.is_empty() { Ok(()) } else { self.set(key, m) }
    }
}

/// The number of entries `f` writes.
fn len<F: Fields>(f: &F) -> usize {
    let mut count = Count(0);
    // Counting never fails; a key out of order is reported when the entries are written.
    let _ = f.fields(&mut Entries { map: &mut count, last: "" });
    count.0
}

/// A [`Fields`] as a mapping.
#[derive(Clone, Copy)]
struct Map<F>(F);

impl<F: Fields> Serialize for Map<F> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(len(&self.0)))?;
        self.0.fields(&mut Entries { map: &mut map, last: "" })?;
        map.end()
    }
}

/// An iterator as a sequence.
#[derive(Clone)]
struct Seq<I>(I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

/// Counts the entries of a mapping without serializing them.
struct Count(usize);

#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("counting entries")
    }
}

impl std::error::Error for Never {}

impl serde::ser::Error for Never {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Never
    }
}

impl SerializeMap for Count {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Never> {
        self.0 += 1;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_entry<K, V>(&mut self, _: &K, _: &V) -> Result<(), Never>
    where
        K: Serialize + ?Sized,
        V: Serialize + ?Sized,
    {
        self.0 += 1;
        Ok(())
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

/// Declares a view: a `Copy` tuple struct of references whose [`Fields`] are `body`, and
/// which serializes as that mapping.
macro_rules! view {
    ($(#[$doc:meta])* $name:ident<$lt:lifetime>($($f:ident: $t:ty),* $(,)?), |$m:ident| $body:block) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        struct $name<$lt>($($t),*);
        impl Fields for $name<'_> {
            #[allow(unused_variables)]
            fn fields<M: SerializeMap>(&self, $m: &mut Entries<'_, M>) -> Result<(), M::Error> {
                let $name($($f),*) = *self;
                $body
                Ok(())
            }
        }
        impl Serialize for $name<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Map(*self).serialize(s)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Scalars formatted when written
// ---------------------------------------------------------------------------------------

/// A time, as RFC 3339.
#[derive(Clone, Copy)]
struct Time(SimTime);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

/// A quantity of a resource list, in the form it was given ([`format_quantity`]: `10G` stays
/// `10G`, as the API server keeps a quantity's format). **The one place where state.yaml
/// formats quantities.**
#[derive(Clone, Copy)]
enum Quantity {
    /// An amount: CPU in millicores (`milli`), memory or storage in bytes, with its format.
    Amount { value: u64, milli: bool, format: QuantityFormat },
    /// A count (`pods`): kubectl prints `pods: "110"`, a quantity, so a string.
    Count(u64),
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Quantity::Amount { value, milli, format } => {
                s.serialize_str(&format_quantity(value, milli, format))
            }
            Quantity::Count(n) => s.serialize_str(&n.to_string()),
        }
    }
}

/// A port as written: a number stays a number, a name a string.
#[derive(Clone, Copy)]
struct Port<'a>(&'a str);

impl Serialize for Port<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<i64>() {
            Ok(n) => s.serialize_i64(n),
            Err(_) => s.serialize_str(self.0),
        }
    }
}

/// An `IntOrString` of a count or a percentage.
#[derive(Clone, Copy)]
struct IntOrPct(IntOrPercent);

impl Serialize for IntOrPct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            IntOrPercent::Int(i) => s.serialize_i64(i),
            IntOrPercent::Percent(_) => s.serialize_str(&self.0.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------------------

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

/// Writes `state.yaml` to `out` one batch of objects at a time: the bytes
/// `serde_saphyr::to_string` gives for the whole `List`, without holding the document.
///
/// The document's top-level keys are in sorted order (`apiVersion`, `items`, `kind`,
/// `metadata`); `items` is a block sequence at the top level's indentation, so a run of
/// items is serialized alone as a sequence (`- apiVersion: v1\n  kind: Node …`) and
/// written after the previous run. The items of a batch are rendered on the machine's cores
/// (each thread a contiguous run of them) and written in order, so the bytes do not depend
/// on the number of threads. An empty list is left to the serializer as a whole.
pub fn write_state_yaml<W: Write>(cluster: &Cluster, out: &mut W) -> Result<(), StateWriteError> {
    let items = state_items(cluster);
    if items.is_empty() {
        let yaml = serde_saphyr::to_string(&ListView(cluster, &items));
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

/// The items `part` as one YAML sequence (the same bytes as one sequence per item).
fn render_items(cluster: &Cluster, part: &[Item<'_>]) -> Result<String, String> {
    let mut text = String::with_capacity(part.len() * 1024);
    let views = Seq(part.iter().map(|&item| ItemView(cluster, item)));
    serde_saphyr::to_fmt_writer(&mut text, &views).map_err(|e| e.to_string())?;
    Ok(text)
}

/// The `List` of final objects, as a JSON value (what `state.yaml` serializes).
#[cfg(test)]
pub(crate) fn state_value(cluster: &Cluster) -> serde_json::Value {
    serde_json::to_value(ListView(cluster, &state_items(cluster))).expect("state as JSON")
}

view!(
    /// The `List` document.
    ListView<'c>(cluster: &'c Cluster, items: &'c [Item<'c>]),
    |m| {
        m.set("apiVersion", "v1")?;
        m.set("items", &Seq(items.iter().map(|&item| ItemView(cluster, item))))?;
        m.set("kind", "List")?;
        m.set("metadata", &ResourceVersion(""))?;
    }
);

view!(ResourceVersion<'a>(v: &'a str), |m| {
    m.set("resourceVersion", v)?;
});

/// One object of the `List`.
#[derive(Clone, Copy)]
enum Item<'c> {
    Node(&'c Node),
    Pod(&'c Pod),
    Workload(&'c Workload),
    Pdb(&'c Pdb),
}

/// One object as state.yaml shows it, as JSON (keys sorted), for `objects.jsonl`.
pub(crate) fn write_object_json<W: Write>(
    cluster: &Cluster,
    object: &kubesim_model::ObjectSnapshot,
    out: &mut W,
) -> serde_json::Result<()> {
    use kubesim_model::ObjectSnapshot;
    let item = match object {
        ObjectSnapshot::Pod(p) => Item::Pod(p),
        ObjectSnapshot::Node(n) => Item::Node(n),
        ObjectSnapshot::Workload(w) => Item::Workload(w),
        ObjectSnapshot::Pdb(p) => Item::Pdb(p),
    };
    serde_json::to_writer(out, &ItemView(cluster, item))
}

/// An object of the `List`, serialized.
#[derive(Clone, Copy)]
struct ItemView<'c>(&'c Cluster, Item<'c>);

impl Serialize for ItemView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            Item::Node(n) => NodeView(n).serialize(s),
            Item::Pod(p) => PodView(self.0, p).serialize(s),
            Item::Workload(w) => match &w.spec {
                WorkloadSpec::DaemonSet { max_unavailable, max_surge } => {
                    DaemonSetView(w, *max_unavailable, *max_surge).serialize(s)
                }
                _ => WorkloadView(w).serialize(s),
            },
            Item::Pdb(p) => PdbView(p).serialize(s),
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

// ---------------------------------------------------------------------------------------
// Metadata and shared pieces
// ---------------------------------------------------------------------------------------

view!(MetaView<'a>(m: &'a Meta), |e| {
    e.strings("annotations", &m.annotations)?;
    e.set("creationTimestamp", &Time(m.creation))?;
    if m.deletion.is_some() {
        e.opt("deletionGracePeriodSeconds", m.deletion_grace_seconds)?;
    }
    e.opt("deletionTimestamp", m.deletion.map(Time))?;
    if m.generation > 0 {
        e.set("generation", &m.generation)?;
    }
    e.strings("labels", &m.labels)?;
    e.set("name", m.name.as_str())?;
    e.str("namespace", &m.namespace)?;
    if m.owner.is_some() {
        e.set("ownerReferences", &[OwnerView(m)][..])?;
    }
    e.str("uid", &m.uid)?;
});

view!(OwnerView<'a>(m: &'a Meta), |e| {
    let Some(owner) = &m.owner else { return Ok(()) };
    e.set("apiVersion", owner.kind.api_version())?;
    e.set("blockOwnerDeletion", &true)?;
    e.set("controller", &true)?;
    e.set("kind", owner.kind.as_str())?;
    e.set("name", owner.name.as_str())?;
    e.set("uid", owner.uid.as_str())?;
});

/// `apiVersion`, `kind` and `metadata`: the entries every object starts with.
fn object_head<M: SerializeMap>(
    e: &mut Entries<'_, M>,
    kind: Kind,
    meta: &Meta,
) -> Result<(), M::Error> {
    e.set("apiVersion", kind.api_version())?;
    e.set("kind", kind.as_str())?;
    e.set("metadata", &MetaView(meta))
}

view!(
    /// A resource list (`requests`, `allocatable`, …), each amount in its format `f`; zero
    /// amounts are left out, and `pods` is listed only `with_pods`. Each amount is formatted
    /// by [`Quantity`].
    ResourceList<'a>(r: &'a Resources, f: &'a ResourceFormats, with_pods: bool),
    |e| {
        let amount = |value, milli, format| Quantity::Amount { value, milli, format };
        if r.cpu_milli > 0 {
            e.set("cpu", &amount(r.cpu_milli, true, f.cpu))?;
        }
        if r.ephemeral_storage > 0 {
            e.set("ephemeral-storage", &amount(r.ephemeral_storage, false, f.ephemeral_storage))?;
        }
        if r.memory > 0 {
            e.set("memory", &amount(r.memory, false, f.memory))?;
        }
        if with_pods && r.pods > 0 {
            e.set("pods", &Quantity::Count(r.pods))?;
        }
    }
);

view!(RequirementView<'a>(r: &'a Requirement), |e| {
    e.set("key", r.key.as_str())?;
    e.set("operator", r.operator.as_str())?;
    e.seq("values", r.values.iter())?;
});

view!(SelectorView<'a>(s: &'a LabelSelector), |e| {
    e.seq("matchExpressions", s.match_expressions.iter().map(RequirementView))?;
    e.strings("matchLabels", &s.match_labels)?;
});

view!(TermView<'a>(t: &'a NodeSelectorTerm), |e| {
    e.seq("matchExpressions", t.match_expressions.iter().map(RequirementView))?;
    e.seq("matchFields", t.match_fields.iter().map(RequirementView))?;
});

// ---------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------

view!(NodeView<'a>(n: &'a Node), |e| {
    object_head(e, Kind::Node, &n.meta)?;
    e.set("spec", &NodeSpecView(n))?;
    e.set("status", &NodeStatusView(n))?;
});

view!(NodeSpecView<'a>(n: &'a Node), |e| {
    e.seq("taints", n.taints.iter().map(TaintView))?;
    if n.unschedulable {
        e.set("unschedulable", &true)?;
    }
});

view!(TaintView<'a>(t: &'a kubesim_model::Taint), |e| {
    e.set("effect", t.effect.as_str())?;
    e.set("key", t.key.as_str())?;
    e.opt("timeAdded", t.time_added.map(Time))?;
    e.str("value", &t.value)?;
});

view!(NodeStatusView<'a>(n: &'a Node), |e| {
    // Node quantities keep kubectl's usual forms (their given format is not kept: see the
    // README, "Where kubesim simplifies").
    let f = ResourceFormats::default();
    e.set("allocatable", &ResourceList(&n.allocatable, &f, true))?;
    e.set("capacity", &ResourceList(&n.capacity, &f, true))?;
    e.set("conditions", &Seq(NODE_CONDITIONS.iter().map(|c| NodeConditionView(n, c))))?;
    e.seq("images", n.images.iter().map(|i| ImageView(i.as_str())))?;
});

view!(ImageView<'a>(name: &'a str), |e| {
    e.set("names", std::slice::from_ref(&name))?;
});

/// The node's conditions in `kubectl get node -o yaml` order: MemoryPressure, DiskPressure,
/// PIDPressure, Ready, with the kubelet's reason and message while the three pressure
/// conditions are False.
///
/// kubesim does not simulate resource pressure: the three pressure conditions are False
/// while the kubelet reports, and Unknown together with Ready when the node lifecycle
/// controller stops hearing from it (it sets the four at once); their transition time is
/// Ready's.
const NODE_CONDITIONS: [(&str, &str, &str); 4] = [
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "", ""),
];

view!(
    NodeConditionView<'a>(n: &'a Node, c: &'a (&'static str, &'static str, &'static str)),
    |e| {
        let (t, reason, message) = *c;
        let ready = &n.ready;
        let (status, reason, message) = if t == "Ready" {
            (ready.status.as_str(), ready.reason, ready.message)
        } else if ready.status == CondStatus::Unknown {
            ("Unknown", ready.reason, ready.message)
        } else {
            ("False", reason, message)
        };
        e.set("lastTransitionTime", &Time(ready.last_transition))?;
        if t == "Ready" {
            e.str("message", message)?;
            e.str("reason", reason)?;
        } else {
            e.set("message", message)?;
            e.set("reason", reason)?;
        }
        e.set("status", status)?;
        e.set("type", t)?;
    }
);

// ---------------------------------------------------------------------------------------
// Pods and their templates
// ---------------------------------------------------------------------------------------

view!(ProbeView<'a>(p: &'a Probe), |e| {
    if let ProbeHandler::Exec { command } = &p.handler {
        e.set("exec", &Map(CommandView(command)))?;
    }
    e.set("failureThreshold", &p.failure_threshold)?;
    if let ProbeHandler::Grpc { port, service } = &p.handler {
        e.set("grpc", &Map(GrpcView(port, service.as_deref())))?;
    }
    if let ProbeHandler::HttpGet { scheme, path, port, host } = &p.handler {
        e.set("httpGet", &Map(HttpGetView(host.as_deref(), path, Port(port), scheme)))?;
    }
    e.set("initialDelaySeconds", &p.initial_delay_seconds)?;
    e.set("periodSeconds", &p.period_seconds)?;
    e.set("successThreshold", &p.success_threshold)?;
    if let ProbeHandler::TcpSocket { port } = &p.handler {
        e.set("tcpSocket", &Map(PortView(Port(port))))?;
    }
    e.opt("terminationGracePeriodSeconds", p.termination_grace_period_seconds)?;
    e.set("timeoutSeconds", &p.timeout_seconds)?;
});

view!(CommandView<'a>(command: &'a [String]), |e| {
    e.set("command", command)?;
});

view!(GrpcView<'a>(port: &'a i32, service: Option<&'a str>), |e| {
    e.set("port", port)?;
    e.opt("service", service)?;
});

view!(
    /// `httpGet` of a probe (with an optional `host`) or a hook (without).
    HttpGetView<'a>(host: Option<&'a str>, path: &'a str, port: Port<'a>, scheme: &'a str),
    |e| {
        e.opt("host", host)?;
        e.set("path", path)?;
        e.set("port", &port)?;
        e.set("scheme", scheme)?;
    }
);

view!(PortView<'a>(port: Port<'a>), |e| {
    e.set("port", &port)?;
});

view!(SleepView<'a>(seconds: &'a u64), |e| {
    e.set("seconds", seconds)?;
});

view!(HookView<'a>(h: &'a HookHandler), |e| {
    match h {
        HookHandler::Exec { command } => e.set("exec", &Map(CommandView(command)))?,
        HookHandler::HttpGet { scheme, path, port } => {
            e.set("httpGet", &Map(HttpGetView(None, path, Port(port), scheme)))?
        }
        HookHandler::Sleep { seconds } => e.set("sleep", &Map(SleepView(seconds)))?,
        HookHandler::TcpSocket { port } => e.set("tcpSocket", &Map(PortView(Port(port))))?,
    }
});

view!(LifecycleView<'a>(c: &'a Container), |e| {
    e.opt("postStart", c.lifecycle.post_start.as_ref().map(HookView))?;
    e.opt("preStop", c.lifecycle.pre_stop.as_ref().map(HookView))?;
});

view!(ContainerResourcesView<'a>(c: &'a Container), |e| {
    e.map("limits", ResourceList(&c.limits, &c.limit_formats, false))?;
    e.map("requests", ResourceList(&c.requests, &c.request_formats, false))?;
});

view!(ContainerView<'a>(c: &'a Container), |e| {
    e.set("image", c.image.as_str())?;
    e.set("imagePullPolicy", c.image_pull_policy.as_str())?;
    e.map("lifecycle", LifecycleView(c))?;
    e.opt("livenessProbe", c.liveness_probe.as_ref().map(ProbeView))?;
    e.set("name", c.name.as_str())?;
    e.opt("readinessProbe", c.readiness_probe.as_ref().map(ProbeView))?;
    e.set("resources", &ContainerResourcesView(c))?;
    e.opt("restartPolicy", c.restart_policy.map(|p| p.as_str()))?;
    e.opt("startupProbe", c.startup_probe.as_ref().map(ProbeView))?;
});

fn inclusion(p: InclusionPolicy) -> &'static str {
    match p {
        InclusionPolicy::Honor => "Honor",
        InclusionPolicy::Ignore => "Ignore",
    }
}

view!(TolerationView<'a>(t: &'a kubesim_model::Toleration), |e| {
    let op = match t.operator {
        TolerationOperator::Equal => "Equal",
        TolerationOperator::Exists => "Exists",
    };
    e.opt("effect", t.effect.map(|x| x.as_str()))?;
    e.str("key", &t.key)?;
    e.set("operator", op)?;
    e.opt("tolerationSeconds", t.toleration_seconds)?;
    e.str("value", &t.value)?;
});

view!(PreferredView<'a>(p: &'a kubesim_model::PreferredTerm), |e| {
    e.set("preference", &TermView(&p.term))?;
    e.set("weight", &p.weight)?;
});

view!(RequiredView<'a>(terms: &'a [NodeSelectorTerm]), |e| {
    e.set("nodeSelectorTerms", &Seq(terms.iter().map(TermView)))?;
});

view!(NodeAffinityView<'a>(spec: &'a PodSpec), |e| {
    let na = &spec.node_affinity;
    e.seq("preferredDuringSchedulingIgnoredDuringExecution", na.preferred.iter().map(PreferredView))?;
    if let Some(terms) = &na.required {
        e.set("requiredDuringSchedulingIgnoredDuringExecution", &RequiredView(terms))?;
    }
});

view!(AffinityView<'a>(spec: &'a PodSpec), |e| {
    e.map("nodeAffinity", NodeAffinityView(spec))?;
});

view!(SpreadView<'a>(c: &'a kubesim_model::TopologySpreadConstraint), |e| {
    let when = match c.when_unsatisfiable {
        WhenUnsatisfiable::DoNotSchedule => "DoNotSchedule",
        WhenUnsatisfiable::ScheduleAnyway => "ScheduleAnyway",
    };
    e.opt("labelSelector", c.label_selector.as_ref().map(SelectorView))?;
    e.seq("matchLabelKeys", c.match_label_keys.iter())?;
    e.set("maxSkew", &c.max_skew)?;
    e.opt("minDomains", c.min_domains)?;
    e.opt("nodeAffinityPolicy", c.node_affinity_policy.map(inclusion))?;
    e.opt("nodeTaintsPolicy", c.node_taints_policy.map(inclusion))?;
    e.set("topologyKey", c.topology_key.as_str())?;
    e.set("whenUnsatisfiable", when)?;
});

view!(GateView<'a>(condition_type: &'a str), |e| {
    e.set("conditionType", condition_type)?;
});

view!(EmptyDirVolumeView<'a>(name: &'a str), |e| {
    e.set("emptyDir", &Map(Empty(&())))?;
    e.set("name", name)?;
});

view!(
    /// `{}`.
    Empty<'a>(_unit: &'a ()),
    |e| {}
);

view!(EphemeralView<'a>(c: &'a kubesim_model::EphemeralContainer), |e| {
    e.set("image", c.container.image.as_str())?;
    e.set("imagePullPolicy", c.container.image_pull_policy.as_str())?;
    e.set("name", c.container.name.as_str())?;
    e.opt("targetContainerName", c.target.as_deref())?;
});

view!(
    /// The pod spec; `node_name` is None and `ephemeral` empty for templates.
    PodSpecView<'a>(
        spec: &'a PodSpec,
        node_name: Option<&'a str>,
        ephemeral: &'a [kubesim_model::EphemeralContainer],
    ),
    |e| {
        e.map("affinity", AffinityView(spec))?;
        e.set("containers", &Seq(spec.containers.iter().map(ContainerView)))?;
        e.seq("ephemeralContainers", ephemeral.iter().map(EphemeralView))?;
        e.seq("initContainers", spec.init_containers.iter().map(ContainerView))?;
        e.opt("nodeName", node_name)?;
        e.strings("nodeSelector", &spec.node_selector)?;
        e.set("priority", &spec.priority)?;
        e.opt("priorityClassName", spec.priority_class_name.as_deref())?;
        e.seq("readinessGates", spec.readiness_gates.iter().map(|g| GateView(g)))?;
        e.set("restartPolicy", spec.restart_policy.as_str())?;
        e.str("schedulerName", &spec.scheduler_name)?;
        e.set("terminationGracePeriodSeconds", &spec.termination_grace_period_seconds)?;
        e.seq("tolerations", spec.tolerations.iter().map(TolerationView))?;
        e.seq("topologySpreadConstraints", spec.topology_spread_constraints.iter().map(SpreadView))?;
        e.seq("volumes", spec.empty_dir_volumes.iter().map(|v| EmptyDirVolumeView(v)))?;
    }
);

view!(ContainerStateView<'a>(s: &'a ContainerState), |e| {
    match s {
        ContainerState::Running { started_at } => {
            e.set("running", &Map(StartedAtView(started_at)))?;
        }
        ContainerState::Terminated { .. } => e.set("terminated", &Map(TerminatedView(s)))?,
        ContainerState::Waiting { reason, message } => {
            e.set("waiting", &Map(WaitingView(reason, message)))?;
        }
    }
});

view!(StartedAtView<'a>(t: &'a SimTime), |e| {
    e.set("startedAt", &Time(*t))?;
});

view!(WaitingView<'a>(reason: &'a str, message: &'a str), |e| {
    e.str("message", message)?;
    e.str("reason", reason)?;
});

view!(TerminatedView<'a>(s: &'a ContainerState), |e| {
    let ContainerState::Terminated { reason, exit_code, started_at, finished_at } = s else {
        return Ok(());
    };
    e.set("exitCode", exit_code)?;
    e.set("finishedAt", &Time(*finished_at))?;
    e.str("reason", reason)?;
    e.set("startedAt", &Time(*started_at))?;
});

view!(PodConditionView<'a>(t: &'a str, c: &'a PodCondition), |e| {
    e.set("lastTransitionTime", &Time(c.last_transition))?;
    e.str("message", &c.message)?;
    e.str("reason", &c.reason)?;
    e.set("status", c.status.as_str())?;
    e.set("type", t)?;
});

view!(ContainerStatusView<'a>(s: &'a ContainerStatus), |e| {
    e.set("image", s.image.as_str())?;
    e.opt("lastState", s.last_state.as_ref().map(ContainerStateView))?;
    e.set("name", s.name.as_str())?;
    e.set("ready", &s.ready)?;
    e.set("restartCount", &s.restart_count)?;
    e.set("started", &s.started)?;
    e.set("state", &ContainerStateView(&s.state))?;
});

view!(PodStatusView<'a>(cluster: &'a Cluster, p: &'a Pod), |e| {
    let st = &p.status;
    let standard = PodConditionType::ALL
        .iter()
        .filter_map(|&t| Some(PodConditionView(t.as_str(), st.condition(t)?)));
    let custom = st.custom_conditions.iter().map(|(t, c)| PodConditionView(t, c));
    e.seq("conditions", standard.chain(custom))?;
    e.seq("containerStatuses", st.container_statuses.iter().map(ContainerStatusView))?;
    e.seq(
        "ephemeralContainerStatuses",
        st.ephemeral_container_statuses.iter().map(ContainerStatusView),
    )?;
    e.seq("initContainerStatuses", st.init_container_statuses.iter().map(ContainerStatusView))?;
    e.opt("message", st.message.as_deref())?;
    e.opt(
        "nominatedNodeName",
        st.nominated_node.map(|n| cluster.nodes[n.index()].meta.name.as_str()),
    )?;
    e.set("phase", st.phase.as_str())?;
    e.opt("reason", st.reason.as_deref())?;
    e.opt("startTime", st.start_time.map(Time))?;
});

view!(PodView<'a>(cluster: &'a Cluster, p: &'a Pod), |e| {
    let node_name = p.node.map(|n| cluster.nodes[n.index()].meta.name.as_str());
    object_head(e, Kind::Pod, &p.meta)?;
    e.set("spec", &PodSpecView(&p.spec, node_name, &p.ephemeral_containers))?;
    e.set("status", &PodStatusView(cluster, p))?;
});

view!(TemplateMetaView<'a>(t: &'a PodTemplate), |e| {
    e.strings("annotations", &t.annotations)?;
    e.strings("labels", &t.labels)?;
});

view!(TemplateView<'a>(t: &'a PodTemplate), |e| {
    e.set("metadata", &TemplateMetaView(t))?;
    e.set("spec", &PodSpecView(&t.spec, None, &[]))?;
});

// ---------------------------------------------------------------------------------------
// Workloads and PDBs
// ---------------------------------------------------------------------------------------

view!(
    /// `rollingUpdate` of a Deployment's `strategy` or a DaemonSet's `updateStrategy`.
    RollingUpdateView<'a>(max_surge: &'a IntOrPercent, max_unavailable: &'a IntOrPercent),
    |e| {
        e.set("maxSurge", &IntOrPct(*max_surge))?;
        e.set("maxUnavailable", &IntOrPct(*max_unavailable))?;
    }
);

view!(StrategyView<'a>(s: &'a DeploymentStrategy), |e| {
    match s {
        DeploymentStrategy::RollingUpdate { max_surge, max_unavailable } => {
            e.set("rollingUpdate", &RollingUpdateView(max_surge, max_unavailable))?;
            e.set("type", "RollingUpdate")?;
        }
        DeploymentStrategy::Recreate => e.set("type", "Recreate")?,
    }
});

view!(WorkloadSpecView<'a>(w: &'a Workload), |e| {
    if w.min_ready_seconds > 0 {
        e.set("minReadySeconds", &w.min_ready_seconds)?;
    }
    if let WorkloadSpec::StatefulSet { pod_management_policy, .. } = &w.spec {
        let policy = match pod_management_policy {
            PodManagementPolicy::OrderedReady => "OrderedReady",
            PodManagementPolicy::Parallel => "Parallel",
        };
        e.set("podManagementPolicy", policy)?;
    }
    if let WorkloadSpec::Deployment { progress_deadline_seconds, .. } = &w.spec {
        // The API server stores `math.MaxInt32` for "no deadline".
        e.set("progressDeadlineSeconds", &progress_deadline_seconds.unwrap_or(i32::MAX as u64))?;
    }
    e.set("replicas", &w.replicas)?;
    e.set("selector", &SelectorView(&w.selector))?;
    if let WorkloadSpec::StatefulSet { service_name, .. } = &w.spec {
        e.str("serviceName", service_name)?;
    }
    if let WorkloadSpec::Deployment { strategy, .. } = &w.spec {
        e.set("strategy", &StrategyView(strategy))?;
    }
    e.set("template", &TemplateView(&w.template))?;
});

view!(ProgressingView<'a>(c: &'a kubesim_model::DeploymentCondition), |e| {
    e.set("lastTransitionTime", &Time(c.last_transition))?;
    e.set("lastUpdateTime", &Time(c.last_update))?;
    e.set("message", c.message.as_str())?;
    e.set("reason", c.reason)?;
    e.set("status", c.status.as_str())?;
    e.set("type", "Progressing")?;
});

view!(WorkloadStatusView<'a>(w: &'a Workload), |e| {
    let s = &w.status;
    // ReplicaSet and StatefulSet status always carry `replicas`; the rest is omitted when
    // zero, as the API does.
    if s.available_replicas > 0 {
        e.set("availableReplicas", &s.available_replicas)?;
    }
    if let Some(c) = &w.progressing {
        e.set("conditions", &[ProgressingView(c)][..])?;
    }
    if s.ready_replicas > 0 {
        e.set("readyReplicas", &s.ready_replicas)?;
    }
    if s.replicas > 0 || w.kind != Kind::Deployment {
        e.set("replicas", &s.replicas)?;
    }
    if w.kind == Kind::Deployment && s.updated_replicas > 0 {
        e.set("updatedReplicas", &s.updated_replicas)?;
    }
});

view!(
    /// A Deployment, ReplicaSet or StatefulSet.
    WorkloadView<'a>(w: &'a Workload),
    |e| {
        object_head(e, w.kind, &w.meta)?;
        e.set("spec", &WorkloadSpecView(w))?;
        e.set("status", &WorkloadStatusView(w))?;
    }
);

view!(UpdateStrategyView<'a>(max_unavailable: &'a IntOrPercent, max_surge: &'a IntOrPercent), |e| {
    e.set("rollingUpdate", &RollingUpdateView(max_surge, max_unavailable))?;
    e.set("type", "RollingUpdate")?;
});

view!(
    DaemonSetSpecView<'a>(w: &'a Workload, max_unavailable: &'a IntOrPercent, max_surge: &'a IntOrPercent),
    |e| {
        if w.min_ready_seconds > 0 {
            e.set("minReadySeconds", &w.min_ready_seconds)?;
        }
        e.set("selector", &SelectorView(&w.selector))?;
        e.set("template", &TemplateView(&w.template))?;
        e.set("updateStrategy", &UpdateStrategyView(max_unavailable, max_surge))?;
    }
);

view!(DaemonSetStatusView<'a>(w: &'a Workload), |e| {
    let s = &w.status;
    e.set("currentNumberScheduled", &s.replicas)?;
    e.set("desiredNumberScheduled", &w.replicas)?;
    if s.available_replicas > 0 {
        e.set("numberAvailable", &s.available_replicas)?;
    }
    e.set("numberMisscheduled", &0)?;
    e.set("numberReady", &s.ready_replicas)?;
    if s.updated_replicas > 0 {
        e.set("updatedNumberScheduled", &s.updated_replicas)?;
    }
});

/// A DaemonSet: no `replicas` in its spec; the status counts nodes (`desiredNumberScheduled`
/// is kept in [`Workload::replicas`]).
#[derive(Clone, Copy)]
struct DaemonSetView<'a>(&'a Workload, IntOrPercent, IntOrPercent);

impl Fields for DaemonSetView<'_> {
    fn fields<M: SerializeMap>(&self, e: &mut Entries<'_, M>) -> Result<(), M::Error> {
        let DaemonSetView(w, max_unavailable, max_surge) = self;
        object_head(e, w.kind, &w.meta)?;
        e.set("spec", &DaemonSetSpecView(w, max_unavailable, max_surge))?;
        e.set("status", &DaemonSetStatusView(w))
    }
}

impl Serialize for DaemonSetView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Map(*self).serialize(s)
    }
}

view!(PdbSpecView<'a>(p: &'a Pdb), |e| {
    let policy = match p.unhealthy_pod_eviction_policy {
        UnhealthyPodEvictionPolicy::IfHealthyBudget => "IfHealthyBudget",
        UnhealthyPodEvictionPolicy::AlwaysAllow => "AlwaysAllow",
    };
    e.opt("maxUnavailable", p.max_unavailable.map(IntOrPct))?;
    e.opt("minAvailable", p.min_available.map(IntOrPct))?;
    e.opt("selector", p.selector.as_ref().map(SelectorView))?;
    e.set("unhealthyPodEvictionPolicy", policy)?;
});

view!(PdbConditionView<'a>(c: &'a kubesim_model::DisruptionAllowedCondition), |e| {
    e.set("lastTransitionTime", &Time(c.last_transition))?;
    e.set("message", c.message.as_str())?;
    e.set("observedGeneration", &c.observed_generation)?;
    e.set("reason", c.reason)?;
    e.set("status", c.status.as_str())?;
    e.set("type", "DisruptionAllowed")?;
});

/// `disruptedPods`: pod name → when the eviction was admitted.
#[derive(Clone, Copy)]
struct DisruptedView<'a>(&'a BTreeMap<String, SimTime>);

impl Serialize for DisruptedView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, &v)| (k, Time(v))))
    }
}

view!(PdbStatusView<'a>(p: &'a Pdb), |e| {
    let st = &p.status;
    if st.observed_generation == 0 {
        return Ok(());
    }
    e.seq("conditions", st.condition.iter().map(PdbConditionView))?;
    e.set("currentHealthy", &st.current_healthy)?;
    e.set("desiredHealthy", &st.desired_healthy)?;
    if !st.disrupted_pods.is_empty() {
        e.set("disruptedPods", &DisruptedView(&st.disrupted_pods))?;
    }
    e.set("disruptionsAllowed", &st.disruptions_allowed)?;
    e.set("expectedPods", &st.expected_pods)?;
    e.set("observedGeneration", &st.observed_generation)?;
});

view!(PdbView<'a>(p: &'a Pdb), |e| {
    object_head(e, Kind::PodDisruptionBudget, &p.meta)?;
    e.set("spec", &PdbSpecView(p))?;
    e.set("status", &PdbStatusView(p))?;
});
