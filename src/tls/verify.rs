//! Certificate checks beyond "chains to the CA": the name of the role a
//! client expects to reach (whatever host its URL names, so IP-addressed
//! peers work), and the roles a service lets call it.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error, RootCertStore, SignatureScheme};

use super::{ClientIdentity, Peer};

/// The roles among `candidates` a certificate is valid for.
pub fn roles_of(cert: &CertificateDer<'_>, candidates: &[Peer]) -> Vec<Peer> {
    let Ok(parsed) = ParsedCertificate::try_from(cert) else {
        return Vec::new();
    };
    candidates
        .iter()
        .copied()
        .filter(|p| {
            ServerName::try_from(p.dns_name())
                .is_ok_and(|n| verify_server_name(&parsed, &n).is_ok())
        })
        .collect()
}

/// The common name of a certificate (`engine-0`), or empty.
pub fn common_name(cert: &CertificateDer<'_>) -> String {
    x509_parser::parse_x509_certificate(cert)
        .ok()
        .and_then(|(_, c)| {
            c.subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok().map(str::to_string))
        })
        .unwrap_or_default()
}

/// Who a verified client certificate says called `service`.
pub fn identity(cert: &CertificateDer<'_>, service: Peer) -> Option<ClientIdentity> {
    let role = roles_of(cert, service.allowed_callers())
        .into_iter()
        .next()?;
    Some(ClientIdentity {
        role,
        instance: common_name(cert),
    })
}

/// Checks a server's certificate against the CA and one of the expected
/// role names, ignoring the name the connection was opened with.
#[derive(Debug)]
pub struct ExpectRole {
    inner: Arc<WebPkiServerVerifier>,
    expect: Vec<Peer>,
}

impl ExpectRole {
    pub fn new(roots: Arc<RootCertStore>, expect: &[Peer]) -> anyhow::Result<ExpectRole> {
        let inner =
            WebPkiServerVerifier::builder_with_provider(roots, super::provider()).build()?;
        Ok(ExpectRole {
            inner,
            expect: expect.to_vec(),
        })
    }
}

impl ServerCertVerifier for ExpectRole {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let mut last = Error::General("no expected role".into());
        for p in &self.expect {
            let name = ServerName::try_from(p.dns_name())
                .map_err(|e| Error::General(format!("bad role name: {e}")))?;
            match self.inner.verify_server_cert(
                end_entity,
                intermediates,
                &name,
                ocsp_response,
                now,
            ) {
                Ok(v) => return Ok(v),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Checks a client certificate: chained to the CA, its names including a
/// role allowed to call `service`.
#[derive(Debug)]
pub struct AllowRoles {
    inner: Arc<dyn ClientCertVerifier>,
    service: Peer,
}

impl AllowRoles {
    pub fn new(roots: Arc<RootCertStore>, service: Peer) -> anyhow::Result<AllowRoles> {
        let inner =
            rustls::server::WebPkiClientVerifier::builder_with_provider(roots, super::provider())
                .build()?;
        Ok(AllowRoles { inner, service })
    }
}

impl ClientCertVerifier for AllowRoles {
    fn offer_client_auth(&self) -> bool {
        true
    }

    /// Not at the handshake: a client without a certificate gets only the
    /// probe paths ([`super::serve::anonymous_may`]). A certificate that is
    /// presented is verified in full below.
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        let ok = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if identity(end_entity, self.service).is_none() {
            let allowed: Vec<&str> = self
                .service
                .allowed_callers()
                .iter()
                .map(|p| p.name())
                .collect();
            return Err(Error::General(format!(
                "client certificate of {:?} names none of the roles allowed to call the {} ({})",
                common_name(end_entity),
                self.service,
                allowed.join(", ")
            )));
        }
        Ok(ok)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
