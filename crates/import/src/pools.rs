//! Node pools inferred from the nodes of a snapshot.
//!
//! A node belongs to the pool its provider's pool label names, looked up in this order
//! ([`POOL_LABELS`]): `kubesim.io/node-pool` (a kubesim `state.yaml` imported back),
//! `kubernetes.azure.com/agentpool` and `agentpool` (AKS), `cloud.google.com/gke-nodepool`
//! (GKE), `eks.amazonaws.com/nodegroup` (EKS managed node groups), `karpenter.sh/nodepool`
//! (Karpenter). A node without any is grouped with the nodes of identical shape: the same
//! allocatable cpu, memory, pods and ephemeral-storage, the same taints and the same
//! `node.kubernetes.io/instance-type`; such a pool is named after the control-plane role
//! (`control-plane`), else the instance type, else `pool`.
//!
//! Each pool is a template for the nodes `add-node` and `upgrade-pool` create: the most common
//! allocatable of its nodes, their zones (sorted; new nodes go round-robin over them), the
//! labels all of them carry with the same value (but not the per-node ones: hostname, zone,
//! region), the taints all of them carry (but not the ones the node controllers set:
//! `node.kubernetes.io/*`, `node.cloudprovider.kubernetes.io/uninitialized`). Its `count` is 0:
//! the snapshot's nodes are written as Node manifests with `kubesim.io/node-pool: <pool>`,
//! which makes each one a node of the pool.

use crate::{dns_label, str_at};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The label kubesim's pools put on their nodes.
pub const KUBESIM_POOL: &str = "kubesim.io/node-pool";

/// Pool labels, most specific first.
pub const POOL_LABELS: [&str; 6] = [
    KUBESIM_POOL,
    "kubernetes.azure.com/agentpool",
    "agentpool",
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "karpenter.sh/nodepool",
];

/// Labels that belong to one node, never to its pool's template.
const PER_NODE_LABELS: [&str; 7] = [
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.gke.io/zone",
    KUBESIM_POOL,
];

/// The allocatable resources a pool template has.
const RESOURCES: [&str; 4] = ["cpu", "memory", "pods", "ephemeral-storage"];

/// An inferred pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Its name (a DNS label, unique).
    pub name: String,
    /// How its nodes were found: `label <key>=<value>` or `shape`.
    pub how: String,
    /// Its nodes in the snapshot.
    pub count: u64,
    /// The zones of its nodes, sorted.
    pub zones: Vec<String>,
    /// The most common allocatable (cpu, memory, pods, ephemeral-storage) of its nodes.
    pub allocatable: BTreeMap<String, String>,
    /// Labels its nodes share.
    pub labels: BTreeMap<String, String>,
    /// Taints its nodes share, as written in the manifests.
    pub taints: Vec<Value>,
}

fn labels(node: &Value) -> Option<&Map<String, Value>> {
    node.get("metadata")?.get("labels")?.as_object()
}

fn label<'n>(node: &'n Value, key: &str) -> Option<&'n str> {
    labels(node)?.get(key)?.as_str().filter(|s| !s.is_empty())
}

