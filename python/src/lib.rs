//! Python bindings of tasnif (the module `tasnif._tasnif`, re-exported by
//! the package `tasnif`): load, label, train, pickle.
//!
//! Records are built by the library's `tasnif::record::Record`, as the
//! command line builds them, written as JSON on the worker threads and
//! parsed by Python's `json` module: the same fields and the same numbers
//! (serde_json writes the shortest decimal that reads back as the same
//! double, and Python parses it exactly).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{
    PyFileExistsError, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyTypeError,
    PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyMemoryView, PyString};
use rayon::ThreadPool;
use tasnif::batch::{label_items, BatchOptions, MAX_THREADS};
use tasnif::corpus::{load_labeled, Encoding, Item, ReadOptions, Source, DEFAULT_MAX_BYTES};
use tasnif::error::{Error, ErrorKind};
use tasnif::model::{Classifier, PredictOptions};
use tasnif::nb::{NbKind, Priors, RefineKind};
use tasnif::record::{Record, RecordOptions};
use tasnif::text::StemmerKind;
use tasnif::train::TrainOverrides;

/// A library error as the Python exception a user expects: a missing file
/// is `FileNotFoundError`, an existing output `FileExistsError`, another
/// I/O failure `OSError`, everything else (bad model file, bad data, bad
/// parameter) `ValueError`. The message is the library's, naming the file.
fn py_err(e: tasnif::Error) -> PyErr {
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

fn pool(threads: Option<usize>) -> PyResult<Arc<ThreadPool>> {
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
fn count(name: &str, v: i64, min: i64) -> PyResult<usize> {
    if v < min {
        return Err(PyValueError::new_err(format!(
            "{name} must be at least {min}, got {v}"
        )));
    }
    usize::try_from(v).map_err(|_| PyValueError::new_err(format!("{name} is too large: {v}")))
}

fn threads_arg(threads: Option<i64>) -> PyResult<Option<usize>> {
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

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Refuses a single string where a sequence of strings is expected
/// (iterating it would label each character), and a mapping (iterating it
/// would label its keys).
fn sequence<'py>(
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
struct Model {
    inner: Classifier,
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

    /// Terms in the vocabulary.
    #[getter]
    /// For a gated model (one with a none label), the name under which its
    /// records give the probability of any of its topics (`cyber` for the
    /// bundled model); None for a one-stage model.
    fn gate_name(&self) -> Option<String> {
        self.inner
            .gate_settings()
            .map(|(_, _, name)| name.to_string())
    }

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
        let record_opts = RecordOptions {
            explain: opts.predict.explain > 0,
            tag_threshold: tag_threshold(multi)?,
        };
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
fn read_ids(ids: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<String>> {
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

// The signature's max_bytes default is written out, so that Python's
// inspect shows it; it is the library's default.
const _: () = assert!(DEFAULT_MAX_BYTES == 16777216);

/// Trains a model on labeled articles, as ``tasnif train`` does.
///
/// The same data and options give the same model, byte for byte, as the
/// command line. Options left as ``None`` take the value of ``config`` if it
/// sets one, else the command line's default (given below as of this
/// version; ``tasnif train --help`` lists them). The semi-supervised options
/// of the command line (``--unlabeled`` and the EM settings) are not here.
///
/// Args:
///     data: a directory with one sub-folder per label (``*.txt`` files), a
///         ``.csv``/``.tsv`` manifest (``path,label`` or ``text,label``,
///         optional ``id``) or a ``.jsonl`` file (``text``, ``label``,
///         optional ``id``).  (``tasnif train DATA``)
///     output: where to write the model file; not written when None.
///         (``-o``)
///     list: keep only the documents listed in this file, paths relative to
///         ``data``, one per line.  (``--list``)
///     config: training settings from a JSON file as ``tasnif tune``
///         writes; the options given here override it.  (``--config``)
///     stemmer: ``"none"`` (default), ``"light10"`` or ``"snowball"``.
///     ngrams: longest word n-gram, 1 (default) or 2.
///     min_df: keep terms found in at least this many documents (default 1).
///     max_df: drop terms found in more than this fraction of documents,
///         0 < max_df <= 1 (default 1).
///     max_features: keep only this many most frequent terms (default all).
///     chi2: keep only the K terms of largest chi-squared statistic against
///         the labels, or ``"all"`` (default 20000).
///     none_label: the label of articles about none of the topics: train a
///         gate that tells it from the others, and the topic model on the
///         rest (default: no such label).
///     gate_priors: with ``none_label``, the gate's class priors:
///         ``"fitted"`` (default, the share of none articles in the data)
///         or ``"uniform"`` (even odds: more topic articles found, more
///         false alarms).
///     weighting: ``"tfidf"`` (default) or ``"counts"``.
///     nb: ``"multinomial"`` (default) or ``"complement"``.
///     alpha: smoothing, > 0 (default 0.03).
///     uniform_priors: uniform class priors (multinomial NB).
///     weight_norm: Rennie's weight normalization (complement NB).
///     refine: ``"perceptron"`` (default) or ``"none"``: refine the naive
///         Bayes weights (of the model, or of a gated model's topic stage)
///         with an averaged perceptron that scores each training article
///         leave-one-out, when every label has at least
///         ``refine_min_docs`` articles.
///     refine_epochs, refine_margin, refine_step, refine_balance,
///         refine_seed, refine_min_docs: the perceptron's passes (≥ 1,
///         default 3), margin (≥ 0, default 5), step (> 0, default 1),
///         class-balance exponent (≥ 0, default 0.25), seed (default 0) and
///         least articles per label (default 150; 0 always refines), as
///         ``--refine-epochs`` and the others.
///     gate_refine: with ``none_label``, ``"none"`` or ``"perceptron"`` for
///         the gate's weights.
///     sublinear_tf: replace tf by 1 + ln(tf) (default False).
///     l2_norm: scale vectors to unit length (default True).
///     keep_teh_marbuta: keep ة distinct from ه (folded by default).
///     encoding: of the article files and manifests: ``"auto"`` (default:
///         byte-order mark, else UTF-8, else Windows-1256 when mostly
///         Arabic), ``"utf-8"``, ``"windows-1256"`` or ``"utf-16"``.
///     max_bytes: largest article read, in bytes (default 16 MiB).
///     overwrite: replace ``output`` if it exists.  (``--force``)
///     threads: worker threads (default: every core).
///
/// Returns:
///     The trained :class:`Model`.
///
/// Raises:
///     FileNotFoundError: ``data``, ``list`` or ``config`` does not exist.
///     FileExistsError: ``output`` exists and ``overwrite`` is False.
///     OSError: another file could not be read or written.
///     ValueError: an invalid option, malformed data, or data that cannot
///         be trained on (one label only, too few documents per label).
#[pyfunction]
#[pyo3(signature = (
    data, output = None, list = None, *, config = None, stemmer = None, ngrams = None,
    min_df = None, max_df = None, max_features = None, chi2 = None, none_label = None,
    gate_priors = None, weighting = None, nb = None, alpha = None, uniform_priors = false,
    weight_norm = false, refine = None, refine_epochs = None, refine_margin = None,
    refine_step = None, refine_balance = None, refine_seed = None, refine_min_docs = None,
    gate_refine = None,
    sublinear_tf = None, l2_norm = None, keep_teh_marbuta = false,
    encoding = None, max_bytes = 16777216, overwrite = false, threads = None
))]
#[allow(clippy::too_many_arguments)]
fn train(
    py: Python<'_>,
    data: PathBuf,
    output: Option<PathBuf>,
    list: Option<PathBuf>,
    config: Option<PathBuf>,
    stemmer: Option<String>,
    ngrams: Option<i64>,
    min_df: Option<i64>,
    max_df: Option<f64>,
    max_features: Option<i64>,
    chi2: Option<&Bound<'_, PyAny>>,
    none_label: Option<String>,
    gate_priors: Option<String>,
    weighting: Option<String>,
    nb: Option<String>,
    alpha: Option<f64>,
    uniform_priors: bool,
    weight_norm: bool,
    refine: Option<String>,
    refine_epochs: Option<i64>,
    refine_margin: Option<f64>,
    refine_step: Option<f64>,
    refine_balance: Option<f64>,
    refine_seed: Option<u64>,
    refine_min_docs: Option<u64>,
    gate_refine: Option<String>,
    sublinear_tf: Option<bool>,
    l2_norm: Option<bool>,
    keep_teh_marbuta: bool,
    encoding: Option<String>,
    max_bytes: u64,
    overwrite: bool,
    threads: Option<i64>,
) -> PyResult<Model> {
    // The library's one overlay of options on the defaults or the config
    // file, as the command line's flags use it.
    let parse_err = |e: tasnif::Error| PyValueError::new_err(e.to_string());
    let chi2 = match chi2.filter(|k| !k.is_none()) {
        None => None,
        Some(k) if k.extract::<String>().is_ok_and(|s| s == "all") => Some(None),
        Some(k) => {
            let k: i64 = k.extract().map_err(|_| {
                PyValueError::new_err(format!(
                    "chi2 must be a number of terms or \"all\", got {}",
                    k.repr().map_or_else(|_| "?".into(), |r| r.to_string())
                ))
            })?;
            Some(Some(count("chi2", k, 1)?))
        }
    };
    let overrides = TrainOverrides {
        stemmer: stemmer
            .map(|s| s.parse::<StemmerKind>())
            .transpose()
            .map_err(|e| PyValueError::new_err(e.to_string()))?,
        keep_teh_marbuta,
        ngrams: ngrams
            .map(|n| {
                u8::try_from(count("ngrams", n, 1)?)
                    .map_err(|_| PyValueError::new_err(format!("ngrams must be 1 or 2, got {n}")))
            })
            .transpose()?,
        min_df: min_df
            .map(|n| {
                u32::try_from(count("min_df", n, 1)?)
                    .map_err(|_| PyValueError::new_err(format!("min_df is too large: {n}")))
            })
            .transpose()?,
        max_df,
        max_features: max_features
            .map(|n| count("max_features", n, 1))
            .transpose()?,
        chi2,
        none_label,
        gate_priors: gate_priors
            .map(|g| g.parse::<Priors>())
            .transpose()
            .map_err(parse_err)?,
        weighting: weighting
            .map(|w| w.parse())
            .transpose()
            .map_err(parse_err)?,
        sublinear_tf,
        l2_norm,
        nb: nb
            .map(|k| k.parse::<NbKind>())
            .transpose()
            .map_err(parse_err)?,
        alpha,
        uniform_priors,
        weight_norm,
        refine: refine
            .map(|k| k.parse::<RefineKind>())
            .transpose()
            .map_err(parse_err)?,
        refine_epochs: refine_epochs
            .map(|n| {
                u32::try_from(count("refine_epochs", n, 1)?)
                    .map_err(|_| PyValueError::new_err(format!("refine_epochs is too large: {n}")))
            })
            .transpose()?,
        refine_margin,
        refine_step,
        refine_balance,
        refine_seed,
        refine_min_docs,
        gate_refine: gate_refine
            .map(|k| k.parse::<RefineKind>())
            .transpose()
            .map_err(parse_err)?,
        ..TrainOverrides::default()
    };
    let p = overrides.params(config.as_deref()).map_err(py_err)?;
    if let Some(out) = &output {
        if !overwrite && out.exists() {
            return Err(py_err(tasnif::Error::at(out, ErrorKind::OutputExists)));
        }
    }
    let read = ReadOptions {
        max_bytes,
        encoding: match encoding.as_deref() {
            None | Some("auto") => Encoding::Auto,
            Some("utf-8" | "utf8") => Encoding::Utf8,
            Some("windows-1256" | "cp1256") => Encoding::Windows1256,
            Some("utf-16" | "utf16") => Encoding::Utf16,
            Some(e) => {
                return Err(PyValueError::new_err(format!(
                    "unknown encoding {e:?} (expected auto, utf-8, windows-1256 or utf-16)"
                )))
            }
        },
    };
    let threads = threads_arg(threads)?;
    let inner = py.detach(|| -> PyResult<Classifier> {
        let pool = pool(threads)?;
        pool.install(|| {
            let data = load_labeled(&data, list.as_deref(), read.encoding)?;
            let model = tasnif::train::train(&data, &p, &read)?;
            if let Some(out) = &output {
                model.save(out, overwrite)?;
            }
            Ok(model)
        })
        .map_err(py_err)
    })?;
    Ok(Model { inner })
}

/// The Rust extension of the `tasnif` package.
#[pymodule]
fn _tasnif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Model>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MAX_BYTES", DEFAULT_MAX_BYTES)?;
    Ok(())
}
