//! Control-plane settings. Every field carries its upstream flag or config name, and defaults
//! to the Kubernetes default (sources in `shared/k8s-semantics.md`; versions noted where the
//! default changed).

use kubesim_engine::SimDuration;

/// Control-plane and kubelet settings of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// `--node-monitor-period` (kube-controller-manager), default 5 s.
    pub node_monitor_period: SimDuration,
    /// `--node-monitor-grace-period`, default 50 s (v1.32+; 40 s up to v1.31).
    pub node_monitor_grace_period: SimDuration,
    /// `--node-startup-grace-period`, default 60 s.
    pub node_startup_grace_period: SimDuration,
    /// `--node-eviction-rate`, default 0.1 nodes/s per zone.
    pub node_eviction_rate: f64,
    /// `--secondary-node-eviction-rate`, default 0.01 nodes/s.
    pub secondary_node_eviction_rate: f64,
    /// `--large-cluster-size-threshold`, default 50 nodes.
    pub large_cluster_size_threshold: u32,
    /// `--unhealthy-zone-threshold`, default 0.55.
    pub unhealthy_zone_threshold: f64,
    /// `--terminated-pod-gc-threshold`, default 12500.
    pub terminated_pod_gc_threshold: u32,
    /// `--default-not-ready-toleration-seconds` (kube-apiserver), default 300.
    pub default_not_ready_toleration_seconds: i64,
    /// `--default-unreachable-toleration-seconds` (kube-apiserver), default 300.
    pub default_unreachable_toleration_seconds: i64,
    /// `nodeStatusUpdateFrequency` (kubelet), default 10 s.
    pub node_status_update_frequency: SimDuration,
    /// `nodeStatusReportFrequency` (kubelet), default 5 min.
    pub node_status_report_frequency: SimDuration,
    /// `nodeLeaseDurationSeconds` (kubelet), default 40.
    pub node_lease_duration_seconds: u64,
    /// `maxPods` (kubelet), default 110: a node's `allocatable.pods` when a pool does not say.
    pub max_pods: u64,
    /// `serializeImagePulls` (kubelet), default true.
    pub serialize_image_pulls: bool,
    /// `podInitialBackoffSeconds` (kube-scheduler), default 1.
    pub pod_initial_backoff_seconds: u64,
    /// `podMaxBackoffSeconds` (kube-scheduler), default 10.
    pub pod_max_backoff_seconds: u64,
    /// `podMaxInUnschedulablePodsDuration` (kube-scheduler), default 5 min.
    pub pod_max_in_unschedulable_pods_duration: SimDuration,
    /// `percentageOfNodesToScore` (kube-scheduler), default 0 = adaptive.
    pub percentage_of_nodes_to_score: u32,
    /// The cluster autoscaler's flags and node groups (`params.clusterAutoscaler`).
    pub cluster_autoscaler: crate::autoscaler::ClusterAutoscalerParams,
    /// The node pools with `priority: spot`.
    pub spot_pools: Vec<crate::spot::SpotPool>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            node_monitor_period: SimDuration::from_secs(5),
            node_monitor_grace_period: SimDuration::from_secs(50),
            node_startup_grace_period: SimDuration::from_secs(60),
            node_eviction_rate: 0.1,
            secondary_node_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
            terminated_pod_gc_threshold: 12500,
            default_not_ready_toleration_seconds: 300,
            default_unreachable_toleration_seconds: 300,
            node_status_update_frequency: SimDuration::from_secs(10),
            node_status_report_frequency: SimDuration::from_mins(5),
            node_lease_duration_seconds: 40,
            max_pods: 110,
            serialize_image_pulls: true,
            pod_initial_backoff_seconds: 1,
            pod_max_backoff_seconds: 10,
            pod_max_in_unschedulable_pods_duration: SimDuration::from_mins(5),
            percentage_of_nodes_to_score: 0,
            cluster_autoscaler: crate::autoscaler::ClusterAutoscalerParams::default(),
            spot_pools: Vec::new(),
        }
    }
}

impl Params {
    /// The spot settings of the node pool with this index, if it is a spot pool.
    pub fn spot_pool(&self, pool: usize) -> Option<&crate::spot::SpotPool> {
        self.spot_pools.iter().find(|s| s.pool == pool)
    }
}
