//! The validator's HTTP API: proposals, peer transport, votes, status,
//! blocks with their quorum certificates, evidence.

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::node::Node;
use super::protocol::limits::{MAX_PROPOSAL_BYTES, max_envelope_bytes};
use super::protocol::set_change::{Approval, SET_CHANGE_KIND, SetChange, SetChangePayload};
use super::protocol::types::Attestation;
use super::protocol::{Message, Phase, Proposal, Vote};
use super::transport::{Envelope, EnvelopeError, now_ms};
use crate::auth::Role;
use crate::services::common::extract::{
    ApiJson, ApiPath, ApiQuery, Caller, TokenVerifier, json_within,
};
use crate::services::common::{Problem, ServiceContext};

#[derive(Clone)]
pub struct ConsensusState {
    /// The node of the current epoch (replaced when the set changes).
    pub slot: super::epoch::Slot,
    pub secret: TokenVerifier,
    pub wait_timeout: Duration,
    /// `POST /fault` is served (fault injection enabled).
    pub fault_injection: bool,
}

impl ConsensusState {
    fn node(&self) -> Node {
        match self.slot.read() {
            Ok(n) => n.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Proposes on the current epoch's node. Between one epoch's core
    /// stopping (its last block changed the set) and the next one's
    /// starting, a proposal waits for the next (up to `EPOCH_SWITCH`)
    /// instead of failing.
    async fn propose(
        &self,
        proposal: Proposal,
        wait: bool,
        client: Option<String>,
    ) -> anyhow::Result<Option<tokio::sync::oneshot::Receiver<super::node::Committed>>> {
        const EPOCH_SWITCH: Duration = Duration::from_secs(5);
        let deadline = tokio::time::Instant::now() + EPOCH_SWITCH;
        loop {
            let node = self.node();
            match node.propose(proposal.clone(), wait, client.clone()).await {
                Err(_)
                    if !node.retired
                        && node.core_stopped()
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                r => return r,
            }
        }
    }
}

impl FromRef<ConsensusState> for TokenVerifier {
    fn from_ref(s: &ConsensusState) -> TokenVerifier {
        s.secret.clone()
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        propose,
        get_proposal,
        get_block,
        status,
        evidence,
        vote,
        get_fault,
        set_fault,
        get_validators,
        change_validators,
        peer
    ),
    components(schemas(
        ProposeRequest,
        FaultRequest,
        Vote,
        Phase,
        Envelope,
        SetChangePayload,
        SetChange,
        Approval,
        BlockAnswer,
        BlockDoc,
        ProposalDoc,
        QcDoc,
        QcSignatureDoc,
        CommitProofDoc,
        ProposalAnswer,
        ValidatorsAnswer,
        MemberDoc,
        EpochDoc,
        StatusAnswer,
        StatusMemberDoc,
        LastVoteDoc,
        EvidenceAnswer,
        EvidenceDoc,
        DuplicateVoteDoc
    ))
)]
pub struct ConsensusApi;

pub fn routes(state: ConsensusState) -> Router<ServiceContext> {
    Router::new()
        .route(
            "/propose",
            post(propose).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/proposals/{id}", get(get_proposal))
        .route("/blocks/{height}", get(get_block))
        .route("/status", get(status))
        .route("/evidence", get(evidence))
        .route("/vote", post(vote))
        .route(
            "/peer",
            post(peer).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/fault", get(get_fault).post(set_fault))
        .route("/validators", get(get_validators).post(change_validators))
        .with_state(state)
}

/// `POST /propose` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposeRequest {
    /// Any JSON value; it is ordered, not interpreted.
    #[schema(schema_with = any_json)]
    payload: Value,
    /// What the payload is (`game.*` from engines, `wallet.*` from the
    /// wallet; anything else from any caller).
    #[schema(min_length = 1, max_length = 128)]
    kind: Option<String>,
    /// The signature of the service a `game.*` or `wallet.*` record is
    /// from (required for those kinds, refused on any other).
    #[schema(value_type = Option<AttestationDoc>)]
    attestation: Option<Attestation>,
}

/// A service's Ed25519 signature over a record (see the README's block
/// encoding: `record`).
#[derive(ToSchema)]
#[allow(dead_code)]
struct AttestationDoc {
    /// The service: `engine-N` or `wallet`, the key set's `bitcraps_sub`.
    #[schema(min_length = 1, max_length = 128)]
    signer: String,
    /// The key set's `kid` of the key that signed.
    #[schema(min_length = 1, max_length = 128)]
    kid: String,
    /// The signature, 128 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{128}$")]
    sig: String,
}

/// A committed block (the README gives the encoding its hash covers).
#[derive(ToSchema)]
#[allow(dead_code)]
struct BlockDoc {
    height: u64,
    /// The view (round) in which the block was first proposed.
    view: u64,
    /// The previous block's hash, 64 lowercase hex digits (zeros for the
    /// first block).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    parent_hash: String,
    /// The proposer's index in the validator set of the block's epoch.
    proposer: u32,
    proposals: Vec<ProposalDoc>,
}

/// A proposal inside a block.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ProposalDoc {
    id: String,
    #[schema(schema_with = any_json)]
    payload: Value,
    kind: Option<String>,
    attestation: Option<AttestationDoc>,
}

/// One signer of a quorum certificate.
#[derive(ToSchema)]
#[allow(dead_code)]
struct QcSignatureDoc {
    validator: u32,
    /// ed25519 over the vote bytes, 128 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{128}$")]
    signature: String,
}

/// Signatures of validators holding more than 2/3 of the power over one
/// (chain, epoch, height, view, phase, block hash).
#[derive(ToSchema)]
#[allow(dead_code)]
struct QcDoc {
    chain_id: String,
    epoch: u64,
    height: u64,
    view: u64,
    phase: Phase,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    block_hash: String,
    signatures: Vec<QcSignatureDoc>,
}

/// HotStuff: the certified blocks above a committed one and the QC of the
/// last, which prove it final (its own QC does not).
#[derive(ToSchema)]
#[allow(dead_code)]
struct CommitProofDoc {
    blocks: Vec<BlockDoc>,
    qc: QcDoc,
}

/// `GET /blocks/{height}`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct BlockAnswer {
    height: u64,
    /// The block's hash, 64 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    hash: String,
    block: BlockDoc,
    /// Its commit certificate.
    qc: QcDoc,
    /// HotStuff only, where stored.
    commit_proof: Option<CommitProofDoc>,
}

