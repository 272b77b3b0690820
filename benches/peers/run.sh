#!/usr/bin/env bash
# The peer comparison in one command: tasnif and its peers on the reference
# split of ANT Corpus v2.1, measured now on this machine, printed as Markdown.
#
#   benches/peers/run.sh [options]
#
#   --data DIR        folder holding ant-multisource/ (default: $TASNIF_DATA,
#                     else ../shared/data beside the project root)
#   --out FILE        all figures as one JSON file (default: target/peers/results.json)
#   --skip-tasnif     do not build or run tasnif; peers only
#   --only SYSTEM     run only SYSTEM (repeatable): tasnif, sklearn-snowball-cnb,
#                     sklearn-mnb, fasttext or nltk-isri-mnb
#   --rounds N        interleaved rounds (default 3): in each, tasnif (defaults,
#                     then --refine none) and then every peer run once, in turn,
#                     so that every ratio compares runs that saw the same load;
#                     the tables show medians over the rounds
#   --repeats N       label runs per peer and round, median reported (default 1)
#   --fit-repeats N   fits per peer and round, median reported (default 1)
#   --tasnif-arg ARG  extra argument for `tasnif bench` (repeatable), e.g. --tasnif-arg=--runs=3
#   --wait-idle[=S]   before tasnif bench and before each peer, wait (at most S
#                     seconds, default 900) until other processes use < 25% of
#                     the CPUs over 2 s; on a timeout, go on and say so in the notes
#   -h, --help        this text
#
# The raw JSON of every system goes to target/peers/run-<time>/; the table is
# also saved there as table.md. Exits 1 when a system failed (the others are
# still measured and shown).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
all_peers=(sklearn-snowball-cnb sklearn-mnb fasttext nltk-isri-mnb)

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

data=${TASNIF_DATA:-$root/../shared/data}
out=$root/target/peers/results.json
skip_tasnif=0
only=()
rounds=3
repeats=1
fit_repeats=1
tasnif_args=()
wait_idle=0
while (($#)); do
  case $1 in
    --data) data=$2; shift 2 ;;
    --data=*) data=${1#*=}; shift ;;
    --out) out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --skip-tasnif) skip_tasnif=1; shift ;;
    --only) only+=("$2"); shift 2 ;;
    --only=*) only+=("${1#*=}"); shift ;;
    --rounds) rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --repeats) repeats=$2; shift 2 ;;
    --repeats=*) repeats=${1#*=}; shift ;;
    --fit-repeats) fit_repeats=$2; shift 2 ;;
    --fit-repeats=*) fit_repeats=${1#*=}; shift ;;
    --tasnif-arg) tasnif_args+=("$2"); shift 2 ;;
    --tasnif-arg=*) tasnif_args+=("${1#*=}"); shift ;;
    --wait-idle) wait_idle=900; shift ;;
    --wait-idle=*) wait_idle=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# Which systems run.
