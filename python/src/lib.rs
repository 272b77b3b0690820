//! Python bindings of tasnif (the module `tasnif._tasnif`, re-exported by
//! the package `tasnif`): load, label, train, pickle.
//!
//! Records are built by the library's `tasnif::record::Record`, as the
//! command line builds them, written as JSON on the worker threads and
//! parsed by Python's `json` module: the same fields and the same numbers
//! (serde_json writes the shortest decimal that reads back as the same
//! double, and Python parses it exactly).

mod arrow;
mod train;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};
use rayon::prelude::*;
use rayon::ThreadPool;
use tasnif::batch::{label_items, label_text, BatchOptions, MAX_THREADS};
use tasnif::corpus::{Item, ReadOptions, Source, DEFAULT_MAX_BYTES};
use tasnif::error::{Error, ErrorKind};
use tasnif::model::{Classifier, PredictOptions, PredictScratch};
use tasnif::record::{Record, RecordOptions};

/// A library error as the Python exception a user expects: a missing file
/// is `FileNotFoundError`, an existing output `FileExistsError`, another
/// I/O failure `OSError`, everything else (bad model file, bad data, bad
/// parameter) `ValueError`. The message is the library's, naming the file.
pub(crate) fn py_err(e: tasnif::Error) -> PyErr {
    let msg = e.to_string();
    match e.kind() {
        ErrorKind::NotFound => PyFileNotFoundError::new_err(msg),
        ErrorKind::OutputExists => PyFileExistsError::new_err(msg),
        ErrorKind::Io(_) => PyOSError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// Worker pools made in this process, the most recently used last. A pool
/// made before `fork` has no threads in the child, so pools are keyed by
/// process id and a child makes its own (the parent's are leaked, never
/// dropped: dropping would signal threads that do not exist here). At most
/// [`POOLS_KEPT`] pools are kept: asking for a new thread count drops the
/// least recently used one, so the threads alive stay under
/// `POOLS_KEPT * MAX_THREADS` whatever counts are asked for.
static POOLS: Mutex<Option<Pools>> = Mutex::new(None);

/// What `Model._probabilities` returns: the chosen labels' indexes and the
/// probabilities (native int64 and float64 bytes) and the texts that failed.
type Probabilities<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Vec<(usize, String)>,
);

/// The process id and its pools with their thread counts, least recently
/// used first.
type Pools = (u32, Vec<(usize, Arc<ThreadPool>)>);

/// How many worker pools (of different thread counts) are kept alive.
const POOLS_KEPT: usize = 4;

/// Threads when none are asked for: `RAYON_NUM_THREADS`, else every core,
/// at most [`MAX_THREADS`].
fn default_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(MAX_THREADS)
}

