//! An instance's own certificate and key, reloaded when their files change:
//! one object serves as the server's certificate resolver and the clients'
//! certificate resolver, so a rotation reaches new handshakes of both while
//! established connections (and their in-flight requests) carry on.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::Files;

/// The certificate and key in use, and the files they came from.
#[derive(Debug)]
pub struct Reloading {
    files: Files,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
}

/// What tells a changed file: modification times and sizes of both files.
type Stamp = Option<[(SystemTime, u64); 2]>;

fn stamp(files: &Files) -> Stamp {
    let one = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())))
    };
    Some([one(&files.cert)?, one(&files.key)?])
}

/// Reads and pairs a certificate chain and its key.
pub fn load_certified(files: &Files) -> anyhow::Result<CertifiedKey> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("cannot read {}", files.cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} does not parse", files.cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("no certificate in {}", files.cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("cannot read a private key from {}", files.key.display()))?;
    let ck = CertifiedKey::from_der(chain, key, &super::provider()).with_context(|| {
        format!(
            "{} and {} do not make a certificate and its key",
            files.cert.display(),
            files.key.display()
        )
    })?;
    Ok(ck)
}

impl Reloading {
    pub fn load(files: Files) -> anyhow::Result<Arc<Reloading>> {
        let st = stamp(&files);
        let ck = load_certified(&files)?;
        Ok(Arc::new(Reloading {
            files,
            current: RwLock::new((Arc::new(ck), st)),
        }))
    }

    pub fn files(&self) -> &Files {
        &self.files
    }

    fn get(&self) -> Arc<CertifiedKey> {
        match self.current.read() {
            Ok(g) => g.0.clone(),
            Err(p) => p.into_inner().0.clone(),
        }
    }

    /// Reloads when the files changed; `Ok(true)` when it did. A pair that
    /// does not load (a key written before its certificate) is retried at
    /// the next call.
    pub fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let st = stamp(&self.files);
        let same = match self.current.read() {
            Ok(g) => g.1 == st,
            Err(p) => p.into_inner().1 == st,
        };
        if same || st.is_none() {
            return Ok(false);
        }
        let ck = load_certified(&self.files)?;
        let mut g = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = (Arc::new(ck), st);
        Ok(true)
    }

    /// Checks the files every half second on a thread of its own (works in
    /// services and blocking tools alike) while `self` lives.
    pub fn watch(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("tls-reload".into())
            .spawn(move || {
                let mut last_error = String::new();
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let Some(r) = me.upgrade() else { return };
                    match r.reload_if_changed() {
                        Ok(true) => {
                            last_error.clear();
                            tracing::info!(cert = %r.files.cert.display(), "TLS certificate reloaded");
                        }
                        Ok(false) => {}
                        Err(e) => {
                            let e = format!("{e:#}");
                            if e != last_error {
                                tracing::debug!(error = %e, "TLS certificate files changed but do not load yet; keeping the previous ones");
                                last_error = e;
                            }
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the TLS certificate watcher");
        }
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }
}

impl ResolvesClientCert for Reloading {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }

    fn has_certs(&self) -> bool {
        true
    }
}
