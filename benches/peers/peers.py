#!/usr/bin/env python3
"""Measure one peer system on the reference split of ANT Corpus v2.1.

    python peers.py --system SYSTEM [--data DIR] [--json OUT]

SYSTEM is one of: sklearn-snowball-cnb, sklearn-mnb, fasttext, nltk-isri-mnb.

DIR is the folder holding ant-multisource/ (default: $TASNIF_DATA, else
../shared/data beside the project root); the ant-multisource folder itself is
accepted too.

Figures (see README.md in this folder for the exact definitions):

* fit_s: wall time of reading the training files + fitting vectorizer and model
  (for fastText: + writing its training file). Median of --fit-repeats fits.
* label_s: wall time of reading the test files + tokenizing/stemming +
  vectorizing + predicting, with the fitted model already in memory. Median of
  --repeats runs in this process. label_mb_per_s = test bytes (sizes on disk,
  1 MB = 10^6 bytes) / label_s.
* peak_rss_mb: ru_maxrss of this process at the end (whole run: imports, fit,
  every label run), in MB of 10^6 bytes (as `tasnif bench` reports VmHWM).
  Run each system in its own process.
* macro_f1, accuracy: predictions of the first label run against the split.

Only the standard library is imported at the top, so --help works without the
virtualenv; the peer's libraries are imported inside the timed process before
any timing starts (import time is not part of fit_s or label_s).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

SYSTEMS = ("sklearn-snowball-cnb", "sklearn-mnb", "fasttext", "nltk-isri-mnb")

# scikit-learn's default token_pattern, used by the stemming analyzers below so
# that every sklearn peer splits text the same way.
TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")

# Distributions whose versions are recorded per system.
DISTS = {
    "sklearn-snowball-cnb": ("scikit-learn", "numpy", "scipy", "PyStemmer"),
    "sklearn-mnb": ("scikit-learn", "numpy", "scipy"),
    "fasttext": ("fasttext-wheel", "fasttext", "numpy"),
    "nltk-isri-mnb": ("scikit-learn", "numpy", "scipy", "nltk"),
}


# --------------------------------------------------------------------------
# corpus


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def find_corpus(data: str | None) -> Path:
    """The ant-multisource folder, from --data, $TASNIF_DATA or the default."""
    if data is None:
        data = os.environ.get("TASNIF_DATA") or str(project_root() / ".." / "shared" / "data")
    base = Path(data).resolve()
    for cand in (base / "ant-multisource", base):
        if (cand / "split" / "train.txt").is_file() and (cand / "split" / "test.txt").is_file():
            return cand
    sys.exit(
        f"peers.py: the corpus is not at {base} (expected {base}/ant-multisource/split/train.txt); "
        "pass --data DIR or set TASNIF_DATA to the folder holding ant-multisource/"
    )


def read_split(corpus: Path, name: str) -> tuple[list[str], list[str]]:
    """Absolute file paths and labels listed in split/<name>.txt."""
    paths, labels = [], []
    with open(corpus / "split" / f"{name}.txt", encoding="utf-8") as f:
        for line in f:
            rel = line.strip()
            if not rel:
                continue
            paths.append(str(corpus / rel))
            labels.append(rel.split("/", 1)[0])
    return paths, labels


def read_texts(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            out.append(f.read())
    return out


# --------------------------------------------------------------------------
# peers: each has fit(paths, labels) and predict(paths) -> labels; both
# include reading the files, because that is part of what is timed.


class SklearnPeer:
    """TfidfVectorizer + a naive Bayes from scikit-learn."""

    def __init__(self, system: str):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.naive_bayes import ComplementNB, MultinomialNB

        self.system = system
        if system == "sklearn-snowball-cnb":
            import Stemmer  # PyStemmer

            stemmer = Stemmer.Stemmer("arabic")  # its built-in stem cache is left on (the default)
            stem_words = stemmer.stemWords
            findall = TOKEN_RE.findall

            def analyzer(doc: str) -> list[str]:
                return stem_words(findall(doc.lower()))

            self.vec = TfidfVectorizer(analyzer=analyzer)
            self.make_nb = ComplementNB
            self.params = {
                "vectorizer": "TfidfVectorizer(analyzer=default token_pattern + lowercase + "
                "PyStemmer arabic stemWords), other options default",
                "model": "ComplementNB() (alpha=1.0)",
            }
        elif system == "sklearn-mnb":
            self.vec = TfidfVectorizer()
            self.make_nb = MultinomialNB
            self.params = {
                "vectorizer": "TfidfVectorizer() (all defaults, no stemming)",
                "model": "MultinomialNB() (alpha=1.0)",
            }
        elif system == "nltk-isri-mnb":
            from nltk.stem.isri import ISRIStemmer

            stem = ISRIStemmer().stem
            findall = TOKEN_RE.findall

            def analyzer(doc: str) -> list[str]:
                # As NLTK users call it: one stem() call per token, no memoization.
                return [stem(t) for t in findall(doc.lower())]

            self.vec = TfidfVectorizer(analyzer=analyzer)
            self.make_nb = MultinomialNB
            self.params = {
                "vectorizer": "TfidfVectorizer(analyzer=default token_pattern + lowercase + "
                "NLTK ISRIStemmer().stem per token, no cache), other options default (tf-idf, l2)",
                "model": "MultinomialNB() (alpha=1.0)",
            }
        else:
            raise ValueError(system)
        self.nb = None

    def fit(self, paths: list[str], labels: list[str]) -> None:
        from sklearn.base import clone

        vec = clone(self.vec)
        X = vec.fit_transform(read_texts(paths))
        nb = self.make_nb().fit(X, labels)
        self.vec, self.nb = vec, nb
        self.n_features = X.shape[1]

    def predict(self, paths: list[str]) -> list[str]:
        X = self.vec.transform(read_texts(paths))
        return list(self.nb.predict(X))


class FastTextPeer:
    """fastText supervised: epoch 25, word bigrams, 2 threads, other options default.

    fastText reads its training data from a file, one example per line. The
    articles are tokenized like the scikit-learn peers (lowercase, then
    scikit-learn's default token pattern, which drops punctuation and
    one-character tokens) and the training lines are shuffled with a fixed
    seed: the split lists are sorted by label, and fastText's SGD on
    label-sorted lines gives a much worse model (macro-F1 0.66-0.80 on this
    split in our trials instead of about 0.87).
    """

    PREFIX = "__label__"
    SHUFFLE_SEED = 42

    def __init__(self, system: str, threads: int = 2):
        import fasttext

        self.fasttext = fasttext
        self.system = system
        self.threads = threads
        self.model = None
        self.params = {
            "model": f"fasttext.train_supervised(epoch=25, wordNgrams=2, thread={threads}, "
            "seed=0; lr 0.1, dim 100, bucket 2000000, loss softmax: defaults)",
            "text": "lowercase + scikit-learn default token pattern, tokens joined by spaces "
            "(one article per line)",
            "training_order": f"shuffled, random.Random({self.SHUFFLE_SEED})",
        }

    @staticmethod
    def one_line(text: str) -> str:
        return " ".join(TOKEN_RE.findall(text.lower()))

    def fit(self, paths: list[str], labels: list[str]) -> None:
        import random

        texts = read_texts(paths)
        order = list(range(len(texts)))
        random.Random(self.SHUFFLE_SEED).shuffle(order)
        fd, tmp = tempfile.mkstemp(prefix="tasnif-peers-fasttext-", suffix=".txt")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for i in order:
                    f.write(f"{self.PREFIX}{labels[i]} {self.one_line(texts[i])}\n")
            self.model = self.fasttext.train_supervised(
                input=tmp, epoch=25, wordNgrams=2, thread=self.threads, seed=0, verbose=0
            )
        finally:
            os.unlink(tmp)
        self.n_features = len(self.model.words)

    def predict(self, paths: list[str]) -> list[str]:
        lines = [self.one_line(t) for t in read_texts(paths)]
        got, _ = self.model.predict(lines, k=1)
        n = len(self.PREFIX)
        return [g[0][n:] for g in got]


def make_peer(system: str):
    if system == "fasttext":
        return FastTextPeer(system)
    return SklearnPeer(system)


# --------------------------------------------------------------------------
# measurement


def versions(system: str) -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in DISTS[system]:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_rss_kib() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--system", required=True, choices=SYSTEMS)
    ap.add_argument("--data", help="folder holding ant-multisource/ (default $TASNIF_DATA or ../shared/data)")
    ap.add_argument("--json", help="write the figures here (default: print them only)")
    ap.add_argument("--repeats", type=int, default=3, help="label runs; the median is reported (default 3)")
    ap.add_argument("--fit-repeats", type=int, default=1, help="fits; the median is reported (default 1)")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.fit_repeats < 1:
        ap.error("--repeats and --fit-repeats must be at least 1")

    corpus = find_corpus(args.data)
    train_paths, train_labels = read_split(corpus, "train")
    test_paths, test_labels = read_split(corpus, "test")
    test_bytes = sum(os.path.getsize(p) for p in test_paths)
    train_bytes = sum(os.path.getsize(p) for p in train_paths)
    load_start = os.getloadavg()
    started = _dt.datetime.now(_dt.timezone.utc).astimezone()

    def log(msg: str) -> None:
        print(f"[{args.system}] {msg}", file=sys.stderr, flush=True)

    peer = make_peer(args.system)  # imports the libraries, outside every timing

    # CPU time (all threads of this process) next to each wall time: for a
    # single-threaded peer, CPU/wall well below 1 means it waited for a core
    # (a busy machine) or for the disk.
    fit_runs, fit_cpu = [], []
    for i in range(args.fit_repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        peer.fit(train_paths, train_labels)
        fit_runs.append(time.perf_counter() - t0)
        fit_cpu.append(time.process_time() - c0)
        log(f"fit {i + 1}/{args.fit_repeats}: {fit_runs[-1]:.2f} s (CPU {fit_cpu[-1]:.2f} s)")
    rss_after_fit = peak_rss_kib()

    label_runs, label_cpu, first_pred = [], [], None
    for i in range(args.repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        pred = peer.predict(test_paths)
        label_runs.append(time.perf_counter() - t0)
        label_cpu.append(time.process_time() - c0)
        if first_pred is None:
            first_pred = pred
        log(f"label {i + 1}/{args.repeats}: {label_runs[-1]:.3f} s (CPU {label_cpu[-1]:.3f} s)")

    # Scoring is not timed.
    from sklearn.metrics import accuracy_score, f1_score

    labels_sorted = sorted(set(train_labels) | set(test_labels))
    per_class = f1_score(test_labels, first_pred, labels=labels_sorted, average=None, zero_division=0)
    macro_f1 = float(f1_score(test_labels, first_pred, labels=labels_sorted, average="macro", zero_division=0))
    accuracy = float(accuracy_score(test_labels, first_pred))

    fit_s = statistics.median(fit_runs)
    label_s = statistics.median(label_runs)
    rss_kib = peak_rss_kib()
    result = {
        "system": args.system,
        "date": started.isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "load_avg_start": [round(x, 2) for x in load_start],
        "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        "versions": versions(args.system),
        "params": peer.params,
        "n_train": len(train_paths),
        "train_bytes": train_bytes,
        "n_test": len(test_paths),
        "test_bytes": test_bytes,
        "n_features": int(peer.n_features),
        "fit_s": round(fit_s, 4),
        "fit_runs_s": [round(x, 4) for x in fit_runs],
        "fit_cpu_s": [round(x, 4) for x in fit_cpu],
        "label_s": round(label_s, 4),
        "label_runs_s": [round(x, 4) for x in label_runs],
        "label_cpu_s": [round(x, 4) for x in label_cpu],
        "label_mb_per_s": round(test_bytes / 1e6 / label_s, 4),
        "label_docs_per_s": round(len(test_paths) / label_s, 2),
        "peak_rss_mb": round(rss_kib * 1024 / 1e6, 1),
        "peak_rss_kib": rss_kib,
        "peak_rss_after_fit_mb": round(rss_after_fit * 1024 / 1e6, 1),
        "macro_f1": round(macro_f1, 4),
        "accuracy": round(accuracy, 4),
        "per_class_f1": {lab: round(float(v), 4) for lab, v in zip(labels_sorted, per_class)},
    }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, out)
        log(f"wrote {out}")
    log(
        f"fit {fit_s:.2f} s, label {label_s:.3f} s = {result['label_mb_per_s']:.2f} MB/s, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, macro-F1 {macro_f1:.4f}, accuracy {accuracy:.4f}"
    )
    if not args.json:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
