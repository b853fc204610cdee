//! Step 4 of the pipeline: the typed scenario and manifests → a checked [`Scenario`].
//!
//! Order of work: params; nodes (pools, explicit nodes, `kind: Node` manifests); PriorityClasses;
//! workloads (Deployments, ReplicaSets, StatefulSets, in file order, then ReplicaSet owners);
//! pods (bound, status, controllers, synthesized ReplicaSets); PDBs; behaviours; actions
//! (`actions.rs`).
//! Every name is checked when it is resolved, and the error points at the place it was written.

mod autoscaler;
mod spot;

pub(crate) use spot::handler as spot_handler;

use crate::actions::Actions;
use crate::error::{Problem, ScenarioError, did_you_mean, one_of};
use crate::format::{
    BehaviourFile, ClusterFile, DistFile, HookFile, ParamsFile, ScenarioFile, TaintEffectFile,
    TaintFile, TimingsFile,
};
use crate::manifest::{self, Ctx, Env, Priorities};
use crate::objects::{self, Manifest, ManifestKind, Typed, TypedDoc, object_ref};
use crate::refs::{self, Target, parse_ref};
use crate::source::Source;
use crate::yaml::{Node, Path, Span};
use k8s_openapi::api::core::v1 as core;
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::node::{
    LABEL_HOSTNAME, LABEL_NODE_POOL, LABEL_REGION, LABEL_ZONE, TAINT_UNSCHEDULABLE,
};
use kubesim_model::workload::WorkloadSpec;
use kubesim_model::{
    Behaviour, BehaviourId, Cluster, CondStatus, ContainerState, ContainerStatus, Crash,
    CrashChance, Exit, Hook, Kind, Labels, Meta, NodeId, NodePool, NodeReady, OwnerKind, OwnerRef,
    Params, Pod, PodConditionType, PodId, PodPhase, PodSpec, PodStatus, Resources, Scenario, Taint,
    TaintEffect, Workload, WorkloadId, WorkloadStatus,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const T0: SimTime = SimTime(0);

/// How many distinct pod specs per controller [`Builder::share_spec`] compares a pod's with
/// (a Deployment mid-rollout has two; a StatefulSet's or DaemonSet's pods one each).
const MAX_SPECS_PER_CONTROLLER: usize = 8;

/// Where something was first defined, for "duplicate" errors: the node `path` leads to from
/// `node`, looked up only for an error (an included file's index is built only then).
#[derive(Clone)]
struct Origin<'a> {
    src: &'a Source,
    node: Node,
    path: Path,
}

impl Origin<'_> {
    fn span(&self) -> Span {
        self.src.index().find(self.node, &self.path, false).span
    }
}

/// Builds the scenario. `notes` already holds the notes of manifest collection.
pub(crate) fn build<'a>(
    main: &'a Source,
    root: Node,
    file: ScenarioFile,
    docs: &[TypedDoc<'a>],
    manifests: Vec<Manifest<'a>>,
    notes: Vec<String>,
    opts: &crate::LoadOptions,
) -> Result<Scenario, ScenarioError> {
    let mut b = Builder {
        max_nodes: opts.max_nodes,
        workload_at: HashMap::new(),
        main,
        root,
        cluster: Cluster::new(),
        params: Params::default(),
        notes,
        node_origin: HashMap::new(),
        object_origin: HashMap::new(),
        priorities: Priorities::default(),
        pod_specs: HashMap::new(),
    };
    check_name(&b, &file.name)?;
    let seed = file.seed.unwrap_or(1);
    let duration = file.duration.map_or(SimDuration::from_hours(1), |d| d.0);
    if duration.is_zero() {
        return Err(
            b.at(&Path::parse("duration"), Problem::new("`duration` must be greater than 0"))
        );
    }
    if let Some(p) = &file.params {
        b.params(p)?;
    }
    let cluster_file = file.cluster.unwrap_or_default();
    b.scenario_nodes(&cluster_file)?;

    b.manifests(docs, &manifests, cluster_file.region.as_deref())?;
    b.behaviours(file.behaviour.as_ref())?;
    let resolver = Actions {
        main,
        root,
        cluster: &b.cluster,
        new_behaviours: Default::default(),
        region: cluster_file.region.as_deref(),
        max_pods: b.params.max_pods,
    };
    let mut actions = resolver.resolve(file.actions.as_deref().unwrap_or_default())?;
    let added = resolver.new_behaviours.into_inner();
    b.cluster.behaviours.extend(added);
    // Before sorting: `actions` is in file order, one per `actions[]` entry.
    crate::budget::Budget {
        main,
        root,
        max_pods: opts.max_pods,
        max_nodes: opts.max_nodes,
        workloads: &b.workload_at,
        node_groups: &b.params.cluster_autoscaler.node_groups,
    }
    .check(&b.cluster, &actions)?;
    actions.sort_by_key(|a| a.at);
    for a in &actions {
        if a.at.0 > duration.as_millis() {
            b.notes.push(format!(
                "action `{}` at {} is after the end of the run ({}); it will not run",
                a.label,
                a.at.since_start(),
                duration
            ));
        }
    }
    let expectations = crate::expect::Expectations {
        main,
        root,
        cluster: &b.cluster,
        actions: &actions,
        duration,
    }
    .resolve(file.expect.as_deref().unwrap_or_default())?;
    if b.cluster.nodes.is_empty() {
        b.notes.push("the cluster has no nodes: no pod can be scheduled".to_string());
    }
    Ok(Scenario {
        name: file.name,
        seed,
        duration,
        params: b.params,
        cluster: b.cluster,
        actions,
        expectations,
        notes: b.notes,
    })
}

fn check_name(b: &Builder<'_>, name: &str) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        return Ok(());
    }
    Err(b.at(
        &Path::parse("name"),
        Problem::new(format!("invalid scenario name `{name}`"))
            .expected("lowercase letters, digits and `-` (it names the results directory)"),
    ))
}

struct Builder<'a> {
    main: &'a Source,
    root: Node,
    /// `--max-nodes`: the pools together may not create more.
    max_nodes: u64,
    /// Where each workload's manifest is, for the budget's errors.
    workload_at: HashMap<WorkloadId, crate::budget::WorkloadAt<'a>>,
    cluster: Cluster,
    params: Params,
    notes: Vec<String>,
    node_origin: HashMap<String, Origin<'a>>,
    object_origin: HashMap<(String, String, String), Origin<'a>>,
    priorities: Priorities,
    /// The distinct pod specs seen per controller, to share one `Arc` among equal ones.
    pod_specs: HashMap<WorkloadId, Vec<Arc<PodSpec>>>,
}