/// `GET /proposals/{id}`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ProposalAnswer {
    proposal_id: String,
    /// `committed` or `pending`.
    #[schema(pattern = "^(committed|pending)$")]
    status: String,
    /// The committing block's height (committed only).
    height: Option<u64>,
    /// The committing block's hash, 64 lowercase hex digits (committed
    /// only).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    block_hash: Option<String>,
}

/// A member of the current validator set.
#[derive(ToSchema)]
#[allow(dead_code)]
struct MemberDoc {
    /// Its index: the `validator` field of its votes.
    index: u32,
    id: String,
    /// ed25519 public key, 64 lowercase hex digits.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    public_key: String,
    power: u64,
    /// Where its peers reach it, when known (`host:port`).
    address: Option<String>,
}

/// An epoch of the chain: the set in force from `from_height` on.
#[derive(ToSchema)]
#[allow(dead_code)]
struct EpochDoc {
    epoch: u64,
    from_height: u64,
    /// How many validators it had.
    validators: u64,
}

/// `GET /validators`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ValidatorsAnswer {
    epoch: u64,
    chain_id: String,
    /// Keys whose signature a set change needs, 64 lowercase hex digits each.
    governance_keys: Vec<String>,
    /// The smallest set a change may leave (3f+1), from the genesis.
    min_validators: u64,
    /// Whether this validator has left the set.
    retired: bool,
    validators: Vec<MemberDoc>,
    changes: Vec<EpochDoc>,
}

/// Two validly signed votes by one validator for one signing slot naming
/// different blocks.
#[derive(ToSchema)]
#[allow(dead_code)]
struct DuplicateVoteDoc {
    /// `duplicate_vote`.
    #[schema(pattern = "^duplicate_vote$")]
    r#type: String,
    a: Vote,
    b: Vote,
}

/// One offence as `GET /evidence` lists it.
#[derive(ToSchema)]
#[allow(dead_code)]
struct EvidenceDoc {
    key: String,
    /// `duplicate_vote`.
    kind: String,
    /// The offender's index.
    validator: u32,
    evidence: DuplicateVoteDoc,
    /// The validator that recorded it.
    recorded_by: u32,
    /// The height of the block that carries it, once committed.
    committed_height: Option<u64>,
}

/// `GET /evidence`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct EvidenceAnswer {
    evidence: Vec<EvidenceDoc>,
}

/// What one validator last signed, as `/status` shows it.
#[derive(ToSchema)]
#[allow(dead_code)]
struct LastVoteDoc {
    height: u64,
    view: u64,
    phase: Phase,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    block_hash: String,
}

/// A member as `/status` sees it.
#[derive(ToSchema)]
#[allow(dead_code)]
struct StatusMemberDoc {
    index: u32,
    id: String,
    #[schema(pattern = "^[0-9a-f]{64}$")]
    public_key: String,
    power: u64,
    is_self: bool,
    last_vote: Option<LastVoteDoc>,
    /// Since its last message that verified (none yet: null).
    last_seen_ms_ago: Option<u64>,
    /// Its refused messages by reason (only where it is proven the sender).
    rejected: std::collections::BTreeMap<String, u64>,
}

