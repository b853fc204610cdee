//! The `actions` timeline: verbs checked, names resolved against the initial cluster (with
//! "did you mean" for near names), labels for charts.

use crate::error::{Problem, ScenarioError, did_you_mean, nearest, one_of};
use crate::format::{
    ActionFile, DeletePodFile, OperatorFile, OutageModeFile, PickFile, ScaleFile, SelectorFile,
    SpotHandlerFile, TaintEffectFile, VERBS,
};
use crate::manifest;
use crate::refs::{self, Target, parse_ref};
use crate::source::Source;
use crate::yaml::{Node, Path};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::{
    Action, ActionKind, Cluster, Kind, LABEL_ZONE, LabelSelector, Labels, NodeId, OutageMode, Pick,
    PodTarget, Requirement, SpotHandler, Taint, TaintEffect,
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
                let p = path.key("spot-interruption");
                let nodes = self.node_list(&p.key("nodes"), &s.nodes.0)?;
                let notice = s.notice.map_or(SimDuration::from_mins(2), |d| d.0);
                let handler = match s.handler {
                    None | Some(SpotHandlerFile::Drain) => SpotHandler::Drain,
                    Some(SpotHandlerFile::None) => SpotHandler::None,
                };
                (
                    ActionKind::SpotInterruption { nodes, notice, handler },
                    format!("spot-interruption {}", s.nodes.0.join(",")),
                )
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
        let ns = d.namespace.clone().unwrap_or_else(|| "default".to_string());
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
        let shown_ns = if ns == "default" { String::new() } else { format!("{ns}/") };
        let (target, label) = match (&d.name, &d.selector) {
            (Some(_), Some(_)) => {
                return Err(self.at_key(
                    &path.key("selector"),
                    Problem::new("give either `name` or `selector`, not both"),
                ));
            }
            (None, None) => {
                return Err(
                    self.at(path, Problem::new("`delete-pod` needs a `name` or a `selector`"))
                );
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
                (
                    PodTarget::Name { namespace: ns.clone(), name: name.clone() },
                    format!("delete-pod {shown_ns}{name}{suffix}"),
                )
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
                let label = format!("delete-pod {shown_ns}{selector}{times}{suffix}");
                (PodTarget::Selector { namespace: ns.clone(), selector, node, count, pick }, label)
            }
        };
        Ok((ActionKind::DeletePod { target, grace_period_seconds, force }, label))
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

fn effect(e: TaintEffectFile) -> TaintEffect {
    match e {
        TaintEffectFile::NoSchedule => TaintEffect::NoSchedule,
        TaintEffectFile::PreferNoSchedule => TaintEffect::PreferNoSchedule,
        TaintEffectFile::NoExecute => TaintEffect::NoExecute,
    }
}