run_tasnif=$((1 - skip_tasnif))
peers=("${all_peers[@]}")
if ((${#only[@]})); then
  run_tasnif=0
  peers=()
  for s in "${only[@]}"; do
    case " tasnif ${all_peers[*]} " in
      *" $s "*) ;;
      *) echo "run.sh: --only $s: unknown system (tasnif ${all_peers[*]})" >&2; exit 2 ;;
    esac
    if [[ $s == tasnif ]]; then
      ((skip_tasnif)) || run_tasnif=1
    else
      peers+=("$s")
    fi
  done
fi

# The corpus: accept the folder holding ant-multisource/ or ant-multisource itself.
if [[ -f $data/ant-multisource/split/train.txt ]]; then
  data=$(cd "$data" && pwd)
elif [[ -f $data/split/train.txt ]]; then
  data=$(cd "$data/.." && pwd)
else
  echo "run.sh: the corpus is not at $data/ant-multisource (use --data DIR or TASNIF_DATA)" >&2
  exit 1
fi
export TASNIF_DATA=$data

t_start=$(date +%s)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
rundir=$root/target/peers/run-$stamp
mkdir -p "$rundir"
# Files older than this are never shown (compare.py --since).
since=$(python3 -c 'import time; print(time.time() - 1)')
failed=()
notes=()
log() { printf '\n== %s (load average %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

log "corpus: $data/ant-multisource; raw figures: $rundir"

# Percentage of all CPUs busy over 2 seconds (from /proc/stat).
cpu_busy() {
  local _ u n s i w q sq st t1 i1 t2 i2
  read -r _ u n s i w q sq st _ </proc/stat
  t1=$((u + n + s + i + w + q + sq + st)) i1=$((i + w))
  sleep 2
  read -r _ u n s i w q sq st _ </proc/stat
  t2=$((u + n + s + i + w + q + sq + st)) i2=$((i + w))
  echo $((100 * ((t2 - t1) - (i2 - i1)) / (t2 - t1 > 0 ? t2 - t1 : 1)))
}
# With --wait-idle: wait until the machine is quiet before measuring $1.
wait_for_idle() {
  ((wait_idle > 0)) || return 0
  local deadline=$(($(date +%s) + wait_idle)) busy said=0
  while busy=$(cpu_busy); ((busy >= 25)); do
    if (($(date +%s) >= deadline)); then
      notes+=("$1 was measured while other processes kept ${busy}% of the CPUs busy (waited ${wait_idle} s).")
      return 0
    fi
    ((said)) || echo "run.sh: CPUs ${busy}% busy; waiting for an idle machine before $1" >&2
    said=1
    sleep 5
  done
}

venv=${PEERS_VENV:-$here/.venv}
if ((${#peers[@]})); then
  log "setting up the peers' virtualenv"
  PEERS_VENV=$venv "$here/setup.sh" >&2
fi

tasnif_args_runs=(--runs 1)
for a in ${tasnif_args[@]+"${tasnif_args[@]}"}; do
  case $a in --runs=*|--runs) tasnif_args_runs=() ;; esac
done
tasnif_jsons=()
unrefined_jsons=()
peer_args=()
if ((run_tasnif)); then
  log "building tasnif (cargo build --release)"
  if ! (cd "$root" && cargo build --release >&2); then
    failed+=(tasnif)
    notes+=("cargo build --release failed in this run; tasnif was not measured.")
    run_tasnif=0
  fi
fi
for ((r = 1; r <= rounds; r++)); do
  mkdir -p "$rundir/round-$r"
  if ((run_tasnif)); then
    wait_for_idle "tasnif (round $r)"
    log "round $r/$rounds: tasnif bench"
    j=$rundir/round-$r/tasnif.json
    if (cd "$root" && ./target/release/tasnif bench --json "$j" ${tasnif_args_runs[@]+"${tasnif_args_runs[@]}"} ${tasnif_args[@]+"${tasnif_args[@]}"} >&2); then
      tasnif_jsons+=(--tasnif "$j")
    else
      failed+=("tasnif (round $r)")
      notes+=("tasnif bench failed in round $r; see the log above.")
    fi
    # The same without the perceptron's refinement: what it costs and gains.
    log "round $r/$rounds: tasnif bench --refine none"
    j=$rundir/round-$r/tasnif-unrefined.json
    if (cd "$root" && ./target/release/tasnif bench --refine none --json "$j" ${tasnif_args_runs[@]+"${tasnif_args_runs[@]}"} ${tasnif_args[@]+"${tasnif_args[@]}"} >&2); then
      unrefined_jsons+=(--tasnif-unrefined "$j")
    else
      failed+=("tasnif --refine none (round $r)")
      notes+=("tasnif bench --refine none failed in round $r; see the log above.")
    fi
  fi
  for s in ${peers[@]+"${peers[@]}"}; do
    wait_for_idle "$s (round $r)"
    log "round $r/$rounds: peer $s (fresh process)"
    if "$venv/bin/python" "$here/peers.py" --system "$s" --data "$data" --json "$rundir/round-$r/$s.json" \
        --repeats "$repeats" --fit-repeats "$fit_repeats"; then
      peer_args+=(--peer "$rundir/round-$r/$s.json")
    else
      failed+=("$s (round $r)")
      notes+=("$s failed in round $r; see the log above.")
    fi
  done
done

log "comparison"
compare_args=(--since "$since" --out "$out")
compare_args+=(${tasnif_jsons[@]+"${tasnif_jsons[@]}"} ${unrefined_jsons[@]+"${unrefined_jsons[@]}"})
for n in ${notes[@]+"${notes[@]}"}; do compare_args+=(--note "$n"); done
python3 "$here/compare.py" ${compare_args[@]+"${compare_args[@]}"} ${peer_args[@]+"${peer_args[@]}"} | tee "$rundir/table.md"
cp "$out" "$rundir/results.json" 2>/dev/null || true

t_total=$(($(date +%s) - t_start))
printf '\nrun.sh: %d min %02d s in total\n' $((t_total / 60)) $((t_total % 60)) >&2
if ((${#failed[@]})); then
  echo "run.sh: failed: ${failed[*]}" >&2
  exit 1
fi
