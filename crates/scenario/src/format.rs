//! The scenario file's own types (format v1), as serde-saphyr reads them.
//!
//! Only syntax is checked here (types, field names, durations, quantities, distributions);
//! names and references are checked in `build.rs`, where the whole cluster is known.
//! `workloads` entries (`include:`s or manifests) are only glanced at here (pass 1 of
//! `objects.rs`); the manifests are read as their k8s-openapi types later.

use crate::objects::Loose;
use crate::read::QUANTITY_EXPECTED;
use kubesim_engine::{Dist, SimDuration};
use kubesim_model::quantity::{self, QuantityError};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// The "expected" text for durations.
pub(crate) const DURATION_EXPECTED: &str = "a duration such as `30s`, `5m` or `1h30m`";

/// The top level of a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ScenarioFile {
    pub name: String,
    pub seed: Option<u64>,
    pub duration: Option<Dur>,
    pub params: Option<ParamsFile>,
    pub cluster: Option<ClusterFile>,
    pub behaviour: Option<BehaviourFile>,
    /// Pass 1 of the manifests (see the module docs).
    pub workloads: Option<Loose>,
    pub actions: Option<Vec<ActionFile>>,
    /// What must hold of the run (checked in `expect.rs`).
    pub expect: Option<Vec<ExpectFile>>,
}

/// `params`: every field optional; names are the camelCase of `kubesim_model::Params`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ParamsFile {
    pub node_monitor_period: Option<Dur>,
    pub node_monitor_grace_period: Option<Dur>,
    pub node_startup_grace_period: Option<Dur>,
    pub node_eviction_rate: Option<f64>,
    pub secondary_node_eviction_rate: Option<f64>,
    pub large_cluster_size_threshold: Option<u32>,
    pub unhealthy_zone_threshold: Option<f64>,
    pub terminated_pod_gc_threshold: Option<u32>,
    pub default_not_ready_toleration_seconds: Option<i64>,
    pub default_unreachable_toleration_seconds: Option<i64>,
    pub node_status_update_frequency: Option<Dur>,
    pub node_status_report_frequency: Option<Dur>,
    pub node_lease_duration_seconds: Option<u64>,
    pub max_pods: Option<u64>,
    pub serialize_image_pulls: Option<bool>,
    pub pod_initial_backoff_seconds: Option<u64>,
    pub pod_max_backoff_seconds: Option<u64>,
    pub pod_max_in_unschedulable_pods_duration: Option<Dur>,
    pub percentage_of_nodes_to_score: Option<u32>,
    pub cluster_autoscaler: Option<ClusterAutoscalerFile>,
}

/// `params.clusterAutoscaler`: the cluster autoscaler's flags, spelt as upstream's command
/// line (`--scan-interval` is `scan-interval`); see `kubesim_model::ClusterAutoscalerParams`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ClusterAutoscalerFile {
    pub scan_interval: Option<Dur>,
    pub expander: Option<ExpanderFile>,
    /// The priority expander's ConfigMap `priorities`: priority → regular expressions.
    pub priorities: Option<BTreeMap<i64, Vec<String>>>,
    pub max_nodes_total: Option<u32>,
    pub scale_down_enabled: Option<bool>,
    pub scale_down_utilization_threshold: Option<f64>,
    pub scale_down_unneeded_time: Option<Dur>,
    pub scale_down_delay_after_add: Option<Dur>,
    pub scale_down_delay_after_delete: Option<Dur>,
    pub scale_down_delay_after_failure: Option<Dur>,
    pub max_empty_bulk_delete: Option<u32>,
    pub max_scale_down_parallelism: Option<u32>,
    pub max_node_provision_time: Option<Dur>,
    pub max_graceful_termination_sec: Option<u64>,
    pub balance_similar_node_groups: Option<bool>,
    pub skip_nodes_with_local_storage: Option<bool>,
    pub skip_nodes_with_system_pods: Option<bool>,
}

/// `--expander`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum ExpanderFile {
    #[serde(rename = "random")]
    Random,
    #[serde(rename = "most-pods")]
    MostPods,
    #[serde(rename = "least-waste")]
    LeastWaste,
    #[serde(rename = "priority")]
    Priority,
}

/// `cluster`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ClusterFile {
    pub region: Option<String>,
    pub node_pools: Option<Vec<NodePoolFile>>,
    pub nodes: Option<Vec<NodeFile>>,
}

