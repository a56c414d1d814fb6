//! Every service's HTTP contract over real sockets: health, readiness,
//! Prometheus metrics (checked by promtool), OpenAPI, request ids,
//! problem+json; and the standalone binaries.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{Sandbox, wait_for};

#[test]
fn every_service_exposes_the_common_contract() {
    let sb = Sandbox::new();
    sb.up();
    for (name, addr) in [
        ("gateway", sb.gateway()),
        ("engine", sb.engine()),
        ("consensus", sb.validator(1)),
        ("wallet", sb.wallet()),
    ] {
        // The gateway's client-facing port is plain HTTP; the services
        // behind it speak mutual TLS.
        let scheme = if name == "gateway" { "http" } else { "https" };
        let get = |addr: std::net::SocketAddr, path: &str| {
            support::http()
                .get(format!("{scheme}://{addr}{path}"))
                .send()
                .unwrap()
        };
        let live: serde_json::Value = get(addr, "/health").json().unwrap();
        assert_eq!(live["status"], "ok");
        assert_eq!(live["service"], name);

        let ready = get(addr, "/health/ready");
        assert_eq!(ready.status(), 200);
        let report: serde_json::Value = ready.json().unwrap();
        assert_eq!(report["ready"], true);
        assert!(!report["dependencies"].as_array().unwrap().is_empty());

        let doc: serde_json::Value = get(addr, "/openapi.json").json().unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/health/ready"]["get"].is_object());

        // Unknown routes: 404 problem+json, request id echoed.
        let resp = support::http()
            .get(format!("{scheme}://{addr}/nope"))
            .header("x-request-id", "req-1")
            .send()
            .unwrap();
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()["x-request-id"], "req-1");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        // A request id is made when none is sent.
        let made = get(addr, "/health");
        assert!(!made.headers()["x-request-id"].is_empty());

        let text = get(addr, "/metrics").text().unwrap();
        assert!(text.contains("bitcraps_http_request_duration_seconds_bucket"));
        assert!(text.contains(
            "bitcraps_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"}"
        ));
        assert!(text.contains("process_resident_memory_bytes"));
        support::promtool_check(&text);
    }
    // The gateway reports each dependency, and its upstreams.
    let report: serde_json::Value = support::get(sb.gateway(), "/health/ready").json().unwrap();
    let deps: Vec<&str> = report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(deps, ["consensus", "game_engine", "jwt_secret", "wallet"]);
    let admin = support::Tokens::of(&sb).mint("ops", bitcraps::auth::Role::Admin);
    assert_eq!(support::get(sb.gateway(), "/admin/upstreams").status(), 401);
    let ups: serde_json::Value = support::http()
        .get(format!("http://{}/admin/upstreams", sb.gateway()))
        .bearer_auth(admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(ups[1]["instances"].as_array().unwrap().len(), 4);
}

