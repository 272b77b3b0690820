//! Arrow in, Arrow out: `Model.label_arrow` reads a table through the Arrow
//! PyCapsule interface (`__arrow_c_stream__` or `__arrow_c_array__`, the C
//! stream and C data interfaces of arrow-rs), labels the texts where they
//! lie in the Arrow buffers, and writes the records as typed columns, with
//! no JSON and no Python object per record.

use std::borrow::Cow;
use std::ffi::CString;
use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, Float64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{
    ArrowPrimitiveType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    make_array, Array, ArrayRef, Float64Array, LargeStringArray, ListArray, RecordBatch,
    RecordBatchIterator, RecordBatchReader, StringArray, StringViewArray, StructArray,
};
use arrow_buffer::{OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use rayon::prelude::*;
use tasnif::batch::{label_text, BatchOptions, Labeled};
use tasnif::error::{Error, ErrorKind};
use tasnif::model::{Classifier, PredictScratch};
use tasnif::record::{Record, RecordOptions};

use crate::{pool, type_name};

fn arrow_err(e: ArrowError) -> PyErr {
    PyValueError::new_err(format!("Arrow: {e}"))
}

/// The record batches of anything that speaks the Arrow PyCapsule
/// interface: a stream (`__arrow_c_stream__`: pyarrow tables, record batch
/// readers, polars and pandas data frames, DuckDB results) or one struct
/// array (`__arrow_c_array__`: a pyarrow record batch).
pub(crate) fn import(data: &Bound<'_, PyAny>) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    if data.hasattr("__arrow_c_stream__")? {
        let capsule = data.call_method0("__arrow_c_stream__")?;
        let capsule = capsule
            .cast_into::<PyCapsule>()
            .map_err(|_| PyTypeError::new_err("__arrow_c_stream__ did not return a PyCapsule"))?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
        // SAFETY: a capsule named arrow_array_stream holds an
        // ArrowArrayStream (the PyCapsule interface); from_raw moves it out
        // and leaves a released stream behind for the capsule's destructor.
        let reader =
            unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast()) }.map_err(arrow_err)?;
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().map_err(arrow_err)?;
        return Ok((schema, batches));
    }
    if data.hasattr("__arrow_c_array__")? {
        let pair = data.call_method0("__arrow_c_array__")?;
        let pair = pair
            .cast_into::<PyTuple>()
            .map_err(|_| PyTypeError::new_err("__arrow_c_array__ did not return a tuple"))?;
        let (schema, array): (Bound<'_, PyCapsule>, Bound<'_, PyCapsule>) = pair
            .extract()
            .map_err(|_| PyTypeError::new_err("__arrow_c_array__ did not return two PyCapsules"))?;
        let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?;
        let array_ptr = array.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: the capsules hold an ArrowSchema and an ArrowArray (the
        // PyCapsule interface); the array is moved out, leaving a released
        // one for its capsule's destructor, and the schema is borrowed.
        let data = unsafe {
            let array = std::ptr::replace(
                array_ptr.as_ptr().cast::<FFI_ArrowArray>(),
                FFI_ArrowArray::empty(),
            );
            from_ffi(array, &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>())
        }
        .map_err(arrow_err)?;
        let array = make_array(data);
        let Some(columns) = array.as_struct_opt() else {
            return Err(PyTypeError::new_err(format!(
                "an Arrow array of type {} is not a table: give a table or a record batch \
                 (columns {{text, id}})",
                array.data_type()
            )));
        };
        if columns.null_count() > 0 {
            return Err(PyValueError::new_err(
                "the Arrow struct array has null rows; give a table or a record batch",
            ));
        }
        let batch = RecordBatch::from(columns.clone());
        return Ok((batch.schema(), vec![batch]));
    }
    Err(PyTypeError::new_err(format!(
        "label_arrow takes Arrow data (an object with __arrow_c_stream__ or __arrow_c_array__: \
         a pyarrow Table or RecordBatch, a polars or pandas DataFrame, ...), not {}",
        type_name(data)
    )))
}

/// A string column, borrowed from its Arrow buffers.
enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a ArrayRef) -> Option<Strings<'a>> {
        if let Some(a) = array.as_string_opt::<i32>() {
            Some(Strings::Utf8(a))
        } else if let Some(a) = array.as_string_opt::<i64>() {
            Some(Strings::Large(a))
        } else {
            array.as_string_view_opt().map(Strings::View)
        }
    }

    /// Row `i`'s string, None when null.
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Where the records' ids come from.
enum Ids<'a> {
    /// The row's position in the whole input (`id_column=None`).
    Rows(usize),
    /// A string column.
    Strings(Strings<'a>),
    /// An integer column, written as decimal strings.
    Ints(Vec<Option<String>>),
}