pub(crate) fn pool(threads: Option<usize>) -> PyResult<Arc<ThreadPool>> {
    let n = threads.unwrap_or_else(default_threads);
    let pid = std::process::id();
    let mut guard = POOLS.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_some_and(|(p, _)| *p != pid) {
        if let Some((_, stale)) = guard.take() {
            std::mem::forget(stale);
        }
    }
    let (_, pools) = guard.get_or_insert_with(|| (pid, Vec::new()));
    if let Some(i) = pools.iter().position(|(k, _)| *k == n) {
        let entry = pools.remove(i);
        let p = entry.1.clone();
        pools.push(entry);
        return Ok(p);
    }
    if pools.len() >= POOLS_KEPT {
        // its threads end once no call still holds it
        pools.remove(0);
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("tasnif-{i}"))
        .build()
        .map_err(|e| PyOSError::new_err(format!("cannot start {n} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.push((n, p.clone()));
    Ok(p)
}

/// A count argument: an int of at least `min`, else `ValueError` naming it.
pub(crate) fn count(name: &str, v: i64, min: i64) -> PyResult<usize> {
    if v < min {
        return Err(PyValueError::new_err(format!(
            "{name} must be at least {min}, got {v}"
        )));
    }
    usize::try_from(v).map_err(|_| PyValueError::new_err(format!("{name} is too large: {v}")))
}

pub(crate) fn threads_arg(threads: Option<i64>) -> PyResult<Option<usize>> {
    let Some(t) = threads else {
        return Ok(None);
    };
    if t > MAX_THREADS as i64 {
        return Err(PyValueError::new_err(format!(
            "threads must be at most {MAX_THREADS}, got {t}"
        )));
    }
    count("threads", t, 1).map(Some)
}

pub(crate) fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Refuses a single string where a sequence of strings is expected
/// (iterating it would label each character), and a mapping (iterating it
/// would label its keys).
pub(crate) fn sequence<'py>(
    name: &str,
    v: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, pyo3::types::PyIterator>> {
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list (or other iterable) of str, not a single {}; wrap it in a list",
            type_name(v)
        )));
    }
    // iterating a mapping gives its keys, which are seldom what was meant
    if v.is_instance_of::<PyDict>() || v.is_instance_of::<pyo3::types::PyMapping>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list (or other iterable) of str, not a mapping ({}); \
             pass list(d.values()) for its values or list(d) for its keys",
            type_name(v)
        )));
    }
    v.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a list (or other iterable) of str, not {}",
            type_name(v)
        ))
    })
}

/// A trained topic classifier: the contents of one `.tasnif` model file.
///
/// Load one with `Model.load(path)`, take the bundled cyber-topics model
/// with `Model.default()`, or train one with `tasnif.train(...)`. A model
/// is immutable and safe to share between threads; it pickles as its file's
/// bytes, so Spark and Ray can ship it to their workers.
#[pyclass(frozen, module = "tasnif", name = "Model")]
pub(crate) struct Model {
    pub(crate) inner: Classifier,
}

