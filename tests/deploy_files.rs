//! The deployment and monitoring files checked against the binary they
//! deploy: YAML parses, Kubernetes documents are complete, kustomize lists
//! every manifest, probes and ports are the services' real ones, every
//! environment variable is one the configuration accepts, the image runs
//! as non-root, and the Grafana dashboard only queries metrics a running
//! system exports.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bitcraps::auth::Role;
use serde_json::{Value as Json, json};
use serde_norway::Value;
use support::{Sandbox, Tokens, http, repo_root};

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml_docs(rel: &str) -> Vec<Value> {
    let text = read(rel);
    serde_norway::Deserializer::from_str(&text)
        .map(|d| {
            <Value as serde::Deserialize>::deserialize(d).unwrap_or_else(|e| panic!("{rel}: {e}"))
        })
        .filter(|v| !v.is_null())
        .collect()
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// Environment variables a service reads: the configuration keys', plus
/// the few read outside the key table.
fn accepted_env() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = bitcraps::config::KEYS
        .iter()
        .map(|k| k.env.to_string())
        .collect();
    for extra in [
        "BITCRAPS_CONFIG",
        "BITCRAPS_STATE_DIR",
        "BITCRAPS_SQLITE_SYNC",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_SERVICE_NAME",
    ] {
        set.insert(extra.to_string());
    }
    set
}

/// The port a `serve` command listens on (`--listen ADDR`), else the kind's default.
fn serve_port(args: &[String]) -> u16 {
    if let Some(i) = args.iter().position(|a| a == "--listen") {
        return args[i + 1].rsplit(':').next().unwrap().parse().unwrap();
    }
    match args.get(1).map(String::as_str) {
        Some("gateway") => 8080,
        Some("engine") => 8081,
        Some("consensus") => 8082,
        Some("wallet") => 8090,
        other => panic!("not a serve command: {other:?}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| s.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

const K8S_FILES: &[&str] = &[
    "namespace.yaml",
    "configmap.yaml",
    "secret.yaml",
    "certificates.yaml",
    "validators.yaml",
    "postgres.yaml",
    "wallet.yaml",
    "engine.yaml",
    "gateway.yaml",
];

#[test]
fn kustomization_lists_every_manifest_and_each_document_is_complete() {
    let k = &yaml_docs("k8s/kustomization.yaml")[0];
    let listed = strings(&k["resources"]);
    let mut on_disk: Vec<String> = std::fs::read_dir(repo_root().join("k8s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml") && n != "kustomization.yaml")
        .collect();
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk, "kustomization resources vs k8s/*.yaml");
    let mut kinds = BTreeSet::new();
    for f in &listed {
        for d in yaml_docs(&format!("k8s/{f}")) {
            for field in ["apiVersion", "kind"] {
                assert!(s(&d, &[field]).is_some(), "{f}: a document without {field}");
            }
            assert!(
                s(&d, &["metadata", "name"]).is_some(),
                "{f}: no metadata.name"
            );
            kinds.insert(s(&d, &["kind"]).unwrap().to_string());
        }
    }
    for k in [
        "StatefulSet",
        "Deployment",
        "Service",
        "ConfigMap",
        "Secret",
    ] {
        assert!(kinds.contains(k), "no {k} in k8s/");
    }
    assert_eq!(listed.len(), K8S_FILES.len());
}

/// A workload's TLS identity: `TLS_DIR` is where a Secret is mounted that
/// a cert-manager Certificate in `k8s/certificates.yaml` writes, for the
/// role the container serves, usable both ways, issued by the CA issuer.
fn tls_from_cert_manager(name: &str, pod: &Value, c: &Value) {
    let env = c["env"].as_sequence().unwrap();
    let dir = env
        .iter()
        .find(|e| s(e, &["name"]) == Some("TLS_DIR"))
        .and_then(|e| s(e, &["value"]))
        .unwrap_or_else(|| panic!("{name}: no TLS_DIR"));
    let volume = volume_at(pod, c, dir)
        .unwrap_or_else(|| panic!("{name}: nothing mounted at TLS_DIR {dir}"));
    let secret = s(volume, &["secret", "secretName"])
        .unwrap_or_else(|| panic!("{name}: TLS_DIR is not a Secret"));
    let args = strings(&c["args"]);
    let role = match args[1].as_str() {
        "consensus" => "validator",
        r => r,
    };
    let certs = yaml_docs("k8s/certificates.yaml");
    let cert = certs
        .iter()
        .find(|d| {
            s(d, &["kind"]) == Some("Certificate") && s(d, &["spec", "secretName"]) == Some(secret)
        })
        .unwrap_or_else(|| panic!("{name}: no Certificate writes {secret}"));
    let dns = strings(&cert["spec"]["dnsNames"]);
    assert!(
        dns.contains(&format!("{role}.bitcraps.internal")),
        "{name}: {secret} does not name the {role} role: {dns:?}"
    );
    let usages = strings(&cert["spec"]["usages"]);
    for u in ["server auth", "client auth"] {
        assert!(usages.iter().any(|x| x == u), "{name}: {secret} lacks {u}");
    }
    let issuer = s(&cert["spec"], &["issuerRef", "name"]).unwrap();
    let ca_issuer = certs
        .iter()
        .find(|d| s(d, &["kind"]) == Some("Issuer") && s(d, &["metadata", "name"]) == Some(issuer))
        .unwrap_or_else(|| panic!("{name}: no Issuer {issuer}"));
    let ca_secret = s(ca_issuer, &["spec", "ca", "secretName"])
        .unwrap_or_else(|| panic!("{name}: {issuer} is not a CA issuer"));
    assert!(
        certs
            .iter()
            .any(|d| s(d, &["spec", "secretName"]) == Some(ca_secret)
                && d["spec"]["isCA"] == Value::Bool(true)),
        "{name}: no CA certificate writes {ca_secret}"
    );
}

/// The pod's volume that container `c` mounts at `path`.
fn volume_at<'a>(pod: &'a Value, c: &Value, path: &str) -> Option<&'a Value> {
    let mount = c["volumeMounts"]
        .as_sequence()?
        .iter()
        .find(|m| s(m, &["mountPath"]) == Some(path))?;
    pod["volumes"]
        .as_sequence()?
        .iter()
        .find(|v| s(v, &["name"]) == s(mount, &["name"]))
}

