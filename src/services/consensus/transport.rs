//! How validators reach each other: `POST /peer` with a signed envelope,
//! over pooled keep-alive HTTP/1.1 connections (one outbound queue and
//! connection per peer, so a slow peer delays only its own messages).
//!
//! Envelope: `{"from": 2, "to": 0, "sent_ms": 1765051200000, "msg": "<the
//! message as a JSON string>", "sig": "<hex>"}` where `sig` is the sender's
//! ed25519 signature over
//! `"bitcraps-peer-v2" || u32 BE len(chain_id) || chain_id || u32 BE from ||
//! u32 BE to || u64 BE sent_ms || SHA-256(msg bytes)`.
//! The receiver checks it against the genesis key of `from`, that it is the
//! recipient `to`, and that `sent_ms` (milliseconds since the Unix epoch on
//! the sender's clock) is within [`MAX_CLOCK_SKEW_MS`] of its own clock,
//! before the protocol sees the message: nobody can speak for a validator,
//! an envelope captured on its way to one validator is refused by every
//! other, and one captured earlier is refused once its window has passed
//! (within it, a replay to its own recipient is a duplicate, which the
//! protocol ignores). Votes inside carry their own signatures as well.

use std::net::SocketAddr;
use std::time::Duration;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::telemetry::trace;

/// How far an envelope's `sent_ms` may be from the receiver's clock.
pub const MAX_CLOCK_SKEW_MS: u64 = 120_000;

/// A signed peer message (`POST /peer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Envelope {
    /// The sender's index in the validator set.
    pub from: u32,
    /// The recipient's index (missing in a malformed envelope: refused).
    #[serde(default = "no_recipient")]
    pub to: u32,
    /// When it was sealed, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub sent_ms: u64,
    /// The protocol message, as the exact JSON text that was signed.
    pub msg: String,
    /// Hex of the sender's 64-byte ed25519 signature (see the module docs
    /// for the signed bytes).
    #[schema(pattern = "^[0-9a-f]{128}$")]
    pub sig: String,
}

fn no_recipient() -> u32 {
    u32::MAX
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("sender {0} is not a member of the validator set")]
    NotMember(u32),
    #[error("malformed signature")]
    Malformed,
    #[error("bad signature from validator {0}")]
    BadSignature(u32),
    #[error("the envelope is for validator {to}, not for this one ({me})")]
    Misdirected { to: u32, me: u32 },
    #[error(
        "the envelope was sealed at {sent_ms} ms, {skew_ms} ms from this validator's clock (at most {MAX_CLOCK_SKEW_MS} ms is accepted)"
    )]
    Stale { sent_ms: u64, skew_ms: u64 },
}

fn sign_bytes(chain_id: &str, from: u32, to: u32, sent_ms: u64, digest: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(16 + 4 + chain_id.len() + 16 + 32);
    b.extend_from_slice(b"bitcraps-peer-v2");
    b.extend_from_slice(&(chain_id.len() as u32).to_be_bytes());
    b.extend_from_slice(chain_id.as_bytes());
    b.extend_from_slice(&from.to_be_bytes());
    b.extend_from_slice(&to.to_be_bytes());
    b.extend_from_slice(&sent_ms.to_be_bytes());
    b.extend_from_slice(digest);
    b
}

pub use crate::clock::unix_ms as now_ms;

impl Envelope {
    pub fn seal(
        chain_id: &str,
        from: u32,
        to: u32,
        sent_ms: u64,
        msg: String,
        key: &SigningKey,
    ) -> Envelope {
        let digest = Sha256::digest(msg.as_bytes());
        Envelope::seal_digested(chain_id, from, to, sent_ms, msg, &digest, key)
    }

    /// [`Envelope::seal`] with the message's SHA-256 already computed (one
    /// message sealed for many recipients is hashed once).
    pub fn seal_digested(
        chain_id: &str,
        from: u32,
        to: u32,
        sent_ms: u64,
        msg: String,
        digest: &[u8],
        key: &SigningKey,
    ) -> Envelope {
        let sig = key.sign(&sign_bytes(chain_id, from, to, sent_ms, digest));
        Envelope {
            from,
            to,
            sent_ms,
            msg,
            sig: hex::encode(sig.to_bytes()),
        }
    }

