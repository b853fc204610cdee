//! Resource budgets: the pods and nodes a scenario can create, estimated before it runs and
//! refused (with the place that causes it) when above `--max-pods` / `--max-nodes`.
//!
//! The estimate is an upper bound on what exists at once, not a prediction:
//! - **nodes**: the nodes at the start, plus every `add-node`, plus, for every `upgrade-pool`,
//!   the pool's size (each upgraded node is a new Node object; kubesim keeps removed objects
//!   in its tables, so they cost memory until the end of the run); an autoscaling pool counts
//!   at its `maxCount` (the cluster autoscaler may grow it that far) from the start;
//! - **pods**: for each top-level workload the largest of its `replicas` and every `scale` of
//!   it, plus a Deployment's `maxSurge` of that (the rollout's extra pods); a DaemonSet one
//!   pod per node of the node estimate; plus the pods of the manifests no workload controls.
//!
//! Simplification: pods replaced over a run (evictions, drains, rollouts one after another)
//! are not multiplied in; a scenario's events stay bounded by `MAX_EVENTS_PER_INSTANT` and its
//! duration. The defaults and the per-pod memory they are chosen from are in the README
//! ("Safety limits").

use crate::error::{Problem, ScenarioError};
use crate::source::Source;
use crate::yaml::{Node, Path};
use kubesim_model::autoscaler::NodeGroup;
use kubesim_model::workload::{DeploymentStrategy, WorkloadSpec};
use kubesim_model::{Action, ActionKind, Cluster, Kind, NewNodes, WorkloadId};
use std::collections::{BTreeMap, HashMap};

/// Where a workload's manifest is, to point at it.
pub(crate) struct WorkloadAt<'a> {
    pub src: &'a Source,
    pub node: Node,
    pub object: String,
}

/// The inputs of the check.
pub(crate) struct Budget<'a, 'b> {
    pub main: &'a Source,
    pub root: Node,
    pub max_pods: u64,
    pub max_nodes: u64,
    pub workloads: &'b HashMap<WorkloadId, WorkloadAt<'a>>,
    /// The autoscaling node pools (`params.clusterAutoscaler`'s node groups).
    pub node_groups: &'b [NodeGroup],
}

/// What raises the pod estimate, to point at the largest.
enum Cause {
    Workload(WorkloadId),
    Action(usize),
    Manifests,
}

impl Budget<'_, '_> {
    /// Checks `cluster` and `actions` (in file order, one per `actions[]` entry).
    pub fn check(&self, cluster: &Cluster, actions: &[Action]) -> Result<(), ScenarioError> {
        let nodes = self.nodes(cluster, actions)?;
        self.pods(cluster, actions, nodes)
    }

    fn nodes(&self, cluster: &Cluster, actions: &[Action]) -> Result<u64, ScenarioError> {
        let mut pools: BTreeMap<&str, u64> = BTreeMap::new();
        for n in &cluster.nodes {
            if let Some(p) = &n.pool {
                *pools.entry(p.as_str()).or_default() += 1;
            }
        }
        let mut total = cluster.nodes.len() as u64;
        // An autoscaling pool may grow to `maxCount`: its nodes beyond those it starts with
        // count from the start (and an upgrade of it replaces up to `maxCount`).
        for g in self.node_groups {
            let name = cluster.pools[g.pool].name.as_str();
            let start = pools.get(name).copied().unwrap_or(0);
            let max = u64::from(g.max_count);
            if max > start {
                pools.insert(name, max);
                total = total.saturating_add(max - start);
            }
            if total > self.max_nodes {
                return Err(self.main.at(
                    self.root,
                    &Path::parse("cluster.nodePools").index(g.pool).key("maxCount"),
                    None,
                    Problem::new(format!(
                        "with this pool's autoscaling the scenario can have {total} nodes, more than the limit of {} (--max-nodes)",
                        self.max_nodes
                    ))
                    .expected("a smaller `maxCount`, or a larger --max-nodes (see the README, \"Safety limits\")"),
                ));
            }
        }
        for (i, a) in actions.iter().enumerate() {
            let (added, field) = match &a.kind {
                ActionKind::AddNode { nodes: NewNodes::Pool { pool, count } } => {
                    *pools.entry(pool.as_str()).or_default() += u64::from(*count);
                    (u64::from(*count), "add-node.count")
                }
                ActionKind::AddNode { nodes: NewNodes::Node(_) } => (1, "add-node"),
                ActionKind::UpgradePool { pool, .. } => {
                    (pools.get(pool.as_str()).copied().unwrap_or(0), "upgrade-pool")
                }
                _ => continue,
            };
            total = total.saturating_add(added);
            if total > self.max_nodes {
                return Err(self.main.at(
                    self.root,
                    &Path::parse("actions").index(i).join(&Path::parse(field)),
                    None,
                    Problem::new(format!(
                        "with this action the scenario can create {total} nodes, more than the limit of {} (--max-nodes)",
                        self.max_nodes
                    ))
                    .expected("fewer nodes, or a larger --max-nodes (see the README, \"Safety limits\")"),
                ));
            }
        }
        Ok(total)
    }

