//! The image manager (`pkg/kubelet/images/image_manager.go` `EnsureImageExists`) and the
//! node's puller.
//!
//! - `imagePullPolicy`: `Never` uses the node's image or fails (`ErrImageNeverPull`);
//!   `IfNotPresent` pulls only an image the node lacks (`Pulled`: "Container image ... already
//!   present on machine"); `Always` pulls on every container start.
//! - The node's image cache is `status.images` of the Node: an image pulled for one pod is
//!   there for the next (a second pod skips the pull).
//! - Pulls on a node are serialised by default (`serializeImagePulls: true`): a pull waits for
//!   the one before it; a pod asking for an image another pod is pulling gets it when that
//!   pull ends.
//! - A failed pull (`behaviour.imagePullError`) records `Failed` "Failed to pull image ...",
//!   leaves the container `Waiting` with reason `ErrImagePull`, and starts the image back-off
//!   (keyed per pod and image: 10 s doubling to 300 s). A sync inside the back-off records
//!   `BackOff` "Back-off pulling image ..." and reason `ImagePullBackOff`.

use super::backoff::{self, Entry};
use kubesim_engine::SimTime;
use kubesim_model::{Cluster, NodeId, PullPolicy};
use std::collections::{BTreeMap, BTreeSet};

/// The node's images (`status.images`) as the puller sees them.
pub trait NodeImages {
    /// Whether the image is on the node.
    fn contains(&self, image: &str) -> bool;
    /// A pull finished: the image is on the node.
    fn insert(&mut self, image: String);
}

impl NodeImages for BTreeSet<String> {
    fn contains(&self, image: &str) -> bool {
        BTreeSet::contains(self, image)
    }
    fn insert(&mut self, image: String) {
        BTreeSet::insert(self, image);
    }
}

/// A node of the cluster: images land through [`Cluster::add_node_image`], which keeps the
/// per-image node counts the scheduler's ImageLocality score reads.
pub struct OnNode<'a>(pub &'a mut Cluster, pub NodeId);

impl NodeImages for OnNode<'_> {
    fn contains(&self, image: &str) -> bool {
        self.0.nodes[self.1.index()].images.contains(image)
    }
    fn insert(&mut self, image: String) {
        self.0.add_node_image(self.1, &image);
    }
}

/// A pull under way on the node.
#[derive(Debug, Clone)]
struct InFlight {
    done: SimTime,
    error: Option<String>,
}

/// A node's image puller.
#[derive(Debug, Clone, Default)]
pub struct ImagePuller {
    /// With serialised pulls, the puller is busy until then.
    busy_until: SimTime,
    /// Pulls queued or running, by image.
    in_flight: BTreeMap<String, InFlight>,
}

/// What `EnsureImageExists` decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensure {
    /// The image is on the node and the policy does not ask for a pull.
    Present,
    /// A pull is needed: requested now, started at `started` (after the pulls before it),
    /// done at `done`, failing with `error` if set.
    Pull {
        /// When the pull actually starts.
        started: SimTime,
        /// When it ends.
        done: SimTime,
        /// Its error, if it fails.
        error: Option<String>,
    },
    /// `ErrImageNeverPull`: not present, and the policy is `Never`.
    NeverPull,
    /// `ImagePullBackOff`: the last pull failed and its back-off has not expired.
    BackOff,
}

impl ImagePuller {
    /// Images whose successful pull has ended by `now`: they are now on the node.
    pub fn settle(&mut self, now: SimTime, node_images: &mut impl NodeImages) {
        let done: Vec<String> =
            self.in_flight.iter().filter(|(_, p)| p.done <= now).map(|(i, _)| i.clone()).collect();
        for image in done {
            if let Some(p) = self.in_flight.remove(&image)
                && p.error.is_none()
            {
                node_images.insert(image);
            }
        }
    }

    /// The machine lost power at `now`: pulls that had finished leave their image on the
    /// node's disk; the others are lost with the puller's queue.
    pub fn machine_off(&mut self, now: SimTime, node_images: &mut impl NodeImages) {
        self.settle(now, node_images);
        *self = Self::default();
    }

