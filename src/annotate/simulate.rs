//! Active learning measured: a simulated person labels the articles each
//! strategy offers, with the true labels of the data as the oracle, and a
//! model trained on the labels so far is scored on held-out articles after
//! every few labels ([`simulate`]). Every strategy, random sampling
//! included, is run from several seeds over the same pool, analyzed once.
//!
//! Each round asks [`super::select::rank`] for the next articles, exactly
//! as `tasnif annotate next` does, so the labels chosen here at a seed and
//! budget are those a person gets from the command line (see
//! [`chosen_labels`]).

use rayon::prelude::*;
use serde::Serialize;

use super::pool::Pool;
use super::select::{rank, NextOptions, PoolModel, Strategy};
use crate::corpus::{LabeledData, ReadOptions};
use crate::error::{Error, Result};
use crate::eval::curve::MeanStd;
use crate::eval::{mean_std, Report};
use crate::model::PredictOptions;
use crate::train::em::EmParams;
use crate::train::{FoldBuffers, TrainParams};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The strategies to measure; random sampling is always added as the
    /// baseline. Default: all of them.
    pub strategies: Vec<Strategy>,
    /// Labels taken before the first retraining (the seed set). Default 10; ≥ 1.
    pub start: usize,
    /// Labels between two retrainings (and two points of the curve). Default 10; ≥ 1.
    pub step: usize,
    /// Labels at the end. Default 500; ≥ `start`.
    pub budget: usize,
    /// Runs per strategy, with seeds `seed`, `seed + 1`, …. Default 5; ≥ 1.
    pub seeds: usize,
    /// The first seed. Default 42.
    pub seed: u64,
    /// Train every model with EM on the unlabeled rest of the pool.
    pub em: Option<EmParams>,
    /// The share of the all-labels macro-F1 whose cost in labels is
    /// compared. Default 0.95; in (0, 1].
    pub target_share: f64,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            strategies: Strategy::ALL.to_vec(),
            start: 10,
            step: 10,
            budget: 500,
            seeds: 5,
            seed: 42,
            em: None,
            target_share: 0.95,
        }
    }
}

impl SimOptions {
    /// The strategies in the order they are run, random last.
    pub fn strategies(&self) -> Vec<Strategy> {
        let mut s: Vec<Strategy> = self.strategies.clone();
        s.retain(|&k| k != Strategy::Random);
        s.sort();
        s.dedup();
        s.push(Strategy::Random);
        s
    }

    /// The number of labels at each point of the curve.
    pub fn sizes(&self) -> Vec<usize> {
        let mut v = Vec::new();
        let mut n = self.start;
        while n < self.budget {
            v.push(n);
            n += self.step;
        }
        v.push(self.budget);
        v
    }

    fn check(&self) -> Result<()> {
        if self.start == 0 {
            return Err(Error::param("start", "0 (expected at least 1 label)"));
        }
        if self.step == 0 {
            return Err(Error::param("step", "0 (expected at least 1 label)"));
        }
        if self.budget < self.start {
            return Err(Error::param(
                "budget",
                format!("{} (expected at least start, {})", self.budget, self.start),
            ));
        }
        if self.seeds == 0 {
            return Err(Error::param("seeds", "0 (expected at least 1 run)"));
        }
        let t = self.target_share;
        if !(t > 0.0 && t <= 1.0) {
            return Err(Error::param(
                "target_share",
                format!("{t} (expected a share in (0, 1])"),
            ));
        }
        if let Some(em) = &self.em {
            em.check()?;
        }
        Ok(())
    }
}

/// One point of a strategy's curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimPoint {
    /// Labels taken.
    pub labels: usize,
    /// Macro-F1 on the held-out articles, over the seeds.
    pub macro_f1: MeanStd,
    /// Accuracy on the held-out articles, over the seeds.
    pub accuracy: MeanStd,
    /// Each seed's macro-F1.
    pub per_seed: Vec<f64>,
}

