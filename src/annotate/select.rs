//! Which article to label next: a model of the labels so far
//! ([`PoolModel`], fitted through [`crate::train::TrainingSet`]) and the
//! strategies that rank the pool with it ([`Strategy`]), after a diverse
//! seed set while some label still has fewer than two articles.
//!
//! The choice depends only on the pool, the labels so far, the strategy
//! and the seed: never on earlier calls. So a person who asks for the next
//! articles one command at a time gets what a simulation of the same
//! labels gets in one process (see [`super::simulate`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::pool::Pool;
use crate::error::{Error, Result};
use crate::labels::{LabelId, LabelSet};
use crate::model::{Classifier, PredictOptions, Prediction};
use crate::train::em::EmParams;
use crate::train::folds::SplitMix64;
use crate::train::{FoldBuffers, FoldFit};

/// How the next articles are ranked once a model can be trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Strategy {
    /// Least confidence: 1 − the probability of the most probable label.
    Uncertainty,
    /// Smallest margin: 1 − (p₁ − p₂), the two most probable labels.
    Margin,
    /// Entropy of the label probabilities, −Σ p·ln p.
    Entropy,
    /// Query by committee with density weighting (McCallum and Nigam
    /// 1998): three models, each fitted on a seeded three-quarter sample
    /// of every label's articles; an article's disagreement (the mean
    /// Kullback–Leibler divergence of each member's probabilities from
    /// their mean) times its density (its mean cosine similarity to the
    /// pool).
    Committee,
    /// Uniformly at random (a fixed seeded order of the pool), from the
    /// first article on: the baseline the others are measured against.
    Random,
}

impl Strategy {
    /// Every strategy, the baseline last.
    pub const ALL: [Strategy; 5] = [
        Strategy::Uncertainty,
        Strategy::Margin,
        Strategy::Entropy,
        Strategy::Committee,
        Strategy::Random,
    ];

    /// The strategy's name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Uncertainty => "uncertainty",
            Strategy::Margin => "margin",
            Strategy::Entropy => "entropy",
            Strategy::Committee => "committee",
            Strategy::Random => "random",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Strategy> {
        Strategy::ALL
            .into_iter()
            .find(|k| k.name() == s.trim())
            .ok_or_else(|| {
                Error::param(
                    "strategy",
                    format!("'{s}' (expected uncertainty, margin, entropy, committee or random)"),
                )
            })
    }
}

/// Members of the committee of [`Strategy::Committee`].
const COMMITTEE: usize = 3;

/// The seed phase ends, even if a label still lacks two articles, once
/// this many articles per declared label are labeled and a model can be
/// trained: a label no seed has found should not hold back the strategy.
const SEED_PHASE_PER_LABEL: usize = 5;

/// Labeled articles per declared label below which a label is still looked
/// for by the seed phase.
pub const SEED_MIN_PER_LABEL: usize = 2;

/// A model of the labels so far, able to score every article of its pool.
pub struct PoolModel {
    main: FoldFit,
    committee: Vec<FoldFit>,
    trained_on: usize,
}