/// `cluster.nodePools[]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NodePoolFile {
    pub name: String,
    pub count: u32,
    pub zones: Option<Vec<String>>,
    pub allocatable: AllocatableFile,
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<TaintFile>>,
    pub images: Option<Vec<String>>,
    pub unschedulable: Option<bool>,
    /// The cluster autoscaler manages the pool (with `minCount` and `maxCount`).
    pub autoscaling: Option<bool>,
    pub min_count: Option<u32>,
    pub max_count: Option<u32>,
    /// How long a node the autoscaler asks for takes to register (default 1 minute).
    pub provisioning: Option<DistFile>,
    /// `regular` (the default) or `spot`.
    pub priority: Option<PriorityFile>,
    /// The cloud whose spot label, taint and notice a spot pool follows.
    pub provider: Option<ProviderFile>,
    /// What reacts to a spot interruption notice on the pool's nodes.
    pub interruption_handler: Option<SpotHandlerFile>,
    /// The kubelet's graceful node shutdown periods.
    pub shutdown_grace_period: Option<Dur>,
    pub shutdown_grace_period_critical_pods: Option<Dur>,
}

/// A node pool's `priority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PriorityFile {
    Regular,
    Spot,
}

/// A node pool's `provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProviderFile {
    Aks,
    Gke,
    Eks,
}

/// `cluster.nodes[]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NodeFile {
    pub name: String,
    pub zone: Option<String>,
    pub allocatable: AllocatableFile,
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<TaintFile>>,
    pub images: Option<Vec<String>>,
    pub unschedulable: Option<bool>,
}

/// `allocatable`: Kubernetes quantities.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AllocatableFile {
    pub cpu: Cpu,
    pub memory: Bytes,
    pub pods: Option<Bytes>,
    #[serde(rename = "ephemeral-storage")]
    pub ephemeral_storage: Option<Bytes>,
}

/// A node taint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaintFile {
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffectFile,
}

/// A taint effect, spelt as the API does.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum TaintEffectFile {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// `behaviour`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BehaviourFile {
    pub default: Option<TimingsFile>,
    pub workloads: Option<OrderedMap<TimingsFile>>,
}

/// A behaviour: timings and failures; unset fields inherit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TimingsFile {
    pub image_pull: Option<DistFile>,
    pub container_start: Option<DistFile>,
    pub ready: Option<DistFile>,
    pub shutdown: Option<DistFile>,
    pub exit: Option<ExitFile>,
    pub crash: Option<CrashFile>,
    pub image_pull_error: Option<String>,
    pub post_start: Option<HookFile>,
    pub pre_stop: Option<HookFile>,
    /// Per-container overrides (only at the workload level; checked in `build.rs`).
    pub containers: Option<OrderedMap<TimingsFile>>,
}

/// `exit`: the container exits on its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExitFile {
    pub after: DistFile,
    pub code: Option<i32>,
}

/// `crash`: starts of the container crash (all, with a probability, or the first N).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrashFile {
    pub after: DistFile,
    pub code: Option<i32>,
    pub probability: Option<f64>,
    pub times: Option<u32>,
}

/// `postStart` / `preStop`: a duration, or `{duration, fail}`.
#[derive(Debug, Default)]
pub(crate) struct HookFile {
    pub duration: Option<DistFile>,
    pub fail: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookMap {
    duration: Option<DistFile>,
    fail: Option<bool>,
}

impl<'de> Deserialize<'de> for HookFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HookFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{DURATION_EXPECTED}, or a mapping with `duration` and `fail`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<HookFile, E> {
                Dur::deserialize(de::value::U64Deserializer::<E>::new(v))
                    .map(|d| HookFile { duration: Some(DistFile(Dist::Constant(d.0))), fail: None })
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<HookFile, E> {
                Dur::deserialize(de::value::StrDeserializer::<E>::new(s))
                    .map(|d| HookFile { duration: Some(DistFile(Dist::Constant(d.0))), fail: None })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<HookFile, A::Error> {
                let m = HookMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(HookFile { duration: m.duration, fail: m.fail })
            }
        }
        d.deserialize_any(V)
    }
}

