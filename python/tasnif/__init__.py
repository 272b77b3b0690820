"""tasnif (تصنيف): topic classification of Arabic news articles.

The Python face of the tasnif Rust library: the same model files and the same
records as the ``tasnif`` command line.

>>> import tasnif
>>> model = tasnif.Model.default()
>>> rec = model.label(["أعلنت الشركة عن تسريب بيانات ملايين المستخدمين"])[0]
>>> sorted(rec)
['error', 'id', 'label', 'probability', 'top']

``Model.label`` returns one dict per text with the fields of ``tasnif label``'s
JSON lines (``id``, ``label``, ``probability``, ``top``, ``explain`` when asked
for, ``error``). Scoring releases the GIL and runs the batch on Rust worker
threads. A ``Model`` pickles as its model file's bytes, so Spark and Ray can
ship it to their workers.
"""

from __future__ import annotations

import os
from typing import Optional, Union

from ._tasnif import DEFAULT_MAX_BYTES, Model, __version__
from ._tasnif import train as _train

__all__ = ["Model", "train", "DEFAULT_MAX_BYTES", "__version__"]

PathLike = Union[str, "os.PathLike[str]"]


def _load_bytes(data: bytes) -> Model:
    """Rebuilds a pickled :class:`Model` from its model file's bytes."""
    return Model.from_bytes(data)


def train(
    data: PathLike,
    output: Optional[PathLike] = None,
    list: Optional[PathLike] = None,
    *,
    config: Optional[PathLike] = None,
    stemmer: Optional[str] = None,
    ngrams: Optional[int] = None,
    min_df: Optional[int] = None,
    max_df: Optional[float] = None,
    max_features: Optional[int] = None,
    chi2: Optional[Union[int, str]] = None,
    none_label: Optional[str] = None,
    gate_priors: Optional[str] = None,
    weighting: Optional[str] = None,
    nb: Optional[str] = None,
    alpha: Optional[float] = None,
    uniform_priors: bool = False,
    weight_norm: bool = False,
    sublinear_tf: Optional[bool] = None,
    l2_norm: Optional[bool] = None,
    keep_teh_marbuta: bool = False,
    encoding: Optional[str] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    overwrite: bool = False,
    threads: Optional[int] = None,
) -> Model:
    """Trains a model on labeled articles, as ``tasnif train`` does.

    The same data and options give the same model, byte for byte, as the
    command line. Options left as ``None`` take the value of ``config`` if it
    sets one, else the command line's default (given below as of this
    version; ``tasnif train --help`` lists them). The semi-supervised options
    of the command line (``--unlabeled`` and the EM settings) are not here.

    Args:
        data: a directory with one sub-folder per label (``*.txt`` files), a
            ``.csv``/``.tsv`` manifest (``path,label`` or ``text,label``,
            optional ``id``) or a ``.jsonl`` file (``text``, ``label``,
            optional ``id``).  (``tasnif train DATA``)
        output: where to write the model file; not written when None.
            (``-o``)
        list: keep only the documents listed in this file, paths relative to
            ``data``, one per line.  (``--list``)
        config: training settings from a JSON file as ``tasnif tune``
            writes; the options given here override it.  (``--config``)
        stemmer: ``"none"`` (default), ``"light10"`` or ``"snowball"``.
        ngrams: longest word n-gram, 1 (default) or 2.
        min_df: keep terms found in at least this many documents (default 1).
        max_df: drop terms found in more than this fraction of documents,
            0 < max_df <= 1 (default 1).
        max_features: keep only this many most frequent terms (default all).
        chi2: keep only the K terms of largest chi-squared statistic against
            the labels, or ``"all"`` (default 20000).
        none_label: the label of articles about none of the topics: train a
            gate that tells it from the others, and the topic model on the
            rest (default: no such label).
        gate_priors: with ``none_label``, the gate's class priors:
            ``"fitted"`` (default, the share of none articles in the data)
            or ``"uniform"`` (even odds: more topic articles found, more
            false alarms).
        weighting: ``"tfidf"`` (default) or ``"counts"``.
        nb: ``"multinomial"`` (default) or ``"complement"``.
        alpha: smoothing, > 0 (default 0.03).
        uniform_priors: uniform class priors (multinomial NB).
        weight_norm: Rennie's weight normalization (complement NB).
        sublinear_tf: replace tf by 1 + ln(tf) (default False).
        l2_norm: scale vectors to unit length (default True).
        keep_teh_marbuta: keep ة distinct from ه (folded by default).
        encoding: of the article files and manifests: ``"auto"`` (default:
            byte-order mark, else UTF-8, else Windows-1256 when mostly
            Arabic), ``"utf-8"``, ``"windows-1256"`` or ``"utf-16"``.
        max_bytes: largest article read, in bytes (default 16 MiB).
        overwrite: replace ``output`` if it exists.  (``--force``)
        threads: worker threads (default: every core).

    Returns:
        The trained :class:`Model`.

    Raises:
        FileNotFoundError: ``data``, ``list`` or ``config`` does not exist.
        FileExistsError: ``output`` exists and ``overwrite`` is False.
        OSError: another file could not be read or written.
        ValueError: an invalid option, malformed data, or data that cannot
            be trained on (one label only, too few documents per label).
    """
    return _train(
        data,
        output,
        list,
        config=config,
        stemmer=stemmer,
        ngrams=ngrams,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
        chi2=chi2,
        none_label=none_label,
        gate_priors=gate_priors,
        weighting=weighting,
        nb=nb,
        alpha=alpha,
        uniform_priors=uniform_priors,
        weight_norm=weight_norm,
        sublinear_tf=sublinear_tf,
        l2_norm=l2_norm,
        keep_teh_marbuta=keep_teh_marbuta,
        encoding=encoding,
        max_bytes=max_bytes,
        overwrite=overwrite,
        threads=threads,
    )