/// `GET /status`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct StatusAnswer {
    /// `pbft`, `tendermint` or `hotstuff`.
    algorithm: String,
    chain_id: String,
    epoch: u64,
    /// This validator's index.
    validator: u32,
    /// The next height to commit.
    height: u64,
    last_committed_height: u64,
    /// Null before the first block.
    last_committed_hash: Option<String>,
    /// The view (round) of the current height.
    view: u64,
    leader: u32,
    leader_id: Option<String>,
    /// Proposals waiting here.
    pending: u64,
    evidence_count: u64,
    /// Refusals whose sender is not proven, by reason.
    unauthenticated_rejected: std::collections::BTreeMap<String, u64>,
    retired: bool,
    /// The injected faults in force (see `GET /fault`).
    #[schema(schema_with = any_json)]
    fault: Value,
    validators: Vec<StatusMemberDoc>,
}

/// Any JSON value, spelled as every JSON type (OAS 3.1), so the document
/// reads back (utoipa cannot read an empty schema).
fn any_json() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![
            Type::Object,
            Type::Array,
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Null,
        ]))
        .description(Some("Any JSON value; it is ordered, not interpreted."))
        .build()
}

/// Body limit of `POST /propose`: a proposal's limit and room for the
/// request's whitespace; the proposal made of it is checked exactly.
pub const PROPOSE_BODY_LIMIT: usize = MAX_PROPOSAL_BYTES + 4096;

/// Kinds only the validators themselves put in blocks.
const RESERVED_KINDS: [&str; 2] = [SET_CHANGE_KIND, super::committed::EVIDENCE_KIND];

pub use super::records::SERVICE_KINDS;

fn may_propose_kind(caller: &crate::auth::Claims, kind: &str) -> Result<(), Problem> {
    for (prefix, owner) in SERVICE_KINDS {
        if kind.starts_with(prefix) && caller.role != owner && caller.role != Role::Admin {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                format!(
                    "proposal kind {kind:?} belongs to the {owner} service; {} is a {}",
                    caller.sub, caller.role
                ),
            ));
        }
    }
    Ok(())
}

/// An engine calls only with records of its own games
/// ([`super::records::engine_owns`]); checked on the caller as well as on
/// the signer, so it holds under the HS256 opt-in, where records go
/// unsigned.
fn engine_records_are_its_own(
    caller: &crate::auth::Claims,
    kind: &str,
    payload: &Value,
) -> Result<(), Problem> {
    if caller.role != Role::Engine || !kind.starts_with("game.") {
        return Ok(());
    }
    super::records::engine_owns(&caller.sub, kind, payload)
        .map_err(|why| Problem::new(StatusCode::FORBIDDEN, why))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Answer only once the proposal is committed (200), or 504.
    #[serde(default)]
    wait: bool,
}

/// Submits a proposal: 202 `{proposal_id}`, or with `?wait=true` 200 once
/// committed `{proposal_id, height, block_hash, qc}`.
#[utoipa::path(post, path = "/propose", tag = "consensus", request_body = ProposeRequest, params(WaitQuery),
    responses((status = 202, description = "Accepted"), (status = 200, description = "Committed (wait=true)"),
              (status = 400, description = "Malformed query (wait must be true or false) or JSON"), (status = 401), (status = 403, description = "A game.* kind from other than an engine, or wallet.* from other than the wallet; a game.* or wallet.* record without its service's valid attestation (or an engine's naming another engine's game); an attestation on any other kind"),
              (status = 413, description = "The proposal exceeds 65,536 bytes"),
              (status = 422, description = "Malformed proposal"),
              (status = 429, description = "The caller already has consensus.client_max_pending proposals (or 4 MiB) waiting here; see Retry-After"),
              (status = 504, description = "Not committed in time")))]
