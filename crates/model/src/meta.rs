//! Object metadata shared by every kind, and the small ids objects are referred to by.

use crate::labels::Labels;
use kubesim_engine::SimTime;
use std::collections::BTreeMap;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the cluster's vector of this kind.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index of a node in [`crate::Cluster::nodes`].
    NodeId
);
id_type!(
    /// Index of a pod in [`crate::Cluster::pods`] (stable for the whole run, even after deletion).
    PodId
);
id_type!(
    /// Index of a workload (Deployment, ReplicaSet, StatefulSet, DaemonSet) in [`crate::Cluster::workloads`].
    WorkloadId
);
id_type!(
    /// Index of a PodDisruptionBudget in [`crate::Cluster::pdbs`].
    PdbId
);

/// The kinds of object kubesim simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `v1/Node`
    Node,
    /// `v1/Pod`
    Pod,
    /// `apps/v1/Deployment`
    Deployment,
    /// `apps/v1/ReplicaSet`
    ReplicaSet,
    /// `apps/v1/StatefulSet`
    StatefulSet,
    /// `policy/v1/PodDisruptionBudget`
    PodDisruptionBudget,
    /// `apps/v1/DaemonSet`
    DaemonSet,
}

impl Kind {
    /// The kind's name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Node => "Node",
            Self::Pod => "Pod",
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::StatefulSet => "StatefulSet",
            Self::PodDisruptionBudget => "PodDisruptionBudget",
            Self::DaemonSet => "DaemonSet",
        }
    }

    /// The `apiVersion` of the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::Node | Self::Pod => "v1",
            Self::Deployment | Self::ReplicaSet | Self::StatefulSet | Self::DaemonSet => "apps/v1",
            Self::PodDisruptionBudget => "policy/v1",
        }
    }
}

/// The kind of a controller reference: one kubesim simulates, or any other kind kept as the
/// manifest wrote it (a Job, a Node for a mirror pod, a custom resource, ...). An owner
/// reference is kept in the model whether or not kubesim can resolve it, as the API server
/// keeps it: controllers that cannot resolve it behave as upstream's do (the disruption
/// controller's `getExpectedScale` fails, kubectl drain sees a managed pod).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerKind {
    /// A kind kubesim simulates.
    Known(Kind),
    /// Another kind.
    Other {
        /// `apiVersion` as written.
        api_version: Box<str>,
        /// `kind` as written.
        kind: Box<str>,
    },
}

impl OwnerKind {
    /// The kind, if kubesim simulates it.
    pub fn known(&self) -> Option<Kind> {
        match self {
            Self::Known(k) => Some(*k),
            Self::Other { .. } => None,
        }
    }

    /// `kind` as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(k) => k.as_str(),
            Self::Other { kind, .. } => kind,
        }
    }

    /// `apiVersion`.
    pub fn api_version(&self) -> &str {
        match self {
            Self::Known(k) => k.api_version(),
            Self::Other { api_version, .. } => api_version,
        }
    }
}

impl From<Kind> for OwnerKind {
    fn from(k: Kind) -> Self {
        Self::Known(k)
    }
}

impl PartialEq<Kind> for OwnerKind {
    fn eq(&self, other: &Kind) -> bool {
        self.known() == Some(*other)
    }
}

/// A controller reference (`metadata.ownerReferences[controller=true]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRef {
    /// The owner's kind.
    pub kind: OwnerKind,
    /// The owner's name (same namespace).
    pub name: String,
    /// The owner's uid.
    pub uid: String,
}

/// `metadata` as kubesim keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `metadata.name`
    pub name: String,
    /// `metadata.namespace` (empty for cluster-scoped kinds).
    pub namespace: String,
    /// `metadata.uid`
    pub uid: String,
    /// `metadata.labels`, shared: the pods of one template point to one map (copied on the
    /// first change, see [`SharedLabels`]).
    pub labels: SharedLabels,
    /// `metadata.annotations`
    pub annotations: BTreeMap<String, String>,
    /// The controlling owner, if any.
    pub owner: Option<OwnerRef>,
    /// `metadata.creationTimestamp`, in simulated time (objects present at start have 0).
    pub creation: SimTime,
    /// `metadata.deletionTimestamp`: set when a graceful deletion starts (deletion time + grace).
    pub deletion: Option<SimTime>,
    /// `metadata.deletionGracePeriodSeconds`
    pub deletion_grace_seconds: Option<u64>,
    /// `metadata.generation`
    pub generation: u64,
}

impl Meta {
    /// `namespace/name`, or `name` for cluster-scoped objects.
    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

/// Labels shared between objects that carry the same ones (issue 11, compact state): every pod
/// made from one template points to the template's map instead of a copy of it (a map of a
/// few labels costs over 600 bytes per copy). It reads as a [`Labels`] (`Deref`); a change
/// (`DerefMut`) copies the map first if another object still shares it, so sharing never
/// shows.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedLabels(std::sync::Arc<Labels>);

impl SharedLabels {
    /// The labels as an owned map (a copy).
    pub fn to_labels(&self) -> Labels {
        (*self.0).clone()
    }
}

impl std::ops::Deref for SharedLabels {
    type Target = Labels;
    fn deref(&self) -> &Labels {
        &self.0
    }
}

impl std::ops::DerefMut for SharedLabels {
    fn deref_mut(&mut self) -> &mut Labels {
        std::sync::Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Debug for SharedLabels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Labels> for SharedLabels {
    fn from(labels: Labels) -> Self {
        Self(std::sync::Arc::new(labels))
    }
}

impl<'a> IntoIterator for &'a SharedLabels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<(String, String)> for SharedLabels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Labels>())
    }
}

impl<const N: usize> From<[(String, String); N]> for SharedLabels {
    fn from(pairs: [(String, String); N]) -> Self {
        Self::from(Labels::from(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_labels_are_copied_on_change_only() {
        let template: SharedLabels = [("app".to_string(), "web".to_string())].into();
        let mut a = template.clone();
        let b = template.clone();
        assert!(std::sync::Arc::ptr_eq(&a.0, &template.0), "clones share the map");
        a.insert("statefulset.kubernetes.io/pod-name".into(), "web-0".into());
        assert_eq!(a.len(), 2);
        assert_eq!((template.len(), b.len()), (1, 1), "the others keep the template's labels");
        assert!(std::sync::Arc::ptr_eq(&b.0, &template.0));
        // Reads, hashes and prints as the map it holds.
        let map: Labels = [("app".to_string(), "web".to_string())].into();
        assert_eq!(*b, map);
        assert_eq!(format!("{b:?}"), format!("{map:?}"));
        assert_eq!((&b).into_iter().collect::<Vec<_>>(), map.iter().collect::<Vec<_>>());
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let h = BuildHasherDefault::<DefaultHasher>::default();
        assert_eq!(h.hash_one(&b), h.hash_one(&map));
    }
}
