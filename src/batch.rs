//! Labeling many documents in parallel, in bounded chunks, with results
//! handed back in input order.
//!
//! Each document is read, analyzed and scored on its own (one scratch buffer
//! per worker), so its result never depends on the other documents or on the
//! number of threads.

use rayon::prelude::*;

use crate::corpus::Item;
use crate::error::Error;
use crate::model::{Classifier, PredictOptions, PredictScratch, Prediction};

/// Documents scored per parallel step: bounds memory (texts and results of
/// one chunk at a time) while keeping every worker busy.
pub const CHUNK: usize = 512;

/// Options of a labeling run.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// What each prediction includes.
    pub predict: PredictOptions,
    /// Largest document read, in bytes.
    pub max_bytes: u64,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            predict: PredictOptions::default(),
            max_bytes: crate::corpus::DEFAULT_MAX_BYTES,
        }
    }
}

/// Labels `items` on the current rayon pool and calls `sink` with each item
/// and its result, in input order. Stops early when `sink` returns an error
/// (for example a closed output pipe) and returns that error.
///
/// # Errors
/// Only the errors of `sink`; a document that cannot be read or decoded is
/// passed to `sink` as an `Err` and the batch goes on.
pub fn label_items<E, F>(
    model: &Classifier,
    items: &[Item],
    opts: &BatchOptions,
    mut sink: F,
) -> Result<(), E>
where
    F: FnMut(&Item, Result<Prediction, Error>) -> Result<(), E>,
{
    for chunk in items.chunks(CHUNK) {
        let results: Vec<Result<Prediction, Error>> = chunk
            .par_iter()
            .map_init(PredictScratch::default, |scratch, item| {
                let text = item.text(opts.max_bytes)?;
                Ok(model.predict(&text, scratch, &opts.predict))
            })
            .collect();
        for (item, r) in chunk.iter().zip(results) {
            sink(item, r)?;
        }
    }
    Ok(())
}