/// `actions[]`: `at` and exactly one verb (checked in `build.rs`, with positions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ActionFile {
    pub at: Dur,
    #[serde(rename = "delete-pod")]
    pub delete_pod: Option<DeletePodFile>,
    pub cordon: Option<NodeNames>,
    pub uncordon: Option<NodeNames>,
    pub scale: Option<ScaleFile>,
    pub drain: Option<DrainFile>,
    #[serde(rename = "evict-pod")]
    pub evict_pod: Option<EvictPodFile>,
    pub rollout: Option<RolloutFile>,
    #[serde(rename = "add-node")]
    pub add_node: Option<AddNodeFile>,
    #[serde(rename = "upgrade-pool")]
    pub upgrade_pool: Option<UpgradePoolFile>,
    // Node faults and node operations.
    #[serde(rename = "crash-node")]
    pub crash_node: Option<NodeNames>,
    #[serde(rename = "stop-kubelet")]
    pub stop_kubelet: Option<NodeNames>,
    pub partition: Option<NodeNames>,
    #[serde(rename = "zone-outage")]
    pub zone_outage: Option<ZoneOutageFile>,
    #[serde(rename = "recover-node")]
    pub recover_node: Option<NodeNames>,
    #[serde(rename = "recover-zone")]
    pub recover_zone: Option<String>,
    #[serde(rename = "delete-node")]
    pub delete_node: Option<NodeNames>,
    #[serde(rename = "spot-interruption")]
    pub spot_interruption: Option<SpotInterruptionFile>,
    pub taint: Option<TaintActionFile>,
    pub untaint: Option<UntaintFile>,
    // Kubelet pod lifecycle.
    #[serde(rename = "set-pod-condition")]
    pub set_pod_condition: Option<SetPodConditionFile>,
    #[serde(rename = "make-unhealthy")]
    pub make_unhealthy: Option<MakeUnhealthyFile>,
    #[serde(rename = "make-healthy")]
    pub make_healthy: Option<MakeHealthyFile>,
    pub debug: Option<DebugFile>,
}

/// The verbs of an action, as written.
pub(crate) const VERBS: [&str; 23] = [
    "delete-pod",
    "cordon",
    "uncordon",
    "scale",
    "drain",
    "evict-pod",
    "rollout",
    "add-node",
    "upgrade-pool",
    "crash-node",
    "stop-kubelet",
    "partition",
    "zone-outage",
    "recover-node",
    "recover-zone",
    "delete-node",
    "spot-interruption",
    "taint",
    "untaint",
    "set-pod-condition",
    "make-unhealthy",
    "make-healthy",
    "debug",
];

/// `drain`: `kubectl drain` and its flags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DrainFile {
    pub nodes: NodeNames,
    #[serde(rename = "ignoreDaemonSets")]
    pub ignore_daemon_sets: Option<bool>,
    #[serde(rename = "deleteEmptyDirData")]
    pub delete_empty_dir_data: Option<bool>,
    pub force: Option<bool>,
    pub grace_period_seconds: Option<u64>,
    pub timeout: Option<Dur>,
    pub disable_eviction: Option<bool>,
    pub pod_selector: Option<SelectorFile>,
    pub skip_wait_for_delete_timeout: Option<u64>,
}

/// `evict-pod`: one eviction per pod (the target is given as for `delete-pod`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EvictPodFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    pub grace_period_seconds: Option<u64>,
    pub dry_run: Option<bool>,
}

/// Which pods a pod action targets (the fields every pod verb has).
#[derive(Debug, Clone, Default)]
pub(crate) struct PodTargetFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
}

/// `set-pod-condition`: a controller sets a pod condition (a readiness gate's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SetPodConditionFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    #[serde(rename = "type")]
    pub type_: String,
    pub status: CondStatusFile,
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// A condition status, spelt as the API does.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum CondStatusFile {
    True,
    False,
    Unknown,
}

/// A probe type, as the scenario spells it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProbeKindFile {
    Startup,
    Liveness,
    Readiness,
}

/// `make-unhealthy`: the application stops answering its probes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MakeUnhealthyFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    pub container: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<Dur>,
    pub probes: Option<Vec<ProbeKindFile>>,
    pub timeout: Option<bool>,
    pub until_restart: Option<bool>,
}

/// `make-healthy`: the application answers its probes again.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MakeHealthyFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    pub container: Option<String>,
}

/// `debug`: `kubectl debug` adds an ephemeral container.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DebugFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    pub image: String,
    pub container: Option<String>,
    pub target: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<Dur>,
}