    /// Checks the envelope against the members' public keys (by index),
    /// that `me` is its recipient and that it was sealed within
    /// [`MAX_CLOCK_SKEW_MS`] of `now_ms`. The sender is authenticated first:
    /// only a proven sender's envelope is reported as misdirected or stale.
    pub fn open(
        &self,
        chain_id: &str,
        members: &[VerifyingKey],
        me: u32,
        now_ms: u64,
    ) -> Result<(), EnvelopeError> {
        let key = members
            .get(self.from as usize)
            .ok_or(EnvelopeError::NotMember(self.from))?;
        let bytes = hex::decode(&self.sig).map_err(|_| EnvelopeError::Malformed)?;
        let sig = Signature::from_slice(&bytes).map_err(|_| EnvelopeError::Malformed)?;
        let digest = Sha256::digest(self.msg.as_bytes());
        key.verify(
            &sign_bytes(chain_id, self.from, self.to, self.sent_ms, &digest),
            &sig,
        )
        .map_err(|_| EnvelopeError::BadSignature(self.from))?;
        if self.to != me {
            return Err(EnvelopeError::Misdirected { to: self.to, me });
        }
        let skew_ms = now_ms.abs_diff(self.sent_ms);
        if skew_ms > MAX_CLOCK_SKEW_MS {
            return Err(EnvelopeError::Stale {
                sent_ms: self.sent_ms,
                skew_ms,
            });
        }
        Ok(())
    }
}

/// Outbound queues to every other validator.
#[derive(Clone)]
pub struct Peers {
    me: u32,
    queues: Vec<Option<mpsc::Sender<Queued>>>,
}

/// Messages waiting for one peer; beyond this, new ones are dropped (the
/// protocol tolerates loss and retransmits through its timeouts).
const QUEUE: usize = 4096;

/// Requests in flight to one peer at a time. One is not enough: a request
/// on a connection whose packets vanish (a partition) waits for its
/// timeout, and TCP retransmits into a healed link only after its backed-off
/// RTO, so every message queued behind it arrived seconds after the heal.
/// With several, the next message takes a fresh connection, which works as
/// soon as the link does. Order between in-flight messages is not kept; the
/// protocol cores take messages in any order (the simulator reorders).
const IN_FLIGHT: usize = 4;

/// A message that waited this long in its peer's queue is dropped instead
/// of sent: the protocol has re-sent what still matters by then (its timers
/// re-broadcast votes, view changes and timeouts), and a backlog from a
/// partition would only delay fresh messages after the heal. Measured from
/// when it was queued, not from `sent_ms` (a `slow` fault holds messages
/// for up to 60 s before queueing them).
const STALE_AFTER: Duration = Duration::from_secs(5);

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether a message that has waited `waited` in the queue is too old to
/// send.
fn stale(waited: Duration) -> bool {
    waited > STALE_AFTER
}

/// A message waiting for its peer: the envelope, the trace it belongs to,
/// and when it was queued.
type Queued = (Envelope, trace::Context, std::time::Instant);

/// One peer's sender: takes messages in order off its queue and keeps up
/// to [`IN_FLIGHT`] of them in flight.
async fn run_link(
    peer: usize,
    url: String,
    client: reqwest::Client,
    mut rx: mpsc::Receiver<Queued>,
) {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let failing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    while let Some((env, parent, queued)) = rx.recv().await {
        if stale(queued.elapsed()) {
            tracing::debug!(peer, "message waited too long for this peer; dropped");
            continue;
        }
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return; // the semaphore is never closed
        };
        let (client, url, failing) = (client.clone(), url.clone(), failing.clone());
        tokio::spawn(async move {
            post(peer, &url, &client, &env, &parent, &failing).await;
            drop(slot);
        });
    }
}

/// Sends one envelope, logging when the peer stops or starts answering.
async fn post(
    peer: usize,
    url: &str,
    client: &reqwest::Client,
    env: &Envelope,
    parent: &trace::Context,
    failing: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering;
    // A client span when the message belongs to a trace.
    let span = if parent.span().span_context().is_valid() {
        trace::client_span(
            parent,
            "POST".to_string(),
            vec![
                KeyValue::new("http.request.method", "POST"),
                KeyValue::new("url.full", url.to_string()),
                KeyValue::new("peer.service", "consensus"),
            ],
            &[],
        )
    } else {
        trace::Context::new()
    };
    let mut headers = axum::http::HeaderMap::new();
    trace::inject(&span, &mut headers);
    let sent = client.post(url).headers(headers).json(env).send().await;
    trace::finish(
        &span,
        sent.as_ref().ok().map(|r| r.status().as_u16()),
        sent.as_ref().err().map(|e| e.to_string()).as_deref(),
    );
    match sent {
        Ok(r) if r.status().is_success() => {
            if failing.swap(false, Ordering::Relaxed) {
                tracing::info!(peer, "peer reachable again");
            }
        }
        Ok(r) => tracing::warn!(peer, status = r.status().as_u16(), "peer refused a message"),
        Err(e) => {
            if !failing.swap(true, Ordering::Relaxed) {
                tracing::warn!(peer, error = %e, "peer unreachable; dropping messages until it answers");
            }
        }
    }
}

