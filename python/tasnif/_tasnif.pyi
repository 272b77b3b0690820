"""Type stubs of the Rust extension ``tasnif._tasnif`` (re-exported by ``tasnif``)."""

import os
from typing import Any, Iterable, List, Optional, Tuple, TypedDict, Union

__version__: str
DEFAULT_MAX_BYTES: int

_Path = Union[str, "os.PathLike[str]"]

class Scored(TypedDict):
    label: str
    probability: float

class Term(TypedDict):
    term: str
    weight: float

class _RecordBase(TypedDict):
    id: str
    label: Optional[str]
    probability: Optional[float]
    top: List[Scored]
    error: Optional[str]

class Record(_RecordBase, total=False):
    """One labeled article: the fields of a ``tasnif label`` JSON line.

    ``tags`` is present only when ``label`` was called with ``multi``, and
    ``explain`` only with ``explain`` > 0. A gated model's records also hold
    its probability of any topic under the gate's name (``cyber`` for the
    bundled model: a key a TypedDict cannot name, so it is not listed here)
    and, with ``explain``, ``evidence``. On error, ``label`` and
    ``probability`` are None, ``top`` (and ``tags``, ``explain``,
    ``evidence``) are empty and ``error`` says why.
    """

    tags: List[str]
    explain: List[Term]
    evidence: List[Term]

class Model:
    """A trained topic classifier: the contents of one ``.tasnif`` model file.

    Immutable and safe to share between threads. Pickles as its file's bytes.
    """

    @staticmethod
    def load(path: _Path) -> "Model":
        """Loads a model file.

        Raises FileNotFoundError if it does not exist, OSError if it cannot be
        read, ValueError if it is not a valid model file.
        """
    @staticmethod
    def default() -> "Model":
        """The bundled Arabic cybersecurity-news model (attack, leak, other,
        partnership, policy)."""
    @staticmethod
    def from_bytes(data: Union[bytes, bytearray, memoryview]) -> "Model":
        """Reads a model from a model file's bytes (bytes, bytearray or memoryview).
        Raises TypeError for another type, ValueError if they are not a model file."""
    def to_bytes(self) -> bytes:
        """The model file's bytes."""
    def save(self, path: _Path, overwrite: bool = False) -> None:
        """Writes the model file atomically. Raises FileExistsError if ``path``
        exists and ``overwrite`` is False, OSError if writing fails."""
    @property
    def labels(self) -> List[str]:
        """The label names, sorted."""
    @property
    def vocabulary_size(self) -> int:
        """Terms in the vocabulary."""
    @property
    def gate_name(self) -> Optional[str]:
        """For a gated model, the record key of its probability of any topic
        (``"cyber"`` for the bundled model); None for a one-stage model."""
    def label(
        self,
        texts: Iterable[Optional[str]],
        ids: Optional[Iterable[Union[str, int]]] = None,
        top_k: int = 3,
        explain: int = 0,
        multi: Union[None, bool, float] = None,
        threads: Optional[int] = None,
        gate_threshold: Optional[float] = None,
    ) -> List[Record]:
        """Labels articles: one record per text, in order, with the fields and
        values of ``tasnif label``'s JSON lines.

        Args:
            texts: the articles. None gives a record with ``error`` set, and
                so does a blank text except for a gated model (the bundled
                one), for which it is the none label; the batch goes on.
                Another type raises TypeError.
            ids: one id per text (str or int); default: the index as a str.
                A different length raises ValueError.
            top_k: labels listed in ``top`` (at least 1; default 3).
            explain: terms listed in ``explain`` (default 0: no ``explain`` field).
            multi: add ``tags``: the chosen label and every other label whose
                probability reaches ``multi`` (0 < multi <= 1; True: 0.3), as
                ``tasnif label --multi --threshold P``.
            threads: worker threads (default: every core or RAYON_NUM_THREADS);
                1 inside an engine that runs one task per core.
            gate_threshold: for a gated model, the probability of any topic
                (the record's ``cyber`` for the bundled model) an article needs
                to get one, 0 < P <= 1 (default: the model's own), as
                ``tasnif label --gate-threshold P``.

        A gated model's records also carry its probability of any topic under
        the gate's name (``cyber`` for the bundled model) and, with
        ``explain``, ``evidence``: the terms that most raised those odds.

        The GIL is released while the batch is scored in parallel.
        """
    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]: ...

def train(
    data: _Path,
    output: Optional[_Path] = None,
    list: Optional[_Path] = None,
    *,
    config: Optional[_Path] = None,
    stemmer: Optional[str] = None,
    ngrams: Optional[int] = None,
    min_df: Optional[int] = None,
    max_df: Optional[float] = None,
    max_features: Optional[int] = None,
    chi2: Union[None, int, str] = None,
    none_label: Optional[str] = None,
    gate_priors: Optional[str] = None,
    weighting: Optional[str] = None,
    nb: Optional[str] = None,
    alpha: Optional[float] = None,
    uniform_priors: bool = False,
    weight_norm: bool = False,
    refine: Optional[str] = None,
    refine_epochs: Optional[int] = None,
    refine_margin: Optional[float] = None,
    refine_step: Optional[float] = None,
    refine_balance: Optional[float] = None,
    refine_seed: Optional[int] = None,
    refine_min_docs: Optional[int] = None,
    gate_refine: Optional[str] = None,
    sublinear_tf: Optional[bool] = None,
    l2_norm: Optional[bool] = None,
    keep_teh_marbuta: bool = False,
    encoding: Optional[str] = None,
    max_bytes: int = ...,
    overwrite: bool = False,
    threads: Optional[int] = None,
) -> Model:
    """Trains a model on labeled articles, as ``tasnif train`` does (the
    full description is the function's own docstring: ``help(tasnif.train)``)."""
