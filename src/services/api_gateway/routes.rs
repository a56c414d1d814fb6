//! Which upstream routes the gateway forwards, and to whom: a pure
//! allow-list over canonical paths.
//!
//! The path a handler sees is already percent-decoded (`%3F` is `?`,
//! `%2F` is `/`), so a check on it and the path forwarded upstream must be
//! the same string, built only from segments that cannot change meaning on
//! the way: letters, digits, `-`, `_`, `.`, `~`, `:` and `@` (the
//! characters ids are made of), never empty, never `.`
//! or `..`. Anything else is not a route (404) — it is never re-encoded
//! and forwarded, so `/api/v1/consensus/validators%3F` cannot reach a
//! validator as `/validators?` past the admin check.

use axum::http::{Method, StatusCode};

use crate::services::common::Problem;

/// Who may call a forwarded route (on top of holding valid credentials,
/// which the gateway checks for every route).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Any authenticated caller; the upstream checks finer roles itself.
    Anyone,
    /// The admin role.
    Admin,
    /// The validator role (a validator's votes).
    Validator,
}

/// A forwarded route: the upstream path (canonical, safe to splice into a
/// URL as is) and who may call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub path: String,
    pub need: Need,
}

/// Whether `s` is a segment the gateway forwards unchanged.
fn safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.len() <= 128
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':' | b'@')
        })
}

/// `rest` split into safe segments, or `None` if any segment is not safe.
fn segments(rest: &str) -> Option<Vec<&str>> {
    let segs: Vec<&str> = rest.split('/').collect();
    segs.iter().all(|s| safe_segment(s)).then_some(segs)
}

fn not_a_route(prefix: &str, rest: &str, allowed: &str) -> Problem {
    Problem::not_found(format!(
        "{prefix}/{} is not a route the gateway forwards (it forwards {allowed})",
        rest.escape_debug()
    ))
}

/// Whether `method` is one of `allow` (HEAD wherever GET is).
fn allowed(method: &Method, allow: &[&Method]) -> bool {
    allow.contains(&method) || (*method == Method::HEAD && allow.contains(&&Method::GET))
}

fn wrong_method(method: &Method, prefix: &str, path: &str, allow: &[&Method]) -> Problem {
    let mut allow: Vec<&str> = allow.iter().map(|m| m.as_str()).collect();
    let use_ = allow.join(" or ");
    if allow.contains(&"GET") {
        allow.push("HEAD");
    }
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {prefix}{path}; use {use_}"),
    )
    .with_allow(&allow)
}

const CONSENSUS: &str = "/api/v1/consensus";
const CONSENSUS_ROUTES: &str = "POST propose, GET proposals/{id}, GET blocks/{height}, GET status, \
     GET evidence, GET|POST validators (admin), POST vote (validator)";

/// The validator route behind `/api/v1/consensus/{rest}` (`rest` as
/// decoded by the router), or the problem to answer. `/peer`, `/fault` and
/// the validators' own `/health`, `/metrics` and `/openapi.json` are never
/// forwarded.
pub fn consensus(method: &Method, rest: &str) -> Result<Route, Problem> {
    let miss = || not_a_route(CONSENSUS, rest, CONSENSUS_ROUTES);
    let segs = segments(rest).ok_or_else(miss)?;
    let (allow, need): (&[&Method], Need) = match segs.as_slice() {
        ["propose"] => (&[&Method::POST], Need::Anyone),
        ["proposals", _] | ["blocks", _] | ["status"] | ["evidence"] => {
            (&[&Method::GET], Need::Anyone)
        }
        ["validators"] => (&[&Method::GET, &Method::POST], Need::Admin),
        ["vote"] => (&[&Method::POST], Need::Validator),
        _ => return Err(miss()),
    };
    let path = format!("/{}", segs.join("/"));
    if !allowed(method, allow) {
        return Err(wrong_method(method, CONSENSUS, &path, allow));
    }
    Ok(Route { path, need })
}

const WALLET: &str = "/api/v1/wallet";
const WALLET_ROUTES: &str = "GET|POST transfers, GET transfers/{id}, GET accounts, \
     GET accounts/{id}, GET accounts/{id}/transfers, GET reservations, GET audit, GET summary";

/// The wallet route behind `/api/v1/wallet/{rest}`. The wallet checks the
/// finer roles (cashier, admin, a player's own account) itself.
pub fn wallet(method: &Method, rest: &str) -> Result<Route, Problem> {
    let miss = || not_a_route(WALLET, rest, WALLET_ROUTES);
    let segs = segments(rest).ok_or_else(miss)?;
    let allow: &[&Method] = match segs.as_slice() {
        ["transfers"] => &[&Method::GET, &Method::POST],
        ["transfers", _]
        | ["accounts"]
        | ["accounts", _]
        | ["accounts", _, "transfers"]
        | ["reservations"]
        | ["audit"]
        | ["summary"] => &[&Method::GET],
        _ => return Err(miss()),
    };
    let path = format!("/{}", segs.join("/"));
    if !allowed(method, allow) {
        return Err(wrong_method(method, WALLET, &path, allow));
    }
    Ok(Route {
        path,
        need: Need::Anyone,
    })
}

const GAMES: &str = "/api/v1/games";
const GAME_ROUTES: &str = "GET {id}, POST {id}/actions, GET {id}/events, GET {id}/proof";