/// Tokens are EdDSA in the manifests: no pod gets a shared secret, every
/// service mounts the public key set, the engine and the wallet get their
/// own signing key only, and a validator its own validator key only.
fn tokens_from_the_public_key_set(name: &str, pod: &Value, c: &Value) {
    for e in c["env"].as_sequence().unwrap() {
        let n = s(e, &["name"]).unwrap();
        assert!(!n.starts_with("JWT_SECRET"), "{name}: {n}");
    }
    let volume = volume_at(pod, c, "/var/run/bitcraps/auth")
        .unwrap_or_else(|| panic!("{name}: no key set mounted"));
    assert_eq!(
        s(volume, &["configMap", "name"]),
        Some("bitcraps-jwks"),
        "{name}"
    );
    let inits = pod["initContainers"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let init_args: Vec<String> = inits.iter().flat_map(|i| strings(&i["args"])).collect();
    let own = match name {
        "bitcraps-engine" => Some("engine-0"),
        "bitcraps-wallet" => Some("wallet"),
        _ => None,
    };
    if let Some(own) = own {
        let keys = pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| s(v, &["secret", "secretName"]) == Some("bitcraps-service-keys"))
            .unwrap_or_else(|| panic!("{name}: no service key"));
        let items = keys["secret"]["items"].as_sequence().unwrap();
        assert_eq!(items.len(), 1, "{name} gets its own key only");
        assert_eq!(s(&items[0], &["key"]), Some(format!("{own}.key").as_str()));
        assert!(
            init_args
                .iter()
                .any(|a| a.contains(&format!("keys/services/{own}.key"))),
            "{name}: {init_args:?}"
        );
    }
    if name == "bitcraps-validator" {
        let script = init_args.join(" ");
        assert!(
            script.contains("cp /keys/validator-$(POD_INDEX).key"),
            "{script}"
        );
        assert!(!script.contains("validator-*.key; do cp"), "{script}");
    }
}