fn ints<T: ArrowPrimitiveType>(array: &ArrayRef) -> Vec<Option<String>>
where
    T::Native: ToString,
{
    array
        .as_primitive::<T>()
        .iter()
        .map(|v| v.map(|v| v.to_string()))
        .collect()
}

impl Ids<'_> {
    fn of<'a>(array: &'a ArrayRef, name: &str) -> PyResult<Ids<'a>> {
        if let Some(s) = Strings::of(array) {
            return Ok(Ids::Strings(s));
        }
        Ok(Ids::Ints(match array.data_type() {
            DataType::Int8 => ints::<Int8Type>(array),
            DataType::Int16 => ints::<Int16Type>(array),
            DataType::Int32 => ints::<Int32Type>(array),
            DataType::Int64 => ints::<Int64Type>(array),
            DataType::UInt8 => ints::<UInt8Type>(array),
            DataType::UInt16 => ints::<UInt16Type>(array),
            DataType::UInt32 => ints::<UInt32Type>(array),
            DataType::UInt64 => ints::<UInt64Type>(array),
            t => {
                return Err(PyTypeError::new_err(format!(
                    "the id column '{name}' is of type {t}; expected strings or integers \
                     (or id_column=None to number the rows)"
                )))
            }
        }))
    }

    /// Row `i`'s id (None when null).
    fn get(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Ids::Rows(first) => Some(Cow::Owned((first + i).to_string())),
            Ids::Strings(s) => s.get(i).map(Cow::Borrowed),
            Ids::Ints(v) => v[i].as_deref().map(Cow::Borrowed),
        }
    }
}

/// What `label_arrow` was asked for.
pub(crate) struct ArrowOptions {
    pub(crate) batch: BatchOptions,
    pub(crate) record: RecordOptions,
    pub(crate) threads: usize,
}

/// The item type of a list of `{name, value}` structs (`top`, `explain`).
fn pairs_type(name: &str, value: &str) -> Field {
    let fields = Fields::from(vec![
        Field::new(name, DataType::Utf8, true),
        Field::new(value, DataType::Float64, true),
    ]);
    Field::new("item", DataType::Struct(fields), true)
}

/// The records' schema: the fields of a `tasnif label` JSON line, in its
/// order, typed (every field nullable, as Spark and pyarrow make them).
pub(crate) fn record_schema(model: &Classifier, opts: RecordOptions) -> SchemaRef {
    let list = |item: Field| DataType::List(Arc::new(item));
    let mut fields = vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("label", DataType::Utf8, true),
        Field::new("probability", DataType::Float64, true),
    ];
    let gate = model.gate_settings().map(|(_, _, name)| name.to_string());
    if let Some(g) = &gate {
        fields.push(Field::new(g, DataType::Float64, true));
    }
    fields.push(Field::new(
        "top",
        list(pairs_type("label", "probability")),
        true,
    ));
    if opts.tag_threshold.is_some() {
        fields.push(Field::new(
            "tags",
            list(Field::new("item", DataType::Utf8, true)),
            true,
        ));
    }
    if opts.explain {
        fields.push(Field::new(
            "explain",
            list(pairs_type("term", "weight")),
            true,
        ));
        if gate.is_some() {
            fields.push(Field::new(
                "evidence",
                list(pairs_type("term", "weight")),
                true,
            ));
        }
    }
    fields.push(Field::new("error", DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}

/// A column of lists of `(name, value)` structs, or of names alone.
#[derive(Default)]
struct ListColumn {
    offsets: Vec<i32>,
    names: StringBuilder,
    values: Vec<f64>,
}

impl ListColumn {
    fn new() -> ListColumn {
        ListColumn {
            offsets: vec![0],
            ..ListColumn::default()
        }
    }

    fn end_row(&mut self) -> Result<(), ArrowError> {
        let n = i32::try_from(self.names.len())
            .map_err(|_| ArrowError::ComputeError("a list column over 2^31 entries".into()))?;
        self.offsets.push(n);
        Ok(())
    }

    fn push_pairs<'a>(
        &mut self,
        pairs: impl Iterator<Item = (&'a str, f64)>,
    ) -> Result<(), ArrowError> {
        for (n, v) in pairs {
            self.names.append_value(n);
            self.values.push(v);
        }
        self.end_row()
    }

    fn push_names<'a>(&mut self, names: impl Iterator<Item = &'a str>) -> Result<(), ArrowError> {
        for n in names {
            self.names.append_value(n);
        }
        self.end_row()
    }

    fn finish(mut self, field: &Field) -> Result<ArrayRef, ArrowError> {
        let DataType::List(item) = field.data_type() else {
            return Err(ArrowError::SchemaError(format!(
                "{} is not a list",
                field.name()
            )));
        };
        let names: ArrayRef = Arc::new(self.names.finish());
        let values = match item.data_type() {
            DataType::Struct(fields) => Arc::new(StructArray::try_new(
                fields.clone(),
                vec![names, Arc::new(Float64Array::from(self.values))],
                None,
            )?) as ArrayRef,
            _ => names,
        };
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        Ok(Arc::new(ListArray::try_new(
            FieldRef::clone(item),
            offsets,
            values,
            None,
        )?))
    }
}

