//! The cluster autoscaler's settings: its flags (`params.clusterAutoscaler`, named and
//! defaulted as kubernetes/autoscaler's `cluster-autoscaler/config/flags/flags.go` and
//! `config/autoscaling_options.go`), and the node groups it manages (node pools with
//! `autoscaling: true`, `minCount`, `maxCount`: upstream's `--nodes=<min>:<max>:<name>`).

use kubesim_engine::{Dist, SimDuration};

/// `--expander`: how the autoscaler picks one node group among those that would help
/// (`cluster-autoscaler/expander/`; FAQ "What are Expanders?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expander {
    /// `random` (the default): any of the options, drawn from the autoscaler's own stream.
    #[default]
    Random,
    /// `most-pods`: the option that schedules the most pending pods.
    MostPods,
    /// `least-waste`: the option whose new nodes are left with the least idle CPU (then
    /// memory), as a fraction of what they add (`expander/waste/waste.go`).
    LeastWaste,
    /// `priority`: the options of the highest priority whose regular expressions match the
    /// node group's name (the `cluster-autoscaler-priority-expander` ConfigMap), random among
    /// ties (`expander/priority/priority.go`).
    Priority,
}

impl Expander {
    /// The flag value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::MostPods => "most-pods",
            Self::LeastWaste => "least-waste",
            Self::Priority => "priority",
        }
    }
}

/// One node group the autoscaler manages.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    /// Index of the node pool in `Cluster::pools`.
    pub pool: usize,
    /// `minCount`: scale-down never takes the pool below this.
    pub min_count: u32,
    /// `maxCount`: scale-up never takes the pool above this.
    pub max_count: u32,
    /// How long the provider takes from the resize request to the node registering Ready.
    pub provisioning: Dist,
}

/// `params.clusterAutoscaler`: the flags kubesim models, with upstream's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterAutoscalerParams {
    /// `--scan-interval`, default 10 s: how often the loop (`RunOnce`) runs.
    pub scan_interval: SimDuration,
    /// `--expander`, default `random`.
    pub expander: Expander,
    /// The priority expander's ConfigMap (`priorities`): priority → regular expressions over
    /// node group names, higher priority first in meaning (order here is the file's).
    pub priorities: Vec<(i64, Vec<String>)>,
    /// `--max-nodes-total`, default 0 = no limit: nodes in the whole cluster.
    pub max_nodes_total: u32,
    /// `--scale-down-enabled`, default true.
    pub scale_down_enabled: bool,
    /// `--scale-down-utilization-threshold`, default 0.5: a node whose requested CPU and
    /// memory (each as a fraction of allocatable; the larger counts) is below it may go.
    pub scale_down_utilization_threshold: f64,
    /// `--scale-down-unneeded-time`, default 10 min: how long a node must stay unneeded.
    pub scale_down_unneeded_time: SimDuration,
    /// `--scale-down-delay-after-add`, default 10 min.
    pub scale_down_delay_after_add: SimDuration,
    /// `--scale-down-delay-after-delete`, default 0 = the scan interval.
    pub scale_down_delay_after_delete: SimDuration,
    /// `--scale-down-delay-after-failure`, default 3 min.
    pub scale_down_delay_after_failure: SimDuration,
    /// `--max-empty-bulk-delete`, default 10: empty nodes deleted in one loop.
    pub max_empty_bulk_delete: u32,
    /// `--max-scale-down-parallelism`, default 10: non-empty nodes drained at once.
    pub max_scale_down_parallelism: u32,
    /// `--max-node-provision-time`, default 15 min: a requested node not registered by then
    /// is given up (the group's target size goes back down).
    pub max_node_provision_time: SimDuration,
    /// `--max-graceful-termination-sec`, default 600: the most grace an evicted pod gets.
    pub max_graceful_termination_sec: u64,
    /// `--balance-similar-node-groups`, default false: spread a scale-up over node groups
    /// with the same shape (allocatable, labels and taints but the zone and names).
    pub balance_similar_node_groups: bool,
    /// `--skip-nodes-with-local-storage`, default true: pods with `emptyDir` block scale-down.
    pub skip_nodes_with_local_storage: bool,
    /// `--skip-nodes-with-system-pods`, default true: `kube-system` pods without a PDB block
    /// scale-down.
    pub skip_nodes_with_system_pods: bool,
    /// The node groups (pools with `autoscaling: true`), in pool order.
    pub node_groups: Vec<NodeGroup>,
}

impl Default for ClusterAutoscalerParams {
    fn default() -> Self {
        Self {
            scan_interval: SimDuration::from_secs(10),
            expander: Expander::Random,
            priorities: Vec::new(),
            max_nodes_total: 0,
            scale_down_enabled: true,
            scale_down_utilization_threshold: 0.5,
            scale_down_unneeded_time: SimDuration::from_mins(10),
            scale_down_delay_after_add: SimDuration::from_mins(10),
            scale_down_delay_after_delete: SimDuration::ZERO,
            scale_down_delay_after_failure: SimDuration::from_mins(3),
            max_empty_bulk_delete: 10,
            max_scale_down_parallelism: 10,
            max_node_provision_time: SimDuration::from_mins(15),
            max_graceful_termination_sec: 600,
            balance_similar_node_groups: false,
            skip_nodes_with_local_storage: true,
            skip_nodes_with_system_pods: true,
            node_groups: Vec::new(),
        }
    }
}

impl ClusterAutoscalerParams {
    /// The delay after a deletion before the next scale-down: the flag, or the scan interval
    /// when it is 0 (upstream's default).
    pub fn delay_after_delete(&self) -> SimDuration {
        if self.scale_down_delay_after_delete.is_zero() {
            self.scan_interval
        } else {
            self.scale_down_delay_after_delete
        }
    }

    /// The node group of a pool, if the pool autoscales.
    pub fn group_of_pool(&self, pool: usize) -> Option<&NodeGroup> {
        self.node_groups.iter().find(|g| g.pool == pool)
    }
}
