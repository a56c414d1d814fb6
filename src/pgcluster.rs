//! A throwaway PostgreSQL cluster for tests and benchmarks: a fresh
//! `initdb` in a temporary directory, a server on a free port of 127.0.0.1
//! (its unix socket inside that directory), a superuser with a random
//! password, stopped and deleted on drop. It never touches a system
//! cluster.
//!
//! PostgreSQL refuses to run as root, so when we are root the server
//! programs run as `nobody` (through `setpriv`) and the directory is
//! theirs. A cluster left behind by a killed process is stopped and
//! removed by the next [`Cluster::start`].

use std::fs;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The superuser the cluster is made with.
pub const SUPERUSER: &str = "bitcraps";
/// The database [`Cluster::url`] names (created at start).
pub const DATABASE: &str = "bitcraps";
/// How long the server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// Between two readiness probes.
const PROBE_EVERY: Duration = Duration::from_millis(50);
/// Tries with a new port when another process took the one we picked.
const PORT_TRIES: usize = 3;
/// Prefix of the temporary directories (then `<pid>-<random>`).
const DIR_PREFIX: &str = "bitcraps-pg-";
/// The unprivileged user the server runs as when we are root.
const SERVER_USER: &str = "nobody";

const MISSING: &str = "PostgreSQL's server programs (initdb, pg_ctl, pg_isready, postgres) \
                       were not found in `pg_config --bindir` nor /usr/lib/postgresql/*/bin; \
                       install Debian's `postgresql` package (`apt-get install postgresql`; \
                       scripts/test does it when run as root)";

/// A running throwaway cluster; dropping it stops the server (immediate
/// mode: nothing in it is meant to last) and deletes its directory.
pub struct Cluster {
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
    password: String,
    /// `(uid, gid)` the server programs run as (when we are root).
    run_as: Option<(u32, u32)>,
    /// With TLS: the CA that signed the server's certificate (PEM file).
    ca: Option<PathBuf>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("dir", &self.dir)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// The directory holding PostgreSQL's server programs.
pub fn bindir() -> anyhow::Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        && out.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    // Debian keeps each major version apart; take the newest.
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    candidates.extend(versions.into_iter().map(|(_, p)| p));
    candidates
        .into_iter()
        .find(|d| {
            ["initdb", "pg_ctl", "pg_isready", "postgres"]
                .iter()
                .all(|p| d.join(p).is_file())
        })
        .context(MISSING)
}

impl Cluster {
    /// Starts a cluster with PostgreSQL's default settings.
    pub fn start() -> anyhow::Result<Cluster> {
        Cluster::start_with(&[])
    }

    /// Starts a cluster with these `postgresql.conf` settings added (for
    /// example `("shared_buffers", "256MB")`).
    pub fn start_with(settings: &[(&str, &str)]) -> anyhow::Result<Cluster> {
        Cluster::start_inner(settings, false)
    }

    /// Starts a cluster that accepts TCP connections over TLS only: its
    /// certificate (for 127.0.0.1 and localhost) is signed by a CA made
    /// for it ([`Cluster::ca`]); `pg_hba.conf` rejects plaintext TCP.
    pub fn start_tls() -> anyhow::Result<Cluster> {
        Cluster::start_inner(&[], true)
    }

    /// The CA that signed a TLS cluster's certificate (PEM file).
    pub fn ca(&self) -> Option<&Path> {
        self.ca.as_deref()
    }

    fn start_inner(settings: &[(&str, &str)], tls: bool) -> anyhow::Result<Cluster> {
        let bindir = bindir()?;
        let run_as = server_user()?;
        reap_leftovers(&bindir, run_as);
        let dir = std::env::temp_dir().join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut cluster = Cluster {
            dir,
            bindir,
            port: 0,
            password: hex::encode(rand::random::<[u8; 16]>()),
            run_as,
            ca: None,
        };
        // From here on, dropping `cluster` cleans up whatever was made.
        cluster.init(settings)?;
        if tls {
            cluster.ca = Some(cluster.enable_tls()?);
        }
        let mut tries = 0;
        loop {
            tries += 1;
            cluster.port = free_port()?;
            cluster.set("port", &cluster.port.to_string())?;
            match cluster.launch() {
                Ok(()) => break,
                Err(Launch::PortTaken) if tries < PORT_TRIES => cluster.stop(),
                Err(Launch::PortTaken) => bail!(
                    "PostgreSQL could not bind a free port {PORT_TRIES} times; see {}",
                    cluster.log_path().display()
                ),
                Err(Launch::Failed(e)) => return Err(e),
            }
        }
        cluster.create_database(DATABASE)?;
        Ok(cluster)
    }

