"""Label a Ray Dataset of Arabic articles with tasnif, and write Parquet.

The records are those of ``tasnif label``: one row per article with the
columns ``id``, ``label``, ``probability``, for a gated model its probability
of any topic (``cyber`` for the bundled model), ``top`` (list of
``{label, probability}``), ``explain`` (list of ``{term, weight}``, only with
``--explain N``), for a gated model ``evidence`` (the same, with
``--explain N``) and ``error`` (null on success).

Run it locally::

    python examples/ray_label.py --model news.tasnif \\
        --input articles.parquet --output labels/

or against a cluster (``RAY_ADDRESS=ray://head:10001``, or ``--address``),
with the wheel and the model shipped in the job's ``runtime_env`` (see the
README, "Scaling out").

``--input`` is a Parquet dataset with the columns ``id`` and ``text``.

How it works: ``map_batches`` runs ``Labeler`` in a pool of actors, one per
CPU; each actor receives the model once (a ``tasnif.Model`` pickles as its
model file's bytes) and labels Arrow batches of articles. ``threads=1``
because Ray already runs one actor per CPU.
"""

from __future__ import annotations

import argparse
from typing import List, Optional

import pyarrow as pa

import tasnif

SCORED = pa.struct([("label", pa.string()), ("probability", pa.float64())])
TERM = pa.struct([("term", pa.string()), ("weight", pa.float64())])


def record_schema(explain: int = 0, gate: Optional[str] = None) -> pa.Schema:
    """The Arrow schema of the records, in the CLI's field order; ``gate``:
    the model's ``gate_name`` (None for a one-stage model)."""
    fields = [
        ("id", pa.string()),
        ("label", pa.string()),
        ("probability", pa.float64()),
    ]
    if gate is not None:
        fields.append((gate, pa.float64()))
    fields.append(("top", pa.list_(SCORED)))
    if explain > 0:
        fields.append(("explain", pa.list_(TERM)))
        if gate is not None:
            fields.append(("evidence", pa.list_(TERM)))
    fields.append(("error", pa.string()))
    return pa.schema(fields)


class Labeler:
    """The ``map_batches`` callable: one per actor, holding the model."""

    def __init__(self, model: tasnif.Model, top_k: int = 3, explain: int = 0,
                 id_col: str = "id", text_col: str = "text"):
        self.model = model
        self.top_k = top_k
        self.explain = explain
        self.id_col = id_col
        self.text_col = text_col
        self.schema = record_schema(explain, model.gate_name)

    def __call__(self, batch: pa.Table) -> pa.Table:
        records = self.model.label(
            batch.column(self.text_col).to_pylist(),
            ids=[str(i) for i in batch.column(self.id_col).to_pylist()],
            top_k=self.top_k,
            explain=self.explain,
            threads=1,
        )
        return pa.Table.from_pylist(records, schema=self.schema)


def label_dataset(ds, model: tasnif.Model, top_k: int = 3, explain: int = 0,
                  concurrency: Optional[int] = None, batch_size: int = 4096,
                  id_col: str = "id", text_col: str = "text"):
    """Labels the articles of the Ray Dataset ``ds`` (columns ``id_col`` and
    ``text_col``); returns a Dataset of records, one per row (lazy, like every
    Ray Data transform). ``concurrency``: actors (default: the cluster's CPUs)."""
    import ray

    if concurrency is None:
        concurrency = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return ds.map_batches(
        Labeler,
        fn_constructor_args=(model, top_k, explain, id_col, text_col),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_cpus=1,
    )


def main(argv: Optional[List[str]] = None) -> None:
    import ray

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model file (default: the bundled cyber-topics model)")
    ap.add_argument("--input", required=True, help="Parquet dataset with columns id and text")
    ap.add_argument("--output", required=True, help="folder for the Parquet records")
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--explain", type=int, default=0)
    ap.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS or a local Ray)")
    a = ap.parse_args(argv)

    ray.init(address=a.address)
    model = tasnif.Model.load(a.model) if a.model else tasnif.Model.default()
    ds = ray.data.read_parquet(a.input, columns=["id", "text"])
    label_dataset(ds, model, top_k=a.top_k, explain=a.explain).write_parquet(a.output)


if __name__ == "__main__":
    main()
