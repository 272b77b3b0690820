"""tasnif (تصنيف): topic classification of Arabic news articles.

The Python face of the tasnif Rust library: the same model files and the same
records as the ``tasnif`` command line.

>>> import tasnif
>>> model = tasnif.Model.default()
>>> rec = model.label(["أعلنت الشركة عن تسريب بيانات ملايين المستخدمين"])[0]
>>> sorted(rec)
['cyber', 'error', 'id', 'label', 'probability', 'top']

``Model.label`` returns one dict per text with the fields of ``tasnif label``'s
JSON lines (``id``, ``label``, ``probability``, a gated model's probability of
any topic under ``Model.gate_name``, ``top``, ``explain`` and ``evidence`` when
asked for, ``error``). Scoring releases the GIL and runs the batch on Rust worker
threads. A ``Model`` pickles as its model file's bytes, so Spark and Ray can
ship it to their workers.
"""

from __future__ import annotations

from ._tasnif import (
    DEFAULT_MAX_BYTES,
    ArrowRecords,
    Model,
    __version__,
    load_labeled,
    read_text,
    train,
)

__all__ = ["Model", "ArrowRecords", "train", "load_labeled", "read_text",
           "DEFAULT_MAX_BYTES", "__version__"]


def _load_bytes(data: bytes) -> Model:
    """Rebuilds a pickled :class:`Model` from its model file's bytes."""
    return Model.from_bytes(data)
