//! The integration tests: one binary, one module per behaviour. Every test
//! runs the real `tasnif` binary or the library as a user would. Tests
//! that need the corpus (../shared/data, or $TASNIF_DATA) say `SKIPPED`
//! and why without it, and fail under `CI=true`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../fuzz_checks/mod.rs"]
mod fuzz_checks;

mod annotate;
mod architecture;
mod cli;
mod corpus;
mod em;
mod eval;
mod fuzz_regressions;
mod gate;
#[cfg(unix)]
mod inputs;
mod label;
mod model_file;
mod nb_linfa;
#[cfg(unix)]
mod outputs;
mod props;
mod report;
mod serve;
mod train;
#[cfg(unix)]
mod workbench;
