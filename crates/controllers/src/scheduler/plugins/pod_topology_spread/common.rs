//! The constraints PodTopologySpread works with, resolved to the scheduler cache's counters.
//! Source: `pkg/scheduler/framework/plugins/podtopologyspread/common.go`,
//! `pkg/scheduler/framework/plugins/helper/spread.go` (`DefaultSelector`).

use crate::scheduler::cache::{CounterMode, KeyId, SchedulerCache};
use kubesim_model::pod::{InclusionPolicy, WhenUnsatisfiable};
use kubesim_model::{
    Cluster, Kind, LABEL_HOSTNAME, LABEL_ZONE, LabelSelector, Labels, PodId,
    TopologySpreadConstraint,
};

/// The system default constraints (`systemDefaultConstraints`, `defaultingType: System`).
pub fn system_default_constraints() -> [TopologySpreadConstraint; 2] {
    let c = |key: &str, max_skew| TopologySpreadConstraint {
        max_skew,
        topology_key: key.to_string(),
        when_unsatisfiable: WhenUnsatisfiable::ScheduleAnyway,
        label_selector: None,
        min_domains: None,
        node_affinity_policy: None,
        node_taints_policy: None,
        match_label_keys: Vec::new(),
    };
    [c(LABEL_HOSTNAME, 3), c(LABEL_ZONE, 5)]
}

/// `helper.DefaultSelector`: the selector of the pod's controlling ReplicaSet or StatefulSet.
/// Services (whose selectors upstream merges in) are not modelled. None when the pod has no
/// such controller (an empty selector: no default constraints).
pub fn default_selector(cluster: &Cluster, pod: PodId) -> Option<LabelSelector> {
    let w = cluster.controller_of(pod)?;
    let wl = &cluster.workloads[w.index()];
    matches!(wl.kind, Kind::ReplicaSet | Kind::StatefulSet)
        .then(|| wl.selector.clone())
        .filter(|s| !s.is_empty())
}

/// The selector of a constraint with the incoming pod's `matchLabelKeys` values ANDed in
/// (`mergeLabelSetWithSelector`). Keys the pod lacks are ignored; a nil selector with keys
/// becomes a selector of those pairs alone (upstream: a nil selector has no requirements to
/// merge).
pub fn effective_selector(
    c: &TopologySpreadConstraint,
    pod_labels: &Labels,
) -> Option<LabelSelector> {
    let pairs: Vec<(&String, &String)> =
        c.match_label_keys.iter().filter_map(|k| pod_labels.get_key_value(k)).collect();
    if pairs.is_empty() {
        return c.label_selector.clone();
    }
    let mut sel = c.label_selector.clone().unwrap_or_default();
    for (k, v) in pairs {
        match sel.match_labels.get(k) {
            // A conflicting requirement: the merged selector matches nothing; keep both by
            // turning the pair into an expression.
            Some(existing) if existing != v => {
                sel.match_expressions.push(kubesim_model::Requirement {
                    key: k.clone(),
                    operator: kubesim_model::Operator::In,
                    values: vec![v.clone()],
                })
            }
            _ => {
                sel.match_labels.insert(k.clone(), v.clone());
            }
        }
    }
    Some(sel)
}

/// A constraint resolved against the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// `topologyKey`, interned.
    pub key: KeyId,
    /// `maxSkew`
    pub max_skew: i32,
    /// `minDomains` (1 when unset).
    pub min_domains: i32,
    /// The selector's group of pods.
    pub group: crate::scheduler::cache::GroupId,
    /// Whether the selector matches the incoming pod itself.
    pub self_match: bool,
    /// `nodeAffinityPolicy` (Honor when unset).
    pub node_affinity_policy: InclusionPolicy,
    /// `nodeTaintsPolicy` (Ignore when unset).
    pub node_taints_policy: InclusionPolicy,
    /// The constraint as written (for `explain`).
    pub source: TopologySpreadConstraint,
}

