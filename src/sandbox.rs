//! Each service confines itself before it serves: with Linux's Landlock it
//! gives up the right to open any file but the few it needs — its own TLS
//! identity, its own key, its own data directory, the public key set — so a
//! service that is taken over (a Byzantine validator, an engine with a
//! remote-code bug) cannot read the issuer key, another service's key, the
//! CA key or another service's data, even though every service runs as the
//! same user under `bitcraps up`. It also cannot signal or `ptrace`
//! processes outside its own sandbox (Landlock's scopes), so it cannot kill
//! the supervisor or read another service's memory through `/proc`.
//!
//! [`policy`] is pure: from the instance, the configuration and the state
//! dir it lists what the service may touch, and [`check`] proves that no
//! grant covers a protected path (a grant is a whole directory tree, so a
//! private key must never sit beneath one). [`confine`] applies a policy to
//! the calling process, which must still be single-threaded (Landlock binds
//! threads that exist at that moment only; the runtime is built after).
//! [`probe`] is the same policy applied to the CLI, then every file of the
//! state dir tried: `bitcraps sandbox probe INSTANCE` shows an operator (and
//! the tests) what that service can read, from the kernel's own answers.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;

/// `sandbox.mode` values.
pub const MODES: &[&str] = &["auto", "required", "off"];

/// How strictly a service confines itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Apply what the kernel supports; warn when that is not everything.
    Auto,
    /// Refuse to start unless every restriction is enforced.
    Required,
    /// No confinement (warned at start).
    Off,
}

impl Mode {
    pub fn parse(s: &str) -> anyhow::Result<Mode> {
        match s {
            "auto" => Ok(Mode::Auto),
            "required" => Ok(Mode::Required),
            "off" => Ok(Mode::Off),
            other => anyhow::bail!("sandbox.mode {other:?}: expected auto, required or off"),
        }
    }
}

/// What a grant allows beneath its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Open files for reading and list directories.
    Read,
    /// Read, and map or run programs (system libraries).
    ReadExec,
    /// Everything: create, write, truncate, rename and remove.
    ReadWrite,
}

/// What to do about a granted path that does not exist when the service
/// confines itself (a grant can only be made on an existing path, and a
/// confined service cannot create one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IfMissing {
    /// Nothing is granted (a system file this machine does not have).
    Skip,
    /// Create it as a directory (0700): where files appear later, such as
    /// the API-key store after the first `auth apikey create`.
    MakeDir,
    /// Refuse to start: a file that must be watched (a revocation list
    /// granted by file) would otherwise never be seen.
    Refuse,
}

/// One path the service may use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub path: PathBuf,
    pub access: Access,
    pub why: String,
    pub if_missing: IfMissing,
}

fn grant(path: impl Into<PathBuf>, access: Access, why: impl Into<String>) -> Grant {
    Grant {
        path: path.into(),
        access,
        why: why.into(),
        if_missing: IfMissing::Skip,
    }
}

impl Grant {
    fn or_else(mut self, if_missing: IfMissing) -> Grant {
        self.if_missing = if_missing;
        self
    }
}

/// The service an instance name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gateway,
    Engine,
    Validator,
    Wallet,
}

