#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600) on the stable toolchain.
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
# New inputs go to fuzz/corpus/TARGET (not committed), starting from the
# committed seeds in fuzz/seeds/TARGET; a crash is saved in fuzz/artifacts/TARGET.
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); RUSTC_BOOTSTRAP=1
# lets the stable compiler accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags]}
secs=${2:-600}
shift $(( $# < 2 ? $# : 2 ))
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
RUSTC_BOOTSTRAP=1 exec cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
  -max_total_time="$secs" -print_final_stats=1 "$@"