impl PoolModel {
    /// Fits a model on the labeled candidates `labeled` (candidate, label
    /// name), in pool order whatever the order given, over the labels that
    /// have at least `min_docs_per_label` articles (the articles of the
    /// others are left out). With `committee`, also the members of
    /// [`Strategy::Committee`], drawn with `seed`. With `em`, the main
    /// model is trained with EM on every other usable candidate.
    ///
    /// `None` when fewer than two labels have enough articles.
    ///
    /// # Errors
    /// A candidate out of range, or a failed fit.
    pub fn fit(
        pool: &Pool,
        labeled: &[(usize, String)],
        committee: bool,
        em: Option<&EmParams>,
        seed: u64,
    ) -> Result<Option<PoolModel>> {
        let params = pool.params();
        let min = params.min_docs_per_label.max(1);
        let mut per_label: BTreeMap<&str, usize> = BTreeMap::new();
        for (d, l) in labeled {
            if *d >= pool.len() {
                return Err(Error::param(
                    "labeled",
                    format!("article {d} is not in the pool of {}", pool.len()),
                ));
            }
            *per_label.entry(l.as_str()).or_default() += 1;
        }
        let names: Vec<&str> = per_label
            .iter()
            .filter(|(_, &n)| n >= min)
            .map(|(&l, _)| l)
            .collect();
        if names.len() < 2 {
            return Ok(None);
        }
        let labels = LabelSet::from_names(&names);
        let mut docs: Vec<(usize, LabelId)> = labeled
            .iter()
            .filter_map(|(d, l)| labels.id(l).map(|id| (*d, id)))
            .collect();
        docs.sort_unstable();
        docs.dedup_by_key(|(d, _)| *d);
        let set = pool.set();
        let mut targets = vec![LabelId::default(); set.counted().len()];
        for &(d, l) in &docs {
            targets[d] = l;
        }
        let train: Vec<usize> = docs.iter().map(|&(d, _)| d).collect();
        let main = match em {
            None => set.fit_relabeled(&targets, &labels, &train, params)?,
            Some(em) => {
                let mut is_train = vec![false; pool.len()];
                for &d in &train {
                    is_train[d] = true;
                }
                let unlabeled: Vec<usize> = (0..pool.len())
                    .filter(|&d| pool.usable(d) && !is_train[d])
                    .collect();
                let y: Vec<LabelId> = docs.iter().map(|&(_, l)| l).collect();
                let (model, map, _) = crate::train::em::train_counted(
                    set.counted(),
                    &labels,
                    &train,
                    &y,
                    &unlabeled,
                    params,
                    em,
                    |_| {},
                )?;
                FoldFit::flat(model, map, params.vectorizer.clone())
            }
        };
        let mut members = Vec::new();
        if committee {
            for m in 0..COMMITTEE {
                let mut rng = SplitMix64(
                    seed ^ (m as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        ^ (train.len() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
                );
                let mut sample = Vec::with_capacity(train.len());
                for l in labels.ids() {
                    let mut of: Vec<usize> =
                        docs.iter().filter(|d| d.1 == l).map(|d| d.0).collect();
                    let keep = (of.len() * 3).div_ceil(4).max(min).min(of.len());
                    for i in (1..of.len()).rev() {
                        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                        of.swap(i, j);
                    }
                    sample.extend_from_slice(&of[..keep]);
                }
                sample.sort_unstable();
                members.push(set.fit_relabeled(&targets, &labels, &sample, params)?);
            }
        }
        Ok(Some(PoolModel {
            main,
            committee: members,
            trained_on: train.len(),
        }))
    }

    /// The fitted model.
    pub fn model(&self) -> &Classifier {
        self.main.model()
    }

    /// The fitted model, for keeps.
    pub fn into_model(self) -> Classifier {
        self.main.into_model()
    }

    /// Labeled articles the model was trained on.
    pub fn trained_on(&self) -> usize {
        self.trained_on
    }

    /// The labels the model knows.
    pub fn labels(&self) -> &LabelSet {
        self.main.model().labels()
    }

    /// Document `doc` of the pool (a candidate or a held-out document) as
    /// the model labels it.
    pub fn predict(
        &self,
        pool: &Pool,
        doc: usize,
        buffers: &mut FoldBuffers,
        opts: &PredictOptions,
    ) -> Prediction {
        self.main.predict(pool.set(), doc, buffers, opts)
    }
}

/// Why an article was offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "label")]
pub enum Reason {
    /// It holds the seed terms of a label that still needs articles.
    Keyword(String),
    /// It is central in a group of the pool's clustering.
    Cluster,
    /// The strategy ranked it.
    Strategy(Strategy),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Keyword(l) => write!(f, "keyword seed ({l})"),
            Reason::Cluster => f.write_str("cluster seed"),
            Reason::Strategy(s) => write!(f, "{s}"),
        }
    }
}

/// One article offered for labeling.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// The candidate.
    pub doc: usize,
    /// The model's label for it (`None` before a model can be trained;
    /// for a keyword seed without a model, the keyword's label).
    pub label: Option<String>,
    /// The model's probability of that label.
    pub probability: Option<f64>,
    /// The figure that ranked it (higher first): the strategy's score, the
    /// cosine similarity to its cluster's centre, or the keyword weight.
    pub score: f64,
    /// Why it was offered.
    pub reason: Reason,
}

/// What to rank.
#[derive(Debug, Clone)]
pub struct NextOptions {
    /// The strategy once a model can be trained.
    pub strategy: Strategy,
    /// Seed of the clustering, the committee and the random order.
    pub seed: u64,
    /// The declared labels (the project's label set).
    pub labels: Vec<String>,
    /// Seed terms of labels, analyzed (see [`Pool::analyze`]).
    pub seed_terms: Vec<(String, Vec<String>)>,
}

