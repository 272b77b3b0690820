"""Type stubs of the Rust extension ``tasnif._tasnif`` (re-exported by ``tasnif``)."""

import os
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Literal, Optional, Tuple, TypedDict, Union, overload

if TYPE_CHECKING:
    import pyarrow

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
    @overload
    def label_arrow(
        self,
        data: Any,
        text_column: str = "text",
        id_column: Optional[str] = "id",
        top_k: int = 3,
        explain: int = 0,
        multi: Union[None, bool, float] = None,
        threads: Optional[int] = None,
        gate_threshold: Optional[float] = None,
        as_stream: Literal[False] = False,
    ) -> "pyarrow.Table": ...
    @overload
    def label_arrow(
        self,
        data: Any,
        text_column: str = "text",
        id_column: Optional[str] = "id",
        top_k: int = 3,
        explain: int = 0,
        multi: Union[None, bool, float] = None,
        threads: Optional[int] = None,
        gate_threshold: Optional[float] = None,
        *,
        as_stream: Literal[True],
    ) -> "ArrowRecords":
        """Labels the texts of Arrow data (anything with ``__arrow_c_stream__``
        or ``__arrow_c_array__``: a pyarrow Table or RecordBatch, a polars or
        pandas DataFrame, ...): the records as typed Arrow columns, in the
        order of ``tasnif label``'s JSON fields, with the same values; a
        ``pyarrow.Table``, or with ``as_stream=True`` an :class:`ArrowRecords`
        (the full description is the method's docstring)."""
    def _probabilities(
        self, texts: Iterable[Optional[str]], threads: Optional[int] = None,
        gate_threshold: Optional[float] = None,
    ) -> Tuple[bytes, bytes, List[Tuple[int, str]]]:
        """Internal (tasnif.sklearn): chosen label indexes (int64 bytes), every
        label's probability (float64 bytes, row by row) and the failed texts."""
    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]: ...

class ArrowRecords:
    """Labeled records as Arrow record batches, readable any number of times
    through the Arrow PyCapsule interface (``pyarrow.table(r)``,
    ``polars.from_arrow(r)``, DuckDB)."""

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any: ...
    def __arrow_c_schema__(self) -> Any: ...
    @property
    def num_rows(self) -> int: ...
    @property
    def column_names(self) -> List[str]: ...
    def __len__(self) -> int: ...

def train(
    data: Optional[_Path] = None,
    output: Optional[_Path] = None,
    list_file: Optional[_Path] = None,
    *,
    texts: Optional[Iterable[str]] = None,
    labels: Optional[Iterable[str]] = None,
    ids: Optional[Iterable[Union[str, int]]] = None,
    config: Optional[_Path] = None,
    stemmer: Optional[str] = None,
    ngrams: Optional[int] = None,
    min_df: Optional[int] = None,
    max_df: Optional[float] = None,
    max_features: Optional[int] = None,
    chi2: Union[None, int, str] = None,
    none_label: Optional[str] = None,
    gate_priors: Optional[str] = None,
    gate_threshold: Union[None, float, str] = None,
    gate_min_terms: Optional[int] = None,
    gate_name: Optional[str] = None,
    gate_refine: Optional[str] = None,
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
    sublinear_tf: Optional[bool] = None,
    l2_norm: Optional[bool] = None,
    keep_teh_marbuta: bool = False,
    encoding: Optional[str] = None,
    max_bytes: int = ...,
    overwrite: bool = False,
    threads: Optional[int] = None,
) -> Model:
    """Trains a model on labeled articles, from files (``data``) or from texts
    in memory (``texts`` and ``labels``), as ``tasnif train`` does (the full
    description is the function's own docstring: ``help(tasnif.train)``).
    The keyword ``list`` (the old name of ``list_file``) still works, with a
    DeprecationWarning."""

def load_labeled(
    data: _Path,
    list_file: Optional[_Path] = None,
    *,
    encoding: Optional[str] = None,
    max_bytes: int = ...,
    threads: Optional[int] = None,
) -> Tuple[List[str], List[str], List[str]]:
    """``(ids, texts, labels)`` of labeled articles, read and decoded as
    ``tasnif train`` and ``tasnif eval`` read them, in their order."""

def read_text(path: _Path, *, encoding: Optional[str] = None, max_bytes: int = ...) -> str:
    """One article file's text, decoded as the command line decodes it."""

def stratified_folds(labels: Iterable[str], n_splits: int = 5, seed: int = 42) -> List[int]:
    """Internal (tasnif.sklearn.TasnifKFold): the fold of each document, as
    ``tasnif eval --cv`` deals them."""

def train_defaults() -> Dict[str, Any]:
    """Internal (tasnif.sklearn): the defaults of ``tasnif train``."""