macro_rules! pod_target {
    ($($t:ty),*) => {
        $(impl $t {
            /// The target fields.
            pub fn target(&self) -> PodTargetFile {
                PodTargetFile {
                    name: self.name.clone(),
                    selector: self.selector.clone(),
                    namespace: self.namespace.clone(),
                    node: self.node.clone(),
                    count: self.count,
                    pick: self.pick,
                }
            }
        })*
    };
}
pod_target!(
    DeletePodFile,
    EvictPodFile,
    SetPodConditionFile,
    MakeUnhealthyFile,
    MakeHealthyFile,
    DebugFile
);

/// `rollout`: a template change of a Deployment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RolloutFile {
    pub workload: String,
    pub namespace: Option<String>,
    pub image: Option<String>,
    pub container: Option<String>,
    pub restart: Option<bool>,
    /// How the new revision's pods behave (unset fields: the workload's behaviour).
    pub behaviour: Option<TimingsFile>,
}

/// `add-node`: more nodes of a pool, or one node given in full.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AddNodeFile {
    pub pool: Option<String>,
    pub count: Option<u32>,
    pub name: Option<String>,
    pub zone: Option<String>,
    pub allocatable: Option<AllocatableFile>,
    pub labels: Option<BTreeMap<String, String>>,
    pub taints: Option<Vec<TaintFile>>,
    pub images: Option<Vec<String>>,
}

/// `upgrade-pool`: a managed surge upgrade.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct UpgradePoolFile {
    pub pool: String,
    pub max_surge: Option<IntOrPct>,
    pub max_unavailable: Option<IntOrPct>,
    pub provisioning: Option<DistFile>,
    pub drain_timeout: Option<DrainTimeoutFile>,
}

/// An integer or a percentage (`3`, `"33%"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntOrPct(pub kubesim_model::IntOrPercent);

const INT_OR_PCT_EXPECTED: &str = "a number of nodes (`1`) or a percentage (`\"33%\"`)";