async fn propose(
    State(s): State<ConsensusState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<WaitQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    // Read here rather than by a body-limit layer, which answers 413 before
    // the client has sent its body and closes: the client then sees a
    // broken connection, not the 413.
    let req: ProposeRequest =
        json_within(&headers, body, PROPOSE_BODY_LIMIT, "proposal request").await?;
    if let Some(kind) = req.kind.as_deref()
        && RESERVED_KINDS.contains(&kind)
    {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "proposal kind {kind:?} is reserved: validator set changes go through POST /validators, evidence is proposed by the validators"
            ),
        ));
    }
    if let Some(kind) = req.kind.as_deref() {
        may_propose_kind(&caller.0, kind)?;
        engine_records_are_its_own(&caller.0, kind, &req.payload)?;
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut proposal = Proposal::new(id.clone(), req.payload);
    proposal.kind = req.kind;
    proposal.attestation = req.attestation;
    let size = proposal.wire_size();
    if size > MAX_PROPOSAL_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the proposal is {size} bytes (its compact JSON with its id), more than the limit of {MAX_PROPOSAL_BYTES}"
            ),
        ));
    }
    proposal
        .validate()
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    // A service's record is admitted only with its signature, as every
    // other validator will check before voting for a block holding it.
    if let Some(keys) = s.secret.0.service_keys() {
        super::records::check(&proposal, &keys)
            .map_err(|why| Problem::new(StatusCode::FORBIDDEN, why))?;
    }
    // Players and cashiers count against a per-client quota; services and
    // admins do not.
    let client =
        matches!(caller.0.role, Role::Player | Role::Cashier).then(|| caller.0.sub.clone());
    let waiter = s.propose(proposal, q.wait, client).await.map_err(|e| {
        if e.is::<super::node::QuotaExceeded>() {
            return Problem::new(StatusCode::TOO_MANY_REQUESTS, e.to_string()).with_retry_after(1);
        }
        let problem = Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
        if e.is::<super::node::Overloaded>() {
            problem.with_retry_after(1)
        } else {
            problem
        }
    })?;
    match waiter {
        None => Ok((StatusCode::ACCEPTED, Json(json!({ "proposal_id": id }))).into_response()),
        Some(rx) => match tokio::time::timeout(s.wait_timeout, rx).await {
            Ok(Ok(c)) => Ok(Json(c).into_response()),
            _ => Err(Problem::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "proposal {id} was not committed within {} (no quorum reachable?); it may still commit: GET /proposals/{id}",
                    humantime::format_duration(s.wait_timeout)
                ),
            )),
        },
    }
}

/// Where a proposal stands: committed (height, block hash) or pending.
#[utoipa::path(get, path = "/proposals/{id}", tag = "consensus",
    params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, description = "Committed or pending", body = ProposalAnswer), (status = 404)))]
async fn get_proposal(
    State(s): State<ConsensusState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let store_err = |e: anyhow::Error| {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("block store: {e}"))
    };
    if let Some(h) = s.node().store.proposal_height(&id).map_err(store_err)? {
        let b = s.node().store.get(h).map_err(store_err)?;
        return Ok(Json(json!({
            "proposal_id": id, "status": "committed", "height": h,
            "block_hash": b.map(|b| b.hash),
        })));
    }
    if s.node().pending.lock().is_ok_and(|p| p.contains_key(&id)) {
        return Ok(Json(json!({ "proposal_id": id, "status": "pending" })));
    }
    Err(Problem::not_found(format!(
        "no proposal {id:?} is pending here or committed"
    )))
}

/// A committed block with its quorum certificate.
#[utoipa::path(get, path = "/blocks/{height}", tag = "consensus",
    params(("height" = u64, Path, description = "Block height (1 = first)")),
    responses((status = 200, description = "Block and QC", body = BlockAnswer), (status = 404)))]
async fn get_block(
    State(s): State<ConsensusState>,
    ApiPath(height): ApiPath<String>,
) -> Result<Json<Value>, Problem> {
    let height: u64 = height.parse().map_err(|_| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!(
                "path parameter `height`: {height:?} is not a block height (an integer from 0)"
            ),
        )
    })?;
    let b = s
        .node()
        .store
        .get(height)
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("block store: {e}")))?
        .ok_or_else(|| Problem::not_found(format!("no block is committed at height {height}")))?;
    let mut body = json!({ "height": b.height, "hash": b.hash, "block": b.block, "qc": b.qc });
    if let Ok(Some(proof)) = s.node().store.proof(height) {
        body["commit_proof"] = proof;
    }
    Ok(Json(body))
}