/// The candidates that are not `taken` (labeled, skipped or leased), in
/// the order they should be offered, at most `n` of them.
///
/// While some declared label has fewer than [`SEED_MIN_PER_LABEL`]
/// articles (and fewer than five articles per label are labeled, or no
/// model can be trained), the seed phase offers first the articles that
/// best match the seed terms of those labels, in turn, then the articles
/// of a diverse seed set ([`Pool::diverse_order`], with twice as many
/// groups as labels). Otherwise, and to fill the batch, `model` ranks the
/// rest with the strategy. [`Strategy::Random`] has no seed phase.
pub fn rank(
    pool: &Pool,
    model: Option<&PoolModel>,
    labeled: &[(usize, String)],
    taken: &[bool],
    opts: &NextOptions,
    n: usize,
) -> Vec<Suggestion> {
    let free = |d: usize| pool.usable(d) && !taken.get(d).copied().unwrap_or(false);
    let mut picked = vec![false; pool.len()];
    let mut out: Vec<Suggestion> = Vec::new();
    let predict_opts = PredictOptions {
        top_k: 2,
        explain: 0,
        gate_threshold: None,
    };
    let suggest_label = |d: usize, fallback: Option<&str>| -> (Option<String>, Option<f64>) {
        match model {
            Some(m) => {
                let p = m.predict(pool, d, &mut FoldBuffers::default(), &predict_opts);
                (
                    Some(m.labels().name(p.label).to_string()),
                    Some(p.probability),
                )
            }
            None => (fallback.map(str::to_string), None),
        }
    };
    if opts.strategy != Strategy::Random && seed_phase(model, labeled, &opts.labels) {
        let counts = counts(labeled);
        let needy: Vec<&(String, Vec<String>)> = opts
            .seed_terms
            .iter()
            .filter(|(l, _)| counts.get(l.as_str()).copied().unwrap_or(0) < SEED_MIN_PER_LABEL)
            .collect();
        let mut lists: Vec<(String, std::vec::IntoIter<(usize, f64)>)> = needy
            .iter()
            .map(|(l, terms)| (l.clone(), pool.keyword_matches(terms).into_iter()))
            .collect();
        while out.len() < n && !lists.is_empty() {
            lists.retain_mut(|(label, it)| {
                if out.len() >= n {
                    return true;
                }
                match it.find(|&(d, _)| free(d) && !picked[d]) {
                    Some((d, s)) => {
                        picked[d] = true;
                        let (l, p) = suggest_label(d, Some(label));
                        out.push(Suggestion {
                            doc: d,
                            label: l,
                            probability: p,
                            score: s,
                            reason: Reason::Keyword(label.clone()),
                        });
                        true
                    }
                    None => false,
                }
            });
        }
        if out.len() < n {
            let k = 2 * opts.labels.len().max(1);
            for (d, s) in pool.diverse_order(k, opts.seed) {
                if out.len() >= n {
                    break;
                }
                if free(d) && !picked[d] {
                    picked[d] = true;
                    let (l, p) = suggest_label(d, None);
                    out.push(Suggestion {
                        doc: d,
                        label: l,
                        probability: p,
                        score: s,
                        reason: Reason::Cluster,
                    });
                }
            }
        }
    }
    if out.len() >= n {
        return out;
    }
    let candidates: Vec<usize> = (0..pool.len()).filter(|&d| free(d) && !picked[d]).collect();
    let mut scored: Vec<Suggestion> = match (model, opts.strategy) {
        (_, Strategy::Random) | (Some(_), _) => candidates
            .par_iter()
            .map_init(FoldBuffers::default, |buffers, &d| {
                score(pool, model, d, opts, buffers, &predict_opts)
            })
            .collect(),
        (None, _) => {
            // no model yet and the seeds are used up: the diverse order
            let mut is_candidate = vec![false; pool.len()];
            for &d in &candidates {
                is_candidate[d] = true;
            }
            let k = 2 * opts.labels.len().max(1);
            let order = pool.diverse_order(k, opts.seed);
            let len = order.len() as f64;
            order
                .into_iter()
                .enumerate()
                .filter(|(_, (d, _))| is_candidate[*d])
                .map(|(i, (d, _))| Suggestion {
                    doc: d,
                    label: None,
                    probability: None,
                    score: 1.0 - i as f64 / len,
                    reason: Reason::Cluster,
                })
                .collect()
        }
    };
    // ties (NB probabilities are often exactly 0 or 1) in the seeded
    // random order, never in pool order, which may follow the labels
    let seed = opts.seed;
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(random_key(seed, a.doc).total_cmp(&random_key(seed, b.doc)))
            .then(a.doc.cmp(&b.doc))
    });
    scored.truncate(n - out.len());
    out.extend(scored);
    out
}