    /// `postgres://bitcraps:…@127.0.0.1:PORT/bitcraps`.
    pub fn url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// The URL of another database of this cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path of one of PostgreSQL's programs (`pgbench`, `psql`, …).
    pub fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// A client program's command with the cluster's password in its
    /// environment (pass it [`Cluster::url`] or `-h 127.0.0.1 -p PORT`).
    pub fn client(&self, name: &str) -> Command {
        let mut c = Command::new(self.program(name));
        c.env("PGPASSWORD", &self.password)
            .env("PGUSER", SUPERUSER)
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .stdin(Stdio::null());
        c
    }

    /// Creates a database (`[a-z0-9_]`, 1–63 bytes) and returns its URL.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        if name.is_empty()
            || name.len() > 63
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            bail!("database name {name:?} must be 1–63 bytes of [a-z0-9_]");
        }
        let out = self
            .client("createdb")
            .arg(name)
            .output()
            .context("cannot run createdb")?;
        check(&out, &format!("createdb {name}"))?;
        Ok(self.url_for(name))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// A server program's command, as the unprivileged user when needed.
    fn server(&self, program: &str) -> Command {
        server_command(&self.bindir, self.run_as, program, &self.dir)
    }

    fn init(&self, settings: &[(&str, &str)]) -> anyhow::Result<()> {
        let pwfile = self.dir.join("pwfile");
        fs::write(&pwfile, format!("{}\n", self.password))
            .with_context(|| format!("cannot write {}", pwfile.display()))?;
        if let Some((uid, gid)) = self.run_as {
            for p in [&self.dir, &pwfile] {
                nix::unistd::chown(
                    p.as_path(),
                    Some(nix::unistd::Uid::from_raw(uid)),
                    Some(nix::unistd::Gid::from_raw(gid)),
                )
                .with_context(|| format!("cannot give {} to {SERVER_USER}", p.display()))?;
            }
        }
        let out = self
            .server("initdb")
            .arg("-D")
            .arg(self.data())
            .args(["-U", SUPERUSER, "-A", "scram-sha-256", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output()
            .context("cannot run initdb")?;
        check(&out, "initdb")?;
        let _ = fs::remove_file(&pwfile);
        let sockets = self.dir.to_string_lossy().into_owned();
        self.set("listen_addresses", "127.0.0.1")?;
        self.set("unix_socket_directories", &sockets)?;
        self.set("max_connections", "200")?;
        for (k, v) in settings {
            self.set(k, v)?;
        }
        Ok(())
    }

    /// Makes a CA and a server certificate, turns `ssl` on and lets TCP
    /// clients in over TLS only; returns the CA's PEM file.
    fn enable_tls(&self) -> anyhow::Result<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        let now = time::OffsetDateTime::now_utc();
        let (ca, _) = crate::tls::issue::Ca::generate(now)?;
        let leaf = ca.issue(
            "postgres",
            &[std::net::IpAddr::from([127, 0, 0, 1])],
            now - time::Duration::hours(1),
            now + time::Duration::days(2),
        )?;
        let data = self.data();
        let (cert, key) = (data.join("server.crt"), data.join("server.key"));
        fs::write(&cert, &leaf.cert_pem)?;
        fs::write(&key, &leaf.key_pem)?;
        // The server refuses a key others may read.
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600))?;
        if let Some((uid, gid)) = self.run_as {
            for p in [&cert, &key] {
                nix::unistd::chown(
                    p.as_path(),
                    Some(nix::unistd::Uid::from_raw(uid)),
                    Some(nix::unistd::Gid::from_raw(gid)),
                )
                .with_context(|| format!("cannot give {} to {SERVER_USER}", p.display()))?;
            }
        }
        self.set("ssl", "on")?;
        self.set("ssl_cert_file", &cert.to_string_lossy())?;
        self.set("ssl_key_file", &key.to_string_lossy())?;
        let hba = data.join("pg_hba.conf");
        fs::write(
            &hba,
            "local all all scram-sha-256\n\
             hostssl all all 127.0.0.1/32 scram-sha-256\n\
             hostnossl all all 127.0.0.1/32 reject\n",
        )
        .with_context(|| format!("cannot write {}", hba.display()))?;
        let ca_file = self.dir.join("ca.crt");
        fs::write(&ca_file, &ca.pem)?;
        Ok(ca_file)
    }

    /// Appends a setting to `postgresql.conf` (the last one wins).
    fn set(&self, key: &str, value: &str) -> anyhow::Result<()> {
        let path = self.data().join("postgresql.conf");
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        writeln!(f, "{key} = '{}'", value.replace('\'', "''"))
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Starts the server and polls until it accepts connections.
    fn launch(&self) -> Result<(), Launch> {
        let log = self.log_path();
        let _ = fs::remove_file(&log);
        let out = self
            .server("pg_ctl")
            .args(["start", "-W", "-s", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(&log)
            .output()
            .context("cannot run pg_ctl start")
            .map_err(Launch::Failed)?;
        check(&out, "pg_ctl start").map_err(Launch::Failed)?;
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let ready = self
                .server("pg_isready")
                .args(["-q", "-h", "127.0.0.1", "-t", "2", "-d", "postgres"])
                .args(["-U", SUPERUSER, "-p", &self.port.to_string()])
                .status()
                .context("cannot run pg_isready")
                .map_err(Launch::Failed)?;
            if ready.success() {
                return Ok(());
            }
            let text = fs::read_to_string(&log).unwrap_or_default();
            if text.contains("could not bind") || text.contains("Address already in use") {
                return Err(Launch::PortTaken);
            }
            if server_died(&text) || Instant::now() > deadline {
                return Err(Launch::Failed(anyhow::anyhow!(
                    "PostgreSQL did not start on 127.0.0.1:{}; its log ({}) ends:\n{}",
                    self.port,
                    log.display(),
                    tail(&text, 20)
                )));
            }
            std::thread::sleep(PROBE_EVERY);
        }
    }

    fn stop(&self) {
        stop_server(&self.bindir, self.run_as, &self.dir);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            eprintln!("pgcluster: cannot remove {}: {e}", self.dir.display());
        }
    }
}

