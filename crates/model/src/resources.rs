//! Resource amounts: CPU in millicores, memory in bytes, and a pod count.

use std::ops::{Add, AddAssign, Sub, SubAssign};

/// An amount of resources (requests, allocatable, or a sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Resources {
    /// CPU in millicores.
    pub cpu_milli: u64,
    /// Memory in bytes.
    pub memory: u64,
    /// Ephemeral storage in bytes.
    pub ephemeral_storage: u64,
    /// Number of pods (only meaningful for allocatable: `maxPods`).
    pub pods: u64,
}

impl Resources {
    /// Component-wise maximum.
    pub fn max(self, o: Self) -> Self {
        Self {
            cpu_milli: self.cpu_milli.max(o.cpu_milli),
            memory: self.memory.max(o.memory),
            ephemeral_storage: self.ephemeral_storage.max(o.ephemeral_storage),
            pods: self.pods.max(o.pods),
        }
    }
}

impl Add for Resources {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            cpu_milli: self.cpu_milli + o.cpu_milli,
            memory: self.memory + o.memory,
            ephemeral_storage: self.ephemeral_storage + o.ephemeral_storage,
            pods: self.pods + o.pods,
        }
    }
}

impl AddAssign for Resources {
    fn add_assign(&mut self, o: Self) {
        *self = *self + o;
    }
}

impl Sub for Resources {
    type Output = Self;
    /// Saturating subtraction.
    fn sub(self, o: Self) -> Self {
        Self {
            cpu_milli: self.cpu_milli.saturating_sub(o.cpu_milli),
            memory: self.memory.saturating_sub(o.memory),
            ephemeral_storage: self.ephemeral_storage.saturating_sub(o.ephemeral_storage),
            pods: self.pods.saturating_sub(o.pods),
        }
    }
}

impl SubAssign for Resources {
    fn sub_assign(&mut self, o: Self) {
        *self = *self - o;
    }
}
