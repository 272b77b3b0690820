#!/usr/bin/env python3
"""Cross-validates the bundled model's settings and prints the figures that
the issue's targets are about (models/README.md quotes them).

    python3 data/default-model-cv.py [--seed N] [--folds K] [--config FILE] [--tasnif PATH]

It runs `tasnif eval data/default-model.csv --cv K --config
data/default-model.json --predictions FILE` and reads each document's
out-of-fold prediction. `tasnif eval` scores every label over every document.
This script adds the figures a user of the gate asks about:

* cyber recall: the share of the labeled cyber articles that the gate lets
  through (any topic, right or wrong);
* `none` precision and recall, against the noisy `none` labels (a few of those
  articles are about cyber all the same, so these are lower bounds);
* macro-F1 over attack/leak/policy/other **among the cyber articles**: what a
  held-out set of labeled cyber articles measures. An article the gate sends
  to `none` is a miss of its topic; the `none` articles do not count. The
  same macro-F1 over every document, `none` ones included, is printed as well.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ["attack", "leak", "policy", "other"]


def prf(pairs, label):
    tp = sum(1 for t, p in pairs if t == label and p == label)
    fp = sum(1 for t, p in pairs if t != label and p == label)
    fn = sum(1 for t, p in pairs if t == label and p != label)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--config", default="data/default-model.json",
                    help="training settings to cross-validate (default: the bundled model's)")
    ap.add_argument("--tasnif", default=os.environ.get("TASNIF", str(ROOT / "target/release/tasnif")))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "predictions.jsonl"
        cmd = [args.tasnif, "eval", "data/default-model.csv", "--cv", str(args.folds),
               "--seed", str(args.seed), "--config", str(Path(args.config).resolve()),
               "--predictions", str(pred)]
        run = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            print(f"{' '.join(cmd)} failed:\n{run.stderr}", file=sys.stderr)
            return 1
        rows = [json.loads(line) for line in pred.read_text(encoding="utf-8").splitlines()]
    pairs = [(r["truth"], r["predicted"]) for r in rows]
    cyber = [(t, p) for t, p in pairs if t != "none"]
    none_p, none_r, _ = prf(pairs, "none")
    kept = sum(1 for _, p in cyber if p != "none")
    print(" ".join(cmd[1:-4] + ["--config", args.config]))
    print(f"documents {len(pairs)}: cyber {len(cyber)}, none {len(pairs) - len(cyber)}")
    print(f"cyber recall (gate lets through) {kept}/{len(cyber)} = {kept / len(cyber):.3f}")
    print(f"none precision {none_p:.4f}, recall {none_r:.4f} (against noisy none labels)")
    print("among the cyber articles:")
    print(f"  {'topic':12s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'docs':>5s}")
    f1s = []
    for t in TOPICS:
        p, r, f = prf(cyber, t)
        f1s.append(f)
        print(f"  {t:12s} {p:9.3f} {r:7.3f} {f:6.3f} {sum(1 for x, _ in cyber if x == t):5d}")
    print(f"  macro-F1 over {'/'.join(TOPICS)}: {sum(f1s) / len(f1s):.3f}")
    every = [prf(pairs, t)[2] for t in TOPICS]
    print(f"macro-F1 over {'/'.join(TOPICS)}, every document: {sum(every) / len(every):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