#[pymethods]
impl Model {
    /// Loads a model file written by `tasnif train` or `Model.save`.
    ///
    /// Raises FileNotFoundError if the file does not exist,
    /// IsADirectoryError for a folder, OSError if it cannot be read,
    /// ValueError if it is not a valid model file (wrong magic bytes, other
    /// format version, truncated, corrupted).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Model> {
        if path.is_dir() {
            return Err(PyIsADirectoryError::new_err(format!(
                "{}: is a directory, not a model file",
                path.display()
            )));
        }
        let inner = py.detach(|| Classifier::load(&path)).map_err(py_err)?;
        Ok(Model { inner })
    }

    /// The model bundled with tasnif: Arabic cybersecurity news topics
    /// (attack, leak, other, partnership, policy).
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Model> {
        let inner = py
            .detach(|| Classifier::from_bytes(tasnif::DEFAULT_MODEL))
            .map_err(py_err)?;
        Ok(Model { inner })
    }

    /// Reads a model from the bytes of a model file (what `to_bytes` gives):
    /// bytes, bytearray or memoryview.
    ///
    /// Raises TypeError for any other type, ValueError if the bytes are not
    /// a valid model.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Model> {
        let owned;
        let bytes: &[u8] = if let Ok(b) = data.cast::<PyBytes>() {
            b.as_bytes()
        } else if data.is_instance_of::<PyByteArray>() || data.is_instance_of::<PyMemoryView>() {
            // bytes(x) copies a bytearray or any memoryview (strided too)
            owned = py
                .get_type::<PyBytes>()
                .call1((data,))?
                .cast_into::<PyBytes>()?;
            owned.as_bytes()
        } else {
            return Err(PyTypeError::new_err(format!(
                "data must be bytes, bytearray or memoryview, not {}",
                type_name(data)
            )));
        };
        let inner = py
            .detach(|| Classifier::from_bytes(bytes))
            .map_err(py_err)?;
        Ok(Model { inner })
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Writes the model file to `path` (atomically: a temporary file
    /// renamed at the end). Raises FileExistsError if `path` exists and
    /// `overwrite` is false, OSError if writing fails.
    #[pyo3(signature = (path, overwrite = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        py.detach(|| self.inner.save(&path, overwrite))
            .map_err(py_err)
    }

    /// The label names, sorted.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().names().to_vec()
    }

    /// For a gated model (one with a none label), the name under which its
    /// records give the probability of any of its topics (`cyber` for the
    /// bundled model); None for a one-stage model.
    #[getter]
    fn gate_name(&self) -> Option<String> {
        self.inner
            .gate_settings()
            .map(|(_, _, name)| name.to_string())
    }

    /// Terms in the vocabulary.
    #[getter]
    fn vocabulary_size(&self) -> u64 {
        self.inner.summary().vocabulary_size
    }

    /// Labels articles: one record (a dict) per text, in order, with the
    /// fields and values of `tasnif label`'s JSON lines: `id`, `label`,
    /// `probability`, for a gated model the probability of any of its
    /// topics under the gate's name (`cyber` for the bundled model), `top`
    /// (list of `{"label", "probability"}`, most probable first),
    /// `explain` (list of `{"term", "weight"}`, only when `explain` > 0),
    /// for a gated model `evidence` (the terms that most raised the odds of
    /// any topic, only when `explain` > 0) and `error` (None on success).
    ///
    /// `texts`: an iterable of str. None gives a record with `label` None
    /// and `error` set, as an unreadable file does in the command line; so
    /// does a blank text, except for a gated model, for which it is the
    /// none label. The batch goes on. Another type raises TypeError.
    /// `ids`: an iterable of str (or int) of the same length; default: each
    /// text's index as a str ("0", "1", ...).
    /// `top_k` (default 3, at least 1): labels listed in `top`.
    /// `explain` (default 0): terms listed in `explain`.
    /// `multi` (default None): add `tags`, the chosen label and every other
    /// label whose probability reaches `multi` (0 < multi <= 1; True: 0.3),
    /// as `tasnif label --multi --threshold P` does.
    /// `gate_threshold` (default None: the model's own): for a gated model,
    /// the probability of any topic an article needs to get one
    /// (0 < gate_threshold <= 1), as `tasnif label --gate-threshold P`.
    /// `threads` (default: every core, or RAYON_NUM_THREADS): worker
    /// threads; pass 1 inside an engine that already runs one task per core.
    ///
    /// The GIL is released while the batch is scored, in parallel.
    #[pyo3(signature = (texts, ids = None, top_k = 3, explain = 0, multi = None, threads = None, gate_threshold = None))]
    #[allow(clippy::too_many_arguments)]
    fn label<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        ids: Option<&Bound<'py, PyAny>>,
        top_k: i64,
        explain: i64,
        multi: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
        gate_threshold: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (opts, record_opts) = self.options(top_k, explain, multi, gate_threshold)?;
        let threads = threads_arg(threads)?;
        let texts = read_texts(texts)?;
        let ids = read_ids(ids, texts.len())?;
        let items: Vec<Item> = ids
            .into_iter()
            .zip(texts)
            .map(|(id, text)| {
                let source = match text {
                    Ok(t) => Source::Text(t),
                    Err(message) => Source::Failed(Box::new(Error::at(
                        id.as_str(),
                        ErrorKind::Invalid { message },
                    ))),
                };
                Item { id, source }
            })
            .collect();
        let model = &self.inner;
        let json = py.detach(|| -> PyResult<Vec<u8>> {
            let pool = pool(threads)?;
            let lines = pool.install(|| {
                label_items(model, &items, &opts, |item, r| {
                    let mut out = Vec::with_capacity(256);
                    Record::new(model, &item.id, &r, record_opts).write_json(&mut out);
                    out
                })
            });
            let mut json = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum::<usize>() + 2);
            json.push(b'[');
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    json.push(b',');
                }
                json.extend_from_slice(l);
            }
            json.push(b']');
            Ok(json)
        })?;
        let loads = py.import("json")?.getattr("loads")?;
        loads.call1((PyBytes::new(py, &json),))
    }

    /// Labels the texts of Arrow data: a table whose rows are articles,
    /// given through the Arrow PyCapsule interface (anything with
    /// `__arrow_c_stream__` or `__arrow_c_array__`: a pyarrow Table,
    /// RecordBatch or RecordBatchReader, a polars or pandas (2.2+)
    /// DataFrame, a DuckDB result). The texts are read where they lie in the
    /// Arrow buffers, and the records are written as typed Arrow columns, in
    /// the order of `tasnif label`'s JSON fields: `id` (string), `label`
    /// (string), `probability` (double), for a gated model its probability
    /// of any topic under `gate_name` (double), `top` (list of struct
    /// `{label: string, probability: double}`), `tags` (list of string,
    /// only with `multi`), `explain` and a gated model's `evidence` (list of
    /// struct `{term: string, weight: double}`, only when `explain` > 0) and
    /// `error` (string, null on success). Every value equals the record's
    /// from `label` and `tasnif label`; no JSON is made.
    ///
    /// `text_column`: the column of texts (string, large_string or
    /// string_view); a null text gives a record with `error` set.
    /// `id_column`: the column of ids (strings or integers, written as
    /// strings); None numbers the rows from 0, as `label` does. A null id
    /// gives a null `id` (and errors name the row).
    /// `top_k`, `explain`, `multi`, `gate_threshold`, `threads`: as for
    /// `label`.
    /// `as_stream`: return an `ArrowRecords` (which has
    /// `__arrow_c_stream__`, for polars, DuckDB or any other consumer,
    /// without pyarrow) instead of a `pyarrow.Table`.
    ///
    /// Every input batch is labeled as it is read, with the GIL released;
    /// the records of the whole input are kept in memory until returned. For
    /// data larger than memory, call it on each batch (as `tasnif.spark`
    /// and `tasnif.ray` do).
    ///
    /// Raises TypeError for data that does not speak the PyCapsule interface
    /// or a column of the wrong type, ValueError for a missing column or a
    /// bad option, ImportError when a pyarrow Table is asked for and pyarrow
    /// is not installed.
    #[pyo3(
        signature = (data, text_column = "text", id_column = Some("id"), top_k = 3, explain = 0, multi = None, threads = None, gate_threshold = None, as_stream = false),
        text_signature = "($self, data, text_column='text', id_column='id', top_k=3, explain=0, multi=None, threads=None, gate_threshold=None, as_stream=False)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn label_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        text_column: &str,
        id_column: Option<&str>,
        top_k: i64,
        explain: i64,
        multi: Option<&Bound<'py, PyAny>>,
        threads: Option<i64>,
        gate_threshold: Option<f64>,
        as_stream: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (batch, record) = self.options(top_k, explain, multi, gate_threshold)?;
        let opts = arrow::ArrowOptions {
            batch,
            record,
            threads: threads_arg(threads)?.unwrap_or_else(default_threads),
        };
        let (input, batches) = arrow::import(data)?;
        let (schema, batches) = arrow::label_batches(
            py,
            &self.inner,
            &batches,
            &input,
            text_column,
            id_column,
            &opts,
        )?;
        let records = Bound::new(py, arrow::ArrowRecords { schema, batches })?.into_any();
        if as_stream {
            return Ok(records);
        }
        let pyarrow = py.import("pyarrow").map_err(|e| {
            pyo3::exceptions::PyImportError::new_err(format!(
                "label_arrow returns a pyarrow.Table, and pyarrow cannot be imported ({e}); \
                 install pyarrow (pip install tasnif[arrow]) or pass as_stream=True"
            ))
        })?;
        pyarrow.getattr("table")?.call1((records,))
    }

    /// Every label's probability for each text (columns in `labels`
    /// order) and the index of the chosen label: what
    /// `tasnif.sklearn.TasnifClassifier` gives as `predict_proba` and
    /// `predict`. Returns `(chosen, probabilities, errors)`: the chosen
    /// labels' indexes as native int64 bytes (-1 for a text that could not
    /// be labeled), the probabilities as native float64 bytes, row by row
    /// (NaN for such a text), and a list of `(row, message)` for those
    /// texts. The GIL is released while the texts are scored.
    #[pyo3(signature = (texts, threads = None, gate_threshold = None))]
    fn _probabilities<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threads: Option<i64>,
        gate_threshold: Option<f64>,
    ) -> PyResult<Probabilities<'py>> {
        let (opts, _) = self.options(1, 0, None, gate_threshold)?;
        let threads = threads_arg(threads)?;
        let texts = read_texts(texts)?;
        let model = &self.inner;
        let k = model.labels().len();
        type Row = Result<(usize, Vec<f64>), String>;
        let rows: Vec<Row> = py.detach(|| -> PyResult<Vec<Row>> {
            let pool = pool(threads)?;
            Ok(pool.install(|| {
                texts
                    .par_iter()
                    .enumerate()
                    .map_init(PredictScratch::default, |scratch, (i, t)| {
                        let id = i.to_string();
                        let r = match t {
                            Ok(t) => label_text(model, &id, t, &opts, scratch),
                            Err(message) => Err(Error::at(
                                id.as_str(),
                                ErrorKind::Invalid {
                                    message: message.clone(),
                                },
                            )),
                        };
                        r.map(|l| (l.prediction.label.index(), l.prediction.probabilities))
                            .map_err(|e| e.to_string())
                    })
                    .collect()
            }))
        })?;
        let mut chosen = Vec::with_capacity(rows.len() * 8);
        let mut probs = Vec::with_capacity(rows.len() * k * 8);
        let mut errors = Vec::new();
        for (i, r) in rows.into_iter().enumerate() {
            match r {
                Ok((label, p)) if p.len() == k => {
                    chosen.extend_from_slice(&(label as i64).to_ne_bytes());
                    for x in p {
                        probs.extend_from_slice(&x.to_ne_bytes());
                    }
                }
                other => {
                    chosen.extend_from_slice(&(-1i64).to_ne_bytes());
                    for _ in 0..k {
                        probs.extend_from_slice(&f64::NAN.to_ne_bytes());
                    }
                    errors.push((
                        i,
                        other.err().unwrap_or_else(|| {
                            format!("{i}: the model gave no probability for every label")
                        }),
                    ));
                }
            }
        }
        Ok((PyBytes::new(py, &chosen), PyBytes::new(py, &probs), errors))
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let load = py.import("tasnif")?.getattr("_load_bytes")?;
        Ok((load, (self.to_bytes(py),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "<tasnif.Model labels={:?} vocabulary={}>",
            self.inner.labels().names(),
            self.inner.summary().vocabulary_size
        )
    }
}

