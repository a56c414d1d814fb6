//! The API gateway alone (same as `bitcraps serve gateway`).
fn main() -> std::process::ExitCode {
    bitcraps::cli::serve::standalone_main(bitcraps::cli::serve::ServeKind::Gateway)
}
