//! Object references as kubectl writes them (`deployment/web`, `deploy/web`, `sts/db`,
//! `Pod/x`), used by behaviour keys and `scale`, and their resolution against the cluster.

use crate::error::{Problem, did_you_mean, nearest};
use kubesim_model::{Cluster, Kind, PodId, WorkloadId};

/// What a behaviour key or a `scale.workload` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Workload(WorkloadId),
    Pod(PodId),
}

/// A parsed `kind/name` (or `namespace/kind/name`) reference.
#[derive(Debug, Clone)]
pub(crate) struct Ref {
    pub namespace: Option<String>,
    pub kind: Kind,
    /// The kind as written, for suggestions.
    pub alias: String,
    pub name: String,
}

const KIND_ALIASES: [(&str, Kind); 20] = [
    ("deployment", Kind::Deployment),
    ("deployments", Kind::Deployment),
    ("deploy", Kind::Deployment),
    ("deployment.apps", Kind::Deployment),
    ("replicaset", Kind::ReplicaSet),
    ("replicasets", Kind::ReplicaSet),
    ("rs", Kind::ReplicaSet),
    ("replicaset.apps", Kind::ReplicaSet),
    ("statefulset", Kind::StatefulSet),
    ("statefulsets", Kind::StatefulSet),
    ("sts", Kind::StatefulSet),
    ("statefulset.apps", Kind::StatefulSet),
    ("pod", Kind::Pod),
    ("pods", Kind::Pod),
    ("po", Kind::Pod),
    ("deployments.apps", Kind::Deployment),
    ("daemonset", Kind::DaemonSet),
    ("daemonsets", Kind::DaemonSet),
    ("ds", Kind::DaemonSet),
    ("daemonset.apps", Kind::DaemonSet),
];

/// Whether `s` is one of the kind names and short names [`parse_ref`] knows (any case).
pub(crate) fn is_kind(s: &str) -> bool {
    let lower = s.to_lowercase();
    KIND_ALIASES.iter().any(|(a, _)| *a == lower)
}

/// Splits a reference into (namespace, kind, name). Two parts are `kind/name`; three are
/// either `kind/namespace/name`, the form kubesim's outputs print (`deployment/prod/api` in
/// summary.json, metrics.csv and the charts), or `namespace/kind/name`; which one is told by
/// where the kind is (`is_kind`; when both the first and second parts are kinds, the first
/// is taken, as outputs print it). `None` for any other number of parts.
pub(crate) fn split_ref(
    s: &str,
    is_kind: impl Fn(&str) -> bool,
) -> Option<(Option<&str>, &str, &str)> {
    match s.split('/').collect::<Vec<_>>().as_slice() {
        [k, n] => Some((None, k, n)),
        [a, b, n] if is_kind(a) || !is_kind(b) => Some((Some(b), a, n)),
        [ns, k, n] => Some((Some(ns), k, n)),
        _ => None,
    }
}

/// Parses `kind/name` (kubectl's kind names and short names, any case), or with
/// `allow_namespace` also `kind/namespace/name` (as outputs print it) and
/// `namespace/kind/name`.
pub(crate) fn parse_ref(s: &str, allow_namespace: bool) -> Result<Ref, Problem> {
    let expected = if allow_namespace {
        "`kind/name` such as `deployment/web`, or `kind/namespace/name` such as `deployment/prod/web` (as outputs print it)"
    } else {
        "`kind/name` such as `deployment/web`"
    };
    let (namespace, alias, name) = match split_ref(s, is_kind) {
        Some((None, k, n)) => (None, k, n),
        Some((Some(ns), k, n)) if allow_namespace => (Some(ns.to_string()), k, n),
        _ => return Err(Problem::new(format!("invalid reference `{s}`")).expected(expected)),
    };
    if alias.is_empty() || name.is_empty() || namespace.as_deref() == Some("") {
        return Err(Problem::new(format!("invalid reference `{s}`")).expected(expected));
    }
    let lower = alias.to_lowercase();
    let Some(&(_, kind)) = KIND_ALIASES.iter().find(|(a, _)| *a == lower) else {
        return Err(Problem::new(format!("unknown kind `{alias}` in `{s}`"))
            .expected("deployment (deploy), replicaset (rs), statefulset (sts), daemonset (ds) or pod (po)")
            .hint(did_you_mean(&lower, KIND_ALIASES.iter().map(|(a, _)| *a))));
    };
    Ok(Ref { namespace, kind, alias: alias.to_string(), name: name.to_string() })
}

/// The object a reference names, or why there is none (with the nearest name of that kind, or
/// the right kind for the name).
pub(crate) fn resolve(cluster: &Cluster, r: &Ref) -> Result<Target, Problem> {
    let ns = r.namespace.as_deref().unwrap_or("default");
    let found = match r.kind {
        Kind::Pod => cluster.pod_by_name(ns, &r.name).map(Target::Pod),
        k => cluster.workload_by_name(k, ns, &r.name).map(Target::Workload),
    };
    if let Some(t) = found {
        return Ok(t);
    }
    let what = r.kind.as_str().to_lowercase();
    let mut p = Problem::new(format!("no {what} `{}` in namespace `{ns}`", r.name));
    let same_kind: Vec<&str> = if r.kind == Kind::Pod {
        cluster
            .pods
            .iter()
            .filter(|p| p.meta.namespace == ns)
            .map(|p| p.meta.name.as_str())
            .collect()
    } else {
        cluster
            .workloads
            .iter()
            .filter(|w| w.kind == r.kind && w.meta.namespace == ns)
            .map(|w| w.meta.name.as_str())
            .collect()
    };
    if let Some(n) = nearest(&r.name, same_kind) {
        p = p.hint(Some(format!("did you mean `{}/{n}`?", r.alias)));
    } else if let Some(w) =
        cluster.workloads.iter().find(|w| w.meta.namespace == ns && w.meta.name == r.name)
    {
        let k = w.kind.as_str().to_lowercase();
        p = p.hint(Some(format!("`{}` is a {k}: did you mean `{k}/{}`?", r.name, r.name)));
    }
    Err(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = parse_ref("Deployment/web", false).unwrap();
        assert_eq!((r.kind, r.name.as_str(), r.namespace), (Kind::Deployment, "web", None));
        assert_eq!(parse_ref("sts/db", false).unwrap().kind, Kind::StatefulSet);
        assert_eq!(parse_ref("PO/x", false).unwrap().kind, Kind::Pod);
        assert_eq!(parse_ref("deployment.apps/x", false).unwrap().kind, Kind::Deployment);
        let r = parse_ref("prod/deploy/web", true).unwrap();
        assert_eq!(r.namespace.as_deref(), Some("prod"));
        // As outputs print it (finding 9 of issue 12): kind first.
        let r = parse_ref("deployment/prod/web", true).unwrap();
        assert_eq!(
            (r.kind, r.namespace.as_deref(), r.name.as_str()),
            (Kind::Deployment, Some("prod"), "web")
        );
        // A namespace named like a kind: the printed order wins.
        let r = parse_ref("sts/deploy/db", true).unwrap();
        assert_eq!((r.kind, r.namespace.as_deref()), (Kind::StatefulSet, Some("deploy")));
        assert!(parse_ref("prod/deploy/web", false).is_err());
        let p = parse_ref("deploymnet/web", false).unwrap_err();
        assert_eq!(p.hint.as_deref(), Some("did you mean `deployment`?"));
        assert!(parse_ref("web", false).is_err());
    }
}
