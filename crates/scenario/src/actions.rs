//! The `actions` timeline: verbs checked, names resolved against the initial cluster (with
//! "did you mean" for near names), labels for charts.

use crate::error::{Problem, ScenarioError, did_you_mean, nearest, one_of};
use crate::format::{
    ActionFile, AddNodeFile, CondStatusFile, DebugFile, DeletePodFile, DrainFile, EvictPodFile,
    MakeHealthyFile, MakeUnhealthyFile, OperatorFile, OutageModeFile, PickFile, PodTargetFile,
    ProbeKindFile, RolloutFile, ScaleFile, SelectorFile, SetPodConditionFile, SpotInterruptionFile,
    TaintEffectFile, UpgradePoolFile, VERBS,
};
use crate::manifest;
use crate::refs::{self, Target, parse_ref};
use crate::source::Source;
use crate::yaml::{Node, Path};
use kubesim_engine::{Dist, SimDuration, SimTime};
use kubesim_model::node::{LABEL_HOSTNAME, LABEL_REGION, LABEL_ZONE};
use kubesim_model::{
    Action, ActionKind, Behaviour, BehaviourId, Cluster, CondStatus, DrainOptions,
    DrainTimeoutBehaviour, Fault, IntOrPercent, Kind, LabelSelector, Labels, Meta, NewNodes,
    NodeId, NodeReady, OutageMode, Pick, PodTarget, ProbeKind, ProbeKinds, Requirement, Resources,
    SpotRate, Taint, TaintEffect, TemplateChange, UpgradeSettings,
};
use std::collections::BTreeSet;

/// Resolves actions against the cluster at t = 0.
pub(crate) struct Actions<'a> {
    pub main: &'a Source,
    pub root: Node,
    pub cluster: &'a Cluster,
    /// Behaviours the actions add (a `rollout`'s `behaviour`), to be appended to
    /// `cluster.behaviours` in this order: the first gets index `cluster.behaviours.len()`.
    pub new_behaviours: std::cell::RefCell<Vec<Behaviour>>,
    /// `cluster.region`, for the labels of added nodes.
    pub region: Option<&'a str>,
    /// `params.maxPods`, for added nodes that do not say.
    pub max_pods: u64,
}

