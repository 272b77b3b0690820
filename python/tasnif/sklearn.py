"""tasnif as a scikit-learn estimator (``pip install tasnif[sklearn]``).

:class:`TasnifClassifier` trains and labels as ``tasnif.train`` and
``tasnif label`` do, behind the estimator interface scikit-learn's tools
expect: ``fit``, ``predict``, ``predict_proba`` (columns in ``classes_``
order), ``decision_function``, ``score``, ``get_params`` / ``set_params``,
pickling and ``clone``. It goes into a ``Pipeline``, ``cross_val_score`` or
``GridSearchCV`` like any classifier. Its input is text: ``X`` is a list (or
a 1-D array, a pandas Series, or a single column) of str, one article each.

:class:`TasnifKFold` deals the folds of ``tasnif eval --cv K --seed S``, so
that ``cross_val_score(TasnifClassifier(), texts, labels, cv=TasnifKFold(5),
scoring="f1_macro")`` gives, fold by fold, the macro-F1 ``tasnif eval --cv 5``
reports for the same articles in the same order (``tasnif.load_labeled``
reads them as ``tasnif eval`` does).

>>> from tasnif.sklearn import TasnifClassifier
>>> TasnifClassifier(stemmer="light10", alpha=0.1)
TasnifClassifier(alpha=0.1, stemmer='light10')

No ``partial_fit``: a model keeps its fitted weights, not the counts they came
from, and most of what it learns depends on the whole training set at once
(the vocabulary and its idf, the chi-squared choice of terms, the
perceptron's passes over every article, the probability calibration on
out-of-fold scores). Adding articles means fitting again on all of them.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._tasnif import stratified_folds as _stratified_folds
from ._tasnif import train as _train
from ._tasnif import train_defaults as _train_defaults

__all__ = ["TasnifClassifier", "TasnifKFold"]

# The library's defaults (TrainParams::new), read once: the parameters'
# defaults below cannot drift from `tasnif train`'s.
_D = _train_defaults()

# Parameters passed to tasnif.train as they are.
_TRAIN_PARAMS = (
    "stemmer", "ngrams", "min_df", "max_df", "max_features", "chi2", "weighting",
    "sublinear_tf", "l2_norm", "keep_teh_marbuta", "nb", "alpha", "uniform_priors",
    "weight_norm", "refine", "refine_epochs", "refine_margin", "refine_step",
    "refine_balance", "refine_seed", "refine_min_docs", "none_label", "gate_priors",
    "gate_threshold", "gate_min_terms", "gate_name", "gate_refine", "threads",
)

# log(0) would be -inf: probabilities of 0 (an article a gated model finds
# no Arabic in) are floored at the smallest positive double.
_TINY = np.finfo(np.float64).tiny


def _texts(X: Any, name: str = "X") -> List[str]:
    """``X`` as a list of str: a list or tuple, a 1-D array, a pandas
    Series, or one column (a DataFrame or a 2-D array of one column)."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a list (or array) of texts, not a single "
                        f"{type(X).__name__}; wrap it in a list")
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(f"{name} is a sparse matrix: sparse input is not supported; "
                        "tasnif classifies texts (it makes its own TF-IDF vectors)")
    if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:  # a pandas DataFrame
        if X.shape[1] != 1:
            raise ValueError(f"{name} has {X.shape[1]} columns; tasnif classifies texts: "
                             "give the one column of texts")
        X = X.iloc[:, 0]
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    elif hasattr(X, "__array__") and not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if isinstance(X, np.ndarray):
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0]
        elif X.ndim != 1:
            raise ValueError(f"{name} is an array of shape {X.shape}; tasnif classifies "
                             "texts: give one text per row (a list, a 1-D array or one column)")
    try:
        texts = list(X)
    except TypeError:
        raise TypeError(f"{name} must be a list (or array) of texts, not "
                        f"{type(X).__name__}") from None
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            if t is None or (isinstance(t, float) and math.isnan(t)):
                raise ValueError(f"{name}[{i}] is missing ({t!r}); every article needs a text")
            raise TypeError(f"{name}[{i}] is {type(t).__name__}, expected str "
                            "(tasnif classifies texts)")
    if not texts:
        raise ValueError(f"{name} is empty: 0 texts (at least 1 is required)")
    return texts


