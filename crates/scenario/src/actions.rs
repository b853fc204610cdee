//! The `actions` timeline: verbs checked, names resolved against the initial cluster (with
//! "did you mean" for near names), labels for charts.

use crate::error::{Problem, ScenarioError, did_you_mean, nearest, one_of};
use crate::format::{
    ActionFile, CondStatusFile, DebugFile, DeletePodFile, MakeHealthyFile, MakeUnhealthyFile,
    OperatorFile, PickFile, PodTargetFile, ProbeKindFile, ScaleFile, SelectorFile,
    SetPodConditionFile, VERBS,
};
use crate::manifest;
use crate::refs::{self, Target, parse_ref};
use crate::source::Source;
use crate::yaml::{Node, Path};
use kubesim_engine::SimTime;
use kubesim_model::{
    Action, ActionKind, Cluster, CondStatus, Fault, Kind, LabelSelector, Labels, NodeId, Pick,
    PodTarget, ProbeKind, ProbeKinds, Requirement,
};
use std::collections::BTreeSet;

/// Resolves actions against the cluster at t = 0.
pub(crate) struct Actions<'a> {
    pub main: &'a Source,
    pub root: &'a Node,
    pub cluster: &'a Cluster,
}

impl Actions<'_> {
    fn at(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at(self.root, path, None, p)
    }

    fn at_key(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at_key(self.root, path, None, p)
    }

    /// The actions, in file order (the caller sorts them by time).
    pub fn resolve(&self, actions: &[ActionFile]) -> Result<Vec<Action>, ScenarioError> {
        let mut out = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            let path = Path::parse("actions").index(i);
            let verbs: Vec<&str> = self
                .root
                .at(&path)
                .and_then(Node::entries)
                .map(|es| es.iter().map(|e| e.key.as_str()).filter(|k| VERBS.contains(k)).collect())
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

    fn node_list(&self, path: &Path, names: &[String]) -> Result<Vec<NodeId>, ScenarioError> {
        let is_list = self.root.at(path).is_some_and(|n| n.items().is_some());
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
            self.cluster.pods.iter().filter(|p| p.meta.namespace == ns).map(|p| &p.meta.labels);
        let templates = self
            .cluster
            .workloads
            .iter()
            .filter(|w| w.meta.namespace == ns)
            .map(|w| &w.template.labels);
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

    fn scale(&self, path: &Path, s: &ScaleFile) -> Result<(ActionKind, String), ScenarioError> {
        let wpath = path.key("workload");
        let mut r = parse_ref(&s.workload, false).map_err(|p| self.at(&wpath, p))?;
        if r.kind == Kind::Pod {
            return Err(self.at(
                &wpath,
                Problem::new("a pod cannot be scaled")
                    .expected("a deployment, replicaset or statefulset"),
            ));
        }
        r.namespace = s.namespace.clone();
        let Target::Workload(workload) =
            refs::resolve(self.cluster, &r).map_err(|p| self.at(&wpath, p))?
        else {
            return Err(self.at(&wpath, Problem::new("a pod cannot be scaled")));
        };
        let label = format!("scale {} to {}", s.workload, s.replicas);
        Ok((ActionKind::Scale { workload, replicas: s.replicas }, label))
    }
}
