//! Mutual TLS between the services, over real processes: a client without
//! a certificate, with one from another CA, with an expired one, or with a
//! valid certificate of a role not allowed to call the service is refused,
//! and the refusal is logged with the client's address; the `cli` identity
//! is let in. The gateway's client-facing port serves TLS when given a
//! certificate; `--insecure-plaintext` turns mutual TLS off.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use bitcraps::tls::issue::Ca;
use bitcraps::tls::{Expect, Files, Peer, Transport};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use support::{Sandbox, wait_for};
use time::OffsetDateTime;

/// `GET /metrics` (which needs a client certificate, no token) over a
/// fresh connection with `cfg`: the client's own address, and whether a
/// 200 came back.
fn attempt(addr: SocketAddr, cfg: Arc<ClientConfig>) -> (SocketAddr, bool) {
    attempt_path(addr, cfg, "/metrics")
}

/// `GET path` over a fresh connection with `cfg`, as [`attempt`].
fn attempt_path(addr: SocketAddr, cfg: Arc<ClientConfig>, path: &str) -> (SocketAddr, bool) {
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let local = tcp.local_addr().unwrap();
    let name = ServerName::try_from("bitcraps.internal").unwrap();
    let conn = rustls::ClientConnection::new(cfg, name).unwrap();
    let mut s = rustls::StreamOwned::new(conn, tcp);
    let mut buf = Vec::new();
    let _ = s
        .write_all(
            format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .and_then(|()| s.read_to_end(&mut buf));
    (local, buf.starts_with(b"HTTP/1.1 200"))
}

/// A client identity in a directory of its own: `cert`/`key` PEM, trusting
/// the sandbox's CA for the server.
fn identity(sb: &Sandbox, cert: &str, key: &str) -> (tempfile::TempDir, Transport) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tls.crt"), cert).unwrap();
    std::fs::write(dir.path().join("tls.key"), key).unwrap();
    std::fs::copy(sb.state_dir().join("tls/ca.crt"), dir.path().join("ca.crt")).unwrap();
    let t = Transport::mtls(Files::in_dir(dir.path())).unwrap();
    (dir, t)
}

fn sandbox_ca(sb: &Sandbox) -> Ca {
    let root = sb.state_dir().join("tls");
    Ca::from_pem(
        &std::fs::read_to_string(root.join("ca.crt")).unwrap(),
        &std::fs::read_to_string(root.join("ca.key")).unwrap(),
    )
    .unwrap()
}

fn log_of(sb: &Sandbox, name: &str) -> String {
    std::fs::read_to_string(sb.state_dir().join("logs").join(format!("{name}.log")))
        .unwrap_or_default()
}

/// Waits for `service`'s log to hold a refusal of `peer` (a refused
/// handshake, or a request without a certificate).
fn assert_refusal_logged(sb: &Sandbox, service: &str, peer: SocketAddr, what: &str) {
    wait_for(
        &format!("{service}'s log to record the refusal of {what} from {peer}"),
        Duration::from_secs(10),
        || {
            log_of(sb, service)
                .lines()
                .any(|l| {
                    (l.contains("TLS handshake refused")
                        || l.contains("request without a client certificate refused"))
                        && l.contains(&peer.to_string())
                        && l.contains("WARN")
                })
                .then_some(())
        },
    );
}

