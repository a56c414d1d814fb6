//! The proxied routes in the gateway's OpenAPI document. Their request and
//! response bodies belong to the engine's, the validators' and the wallet's
//! own `/openapi.json`; here each route says where it goes and what the
//! gateway itself may answer.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::{OpenApi, Required, ResponseBuilder};

/// `(method, path, tag, summary, success status)`.
const PROXIED: &[(HttpMethod, &str, &str, &str, &str)] = &[
    (
        HttpMethod::Get,
        "/api/v1/games",
        "games",
        "List games, merged across every healthy engine (engine GET /games)",
        "200",
    ),
    (
        HttpMethod::Post,
        "/api/v1/games",
        "games",
        "Create a game on an engine chosen by the load balancer (engine POST /games)",
        "201",
    ),
    (
        HttpMethod::Get,
        "/api/v1/games/{id}",
        "games",
        "A game, from the engine that holds it (engine GET /games/{id})",
        "200",
    ),
    (
        HttpMethod::Post,
        "/api/v1/games/{id}/actions",
        "games",
        "Act in a game (engine POST /games/{id}/actions)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/games/{id}/events",
        "games",
        "The game's server-sent events, streamed (engine GET /games/{id}/events)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/games/{id}/proof",
        "games",
        "What a player needs to check every roll and card (engine GET /games/{id}/proof)",
        "200",
    ),
    (
        HttpMethod::Post,
        "/api/v1/consensus/propose",
        "consensus",
        "Propose a value to the validators (validator POST /propose)",
        "202",
    ),
    (
        HttpMethod::Post,
        "/api/v1/consensus/vote",
        "consensus",
        "Submit a signed vote (validator POST /vote)",
        "202",
    ),
    (
        HttpMethod::Get,
        "/api/v1/consensus/status",
        "consensus",
        "A validator's status (validator GET /status)",
        "200",
    ),
    (
        HttpMethod::Post,
        "/api/v1/consensus/validators",
        "consensus",
        "Change the validator set; admin only (validator POST /validators)",
        "202",
    ),
    (
        HttpMethod::Get,
        "/api/v1/consensus/blocks/{height}",
        "consensus",
        "A committed block with its quorum certificate (validator GET /blocks/{height})",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/consensus/evidence",
        "consensus",
        "Evidence of misbehaviour (validator GET /evidence)",
        "200",
    ),
    (
        HttpMethod::Post,
        "/api/v1/wallet/transfers",
        "wallet",
        "Move chips: one transfer, or an array applied all or none; idempotent by the client's ids (wallet POST /transfers)",
        "201",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/transfers",
        "wallet",
        "The whole transfer log; cashiers and admins (wallet GET /transfers)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/transfers/{id}",
        "wallet",
        "One transfer (wallet GET /transfers/{id})",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/accounts",
        "wallet",
        "Accounts and their balances (wallet GET /accounts)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/accounts/{id}",
        "wallet",
        "One account's balances; players read only their own (wallet GET /accounts/{id})",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/accounts/{id}/transfers",
        "wallet",
        "An account's history (wallet GET /accounts/{id}/transfers)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/audit",
        "wallet",
        "Conservation and the hash chain checked; cashiers and admins (wallet GET /audit)",
        "200",
    ),
    (
        HttpMethod::Get,
        "/api/v1/wallet/summary",
        "wallet",
        "The chain's head, chips issued and the house's balance (wallet GET /summary)",
        "200",
    ),
];

/// Routes whose bodies the gateway reads itself, up to a limit.
fn body_limit(method: &HttpMethod, path: &str) -> Option<usize> {
    match (method, path) {
        (HttpMethod::Post, "/api/v1/consensus/propose") => Some(super::PROPOSE_BODY_LIMIT),
        (HttpMethod::Post, "/api/v1/wallet/transfers") => Some(super::WALLET_TRANSFER_BODY_LIMIT),
        _ => None,
    }
}

/// Adds every proxied route to `doc`.
pub fn add_proxied(doc: &mut OpenApi) {
    for (method, path, tag, summary, ok) in PROXIED {
        let mut op = OperationBuilder::new()
            .tag(*tag)
            .summary(Some(*summary))
            .response(
                *ok,
                ResponseBuilder::new().description("The upstream's answer, streamed"),
            )
            .response(
                "401",
                ResponseBuilder::new().description("No or bad credentials"),
            )
            .response("403", ResponseBuilder::new().description("Wrong role"))
            .response(
                "429",
                ResponseBuilder::new().description("Rate limited; see Retry-After"),
            )
            .response(
                "502",
                ResponseBuilder::new().description("Upstream unreachable"),
            )
            .response(
                "503",
                ResponseBuilder::new().description("No healthy instance, or its circuit is open"),
            )
            .response(
                "504",
                ResponseBuilder::new().description("Upstream did not answer in time"),
            );
        if let Some(limit) = body_limit(method, path) {
            op = op.response(
                "413",
                ResponseBuilder::new()
                    .description(format!("The request body is over {limit} bytes")),
            );
        }
        for name in ["id", "height"] {
            if path.contains(&format!("{{{name}}}")) {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True),
                );
            }
        }
        doc.paths
            .add_path_operation(path, vec![method.clone()], op.build());
    }
}
