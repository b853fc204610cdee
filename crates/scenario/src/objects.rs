//! Kubernetes manifests: finding them (documents, `kind: List`) and reading each through its
//! `k8s-openapi` type with serde-saphyr; `manifest.rs` converts them to model structs.
//!
//! Manifests are read in two passes. Pass 1 ([`Loose`], read along with the file that holds
//! them) reads only `apiVersion`, `kind`, `metadata.name`/`namespace` and `items`, to know the
//! type of each manifest ([`collect`]). Pass 2 ([`read_all`]) reads each file again, every
//! manifest as its concrete k8s-openapi type: a [`Plan`] says which entry of the file is which
//! type. Fields that k8s-openapi ignores are collected with `serde_ignored` and rejected, as
//! `kubectl`'s strict field validation does, except under `status` and `metadata.managedFields`,
//! which a dump from a newer Kubernetes may fill with fields this version does not know.
//! `build.rs` runs pass 2 in two rounds: every kind but pods ([`read_all`], kept until
//! converted), then the pods ([`read_each`], each handed to its conversion as soon as it is
//! read, so a dump's pods never all exist as k8s-openapi objects at once).

use crate::error::{Problem, ScenarioError, did_you_mean, one_of};
use crate::read::{self, Failure};
use crate::source::Source;
use crate::yaml::{Node, Path, Seg};
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::scheduling::v1 as scheduling;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::fmt;

/// The kinds kubesim reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManifestKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    Pod,
    Node,
    PodDisruptionBudget,
    PriorityClass,
    DaemonSet,
}

const SUPPORTED: [(ManifestKind, &str, &str); 8] = [
    (ManifestKind::Deployment, "apps/v1", "Deployment"),
    (ManifestKind::ReplicaSet, "apps/v1", "ReplicaSet"),
    (ManifestKind::StatefulSet, "apps/v1", "StatefulSet"),
    (ManifestKind::Pod, "v1", "Pod"),
    (ManifestKind::Node, "v1", "Node"),
    (ManifestKind::PodDisruptionBudget, "policy/v1", "PodDisruptionBudget"),
    (ManifestKind::PriorityClass, "scheduling.k8s.io/v1", "PriorityClass"),
    (ManifestKind::DaemonSet, "apps/v1", "DaemonSet"),
];

impl ManifestKind {
    fn namespaced(self) -> bool {
        !matches!(self, Self::Node | Self::PriorityClass)
    }
}

// ----- pass 1 ---------------------------------------------------------------------------------

/// Pass 1's view of a value: of a `workloads` entry, a document or a list item, and of the few
/// fields pass 1 reads. Whatever is written, it reads (errors are reported by [`collect`],
/// which knows their place and what was expected).
#[derive(Debug, Clone)]
pub(crate) enum Loose {
    /// A non-null scalar, as text.
    Text(String),
    Null,
    List(Vec<Loose>),
    Map(Box<Head>),
}

/// What pass 1 reads of a mapping: a manifest, its `metadata`, or an `include:` entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Head {
    pub include: Option<Loose>,
    pub api_version: Option<Loose>,
    pub kind: Option<Loose>,
    pub metadata: Option<Loose>,
    pub name: Option<Loose>,
    pub namespace: Option<Loose>,
    pub items: Option<Loose>,
    /// The first key other than `include`, in file order.
    pub other_key: Option<String>,
}

impl Loose {
    /// The text of a non-null scalar.
    pub fn text(&self) -> Option<&str> {
        match self {
            Loose::Text(t) => Some(t),
            _ => None,
        }
    }

    fn head(&self) -> Option<&Head> {
        match self {
            Loose::Map(h) => Some(h),
            _ => None,
        }
    }

