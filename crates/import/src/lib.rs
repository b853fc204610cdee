//! `kubesim import`: turns a snapshot of a real cluster (the output of `kubectl get
//! nodes,pods,deployments,replicasets,statefulsets,daemonsets,replicationcontrollers,services,
//! poddisruptionbudgets,priorityclasses -A -o yaml`, or `-o json`, one `List` or several files)
//! into a kubesim scenario that runs unchanged.
//!
//! # Pipeline
//!
//! 1. **Read** ([`read`]): each file is read bounded (regular files only, at most
//!    `max_file_bytes`, UTF-8), then parsed as JSON (when it opens with `{` or `[`) or as
//!    multi-document YAML into untyped trees; `kind: List` and typed lists (`PodList`) are
//!    flattened into their items.
//! 2. **Sort out** ([`import`]): the kinds kubesim simulates are kept (see [`KEPT`]); every other
//!    kind is left out and counted for the header. Server-side noise is dropped from what is
//!    kept ([`clean`]): `metadata.managedFields`, `resourceVersion`, `selfLink`, the
//!    `kubectl.kubernetes.io/last-applied-configuration` annotation. Everything else stays as
//!    the API server wrote it: pods with `spec.nodeName` and a Running/Ready status start
//!    bound and running, pods without it start Pending, pods with `deletionTimestamp` start
//!    Terminating, and owner references are kept (the scenario loader resolves them).
//! 3. **Pools** ([`pools`]): nodes are grouped into node pools by the providers' pool labels,
//!    else by identical shape; each Node manifest stays as it is (labels, taints, allocatable,
//!    images, conditions) and gets `kubesim.io/node-pool: <pool>`, which makes it one of the
//!    pool's nodes. Each pool is written with `count: 0` as the template of the nodes
//!    `add-node` and `upgrade-pool` create.
//! 4. **Anonymize** ([`anon`], `--anonymize`): namespaces, workloads, pods, nodes, images and
//!    label values are renamed consistently with names drawn from a seeded stream.
//! 5. **Write** ([`write`]): the scenario text (header comment, `cluster.nodePools`, the
//!    manifests under `workloads:`, empty `actions:` and `expect:` with commented examples),
//!    to stdout or atomically to a file.

pub mod anon;
pub mod clean;
pub mod pools;
pub mod read;
pub mod write;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub use read::{Input, parse_text, read_file};
pub use write::{WriteError, write_atomically};

/// The kinds kept, with the apiVersion kubesim reads them in, in the order they are written.
pub const KEPT: [(&str, &str); 8] = [
    ("PriorityClass", "scheduling.k8s.io/v1"),
    ("Node", "v1"),
    ("Deployment", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("PodDisruptionBudget", "policy/v1"),
    ("Pod", "v1"),
];

/// What an import is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The scenario's `name` (also its results directory); default from the first file's
    /// name, else `imported`.
    pub name: Option<String>,
    /// Rename namespaces, workloads, pods, nodes, images and label values.
    pub anonymize: bool,
    /// Seed of the anonymizing names.
    pub seed: u64,
}

/// What a snapshot held and what was made of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The scenario's name.
    pub name: String,
    /// Where the snapshot came from (files, or a cluster's server and context).
    pub source: Vec<String>,
    /// Objects read, of every kind.
    pub objects_read: u64,
    /// Node pools and their node counts, in the order written.
    pub pools: Vec<(String, u64)>,
    /// Nodes kept.
    pub nodes: u64,
    /// Pods kept, and among them those bound to a node, Pending (unbound) and Terminating.
    pub pods: u64,
    /// Pods with `spec.nodeName`.
    pub bound: u64,
    /// Pods without `spec.nodeName`.
    pub pending: u64,
    /// Pods with `metadata.deletionTimestamp`.
    pub terminating: u64,
    /// Kept objects per kind.
    pub kept: BTreeMap<String, u64>,
    /// Objects left out per kind (`Service`, `ReplicationController`, ... and kept kinds in
    /// an apiVersion kubesim does not read, as `Kind (apiVersion)`).
    pub left_out: BTreeMap<String, u64>,
    /// Pods left out because their node is not in the snapshot.
    pub pods_on_missing_nodes: u64,
    /// Objects left out because an object of the same kind, namespace and name came first.
    pub duplicates: u64,
}

/// The scenario written and what it holds.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario file's text.
    pub text: String,
    /// What it holds.
    pub summary: Summary,
}