#[test]
fn k8s_workloads_probe_real_paths_on_their_ports_as_non_root_with_known_env() {
    let env_ok = accepted_env();
    let mut seen = Vec::new();
    for f in K8S_FILES {
        let docs = yaml_docs(&format!("k8s/{f}"));
        for d in docs
            .iter()
            .filter(|d| matches!(s(d, &["kind"]), Some("Deployment" | "StatefulSet")))
        {
            let name = s(d, &["metadata", "name"]).unwrap();
            let pod = &d["spec"]["template"]["spec"];
            assert_eq!(
                pod["securityContext"]["runAsNonRoot"],
                Value::Bool(true),
                "{name}"
            );
            let selector = &d["spec"]["selector"]["matchLabels"];
            let labels = &d["spec"]["template"]["metadata"]["labels"];
            assert_eq!(selector, labels, "{name}: selector vs pod labels");
            let containers = pod["containers"].as_sequence().unwrap();
            let inits = pod["initContainers"]
                .as_sequence()
                .cloned()
                .unwrap_or_default();
            for c in containers.iter().chain(&inits) {
                let sc = &c["securityContext"];
                assert_eq!(sc["readOnlyRootFilesystem"], Value::Bool(true), "{name}");
                assert_eq!(sc["allowPrivilegeEscalation"], Value::Bool(false), "{name}");
                assert_ne!(sc["runAsUser"].as_u64(), Some(0), "{name}");
            }
            if name == "bitcraps-postgres" {
                // Not a BitCraps service: checked on its own below.
                continue;
            }
            for c in containers {
                let args = strings(&c["args"]);
                assert_eq!(args[0], "serve", "{name}: {args:?}");
                let port = serve_port(&args);
                let ports = c["ports"].as_sequence().unwrap();
                assert_eq!(
                    ports[0]["containerPort"].as_u64(),
                    Some(u64::from(port)),
                    "{name}"
                );
                let port_name = s(&ports[0], &["name"]).unwrap();
                // A service's port is mutual TLS (the gateway's client port
                // is plain here): probed over HTTPS on the paths that
                // answer without a client certificate.
                let scheme = (name != "bitcraps-gateway").then_some("HTTPS");
                for (probe, path) in [
                    ("livenessProbe", "/health"),
                    ("readinessProbe", "/health/ready"),
                ] {
                    let get = &c[probe]["httpGet"];
                    assert_eq!(s(get, &["path"]), Some(path), "{name} {probe}");
                    assert_eq!(s(get, &["scheme"]), scheme, "{name} {probe}");
                    let p = &get["port"];
                    assert!(
                        p.as_str() == Some(port_name) || p.as_u64() == Some(u64::from(port)),
                        "{name} {probe} port {p:?}"
                    );
                }
                for r in ["requests", "limits"] {
                    for k in ["cpu", "memory"] {
                        assert!(!c["resources"][r][k].is_null(), "{name}: resources.{r}.{k}");
                    }
                }
                for e in c["env"].as_sequence().unwrap() {
                    let n = s(e, &["name"]).unwrap();
                    assert!(
                        env_ok.contains(n) || n == "POD_INDEX",
                        "{name}: unknown env {n}"
                    );
                }
                tls_from_cert_manager(name, pod, c);
                tokens_from_the_public_key_set(name, pod, c);
                seen.push((name.to_string(), port));
            }
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("bitcraps-engine".to_string(), 8081),
            ("bitcraps-gateway".to_string(), 8080),
            ("bitcraps-validator".to_string(), 8082),
            ("bitcraps-wallet".to_string(), 8090),
        ]
    );
    // Services route to the containers' named ports; validators have a
    // headless Service and a volume each.
    let v = yaml_docs("k8s/validators.yaml");
    let svc = v
        .iter()
        .find(|d| s(d, &["kind"]) == Some("Service"))
        .unwrap();
    assert_eq!(s(svc, &["spec", "clusterIP"]), Some("None"));
    let sts = v
        .iter()
        .find(|d| s(d, &["kind"]) == Some("StatefulSet"))
        .unwrap();
    assert_eq!(
        s(sts, &["spec", "serviceName"]),
        s(svc, &["metadata", "name"])
    );
    assert!(!sts["spec"]["volumeClaimTemplates"].is_null());

    // The wallet takes its database URL from the Secret, keeps a volume of
    // its own (the SQLite fallback) and never runs two writers.
    let w = yaml_docs("k8s/wallet.yaml");
    let dep = w
        .iter()
        .find(|d| s(d, &["kind"]) == Some("Deployment"))
        .unwrap();
    assert_eq!(dep["spec"]["replicas"].as_u64(), Some(1));
    assert_eq!(s(dep, &["spec", "strategy", "type"]), Some("Recreate"));
    let pod = &dep["spec"]["template"]["spec"];
    let env = pod["containers"][0]["env"].as_sequence().unwrap();
    let url = env
        .iter()
        .find(|e| s(e, &["name"]) == Some("WALLET_DATABASE_URL"))
        .expect("WALLET_DATABASE_URL");
    let secret_ref = &url["valueFrom"]["secretKeyRef"];
    let secrets = yaml_docs("k8s/secret.yaml");
    let db_secret = secrets
        .iter()
        .find(|d| s(d, &["metadata", "name"]) == s(secret_ref, &["name"]))
        .expect("the wallet's database Secret is in secret.yaml");
    let key = s(secret_ref, &["key"]).unwrap();
    assert!(
        !db_secret["stringData"][key].is_null(),
        "{key} in the Secret"
    );
    let claim = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|v| s(v, &["persistentVolumeClaim", "claimName"]))
        .expect("the wallet's volume");
    assert!(
        w.iter()
            .any(|d| s(d, &["kind"]) == Some("PersistentVolumeClaim")
                && s(d, &["metadata", "name"]) == Some(claim))
    );

    // PostgreSQL: a StatefulSet with its own volume behind a headless
    // Service, non-root, probed with pg_isready, its password from the
    // same Secret as the wallet's URL.
    let pg = yaml_docs("k8s/postgres.yaml");
    let svc = pg
        .iter()
        .find(|d| s(d, &["kind"]) == Some("Service"))
        .unwrap();
    assert_eq!(s(svc, &["spec", "clusterIP"]), Some("None"));
    assert_eq!(svc["spec"]["ports"][0]["port"].as_u64(), Some(5432));
    let sts = pg
        .iter()
        .find(|d| s(d, &["kind"]) == Some("StatefulSet"))
        .unwrap();
    assert_eq!(
        s(sts, &["spec", "serviceName"]),
        s(svc, &["metadata", "name"])
    );
    assert!(!sts["spec"]["volumeClaimTemplates"].is_null());
    let c = &sts["spec"]["template"]["spec"]["containers"][0];
    assert!(s(c, &["image"]).unwrap().starts_with("postgres:15"));
    assert_eq!(c["ports"][0]["containerPort"].as_u64(), Some(5432));
    for probe in ["livenessProbe", "readinessProbe"] {
        let cmd = strings(&c[probe]["exec"]["command"]);
        assert_eq!(
            cmd.first().map(String::as_str),
            Some("pg_isready"),
            "{probe}"
        );
    }
    let pw = c["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| s(e, &["name"]) == Some("POSTGRES_PASSWORD"))
        .expect("POSTGRES_PASSWORD");
    assert_eq!(
        s(&pw["valueFrom"]["secretKeyRef"], &["name"]),
        s(secret_ref, &["name"])
    );
    assert_ne!(
        sts["spec"]["template"]["spec"]["securityContext"]["runAsUser"].as_u64(),
        Some(0)
    );
}

