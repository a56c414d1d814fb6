//! Opt-in (`cargo test --test prometheus_scrape -- --ignored`): a real
//! Prometheus (Debian's `prometheus` package) scrapes a running system and
//! sees every service up, with the business metrics present.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{Sandbox, wait_for};

#[test]
#[ignore = "starts a Prometheus server; run with --ignored"]
fn prometheus_scrapes_every_service() {
    let sb = Sandbox::new();
    sb.up();
    let port = support::free_port_block(1);
    let dir = sb.state_dir().join("prometheus");
    std::fs::create_dir_all(&dir).unwrap();
    let targets = |addrs: Vec<std::net::SocketAddr>| {
        addrs
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let config = format!(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: gateway\n    static_configs:\n      - targets: [{}]\n  - job_name: engine\n    static_configs:\n      - targets: [{}]\n  - job_name: consensus\n    static_configs:\n      - targets: [{}]\n",
        targets(vec![sb.gateway()]),
        targets(vec![sb.engine()]),
        targets((0..4).map(|i| sb.validator(i)).collect()),
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let mut prom = Command::new("prometheus")
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus (Debian package `prometheus`) is installed");
    let http = support::http();
    let query = |q: &str| -> Option<serde_json::Value> {
        http.get(format!("http://127.0.0.1:{port}/api/v1/query"))
            .query(&[("query", q)])
            .send()
            .ok()?
            .json()
            .ok()
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("six targets up", Duration::from_secs(60), || {
            let v = query("sum(up)")?;
            (v["data"]["result"][0]["value"][1] == "6").then_some(())
        });
        let v = query("bitcraps_consensus_height").unwrap();
        assert_eq!(v["data"]["result"].as_array().unwrap().len(), 4, "{v}");
    }));
    let _ = prom.kill();
    let _ = prom.wait();
    result.unwrap();
}
