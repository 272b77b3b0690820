"""tasnif.sklearn: scikit-learn's estimator checks, their counterparts on
text, the parameters against the command line, and the folds of
`tasnif eval --cv` (with the corpus: the reference split, fold by fold)."""

from __future__ import annotations

import inspect
import json
import pickle
import warnings

import numpy as np
import pytest

import tasnif
from conftest import ROOT, engine, run_cli
from test_api import TOPICS, write_corpus

engine("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import DataConversionWarning, NotFittedError  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from tasnif.sklearn import TasnifClassifier, TasnifKFold  # noqa: E402

# --- scikit-learn's checks -----------------------------------------------------

# The checks that cannot apply to text input, and why. Each feeds the
# estimator a numeric matrix (make_blobs, iris, random floats) and needs it
# to fit or predict on the numbers, or to give numeric-matrix messages; tasnif
# classifies texts and refuses numbers (TypeError or ValueError naming X).
# What each check asks for is tested on text below, in the test named after
# the semicolon.
NUMBERS = "fits on a numeric matrix"
TEXT_ONLY = {
    "check_fit_score_takes_y": f"{NUMBERS}; test_fit_and_score_take_y",
    "check_estimators_overwrite_params": f"{NUMBERS}; test_fit_changes_no_parameter",
    "check_dont_overwrite_parameters": f"{NUMBERS}; test_fit_changes_no_parameter",
    "check_estimators_fit_returns_self": f"{NUMBERS}; test_fit_and_score_take_y",
    "check_readonly_memmap_input": f"{NUMBERS} in a read-only memory map (texts are str objects, "
                                   "never memory-mapped); -",
    "check_n_features_in_after_fitting": f"{NUMBERS} and expects n_features_in_: texts have no "
                                         "number of features (the model's vocabulary is "
                                         "model_.vocabulary_size); -",
    "check_n_features_in": f"{NUMBERS} and expects n_features_in_; as above",
    "check_positive_only_tag_during_fit": f"{NUMBERS} with negative values (iris); -",
    "check_estimators_dtypes": f"{NUMBERS} of each float and int dtype; "
                               "test_input_forms_and_bad_input",
    "check_dtype_object": f"{NUMBERS} of dtype object (numbers as objects, then str "
                          "digits); test_input_forms_and_bad_input",
    "check_estimators_empty_data_messages": f"{NUMBERS} with 0 columns and expects the message "
                                            "of a feature matrix; test_input_forms_and_bad_input",
    "check_pipeline_consistency": f"{NUMBERS}; test_a_pipeline_and_a_grid_search",
    "check_estimators_nan_inf": f"{NUMBERS} holding NaN and inf; missing texts: "
                                "test_input_forms_and_bad_input",
    "check_estimators_pickle": f"{NUMBERS}; test_clone_and_pickle",
    "check_f_contiguous_array_estimator": f"{NUMBERS} in Fortran order; -",
    "check_classifier_data_not_an_array": f"{NUMBERS} behind __array__; "
                                          "test_input_forms_and_bad_input",
    "check_classifiers_classes": f"{NUMBERS}; test_classes_of_any_type",
    "check_classifiers_train": f"{NUMBERS} (blobs) and needs 83% accuracy on them; "
                               "test_predictions_are_consistent",
    "check_supervised_y_2d": f"{NUMBERS}; test_input_forms_and_bad_input",
    "check_decision_proba_consistency": f"{NUMBERS}; test_predictions_are_consistent",
    "check_methods_sample_order_invariance": f"{NUMBERS}; test_predictions_are_consistent",
    "check_methods_subset_invariance": f"{NUMBERS}; test_predictions_are_consistent",
    "check_fit2d_1sample": f"{NUMBERS} of one row and expects its messages; "
                           "test_input_forms_and_bad_input",
    "check_fit2d_1feature": f"{NUMBERS} of one column; -",
    "check_dict_unchanged": f"{NUMBERS}; test_predictions_are_consistent",
    "check_fit_idempotent": f"{NUMBERS}; test_fit_and_score_take_y",
    "check_fit_check_is_fitted": f"{NUMBERS}; test_fit_and_score_take_y",
    "check_fit1d": f"{NUMBERS} (1-D) and expects it refused as one sample of features; "
                   "a 1-D array of texts is the input",
    "check_fit2d_predict1d": f"{NUMBERS} and expects 1-D input refused at predict; a 1-D array "
                             "of texts is the input",
}


class EveryCheck(TasnifClassifier):
    """The estimator with tags that let every check run: scikit-learn runs
    none at all on an estimator whose input is not a 2-D array (it warns
    "Can't test estimator") and TasnifClassifier says, truly, that its input
    is one text per sample. Its behaviour is TasnifClassifier's."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.one_d_array = False
        return tags


def test_check_estimator_passes_every_check_that_applies_to_text():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(EveryCheck(), expected_failed_checks=TEXT_ONLY, on_fail=None)
    by_status = {}
    for r in results:
        by_status.setdefault(r["status"], []).append(r["check_name"])
    failed = [(r["check_name"], repr(r["exception"])) for r in results if r["status"] == "failed"]
    assert not failed, failed
    # Every exemption is still needed: a check on the list that passes
    # should come off it.
    passing_but_exempt = [r["check_name"] for r in results
                          if r["status"] == "passed" and r["check_name"] in TEXT_ONLY]
    assert not passing_but_exempt, passing_but_exempt
    assert set(by_status.get("xfail", [])) == set(TEXT_ONLY)
    # The API checks, the parameters, the unfitted estimator, y, sparse input...
    assert len(set(by_status["passed"])) >= 15, by_status["passed"]
    for name in ["check_no_attributes_set_in_init", "check_get_params_invariance",
                 "check_set_params", "check_estimators_unfitted", "check_requires_y_none",
                 "check_classifiers_regression_target", "check_estimator_sparse_matrix",
                 "check_mixin_order", "check_parameters_default_constructible"]:
        assert name in by_status["passed"], name


def test_the_estimator_says_its_input_is_text():
    tags = TasnifClassifier().__sklearn_tags__()
    assert tags.input_tags.string and tags.input_tags.one_d_array
    assert not tags.input_tags.two_d_array
    assert not hasattr(TasnifClassifier(), "partial_fit")


# --- the same on text -----------------------------------------------------------


def articles(per_label=12):
    """The made-up articles of test_api (three topics), in memory."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        ids, texts, labels = tasnif.load_labeled(write_corpus(Path(d) / "c", per_label))
    return texts, labels


@pytest.fixture(scope="module")
def data():
    return articles()


def test_fit_and_score_take_y(data):
    texts, labels = data
    est = TasnifClassifier()
    with pytest.raises(NotFittedError):
        est.predict(texts)
    assert est.fit(texts, labels) is est
    assert list(inspect.signature(est.fit).parameters)[:2] == ["X", "y"]
    assert list(inspect.signature(est.score).parameters)[:2] == ["X", "y"]
    assert 0.8 <= est.score(texts, labels) <= 1.0
    first = est.model_.to_bytes()
    assert est.fit(texts, labels).model_.to_bytes() == first  # idempotent
    assert clone(est).fit(texts, labels).model_.to_bytes() == first
    with pytest.raises(ValueError, match="requires y to be passed"):
        TasnifClassifier().fit(texts, None)


def test_fit_changes_no_parameter(data):
    texts, labels = data
    est = TasnifClassifier(alpha=0.1, none_label="sports")
    before = est.get_params()
    public = set(vars(est))
    est.fit(texts, labels)
    assert est.get_params() == before
    added = set(vars(est)) - public
    assert {a for a in added if not a.startswith("_")} == {"classes_", "model_"}


def test_defaults_are_the_library_and_every_option_is_a_parameter(data):
    texts, labels = data
    assert TasnifClassifier().fit(texts, labels).model_.to_bytes() == \
        tasnif.train(texts=texts, labels=labels).to_bytes()
    train_options = set(inspect.signature(tasnif.train).parameters) - {
        "data", "output", "list_file", "texts", "labels", "ids", "config", "encoding",
        "max_bytes", "overwrite", "kwargs"}
    assert set(TasnifClassifier().get_params()) == train_options


# A setting other than the default for every parameter, with the flag of
# `tasnif train` that sets it.
CHANGES = [
    ("stemmer", "light10", ["--stemmer", "light10"]),
    ("ngrams", 2, ["--ngrams", "2"]),
    ("min_df", 2, ["--min-df", "2"]),
    ("max_df", 0.5, ["--max-df", "0.5"]),
    ("max_features", 30, ["--max-features", "30"]),
    ("chi2", 25, ["--chi2", "25"]),
    ("weighting", "counts", ["--weighting", "counts"]),
    ("sublinear_tf", True, ["--sublinear-tf"]),
    ("l2_norm", False, ["--no-l2-norm"]),
    ("keep_teh_marbuta", True, ["--keep-teh-marbuta"]),
    ("nb", "complement", ["--nb", "complement"]),
    ("alpha", 0.5, ["--alpha", "0.5"]),
    ("uniform_priors", True, ["--uniform-priors"]),
    ("weight_norm", True, ["--nb", "complement", "--weight-norm"]),
    ("refine", "none", ["--refine", "none"]),
    ("refine_epochs", 1, ["--refine-epochs", "1", "--refine-min-docs", "0"]),
    ("refine_margin", 1.0, ["--refine-margin", "1", "--refine-min-docs", "0"]),
    ("refine_step", 0.25, ["--refine-step", "0.25", "--refine-min-docs", "0"]),
    ("refine_balance", 1.0, ["--refine-balance", "1", "--refine-min-docs", "0"]),
    ("refine_seed", 9, ["--refine-seed", "9", "--refine-min-docs", "0"]),
    ("refine_min_docs", 0, ["--refine-min-docs", "0"]),
    ("none_label", "sports", ["--none-label", "sports"]),
    ("gate_priors", "uniform", ["--none-label", "sports", "--gate-priors", "uniform"]),
    ("gate_threshold", 0.3, ["--none-label", "sports", "--gate-threshold", "0.3"]),
    ("gate_min_terms", 1, ["--none-label", "sports", "--gate-min-terms", "1"]),
    ("gate_name", "any", ["--none-label", "sports", "--gate-name", "any"]),
    ("gate_refine", "perceptron", ["--none-label", "sports", "--gate-refine", "perceptron"]),
]


def test_every_parameter_reaches_the_model_as_its_cli_flag(cli, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    ids, texts, labels = tasnif.load_labeled(corpus)
    assert {name for name, _, _ in CHANGES} == set(TasnifClassifier().get_params()) - {"threads"}
    default = TasnifClassifier().fit(texts, labels).model_.to_bytes()
    for name, value, flags in CHANGES:
        out = tmp_path / f"{name}.tasnif"
        r = run_cli(cli, ["train", str(corpus), "-o", str(out), *flags], ROOT)
        assert r.returncode == 0, r.stderr
        params = {name: value}
        if name == "weight_norm":
            params["nb"] = "complement"
        if "--refine-min-docs" in flags and name != "refine_min_docs":
            params["refine_min_docs"] = 0
        if name.startswith("gate_"):
            params["none_label"] = "sports"
        got = TasnifClassifier().set_params(**params).fit(texts, labels).model_.to_bytes()
        assert got == out.read_bytes(), name
        assert got != default, f"{name}={value!r} made the default model"
    assert TasnifClassifier(threads=1).fit(texts, labels).model_.to_bytes() == default


def test_clone_and_pickle(data):
    texts, labels = data
    est = TasnifClassifier(alpha=0.2, stemmer="light10")
    c = clone(est)
    assert c.get_params() == est.get_params() and c is not est
    est.fit(texts, labels)
    back = pickle.loads(pickle.dumps(est))
    assert back.model_.to_bytes() == est.model_.to_bytes()
    assert (back.predict(texts) == est.predict(texts)).all()
    assert np.array_equal(back.predict_proba(texts), est.predict_proba(texts))
    assert not hasattr(clone(est), "model_")


def test_predictions_are_consistent(data):
    texts, labels = data
    for est in [TasnifClassifier(), TasnifClassifier(none_label="sports", gate_threshold=0.3)]:
        est.fit(texts, labels)
        records = est.model_.label(texts, top_k=3)
        pred = est.predict(texts)
        assert pred.shape == (len(texts),) and list(pred) == [r["label"] for r in records]
        proba = est.predict_proba(texts)
        assert proba.shape == (len(texts), 3)
        assert np.allclose(proba.sum(axis=1), 1.0)
        for row, r in zip(proba, records):
            for t in r["top"]:
                assert row[list(est.classes_).index(t["label"])] == t["probability"]
        d = est.decision_function(texts)
        assert (np.argsort(d, axis=1) == np.argsort(proba, axis=1)).all()
        if est.none_label is None:  # one stage: the label is the most probable
            assert (est.classes_[np.argmax(proba, axis=1)] == pred).all()
        state = pickle.dumps(est.__dict__)
        # order and subsets do not matter: a prediction depends on its text alone
        order = np.random.RandomState(0).permutation(len(texts))
        assert (est.predict([texts[i] for i in order]) == pred[order]).all()
        assert np.array_equal(est.predict_proba(texts[:5]), proba[:5])
        assert pickle.dumps(est.__dict__) == state  # predicting changes nothing
    two = TasnifClassifier().fit(texts[:24], labels[:24])
    assert len(two.classes_) == 2
    d = two.decision_function(texts[:24])
    assert d.shape == (24,)
    assert (two.classes_[(d > 0).astype(int)] == two.predict(texts[:24])).all()


def test_classes_of_any_type(data):
    texts, labels = data
    numbers = {"economy": 10, "sports": 2, "technology": 1}
    y = np.array([numbers[l] for l in labels])
    est = TasnifClassifier().fit(texts, y)
    assert est.classes_.tolist() == [1, 2, 10] and est.classes_.dtype == y.dtype
    assert est.model_.labels == ["1", "10", "2"]  # names, sorted as str
    # the columns of predict_proba follow classes_, not the model's order
    records = est.model_.label(texts)
    assert est.predict(texts).tolist() == [int(r["label"]) for r in records]
    proba = est.predict_proba(texts)
    for row, r in zip(proba, records):
        for t in r["top"]:
            assert row[est.classes_.tolist().index(int(t["label"]))] == t["probability"]
    assert (est.predict(texts) == y).mean() > 0.8
    gated = TasnifClassifier(none_label=2).fit(texts, y)
    assert gated.model_.gate_name == "topic" and set(gated.predict(texts)) <= {1, 2, 10}


def test_input_forms_and_bad_input(data):
    pd = pytest.importorskip("pandas")
    texts, labels = data
    est = TasnifClassifier().fit(texts, labels)
    want = est.predict(texts)

    class ArrayLike:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.a, dtype=object)

    for form in [tuple(texts), np.array(texts), np.array(texts, dtype=object)[:, None],
                 pd.Series(texts), pd.DataFrame({"text": texts}), ArrayLike(texts)]:
        assert (est.predict(form) == want).all(), type(form)
        assert (TasnifClassifier().fit(form, labels).predict(texts) == want).all()
    with pytest.warns(DataConversionWarning):
        TasnifClassifier().fit(texts, np.array(labels)[:, None])
    cases = [
        ("نص", TypeError, "not a single str"),
        (np.zeros((3, 2)), ValueError, r"array of shape \(3, 2\); tasnif classifies texts"),
        (np.zeros(3), TypeError, r"X\[0\] is float64, expected str"),
        (np.array([1 + 2j]), TypeError, r"X\[0\] is complex128"),
        (pd.DataFrame({"a": texts, "b": texts}), ValueError, "has 2 columns"),
        ([texts[0], None], ValueError, r"X\[1\] is missing \(None\)"),
        ([texts[0], float("nan")], ValueError, r"X\[1\] is missing \(nan\)"),
        ([], ValueError, "X is empty"),
    ]
    from scipy.sparse import csr_matrix

    cases.append((csr_matrix(np.eye(3)), TypeError, "sparse input is not supported"))
    for X, exc, words in cases:
        with pytest.raises(exc, match=words):
            est.predict(X)
        with pytest.raises(exc, match=words):
            TasnifClassifier().fit(X, labels[: 2])
    with pytest.raises(ValueError, match="X has 36 texts but y has 2 labels"):
        TasnifClassifier().fit(texts, labels[:2])
    with pytest.raises(ValueError, match="Unknown label type"):
        TasnifClassifier().fit(texts, np.linspace(0, 1, len(texts)))
    with pytest.raises(ValueError, match="only one label"):
        TasnifClassifier().fit(texts[:3], ["a"] * 3)
    # a text the model cannot label (no letter) is named
    with pytest.raises(ValueError, match=r"cannot label 1 of the 2 texts; the first, X\[1\]: "
                                         r"1: empty document"):
        est.predict([texts[0], " ... "])


def test_a_pipeline_and_a_grid_search(data):
    texts, labels = data
    strip = FunctionTransformer(lambda X: [t.strip() for t in X])
    pipe = make_pipeline(strip, TasnifClassifier()).fit(texts, labels)
    assert (pipe.predict(texts) == TasnifClassifier().fit(texts, labels).predict(texts)).all()
    grid = GridSearchCV(TasnifClassifier(), {"alpha": [0.03, 1.0], "refine": ["none", None]},
                        cv=TasnifKFold(3), scoring="f1_macro").fit(texts, labels)
    assert grid.best_params_["alpha"] in (0.03, 1.0)
    assert len(grid.cv_results_["mean_test_score"]) == 4


def test_folds_are_those_of_tasnif_eval(cli, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", per_label=10)
    ids, texts, labels = tasnif.load_labeled(corpus)
    for k, seed in [(3, 42), (4, 7)]:
        report = tmp_path / f"cv{k}.json"
        r = run_cli(cli, ["eval", str(corpus), "--cv", str(k), "--seed", str(seed),
                          "--json", str(report), "--predictions", str(tmp_path / "p.jsonl"),
                          "--force"], ROOT)
        assert r.returncode == 0, r.stderr
        want = json.loads(report.read_text(encoding="utf-8"))
        folds = TasnifKFold(k, seed=seed)
        assert folds.get_n_splits() == k
        got = cross_val_score(TasnifClassifier(), texts, labels, cv=folds, scoring="f1_macro")
        assert got.tolist() == pytest.approx([f["macro_f1"] for f in want["folds"]],
                                             abs=1e-12, rel=0)
        assert [len(t) for _, t in folds.split(texts, labels)] == \
            [f["documents"] for f in want["folds"]]
        predicted = cross_val_predict(TasnifClassifier(), texts, labels, cv=folds)
        lines = (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(l)["predicted"] for l in lines] == list(predicted)
    # every fold holds out each label's documents evenly, and the seed matters
    f = TasnifKFold(5).folds(labels)
    for label in TOPICS:
        assert sorted(np.bincount(f[np.array(labels) == label])) == [2, 2, 2, 2, 2]
    assert not np.array_equal(f, TasnifKFold(5, seed=1).folds(labels))
    with pytest.raises(ValueError, match="has 10 documents, fewer than the 11 folds"):
        list(TasnifKFold(11).split(texts, labels))
    with pytest.raises(ValueError, match="needs y"):
        list(TasnifKFold(3).split(texts))


# --- the reference split (needs the corpus) ------------------------------------


def test_reference_split_as_the_cli(cli, reference, tmp_path):
    corpus = reference["corpus"]
    _, train_texts, train_labels = tasnif.load_labeled(corpus, corpus / "split" / "train.txt")
    test_ids, test_texts, test_labels = tasnif.load_labeled(corpus, corpus / "split" / "test.txt")
    est = TasnifClassifier().fit(train_texts, train_labels)
    assert est.model_.to_bytes() == reference["model"].read_bytes()
    # macro-F1 on the test split, as `tasnif eval -m` gives it
    report = tmp_path / "eval.json"
    r = run_cli(cli, ["eval", str(corpus), "--list", str(corpus / "split/test.txt"),
                      "-m", str(reference["model"]), "--json", str(report)], ROOT)
    assert r.returncode == 0, r.stderr
    want_f1 = json.loads(report.read_text(encoding="utf-8"))["macro_f1"]
    pred = est.predict(test_texts)
    assert f1_score(test_labels, pred, average="macro") == pytest.approx(want_f1, abs=1e-12)
    assert est.score(test_texts, test_labels) == pytest.approx(
        json.loads(report.read_text(encoding="utf-8"))["accuracy"], abs=1e-12)
    # every label's probability, as `tasnif label --top-k 6` writes it
    k = len(est.classes_)
    out = run_cli(cli, ["label", "-m", str(reference["model"]), "--top-k", str(k), *test_ids],
                  corpus)
    assert out.returncode == 0, out.stderr
    records = {r["id"]: r for r in map(json.loads, out.stdout.splitlines())}
    proba = est.predict_proba(test_texts)
    worst = 0.0
    for i, id_ in enumerate(test_ids):
        rec = records[id_]
        assert pred[i] == rec["label"]
        assert len(rec["top"]) == k
        for t in rec["top"]:
            worst = max(worst, abs(proba[i, list(est.classes_).index(t["label"])]
                                   - t["probability"]))
    assert worst <= 1e-9, worst


def test_reference_cross_validation_fold_by_fold(cli, reference, tmp_path):
    corpus = reference["corpus"]
    _, texts, labels = tasnif.load_labeled(corpus, corpus / "split" / "train.txt")
    report, predictions = tmp_path / "cv.json", tmp_path / "cv.jsonl"
    r = run_cli(cli, ["eval", str(corpus), "--list", str(corpus / "split/train.txt"), "--cv", "5",
                      "--json", str(report), "--predictions", str(predictions)], ROOT)
    assert r.returncode == 0, r.stderr
    want = json.loads(report.read_text(encoding="utf-8"))
    scores = cross_val_score(TasnifClassifier(), texts, labels, cv=TasnifKFold(5),
                             scoring="f1_macro")
    assert scores.tolist() == pytest.approx([f["macro_f1"] for f in want["folds"]],
                                            abs=1e-12, rel=0)
    predicted = cross_val_predict(TasnifClassifier(), texts, labels, cv=TasnifKFold(5))
    lines = predictions.read_text(encoding="utf-8").splitlines()
    assert [json.loads(l)["predicted"] for l in lines] == list(predicted)