#[test]
fn the_configmap_is_a_valid_configuration() {
    let cm = &yaml_docs("k8s/configmap.yaml")[0];
    let toml = s(cm, &["data", "bitcraps.toml"]).unwrap();
    // The in-cluster DNS names do not resolve here: check the rest of the
    // file with distinct loopback addresses (one per host) in their place.
    let mut local = String::new();
    for line in toml.lines() {
        let mut l = line.to_string();
        for (i, name) in [
            "bitcraps-wallet",
            "bitcraps-engine",
            "bitcraps-validator-0.bitcraps-validator",
            "bitcraps-validator-1.bitcraps-validator",
            "bitcraps-validator-2.bitcraps-validator",
            "bitcraps-validator-3.bitcraps-validator",
        ]
        .iter()
        .enumerate()
        {
            l = l.replace(&format!("\"{name}:"), &format!("\"127.0.0.{}:", i + 2));
        }
        local.push_str(&l);
        local.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bitcraps.toml");
    std::fs::write(&path, local).unwrap();
    let out = Command::new(support::BIN)
        .args(["config", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_image_runs_bitcraps_as_non_root_with_a_health_check() {
    let text = read("Dockerfile");
    let stages: Vec<&str> = text.split("\nFROM ").collect();
    assert!(stages.len() >= 3, "a multi-stage build");
    let last = stages.last().unwrap();
    let user = last
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets USER");
    let uid = user.split(':').next().unwrap().trim();
    assert!(uid != "0" && uid != "root", "final stage runs as {uid}");
    let hc = last
        .lines()
        .find(|l| l.starts_with("HEALTHCHECK"))
        .expect("HEALTHCHECK");
    assert!(last.contains("http://127.0.0.1:8080/health"), "{hc}");
    assert!(last.contains("ENTRYPOINT [\"bitcraps\"]"));
    assert!(last.contains("COPY --from=builder"));
    let ignore = read(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target/"));
}

#[test]
fn compose_runs_every_service_on_its_port_and_the_wallet_on_postgres() {
    let doc = &yaml_docs("docker-compose.yml")[0];
    let services = doc["services"].as_mapping().unwrap();
    let names: BTreeSet<&str> = services.keys().map(|k| k.as_str().unwrap()).collect();
    for n in [
        "consul",
        "validator-0",
        "validator-1",
        "validator-2",
        "validator-3",
        "postgres",
        "wallet",
        "engine",
        "gateway",
    ] {
        assert!(names.contains(n), "no {n} service");
    }
    let env_ok = accepted_env();
    let anchors = doc["x-env"].as_mapping().unwrap();
    for (k, _) in anchors {
        let k = k.as_str().unwrap();
        assert!(env_ok.contains(k), "x-env: unknown env {k}");
    }
    let peers = s(&doc["x-env"], &["CONSENSUS_UPSTREAMS"]).unwrap();
    // Tokens are EdDSA: no shared secret in any container; the one-shot
    // `keys` step makes the key set and the engine's and wallet's keys, and
    // is the only one to mount the issuer key's volume.
    for k in ["JWT_ALGORITHM", "JWT_SECRET", "JWT_SECRET_FILE"] {
        assert!(doc["x-env"].get(k).is_none(), "x-env sets {k}");
    }
    let keys_cmd = strings(&services["keys"]["command"]);
    assert_eq!(&keys_cmd[..2], ["auth", "service-key"]);
    for name in ["engine-0", "wallet"] {
        assert!(keys_cmd.contains(&name.to_string()), "{keys_cmd:?}");
    }
    let issuer_mount = "bitcraps-issuer:/var/lib/bitcraps/keys/issuer";
    assert!(strings(&services["keys"]["volumes"]).contains(&issuer_mount.to_string()));
    assert!(doc["volumes"].get("bitcraps-issuer").is_some());
    for (name, svc) in services {
        if name.as_str() != Some("keys") {
            let v = strings(&svc["volumes"]).join(" ");
            assert!(
                !v.contains("bitcraps-issuer"),
                "{name:?} mounts the issuer key: {v}"
            );
        }
    }
    let anchor = strings(&doc["x-bitcraps"]["volumes"]).join(" ");
    assert!(!anchor.contains("bitcraps-issuer"), "{anchor}");
    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile.contains("/var/lib/bitcraps/keys/issuer"),
        "the image owns the issuer key's mount point, so the volume is the service user's"
    );
    // The certificates are made first (mutual TLS between services), for
    // every instance the file runs.
    let certs = strings(&services["certs"]["command"]);
    assert_eq!(&certs[..2], ["certs", "issue"]);
    for (name, svc) in services {
        let name = name.as_str().unwrap();
        if matches!(name, "consul" | "postgres" | "certs" | "keys") {
            continue;
        }
        assert_eq!(
            s(&svc["depends_on"]["keys"], &["condition"]),
            Some("service_completed_successfully"),
            "{name} waits for the key set"
        );
        let args = strings(&svc["command"]);
        let port = serve_port(&args);
        let test = strings(&svc["healthcheck"]["test"]).join(" ");
        // The gateway's client port is plain HTTP here; a service's port is
        // TLS, whose probe paths answer a client without a certificate.
        let scheme = if name == "gateway" { "http" } else { "https" };
        assert!(
            test.contains(&format!("{scheme}://127.0.0.1:{port}/health")),
            "{name}: health check {test:?} is not {scheme} on port {port}"
        );
        assert_eq!(
            s(&svc["depends_on"]["certs"], &["condition"]),
            Some("service_completed_successfully"),
            "{name} waits for its certificate"
        );
        let instance = match (args[1].as_str(), name) {
            ("engine", _) => "engine-0".to_string(),
            (_, n) => n.to_string(),
        };
        assert!(
            certs
                .windows(2)
                .any(|w| w[0] == "--instance" && w[1] == instance),
            "no certificate for {instance}: {certs:?}"
        );
        for (k, _) in svc["environment"].as_mapping().unwrap() {
            let k = k.as_str().unwrap();
            assert!(env_ok.contains(k) || k == "<<", "{name}: unknown env {k}");
        }
        // Each validator's address is in the peer list, in index order.
        if let Some(i) = name.strip_prefix("validator-") {
            let ip = s(&svc["networks"]["bitcraps"], &["ipv4_address"]).unwrap();
            let i: usize = i.parse().unwrap();
            assert_eq!(
                peers.split(',').nth(i),
                Some(format!("{ip}:{port}").as_str())
            );
            assert_eq!(
                args[args.iter().position(|a| a == "--index").unwrap() + 1],
                i.to_string()
            );
        }
    }
    // The wallet: in the static list and in Consul at its address, on
    // PostgreSQL (a volume, a health check) that it waits for, and the
    // engine waits for the wallet.
    let wallet = &services["wallet"];
    let wallet_ip = s(&wallet["networks"]["bitcraps"], &["ipv4_address"]).unwrap();
    assert_eq!(
        s(&doc["x-env"], &["WALLET_UPSTREAMS"]),
        Some(format!("{wallet_ip}:8090").as_str())
    );
    let consul_cmd = strings(&services["consul"]["command"]).join(" ");
    assert!(
        !consul_cmd.contains("http = \"http://"),
        "Consul checks a TLS port"
    );
    assert!(
        consul_cmd.contains(&format!(
            "name = \"wallet\", id = \"wallet-0\", address = \"{wallet_ip}\", port = 8090"
        )),
        "{consul_cmd}"
    );
    let pg = &services["postgres"];
    assert!(s(pg, &["image"]).unwrap().starts_with("postgres:15"));
    let pg_ip = s(&pg["networks"]["bitcraps"], &["ipv4_address"]).unwrap();
    let data = strings(&pg["volumes"]).join(" ");
    assert!(data.ends_with(":/var/lib/postgresql/data"), "{data}");
    let volume = data.split(':').next().unwrap();
    assert!(doc["volumes"].get(volume).is_some(), "volume {volume}");
    assert!(strings(&pg["healthcheck"]["test"]).contains(&"pg_isready".to_string()));
    let url = s(&wallet["environment"], &["WALLET_DATABASE_URL"]).unwrap();
    let pg_env = &pg["environment"];
    assert!(url.starts_with("postgres://"), "{url}");
    assert!(
        url.ends_with(&format!(
            "@{pg_ip}:5432/{}",
            s(pg_env, &["POSTGRES_DB"]).unwrap()
        )),
        "{url}"
    );
    assert!(url.contains(&format!("//{}:", s(pg_env, &["POSTGRES_USER"]).unwrap())));
    assert_eq!(
        s(&wallet["depends_on"]["postgres"], &["condition"]),
        Some("service_healthy")
    );
    assert_eq!(
        s(&services["engine"]["depends_on"]["wallet"], &["condition"]),
        Some("service_healthy")
    );

    let gw = &services["gateway"]["environment"];
    assert_eq!(s(gw, &["SERVICE_DISCOVERY_METHOD"]), Some("consul"));
    assert_eq!(s(gw, &["WALLET_SERVICE_NAME"]), Some("wallet"));
    let consul_ip = s(
        &services["consul"]["networks"]["bitcraps"],
        &["ipv4_address"],
    )
    .unwrap();
    assert_eq!(
        s(gw, &["CONSUL_ADDRESS"]),
        Some(format!("{consul_ip}:8500").as_str())
    );
}

/// Metric names a PromQL expression refers to.
fn metric_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = (expr[i..].starts_with("bitcraps_") || expr[i..].starts_with("process_"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'));
        if starts {
            let end = expr[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(b.len(), |n| i + n);
            out.push(expr[i..end].to_string());
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn dashboard_exprs() -> Vec<(String, String)> {
    let d: Json = serde_json::from_str(&read("config/grafana/bitcraps.json")).unwrap();
    assert_eq!(d["uid"], "bitcraps");
    let mut out = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            out.push((
                p["title"].as_str().unwrap().to_string(),
                t["expr"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

/// Sample names in a Prometheus text exposition.
fn exposed(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_string())
        .collect()
}

#[test]
fn the_grafana_dashboard_queries_only_metrics_a_running_system_exports() {
    let exprs = dashboard_exprs();
    assert!(exprs.len() >= 20, "{} queries", exprs.len());
    for p in [
        "provisioning/datasources/prometheus.yml",
        "provisioning/dashboards/bitcraps.yml",
    ] {
        let d = &yaml_docs(&format!("config/grafana/{p}"))[0];
        assert_eq!(d["apiVersion"].as_u64(), Some(1), "{p}");
    }

    // A system that has done a bit of everything: a game played to the
    // end, a forged peer message refused, a breaker tripped.
    let sb = Sandbox::new()
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1")
        .env("GATEWAY_REQUEST_TIMEOUT", "300ms");
    sb.up_funded();
    let gw = sb.gateway();
    let token = Tokens::of(&sb).mint("alice", Role::Player);
    let call = |method: reqwest::Method, path: &str, body: Option<Json>| {
        let mut r = http()
            .request(method, format!("http://{gw}{path}"))
            .bearer_auth(&token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        r.send().unwrap()
    };
    let g: Json = call(
        reqwest::Method::POST,
        "/api/v1/games",
        Some(json!({"game_type": "craps", "players": [{"id": "alice", "buy_in": 100}]})),
    )
    .json()
    .unwrap();
    let id = g["id"].as_str().unwrap().to_string();
    // The first roll waits for the commitment's anchor, which can take
    // longer than this gateway's 300 ms timeout on a loaded machine: wait
    // for it first.
    support::wait_for("the commitment anchored", Duration::from_secs(60), || {
        let p: Json = call(
            reqwest::Method::GET,
            &format!("/api/v1/games/{id}/proof"),
            None,
        )
        .json()
        .ok()?;
        (!p["anchors"].as_array()?.is_empty()).then_some(())
    });
    let act = |a: Json| {
        let r = call(
            reqwest::Method::POST,
            &format!("/api/v1/games/{id}/actions"),
            Some(json!({"player_id": "alice", "action": a})),
        );
        assert_eq!(r.status(), 200);
    };
    act(json!({"type": "bet", "bet": "field", "amount": 5}));
    act(json!({"type": "roll"}));
    act(json!({"type": "leave"}));
    // Peer traffic from the CLI's certificate: refused (and counted as an
    // unauthenticated rejection) before its body is read.
    let r = http()
        .post(format!("https://{}/peer", sb.validator(0)))
        .json(&json!({"from": 2, "msg": "{}", "sig": "22".repeat(64)}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // A stopped engine times out; with a threshold of 1 its breaker opens.
    let ps = sb.ps();
    let pid = Sandbox::service(&ps, "engine-0")["pid"].as_u64().unwrap();
    let signal = |sig: &str| {
        assert!(
            Command::new("kill")
                .args([sig, &pid.to_string()])
                .status()
                .unwrap()
                .success()
        );
    };
    signal("-STOP");
    let r = call(reqwest::Method::GET, &format!("/api/v1/games/{id}"), None);
    signal("-CONT");
    assert_eq!(r.status(), 504);

    let mut names = BTreeSet::new();
    for a in sb.all_addrs() {
        let text = support::wait_for("metrics", Duration::from_secs(10), || {
            http()
                .get(format!("{}/metrics", sb.base(a)))
                .send()
                .ok()?
                .text()
                .ok()
        });
        names.extend(exposed(&text));
    }
    let mut missing = Vec::new();
    for (title, expr) in &exprs {
        let used = metric_names(expr);
        assert!(!used.is_empty(), "{title}: no metric in {expr}");
        for m in used {
            if !names.contains(&m) {
                missing.push(format!("{title}: {m}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not exported by a running system: {missing:#?}"
    );
}

#[test]
fn metric_names_are_read_out_of_promql() {
    assert_eq!(
        metric_names(
            "histogram_quantile(0.9, sum by (le) (rate(bitcraps_x_bucket{a=\"b\"}[5m]))) / process_y"
        ),
        vec!["bitcraps_x_bucket", "process_y"]
    );
    assert!(metric_names("sum(rate(foo_bitcraps_x[1m]))").is_empty());
}

/// Renders the manifests with the real tool, where it exists.
#[test]
#[ignore = "needs kubectl; run with --ignored"]
fn kubectl_kustomize_accepts_the_manifests() {
    let root = repo_root();
    let out = Command::new("kubectl")
        .args(["kustomize", "k8s"])
        .current_dir(&root)
        .output()
        .expect("kubectl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = String::from_utf8_lossy(&out.stdout);
    assert!(rendered.contains("namespace: bitcraps"));
}

#[test]
#[ignore = "needs docker compose; run with --ignored"]
fn docker_compose_accepts_the_file() {
    let root = repo_root();
    let out = Command::new("docker")
        .args(["compose", "-f"])
        .arg(Path::new(&root).join("docker-compose.yml"))
        .args(["config", "--quiet"])
        .env("POSTGRES_PASSWORD", "0123456789abcdef")
        .output()
        .expect("docker");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
