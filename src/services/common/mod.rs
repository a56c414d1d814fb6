//! What every service shares: base routes, middleware, errors, readiness,
//! binding and graceful shutdown.

pub mod extract;
pub mod http;
pub mod listen;
pub mod openapi;
pub mod problem;
pub mod readiness;

pub use http::{ServiceContext, base_router};
pub use problem::Problem;
pub use readiness::{DependencyStatus, Readiness, ReadyReport};