#[test]
fn standalone_service_binaries_serve_and_stop_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // What `up` provisions: the key set, the engine's and wallet's keys.
    use bitcraps::auth::{Role, keys};
    let jwks = keys::default_jwks_path(dir.path());
    keys::ensure_issuer(dir.path(), &jwks).unwrap();
    for (name, role) in [("engine-0", Role::Engine), ("wallet", Role::Wallet)] {
        keys::ensure_service_key(
            dir.path(),
            &keys::service_key_path(dir.path(), name),
            &jwks,
            name,
            role,
        )
        .unwrap();
    }
    support::provision_tls(dir.path(), 1, 1);
    for (bin, path) in [
        ("consensus-service", env!("CARGO_BIN_EXE_consensus-service")),
        (
            "game-engine-service",
            env!("CARGO_BIN_EXE_game-engine-service"),
        ),
        ("api-gateway", env!("CARGO_BIN_EXE_api-gateway")),
        ("wallet-service", env!("CARGO_BIN_EXE_wallet-service")),
    ] {
        let scheme = if bin == "api-gateway" {
            "http"
        } else {
            "https"
        };
        let get = |addr: std::net::SocketAddr, path: &str| {
            support::http()
                .get(format!("{scheme}://{addr}{path}"))
                .send()
                .unwrap()
        };
        let port = support::free_port_block(1);
        let addr = support::addr(port);
        let mut child = Command::new(path)
            .args(["--listen", &addr.to_string()])
            .env("BITCRAPS_STATE_DIR", dir.path())
            .env("HEALTH_CHECK_INTERVAL", "1s")
            .env_remove("JWT_SECRET")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for(bin, Duration::from_secs(20), || {
            support::http()
                .get(format!("{scheme}://{addr}/health"))
                .send()
                .ok()
                .filter(|r| r.status() == 200)
        });
        // Alone, dependencies are down: live but not ready, saying why
        // (a validator and the wallet need no other service).
        if bin == "game-engine-service" || bin == "api-gateway" {
            let r = get(addr, "/health/ready");
            assert_eq!(r.status(), 503, "{bin}");
            let report: serde_json::Value = r.json().unwrap();
            assert!(
                report["dependencies"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["up"] == false && d["required"] == true),
                "{report}"
            );
        }
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let out = wait_for("exit", Duration::from_secs(20), || {
            child.try_wait().unwrap()
        });
        assert!(out.success(), "{bin} exits 0 on SIGTERM: {out:?}");
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut logs).unwrap();
        let last: serde_json::Value = serde_json::from_str(logs.lines().last().unwrap()).unwrap();
        assert_eq!(last["message"], "stopped", "{logs}");
        assert!(support::port_free(addr));
    }
}

#[test]
fn gateway_refuses_placeholder_secrets() {
    let dir = tempfile::tempdir().unwrap();
    support::provision_tls(dir.path(), 1, 1);
    let port = support::free_port_block(1);
    let out = Command::new(env!("CARGO_BIN_EXE_api-gateway"))
        .args(["--listen", &support::addr(port).to_string()])
        .env("BITCRAPS_STATE_DIR", dir.path())
        .env("JWT_ALGORITHM", "hs256")
        .env("JWT_SECRET", "your-secret-key")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("placeholder"), "{err}");
    assert!(err.contains("gateway.auth.jwt_secret"), "{err}");
    assert!(
        !err.contains("your-secret-key"),
        "the secret is never printed: {err}"
    );
}

#[test]
fn services_refuse_to_start_without_a_key_set() {
    let dir = tempfile::tempdir().unwrap();
    support::provision_tls(dir.path(), 1, 1);
    for path in [
        env!("CARGO_BIN_EXE_api-gateway"),
        env!("CARGO_BIN_EXE_consensus-service"),
        env!("CARGO_BIN_EXE_wallet-service"),
    ] {
        let port = support::free_port_block(1);
        let out = Command::new(path)
            .args(["--listen", &support::addr(port).to_string()])
            .env("BITCRAPS_STATE_DIR", dir.path())
            .env_remove("JWT_SECRET")
            .env_remove("JWT_ALGORITHM")
            .env_remove("JWKS_FILE")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("jwks.json"), "{path}: {err}");
    }
    // No service made an issuer key (only the CLI does).
    assert!(!dir.path().join("keys/issuer").exists());
}

#[test]
fn services_refuse_to_start_without_their_tls_identity() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::free_port_block(1);
    let out = Command::new(env!("CARGO_BIN_EXE_consensus-service"))
        .args(["--listen", &support::addr(port).to_string()])
        .env("BITCRAPS_STATE_DIR", dir.path())
        .env_remove("BITCRAPS_INSECURE_PLAINTEXT")
        .env_remove("TLS_DIR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TLS identity"), "{err}");
    assert!(err.contains("tls/validator-0"), "{err}");
    assert!(err.contains("--insecure-plaintext"), "{err}");
}