    /// `metadata.<key>`, if it is text.
    fn meta(&self, key: &str) -> Option<&str> {
        let m = self.head()?.metadata.as_ref()?.head()?;
        match key {
            "name" => m.name.as_ref()?.text(),
            _ => m.namespace.as_ref()?.text(),
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Loose::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        let mut h = Head::default();
        while let Some(key) = map.next_key::<String>()? {
            if key != "include" && h.other_key.is_none() {
                h.other_key = Some(key.clone());
            }
            let slot = match key.as_str() {
                "include" => &mut h.include,
                "apiVersion" => &mut h.api_version,
                "kind" => &mut h.kind,
                "metadata" => &mut h.metadata,
                "name" => &mut h.name,
                "namespace" => &mut h.namespace,
                "items" => &mut h.items,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(Loose::Map(Box::new(h)))
    }
}

/// Consumes the rest of a list.
fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// What pass 2 does with an entry: skip it, read manifest number `n`, or, in a mapping, read
/// the list under a key (a `kind: List`'s `items`, the scenario file's `workloads`).
#[derive(Debug)]
pub(crate) enum Plan {
    Skip,
    Manifest(usize),
    Under(&'static str, Vec<Plan>),
}

/// One manifest of a kind kubesim reads, found in the scenario or an included file.
pub(crate) struct Manifest<'a> {
    pub src: &'a Source,
    /// The manifest's root in the position index.
    pub node: Node,
    pub kind: ManifestKind,
    /// `deployment/web`, `prod/deployment/web`, or `Deployment without a name`.
    pub object: String,
}

/// How an object is named in messages: `kind/name`, with `namespace/` in front outside
/// `default` (the form behaviour keys accept too).
pub(crate) fn object_ref(kind: &str, namespace: &str, name: &str) -> String {
    // The one order kubesim prints (outputs, errors, notes): `kind/namespace/name`, as
    // `kubesim_model::trace::workload_ref`; references accept it and `namespace/kind/name`.
    let kind = kind.to_lowercase();
    if namespace.is_empty() || namespace == "default" {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{namespace}/{name}")
    }
}

/// Pass 1: finds the manifests in `entry` (a document, or an item of a list, at `node` in
/// `src`), expanding `kind: List` (and typed lists such as `PodList`, whose items may omit
/// `kind`). Objects of other kinds are skipped with a note. `origin` names the place for
/// messages (`manifests/web.yaml`, `manifests/web.yaml: document 2`,
/// `scenario.yaml: workloads[3]`, `items[0] of manifests/list.yaml`). Returns what pass 2 must
/// do with the entry.
pub(crate) fn collect<'a>(
    src: &'a Source,
    node: Node,
    entry: &Loose,
    origin: &str,
    inherited: Option<(&str, &str)>,
    out: &mut Vec<Manifest<'a>>,
    notes: &mut Vec<String>,
) -> Result<Plan, ScenarioError> {
    let here = |p: Problem| src.at(node, &Path::root(), None, p);
    let h = match entry {
        Loose::Null => return Ok(Plan::Skip),
        Loose::Map(h) => h,
        _ => {
            return Err(here(
                Problem::new(format!("{origin} is not a Kubernetes object"))
                    .expected("a mapping with `apiVersion`, `kind` and `metadata`"),
            ));
        }
    };
    let field = |name: &str, v: &Option<Loose>| -> Result<Option<String>, ScenarioError> {
        match v {
            None => Ok(None),
            Some(v) => v.text().map(|t| Some(t.to_string())).ok_or_else(|| {
                src.at(
                    node,
                    &Path::root().key(name),
                    None,
                    Problem::new(format!("`{name}` must be a string")),
                )
            }),
        }
    };
    let kind = field("kind", &h.kind)?.or(inherited.map(|i| i.1.to_string()));
    let api_version = field("apiVersion", &h.api_version)?.or(inherited.map(|i| i.0.to_string()));
    let Some(kind) = kind else {
        return Err(here(
            Problem::new(format!("{origin} has no `kind`"))
                .expected("a Kubernetes object with `apiVersion` and `kind`"),
        ));
    };
    let (name, namespace) = (entry.meta("name"), entry.meta("namespace"));

    if let Some(list_kind) = kind.strip_suffix("List")
        && let Some(items) = &h.items
    {
        let Loose::List(items) = items else {
            return Err(src.at(
                node,
                &Path::root().key("items"),
                None,
                Problem::new("`items` must be a list"),
            ));
        };
        let item_type =
            (!list_kind.is_empty()).then(|| (api_version.as_deref().unwrap_or("v1"), list_kind));
        let mut plans = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let origin = format!("items[{i}] of {origin}");
            let item_node = src.item_node(node, i).unwrap_or(node);
            plans.push(collect(src, item_node, item, &origin, item_type, out, notes)?);
        }
        return Ok(Plan::Under("items", plans));
    }

    let supported = SUPPORTED.iter().find(|(_, _, k)| *k == kind);
    let Some(&(mk, want_version, _)) = supported else {
        // A near miss of a supported kind in the same API group is a typo, not another kind.
        let same_group = SUPPORTED
            .iter()
            .filter(|(_, v, _)| Some(*v) == api_version.as_deref())
            .map(|(_, _, k)| *k);
        if let Some(hint) = did_you_mean(&kind, same_group) {
            return Err(src.at(
                node,
                &Path::root().key("kind"),
                None,
                Problem::new(format!("unknown kind `{kind}`")).hint(Some(hint)),
            ));
        }
        let what = name.map_or_else(String::new, |n| format!(" `{n}`"));
        notes.push(format!("{origin}: skipped {kind}{what} (kind not simulated)"));
        return Ok(Plan::Skip);
    };
    let object = match name {
        Some(n) => object_ref(&kind, if mk.namespaced() { namespace.unwrap_or("") } else { "" }, n),
        None => format!("{kind} without a name"),
    };
    match api_version.as_deref() {
        Some(v) if v == want_version => {}
        Some(v) => {
            return Err(src.at(
                node,
                &Path::root().key("apiVersion"),
                Some(&object),
                Problem::new(format!("unsupported apiVersion `{v}` for {kind}"))
                    .expected(format!("`{want_version}`")),
            ));
        }
        None => {
            return Err(src.at(
                node,
                &Path::root(),
                Some(&object),
                Problem::new("missing field `apiVersion`").expected(format!("`{want_version}`")),
            ));
        }
    }
    out.push(Manifest { src, node, kind: mk, object });
    Ok(Plan::Manifest(out.len() - 1))
}

// ----- pass 2 ---------------------------------------------------------------------------------

/// A manifest read through its k8s-openapi type.
pub(crate) enum Typed {
    Deployment(Box<apps::Deployment>),
    ReplicaSet(Box<apps::ReplicaSet>),
    StatefulSet(Box<apps::StatefulSet>),
    Pod(Box<core::Pod>),
    Node(Box<core::Node>),
    PodDisruptionBudget(Box<policy::PodDisruptionBudget>),
    PriorityClass(Box<scheduling::PriorityClass>),
    DaemonSet(Box<apps::DaemonSet>),
}

/// A YAML document that holds manifests, and what pass 2 does with it.
pub(crate) struct TypedDoc<'a> {
    pub src: &'a Source,
    /// The document's text in `src.text` (the whole file for the scenario).
    pub bytes: std::ops::Range<usize>,
    /// Lines of `src.text` before `bytes`.
    pub line_shift: usize,
    /// The document's root in the position index.
    pub root: Node,
    pub plan: Plan,
}

