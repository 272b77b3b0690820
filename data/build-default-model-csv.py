#!/usr/bin/env python3
"""Writes data/default-model.csv, the training manifest of the bundled model.

    python3 data/build-default-model-csv.py      # from the project root

Rows (columns path,label,secondary,group; paths relative to data/):

* every article of ant-multisource (both halves of the reference split)
  except the 167 of cyber-topics/reserved.txt, which are kept for
  evaluation and never trained on, not even as `none`;
* its label: the topic of data/cyber-topics/train.csv (170 articles) or of
  data/cyber-topics/decisions.csv (2,544 articles decided by reading, see
  data/README.md), else `none` (everyday news nobody read; a few may be
  about cyber all the same);
* its group: the outlet it comes from (ant-multisource's MANIFEST.tsv), for
  `tasnif eval --cv 5 --groups data/default-model.csv`, which holds out one
  outlet per fold;
* the five seed articles with their topics from data/seed-labels.csv, in
  group `-`: never held out (they come from no outlet).

Only paths and labels are written, never article text. The output depends on
the input files alone (rows in a fixed order).
"""
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / ".." / "shared/data"
ANT = "../../shared/data/ant-multisource"
TOPICS = {"partnership", "leak", "policy", "attack", "other"}


def main() -> None:
    reserved = {
        line.strip()
        for line in (SHARED / "cyber-topics/reserved.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    labels = {}
    with open(ROOT / "data/cyber-topics/train.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            labels[f"{r['category']}/{r['id']}.txt"] = (r["topic"], r["secondary"])
    with open(ROOT / "data/cyber-topics/decisions.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rel = f"{r['category']}/{r['id']}.txt"
            if rel in labels:
                raise SystemExit(f"{rel} is in train.csv and in decisions.csv")
            if r["label"] != "none" and r["label"] not in TOPICS:
                raise SystemExit(f"{rel}: unknown label {r['label']!r}")
            labels[rel] = (r["label"], r["secondary"])
    clash = sorted(set(labels) & reserved)
    if clash:
        raise SystemExit(f"labels name reserved articles: {clash[:3]}")
    outlet = {}
    with open(SHARED / "ant-multisource/MANIFEST.tsv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            outlet[f"{r['label']}/{r['id']}.txt"] = r["source"]
    rows = []
    for rel in sorted(outlet):
        if rel in reserved:
            continue
        label, secondary = labels.get(rel, ("none", ""))
        rows.append((f"{ANT}/{rel}", label, secondary, outlet[rel]))
    missing = sorted(set(labels) - set(outlet))
    if missing:
        raise SystemExit(f"labeled articles not in MANIFEST.tsv: {missing[:3]}")
    with open(ROOT / "data/seed-labels.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append((f"../seeds/{r['file']}", r["topic"], "", "-"))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["path", "label", "secondary", "group"])
    w.writerows(rows)
    (ROOT / "data/default-model.csv").write_text(out.getvalue(), encoding="utf-8")
    print(f"data/default-model.csv: {len(rows)} rows")


if __name__ == "__main__":
    main()