impl Model {
    /// The labeling options of `label` and `label_arrow`, checked.
    fn options(
        &self,
        top_k: i64,
        explain: i64,
        multi: Option<&Bound<'_, PyAny>>,
        gate_threshold: Option<f64>,
    ) -> PyResult<(BatchOptions, RecordOptions)> {
        if let Some(t) = gate_threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(PyValueError::new_err(format!(
                    "gate_threshold must be a probability in (0, 1], got {t}"
                )));
            }
            if self.inner.gate().is_none() {
                return Err(PyValueError::new_err(
                    "gate_threshold applies to a model with a none label (a gate), and this model has none",
                ));
            }
        }
        let opts = BatchOptions {
            predict: PredictOptions {
                top_k: count("top_k", top_k, 1)?,
                explain: count("explain", explain, 0)?,
                gate_threshold,
            },
            read: ReadOptions::default(),
        };
        let record = RecordOptions {
            explain: opts.predict.explain > 0,
            tag_threshold: tag_threshold(multi)?,
        };
        Ok((opts, record))
    }
}

/// `multi`: None (no tags), True (the command line's default threshold,
/// 0.3) or a probability in (0, 1].
fn tag_threshold(multi: Option<&Bound<'_, PyAny>>) -> PyResult<Option<f64>> {
    let Some(m) = multi.filter(|m| !m.is_none()) else {
        return Ok(None);
    };
    if m.is_instance_of::<pyo3::types::PyBool>() {
        return Ok(m.extract::<bool>()?.then_some(0.3));
    }
    let p: f64 = m.extract().map_err(|_| {
        PyTypeError::new_err(format!(
            "multi must be a probability or True, not {}",
            type_name(m)
        ))
    })?;
    if p > 0.0 && p <= 1.0 {
        Ok(Some(p))
    } else {
        Err(PyValueError::new_err(format!(
            "multi must be a probability in (0, 1], got {p}"
        )))
    }
}