/// A node's allocatable `ephemeral-storage` when the scenario does not give it: 47060071478
/// bytes (about 43.8 GiB), what a GKE node with the default 100 GB boot disk reports as
/// allocatable (capacity `98831908Ki` less the kubelet's reservations; the example of
/// <https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes>). Real nodes
/// always report some: with 0, any pod requesting ephemeral storage could never schedule.
pub(crate) const DEFAULT_EPHEMERAL_STORAGE: u64 = 47_060_071_478;

impl<'a> Builder<'a> {
    /// An error at `path` in the scenario file.
    fn at(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at(self.root, path, None, p)
    }

    /// An error at the key of the last step of `path` in the scenario file.
    fn at_key(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at_key(self.root, path, None, p)
    }

    fn span_of(&self, path: &Path) -> Span {
        self.main.index().find(self.root, path, false).span
    }

    // ----- params -------------------------------------------------------------------------

    fn params(&mut self, f: &ParamsFile) -> Result<(), ScenarioError> {
        let p = &mut self.params;
        macro_rules! set {
            ($($field:ident),* $(,)?) => {
                $(if let Some(v) = &f.$field {
                    p.$field = Conv::conv(v);
                })*
            };
        }
        set!(
            node_monitor_period,
            node_monitor_grace_period,
            node_startup_grace_period,
            node_eviction_rate,
            secondary_node_eviction_rate,
            large_cluster_size_threshold,
            unhealthy_zone_threshold,
            terminated_pod_gc_threshold,
            default_not_ready_toleration_seconds,
            default_unreachable_toleration_seconds,
            node_status_update_frequency,
            node_status_report_frequency,
            node_lease_duration_seconds,
            max_pods,
            serialize_image_pulls,
            pod_initial_backoff_seconds,
            pod_max_backoff_seconds,
            pod_max_in_unschedulable_pods_duration,
            percentage_of_nodes_to_score,
        );
        // SetDefaults_KubeletConfiguration: a `nodeStatusUpdateFrequency` set without a
        // `nodeStatusReportFrequency` makes the report frequency the same (backward
        // compatibility with kubelets that posted every sync).
        if f.node_status_update_frequency.is_some() && f.node_status_report_frequency.is_none() {
            p.node_status_report_frequency = p.node_status_update_frequency;
        }
        if let Some(ca) = &f.cluster_autoscaler {
            self.cluster_autoscaler(ca)?;
        }
        let p = self.params.clone();
        let checks: [(&str, bool, &str); 8] = [
            (
                "nodeEvictionRate",
                p.node_eviction_rate.is_finite() && p.node_eviction_rate >= 0.0,
                "a rate of 0 or more nodes per second",
            ),
            (
                "secondaryNodeEvictionRate",
                p.secondary_node_eviction_rate.is_finite() && p.secondary_node_eviction_rate >= 0.0,
                "a rate of 0 or more nodes per second",
            ),
            (
                "unhealthyZoneThreshold",
                (0.0..=1.0).contains(&p.unhealthy_zone_threshold),
                "a fraction between 0 and 1",
            ),
            (
                "percentageOfNodesToScore",
                p.percentage_of_nodes_to_score <= 100,
                "a percentage between 0 (adaptive) and 100",
            ),
            ("maxPods", p.max_pods > 0, "at least 1"),
            ("podInitialBackoffSeconds", p.pod_initial_backoff_seconds > 0, "at least 1"),
            (
                "podMaxBackoffSeconds",
                p.pod_max_backoff_seconds >= p.pod_initial_backoff_seconds,
                "at least `podInitialBackoffSeconds`",
            ),
            ("nodeMonitorPeriod", !p.node_monitor_period.is_zero(), "a duration greater than 0"),
        ];
        for (field, ok, expected) in checks {
            if !ok {
                return Err(self.at(
                    &Path::root().key("params").key(field),
                    Problem::new(format!("invalid value for `{field}`")).expected(expected),
                ));
            }
        }
        Ok(())
    }

    // ----- nodes --------------------------------------------------------------------------

    fn scenario_nodes(&mut self, c: &ClusterFile) -> Result<(), ScenarioError> {
        let region = c.region.as_deref();
        let mut pool_names: HashMap<&str, usize> = HashMap::new();
        // Checked before any pool is expanded, so no count allocates past the limit.
        let mut total: u64 = 0;
        for (i, pool) in c.node_pools.iter().flatten().enumerate() {
            let path = Path::parse("cluster.nodePools").index(i);
            check_dns_label(self, &path.key("name"), &pool.name, "node pool name")?;
            if let Some(first) = pool_names.insert(&pool.name, i) {
                let line = self
                    .span_of(&Path::parse("cluster.nodePools").index(first).key("name"))
                    .start
                    .line;
                return Err(self.at(
                    &path.key("name"),
                    Problem::new(format!(
                        "duplicate node pool name `{}` (first defined at line {line})",
                        pool.name
                    )),
                ));
            }
            total = total.saturating_add(u64::from(pool.count));
            if total > self.max_nodes {
                return Err(self.at(
                    &path.key("count"),
                    Problem::new(format!(
                        "the node pools up to this one have {total} nodes, more than the limit of {} (--max-nodes)",
                        self.max_nodes
                    ))
                    .expected(format!(
                        "at most {} nodes in all pools together, or a larger --max-nodes",
                        self.max_nodes
                    )),
                ));
            }
            let mut taints = self.taints(&path, pool.taints.as_deref())?;
            self.pool_autoscaling(&path, i, pool)?;
            let mut labels = pool.labels.clone();
            if let Some(provider) = self.pool_spot(&path, i, pool)? {
                let (k, v) = provider.spot_label();
                labels.get_or_insert_with(BTreeMap::new).insert(k.into(), v.into());
                if let Some(t) = provider.spot_taint()
                    && !taints.iter().any(|x| x.key == t.key && x.effect == t.effect)
                {
                    taints.push(t);
                }
            }
            let zones = pool.zones.clone().unwrap_or_default();
            self.cluster.pools.push(NodePool {
                name: pool.name.clone(),
                zones: zones.clone(),
                allocatable: Resources {
                    cpu_milli: pool.allocatable.cpu.0,
                    memory: pool.allocatable.memory.0,
                    ephemeral_storage: pool
                        .allocatable
                        .ephemeral_storage
                        .map_or(DEFAULT_EPHEMERAL_STORAGE, |q| q.0),
                    pods: pool.allocatable.pods.map_or(self.params.max_pods, |q| q.0),
                },
                labels: labels.clone().unwrap_or_default(),
                region: region.map(str::to_string),
                taints: taints.clone(),
                images: pool.images.iter().flatten().cloned().collect(),
                next_index: pool.count + 1,
            });
            for n in 1..=pool.count {
                let name = format!("{}-{n}", pool.name);
                let zone =
                    (!zones.is_empty()).then(|| zones[(n as usize - 1) % zones.len()].clone());
                let node = self.scenario_node(
                    &name,
                    zone,
                    region,
                    Some(&pool.name),
                    &pool.allocatable,
                    labels.as_ref(),
                    taints.clone(),
                    pool.images.as_deref(),
                    pool.unschedulable.unwrap_or(false),
                );
                let origin = Origin { src: self.main, node: self.root, path: path.key("name") };
                self.add_node(node, origin).map_err(|first| {
                    self.at(
                        &path.key("name"),
                        Problem::new(format!(
                            "node pool `{}` creates node `{name}`, but that name is already defined at {first}",
                            pool.name
                        )),
                    )
                })?;
            }
        }
        for (i, n) in c.nodes.iter().flatten().enumerate() {
            let path = Path::parse("cluster.nodes").index(i);
            check_dns_label(self, &path.key("name"), &n.name, "node name")?;
            let taints = self.taints(&path, n.taints.as_deref())?;
            let node = self.scenario_node(
                &n.name,
                n.zone.clone(),
                region,
                None,
                &n.allocatable,
                n.labels.as_ref(),
                taints,
                n.images.as_deref(),
                n.unschedulable.unwrap_or(false),
            );
            let origin = Origin { src: self.main, node: self.root, path: path.key("name") };
            self.add_node(node, origin).map_err(|first| {
                self.at(
                    &path.key("name"),
                    Problem::new(format!(
                        "duplicate node name `{}` (first defined at {first})",
                        n.name
                    )),
                )
            })?;
        }
        Ok(())
    }

