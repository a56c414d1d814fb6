//! The local CA and the certificates it issues (rcgen).
//!
//! Certificates are made once and reused across `up` runs; one is made again
//! when it is missing, no longer chains to the CA, names other hosts than
//! wanted, or expires within [`RENEW_WITHIN_DAYS`]. Keys are written 0600 in
//! 0700 directories, each file atomically (write, fsync, rename; the key
//! before its certificate, so a watcher never pairs a new certificate with
//! an old key for long: it retries until they match).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

use super::{DOMAIN, Files, Peer, instance_dir, tls_root};
use crate::auth::keys::write_atomic;

/// How long a CA certificate is valid.
pub const CA_VALID_DAYS: i64 = 3650;
/// How long an instance certificate is valid.
pub const LEAF_VALID_DAYS: i64 = 90;
/// A certificate expiring within this many days is made again by `up`.
pub const RENEW_WITHIN_DAYS: i64 = 30;

/// The CA: its certificate (PEM) and what signs with it.
pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its key, PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Ca {
    /// A new CA valid from `now` for [`CA_VALID_DAYS`].
    pub fn generate(now: OffsetDateTime) -> anyhow::Result<(Ca, String)> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "bitcraps local CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(CA_VALID_DAYS);
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok((
            Ca {
                pem: cert.pem(),
                issuer: Issuer::new(params, key),
            },
            key_pem,
        ))
    }

    /// The CA of a certificate and key read back (PEM).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> anyhow::Result<Ca> {
        let key = KeyPair::from_pem(key_pem).context("the CA key does not parse")?;
        let issuer =
            Issuer::from_ca_cert_pem(cert_pem, key).context("the CA certificate does not parse")?;
        Ok(Ca {
            pem: cert_pem.to_string(),
            issuer,
        })
    }

    /// A certificate for `instance` (its role from the name), valid from
    /// `not_before` to `not_after`, for server and client use.
    pub fn issue(
        &self,
        instance: &str,
        ips: &[IpAddr],
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> anyhow::Result<Leaf> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, instance);
        params.subject_alt_names = wanted_names(instance, ips)
            .into_iter()
            .map(|n| match n {
                Name::Dns(d) => d.try_into().map(SanType::DnsName),
                Name::Ip(ip) => Ok(SanType::IpAddress(ip)),
            })
            .collect::<Result<_, _>>()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// A subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Name {
    Dns(String),
    Ip(IpAddr),
}

/// What an instance's certificate names: `<instance>.bitcraps.internal`,
/// `<role>.bitcraps.internal`, the bare instance name, `localhost`,
/// 127.0.0.1 and the given (bind) IPs other than unspecified ones.
pub fn wanted_names(instance: &str, ips: &[IpAddr]) -> BTreeSet<Name> {
    let mut out = BTreeSet::new();
    out.insert(Name::Dns(format!("{instance}.{DOMAIN}")));
    if let Some(role) = Peer::of_instance(instance) {
        out.insert(Name::Dns(role.dns_name()));
    }
    out.insert(Name::Dns(instance.to_string()));
    out.insert(Name::Dns("localhost".to_string()));
    out.insert(Name::Ip(IpAddr::from([127, 0, 0, 1])));
    for ip in ips {
        if !ip.is_unspecified() {
            out.insert(Name::Ip(*ip));
        }
    }
    out
}

