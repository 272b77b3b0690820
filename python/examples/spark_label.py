"""Label a Spark DataFrame of Arabic articles with tasnif, and write Parquet.

    spark-submit --master 'local[2]' examples/spark_label.py \\
        --model news.tasnif --input articles.parquet --output labels.parquet

``--input`` is a Parquet dataset with the columns ``id`` and ``text``, or a
folder of ``.txt`` files (UTF-8; each file one article, its path the id). On
a cluster, ship the model with ``--files news.tasnif`` (found here with
``SparkFiles``) and install the wheel on every worker (see the package's
README). The labeling itself is ``tasnif.spark.label_dataframe``.
"""

from __future__ import annotations

import argparse
import os
from typing import List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import tasnif
from tasnif.spark import label_dataframe


def read_articles(spark: SparkSession, path: str) -> DataFrame:
    """Articles as a DataFrame (``id``, ``text``): a Parquet dataset with those
    columns, or a folder of ``.txt`` files (the path of each file is its id)."""
    if os.path.isdir(path) and not any(f.endswith(".parquet") for f in os.listdir(path)):
        return spark.read.text(
            path, wholetext=True, recursiveFileLookup=True, pathGlobFilter="*.txt"
        ).select(F.input_file_name().alias("id"), F.col("value").alias("text"))
    return spark.read.parquet(path).select("id", "text")


def run(spark: SparkSession, argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model file (default: the bundled cyber-topics model)")
    ap.add_argument("--input", required=True, help="Parquet with id,text or a folder of .txt")
    ap.add_argument("--output", required=True, help="where to write the Parquet records")
    ap.add_argument("--top-k", type=int, default=3)
    ap.add_argument("--explain", type=int, default=0)
    a = ap.parse_args(argv)
    model = tasnif.Model.default()
    if a.model is not None:
        # With spark-submit --files, the file is in the driver's working
        # directory (client mode) or found by SparkFiles (cluster mode).
        from pyspark import SparkFiles

        model = a.model if os.path.exists(a.model) else SparkFiles.get(os.path.basename(a.model))
    records = label_dataframe(read_articles(spark, a.input), model, top_k=a.top_k,
                              explain=a.explain)
    records.write.mode("overwrite").parquet(a.output)


if __name__ == "__main__":
    session = SparkSession.builder.appName("tasnif-label").getOrCreate()
    run(session)
    session.stop()
