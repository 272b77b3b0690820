#!/usr/bin/env python3
"""Writes data/default-model.csv, the training manifest of the bundled model.

    python3 data/build-default-model-csv.py      # from the project root

Rows (columns path,label,secondary; paths relative to data/):

* the 170 hand-labeled cyber articles of data/cyber-topics/train.csv, with
  their topic and secondary topic;
* the five seed articles with their topics from data/seed-labels.csv;
* label `none`: every article of ant-multisource's split/train.txt that is not
  one of the 170 (16,534 articles of everyday news; a few may be about cyber
  all the same, see models/README.md).

Only paths and labels are written, never article text. The output depends on
the input files alone (rows in a fixed order).
"""
import csv
import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANT = "../../shared/data/ant-multisource"


def main() -> None:
    rows = []
    cyber = set()
    with open(ROOT / "data/cyber-topics/train.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rel = f"{r['category']}/{r['id']}.txt"
            cyber.add(rel)
            rows.append((f"{ANT}/{rel}", r["topic"], r["secondary"]))
    with open(ROOT / "data/seed-labels.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append((f"../seeds/{r['file']}", r["topic"], ""))
    split = ROOT / ".." / "shared/data/ant-multisource/split/train.txt"
    for line in split.read_text(encoding="utf-8").splitlines():
        rel = line.strip()
        if rel and rel not in cyber:
            rows.append((f"{ANT}/{rel}", "none", ""))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["path", "label", "secondary"])
    w.writerows(rows)
    (ROOT / "data/default-model.csv").write_text(out.getvalue(), encoding="utf-8")
    print(f"data/default-model.csv: {len(rows)} rows")


if __name__ == "__main__":
    main()