/// A strategy's learning curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimCurve {
    /// The strategy.
    pub strategy: Strategy,
    /// One point per size.
    pub points: Vec<SimPoint>,
    /// The fewest labels at which the mean macro-F1 reaches the target
    /// (`None`: not within the budget).
    pub labels_to_target: Option<usize>,
}

/// The figures of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveLearningReport {
    /// Candidate articles (the pool).
    pub pool: usize,
    /// Held-out articles the models are scored on.
    pub test: usize,
    /// Pool articles per label.
    pub labels: Vec<(String, usize)>,
    /// The training settings, on one line.
    pub params: String,
    /// Labels before the first retraining.
    pub start: usize,
    /// Labels between retrainings.
    pub step: usize,
    /// Labels at the end.
    pub budget: usize,
    /// The seeds run.
    pub seeds: Vec<u64>,
    /// EM settings, when the models were trained with EM.
    pub em: Option<EmParams>,
    /// Macro-F1 on the held-out articles of a model trained on every pool article.
    pub all_labels_macro_f1: f64,
    /// Its accuracy.
    pub all_labels_accuracy: f64,
    /// The share of it taken as the target.
    pub target_share: f64,
    /// The target macro-F1.
    pub target: f64,
    /// One curve per strategy, random last.
    pub curves: Vec<SimCurve>,
    /// The strategy that reaches the target with the fewest labels (ties:
    /// the better final macro-F1), random excepted.
    pub best: Option<Strategy>,
    /// Labels random sampling needs divided by those the best needs
    /// (`None` when either does not reach the target within the budget).
    pub saving: Option<f64>,
}

/// One run: the labels taken, in order, and the held-out figures at each size.
struct Run {
    taken: Vec<(usize, String)>,
    f1: Vec<f64>,
    accuracy: Vec<f64>,
}

/// The pool (candidates first, then the held-out articles) and the true
/// label of each candidate.
struct Setup {
    pool: Pool,
    truth: Vec<String>,
    labels: Vec<String>,
    test_truth: Vec<String>,
}

fn setup(
    pool_data: &LabeledData,
    test: &LabeledData,
    params: &TrainParams,
    read: &ReadOptions,
) -> Result<Setup> {
    let pool = Pool::build(&pool_data.items, &test.items, params, read)?;
    if let Some((i, m)) = pool.unreadable().first() {
        return Err(Error::param(
            "data",
            format!("{}: {m}", pool_data.items[*i].id),
        ));
    }
    Ok(Setup {
        pool,
        truth: pool_data
            .targets
            .iter()
            .map(|&t| pool_data.labels.name(t).to_string())
            .collect(),
        labels: pool_data.labels.names().to_vec(),
        test_truth: test
            .targets
            .iter()
            .map(|&t| test.labels.name(t).to_string())
            .collect(),
    })
}

/// Runs one strategy from one seed.
fn run(s: &Setup, strategy: Strategy, seed: u64, opts: &SimOptions, evaluate: bool) -> Result<Run> {
    let next = NextOptions {
        strategy,
        seed,
        labels: s.labels.clone(),
        seed_terms: Vec::new(),
    };
    let n = s.pool.len();
    let mut taken: Vec<(usize, String)> = Vec::new();
    let mut is_taken = vec![false; n];
    let mut model: Option<PoolModel> = None;
    let (mut f1, mut accuracy) = (Vec::new(), Vec::new());
    for size in opts.sizes() {
        let want = size.min(n).saturating_sub(taken.len());
        for sug in rank(&s.pool, model.as_ref(), &taken, &is_taken, &next, want) {
            is_taken[sug.doc] = true;
            taken.push((sug.doc, s.truth[sug.doc].clone()));
        }
        model = PoolModel::fit(
            &s.pool,
            &taken,
            strategy == Strategy::Committee,
            opts.em.as_ref(),
            seed,
        )?;
        if evaluate {
            let (f, a) = score(s, model.as_ref());
            f1.push(f);
            accuracy.push(a);
        }
    }
    Ok(Run {
        taken,
        f1,
        accuracy,
    })
}

