"""Label a Ray Dataset of Arabic articles with tasnif, and write Parquet.

    python examples/ray_label.py --model news.tasnif --input articles.parquet --output labels/

``--input`` is a Parquet dataset with the columns ``id`` and ``text``. Against
a cluster, set ``RAY_ADDRESS`` (or ``--address``) and ship the wheel in the
job's ``runtime_env`` (see the package's README). The labeling itself is
``tasnif.ray.label_dataset``.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

import ray

import tasnif
from tasnif.ray import label_dataset


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model file (default: the bundled cyber-topics model)")
    ap.add_argument("--input", required=True, help="Parquet dataset with columns id and text")
    ap.add_argument("--output", required=True, help="folder for the Parquet records")
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--explain", type=int, default=0)
    ap.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS or a local Ray)")
    a = ap.parse_args(argv)

    if not ray.is_initialized():
        ray.init(address=a.address)
    model = a.model or tasnif.Model.default()
    ds = ray.data.read_parquet(a.input, columns=["id", "text"])
    label_dataset(ds, model, top_k=a.top_k, explain=a.explain).write_parquet(a.output)


if __name__ == "__main__":
    main()
