//! Labeling a stream of documents in parallel with bounded memory, results
//! handed back in input order.
//!
//! Three stages joined by bounded queues: a reader thread pulls items from
//! the input (paths, or JSON lines of standard input) in chunks; the calling
//! thread scores each chunk on the current rayon pool (each worker reads,
//! analyzes and scores its documents with its own scratch buffers); a writer
//! thread hands the results to the sink, in order, while the next chunk is
//! scored. At most `QUEUE` chunks wait on each side, so memory does not grow
//! with the number of documents. A document's result depends on its text
//! alone, never on the other documents or on the number of threads.
//!
//! [`label_stream`] waits for a full chunk (or the end of the input) before
//! scoring it: right for files. [`label_stream_live`] scores whatever has
//! arrived as soon as the reader would wait, and tells the sink when
//! nothing more is ready, so a program that writes one article to a pipe
//! and waits for its record gets it (a co-process); when the input comes
//! faster than it is scored, its chunks fill up as the other's do.

use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

use crate::corpus::{Item, ReadOptions, Source, Text, TextEncoding};
use crate::error::{Error, ErrorKind};
use crate::model::{Classifier, PredictOptions, PredictScratch, Prediction};

/// Documents scored per parallel step, at most.
pub const CHUNK: usize = 256;
/// Bytes of inline text (JSON lines of standard input) per parallel step: a
/// chunk is closed when its texts reach this many bytes, even with fewer
/// than [`CHUNK`] documents, so it holds at most this plus one text (news
/// articles of a few KB fill [`CHUNK`] first). With
/// at most `2 * QUEUE + 3` chunks alive (waiting, being scored, being
/// written, being filled), inline texts take at most about
/// 7 × (`CHUNK_BYTES` + the largest text) of memory, not 7 × 256 texts
/// ([`label_stream_live`]: one more such amount on its way to the chunker).
pub const CHUNK_BYTES: usize = 4 << 20;
/// Chunks waiting between two stages.
const QUEUE: usize = 2;
/// The most worker threads a labeling or training run may ask for (`-j`,
/// Python's `threads=`): far more than any machine has cores, few enough
/// that asking for them cannot exhaust the process's threads or memory.
pub const MAX_THREADS: usize = 256;

/// Options of a labeling run.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchOptions {
    /// What each prediction includes.
    pub predict: PredictOptions,
    /// How documents are read (size limit, encoding).
    pub read: ReadOptions,
}

/// One document's result: its prediction and the encoding of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Labeled {
    /// The prediction.
    pub prediction: Prediction,
    /// The encoding the document was read with.
    pub encoding: TextEncoding,
}

/// Labels `items` on the current rayon pool and calls `sink` with each item
/// and its rendered result, in input order (see the module documentation).
/// `render` runs on the workers, in parallel (e.g. formatting a record), so
/// the single writer thread only hands the results on. Stops early when
/// `sink` returns an error (for example a closed output pipe) and returns it.
///
/// # Errors
/// Only the errors of `sink`; a document that cannot be read or decoded is
/// rendered from an `Err` and the batch goes on.
pub fn label_stream<I, R, E, G, F>(
    model: &Classifier,
    items: I,
    opts: &BatchOptions,
    render: G,
    mut sink: F,
) -> Result<(), E>
where
    I: IntoIterator<Item = Item>,
    I::IntoIter: Send,
    R: Send,
    E: Send,
    G: Fn(&Item, Result<Labeled, Error>) -> R + Sync,
    F: FnMut(&Item, R) -> Result<(), E> + Send,
{
    run(
        model,
        items,
        opts,
        render,
        false,
        |r: Option<(&Item, R)>| match r {
            Some((item, r)) => sink(item, r),
            None => Ok(()),
        },
    )
}

