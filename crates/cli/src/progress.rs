//! Progress bars on stderr (indicatif), drawn only when stderr is a terminal: never in a
//! pipe, a CI log or a test, so stdout and the files stay byte-identical.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kubesim_engine::SimTime;
use kubesim_model::Scenario;
use std::io::IsTerminal;

/// A bar, or nothing when stderr is not a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar of `total` steps; `template` is indicatif's (`{pos}`, `{len}`, `{eta}`...).
    fn new(total: u64, template: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self(Some(bar))
    }

    /// A bar for a sweep of `total` runs: runs done, the rate and the time left.
    pub fn runs(total: u64) -> Self {
        Self::new(total, "{spinner} [{bar:40}] {pos}/{len} runs, {per_sec}, ETA {eta} ")
    }

    /// One more step done.
    pub fn inc(&self) {
        if let Some(b) = &self.0 {
            b.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// Events between two updates of a run's bar: often enough to move smoothly, rarely enough to
/// cost nothing measurable.
const EVENTS_PER_UPDATE: u64 = 4096;

/// Runs `scenario`, with a bar of simulated time (in seconds) on a terminal, following the
/// objects `trace` selects (`--trace-objects`; none when empty).
pub fn run(
    scenario: &Scenario,
    trace: Vec<kubesim_model::ObjectSelector>,
) -> kubesim_controllers::Outcome {
    let end = (SimTime::ZERO + scenario.duration).0 / 1000;
    let p = Progress::new(end, "{spinner} simulated {pos}/{len} s [{bar:40}] ETA {eta} ");
    let mut sim = kubesim_controllers::Simulation::new(scenario);
    if !trace.is_empty() {
        sim.trace_objects(trace);
    }
    let Some(bar) = p.0.clone() else { return sim.run() };
    let outcome =
        sim.run_with_progress(EVENTS_PER_UPDATE, &mut |now| bar.set_position(now.0 / 1000));
    p.finish();
    outcome
}
