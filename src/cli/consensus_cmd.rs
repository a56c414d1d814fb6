//! `bitcraps consensus propose|status|verify` through the gateway.

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::gateway_client::{Gateway, Target};
use super::output::{self, OutputFormat};
use crate::services::consensus::protocol::hotstuff::proof::{
    MAX_PROOF_BLOCKS, Served, final_prefix,
};
use crate::services::consensus::protocol::set_change::SetChange;
use crate::services::consensus::protocol::{Block, Phase, QuorumCertificate, ValidatorSet};

#[derive(Debug, Subcommand)]
pub enum ConsensusCommand {
    /// Order a JSON payload through the validators.
    Propose {
        /// The payload, as JSON (a bare word is sent as a string).
        payload: String,
        /// Wait until it is committed and print the height, hash and QC.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Height, view, leader and each validator's last vote.
    Status {
        #[command(flatten)]
        target: Target,
    },
    /// Committed blocks with their certificates (JSON lines with --output json).
    Blocks {
        /// First height (default: the last 10).
        #[arg(long, value_name = "H")]
        from: Option<u64>,
        /// Most blocks to print.
        #[arg(long, default_value_t = 10)]
        limit: u64,
        #[command(flatten)]
        target: Target,
    },
    /// Byzantine evidence the validators recorded.
    Evidence {
        #[command(flatten)]
        target: Target,
    },
    /// The validator set: list, add, remove, set-power (admin).
    Validators {
        #[command(subcommand)]
        command: ValidatorsCommand,
    },
    /// Sign a vote with a validator key file and submit it (POST /vote).
    Vote {
        /// The validator's secret key file (hex), e.g. <state>/keys/validator-0.key.
        #[arg(long, value_name = "FILE")]
        key: std::path::PathBuf,
        #[arg(long)]
        height: u64,
        /// View (PBFT, HotStuff) or round (Tendermint).
        #[arg(long, default_value_t = 0)]
        view: u64,
        /// prepare, commit, view_change, prevote, precommit, generic, timeout.
        #[arg(long)]
        phase: String,
        /// Hex of the 32-byte block hash (64 zeros for nil).
        #[arg(long)]
        block_hash: String,
        #[command(flatten)]
        target: Target,
    },
    /// Check a block's quorum certificate, trusting only the genesis: every
    /// validator set change on the way is checked against the set before it.
    Verify {
        #[arg(long)]
        height: u64,
        /// The genesis to trust (default: the state dir's genesis.json).
        #[arg(long, value_name = "FILE")]
        genesis: Option<std::path::PathBuf>,
        #[command(flatten)]
        target: Target,
    },
}

/// The key that signs a validator set change.
#[derive(Debug, Args)]
pub struct GovernanceKey {
    /// The governance key file (hex ed25519 seed) the genesis names
    /// [default: <state-dir>/keys/governance.key].
    #[arg(long, env = "BITCRAPS_GOVERNANCE_KEY", value_name = "FILE")]
    pub governance_key: Option<std::path::PathBuf>,
}

/// `consensus validators …`. A change is signed with a governance key
/// here, then ordered by consensus; every validator checks the signature.
#[derive(Debug, Subcommand)]
pub enum ValidatorsCommand {
    /// The current set: epoch, members, power, address, and past changes.
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Add a validator (effective at the height after its block).
    Add {
        /// Its id, e.g. validator-4.
        id: String,
        /// Its ed25519 public key, hex (see `bitcraps keys generate`).
        #[arg(long)]
        public_key: String,
        #[arg(long, default_value_t = 1)]
        power: u64,
        /// host:port where its peers reach it (not needed for validators
        /// the configuration already knows).
        #[arg(long)]
        address: Option<String>,
        #[command(flatten)]
        key: GovernanceKey,
        #[command(flatten)]
        target: Target,
    },
    /// Remove a validator (the current leader too).
    Remove {
        id: String,
        #[command(flatten)]
        key: GovernanceKey,
        #[command(flatten)]
        target: Target,
    },
    /// Change a validator's voting power.
    SetPower {
        id: String,
        power: u64,
        #[command(flatten)]
        key: GovernanceKey,
        #[command(flatten)]
        target: Target,
    },
}

/// The validators' API through the gateway.
struct Api(Gateway);

impl Api {
    fn new(g: &GlobalArgs, t: &Target) -> anyhow::Result<Api> {
        Ok(Api(Gateway::new(g, t)?))
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        self.0
            .call(method, &format!("/api/v1/consensus{path}"), body)
    }

