//! How one service reaches another: the set of instances of an upstream
//! service and their health, kept current by discovery (static, Consul,
//! Kubernetes), with load balancing and circuit breakers on top.

pub mod balancer;
pub mod breaker;
pub mod checker;
pub mod discovery;
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
    /// The instance's index among its kind (engine `e<n>-…` game ids), when known.
    #[serde(default)]
    pub ordinal: Option<u16>,
    #[schema(value_type = String)]
    pub health: Health,
    pub last_error: Option<String>,
    /// Drained by an operator: sent no new work (requests for what it
    /// already holds, such as its games, still reach it).
    #[serde(default)]
    pub drained: bool,
}

/// The instances of one upstream service, shared between the health checker
/// and whoever routes to them.
#[derive(Clone)]
pub struct UpstreamSet {
    pub service: String,
    instances: Arc<RwLock<Vec<Member>>>,
    /// Woken when the instance list changes (the health checker probes
    /// newcomers at once instead of at its next round).
    changed: Arc<tokio::sync::Notify>,
}

/// One instance as discovery reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    pub addr: SocketAddr,
    /// Index among its kind (engine `e<n>-…` game ids), when known.
    pub ordinal: Option<u16>,
}

impl Instance {
    /// Static instances: their index is their position.
    pub fn numbered(addrs: &[SocketAddr]) -> Vec<Instance> {
        addrs
            .iter()
            .enumerate()
            .map(|(i, a)| Instance {
                addr: *a,
                ordinal: u16::try_from(i).ok(),
            })
            .collect()
    }
}

struct Member {
    instance: Instance,
    health: InstanceHealth,
    drained: bool,
}

impl UpstreamSet {
    pub fn new(service: &str, addrs: &[SocketAddr]) -> UpstreamSet {
        UpstreamSet::of(service, &Instance::numbered(addrs))
    }

    pub fn of(service: &str, instances: &[Instance]) -> UpstreamSet {
        UpstreamSet {
            service: service.to_string(),
            instances: Arc::new(RwLock::new(
                instances
                    .iter()
                    .map(|i| Member {
                        instance: *i,
                        health: InstanceHealth::default(),
                        drained: false,
                    })
                    .collect(),
            )),
            changed: Arc::default(),
        }
    }

    /// Resolves when the instance list changed since the last call.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Replaces the instance list: instances that stay keep their health
    /// and whether they are drained;
    /// new ones start unknown (not routed to until probed). Returns whether
    /// anything changed.
    pub fn replace(&self, instances: &[Instance]) -> bool {
        let mut guard = match self.instances.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if guard.len() == instances.len()
            && instances
                .iter()
                .all(|i| guard.iter().any(|m| m.instance == *i))
        {
            return false;
        }
        let mut old: Vec<Member> = std::mem::take(&mut *guard);
        *guard = instances
            .iter()
            .map(|i| {
                let (health, drained) = old
                    .iter()
                    .position(|m| m.instance.addr == i.addr)
                    .map(|p| {
                        let m = old.swap_remove(p);
                        (m.health, m.drained)
                    })
                    .unwrap_or_default();
                Member {
                    instance: *i,
                    health,
                    drained,
                }
            })
            .collect();
        self.changed.notify_one();
        true
    }