#[test]
fn services_refuse_clients_without_an_allowed_certificate_and_log_who() {
    let sb = Sandbox::new();
    sb.up();
    let now = OffsetDateTime::now_utc();
    let engine = sb.engine();
    let to_engine = |t: &Transport| t.client_config(Expect::Role(Peer::Engine)).unwrap();

    // The tools' own identity gets in.
    let cli = support::cli_transport();
    assert!(
        attempt(engine, to_engine(&cli)).1,
        "the cli identity is let in"
    );

    // No client certificate at all.
    let roots = bitcraps::tls::transport::load_roots(&sb.state_dir().join("tls/ca.crt")).unwrap();
    let bare = ClientConfig::builder_with_provider(bitcraps::tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(
            bitcraps::tls::verify::ExpectRole::new(Arc::new(roots), &[Peer::Engine]).unwrap(),
        ))
        .with_no_client_auth();
    let bare = Arc::new(bare);
    let (peer, ok) = attempt(engine, bare.clone());
    assert!(!ok, "a client without a certificate is refused");
    assert_refusal_logged(&sb, "engine-0", peer, "no certificate");
    for path in ["/openapi.json", "/games"] {
        assert!(
            !attempt_path(engine, bare.clone(), path).1,
            "{path} without a certificate"
        );
    }
    // ... except on the probe paths, which an orchestrator asks without one.
    for path in ["/health", "/health/ready"] {
        assert!(
            attempt_path(engine, bare.clone(), path).1,
            "{path} without a certificate"
        );
    }

    // A `cli` certificate from another CA.
    let (other, _) = Ca::generate(now).unwrap();
    let leaf = other
        .issue("cli", &[], now, now + time::Duration::days(1))
        .unwrap();
    let (_d1, t) = identity(&sb, &leaf.cert_pem, &leaf.key_pem);
    let (peer, ok) = attempt(engine, to_engine(&t));
    assert!(!ok, "a certificate from another CA is refused");
    assert_refusal_logged(&sb, "engine-0", peer, "another CA");

    // An expired `cli` certificate from the right CA.
    let ca = sandbox_ca(&sb);
    let leaf = ca
        .issue(
            "cli",
            &[],
            now - time::Duration::days(10),
            now - time::Duration::days(1),
        )
        .unwrap();
    let (_d2, t) = identity(&sb, &leaf.cert_pem, &leaf.key_pem);
    let (peer, ok) = attempt(engine, to_engine(&t));
    assert!(!ok, "an expired certificate is refused");
    assert_refusal_logged(&sb, "engine-0", peer, "an expired certificate");

    // A validator's own, valid certificate: validators may not call the engine.
    let (_d3, t) = identity(
        &sb,
        &std::fs::read_to_string(sb.state_dir().join("tls/validator-0/tls.crt")).unwrap(),
        &std::fs::read_to_string(sb.state_dir().join("tls/validator-0/tls.key")).unwrap(),
    );
    let (peer, ok) = attempt(engine, to_engine(&t));
    assert!(!ok, "a validator's certificate is refused by the engine");
    assert_refusal_logged(&sb, "engine-0", peer, "a validator's certificate");
    // ... nor the wallet; but a validator may call another validator.
    let (peer, ok) = attempt(
        sb.wallet(),
        t.client_config(Expect::Role(Peer::Wallet)).unwrap(),
    );
    assert!(!ok, "a validator's certificate is refused by the wallet");
    assert_refusal_logged(&sb, "wallet", peer, "a validator's certificate");
    assert!(
        attempt(
            sb.validator(1),
            t.client_config(Expect::Role(Peer::Validator)).unwrap()
        )
        .1,
        "validators call each other"
    );

    // A certificate of the right CA for a made-up role.
    let leaf = ca
        .issue("mallory-1", &[], now, now + time::Duration::days(1))
        .unwrap();
    let (_d4, t) = identity(&sb, &leaf.cert_pem, &leaf.key_pem);
    let (peer, ok) = attempt(
        sb.validator(0),
        t.client_config(Expect::Role(Peer::Validator)).unwrap(),
    );
    assert!(!ok, "a made-up role is refused");
    assert_refusal_logged(&sb, "validator-0", peer, "a made-up role");

    // Plain HTTP to a service gets no answer.
    let plain = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
        .get(format!("http://{engine}/health"))
        .send();
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP is not served"
    );
}