/// The kind of `instance` (`gateway`, `engine-N`, `validator-N`, `wallet`).
pub fn kind_of(instance: &str) -> Option<Kind> {
    let numbered = |prefix: &str| {
        instance
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    match instance {
        "gateway" => Some(Kind::Gateway),
        "wallet" => Some(Kind::Wallet),
        _ if numbered("engine-") => Some(Kind::Engine),
        _ if numbered("wallet-") => Some(Kind::Wallet),
        _ if numbered("validator-") => Some(Kind::Validator),
        _ => None,
    }
}

/// System paths every service reads: libraries (the C library loads its
/// name-service modules on the first DNS lookup), `/etc` (resolver, hosts,
/// time zone, system roots; see [`ETC_FILES`]), `/proc` and `/sys` (its own
/// statistics, CPU count). Landlock also stops a confined process from
/// reaching another process's memory or environment through `/proc`.
pub const SYSTEM_READ: &[(&str, Access)] = &[
    ("/usr", Access::ReadExec),
    ("/lib", Access::ReadExec),
    ("/lib64", Access::ReadExec),
    ("/proc", Access::Read),
    ("/sys", Access::Read),
    ("/dev/urandom", Access::Read),
    ("/dev/null", Access::ReadWrite),
];

/// `/etc` is granted as a directory, so a resolver file that is replaced
/// while the service runs (DHCP, NetworkManager, systemd-resolved write a
/// new file and rename it) is still read. When a protected file lies under
/// `/etc` (an operator who keeps the issuer key or the gateway's TLS key
/// there), only these files are granted instead.
pub const ETC_FILES: &[&str] = &[
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/hostname",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/ssl/certs",
];

/// What `instance` may touch, given the configuration, the (absolute)
/// state dir and the configuration file it reloads (the gateway's).
/// `extra` are resolved targets of symlinked system files (e.g. a
/// `/etc/resolv.conf` pointing under `/run`), found by the caller.
pub fn policy(
    instance: &str,
    cfg: &Config,
    state_dir: &Path,
    config_file: Option<&Path>,
    extra: &[PathBuf],
) -> anyhow::Result<Vec<Grant>> {
    let kind = kind_of(instance)
        .ok_or_else(|| anyhow::anyhow!("{instance:?} is not a service instance"))?;
    let protected = protected(state_dir, instance, cfg);
    let mut out: Vec<Grant> = SYSTEM_READ
        .iter()
        .map(|(p, a)| grant(*p, *a, "system"))
        .collect();
    if covers_any(Path::new("/etc"), &protected) {
        out.extend(ETC_FILES.iter().map(|p| grant(*p, Access::Read, "system")));
    } else {
        out.push(grant("/etc", Access::Read, "system"));
    }
    for p in extra {
        out.push(grant(p, Access::Read, "where a granted symlink points"));
    }
    let auth = &cfg.gateway.auth;
    // Files that change while the service runs are granted by directory
    // (a replaced file is a new inode), unless the directory would expose
    // a protected path; then by file, and a replacement needs a restart.
    let mut reloadable = |path: &Path, why: &str| {
        match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !covers_any(dir, &protected) => {
                out.push(grant(dir, Access::Read, why).or_else(IfMissing::MakeDir))
            }
            _ => out.push(
                grant(path, Access::Read, format!("{why} (this file only)"))
                    .or_else(IfMissing::Refuse),
            ),
        };
    };
    if !auth.hs256 {
        let jwks = auth.jwks_path(state_dir);
        reloadable(&jwks, "token key set");
        reloadable(&crate::auth::keys::revoked_path(&jwks), "revoked tokens");
    }
    reloadable(&crate::apikeys::path(state_dir), "API keys (hashes)");
    if let Some(f) = config_file.filter(|_| kind == Kind::Gateway) {
        reloadable(f, "configuration (reloaded on change)");
    }
    if kind == Kind::Gateway {
        if let (Some(cert), Some(key)) = (&cfg.gateway.tls.cert, &cfg.gateway.tls.key) {
            reloadable(cert, "client-facing TLS certificate");
            reloadable(key, "client-facing TLS key");
        }
    }
    if !cfg.tls.insecure_plaintext {
        let dir = cfg
            .tls
            .dir
            .clone()
            .unwrap_or_else(|| crate::tls::instance_dir(state_dir, instance));
        out.push(grant(
            dir,
            Access::Read,
            "own TLS identity (reloaded on change)",
        ));
    }
    if cfg.service_discovery.method == "kubernetes" {
        out.push(grant(
            &cfg.service_discovery.kubernetes_service_account_dir,
            Access::Read,
            "Kubernetes service-account token (rotated)",
        ));
    }
    if auth.hs256 {
        // Read at start; every service holds the shared secret anyway.
        let file = auth
            .jwt_secret_file
            .clone()
            .unwrap_or_else(|| state_dir.join("secrets").join("jwt_secret"));
        out.push(grant(file, Access::Read, "HS256 secret (the opt-in)"));
    }
    if kind == Kind::Wallet {
        if let Some(ca) = &cfg.wallet.database_ca {
            out.push(grant(ca, Access::Read, "the ledger database's CA"));
        }
    }
    match kind {
        Kind::Engine | Kind::Wallet if !auth.hs256 => {
            let key = auth
                .service_key_file
                .clone()
                .unwrap_or_else(|| crate::auth::keys::service_key_path(state_dir, instance));
            out.push(grant(key, Access::Read, "own signing key"));
        }
        Kind::Validator => {
            let index = instance
                .strip_prefix("validator-")
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_default();
            out.push(grant(
                crate::services::consensus::genesis::genesis_path(state_dir),
                Access::Read,
                "the chain's genesis",
            ));
            out.push(grant(
                crate::services::consensus::genesis::key_path(state_dir, index),
                Access::Read,
                "own validator key",
            ));
        }
        _ => {}
    }
    let data = match kind {
        Kind::Gateway => None,
        // Every wallet instance's SQLite ledger is `data/wallet` (several
        // instances share a PostgreSQL instead).
        Kind::Wallet => Some(crate::services::wallet::INSTANCE),
        Kind::Engine | Kind::Validator => Some(instance),
    };
    if let Some(name) = data {
        out.push(
            grant(
                state_dir.join("data").join(name),
                Access::ReadWrite,
                "own data",
            )
            .or_else(IfMissing::MakeDir),
        );
    }
    check(&out, &protected)?;
    let mut seen = std::collections::HashSet::new();
    out.retain(|g| seen.insert((g.path.clone(), g.access)));
    Ok(out)
}