/// `(kind, namespace, name)` of a manifest, namespace `default` when missing for namespaced
/// kinds.
fn key(v: &Value) -> (String, String, String) {
    let kind = str_at(v, &["kind"]).unwrap_or_default().to_string();
    let cluster_scoped = kind == "Node" || kind == "PriorityClass";
    let ns = if cluster_scoped {
        String::new()
    } else {
        str_at(v, &["metadata", "namespace"]).unwrap_or("default").to_string()
    };
    let name = str_at(v, &["metadata", "name"]).unwrap_or_default().to_string();
    (kind, ns, name)
}

/// The string at `path`, if there is one.
pub(crate) fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// A DNS label made of `s`: lower case, `[a-z0-9-]`, at most 63 characters, starting and
/// ending with an alphanumeric; `fallback` when nothing is left.
pub(crate) fn dns_label(s: &str, fallback: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.truncate(63);
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { fallback.to_string() } else { out }
}

/// Turns the objects of `inputs` into a scenario. `source` says where the snapshot came from
/// (one line each, for the header).
pub fn import(inputs: Vec<Input>, source: Vec<String>, opts: &Options) -> Result<Imported, String> {
    let mut summary = Summary { source, ..Summary::default() };
    let name = match &opts.name {
        Some(n) => {
            let clean = dns_label(n, "");
            if clean != *n {
                return Err(format!(
                    "--name `{n}`: expected a scenario name of lower-case letters, digits and `-` (such as `{}`)",
                    dns_label(n, "imported")
                ));
            }
            clean
        }
        None => inputs
            .first()
            .and_then(|i| i.stem.as_deref())
            .map_or_else(|| "imported".to_string(), |s| dns_label(s, "imported")),
    };
    summary.name = name.clone();

    // Sort out: kept kinds by kind, in input order; the rest counted.
    let mut by_kind: Vec<Vec<Value>> = vec![Vec::new(); KEPT.len()];
    let mut seen: BTreeSet<(String, String, String)> = BTreeSet::new();
    for input in inputs {
        for mut obj in input.objects {
            summary.objects_read += 1;
            let kind = str_at(&obj, &["kind"]).unwrap_or("<no kind>").to_string();
            let api = str_at(&obj, &["apiVersion"]).unwrap_or("").to_string();
            let Some(slot) = KEPT.iter().position(|(k, _)| *k == kind) else {
                *summary.left_out.entry(kind).or_default() += 1;
                continue;
            };
            if KEPT[slot].1 != api {
                *summary.left_out.entry(format!("{kind} ({api})")).or_default() += 1;
                continue;
            }
            if !seen.insert(key(&obj)) {
                summary.duplicates += 1;
                continue;
            }
            clean::clean(&mut obj);
            by_kind[slot].push(obj);
        }
    }

    // Pods bound to a node the snapshot does not hold cannot start bound: left out, counted.
    let node_slot = KEPT.iter().position(|(k, _)| *k == "Node").unwrap_or(1);
    let pod_slot = KEPT.len() - 1;
    let node_names: BTreeSet<String> = by_kind[node_slot]
        .iter()
        .filter_map(|n| str_at(n, &["metadata", "name"]).map(str::to_string))
        .collect();
    let pods = std::mem::take(&mut by_kind[pod_slot]);
    for pod in pods {
        match str_at(&pod, &["spec", "nodeName"]) {
            Some(n) if !n.is_empty() && !node_names.contains(n) => {
                summary.pods_on_missing_nodes += 1;
            }
            _ => by_kind[pod_slot].push(pod),
        }
    }

    if opts.anonymize {
        anon::anonymize(&mut by_kind, opts.seed);
    }

    let pools = pools::infer(&mut by_kind[node_slot]);
    summary.pools = pools.iter().map(|p| (p.name.clone(), p.count)).collect();
    summary.nodes = by_kind[node_slot].len() as u64;
    for pod in &by_kind[pod_slot] {
        summary.pods += 1;
        match str_at(pod, &["spec", "nodeName"]) {
            Some(n) if !n.is_empty() => summary.bound += 1,
            _ => summary.pending += 1,
        }
        if pod
            .get("metadata")
            .and_then(|m| m.get("deletionTimestamp"))
            .is_some_and(|t| !t.is_null())
        {
            summary.terminating += 1;
        }
    }
    for (slot, objs) in by_kind.iter().enumerate() {
        if !objs.is_empty() {
            summary.kept.insert(KEPT[slot].0.to_string(), objs.len() as u64);
        }
    }
    let region = pools::common_region(&by_kind[node_slot]);
    let text = write::scenario(&summary, region.as_deref(), &pools, &by_kind, opts.anonymize)?;
    Ok(Imported { text, summary })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label("Default_Pool", "x"), "default-pool");
        assert_eq!(dns_label("--a..b--", "x"), "a-b");
        assert_eq!(dns_label("???", "x"), "x");
        assert_eq!(dns_label(&"a".repeat(70), "x").len(), 63);
    }
}
