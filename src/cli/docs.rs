//! `tasnif completions SHELL` and `tasnif man`: shell completions
//! (clap_complete) and manual pages (clap_mangen), generated from the same
//! definitions as `--help`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (tasnif-COMMAND(1)) [default: tasnif(1)].
    command: Option<String>,
    /// Write every page (tasnif.1, tasnif-train.1, ...) into DIR instead
    /// of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    dir: Option<PathBuf>,
    /// With --dir: overwrite pages that exist.
    #[arg(long, requires = "dir")]
    force: bool,
}

/// Prints the completion script of `shell` on standard output.
pub fn completions(a: CompletionsArgs) -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "tasnif", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)?;
    Ok(super::exit::SUCCESS)
}

/// The manual pages: tasnif(1), then tasnif-COMMAND(1) for each command
/// shown in `--help`, each with its file name.
fn pages() -> anyhow::Result<Vec<(String, String, Vec<u8>)>> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut cmds = vec![("tasnif".to_string(), root.clone())];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        cmds.push((sub.get_name().to_string(), sub.clone()));
    }
    cmds.into_iter()
        .map(|(name, cmd)| {
            let man = clap_mangen::Man::new(cmd);
            let mut page = Vec::new();
            man.render(&mut page)?;
            Ok((name, man.get_filename(), page))
        })
        .collect()
}

/// Prints one manual page (roff) on standard output, or writes them all into `--dir`.
pub fn man(a: ManArgs) -> anyhow::Result<u8> {
    let pages = pages()?;
    if let Some(dir) = &a.dir {
        let paths: Vec<PathBuf> = pages.iter().map(|(_, file, _)| dir.join(file)).collect();
        super::check_outputs(a.force, paths.iter().map(|p| Some(p.as_path())))?;
        for (path, (_, _, page)) in paths.iter().zip(&pages) {
            tasnif::atomic::write_atomic(path, page, a.force)?;
        }
        note!(
            "tasnif: {} manual pages written to {}",
            pages.len(),
            dir.display()
        );
        return Ok(super::exit::SUCCESS);
    }
    let wanted = a.command.as_deref().unwrap_or("tasnif");
    let Some((_, _, page)) = pages.iter().find(|(name, _, _)| name == wanted) else {
        let names: Vec<&str> = pages.iter().skip(1).map(|(n, _, _)| n.as_str()).collect();
        usage!(
            "no manual page for '{wanted}' (commands: {})",
            names.join(", ")
        );
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), page)?;
    Ok(super::exit::SUCCESS)
}