/// Macro-F1 and accuracy of `model` on the held-out articles (0 without a model).
fn score(s: &Setup, model: Option<&PoolModel>) -> (f64, f64) {
    let Some(m) = model else {
        return (0.0, 0.0);
    };
    let n = s.pool.len();
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
        gate_threshold: None,
    };
    let predicted: Vec<String> = (0..s.test_truth.len())
        .into_par_iter()
        .map_init(FoldBuffers::default, |b, i| {
            let p = m.predict(&s.pool, n + i, b, &opts);
            m.labels().name(p.label).to_string()
        })
        .collect();
    let r = Report::from_pairs(
        s.test_truth
            .iter()
            .map(String::as_str)
            .zip(predicted.iter().map(String::as_str)),
    );
    (r.macro_f1, r.accuracy)
}

/// Simulates active learning on `pool_data` (the candidates, whose labels
/// are the oracle), scoring on `test`, with the training settings `params`
/// (see the module documentation).
///
/// # Errors
/// Invalid options or settings, an unreadable article, or a failed fit.
pub fn simulate(
    pool_data: &LabeledData,
    test: &LabeledData,
    params: &TrainParams,
    opts: &SimOptions,
    read: &ReadOptions,
) -> Result<ActiveLearningReport> {
    opts.check()?;
    let s = setup(pool_data, test, params, read)?;
    let all: Vec<(usize, String)> = s.truth.iter().cloned().enumerate().collect();
    let full = PoolModel::fit(&s.pool, &all, false, None, opts.seed)?;
    let (all_f1, all_acc) = score(&s, full.as_ref());
    drop(full);
    let strategies = opts.strategies();
    let seeds: Vec<u64> = (0..opts.seeds as u64).map(|i| opts.seed + i).collect();
    let jobs: Vec<(Strategy, u64)> = strategies
        .iter()
        .flat_map(|&k| seeds.iter().map(move |&s| (k, s)))
        .collect();
    let runs: Vec<Run> = jobs
        .par_iter()
        .map(|&(k, seed)| run(&s, k, seed, opts, true))
        .collect::<Result<_>>()?;
    let target = opts.target_share * all_f1;
    let sizes: Vec<usize> = opts
        .sizes()
        .into_iter()
        .map(|n| n.min(s.pool.len()))
        .collect();
    let curves: Vec<SimCurve> = strategies
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let mine = &runs[i * seeds.len()..(i + 1) * seeds.len()];
            let points: Vec<SimPoint> = sizes
                .iter()
                .enumerate()
                .map(|(j, &labels)| {
                    let per_seed: Vec<f64> = mine.iter().map(|r| r.f1[j]).collect();
                    SimPoint {
                        labels,
                        macro_f1: of(per_seed.iter().copied()),
                        accuracy: of(mine.iter().map(|r| r.accuracy[j])),
                        per_seed,
                    }
                })
                .collect();
            let labels_to_target = points
                .iter()
                .find(|p| p.macro_f1.mean >= target)
                .map(|p| p.labels);
            SimCurve {
                strategy: k,
                points,
                labels_to_target,
            }
        })
        .collect();
    let (best, saving) = best_of(&curves);
    let mut labels: Vec<(String, usize)> = s.labels.iter().map(|l| (l.clone(), 0)).collect();
    for t in &pool_data.targets {
        labels[t.index()].1 += 1;
    }
    Ok(ActiveLearningReport {
        pool: s.pool.len(),
        test: test.len(),
        labels,
        params: params.describe(),
        start: opts.start,
        step: opts.step,
        budget: opts.budget,
        seeds,
        em: opts.em.clone(),
        all_labels_macro_f1: all_f1,
        all_labels_accuracy: all_acc,
        target_share: opts.target_share,
        target,
        curves,
        best,
        saving,
    })
}

fn of(values: impl IntoIterator<Item = f64>) -> MeanStd {
    let (mean, std) = mean_std(values);
    MeanStd { mean, std }
}