/// Algorithm, height, view, leader, every validator's last vote and last
/// contact, pending proposals, evidence count.
#[utoipa::path(get, path = "/status", tag = "consensus", responses((status = 200, description = "Status", body = StatusAnswer)))]
async fn status(State(s): State<ConsensusState>) -> Result<Json<Value>, Problem> {
    let st = s
        .node()
        .status
        .read()
        .map_err(|_| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "status lock poisoned"))?
        .clone();
    let seen = s
        .node()
        .peers_seen
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    let evidence = s.node().store.evidence().map(|e| e.len()).unwrap_or(0);
    let validators: Vec<Value> = s
        .node()
        .set
        .validators
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let seen = seen.get(i);
            json!({
                "index": i,
                "id": v.id,
                "public_key": hex::encode(v.public_key),
                "power": v.power,
                "is_self": i as u32 == s.node().index,
                "last_vote": st.last_votes.get(i).cloned().flatten().map(|vote| json!({
                    "height": vote.height, "view": vote.view, "phase": vote.phase,
                    "block_hash": hex::encode(vote.block_hash),
                })),
                "last_seen_ms_ago": seen.and_then(|p| p.last_seen).map(|t| t.elapsed().as_millis() as u64),
                "rejected": seen.map(|p| p.rejected.clone()).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({
        "algorithm": st.algorithm,
        "chain_id": s.node().set.chain_id,
        "epoch": s.node().set.epoch,
        "validator": s.node().index,
        "height": st.height,
        "last_committed_height": st.height.saturating_sub(1),
        "last_committed_hash": st.last_committed_hash,
        "view": st.view,
        "leader": st.leader,
        "leader_id": s.node().set.get(st.leader).map(|v| v.id.clone()),
        "pending": st.pending,
        "evidence_count": evidence,
        "unauthenticated_rejected": s.node().unauthenticated.lock().map(|u| u.clone()).unwrap_or_default(),
        "retired": s.node().retired,
        "fault": s.node().fault_state(),
        "validators": validators,
    })))
}

/// Byzantine evidence recorded by this validator.
#[utoipa::path(get, path = "/evidence", tag = "consensus", responses((status = 200, description = "Evidence", body = EvidenceAnswer)))]
async fn evidence(State(s): State<ConsensusState>) -> Result<Json<Value>, Problem> {
    let e =
        s.node().store.evidence().map_err(|e| {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("block store: {e}"))
        })?;
    Ok(Json(json!({ "evidence": e })))
}

/// A vote signed by a validator key (role validator or admin): verified
/// (signature, chain id, epoch, membership) and handed to the protocol.
#[utoipa::path(post, path = "/vote", tag = "consensus",
    request_body(content = Vote, description = "A signed vote"),
    responses((status = 202, description = "Accepted"), (status = 401), (status = 403),
              (status = 422, description = "Bad signature, wrong chain or epoch, or not a member")))]
async fn vote(
    State(s): State<ConsensusState>,
    caller: Caller,
    ApiJson(v): ApiJson<Vote>,
) -> Result<Response, Problem> {
    if !matches!(caller.0.role, Role::Validator | Role::Admin) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "votes come from validators; {} is a {}",
                caller.0.sub, caller.0.role
            ),
        ));
    }
    if let Err(e) = v.verify(&s.node().set) {
        // The vote's signer is not proven: never charged to the validator
        // it names.
        let reason = vote_error_kind(&e.to_string());
        s.node().count_unauthenticated(reason);
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("vote refused: {e}"),
        ));
    }
    let from = v.validator;
    if !s.node().deliver(from, Message::Vote(v)) {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the validator is overloaded; retry",
        ));
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "accepted": true }))).into_response())
}

fn vote_error_kind(msg: &str) -> &'static str {
    if msg.contains("signature") {
        "bad_signature"
    } else if msg.contains("chain") {
        "wrong_chain"
    } else if msg.contains("epoch") {
        "wrong_epoch"
    } else if msg.contains("member") {
        "non_member"
    } else {
        "malformed"
    }
}

/// Peer transport: a signed envelope from another validator, of at most
/// `limits::max_envelope_bytes` for the current set (413 above it).
/// Authenticated by the envelope's signature, not by a token. Under mutual
/// TLS only a caller presenting a validator's certificate gets its body
/// read at all: anyone else (an engine, the CLI, a taken-over service) is
/// refused before the validator buffers a byte, so the megabytes a
/// `/peer` body may hold are not a lever for anyone outside the set.
#[utoipa::path(post, path = "/peer", tag = "consensus", security(()),
    request_body(content = Envelope, description = "A signed envelope; `msg` is a protocol message as JSON text (README, Consensus: messages inside a /peer envelope)"),
    responses((status = 202, description = "Delivered to the validator's core"),
              (status = 400, description = "The message inside is malformed"),
              (status = 401, description = "A bad or stale signature"), (status = 403, description = "Not a member of the set, or (mutual TLS) a caller without a validator's certificate"),
              (status = 421, description = "Addressed to another validator"),
              (status = 503, description = "The validator is overloaded")))]