class TasnifClassifier(ClassifierMixin, BaseEstimator):
    """Topic classification of Arabic news articles, as a scikit-learn
    classifier: TF-IDF and naive Bayes refined by an averaged perceptron,
    trained by the tasnif library (``tasnif.train``).

    Every parameter is a keyword of :func:`tasnif.train` (and a flag of
    ``tasnif train``), with the same meaning and default; ``help(tasnif.train)``
    describes each. Defaults are the library's own. Those that default to None
    take the library's default too: ``refine`` (the perceptron, unless
    ``weight_norm`` alone turns it off), and the gate's settings, which apply
    only with ``none_label``.

    Attributes (after ``fit``):
        classes_: the labels, sorted (as ``numpy.unique`` sorts ``y``).
        model_: the trained :class:`tasnif.Model` (save it with
            ``model_.save(path)``, label with ``model_.label`` or
            ``model_.label_arrow``); its label names are ``str`` of the
            classes.

    ``predict`` gives the label ``tasnif label`` gives, and ``predict_proba``
    every label's probability: for a one-stage model the chosen label is the
    most probable; for a gated model (``none_label``) it is the none label
    whenever the probability of any topic is under the gate's threshold,
    which need not be 1/2. ``decision_function`` gives the log of the
    probabilities (for two classes, the log-odds of ``classes_[1]``).
    ``score`` is accuracy, as for every classifier; pass
    ``scoring="f1_macro"`` to ``cross_val_score`` for the macro-F1 tasnif
    reports.

    Texts that cannot be labeled (no letter or digit, for a one-stage model)
    make ``predict`` and ``predict_proba`` raise ValueError naming the
    first; ``model_.label`` gives a record for each instead.
    """

    def __init__(
        self,
        *,
        stemmer: str = _D["stemmer"],
        ngrams: int = _D["ngrams"],
        min_df: int = _D["min_df"],
        max_df: float = _D["max_df"],
        max_features: Optional[int] = _D["max_features"],
        chi2: Any = _D["chi2"],
        weighting: str = _D["weighting"],
        sublinear_tf: bool = _D["sublinear_tf"],
        l2_norm: bool = _D["l2_norm"],
        keep_teh_marbuta: bool = _D["keep_teh_marbuta"],
        nb: str = _D["nb"],
        alpha: float = _D["alpha"],
        uniform_priors: bool = _D["uniform_priors"],
        weight_norm: bool = _D["weight_norm"],
        refine: Optional[str] = None,
        refine_epochs: int = _D["refine_epochs"],
        refine_margin: float = _D["refine_margin"],
        refine_step: float = _D["refine_step"],
        refine_balance: float = _D["refine_balance"],
        refine_seed: int = _D["refine_seed"],
        refine_min_docs: int = _D["refine_min_docs"],
        none_label: Any = None,
        gate_priors: Optional[str] = None,
        gate_threshold: Any = None,
        gate_min_terms: Optional[int] = None,
        gate_name: Optional[str] = None,
        gate_refine: Optional[str] = None,
        threads: Optional[int] = None,
    ):
        self.stemmer = stemmer
        self.ngrams = ngrams
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.chi2 = chi2
        self.weighting = weighting
        self.sublinear_tf = sublinear_tf
        self.l2_norm = l2_norm
        self.keep_teh_marbuta = keep_teh_marbuta
        self.nb = nb
        self.alpha = alpha
        self.uniform_priors = uniform_priors
        self.weight_norm = weight_norm
        self.refine = refine
        self.refine_epochs = refine_epochs
        self.refine_margin = refine_margin
        self.refine_step = refine_step
        self.refine_balance = refine_balance
        self.refine_seed = refine_seed
        self.refine_min_docs = refine_min_docs
        self.none_label = none_label
        self.gate_priors = gate_priors
        self.gate_threshold = gate_threshold
        self.gate_min_terms = gate_min_terms
        self.gate_name = gate_name
        self.gate_refine = gate_refine
        self.threads = threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Texts, one per sample: not a 2-D numeric array.
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags

    def _train_options(self) -> Dict[str, Any]:
        params = self.get_params()
        options = {k: params[k] for k in _TRAIN_PARAMS}
        if options["none_label"] is not None:
            options["none_label"] = str(options["none_label"])
        return options

    def fit(self, X: Any, y: Any) -> "TasnifClassifier":
        """Trains on the texts ``X`` and their labels ``y`` (any hashable
        values that sort: str, int, ...). Returns self."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, "
                             "but the target y is None")
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        texts = _texts(X)
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels; "
                             "give one label per text")
        classes = np.unique(y)
        names = [str(c) for c in classes]
        if len(set(names)) != len(names):
            raise ValueError(f"two classes of y have the same name as str: {names}")
        index = {c: i for i, c in enumerate(classes.tolist())}
        labels = [names[index[v]] for v in y.tolist()]
        model = _train(texts=texts, labels=labels, **self._train_options())
        # The model's labels are the names sorted as str; column j of its
        # probabilities is class order[j].
        by_name = {n: i for i, n in enumerate(names)}
        self._order = np.array([by_name[n] for n in model.labels], dtype=np.intp)
        self.classes_ = classes
        self.model_ = model
        return self

    def _scores(self, X: Any) -> Tuple[np.ndarray, np.ndarray]:
        """The chosen class index and the probabilities in classes_ order."""
        check_is_fitted(self, "model_")
        texts = _texts(X)
        chosen, probs, errors = self.model_._probabilities(texts, threads=self.threads)
        if errors:
            row, message = errors[0]
            raise ValueError(f"cannot label {len(errors)} of the {len(texts)} texts; "
                             f"the first, X[{row}]: {message}")
        k = len(self.classes_)
        model_probs = np.frombuffer(probs, dtype=np.float64).reshape(len(texts), k)
        out = np.empty_like(model_probs)
        out[:, self._order] = model_probs
        chosen = self._order[np.frombuffer(chosen, dtype=np.int64)]
        return chosen, out

    def predict(self, X: Any) -> np.ndarray:
        """The label of each text: what ``tasnif label`` gives."""
        chosen, _ = self._scores(X)
        return self.classes_[chosen]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Every label's probability for each text, columns in ``classes_``
        order; each row sums to 1."""
        return self._scores(X)[1]

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of ``predict_proba`` (a probability of 0 gives
        log(2.2e-308), about -708, instead of -inf)."""
        return np.log(np.maximum(self.predict_proba(X), _TINY))

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores whose largest is the most probable class: the log
        probabilities, shape (n, n_classes); for two classes, the log-odds of
        ``classes_[1]`` over ``classes_[0]``, shape (n,)."""
        log_p = self.predict_log_proba(X)
        if len(self.classes_) == 2:
            return log_p[:, 1] - log_p[:, 0]
        return log_p