/// The best strategy other than random, and random's labels to the target
/// divided by its.
fn best_of(curves: &[SimCurve]) -> (Option<Strategy>, Option<f64>) {
    let last = |c: &SimCurve| c.points.last().map_or(0.0, |p| p.macro_f1.mean);
    let best = curves
        .iter()
        .filter(|c| c.strategy != Strategy::Random)
        .min_by(|a, b| {
            let key = |c: &SimCurve| c.labels_to_target.unwrap_or(usize::MAX);
            key(a)
                .cmp(&key(b))
                .then(last(b).total_cmp(&last(a)))
                .then(a.strategy.cmp(&b.strategy))
        });
    let random = curves
        .iter()
        .find(|c| c.strategy == Strategy::Random)
        .and_then(|c| c.labels_to_target);
    let saving = match (best.and_then(|b| b.labels_to_target), random) {
        (Some(b), Some(r)) if b > 0 => Some(r as f64 / b as f64),
        _ => None,
    };
    (best.map(|c| c.strategy), saving)
}

/// The labels a simulated person gives at `budget` with `strategy` and
/// `seed`: (position in `pool_data`, label), in pool order. These are the
/// labels `tasnif annotate export` writes after the same rounds of `next`
/// (`start` labels, then `step` at a time) and `add`.
///
/// # Errors
/// As [`simulate`].
pub fn chosen_labels(
    pool_data: &LabeledData,
    params: &TrainParams,
    opts: &SimOptions,
    strategy: Strategy,
    read: &ReadOptions,
) -> Result<Vec<(usize, String)>> {
    opts.check()?;
    let empty = LabeledData::from_pairs(Vec::new());
    let s = setup(pool_data, &empty, params, read)?;
    let mut taken = run(&s, strategy, opts.seed, opts, false)?.taken;
    taken.sort_unstable();
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_run_from_start_by_step_to_the_budget() {
        let o = SimOptions {
            start: 10,
            step: 20,
            budget: 55,
            ..SimOptions::default()
        };
        assert_eq!(o.sizes(), [10, 30, 50, 55]);
        let o = SimOptions {
            start: 10,
            step: 10,
            budget: 10,
            ..SimOptions::default()
        };
        assert_eq!(o.sizes(), [10]);
        assert_eq!(
            SimOptions {
                strategies: vec![Strategy::Random, Strategy::Margin, Strategy::Margin],
                ..SimOptions::default()
            }
            .strategies(),
            [Strategy::Margin, Strategy::Random]
        );
    }

    #[test]
    fn bad_options_are_refused_by_name() {
        for (o, name) in [
            (
                SimOptions {
                    start: 0,
                    ..SimOptions::default()
                },
                "start",
            ),
            (
                SimOptions {
                    step: 0,
                    ..SimOptions::default()
                },
                "step",
            ),
            (
                SimOptions {
                    budget: 5,
                    ..SimOptions::default()
                },
                "budget",
            ),
            (
                SimOptions {
                    seeds: 0,
                    ..SimOptions::default()
                },
                "seeds",
            ),
        ] {
            let e = o.check().expect_err("refused").to_string();
            assert!(e.contains(name), "{e}");
        }
    }

    #[test]
    fn the_best_strategy_and_its_saving() {
        let curve = |strategy, to: Option<usize>, last: f64| SimCurve {
            strategy,
            points: vec![SimPoint {
                labels: 100,
                macro_f1: MeanStd {
                    mean: last,
                    std: 0.0,
                },
                accuracy: MeanStd {
                    mean: last,
                    std: 0.0,
                },
                per_seed: vec![last],
            }],
            labels_to_target: to,
        };
        let curves = [
            curve(Strategy::Uncertainty, Some(60), 0.8),
            curve(Strategy::Margin, Some(40), 0.7),
            curve(Strategy::Entropy, None, 0.9),
            curve(Strategy::Random, Some(120), 0.6),
        ];
        assert_eq!(best_of(&curves), (Some(Strategy::Margin), Some(3.0)));
        let none = [
            curve(Strategy::Margin, Some(40), 0.7),
            curve(Strategy::Random, None, 0.6),
        ];
        assert_eq!(best_of(&none), (Some(Strategy::Margin), None));
    }
}