async fn peer(
    State(s): State<ConsensusState>,
    caller: Option<axum::Extension<crate::tls::ClientIdentity>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, Problem> {
    let node = s.node();
    if crate::tls::transport().is_tls()
        && !caller.is_some_and(|c| c.role == crate::tls::Peer::Validator)
    {
        node.count_unauthenticated("not_a_validator");
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "peer traffic is accepted only from a validator's certificate",
        ));
    }
    let limit = max_envelope_bytes(&node.set);
    let env: Envelope = json_within(&headers, body, limit, "envelope").await?;
    if let Err(e) = env.open(&node.set.chain_id, &node.members, node.index, now_ms()) {
        let (status, kind) = match e {
            EnvelopeError::NotMember(_) => (StatusCode::FORBIDDEN, "non_member"),
            EnvelopeError::Malformed | EnvelopeError::BadSignature(_) => {
                (StatusCode::UNAUTHORIZED, "bad_signature")
            }
            EnvelopeError::Misdirected { .. } => (StatusCode::MISDIRECTED_REQUEST, "misdirected"),
            EnvelopeError::Stale { .. } => (StatusCode::UNAUTHORIZED, "stale"),
        };
        // Never charged to the sender it names: a misdirected or stale
        // envelope is signed by it, but validators talk over plain HTTP,
        // so anyone who captured one can replay it elsewhere or later.
        node.count_unauthenticated(kind);
        return Err(Problem::new(status, e.to_string()));
    }
    let msg: Message = serde_json::from_str(&env.msg).map_err(|e| {
        s.node().count_rejection(env.from, "malformed");
        Problem::new(StatusCode::BAD_REQUEST, format!("malformed message: {e}"))
    })?;
    // A forwarded record or a proposed block holding a service's record
    // without that service's signature is refused whole: a Byzantine
    // validator cannot get one voted on.
    if let Some(keys) = s.secret.0.service_keys()
        && let Err(why) = super::records::screen(&msg, &keys, node.max_batch)
    {
        node.count_rejection(env.from, "unsigned_record");
        tracing::warn!(
            from = env.from,
            message = msg.kind(),
            "refused a peer message holding a record its service did not sign: {why}"
        );
        return Err(Problem::new(StatusCode::FORBIDDEN, why));
    }
    if !s.node().deliver(env.from, msg) {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the validator is overloaded",
        ));
    }
    Ok(StatusCode::ACCEPTED.into_response())
}

/// `POST /fault` body: either field may be left out to keep it as is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// `none`, `silent`, `equivocate`, `slow`, `slow:DURATION` or
    /// `fail_safety_record`.
    fault: Option<String>,
    /// Validators this one is cut off from, both ways (a partition);
    /// `[]` heals.
    cut: Option<Vec<u32>>,
}

/// The faults injected into this validator (admin; only when fault
/// injection is enabled, else 404).
#[utoipa::path(get, path = "/fault", tag = "consensus",
    responses((status = 200, description = "Injected faults"), (status = 401), (status = 403),
              (status = 404, description = "Fault injection is not enabled")))]
async fn get_fault(
    State(s): State<ConsensusState>,
    caller: Caller,
) -> Result<Json<Value>, Problem> {
    fault_access(&s, &caller, "reading the injected faults")?;
    Ok(Json(json!({
        "enabled": s.fault_injection,
        "state": s.node().fault_state(),
    })))
}

/// `/fault` exists only where fault injection is on (404 elsewhere, for
/// everyone), and only for admins (403).
fn fault_access(s: &ConsensusState, caller: &Caller, what: &str) -> Result<(), Problem> {
    if !s.fault_injection {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "fault injection is not enabled on this validator (consensus.fault_injection = on, or `bitcraps up --fault ...`)",
        ));
    }
    if caller.0.role != Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "{what} needs the admin role; {} is a {}",
                caller.0.sub, caller.0.role
            ),
        ));
    }
    Ok(())
}

/// Injects faults (admin; only when fault injection is enabled, else 404):
/// make this validator silent, slow or equivocating, or cut it off from
/// chosen peers. For demos and tests.
#[utoipa::path(post, path = "/fault", tag = "consensus", request_body = FaultRequest,
    responses((status = 200, description = "The faults now in force"), (status = 401), (status = 403),
              (status = 404, description = "Fault injection is not enabled"), (status = 422, description = "Unknown fault or validator")))]
async fn set_fault(
    State(s): State<ConsensusState>,
    caller: Caller,
    ApiJson(req): ApiJson<FaultRequest>,
) -> Result<Json<Value>, Problem> {
    fault_access(&s, &caller, "injecting faults")?;
    let fault = match &req.fault {
        Some(f) => Some(
            f.parse::<super::fault::Fault>()
                .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?,
        ),
        None => None,
    };
    let n = s.node().set.len() as u32;
    if let Some(cut) = &req.cut
        && let Some(bad) = cut.iter().find(|i| **i >= n || **i == s.node().index)
    {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "cannot cut validator {bad} off: peers are 0..{} except this validator ({})",
                n - 1,
                s.node().index
            ),
        ));
    }
    let node = s.node();
    let state = {
        let mut st = node
            .fault
            .write()
            .map_err(|_| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "fault lock poisoned"))?;
        if let Some(f) = fault {
            st.fault = f;
        }
        if let Some(cut) = req.cut {
            st.cut = cut.into_iter().collect();
        }
        st.clone()
    };
    tracing::warn!(fault = %state.fault, cut = ?state.cut, by = %caller.0.sub, "injected faults changed");
    Ok(Json(json!({ "enabled": true, "state": state })))
}

