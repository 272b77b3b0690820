"""Per-core labeling throughput: the tasnif command line against the Python
package in this process, in PySpark (local[2]) and in Ray Data (2 CPUs).

    python bench.py [--copies N] [--runs N] [--engines cli,python,spark,ray] [--json FILE]

Every system labels the test split of the reference corpus (4,167 articles,
10.9 MB; ``--copies N`` labels it N times over) with a model trained by
``tasnif train`` on the training split, top 3, no explanations.

* cli: ``tasnif bench-op label -j 1`` (and ``-j 2``), the measurement
  ``tasnif bench`` makes for ``label``: reading the files, labeling, writing
  the JSON records to a sink; loading the model is timed apart. With
  ``-j 1``, its CPU seconds too.
* python: ``Model.label(texts, ids, threads=1)`` on the texts in memory
  (records as dicts, through JSON), and ``Model.label_arrow(table,
  threads=1)`` on a pyarrow table of them (records as Arrow columns).
* spark: ``tasnif.spark.label_dataframe`` (mapInArrow) on a cached DataFrame
  of the texts (2 partitions per copy), written to Spark's ``noop`` sink
  (everything but the file writes); 2 cores. "engine alone" runs the same
  plan with made-up records: what the engine costs by itself.
* spark/ray "inside": the seconds the workers spent in ``Model.label_arrow``
  (the labeling and the building of its Arrow output), summed over batches:
  the labeling's own per-core throughput inside the engine, where it shares
  the cores with the engine's processes; wall seconds, and the worker
  process's CPU seconds over the same spans. "JSON" times, the same way, the
  path before ``label_arrow``: texts to Python strings, ``Model.label``
  (JSON rendered and parsed), the dicts to an Arrow table.
* ray: ``tasnif.ray.label_dataset`` on a materialized Dataset of the texts
  (4 blocks per copy), materialized; a pool of 2 actors on 2 CPUs, new for
  every run (each unpickles the model). "engine alone" as for Spark.

Each figure is the median of ``--runs`` timed runs after one untimed warm-up
run; MB are 10^6 bytes of article text (UTF-8, as in the files). "per core"
divides by the cores the system was given (1, or 2 for Spark and Ray).
The load average is printed with the figures: on a shared machine, compare
figures from one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The installed wheel, not the sources beside this script.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import tasnif  # noqa: E402


def timed(fn, runs):
    fn()  # warm-up: workers started, model shipped, caches filled
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def via_json(model):
    """The path before ``label_arrow``: the batch's texts and ids to Python
    strings, ``Model.label`` (records rendered to JSON in Rust and parsed by
    ``json.loads``), the dicts to an Arrow table of ``label_arrow``'s schema."""
    import pyarrow as pa

    schema = model.label_arrow(pa.table({"id": ["0"], "text": ["x"]}), threads=1).schema

    def label(batch, threads):
        recs = model.label(batch.column("text").to_pylist(),
                           ids=batch.column("id").to_pylist(), threads=threads)
        return pa.Table.from_pylist(recs, schema=schema)

    return label