/// The pod's constraints with this `whenUnsatisfiable`, or the system defaults when the pod
/// has none at all (`getConstraints` / `initPreScoreState`), resolved to cache groups.
pub fn constraints(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    action: WhenUnsatisfiable,
) -> Vec<Resolved> {
    let p = &cluster.pods[pod.index()];
    let explicit = &p.spec.topology_spread_constraints;
    let (list, default_sel): (Vec<TopologySpreadConstraint>, Option<LabelSelector>) =
        if explicit.is_empty() {
            match default_selector(cluster, pod) {
                Some(sel) => (system_default_constraints().to_vec(), Some(sel)),
                None => return Vec::new(),
            }
        } else {
            (explicit.clone(), None)
        };
    let mut out = Vec::new();
    for c in list.iter().filter(|c| c.when_unsatisfiable == action) {
        let selector = match &default_sel {
            Some(s) => Some(s.clone()),
            None => effective_selector(c, &p.meta.labels),
        };
        let self_match = selector.as_ref().is_some_and(|s| s.matches(&p.meta.labels));
        let group = cache.group(cluster, &p.meta.namespace, selector.as_ref());
        out.push(Resolved {
            key: cache.topo.key_id(&c.topology_key, cluster),
            max_skew: c.max_skew,
            min_domains: c.min_domains.unwrap_or(1),
            group,
            self_match,
            node_affinity_policy: c.node_affinity_policy.unwrap_or(InclusionPolicy::Honor),
            node_taints_policy: c.node_taints_policy.unwrap_or(InclusionPolicy::Ignore),
            source: c.clone(),
        });
    }
    out
}

/// The counter mode of a constraint over eligible nodes: all `keys` present, and the
/// inclusion policies of the constraint applied with the pod's affinity and tolerations
/// (`matchNodeInclusionPolicies`).
pub fn by_value_mode(
    cache: &mut SchedulerCache,
    cluster: &Cluster,
    pod: PodId,
    c: &Resolved,
    keys: &[KeyId],
) -> CounterMode {
    let spec = &cluster.pods[pod.index()].spec;
    let keyset = cache.keyset(keys);
    let affinity = (c.node_affinity_policy == InclusionPolicy::Honor
        && !(spec.node_selector.is_empty() && spec.node_affinity.required.is_none()))
    .then(|| cache.affinity_filter(&spec.node_selector, spec.node_affinity.required.as_ref()));
    let taints = (c.node_taints_policy == InclusionPolicy::Honor)
        .then(|| cache.toleration_set(&spec.tolerations));
    CounterMode::ByValue { keyset, affinity, taints }
}

/// The constraint's keys, sorted and deduplicated.
pub fn keys_of(cs: &[Resolved]) -> Vec<KeyId> {
    let mut keys: Vec<KeyId> = cs.iter().map(|c| c.key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn constraint(sel: Option<LabelSelector>, keys: &[&str]) -> TopologySpreadConstraint {
        TopologySpreadConstraint {
            max_skew: 1,
            topology_key: LABEL_ZONE.into(),
            when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
            label_selector: sel,
            min_domains: None,
            node_affinity_policy: None,
            node_taints_policy: None,
            match_label_keys: keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn match_label_keys_are_anded_with_the_pods_values() {
        let pod = labels(&[("app", "web"), ("pod-template-hash", "abc")]);
        // The pod's pod-template-hash joins the selector; a key the pod lacks is ignored.
        let c = constraint(
            Some(LabelSelector::from_labels([("app", "web")])),
            &["pod-template-hash", "missing"],
        );
        let sel = effective_selector(&c, &pod).unwrap();
        assert!(sel.matches(&pod));
        assert!(!sel.matches(&labels(&[("app", "web"), ("pod-template-hash", "old")])));
        assert_eq!(sel.to_string(), "app=web,pod-template-hash=abc");
        // Without keys the selector is unchanged; a nil selector selects nothing.
        let c = constraint(None, &[]);
        assert_eq!(effective_selector(&c, &pod), None);
        // A nil selector with a key present: the pair alone.
        let c = constraint(None, &["app"]);
        assert_eq!(effective_selector(&c, &pod).unwrap().to_string(), "app=web");
        // A key whose value conflicts with matchLabels matches nothing.
        let c = constraint(Some(LabelSelector::from_labels([("app", "db")])), &["app"]);
        assert!(!effective_selector(&c, &pod).unwrap().matches(&pod));
    }
}
