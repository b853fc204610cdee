//! NodeAffinity: filter on `nodeSelector` and required node affinity; score by the weights of
//! matching preferred terms.
//! Source: `pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go`,
//! `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`.
//!
//! Simplified: upstream's PreFilter also narrows the node list when the required terms name
//! nodes by `metadata.name` (`PreFilterResult`); kubesim keeps the walk over every node (and
//! where it leaves the next attempt's start), but skips filtering the nodes such a pod cannot
//! match when that changes nothing ([`named_nodes`]), so a DaemonSet pod costs O(1) instead of
//! O(nodes).

use super::Ctx;
use crate::scheduler::framework::{Code, FilterResult, Status, default_normalize_score};
use kubesim_model::{Labels, NodeId, NodeSelectorTerm, PodSpec};

/// The node names a pod's required node affinity limits it to, as upstream's PreFilter finds
/// them (`PreFilterResult.NodeNames`): when every required term has a `metadata.name In`
/// field requirement, a node whose name is in none of their values matches no term. None when
/// some term can match a node of any name.
pub fn named_nodes(spec: &PodSpec) -> Option<Vec<&str>> {
    let terms = spec.node_affinity.required.as_ref()?;
    let mut names = Vec::new();
    for t in terms {
        let r = t
            .match_fields
            .iter()
            .find(|r| r.key == "metadata.name" && r.operator == kubesim_model::Operator::In)?;
        names.extend(r.values.iter().map(String::as_str));
    }
    Some(names)
}

/// `ErrReasonPod`
pub const ERR_REASON_POD: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether a node with these labels and name satisfies a `nodeSelector` and required terms:
/// every selector pair, and at least one of the terms (`RequiredNodeAffinity.Match`).
pub fn matches_terms(
    node_selector: &Labels,
    required: Option<&[NodeSelectorTerm]>,
    labels: &Labels,
    node_name: &str,
) -> bool {
    if !node_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    match required {
        None => true,
        Some(terms) => terms.iter().any(|t| t.matches(labels, node_name)),
    }
}

/// Whether a node satisfies the pod's `nodeSelector` and required node affinity
/// (`GetRequiredNodeAffinity(pod).Match(node)`).
pub fn matches_required(spec: &PodSpec, labels: &Labels, node_name: &str) -> bool {
    matches_terms(&spec.node_selector, spec.node_affinity.required.as_deref(), labels, node_name)
}

/// PreFilter: Skip when the pod has neither a `nodeSelector` nor required node affinity.
pub fn pre_filter(spec: &PodSpec) -> Code {
    if spec.node_selector.is_empty() && spec.node_affinity.required.is_none() {
        Code::Skip
    } else {
        Code::Success
    }
}

/// PreFilter's state: the pod's selector and terms interned in the scheduler's cache with a
/// per-node match bitset, so that Filter reads one bit per node (pods of one workload share
/// it, and a pod pinned to a pool visits hundreds of nodes per attempt). Pods whose terms
/// name their nodes (DaemonSet pods: one distinct selector per node) are left to match label
/// by label: they filter a node or two ([`named_nodes`]), and a bitset each would cost
/// O(nodes) memory per node.
pub fn pre_filter_state(
    cache: &mut crate::scheduler::cache::SchedulerCache,
    cluster: &kubesim_model::Cluster,
    spec: &PodSpec,
) -> Option<u32> {
    if pre_filter(spec) == Code::Skip || named_nodes(spec).is_some() {
        return None;
    }
    cache.affinity_matcher(cluster, &spec.node_selector, spec.node_affinity.required.as_ref())
}

/// Filter.
#[inline]
pub fn filter(ctx: &Ctx<'_>, node: NodeId) -> FilterResult {
    let matches = match ctx.state.node_affinity {
        Some(id) => ctx.cache.affinity_matches(id, node),
        None => {
            let n = &ctx.cluster.nodes[node.index()];
            matches_required(&ctx.state.pod.spec, &n.meta.labels, &n.meta.name)
        }
    };
    if matches {
        Ok(())
    } else {
        Err(Status::fail(Code::UnschedulableAndUnresolvable, ERR_REASON_POD))
    }
}

/// PreScore: Skip when the pod has no preferred node affinity.
pub fn pre_score(spec: &PodSpec) -> Code {
    if spec.node_affinity.preferred.is_empty() { Code::Skip } else { Code::Success }
}

/// Raw score: the sum of the weights of the preferred terms the node matches.
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let n = &ctx.cluster.nodes[node.index()];
    ctx.state
        .pod
        .spec
        .node_affinity
        .preferred
        .iter()
        .filter(|p| p.term.matches(&n.meta.labels, &n.meta.name))
        .map(|p| i64::from(p.weight))
        .sum()
}

/// Normalisation: scaled to the maximum.
pub fn normalize(scores: &mut [i64]) {
    default_normalize_score(scores, false);
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_model::build::SpecBuilder;
    use kubesim_model::{Operator, Requirement};

    fn term(fields: &[(&str, Operator, &[&str])], exprs: bool) -> NodeSelectorTerm {
        let req = |(k, op, vs): &(&str, Operator, &[&str])| Requirement {
            key: k.to_string(),
            operator: *op,
            values: vs.iter().map(|v| v.to_string()).collect(),
        };
        NodeSelectorTerm {
            match_expressions: if exprs {
                vec![req(&("disk", Operator::Exists, &[]))]
            } else {
                vec![]
            },
            match_fields: fields.iter().map(req).collect(),
        }
    }

    fn spec(terms: Option<Vec<NodeSelectorTerm>>) -> PodSpec {
        let mut s = SpecBuilder::new().build();
        s.node_affinity.required = terms;
        s
    }

    #[test]
    fn named_nodes_only_when_every_term_names_its_nodes() {
        const IN: Operator = Operator::In;
        // A DaemonSet pod: one term, `metadata.name In [n1]`.
        let ds = spec(Some(vec![term(&[("metadata.name", IN, &["n1"])], false)]));
        assert_eq!(named_nodes(&ds), Some(vec!["n1"]));
        // Two terms naming nodes (one with a label expression too): the union.
        let two = spec(Some(vec![
            term(&[("metadata.name", IN, &["n1", "n2"])], false),
            term(&[("metadata.name", IN, &["n3"])], true),
        ]));
        assert_eq!(named_nodes(&two), Some(vec!["n1", "n2", "n3"]));
        // A term that can match any name: no narrowing.
        let open =
            spec(Some(vec![term(&[("metadata.name", IN, &["n1"])], false), term(&[], true)]));
        assert_eq!(named_nodes(&open), None);
        let not_in = spec(Some(vec![term(&[("metadata.name", Operator::NotIn, &["n1"])], false)]));
        assert_eq!(named_nodes(&not_in), None);
        assert_eq!(named_nodes(&spec(None)), None);
        // The verdicts agree: a node outside the names matches no term.
        let labels: Labels = [("disk".to_string(), "ssd".to_string())].into();
        let required = two.node_affinity.required.as_deref();
        for name in ["n1", "n2", "n3", "n4"] {
            let named = named_nodes(&two).unwrap().contains(&name);
            let matches = matches_terms(&Labels::new(), required, &labels, name);
            assert_eq!(matches, named, "{name}");
        }
    }
}