    /// A committed block, asked again while the validator the gateway
    /// picked has not applied it yet.
    fn block(&self, height: u64) -> anyhow::Result<Value> {
        self.0
            .get_committed(&format!("/api/v1/consensus/blocks/{height}"))
    }
}

pub fn run(g: &GlobalArgs, cmd: &ConsensusCommand) -> anyhow::Result<()> {
    match cmd {
        ConsensusCommand::Propose {
            payload,
            wait,
            target,
        } => {
            let api = Api::new(g, target)?;
            let value: Value = serde_json::from_str(payload).unwrap_or_else(|_| json!(payload));
            let path = if *wait {
                "/propose?wait=true"
            } else {
                "/propose"
            };
            let pb = wait.then(|| {
                let pb = output::spinner(g.quiet || g.output == OutputFormat::Json);
                pb.set_message("waiting for the validators to commit");
                pb
            });
            let r = api.call("POST", path, Some(json!({ "payload": value })));
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            let r = r?;
            if g.output == OutputFormat::Json {
                return output::print_json(&r);
            }
            match r["height"].as_u64() {
                Some(h) => output::print(&format!(
                    "committed {} at height {h}, block {}",
                    r["proposal_id"].as_str().unwrap_or(""),
                    r["block_hash"].as_str().unwrap_or("")
                )),
                None => output::print(&format!(
                    "accepted {}",
                    r["proposal_id"].as_str().unwrap_or("")
                )),
            }
        }
        ConsensusCommand::Status { target } => {
            let api = Api::new(g, target)?;
            let r = api.call("GET", "/status", None)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&r);
            }
            output::print(&format!(
                "{} on {}: height {} (last committed {}), view {}, leader {}, {} pending, {} evidence",
                r["algorithm"].as_str().unwrap_or("?"),
                r["chain_id"].as_str().unwrap_or("?"),
                r["height"],
                r["last_committed_height"],
                r["view"],
                r["leader_id"].as_str().unwrap_or("?"),
                r["pending"],
                r["evidence_count"],
            ))?;
            let mut t =
                output::table(&["VALIDATOR", "POWER", "LAST VOTE", "LAST SEEN", "REJECTED"]);
            for v in r["validators"].as_array().into_iter().flatten() {
                let vote = &v["last_vote"];
                t.add_row(vec![
                    v["id"].as_str().unwrap_or("").to_string(),
                    v["power"].to_string(),
                    if vote.is_null() {
                        "-".into()
                    } else {
                        format!(
                            "h{} v{} {}",
                            vote["height"],
                            vote["view"],
                            vote["phase"].as_str().unwrap_or("")
                        )
                    },
                    if v["is_self"] == true {
                        "self".into()
                    } else {
                        v["last_seen_ms_ago"]
                            .as_u64()
                            .map(|ms| format!("{ms} ms ago"))
                            .unwrap_or("-".into())
                    },
                    v["rejected"].to_string(),
                ]);
            }
            output::print_table(&t)
        }
        ConsensusCommand::Blocks {
            from,
            limit,
            target,
        } => {
            let api = Api::new(g, target)?;
            let st = api.call("GET", "/status", None)?;
            let last = st["last_committed_height"].as_u64().unwrap_or(0);
            let from = from.unwrap_or_else(|| last.saturating_sub(limit.saturating_sub(1)).max(1));
            let mut t = output::table(&["HEIGHT", "HASH", "PROPOSALS", "VIEW", "EPOCH", "SIGNERS"]);
            for h in (from..=last).take(*limit as usize) {
                let b = api.block(h)?;
                if g.output == OutputFormat::Json {
                    output::print(&serde_json::to_string(&b)?)?;
                    continue;
                }
                t.add_row(vec![
                    h.to_string(),
                    b["hash"].as_str().unwrap_or("").chars().take(16).collect(),
                    b["block"]["proposals"]
                        .as_array()
                        .map_or(0, |p| p.len())
                        .to_string(),
                    b["block"]["view"].to_string(),
                    b["qc"]["epoch"].to_string(),
                    b["qc"]["signatures"]
                        .as_array()
                        .map_or(0, |p| p.len())
                        .to_string(),
                ]);
            }
            if g.output == OutputFormat::Json {
                return Ok(());
            }
            output::print_table(&t)
        }
        ConsensusCommand::Evidence { target } => {
            let api = Api::new(g, target)?;
            let r = api.call("GET", "/evidence", None)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&r);
            }
            let mut t = output::table(&["VALIDATOR", "KIND", "SLOT", "IN BLOCK"]);
            for e in r["evidence"].as_array().into_iter().flatten() {
                let a = &e["evidence"]["a"];
                t.add_row(vec![
                    e["validator"].to_string(),
                    e["kind"].as_str().unwrap_or("").to_string(),
                    format!(
                        "h{} v{} {}",
                        a["height"],
                        a["view"],
                        a["phase"].as_str().unwrap_or("")
                    ),
                    e["committed_height"]
                        .as_u64()
                        .map_or("-".into(), |h| h.to_string()),
                ]);
            }
            output::print_table(&t)
        }
        ConsensusCommand::Validators { command } => validators(g, command),
        ConsensusCommand::Vote {
            key,
            height,
            view,
            phase,
            block_hash,
            target,
        } => {
            let api = Api::new(g, target)?;
            let signing = crate::services::consensus::genesis::read_key(key)
                .map_err(|e| fail(Code::Usage, format!("{e:#}")))?;
            let phase: crate::services::consensus::protocol::Phase =
                serde_json::from_value(json!(phase.replace('-', "_"))).map_err(|_| {
                    fail(
                        Code::Usage,
                        format!("unknown phase {phase:?}; expected prepare, commit, view_change, prevote, precommit, generic or timeout"),
                    )
                })?;
            let mut hash = [0u8; 32];
            hex::decode_to_slice(block_hash, &mut hash).map_err(|e| {
                fail(
                    Code::Usage,
                    format!("--block-hash must be 64 hex digits: {e}"),
                )
            })?;
            let v = api.call("GET", "/validators", None)?;
            let set: ValidatorSet = serde_json::from_value(json!({
                "chain_id": v["chain_id"], "epoch": v["epoch"],
                "validators": v["validators"].as_array().into_iter().flatten().map(|m| json!({
                    "id": m["id"], "public_key": m["public_key"], "power": m["power"],
                })).collect::<Vec<_>>(),
            }))?;
            let me = hex::encode(signing.verifying_key().to_bytes());
            let index = set
                .validators
                .iter()
                .position(|m| hex::encode(m.public_key) == me)
                .ok_or_else(|| {
                    fail(
                        Code::Auth,
                        format!(
                            "the key in {} is not a member of the current validator set",
                            key.display()
                        ),
                    )
                })?;
            let vote = crate::services::consensus::protocol::Vote::sign(
                &signing,
                &set,
                index as u32,
                *height,
                *view,
                phase,
                hash,
            );
            let r = api.call("POST", "/vote", Some(serde_json::to_value(&vote)?))?;
            if g.output == OutputFormat::Json {
                return output::print_json(&json!({ "vote": vote, "answer": r }));
            }
            output::print(&format!(
                "{phase} vote by {} for height {height} view {view} accepted",
                set.validators[index].id
            ))
        }
        ConsensusCommand::Verify {
            height,
            genesis,
            target,
        } => {
            let certifier = Certifier::new(g, Gateway::new(g, target)?, genesis.as_deref())?;
            let r = certifier.api.block(*height)?;
            let problems = certifier.problems(*height, &r)?;
            let set = certifier.set_at(*height)?;
            let block: Block = serde_json::from_value(r["block"].clone())
                .map_err(|e| fail(Code::VerifyFailed, format!("the block does not parse: {e}")))?;
            let qc: QuorumCertificate = serde_json::from_value(r["qc"].clone()).map_err(|e| {
                fail(
                    Code::VerifyFailed,
                    format!("the certificate does not parse: {e}"),
                )
            })?;
            let signers: Vec<String> = qc
                .signatures
                .iter()
                .filter_map(|(i, _)| set.get(*i).map(|v| v.id.clone()))
                .collect();
            let power: u64 = qc.signatures.iter().map(|(i, _)| set.power_of(*i)).sum();
            let ok = problems.is_empty();
            if g.output == OutputFormat::Json {
                output::print_json(&json!({
                    "height": height, "block_hash": hex::encode(block.hash()), "verified": ok,
                    "signers": signers, "power": power, "total_power": set.total_power(), "problems": problems,
                }))?;
            } else if ok {
                output::print(&format!(
                    "height {height}: block {} is committed by {} of {} validators (power {power} of {}, quorum {}): {}",
                    hex::encode(block.hash()),
                    signers.len(),
                    set.len(),
                    set.total_power(),
                    set.quorum_power(),
                    signers.join(", ")
                ))?;
            }
            super::exit::verdict(&format!("height {height}"), &problems)
        }
    }
}

