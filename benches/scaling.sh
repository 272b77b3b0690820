#!/usr/bin/env bash
# How label and train scale with the size of their input, measured now on
# this machine and printed as a Markdown table.
#
#   benches/scaling.sh [options]
#
#   --data DIR       folder holding ant-multisource/ (default: $TASNIF_DATA,
#                    else ../shared/data beside the project root)
#   --bin FILE       the tasnif binary (default: target/release/tasnif, built
#                    with cargo build --release when missing)
#   --label-scales "1 10 50"   copies of the test split to label
#   --train-scales "1 2 4"     copies of the train split to train on
#   --runs N         runs of each measurement, median reported (default 3)
#   -j N             label and train threads (default: all cores)
#   --keep           keep the inputs made under target/scaling/ (default:
#                    removed at the end; they take about 1 GB at 50x)
#   -h, --help       this text
#
# Label reads the copies twice: as files in folders (hard links to the
# corpus, one folder per copy) and as one JSON-lines stream on standard
# input. Train reads a manifest that lists every training article once per
# copy (the same texts again: this measures time and memory, not accuracy).
# Each run is one whole process timed by /usr/bin/time: wall seconds, CPU
# seconds (user + system) and peak resident memory. The load average at the
# start and the end of the run is printed with the table.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

data=${TASNIF_DATA:-$root/../shared/data}
bin=$root/target/release/tasnif
label_scales="1 10 50"
train_scales="1 2 4"
runs=3
jobs=$(nproc)
keep=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --data) data=$2; shift 2 ;;
        --bin) bin=$2; shift 2 ;;
        --label-scales) label_scales=$2; shift 2 ;;
        --train-scales) train_scales=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        -j) jobs=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "scaling.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    esac
done

