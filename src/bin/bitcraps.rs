//! The `bitcraps` CLI: launches, supervises and queries the services.
fn main() -> std::process::ExitCode {
    bitcraps::cli::main()
}