#[test]
fn a_client_checks_the_role_of_the_server_it_reaches() {
    let sb = Sandbox::new();
    sb.up();
    let cli = support::cli_transport();
    // The engine's address, expecting a validator: the client refuses.
    let (_, ok) = attempt(
        sb.engine(),
        cli.client_config(Expect::Role(Peer::Validator)).unwrap(),
    );
    assert!(
        !ok,
        "an engine's certificate does not pass for a validator's"
    );
    let (_, ok) = attempt(
        sb.engine(),
        cli.client_config(Expect::Role(Peer::Engine)).unwrap(),
    );
    assert!(ok);
}

#[test]
fn the_gateway_serves_tls_with_a_configured_certificate() {
    let sb = Sandbox::new();
    let dir = sb.state_dir().join("tls/gateway");
    let sb = sb
        .env("GATEWAY_TLS_CERT", dir.join("tls.crt").to_str().unwrap())
        .env("GATEWAY_TLS_KEY", dir.join("tls.key").to_str().unwrap());
    sb.up();
    let r = support::http()
        .get(format!("https://{}/health", sb.gateway()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    // The whole path, TLS at the edge and mutual TLS behind it.
    let token = support::Tokens::of(&sb).mint("ops", bitcraps::auth::Role::Admin);
    let r = support::http()
        .get(format!("https://{}/api/v1/games", sb.gateway()))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        support::http()
            .get(format!("http://{}/health", sb.gateway()))
            .send()
            .map(|r| !r.status().is_success())
            .unwrap_or(true),
        "no plain HTTP on a TLS port"
    );
}

#[test]
fn insecure_plaintext_turns_mutual_tls_off_loudly() {
    let sb = Sandbox::new();
    let r = sb.run(&[
        "up",
        "-d",
        "--wait",
        "--timeout",
        "60s",
        "--insecure-plaintext",
    ]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("WARNING: --insecure-plaintext"), "{r}");
    let r = support::http()
        .get(format!("http://{}/health", sb.engine()))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(log_of(&sb, "engine-0").contains("INSECURE"));
}

/// The certificate the service at `addr` presents now.
fn served_cert(addr: SocketAddr) -> Vec<u8> {
    let mut s = support::tls_connect(addr).unwrap();
    s.conn.complete_io(&mut s.sock).unwrap();
    s.conn.peer_certificates().unwrap()[0].to_vec()
}

fn file_cert(sb: &Sandbox, instance: &str) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::from_pem_file(
        sb.state_dir().join(format!("tls/{instance}/tls.crt")),
    )
    .unwrap()
    .to_vec()
}