/// The engine route behind `/api/v1/games/{id}` (`rest` `None`) or
/// `/api/v1/games/{id}/{rest}`.
pub fn game(method: &Method, id: &str, rest: Option<&str>) -> Result<Route, Problem> {
    let shown = match rest {
        Some(r) => format!("{id}/{r}"),
        None => id.to_string(),
    };
    let miss = || not_a_route(GAMES, &shown, GAME_ROUTES);
    if !safe_segment(id) {
        return Err(miss());
    }
    let allow: &[&Method] = match rest {
        None => &[&Method::GET],
        Some("actions") => &[&Method::POST],
        Some("events" | "proof") => &[&Method::GET],
        Some(_) => return Err(miss()),
    };
    let path = format!("/games/{shown}");
    if !allowed(method, allow) {
        return Err(wrong_method(method, GAMES, &format!("/{shown}"), allow));
    }
    Ok(Route {
        path,
        need: Need::Anyone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn status(r: Result<Route, Problem>) -> u16 {
        match r {
            Ok(_) => 200,
            Err(p) => p.status,
        }
    }

    #[test]
    fn the_consensus_allow_list() {
        let ok = |m: Method, rest: &str, need: Need| {
            let r = consensus(&m, rest).unwrap();
            assert_eq!(r.path, format!("/{rest}"));
            assert_eq!(r.need, need, "{m} {rest}");
        };
        ok(Method::POST, "propose", Need::Anyone);
        ok(Method::GET, "proposals/abc-1", Need::Anyone);
        ok(Method::GET, "blocks/7", Need::Anyone);
        ok(Method::GET, "status", Need::Anyone);
        ok(Method::GET, "evidence", Need::Anyone);
        ok(Method::GET, "validators", Need::Admin);
        ok(Method::POST, "validators", Need::Admin);
        ok(Method::POST, "vote", Need::Validator);
        for never in [
            "peer",
            "fault",
            "health",
            "health/ready",
            "metrics",
            "openapi.json",
        ] {
            assert_eq!(status(consensus(&Method::GET, never)), 404, "{never}");
            assert_eq!(status(consensus(&Method::POST, never)), 404, "{never}");
        }
        assert_eq!(status(consensus(&Method::GET, "propose")), 405);
        assert_eq!(status(consensus(&Method::DELETE, "validators")), 405);
        assert_eq!(status(consensus(&Method::GET, "vote")), 405);
        // A 405 names what is allowed in its Allow header (RFC 9110).
        let allow = |r: Result<Route, Problem>| r.unwrap_err().allow_header().unwrap();
        assert_eq!(allow(consensus(&Method::TRACE, "propose")), "POST");
        assert_eq!(
            allow(consensus(&Method::PUT, "validators")),
            "GET, HEAD, POST"
        );
        assert_eq!(allow(wallet(&Method::TRACE, "summary")), "GET, HEAD");
    }

    #[test]
    fn decoded_paths_that_would_change_meaning_upstream_are_not_routes() {
        // What the router hands over after percent-decoding.
        for rest in [
            "validators?",    // %3F
            "validators?x=1", // %3Fx=1
            "validators#",    // %23
            "validators/",    // %2F or a trailing slash
            "./validators",   // dot segment
            "status/../validators",
            "x/../validators",
            "%76alidators", // double-encoded
            "validators ",
            "validators\0",
            "Validators/..",
            "",
            "/validators", // double slash
            "peer?",
            "blocks/1?x",
            "blocks/1#",
        ] {
            for m in [Method::GET, Method::POST] {
                assert_eq!(status(consensus(&m, rest)), 404, "{m} {rest:?}");
            }
        }
        assert_eq!(status(wallet(&Method::GET, "audit?")), 404);
        assert_eq!(status(wallet(&Method::GET, "accounts/../audit")), 404);
        assert_eq!(status(game(&Method::GET, "e0-1?x", None)), 404);
        assert_eq!(status(game(&Method::GET, "..", Some("proof"))), 404);
        assert_eq!(status(game(&Method::GET, "e0-1", Some("proof/x"))), 404);
    }

    #[test]
    fn wallet_and_game_routes() {
        assert_eq!(
            wallet(&Method::POST, "transfers").unwrap().path,
            "/transfers"
        );
        assert_eq!(
            wallet(&Method::GET, "accounts/player:alice/transfers")
                .unwrap()
                .path,
            "/accounts/player:alice/transfers"
        );
        assert_eq!(status(wallet(&Method::DELETE, "transfers")), 405);
        assert_eq!(status(wallet(&Method::GET, "fault")), 404);
        assert_eq!(
            game(&Method::POST, "e0-abc", Some("actions")).unwrap().path,
            "/games/e0-abc/actions"
        );
        assert_eq!(status(game(&Method::POST, "e0-abc", None)), 405);
        assert_eq!(status(game(&Method::GET, "e0-abc", Some("actions"))), 405);
    }

    proptest! {
        /// Whatever the decoded path, an allowed route's upstream path is
        /// exactly `/` + the path the allow-list matched, and it carries
        /// nothing a URL parser would split off or resolve.
        #[test]
        fn a_forwarded_path_is_the_checked_path(rest in "[a-z?#/.%~ 0-9A-Z_-]{0,24}") {
            for m in [Method::GET, Method::POST] {
                if let Ok(r) = consensus(&m, &rest) {
                    prop_assert_eq!(&r.path, &format!("/{rest}"));
                    prop_assert!(!r.path.contains(['?', '#', '%', ' ']));
                    prop_assert!(r.path[1..].split('/').all(|s| !s.is_empty() && s != "." && s != ".."));
                    if rest.starts_with("validators") {
                        prop_assert_eq!(r.need, Need::Admin);
                    }
                }
            }
        }
    }
}