enum Launch {
    PortTaken,
    Failed(anyhow::Error),
}

/// Whether the server log tells the postmaster gave up. A probe that
/// arrives while it starts is refused with a FATAL line too: not that.
fn server_died(log: &str) -> bool {
    log.lines().any(|l| {
        (l.contains("FATAL:") || l.contains("PANIC:"))
            && !l.contains("starting up")
            && !l.contains("not yet accepting connections")
    }) || log.contains("database system is shut down")
}

/// The `(uid, gid)` to run the server as: `nobody` when we are root.
fn server_user() -> anyhow::Result<Option<(u32, u32)>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let u = nix::unistd::User::from_name(SERVER_USER)
        .context("cannot look up the user nobody")?
        .with_context(|| {
            format!("PostgreSQL refuses to run as root and there is no user {SERVER_USER:?} to run it as")
        })?;
    Ok(Some((u.uid.as_raw(), u.gid.as_raw())))
}

fn server_command(bindir: &Path, run_as: Option<(u32, u32)>, program: &str, cwd: &Path) -> Command {
    let path = bindir.join(program);
    let mut c = match run_as {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .args(["--clear-groups", "--"])
                .arg(path);
            c
        }
        None => Command::new(path),
    };
    // The server user may not be allowed into our working directory.
    c.current_dir(cwd).stdin(Stdio::null());
    c
}

fn stop_server(bindir: &Path, run_as: Option<(u32, u32)>, dir: &Path) {
    let data = dir.join("data");
    if !data.join("postmaster.pid").exists() {
        return;
    }
    let r = server_command(bindir, run_as, "pg_ctl", dir)
        .args(["stop", "-s", "-m", "immediate", "-D"])
        .arg(&data)
        .output();
    match r {
        Ok(out) if out.status.success() => {}
        Ok(out) => eprintln!(
            "pgcluster: pg_ctl stop failed for {}: {}",
            data.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => eprintln!("pgcluster: cannot run pg_ctl stop: {e}"),
    }
}

/// Stops and removes clusters whose creating process is gone (killed
/// before its `Drop` ran).
fn reap_leftovers(bindir: &Path, run_as: Option<(u32, u32)>) {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        let alive = !matches!(
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
            Err(nix::errno::Errno::ESRCH)
        );
        if alive {
            continue;
        }
        stop_server(bindir, run_as, &e.path());
        let _ = fs::remove_dir_all(e.path());
    }
}

/// A port nobody listens on now (the server binds it right after; a
/// clash is retried).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port")?;
    Ok(l.local_addr().context("cannot find a free port")?.port())
}

fn check(out: &Output, what: &str) -> anyhow::Result<()> {
    if out.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    )
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_early_probe_is_not_a_dead_server() {
        assert!(!server_died(
            "LOG:  starting PostgreSQL 15\nFATAL:  the database system is starting up\n"
        ));
        assert!(server_died(
            "LOG:  could not bind IPv4 address\nFATAL:  could not create any TCP/IP sockets\n"
        ));
    }

    #[test]
    fn a_cluster_starts_answers_and_is_gone_after_drop() {
        let c = Cluster::start().expect("start");
        let dir = c.dir.clone();
        let out = c
            .client("psql")
            .args(["-XAtq", "-d", DATABASE, "-c", "SELECT current_user"])
            .output()
            .expect("psql");
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), SUPERUSER);
        let url = c.create_database("second").expect("createdb");
        assert!(url.ends_with("/second"), "{url}");
        assert!(c.create_database("Bad-Name").is_err());
        drop(c);
        assert!(!dir.exists());
    }
}