/// A quantity as text (`4` and `"4"` alike).
fn quantity(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// cpu, memory, pods and ephemeral-storage from `status.allocatable`, else `status.capacity`.
fn allocatable(node: &Value) -> BTreeMap<String, String> {
    let status = node.get("status");
    let a = status.and_then(|s| s.get("allocatable")).and_then(Value::as_object);
    let c = status.and_then(|s| s.get("capacity")).and_then(Value::as_object);
    RESOURCES
        .iter()
        .filter_map(|r| {
            let v = a.and_then(|a| a.get(*r)).or_else(|| c.and_then(|c| c.get(*r)))?;
            Some((r.to_string(), quantity(v)?))
        })
        .collect()
}

/// Taints set by Kubernetes' own controllers (conditions, cordon, cloud init): not a pool's.
fn controller_taint(t: &Value) -> bool {
    let key = str_at(t, &["key"]).unwrap_or("");
    key.starts_with("node.kubernetes.io/")
        || key == "node.cloudprovider.kubernetes.io/uninitialized"
}

/// A taint without its `timeAdded`, for comparing.
fn taint_key(t: &Value) -> (String, String, String) {
    let s = |k: &str| str_at(t, &[k]).unwrap_or("").to_string();
    (s("key"), s("value"), s("effect"))
}

fn taints(node: &Value) -> Vec<&Value> {
    node.get("spec")
        .and_then(|s| s.get("taints"))
        .and_then(Value::as_array)
        .map(|ts| ts.iter().filter(|t| !controller_taint(t)).collect())
        .unwrap_or_default()
}

/// The zone of a node, from the topology label (or the deprecated beta one).
pub fn zone(node: &Value) -> Option<&str> {
    label(node, "topology.kubernetes.io/zone")
        .or_else(|| label(node, "failure-domain.beta.kubernetes.io/zone"))
}

/// The region all nodes share, if they all carry the same one.
pub fn common_region(nodes: &[Value]) -> Option<String> {
    let mut regions = nodes.iter().map(|n| {
        label(n, "topology.kubernetes.io/region")
            .or_else(|| label(n, "failure-domain.beta.kubernetes.io/region"))
    });
    let first = regions.next()??;
    regions.all(|r| r == Some(first)).then(|| first.to_string())
}

/// Groups `nodes` into pools and labels each node with its pool (`kubesim.io/node-pool`).
pub fn infer(nodes: &mut [Value]) -> Vec<Pool> {
    // Group key -> member indexes, in order of first appearance.
    let mut groups: Vec<(String, String, Vec<usize>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let (key, how, base) = match POOL_LABELS.iter().find_map(|l| Some((*l, label(node, l)?))) {
            Some((l, v)) => (format!("label\0{l}\0{v}"), format!("label {l}={v}"), v.to_string()),
            None => {
                let shape = (
                    allocatable(node),
                    taints(node).into_iter().map(taint_key).collect::<BTreeSet<_>>(),
                    label(node, "node.kubernetes.io/instance-type"),
                );
                let base = if labels(node).is_some_and(|l| {
                    l.contains_key("node-role.kubernetes.io/control-plane")
                        || l.contains_key("node-role.kubernetes.io/master")
                }) {
                    "control-plane".to_string()
                } else {
                    shape.2.unwrap_or("pool").to_string()
                };
                (format!("shape\0{shape:?}"), "shape".to_string(), base)
            }
        };
        match index.get(&key) {
            Some(&g) => groups[g].2.push(i),
            None => {
                index.insert(key, groups.len());
                groups.push((how, base, vec![i]));
            }
        }
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut pools = Vec::with_capacity(groups.len());
    for (how, base, members) in groups {
        let base = dns_label(&base, "pool");
        let mut name = base.clone();
        let mut n = 2;
        while used.contains(&name) {
            // Keep the suffix inside the 63 characters of a DNS label.
            let suffix = format!("-{n}");
            let mut b = base.clone();
            b.truncate(63 - suffix.len());
            name = format!("{}{suffix}", b.trim_end_matches('-'));
            n += 1;
        }
        used.insert(name.clone());
        pools.push(template(name, how, &members, nodes));
        for &m in &members {
            set_pool_label(
                &mut nodes[m],
                &pools.last().map(|p| p.name.clone()).unwrap_or_default(),
            );
        }
    }
    pools
}

/// The template of the pool `name` made of the nodes `members`.
fn template(name: String, how: String, members: &[usize], nodes: &[Value]) -> Pool {
    let mut shapes: Vec<(BTreeMap<String, String>, usize)> = Vec::new();
    let mut zones = BTreeSet::new();
    let mut common: Option<BTreeMap<String, String>> = None;
    let mut common_taints: Option<Vec<Value>> = None;
    for &m in members {
        let node = &nodes[m];
        let a = allocatable(node);
        match shapes.iter_mut().find(|(s, _)| *s == a) {
            Some((_, n)) => *n += 1,
            None => shapes.push((a, 1)),
        }
        if let Some(z) = zone(node) {
            zones.insert(z.to_string());
        }
        let mine: BTreeMap<String, String> = labels(node)
            .map(|l| {
                l.iter()
                    .filter(|(k, _)| !PER_NODE_LABELS.contains(&k.as_str()))
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        common = Some(match common {
            None => mine,
            Some(c) => c.into_iter().filter(|(k, v)| mine.get(k) == Some(v)).collect(),
        });
        let ts: Vec<Value> = taints(node)
            .into_iter()
            .map(|t| {
                let mut t = t.clone();
                if let Some(o) = t.as_object_mut() {
                    o.remove("timeAdded");
                }
                t
            })
            .collect();
        common_taints = Some(match common_taints {
            None => ts,
            Some(c) => {
                c.into_iter().filter(|t| ts.iter().any(|u| taint_key(u) == taint_key(t))).collect()
            }
        });
    }
    // The most common shape; the first seen wins a tie.
    let mut best: Option<&(BTreeMap<String, String>, usize)> = None;
    for s in &shapes {
        if best.is_none_or(|b| s.1 > b.1) {
            best = Some(s);
        }
    }
    let mut allocatable = best.map(|b| b.0.clone()).unwrap_or_default();
    for r in ["cpu", "memory"] {
        allocatable.entry(r.to_string()).or_insert_with(|| "0".to_string());
    }
    Pool {
        name,
        how,
        count: members.len() as u64,
        zones: zones.into_iter().collect(),
        allocatable,
        labels: common.unwrap_or_default(),
        taints: common_taints.unwrap_or_default(),
    }
}

fn set_pool_label(node: &mut Value, pool: &str) {
    let Some(obj) = node.as_object_mut() else { return };
    let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else { return };
    let labels = meta.entry("labels").or_insert_with(|| Value::Object(Map::new()));
    if let Some(l) = labels.as_object_mut() {
        l.insert(KUBESIM_POOL.to_string(), Value::String(pool.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(name: &str, labels: Value, cpu: &str, taints: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": {"taints": taints},
            "status": {"allocatable": {"cpu": cpu, "memory": "16Gi", "pods": "110"}}})
    }

    #[test]
    fn provider_labels_then_shape() {
        let mut nodes = vec![
            node(
                "g1",
                json!({"cloud.google.com/gke-nodepool": "default-pool",
                "topology.kubernetes.io/zone": "b", "kubernetes.io/hostname": "g1", "tier": "web"}),
                "4",
                json!([]),
            ),
            node(
                "g2",
                json!({"cloud.google.com/gke-nodepool": "default-pool",
                "topology.kubernetes.io/zone": "a", "kubernetes.io/hostname": "g2", "tier": "web"}),
                "4",
                json!([{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
            ),
            node(
                "cp",
                json!({"node-role.kubernetes.io/control-plane": ""}),
                "2",
                json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]),
            ),
            node("w1", json!({}), "8", json!([])),
            node("w2", json!({}), "8", json!([])),
            node("w3", json!({}), "16", json!([])),
        ];
        let pools = infer(&mut nodes);
        let names: Vec<_> = pools.iter().map(|p| (p.name.as_str(), p.count)).collect();
        assert_eq!(names, [("default-pool", 2), ("control-plane", 1), ("pool", 2), ("pool-2", 1)]);
        let gke = &pools[0];
        assert_eq!(gke.zones, ["a", "b"]);
        assert_eq!(gke.how, "label cloud.google.com/gke-nodepool=default-pool");
        // The hostname and zone are the node's own; the cordon taint is not the pool's.
        assert_eq!(
            gke.labels.keys().collect::<Vec<_>>(),
            ["cloud.google.com/gke-nodepool", "tier"]
        );
        assert!(gke.taints.is_empty());
        assert_eq!(pools[1].taints.len(), 1);
        assert_eq!(pools[3].allocatable["cpu"], "16");
        assert_eq!(nodes[4]["metadata"]["labels"][KUBESIM_POOL], "pool");
        assert_eq!(nodes[0]["metadata"]["labels"][KUBESIM_POOL], "default-pool");
    }

    #[test]
    fn regions() {
        let a = node("a", json!({"topology.kubernetes.io/region": "r"}), "1", json!([]));
        let b = node("b", json!({"topology.kubernetes.io/region": "s"}), "1", json!([]));
        assert_eq!(common_region(&[a.clone(), a.clone()]).as_deref(), Some("r"));
        assert_eq!(common_region(&[a, b]), None);
    }
}
