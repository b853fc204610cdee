//! `params.clusterAutoscaler` and the autoscaling fields of node pools (`autoscaling`,
//! `minCount`, `maxCount`, `provisioning`), checked and turned into
//! [`kubesim_model::ClusterAutoscalerParams`].

use super::{Builder, Conv};
use crate::error::{Problem, ScenarioError};
use crate::format::{ClusterAutoscalerFile, ExpanderFile, NodePoolFile};
use crate::yaml::Path;
use kubesim_engine::{Dist, SimDuration};
use kubesim_model::{Expander, NodeGroup};

impl Builder<'_> {
    /// Reads `params.clusterAutoscaler` into the params.
    pub(super) fn cluster_autoscaler(
        &mut self,
        f: &ClusterAutoscalerFile,
    ) -> Result<(), ScenarioError> {
        let path = Path::root().key("params").key("clusterAutoscaler");
        let p = &mut self.params.cluster_autoscaler;
        macro_rules! set {
            ($($field:ident),* $(,)?) => {
                $(if let Some(v) = &f.$field {
                    p.$field = Conv::conv(v);
                })*
            };
        }
        set!(
            scan_interval,
            max_nodes_total,
            scale_down_enabled,
            scale_down_utilization_threshold,
            scale_down_unneeded_time,
            scale_down_delay_after_add,
            scale_down_delay_after_delete,
            scale_down_delay_after_failure,
            max_empty_bulk_delete,
            max_scale_down_parallelism,
            max_node_provision_time,
            max_graceful_termination_sec,
            balance_similar_node_groups,
            skip_nodes_with_local_storage,
            skip_nodes_with_system_pods,
        );
        if let Some(e) = f.expander {
            p.expander = match e {
                ExpanderFile::Random => Expander::Random,
                ExpanderFile::MostPods => Expander::MostPods,
                ExpanderFile::LeastWaste => Expander::LeastWaste,
                ExpanderFile::Priority => Expander::Priority,
            };
        }
        // Highest priority first (the ConfigMap is a map; upstream sorts the same way).
        if let Some(pr) = &f.priorities {
            p.priorities = pr.iter().rev().map(|(k, v)| (*k, v.clone())).collect();
        }
        let p = self.params.cluster_autoscaler.clone();
        let checks: [(&str, bool, &str); 3] = [
            ("scan-interval", !p.scan_interval.is_zero(), "a duration greater than 0"),
            (
                "scale-down-utilization-threshold",
                (0.0..=1.0).contains(&p.scale_down_utilization_threshold),
                "a fraction between 0 and 1",
            ),
            (
                "priorities",
                p.expander != Expander::Priority || !p.priorities.is_empty(),
                "the priority expander's priorities (`10: [\"pool-a.*\"]`)",
            ),
        ];
        for (field, ok, expected) in checks {
            if !ok {
                return Err(self.at(
                    &path.key(field),
                    Problem::new(format!("invalid value for `{field}`")).expected(expected),
                ));
            }
        }
        for (prio, res) in &p.priorities {
            for (i, re) in res.iter().enumerate() {
                if let Err(e) = regex::Regex::new(re) {
                    return Err(self.at(
                        &path.key("priorities").key(&prio.to_string()).index(i),
                        Problem::new(format!("invalid regular expression `{re}`: {e}"))
                            .expected("a regular expression over node pool names"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The autoscaling fields of `cluster.nodePools[index]`: a node group when
    /// `autoscaling: true` (`minCount` ≤ `count` ≤ `maxCount`, `maxCount` ≥ 1).
    pub(super) fn pool_autoscaling(
        &mut self,
        path: &Path,
        index: usize,
        pool: &NodePoolFile,
    ) -> Result<(), ScenarioError> {
        if pool.autoscaling != Some(true) {
            for (field, set) in [
                ("minCount", pool.min_count.is_some()),
                ("maxCount", pool.max_count.is_some()),
                ("provisioning", pool.provisioning.is_some()),
            ] {
                if set {
                    return Err(self.at_key(
                        &path.key(field),
                        Problem::new(format!("`{field}` is only read with `autoscaling: true`"))
                            .expected("`autoscaling: true` on the pool, or no `{field}`"),
                    ));
                }
            }
            return Ok(());
        }
        let min = pool.min_count.unwrap_or(0);
        let Some(max) = pool.max_count else {
            return Err(self.at_key(
                &path.key("autoscaling"),
                Problem::new("an autoscaling pool needs `maxCount`")
                    .expected("`maxCount: N`, the most nodes the autoscaler may give the pool"),
            ));
        };
        if max == 0 || min > max {
            return Err(self.at(
                &path.key("maxCount"),
                Problem::new(format!("`maxCount` {max} is below `minCount` {min} or 0"))
                    .expected("a `maxCount` of at least 1 and at least `minCount`"),
            ));
        }
        if pool.count < min || pool.count > max {
            return Err(self.at(
                &path.key("count"),
                Problem::new(format!(
                    "the pool starts with {} nodes, outside `minCount` {min} .. `maxCount` {max}",
                    pool.count
                ))
                .expected("a `count` between `minCount` and `maxCount`"),
            ));
        }
        let provisioning =
            pool.provisioning.clone().map_or(Dist::Constant(SimDuration::from_mins(1)), |d| d.0);
        self.params.cluster_autoscaler.node_groups.push(NodeGroup {
            pool: index,
            min_count: min,
            max_count: max,
            provisioning,
        });
        Ok(())
    }
}