/// [`label_stream`] for input that arrives while it is labeled (standard
/// input from another program): a chunk is scored as soon as the reader has
/// no further item ready, rather than when [`CHUNK`] items have arrived,
/// and `sink(None)` is called whenever every result so far has been handed
/// over and no other is ready, which is when to flush the output. Results
/// come as `Some((item, result))`, in input order.
///
/// # Errors
/// Only the errors of `sink`, as for [`label_stream`].
pub fn label_stream_live<I, R, E, G, F>(
    model: &Classifier,
    items: I,
    opts: &BatchOptions,
    render: G,
    sink: F,
) -> Result<(), E>
where
    I: IntoIterator<Item = Item>,
    I::IntoIter: Send,
    R: Send,
    E: Send,
    G: Fn(&Item, Result<Labeled, Error>) -> R + Sync,
    F: FnMut(Option<(&Item, R)>) -> Result<(), E> + Send,
{
    run(model, items, opts, render, true, sink)
}

/// The three stages of [`label_stream`] and [`label_stream_live`].
fn run<I, R, E, G, F>(
    model: &Classifier,
    items: I,
    opts: &BatchOptions,
    render: G,
    live: bool,
    mut sink: F,
) -> Result<(), E>
where
    I: IntoIterator<Item = Item>,
    I::IntoIter: Send,
    R: Send,
    E: Send,
    G: Fn(&Item, Result<Labeled, Error>) -> R + Sync,
    F: FnMut(Option<(&Item, R)>) -> Result<(), E> + Send,
{
    let items = items.into_iter();
    let budget = Budget::default();
    std::thread::scope(|s| {
        let (in_tx, in_rx) = sync_channel::<Vec<Item>>(QUEUE);
        let (out_tx, out_rx) = sync_channel::<(Vec<Item>, Vec<R>)>(QUEUE);
        if live {
            // One item at a time to a chunker that never waits for a second;
            // the items between them hold at most CHUNK_BYTES of inline text
            // (or one larger text), so that memory stays bounded as it does
            // for label_stream.
            let (item_tx, item_rx) = sync_channel::<Item>(CHUNK);
            let budget = &budget;
            s.spawn(move || {
                for item in items {
                    if !budget.take(inline_len(&item)) || item_tx.send(item).is_err() {
                        break;
                    }
                }
            });
            s.spawn(move || {
                let _close = budget.closer();
                while let Ok(first) = item_rx.recv() {
                    let mut bytes = inline_len(&first);
                    budget.give(bytes);
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(first);
                    while chunk.len() < CHUNK && bytes < CHUNK_BYTES {
                        match item_rx.try_recv() {
                            Ok(item) => {
                                let n = inline_len(&item);
                                budget.give(n);
                                bytes += n;
                                chunk.push(item);
                            }
                            Err(_) => break,
                        }
                    }
                    if in_tx.send(chunk).is_err() {
                        break;
                    }
                }
            });
        } else {
            s.spawn(move || {
                let mut items = items;
                loop {
                    let chunk = next_chunk(&mut items);
                    if chunk.is_empty() || in_tx.send(chunk).is_err() {
                        break;
                    }
                }
            });
        }
        let writer = s.spawn(move || -> Result<(), E> {
            let mut next = out_rx.recv().ok();
            while let Some((chunk, results)) = next {
                for (item, r) in chunk.iter().zip(results) {
                    sink(Some((item, r)))?;
                }
                next = match out_rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(_) => {
                        sink(None)?; // nothing else ready: time to flush
                        out_rx.recv().ok()
                    }
                };
            }
            Ok(())
        });
        for chunk in in_rx {
            let results: Vec<R> = label_items(model, &chunk, opts, &render);
            if out_tx.send((chunk, results)).is_err() {
                break; // the writer stopped on an error
            }
        }
        drop(out_tx);
        writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Bytes of inline text an item holds (0 for a path: a file is read by the
/// worker that scores it).
fn inline_len(item: &Item) -> usize {
    match &item.source {
        Source::Text(t) => t.len(),
        _ => 0,
    }
}

/// Bytes of inline text sent to the live chunker and not yet taken by it.
#[derive(Default)]
struct Budget {
    /// The bytes in flight, and whether the chunker has stopped.
    state: std::sync::Mutex<(usize, bool)>,
    changed: std::sync::Condvar,
}

impl Budget {
    /// Waits until `n` more bytes fit in [`CHUNK_BYTES`] (or nothing is in
    /// flight), then counts them; false when the chunker has stopped.
    fn take(&self, n: usize) -> bool {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while g.0 > 0 && g.0 + n > CHUNK_BYTES && !g.1 {
            g = self.changed.wait(g).unwrap_or_else(|p| p.into_inner());
        }
        g.0 += n;
        !g.1
    }

    /// The chunker took `n` bytes.
    fn give(&self, n: usize) {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.0 = g.0.saturating_sub(n);
        self.changed.notify_all();
    }

    /// Marks the chunker stopped when dropped (a waiting reader then ends).
    fn closer(&self) -> BudgetClose<'_> {
        BudgetClose(self)
    }
}

/// See [`Budget::closer`].
struct BudgetClose<'a>(&'a Budget);

impl Drop for BudgetClose<'_> {
    fn drop(&mut self) {
        let mut g = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        g.1 = true;
        self.0.changed.notify_all();
    }
}