/// Why a certificate on disk must be made again, if it must.
pub fn needs_renewal(
    cert_pem: &str,
    ca_pem: &str,
    wanted: &BTreeSet<Name>,
    now: OffsetDateTime,
) -> Option<String> {
    let der = match pem_der(cert_pem) {
        Ok(d) => d,
        Err(e) => return Some(format!("{e:#}")),
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der) else {
        return Some("the certificate does not parse".into());
    };
    let not_after = cert.validity().not_after.timestamp();
    if not_after < (now + Duration::days(RENEW_WITHIN_DAYS)).unix_timestamp() {
        return Some(format!("it expires within {RENEW_WITHIN_DAYS} days"));
    }
    let ca_der = pem_der(ca_pem).ok();
    let ca_subject = ca_der
        .as_deref()
        .and_then(|d| x509_parser::parse_x509_certificate(d).ok())
        .map(|(_, c)| c.subject().as_raw().to_vec());
    let chains = ca_der
        .as_deref()
        .and_then(|d| x509_parser::parse_x509_certificate(d).ok())
        .is_some_and(|(_, ca)| cert.verify_signature(Some(ca.public_key())).is_ok());
    if ca_subject.as_deref() != Some(cert.issuer().as_raw()) || !chains {
        return Some("it was not issued by the current CA".into());
    }
    let mut have = BTreeSet::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => {
                    have.insert(Name::Dns(d.to_string()));
                }
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*b) {
                        have.insert(Name::Ip(IpAddr::from(a)));
                    } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                        have.insert(Name::Ip(IpAddr::from(a)));
                    }
                }
                _ => {}
            }
        }
    }
    if &have != wanted {
        return Some("its names differ from the wanted ones".into());
    }
    None
}

fn pem_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    Ok(CertificateDer::from_pem_slice(pem.as_bytes())
        .context("no certificate in the PEM text")?
        .to_vec())
}

/// Makes a directory 0700.
fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict {}", dir.display()))
}

/// The state dir's CA, made when there is none.
pub fn ensure_ca(state_dir: &Path, now: OffsetDateTime) -> anyhow::Result<Ca> {
    let root = tls_root(state_dir);
    private_dir(&root)?;
    let (cert, key) = (root.join("ca.crt"), root.join("ca.key"));
    if cert.exists() && key.exists() {
        let c = std::fs::read_to_string(&cert)
            .with_context(|| format!("cannot read {}", cert.display()))?;
        let k = std::fs::read_to_string(&key)
            .with_context(|| format!("cannot read {}", key.display()))?;
        return Ca::from_pem(&c, &k).with_context(|| format!("the CA in {}", root.display()));
    }
    let (ca, key_pem) = Ca::generate(now)?;
    write_atomic(&key, key_pem.as_bytes(), 0o600)?;
    write_atomic(&cert, ca.pem.as_bytes(), 0o644)?;
    Ok(ca)
}

/// Makes (or, with `force`, makes again) the certificate of each instance
/// that needs one; returns `(instance, why)` for each made.
pub fn ensure_instances(
    state_dir: &Path,
    instances: &[String],
    ips: &[IpAddr],
    force: bool,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<(String, String)>> {
    let ca = ensure_ca(state_dir, now)?;
    let mut made = Vec::new();
    for instance in instances {
        let dir = instance_dir(state_dir, instance);
        let files = Files::in_dir(&dir);
        let wanted = wanted_names(instance, ips);
        let why = if force {
            Some("rotation".to_string())
        } else if !files.cert.exists() || !files.key.exists() {
            Some("there is none".to_string())
        } else {
            let pem = std::fs::read_to_string(&files.cert)
                .with_context(|| format!("cannot read {}", files.cert.display()))?;
            needs_renewal(&pem, &ca.pem, &wanted, now)
        };
        let ca_copy = std::fs::read_to_string(&files.ca).unwrap_or_default();
        if why.is_none() && ca_copy == ca.pem {
            continue;
        }
        private_dir(&dir)?;
        write_atomic(&files.ca, ca.pem.as_bytes(), 0o644)?;
        if let Some(why) = why {
            let leaf = ca.issue(
                instance,
                ips,
                now - Duration::hours(1),
                now + Duration::days(LEAF_VALID_DAYS),
            )?;
            write_atomic(&files.key, leaf.key_pem.as_bytes(), 0o600)?;
            write_atomic(&files.cert, leaf.cert_pem.as_bytes(), 0o644)?;
            made.push((instance.clone(), why));
        }
    }
    Ok(made)
}
