"""tasnif.spark on PySpark local[2]: label DataFrames with mapInArrow, write
Parquet, read it back, and compare with `tasnif label` on the same articles."""

import os
import sys
from pathlib import Path

import pytest

import tasnif
from conftest import ROOT, assert_same_records, cli_records, engine, read_parquet_records


@pytest.fixture(scope="module")
def spark():
    engine("pyspark")
    import pandas as pd  # noqa: F401  (createDataFrame from pandas)
    from pyspark.sql import SparkSession

    # The Python workers run this interpreter (the virtualenv with the wheel).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("tasnif-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
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
    from tasnif.spark import label_dataframe

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


def test_a_model_path_options_and_other_columns(spark, cli, seed_articles, tmp_path):
    from tasnif.spark import label_dataframe, spark_schema

    ids, texts = seed_articles
    path = tmp_path / "m.tasnif"
    tasnif.Model.default().save(path)
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "n long, body string")
    records = label_dataframe(df, str(path), text_column="body", id_column="n", top_k=1,
                              multi=True)
    assert records.columns == ["id", "label", "probability", "cyber", "top", "tags", "error"]
    assert records.schema == spark_schema(path, top_k=1, multi=True)
    want = cli_records(cli, ["--top-k", "1", "--multi", *ids], ROOT)
    got = sorted((r.asDict(recursive=True) for r in records.collect()), key=lambda r: r["id"])
    assert [r["id"] for r in got] == [str(i) for i in range(5)]
    assert [{**r, "id": None} for r in got] == [{**w, "id": None} for w in want]
    with pytest.raises(FileNotFoundError):
        label_dataframe(df, tmp_path / "missing.tasnif")


def test_the_example_labels_a_folder_of_txt_files(spark, cli, tmp_path):
    from spark_label import run

    want = {Path(r["id"]).name: r for r in cli_records(cli, ["seeds/"], ROOT)}
    out = tmp_path / "folder.parquet"
    run(spark, ["--input", str(ROOT / "seeds"), "--output", str(out)])
    got = read_parquet_records(out)
    assert sorted(Path(r["id"]).name for r in got) == sorted(want)  # one record per file
    for r in got:
        assert r["id"].startswith("file:")
        assert {**r, "id": None} == {**want[Path(r["id"]).name], "id": None}


def test_reference_split_through_spark_matches_the_cli(spark, reference, tmp_path):
    from tasnif.spark import label_dataframe

    df = articles(spark, reference["ids"], reference["texts"])
    assert df.rdd.getNumPartitions() >= 2, "both cores should get work"
    out = tmp_path / "test-split.parquet"
    label_dataframe(df, reference["model"], explain=3).write.parquet(str(out))
    assert len(list(out.glob("part-*.parquet"))) >= 2
    assert_same_records(read_parquet_records(out), reference["records"])