/// The next chunk of `items`: up to [`CHUNK`] items, fewer when their
/// inline texts reach [`CHUNK_BYTES`].
fn next_chunk(items: &mut impl Iterator<Item = Item>) -> Vec<Item> {
    let mut chunk = Vec::new();
    let mut bytes = 0usize;
    while chunk.len() < CHUNK && bytes < CHUNK_BYTES {
        let Some(item) = items.next() else { break };
        if let Source::Text(t) = &item.source {
            bytes += t.len();
        }
        chunk.push(item);
    }
    chunk
}

/// Labels documents already in memory (texts handed over by another
/// program, say) on the current rayon pool: each worker reads and scores
/// its documents with its own scratch buffers and renders each result with
/// `render`. Returns one rendered result per item, in input order; a result
/// depends on its item alone, never on the other items or on the number of
/// threads, and equals what [`label_stream`] gives for the same item.
///
/// ```
/// use tasnif::batch::{label_items, BatchOptions};
/// use tasnif::corpus::{Item, Source};
/// use tasnif::model::Classifier;
/// let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
/// let items = vec![
///     Item { id: "a".into(), source: Source::Text("تسريب بيانات ملايين المستخدمين".into()) },
///     Item { id: "b".into(), source: Source::Text("   ".into()) },
/// ];
/// let labels = label_items(&model, &items, &BatchOptions::default(), |_, r| {
///     r.map(|l| model.labels().name(l.prediction.label).to_string())
/// });
/// assert!(labels[0].is_ok());
/// // for a gated model (the bundled one), a text without letters or digits is none
/// assert_eq!(labels[1].as_deref().ok(), Some("none"));
/// # Ok::<(), tasnif::Error>(())
/// ```
///
/// A document that cannot be read gives an `Err` result. So does a text
/// with no letter or digit, except for a gated model: "nothing about any
/// topic" is then an answer, the none label (see
/// [`Classifier::predict`]).
pub fn label_items<R, G>(
    model: &Classifier,
    items: &[Item],
    opts: &BatchOptions,
    render: G,
) -> Vec<R>
where
    R: Send,
    G: Fn(&Item, Result<Labeled, Error>) -> R + Sync,
{
    items
        .par_iter()
        .map_init(PredictScratch::default, |scratch, item| {
            render(item, label_one(model, item, opts, scratch))
        })
        .collect()
}

/// Labels one text held in memory without copying it (a string of an Arrow
/// buffer, say): the same result as [`label_items`] gives for an [`Item`]
/// with this `id` whose source is that text ([`crate::corpus::Source::Text`]).
/// `scratch` is the calling worker's own.
///
/// ```
/// use tasnif::batch::{label_text, BatchOptions};
/// use tasnif::model::{Classifier, PredictScratch};
/// let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
/// let mut scratch = PredictScratch::default();
/// let r = label_text(&model, "a", "تسريب بيانات ملايين المستخدمين", &BatchOptions::default(), &mut scratch)?;
/// assert!(r.prediction.probability > 0.0);
/// # Ok::<(), tasnif::Error>(())
/// ```
///
/// # Errors
/// The text is over the size limit, or (for a model without a gate) has
/// no letter or digit; the error names `id`.
pub fn label_text(
    model: &Classifier,
    id: &str,
    text: &str,
    opts: &BatchOptions,
    scratch: &mut PredictScratch,
) -> Result<Labeled, Error> {
    labeled(
        model,
        crate::corpus::inline_text(id, text, &opts.read),
        scratch,
        opts,
    )
}