    fn taints(
        &self,
        path: &Path,
        taints: Option<&[TaintFile]>,
    ) -> Result<Vec<Taint>, ScenarioError> {
        let mut out = Vec::new();
        for (i, t) in taints.unwrap_or_default().iter().enumerate() {
            if t.key.is_empty() {
                return Err(self.at(
                    &path.key("taints").index(i).key("key"),
                    Problem::new("a taint needs a `key`"),
                ));
            }
            let effect = match t.effect {
                TaintEffectFile::NoSchedule => TaintEffect::NoSchedule,
                TaintEffectFile::PreferNoSchedule => TaintEffect::PreferNoSchedule,
                TaintEffectFile::NoExecute => TaintEffect::NoExecute,
            };
            out.push(Taint {
                key: t.key.clone(),
                value: t.value.clone().unwrap_or_default(),
                effect,
                time_added: (effect == TaintEffect::NoExecute).then_some(T0),
            });
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn scenario_node(
        &mut self,
        name: &str,
        zone: Option<String>,
        region: Option<&str>,
        pool: Option<&str>,
        alloc: &crate::format::AllocatableFile,
        labels: Option<&BTreeMap<String, String>>,
        mut taints: Vec<Taint>,
        images: Option<&[String]>,
        unschedulable: bool,
    ) -> kubesim_model::Node {
        let mut l = Labels::new();
        l.insert(LABEL_HOSTNAME.into(), name.into());
        if let Some(z) = &zone {
            l.insert(LABEL_ZONE.into(), z.clone());
        }
        if let Some(r) = region {
            l.insert(LABEL_REGION.into(), r.into());
        }
        if let Some(p) = pool {
            l.insert(LABEL_NODE_POOL.into(), p.into());
        }
        kubesim_model::node::apply_kubelet_labels(&mut l, labels.cloned().unwrap_or_default());
        let allocatable = Resources {
            cpu_milli: alloc.cpu.0,
            memory: alloc.memory.0,
            ephemeral_storage: alloc.ephemeral_storage.map_or(DEFAULT_EPHEMERAL_STORAGE, |q| q.0),
            pods: alloc.pods.map_or(self.params.max_pods, |q| q.0),
        };
        if unschedulable && !taints.iter().any(|t| t.key == TAINT_UNSCHEDULABLE) {
            taints.push(Taint {
                key: TAINT_UNSCHEDULABLE.into(),
                value: String::new(),
                effect: TaintEffect::NoSchedule,
                time_added: None,
            });
        }
        let uid = self.cluster.new_uid();
        kubesim_model::Node {
            zone: l.get(LABEL_ZONE).cloned(),
            meta: Meta {
                name: name.into(),
                uid,
                labels: l.into(),
                creation: T0,
                generation: 1,
                ..Meta::default()
            },
            allocatable,
            capacity: allocatable,
            unschedulable,
            taints,
            ready: ready_condition(),
            pool: pool.map(str::to_string),
            images: images.unwrap_or_default().iter().cloned().collect(),
            removed: None,
        }
    }

    /// Adds a node; a duplicate name gives `Err` with where the first one was defined.
    fn add_node(
        &mut self,
        node: kubesim_model::Node,
        origin: Origin<'a>,
    ) -> Result<NodeId, String> {
        if let Some(first) = self.node_origin.get(node.name()) {
            return Err(origin.src.describe_line(first.src, first.span()));
        }
        self.node_origin.insert(node.name().to_string(), origin);
        Ok(self.cluster.add_node(node))
    }

    // ----- manifests ----------------------------------------------------------------------

    /// Reads (pass 2) and converts the manifests: every kind but pods first, read together
    /// and converted in this order: PriorityClasses, nodes, workloads (and ReplicaSet
    /// owners); then the pods, each converted as soon as it is read and its k8s-openapi
    /// object dropped (a dump's pods are never all held twice); then the PDBs.
    fn manifests(
        &mut self,
        docs: &[TypedDoc<'a>],
        ms: &[Manifest<'a>],
        region: Option<&str>,
    ) -> Result<(), ScenarioError> {
        let typed = objects::read_all(docs, ms, |k| k != ManifestKind::Pod)?;
        // Every manifest but the pods, with its object.
        let others: Vec<(&Manifest<'a>, Typed)> =
            ms.iter().zip(typed).filter_map(|(m, t)| Some((m, t?))).collect();
        // PriorityClasses first: pod specs resolve `priorityClassName` against them.
        for (m, t) in &others {
            if let Typed::PriorityClass(pc) = t {
                let ctx = Ctx::new(m);
                self.check_unique(&ctx, "", pc.metadata.name.as_deref(), "priorityclass")?;
                self.priorities.add(&ctx, pc)?;
                let mut class = manifest::priority_class(&ctx, pc)?;
                if class.meta.uid.is_empty() {
                    class.meta.uid = self.cluster.new_uid();
                }
                self.cluster.priority_classes.push(class);
            }
        }
        for (m, t) in &others {
            if let Typed::Node(n) = t {
                self.node_manifest(m, n, region)?;
            }
        }
        let mut workload_ids = Vec::new();
        for (m, t) in &others {
            if matches!(
                t,
                Typed::Deployment(_)
                    | Typed::ReplicaSet(_)
                    | Typed::StatefulSet(_)
                    | Typed::DaemonSet(_)
            ) {
                let id = self.workload(m, t)?;
                workload_ids.push((m, t, id));
            }
        }
        for (m, t, id) in &workload_ids {
            if let Typed::ReplicaSet(rs) = t {
                self.link_replicaset(m, rs, *id);
            }
        }
        let mut convert = |n: usize, t: Typed| match t {
            Typed::Pod(p) => self.pod(&ms[n], &p),
            _ => Ok(()),
        };
        objects::read_each(docs, ms, |k| k == ManifestKind::Pod, &mut convert)?;
        for (m, t) in &others {
            if let Typed::PodDisruptionBudget(p) = t {
                let ctx = Ctx::new(m);
                let mut pdb = manifest::pdb(&ctx, p)?;
                self.check_unique(
                    &ctx,
                    &pdb.meta.namespace,
                    Some(&pdb.meta.name),
                    "poddisruptionbudget",
                )?;
                if pdb.meta.uid.is_empty() {
                    pdb.meta.uid = self.cluster.new_uid();
                }
                self.cluster.add_pdb(pdb);
            }
        }
        Ok(())
    }

    /// Errors if an object of this kind, namespace and name was already defined.
    fn check_unique(
        &mut self,
        ctx: &Ctx<'a>,
        ns: &str,
        name: Option<&str>,
        what: &str,
    ) -> Result<(), ScenarioError> {
        let Some(name) = name else { return Ok(()) };
        let path = Path::parse("metadata.name");
        let origin = Origin { src: ctx.src, node: ctx.node, path: path.clone() };
        let key = (what.to_string(), ns.to_string(), name.to_string());
        if let Some(first) = self.object_origin.get(&key) {
            return Err(ctx.err(
                &path,
                Problem::new(format!(
                    "duplicate {what} `{name}` (first defined at {})",
                    ctx.src.describe_line(first.src, first.span())
                )),
            ));
        }
        self.object_origin.insert(key, origin);
        Ok(())
    }

    fn node_manifest(
        &mut self,
        m: &Manifest<'a>,
        n: &core::Node,
        region: Option<&str>,
    ) -> Result<(), ScenarioError> {
        let ctx = Ctx::new(m);
        let nm = manifest::node(&ctx, &self.params, n)?;
        self.cluster.image_sizes.extend(nm.image_sizes);
        let mut meta = nm.meta;
        meta.labels.entry(LABEL_HOSTNAME.into()).or_insert_with(|| meta.name.clone());
        if let Some(r) = region {
            meta.labels.entry(LABEL_REGION.into()).or_insert_with(|| r.to_string());
        }
        if meta.uid.is_empty() {
            meta.uid = self.cluster.new_uid();
        }
        let zone = meta
            .labels
            .get(LABEL_ZONE)
            .or_else(|| meta.labels.get("failure-domain.beta.kubernetes.io/zone"))
            .cloned();
        if let Some(status) = &nm.not_ready {
            self.notes.push(format!(
                "{}: the manifest's Ready condition is {status}; kubesim starts every node Ready",
                ctx.object
            ));
        }
        // A Node manifest labelled `kubesim.io/node-pool: P`, where `P` is a pool of
        // `cluster.nodePools`, is one of that pool's nodes: `upgrade-pool` replaces it and the
        // pool's size counts it (`kubesim import` writes real nodes this way, in pools of
        // `count: 0` that serve as the templates of the nodes added later).
        let pool = meta
            .labels
            .get(LABEL_NODE_POOL)
            .filter(|p| self.cluster.pool_by_name(p).is_some())
            .cloned();
        let node = kubesim_model::Node {
            meta,
            allocatable: nm.allocatable,
            capacity: nm.capacity,
            unschedulable: nm.unschedulable,
            taints: nm.taints,
            ready: ready_condition(),
            pool,
            zone,
            images: nm.images.into_iter().collect(),
            removed: None,
        };
        let name = node.meta.name.clone();
        let path = Path::parse("metadata.name");
        let origin = Origin { src: m.src, node: m.node, path: path.clone() };
        self.add_node(node, origin).map_err(|first| {
            ctx.err(
                &path,
                Problem::new(format!("duplicate node name `{name}` (first defined at {first})")),
            )
        })?;
        Ok(())
    }

    fn workload(&mut self, m: &Manifest<'a>, t: &Typed) -> Result<WorkloadId, ScenarioError> {
        let mut ctx = Ctx::new(m);
        let priorities = self.priorities.clone();
        let env = Env { priorities: &priorities };
        let missing_spec = || ctx_err_missing_spec(m);
        let (kind, kind_name, metadata) = match t {
            Typed::Deployment(d) => (Kind::Deployment, "Deployment", &d.metadata),
            Typed::ReplicaSet(r) => (Kind::ReplicaSet, "ReplicaSet", &r.metadata),
            Typed::StatefulSet(s) => (Kind::StatefulSet, "StatefulSet", &s.metadata),
            Typed::DaemonSet(d) => (Kind::DaemonSet, "DaemonSet", &d.metadata),
            _ => return Err(not_a_workload(m)),
        };
        let mut meta = manifest::meta(&ctx, metadata, true)?;
        self.check_unique(&ctx, &meta.namespace, Some(&meta.name), &kind_name.to_lowercase())?;
        let (template, selector, replicas, min_ready, spec) = match t {
            Typed::Deployment(d) => {
                let s = d.spec.as_ref().ok_or_else(missing_spec)?;
                let template = manifest::template(&mut ctx, &env, Some(&s.template))?;
                let selector =
                    manifest::workload_selector(&ctx, kind_name, &s.selector, &template)?;
                let strategy = manifest::strategy(&ctx, s.strategy.as_ref())?;
                let progress_deadline_seconds = manifest::progress_deadline(
                    &ctx,
                    s.progress_deadline_seconds,
                    s.min_ready_seconds,
                )?;
                (
                    template,
                    selector,
                    s.replicas,
                    s.min_ready_seconds,
                    WorkloadSpec::Deployment { strategy, progress_deadline_seconds },
                )
            }
            Typed::ReplicaSet(r) => {
                let s = r.spec.as_ref().ok_or_else(missing_spec)?;
                let template = manifest::template(&mut ctx, &env, s.template.as_ref())?;
                let selector =
                    manifest::workload_selector(&ctx, kind_name, &s.selector, &template)?;
                (
                    template,
                    selector,
                    s.replicas,
                    s.min_ready_seconds,
                    WorkloadSpec::ReplicaSet { template_hash: None },
                )
            }
            Typed::StatefulSet(st) => {
                let s = st.spec.as_ref().ok_or_else(missing_spec)?;
                let template = manifest::template(&mut ctx, &env, Some(&s.template))?;
                let selector =
                    manifest::workload_selector(&ctx, kind_name, &s.selector, &template)?;
                let policy = manifest::pod_management(&ctx, s.pod_management_policy.as_deref())?;
                let spec = WorkloadSpec::StatefulSet {
                    pod_management_policy: policy,
                    service_name: s.service_name.clone().unwrap_or_default(),
                };
                (template, selector, s.replicas, s.min_ready_seconds, spec)
            }
            Typed::DaemonSet(ds) => {
                let s = ds.spec.as_ref().ok_or_else(missing_spec)?;
                let template = manifest::template(&mut ctx, &env, Some(&s.template))?;
                let selector =
                    manifest::workload_selector(&ctx, kind_name, &s.selector, &template)?;
                let spec = manifest::daemonset_strategy(&ctx, s.update_strategy.as_ref())?;
                // A DaemonSet has no `spec.replicas`: its controller sets the desired count.
                (template, selector, Some(0), s.min_ready_seconds, spec)
            }
            _ => return Err(not_a_workload(m)),
        };
        if let Some(name) = &template.spec.node_name {
            self.check_node_name(&ctx, &Path::parse("spec.template.spec.nodeName"), name)?;
        }
        let replicas = manifest::non_negative(&ctx, "spec.replicas", replicas, 1)?;
        let min_ready_seconds =
            u64::from(manifest::non_negative(&ctx, "spec.minReadySeconds", min_ready, 0)?);
        manifest::workload_extras(&mut ctx, t);
        if meta.uid.is_empty() {
            meta.uid = self.cluster.new_uid();
        }
        if let Some(n) = ctx.note() {
            self.notes.push(n);
        }
        let at =
            crate::budget::WorkloadAt { src: ctx.src, node: ctx.node, object: ctx.object.clone() };
        let id = self.cluster.add_workload(Workload {
            meta,
            kind,
            replicas,
            selector,
            template,
            min_ready_seconds,
            spec,
            owner: None,
            status: WorkloadStatus::default(),
            behaviour: BehaviourId(0),
            progressing: None,
        });
        self.workload_at.insert(id, at);
        Ok(id)
    }

    /// A ReplicaSet whose controller is a Deployment of the scenario is owned by it.
    fn link_replicaset(
        &mut self,
        m: &Manifest<'a>,
        rs: &k8s_openapi::api::apps::v1::ReplicaSet,
        id: WorkloadId,
    ) {
        let Some((_, r)) = manifest::controller_ref(&rs.metadata) else { return };
        let ns = self.cluster.workloads[id.index()].meta.namespace.clone();
        let owner = (manifest::owner_kind(r) == Some(Kind::Deployment))
            .then(|| self.cluster.workload_by_name(Kind::Deployment, &ns, &r.name))
            .flatten();
        let Some(did) = owner else {
            self.notes.push(format!(
                "{}: its controller {} `{}` is not in the scenario; kubesim treats it as a standalone ReplicaSet",
                m.object, r.kind, r.name
            ));
            return;
        };
        let d = &self.cluster.workloads[did.index()];
        let owner_ref = OwnerRef {
            kind: Kind::Deployment.into(),
            name: d.meta.name.clone(),
            uid: d.meta.uid.clone(),
        };
        let w = &mut self.cluster.workloads[id.index()];
        let hash = w
            .meta
            .labels
            .get("pod-template-hash")
            .or_else(|| w.template.labels.get("pod-template-hash"))
            .cloned();
        w.owner = Some(did);
        w.meta.owner = Some(owner_ref);
        w.spec = WorkloadSpec::ReplicaSet { template_hash: hash };
    }

    fn pod(&mut self, m: &Manifest<'a>, p: &core::Pod) -> Result<(), ScenarioError> {
        let mut ctx = Ctx::new(m);
        let priorities = self.priorities.clone();
        let env = Env { priorities: &priorities };
        let mut meta = manifest::meta(&ctx, &p.metadata, true)?;
        self.check_unique(&ctx, &meta.namespace, Some(&meta.name), "pod")?;
        let Some(k8s_spec) = &p.spec else {
            return Err(ctx_err_missing_spec(m));
        };
        let mut spec = manifest::pod_spec(&mut ctx, &env, &Path::parse("spec"), k8s_spec)?;
        if manifest::controller_ref(&p.metadata).is_some_and(|(_, r)| r.kind == "DaemonSet") {
            daemonset_tolerations(&mut spec);
        }
        admit_default_tolerations(&mut spec, &self.params);
        let node = match &spec.node_name {
            None => None,
            Some(name) => Some(self.check_node_name(&ctx, &Path::parse("spec.nodeName"), name)?),
        };
        let controller = self.pod_controller(&ctx, &p.metadata, &meta);
        if let Some(w) = controller {
            let wl = &self.cluster.workloads[w.index()];
            meta.owner = Some(OwnerRef {
                kind: wl.kind.into(),
                name: wl.meta.name.clone(),
                uid: wl.meta.uid.clone(),
            });
        } else if let Some((_, r)) = manifest::controller_ref(&p.metadata) {
            // A controller kubesim cannot resolve (a kind it does not simulate, or an object
            // the scenario lacks): the reference is kept as written, as the API server keeps
            // it, so the disruption controller fails safe on it as upstream does
            // (`getExpectedScale`) and kubectl drain sees a managed pod.
            meta.owner = Some(OwnerRef {
                kind: manifest::owner_kind(r).map_or_else(
                    || OwnerKind::Other {
                        api_version: r.api_version.as_str().into(),
                        kind: r.kind.as_str().into(),
                    },
                    OwnerKind::Known,
                ),
                name: r.name.clone(),
                uid: r.uid.clone(),
            });
        }
        if node.is_some() {
            // Bound at t = 0: the binding is `Pod::node` (what the scheduler's Bind sets); the
            // spec keeps only what a template can hold, so the pods of one controller share
            // one spec whatever nodes they run on.
            spec.node_name = None;
        }
        let spec = self.share_spec(controller, spec);
        let status = initial_status(&spec, node.is_some(), p.status.as_ref());
        let ready_since = (status.phase == PodPhase::Running
            && status.is_true(PodConditionType::Ready))
        .then_some(T0);
        if meta.uid.is_empty() {
            meta.uid = self.cluster.new_uid();
        }
        self.terminating(&ctx, &p.metadata, &mut meta, &spec, node.is_some());
        if let Some(n) = dropped_status(&ctx.object, p.status.as_ref(), node.is_some()) {
            self.notes.push(n);
        }
        // A controlled pod's unsimulated fields were already noted on its workload's template.
        if controller.is_none()
            && let Some(n) = ctx.note()
        {
            self.notes.push(n);
        }
        self.cluster.add_pod(
            Pod {
                meta,
                spec,
                node,
                status,
                ready_since,
                removed: None,
                behaviour: BehaviourId(0),
                ephemeral_containers: Vec::new(),
            },
            controller,
        );
        Ok(())
    }

    /// A pod a dump holds as Terminating (`metadata.deletionTimestamp` set): its deletion
    /// starts at t = 0 with the object's `metadata.deletionGracePeriodSeconds` (or, without
    /// it, `spec.terminationGracePeriodSeconds`), recorded here in `meta.deletion` and begun
    /// by the simulation (`api::start_dump_deletions`). An unbound pod is removed at once, as
    /// the API server does (`pkg/registry/core/pod/strategy.go`, CheckGracefulDelete: grace
    /// 0 for a pod not scheduled). Simplified: the dump's time is unknown, so the full grace
    /// period runs from t = 0, not what was left of it; finalizers are not simulated (the
    /// object goes when its containers stop), which a note says.
    fn terminating(
        &mut self,
        ctx: &Ctx<'a>,
        m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        meta: &mut Meta,
        spec: &PodSpec,
        bound: bool,
    ) {
        if m.deletion_timestamp.is_none() {
            return;
        }
        let grace = if bound {
            m.deletion_grace_period_seconds
                .and_then(|g| u64::try_from(g).ok())
                .unwrap_or(spec.termination_grace_period_seconds)
        } else {
            0
        };
        meta.deletion = Some(T0 + SimDuration::from_secs(grace));
        meta.deletion_grace_seconds = Some(grace);
        let mut note = format!(
            "{}: Terminating in the manifest (metadata.deletionTimestamp); its deletion starts at 0s with a grace period of {grace}s",
            ctx.object
        );
        if let Some(f) = m.finalizers.as_ref().filter(|f| !f.is_empty()) {
            note.push_str(&format!(
                "; its finalizers ({}) are not simulated: the pod is removed when its containers stop",
                f.join(", ")
            ));
        }
        self.notes.push(note);
    }

    /// The node a `nodeName` names.
    fn check_node_name(
        &self,
        ctx: &Ctx<'a>,
        path: &Path,
        name: &str,
    ) -> Result<NodeId, ScenarioError> {
        self.cluster.node_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = self.cluster.nodes.iter().map(|n| n.name()).collect();
            ctx.err(
                path,
                Problem::new(format!(
                    "`nodeName` names node `{name}`, which is not in the scenario"
                ))
                .expected("the name of a node of the scenario")
                .hint(did_you_mean(name, names)),
            )
        })
    }

    /// The controller of a pod: the ReplicaSet or StatefulSet its controller reference names,
    /// or a ReplicaSet synthesized for a Deployment of the scenario that selects the pod.
    /// Pods without a controller reference are not adopted, even if a selector matches them.
    fn pod_controller(
        &mut self,
        ctx: &Ctx<'a>,
        m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
        meta: &Meta,
    ) -> Option<WorkloadId> {
        let (_, r) = manifest::controller_ref(m)?;
        let ns = &meta.namespace;
        let found = match manifest::owner_kind(r) {
            Some(Kind::ReplicaSet) => self
                .cluster
                .workload_by_name(Kind::ReplicaSet, ns, &r.name)
                .or_else(|| self.synthesize_replicaset(ns, &r.name, &r.uid, meta)),
            Some(Kind::StatefulSet) => {
                self.cluster.workload_by_name(Kind::StatefulSet, ns, &r.name)
            }
            Some(Kind::DaemonSet) => self.cluster.workload_by_name(Kind::DaemonSet, ns, &r.name),
            _ => None,
        };
        if found.is_none() && r.kind == "Node" {
            // A mirror pod: the kubelet creates it for a static pod, with its Node as the
            // controller (kubelet `pkg/kubelet/pod/mirror_client.go`, CreateMirrorPod).
            let note = if self.node_origin.contains_key(r.name.as_str()) {
                format!(
                    "{}: a mirror pod (static pod) of node `{}`; kubesim keeps its owner reference and treats it as a bare pod bound to that node",
                    ctx.object, r.name
                )
            } else {
                format!(
                    "{}: a mirror pod (static pod) of node `{}`, which is not in the scenario; kubesim keeps its owner reference and treats it as a bare pod",
                    ctx.object, r.name
                )
            };
            self.notes.push(note);
        } else if found.is_none() {
            self.notes.push(format!(
                "{}: its controller {} `{}` is not in the scenario{}; kubesim keeps the owner reference, no controller replaces the pod, and a PodDisruptionBudget that needs its controller's scale fails safe (disruptionsAllowed 0)",
                ctx.object,
                r.kind,
                r.name,
                if manifest::owner_kind(r).is_none() { " (kind not simulated)" } else { "" },
            ));
        }
        found
    }

    /// The ReplicaSet a Deployment of the scenario would own, for pods of a dump whose
    /// ReplicaSet was left out: named as the pod's owner reference, with the Deployment's
    /// template and the pod's `pod-template-hash`.
    fn synthesize_replicaset(
        &mut self,
        ns: &str,
        name: &str,
        uid: &str,
        pod: &Meta,
    ) -> Option<WorkloadId> {
        let did = self.cluster.workloads.iter().enumerate().find_map(|(i, w)| {
            (w.kind == Kind::Deployment
                && w.meta.namespace == ns
                && w.selector.matches(&pod.labels))
            .then_some(WorkloadId(i as u32))
        })?;
        let d = &self.cluster.workloads[did.index()];
        let hash = pod.labels.get("pod-template-hash").cloned();
        let mut template = d.template.clone();
        let mut selector = d.selector.clone();
        if let Some(h) = &hash {
            template.labels.insert("pod-template-hash".into(), h.clone());
            selector.match_labels.insert("pod-template-hash".into(), h.clone());
        }
        let deployment = object_ref("deployment", ns, &d.meta.name);
        let meta = Meta {
            name: name.to_string(),
            namespace: ns.to_string(),
            uid: uid.to_string(),
            labels: template.labels.clone(),
            owner: Some(OwnerRef {
                kind: Kind::Deployment.into(),
                name: d.meta.name.clone(),
                uid: d.meta.uid.clone(),
            }),
            creation: T0,
            generation: 1,
            ..Meta::default()
        };
        let w = Workload {
            meta,
            kind: Kind::ReplicaSet,
            replicas: d.replicas,
            selector,
            template,
            min_ready_seconds: d.min_ready_seconds,
            spec: WorkloadSpec::ReplicaSet { template_hash: hash },
            owner: Some(did),
            status: WorkloadStatus::default(),
            behaviour: BehaviourId(0),
            progressing: None,
        };
        let mut w = w;
        if w.meta.uid.is_empty() {
            w.meta.uid = self.cluster.new_uid();
        }
        self.notes.push(format!(
            "{}: not in the scenario; synthesized from {deployment} for its pods",
            object_ref("replicaset", ns, name)
        ));
        Some(self.cluster.add_workload(w))
    }

    /// One `Arc` per distinct spec: the controller's template when equal, else a spec already
    /// seen for a pod of the same controller. At most [`MAX_SPECS_PER_CONTROLLER`] specs are
    /// kept to compare with per controller, so a dump whose pods all differ costs a bounded
    /// number of comparisons per pod (those pods then keep their own specs).
    fn share_spec(&mut self, controller: Option<WorkloadId>, spec: PodSpec) -> Arc<PodSpec> {
        let Some(w) = controller else {
            return Arc::new(spec);
        };
        let template = &self.cluster.workloads[w.index()].template.spec;
        if **template == spec {
            return template.clone();
        }
        let seen = self.pod_specs.entry(w).or_default();
        if let Some(s) = seen.iter().find(|s| ***s == spec) {
            return s.clone();
        }
        let arc = Arc::new(spec);
        if seen.len() < MAX_SPECS_PER_CONTROLLER {
            seen.push(arc.clone());
        }
        arc
    }

    // ----- behaviours ---------------------------------------------------------------------

    fn behaviours(&mut self, f: Option<&BehaviourFile>) -> Result<(), ScenarioError> {
        let Some(f) = f else { return Ok(()) };
        if let Some(d) = &f.default {
            let path = Path::parse("behaviour.default");
            if d.containers.is_some() {
                return Err(self.at_key(
                    &path.key("containers"),
                    Problem::new("`containers` is only allowed under `behaviour.workloads`")
                        .hint(Some("name the workload whose containers it is about".into())),
                ));
            }
            let base = self.cluster.behaviours[0].clone();
            self.cluster.behaviours[0] = apply_timings(self.main, self.root, &path, &base, d)?;
        }
        let mut workload_override: HashMap<WorkloadId, BehaviourId> = HashMap::new();
        let mut pod_override: HashMap<PodId, BehaviourId> = HashMap::new();
        let mut first_key: HashMap<Target, String> = HashMap::new();
        for (key, timings) in f.workloads.iter().flat_map(|m| m.0.iter()) {
            let path = Path::parse("behaviour.workloads").key(key);
            let r = parse_ref(key, true).map_err(|p| self.at_key(&path, p))?;
            let target = refs::resolve(&self.cluster, &r).map_err(|p| self.at_key(&path, p))?;
            if let Some(first) = first_key.insert(target, key.clone()) {
                return Err(self.at_key(
                    &path,
                    Problem::new(format!("`{key}` and `{first}` name the same object")),
                ));
            }
            let id = BehaviourId(self.cluster.behaviours.len() as u32);
            let base = self.cluster.behaviours[0].clone();
            let mut b = apply_timings(self.main, self.root, &path, &base, timings)?;
            b.containers = self.container_behaviours(&path, target, &b, timings)?;
            self.cluster.behaviours.push(b);
            match target {
                Target::Workload(w) => workload_override.insert(w, id),
                Target::Pod(p) => pod_override.insert(p, id),
            };
        }
        // A workload follows its own override, else its owner's (a Deployment's ReplicaSets).
        for i in 0..self.cluster.workloads.len() {
            let mut w = WorkloadId(i as u32);
            let b = loop {
                if let Some(b) = workload_override.get(&w) {
                    break *b;
                }
                match self.cluster.workloads[w.index()].owner {
                    Some(o) if o != w => w = o,
                    _ => break BehaviourId(0),
                }
            };
            self.cluster.workloads[i].behaviour = b;
        }
        for i in 0..self.cluster.pods.len() {
            let id = PodId(i as u32);
            let b = pod_override.get(&id).copied().unwrap_or_else(|| {
                self.cluster
                    .controller_of(id)
                    .map_or(BehaviourId(0), |w| self.cluster.workloads[w.index()].behaviour)
            });
            self.cluster.pods[i].behaviour = b;
        }
        Ok(())
    }
}

impl Builder<'_> {
    /// The `containers` entries of one `behaviour.workloads` entry: each container must exist
    /// in the target's pod spec; an entry inherits the workload's behaviour, except `exit` and
    /// `crash` for init containers and sidecars (those are the app containers').
    fn container_behaviours(
        &self,
        path: &Path,
        target: Target,
        workload: &Behaviour,
        t: &TimingsFile,
    ) -> Result<Vec<(String, Behaviour)>, ScenarioError> {
        let Some(entries) = &t.containers else { return Ok(Vec::new()) };
        let spec = match target {
            Target::Workload(w) => self.cluster.workloads[w.index()].template.spec.clone(),
            Target::Pod(p) => self.cluster.pods[p.index()].spec.clone(),
        };
        let mut out = Vec::new();
        for (name, ct) in &entries.0 {
            let cpath = path.key("containers").key(name);
            if ct.containers.is_some() {
                return Err(self.at_key(
                    &cpath.key("containers"),
                    Problem::new("`containers` cannot be nested"),
                ));
            }
            let app = spec.containers.iter().any(|c| &c.name == name);
            let init = spec.init_containers.iter().any(|c| &c.name == name);
            if !app && !init {
                let names: Vec<&str> = spec
                    .init_containers
                    .iter()
                    .chain(&spec.containers)
                    .map(|c| c.name.as_str())
                    .collect();
                return Err(self.at_key(
                    &cpath,
                    Problem::new(format!("no container `{name}` in the pods of this object"))
                        .expected(one_of(&names))
                        .hint(did_you_mean(name, names.iter().copied())),
                ));
            }
            let mut base = workload.clone();
            if !app {
                base.exit = None;
                base.crash = None;
            }
            out.push((name.clone(), apply_timings(self.main, self.root, &cpath, &base, ct)?));
        }
        Ok(out)
    }
}

fn check_dns_label(
    b: &Builder<'_>,
    path: &Path,
    name: &str,
    what: &str,
) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.']);
    if ok {
        return Ok(());
    }
    Err(b.at(
        path,
        Problem::new(format!("invalid {what} `{name}`")).expected(
            "lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit",
        ),
    ))
}

fn ctx_err_missing_spec(m: &Manifest<'_>) -> ScenarioError {
    m.src.at(m.node, &Path::root(), Some(&m.object), Problem::new("missing field `spec`"))
}

fn not_a_workload(m: &Manifest<'_>) -> ScenarioError {
    m.src.at(m.node, &Path::root(), Some(&m.object), Problem::new("internal error: not a workload"))
}

fn ready_condition() -> NodeReady {
    NodeReady {
        status: CondStatus::True,
        reason: "KubeletReady",
        message: "kubelet is posting ready status",
        last_transition: T0,
    }
}

/// The `DefaultTolerationSeconds` admission plugin on a pod that exists at t = 0.
fn admit_default_tolerations(spec: &mut PodSpec, params: &Params) {
    let add = kubesim_model::tolerations::missing_default_tolerations(spec, params);
    spec.tolerations.extend(add);
}

/// What the DaemonSet controller puts on every pod it creates: a DaemonSet pod from a dump
/// already carries these; one written by hand gets them here, so that it tolerates node
/// failures forever as a real one does.
fn daemonset_tolerations(spec: &mut PodSpec) {
    kubesim_model::tolerations::add_daemonset_tolerations(spec, false);
}

/// The status a pod starts with: Running and Ready when the dump says so, terminal phases
/// kept, other bound pods Pending (the kubelet starts them), unbound pods Pending.
/// The note for the fields of a pod's `status` that would change what happens next but that
/// [`initial_status`] does not carry over; `None` when there are none.
fn dropped_status(object: &str, status: Option<&core::PodStatus>, bound: bool) -> Option<String> {
    let st = status?;
    let mut dropped = Vec::new();
    let ready = st
        .conditions
        .as_ref()
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    match st.phase.as_deref() {
        Some("Running") if bound && !ready => dropped.push(
            "it is Running but not Ready: kubesim starts its containers afresh on its node"
                .to_string(),
        ),
        Some("Running" | "Succeeded" | "Failed") if !bound => dropped.push(format!(
            "its phase {} without `spec.nodeName`: kubesim schedules it as a new pod",
            st.phase.as_deref().unwrap_or_default()
        )),
        _ => {}
    }
    let restarts: i64 =
        st.container_statuses.iter().flatten().map(|c| i64::from(c.restart_count)).sum();
    if restarts > 0 {
        dropped.push(format!(
            "restartCount ({restarts} in all): counts and the crash-loop back-off start from 0"
        ));
    }
    if !bound && st.nominated_node_name.is_some() {
        dropped.push("status.nominatedNodeName: the scheduler nominates again".to_string());
    }
    (!dropped.is_empty())
        .then(|| format!("{object}: status not carried over: {}", dropped.join("; ")))
}

fn initial_status(spec: &PodSpec, bound: bool, status: Option<&core::PodStatus>) -> PodStatus {
    let mut s = PodStatus::default();
    if !bound {
        return s;
    }
    let phase = status.and_then(|s| s.phase.as_deref());
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    s.set_condition(PodConditionType::PodScheduled, CondStatus::True, T0, "", "");
    match phase {
        Some("Running") if ready => {
            s.phase = PodPhase::Running;
            s.start_time = Some(T0);
            for t in [
                PodConditionType::PodReadyToStartContainers,
                PodConditionType::Initialized,
                PodConditionType::ContainersReady,
                PodConditionType::Ready,
            ] {
                s.set_condition(t, CondStatus::True, T0, "", "");
            }
            s.container_statuses = spec
                .containers
                .iter()
                .map(|c| ContainerStatus {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    state: ContainerState::Running { started_at: T0 },
                    ready: true,
                    started: true,
                    restart_count: 0,
                    last_state: None,
                })
                .collect();
        }
        Some(p @ ("Succeeded" | "Failed")) => {
            let failed = p == "Failed";
            s.phase = if failed { PodPhase::Failed } else { PodPhase::Succeeded };
            s.start_time = Some(T0);
            s.set_condition(PodConditionType::Ready, CondStatus::False, T0, "PodCompleted", "");
            s.reason = status.and_then(|st| st.reason.clone());
            s.message = status.and_then(|st| st.message.clone());
            s.container_statuses = spec
                .containers
                .iter()
                .map(|c| ContainerStatus {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    state: ContainerState::Terminated {
                        reason: if failed { "Error" } else { "Completed" }.to_string(),
                        exit_code: i32::from(failed),
                        started_at: T0,
                        finished_at: T0,
                    },
                    ready: false,
                    started: false,
                    restart_count: 0,
                    last_state: None,
                })
                .collect();
        }
        _ => {}
    }
    s
}

/// `base` with the fields `t` sets (per-container entries are added by the caller); errors
/// point into `main` under `root`.
pub(crate) fn apply_timings(
    main: &Source,
    root: Node,
    path: &Path,
    base: &Behaviour,
    t: &TimingsFile,
) -> Result<Behaviour, ScenarioError> {
    let at = |path: &Path, p: Problem| main.at(root, path, None, p);
    let at_key = |path: &Path, p: Problem| main.at_key(root, path, None, p);
    let pick = |o: &Option<DistFile>, d: &kubesim_engine::Dist| {
        o.as_ref().map_or_else(|| d.clone(), |f| f.0.clone())
    };
    let crash = match &t.crash {
        None => base.crash.clone(),
        Some(c) => {
            let cp = path.key("crash");
            let chance = match (c.probability, c.times) {
                (Some(_), Some(_)) => {
                    return Err(at_key(
                        &cp.key("times"),
                        Problem::new("give either `probability` or `times`, not both"),
                    ));
                }
                (Some(p), None) if !(0.0..=1.0).contains(&p) => {
                    return Err(at(
                        &cp.key("probability"),
                        Problem::new(format!("invalid probability {p}"))
                            .expected("a number from 0 to 1"),
                    ));
                }
                (Some(p), None) => CrashChance::Probability(p),
                (None, Some(n)) => CrashChance::FirstStarts(n),
                (None, None) => CrashChance::Always,
            };
            Some(Crash { chance, after: c.after.0.clone(), code: c.code.unwrap_or(1) })
        }
    };
    let hook = |f: &Option<HookFile>, h: &Hook| match f {
        None => h.clone(),
        Some(f) => Hook {
            duration: f.duration.as_ref().map_or_else(|| h.duration.clone(), |d| d.0.clone()),
            fail: f.fail.unwrap_or(h.fail),
        },
    };
    Ok(Behaviour {
        image_pull: pick(&t.image_pull, &base.image_pull),
        container_start: pick(&t.container_start, &base.container_start),
        ready: pick(&t.ready, &base.ready),
        shutdown: pick(&t.shutdown, &base.shutdown),
        exit: match &t.exit {
            None => base.exit.clone(),
            Some(e) => Some(Exit { after: e.after.0.clone(), code: e.code.unwrap_or(0) }),
        },
        crash,
        image_pull_error: t.image_pull_error.clone().or_else(|| base.image_pull_error.clone()),
        post_start: hook(&t.post_start, &base.post_start),
        pre_stop: hook(&t.pre_stop, &base.pre_stop),
        containers: Vec::new(),
    })
}

/// Converts the scenario's parameter types to the model's.
trait Conv<T> {
    fn conv(&self) -> T;
}

impl Conv<SimDuration> for crate::format::Dur {
    fn conv(&self) -> SimDuration {
        self.0
    }
}

macro_rules! conv_copy {
    ($($t:ty),*) => {
        $(impl Conv<$t> for $t {
            fn conv(&self) -> $t {
                *self
            }
        })*
    };
}
conv_copy!(f64, u32, u64, i64, bool);