#[test]
fn certs_rotate_under_load_fails_no_request() {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let sb = Sandbox::new();
    sb.up();
    let token = support::Tokens::of(&sb).mint("ops", bitcraps::auth::Role::Admin);
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let failures = std::sync::Mutex::new(Vec::<String>::new());
    let before = served_cert(sb.engine());
    std::thread::scope(|s| {
        let urls = [
            // A new connection (and handshake) to the engine each time.
            (true, format!("https://{}/games", sb.engine())),
            // Through the gateway, over its pooled mutual-TLS connections.
            (false, format!("http://{}/api/v1/games", sb.gateway())),
            (
                false,
                format!("http://{}/api/v1/consensus/status", sb.gateway()),
            ),
        ];
        for (fresh, url) in urls {
            let (stop, done, failures, token) = (&stop, &done, &failures, &token);
            s.spawn(move || {
                let mut http = support::http();
                while !stop.load(Ordering::Relaxed) {
                    if fresh {
                        http = support::http();
                    }
                    match http.get(&url).bearer_auth(token).send() {
                        Ok(r) if r.status().is_success() => {}
                        Ok(r) => failures
                            .lock()
                            .unwrap()
                            .push(format!("{url}: {}", r.status())),
                        Err(e) => failures.lock().unwrap().push(format!("{url}: {e}")),
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let at_least = |n: u64| {
            wait_for("requests under load", Duration::from_secs(60), || {
                (done.load(Ordering::Relaxed) >= n).then_some(())
            })
        };
        at_least(30);
        let r = sb.run(&["certs", "rotate"]);
        assert_eq!(r.code, 0, "{r}");
        assert!(r.stdout.contains("rotated engine-0"), "{r}");
        assert!(r.stdout.contains("rotated validator-0"), "{r}");
        for (addr, name) in [(sb.engine(), "engine-0"), (sb.validator(0), "validator-0")] {
            let want = file_cert(&sb, name);
            wait_for(
                &format!("{name} to serve its new certificate"),
                Duration::from_secs(3),
                || (served_cert(addr) == want).then_some(()),
            );
        }
        assert_ne!(served_cert(sb.engine()), before);
        let now = done.load(Ordering::Relaxed);
        at_least(now + 30);
        stop.store(true, Ordering::Relaxed);
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "failed requests: {failures:?}");
}

#[test]
fn certs_issue_makes_missing_certificates_and_keeps_valid_ones() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let dir = sb.state_dir().join("tls/engine-7");
    assert!(!dir.exists());
    let r = sb.run(&[
        "certs",
        "issue",
        "--instance",
        "engine-7",
        "--ip",
        "10.9.8.7",
    ]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("issued engine-7"), "{r}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.join("tls.key")), 0o600);
    assert_eq!(mode(&dir), 0o700);
    // The certificate is the sandbox CA's, for the engine role, with the IP.
    let pem = std::fs::read_to_string(dir.join("tls.crt")).unwrap();
    let der = {
        use rustls::pki_types::pem::PemObject;
        rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
    };
    assert_eq!(
        bitcraps::tls::verify::roles_of(&der, &Peer::ALL),
        vec![Peer::Engine]
    );
    let ca = std::fs::read_to_string(sb.state_dir().join("tls/ca.crt")).unwrap();
    let wanted = bitcraps::tls::issue::wanted_names("engine-7", &["10.9.8.7".parse().unwrap()]);
    assert_eq!(
        bitcraps::tls::issue::needs_renewal(&pem, &ca, &wanted, OffsetDateTime::now_utc()),
        None
    );
    // Again: nothing to do, the same certificate.
    let r = sb.run(&[
        "certs",
        "issue",
        "--instance",
        "engine-7",
        "--ip",
        "10.9.8.7",
    ]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("every certificate is current"), "{r}");
    assert_eq!(std::fs::read_to_string(dir.join("tls.crt")).unwrap(), pem);
    // A name that is no instance (nor a path) is refused, naming it.
    for bad in ["mallory", "../engine-0", "engine-x"] {
        let r = sb.run(&["certs", "issue", "--instance", bad]);
        assert_eq!(r.code, 2, "{bad}: {r}");
        assert!(r.stderr.contains("is not an instance name"), "{bad}: {r}");
    }
    assert!(!sb.state_dir().join("tls/mallory").exists());
}

#[test]
fn up_on_a_fresh_state_dir_makes_its_ca_and_talks_to_the_services_with_it() {
    let sb = Sandbox::new();
    // No TLS identity at all, as on a new machine.
    std::fs::remove_dir_all(sb.state_dir().join("tls")).unwrap();
    let r = sb.run(&["up", "-d", "--wait", "--timeout", "60s", "--demo-funds"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("demo chips deposited"), "{r}");
    let ca = std::fs::read(sb.state_dir().join("tls/ca.crt")).unwrap();
    assert_ne!(
        ca,
        std::fs::read(support::shared_ca_dir().join("ca.crt")).unwrap(),
        "a CA of its own"
    );
    for name in ["engine-0", "validator-0", "wallet", "gateway", "cli"] {
        assert!(
            sb.state_dir().join(format!("tls/{name}/tls.key")).exists(),
            "{name}"
        );
    }
}
