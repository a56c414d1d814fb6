//! How one service reaches another: the set of instances of an upstream
//! service and their health. Load balancing, circuit breakers and dynamic
//! discovery (Consul, Kubernetes) build on this with the gateway issue.

pub mod balancer;
pub mod breaker;
pub mod checker;
pub mod health;
pub mod retry;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

pub use checker::spawn_health_checks;
pub use health::{Health, HealthPolicy, InstanceHealth};

/// One instance as reported to operators (`/admin/upstreams`, readiness).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstanceView {
    pub addr: String,
    #[schema(value_type = String)]
    pub health: Health,
    pub last_error: Option<String>,
}

/// The instances of one upstream service, shared between the health checker
/// and whoever routes to them.
#[derive(Clone)]
pub struct UpstreamSet {
    pub service: String,
    instances: Arc<RwLock<Vec<(SocketAddr, InstanceHealth)>>>,
}

impl UpstreamSet {
    pub fn new(service: &str, addrs: &[SocketAddr]) -> UpstreamSet {
        UpstreamSet {
            service: service.to_string(),
            instances: Arc::new(RwLock::new(
                addrs
                    .iter()
                    .map(|a| (*a, InstanceHealth::default()))
                    .collect(),
            )),
        }
    }

    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.read().iter().map(|(a, _)| *a).collect()
    }

    pub fn healthy_count(&self) -> usize {
        self.read()
            .iter()
            .filter(|(_, h)| h.state == Health::Healthy)
            .count()
    }

    /// Whether each instance is healthy, in order (no copies of addresses
    /// or errors: this is on the request path).
    pub fn healthy_flags(&self) -> Vec<bool> {
        self.read()
            .iter()
            .map(|(_, h)| h.state == Health::Healthy)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    pub fn view(&self) -> Vec<InstanceView> {
        self.read()
            .iter()
            .map(|(a, h)| InstanceView {
                addr: a.to_string(),
                health: h.state,
                last_error: h.last_error.clone(),
            })
            .collect()
    }

    /// Records one probe result of `addr`; returns the new state on a change.
    pub fn observe(
        &self,
        addr: SocketAddr,
        result: Result<(), String>,
        policy: HealthPolicy,
    ) -> Option<Health> {
        let mut guard = match self.instances.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard
            .iter_mut()
            .find(|(a, _)| *a == addr)
            .and_then(|(_, h)| h.observe(result, policy))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<(SocketAddr, InstanceHealth)>> {
        match self.instances.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}