/// The current validator set (epoch, members with power and address) and
/// every recorded change (epoch, first height).
#[utoipa::path(get, path = "/validators", tag = "consensus", responses((status = 200, description = "Validator set", body = ValidatorsAnswer)))]
async fn get_validators(State(s): State<ConsensusState>) -> Result<Json<Value>, Problem> {
    let node = s.node();
    let book = node.book.read().map(|b| b.clone()).unwrap_or_default();
    let history = node
        .store
        .epochs()
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("block store: {e}")))?;
    Ok(Json(json!({
        "epoch": node.set.epoch,
        "chain_id": node.set.chain_id,
        "governance_keys": node.set.governance_keys.iter().map(hex::encode).collect::<Vec<_>>(),
        // The floor (3f+1) every validator judges a change against.
        "min_validators": node.min_validators,
        "retired": node.retired,
        "validators": node.set.validators.iter().enumerate().map(|(i, v)| json!({
            "index": i,
            "id": v.id,
            "public_key": hex::encode(v.public_key),
            "power": v.power,
            "address": book.get(&v.id).map(|a| a.to_string()),
        })).collect::<Vec<_>>(),
        "changes": history.iter().map(|(epoch, from, set)| json!({
            "epoch": epoch,
            "from_height": from,
            "validators": set["validators"].as_array().map_or(0, |v| v.len()),
        })).collect::<Vec<_>>(),
    })))
}

/// Changes the validator set (admin, and signed by a governance key):
/// `{"epoch": N, "change": C, "approval": {"public_key", "signature"}}`
/// where C is `{"op":"add","id","public_key","power","address"}`,
/// `{"op":"remove","id"}` or `{"op":"set_power","id","power"}` and the
/// signature covers the change, the chain and epoch N (the current one).
/// Ordered by consensus and effective at the height after the block that
/// commits it, as a new epoch. Answers once committed (200 with the new
/// epoch), 403 without a valid governance signature, 409 when the epoch
/// is not the current one or another change got in first, 422 when the
/// change would break the set (for example leave fewer than 3f+1
/// validators).
#[utoipa::path(post, path = "/validators", tag = "consensus",
    request_body(content = SetChangePayload, description = "A signed set change (see `bitcraps consensus validators`)"),
    responses((status = 200, description = "Committed; effective at effective_height"), (status = 401), (status = 403, description = "Not admin, or not signed by a governance key"),
              (status = 409, description = "Another change ended the epoch first"), (status = 422, description = "The change would break the set"),
              (status = 504, description = "Not committed in time")))]
