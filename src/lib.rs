//! BitCraps: a decentralized-casino backend. One crate builds the `bitcraps`
//! CLI (supervisor, queries, dashboard) and the three services it runs: the
//! API gateway, the game engine and the BFT consensus validators.

#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod apikeys;
pub mod auth;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod pgcluster;
pub mod ports;
pub mod sandbox;
pub mod services;
pub mod sharded;
pub mod supervisor;
pub mod telemetry;
pub mod tls;
pub mod tui;
pub mod upstream;

// The services allocate on every request (headers, bodies, futures) from
// many threads; glibc's malloc spent a tenth of the gateway's CPU on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
