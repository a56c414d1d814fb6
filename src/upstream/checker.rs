//! Active health checks: probes every instance's `/health` on an interval.

use std::time::Duration;

use super::{Health, HealthPolicy, UpstreamSet};

/// Probes each instance of `set` every `interval` (faster, at most every
/// 250 ms, while some instance is not healthy, so a restarted dependency is
/// noticed quickly), then calls `on_round` with the set. Runs until the
/// runtime shuts down.
pub fn spawn_health_checks<F>(
    set: UpstreamSet,
    interval: Duration,
    policy: HealthPolicy,
    on_round: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(&UpstreamSet) + Send + Sync + 'static,
{
    let timeout = interval.min(Duration::from_secs(2));
    tokio::spawn(async move {
        let client = match crate::tls::transport()
            .reqwest(
                crate::tls::transport::expect_for_upstream(&set.service),
                reqwest::Client::builder()
                    .timeout(timeout)
                    .connect_timeout(timeout)
                    .pool_max_idle_per_host(1),
            )
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build health-check client");
                return;
            }
        };
        let base = crate::tls::transport();
        loop {
            let probes = set.addrs().into_iter().map(|addr| {
                let client = client.clone();
                let url = format!("{}/health", base.base(addr));
                async move {
                    let result = match client.get(&url).send().await {
                        Ok(r) if r.status().is_success() => Ok(()),
                        Ok(r) => Err(format!("{url} answered {}", r.status())),
                        Err(e) => Err(format!("{url}: {}", error_chain(&e))),
                    };
                    (addr, result)
                }
            });
            for (addr, result) in futures_join_all(probes).await {
                if let Some(state) = set.observe(addr, result, policy) {
                    match state {
                        Health::Healthy => {
                            tracing::info!(upstream = %set.service, %addr, "instance healthy")
                        }
                        _ => tracing::warn!(upstream = %set.service, %addr, "instance unhealthy"),
                    }
                }
            }
            on_round(&set);
            let next = if set.healthy_count() < set.len() {
                interval.min(Duration::from_millis(250))
            } else {
                interval
            };
            // A changed instance list is probed at once.
            tokio::select! {
                _ = tokio::time::sleep(next) => {}
                _ = set.changed() => {}
            }
        }
    })
}

async fn futures_join_all<I, F, T>(futs: I) -> Vec<T>
where
    I: IntoIterator<Item = F>,
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for f in futs {
        set.spawn(f);
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(v) = r {
            out.push(v);
        }
    }
    out
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
