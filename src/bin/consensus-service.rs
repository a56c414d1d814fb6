//! One consensus validator alone (same as `bitcraps serve consensus`).
fn main() -> std::process::ExitCode {
    bitcraps::cli::serve::standalone_main(bitcraps::cli::serve::ServeKind::Consensus)
}