/// What `instance` confines itself to on this machine, and what must stay
/// out of its reach: [`policy`] with the symlink targets resolved now, and
/// [`protected`]. The service (`serve`) and `bitcraps sandbox` both start
/// here, so a probe confines itself exactly as the service does.
pub fn for_instance(
    instance: &str,
    cfg: &Config,
    state_dir: &Path,
    config_file: Option<&Path>,
) -> anyhow::Result<(Vec<Grant>, Vec<PathBuf>)> {
    let grants = policy(
        instance,
        cfg,
        state_dir,
        config_file,
        &symlink_targets(cfg, config_file),
    )?;
    Ok((grants, protected(state_dir, instance, cfg)))
}

/// Paths no grant of `instance`'s may cover: every private key but its
/// own, the CA's key, other instances' TLS identities and data, the
/// supervisor's files.
/// (Keys of the layout before `keys/`, under `auth/`, are moved by
/// [`crate::auth::keys::migrate_layout`] before a service confines itself.)
pub fn protected(state_dir: &Path, instance: &str, cfg: &Config) -> Vec<PathBuf> {
    let kind = kind_of(instance);
    let keys = crate::auth::keys::keys_dir(state_dir);
    let mut out = vec![
        keys.join("issuer"),
        keys.join("services"),
        crate::services::consensus::genesis::governance_key_path(state_dir),
        crate::tls::tls_root(state_dir).join("ca.key"),
        state_dir.join("run"),
        state_dir.join("logs"),
        state_dir.join("data"),
    ];
    if let Some(f) = &cfg.gateway.auth.issuer_key_file {
        out.push(f.clone());
    }
    // Configured private files of other roles: the gateway's client-facing
    // TLS key, an engine's or the wallet's configured signing key.
    if kind != Some(Kind::Gateway) {
        out.extend(cfg.gateway.tls.key.iter().cloned());
    }
    if !matches!(kind, Some(Kind::Engine | Kind::Wallet)) {
        out.extend(cfg.gateway.auth.service_key_file.iter().cloned());
    }
    out.push(keys);
    out.push(crate::tls::tls_root(state_dir));
    out
}

/// True when a grant on `dir` would cover one of `protected` (`dir` is the
/// path or one of its ancestors).
fn covers_any(dir: &Path, protected: &[PathBuf]) -> bool {
    protected.iter().any(|p| p.starts_with(dir))
}

/// Refuses a policy in which a grant covers a protected path. A grant *of*
/// a file or directory inside a protected tree (a service's own key under
/// `keys/`, its own TLS directory under `tls/`, its own data under
/// `data/`) is what a policy is for; a grant *above* one is the mistake.
pub fn check(grants: &[Grant], protected: &[PathBuf]) -> anyhow::Result<()> {
    for g in grants {
        if let Some(p) = protected.iter().find(|p| p.starts_with(&g.path)) {
            anyhow::bail!(
                "the sandbox would let this service read {} through {} ({}); keep private \
                 files out of that directory or set sandbox.mode = \"off\"",
                p.display(),
                g.path.display(),
                g.why
            );
        }
    }
    Ok(())
}