/// Labels one document on the calling thread with the scratch buffers
/// `scratch`: the result [`label_items`] gives for it (which calls this on
/// each of its workers). For a caller that already runs in parallel (a
/// request of a server, say) and would gain nothing from another thread.
///
/// # Errors
/// The document cannot be read, or (for a model without a gate) has no
/// letter or digit.
pub fn label_one(
    model: &Classifier,
    item: &Item,
    opts: &BatchOptions,
    scratch: &mut PredictScratch,
) -> Result<Labeled, Error> {
    labeled(model, item.read(&opts.read), scratch, opts)
}

/// The result of a document read as `read`: its prediction; for a gated
/// model, a document with no letter or digit is the none label.
fn labeled(
    model: &Classifier,
    read: Result<Text<'_>, Error>,
    scratch: &mut PredictScratch,
    opts: &BatchOptions,
) -> Result<Labeled, Error> {
    match read {
        Ok(t) => Ok(Labeled {
            prediction: model.predict(&t.text, scratch, &opts.predict),
            encoding: t.encoding,
        }),
        Err(e) if matches!(e.kind(), ErrorKind::Empty) && model.gate().is_some() => Ok(Labeled {
            prediction: model.predict("", scratch, &opts.predict),
            encoding: TextEncoding::Utf8,
        }),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Source;
    use crate::train::{train, TrainParams};

    /// A one-stage model trained on a few made-up articles.
    fn flat_model() -> Classifier {
        let words = [
            ("economy", "البنك الأسعار التضخم النفط الاستثمار"),
            ("sports", "المباراة الفريق الهدف الدوري اللاعب"),
        ];
        let pairs = (0..8)
            .map(|i| {
                let (label, text) = words[i % 2];
                let item = Item {
                    id: format!("d{i}"),
                    source: Source::Text(format!("{text} {i}")),
                };
                (item, label.to_string())
            })
            .collect();
        let data = crate::corpus::LabeledData::from_pairs(pairs);
        train(&data, &TrainParams::new(), &ReadOptions::default()).expect("trains")
    }

    #[test]
    fn a_borrowed_text_gets_the_result_of_an_item_with_that_text() {
        let texts = [
            "تسريب بيانات ملايين المستخدمين بعد اختراق",
            "المباراة الفريق الهدف",
            " ... ",
            "",
            "البنك الأسعار والمباراة",
        ];
        let models = [
            Classifier::from_bytes(crate::DEFAULT_MODEL).expect("bundled"),
            flat_model(),
        ];
        let small = BatchOptions {
            predict: PredictOptions {
                top_k: 2,
                explain: 3,
                gate_threshold: None,
            },
            read: ReadOptions {
                max_bytes: 30,
                ..ReadOptions::default()
            },
        };
        for model in &models {
            for opts in [BatchOptions::default(), small] {
                let items: Vec<Item> = texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| Item {
                        id: format!("t{i}"),
                        source: Source::Text(t.to_string()),
                    })
                    .collect();
                let want = label_items(model, &items, &opts, |_, r| r);
                let mut scratch = PredictScratch::default();
                let got: Vec<Result<Labeled, Error>> = items
                    .iter()
                    .zip(texts)
                    .map(|(item, t)| label_text(model, &item.id, t, &opts, &mut scratch))
                    .collect();
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    match (g, w) {
                        (Ok(g), Ok(w)) => assert_eq!(g, w),
                        (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
                        _ => panic!("different outcomes: {g:?} and {w:?}"),
                    }
                }
            }
            // blank texts are errors for the one-stage model, none for the gated one
            let blank = label_text(
                model,
                "b",
                " ... ",
                &BatchOptions::default(),
                &mut PredictScratch::default(),
            );
            assert_eq!(blank.is_ok(), model.gate().is_some());
        }
        // the size limit names the text's id
        let e = label_text(
            &models[0],
            "long",
            texts[0],
            &small,
            &mut PredictScratch::default(),
        )
        .expect_err("over 30 bytes");
        assert!(e.to_string().starts_with("long: "), "{e}");
    }
}