class TasnifKFold(BaseCrossValidator):
    """The stratified folds of ``tasnif eval --cv n_splits --seed seed``:
    each label's articles shuffled with the seed (SplitMix64, as the library
    does) and dealt to the folds in turn. Given the labels in the order
    ``tasnif eval`` reads the articles (``tasnif.load_labeled``), the folds
    are the command line's, article for article.

    >>> TasnifKFold(2, seed=1).get_n_splits()
    2
    """

    def __init__(self, n_splits: int = 5, *, seed: int = 42):
        self.n_splits = n_splits
        self.seed = seed

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def folds(self, y: Any) -> np.ndarray:
        """The fold (0..n_splits) of each article, from its label."""
        labels = [str(v) for v in column_or_1d(y).tolist()]
        return np.asarray(_stratified_folds(labels, self.n_splits, self.seed), dtype=np.intp)

    def split(self, X: Any, y: Any = None, groups: Any = None
              ) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
        """Yields (train, test) indexes, fold 0 first. Needs ``y``: the folds
        are stratified by label."""
        if y is None:
            raise ValueError("TasnifKFold needs y: the folds are stratified by label")
        fold = self.folds(y)
        for f in range(self.n_splits):
            yield np.flatnonzero(fold != f), np.flatnonzero(fold == f)

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None):
        fold = self.folds(y)
        for f in range(self.n_splits):
            yield np.flatnonzero(fold == f)

    def __repr__(self) -> str:
        return f"TasnifKFold(n_splits={self.n_splits}, seed={self.seed})"