fn validators(g: &GlobalArgs, cmd: &ValidatorsCommand) -> anyhow::Result<()> {
    let (target, key, change) = match cmd {
        ValidatorsCommand::List { target } => {
            let api = Api::new(g, target)?;
            let r = api.call("GET", "/validators", None)?;
            if g.output == OutputFormat::Json {
                return output::print_json(&r);
            }
            output::print(&format!(
                "epoch {} on {}, {} validators",
                r["epoch"],
                r["chain_id"].as_str().unwrap_or("?"),
                r["validators"].as_array().map_or(0, |v| v.len())
            ))?;
            let mut t = output::table(&["INDEX", "ID", "POWER", "ADDRESS", "PUBLIC KEY"]);
            for v in r["validators"].as_array().into_iter().flatten() {
                t.add_row(vec![
                    v["index"].to_string(),
                    v["id"].as_str().unwrap_or("").to_string(),
                    v["power"].to_string(),
                    v["address"].as_str().unwrap_or("-").to_string(),
                    v["public_key"].as_str().unwrap_or("").to_string(),
                ]);
            }
            return output::print_table(&t);
        }
        ValidatorsCommand::Add {
            id,
            public_key,
            power,
            address,
            key,
            target,
        } => (
            target,
            key,
            json!({"op": "add", "id": id, "public_key": public_key, "power": power, "address": address}),
        ),
        ValidatorsCommand::Remove { id, key, target } => {
            (target, key, json!({"op": "remove", "id": id}))
        }
        ValidatorsCommand::SetPower {
            id,
            power,
            key,
            target,
        } => (
            target,
            key,
            json!({"op": "set_power", "id": id, "power": power}),
        ),
    };
    let change: SetChange = serde_json::from_value(change.clone())
        .map_err(|e| fail(Code::Usage, format!("not a valid change {change}: {e}")))?;
    let key_file = key
        .governance_key
        .clone()
        .unwrap_or_else(|| crate::services::consensus::genesis::governance_key_path(&g.state_dir));
    let signing = crate::services::consensus::genesis::read_key(&key_file).map_err(|e| {
        fail(
            Code::Auth,
            format!("a set change is signed with the genesis's governance key: {e:#}"),
        )
    })?;
    let api = Api::new(g, target)?;
    // Signed against the epoch the validators are in now.
    let current = api.call("GET", "/validators", None)?;
    let (Some(chain_id), Some(epoch)) = (current["chain_id"].as_str(), current["epoch"].as_u64())
    else {
        return Err(fail(
            Code::Error,
            format!("GET /validators did not name the chain and epoch: {current}"),
        ));
    };
    // Sign for the chain this state dir's genesis names, never just for
    // whatever chain the validator that answered claims.
    if let Ok(genesis) = crate::services::consensus::genesis::load(&g.state_dir)
        && genesis.chain_id != chain_id
    {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "the validators answer for chain {chain_id}, but {} names chain {}; refusing to sign",
                crate::services::consensus::genesis::genesis_path(&g.state_dir).display(),
                genesis.chain_id
            ),
        ));
    }
    let signed = change.approve(&signing, chain_id, epoch);
    let pb = output::spinner(g.quiet || g.output == OutputFormat::Json);
    pb.set_message("waiting for the change to commit");
    let r = api.call("POST", "/validators", Some(serde_json::to_value(&signed)?));
    pb.finish_and_clear();
    let r = r?;
    if g.output == OutputFormat::Json {
        return output::print_json(&r);
    }
    output::print(&format!(
        "committed at height {}: epoch {} with {} validators from height {}",
        r["height"],
        r["epoch"],
        r["validators"].as_array().map_or(0, |v| v.len()),
        r["effective_height"]
    ))
}

