//! End-to-end tests: the project's scenarios tell the story their top comment promises, the
//! outputs are deterministic, and bad input gets one clear error and exit code 2.

mod charts;
mod check;
mod cli;
mod common_random_numbers;
mod defaults;
mod determinism;
mod disruptions;
mod golden;
mod import;
mod lifecycle;
mod node_scenarios;
mod output;
mod readme;
mod rollouts;
mod safety;
mod scenarios;
mod spot;
mod support;
mod sweep;
mod topology_spread;
mod walkthrough;
