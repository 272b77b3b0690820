//! Training from files or from texts in memory (`tasnif.train`), reading
//! labeled data and articles as the command line reads them
//! (`tasnif.load_labeled`, `tasnif.read_text`), and the folds of
//! `tasnif eval --cv` (`tasnif.sklearn.TasnifKFold`).

use std::path::{Path, PathBuf};

use pyo3::exceptions::{PyDeprecationWarning, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use rayon::prelude::*;
use tasnif::corpus::{
    load_labeled, read_text as lib_read_text, Encoding, Item, LabeledData, ReadOptions, Source,
    DEFAULT_MAX_BYTES,
};
use tasnif::error::ErrorKind;
use tasnif::eval::Folds;
use tasnif::model::Classifier;
use tasnif::nb::{NbKind, Priors, RefineKind};
use tasnif::text::StemmerKind;
use tasnif::train::TrainOverrides;

use crate::{count, pool, py_err, read_ids, sequence, threads_arg, type_name, Model};

// The signatures' max_bytes default is written out, so that Python's
// inspect shows it; it is the library's default.
const _: () = assert!(DEFAULT_MAX_BYTES == 16777216);

/// An `encoding` argument as the library's [`Encoding`].
fn encoding_arg(encoding: Option<&str>) -> PyResult<Encoding> {
    match encoding {
        None | Some("auto") => Ok(Encoding::Auto),
        Some("utf-8" | "utf8") => Ok(Encoding::Utf8),
        Some("windows-1256" | "cp1256") => Ok(Encoding::Windows1256),
        Some("utf-16" | "utf16") => Ok(Encoding::Utf16),
        Some(e) => Err(PyValueError::new_err(format!(
            "unknown encoding {e:?} (expected auto, utf-8, windows-1256 or utf-16)"
        ))),
    }
}

/// Each item of `v` as a str; `what` names the argument in errors. None is
/// refused: a training article needs a text and a label.
fn read_strings(what: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let mut out = Vec::with_capacity(v.len().unwrap_or(0));
    for (i, t) in sequence(what, v)?.enumerate() {
        let t = t?;
        match t.cast::<PyString>() {
            Ok(s) => out.push(s.to_cow()?.into_owned()),
            Err(_) if t.is_none() => {
                return Err(PyValueError::new_err(format!(
                    "{what}[{i}] is None; every training article needs a text and a label"
                )))
            }
            Err(_) => {
                return Err(PyTypeError::new_err(format!(
                    "{what}[{i}] is {}, expected str",
                    type_name(&t)
                )))
            }
        }
    }
    Ok(out)
}

/// Where the training articles are: files (`data`, optionally `list_file`)
/// or texts in memory.
enum TrainData {
    Files {
        data: PathBuf,
        list: Option<PathBuf>,
    },
    Texts(LabeledData),
}

/// The deprecated keyword `list` (it shadowed the builtin): its value, with
/// a DeprecationWarning; any other extra keyword is a TypeError, as Python
/// gives for an unknown keyword.
fn deprecated_list(
    py: Python<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
    list_file: Option<PathBuf>,
) -> PyResult<Option<PathBuf>> {
    let Some(kwargs) = kwargs else {
        return Ok(list_file);
    };
    let mut list = None;
    for (k, v) in kwargs.iter() {
        let k: String = k.extract()?;
        if k != "list" {
            return Err(PyTypeError::new_err(format!(
                "train() got an unexpected keyword argument '{k}'"
            )));
        }
        if list_file.is_some() {
            return Err(PyTypeError::new_err(
                "train() got both list_file and its old name list; give list_file",
            ));
        }
        PyErr::warn(
            py,
            &py.get_type::<PyDeprecationWarning>(),
            c"tasnif.train: the keyword `list` is deprecated (it shadowed the builtin); use `list_file`",
            1,
        )?;
        list = if v.is_none() {
            None
        } else {
            Some(v.extract::<PathBuf>()?)
        };
    }
    Ok(list.or(list_file))
}

/// Texts and labels (and ids) in memory as labeled data.
fn texts_data(
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    ids: Option<&Bound<'_, PyAny>>,
) -> PyResult<LabeledData> {
    let texts = read_strings("texts", texts)?;
    let labels = read_strings("labels", labels)?;
    if labels.len() != texts.len() {
        return Err(PyValueError::new_err(format!(
            "labels has {} items but texts has {}; give one label per text",
            labels.len(),
            texts.len()
        )));
    }
    if texts.is_empty() {
        return Err(PyValueError::new_err(
            "no documents to train on (texts is empty)",
        ));
    }
    let ids = read_ids(ids, texts.len())?;
    let pairs = ids
        .into_iter()
        .zip(texts)
        .zip(labels)
        .map(|((id, text), label)| {
            (
                Item {
                    id,
                    source: Source::Text(text),
                },
                label,
            )
        })
        .collect();
    Ok(LabeledData::from_pairs(pairs))
}

/// Trains a model on labeled articles, as ``tasnif train`` does: from files
/// (``data``) or from texts in memory (``texts`` and ``labels``).
///
/// The same data and options give the same model, byte for byte, as the
/// command line; the same texts in the same order give the same model
/// whether they come from files or from memory (``load_labeled`` reads
/// files as the command line does). Options left as ``None`` take the value
/// of ``config`` if it sets one, else the command line's default (given below
/// as of this version; ``tasnif train --help`` lists them). The
/// semi-supervised options of the command line (``--unlabeled`` and the EM
/// settings) are not here.
///
/// Args:
///     data: a directory with one sub-folder per label (``*.txt`` files), a
///         ``.csv``/``.tsv`` manifest (``path,label`` or ``text,label``,
///         optional ``id``) or a ``.jsonl`` file (``text``, ``label``,
///         optional ``id``).  (``tasnif train DATA``)
///     output: where to write the model file; not written when None.
///         (``-o``)
///     list_file: keep only the documents listed in this file, paths
///         relative to ``data``, one per line.  (``--list``; the keyword
///         ``list`` still works, with a DeprecationWarning.)
///     texts: instead of ``data``, the articles' texts (an iterable of str).
///     labels: with ``texts``, one label (str) per text.
///     ids: with ``texts``, one id (str or int) per text, named in errors
///         (default: the index).
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
///     gate_threshold: with ``none_label``, the probability of any topic an
///         article needs to get one, 0 < P < 1, or ``"auto"`` (default:
///         chosen at training on out-of-fold probabilities).
///     gate_min_terms: with ``none_label``, the fewest Arabic terms an
///         article needs for the gate to weigh it (default 3).
///     gate_name: with ``none_label``, the record key of the probability
///         of any topic (default ``"topic"``).
///     gate_refine: with ``none_label``, ``"none"`` (default) or
///         ``"perceptron"`` for the gate's weights.
///     weighting: ``"tfidf"`` (default) or ``"counts"``.
///     nb: ``"multinomial"`` (default) or ``"complement"``.
///     alpha: smoothing, > 0 (default 0.03).
///     uniform_priors: uniform class priors (multinomial NB).
///     weight_norm: Rennie's weight normalization (complement NB); alone,
///         it turns the default refinement off.
///     refine: ``"perceptron"`` (default) or ``"none"``: refine the naive
///         Bayes weights (of the model, or of a gated model's topic stage)
///         with an averaged perceptron that scores each training article
///         leave-one-out, when every label has at least
///         ``refine_min_docs`` articles.
///     refine_epochs, refine_margin, refine_step, refine_balance,
///         refine_seed, refine_min_docs: the perceptron's passes (>= 1,
///         default 3), margin (>= 0, default 5), step (> 0, default 1),
///         class-balance exponent (>= 0, default 0.25), seed (default 0) and
///         least articles per label (default 150; 0 always refines), as
///         ``--refine-epochs`` and the others.
///     sublinear_tf: replace tf by 1 + ln(tf) (default False).
///     l2_norm: scale vectors to unit length (default True).
///     keep_teh_marbuta: keep ة distinct from ه (folded by default).
///     encoding: of the article files and manifests: ``"auto"`` (default:
///         byte-order mark, else UTF-8, else Windows-1256 when mostly
///         Arabic), ``"utf-8"``, ``"windows-1256"`` or ``"utf-16"``. Not
///         with ``texts``, which are str already.
///     max_bytes: largest article, in bytes (default 16 MiB; of the file,
///         or of the text's UTF-8).
///     overwrite: replace ``output`` if it exists.  (``--force``)
///     threads: worker threads (default: every core).
///
/// Returns:
///     The trained :class:`Model`.
///
/// Raises:
///     FileNotFoundError: ``data``, ``list_file`` or ``config`` does not exist.
///     FileExistsError: ``output`` exists and ``overwrite`` is False.
///     OSError: another file could not be read or written.
///     TypeError: neither ``data`` nor ``texts``, a text or label that is
///         not a str, an unknown keyword.
///     ValueError: an invalid option, malformed data, both ``data`` and
///         ``texts``, or data that cannot be trained on (one label only,
///         too few documents per label, an article without letters).
#[pyfunction]
#[pyo3(signature = (
    data = None, output = None, list_file = None, *, texts = None, labels = None, ids = None,
    config = None, stemmer = None, ngrams = None, min_df = None, max_df = None,
    max_features = None, chi2 = None, none_label = None, gate_priors = None,
    gate_threshold = None, gate_min_terms = None, gate_name = None, gate_refine = None,
    weighting = None, nb = None, alpha = None, uniform_priors = false, weight_norm = false,
    refine = None, refine_epochs = None, refine_margin = None, refine_step = None,
    refine_balance = None, refine_seed = None, refine_min_docs = None,
    sublinear_tf = None, l2_norm = None, keep_teh_marbuta = false,
    encoding = None, max_bytes = 16777216, overwrite = false, threads = None, **kwargs
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train(
    py: Python<'_>,
    data: Option<PathBuf>,
    output: Option<PathBuf>,
    list_file: Option<PathBuf>,
    texts: Option<&Bound<'_, PyAny>>,
    labels: Option<&Bound<'_, PyAny>>,
    ids: Option<&Bound<'_, PyAny>>,
    config: Option<PathBuf>,
    stemmer: Option<String>,
    ngrams: Option<i64>,
    min_df: Option<i64>,
    max_df: Option<f64>,
    max_features: Option<i64>,
    chi2: Option<&Bound<'_, PyAny>>,
    none_label: Option<String>,
    gate_priors: Option<String>,
    gate_threshold: Option<&Bound<'_, PyAny>>,
    gate_min_terms: Option<i64>,
    gate_name: Option<String>,
    gate_refine: Option<String>,
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
    sublinear_tf: Option<bool>,
    l2_norm: Option<bool>,
    keep_teh_marbuta: bool,
    encoding: Option<String>,
    max_bytes: u64,
    overwrite: bool,
    threads: Option<i64>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<Model> {
    let list_file = deprecated_list(py, kwargs, list_file)?;
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
    let gate_threshold = match gate_threshold.filter(|t| !t.is_none()) {
        None => None,
        Some(t) if t.extract::<String>().is_ok_and(|s| s == "auto") => Some(None),
        Some(t) => Some(Some(t.extract::<f64>().map_err(|_| {
            PyValueError::new_err(format!(
                "gate_threshold must be a probability or \"auto\", got {}",
                t.repr().map_or_else(|_| "?".into(), |r| r.to_string())
            ))
        })?)),
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
        gate_threshold,
        gate_min_terms: gate_min_terms
            .map(|n| count("gate_min_terms", n, 0))
            .transpose()?,
        gate_name,
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
    };
    let p = overrides.params(config.as_deref()).map_err(py_err)?;
    let source = match (data, texts) {
        (Some(_), Some(_)) => {
            return Err(PyValueError::new_err(
                "give data (files) or texts and labels, not both",
            ))
        }
        (Some(data), None) => {
            if labels.is_some() || ids.is_some() {
                return Err(PyValueError::new_err(
                    "labels and ids go with texts; with data, the labels come from the files",
                ));
            }
            TrainData::Files {
                data,
                list: list_file,
            }
        }
        (None, Some(texts)) => {
            let Some(labels) = labels else {
                return Err(PyValueError::new_err(
                    "texts needs labels: one label per text",
                ));
            };
            if list_file.is_some() {
                return Err(PyValueError::new_err(
                    "list_file chooses files of data; with texts, pass only the texts to train on",
                ));
            }
            if encoding.is_some() {
                return Err(PyValueError::new_err(
                    "encoding applies to files; texts are str already",
                ));
            }
            TrainData::Texts(texts_data(texts, labels, ids)?)
        }
        (None, None) => {
            return Err(PyTypeError::new_err(
                "train() needs data (a folder or manifest) or texts and labels",
            ))
        }
    };
    if let Some(out) = &output {
        if !overwrite && out.exists() {
            return Err(py_err(tasnif::Error::at(out, ErrorKind::OutputExists)));
        }
    }
    let read = ReadOptions {
        max_bytes,
        encoding: encoding_arg(encoding.as_deref())?,
    };
    let threads = threads_arg(threads)?;
    let inner = py.detach(|| -> PyResult<Classifier> {
        let pool = pool(threads)?;
        pool.install(|| {
            let data = match source {
                TrainData::Files { data, list } => {
                    load_labeled(&data, list.as_deref(), read.encoding)?
                }
                TrainData::Texts(data) => data,
            };
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

/// Reads labeled articles as ``tasnif train`` and ``tasnif eval`` read them,
/// in their order, with their texts decoded as they decode them.
///
/// ``tasnif.train(texts=texts, labels=labels)`` on what this returns gives
/// the model ``tasnif.train(data, list_file=...)`` gives, byte for byte.
///
/// Args:
///     data: a directory with one sub-folder per label, a ``.csv``/``.tsv``
///         manifest or a ``.jsonl`` file (as for :func:`train`).
///     list_file: keep only the documents listed in this file.
///     encoding: of the files (``"auto"``, ``"utf-8"``, ``"windows-1256"``,
///         ``"utf-16"``).
///     max_bytes: largest article, in bytes.
///     threads: worker threads reading the files (default: every core).
///
/// Returns:
///     ``(ids, texts, labels)``: three lists of str.
///
/// Raises:
///     FileNotFoundError, OSError, ValueError: as :func:`train` for its data;
///         an article that cannot be read is named.
#[pyfunction]
#[pyo3(name = "load_labeled", signature = (data, list_file = None, *, encoding = None, max_bytes = 16777216, threads = None))]
pub(crate) fn load_labeled_texts(
    py: Python<'_>,
    data: PathBuf,
    list_file: Option<PathBuf>,
    encoding: Option<String>,
    max_bytes: u64,
    threads: Option<i64>,
) -> PyResult<(Vec<String>, Vec<String>, Vec<String>)> {
    let read = ReadOptions {
        max_bytes,
        encoding: encoding_arg(encoding.as_deref())?,
    };
    let threads = threads_arg(threads)?;
    py.detach(|| -> PyResult<_> {
        let pool = pool(threads)?;
        pool.install(|| {
            let data = load_labeled(&data, list_file.as_deref(), read.encoding)?;
            let texts = data
                .items
                .par_iter()
                .map(|item| item.text(&read).map(|t| t.into_owned()))
                .collect::<tasnif::Result<Vec<String>>>()?;
            let labels = data
                .targets
                .iter()
                .map(|&t| data.labels.name(t).to_string())
                .collect();
            let ids = data.items.into_iter().map(|i| i.id).collect();
            Ok((ids, texts, labels))
        })
        .map_err(py_err)
    })
}

/// Reads one article file as the command line reads it: the encoding
/// (``"auto"``: byte-order mark, else UTF-8, else Windows-1256 when mostly
/// Arabic) decoded, a byte-order mark dropped.
///
/// Raises:
///     FileNotFoundError: the file does not exist.
///     OSError: it cannot be read.
///     ValueError: it is not text in the encoding, has no letter or digit,
///         or is over ``max_bytes``.
#[pyfunction]
#[pyo3(signature = (path, *, encoding = None, max_bytes = 16777216))]
pub(crate) fn read_text(
    py: Python<'_>,
    path: PathBuf,
    encoding: Option<String>,
    max_bytes: u64,
) -> PyResult<String> {
    let read = ReadOptions {
        max_bytes,
        encoding: encoding_arg(encoding.as_deref())?,
    };
    py.detach(|| lib_read_text(Path::new(&path), &read).map(|t| t.text.into_owned()))
        .map_err(py_err)
}

/// The fold (0..n_splits) of each document, as ``tasnif eval --cv
/// n_splits --seed seed`` deals the same labels in the same order: each
/// label's documents shuffled with the seed and dealt in turn.
///
/// Raises ValueError for fewer than 2 folds, or a label with fewer documents
/// than folds.
#[pyfunction]
#[pyo3(signature = (labels, n_splits = 5, seed = 42))]
pub(crate) fn stratified_folds(
    labels: &Bound<'_, PyAny>,
    n_splits: i64,
    seed: u64,
) -> PyResult<Vec<usize>> {
    let labels = read_strings("labels", labels)?;
    let k = count("n_splits", n_splits, 0)?;
    // The folds depend on the labels alone; the items are placeholders.
    let data = LabeledData::from_pairs(
        labels
            .into_iter()
            .map(|l| {
                let item = Item {
                    id: String::new(),
                    source: Source::Text(String::new()),
                };
                (item, l)
            })
            .collect(),
    );
    Folds::Stratified { k, seed }
        .assign(&data)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The defaults of ``tasnif train`` (``TrainParams::new``), under the names
/// of :func:`train`'s keywords: the defaults of
/// ``tasnif.sklearn.TasnifClassifier``'s parameters, read from the library
/// so that they cannot drift from it. The gate's settings and ``refine``,
/// whose defaults depend on other settings, are not here.
#[pyfunction]
pub(crate) fn train_defaults<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let p = tasnif::train::TrainParams::new().check().map_err(py_err)?;
    let nb = p.nb();
    let v = &p.vectorizer;
    let r = &p.refine;
    let d = PyDict::new(py);
    d.set_item("stemmer", p.analyzer.stemmer.to_string())?;
    d.set_item("ngrams", v.ngram_max)?;
    d.set_item("min_df", v.min_df)?;
    d.set_item("max_df", v.max_df)?;
    d.set_item("max_features", v.max_features)?;
    match p.chi2_features {
        Some(k) => d.set_item("chi2", k)?,
        None => d.set_item("chi2", "all")?,
    }
    d.set_item("weighting", v.weighting.to_string())?;
    d.set_item("nb", nb.kind().to_string())?;
    d.set_item("alpha", nb.alpha())?;
    d.set_item("uniform_priors", nb.priors() == Priors::Uniform)?;
    d.set_item("weight_norm", nb.weight_norm())?;
    d.set_item("refine_epochs", r.epochs)?;
    d.set_item("refine_margin", r.margin)?;
    d.set_item("refine_step", r.step)?;
    d.set_item("refine_balance", r.balance)?;
    d.set_item("refine_seed", r.seed)?;
    d.set_item("refine_min_docs", r.min_docs)?;
    d.set_item("sublinear_tf", v.sublinear_tf)?;
    d.set_item("l2_norm", v.l2_norm)?;
    d.set_item("keep_teh_marbuta", !p.analyzer.normalize.fold_teh_marbuta)?;
    Ok(d)
}