async fn change_validators(
    State(s): State<ConsensusState>,
    caller: Caller,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<Value>, Problem> {
    if caller.0.role != Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "changing the validator set needs the admin role; {} is a {}",
                caller.0.sub, caller.0.role
            ),
        ));
    }
    let node = s.node();
    if node.retired {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this validator is not a member of the current set; ask a member",
        ));
    }
    let unprocessable = |m: String| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, m);
    if body.get("op").is_some() {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "a validator set change must be signed by a governance key: send {\"epoch\", \"change\", \"approval\"} (`bitcraps consensus validators …` signs with <state-dir>/keys/governance.key)",
        ));
    }
    let signed: SetChangePayload = serde_json::from_value(body).map_err(|e| {
        unprocessable(format!(
            "not a signed validator set change ({{\"epoch\", \"change\", \"approval\"}}): {e}"
        ))
    })?;
    if signed.epoch != node.set.epoch {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "the change was made against epoch {}, the set is at epoch {}; GET /validators, sign again and retry",
                signed.epoch, node.set.epoch
            ),
        ));
    }
    signed.check_approval(&node.set).map_err(|e| {
        Problem::new(
            StatusCode::FORBIDDEN,
            format!("validator set change refused: {e}"),
        )
    })?;
    let change = &signed.change;
    let next = change
        .apply(&node.set, node.min_validators)
        .map_err(|e| unprocessable(format!("validator set change refused: {e}")))?;
    if let SetChange::Add { id, address, .. } = change {
        match address {
            Some(a) => {
                a.parse::<std::net::SocketAddr>().map_err(|e| {
                    unprocessable(format!("address {a:?} is not host:port with an IP: {e}"))
                })?;
            }
            None if node.book.read().is_ok_and(|b| b.contains_key(id)) => {}
            None => {
                return Err(unprocessable(format!(
                    "no address is known for {id}; give its \"address\" (host:port)"
                )));
            }
        }
    }
    let epoch = node.set.epoch;
    let id = format!("validator-set-e{epoch}-{}", uuid::Uuid::new_v4().simple());
    let rx = s
        .propose(signed.proposal(id.clone()), true, None)
        .await
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?
        .ok_or_else(|| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "no commit waiter"))?;
    let committed = match tokio::time::timeout(s.wait_timeout, rx).await {
        Ok(Ok(c)) => c,
        _ => {
            return Err(Problem::new(
                StatusCode::GATEWAY_TIMEOUT,
                format!(
                    "the change {id} was not committed within {}; it may still commit: GET /proposals/{id}",
                    humantime::format_duration(s.wait_timeout)
                ),
            ));
        }
    };
    let applied = node
        .store
        .epochs()
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, format!("block store: {e}")))?
        .iter()
        .any(|(e, from, set)| {
            // This change, not another one made against the same epoch and
            // ordered first in the same block.
            *e == next.epoch
                && *from == committed.height + 1
                && serde_json::to_value(&next.validators).is_ok_and(|v| set["validators"] == v)
        });
    if !applied {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            format!(
                "the change was committed at height {} but not applied: another change ended epoch {epoch} first; GET /validators and try again",
                committed.height
            ),
        ));
    }
    Ok(Json(json!({
        "proposal_id": id,
        "height": committed.height,
        "epoch": next.epoch,
        "effective_height": committed.height + 1,
        "validators": next.validators.iter().map(|v| json!({
            "id": v.id, "public_key": hex::encode(v.public_key), "power": v.power,
        })).collect::<Vec<_>>(),
    })))
}

#[cfg(test)]
mod limit_tests {
    /// The gateway refuses an oversized proposal itself, with the
    /// validators' own limit.
    #[test]
    fn the_gateway_and_the_validators_share_the_propose_body_limit() {
        assert_eq!(
            super::PROPOSE_BODY_LIMIT,
            crate::services::api_gateway::PROPOSE_BODY_LIMIT
        );
    }

    #[test]
    fn service_kinds_are_proposed_only_by_their_service() {
        use crate::auth::Role;
        let who = |role| crate::auth::claims_of("x", role);
        assert!(super::may_propose_kind(&who(Role::Engine), "game.anchors").is_ok());
        assert!(super::may_propose_kind(&who(Role::Wallet), "wallet.anchor").is_ok());
        assert!(super::may_propose_kind(&who(Role::Admin), "wallet.anchor").is_ok());
        assert!(super::may_propose_kind(&who(Role::Player), "wallet.anchor").is_err());
        assert!(super::may_propose_kind(&who(Role::Player), "game.anchors").is_err());
        assert!(super::may_propose_kind(&who(Role::Engine), "wallet.anchor").is_err());
        assert!(super::may_propose_kind(&who(Role::Player), "chat.message").is_ok());
    }

    #[test]
    fn an_engine_anchors_only_its_own_games() {
        use crate::auth::{Claims, Role, claims_of as who};
        use serde_json::json;
        let check = |c: &Claims, kind: &str, p: serde_json::Value| {
            super::engine_records_are_its_own(c, kind, &p).is_ok()
        };
        let e0 = who("engine-0", Role::Engine);
        let batch = |ids: &[&str]| json!({"entries": ids.iter().map(|g| json!({"game_id": g, "what": "commit"})).collect::<Vec<_>>()});
        assert!(check(&e0, "game.anchors", batch(&["e0-a", "e0-b"])));
        assert!(check(&e0, "game.commit", json!({"game_id": "e0-a"})));
        assert!(
            !check(&e0, "game.anchors", batch(&["e0-a", "e1-b"])),
            "one of another's"
        );
        assert!(
            !check(&e0, "game.anchors", batch(&["e01-a"])),
            "e0- is not e01-"
        );
        assert!(!check(&e0, "game.anchors", batch(&[])), "names no game");
        assert!(!check(
            &e0,
            "game.anchors",
            json!({"entries": [{"what": "x"}]})
        ));
        assert!(!check(&e0, "game.commit", json!({"x": 1})));
        assert!(!check(
            &who("engine-x", Role::Engine),
            "game.commit",
            json!({"game_id": "ex-a"})
        ));
        // Admins and other kinds are not an engine's records.
        assert!(check(
            &who("root", Role::Admin),
            "game.anchors",
            batch(&["e5-a"])
        ));
        assert!(check(&e0, "chat.message", json!({"game_id": "e9-a"})));
    }
}