/// How a confinement went, as logged and as `sandbox probe` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforced {
    /// Every restriction asked for is in force.
    Fully,
    /// The kernel enforces part of them (an older Landlock ABI).
    Partially,
    /// The kernel has no Landlock: nothing is enforced.
    Not,
    /// `sandbox.mode = "off"`.
    Off,
}

#[cfg(target_os = "linux")]
mod apply {
    use super::{Access, Enforced, Grant, Mode};
    use landlock::{
        ABI, Access as _, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset,
        RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    };

    /// The newest ABI this code asks for: filesystem rights of ABI 5
    /// (truncate, device ioctl) and the signal / abstract-socket scopes of
    /// ABI 6. Network rights are not handled: services connect and listen
    /// where their configuration says.
    const FS_ABI: ABI = ABI::V5;
    const SCOPE_ABI: ABI = ABI::V6;

    pub fn confine(mode: Mode, grants: &[Grant]) -> anyhow::Result<Enforced> {
        if mode == Mode::Off {
            return Ok(Enforced::Off);
        }
        let threads = super::thread_count();
        if threads != Some(1) {
            // Landlock binds the calling thread and the ones it starts;
            // a thread already running would stay free.
            anyhow::bail!(
                "cannot confine a process that already runs {} threads",
                threads.map_or_else(|| "an unknown number of".to_string(), |n| n.to_string())
            );
        }
        let level = match mode {
            Mode::Required => CompatLevel::HardRequirement,
            _ => CompatLevel::BestEffort,
        };
        let all = AccessFs::from_all(FS_ABI);
        let mut created = Ruleset::default()
            .set_compatibility(level)
            .handle_access(all)?
            .scope(Scope::from_all(SCOPE_ABI))?
            .create()?;
        for g in grants {
            let rights = match g.access {
                Access::Read => AccessFs::ReadFile | AccessFs::ReadDir,
                Access::ReadExec => AccessFs::from_read(FS_ABI),
                Access::ReadWrite => all,
            };
            let fd = match PathFd::new(&g.path) {
                Ok(fd) => fd,
                // A path that does not exist grants nothing (and cannot be
                // made afterwards: its parent is not writable).
                Err(_) => continue,
            };
            let rights = if g.path.is_dir() {
                rights
            } else {
                rights & AccessFs::from_file(FS_ABI)
            };
            created = created.add_rule(PathBeneath::new(fd, rights))?;
        }
        let status = created.restrict_self()?;
        let enforced = match status.ruleset {
            RulesetStatus::FullyEnforced => Enforced::Fully,
            RulesetStatus::PartiallyEnforced => Enforced::Partially,
            RulesetStatus::NotEnforced => Enforced::Not,
        };
        if mode == Mode::Required && enforced != Enforced::Fully {
            anyhow::bail!(
                "the kernel does not enforce the whole sandbox (Landlock ABI 6, Linux 6.12, is needed)"
            );
        }
        Ok(enforced)
    }
}

#[cfg(not(target_os = "linux"))]
mod apply {
    use super::{Enforced, Grant, Mode};

    pub fn confine(mode: Mode, _grants: &[Grant]) -> anyhow::Result<Enforced> {
        match mode {
            Mode::Required => anyhow::bail!("sandbox.mode = \"required\" needs Linux (Landlock)"),
            Mode::Off => Ok(Enforced::Off),
            Mode::Auto => Ok(Enforced::Not),
        }
    }
}

