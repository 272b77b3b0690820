"""Label a Spark DataFrame of Arabic articles with tasnif, and write Parquet.

The records are those of ``tasnif label``: one row per article with the
columns ``id``, ``label``, ``probability``, for a gated model its probability
of any topic (``cyber`` for the bundled model), ``top`` (array of
``{label, probability}``), ``explain`` (array of ``{term, weight}``, only with
``--explain N``), for a gated model ``evidence`` (the same, with
``--explain N``) and ``error`` (null on success).

Run it locally::

    spark-submit --master 'local[2]' examples/spark_label.py \\
        --model news.tasnif --input articles.parquet --output labels.parquet

or on a cluster, with the wheel installed on every worker (or shipped with
``--archives``, see the README, "Scaling out") and the model shipped with
``--files``::

    spark-submit --master yarn --files news.tasnif examples/spark_label.py \\
        --model news.tasnif --input s3://lake/articles/ --output s3://lake/labels/

``--input`` is a Parquet dataset with the columns ``id`` and ``text``, or a
folder of ``.txt`` files (UTF-8; each file one article, its path the id).

How it works: the driver loads the model once and broadcasts it (a
``tasnif.Model`` pickles as its model file's bytes, about the file's size);
each Python worker unpickles it once and labels every Arrow batch of its
partitions with ``mapInPandas``. ``threads=1`` because Spark already runs one
task per core.
"""

from __future__ import annotations

import argparse
import os
from typing import Iterator, List, Optional

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import tasnif

TOP = "array<struct<label:string,probability:double>>"
EXPLAIN = "array<struct<term:string,weight:double>>"


def record_schema(explain: int = 0, gate: Optional[str] = None) -> str:
    """The Spark schema (DDL) of the records, in the CLI's field order;
    ``gate``: the model's ``gate_name`` (None for a one-stage model)."""
    types = {"id": "string", "label": "string", "probability": "double",
             "top": TOP, "explain": EXPLAIN, "evidence": EXPLAIN, "error": "string"}
    return ", ".join(f"`{c}` {types.get(c, 'double')}"
                     for c in record_columns(explain, gate))


def record_columns(explain: int = 0, gate: Optional[str] = None) -> List[str]:
    """The record fields, in order."""
    cols = ["id", "label", "probability"]
    if gate is not None:
        cols.append(gate)
    cols.append("top")
    if explain > 0:
        cols.append("explain")
        if gate is not None:
            cols.append("evidence")
    return cols + ["error"]


def label_dataframe(
    df: DataFrame,
    model: tasnif.Model,
    top_k: int = 3,
    explain: int = 0,
    id_col: str = "id",
    text_col: str = "text",
) -> DataFrame:
    """Labels the articles of ``df`` (columns ``id_col`` and ``text_col``).

    Returns a DataFrame of records, one per row of ``df``; nothing runs until
    an action (a write, a count) asks for it. A null text gives a record
    with ``error`` set, as an unreadable file does in the CLI; so does a blank
    one, except for a gated model, for which it is ``none``.
    """
    broadcast = df.sparkSession.sparkContext.broadcast(model)
    columns = record_columns(explain, model.gate_name)

    def label_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        m = broadcast.value  # unpickled once per Python worker, then cached
        for batch in batches:
            records = m.label(
                batch[text_col].tolist(),
                ids=batch[id_col].astype(str).tolist(),
                top_k=top_k,
                explain=explain,
                threads=1,
            )
            yield pd.DataFrame.from_records(records, columns=columns)

    schema = record_schema(explain, model.gate_name)
    return df.select(id_col, text_col).mapInPandas(label_batches, schema)


def read_articles(spark: SparkSession, path: str) -> DataFrame:
    """Articles as a DataFrame (``id``, ``text``): a Parquet dataset with those
    columns, or a folder of ``.txt`` files (the path of each file is its id)."""
    if os.path.isdir(path) and not any(f.endswith(".parquet") for f in os.listdir(path)):
        return spark.read.text(
            path, wholetext=True, recursiveFileLookup=True, pathGlobFilter="*.txt"
        ).select(F.input_file_name().alias("id"), F.col("value").alias("text"))
    return spark.read.parquet(path).select("id", "text")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model file (default: the bundled cyber-topics model)")
    ap.add_argument("--input", required=True, help="Parquet with id,text or a folder of .txt")
    ap.add_argument("--output", required=True, help="where to write the Parquet records")
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--explain", type=int, default=0)
    a = ap.parse_args()

    spark = SparkSession.builder.appName("tasnif-label").getOrCreate()
    if a.model is None:
        model = tasnif.Model.default()
    else:
        # With spark-submit --files, the file is in the driver's working
        # directory (client mode) or found by SparkFiles (cluster mode).
        from pyspark import SparkFiles

        path = a.model if os.path.exists(a.model) else SparkFiles.get(os.path.basename(a.model))
        model = tasnif.Model.load(path)
    articles = read_articles(spark, a.input)
    records = label_dataframe(articles, model, top_k=a.top_k, explain=a.explain)
    records.write.mode("overwrite").parquet(a.output)
    spark.stop()


if __name__ == "__main__":
    main()
