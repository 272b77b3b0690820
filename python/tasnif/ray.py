"""Label a Ray Dataset of articles with tasnif (``pip install tasnif[ray]``).

>>> ds = ray.data.read_parquet("articles/", columns=["id", "text"])  # doctest: +SKIP
>>> label_dataset(ds, "news.tasnif").write_parquet("labels/")         # doctest: +SKIP

``map_batches`` runs a pool of actors (one per CPU by default); each receives
the model once (a :class:`tasnif.Model` pickles as its model file's bytes)
and labels the pyarrow batches it is given with ``Model.label_arrow``: the
texts are read from the Arrow buffers and the records come back as Arrow
columns, with no JSON or Python object per article.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

from ._engine import ModelLike, as_model, label_options
from ._tasnif import Model

__all__ = ["label_dataset"]


class Labeler:
    """The ``map_batches`` callable: one per actor, holding the model."""

    def __init__(self, model: Model, options: Dict[str, Any]):
        self.model = model
        self.options = options

    def __call__(self, batch):
        return self.model.label_arrow(batch, **self.options)


def label_dataset(
    ds,
    model: ModelLike,
    *,
    text_column: str = "text",
    id_column: Optional[str] = "id",
    top_k: int = 3,
    explain: int = 0,
    multi: Any = None,
    gate_threshold: Optional[float] = None,
    concurrency: Union[None, int, Tuple[int, int]] = None,
    batch_size: int = 4096,
):
    """Labels the articles of the Ray Dataset ``ds``.

    Args:
        ds: a Dataset with a column of texts (and one of ids).
        model: a :class:`tasnif.Model`, or the path of a model file the
            driver can read.
        text_column, id_column, top_k, explain, multi, gate_threshold: as
            for :func:`tasnif.spark.label_dataframe` (with ``id_column=None``
            each batch's rows are numbered from 0).
        concurrency: actors in the pool, one CPU each: ``n`` (a pool of n),
            ``(m, n)`` (from m to n, as Ray scales it), or None (default:
            from 1 to the cluster's CPUs). A pool that holds every CPU from
            the start leaves none to the tasks that read the input (a
            Parquet read): give such a size only for data already in memory.
        batch_size: rows per batch handed to an actor.

    Returns:
        A Dataset of records, one per row (lazy, like every Ray Data
        transform), with the columns of ``Model.label_arrow``.
    """
    import ray

    m = as_model(model)
    options = label_options(text_column, id_column, top_k, explain, multi, gate_threshold)
    if concurrency is None:
        concurrency = (1, max(1, int(ray.cluster_resources().get("CPU", 1))))
    if isinstance(concurrency, tuple):
        pool = ray.data.ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
    else:
        pool = ray.data.ActorPoolStrategy(size=concurrency)
    return ds.map_batches(
        Labeler,
        fn_constructor_kwargs={"model": m, "options": options},
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=pool,
        num_cpus=1,
    )