/// The number of threads of this process (from `/proc/self/status`).
fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Readies the files a policy names, before confining: creates the
/// missing directories it names (its data dir, the directory the API keys
/// will appear in; 0700) — once confined it could not create them itself —
/// and refuses a missing file that must be watched. Then checks the policy
/// again with every path resolved (a symlink planted at a granted path,
/// `keys/services/engine-0.key -> ../issuer/…`, would otherwise grant what
/// it points to). An error here is a misconfiguration: fatal in every mode
/// but `off`.
pub fn prepare(grants: &[Grant], protected: &[PathBuf]) -> anyhow::Result<()> {
    for g in grants.iter().filter(|g| !g.path.exists()) {
        match g.if_missing {
            IfMissing::Skip => {}
            IfMissing::MakeDir => {
                std::fs::create_dir_all(&g.path)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", g.path.display()))?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&g.path, std::fs::Permissions::from_mode(0o700))?;
            }
            IfMissing::Refuse => anyhow::bail!(
                "{} ({}) does not exist, and the sandbox can grant only an existing file \
                 where its directory also holds private keys: create it (an empty \
                 revocation list is `[]`) or keep the key set in a directory of its own",
                g.path.display(),
                g.why
            ),
        }
    }
    // Landlock grants what a path resolves to. A grant that resolves
    // somewhere else than it says (a link) must not land in or above a
    // protected path.
    let protected: Vec<PathBuf> = protected
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for g in grants {
        let Ok(target) = std::fs::canonicalize(&g.path) else {
            continue;
        };
        if target == g.path {
            continue;
        }
        if let Some(p) = protected
            .iter()
            .find(|p| target.starts_with(p) || p.starts_with(&target))
        {
            anyhow::bail!(
                "{} ({}) is a link to {}, which would let this service read {}; \
                 replace the link with the file itself",
                g.path.display(),
                g.why,
                target.display(),
                p.display()
            );
        }
    }
    Ok(())
}

/// Confines this process to `grants` (see [`prepare`] first).
pub fn confine(mode: Mode, grants: &[Grant]) -> anyhow::Result<Enforced> {
    apply::confine(mode, grants)
}

