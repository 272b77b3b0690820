"""Shared fixtures: the tasnif command line, the corpus, the examples.

The corpus is read from ``$TASNIF_DATA`` or ``../shared/data`` beside the
project. Without it, the tests that need it are skipped and say why; with
``CI=true`` they fail instead (as the Rust tests do).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
ROOT = PYTHON_DIR.parent
SEEDS = ROOT / "seeds"

sys.path.insert(0, str(PYTHON_DIR / "examples"))


def pytest_configure(config):
    # Spark and Ray workers start in the current folder: from python/, the
    # source folder tasnif/ (without the compiled extension) would shadow the
    # installed wheel there.
    if (Path.cwd() / "tasnif" / "__init__.py").is_file():
        raise pytest.UsageError(
            f"run the tests from another folder than {Path.cwd()} (e.g. `cd tests`): "
            "its tasnif/ source folder would hide the installed wheel from the workers")


def cli_path() -> Path:
    """The tasnif binary: ``$TASNIF_BIN``, else the release build of this checkout."""
    env = os.environ.get("TASNIF_BIN")
    if env:
        return Path(env)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "tasnif"


@pytest.fixture(scope="session")
def cli() -> Path:
    path = cli_path()
    if not path.is_file():
        pytest.fail(f"the tasnif binary is not at {path}: run `cargo build --release` "
                    "in the project root, or set TASNIF_BIN")
    return path


def run_cli(cli: Path, args: List[str], cwd: Path, stdin: Optional[str] = None
            ) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args], cwd=cwd, input=stdin, capture_output=True,
                          text=True, check=False)


def cli_records(cli: Path, args: List[str], cwd: Path, stdin: Optional[str] = None
                ) -> List[dict]:
    """The JSON records `tasnif label ARGS` writes, parsed."""
    out = run_cli(cli, ["label", *args], cwd, stdin)
    assert out.returncode in (0, 2), f"tasnif label failed: {out.stderr}"
    return [json.loads(line) for line in out.stdout.splitlines()]


def corpus_dir(test: str) -> Optional[Path]:
    """The reference corpus (ant-multisource), or None after saying why it is skipped."""
    data = Path(os.environ.get("TASNIF_DATA", ROOT.parent / "shared" / "data"))
    corpus = data / "ant-multisource"
    if (corpus / "split" / "test.txt").is_file():
        return corpus
    why = (f"{test}: the corpus is not at {data} "
           "(set TASNIF_DATA to the folder holding ant-multisource/)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}; CI=true, so this fails instead of skipping")
    pytest.skip(why)
    return None


def read_list(corpus: Path, name: str) -> List[str]:
    lines = (corpus / "split" / name).read_text(encoding="utf-8").splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith("#")]


def read_texts(base: Path, ids: List[str]) -> List[str]:
    # As the CLI reads a file: UTF-8, a leading byte-order mark dropped.
    return [(base / i).read_bytes().decode("utf-8").removeprefix("\ufeff") for i in ids]


@pytest.fixture(scope="session")
def seed_articles() -> Tuple[List[str], List[str]]:
    """The five seed articles: ids as `tasnif label` names them from the
    project root, and texts."""
    ids = sorted(f"seeds/{p.name}" for p in SEEDS.glob("*.txt"))
    assert len(ids) == 5, ids
    return ids, read_texts(ROOT, ids)


@pytest.fixture(scope="session")
def reference(tmp_path_factory, cli) -> Dict[str, object]:
    """The reference split: a model trained by `tasnif train` on
    split/train.txt, and the test split's ids, texts and CLI records
    (`tasnif label --explain 3`, run in the corpus folder on the listed paths)."""
    corpus = corpus_dir("reference split")
    tmp = tmp_path_factory.mktemp("reference")
    model = tmp / "ref.tasnif"
    out = run_cli(cli, ["train", str(corpus), "--list", str(corpus / "split/train.txt"),
                        "-o", str(model)], ROOT)
    assert out.returncode == 0, out.stderr
    ids = read_list(corpus, "test.txt")
    records = cli_records(cli, ["-m", str(model), "--explain", "3", *ids], corpus)
    assert len(records) == len(ids) == 4167
    return {"corpus": corpus, "model": model, "ids": ids,
            "texts": read_texts(corpus, ids), "records": records}


def assert_same_records(got: List[dict], want: List[dict]) -> None:
    """Same records, compared exactly (floats bit for bit), in any order."""
    assert len(got) == len(want)
    by_id = {r["id"]: r for r in got}
    assert len(by_id) == len(got), "duplicate ids"
    for w in want:
        g = by_id.get(w["id"])
        assert g is not None, f"no record for {w['id']}"
        assert g == w, f"records differ for {w['id']}:\n got  {g}\n want {w}"
    # `==` on floats is exact; make sure no field is silently a different type.
    for w in want[:50]:
        assert json.dumps(by_id[w["id"]], ensure_ascii=False) == json.dumps(w, ensure_ascii=False)


def engine(module: str):
    """Imports an optional dependency (pyspark, ray, sklearn); a test (or a
    test module) needing one that is not installed is skipped, or fails under
    CI=true (ci.sh installs them all)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{module} is not installed ({e}); CI=true, so this fails")
        pytest.skip(f"{module} is not installed ({e}); python/ci.sh installs it",
                    allow_module_level=True)


def read_parquet_records(path: Path) -> List[dict]:
    """Rows of a Parquet dataset (a folder of part files) as dicts."""
    import pyarrow.parquet as pq

    return pq.read_table(str(path)).to_pylist()
