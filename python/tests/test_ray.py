"""Ray Data: label a dataset with map_batches on a local Ray (2 CPUs), write
Parquet, read it back, and compare with `tasnif label` on the same articles."""

import os

import pytest

import tasnif
from conftest import PYTHON_DIR, ROOT, assert_same_records, cli_records, engine, read_parquet_records


@pytest.fixture(scope="module")
def ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = engine("ray")
    # The workers import the example module from here.
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=512 * 1024**2,
             runtime_env={"env_vars": {"PYTHONPATH": str(PYTHON_DIR / "examples")}})
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
    from ray_label import label_dataset

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


def test_reference_split_through_ray_matches_the_cli(ray, reference, tmp_path):
    from ray_label import label_dataset

    model = tasnif.Model.load(reference["model"])
    ds = label_dataset(dataset(ray, reference["ids"], reference["texts"], blocks=8), model,
                       explain=3, concurrency=2, batch_size=512)
    ds.write_parquet(str(tmp_path / "test-split"))
    assert_same_records(read_parquet_records(tmp_path / "test-split"), reference["records"])
