#!/usr/bin/env python3
"""Print tasnif's and the peers' figures as Markdown tables, and save them as one JSON file.

    python compare.py [--tasnif TASNIF.json] [--tasnif-unrefined TASNIF.json] [--peer PEER.json ...]
                      [--out results.json] [--since EPOCH]

--tasnif is the file written by `tasnif bench --json FILE` (the default
settings); --tasnif-unrefined the same with `--refine none`, shown beside it
with the refinement's cost. Each option may be given once per round of an
interleaved run (run.sh --rounds): the figures of one system are then the
medians over its rounds. When --tasnif is missing
or unreadable the tables show the peers only, with a note. Each --peer is a
file written by peers.py. With --since, any input file last modified before
that time (seconds since the epoch) is left out with a note, so that a table
never shows a figure from an earlier run. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path

PEER_ORDER = ("sklearn-snowball-cnb", "sklearn-mnb", "fasttext", "nltk-isri-mnb")
PEER_NAMES = {
    "sklearn-snowball-cnb": "scikit-learn TF-IDF + Snowball (PyStemmer) + ComplementNB",
    "sklearn-mnb": "scikit-learn TF-IDF (no stemming) + MultinomialNB",
    "fasttext": "fastText supervised (epoch 25, wordNgrams 2, 2 threads)",
    "nltk-isri-mnb": "NLTK ISRI stems + TF-IDF + MultinomialNB",
}
NA = "n/a"


# One definition of the CPU model, shared with the peer runner.
from peers import cpu_model  # noqa: E402  (peers.py imports only the standard library at load)


def get(d, *keys):
    """d[k1][k2]... as a float, or None when any level is missing or not a number."""
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    if isinstance(d, bool) or not isinstance(d, (int, float)):
        return None
    return float(d)


def fmt(x, digits: int) -> str:
    return NA if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x) -> str:
    return NA if x is None else f"{x:,.2f}×"


def load_json(path: str, since: float | None, notes: list[str], what: str):
    p = Path(path)
    if not p.is_file():
        notes.append(f"{what}: {path} does not exist; left out.")
        return None
    if since is not None and p.stat().st_mtime < since:
        notes.append(f"{what}: {path} was written before this run started; left out.")
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        notes.append(f"{what}: {path} could not be read ({e}); left out.")
        return None


def _median(xs: list[float]) -> float:
    ys = sorted(xs)
    n = len(ys)
    return ys[n // 2] if n % 2 else (ys[n // 2 - 1] + ys[n // 2]) / 2


def merge_rounds(rounds: list) -> dict | None:
    """One system's figures over the rounds of an interleaved run: every
    number the median of its rounds (nested the same way), every list the
    rounds' lists one after another, anything else the first round's."""
    rounds = [r for r in rounds if isinstance(r, dict)]
    if not rounds:
        return None
    if len(rounds) == 1:
        out = dict(rounds[0])
        out["rounds"] = 1
        return out

    def merge(values: list):
        first = values[0]
        if isinstance(first, dict):
            keys = [k for k in first if all(isinstance(v, dict) and k in v for v in values)]
            return {k: merge([v[k] for v in values]) for k in keys}
        if isinstance(first, bool) or not isinstance(first, (int, float, list)):
            return first
        if isinstance(first, list):
            return [x for v in values if isinstance(v, list) for x in v]
        nums = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        m = _median(nums) if nums else first
        return int(m) if isinstance(first, int) and float(m).is_integer() else m

    out = merge(rounds)
    out["rounds"] = len(rounds)
    return out


def cpu_per_mb_peer(p: dict) -> float | None:
    """A peer's labeling CPU seconds per MB: median CPU of its label runs
    over its test bytes."""
    cpu, b = p.get("label_cpu_s"), p.get("test_bytes")
    if not isinstance(cpu, list) or not cpu or not b:
        return None
    return _median([float(x) for x in cpu]) / (b / 1e6)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasnif", action="append", default=[], help="JSON written by `tasnif bench --json` (once per round)")
    ap.add_argument(
        "--tasnif-unrefined", action="append", default=[], help="JSON written by `tasnif bench --refine none --json`"
    )
    ap.add_argument("--peer", action="append", default=[], help="JSON written by peers.py (repeatable)")
    ap.add_argument("--out", help="write every figure here as one JSON file")
    ap.add_argument("--since", type=float, help="leave out input files older than this (epoch seconds)")
    ap.add_argument("--note", action="append", default=[], help="a line to add to the notes (repeatable)")
    args = ap.parse_args(argv)

    notes: list[str] = list(args.note)
    tasnif = None
    if args.tasnif:
        tasnif = merge_rounds([load_json(p, args.since, notes, "tasnif") for p in args.tasnif])
    else:
        notes.append("tasnif: not run (no --tasnif file given).")
    unrefined = None
    if args.tasnif_unrefined:
        unrefined = merge_rounds(
            [load_json(p, args.since, notes, "tasnif --refine none") for p in args.tasnif_unrefined]
        )

    rounds: dict[str, list[dict]] = {}
    for path in args.peer:
        d = load_json(path, args.since, notes, "peer")
        if d is None:
            continue
        name = d.get("system") or Path(path).stem
        rounds.setdefault(name, []).append(d)
    peers: dict[str, dict] = {name: merge_rounds(ds) for name, ds in rounds.items()}
    order = [s for s in PEER_ORDER if s in peers] + sorted(s for s in peers if s not in PEER_ORDER)

    now = _dt.datetime.now(_dt.timezone.utc).astimezone()
    cpu, cores = cpu_model(), os.cpu_count()

    # Consistency checks: every system must have seen the same split.
    tr_docs = get(tasnif, "train", "docs")
    te_docs, te_bytes = get(tasnif, "label", "docs"), get(tasnif, "label", "bytes")
    for s in order:
        p = peers[s]
        if te_docs is not None and p.get("n_test") != int(te_docs):
            notes.append(f"WARNING: {s} labeled {p.get('n_test')} test articles, tasnif {int(te_docs)}.")
        if te_bytes is not None and p.get("test_bytes") != int(te_bytes):
            notes.append(f"WARNING: {s} counts {p.get('test_bytes')} test bytes, tasnif {int(te_bytes)}.")
        if tr_docs is not None and p.get("n_train") != int(tr_docs):
            notes.append(f"WARNING: {s} trained on {p.get('n_train')} articles, tasnif {int(tr_docs)}.")

    out: list[str] = []
    w = out.append
    w("## tasnif and its peers on the reference split of ANT Corpus v2.1")
    w("")
    w(f"- date: {now.strftime('%Y-%m-%d %H:%M %Z')}")
    w(f"- CPU: {cpu}; cores: {cores}")
    ref = next(iter(peers.values()), None)
    n_train = ref.get("n_train") if ref else (int(tr_docs) if tr_docs is not None else None)
    n_test = ref.get("n_test") if ref else (int(te_docs) if te_docs is not None else None)
    t_bytes = ref.get("test_bytes") if ref else (int(te_bytes) if te_bytes is not None else None)
    if n_train is not None and n_test is not None:
        mb = f", {t_bytes / 1e6:.1f} MB" if t_bytes is not None else ""
        w(f"- split: {n_train:,} training articles, {n_test:,} test articles{mb} (1 MB = 10^6 bytes)")
    w("")

    # Main table.
    w("| system | fit s | label MB/s | label docs/s | label CPU s/MB | peak RSS MB | macro-F1 | accuracy |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run, run_name in ((tasnif, "tasnif"), (unrefined, "tasnif --refine none")):
        if run is None:
            continue
        tr_rss = get(run, "train", "peak_rss_mb")
        f1, acc = get(run, "macro_f1"), get(run, "accuracy")
        for key, name in (("label", run_name), ("label_j1", run_name)):
            sec = run.get(key)
            if not isinstance(sec, dict):
                if key == "label_j1":
                    continue
                sec = {}
            threads = get(sec, "threads")
            label = f"{name} (label {int(threads)} thread{'s' if threads != 1 else ''})" if threads else name
            rss = f"train {fmt(tr_rss, 0)} · label {fmt(get(sec, 'peak_rss_mb'), 0)}"
            fit = fmt(get(run, "train", "median_s"), 2) if key == "label" else "—"
            w(
                f"| {label} | {fit} | {fmt(get(sec, 'mb_per_s'), 2)} | {fmt(get(sec, 'docs_per_s'), 0)} "
                f"| {fmt(get(sec, 'cpu_s_per_mb'), 4)} | {rss} | {fmt(f1, 4)} | {fmt(acc, 4)} |"
            )
    if tasnif is None and not order:
        w("| (no figures in this run) | | | | | | | |")
    for s in order:
        p = peers[s]
        w(
            f"| {s} | {fmt(get(p, 'fit_s'), 2)} | {fmt(get(p, 'label_mb_per_s'), 2)} "
            f"| {fmt(get(p, 'label_docs_per_s'), 0)} | {fmt(cpu_per_mb_peer(p), 4)} | {fmt(get(p, 'peak_rss_mb'), 0)} "
            f"| {fmt(get(p, 'macro_f1'), 4)} | {fmt(get(p, 'accuracy'), 4)} |"
        )
    w("")

    # The refinement's cost: the defaults (refined) against --refine none, same run.
    refinement = None
    if tasnif is not None and unrefined is not None:
        refinement = {
            "train_s": [get(tasnif, "train", "median_s"), get(unrefined, "train", "median_s")],
            "label_mb_per_s": [get(tasnif, "label", "mb_per_s"), get(unrefined, "label", "mb_per_s")],
            "macro_f1": [get(tasnif, "macro_f1"), get(unrefined, "macro_f1")],
            "accuracy": [get(tasnif, "accuracy"), get(unrefined, "accuracy")],
        }
        w("Refinement (the defaults) against none, this run:")
        w("")
        w("| figure | refined | not refined | refined ÷ not |")
        w("|---|---:|---:|---:|")
        for key, label, digits in (
            ("train_s", "train s", 2),
            ("label_mb_per_s", "label MB/s", 2),
            ("macro_f1", "macro-F1", 4),
            ("accuracy", "accuracy", 4),
        ):
            a, b = refinement[key]
            w(f"| {label} | {fmt(a, digits)} | {fmt(b, digits)} | {fmt_ratio(ratio(a, b))} |")
        w("")

    # Ratios.
    ratios: dict[str, dict] = {}
    if tasnif is not None and order:
        t_mbs = get(tasnif, "label", "mb_per_s")
        t_mbs1 = get(tasnif, "label_j1", "mb_per_s")
        t_fit = get(tasnif, "train", "median_s")
        rss = [x for x in (get(tasnif, "train", "peak_rss_mb"), get(tasnif, "label", "peak_rss_mb")) if x is not None]
        t_rss = max(rss) if rss else None
        th = get(tasnif, "label", "threads")
        th_txt = f"{int(th)} threads" if th is not None else "default threads"
        t_cpu = get(tasnif, "label", "cpu_s_per_mb")
        w(
            f"| peer | tasnif label MB/s ({th_txt}) ÷ peer | tasnif label MB/s (1 thread) ÷ peer "
            "| peer label CPU s/MB ÷ tasnif's | peer fit s ÷ tasnif train s "
            "| peer peak RSS ÷ tasnif peak RSS (larger of train, label) |"
        )
        w("|---|---:|---:|---:|---:|---:|")
        for s in order:
            p = peers[s]
            r = {
                "label_speed": ratio(t_mbs, get(p, "label_mb_per_s")),
                "label_speed_j1": ratio(t_mbs1, get(p, "label_mb_per_s")),
                "label_cpu_per_mb": ratio(cpu_per_mb_peer(p), t_cpu),
                "fit_time": ratio(get(p, "fit_s"), t_fit),
                "peak_rss": ratio(get(p, "peak_rss_mb"), t_rss),
            }
            ratios[s] = {k: (round(v, 4) if v is not None else None) for k, v in r.items()}
            w(
                f"| {s} | {fmt_ratio(r['label_speed'])} | {fmt_ratio(r['label_speed_j1'])} "
                f"| {fmt_ratio(r['label_cpu_per_mb'])} | {fmt_ratio(r['fit_time'])} | {fmt_ratio(r['peak_rss'])} |"
            )
        w("")
        w(
            "Above 1× means tasnif is faster (or smaller). CPU s/MB counts every thread's CPU time "
            "per 10^6 test bytes: unlike MB/s, it does not fall when other work shares the machine."
        )
        w("")
    elif tasnif is None:
        notes.append("No tasnif figures in this run, so no ratios: the table shows the peers only.")

    n_rounds = max([d.get("rounds", 1) for d in [tasnif, *peers.values()] if isinstance(d, dict)] or [1])
    if n_rounds > 1:
        w(
            f"Interleaved: {n_rounds} rounds; in each, tasnif and then every peer ran once, in turn "
            "(A B C … A B C …), so that each ratio compares runs that saw the same machine. Every "
            "figure is the median over the rounds."
        )
        w("")
    w("Systems:")
    w("")
    for s in order:
        p = peers[s]
        vers = ", ".join(f"{k} {v}" for k, v in (p.get("versions") or {}).items())
        la = p.get("load_avg_start"), p.get("load_avg_end")
        load = ""
        if la[0] and la[1]:
            load = f"; 1-min load average {la[0][0]} at start, {la[1][0]} at end"
        for what, ck, wk in (("fit", "fit_cpu_s", "fit_runs_s"), ("label", "label_cpu_s", "label_runs_s")):
            lc, lr = p.get(ck), p.get(wk)
            if isinstance(lc, list) and isinstance(lr, list) and lc and len(lc) == len(lr) and sum(lr) > 0:
                load += f"; {what} CPU/wall {sum(lc) / sum(lr):.2f}"
        w(f"- {s}: {PEER_NAMES.get(s, s)} ({vers}){load}")
    if tasnif is not None:
        md = get(tasnif, "model_bytes")
        extra = f", model file {md / 1e6:.1f} MB" if md is not None else ""
        runs = tasnif.get("train", {}).get("runs_s") if isinstance(tasnif.get("train"), dict) else None
        nruns = f", medians of {len(runs)} runs each" if isinstance(runs, list) and runs else ""
        w(f"- tasnif: `tasnif bench`{nruns}{extra}; fit s = its train time (reading the training files + fitting; writing the model file is timed apart)")
    w("")
    w(
        "fit s: reading the training files + fitting (one fit per peer unless --fit-repeats). "
        "label MB/s: test bytes on disk ÷ median wall time of reading the test files + "
        "tokenizing/stemming + vectorizing + predicting, model already in memory. "
        "Peak RSS: MB of 10^6 bytes (ru_maxrss for a peer, VmHWM for tasnif); for a peer, the whole process (imports, fit, every label run), "
        "each peer in a fresh process. "
        "CPU/wall: the peer's CPU time (all threads) ÷ wall time over its fit or label runs; about 1 "
        "for single-threaded work with a core to itself (about 2 for fastText's 2-thread fit), lower "
        "when it waited for a core or the disk."
    )
    if notes:
        w("")
        w("Notes:")
        w("")
        for n in notes:
            w(f"- {n}")
    print("\n".join(out))

    if args.out:
        result = {
            "date": now.isoformat(timespec="seconds"),
            "machine": {"cpu": cpu, "cores": cores},
            "tasnif": tasnif,
            "tasnif_unrefined": unrefined,
            "refinement": refinement,
            "peers": {s: peers[s] for s in order},
            "ratios": ratios,
            "notes": notes,
        }
        dest = Path(args.out)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, dest)
        print(f"\n(all figures: {dest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