/// Why the served block at `height` (`answer`, its certificate already
/// checked against `set`) is not proven final, if it is not. A PBFT or
/// Tendermint commit certificate proves it; a HotStuff block's own generic
/// QC does not (a Byzantine next leader can keep the QC of its child), so
/// its commit proof, or that of a block above it reached through linked,
/// certified blocks, must hold (`protocol::hotstuff::proof`).
fn finality_problem(api: &Api, height: u64, answer: &Value, set: &ValidatorSet) -> Option<String> {
    let first = match Served::from_answer(answer) {
        Ok(s) => s,
        Err(e) => return Some(e),
    };
    if first.qc.phase != Phase::Generic {
        return None;
    }
    let parent = first.block.parent_hash;
    let mut chain = vec![first];
    while chain.last().is_some_and(|s| s.proof.is_none()) && chain.len() < MAX_PROOF_BLOCKS {
        let Ok(v) = api.block(height + chain.len() as u64) else {
            break;
        };
        match Served::from_answer(&v) {
            Ok(s) => chain.push(s),
            Err(e) => return Some(format!("block {}: {e}", height + chain.len() as u64)),
        }
    }
    match final_prefix(&chain, parent, set) {
        Ok(0) => Some(
            "no commit proof holds for it or any block above it yet (a HotStuff block's own QC does not prove it final)"
                .to_string(),
        ),
        Ok(_) => None,
        Err(e) => Some(format!("its commit proof does not hold: {e}")),
    }
}

