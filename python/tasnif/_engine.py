"""What tasnif.spark and tasnif.ray share: the model argument and the
records' Arrow schema."""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Union

from ._tasnif import Model

ModelLike = Union[Model, str, "os.PathLike[str]"]


def as_model(model: ModelLike) -> Model:
    """A :class:`Model`, or the model file at a path (loaded here, on the
    driver, so that a bad path fails before any job starts)."""
    if isinstance(model, Model):
        return model
    if isinstance(model, (str, os.PathLike)):
        return Model.load(model)
    raise TypeError(f"model must be a tasnif.Model or the path of a model file, "
                    f"not {type(model).__name__}")


def label_options(text_column: str, id_column: Optional[str], top_k: int, explain: int,
                  multi: Any, gate_threshold: Optional[float]) -> Dict[str, Any]:
    """The keyword arguments of ``Model.label_arrow`` on a worker (one
    thread: the engine runs one task per core)."""
    return {"text_column": text_column, "id_column": id_column, "top_k": top_k,
            "explain": explain, "multi": multi, "gate_threshold": gate_threshold,
            "threads": 1}


def record_schema(model: Model, options: Dict[str, Any]):
    """The pyarrow schema of the records ``label_arrow`` makes with these
    options (it labels no text to tell)."""
    import pyarrow as pa

    columns = {options["text_column"]: pa.array([], pa.string())}
    if options["id_column"] is not None:
        columns[options["id_column"]] = pa.array([], pa.string())
    return model.label_arrow(pa.table(columns), **options).schema