    pub fn instances(&self) -> Vec<Instance> {
        self.read().iter().map(|m| m.instance).collect()
    }

    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.read().iter().map(|m| m.instance.addr).collect()
    }

    /// The instance with index `ordinal` and whether it is healthy.
    pub fn by_ordinal(&self, ordinal: u16) -> Option<(SocketAddr, bool)> {
        self.read()
            .iter()
            .find(|m| m.instance.ordinal == Some(ordinal))
            .map(|m| (m.instance.addr, m.health.state == Health::Healthy))
    }

    pub fn healthy_count(&self) -> usize {
        self.read()
            .iter()
            .filter(|m| m.health.state == Health::Healthy)
            .count()
    }

    /// Each instance's address and whether it is healthy, in order (no
    /// copies of errors: this is on the request path).
    pub fn healthy_instances(&self) -> Vec<(SocketAddr, bool)> {
        self.read()
            .iter()
            .map(|m| (m.instance.addr, m.health.state == Health::Healthy))
            .collect()
    }

    /// Each instance's address and whether it may take new work: healthy
    /// and not drained (no copies of errors: this is on the request path).
    pub fn routable_instances(&self) -> Vec<(SocketAddr, bool)> {
        self.read()
            .iter()
            .map(|m| {
                (
                    m.instance.addr,
                    m.health.state == Health::Healthy && !m.drained,
                )
            })
            .collect()
    }

    /// Drains (`true`) or undrains the instance at `addr`; `None` when no
    /// such instance is listed, else whether it was drained before.
    pub fn set_drained(&self, addr: SocketAddr, drained: bool) -> Option<bool> {
        let mut guard = match self.instances.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let m = guard.iter_mut().find(|m| m.instance.addr == addr)?;
        Some(std::mem::replace(&mut m.drained, drained))
    }

    /// Whether each instance is healthy, in order.
    pub fn healthy_flags(&self) -> Vec<bool> {
        self.read()
            .iter()
            .map(|m| m.health.state == Health::Healthy)
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
            .map(|m| InstanceView {
                addr: m.instance.addr.to_string(),
                ordinal: m.instance.ordinal,
                health: m.health.state,
                last_error: m.health.last_error.clone(),
                drained: m.drained,
            })
            .collect()
    }

    /// The healthy instances' addresses, or every instance's while none is
    /// known healthy (before the first checks, or when all look down): for
    /// callers that must try someone rather than give up.
    pub fn healthy_or_all(&self) -> Vec<SocketAddr> {
        let all = self.read();
        let healthy: Vec<SocketAddr> = all
            .iter()
            .filter(|m| m.health.state == Health::Healthy)
            .map(|m| m.instance.addr)
            .collect();
        if healthy.is_empty() {
            all.iter().map(|m| m.instance.addr).collect()
        } else {
            healthy
        }
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
            .find(|m| m.instance.addr == addr)
            .and_then(|m| m.health.observe(result, policy))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Member>> {
        match self.instances.read() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(port: u16, ordinal: u16) -> Instance {
        Instance {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            ordinal: Some(ordinal),
        }
    }

    #[test]
    fn replacing_keeps_the_health_of_instances_that_stay() {
        let set = UpstreamSet::of("x", &[inst(1, 0), inst(2, 1)]);
        let p = HealthPolicy::default();
        set.observe(inst(1, 0).addr, Ok(()), p);
        set.observe(inst(2, 1).addr, Err("down".into()), p);
        assert!(!set.replace(&[inst(1, 0), inst(2, 1)]));
        assert!(set.replace(&[inst(3, 2), inst(1, 0)]));
        let v = set.view();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].ordinal, v[0].health), (Some(2), Health::Unknown));
        assert_eq!((v[1].ordinal, v[1].health), (Some(0), Health::Healthy));
        assert_eq!(set.by_ordinal(0), Some((inst(1, 0).addr, true)));
        assert_eq!(set.by_ordinal(1), None);
        // Drained stays drained across a new list, and takes no new work.
        assert_eq!(set.set_drained(inst(1, 0).addr, true), Some(false));
        assert_eq!(set.set_drained(inst(9, 9).addr, true), None);
        assert!(set.replace(&[inst(1, 0), inst(4, 3)]));
        assert!(set.view()[0].drained);
        assert_eq!(set.routable_instances()[0], (inst(1, 0).addr, false));
        assert_eq!(set.healthy_instances()[0], (inst(1, 0).addr, true));
        assert_eq!(set.set_drained(inst(1, 0).addr, false), Some(true));
        assert_eq!(set.routable_instances()[0], (inst(1, 0).addr, true));
        // An instance that leaves and comes back starts over.
        assert!(set.replace(&[inst(2, 1)]));
        assert_eq!(set.view()[0].health, Health::Unknown);
    }
}