impl Peers {
    /// Starts one sender task per peer.
    /// Links to every validator of the set but `me`; a validator with no
    /// known address (`None`) gets no link, and messages to it are dropped.
    pub fn spawn(me: u32, addrs: &[Option<SocketAddr>]) -> anyhow::Result<Peers> {
        let client = crate::tls::transport()
            .reqwest(
                crate::tls::Expect::Role(crate::tls::Peer::Validator),
                reqwest::Client::builder()
                    .pool_max_idle_per_host(IN_FLIGHT)
                    .pool_idle_timeout(Duration::from_secs(90))
                    .tcp_nodelay(true)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(Duration::from_secs(5)),
            )
            .build()?;
        let mut queues = Vec::with_capacity(addrs.len());
        for (i, addr) in addrs.iter().enumerate() {
            let Some(addr) = addr.filter(|_| i as u32 != me) else {
                queues.push(None);
                continue;
            };
            let (tx, rx) = mpsc::channel::<Queued>(QUEUE);
            let url = format!("{}/peer", crate::tls::transport().base(addr));
            tokio::spawn(run_link(i, url, client.clone(), rx));
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
            && q.try_send((env, trace::Context::current(), std::time::Instant::now()))
                .is_err()
        {
            tracing::warn!(peer = to, "outbound queue full; message dropped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_waited_longer_than_the_bound_is_not_sent() {
        assert!(!stale(Duration::ZERO));
        assert!(!stale(STALE_AFTER));
        assert!(stale(STALE_AFTER + Duration::from_millis(1)));
    }

    fn key(i: u8) -> SigningKey {
        SigningKey::from_bytes(&[i; 32])
    }

    #[test]
    fn only_the_member_with_the_key_can_send_as_itself() {
        let keys: Vec<SigningKey> = (1..=4).map(key).collect();
        let members: Vec<VerifyingKey> = keys.iter().map(|k| k.verifying_key()).collect();
        let now = 1_765_000_000_000;
        let env = Envelope::seal("chain", 2, 0, now, "{\"x\":1}".into(), &keys[2]);
        assert_eq!(env.open("chain", &members, 0, now), Ok(()));
        // Claims to be someone else.
        let forged = Envelope {
            from: 1,
            ..env.clone()
        };
        assert_eq!(
            forged.open("chain", &members, 0, now),
            Err(EnvelopeError::BadSignature(1))
        );
        // Altered message.
        let altered = Envelope {
            msg: "{\"x\":2}".into(),
            ..env.clone()
        };
        assert_eq!(
            altered.open("chain", &members, 0, now),
            Err(EnvelopeError::BadSignature(2))
        );
        // Another chain.
        assert!(env.open("other-chain", &members, 0, now).is_err());
        // Not a member, malformed signature.
        let stranger = Envelope::seal("chain", 9, 0, now, "{}".into(), &key(9));
        assert_eq!(
            stranger.open("chain", &members, 0, now),
            Err(EnvelopeError::NotMember(9))
        );
        let junk = Envelope {
            sig: "zz".into(),
            ..env.clone()
        };
        assert_eq!(
            junk.open("chain", &members, 0, now),
            Err(EnvelopeError::Malformed)
        );
    }

    /// An envelope captured on its way to one validator is refused by every
    /// other; re-addressing or re-dating it breaks the signature; one sealed
    /// outside the clock window is refused.
    #[test]
    fn an_envelope_counts_only_at_its_recipient_and_in_its_time() {
        let keys: Vec<SigningKey> = (1..=4).map(key).collect();
        let members: Vec<VerifyingKey> = keys.iter().map(|k| k.verifying_key()).collect();
        let now = 1_765_000_000_000;
        let env = Envelope::seal("chain", 2, 0, now, "{}".into(), &keys[2]);
        assert_eq!(
            env.open("chain", &members, 3, now),
            Err(EnvelopeError::Misdirected { to: 0, me: 3 })
        );
        let readdressed = Envelope {
            to: 3,
            ..env.clone()
        };
        assert_eq!(
            readdressed.open("chain", &members, 3, now),
            Err(EnvelopeError::BadSignature(2))
        );
        let redated = Envelope {
            sent_ms: now + 1,
            ..env.clone()
        };
        assert_eq!(
            redated.open("chain", &members, 0, now),
            Err(EnvelopeError::BadSignature(2))
        );
        assert_eq!(
            env.open("chain", &members, 0, now + MAX_CLOCK_SKEW_MS),
            Ok(())
        );
        assert!(matches!(
            env.open("chain", &members, 0, now + MAX_CLOCK_SKEW_MS + 1),
            Err(EnvelopeError::Stale { .. })
        ));
        assert!(matches!(
            env.open("chain", &members, 0, now - MAX_CLOCK_SKEW_MS - 1),
            Err(EnvelopeError::Stale { .. })
        ));
    }
}
