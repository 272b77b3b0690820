#!/usr/bin/env bash
# CI of the Python package: builds the wheel (maturin, release), installs it
# with pip alone into a fresh virtualenv and imports it, then adds the pinned
# test dependencies (pyspark, ray, pandas, pyarrow, pytest) and runs
# python/tests: the API against the command line, PySpark on local[2] and
# Ray Data on a local Ray with 2 CPUs. The tests compare with the release
# build of `tasnif` (built here unless TASNIF_BIN names a binary).
#
# Environment: PYTHON (default python3, 3.9 or later), CARGO_TARGET_DIR
# (default: the project's target/), TASNIF_DATA (the corpus; see the README),
# CI=true (a missing corpus, Java, pyspark or ray fails instead of skipping).
# pip's download and wheel cache is used; the virtualenv is new every run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python=${PYTHON:-python3}
target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TERM_COLOR=never PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
start=$(date +%s)
step() { echo "== python/ci.sh: $* ($(( $(date +%s) - start )) s)"; }

command -v java >/dev/null || { echo "java is not installed (Spark needs Java 17)" >&2; exit 1; }

if [ -z "${TASNIF_BIN:-}" ]; then
  step "building the tasnif command (release)"
  (cd "$root" && cargo build --release --quiet --bin tasnif)
  export TASNIF_BIN=$target/release/tasnif
fi

# maturin lives in a build environment of its own, kept between runs.
tools=$target/python-tools
if ! "$tools/bin/maturin" --version 2>/dev/null | grep -q "^maturin 1.16.0$"; then
  step "installing maturin"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  "$tools/bin/pip" install --quiet "maturin==1.16.0"
fi

step "building the wheel"
wheels=$target/wheels
rm -rf "$wheels"
# The same target folder as the root crate: the library and its dependencies,
# built with the same release profile, are compiled once for both.
CARGO_TARGET_DIR=$target "$tools/bin/maturin" build --release --quiet \
  --manifest-path "$here/Cargo.toml" --out "$wheels"
wheel=$(ls "$wheels"/tasnif-*.whl)

step "installing $(basename "$wheel") into a fresh virtualenv with pip alone"
venv=$target/python-ci-venv
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet "$wheel"
(cd /tmp && "$venv/bin/python" -c "import tasnif; print(tasnif.Model.default().label(['...'])[0])")

step "installing the test dependencies"
"$venv/bin/pip" install --quiet -r "$here/requirements-test.txt" -c "$here/constraints-test.txt"

step "running python/tests"
# From tests/: Spark and Ray workers start in the current folder, where
# python/tasnif (sources without the extension) must not hide the wheel.
cd "$here/tests"
"$venv/bin/pytest" -q -p no:cacheprovider -W ignore::DeprecationWarning \
  . --doctest-modules --pyargs tasnif
step "done"
