"""Label a Spark DataFrame of articles with tasnif (``pip install tasnif[spark]``).

>>> records = label_dataframe(spark.read.parquet("articles/"), "news.tasnif")  # doctest: +SKIP
>>> records.write.parquet("labels/")                                          # doctest: +SKIP

The model is loaded on the driver and broadcast (a :class:`tasnif.Model`
pickles as its model file's bytes); each Python worker unpickles it once and
labels the Arrow batches Spark hands it (``mapInArrow``) with
``Model.label_arrow``: the texts are read from the Arrow buffers and the
records come back as Arrow columns, with no pandas, JSON or Python object per
article on the way. The workers need the tasnif wheel and pyarrow (Spark's
own requirement for ``mapInArrow``).
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ._engine import ModelLike, as_model, label_options, record_schema

__all__ = ["label_dataframe", "spark_schema"]


def spark_schema(model: ModelLike, *, top_k: int = 3, explain: int = 0, multi: Any = None):
    """The Spark schema (a ``StructType``) of the records
    :func:`label_dataframe` makes with these options: ``id``, ``label``,
    ``probability``, a gated model's ``gate_name``, ``top``, ``tags`` (with
    ``multi``), ``explain`` and ``evidence`` (with ``explain``), ``error``."""
    from pyspark.sql.pandas.types import from_arrow_schema

    options = label_options("text", "id", top_k, explain, multi, None)
    return from_arrow_schema(record_schema(as_model(model), options))


def label_dataframe(
    df,
    model: ModelLike,
    *,
    text_column: str = "text",
    id_column: Optional[str] = "id",
    top_k: int = 3,
    explain: int = 0,
    multi: Any = None,
    gate_threshold: Optional[float] = None,
):
    """Labels the articles of the Spark DataFrame ``df``.

    Args:
        df: a DataFrame with a column of texts (and one of ids).
        model: a :class:`tasnif.Model`, or the path of a model file the
            driver can read.
        text_column: the column of texts (a null text gives a record with
            ``error`` set; so does a blank one, except for a gated model,
            for which it is the none label).
        id_column: the column of ids (strings or integers, written as
            strings); None numbers the rows of each Arrow batch from 0, which
            does not make them unique.
        top_k, explain, multi, gate_threshold: as for ``Model.label``.

    Returns:
        A DataFrame of records, one per row of ``df``, with the columns of
        :func:`spark_schema`. Nothing runs until an action (a write, a
        count) asks for it.
    """
    m = as_model(model)
    options = label_options(text_column, id_column, top_k, explain, multi, gate_threshold)
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = from_arrow_schema(record_schema(m, options))
    broadcast = df.sparkSession.sparkContext.broadcast(m)

    def label_batches(batches: Iterator[Any]) -> Iterator[Any]:
        labeler = broadcast.value  # unpickled once per Python worker, then cached
        for batch in batches:
            yield from labeler.label_arrow(batch, **options).to_batches()

    columns = [text_column] if id_column is None else [id_column, text_column]
    return df.select(*columns).mapInArrow(label_batches, schema)
