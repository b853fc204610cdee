//! InterPodAffinity: required and preferred pod affinity and anti-affinity, and the existing
//! pods' required anti-affinity against the incoming pod.
//! Source: `pkg/scheduler/framework/plugins/interpodaffinity/{plugin,filtering,scoring}.go`,
//! `pkg/scheduler/util/utils.go` (`PodMatchesTermsNamespaceAndSelector`).
//!
//! A term of pod `owner` selects pod `target` when `target` is in one of the term's namespaces
//! (the owner's own namespace when neither `namespaces` nor `namespaceSelector` is given; a
//! `namespaceSelector` is matched against the namespace's `kubernetes.io/metadata.name` label,
//! the only namespace label kubesim knows) and the term's `labelSelector` matches it, with
//! `matchLabelKeys` / `mismatchLabelKeys` ANDed in as `key in (owner's value)` /
//! `key notin (owner's value)` the way kube-apiserver merges them at pod creation.
//! Pods count while they are bound and not terminal (terminating pods still count, as in
//! upstream's `NodeInfo.Pods`). `hardPodAffinityWeight` is 1 (the default).

pub mod filtering;
pub mod scoring;

pub use filtering::PreFilterState;
pub use scoring::PreScoreState;

use kubesim_model::scheduling::namespace_labels;
use kubesim_model::{Pod, PodAffinityTerm};

/// `ErrReasonExistingAntiAffinityRulesNotMatch`
pub const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// `ErrReasonAffinityRulesNotMatch`
pub const ERR_REASON_AFFINITY_RULES_NOT_MATCH: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`
pub const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH: &str =
    "node(s) didn't match pod anti-affinity rules";

/// `hardPodAffinityWeight` (InterPodAffinityArgs default).
pub const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// Whether `owner`'s term selects `target` (namespace and selector).
pub fn term_matches(owner: &Pod, term: &PodAffinityTerm, target: &Pod) -> bool {
    let ns = &target.meta.namespace;
    let ns_ok = match &term.namespace_selector {
        None if term.namespaces.is_empty() => *ns == owner.meta.namespace,
        None => term.namespaces.contains(ns),
        Some(sel) => term.namespaces.contains(ns) || sel.matches(&namespace_labels(ns)),
    };
    if !ns_ok {
        return false;
    }
    let Some(sel) = &term.label_selector else {
        return false;
    };
    if !sel.matches(&target.meta.labels) {
        return false;
    }
    let ol = &owner.meta.labels;
    let tl = &target.meta.labels;
    term.match_label_keys.iter().all(|k| ol.get(k).is_none_or(|v| tl.get(k) == Some(v)))
        && term.mismatch_label_keys.iter().all(|k| ol.get(k).is_none_or(|v| tl.get(k) != Some(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::SpecBuilder;
    use kubesim_model::{LabelSelector, Meta, PodStatus};
    use std::sync::Arc;

    fn pod(ns: &str, labels: &[(&str, &str)]) -> Pod {
        Pod {
            meta: Meta {
                name: "p".into(),
                namespace: ns.into(),
                labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                ..Meta::default()
            },
            spec: Arc::new(SpecBuilder::new().build()),
            node: None,
            status: PodStatus::default(),
            ready_since: None,
            removed: None,
            behaviour: Default::default(),
            ephemeral_containers: Vec::new(),
        }
    }

    #[test]
    fn namespaces_and_label_keys() {
        let owner = pod("a", &[("app", "web"), ("version", "1")]);
        let term = PodAffinityTerm {
            label_selector: Some(LabelSelector::from_labels([("app", "web")])),
            topology_key: "zone".into(),
            ..PodAffinityTerm::default()
        };
        // Own namespace only by default.
        assert!(term_matches(&owner, &term, &pod("a", &[("app", "web")])));
        assert!(!term_matches(&owner, &term, &pod("b", &[("app", "web")])));
        // An empty namespaceSelector selects every namespace.
        let all =
            PodAffinityTerm { namespace_selector: Some(LabelSelector::default()), ..term.clone() };
        assert!(term_matches(&owner, &all, &pod("b", &[("app", "web")])));
        // By name through kubernetes.io/metadata.name.
        let named = PodAffinityTerm {
            namespace_selector: Some(LabelSelector::from_labels([(
                "kubernetes.io/metadata.name",
                "b",
            )])),
            ..term.clone()
        };
        assert!(term_matches(&owner, &named, &pod("b", &[("app", "web")])));
        assert!(!term_matches(&owner, &named, &pod("a", &[("app", "web")])));
        // matchLabelKeys: same version only; mismatchLabelKeys: other versions only.
        let same = PodAffinityTerm { match_label_keys: vec!["version".into()], ..term.clone() };
        assert!(term_matches(&owner, &same, &pod("a", &[("app", "web"), ("version", "1")])));
        assert!(!term_matches(&owner, &same, &pod("a", &[("app", "web"), ("version", "2")])));
        let other = PodAffinityTerm { mismatch_label_keys: vec!["version".into()], ..term.clone() };
        assert!(term_matches(&owner, &other, &pod("a", &[("app", "web"), ("version", "2")])));
        assert!(!term_matches(&owner, &other, &pod("a", &[("app", "web"), ("version", "1")])));
        // A nil selector selects nothing.
        let nil = PodAffinityTerm { label_selector: None, ..term };
        assert!(!term_matches(&owner, &nil, &pod("a", &[("app", "web")])));
    }
}
