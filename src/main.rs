//! The `tasnif` command: raw arguments → validated options → run → exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(args) => args,
        Err(code) => return ExitCode::from(code),
    };
    if !args.handles_signals() {
        cli::exit_on_signals();
    }
    match cli::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if cli::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            let code = if cli::is_usage(&e) {
                cli::exit::USAGE
            } else {
                cli::exit::ERROR
            };
            let hint = e
                .chain()
                .find_map(|c| c.downcast_ref::<tasnif::Error>())
                .and_then(cli::hint)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            // nothing more to do if standard error cannot be written either
            let _ = writeln!(std::io::stderr(), "tasnif: error: {e:#}{hint}");
            ExitCode::from(code)
        }
    }
}
