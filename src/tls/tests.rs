#![allow(clippy::unwrap_used)]

use super::issue::{Ca, needs_renewal, wanted_names};
use super::verify::roles_of;
use super::*;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use time::{Duration, OffsetDateTime};

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
}

#[test]
fn instance_names_map_to_roles() {
    assert_eq!(Peer::of_instance("engine-0"), Some(Peer::Engine));
    assert_eq!(Peer::of_instance("validator-12"), Some(Peer::Validator));
    assert_eq!(Peer::of_instance("wallet"), Some(Peer::Wallet));
    assert_eq!(Peer::of_instance("wallet-1"), Some(Peer::Wallet));
    assert_eq!(Peer::of_instance("gateway"), Some(Peer::Gateway));
    assert_eq!(Peer::of_instance("cli"), Some(Peer::Cli));
    assert_eq!(Peer::of_instance("mallory-1"), None);
}

#[test]
fn who_may_call_whom() {
    assert_eq!(Peer::Engine.allowed_callers(), &[Peer::Gateway, Peer::Cli]);
    assert!(!Peer::Engine.allowed_callers().contains(&Peer::Validator));
    assert!(!Peer::Wallet.allowed_callers().contains(&Peer::Validator));
    assert!(Peer::Validator.allowed_callers().contains(&Peer::Validator));
}

#[test]
fn a_certificate_is_valid_for_its_role_and_no_other() {
    let now = OffsetDateTime::now_utc();
    let (ca, _) = Ca::generate(now).unwrap();
    let leaf = ca
        .issue(
            "validator-2",
            &["10.0.0.7".parse().unwrap()],
            now,
            now + Duration::days(1),
        )
        .unwrap();
    let c = der(&leaf.cert_pem);
    assert_eq!(roles_of(&c, &Peer::ALL), vec![Peer::Validator]);
    assert_eq!(verify::common_name(&c), "validator-2");
    assert!(verify::identity(&c, Peer::Engine).is_none());
    assert_eq!(
        verify::identity(&c, Peer::Wallet),
        None,
        "a validator may not call the wallet"
    );
    assert_eq!(
        verify::identity(&c, Peer::Validator).unwrap().role,
        Peer::Validator
    );
}

#[test]
fn renewal_when_expiring_renamed_or_from_another_ca() {
    let now = OffsetDateTime::now_utc();
    let (ca, _) = Ca::generate(now).unwrap();
    let ips = ["10.0.0.7".parse().unwrap()];
    let wanted = wanted_names("engine-0", &ips);
    let fresh = ca
        .issue("engine-0", &ips, now, now + Duration::days(90))
        .unwrap();
    assert_eq!(needs_renewal(&fresh.cert_pem, &ca.pem, &wanted, now), None);
    let soon = ca
        .issue("engine-0", &ips, now, now + Duration::days(5))
        .unwrap();
    assert!(needs_renewal(&soon.cert_pem, &ca.pem, &wanted, now).is_some());
    let other_ips = wanted_names("engine-0", &[]);
    assert!(needs_renewal(&fresh.cert_pem, &ca.pem, &other_ips, now).is_some());
    let (other, _) = Ca::generate(now).unwrap();
    assert!(needs_renewal(&fresh.cert_pem, &other.pem, &wanted, now).is_some());
}

#[test]
fn up_makes_files_once_with_private_modes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let now = OffsetDateTime::now_utc();
    let names = vec!["engine-0".to_string(), "cli".to_string()];
    let made = issue::ensure_instances(dir.path(), &names, &[], false, now).unwrap();
    assert_eq!(made.len(), 2);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&tls_root(dir.path()).join("ca.key")), 0o600);
    assert_eq!(mode(&tls_root(dir.path())), 0o700);
    let f = Files::in_dir(&instance_dir(dir.path(), "engine-0"));
    assert_eq!(mode(&f.key), 0o600);
    assert_eq!(mode(&instance_dir(dir.path(), "engine-0")), 0o700);
    let again = issue::ensure_instances(dir.path(), &names, &[], false, now).unwrap();
    assert!(again.is_empty(), "reused, not made again: {again:?}");
    let rotated = issue::ensure_instances(dir.path(), &names, &[], true, now).unwrap();
    assert_eq!(rotated.len(), 2);
    Transport::mtls(f).unwrap();
}