    /// `EnsureImageExists` for one container start at `now`. `pull_time` draws the pull's
    /// duration (only called when a new pull starts); `error` is the behaviour's pull error.
    #[allow(clippy::too_many_arguments)]
    pub fn ensure(
        &mut self,
        now: SimTime,
        node_images: &mut impl NodeImages,
        image: &str,
        policy: PullPolicy,
        backoff: Option<Entry>,
        serialize: bool,
        error: Option<&str>,
        pull_time: impl FnOnce() -> kubesim_engine::SimDuration,
    ) -> Ensure {
        self.settle(now, node_images);
        let present = node_images.contains(image);
        match policy {
            PullPolicy::Never if present => return Ensure::Present,
            PullPolicy::Never => return Ensure::NeverPull,
            PullPolicy::IfNotPresent if present => return Ensure::Present,
            _ => {}
        }
        if backoff::is_in_backoff_since_update(backoff, now) {
            return Ensure::BackOff;
        }
        if let Some(p) = self.in_flight.get(image) {
            // Another pod is pulling the same image: this request gets it when that ends.
            return Ensure::Pull { started: p.done, done: p.done, error: p.error.clone() };
        }
        let started = if serialize { self.busy_until.max(now) } else { now };
        let done = started + pull_time();
        if serialize {
            self.busy_until = done;
        }
        let error = error.map(str::to_string);
        self.in_flight.insert(image.to_string(), InFlight { done, error: error.clone() });
        Ensure::Pull { started, done, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim_engine::SimDuration;

    #[test]
    fn cache_policies_and_serial_pulls() {
        let mut p = ImagePuller::default();
        let mut images = BTreeSet::new();
        let five = || SimDuration::from_secs(5);
        let s = |x: u64| SimTime(x * 1000);
        // Two images asked for at 0: pulled one after the other (serialised).
        let a =
            p.ensure(s(0), &mut images, "a:1", PullPolicy::IfNotPresent, None, true, None, five);
        let b =
            p.ensure(s(0), &mut images, "b:1", PullPolicy::IfNotPresent, None, true, None, five);
        assert_eq!(a, Ensure::Pull { started: s(0), done: s(5), error: None });
        assert_eq!(b, Ensure::Pull { started: s(5), done: s(10), error: None });
        // A second pod asking for a:1 at 1 s shares the pull under way.
        let a2 =
            p.ensure(s(1), &mut images, "a:1", PullPolicy::IfNotPresent, None, true, None, five);
        assert_eq!(a2, Ensure::Pull { started: s(5), done: s(5), error: None });
        // At 6 s a:1 is on the node: IfNotPresent skips the pull, Always pulls again.
        let a3 =
            p.ensure(s(6), &mut images, "a:1", PullPolicy::IfNotPresent, None, true, None, five);
        assert_eq!(a3, Ensure::Present);
        let a4 = p.ensure(s(10), &mut images, "a:1", PullPolicy::Always, None, true, None, five);
        assert_eq!(a4, Ensure::Pull { started: s(10), done: s(15), error: None });
        // Never: only what is there.
        assert_eq!(
            p.ensure(s(10), &mut images, "c:1", PullPolicy::Never, None, true, None, five),
            Ensure::NeverPull
        );
        // A failing pull is not cached, and its back-off blocks the next attempt.
        let bad = p.ensure(
            s(20),
            &mut images,
            "x:1",
            PullPolicy::IfNotPresent,
            None,
            true,
            Some("not found"),
            five,
        );
        assert_eq!(
            bad,
            Ensure::Pull { started: s(20), done: s(25), error: Some("not found".into()) }
        );
        let entry = Some(backoff::next(None, s(25), s(25)));
        p.settle(s(25), &mut images);
        assert!(!images.contains("x:1"));
        assert_eq!(
            p.ensure(
                s(30),
                &mut images,
                "x:1",
                PullPolicy::IfNotPresent,
                entry,
                true,
                Some("not found"),
                five
            ),
            Ensure::BackOff
        );
    }
}