/// Each text as a `String`, or why that one text cannot be labeled: a
/// Python None, or a str that is not valid Unicode (a lone surrogate, as
/// `os.fsdecode` or `errors="surrogateescape"` make). Either is that
/// record's error; the batch goes on.
fn read_texts(texts: &Bound<'_, PyAny>) -> PyResult<Vec<Result<String, String>>> {
    let mut out = Vec::with_capacity(texts.len().unwrap_or(0));
    for (i, t) in sequence("texts", texts)?.enumerate() {
        let t = t?;
        if t.is_none() {
            out.push(Err("no text (None)".to_string()));
        } else if let Ok(s) = t.cast::<PyString>() {
            out.push(match s.to_cow() {
                Ok(s) => Ok(s.into_owned()),
                Err(_) => Err(
                    "the text is not valid Unicode (it holds a lone surrogate); \
                     decode its bytes with errors=\"replace\" to label it"
                        .to_string(),
                ),
            });
        } else {
            return Err(PyTypeError::new_err(format!(
                "texts[{i}] is {}, expected str",
                type_name(&t)
            )));
        }
    }
    Ok(out)
}

/// The ids: given (str or int, as many as the texts), or the indexes.
pub(crate) fn read_ids(ids: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<String>> {
    let Some(ids) = ids.filter(|v| !v.is_none()) else {
        return Ok((0..n).map(|i| i.to_string()).collect());
    };
    let mut out = Vec::with_capacity(n);
    for (i, id) in sequence("ids", ids)?.enumerate() {
        let id = id?;
        if let Ok(s) = id.cast::<PyString>() {
            out.push(s.to_cow()?.into_owned());
        } else if id.is_instance_of::<pyo3::types::PyInt>()
            && !id.is_instance_of::<pyo3::types::PyBool>()
        {
            out.push(id.str()?.to_cow()?.into_owned());
        } else {
            return Err(PyTypeError::new_err(format!(
                "ids[{i}] is {}, expected str or int",
                type_name(&id)
            )));
        }
    }
    if out.len() != n {
        return Err(PyValueError::new_err(format!(
            "ids has {} items but texts has {n}; give one id per text",
            out.len()
        )));
    }
    Ok(out)
}

/// The Rust extension of the `tasnif` package.
#[pymodule]
fn _tasnif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_class::<arrow::ArrowRecords>()?;
    m.add_function(wrap_pyfunction!(train::train, m)?)?;
    m.add_function(wrap_pyfunction!(train::load_labeled_texts, m)?)?;
    m.add_function(wrap_pyfunction!(train::read_text, m)?)?;
    m.add_function(wrap_pyfunction!(train::stratified_folds, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_defaults, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MAX_BYTES", DEFAULT_MAX_BYTES)?;
    Ok(())
}
