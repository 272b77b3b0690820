"""PySpark: label a DataFrame with mapInPandas on local[2], write Parquet,
read it back, and compare with `tasnif label` on the same articles."""

import os
import sys
from pathlib import Path

import pytest

import tasnif
from conftest import ROOT, assert_same_records, cli_records, engine, read_parquet_records


@pytest.fixture(scope="module")
def spark():
    engine("pyspark")
    import pandas as pd  # noqa: F401  (mapInPandas needs it)
    from pyspark.sql import SparkSession

    # The Python workers run this interpreter (the virtualenv with the wheel).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tasnif-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def articles(spark, ids, texts):
    import pandas as pd

    return spark.createDataFrame(pd.DataFrame({"id": ids, "text": texts}))


def test_seeds_through_spark_match_the_cli(spark, cli, seed_articles, tmp_path):
    from spark_label import label_dataframe

    ids, texts = seed_articles
    want = cli_records(cli, ["--explain", "3", *ids], ROOT)
    df = articles(spark, ids + ["blank"], texts + ["  "])
    out = tmp_path / "seeds.parquet"
    label_dataframe(df, tasnif.Model.default(), explain=3).write.parquet(str(out))
    got = read_parquet_records(out)
    blank = [r for r in got if r["id"] == "blank"]
    assert blank == cli_records(cli, ["--explain", "3", "-"], ROOT,
                                stdin='{"id":"blank","text":"  "}\n')
    assert_same_records([r for r in got if r["id"] != "blank"], want)


def test_a_folder_of_txt_files_is_read_whole(spark, cli, tmp_path):
    from spark_label import label_dataframe, read_articles

    want = {Path(r["id"]).name: r for r in cli_records(cli, ["seeds/"], ROOT)}
    out = tmp_path / "folder.parquet"
    label_dataframe(read_articles(spark, str(ROOT / "seeds")), tasnif.Model.default()) \
        .write.parquet(str(out))
    got = read_parquet_records(out)
    assert sorted(Path(r["id"]).name for r in got) == sorted(want)  # one record per file
    for r in got:
        assert r["id"].startswith("file:")
        assert {**r, "id": None} == {**want[Path(r["id"]).name], "id": None}


def test_without_explain_the_column_is_absent(spark, seed_articles):
    from spark_label import label_dataframe

    ids, texts = seed_articles
    df = label_dataframe(articles(spark, ids, texts), tasnif.Model.default(), top_k=1)
    assert df.columns == ["id", "label", "probability", "cyber", "top", "error"]
    rows = [r.asDict(recursive=True) for r in df.collect()]
    assert all(len(r["top"]) == 1 and r["top"][0]["label"] == r["label"] for r in rows)


def test_reference_split_through_spark_matches_the_cli(spark, reference, tmp_path):
    from spark_label import label_dataframe

    df = articles(spark, reference["ids"], reference["texts"])
    assert df.rdd.getNumPartitions() >= 2, "both cores should get work"
    model = tasnif.Model.load(reference["model"])
    out = tmp_path / "test-split.parquet"
    label_dataframe(df, model, explain=3).write.parquet(str(out))
    assert len(list(out.glob("part-*.parquet"))) >= 2
    assert_same_records(read_parquet_records(out), reference["records"])
