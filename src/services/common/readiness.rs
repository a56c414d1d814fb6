//! Readiness: each dependency's state, updated by the service's own tasks and
//! read by `GET /health/ready`.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::telemetry::Metrics;

/// The state of one dependency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct DependencyStatus {
    pub name: String,
    /// A required dependency that is down makes the service not ready.
    pub required: bool,
    pub up: bool,
    pub detail: String,
}

/// Body of `GET /health/ready`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReadyReport {
    pub service: String,
    /// `validator-2`, `engine-0`, `gateway`.
    #[serde(default)]
    pub instance: String,
    /// The answering process, so a supervisor can tell its own child from
    /// another process on the same port.
    #[serde(default)]
    pub pid: u32,
    pub ready: bool,
    pub dependencies: Vec<DependencyStatus>,
}

/// Shared, cheaply cloned readiness state of one service.
#[derive(Clone)]
pub struct Readiness {
    service: String,
    instance: String,
    deps: Arc<RwLock<BTreeMap<String, DependencyStatus>>>,
    metrics: Metrics,
}

impl Readiness {
    pub fn new(service: &str, instance: &str, metrics: Metrics) -> Readiness {
        Readiness {
            service: service.to_string(),
            instance: instance.to_string(),
            deps: Arc::default(),
            metrics,
        }
    }

    /// Records a dependency's state (replacing any earlier one).
    pub fn set(&self, name: &str, required: bool, up: bool, detail: impl Into<String>) {
        self.metrics.set_dependency(name, up);
        let status = DependencyStatus {
            name: name.to_string(),
            required,
            up,
            detail: detail.into(),
        };
        match self.deps.write() {
            Ok(mut map) => {
                map.insert(name.to_string(), status);
            }
            Err(poisoned) => {
                poisoned.into_inner().insert(name.to_string(), status);
            }
        }
    }

    pub fn report(&self) -> ReadyReport {
        let dependencies: Vec<DependencyStatus> = match self.deps.read() {
            Ok(map) => map.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        };
        // Ready only once at least one dependency (the service's own
        // initialisation counts as one) has reported, and no required one is down.
        let ready = !dependencies.is_empty() && dependencies.iter().all(|d| d.up || !d.required);
        ReadyReport {
            service: self.service.clone(),
            instance: self.instance.clone(),
            pid: std::process::id(),
            ready,
            dependencies,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_required_dependency_is_up() {
        let r = Readiness::new("t", "t-0", Metrics::new("t").unwrap());
        assert!(!r.report().ready, "nothing reported yet");
        r.set("store", true, true, "open");
        assert!(r.report().ready);
        r.set("peers", false, false, "0 of 3");
        assert!(r.report().ready, "optional dependency down");
        r.set("consensus", true, false, "no quorum");
        assert!(!r.report().ready);
        r.set("consensus", true, true, "3 of 4");
        assert!(r.report().ready);
    }
}
