//! The kubesim engine: simulated time, the event queue, seeded random streams.
//!
//! This crate knows nothing about Kubernetes. It provides the deterministic
//! substrate the simulator is built on:
//!
//! - [`SimTime`] / [`SimDuration`]: integer milliseconds, saturating
//!   arithmetic, Kubernetes-style display (`1m30s`, `00:01:30.000`);
//! - [`EventQueue`]: a future-event list popping in `(time, insertion
//!   order)` order, with O(1) lazy cancellation via [`EventId`];
//! - [`RngStreams`]: independent ChaCha8 streams derived from one seed, one
//!   per component, so components never perturb each other's draws;
//! - [`Dist`]: duration distributions sampled to whole milliseconds.
//!
//! Given the same seed and the same sequence of calls, everything here
//! produces bit-identical results.
//!
//! ```
//! use kubesim_engine::{Dist, EventQueue, RngStreams, SimDuration, SimTime};
//!
//! let streams = RngStreams::new(42);
//! let mut rng = streams.stream(1);
//! let startup = Dist::Uniform { min: SimDuration::from_secs(1), max: SimDuration::from_secs(3) };
//!
//! let mut queue = EventQueue::new();
//! let timeout = queue.schedule(SimTime::ZERO + SimDuration::from_mins(5), "timeout");
//! queue.schedule(SimTime::ZERO + startup.sample(&mut rng), "started");
//!
//! let (now, what) = queue.pop().unwrap();
//! assert_eq!(what, "started");
//! assert!(now >= SimTime(1_000) && now <= SimTime(3_000));
//! assert!(queue.cancel(timeout));
//! assert!(queue.is_empty());
//! assert_eq!(SimDuration::from_millis(90_250).to_string(), "1m30.25s");
//! ```

pub mod dist;
pub mod queue;
pub mod rng;
pub mod time;

pub use dist::Dist;
pub use queue::{EventId, EventQueue};
pub use rng::RngStreams;
pub use time::{SimDuration, SimTime};

/// The core generator trait (`next_u64`, …) that [`Dist::sample`] accepts.
pub use rand::Rng;
/// Extension methods on generators (`random_range`, `random_bool`, …).
pub use rand::RngExt;
/// The generator type returned by [`RngStreams::stream`].
pub use rand_chacha::ChaCha8Rng;
