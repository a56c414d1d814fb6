//! How validators reach each other: `POST /peer` with a signed envelope,
//! over pooled keep-alive HTTP/1.1 connections (one outbound queue and
//! connection per peer, so a slow peer delays only its own messages).
//!
//! Envelope: `{"from": 2, "msg": "<the message as a JSON string>", "sig": "<hex>"}`
//! where `sig` is the sender's ed25519 signature over
//! `"bitcraps-peer-v1" || u32 BE len(chain_id) || chain_id || u32 BE from || SHA-256(msg bytes)`.
//! The receiver checks it against the genesis key of `from` before the
//! protocol sees the message, so nobody can speak for a validator; votes
//! inside carry their own signatures as well.

use std::net::SocketAddr;
use std::time::Duration;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::telemetry::trace;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: u32,
    /// The protocol message, as the exact JSON text that was signed.
    pub msg: String,
    /// Hex of the 64-byte signature.
    pub sig: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("sender {0} is not a member of the validator set")]
    NotMember(u32),
    #[error("malformed signature")]
    Malformed,
    #[error("bad signature from validator {0}")]
    BadSignature(u32),
}

fn sign_bytes(chain_id: &str, from: u32, msg: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(16 + chain_id.len() + 4 + 32);
    b.extend_from_slice(b"bitcraps-peer-v1");
    b.extend_from_slice(&(chain_id.len() as u32).to_be_bytes());
    b.extend_from_slice(chain_id.as_bytes());
    b.extend_from_slice(&from.to_be_bytes());
    b.extend_from_slice(&Sha256::digest(msg.as_bytes()));
    b
}

impl Envelope {
    pub fn seal(chain_id: &str, from: u32, msg: String, key: &SigningKey) -> Envelope {
        let sig = key.sign(&sign_bytes(chain_id, from, &msg));
        Envelope {
            from,
            msg,
            sig: hex::encode(sig.to_bytes()),
        }
    }

    /// Checks the envelope against the members' public keys (by index).
    pub fn open(&self, chain_id: &str, members: &[VerifyingKey]) -> Result<(), EnvelopeError> {
        let key = members
            .get(self.from as usize)
            .ok_or(EnvelopeError::NotMember(self.from))?;
        let bytes = hex::decode(&self.sig).map_err(|_| EnvelopeError::Malformed)?;
        let sig = Signature::from_slice(&bytes).map_err(|_| EnvelopeError::Malformed)?;
        key.verify(&sign_bytes(chain_id, self.from, &self.msg), &sig)
            .map_err(|_| EnvelopeError::BadSignature(self.from))
    }
}

/// Outbound queues to every other validator.
#[derive(Clone)]
pub struct Peers {
    me: u32,
    queues: Vec<Option<mpsc::Sender<(Envelope, trace::Context)>>>,
}

/// Messages waiting for one peer; beyond this, new ones are dropped (the
/// protocol tolerates loss and retransmits through its timeouts).
const QUEUE: usize = 4096;

impl Peers {
    /// Starts one sender task per peer.
    /// Links to every validator of the set but `me`; a validator with no
    /// known address (`None`) gets no link, and messages to it are dropped.
    pub fn spawn(me: u32, addrs: &[Option<SocketAddr>]) -> anyhow::Result<Peers> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(4)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(5))
            .build()?;
        let mut queues = Vec::with_capacity(addrs.len());
        for (i, addr) in addrs.iter().enumerate() {
            let Some(addr) = addr.filter(|_| i as u32 != me) else {
                queues.push(None);
                continue;
            };
            let (tx, mut rx) = mpsc::channel::<(Envelope, trace::Context)>(QUEUE);
            let client = client.clone();
            let url = format!("http://{addr}/peer");
            tokio::spawn(async move {
                let mut failing = false;
                while let Some((env, parent)) = rx.recv().await {
                    // A client span when the message belongs to a trace.
                    let span = if parent.span().span_context().is_valid() {
                        trace::client_span(
                            &parent,
                            "POST".to_string(),
                            vec![
                                KeyValue::new("http.request.method", "POST"),
                                KeyValue::new("url.full", url.clone()),
                                KeyValue::new("peer.service", "consensus"),
                            ],
                            &[],
                        )
                    } else {
                        trace::Context::new()
                    };
                    let mut headers = axum::http::HeaderMap::new();
                    trace::inject(&span, &mut headers);
                    let sent = client.post(&url).headers(headers).json(&env).send().await;
                    trace::finish(
                        &span,
                        sent.as_ref().ok().map(|r| r.status().as_u16()),
                        sent.as_ref().err().map(|e| e.to_string()).as_deref(),
                    );
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            if failing {
                                tracing::info!(peer = i, "peer reachable again");
                                failing = false;
                            }
                        }
                        Ok(r) => tracing::warn!(
                            peer = i,
                            status = r.status().as_u16(),
                            "peer refused a message"
                        ),
                        Err(e) => {
                            if !failing {
                                tracing::warn!(peer = i, error = %e, "peer unreachable; dropping messages until it answers");
                                failing = true;
                            }
                        }
                    }
                }
            });
            queues.push(Some(tx));
        }
        Ok(Peers { me, queues })
    }

    pub fn me(&self) -> u32 {
        self.me
    }

    /// Queues `env` for peer `to`, in the current trace; a full queue drops it.
    pub fn send(&self, to: u32, env: Envelope) {
        if let Some(Some(q)) = self.queues.get(to as usize)
            && q.try_send((env, trace::Context::current())).is_err()
        {
            tracing::warn!(peer = to, "outbound queue full; message dropped");
        }
    }

    pub fn broadcast(&self, env: &Envelope) {
        for (i, q) in self.queues.iter().enumerate() {
            if q.is_some() {
                self.send(i as u32, env.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u8) -> SigningKey {
        SigningKey::from_bytes(&[i; 32])
    }

    #[test]
    fn only_the_member_with_the_key_can_send_as_itself() {
        let keys: Vec<SigningKey> = (1..=4).map(key).collect();
        let members: Vec<VerifyingKey> = keys.iter().map(|k| k.verifying_key()).collect();
        let env = Envelope::seal("chain", 2, "{\"x\":1}".into(), &keys[2]);
        assert_eq!(env.open("chain", &members), Ok(()));
        // Claims to be someone else.
        let forged = Envelope {
            from: 1,
            ..env.clone()
        };
        assert_eq!(
            forged.open("chain", &members),
            Err(EnvelopeError::BadSignature(1))
        );
        // Altered message.
        let altered = Envelope {
            msg: "{\"x\":2}".into(),
            ..env.clone()
        };
        assert_eq!(
            altered.open("chain", &members),
            Err(EnvelopeError::BadSignature(2))
        );
        // Another chain.
        assert!(env.open("other-chain", &members).is_err());
        // Not a member, malformed signature.
        let stranger = Envelope::seal("chain", 9, "{}".into(), &key(9));
        assert_eq!(
            stranger.open("chain", &members),
            Err(EnvelopeError::NotMember(9))
        );
        let junk = Envelope {
            sig: "zz".into(),
            ..env
        };
        assert_eq!(junk.open("chain", &members), Err(EnvelopeError::Malformed));
    }
}
