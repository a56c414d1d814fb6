//! `bitcraps consensus propose|status|verify` through the gateway.

use clap::Subcommand;
use serde_json::{Value, json};

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::gateway_client::{Gateway, Target};
use super::output::{self, OutputFormat};
use crate::services::consensus::protocol::{Block, QuorumCertificate, ValidatorSet};

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
    /// Check a block's quorum certificate against the genesis validator set.
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
            let r = api.call("POST", path, Some(json!({ "payload": value })))?;
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
        ConsensusCommand::Verify {
            height,
            genesis,
            target,
        } => {
            let api = Api::new(g, target)?;
            let path = genesis
                .clone()
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
            let r = api.call("GET", &format!("/blocks/{height}"), None)?;
            let block: Block = serde_json::from_value(r["block"].clone())
                .map_err(|e| fail(Code::VerifyFailed, format!("the block does not parse: {e}")))?;
            let qc: QuorumCertificate = serde_json::from_value(r["qc"].clone()).map_err(|e| {
                fail(
                    Code::VerifyFailed,
                    format!("the certificate does not parse: {e}"),
                )
            })?;
            let mut problems = Vec::new();
            if !qc.phase.certifies_commit() {
                problems.push(format!(
                    "the certificate is for phase {}, not commit",
                    qc.phase
                ));
            }
            if !qc.certifies(&block) {
                problems
                    .push("the certificate is for a different block (height or hash)".to_string());
            }
            if let Err(e) = qc.verify(&set) {
                problems.push(format!("the certificate does not verify: {e}"));
            }
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
            if ok {
                Ok(())
            } else {
                Err(fail(
                    Code::VerifyFailed,
                    format!("height {height} does not verify: {}", problems.join("; ")),
                ))
            }
        }
    }
}