/// Labeled articles per label name.
fn counts(labeled: &[(usize, String)]) -> BTreeMap<&str, usize> {
    let mut c = BTreeMap::new();
    for (_, l) in labeled {
        *c.entry(l.as_str()).or_default() += 1;
    }
    c
}

/// Whether the seed phase of [`rank`] is on.
fn seed_phase(model: Option<&PoolModel>, labeled: &[(usize, String)], labels: &[String]) -> bool {
    let c = counts(labeled);
    let lacking = labels
        .iter()
        .any(|l| c.get(l.as_str()).copied().unwrap_or(0) < SEED_MIN_PER_LABEL);
    lacking && (model.is_none() || labeled.len() < SEED_PHASE_PER_LABEL * labels.len())
}

/// A candidate's suggestion under the strategy.
fn score(
    pool: &Pool,
    model: Option<&PoolModel>,
    d: usize,
    opts: &NextOptions,
    buffers: &mut FoldBuffers,
    predict_opts: &PredictOptions,
) -> Suggestion {
    let p = model.map(|m| m.predict(pool, d, buffers, predict_opts));
    let s = match (opts.strategy, &p) {
        (Strategy::Random, _) => random_key(opts.seed, d),
        (Strategy::Uncertainty, Some(p)) => 1.0 - p.top[0].1,
        (Strategy::Margin, Some(p)) => 1.0 - (p.top[0].1 - p.top.get(1).map_or(0.0, |t| t.1)),
        (Strategy::Entropy, Some(p)) => p
            .probabilities
            .iter()
            .filter(|&&q| q > 0.0)
            .map(|&q| -q * q.ln())
            .sum(),
        (Strategy::Committee, Some(p)) => match model {
            Some(m) if !m.committee.is_empty() => {
                let votes: Vec<Vec<f64>> = m
                    .committee
                    .iter()
                    .map(|f| {
                        f.predict(pool.set(), d, buffers, predict_opts)
                            .probabilities
                    })
                    .collect();
                disagreement(&votes) * pool.density(d)
            }
            _ => 1.0 - p.top[0].1,
        },
        (_, None) => 0.0,
    };
    Suggestion {
        doc: d,
        label: match (&p, model) {
            (Some(p), Some(m)) => Some(m.labels().name(p.label).to_string()),
            _ => None,
        },
        probability: p.as_ref().map(|p| p.probability),
        score: s,
        reason: Reason::Strategy(opts.strategy),
    }
}

/// The mean Kullback–Leibler divergence of each distribution from their
/// mean (McCallum and Nigam's "KL divergence to the mean").
pub fn disagreement(votes: &[Vec<f64>]) -> f64 {
    let Some(k) = votes.first().map(Vec::len) else {
        return 0.0;
    };
    let m = votes.len() as f64;
    let mean: Vec<f64> = (0..k)
        .map(|c| votes.iter().map(|v| v[c]).sum::<f64>() / m)
        .collect();
    votes
        .iter()
        .map(|v| {
            v.iter()
                .zip(&mean)
                .filter(|(&p, &q)| p > 0.0 && q > 0.0)
                .map(|(&p, &q)| p * (p / q).ln())
                .sum::<f64>()
        })
        .sum::<f64>()
        / m
}

/// The place of candidate `d` in the random order of `seed`, in [0, 1).
fn random_key(seed: u64, d: usize) -> f64 {
    let mut rng = SplitMix64(seed ^ (d as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    super::pool::unit(&mut rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_parse_and_print_by_name() {
        for s in Strategy::ALL {
            assert_eq!(s.name().parse::<Strategy>().expect("parses"), s);
        }
        let e = "sure".parse::<Strategy>().expect_err("unknown").to_string();
        assert!(e.contains("strategy") && e.contains("'sure'"), "{e}");
    }

    #[test]
    fn disagreement_is_zero_for_agreement_and_grows_with_it() {
        let same = vec![vec![0.7, 0.3], vec![0.7, 0.3]];
        assert!(disagreement(&same).abs() < 1e-12);
        let some = vec![vec![0.6, 0.4], vec![0.4, 0.6]];
        let more = vec![vec![0.99, 0.01], vec![0.01, 0.99]];
        assert!(disagreement(&some) > 0.0);
        assert!(disagreement(&more) > disagreement(&some));
    }

    #[test]
    fn the_random_order_depends_on_the_seed_alone() {
        let a: Vec<f64> = (0..50).map(|d| random_key(7, d)).collect();
        let b: Vec<f64> = (0..50).map(|d| random_key(7, d)).collect();
        let c: Vec<f64> = (0..50).map(|d| random_key(8, d)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|x| (0.0..1.0).contains(x)));
    }
}
