//! Mutual TLS with pinned certificates: each node accepts exactly the certificates the
//! federation file pins for its peers, and nothing else.
//!
//! There is no certificate authority and no hostname check. A peer is identified by the
//! SHA-256 fingerprint of its certificate's DER encoding (the same definition as
//! `samen keygen` prints). The custom verifiers below compare that fingerprint with the
//! pinned one and then check the TLS 1.3 `CertificateVerify` signature with the `ring`
//! provider's `verify_tls13_signature`, so the peer has proven it holds the private key
//! of the pinned certificate. Certificate validity dates are not checked: the pin, not a
//! date, is the trust decision (replace a certificate by changing the federation file).
//!
//! Cost: one signature verification per handshake. Reveals: a node's certificate to
//! whoever connects to it (certificates are public; the fingerprints are in the federation
//! file anyway).

use std::sync::{Arc, Mutex};

use quinn::crypto::rustls::{QuicClientConfig, QuicServerConfig};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls13_signature, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::config::TransportError;

/// ALPN protocol of a node-to-node job connection.
pub const ALPN_MESH: &[u8] = b"samen/1";
/// ALPN protocol of a `samen federation ping` connection.
pub const ALPN_PING: &[u8] = b"samen-ping/1";

/// SHA-256 of a certificate's DER encoding: how the federation file pins a node (the
/// same function `samen keygen` prints, re-exported from [`crate::keys`]).
pub use crate::keys::cert_fingerprint;

/// The `ring` crypto provider (no aws-lc).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// One pinned peer certificate.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pin {
    /// SHA-256 of the certificate's DER.
    pub(crate) fingerprint: [u8; 32],
}

/// What a verifier saw when it refused a certificate, for a clear error afterwards.
#[derive(Default, Debug)]
pub(crate) struct Rejections {
    /// The fingerprint of the last refused certificate.
    pub(crate) last: Mutex<Option<[u8; 32]>>,
}

impl Rejections {
    pub(crate) fn take(&self) -> Option<[u8; 32]> {
        self.last.lock().map(|mut g| g.take()).unwrap_or(None)
    }

    fn note(&self, fingerprint: [u8; 32]) {
        if let Ok(mut g) = self.last.lock() {
            *g = Some(fingerprint);
        }
    }
}

/// Accepts the certificate of exactly the pinned server (the peer we dial).
#[derive(Debug)]
struct PinnedServerVerifier {
    pin: Pin,
    algorithms: WebPkiSupportedAlgorithms,
    rejections: Arc<Rejections>,
}

impl ServerCertVerifier for PinnedServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check_pinned(end_entity, &[self.pin.fingerprint], &self.rejections)
            .map(|()| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(TLS12_REFUSED)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Accepts client certificates pinned for any of `pins` (which peer it was is decided
/// after the handshake from the fingerprint); requires a client certificate.
#[derive(Debug)]
struct PinnedClientVerifier {
    pins: Vec<Pin>,
    algorithms: WebPkiSupportedAlgorithms,
    rejections: Arc<Rejections>,
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let pins: Vec<[u8; 32]> = self.pins.iter().map(|p| p.fingerprint).collect();
        check_pinned(end_entity, &pins, &self.rejections).map(|()| ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(TLS12_REFUSED)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }
}

/// QUIC runs TLS 1.3 only; a TLS 1.2 signature is never checked.
const TLS12_REFUSED: rustls::Error =
    rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls13RequiredForQuic);

/// The one trust decision of both verifiers: the certificate's SHA-256 fingerprint must be
/// one of the pinned ones; a refused fingerprint is noted for the error message.
fn check_pinned(
    end_entity: &CertificateDer<'_>,
    pins: &[[u8; 32]],
    rejections: &Rejections,
) -> Result<(), rustls::Error> {
    let seen = cert_fingerprint(end_entity.as_ref());
    if pins.contains(&seen) {
        Ok(())
    } else {
        rejections.note(seen);
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    }
}

fn own_identity(
    cert_der: &[u8],
    key_der: &[u8],
) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let chain = vec![CertificateDer::from(cert_der.to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der.to_vec()));
    (chain, key)
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> TransportError {
    TransportError::Tls(format!("{what}: {e}"))
}

/// The client side when dialing `pin.party`: presents our certificate and accepts only
/// `pin`'s certificate.
pub(crate) fn client_config(
    cert_der: &[u8],
    key_der: &[u8],
    pin: Pin,
    alpn: &[u8],
    rejections: Arc<Rejections>,
) -> Result<QuicClientConfig, TransportError> {
    let provider = provider();
    let verifier = PinnedServerVerifier {
        pin,
        algorithms: provider.signature_verification_algorithms,
        rejections,
    };
    let (chain, key) = own_identity(cert_der, key_der);
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls_error("TLS 1.3 with the ring provider", e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls_error("our certificate or private key (PKCS#8 DER) is unusable", e))?;
    config.alpn_protocols = vec![alpn.to_vec()];
    QuicClientConfig::try_from(config).map_err(|e| tls_error("QUIC client configuration", e))
}

/// The server side: presents our certificate and requires a client certificate pinned
/// for one of `pins`. Offers both the job and the ping protocol.
pub(crate) fn server_config(
    cert_der: &[u8],
    key_der: &[u8],
    pins: Vec<Pin>,
    rejections: Arc<Rejections>,
) -> Result<QuicServerConfig, TransportError> {
    let provider = provider();
    let verifier = PinnedClientVerifier {
        pins,
        algorithms: provider.signature_verification_algorithms,
        rejections,
    };
    let (chain, key) = own_identity(cert_der, key_der);
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| tls_error("TLS 1.3 with the ring provider", e))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("our certificate or private key (PKCS#8 DER) is unusable", e))?;
    config.alpn_protocols = vec![ALPN_MESH.to_vec(), ALPN_PING.to_vec()];
    QuicServerConfig::try_from(config).map_err(|e| tls_error("QUIC server configuration", e))
}

/// The fingerprint of the certificate the peer presented on an established connection.
pub(crate) fn peer_fingerprint(connection: &quinn::Connection) -> Option<[u8; 32]> {
    let identity = connection.peer_identity()?;
    let chain = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    chain.first().map(|c| cert_fingerprint(c.as_ref()))
}

/// The ALPN protocol negotiated on an established connection.
pub(crate) fn negotiated_alpn(connection: &quinn::Connection) -> Option<Vec<u8>> {
    let data = connection.handshake_data()?;
    let data = data
        .downcast::<quinn::crypto::rustls::HandshakeData>()
        .ok()?;
    data.protocol
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sha256_of_der() {
        // SHA-256 of the empty string.
        assert_eq!(
            hex::encode(cert_fingerprint(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
