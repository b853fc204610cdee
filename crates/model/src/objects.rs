//! `kubesim run --trace-objects KIND[/NAME]`: which objects to follow, and each change of
//! them as the trace keeps it (the object after the change), like `kubectl get --watch
//! --output-watch-events -o json`.

use crate::meta::Kind;
use crate::node::Node;
use crate::pdb::Pdb;
use crate::pod::Pod;
use crate::workload::Workload;
use kubesim_engine::SimTime;

/// Which objects `--trace-objects` follows: a kind, and optionally a name (`NAME` or
/// `NAMESPACE/NAME`; a trailing `*` matches every name starting with what precedes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSelector {
    /// The kind.
    pub kind: Kind,
    /// The namespace (None: any; nodes have none).
    pub namespace: Option<String>,
    /// The name, or a prefix when `prefix`; None: every object of the kind.
    pub name: Option<String>,
    /// `name` is a prefix (`web-*`).
    pub prefix: bool,
}

impl ObjectSelector {
    /// Parses `KIND`, `KIND/NAME`, `KIND/NAMESPACE/NAME`, with the kinds kubectl knows
    /// (`pod`, `pods`, `po`, `Pod`, `node`/`no`, `deployment`/`deploy`, `replicaset`/`rs`,
    /// `statefulset`/`sts`, `daemonset`/`ds`, `poddisruptionbudget`/`pdb`, case-insensitive).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, '/');
        let kind_text = parts.next().unwrap_or_default();
        let kind = kind_of(kind_text).ok_or_else(|| {
            format!(
                "`{text}`: unknown kind `{kind_text}` (expected pod, node, deployment, replicaset, \
                 statefulset, daemonset or poddisruptionbudget, then optionally /NAME or \
                 /NAMESPACE/NAME)"
            )
        })?;
        let (namespace, name) = match (parts.next(), parts.next()) {
            (None, _) => (None, None),
            (Some(name), None) => (None, Some(name)),
            (Some(ns), Some(name)) => (Some(ns), Some(name)),
        };
        if name.is_some_and(|n| n.is_empty() || n == "*") || namespace.is_some_and(str::is_empty) {
            return Err(format!("`{text}`: empty name (use `{kind_text}` alone for every object)"));
        }
        if kind == Kind::Node && namespace.is_some() {
            return Err(format!("`{text}`: nodes have no namespace"));
        }
        let prefix = name.is_some_and(|n| n.ends_with('*'));
        let name = name.map(|n| n.trim_end_matches('*').to_string());
        // A name given without a namespace means the default namespace, as kubectl reads it.
        let namespace = match (namespace, &name, kind) {
            (_, _, Kind::Node) | (None, None, _) => None,
            (Some(ns), _, _) => Some(ns.to_string()),
            (None, Some(_), _) => Some("default".to_string()),
        };
        Ok(Self { kind, namespace, name, prefix })
    }

    /// Whether an object of `kind` named `namespace`/`name` is followed.
    pub fn matches(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        kind == self.kind
            && self.namespace.as_deref().is_none_or(|ns| ns == namespace)
            && self
                .name
                .as_deref()
                .is_none_or(|n| if self.prefix { name.starts_with(n) } else { name == n })
    }
}

fn kind_of(text: &str) -> Option<Kind> {
    Some(match text.to_ascii_lowercase().as_str() {
        "pod" | "pods" | "po" => Kind::Pod,
        "node" | "nodes" | "no" => Kind::Node,
        "deployment" | "deployments" | "deploy" => Kind::Deployment,
        "replicaset" | "replicasets" | "rs" => Kind::ReplicaSet,
        "statefulset" | "statefulsets" | "sts" => Kind::StatefulSet,
        "daemonset" | "daemonsets" | "ds" => Kind::DaemonSet,
        "poddisruptionbudget" | "poddisruptionbudgets" | "pdb" => Kind::PodDisruptionBudget,
        _ => return None,
    })
}

/// A watch event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchType {
    /// The object exists (at the start, or created).
    Added,
    /// It changed.
    Modified,
    /// It is gone.
    Deleted,
}

impl WatchType {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// A followed object as it was after a change.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectSnapshot {
    /// A pod.
    Pod(Box<Pod>),
    /// A node.
    Node(Box<Node>),
    /// A Deployment, ReplicaSet, StatefulSet or DaemonSet.
    Workload(Box<Workload>),
    /// A PodDisruptionBudget.
    Pdb(Box<Pdb>),
}

/// One change of a followed object.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectChange {
    /// When.
    pub time: SimTime,
    /// Added, modified or deleted.
    pub watch: WatchType,
    /// The object after the change (before it, for a deletion).
    pub object: ObjectSnapshot,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_read_as_kubectl_names_objects() {
        let s = ObjectSelector::parse("pdb/web-pdb").unwrap();
        assert_eq!(s.kind, Kind::PodDisruptionBudget);
        assert!(s.matches(Kind::PodDisruptionBudget, "default", "web-pdb"));
        assert!(!s.matches(Kind::PodDisruptionBudget, "prod", "web-pdb"));
        let p = ObjectSelector::parse("Pod/prod/web-*").unwrap();
        assert!(p.matches(Kind::Pod, "prod", "web-6d4cf-abcde"));
        assert!(!p.matches(Kind::Pod, "default", "web-6d4cf-abcde"));
        assert!(!p.matches(Kind::Node, "prod", "web-1"));
        let all = ObjectSelector::parse("nodes").unwrap();
        assert!(all.matches(Kind::Node, "", "node-1"));
        assert!(ObjectSelector::parse("service/x").unwrap_err().contains("unknown kind `service`"));
        assert!(ObjectSelector::parse("pod/").is_err());
        assert!(ObjectSelector::parse("node/a/b").is_err());
    }
}