impl<'de> Deserialize<'de> for IntOrPct {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrPct;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(INT_OR_PCT_EXPECTED)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrPct, E> {
                i64::try_from(v)
                    .map(|v| IntOrPct(kubesim_model::IntOrPercent::Int(v)))
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrPct, E> {
                if v < 0 {
                    return Err(E::invalid_value(Unexpected::Signed(v), &self));
                }
                Ok(IntOrPct(kubesim_model::IntOrPercent::Int(v)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<IntOrPct, E> {
                match kubesim_model::IntOrPercent::parse(s) {
                    Some(v @ kubesim_model::IntOrPercent::Percent(p)) if (0..=100).contains(&p) => {
                        Ok(IntOrPct(v))
                    }
                    Some(v @ kubesim_model::IntOrPercent::Int(i)) if i >= 0 => Ok(IntOrPct(v)),
                    _ => Err(E::invalid_value(Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `drainTimeout`: `respect-pdb`, `{force-after: 1h}` or `{fail-after: 15m}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DrainTimeoutFile(pub kubesim_model::DrainTimeoutBehaviour);

const DRAIN_TIMEOUT_EXPECTED: &str =
    "`respect-pdb`, `{force-after: <duration>}` (GKE: 1h) or `{fail-after: <duration>}` (EKS: 15m)";

impl<'de> Deserialize<'de> for DrainTimeoutFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use kubesim_model::DrainTimeoutBehaviour as B;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DrainTimeoutFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DRAIN_TIMEOUT_EXPECTED)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DrainTimeoutFile, E> {
                if s == "respect-pdb" {
                    return Ok(DrainTimeoutFile(B::RespectPdb));
                }
                Err(E::invalid_value(Unexpected::Str(s), &self))
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DrainTimeoutFile, A::Error> {
                #[derive(Deserialize)]
                enum Key {
                    #[serde(rename = "force-after")]
                    ForceAfter,
                    #[serde(rename = "fail-after")]
                    FailAfter,
                }
                let Some(k) = map.next_key::<Key>()? else {
                    return Err(de::Error::custom(format!("expected {DRAIN_TIMEOUT_EXPECTED}")));
                };
                let d = map.next_value::<Dur>()?.0;
                struct Second;
                impl<'de> DeserializeSeed<'de> for Second {
                    type Value = ();
                    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                        let k = String::deserialize(d)?;
                        Err(de::Error::custom(format!(
                            "`drainTimeout` has exactly one key, but `{k}` is a second one"
                        )))
                    }
                }
                map.next_key_seed(Second)?;
                if d.is_zero() {
                    return Err(de::Error::custom("the drain timeout must be greater than 0"));
                }
                Ok(DrainTimeoutFile(match k {
                    Key::ForceAfter => B::ForceAfter(d),
                    Key::FailAfter => B::FailAfter(d),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// `zone-outage`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ZoneOutageFile {
    pub zone: String,
    pub mode: Option<OutageModeFile>,
}

/// How the nodes of a zone outage fail.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OutageModeFile {
    Crash,
    Partition,
}

/// `spot-interruption`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpotInterruptionFile {
    pub nodes: Option<NodeNames>,
    pub notice: Option<Dur>,
    pub handler: Option<SpotHandlerFile>,
    /// With `ratePerHour`: the pool whose nodes are interrupted at random times.
    pub pool: Option<String>,
    #[serde(rename = "ratePerHour")]
    pub rate_per_hour: Option<f64>,
    /// With `ratePerHour`: how long the interruptions go on (default: to the end of the run).
    #[serde(rename = "for")]
    pub for_: Option<Dur>,
}

/// What reacts to a spot interruption notice.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SpotHandlerFile {
    Drain,
    Shutdown,
    None,
}

/// `taint`: `kubectl taint nodes <nodes> key=value:effect`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaintActionFile {
    pub nodes: NodeNames,
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffectFile,
}

/// `untaint`: `kubectl taint nodes <nodes> key[:effect]-`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UntaintFile {
    pub nodes: NodeNames,
    pub key: String,
    pub effect: Option<TaintEffectFile>,
}

/// `delete-pod`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DeletePodFile {
    pub name: Option<String>,
    pub selector: Option<SelectorFile>,
    pub namespace: Option<String>,
    pub node: Option<String>,
    pub count: Option<u32>,
    pub pick: Option<PickFile>,
    pub grace_period_seconds: Option<u64>,
    pub force: Option<bool>,
}

/// A label selector (`matchLabels` and `matchExpressions`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SelectorFile {
    pub match_labels: Option<BTreeMap<String, String>>,
    pub match_expressions: Option<Vec<RequirementFile>>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequirementFile {
    pub key: String,
    pub operator: OperatorFile,
    pub values: Option<Vec<String>>,
}

/// A label selector operator.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) enum OperatorFile {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// `pick`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PickFile {
    Oldest,
    Newest,
    Random,
}

/// `scale`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ScaleFile {
    pub workload: String,
    pub replicas: u32,
    pub namespace: Option<String>,
}

/// `expect[]`: exactly one kind of expectation (checked in `expect.rs`, with positions).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ExpectFile {
    pub ready: Option<ReplicasExpectFile>,
    pub available: Option<ReplicasExpectFile>,
    pub completes: Option<CompletesFile>,
    pub pending: Option<PendingFile>,
    pub evictions: Option<CountExpectFile>,
    pub restarts: Option<CountExpectFile>,
    pub recovers: Option<RecoversFile>,
    pub event: Option<EventExpectFile>,
    pub no_event: Option<EventExpectFile>,
    pub no_pdb_violation: Option<NoPdbViolationFile>,
}

/// The kinds of an expectation, as written.
pub(crate) const EXPECT_KINDS: [&str; 10] = [
    "ready",
    "available",
    "completes",
    "pending",
    "evictions",
    "restarts",
    "recovers",
    "event",
    "noEvent",
    "noPdbViolation",
];

/// `ready` / `available`: a floor of replicas over a window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ReplicasExpectFile {
    pub workload: String,
    pub min: Floor,
    pub from: Option<Dur>,
    pub to: Option<Dur>,
}

/// `completes`: a drain or an upgrade ends within a time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CompletesFile {
    pub action: Option<String>,
    /// A Deployment that exactly one `rollout` action changes.
    pub rollout: Option<String>,
    pub within: Dur,
}

/// `pending`: no pod Pending longer than `max`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PendingFile {
    pub max: Dur,
    pub workload: Option<String>,
}

/// `evictions` / `restarts`: at most `max`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CountExpectFile {
    pub max: u64,
    pub workload: Option<String>,
}

/// `recovers`: every workload back to desired within a time after an action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RecoversFile {
    pub after: String,
    pub within: Dur,
    pub workloads: Option<Vec<String>>,
}

/// `event` / `noEvent`: an event reason (not) recorded by a time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EventExpectFile {
    pub reason: String,
    pub before: Option<Dur>,
    pub object: Option<String>,
    pub workload: Option<String>,
}

/// `noPdbViolation`: optionally one PDB.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NoPdbViolationFile {
    pub pdb: Option<String>,
}

/// A floor of replicas: a count or a percentage of desired (`2`, `"66%"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Floor(pub kubesim_model::IntOrPercent);

const FLOOR_EXPECTED: &str = "a number of replicas (`2`) or a percentage of desired (`\"66%\"`)";

impl<'de> Deserialize<'de> for Floor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use kubesim_model::IntOrPercent as V2;
        struct V;
        impl Visitor<'_> for V {
            type Value = Floor;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(FLOOR_EXPECTED)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Floor, E> {
                i64::try_from(v)
                    .map(|v| Floor(V2::Int(v)))
                    .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Floor, E> {
                if v < 0 {
                    return Err(E::invalid_value(Unexpected::Signed(v), &self));
                }
                Ok(Floor(V2::Int(v)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Floor, E> {
                match V2::parse(s) {
                    Some(v @ V2::Percent(p)) if (0..=100).contains(&p) => Ok(Floor(v)),
                    Some(v @ V2::Int(i)) if i >= 0 => Ok(Floor(v)),
                    _ => Err(E::invalid_value(Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A duration written Go/kubectl style (`250ms`, `30s`, `1h30m`, `1.5h`) or ISO 8601 (`PT5M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dur(pub SimDuration);

/// Parses a duration; `Err` says why not (shown after "invalid duration `...`").
pub fn parse_duration(s: &str) -> Result<SimDuration, &'static str> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err("negative");
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    if t == "0" {
        return Ok(SimDuration::ZERO);
    }
    let iso = t.starts_with(['P', 'p']);
    if !iso && !is_go_duration(t) {
        return Err("");
    }
    let normalized = t.replace('μ', "µ");
    let d: jiff::SignedDuration = normalized.parse().map_err(|_| "")?;
    let nanos = d.as_nanos();
    if nanos < 0 {
        return Err("negative");
    }
    let ms = (nanos + 500_000) / 1_000_000;
    u64::try_from(ms).map(SimDuration::from_millis).map_err(|_| "too large")
}

/// `([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+`, with a digit in every number.
fn is_go_duration(s: &str) -> bool {
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number = &rest[..n];
        if !number.chars().any(|c| c.is_ascii_digit()) || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[n..];
        let Some(unit) =
            ["ns", "us", "µs", "μs", "ms", "s", "m", "h"].into_iter().find(|u| rest.starts_with(u))
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(DURATION_EXPECTED)
            }
            /// A bare `0` reads as an integer; it is the one number that needs no unit.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dur, E> {
                if v == 0 {
                    return Ok(Dur(SimDuration::ZERO));
                }
                Err(E::invalid_type(Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Err(E::invalid_type(Unexpected::Signed(v), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Dur, E> {
                parse_duration(s).map(Dur).map_err(|why| {
                    let what = if why.is_empty() {
                        format!("duration `{s}`")
                    } else {
                        format!("duration `{s}` ({why})")
                    };
                    E::invalid_value(Unexpected::Other(&what), &DURATION_EXPECTED)
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A timing: a duration (constant) or `{constant|uniform|normal|exponential|lognormal: ...}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DistFile(pub Dist);

#[derive(Clone, Copy)]
enum DistKind {
    Constant,
    Uniform,
    Normal,
    Exponential,
    Lognormal,
}

const DIST_NAMES: [&str; 5] = ["constant", "uniform", "normal", "exponential", "lognormal"];

impl DistKind {
    /// The kind a key names. (Keys are read as strings, so that the field path of an error in
    /// the distribution's value includes the key.)
    fn parse<E: de::Error>(key: &str) -> Result<Self, E> {
        Ok(match key {
            "constant" => Self::Constant,
            "uniform" => Self::Uniform,
            "normal" => Self::Normal,
            "exponential" => Self::Exponential,
            "lognormal" => Self::Lognormal,
            _ => return Err(E::unknown_variant(key, &DIST_NAMES)),
        })
    }
}

const DIST_KINDS: &str = "`constant`, `uniform`, `normal`, `exponential` or `lognormal`";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformFile {
    min: Dur,
    max: Dur,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalFile {
    mean: Dur,
    stddev: Dur,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExponentialFile {
    mean: Dur,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogNormalFile {
    median: Dur,
    sigma: f64,
}

/// Rejects a second key in a one-key mapping, pointing at that key.
struct SecondKey;

impl<'de> DeserializeSeed<'de> for SecondKey {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("no second key")
            }
            fn visit_str<E: de::Error>(self, k: &str) -> Result<(), E> {
                Err(E::custom(format!(
                    "a distribution has exactly one key, but `{k}` is a second one"
                )))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for DistFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DistFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{DURATION_EXPECTED}, or a mapping with one key: {DIST_KINDS}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<DistFile, E> {
                Dur::deserialize(de::value::StrDeserializer::<E>::new(s))
                    .map(|d| DistFile(Dist::Constant(d.0)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DistFile, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(format!(
                        "a distribution needs one of {DIST_KINDS}"
                    )));
                };
                let dist = match DistKind::parse(&key)? {
                    DistKind::Constant => Dist::Constant(map.next_value::<Dur>()?.0),
                    DistKind::Uniform => {
                        let u: UniformFile = map.next_value()?;
                        Dist::Uniform { min: u.min.0, max: u.max.0 }
                    }
                    DistKind::Normal => {
                        let n: NormalFile = map.next_value()?;
                        Dist::Normal { mean: n.mean.0, stddev: n.stddev.0 }
                    }
                    DistKind::Exponential => {
                        let e: ExponentialFile = map.next_value()?;
                        Dist::Exponential { mean: e.mean.0 }
                    }
                    DistKind::Lognormal => {
                        let l: LogNormalFile = map.next_value()?;
                        Dist::LogNormal { median: l.median.0, sigma: l.sigma }
                    }
                };
                map.next_key_seed(SecondKey)?;
                dist.validate()
                    .map_err(|m| de::Error::custom(format!("invalid distribution: {m}")))?;
                Ok(DistFile(dist))
            }
        }
        d.deserialize_any(V)
    }
}

/// The words after "invalid" for a bad quantity: ``quantity `4 cores` `` or, when the
/// syntax is fine but the value is not, with the reason.
pub(crate) fn quantity_what(e: &QuantityError) -> String {
    match e.reason {
        "negative" | "too large" | "exponent out of range" | "too many digits" => {
            format!("quantity `{}` ({})", e.input, e.reason)
        }
        _ => format!("quantity `{}`", e.input),
    }
}

macro_rules! quantity_type {
    ($(#[$doc:meta])* $name:ident, $parse:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct $name(pub u64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(QUANTITY_EXPECTED)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$name, E> {
                        $parse(s).map($name).map_err(|e| {
                            E::invalid_value(Unexpected::Other(&quantity_what(&e)), &QUANTITY_EXPECTED)
                        })
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

quantity_type!(
    /// A CPU quantity, in millicores.
    Cpu,
    quantity::parse_millicpu
);
quantity_type!(
    /// A memory, storage or count quantity, in units (bytes).
    Bytes,
    quantity::parse_value
);

/// One node name or a list of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeNames(pub Vec<String>);

impl<'de> Deserialize<'de> for NodeNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeNames;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a node name or a list of node names")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NodeNames, E> {
                Ok(NodeNames(vec![s.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeNames, E> {
                Ok(NodeNames(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeNames, E> {
                Ok(NodeNames(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeNames, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<String>()? {
                    names.push(n);
                }
                if names.is_empty() {
                    return Err(de::Error::invalid_length(0, &"at least one node name"));
                }
                Ok(NodeNames(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// A mapping read in file order.
#[derive(Debug)]
pub(crate) struct OrderedMap<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedMap<T>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, T>()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ms = |s: &str| parse_duration(s).map(|d| d.as_millis());
        assert_eq!(ms("250ms"), Ok(250));
        assert_eq!(ms("30s"), Ok(30_000));
        assert_eq!(ms("5m"), Ok(300_000));
        assert_eq!(ms("1h30m"), Ok(5_400_000));
        assert_eq!(ms("1.5h"), Ok(5_400_000));
        assert_eq!(ms("1h30m0s"), Ok(5_400_000));
        assert_eq!(ms("0"), Ok(0));
        assert_eq!(ms("1500us"), Ok(2));
        assert_eq!(ms("1.0004s"), Ok(1000));
        assert_eq!(ms("PT2M"), Ok(120_000));
        assert_eq!(ms("-5s"), Err("negative"));
        for bad in ["5 minutes", "5", "", "1d", "s", "1.2.3s", "5M", "1h 30m", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
