//! The `expect` list: one kind per entry, workloads, PDBs and actions resolved against the
//! scenario (with the nearest existing name when one is unknown), windows checked.

use crate::error::{Problem, ScenarioError, did_you_mean, one_of};
use crate::format::{
    CompletesFile, CountExpectFile, EXPECT_KINDS, EventExpectFile, ExpectFile, PendingFile,
    RecoversFile, ReplicasExpectFile,
};
use crate::refs::{self, Target, parse_ref};
use crate::source::Source;
use crate::yaml::{Node, Path};
use kubesim_engine::{SimDuration, SimTime};
use kubesim_model::trace::{pdb_ref, workload_ref};
use kubesim_model::{
    Action, ActionKind, ActionRef, Cluster, Expect, Expectation, IntOrPercent, Kind, Operation,
    ReplicaKind,
};

/// Resolves expectations against the initial cluster and the (time-sorted) actions.
pub(crate) struct Expectations<'a> {
    pub main: &'a Source,
    pub root: Node,
    pub cluster: &'a Cluster,
    pub actions: &'a [Action],
    pub duration: SimDuration,
}

/// `1m30s` for a time since the start.
fn dur(t: SimTime) -> SimDuration {
    t.since_start()
}

impl Expectations<'_> {
    fn at(&self, path: &Path, p: Problem) -> ScenarioError {
        self.main.at(self.root, path, None, p)
    }

    /// The expectations, in file order.
    pub fn resolve(&self, list: &[ExpectFile]) -> Result<Vec<Expect>, ScenarioError> {
        let mut out = Vec::new();
        for (i, e) in list.iter().enumerate() {
            let path = Path::parse("expect").index(i);
            let index = self.main.index();
            let kinds: Vec<&str> = index
                .at(self.root, &path)
                .map(|n| index.keys(n).filter(|k| EXPECT_KINDS.contains(k)).collect())
                .unwrap_or_default();
            let kind = match kinds.as_slice() {
                [k] => *k,
                [] => {
                    return Err(self.at(
                        &path,
                        Problem::new("an expectation needs a kind").expected(format!(
                            "exactly one of {}",
                            one_of(&EXPECT_KINDS).trim_start_matches("one of ")
                        )),
                    ));
                }
                [first, second, ..] => {
                    return Err(self.main.at_key(
                        self.root,
                        &path.key(second),
                        None,
                        Problem::new(format!(
                            "an expectation has exactly one kind, but this one has `{first}` and `{second}`"
                        ))
                        .hint(Some("split it into two list entries".into())),
                    ));
                }
            };
            let p = path.key(kind);
            let missing = || self.at(&p, Problem::new(format!("`{kind}` needs its fields")));
            let x = match kind {
                "ready" => {
                    self.replicas(&p, ReplicaKind::Ready, e.ready.as_ref().ok_or_else(missing)?)?
                }
                "available" => self.replicas(
                    &p,
                    ReplicaKind::Available,
                    e.available.as_ref().ok_or_else(missing)?,
                )?,
                "completes" => self.completes(&p, e.completes.as_ref().ok_or_else(missing)?)?,
                "pending" => self.pending(&p, e.pending.as_ref().ok_or_else(missing)?)?,
                "evictions" => self.count(&p, true, e.evictions.as_ref().ok_or_else(missing)?)?,
                "restarts" => self.count(&p, false, e.restarts.as_ref().ok_or_else(missing)?)?,
                "recovers" => self.recovers(&p, e.recovers.as_ref().ok_or_else(missing)?)?,
                "event" => self.event(&p, true, e.event.as_ref().ok_or_else(missing)?)?,
                "noEvent" => self.event(&p, false, e.no_event.as_ref().ok_or_else(missing)?)?,
                _ => {
                    let pdb = match e.no_pdb_violation.as_ref().and_then(|n| n.pdb.as_deref()) {
                        Some(name) => Some(self.pdb(&p.key("pdb"), name)?),
                        None => None,
                    };
                    let text = match &pdb {
                        Some(r) => format!("noPdbViolation {r}"),
                        None => "noPdbViolation".to_string(),
                    };
                    Expect { expectation: Expectation::NoPdbViolation { pdb }, text }
                }
            };
            out.push(x);
        }
        Ok(out)
    }

    /// A top-level workload (one with metrics columns), as its reference `deployment/web`.
    fn workload(&self, path: &Path, s: &str) -> Result<String, ScenarioError> {
        let r = parse_ref(s, true).map_err(|p| self.at(path, p))?;
        if r.kind == Kind::Pod {
            return Err(self.at(
                path,
                Problem::new(format!("`{s}` is a pod, not a workload"))
                    .expected("a deployment, statefulset, daemonset or replicaset"),
            ));
        }
        let Target::Workload(id) = refs::resolve(self.cluster, &r).map_err(|p| {
            let mut p = p;
            if p.hint.is_none()
                && let Some(w) = self
                    .cluster
                    .workloads
                    .iter()
                    .find(|w| w.kind == r.kind && w.meta.name == r.name && w.owner.is_none())
            {
                p = p.hint(Some(format!(
                    "did you mean `{}/{}/{}` (namespace `{}`)?",
                    w.meta.namespace, r.alias, r.name, w.meta.namespace
                )));
            }
            if p.hint.is_none() {
                let names: Vec<String> = self
                    .cluster
                    .top_level_workloads()
                    .map(|w| {
                        let w = &self.cluster.workloads[w.index()];
                        workload_ref(w.kind, &w.meta.namespace, &w.meta.name)
                    })
                    .collect();
                p = p.hint(did_you_mean(s, names.iter().map(String::as_str)));
            }
            self.at(path, p)
        })?
        else {
            return Err(self.at(path, Problem::new(format!("`{s}` is not a workload"))));
        };
        let root = self.cluster.root_workload(id);
        let w = &self.cluster.workloads[root.index()];
        let wref = workload_ref(w.kind, &w.meta.namespace, &w.meta.name);
        if root != id {
            return Err(self.at(
                path,
                Problem::new(format!("`{s}` is owned by `{wref}`"))
                    .expected("a top-level workload (its replica counts are its owner's)")
                    .hint(Some(format!("did you mean `{wref}`?"))),
            ));
        }
        Ok(wref)
    }

    /// A time within the run.
    fn time(&self, path: &Path, d: SimDuration) -> Result<SimTime, ScenarioError> {
        if d > self.duration {
            return Err(self.at(
                path,
                Problem::new(format!("{d} is after the end of the run ({})", self.duration))
                    .expected(format!(
                        "a time from 0s to the scenario's duration, {}",
                        self.duration
                    )),
            ));
        }
        Ok(SimTime(d.as_millis()))
    }

    /// An action by its label (as on charts: `drain node-1`), `label @<time>` when several
    /// actions share it.
    fn action(&self, path: &Path, s: &str) -> Result<(usize, &Action), ScenarioError> {
        let (label, at) = match s.rsplit_once(" @") {
            Some((l, t)) => {
                let t = crate::format::parse_duration(t).map_err(|_| {
                    self.at(
                        path,
                        Problem::new(format!("invalid time `{t}` in `{s}`"))
                            .expected("`<action label> @<time>`, e.g. `cordon node-1 @5m`"),
                    )
                })?;
                (l.trim(), Some(SimTime(t.as_millis())))
            }
            None => (s.trim(), None),
        };
        let found: Vec<(usize, &Action)> = self
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.label == label && at.is_none_or(|t| a.at == t))
            .collect();
        // `upgrade-pool blue` names `upgrade-pool blue (maxSurge 1, maxUnavailable 0)`, and
        // `delete-pod app=shop` names `delete-pod app=shop x2`: a label up to a space.
        let found = if found.is_empty() {
            self.actions
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    a.label.strip_prefix(label).is_some_and(|rest| rest.starts_with(' '))
                        && at.is_none_or(|t| a.at == t)
                })
                .collect()
        } else {
            found
        };
        match found.as_slice() {
            [one] => Ok(*one),
            [] => {
                let labels: Vec<&str> = self.actions.iter().map(|a| a.label.as_str()).collect();
                let mut p = Problem::new(format!("no action `{s}` in the scenario")).expected(
                    "the label of an action, as charts show it: the verb and its target (`drain node-1`, `delete-pod app=web`)",
                );
                p = p.hint(did_you_mean(label, labels.iter().copied()).or_else(|| {
                    (!labels.is_empty()).then(|| {
                        let shown: Vec<String> =
                            labels.iter().take(6).map(|l| format!("`{l}`")).collect();
                        format!("the actions are {}", shown.join(", "))
                    })
                }));
                Err(self.at(path, p))
            }
            many => {
                let times: Vec<String> = many.iter().map(|(_, a)| dur(a.at).to_string()).collect();
                Err(self.at(
                    path,
                    Problem::new(format!(
                        "{} actions are `{label}` (at {})",
                        many.len(),
                        times.join(", ")
                    ))
                    .expected("the label of one action")
                    .hint(Some(format!("write `{label} @{}` to pick one", times[0]))),
                ))
            }
        }
    }

    /// The one `rollout` action of the Deployment `s` names.
    fn rollout_ref(&self, path: &Path, s: &str) -> Result<ActionRef, ScenarioError> {
        let wref = self.workload(path, s)?;
        let found: Vec<(usize, &Action)> = self
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| match &a.kind {
                ActionKind::Rollout { workload, .. } => {
                    let w = &self.cluster.workloads[workload.index()];
                    workload_ref(w.kind, &w.meta.namespace, &w.meta.name) == wref
                }
                _ => false,
            })
            .collect();
        match found.as_slice() {
            [(index, a)] => Ok(ActionRef { index: *index, at: a.at, label: a.label.clone() }),
            [] => Err(self.at(
                path,
                Problem::new(format!("no `rollout` action changes {wref}"))
                    .expected("a Deployment that a `rollout` action of this scenario changes"),
            )),
            many => {
                let labels: Vec<String> =
                    many.iter().map(|(_, a)| format!("`{}`", a.label)).collect();
                Err(self.at(
                    path,
                    Problem::new(format!(
                        "{wref} is rolled out by {} actions: {}",
                        many.len(),
                        labels.join(", ")
                    ))
                    .expected("a Deployment that exactly one `rollout` action changes")
                    .hint(Some("name the action instead: `action: <its label>`".into())),
                ))
            }
        }
    }

    fn action_ref(&self, path: &Path, s: &str) -> Result<ActionRef, ScenarioError> {
        let (index, a) = self.action(path, s)?;
        Ok(ActionRef { index, at: a.at, label: a.label.clone() })
    }

    fn pdb(&self, path: &Path, s: &str) -> Result<String, ScenarioError> {
        let (ns, name) = match s.split('/').collect::<Vec<_>>().as_slice() {
            [n] => ("default", *n),
            ["pdb" | "poddisruptionbudget", n] => ("default", *n),
            // `pdb/prod/web` as outputs print it, or `prod/pdb/web`.
            ["pdb" | "poddisruptionbudget", ns, n] | [ns, "pdb" | "poddisruptionbudget", n] => {
                (*ns, *n)
            }
            _ => {
                return Err(self.at(
                    path,
                    Problem::new(format!("invalid PodDisruptionBudget reference `{s}`"))
                        .expected("the PDB's name, or `pdb/<name>`"),
                ));
            }
        };
        if self.cluster.pdbs.iter().any(|p| p.meta.namespace == ns && p.meta.name == name) {
            return Ok(pdb_ref(ns, name));
        }
        let names: Vec<&str> = self
            .cluster
            .pdbs
            .iter()
            .filter(|p| p.meta.namespace == ns)
            .map(|p| p.meta.name.as_str())
            .collect();
        Err(self.at(
            path,
            Problem::new(format!("no PodDisruptionBudget `{name}` in namespace `{ns}`"))
                .expected("the name of a PodDisruptionBudget of the scenario")
                .hint(did_you_mean(name, names)),
        ))
    }

    fn replicas(
        &self,
        p: &Path,
        kind: ReplicaKind,
        f: &ReplicasExpectFile,
    ) -> Result<Expect, ScenarioError> {
        let workload = self.workload(&p.key("workload"), &f.workload)?;
        let from = match f.from {
            Some(d) => self.time(&p.key("from"), d.0)?,
            None => SimTime(0),
        };
        let to = match f.to {
            Some(d) => Some(self.time(&p.key("to"), d.0)?),
            None => None,
        };
        if let Some(to) = to
            && to < from
        {
            return Err(self.at(
                &p.key("to"),
                Problem::new(format!("`to` ({}) is before `from` ({})", dur(to), dur(from)))
                    .expected("a time at or after `from`"),
            ));
        }
        let min = f.min.0;
        let floor = match min {
            IntOrPercent::Int(n) => format!(">= {n}"),
            IntOrPercent::Percent(n) => format!(">= {n}% of desired"),
        };
        let window = match (from.0, to) {
            (0, None) => "over the whole run".to_string(),
            (_, None) => format!("from {} to the end", dur(from)),
            (_, Some(to)) => format!("from {} to {}", dur(from), dur(to)),
        };
        Ok(Expect {
            text: format!("{} {workload} {floor} {window}", kind.as_str()),
            expectation: Expectation::MinReplicas { kind, workload, min, from, to },
        })
    }

    fn completes(&self, p: &Path, f: &CompletesFile) -> Result<Expect, ScenarioError> {
        let (apath, action) = match (&f.action, &f.rollout) {
            (Some(a), None) => {
                let apath = p.key("action");
                let action = self.action_ref(&apath, a)?;
                (apath, action)
            }
            (None, Some(r)) => {
                let rpath = p.key("rollout");
                let action = self.rollout_ref(&rpath, r)?;
                (rpath, action)
            }
            _ => {
                return Err(self.at(
                    p,
                    Problem::new("`completes` needs exactly one of `action` and `rollout`")
                        .expected("`action: <label of a drain, upgrade-pool or rollout action>` or `rollout: deployment/<name>`"),
                ));
            }
        };
        let operation = match &self.actions[action.index].kind {
            ActionKind::Drain { .. } => Operation::Drain,
            ActionKind::UpgradePool { .. } => Operation::Upgrade,
            ActionKind::Rollout { .. } => Operation::Rollout,
            _ => {
                return Err(self.at(
                    &apath,
                    Problem::new(format!(
                        "`{}` is not a drain, a node-pool upgrade or a rollout",
                        action.label
                    ))
                    .expected("the label of a `drain`, `upgrade-pool` or `rollout` action"),
                ));
            }
        };
        Ok(Expect {
            text: format!(
                "completes {} (at {}) within {}",
                action.label,
                dur(action.at),
                f.within.0
            ),
            expectation: Expectation::Completes { action, operation, within: f.within.0 },
        })
    }

    fn opt_workload(&self, p: &Path, w: Option<&str>) -> Result<Option<String>, ScenarioError> {
        w.map(|w| self.workload(&p.key("workload"), w)).transpose()
    }

    fn pending(&self, p: &Path, f: &PendingFile) -> Result<Expect, ScenarioError> {
        let workload = self.opt_workload(p, f.workload.as_deref())?;
        let whose = workload.as_ref().map_or("no pod".to_string(), |w| format!("no pod of {w}"));
        Ok(Expect {
            text: format!("pending: {whose} Pending longer than {}", f.max.0),
            expectation: Expectation::MaxPending { workload, max: f.max.0 },
        })
    }

    fn count(
        &self,
        p: &Path,
        evictions: bool,
        f: &CountExpectFile,
    ) -> Result<Expect, ScenarioError> {
        let workload = self.opt_workload(p, f.workload.as_deref())?;
        let key = if evictions { "evictions" } else { "restarts" };
        let of = workload.as_ref().map_or(String::new(), |w| format!(" of {w}"));
        let text = format!("{key}{of} <= {}", f.max);
        let expectation = if evictions {
            Expectation::MaxEvictions { workload, max: f.max }
        } else {
            Expectation::MaxRestarts { workload, max: f.max }
        };
        Ok(Expect { expectation, text })
    }

    fn recovers(&self, p: &Path, f: &RecoversFile) -> Result<Expect, ScenarioError> {
        let after = self.action_ref(&p.key("after"), &f.after)?;
        let mut workloads = Vec::new();
        for (i, w) in f.workloads.iter().flatten().enumerate() {
            workloads.push(self.workload(&p.key("workloads").index(i), w)?);
        }
        let which =
            if workloads.is_empty() { "all workloads".to_string() } else { workloads.join(", ") };
        Ok(Expect {
            text: format!(
                "recovers: {which} back to desired within {} after {} (at {})",
                f.within.0,
                after.label,
                dur(after.at)
            ),
            expectation: Expectation::Recovers { after, within: f.within.0, workloads },
        })
    }

    fn event(&self, p: &Path, occurs: bool, f: &EventExpectFile) -> Result<Expect, ScenarioError> {
        if f.reason.is_empty() {
            return Err(self.at(
                &p.key("reason"),
                Problem::new("`reason` is empty")
                    .expected("an event reason such as `FailedScheduling`"),
            ));
        }
        let before = match f.before {
            Some(d) => Some(self.time(&p.key("before"), d.0)?),
            None => None,
        };
        let object = match &f.object {
            Some(o) => Some(self.object(&p.key("object"), o)?),
            None => None,
        };
        let workload = self.opt_workload(p, f.workload.as_deref())?;
        let mut text = format!("{} {}", if occurs { "event" } else { "noEvent" }, f.reason);
        if let Some(o) = &f.object {
            text.push_str(&format!(" on {o}"));
        }
        if let Some(w) = &workload {
            text.push_str(&format!(" for {w}"));
        }
        match before {
            Some(b) => text.push_str(&format!(" by {}", dur(b))),
            None => text.push_str(" by the end"),
        }
        Ok(Expect {
            expectation: Expectation::Event {
                occurs,
                reason: f.reason.clone(),
                before,
                object,
                workload,
            },
            text,
        })
    }

    /// `kind/name` or `namespace/kind/name` of an event's object: the kind as the API spells
    /// it, the namespace (empty for nodes) and the name. Workloads and PDBs must exist; pods
    /// and nodes may be created during the run, so their names are not checked.
    fn object(&self, path: &Path, s: &str) -> Result<(String, String, String), ScenarioError> {
        let known = |k: &str| {
            refs::is_kind(k)
                || matches!(
                    k.to_lowercase().as_str(),
                    "node"
                        | "nodes"
                        | "no"
                        | "pdb"
                        | "poddisruptionbudget"
                        | "poddisruptionbudgets"
                )
        };
        let (ns, kind, name) = match refs::split_ref(s, known) {
            Some(parts) => parts,
            None => {
                return Err(self.at(
                    path,
                    Problem::new(format!("invalid reference `{s}`"))
                        .expected("`kind/name` such as `node/worker-1` or `pod/web-0`, or `namespace/kind/name`"),
                ));
            }
        };
        let lower = kind.to_lowercase();
        match lower.as_str() {
            "node" | "nodes" | "no" => Ok(("Node".into(), String::new(), name.into())),
            "pdb" | "poddisruptionbudget" | "poddisruptionbudgets" => {
                self.pdb(path, &format!("{}/pdb/{name}", ns.unwrap_or("default")))?;
                Ok(("PodDisruptionBudget".into(), ns.unwrap_or("default").into(), name.into()))
            }
            _ => {
                let r = parse_ref(s, true).map_err(|p| {
                    let p = if p.message.starts_with("unknown kind") {
                        Problem::new(format!("unknown kind `{kind}` in `{s}`"))
                            .expected(
                                "node, pod, deployment, replicaset, statefulset, daemonset or pdb",
                            )
                            .hint(p.hint)
                    } else {
                        p
                    };
                    self.at(path, p)
                })?;
                let ns = r.namespace.clone().unwrap_or_else(|| "default".into());
                if matches!(r.kind, Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet) {
                    refs::resolve(self.cluster, &r).map_err(|p| self.at(path, p))?;
                }
                Ok((r.kind.as_str().into(), ns, r.name))
            }
        }
    }
}
