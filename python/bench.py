"""Per-core labeling throughput: the tasnif command line against the Python
package in this process, in PySpark (local[2]) and in Ray Data (2 CPUs).

    python bench.py [--copies N] [--runs N] [--engines cli,python,spark,ray] [--json FILE]

Every system labels the test split of the reference corpus (4,167 articles,
10.9 MB; ``--copies N`` labels it N times over) with a model trained by
``tasnif train`` on the training split, top 3, no explanations.

* cli: ``tasnif bench-op label -j 1`` (and ``-j 2``), the measurement
  ``tasnif bench`` makes for ``label``: reading the files, labeling, writing
  the JSON records to a sink; loading the model is timed apart.
* python: ``Model.label(texts, ids, threads=1)`` on the texts in memory
  (records as dicts).
* spark: ``examples/spark_label.label_dataframe`` on a cached DataFrame of the
  texts (2 partitions per copy), written to Spark's ``noop`` sink (everything
  but the file writes), and to Parquet; 2 cores. "without labeling" runs the
  same plan with made-up records: what the engine costs by itself.
* spark/ray "inside": the seconds the workers spent in ``Model.label`` and in
  making the records' DataFrame or Arrow table, summed over batches: the
  labeling's own per-core throughput inside the engine, where it shares the
  cores with the engine's processes; wall seconds, and the worker process's
  CPU seconds over the same spans.
* ray: ``examples/ray_label.label_dataset`` on a materialized Dataset of the
  texts (4 blocks per copy), materialized; 2 actors on 2 CPUs. A new pool of
  actors starts for every run (each unpickles the model). "without labeling"
  as for Spark.

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
sys.path.insert(0, str(HERE / "examples"))

import tasnif  # noqa: E402


def timed(fn, runs):
    fn()  # warm-up: workers started, model shipped, caches filled
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


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

    tmp = Path(tempfile.mkdtemp(prefix="tasnif-bench-"))
    os.chdir(tmp)  # Spark's and Ray's workers start here, away from python/tasnif
    model_path = tmp / "bench.tasnif"
    subprocess.run([str(cli), "train", str(corpus), "--list", str(corpus / "split/train.txt"),
                    "-o", str(model_path)], check=True, capture_output=True)
    model = tasnif.Model.load(model_path)
    ids = [l.strip() for l in (corpus / "split/test.txt").read_text("utf-8").splitlines()
           if l.strip()]
    raw = [(corpus / i).read_bytes() for i in ids]
    texts = [b.decode("utf-8").removeprefix("\ufeff") for b in raw]
    ids_n = [f"{c}/{i}" for c in range(a.copies) for i in ids]
    texts_n = texts * a.copies
    mb = sum(len(b) for b in raw) * a.copies / 1e6
    docs = len(texts_n)
    print(f"{docs} articles, {mb:.1f} MB; median of {a.runs} runs after a warm-up",
          file=sys.stderr)

    results = {}

    def report(name, cores, seconds, runs, note=""):
        results[name] = {"cores": cores, "seconds": seconds, "runs_s": runs,
                         "mb_per_s": mb / seconds, "mb_per_s_per_core": mb / seconds / cores,
                         "docs_per_s_per_core": docs / seconds / cores, "note": note}
        print(f"{name:<22} {cores} core(s) {seconds:7.3f} s {mb / seconds:8.1f} MB/s "
              f"{mb / seconds / cores:8.1f} MB/s per core {docs / seconds / cores:9.0f} docs/s "
              f"per core {note}", flush=True)

    if "cli" in engines:
        for jobs in (1, 2):
            runs = []
            for _ in range(a.runs + 1):
                out = subprocess.run(
                    [str(cli), "bench-op", "label", str(corpus), "--list",
                     str(corpus / "split/test.txt"), "--model", str(model_path), "-j", str(jobs),
                     "--copies", str(a.copies)], check=True, capture_output=True, text=True)
                runs.append(json.loads(out.stdout)["seconds"])
            runs = runs[1:]
            report(f"cli label -j {jobs}", jobs, statistics.median(runs), runs)

    if "python" in engines:
        s, runs = timed(lambda: model.label(texts_n, ids=ids_n, threads=1), a.runs)
        report("python threads=1", 1, s, runs)
        s, runs = timed(lambda: model.label(texts_n, ids=ids_n, threads=2), a.runs)
        report("python threads=2", 2, s, runs)

    if "spark" in engines:
        import pandas as pd
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F

        from spark_label import label_dataframe, record_schema

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
        report("spark local[2]", 2, s, runs, "(to the noop sink)")
        out = str(tmp / "spark.parquet")
        s, runs = timed(lambda: labeled.write.mode("overwrite").parquet(out), a.runs)
        report("spark local[2] parquet", 2, s, runs, "(writing Parquet)")

        # The engine alone: the same plan with records made up, not labeled.
        def fake(batches):
            for b in batches:
                n = len(b)
                yield pd.DataFrame({"id": b["id"], "label": ["x"] * n, "probability": [0.5] * n,
                                    "top": [[{"label": "x", "probability": 0.5}]] * n,
                                    "error": [None] * n})

        # Inside the workers: the seconds spent in Model.label and in making
        # the records' DataFrame, as the example's function does, summed
        # over batches (core-seconds; carried in a column of the first row).
        bc = spark.sparkContext.broadcast(model)

        def timed_batches(batches):
            m = bc.value
            for b in batches:
                t0, c0 = time.perf_counter(), time.process_time()
                recs = m.label(b["text"].tolist(), ids=b["id"].astype(str).tolist(), threads=1)
                out = pd.DataFrame.from_records(recs, columns=cols)
                busy = [0.0] * len(out)
                cpu = [0.0] * len(out)
                busy[0] = time.perf_counter() - t0
                cpu[0] = time.process_time() - c0
                out["busy_s"] = busy
                out["cpu_s"] = cpu
                yield out

        cols = ["id", "label", "probability", "top", "error"]
        busy_df = df.mapInPandas(timed_batches,
                                 record_schema(0) + ", busy_s double, cpu_s double")
        busy_df.agg({"busy_s": "sum"}).collect()  # warm-up
        sums = [busy_df.agg(F.sum("busy_s"), F.sum("cpu_s")).collect()[0] for _ in range(a.runs)]
        busy = statistics.median(r[0] for r in sums)
        report("spark, inside workers", 1, busy, [r[0] for r in sums],
               "(wall seconds in Model.label + DataFrame, summed over batches)")
        cpu = statistics.median(r[1] for r in sums)
        report("spark, inside, CPU", 1, cpu, [r[1] for r in sums],
               "(CPU seconds of the same)")

        empty = df.mapInPandas(fake, record_schema(0))
        s, runs = timed(lambda: empty.write.format("noop").mode("overwrite").save(), a.runs)
        report("spark without labeling", 2, s, runs, "(engine cost alone)")
        spark.stop()

    if "ray" in engines:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        import pandas as pd
        import pyarrow as pa
        import ray

        from ray_label import label_dataset, record_schema

        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR",
                 runtime_env={"env_vars": {"PYTHONPATH": str(HERE / "examples")}})
        ray.data.DataContext.get_current().enable_progress_bars = False
        frame = pd.DataFrame({"id": ids_n, "text": texts_n})
        step = -(-len(frame) // (4 * a.copies))
        ds = ray.data.from_pandas([frame.iloc[i:i + step] for i in range(0, len(frame), step)])
        ds = ds.materialize()
        s, runs = timed(lambda: label_dataset(ds, model, concurrency=2).materialize(), a.runs)
        report("ray num_cpus=2", 2, s, runs, "(materialized)")

        class Timed:
            def __init__(self, model):
                self.model = model

            def __call__(self, b):
                t0, c0 = time.perf_counter(), time.process_time()
                recs = self.model.label(b.column("text").to_pylist(),
                                        ids=b.column("id").to_pylist(), threads=1)
                out = pa.Table.from_pylist(recs, schema=record_schema(0))
                busy = [0.0] * out.num_rows
                cpu = [0.0] * out.num_rows
                busy[0] = time.perf_counter() - t0
                cpu[0] = time.process_time() - c0
                return out.append_column("busy_s", pa.array(busy)).append_column(
                    "cpu_s", pa.array(cpu))

        def timed_sum():
            return ds.map_batches(Timed, fn_constructor_args=(model,), batch_format="pyarrow",
                                  batch_size=4096,
                                  compute=ray.data.ActorPoolStrategy(size=2), num_cpus=1).sum(
                                      ["busy_s", "cpu_s"])

        timed_sum()
        sums = [timed_sum() for _ in range(a.runs)]
        busy = statistics.median(r["sum(busy_s)"] for r in sums)
        report("ray, inside actors", 1, busy, [r["sum(busy_s)"] for r in sums],
               "(wall seconds in Model.label + Arrow table, summed over batches)")
        cpu = statistics.median(r["sum(cpu_s)"] for r in sums)
        report("ray, inside, CPU", 1, cpu, [r["sum(cpu_s)"] for r in sums],
               "(CPU seconds of the same)")

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
        report("ray without labeling", 2, s, runs, "(engine cost alone)")
        ray.shutdown()

    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor()}",
            "python": platform.python_version(), "copies": a.copies, "docs": docs, "mb": mb,
            "load_average": os.getloadavg()}
    print(json.dumps(meta), file=sys.stderr)
    if a.json:
        Path(a.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
