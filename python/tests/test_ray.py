"""tasnif.ray on a local Ray (2 CPUs): label datasets with map_batches
(pyarrow batches, a pool of actors), write Parquet, read it back, and compare
with `tasnif label` on the same articles."""

import os

import pytest

import tasnif
from conftest import ROOT, assert_same_records, cli_records, engine, read_parquet_records


@pytest.fixture(scope="module")
def ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = engine("ray")
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=512 * 1024**2,
             logging_level="ERROR")
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def dataset(ray, ids, texts, blocks=1):
    """Articles as a Ray Dataset of `blocks` blocks (a read of several files gives several)."""
    import pandas as pd

    df = pd.DataFrame({"id": ids, "text": texts})
    step = -(-len(df) // blocks)
    return ray.data.from_pandas([df.iloc[i:i + step] for i in range(0, len(df), step)])


def test_seeds_through_ray_match_the_cli(ray, cli, seed_articles, tmp_path):
    from tasnif.ray import label_dataset

    ids, texts = seed_articles
    want = cli_records(cli, ["--explain", "3", *ids], ROOT)
    ds = label_dataset(dataset(ray, ids + ["blank"], texts + ["  "], blocks=2),
                       tasnif.Model.default(), explain=3)
    ds.write_parquet(str(tmp_path / "seeds"))
    got = read_parquet_records(tmp_path / "seeds")
    blank = [r for r in got if r["id"] == "blank"]
    assert blank == cli_records(cli, ["--explain", "3", "-"], ROOT,
                                stdin='{"id":"blank","text":"  "}\n')
    assert_same_records([r for r in got if r["id"] != "blank"], want)


def test_the_example_labels_parquet(ray, cli, seed_articles, tmp_path):
    import pandas as pd

    from ray_label import main

    ids, texts = seed_articles
    path = tmp_path / "m.tasnif"
    tasnif.Model.default().save(path)
    pd.DataFrame({"id": ids, "text": texts}).to_parquet(tmp_path / "in.parquet")
    main(["--model", str(path), "--input", str(tmp_path / "in.parquet"),
          "--output", str(tmp_path / "out"), "--top-k", "2"])
    assert_same_records(read_parquet_records(tmp_path / "out"),
                        cli_records(cli, ["--top-k", "2", *ids], ROOT))


def test_reference_split_through_ray_matches_the_cli(ray, reference, tmp_path):
    from tasnif.ray import label_dataset

    ds = label_dataset(dataset(ray, reference["ids"], reference["texts"], blocks=8),
                       reference["model"], explain=3, concurrency=2, batch_size=512)
    ds.write_parquet(str(tmp_path / "test-split"))
    assert_same_records(read_parquet_records(tmp_path / "test-split"), reference["records"])
