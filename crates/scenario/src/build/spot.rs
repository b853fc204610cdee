//! The spot fields of node pools (`priority: spot`, `provider`, `interruptionHandler`,
//! `shutdownGracePeriod`, `shutdownGracePeriodCriticalPods`), checked and turned into
//! [`kubesim_model::SpotPool`]s.

use super::Builder;
use crate::error::{Problem, ScenarioError};
use crate::format::{NodePoolFile, PriorityFile, ProviderFile, SpotHandlerFile};
use crate::yaml::Path;
use kubesim_engine::SimDuration;
use kubesim_model::{Provider, SpotHandler, SpotPool};

impl Builder<'_> {
    /// The spot fields of `cluster.nodePools[index]`: for a spot pool its provider (whose label
    /// and taint the caller puts on the pool's nodes) after recording the pool's settings;
    /// None for a regular pool, which may not carry spot-only fields.
    pub(super) fn pool_spot(
        &mut self,
        path: &Path,
        index: usize,
        pool: &NodePoolFile,
    ) -> Result<Option<Provider>, ScenarioError> {
        if pool.priority != Some(PriorityFile::Spot) {
            for (field, set) in [
                ("provider", pool.provider.is_some()),
                ("interruptionHandler", pool.interruption_handler.is_some()),
                ("shutdownGracePeriod", pool.shutdown_grace_period.is_some()),
                (
                    "shutdownGracePeriodCriticalPods",
                    pool.shutdown_grace_period_critical_pods.is_some(),
                ),
            ] {
                if set {
                    return Err(self.at_key(
                        &path.key(field),
                        Problem::new(format!("`{field}` is only read with `priority: spot`"))
                            .expected(format!("`priority: spot` on the pool, or no `{field}`")),
                    ));
                }
            }
            return Ok(None);
        }
        let Some(provider) = pool.provider else {
            return Err(self.at_key(
                &path.key("priority"),
                Problem::new("a spot pool needs `provider`").expected(
                    "`provider: aks`, `gke` or `eks`: whose spot label, taint and notice its nodes get",
                ),
            ));
        };
        let provider = match provider {
            ProviderFile::Aks => Provider::Aks,
            ProviderFile::Gke => Provider::Gke,
            ProviderFile::Eks => Provider::Eks,
        };
        let handler = pool.interruption_handler.map_or(provider.default_handler(), handler);
        let period = pool.shutdown_grace_period.map_or(SimDuration::from_secs(30), |d| d.0);
        let critical =
            pool.shutdown_grace_period_critical_pods.map_or(SimDuration::from_secs(15), |d| d.0);
        if critical > period {
            return Err(self.at(
                &path.key(if pool.shutdown_grace_period_critical_pods.is_some() {
                    "shutdownGracePeriodCriticalPods"
                } else {
                    "shutdownGracePeriod"
                }),
                Problem::new(format!(
                    "`shutdownGracePeriodCriticalPods` ({critical}) is longer than `shutdownGracePeriod` ({period})"
                ))
                .expected(
                    "`shutdownGracePeriodCriticalPods` at most `shutdownGracePeriod` (the kubelet's rule)",
                ),
            ));
        }
        self.params.spot_pools.push(SpotPool {
            pool: index,
            provider,
            handler,
            shutdown_grace_period: period,
            shutdown_grace_period_critical_pods: critical,
        });
        Ok(Some(provider))
    }
}

/// The model's handler for the file's.
pub(crate) fn handler(h: SpotHandlerFile) -> SpotHandler {
    match h {
        SpotHandlerFile::Drain => SpotHandler::Drain,
        SpotHandlerFile::Shutdown => SpotHandler::Shutdown,
        SpotHandlerFile::None => SpotHandler::None,
    }
}
