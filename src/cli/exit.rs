//! Exit codes: a contract with scripts, documented in the README and in
//! `bitcraps --help`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    Ok = 0,
    /// Any other failure.
    Error = 1,
    /// Bad command line (clap's own code).
    Usage = 2,
    /// An unknown service, game, block, account or other id.
    NotFound = 3,
    /// Credentials missing or refused.
    Auth = 4,
    /// Not running, not ready, or timed out.
    Unavailable = 5,
    /// A verification found a mismatch.
    VerifyFailed = 6,
}

pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  success
  1  error
  2  usage error (bad flags or arguments)
  3  not found (unknown service, game, block, account)
  4  authentication or authorization refused
  5  unavailable: not running, not ready, or timed out
  6  verification failed";

/// An error that carries its exit code.
#[derive(Debug)]
pub struct Fail {
    pub code: Code,
    pub message: String,
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

pub fn fail(code: Code, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Fail {
        code,
        message: message.into(),
    })
}

/// The exit code an error maps to.
pub fn code_of(err: &anyhow::Error) -> Code {
    err.chain()
        .find_map(|e| e.downcast_ref::<Fail>().map(|f| f.code))
        .unwrap_or(Code::Error)
}

/// True when the error is a closed stdout (`bitcraps ps | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The end of a `verify` command: Ok with no problems, else exit 6 naming
/// every one (`{what} does not verify: a; b`).
pub fn verdict(what: &str, problems: &[String]) -> anyhow::Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(fail(
            Code::VerifyFailed,
            format!("{what} does not verify: {}", problems.join("; ")),
        ))
    }
}
