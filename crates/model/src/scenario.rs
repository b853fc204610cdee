//! A checked, ready-to-run scenario: what the `scenario` crate produces from a file.

use crate::action::Action;
use crate::cluster::Cluster;
use crate::params::Params;
use kubesim_engine::SimDuration;

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `name`: also the default results directory.
    pub name: String,
    /// `seed` of all random streams.
    pub seed: u64,
    /// `duration`: the run stops then (or earlier if nothing is left to happen).
    pub duration: SimDuration,
    /// Control-plane settings.
    pub params: Params,
    /// The objects at t = 0.
    pub cluster: Cluster,
    /// The timeline, sorted by time (stable: file order within one instant).
    pub actions: Vec<Action>,
    /// `expect`: what must hold of the run, in file order.
    pub expectations: Vec<crate::expect::Expect>,
    /// Notes for `kubesim validate`: fields read but not simulated, defaults applied, etc.
    pub notes: Vec<String>,
}
