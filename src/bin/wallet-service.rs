//! The wallet alone (same as `bitcraps serve wallet`).
fn main() -> std::process::ExitCode {
    bitcraps::cli::serve::standalone_main(bitcraps::cli::serve::ServeKind::Wallet)
}