def with_timing(label, batch, options):
    """``label`` (``label_arrow`` or ``via_json``'s) on one batch, and the
    wall and CPU seconds it took, in two more columns (on the first row;
    zeros below)."""
    import pyarrow as pa

    t0, c0 = time.perf_counter(), time.process_time()
    out = label(batch, **options)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = out.num_rows
    return (out.append_column("busy_s", pa.array([wall] + [0.0] * (n - 1), pa.float64()))
               .append_column("cpu_s", pa.array([cpu] + [0.0] * (n - 1), pa.float64())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="cli,python,spark,ray")
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    engines = a.engines.split(",")

    data = Path(os.environ.get("TASNIF_DATA", ROOT.parent / "shared" / "data"))
    corpus = data / "ant-multisource"
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    cli = Path(os.environ.get("TASNIF_BIN", target / "release" / "tasnif"))
    if not (corpus / "split" / "test.txt").is_file():
        sys.exit(f"the corpus is not at {corpus}; set TASNIF_DATA")
    if not cli.is_file():
        sys.exit(f"no tasnif binary at {cli}; run cargo build --release or set TASNIF_BIN")

    import pyarrow as pa

    tmp = Path(tempfile.mkdtemp(prefix="tasnif-bench-"))
    os.chdir(tmp)  # Spark's and Ray's workers start here, away from python/tasnif
    model_path = tmp / "bench.tasnif"
    subprocess.run([str(cli), "train", str(corpus), "--list", str(corpus / "split/train.txt"),
                    "-o", str(model_path)], check=True, capture_output=True)
    model = tasnif.Model.load(model_path)
    ids = [l.strip() for l in (corpus / "split/test.txt").read_text("utf-8").splitlines()
           if l.strip()]
    raw = [(corpus / i).read_bytes() for i in ids]
    texts = [tasnif.read_text(corpus / i) for i in ids]
    ids_n = [f"{c}/{i}" for c in range(a.copies) for i in ids]
    texts_n = texts * a.copies
    table = pa.table({"id": ids_n, "text": texts_n})
    mb = sum(len(b) for b in raw) * a.copies / 1e6
    docs = len(texts_n)
    load = [os.getloadavg()]
    print(f"{docs} articles, {mb:.1f} MB; median of {a.runs} runs after a warm-up; "
          f"load average {load[0][0]:.2f}", file=sys.stderr)

    results = {}

    def report(name, cores, seconds, runs, note=""):
        results[name] = {"cores": cores, "seconds": seconds, "runs_s": runs,
                         "mb_per_s": mb / seconds, "mb_per_s_per_core": mb / seconds / cores,
                         "docs_per_s_per_core": docs / seconds / cores, "note": note,
                         "load_average_1min": os.getloadavg()[0]}
        print(f"{name:<28} {cores} core(s) {seconds:7.3f} s {mb / seconds:8.1f} MB/s "
              f"{mb / seconds / cores:8.1f} MB/s per core {docs / seconds / cores:9.0f} docs/s "
              f"per core  load {os.getloadavg()[0]:.2f} {note}", flush=True)

    if "cli" in engines:
        for jobs in (1, 2):
            runs, cpus = [], []
            for _ in range(a.runs + 1):
                out = subprocess.run(
                    [str(cli), "bench-op", "label", str(corpus), "--list",
                     str(corpus / "split/test.txt"), "--model", str(model_path), "-j", str(jobs),
                     "--copies", str(a.copies)], check=True, capture_output=True, text=True)
                runs.append(json.loads(out.stdout)["seconds"])
                cpus.append(json.loads(out.stdout)["cpu_seconds"])
            runs, cpus = runs[1:], cpus[1:]
            report(f"cli label -j {jobs}", jobs, statistics.median(runs), runs)
            if jobs == 1:
                report("cli label -j 1, CPU", 1, statistics.median(cpus), cpus,
                       "(CPU seconds of the same)")

    if "python" in engines:
        s, runs = timed(lambda: model.label(texts_n, ids=ids_n, threads=1), a.runs)
        report("python label threads=1", 1, s, runs, "(dicts)")
        s, runs = timed(lambda: via_json(model)(table, threads=1), a.runs)
        report("python via JSON t=1", 1, s, runs, "(dicts to an Arrow table)")
        s, runs = timed(lambda: model.label_arrow(table, threads=1), a.runs)
        report("python label_arrow t=1", 1, s, runs, "(Arrow columns)")
        s, runs = timed(lambda: model.label_arrow(table, threads=2), a.runs)
        report("python label_arrow t=2", 2, s, runs, "(Arrow columns)")

    if "spark" in engines:
        import pandas as pd
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        from tasnif.spark import label_dataframe, spark_schema

        os.environ["PYSPARK_PYTHON"] = sys.executable
        spark = (SparkSession.builder.master("local[2]").appName("tasnif-bench")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                 .config("spark.driver.memory", "2g").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        df = spark.createDataFrame(pd.DataFrame({"id": ids_n, "text": texts_n}))
        df = df.repartition(2 * a.copies).cache()
        df.count()
        labeled = label_dataframe(df, model)
        s, runs = timed(lambda: labeled.write.format("noop").mode("overwrite").save(), a.runs)
        report("spark local[2]", 2, s, runs, "(whole job, to the noop sink)")

        # Inside the workers: the seconds spent in label_arrow, summed over
        # batches (core-seconds; carried in two columns of the first row).
        bc = spark.sparkContext.broadcast(model)
        schema = spark_schema(model).add("busy_s", "double").add("cpu_s", "double")
        for path, name in [(False, "spark, inside"), (True, "spark, inside, JSON")]:
            def timed_batches(batches, path=path):
                m = bc.value
                label = via_json(m) if path else m.label_arrow
                for b in batches:
                    yield from with_timing(label, b, {"threads": 1}).to_batches()

            busy_df = df.mapInArrow(timed_batches, schema)
            busy_df.agg(F.sum("busy_s")).collect()  # warm-up
            sums = [busy_df.agg(F.sum("busy_s"), F.sum("cpu_s")).collect()[0]
                    for _ in range(a.runs)]
            what = "via_json" if path else "label_arrow"
            report(f"{name}, wall", 1, statistics.median(r[0] for r in sums),
                   [r[0] for r in sums], f"(wall seconds in {what}, summed over batches)")
            report(f"{name}, CPU", 1, statistics.median(r[1] for r in sums),
                   [r[1] for r in sums], "(CPU seconds of the same)")

        # The engine alone: the same plan with records made up, not labeled.
        def fake(batches):
            for b in batches:
                n = b.num_rows
                yield pa.record_batch({
                    "id": b.column("id"), "label": pa.array(["x"] * n),
                    "probability": pa.array([0.5] * n),
                    "top": pa.array([[{"label": "x", "probability": 0.5}]] * n,
                                    pa.list_(pa.struct([("label", pa.string()),
                                                        ("probability", pa.float64())]))),
                    "error": pa.nulls(n, pa.string())})

        empty = df.mapInArrow(fake, spark_schema(model))
        s, runs = timed(lambda: empty.write.format("noop").mode("overwrite").save(), a.runs)
        report("spark, engine alone", 2, s, runs, "(made-up records)")
        spark.stop()

    if "ray" in engines:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        import ray

        from tasnif.ray import label_dataset

        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
        ray.data.DataContext.get_current().enable_progress_bars = False
        frame = table.to_pandas()
        step = -(-len(frame) // (4 * a.copies))
        ds = ray.data.from_pandas([frame.iloc[i:i + step] for i in range(0, len(frame), step)])
        ds = ds.materialize()
        s, runs = timed(lambda: label_dataset(ds, model, concurrency=2).materialize(), a.runs)
        report("ray num_cpus=2", 2, s, runs, "(whole job, materialized)")

        class Timed:
            def __init__(self, model, path):
                self.label = via_json(model) if path else model.label_arrow

            def __call__(self, b):
                return with_timing(self.label, b, {"threads": 1})

        for path, name in [(False, "ray, inside"), (True, "ray, inside, JSON")]:
            def timed_sum(path=path):
                return ds.map_batches(Timed, fn_constructor_args=(model, path),
                                      batch_format="pyarrow", batch_size=4096,
                                      compute=ray.data.ActorPoolStrategy(size=2),
                                      num_cpus=1).sum(["busy_s", "cpu_s"])

            timed_sum()
            sums = [timed_sum() for _ in range(a.runs)]
            what = "via_json" if path else "label_arrow"
            report(f"{name}, wall", 1, statistics.median(r["sum(busy_s)"] for r in sums),
                   [r["sum(busy_s)"] for r in sums],
                   f"(wall seconds in {what}, summed over batches)")
            report(f"{name}, CPU", 1, statistics.median(r["sum(cpu_s)"] for r in sums),
                   [r["sum(cpu_s)"] for r in sums], "(CPU seconds of the same)")

        class Fake:
            def __init__(self, model):
                self.model = model

            def __call__(self, b):
                n = b.num_rows
                return pa.table({"id": b.column("id"), "label": ["x"] * n,
                                 "probability": [0.5] * n,
                                 "top": [[{"label": "x", "probability": 0.5}]] * n,
                                 "error": pa.nulls(n, pa.string())})

        s, runs = timed(lambda: ds.map_batches(Fake, fn_constructor_args=(model,),
                                               batch_format="pyarrow", batch_size=4096,
                                               compute=ray.data.ActorPoolStrategy(size=2),
                                               num_cpus=1).materialize(), a.runs)
        report("ray, engine alone", 2, s, runs, "(made-up records)")
        ray.shutdown()

    load.append(os.getloadavg())
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor()}",
            "python": platform.python_version(), "copies": a.copies, "docs": docs, "mb": mb,
            "load_average_start_end": load}
    print(json.dumps(meta), file=sys.stderr)
    # Wall against wall and CPU against CPU: on a loaded machine wall seconds
    # count the waits for a core, CPU seconds do not.
    if "cli label -j 1" in results:
        for name in ["python label_arrow t=1", "python via JSON t=1",
                     "spark, inside, wall", "spark, inside, CPU", "spark, inside, JSON, wall",
                     "spark, inside, JSON, CPU", "ray, inside, wall", "ray, inside, CPU",
                     "ray, inside, JSON, wall", "ray, inside, JSON, CPU"]:
            if name in results:
                ref = "cli label -j 1, CPU" if name.endswith("CPU") else "cli label -j 1"
                ratio = results[ref]["mb_per_s_per_core"] / results[name]["mb_per_s_per_core"]
                print(f"{name:<28} {ratio:.2f}  (the CLI's MB/s per core over this one's; "
                      f"against '{ref}')", file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