/// Where the symlinks among the paths a service reads point, when that is
/// outside what it is granted anyway: a resolver file managed under
/// `/run`, a certbot `live/` certificate pointing into `archive/`. Their
/// directories are granted too (read), so a renewal that writes a new
/// target is still read. Resolved now, by the caller of [`policy`].
pub fn symlink_targets(cfg: &Config, config_file: Option<&Path>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = ["/etc/resolv.conf", "/etc/hosts", "/etc/localtime"]
        .iter()
        .map(PathBuf::from)
        .collect();
    paths.extend(cfg.gateway.tls.cert.iter().cloned());
    paths.extend(cfg.gateway.tls.key.iter().cloned());
    paths.extend(config_file.map(Path::to_path_buf));
    let mut out = Vec::new();
    for p in paths {
        let Ok(target) = std::fs::canonicalize(&p) else {
            continue;
        };
        let (Some(dir), Some(given_dir)) = (target.parent(), p.parent()) else {
            continue;
        };
        let already = SYSTEM_READ.iter().any(|(s, _)| target.starts_with(s))
            || target.starts_with("/etc")
            || std::fs::canonicalize(given_dir).is_ok_and(|g| g == dir);
        if !already {
            out.push(dir.to_path_buf());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One file's verdict under a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub path: PathBuf,
    pub readable: bool,
    /// The file is one no grant was meant to reach.
    pub protected: bool,
}

/// What [`probe`] found.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub instance: String,
    pub enforced: Enforced,
    pub grants: Vec<Grant>,
    pub files: Vec<Verdict>,
}

impl ProbeReport {
    /// Protected files that were readable: a hole in the sandbox.
    pub fn leaks(&self) -> impl Iterator<Item = &Verdict> {
        self.files.iter().filter(|v| v.readable && v.protected)
    }
}

/// Whether the policy meant `file` to be readable: beneath a grant.
fn meant_readable(file: &Path, grants: &[Grant]) -> bool {
    grants.iter().any(|g| file.starts_with(&g.path))
}

/// Lists every file under `state_dir`, confines this process to
/// `instance`'s policy, then opens each file: what the kernel lets that
/// service read. Consumes the process's freedom — run it in a process that
/// exits afterwards (`bitcraps sandbox probe`).
pub fn probe(
    instance: &str,
    mode: Mode,
    grants: Vec<Grant>,
    protected: &[PathBuf],
    state_dir: &Path,
) -> anyhow::Result<ProbeReport> {
    let mut files = Vec::new();
    walk(state_dir, &mut files);
    files.sort();
    prepare(&grants, protected)?;
    let enforced = confine(mode, &grants)?;
    let files = files
        .into_iter()
        .map(|path| {
            let readable = std::fs::File::open(&path).is_ok();
            let protected = !meant_readable(&path, &grants);
            Verdict {
                path,
                readable,
                protected,
            }
        })
        .collect();
    Ok(ProbeReport {
        instance: instance.to_string(),
        enforced,
        grants,
        files,
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            walk(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> Config {
        Config::defaults().unwrap()
    }

    fn readable_under(grants: &[Grant], p: &Path) -> bool {
        meant_readable(p, grants)
    }

    #[test]
    fn instance_names_map_to_their_kind() {
        assert_eq!(kind_of("validator-12"), Some(Kind::Validator));
        assert_eq!(kind_of("engine-0"), Some(Kind::Engine));
        assert_eq!(kind_of("wallet"), Some(Kind::Wallet));
        assert_eq!(kind_of("gateway"), Some(Kind::Gateway));
        assert_eq!(kind_of("validator-"), None);
        assert_eq!(kind_of("validator-1/../x"), None);
        assert_eq!(kind_of("cli"), None);
    }

    #[test]
    fn no_service_may_read_another_ones_secrets() {
        let cfg = cfg();
        let state = Path::new("/srv/state");
        let instances = [
            "gateway",
            "engine-0",
            "engine-1",
            "wallet",
            "validator-0",
            "validator-3",
        ];
        for me in instances {
            let grants = policy(me, &cfg, state, None, &[]).unwrap();
            let secret = |p: &str| readable_under(&grants, &state.join(p));
            assert!(!secret("keys/issuer/0011223344556677.key"), "{me}");
            assert!(!secret("keys/governance.key"), "{me}");
            assert!(!secret("tls/ca.key"), "{me}");
            // (`secrets/` holds the API-key hashes every service reloads;
            // an HS256 secret left there from the opt-in signs nothing a
            // service accepts under EdDSA.)
            for other in instances.iter().filter(|o| **o != me) {
                assert!(
                    !secret(&format!("tls/{other}/tls.key")),
                    "{me} reads {other}'s TLS key"
                );
                assert!(
                    !secret(&format!("keys/services/{other}.key")),
                    "{me}: {other}"
                );
                assert!(
                    !secret(&format!("data/{other}/engine.sqlite3")),
                    "{me}: {other}"
                );
            }
            for v in 0..4 {
                let key = format!("keys/validator-{v}.key");
                assert_eq!(secret(&key), me == format!("validator-{v}"), "{me}: {key}");
            }
            // What it needs.
            assert!(
                secret("auth/jwks.json") && secret("auth/revoked.json"),
                "{me}"
            );
            assert!(secret("secrets/api_keys.json"), "{me}");
            assert!(secret(&format!("tls/{me}/tls.key")), "{me}");
            assert!(secret(&format!("tls/{me}/ca.crt")), "{me}");
            assert_eq!(secret(&format!("data/{me}/x")), me != "gateway", "{me}");
            assert_eq!(
                secret(&format!("keys/services/{me}.key")),
                me.starts_with("engine") || me == "wallet",
                "{me}"
            );
            // Writes only its own data.
            for g in grants.iter().filter(|g| g.access == Access::ReadWrite) {
                assert!(
                    g.path == state.join("data").join(me) || g.path == Path::new("/dev/null"),
                    "{me} writes {}",
                    g.path.display()
                );
            }
        }
    }

    #[test]
    fn a_key_set_beside_a_private_key_is_granted_by_file_or_refused() {
        let mut cfg = cfg();
        // The operator keeps the issuer key beside the key set: the set is
        // granted by file, so the key stays out of reach.
        cfg.gateway.auth.jwks_file = Some(PathBuf::from("/opt/bitcraps/jwks.json"));
        cfg.gateway.auth.issuer_key_file = Some(PathBuf::from("/opt/bitcraps/issuer.key"));
        let grants = policy("engine-0", &cfg, Path::new("/srv/state"), None, &[]).unwrap();
        assert!(readable_under(
            &grants,
            Path::new("/opt/bitcraps/jwks.json")
        ));
        assert!(!readable_under(
            &grants,
            Path::new("/opt/bitcraps/issuer.key")
        ));
        // A key kept under /etc: /etc is then granted file by file.
        cfg.gateway.auth.issuer_key_file = Some(PathBuf::from("/etc/bitcraps/issuer.key"));
        let grants = policy("engine-0", &cfg, Path::new("/srv/state"), None, &[]).unwrap();
        assert!(!readable_under(
            &grants,
            Path::new("/etc/bitcraps/issuer.key")
        ));
        assert!(readable_under(&grants, Path::new("/etc/resolv.conf")));
        assert!(!grants.iter().any(|g| g.path == Path::new("/etc")));
        // A key kept among the system libraries granted to every service
        // cannot be confined at all: refused, naming it.
        cfg.gateway.auth.issuer_key_file = Some(PathBuf::from("/usr/local/etc/issuer.key"));
        let err = policy("engine-0", &cfg, Path::new("/srv/state"), None, &[]).unwrap_err();
        assert!(
            err.to_string().contains("/usr/local/etc/issuer.key"),
            "{err}"
        );
    }

    /// The database's CA is the wallet's to read, no one else's concern.
    #[test]
    fn the_wallet_may_read_the_database_ca() {
        let mut cfg = cfg();
        let ca = Path::new("/srv/pg/ca.crt");
        cfg.wallet.database_ca = Some(ca.to_path_buf());
        let state = Path::new("/srv/state");
        let wallet = policy("wallet", &cfg, state, None, &[]).unwrap();
        assert!(readable_under(&wallet, ca));
        let engine = policy("engine-0", &cfg, state, None, &[]).unwrap();
        assert!(!readable_under(&engine, ca));
    }

    #[test]
    fn the_gateway_reloads_its_configuration_file_but_not_the_state_dir() {
        let cfg = cfg();
        let state = Path::new("/srv/app/.bitcraps");
        let grants = policy(
            "gateway",
            &cfg,
            state,
            Some(Path::new("/srv/app/bitcraps.toml")),
            &[],
        )
        .unwrap();
        assert!(readable_under(&grants, Path::new("/srv/app/bitcraps.toml")));
        assert!(!readable_under(&grants, &state.join("keys/issuer/x.key")));
        let grants = policy(
            "gateway",
            &cfg,
            state,
            Some(Path::new("/cfg/bitcraps.toml")),
            &[],
        )
        .unwrap();
        assert!(grants.iter().any(|g| g.path == Path::new("/cfg")));
        // An engine does not reload it.
        let grants = policy(
            "engine-0",
            &cfg,
            state,
            Some(Path::new("/cfg/bitcraps.toml")),
            &[],
        )
        .unwrap();
        assert!(!readable_under(&grants, Path::new("/cfg/bitcraps.toml")));
    }

    #[test]
    fn a_grant_above_a_protected_path_is_refused() {
        let state = Path::new("/s");
        let protected = protected(state, "engine-0", &cfg());
        let bad = [grant("/s", Access::Read, "everything")];
        assert!(check(&bad, &protected).is_err());
        let bad = [grant("/s/keys", Access::Read, "all keys")];
        assert!(check(&bad, &protected).is_err());
        let ok = [grant("/s/keys/services/engine-0.key", Access::Read, "own")];
        check(&ok, &protected).unwrap();
    }

    #[test]
    fn a_symlink_planted_at_a_granted_path_is_refused_before_confining() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().canonicalize().unwrap();
        let cfg = cfg();
        std::fs::create_dir_all(state.join("keys/issuer")).unwrap();
        std::fs::create_dir_all(state.join("keys/services")).unwrap();
        std::fs::write(state.join("keys/issuer/k.key"), "secret").unwrap();
        let grants = policy("engine-0", &cfg, &state, None, &[]).unwrap();
        let protected = protected(&state, "engine-0", &cfg);
        // Its own key, a plain file: fine.
        std::fs::write(state.join("keys/services/engine-0.key"), "own").unwrap();
        prepare(&grants, &protected).unwrap();
        // The same path made a link to the issuer's key: refused.
        std::fs::remove_file(state.join("keys/services/engine-0.key")).unwrap();
        std::os::unix::fs::symlink("../issuer/k.key", state.join("keys/services/engine-0.key"))
            .unwrap();
        let err = prepare(&grants, &protected).unwrap_err();
        assert!(err.to_string().contains("issuer"), "{err}");
    }

    #[test]
    fn modes_parse() {
        assert_eq!(Mode::parse("auto").unwrap(), Mode::Auto);
        assert_eq!(Mode::parse("required").unwrap(), Mode::Required);
        assert_eq!(Mode::parse("off").unwrap(), Mode::Off);
        assert!(Mode::parse("on").is_err());
    }
}
