//! ImageLocality: prefers nodes that already hold the pod's images, weighted by image size and
//! by how many nodes have them (to avoid piling pods onto the few nodes that do).
//! Source: `pkg/scheduler/framework/plugins/imagelocality/image_locality.go`.
//!
//! Sizes come from `status.images[].sizeBytes` of `kind: Node` manifests; an image whose size
//! kubesim does not know (pulled during the run, or listed without a size) counts as
//! [`DEFAULT_IMAGE_SIZE`] — a simplification: the kubelet would report the real size.

use super::Ctx;
use crate::scheduler::framework::MAX_NODE_SCORE;
use kubesim_model::NodeId;

const MB: i64 = 1024 * 1024;
/// `minThreshold`: below this total the score is 0.
const MIN_THRESHOLD: i64 = 23 * MB;
/// `maxContainerThreshold`: per container, above this the score is 100.
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;
/// The size kubesim assumes for an image of unknown size.
pub const DEFAULT_IMAGE_SIZE: u64 = 200 << 20;

/// `normalizedImageName`: `:latest` is added when the reference has no tag.
pub fn normalized_image_name(name: &str) -> std::borrow::Cow<'_, str> {
    let colon = name.rfind(':').map_or(-1, |i| i as i64);
    let slash = name.rfind('/').map_or(-1, |i| i as i64);
    if colon <= slash { format!("{name}:latest").into() } else { name.into() }
}

/// `calculatePriority`: the summed scaled sizes mapped onto 0..=100 between the thresholds.
pub fn calculate_priority(sum: i64, num_containers: usize) -> i64 {
    let max = MAX_CONTAINER_THRESHOLD * num_containers as i64;
    let s = sum.clamp(MIN_THRESHOLD, max.max(MIN_THRESHOLD));
    if max <= MIN_THRESHOLD {
        return 0;
    }
    MAX_NODE_SCORE * (s - MIN_THRESHOLD) / (max - MIN_THRESHOLD)
}

/// What PreScore works out once per pod: for each container image some node holds, the names
/// to look for (`normalizedImageName`, and the name as written) with their scaled scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreScoreState {
    /// `(image id, size × nodes with it / all nodes)`, normalised name first, per container
    /// (an id of None: no node ever held the name).
    pub images: Vec<[(Option<u32>, i64); 2]>,
    /// Init and app containers (the scale of [`calculate_priority`]).
    pub num_containers: usize,
}

/// `scaledImageScore`: the image's size times the share of nodes that hold it.
fn scaled(cluster: &kubesim_model::Cluster, name: &str, total: usize) -> i64 {
    let size = cluster.image_sizes.get(name).copied().unwrap_or(DEFAULT_IMAGE_SIZE);
    let spread = f64::from(cluster.image_num_nodes(name)) / total.max(1) as f64;
    (size as f64 * spread) as i64
}

/// PreScore (kubesim's: upstream computes this per node): the images worth looking for.
pub fn pre_score(
    cluster: &kubesim_model::Cluster,
    spec: &kubesim_model::PodSpec,
    total_nodes: usize,
    out: &mut PreScoreState,
) {
    out.num_containers = spec.init_containers.len() + spec.containers.len();
    for c in spec.init_containers.iter().chain(&spec.containers) {
        let normalized = normalized_image_name(&c.image).into_owned();
        if cluster.image_num_nodes(&normalized) == 0 && cluster.image_num_nodes(&c.image) == 0 {
            continue;
        }
        let a = scaled(cluster, &normalized, total_nodes);
        let b = scaled(cluster, &c.image, total_nodes);
        out.images.push([(cluster.image_id(&normalized), a), (cluster.image_id(&c.image), b)]);
    }
}

/// Score: for each container whose image the node holds, `size × nodes with it / all nodes`,
/// summed, then [`calculate_priority`].
#[inline]
pub fn score(ctx: &Ctx<'_>, node: NodeId) -> i64 {
    let st = &ctx.state.images;
    let mut sum = 0i64;
    if !st.images.is_empty() {
        let has = |id: Option<u32>| id.is_some_and(|i| ctx.cluster.node_has_image(node, i));
        for &[(normalized, a), (written, b)] in &st.images {
            if has(normalized) {
                sum += a;
            } else if has(written) {
                sum += b;
            }
        }
    }
    calculate_priority(sum, st.num_containers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_between_thresholds() {
        // Below 23 MiB: 0. One container, 1000 MiB or more: 100.
        assert_eq!(calculate_priority(10 * MB, 1), 0);
        assert_eq!(calculate_priority(2000 * MB, 1), 100);
        // 200 MiB on 1 of 2 nodes -> 100 MiB: 100 * (100 - 23) / (1000 - 23) = 7.
        assert_eq!(calculate_priority(100 * MB, 1), 7);
    }

    #[test]
    fn image_names() {
        assert_eq!(normalized_image_name("nginx"), "nginx:latest");
        assert_eq!(normalized_image_name("nginx:1.25"), "nginx:1.25");
        assert_eq!(normalized_image_name("registry:5000/app"), "registry:5000/app:latest");
    }
}