/// Checks committed blocks as the validators' clients should, trusting
/// nothing but the genesis: the block's hash recomputed, and a commit
/// certificate that verifies against the validator set in force at its
/// height (each set change read from the block that committed it).
pub(crate) struct Certifier {
    api: Api,
    genesis: ValidatorSet,
    min_validators: Option<usize>,
    /// Heights at which the set changes, from the validators' answer.
    changes: Vec<u64>,
    /// The set after the first k changes, by k.
    sets: std::cell::RefCell<std::collections::BTreeMap<usize, ValidatorSet>>,
}

impl Certifier {
    /// With the genesis at `genesis` (default: the state dir's).
    pub(crate) fn new(
        g: &GlobalArgs,
        gateway: Gateway,
        genesis: Option<&std::path::Path>,
    ) -> anyhow::Result<Certifier> {
        let api = Api(gateway);
        let path = genesis
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| g.state_dir.join("genesis.json"));
        let text = std::fs::read_to_string(&path).map_err(|e| {
            fail(
                Code::NotFound,
                format!("cannot read the genesis {}: {e}", path.display()),
            )
        })?;
        let set: ValidatorSet = serde_json::from_str(&text).map_err(|e| {
            fail(
                Code::Error,
                format!("{} is not a validator set: {e}", path.display()),
            )
        })?;
        // The chain's own minimum, from the genesis you hold when it
        // records one (older ones: what the validators report).
        let min_validators = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["min_validators"].as_u64())
            .and_then(|m| usize::try_from(m).ok());
        let v = api.call("GET", "/validators", None)?;
        let mut changes: Vec<u64> = v["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["from_height"].as_u64())
            .filter(|from| *from >= 2)
            .collect();
        changes.sort_unstable();
        Ok(Certifier {
            api,
            genesis: set,
            min_validators,
            changes,
            sets: Default::default(),
        })
    }

    /// The set in force at `height` (computed once per epoch).
    fn set_at(&self, height: u64) -> anyhow::Result<ValidatorSet> {
        let k = self.changes.iter().filter(|from| **from <= height).count();
        if let Some(set) = self.sets.borrow().get(&k) {
            return Ok(set.clone());
        }
        let set = set_at(&self.api, self.genesis.clone(), height, self.min_validators)?;
        self.sets.borrow_mut().insert(k, set.clone());
        Ok(set)
    }

    /// What is wrong with `answer` (`GET /blocks/{height}`) as a committed
    /// block: nothing when its hash is its block's and a commit
    /// certificate of the set in force signs it.
    pub(crate) fn problems(&self, height: u64, answer: &Value) -> anyhow::Result<Vec<String>> {
        let set = self.set_at(height)?;
        let mut problems = Vec::new();
        let block = match serde_json::from_value::<Block>(answer["block"].clone()) {
            Ok(b) => b,
            Err(e) => return Ok(vec![format!("the block does not parse: {e}")]),
        };
        let qc = match serde_json::from_value::<QuorumCertificate>(answer["qc"].clone()) {
            Ok(q) => q,
            Err(e) => return Ok(vec![format!("the certificate does not parse: {e}")]),
        };
        if block.height != height || answer["hash"] != json!(hex::encode(block.hash())) {
            problems.push(format!(
                "the block served for height {height} is not the block its hash names"
            ));
        }
        if !qc.phase.certifies_commit() {
            problems.push(format!(
                "the certificate is for phase {}, not commit",
                qc.phase
            ));
        }
        if !qc.certifies(&block) {
            problems.push("the certificate is for a different block (height or hash)".to_string());
        }
        if let Err(e) = qc.verify(&set) {
            problems.push(format!("the certificate does not verify: {e}"));
        }
        if problems.is_empty()
            && let Some(p) = finality_problem(&self.api, height, answer, &set)
        {
            problems.push(p);
        }
        Ok(problems)
    }
}

