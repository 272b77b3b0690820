#!/usr/bin/env bash
# Replays `tasnif eval --active-learning` from the command line alone: a
# person (the oracle: the label folder of each article) asks
# `tasnif annotate next` for articles, labels them with `annotate add`,
# and at the budget `annotate export` gives the manifest that
# `tasnif train` trains on. The model must be the one the in-process
# simulation saves (`--save-model`) at the same strategy, seed and budget,
# byte for byte.
#
# usage: replay.sh TASNIF DATA LIST STRATEGY SEED START STEP BUDGET WORKDIR
#   DATA   a folder with one sub-folder per label (as `tasnif train` reads)
#   LIST   the pool: paths relative to DATA, one per line
# Exit status 0 when the two models are the same bytes.
set -euo pipefail
if [ $# -ne 9 ]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
tasnif=$1 data=$2 list=$3 strategy=$4 seed=$5 start=$6 step=$7 budget=$8 work=$9
mkdir -p "$work"
db=$work/replay.db
rm -f "$db" "$db-wal" "$db-shm"

# The pool in the simulation's order: the list sorted, as files of DATA.
mapfile -t pool < <(grep -v '^\s*\(#\|$\)' "$list" | sort | sed "s|^|$data/|")
labels=$(sed 's|/.*||' <(printf '%s\n' "${pool[@]#"$data/"}") | sort -u | paste -sd, -)
"$tasnif" annotate init "$db" --pool "${pool[@]}" --labels "$labels" >/dev/null

labeled=0
want=$start
while :; do
  n=$((want - labeled))
  if [ "$n" -gt 0 ]; then
    # each line of `next` starts {"id":"PATH",…; the oracle is PATH's label folder
    "$tasnif" annotate next "$db" -n "$n" --strategy "$strategy" --seed "$seed" \
      | sed -n 's/^{"id":"\([^"]*\)".*/\1/p' \
      | while IFS= read -r id; do
          rel=${id#"$data/"}
          printf '%s,%s\n' "$id" "${rel%%/*}"
        done >"$work/batch.csv"
    got=$(wc -l <"$work/batch.csv")
    [ "$got" -gt 0 ] || break
    "$tasnif" annotate add "$db" - --annotator oracle <"$work/batch.csv" >/dev/null
    labeled=$((labeled + got))
  fi
  [ "$want" -lt "$budget" ] || break
  want=$((want + step))
  [ "$want" -le "$budget" ] || want=$budget
done

"$tasnif" annotate export "$db" -o "$work/export.csv" --force 2>/dev/null
"$tasnif" train "$work/export.csv" -o "$work/replay.tasnif" --force >/dev/null

# The simulation over the same pool (its held-out articles do not change
# what it chooses, so the pool stands in for them).
"$tasnif" eval "$data" --list "$list" --test-list "$list" --active-learning \
  --strategy "$strategy" --seed "$seed" --seeds 1 --start "$start" --step "$step" \
  --budget "$budget" --save-model "$work/simulated.tasnif" --force >/dev/null

if cmp -s "$work/replay.tasnif" "$work/simulated.tasnif"; then
  echo "same model bytes: $strategy, seed $seed, $labeled labels ($(wc -c <"$work/replay.tasnif") bytes)"
else
  echo "DIFFERENT models: $strategy, seed $seed, $labeled labels" >&2
  exit 1
fi
