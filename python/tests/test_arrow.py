"""Model.label_arrow: Arrow in, Arrow out, the same values as the JSON records."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

import tasnif
from conftest import ROOT, cli_records

pa = pytest.importorskip("pyarrow")


def flat_model() -> tasnif.Model:
    """A one-stage model (no gate), trained from memory."""
    texts = ["البنك الأسعار التضخم النفط الاستثمار الأسواق",
             "المباراة الفريق الهدف الدوري اللاعب المدرب",
             "الهاتف الإنترنت البرمجيات التطبيق الحاسوب"] * 4
    labels = ["economy", "sports", "technology"] * 4
    return tasnif.train(texts=texts, labels=labels)


OPTIONS = [
    dict(),
    dict(top_k=1, explain=5),
    dict(top_k=5, explain=2, multi=True),
    dict(multi=0.0001, explain=1, gate_threshold=0.9),
]


@pytest.mark.parametrize("options", OPTIONS)
def test_columns_hold_the_values_of_the_cli_records(cli, seed_articles, options):
    ids, texts = seed_articles
    flags = ["--top-k", str(options.get("top_k", 3)), "--explain", str(options.get("explain", 0))]
    if "multi" in options:
        flags += ["--multi", "--threshold", str(0.3 if options["multi"] is True else options["multi"])]
    if "gate_threshold" in options:
        flags += ["--gate-threshold", str(options["gate_threshold"])]
    want = cli_records(cli, [*flags, *ids], ROOT)
    table = tasnif.Model.default().label_arrow(pa.table({"id": ids, "text": texts}), **options)
    assert isinstance(table, pa.Table)
    got = table.to_pylist()
    # Field for field, in the CLI's order, floats to the last bit.
    assert got == want
    assert [json.dumps(r, ensure_ascii=False) for r in got] == \
        [json.dumps(r, ensure_ascii=False) for r in want]


def test_typed_columns():
    table = tasnif.Model.default().label_arrow(
        pa.table({"id": ["a"], "text": ["تسريب بيانات ملايين المستخدمين"]}), explain=2, multi=True)
    scored = pa.list_(pa.struct([("label", pa.string()), ("probability", pa.float64())]))
    term = pa.list_(pa.struct([("term", pa.string()), ("weight", pa.float64())]))
    assert table.schema == pa.schema([
        ("id", pa.string()), ("label", pa.string()), ("probability", pa.float64()),
        ("cyber", pa.float64()), ("top", scored), ("tags", pa.list_(pa.string())),
        ("explain", term), ("evidence", term), ("error", pa.string())])
    flat = flat_model().label_arrow(pa.table({"id": ["a"], "text": ["البنك"]}))
    assert flat.column_names == ["id", "label", "probability", "top", "error"]


def test_every_arrow_source_gives_the_same_records(seed_articles):
    ids, texts = seed_articles
    m = tasnif.Model.default()
    want = m.label(texts, ids=ids, explain=2)
    table = pa.table({"id": ids, "text": texts})
    sources = {
        "table": table,
        "record batch (__arrow_c_array__)": table.to_batches()[0],
        "reader": pa.RecordBatchReader.from_batches(table.schema, table.to_batches()),
        "chunked": pa.Table.from_batches([table.slice(0, 2).combine_chunks().to_batches()[0],
                                          table.slice(2).combine_chunks().to_batches()[0]]),
        "large_string": table.cast(pa.schema([("id", pa.large_string()),
                                              ("text", pa.large_string())])),
        "string_view": table.cast(pa.schema([("id", pa.string()), ("text", pa.string_view())])),
        "pandas": table.to_pandas(),
    }
    for name, source in sources.items():
        assert m.label_arrow(source, explain=2).to_pylist() == want, name


def test_ids_rows_and_nulls(seed_articles):
    _, texts = seed_articles
    m = flat_model()
    # integer ids are written as strings; None numbers the rows across batches
    t = pa.table({"n": pa.array([7, 8, 9], pa.int32()), "body": texts[:3]})
    assert m.label_arrow(t, text_column="body", id_column="n").column("id").to_pylist() == \
        ["7", "8", "9"]
    two = pa.Table.from_batches(t.to_batches(max_chunksize=2))
    assert two.num_rows == 3 and len(two.to_batches()) == 2
    got = m.label_arrow(two, text_column="body", id_column=None)
    assert got.column("id").to_pylist() == ["0", "1", "2"]
    assert got.drop_columns("id").to_pylist() == \
        [{k: v for k, v in r.items() if k != "id"} for r in m.label(texts[:3])]
    # a null text and a blank one are error records (a one-stage model); a
    # null id stays null and the error names the row
    t = pa.table({"id": ["a", None, "c"], "text": [None, "   ", texts[0]]})
    recs = m.label_arrow(t).to_pylist()
    assert recs[0] == {"id": "a", "label": None, "probability": None, "top": [],
                       "error": "a: no text (null)"}
    assert recs[1]["id"] is None and recs[1]["error"] == "row 1: empty document (no letters or digits)"
    assert recs[2]["error"] is None and recs[2]["label"] == m.label([texts[0]])[0]["label"]
    # empty input: the schema, no rows
    empty = m.label_arrow(pa.table({"id": pa.array([], pa.string()),
                                    "text": pa.array([], pa.string())}))
    assert empty.num_rows == 0 and empty.column_names[-1] == "error"


def test_a_stream_for_any_consumer(seed_articles):
    ids, texts = seed_articles
    m = tasnif.Model.default()
    records = m.label_arrow(pa.table({"id": ids, "text": texts}), as_stream=True)
    assert isinstance(records, tasnif.ArrowRecords)
    assert len(records) == records.num_rows == 5
    assert records.column_names == ["id", "label", "probability", "cyber", "top", "error"]
    # read twice, through the PyCapsule interface
    assert pa.table(records).to_pylist() == m.label(texts, ids=ids)
    assert pa.RecordBatchReader.from_stream(records).read_all().to_pylist() == \
        m.label(texts, ids=ids)
    assert pa.schema(records) == pa.table(records).schema


def test_threads_and_batch_sizes_do_not_change_records(seed_articles):
    _, texts = seed_articles
    many = [" ".join(texts[i % 5].split()[: 40 + i % 200]) for i in range(700)]
    m = tasnif.Model.default()
    table = pa.table({"id": [f"d{i}" for i in range(700)], "text": many})
    one = m.label_arrow(table, explain=3, threads=1)
    for threads in (2, 3):
        assert m.label_arrow(table, explain=3, threads=threads).to_pylist() == one.to_pylist()
    split = pa.Table.from_batches(table.to_batches(max_chunksize=33))
    assert m.label_arrow(split, explain=3, threads=2).to_pylist() == one.to_pylist()
    assert one.to_pylist() == m.label(many, ids=[f"d{i}" for i in range(700)], explain=3)


@pytest.mark.parametrize("data, kwargs, exc, words", [
    ({"text": ["a"]}, {}, ValueError, r"no id column 'id' in the data \(its columns: text\)"),
    ({"id": ["1"], "body": ["a"]}, {}, ValueError, "no text column 'text'"),
    ({"id": ["1"], "text": [1]}, {}, TypeError, "the text column 'text' is of type Int64"),
    ({"id": [1.5], "text": ["a"]}, {}, TypeError, "the id column 'id' is of type Float64"),
    ({"id": ["1"], "text": ["a"]}, {"top_k": 0}, ValueError, "top_k must be at least 1"),
    ({"id": ["1"], "text": ["a"]}, {"gate_threshold": 2.0}, ValueError, "gate_threshold"),
])
def test_bad_input_raises(data, kwargs, exc, words):
    with pytest.raises(exc, match=words):
        tasnif.Model.default().label_arrow(pa.table(data), **kwargs)


def test_strings_that_are_not_utf8_are_refused():
    # pyarrow builds an array from raw buffers without checking them
    data = "نص".encode() + b"\xff\xfe"
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32).tobytes())
    bad = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)])
    with pytest.raises(ValueError, match="Arrow column 1: .*(UTF-8|utf8|utf-8)"):
        tasnif.Model.default().label_arrow(pa.table({"id": ["a"], "text": bad}))


def test_what_is_not_arrow_is_refused():
    m = tasnif.Model.default()
    with pytest.raises(TypeError, match="not list"):
        m.label_arrow(["نص"])
    with pytest.raises(TypeError, match="is not a table"):
        m.label_arrow(pa.array(["نص"]))


def test_label_arrow_releases_the_gil(seed_articles):
    _, texts = seed_articles
    table = pa.table({"id": [str(i) for i in range(20000)],
                      "text": [texts[i % 5] for i in range(20000)]})
    m = tasnif.Model.default()
    ticks = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    t0, n0 = time.perf_counter(), ticks[0]
    time.sleep(0.3)
    alone = (ticks[0] - n0) / (time.perf_counter() - t0)
    t0, n0 = time.perf_counter(), ticks[0]
    m.label_arrow(table, threads=1)
    elapsed = time.perf_counter() - t0
    during = (ticks[0] - n0) / elapsed
    stop.set()
    t.join()
    assert elapsed > 0.1, "the batch is too small to tell"
    # Holding the GIL, the other thread would not run at all during the call.
    assert during > 0.2 * alone, \
        f"the other thread ran at {during:.0f}/s during the call, {alone:.0f}/s before it"