/// The records of some rows, column by column.
struct Columns {
    id: StringBuilder,
    label: StringBuilder,
    probability: Float64Builder,
    gate: Float64Builder,
    top: ListColumn,
    tags: ListColumn,
    explain: ListColumn,
    evidence: ListColumn,
    error: StringBuilder,
}

impl Columns {
    fn new(rows: usize) -> Columns {
        Columns {
            id: StringBuilder::with_capacity(rows, rows * 8),
            label: StringBuilder::with_capacity(rows, rows * 8),
            probability: Float64Builder::with_capacity(rows),
            gate: Float64Builder::with_capacity(rows),
            top: ListColumn::new(),
            tags: ListColumn::new(),
            explain: ListColumn::new(),
            evidence: ListColumn::new(),
            error: StringBuilder::new(),
        }
    }

    /// Appends one record; `id` is None for a null id.
    fn push(&mut self, id: Option<&str>, r: &Record<'_>) -> Result<(), ArrowError> {
        self.id.append_option(id);
        self.label.append_option(r.label);
        self.probability.append_option(r.probability);
        if let Some((_, p)) = r.gate {
            self.gate.append_option(p);
        }
        self.top
            .push_pairs(r.top.iter().map(|s| (s.label, s.probability)))?;
        if let Some(t) = &r.tags {
            self.tags.push_names(t.iter().copied())?;
        }
        if let Some(e) = &r.explain {
            self.explain
                .push_pairs(e.iter().map(|t| (t.term, t.weight)))?;
        }
        if let Some(e) = &r.evidence {
            self.evidence
                .push_pairs(e.iter().map(|t| (t.term, t.weight)))?;
        }
        self.error.append_option(r.error.as_deref());
        Ok(())
    }

    /// The columns in the order of `schema` (from [`record_schema`]).
    fn finish(self, schema: &SchemaRef) -> Result<RecordBatch, ArrowError> {
        let Columns {
            mut id,
            mut label,
            mut probability,
            mut gate,
            top,
            tags,
            explain,
            evidence,
            mut error,
        } = self;
        let mut lists = [
            ("top", Some(top)),
            ("tags", Some(tags)),
            ("explain", Some(explain)),
            ("evidence", Some(evidence)),
        ];
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for f in schema.fields() {
            let c: ArrayRef = match f.name().as_str() {
                "id" => Arc::new(id.finish()),
                "label" => Arc::new(label.finish()),
                "probability" => Arc::new(probability.finish()),
                "error" => Arc::new(error.finish()),
                name => match lists.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, list)) => list
                        .take()
                        .ok_or_else(|| ArrowError::SchemaError(format!("column {name} twice")))?
                        .finish(f)?,
                    // the gate's column, under the model's name for it (never
                    // the name of another field)
                    None => Arc::new(gate.finish()),
                },
            };
            columns.push(c);
        }
        RecordBatch::try_new(schema.clone(), columns)
    }
}