/// The validator set in force at `height`, derived from the genesis: each
/// set change is read from the block that committed it, whose certificate
/// must verify against the set before it. Trusts nothing but the genesis.
fn set_at(
    api: &Api,
    genesis: ValidatorSet,
    height: u64,
    min_validators: Option<usize>,
) -> anyhow::Result<ValidatorSet> {
    let v = api.call("GET", "/validators", None)?;
    // Judged as the validators judge them (a change below 3f+1 is refused).
    let min_validators = min_validators
        .or_else(|| {
            v["min_validators"]
                .as_u64()
                .and_then(|m| usize::try_from(m).ok())
        })
        .unwrap_or(0);
    let mut changes: Vec<(u64, u64)> = v["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["epoch"].as_u64()?, c["from_height"].as_u64()?)))
        .collect();
    changes.sort_unstable();
    let mut set = genesis;
    for (epoch, from) in changes {
        if from > height || from < 2 {
            continue;
        }
        let at = from - 1;
        let r = api.block(at)?;
        let bad = |m: String| {
            fail(
                Code::VerifyFailed,
                format!("set change to epoch {epoch} at height {at}: {m}"),
            )
        };
        let block: Block =
            serde_json::from_value(r["block"].clone()).map_err(|e| bad(e.to_string()))?;
        let qc: QuorumCertificate =
            serde_json::from_value(r["qc"].clone()).map_err(|e| bad(e.to_string()))?;
        if !qc.certifies(&block) {
            return Err(bad("the certificate is for another block".into()));
        }
        if !qc.phase.certifies_commit() {
            return Err(bad(format!(
                "the certificate is for phase {}, not a commit",
                qc.phase
            )));
        }
        qc.verify(&set)
            .map_err(|e| bad(format!("the certificate does not verify: {e}")))?;
        if let Some(p) = finality_problem(api, at, &r, &set) {
            return Err(bad(p));
        }
        let (next, _) = crate::services::consensus::protocol::set_change::next_set(
            &set,
            &block.proposals,
            min_validators,
        );
        match next {
            Some((next, _)) if next.epoch == epoch => set = next,
            _ => return Err(bad("the block does not carry that change".into())),
        }
    }
    Ok(set)
}
