//! `bitcraps sandbox`: what each service may open once it has confined
//! itself (see [`crate::sandbox`]), and a probe that asks the kernel.

use clap::Subcommand;

use super::GlobalArgs;
use super::exit::{Code, fail};
use super::output::{self, OutputFormat};
use crate::sandbox::{self, Mode};

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// List what INSTANCE may open once confined: each path, its access
    /// (read, read_exec, read_write) and why.
    Show {
        /// gateway, engine-N, validator-N, wallet (or wallet-N).
        instance: String,
    },
    /// Confine this process exactly as INSTANCE confines itself, then try
    /// to open every file under the state dir: what the kernel lets that
    /// service read. Exit 6 when a file meant to be out of its reach (a
    /// private key, another service's data) could be read, for instance
    /// on a kernel without Landlock.
    Probe {
        /// gateway, engine-N, validator-N, wallet (or wallet-N).
        instance: String,
    },
}

pub fn run(g: &GlobalArgs, cmd: &SandboxCommand) -> anyhow::Result<()> {
    let (instance, probe) = match cmd {
        SandboxCommand::Show { instance } => (instance, false),
        SandboxCommand::Probe { instance } => (instance, true),
    };
    if sandbox::kind_of(instance).is_none() {
        return Err(fail(
            Code::Usage,
            format!(
                "{instance:?} is not a service instance: use gateway, engine-N, validator-N, \
                 wallet or wallet-N"
            ),
        ));
    }
    let loaded = super::load_config(g, &[])?;
    let cfg = &loaded.config;
    let state_dir = g.state_dir.canonicalize().map_err(|e| {
        fail(
            Code::NotFound,
            format!("state dir {}: {e}", g.state_dir.display()),
        )
    })?;
    let mode = Mode::parse(&cfg.sandbox.mode).map_err(|e| fail(Code::Usage, format!("{e:#}")))?;
    let config_file = loaded
        .file_given
        .clone()
        .map(|f| std::path::absolute(&f).unwrap_or(f));
    let (grants, protected) =
        sandbox::for_instance(instance, cfg, &state_dir, config_file.as_deref())
            .map_err(|e| fail(Code::Error, format!("{e:#}")))?;
    if !probe {
        if g.output == OutputFormat::Json {
            return output::print_json(&serde_json::json!({
                "instance": instance, "mode": mode, "grants": grants,
            }));
        }
        let mut t = output::table(&["PATH", "ACCESS", "WHY"]);
        for gr in &grants {
            let access = serde_json::to_value(gr.access)?;
            t.add_row(vec![
                gr.path.display().to_string(),
                access.as_str().unwrap_or_default().to_string(),
                gr.why.clone(),
            ]);
        }
        return output::print_table(&t);
    }
    let report = sandbox::probe(instance, mode, grants, &protected, &state_dir)
        .map_err(|e| fail(Code::Error, format!("cannot confine: {e:#}")))?;
    let leaks: Vec<String> = report
        .leaks()
        .map(|v| v.path.display().to_string())
        .collect();
    if g.output == OutputFormat::Json {
        output::print_json(&report)?;
    } else {
        let mut t = output::table(&["FILE", "READABLE", "MEANT"]);
        for v in &report.files {
            let shown = v
                .path
                .strip_prefix(&state_dir)
                .unwrap_or(&v.path)
                .display()
                .to_string();
            t.add_row(vec![
                shown,
                if v.readable { "yes" } else { "no" }.to_string(),
                if v.protected { "no" } else { "yes" }.to_string(),
            ]);
        }
        output::print_table(&t)?;
        if !g.quiet {
            eprintln!(
                "{instance}: sandbox {}; {} of {} files readable, {} of them out of its reach by design",
                serde_json::to_value(&report.enforced)?
                    .as_str()
                    .unwrap_or_default(),
                report.files.iter().filter(|v| v.readable).count(),
                report.files.len(),
                leaks.len()
            );
        }
    }
    if !leaks.is_empty() {
        return Err(fail(
            Code::VerifyFailed,
            format!(
                "{instance} could read {} file(s) meant to be out of its reach: {}",
                leaks.len(),
                leaks.join(", ")
            ),
        ));
    }
    Ok(())
}
