#!/usr/bin/env bash
# CI of the Python package: builds the manylinux2014 abi3 wheel (maturin
# --zig, release), checks its platform tag (maturin's policy check, then
# auditwheel show), installs it with pip alone into a fresh virtualenv and
# imports it, then adds the pinned test dependencies (scikit-learn, pyspark,
# ray, pandas, pyarrow, pytest) and runs python/tests: the API and Arrow
# against the command line, scikit-learn's estimator checks, PySpark on
# local[2] and Ray Data on a local Ray with 2 CPUs. The tests compare with
# the release build of `tasnif` (built here unless TASNIF_BIN names a binary).
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

# The build tools live in an environment of their own, kept between runs:
# maturin, zig (the linker maturin --zig uses to target glibc 2.17, whatever
# this machine's glibc) and auditwheel (the check of the wheel's platform tag).
tools=$target/python-tools
want="maturin==1.16.0 ziglang==0.17.1 auditwheel==6.8.2"
if [ "$(cat "$tools/.installed" 2>/dev/null)" != "$want" ]; then
  step "installing $want"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  # shellcheck disable=SC2086
  "$tools/bin/pip" install --quiet $want
  echo "$want" > "$tools/.installed"
fi

step "building the wheel (manylinux2014, abi3)"
wheels=$target/wheels
rm -rf "$wheels"
# maturin checks the wheel against the manylinux2014 policy of pyproject.toml
# and fails if a symbol needs a newer glibc. The --zig build compiles for an
# explicit target (target/x86_64-unknown-linux-gnu/), apart from the
# command line's build.
PATH="$tools/bin:$PATH" CARGO_TARGET_DIR=$target "$tools/bin/maturin" build --release --quiet \
  --zig --manifest-path "$here/Cargo.toml" --out "$wheels"
wheel=$(ls "$wheels"/tasnif-*.whl)
arch=$(uname -m)
case "$(basename "$wheel")" in
  tasnif-*-cp39-abi3-manylinux2014_"$arch".manylinux_2_17_"$arch".whl) ;;
  *) echo "python/ci.sh: $(basename "$wheel") is not a manylinux2014 abi3 wheel" >&2; exit 1 ;;
esac
step "auditwheel show $(basename "$wheel")"
"$tools/bin/auditwheel" show "$wheel" | tee "$target/auditwheel-show.txt"
tr -s ' \n' ' ' < "$target/auditwheel-show.txt" \
  | grep -q "is consistent with the following platform tag: \"manylinux_2_17_$arch\"" \
  || { echo "python/ci.sh: auditwheel does not find the wheel manylinux_2_17" >&2; exit 1; }

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