ant=$data/ant-multisource
for f in "$ant/split/train.txt" "$ant/split/test.txt"; do
    [[ -f $f ]] || { echo "scaling.sh: $f not found (give --data or set TASNIF_DATA)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "scaling.sh: needs /usr/bin/time (GNU time)" >&2; exit 1; }
if [[ ! -x $bin ]]; then
    (cd "$root" && cargo build --release --locked)
fi

work=$root/target/scaling
rm -rf "$work"
mkdir -p "$work"
cleanup() { [[ $keep == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT

max() { local m=0; for x in "$@"; do (( x > m )) && m=$x; done; echo "$m"; }
max_label=$(max $label_scales)
max_train=$(max $train_scales)

# Copy k of the corpus: hard links when the file system allows, else copies.
copy_dir() {
    local k=$1 d=$work/corpus/c$k
    [[ -d $d ]] && return
    mkdir -p "$d"
    cp -al "$ant/." "$d/" 2>/dev/null || cp -a "$ant/." "$d/"
}
echo "scaling.sh: making inputs under $work" >&2
for ((k = 1; k <= (max_label > max_train ? max_label : max_train); k++)); do copy_dir "$k"; done

# Label inputs: folder trees of k copies of the test split, and JSON lines.
python3 - "$ant" "$work" "$max_label" $label_scales <<'EOF'
import json, os, sys
ant, work, most = sys.argv[1], sys.argv[2], int(sys.argv[3])
scales = sorted(int(s) for s in sys.argv[4:])
test = [l.strip() for l in open(os.path.join(ant, "split", "test.txt"), encoding="utf-8") if l.strip()]
texts = [open(os.path.join(ant, p), encoding="utf-8").read() for p in test]
for k in scales:
    tree = os.path.join(work, f"label-{k}x")
    for c in range(1, k + 1):
        for p in test:
            dst = os.path.join(tree, f"c{c}", p)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.link(os.path.join(work, "corpus", f"c{c}", p), dst)
    with open(os.path.join(work, f"label-{k}x.jsonl"), "w", encoding="utf-8") as out:
        for c in range(1, k + 1):
            for p, t in zip(test, texts):
                out.write(json.dumps({"id": f"c{c}/{p}", "text": t}, ensure_ascii=False) + "\n")
EOF
# Train manifests: k copies of the train split.
for k in $train_scales; do
    {
        echo "path,label"
        for ((c = 1; c <= k; c++)); do
            sed -n 's#^\(\([^/]*\)/.*\)$#'"$work/corpus/c$c"'/\1,\2#p' "$ant/split/train.txt"
        done
    } > "$work/train-${k}x.csv"
done

model=$work/model.tasnif
"$bin" train "$work/train-1x.csv" -o "$model" --force -j "$jobs" >/dev/null 2>&1

# Runs "$@" $runs times; prints the median of each of "wall cpu peak_mb".
measure() {
    local i col out=()
    : > "$work/runs"
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
            echo "scaling.sh: failed: $* (see below)" >&2; cat "$work/err" >&2; exit 1; }
        awk '{printf "%s %.3f %.1f\n", $1, $2 + $3, $4 / 1024}' "$work/time" >> "$work/runs"
    done
    for col in 1 2 3; do
        out+=("$(cut -d' ' -f$col "$work/runs" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")")
    done
    echo "${out[*]}"
}

mb() { du -k --apparent-size -c "$@" | tail -1 | awk '{printf "%.1f", $1 / 1024}'; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
model_mb=$(awk '{printf "%.1f", $1 / 1048576}' <<<"$(stat -c %s "$model")")

echo "## Scaling ($(date -u +%F), $(nproc) cores, -j $jobs, $runs runs each, medians)"
echo
echo "Model: the defaults trained on the train split (${model_mb} MB)."
echo
echo "| job | input | articles | MB | wall s | MB/s | CPU s | CPU s/MB | peak RSS MB |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
n_test=$(grep -c . "$ant/split/test.txt")
n_train=$(grep -c . "$ant/split/train.txt")
for k in $label_scales; do
    size=$(mb "$work/label-${k}x.jsonl")
    files_mb=$(awk -v n="$k" -v m="$(mb $(sed "s#^#$ant/#" "$ant/split/test.txt"))" 'BEGIN{printf "%.1f", n * m}')
    read -r w c m < <(measure "$bin" label -m "$model" -j "$jobs" "$work/label-${k}x")
    awk -v k="$k" -v n=$((n_test * k)) -v s="$files_mb" -v w="$w" -v c="$c" -v m="$m" 'BEGIN{
        printf "| label | %dx test split, files | %d | %.1f | %.2f | %.1f | %.2f | %.4f | %.1f |\n",
            k, n, s, w, s / w, c, c / s, m }'
    read -r w c m < <(measure sh -c "exec \"\$0\" label -m \"\$1\" -j \"\$2\" - < \"\$3\"" "$bin" "$model" "$jobs" "$work/label-${k}x.jsonl")
    awk -v k="$k" -v n=$((n_test * k)) -v s="$size" -v w="$w" -v c="$c" -v m="$m" 'BEGIN{
        printf "| label | %dx test split, JSON lines on stdin | %d | %.1f | %.2f | %.1f | %.2f | %.4f | %.1f |\n",
            k, n, s, w, s / w, c, c / s, m }'
done
train_mb=$(mb $(sed "s#^#$ant/#" "$ant/split/train.txt"))
for k in $train_scales; do
    read -r w c m < <(measure "$bin" train "$work/train-${k}x.csv" -o "$work/m-${k}x.tasnif" --force -j "$jobs")
    awk -v k="$k" -v n=$((n_train * k)) -v s="$train_mb" -v w="$w" -v c="$c" -v m="$m" 'BEGIN{
        printf "| train | %dx train split | %d | %.1f | %.2f | %.1f | %.2f | %.4f | %.1f |\n",
            k, n, s * k, w, s * k / w, c, c / (s * k), m }'
done
echo
echo "Load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