/// Labels rows `rows` of a batch into one record batch.
fn label_rows(
    model: &Classifier,
    texts: &Strings<'_>,
    ids: &Ids<'_>,
    first_row: usize,
    rows: Range<usize>,
    schema: &SchemaRef,
    opts: &ArrowOptions,
) -> Result<RecordBatch, ArrowError> {
    let mut scratch = PredictScratch::default();
    let mut cols = Columns::new(rows.len());
    for i in rows {
        let id = ids.get(i);
        let row = first_row + i;
        let name: Cow<'_, str> = match &id {
            Some(id) => Cow::Borrowed(id),
            None => Cow::Owned(format!("row {row}")),
        };
        let result: Result<Labeled, Error> = match texts.get(i) {
            Some(t) => label_text(model, &name, t, &opts.batch, &mut scratch),
            None => Err(Error::at(
                name.as_ref(),
                ErrorKind::Invalid {
                    message: "no text (null)".into(),
                },
            )),
        };
        let record = Record::new(model, &name, &result, opts.record);
        cols.push(id.as_deref(), &record)?;
    }
    cols.finish(schema)
}

/// Labels every batch: the GIL is released while the texts are scored,
/// in parallel on `opts.threads` worker threads.
pub(crate) fn label_batches(
    py: Python<'_>,
    model: &Classifier,
    batches: &[RecordBatch],
    input: &SchemaRef,
    text_column: &str,
    id_column: Option<&str>,
    opts: &ArrowOptions,
) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    let column = |name: &str, what: &str| {
        input.index_of(name).map_err(|_| {
            let names: Vec<&str> = input.fields().iter().map(|f| f.name().as_str()).collect();
            let hint = if what == "id" {
                " (or id_column=None to number the rows)"
            } else {
                ""
            };
            PyValueError::new_err(format!(
                "no {what} column '{name}' in the data (its columns: {}){hint}",
                names.join(", ")
            ))
        })
    };
    let text_idx = column(text_column, "text")?;
    let id_idx = id_column.map(|c| column(c, "id")).transpose()?;
    let schema = record_schema(model, opts.record);
    let pool = pool(Some(opts.threads))?;
    let mut out = Vec::with_capacity(batches.len());
    let mut first_row = 0usize;
    for batch in batches {
        let n = batch.num_rows();
        // Arrow strings must be UTF-8, but a producer could send other bytes:
        // check the columns read here in full (a pass as fast as a copy).
        for c in std::iter::once(text_idx).chain(id_idx) {
            batch
                .column(c)
                .to_data()
                .validate_full()
                .map_err(|e| PyValueError::new_err(format!("Arrow column {c}: {e}")))?;
        }
        let texts = Strings::of(batch.column(text_idx)).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "the text column '{text_column}' is of type {}; expected strings",
                batch.column(text_idx).data_type()
            ))
        })?;
        let ids = match id_idx {
            Some(c) => Ids::of(batch.column(c), id_column.unwrap_or_default())?,
            None => Ids::Rows(first_row),
        };
        // One chunk per thread and a few more, so that threads finishing
        // early take another; one chunk (one output batch) on one thread.
        let chunk = if opts.threads <= 1 {
            n.max(1)
        } else {
            n.div_ceil(opts.threads * 4).max(64)
        };
        let ranges: Vec<Range<usize>> = (0..n)
            .step_by(chunk)
            .map(|s| s..(s + chunk).min(n))
            .collect();
        let labeled = py.detach(|| {
            pool.install(|| {
                ranges
                    .into_par_iter()
                    .map(|r| label_rows(model, &texts, &ids, first_row, r, &schema, opts))
                    .collect::<Result<Vec<RecordBatch>, ArrowError>>()
            })
        });
        out.extend(labeled.map_err(arrow_err)?);
        first_row += n;
    }
    Ok((schema, out))
}

/// Labeled records as Arrow record batches, which any consumer of the Arrow
/// PyCapsule interface reads without a copy: ``pyarrow.table(r)``,
/// ``polars.from_arrow(r)``, ``duckdb.sql("select * from r")``. What
/// ``Model.label_arrow(..., as_stream=True)`` returns; it can be read any
/// number of times.
#[pyclass(frozen, module = "tasnif", name = "ArrowRecords")]
pub(crate) struct ArrowRecords {
    pub(crate) schema: SchemaRef,
    pub(crate) batches: Vec<RecordBatch>,
}

#[pymethods]
impl ArrowRecords {
    /// The records as an Arrow C stream (the PyCapsule interface).
    /// ``requested_schema`` is not used: the records have one schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new(py, stream, Some(CString::from(c"arrow_array_stream")))
    }

    /// The records' schema as an Arrow C schema (the PyCapsule interface).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.schema.as_ref()).map_err(arrow_err)?;
        PyCapsule::new(py, schema, Some(CString::from(c"arrow_schema")))
    }

    /// Number of records.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "<tasnif.ArrowRecords rows={} columns={:?}>",
            self.num_rows(),
            self.column_names()
        )
    }
}