/// Why pass 2 stopped in a manifest.
enum Stop {
    /// serde-saphyr's error, with the path from the manifest's root.
    Typing(Path, bool),
    /// A field the k8s-openapi type does not have.
    UnknownField(Path),
}

/// Hands each manifest of a round of pass 2 to its conversion as soon as it is read; an
/// `Err` stops the round.
pub(crate) type Sink<'s> = dyn FnMut(usize, Typed) -> Result<(), ScenarioError> + 's;

/// What the seeds of pass 2 fill in.
struct State<'s> {
    kinds: Vec<ManifestKind>,
    /// Whether this round reads manifests of a kind (the others are skipped).
    wanted: fn(ManifestKind) -> bool,
    /// Where read manifests go: kept in `typed`, or handed to a conversion one by one.
    sink: Option<&'s mut Sink<'s>>,
    typed: Vec<Option<Typed>>,
    stop: Option<(usize, Stop)>,
    /// The error the sink returned, with the manifest's number.
    sunk: Option<(usize, ScenarioError)>,
}

/// Pass 2 for the manifests of the kinds `wanted` accepts (the others are skipped, and
/// documents without any of them are not read at all): every one is read as its concrete
/// type, and returned in a vector indexed like `manifests` (`None` for the others). The error,
/// if any, is that of the first manifest (in the order of `manifests`) that cannot be read.
pub(crate) fn read_all(
    docs: &[TypedDoc<'_>],
    manifests: &[Manifest<'_>],
    wanted: fn(ManifestKind) -> bool,
) -> Result<Vec<Option<Typed>>, ScenarioError> {
    let state = run_rounds(docs, manifests, wanted, None)?;
    Ok(state.typed)
}

/// Pass 2 for the manifests of the kinds `wanted` accepts, handing each to `sink` as soon as
/// it is read, so none outlives its conversion (a dump's pods are never all held as
/// k8s-openapi objects at once). Stops at the first error: of reading, or of `sink`.
pub(crate) fn read_each<'s>(
    docs: &[TypedDoc<'_>],
    manifests: &[Manifest<'_>],
    wanted: fn(ManifestKind) -> bool,
    sink: &'s mut Sink<'s>,
) -> Result<(), ScenarioError> {
    run_rounds(docs, manifests, wanted, Some(sink)).map(drop)
}

fn run_rounds<'s>(
    docs: &[TypedDoc<'_>],
    manifests: &[Manifest<'_>],
    wanted: fn(ManifestKind) -> bool,
    sink: Option<&'s mut Sink<'s>>,
) -> Result<State<'s>, ScenarioError> {
    let streaming = sink.is_some();
    let state = RefCell::new(State {
        kinds: manifests.iter().map(|m| m.kind).collect(),
        wanted,
        sink,
        typed: std::iter::repeat_with(|| None).take(manifests.len()).collect(),
        stop: None,
        sunk: None,
    });
    let mut first: Option<(usize, ScenarioError)> = None;
    for doc in docs {
        if !plan_wants(&doc.plan, manifests, wanted) {
            continue;
        }
        let text = doc.src.text.get(doc.bytes.clone()).unwrap_or_default();
        let r = read::read_seed(text, PlanSeed { plan: &doc.plan, state: &state });
        let Err(error) = r else { continue };
        if let Some(sunk) = state.borrow_mut().sunk.take() {
            return Err(sunk.1);
        }
        let stop = state.borrow_mut().stop.take();
        let (n, e) = match stop {
            Some((n, Stop::UnknownField(path))) => (n, unknown_field(&manifests[n], &path)),
            Some((n, Stop::Typing(path, in_key))) => {
                let m = &manifests[n];
                let f = Failure { error, path, in_key };
                (n, read::error(m.src, m.node, f, doc.line_shift, Some(&m.object)))
            }
            None => {
                let f = Failure { error, path: Path::root(), in_key: false };
                (0, read::error(doc.src, doc.root, f, doc.line_shift, None))
            }
        };
        if streaming {
            // What was read before it has been converted already: stop here.
            return Err(e);
        }
        if first.as_ref().is_none_or(|(f, _)| n < *f) {
            first = Some((n, e));
        }
    }
    if let Some((_, e)) = first {
        return Err(e);
    }
    let state = state.into_inner();
    if !streaming {
        for (n, m) in manifests.iter().enumerate() {
            if wanted(m.kind) && state.typed[n].is_none() {
                let p = Problem::new("internal error: the manifest was not read");
                return Err(m.src.at(m.node, &Path::root(), Some(&m.object), p));
            }
        }
    }
    Ok(state)
}

/// Whether `plan` reads a manifest of a kind `wanted` accepts.
fn plan_wants(plan: &Plan, manifests: &[Manifest<'_>], wanted: fn(ManifestKind) -> bool) -> bool {
    match plan {
        Plan::Skip => false,
        Plan::Manifest(n) => wanted(manifests[*n].kind),
        Plan::Under(_, plans) => plans.iter().any(|p| plan_wants(p, manifests, wanted)),
    }
}

/// A mapping whose `key` holds a list of entries with `plans`; other keys are skipped.
struct MapOf<'p, 's> {
    key: &'static str,
    plans: &'p [Plan],
    state: &'p RefCell<State<'s>>,
}

impl<'de> Visitor<'de> for MapOf<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a mapping with `{}`", self.key)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.key {
                map.next_value_seed(ListSeed { plans: self.plans, state: self.state })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A list of entries with `plans`.
struct ListSeed<'p, 's> {
    plans: &'p [Plan],
    state: &'p RefCell<State<'s>>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for plan in self.plans {
            if seq.next_element_seed(PlanSeed { plan, state: self.state })?.is_none() {
                return Ok(());
            }
        }
        skip_seq(seq)
    }
}

/// One entry, read as its plan says.
struct PlanSeed<'p, 's> {
    plan: &'p Plan,
    state: &'p RefCell<State<'s>>,
}

impl<'de> DeserializeSeed<'de> for PlanSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.plan {
            Plan::Skip => IgnoredAny::deserialize(d).map(|_| ()),
            Plan::Under(key, plans) => d.deserialize_map(MapOf { key, plans, state: self.state }),
            Plan::Manifest(n) => {
                let kind = self.state.borrow().kinds[*n];
                if !(self.state.borrow().wanted)(kind) {
                    return IgnoredAny::deserialize(d).map(|_| ());
                }
                let typed = typed(kind, d, *n, self.state)?;
                let mut state = self.state.borrow_mut();
                match state.sink.as_mut() {
                    None => state.typed[*n] = Some(typed),
                    Some(sink) => {
                        if let Err(e) = sink(*n, typed) {
                            state.sunk = Some((*n, e));
                            return Err(de::Error::custom("conversion failed"));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// A PodDisruptionBudget as read: `status` is skipped unread. The API server ignores the
/// status of an object it creates ("create cannot set status":
/// `pkg/registry/policy/poddisruptionbudget/strategy.go`, `PrepareForCreate` resets it; only
/// the status subresource writes it), so a dump's PDB status never stops the load — not even
/// one k8s-openapi could not read, such as a condition without `lastTransitionTime` — and the
/// disruption controller computes the status afresh.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PdbManifest {
    /// Checked in pass 1; read here so it is not reported as an unknown field.
    #[serde(rename = "apiVersion")]
    _api_version: String,
    /// As `apiVersion`.
    #[serde(rename = "kind")]
    _kind: String,
    #[serde(default)]
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: Option<policy::PodDisruptionBudgetSpec>,
    /// Read as untyped data and dropped (anything under `status` may be unknown).
    #[serde(rename = "status")]
    _status: Option<k8s_openapi::serde_json::Value>,
}

/// Reads manifest `n` as the k8s-openapi type of `kind`. On failure, notes in `state` where it
/// stopped: at the first field the type does not know, if any came before the error.
fn typed<'de, D: Deserializer<'de>>(
    kind: ManifestKind,
    d: D,
    n: usize,
    state: &RefCell<State<'_>>,
) -> Result<Typed, D::Error> {
    let mut track = serde_path_to_error::Track::new();
    let mut unknown: Option<Path> = None;
    let r = {
        let d = serde_path_to_error::Deserializer::new(d, &mut track);
        let note = |p: serde_ignored::Path<'_>| {
            if unknown.is_none() {
                let p = ignored_path(&p);
                if !allowed(&p) {
                    unknown = Some(p);
                }
            }
        };
        macro_rules! read_as {
            ($($kind:ident),*) => {
                match kind {
                    $(ManifestKind::$kind => {
                        serde_ignored::deserialize(d, note).map(|v| Typed::$kind(Box::new(v)))
                    })*
                    ManifestKind::PodDisruptionBudget => {
                        serde_ignored::deserialize(d, note).map(|v: PdbManifest| {
                            Typed::PodDisruptionBudget(Box::new(policy::PodDisruptionBudget {
                                metadata: v.metadata,
                                spec: v.spec,
                                status: None,
                            }))
                        })
                    }
                }
            };
        }
        read_as!(Deployment, ReplicaSet, StatefulSet, Pod, Node, PriorityClass, DaemonSet)
    };
    let stop = match unknown {
        Some(path) => Stop::UnknownField(path),
        None if r.is_ok() => return r,
        None => {
            let (path, in_key) = read::tracked(&track.path());
            Stop::Typing(path, in_key)
        }
    };
    state.borrow_mut().stop = Some((n, stop));
    r.and_then(|_| Err(de::Error::custom("unknown field")))
}

/// A path `serde_ignored` reports, from the manifest's root.
fn ignored_path(p: &serde_ignored::Path<'_>) -> Path {
    let mut segs = Vec::new();
    let mut cur = p;
    loop {
        cur = match cur {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Seq { parent, index } => {
                segs.push(Seg::Index(*index));
                parent
            }
            serde_ignored::Path::Map { parent, key } => {
                segs.push(Seg::Key(key.clone()));
                parent
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => parent,
        };
    }
    segs.reverse();
    Path(segs)
}

/// Whether an unknown field may be ignored: anything inside a `status` or `managedFields`.
fn allowed(p: &Path) -> bool {
    let inside = &p.0[..p.0.len().saturating_sub(1)];
    inside.iter().any(|s| matches!(s, Seg::Key(k) if k == "status" || k == "managedFields"))
}

/// The error for a field the manifest's type does not have, with the fields it does have.
fn unknown_field(m: &Manifest<'_>, path: &Path) -> ScenarioError {
    let (parent, field) = match path.0.split_last() {
        Some((Seg::Key(k), parent)) => (Path(parent.to_vec()), k.clone()),
        _ => (path.clone(), path.to_string()),
    };
    let known = known_fields(m.kind, &parent);
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut p = Problem::new(format!("unknown field `{field}`"))
        .hint(did_you_mean(&field, names.iter().copied()));
    if !names.is_empty() {
        p = p.expected(one_of(&names));
    }
    m.src.at_key(m.node, path, Some(&m.object), p)
}

/// The fields of the k8s-openapi type at `path` in a manifest of `kind`, from its JSON schema.
fn known_fields(kind: ManifestKind, path: &Path) -> Vec<String> {
    use k8s_openapi::schemars::SchemaGenerator;
    use k8s_openapi::serde_json::Value;
    let g = SchemaGenerator::default();
    let schema = match kind {
        ManifestKind::Deployment => g.into_root_schema_for::<apps::Deployment>(),
        ManifestKind::ReplicaSet => g.into_root_schema_for::<apps::ReplicaSet>(),
        ManifestKind::StatefulSet => g.into_root_schema_for::<apps::StatefulSet>(),
        ManifestKind::Pod => g.into_root_schema_for::<core::Pod>(),
        ManifestKind::Node => g.into_root_schema_for::<core::Node>(),
        ManifestKind::PodDisruptionBudget => {
            g.into_root_schema_for::<policy::PodDisruptionBudget>()
        }
        ManifestKind::PriorityClass => g.into_root_schema_for::<scheduling::PriorityClass>(),
        ManifestKind::DaemonSet => g.into_root_schema_for::<apps::DaemonSet>(),
    };
    let root = schema.as_value();
    /// `v`, or the definition its `$ref` names (definitions may refer to each other).
    fn resolve<'s>(root: &'s Value, mut v: &'s Value) -> &'s Value {
        for _ in 0..16 {
            let target = v
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| root.get("$defs")?.get(name));
            match target {
                Some(t) => v = t,
                None => break,
            }
        }
        v
    }
    let mut node = root;
    for seg in &path.0 {
        let here = resolve(root, node);
        let next = match seg {
            Seg::Key(k) => here
                .get("properties")
                .and_then(|p| p.get(k))
                .or_else(|| here.get("additionalProperties")),
            Seg::Index(_) => here.get("items"),
        };
        match next {
            Some(n) => node = n,
            None => return Vec::new(),
        }
    }
    resolve(root, node)
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}