impl Actions<'_> {
    fn at(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at(self.root, path, None, p)
    }

    fn at_key(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at_key(self.root, path, None, p)
    }

    /// `spot-interruption`: named nodes, or `pool` + `ratePerHour` (+ `for`).
    fn spot_interruption(
        &self,
        p: &Path,
        s: &SpotInterruptionFile,
        at: SimTime,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let notice = s.notice.map(|d| d.0);
        let handler = s.handler.map(crate::build::spot_handler);
        let suffix = match (notice, handler) {
            (None, None) => String::new(),
            (n, h) => {
                let mut parts = Vec::new();
                if let Some(n) = n {
                    parts.push(format!("notice {n}"));
                }
                if let Some(h) = h {
                    parts.push(h.name().to_string());
                }
                format!(" ({})", parts.join(", "))
            }
        };
        match (&s.nodes, &s.pool, s.rate_per_hour) {
            (Some(nodes), None, None) => {
                if s.for_.is_some() {
                    return Err(self.at_key(
                        &p.key("for"),
                        Problem::new("`for` is only read with `ratePerHour`")
                            .expected("`pool` and `ratePerHour` with `for`, or no `for`"),
                    ));
                }
                let ids = self.node_list(&p.key("nodes"), &nodes.0)?;
                Ok((
                    ActionKind::SpotInterruption { nodes: ids, notice, handler, rate: None },
                    format!("spot-interruption {}{suffix}", nodes.0.join(",")),
                ))
            }
            (None, Some(pool), Some(rate)) => {
                let Some(index) = self.cluster.pool_by_name(pool) else {
                    let names: Vec<&str> =
                        self.cluster.pools.iter().map(|x| x.name.as_str()).collect();
                    return Err(self.at(
                        &p.key("pool"),
                        Problem::new(format!("no node pool named `{pool}`"))
                            .expected(format!("one of the node pools: {}", names.join(", "))),
                    ));
                };
                if !rate.is_finite() || rate <= 0.0 || rate > 1_000_000.0 {
                    return Err(self.at(
                        &p.key("ratePerHour"),
                        Problem::new(format!("invalid rate {rate}"))
                            .expected("interruptions per hour over the pool: a number above 0 (at most 1000000)"),
                    ));
                }
                let until = s.for_.map(|d| at + d.0);
                let window = s.for_.map_or(String::new(), |d| format!(" for {}", d.0));
                Ok((
                    ActionKind::SpotInterruption {
                        nodes: Vec::new(),
                        notice,
                        handler,
                        rate: Some(SpotRate { pool: index, per_hour: rate, until }),
                    },
                    format!("spot-interruption {pool} {rate}/h{window}{suffix}"),
                ))
            }
            _ => Err(self.at_key(
                p,
                Problem::new(
                    "`spot-interruption` needs either `nodes`, or `pool` and `ratePerHour`",
                )
                .expected("`{nodes: [pool-a-1]}` or `{pool: spot, ratePerHour: 2}`"),
            )),
        }
    }

    /// The actions, in file order (the caller sorts them by time).
    pub fn resolve(&self, actions: &[ActionFile]) -> Result<Vec<Action>, ScenarioError> {
        let mut out = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            let path = Path::parse("actions").index(i);
            let index = self.main.index();
            let verbs: Vec<&str> = index
                .at(self.root, &path)
                .map(|n| index.keys(n).filter(|k| VERBS.contains(k)).collect())
                .unwrap_or_default();
            match verbs.as_slice() {
                [] => {
                    return Err(self.at(
                        &path,
                        Problem::new("an action needs a verb").expected(format!(
                            "exactly one of {}",
                            one_of(&VERBS).trim_start_matches("one of ")
                        )),
                    ));
                }
                [_] => {}
                [first, second, ..] => {
                    return Err(self.at_key(
                        &path.key(second),
                        Problem::new(format!("an action has exactly one verb, but this one has `{first}` and `{second}`"))
                            .hint(Some("split it into two actions with the same `at`".into())),
                    ));
                }
            }
            let at = SimTime(a.at.0.as_millis());
            let (kind, label) = if let Some(d) = &a.delete_pod {
                self.delete_pod(&path.key("delete-pod"), d)?
            } else if let Some(n) = &a.cordon {
                let nodes = self.node_list(&path.key("cordon"), &n.0)?;
                (ActionKind::Cordon { nodes }, format!("cordon {}", n.0.join(",")))
            } else if let Some(n) = &a.uncordon {
                let nodes = self.node_list(&path.key("uncordon"), &n.0)?;
                (ActionKind::Uncordon { nodes }, format!("uncordon {}", n.0.join(",")))
            } else if let Some(s) = &a.scale {
                self.scale(&path.key("scale"), s)?
            } else if let Some(d) = &a.drain {
                self.drain(&path.key("drain"), d)?
            } else if let Some(e) = &a.evict_pod {
                self.evict_pod(&path.key("evict-pod"), e)?
            } else if let Some(r) = &a.rollout {
                self.rollout(&path.key("rollout"), r)?
            } else if let Some(n) = &a.add_node {
                self.add_node(&path.key("add-node"), n)?
            } else if let Some(u) = &a.upgrade_pool {
                self.upgrade_pool(&path.key("upgrade-pool"), u)?
            } else if let Some(n) = &a.crash_node {
                let nodes = self.node_list(&path.key("crash-node"), &n.0)?;
                (ActionKind::CrashNode { nodes }, format!("crash-node {}", n.0.join(",")))
            } else if let Some(n) = &a.stop_kubelet {
                let nodes = self.node_list(&path.key("stop-kubelet"), &n.0)?;
                (ActionKind::StopKubelet { nodes }, format!("stop-kubelet {}", n.0.join(",")))
            } else if let Some(n) = &a.partition {
                let nodes = self.node_list(&path.key("partition"), &n.0)?;
                (ActionKind::Partition { nodes }, format!("partition {}", n.0.join(",")))
            } else if let Some(z) = &a.zone_outage {
                let nodes = self.zone_nodes(&path.key("zone-outage").key("zone"), &z.zone)?;
                let mode = match z.mode {
                    None | Some(OutageModeFile::Crash) => OutageMode::Crash,
                    Some(OutageModeFile::Partition) => OutageMode::Partition,
                };
                let suffix = if mode == OutageMode::Partition { " (partition)" } else { "" };
                (
                    ActionKind::ZoneOutage { zone: z.zone.clone(), nodes, mode },
                    format!("zone-outage {}{suffix}", z.zone),
                )
            } else if let Some(n) = &a.recover_node {
                let nodes = self.node_list(&path.key("recover-node"), &n.0)?;
                (ActionKind::RecoverNode { nodes }, format!("recover-node {}", n.0.join(",")))
            } else if let Some(z) = &a.recover_zone {
                let nodes = self.zone_nodes(&path.key("recover-zone"), z)?;
                (ActionKind::RecoverZone { zone: z.clone(), nodes }, format!("recover-zone {z}"))
            } else if let Some(n) = &a.delete_node {
                let nodes = self.node_list(&path.key("delete-node"), &n.0)?;
                (ActionKind::DeleteNode { nodes }, format!("delete-node {}", n.0.join(",")))
            } else if let Some(s) = &a.spot_interruption {
                self.spot_interruption(&path.key("spot-interruption"), s, at)?
            } else if let Some(t) = &a.taint {
                let p = path.key("taint");
                let nodes = self.node_list(&p.key("nodes"), &t.nodes.0)?;
                if t.key.is_empty() {
                    return Err(self.at(&p.key("key"), Problem::new("a taint needs a `key`")));
                }
                let effect = effect(t.effect);
                let value = t.value.clone().unwrap_or_default();
                let shown =
                    if value.is_empty() { t.key.clone() } else { format!("{}={value}", t.key) };
                let label = format!("taint {} {shown}:{}", t.nodes.0.join(","), effect.as_str());
                let taint = Taint { key: t.key.clone(), value, effect, time_added: None };
                (ActionKind::Taint { nodes, taint }, label)
            } else if let Some(t) = &a.untaint {
                let p = path.key("untaint");
                let nodes = self.node_list(&p.key("nodes"), &t.nodes.0)?;
                let effect = t.effect.map(effect);
                let shown = effect.map_or(String::new(), |e| format!(":{}", e.as_str()));
                let label = format!("untaint {} {}{shown}-", t.nodes.0.join(","), t.key);
                (ActionKind::Untaint { nodes, key: t.key.clone(), effect }, label)
            } else if let Some(c) = &a.set_pod_condition {
                self.set_pod_condition(&path.key("set-pod-condition"), c)?
            } else if let Some(u) = &a.make_unhealthy {
                self.make_unhealthy(&path.key("make-unhealthy"), u)?
            } else if let Some(h) = &a.make_healthy {
                self.make_healthy(&path.key("make-healthy"), h)?
            } else if let Some(d) = &a.debug {
                self.debug(&path.key("debug"), d)?
            } else {
                return Err(self.at(&path, Problem::new("an action needs a verb")));
            };
            out.push(Action { at, kind, label });
        }
        Ok(out)
    }

    fn node_id(&self, path: &Path, name: &str) -> Result<NodeId, ScenarioError> {
        self.cluster.node_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = self.cluster.nodes.iter().map(|n| n.name()).collect();
            self.at(
                path,
                Problem::new(format!("no node `{name}` in the scenario"))
                    .expected(
                        "the name of a node (pool nodes are named `<pool>-1`, `<pool>-2`, ...)",
                    )
                    .hint(did_you_mean(name, names)),
            )
        })
    }

    /// The nodes of a zone (`topology.kubernetes.io/zone`), which must have some.
    fn zone_nodes(&self, path: &Path, zone: &str) -> Result<Vec<NodeId>, ScenarioError> {
        let nodes: Vec<NodeId> = self
            .cluster
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.labels().get(LABEL_ZONE).is_some_and(|z| z == zone))
            .map(|(i, _)| NodeId(i as u32))
            .collect();
        if nodes.is_empty() {
            let zones: BTreeSet<&str> = self
                .cluster
                .nodes
                .iter()
                .filter_map(|n| n.labels().get(LABEL_ZONE).map(String::as_str))
                .collect();
            return Err(self.at(
                path,
                Problem::new(format!("no node is in zone `{zone}`"))
                    .expected(if zones.is_empty() {
                        "a zone of the scenario (no node has a zone)".to_string()
                    } else {
                        format!(
                            "one of {}",
                            zones.iter().map(|z| format!("`{z}`")).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .hint(did_you_mean(zone, zones.iter().copied())),
            ));
        }
        Ok(nodes)
    }

    fn node_list(&self, path: &Path, names: &[String]) -> Result<Vec<NodeId>, ScenarioError> {
        let index = self.main.index();
        let is_list = index.at(self.root, path).is_some_and(|n| index.is_list(n));
        names
            .iter()
            .enumerate()
            .map(|(i, n)| self.node_id(&if is_list { path.index(i) } else { path.clone() }, n))
            .collect()
    }

    fn delete_pod(
        &self,
        path: &Path,
        d: &DeletePodFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let force = d.force.unwrap_or(false);
        if force && d.grace_period_seconds.is_some_and(|g| g > 0) {
            return Err(self.at(
                &path.key("gracePeriodSeconds"),
                Problem::new(
                    "`force: true` deletes at once: `gracePeriodSeconds` must be 0 or left out",
                ),
            ));
        }
        let grace_period_seconds = if force { Some(0) } else { d.grace_period_seconds };
        let suffix = if force { " --force" } else { "" };
        let (target, subject) = self.pod_target(path, "delete-pod", &d.target())?;
        let label = format!("delete-pod {subject}{suffix}");
        Ok((ActionKind::DeletePod { target, grace_period_seconds, force }, label))
    }

    fn evict_pod(
        &self,
        path: &Path,
        e: &EvictPodFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let (target, subject) = self.pod_target(path, "evict-pod", &e.target())?;
        let dry_run = e.dry_run.unwrap_or(false);
        let label = format!("evict-pod {subject}{}", if dry_run { " (dry run)" } else { "" });
        let grace_period_seconds = e.grace_period_seconds;
        Ok((ActionKind::EvictPod { target, grace_period_seconds, dry_run }, label))
    }

    /// The pods a pod verb targets (`name`, or `selector` with `count`, `pick`, `node`), and
    /// how its label names them (`web-0`, `prod/web-0`, `app=web x2`).
    fn pod_target(
        &self,
        path: &Path,
        verb: &str,
        d: &PodTargetFile,
    ) -> Result<(PodTarget, String), ScenarioError> {
        let ns = d.namespace.clone().unwrap_or_else(|| "default".to_string());
        let shown_ns = if ns == "default" { String::new() } else { format!("{ns}/") };
        match (&d.name, &d.selector) {
            (Some(_), Some(_)) => Err(self.at_key(
                &path.key("selector"),
                Problem::new("give either `name` or `selector`, not both"),
            )),
            (None, None) => {
                Err(self.at(path, Problem::new(format!("`{verb}` needs a `name` or a `selector`"))))
            }
            (Some(name), None) => {
                for (field, set) in [
                    ("count", d.count.is_some()),
                    ("pick", d.pick.is_some()),
                    ("node", d.node.is_some()),
                ] {
                    if set {
                        return Err(self.at_key(
                            &path.key(field),
                            Problem::new(format!("`{field}` only applies with `selector`")),
                        ));
                    }
                }
                self.check_pod_name(&path.key("name"), &ns, name)?;
                Ok((
                    PodTarget::Name { namespace: ns.clone(), name: name.clone() },
                    format!("{shown_ns}{name}"),
                ))
            }
            (None, Some(sel)) => {
                let selector = self.selector(&path.key("selector"), sel)?;
                self.check_selector(&path.key("selector"), &ns, &selector)?;
                let node =
                    d.node.as_deref().map(|n| self.node_id(&path.key("node"), n)).transpose()?;
                let count = d.count.unwrap_or(1);
                if count == 0 {
                    return Err(
                        self.at(&path.key("count"), Problem::new("`count` must be at least 1"))
                    );
                }
                let pick = match d.pick.unwrap_or(PickFile::Oldest) {
                    PickFile::Oldest => Pick::Oldest,
                    PickFile::Newest => Pick::Newest,
                    PickFile::Random => Pick::Random,
                };
                let times = if count > 1 { format!(" x{count}") } else { String::new() };
                let subject = format!("{shown_ns}{selector}{times}");
                Ok((
                    PodTarget::Selector { namespace: ns.clone(), selector, node, count, pick },
                    subject,
                ))
            }
        }
    }

    /// Container names of the pods and templates a target can match (for "no container"
    /// errors); empty when nothing is known.
    fn container_names(&self, target: &PodTarget) -> Vec<String> {
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut add = |spec: &kubesim_model::PodSpec| {
            for c in spec.init_containers.iter().chain(&spec.containers) {
                names.insert(c.name.clone());
            }
        };
        match target {
            PodTarget::Name { namespace, name } => {
                if let Some(p) = self.cluster.pod_by_name(namespace, name) {
                    add(&self.cluster.pods[p.index()].spec);
                }
                for w in &self.cluster.workloads {
                    if w.kind == Kind::StatefulSet
                        && &w.meta.namespace == namespace
                        && name.starts_with(&format!("{}-", w.meta.name))
                    {
                        add(&w.template.spec);
                    }
                }
            }
            PodTarget::Selector { namespace, selector, .. } => {
                for p in &self.cluster.pods {
                    if &p.meta.namespace == namespace && selector.matches(&p.meta.labels) {
                        add(&p.spec);
                    }
                }
                for w in &self.cluster.workloads {
                    if &w.meta.namespace == namespace && selector.matches(&w.template.labels) {
                        add(&w.template.spec);
                    }
                }
            }
        }
        names.into_iter().collect()
    }

    /// Checks that `container` names a container of the target's pods.
    fn check_container(
        &self,
        path: &Path,
        target: &PodTarget,
        container: Option<&str>,
    ) -> Result<(), ScenarioError> {
        let Some(c) = container else { return Ok(()) };
        let names = self.container_names(target);
        if names.is_empty() || names.iter().any(|n| n == c) {
            return Ok(());
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        Err(self.at(
            path,
            Problem::new(format!("the target pods have no container `{c}`"))
                .expected(one_of(&refs))
                .hint(did_you_mean(c, refs.iter().copied())),
        ))
    }

    fn set_pod_condition(
        &self,
        path: &Path,
        d: &SetPodConditionFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let (target, subject) = self.pod_target(path, "set-pod-condition", &d.target())?;
        if d.type_.is_empty() {
            return Err(self.at(&path.key("type"), Problem::new("`type` must not be empty")));
        }
        let status = match d.status {
            CondStatusFile::True => CondStatus::True,
            CondStatusFile::False => CondStatus::False,
            CondStatusFile::Unknown => CondStatus::Unknown,
        };
        let label = format!("set-pod-condition {subject} {}={}", d.type_, status.as_str());
        Ok((
            ActionKind::SetPodCondition {
                target,
                condition_type: d.type_.clone(),
                status,
                reason: d.reason.clone().unwrap_or_default(),
                message: d.message.clone().unwrap_or_default(),
            },
            label,
        ))
    }

    fn make_unhealthy(
        &self,
        path: &Path,
        d: &MakeUnhealthyFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let (target, subject) = self.pod_target(path, "make-unhealthy", &d.target())?;
        self.check_container(&path.key("container"), &target, d.container.as_deref())?;
        let probes = match &d.probes {
            None => ProbeKinds::ALL,
            Some(list) if list.is_empty() => {
                return Err(self.at(
                    &path.key("probes"),
                    Problem::new("`probes` must name at least one probe type")
                        .expected("a list of `startup`, `liveness`, `readiness`"),
                ));
            }
            Some(list) => ProbeKinds(list.iter().fold(0, |acc, k| {
                acc | match k {
                    ProbeKindFile::Startup => ProbeKind::Startup.bit(),
                    ProbeKindFile::Liveness => ProbeKind::Liveness.bit(),
                    ProbeKindFile::Readiness => ProbeKind::Readiness.bit(),
                }
            })),
        };
        if d.for_.is_some_and(|f| f.0.is_zero()) {
            return Err(self.at(&path.key("for"), Problem::new("`for` must be greater than 0")));
        }
        let fault = Fault {
            container: d.container.clone(),
            duration: d.for_.map(|f| f.0),
            probes,
            timeout: d.timeout.unwrap_or(false),
            until_restart: d.until_restart.unwrap_or(false),
        };
        let mut label = format!("make-unhealthy {subject}");
        if probes != ProbeKinds::ALL {
            let kinds: Vec<&str> = ProbeKind::ALL
                .iter()
                .filter(|k| probes.contains(**k))
                .map(|k| k.as_lower())
                .collect();
            label.push_str(&format!(" ({})", kinds.join(",")));
        }
        if let Some(f) = fault.duration {
            label.push_str(&format!(" for {f}"));
        }
        Ok((ActionKind::MakeUnhealthy { target, fault }, label))
    }

    fn make_healthy(
        &self,
        path: &Path,
        d: &MakeHealthyFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let (target, subject) = self.pod_target(path, "make-healthy", &d.target())?;
        self.check_container(&path.key("container"), &target, d.container.as_deref())?;
        let label = format!("make-healthy {subject}");
        Ok((ActionKind::MakeHealthy { target, container: d.container.clone() }, label))
    }

    fn debug(&self, path: &Path, d: &DebugFile) -> Result<(ActionKind, String), ScenarioError> {
        let (target, subject) = self.pod_target(path, "debug", &d.target())?;
        if d.image.is_empty() {
            return Err(self.at(&path.key("image"), Problem::new("`image` must not be empty")));
        }
        self.check_container(&path.key("target"), &target, d.target.as_deref())?;
        if let Some(c) = &d.container
            && self.container_names(&target).iter().any(|n| n == c)
        {
            return Err(self.at(
                &path.key("container"),
                Problem::new(format!("the target pods already have a container `{c}`")),
            ));
        }
        let label = format!("debug {subject} {}", d.image);
        Ok((
            ActionKind::Debug {
                target,
                name: d.container.clone(),
                image: d.image.clone(),
                target_container: d.target.clone(),
                run_for: d.for_.map(|f| f.0),
            },
            label,
        ))
    }

    fn drain(&self, path: &Path, d: &DrainFile) -> Result<(ActionKind, String), ScenarioError> {
        let nodes = self.node_list(&path.key("nodes"), &d.nodes.0)?;
        let pod_selector = d
            .pod_selector
            .as_ref()
            .map(|s| self.selector(&path.key("podSelector"), s))
            .transpose()?;
        if d.timeout.is_some_and(|t| t.0.is_zero()) {
            // kubectl: 0 means infinite; say so rather than guess.
            return Err(self.at(
                &path.key("timeout"),
                Problem::new("`timeout: 0` means no timeout: leave `timeout` out instead"),
            ));
        }
        let options = DrainOptions {
            ignore_daemonsets: d.ignore_daemon_sets.unwrap_or(false),
            delete_emptydir_data: d.delete_empty_dir_data.unwrap_or(false),
            force: d.force.unwrap_or(false),
            grace_period_seconds: d.grace_period_seconds,
            timeout: d.timeout.map(|t| t.0),
            disable_eviction: d.disable_eviction.unwrap_or(false),
            pod_selector,
            skip_wait_for_delete_timeout_seconds: d.skip_wait_for_delete_timeout.unwrap_or(0),
        };
        Ok((ActionKind::Drain { nodes, options }, format!("drain {}", d.nodes.0.join(","))))
    }

    fn rollout(&self, path: &Path, r: &RolloutFile) -> Result<(ActionKind, String), ScenarioError> {
        let wpath = path.key("workload");
        let mut re = parse_ref(&r.workload, true).map_err(|p| self.at(&wpath, p))?;
        if re.kind != Kind::Deployment {
            return Err(self.at(
                &wpath,
                Problem::new(format!(
                    "`rollout` changes a Deployment's template, not a {}",
                    re.kind.as_str().to_lowercase()
                ))
                .expected("a deployment, such as `deployment/web`"),
            ));
        }
        re.namespace = self.namespace(path, re.namespace, r.namespace.as_ref())?;
        let Target::Workload(workload) =
            refs::resolve(self.cluster, &re).map_err(|p| self.at(&wpath, p))?
        else {
            return Err(self.at(&wpath, Problem::new("expected a deployment")));
        };
        let restart = r.restart.unwrap_or(false);
        let change = match (&r.image, restart) {
            (Some(_), true) | (None, false) => {
                return Err(self.at(
                    path,
                    Problem::new("`rollout` needs exactly one of `image` and `restart: true`"),
                ));
            }
            (Some(image), false) => {
                if let Some(c) = &r.container {
                    let spec = &self.cluster.workloads[workload.index()].template.spec;
                    let names: Vec<&str> =
                        spec.containers.iter().map(|c| c.name.as_str()).collect();
                    if !names.contains(&c.as_str()) {
                        return Err(self.at(
                            &path.key("container"),
                            Problem::new(format!("no container `{c}` in {}", r.workload))
                                .expected(one_of(&names))
                                .hint(did_you_mean(c, names.iter().copied())),
                        ));
                    }
                }
                TemplateChange::Image { container: r.container.clone(), image: image.clone() }
            }
            (None, true) => {
                if r.container.is_some() {
                    return Err(self.at_key(
                        &path.key("container"),
                        Problem::new("`container` only applies with `image`"),
                    ));
                }
                TemplateChange::Restart
            }
        };
        let label = match &change {
            TemplateChange::Image { image, .. } => format!("rollout {} image={image}", r.workload),
            TemplateChange::Restart => format!("rollout restart {}", r.workload),
        };
        // The new revision's behaviour: the workload's (from `behaviour.workloads`, or the
        // default), with the fields the rollout sets.
        let base = self.cluster.workloads[workload.index()].behaviour;
        let behaviour = match &r.behaviour {
            None => base,
            Some(t) => {
                let bpath = path.key("behaviour");
                if t.containers.is_some() {
                    return Err(self.at_key(
                        &bpath.key("containers"),
                        Problem::new("`containers` is not supported in a rollout's `behaviour`")
                            .hint(Some(
                                "the rollout's behaviour applies to the new pods' app containers"
                                    .into(),
                            )),
                    ));
                }
                let mut b = crate::build::apply_timings(
                    self.main,
                    self.root,
                    &bpath,
                    &self.cluster.behaviours[base.0 as usize],
                    t,
                )?;
                b.containers.clear();
                let mut added = self.new_behaviours.borrow_mut();
                let id = BehaviourId((self.cluster.behaviours.len() + added.len()) as u32);
                added.push(b);
                id
            }
        };
        Ok((ActionKind::Rollout { workload, change, behaviour }, label))
    }

    fn add_node(
        &self,
        path: &Path,
        a: &AddNodeFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        match (&a.pool, &a.name) {
            (Some(_), Some(_)) => Err(self.at_key(
                &path.key("name"),
                Problem::new(
                    "give either `pool` (more nodes of a pool) or `name` (one node), not both",
                ),
            )),
            (None, None) => {
                Err(self.at(path, Problem::new("`add-node` needs a `pool` or a `name`")))
            }
            (Some(pool), None) => {
                for (field, set) in [
                    ("zone", a.zone.is_some()),
                    ("allocatable", a.allocatable.is_some()),
                    ("labels", a.labels.is_some()),
                    ("taints", a.taints.is_some()),
                    ("images", a.images.is_some()),
                ] {
                    if set {
                        return Err(self.at_key(
                            &path.key(field),
                            Problem::new(format!(
                                "`{field}` only applies with `name`: a pool's nodes follow the pool"
                            )),
                        ));
                    }
                }
                self.pool(&path.key("pool"), pool)?;
                let count = a.count.unwrap_or(1);
                if count == 0 {
                    return Err(
                        self.at(&path.key("count"), Problem::new("`count` must be at least 1"))
                    );
                }
                let times = if count > 1 { format!(" x{count}") } else { String::new() };
                Ok((
                    ActionKind::AddNode { nodes: NewNodes::Pool { pool: pool.clone(), count } },
                    format!("add-node {pool}{times}"),
                ))
            }
            (None, Some(name)) => {
                if a.count.is_some() {
                    return Err(self.at_key(
                        &path.key("count"),
                        Problem::new("`count` only applies with `pool`"),
                    ));
                }
                if self.cluster.node_by_name(name).is_some() {
                    return Err(self.at(
                        &path.key("name"),
                        Problem::new(format!("node `{name}` already exists")),
                    ));
                }
                let Some(alloc) = &a.allocatable else {
                    return Err(
                        self.at(path, Problem::new("`add-node` with a `name` needs `allocatable`"))
                    );
                };
                let mut labels = Labels::new();
                labels.insert(LABEL_HOSTNAME.into(), name.clone());
                if let Some(z) = &a.zone {
                    labels.insert(LABEL_ZONE.into(), z.clone());
                }
                if let Some(r) = self.region {
                    labels.insert(LABEL_REGION.into(), r.to_string());
                }
                kubesim_model::node::apply_kubelet_labels(
                    &mut labels,
                    a.labels.clone().unwrap_or_default(),
                );
                let allocatable = Resources {
                    cpu_milli: alloc.cpu.0,
                    memory: alloc.memory.0,
                    ephemeral_storage: alloc
                        .ephemeral_storage
                        .map_or(crate::build::DEFAULT_EPHEMERAL_STORAGE, |q| q.0),
                    pods: alloc.pods.map_or(self.max_pods, |q| q.0),
                };
                let mut taints = Vec::new();
                for (i, t) in a.taints.iter().flatten().enumerate() {
                    if t.key.is_empty() {
                        return Err(self.at(
                            &path.key("taints").index(i).key("key"),
                            Problem::new("a taint needs a `key`"),
                        ));
                    }
                    taints.push(Taint {
                        key: t.key.clone(),
                        value: t.value.clone().unwrap_or_default(),
                        effect: match t.effect {
                            TaintEffectFile::NoSchedule => TaintEffect::NoSchedule,
                            TaintEffectFile::PreferNoSchedule => TaintEffect::PreferNoSchedule,
                            TaintEffectFile::NoExecute => TaintEffect::NoExecute,
                        },
                        time_added: None,
                    });
                }
                let node = kubesim_model::Node {
                    zone: labels.get(LABEL_ZONE).cloned(),
                    meta: Meta {
                        name: name.clone(),
                        labels: labels.into(),
                        generation: 1,
                        ..Meta::default()
                    },
                    allocatable,
                    capacity: allocatable,
                    unschedulable: false,
                    taints,
                    ready: NodeReady {
                        status: CondStatus::True,
                        reason: "KubeletReady",
                        message: "kubelet is posting ready status",
                        last_transition: SimTime(0),
                    },
                    pool: None,
                    images: a.images.iter().flatten().cloned().collect(),
                    removed: None,
                };
                Ok((
                    ActionKind::AddNode { nodes: NewNodes::Node(Box::new(node)) },
                    format!("add-node {name}"),
                ))
            }
        }
    }

    fn upgrade_pool(
        &self,
        path: &Path,
        u: &UpgradePoolFile,
    ) -> Result<(ActionKind, String), ScenarioError> {
        let size = self.pool(&path.key("pool"), &u.pool)?;
        let max_surge = u.max_surge.map_or(IntOrPercent::Int(1), |v| v.0);
        let max_unavailable = u.max_unavailable.map_or(IntOrPercent::Int(0), |v| v.0);
        let settings = UpgradeSettings {
            max_surge,
            max_unavailable,
            provisioning: u
                .provisioning
                .clone()
                .map_or(Dist::Constant(SimDuration::from_mins(1)), |d| d.0),
            drain_timeout: u.drain_timeout.map_or(DrainTimeoutBehaviour::RespectPdb, |d| d.0),
        };
        let s = i64::from(size);
        if max_surge.scaled(s, true) == 0 && max_unavailable.scaled(s, true) == 0 {
            return Err(self.at(
                path,
                Problem::new(
                    "`maxSurge` and `maxUnavailable` cannot both be 0: nothing could be upgraded",
                ),
            ));
        }
        let label = format!(
            "upgrade-pool {} (maxSurge {max_surge}, maxUnavailable {max_unavailable})",
            u.pool
        );
        Ok((ActionKind::UpgradePool { pool: u.pool.clone(), settings }, label))
    }

    /// A node pool of the scenario, and its size at t = 0.
    fn pool(&self, path: &Path, name: &str) -> Result<u32, ScenarioError> {
        if self.cluster.pool_by_name(name).is_none() {
            let names: Vec<&str> = self.cluster.pools.iter().map(|p| p.name.as_str()).collect();
            return Err(self.at(
                path,
                Problem::new(format!("no node pool `{name}` in the scenario"))
                    .expected("the name of one of `cluster.nodePools`")
                    .hint(did_you_mean(name, names)),
            ));
        }
        Ok(self.cluster.nodes.iter().filter(|n| n.pool.as_deref() == Some(name)).count() as u32)
    }

    fn selector(&self, path: &Path, s: &SelectorFile) -> Result<LabelSelector, ScenarioError> {
        let mut out = LabelSelector {
            match_labels: s.match_labels.clone().unwrap_or_default(),
            match_expressions: Vec::new(),
        };
        for (i, r) in s.match_expressions.iter().flatten().enumerate() {
            let operator = match r.operator {
                OperatorFile::In => kubesim_model::Operator::In,
                OperatorFile::NotIn => kubesim_model::Operator::NotIn,
                OperatorFile::Exists => kubesim_model::Operator::Exists,
                OperatorFile::DoesNotExist => kubesim_model::Operator::DoesNotExist,
            };
            let values = r.values.clone().unwrap_or_default();
            let set_op = matches!(r.operator, OperatorFile::In | OperatorFile::NotIn);
            if set_op == values.is_empty() {
                let why = if set_op {
                    "must be given for `In` and `NotIn`"
                } else {
                    "must be left out for `Exists` and `DoesNotExist`"
                };
                return Err(self.at(
                    &path.key("matchExpressions").index(i).key("values"),
                    Problem::new(format!("`values` {why}")),
                ));
            }
            out.match_expressions.push(Requirement { key: r.key.clone(), operator, values });
        }
        Ok(out)
    }

    /// Pods a name may refer to at t = 0: pods of the scenario, and StatefulSet pods
    /// (`<statefulset>-<ordinal>`, whose names are predictable).
    fn check_pod_name(&self, path: &Path, ns: &str, name: &str) -> Result<(), ScenarioError> {
        if self.cluster.pod_by_name(ns, name).is_some() {
            return Ok(());
        }
        let sts_pod = self.cluster.workloads.iter().any(|w| {
            w.kind == Kind::StatefulSet
                && w.meta.namespace == ns
                && name
                    .strip_prefix(w.meta.name.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|o| !o.is_empty() && o.chars().all(|c| c.is_ascii_digit()))
        });
        if sts_pod {
            return Ok(());
        }
        let names: Vec<&str> = self
            .cluster
            .pods
            .iter()
            .filter(|p| p.meta.namespace == ns)
            .map(|p| p.meta.name.as_str())
            .collect();
        Err(self.at(
            path,
            Problem::new(format!("no pod `{name}` in namespace `{ns}`"))
                .expected("the name of a pod of the scenario or of a StatefulSet pod (`<name>-<ordinal>`); pods of Deployments get random names: use a `selector`")
                .hint(did_you_mean(name, names)),
        ))
    }

    /// A selector must match a pod of the scenario or a pod template in its namespace.
    fn check_selector(
        &self,
        path: &Path,
        ns: &str,
        s: &LabelSelector,
    ) -> Result<(), ScenarioError> {
        let pods =
            self.cluster.pods.iter().filter(|p| p.meta.namespace == ns).map(|p| &*p.meta.labels);
        let templates = self
            .cluster
            .workloads
            .iter()
            .filter(|w| w.meta.namespace == ns)
            .map(|w| &*w.template.labels);
        let label_sets: Vec<&Labels> = pods.chain(templates).collect();
        if label_sets.iter().any(|l| s.matches(l)) {
            return Ok(());
        }
        let known: BTreeSet<String> =
            label_sets.iter().flat_map(|l| manifest::label_pairs(l)).collect();
        let mut hint = None;
        for (k, v) in &s.match_labels {
            let pair = format!("{k}={v}");
            if !known.contains(&pair)
                && let Some(n) = nearest(&pair, known.iter().map(String::as_str))
            {
                hint = Some(format!("did you mean `{n}`?"));
                break;
            }
        }
        if hint.is_none() && label_sets.is_empty() {
            let namespaces: BTreeSet<&str> = self
                .cluster
                .pods
                .iter()
                .map(|p| p.meta.namespace.as_str())
                .chain(self.cluster.workloads.iter().map(|w| w.meta.namespace.as_str()))
                .collect();
            hint = nearest(ns, namespaces.iter().copied())
                .map(|n| format!("did you mean namespace `{n}`?"));
        }
        Err(self.at(
            path,
            Problem::new(format!(
                "selector `{s}` matches no pod or pod template in namespace `{ns}`"
            ))
            .hint(hint),
        ))
    }

    /// The namespace of a `workload` reference (`deployment/prod/web` as outputs print it, or
    /// `prod/deployment/web`) and of a `namespace` field; both may be given only if equal.
    fn namespace(
        &self,
        path: &Path,
        in_ref: Option<String>,
        field: Option<&String>,
    ) -> Result<Option<String>, ScenarioError> {
        match (in_ref, field) {
            (Some(a), Some(b)) if &a != b => Err(self.at(
                &path.key("namespace"),
                Problem::new(format!(
                    "`namespace: {b}` differs from the namespace `{a}` of `workload`"
                ))
                .expected("one namespace: in `workload` or in `namespace`"),
            )),
            (a, b) => Ok(a.or_else(|| b.cloned())),
        }
    }

    fn scale(&self, path: &Path, s: &ScaleFile) -> Result<(ActionKind, String), ScenarioError> {
        let wpath = path.key("workload");
        let mut r = parse_ref(&s.workload, true).map_err(|p| self.at(&wpath, p))?;
        if matches!(r.kind, Kind::Pod | Kind::DaemonSet) {
            let what = if r.kind == Kind::Pod { "a pod" } else { "a daemonset" };
            return Err(self.at(
                &wpath,
                Problem::new(format!("{what} cannot be scaled"))
                    .expected("a deployment, replicaset or statefulset"),
            ));
        }
        r.namespace = self.namespace(path, r.namespace, s.namespace.as_ref())?;
        let Target::Workload(workload) =
            refs::resolve(self.cluster, &r).map_err(|p| self.at(&wpath, p))?
        else {
            return Err(self.at(&wpath, Problem::new("a pod cannot be scaled")));
        };
        let label = format!("scale {} to {}", s.workload, s.replicas);
        Ok((ActionKind::Scale { workload, replicas: s.replicas }, label))
    }
}

fn effect(e: TaintEffectFile) -> TaintEffect {
    match e {
        TaintEffectFile::NoSchedule => TaintEffect::NoSchedule,
        TaintEffectFile::PreferNoSchedule => TaintEffect::PreferNoSchedule,
        TaintEffectFile::NoExecute => TaintEffect::NoExecute,
    }
}
