//! The game engine alone (same as `bitcraps serve engine`).
fn main() -> std::process::ExitCode {
    bitcraps::cli::serve::standalone_main(bitcraps::cli::serve::ServeKind::Engine)
}