    fn pods(&self, cluster: &Cluster, actions: &[Action], nodes: u64) -> Result<(), ScenarioError> {
        // The largest replicas each workload is given, and by which action.
        let mut peak: BTreeMap<WorkloadId, (u64, Option<usize>)> = BTreeMap::new();
        for w in cluster.top_level_workloads() {
            peak.insert(w, (u64::from(cluster.workloads[w.index()].replicas), None));
        }
        for (i, a) in actions.iter().enumerate() {
            if let ActionKind::Scale { workload, replicas } = &a.kind {
                let w = cluster.root_workload(*workload);
                let e = peak.entry(w).or_insert((0, None));
                if u64::from(*replicas) > e.0 {
                    *e = (u64::from(*replicas), Some(i));
                }
            }
        }
        let mut total: u64 = 0;
        let mut largest: (u64, Cause) = (0, Cause::Manifests);
        for (&w, &(replicas, action)) in &peak {
            let wl = &cluster.workloads[w.index()];
            let pods = match &wl.spec {
                WorkloadSpec::Deployment {
                    strategy: DeploymentStrategy::RollingUpdate { max_surge, .. },
                    ..
                } => {
                    let surge = max_surge.scaled(replicas.min(i64::MAX as u64) as i64, true);
                    replicas.saturating_add(surge.max(0) as u64)
                }
                WorkloadSpec::DaemonSet { .. } => nodes,
                _ => replicas,
            };
            total = total.saturating_add(pods);
            if pods > largest.0 {
                let cause = match action {
                    Some(i) => Cause::Action(i),
                    None => Cause::Workload(w),
                };
                largest = (pods, cause);
            }
        }
        let controlled: usize =
            (0..cluster.workloads.len()).map(|w| cluster.pods_of(WorkloadId(w as u32)).len()).sum();
        let bare = (cluster.live_pods().count().saturating_sub(controlled)) as u64;
        total = total.saturating_add(bare);
        if bare > largest.0 {
            largest = (bare, Cause::Manifests);
        }
        if total <= self.max_pods {
            return Ok(());
        }
        let problem = |what: String| {
            Problem::new(format!(
                "the scenario can create about {total} pods ({what}), more than the limit of {} (--max-pods)",
                self.max_pods
            ))
            .expected("fewer replicas, or a larger --max-pods (see the README, \"Safety limits\")")
        };
        Err(match largest.1 {
            Cause::Action(i) => self.main.at(
                self.root,
                &Path::parse("actions").index(i).join(&Path::parse("scale.replicas")),
                None,
                problem(format!("{} of them from this scale action", largest.0)),
            ),
            Cause::Workload(w) => {
                let wl = &cluster.workloads[w.index()];
                let what = if wl.kind == Kind::DaemonSet {
                    format!("{} from this DaemonSet, one per node of {nodes}", largest.0)
                } else {
                    format!("up to {} from this {}", largest.0, wl.kind.as_str())
                };
                match self.workloads.get(&w) {
                    Some(at) => {
                        let field = if wl.kind == Kind::DaemonSet {
                            "metadata.name"
                        } else {
                            "spec.replicas"
                        };
                        at.src.at(at.node, &Path::parse(field), Some(&at.object), problem(what))
                    }
                    None => self.main.at(self.root, &Path::parse("workloads"), None, problem(what)),
                }
            }
            Cause::Manifests => self.main.at(
                self.root,
                &Path::parse("workloads"),
                None,
                problem(format!("{} of them pods of the manifests", largest.0)),
            ),
        })
    }
}
