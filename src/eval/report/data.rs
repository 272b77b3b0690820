//! Computing every figure of a report once, into [`ReportData`].

use std::collections::BTreeMap;

use super::tables::headline_value;
use super::{
    fmt, none_label, Calibration, CalibrationBin, ConfusedPair, DataSource, DataSummary,
    ErrorShare, Example, FigureStats, Interval, LabelCount, LabelErrors, LabelIntervals,
    LabelTerms, ModelRef, ModelSummary, Origin, ReportData, ReportOptions, Setting, TermWeight,
    TopTerms, HEADLINE,
};
use crate::corpus::LabeledData;
use crate::eval::gate::gate_summary;
use crate::eval::groups::group_figures;
use crate::eval::{mean_std, Evaluation, Outcome, Report};
use crate::features::VectorizerParams;
use crate::model::Classifier;
use crate::nb::NbValidParams;
use crate::text::AnalyzerConfig;
use linfa::ParamGuard;

impl ReportData {
    /// Computes every figure of the report of `ev`, an evaluation of `data`.
    pub fn build(
        ev: &Evaluation,
        data: &LabeledData,
        model: ModelRef<'_>,
        source: DataSource<'_>,
        command: String,
        opts: &ReportOptions,
    ) -> ReportData {
        let r = &ev.report;
        let origin = match model {
            ModelRef::File { path, .. } => Origin::Model {
                path: path.to_string(),
            },
            ModelRef::CrossValidation {
                folds,
                seed,
                groups,
                ..
            } => Origin::CrossValidation {
                folds,
                seed,
                groups: groups.map(|(path, _)| path.to_string()),
            },
        };
        let groups = match model {
            ModelRef::CrossValidation {
                groups: Some((_, g)),
                ..
            } => Some(group_figures(
                &ev.outcomes,
                g,
                none_label(model).as_deref(),
                opts.topic_labels.as_deref(),
            )),
            _ => None,
        };
        let fold_stats = if ev.folds.is_empty() {
            Vec::new()
        } else {
            HEADLINE
                .iter()
                .map(|&(key, _)| {
                    let (mean, std) =
                        mean_std(ev.folds.iter().filter_map(|f| headline_value(f, key)));
                    FigureStats {
                        figure: key.to_string(),
                        mean,
                        std,
                    }
                })
                .collect()
        };
        let counts = data.counts();
        let labels = data
            .labels
            .names()
            .iter()
            .zip(&counts)
            .map(|(l, &c)| LabelCount {
                label: l.clone(),
                documents: c as u64,
            })
            .collect();
        let known = match model {
            ModelRef::File { model, .. } => Some(model),
            ModelRef::CrossValidation { full, .. } => full,
        };
        let unknown_to_model = match model {
            ModelRef::File { model, .. } => data
                .labels
                .names()
                .iter()
                .filter(|l| model.labels().id(l).is_none())
                .cloned()
                .collect(),
            ModelRef::CrossValidation { .. } => Vec::new(),
        };
        let top_terms = known.map(|m| TopTerms {
            source: match model {
                ModelRef::File { path, .. } => format!("the model {path}"),
                ModelRef::CrossValidation { .. } => format!(
                    "a model trained on all {} documents with the cross-validated settings \
                     (the folds' models are not kept)",
                    data.len()
                ),
            },
            labels: m
                .labels()
                .names()
                .iter()
                .zip(m.top_terms(opts.top_terms))
                .map(|(l, terms)| LabelTerms {
                    label: l.clone(),
                    terms: terms
                        .into_iter()
                        .map(|(term, weight)| TermWeight { term, weight })
                        .collect(),
                })
                .collect(),
        });
        ReportData {
            metrics: r.clone(),
            folds: ev.folds.clone(),
            origin,
            fold_stats,
            row_normalized: row_normalized(&r.confusion.matrix),
            misclassified: misclassified(r),
            confused_pairs: confused_pairs(ev, data, opts),
            calibration: calibration(&ev.outcomes, opts.calibration_bins),
            intervals: intervals(r),
            gate: none_label(model)
                .map(|n| gate_summary(&ev.outcomes, &n, opts.topic_labels.as_deref())),
            groups,
            top_terms,
            data: DataSummary {
                path: source.path.to_string(),
                list: source.list.map(str::to_string),
                documents: data.len() as u64,
                labels,
                unknown_to_model,
            },
            model: model_summary(model, data.len()),
            command,
        }
    }

    /// The mean and std over folds of the [`HEADLINE`] figure `key`, for cross-validation.
    pub fn fold_stat(&self, key: &str) -> Option<&FigureStats> {
        self.fold_stats.iter().find(|s| s.figure == key)
    }

    /// The value of the model setting `name` (as listed in [`ModelSummary::settings`]).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.model
            .settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
    }

    /// A one-line description of what was evaluated.
    pub fn title(&self) -> String {
        match &self.origin {
            Origin::Model { path } => format!("model {path} on {}", self.data.path),
            Origin::CrossValidation {
                folds,
                groups: Some(g),
                ..
            } => format!(
                "{folds}-fold cross-validation holding out whole groups ({g}) on {}",
                self.data.path
            ),
            Origin::CrossValidation {
                folds,
                seed,
                groups: None,
            } => format!(
                "{folds}-fold cross-validation (seed {seed}) on {}",
                self.data.path
            ),
        }
    }

    /// The "erroneously classified as" line of one label, in plain text.
    pub fn error_line(e: &LabelErrors) -> String {
        if e.errors.is_empty() {
            return format!("{}: no errors", e.label);
        }
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|x| format!("{} {}", x.predicted, fmt::percent(x.share)))
            .collect();
        format!(
            "{}: erroneously classified as {}",
            e.label,
            parts.join(", ")
        )
    }
}

fn row_normalized(m: &[Vec<u64>]) -> Vec<Vec<f64>> {
    m.iter()
        .map(|row| {
            let total: u64 = row.iter().sum();
            row.iter()
                .map(|&c| {
                    if total == 0 {
                        0.0
                    } else {
                        c as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect()
}

fn misclassified(r: &Report) -> Vec<LabelErrors> {
    let labels = &r.confusion.labels;
    r.confusion
        .matrix
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let total: u64 = row.iter().sum();
            if total == 0 {
                return None;
            }
            let mut errors: Vec<(usize, u64)> = row
                .iter()
                .enumerate()
                .filter(|&(j, &c)| j != i && c > 0)
                .map(|(j, &c)| (j, c))
                .collect();
            errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Some(LabelErrors {
                label: labels[i].clone(),
                support: total,
                errors: errors
                    .into_iter()
                    .map(|(j, c)| ErrorShare {
                        predicted: labels[j].clone(),
                        count: c,
                        share: c as f64 / total as f64,
                    })
                    .collect(),
            })
        })
        .collect()
}

fn confused_pairs(ev: &Evaluation, data: &LabeledData, opts: &ReportOptions) -> Vec<ConfusedPair> {
    let c = &ev.report.confusion;
    let mut cells: Vec<(usize, usize, u64)> = Vec::new();
    for (i, row) in c.matrix.iter().enumerate() {
        for (j, &n) in row.iter().enumerate() {
            if i != j && n > 0 {
                cells.push((i, j, n));
            }
        }
    }
    cells.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    cells.truncate(opts.confused_pairs);
    cells
        .into_iter()
        .map(|(i, j, n)| {
            let (truth, predicted) = (&c.labels[i], &c.labels[j]);
            let mut wrong: Vec<&Outcome> = ev
                .outcomes
                .iter()
                .filter(|o| &o.truth == truth && &o.predicted == predicted)
                .collect();
            wrong.sort_by(|a, b| {
                b.probability
                    .total_cmp(&a.probability)
                    .then(a.index.cmp(&b.index))
            });
            let examples = wrong
                .into_iter()
                .take(opts.examples_per_pair)
                .filter_map(|o| {
                    let item = data.items.get(o.index)?;
                    let first_line = match item.text(&opts.read) {
                        Ok(t) => first_line(&t, 120),
                        Err(e) => format!("(not readable: {e})"),
                    };
                    Some(Example {
                        id: item.id.clone(),
                        first_line,
                        probability: o.probability,
                    })
                })
                .collect();
            let total: u64 = c.matrix[i].iter().sum();
            ConfusedPair {
                truth: truth.clone(),
                predicted: predicted.clone(),
                count: n,
                share: n as f64 / total.max(1) as f64,
                examples,
            }
        })
        .collect()
}

/// The first non-empty line of `text`, whitespace collapsed, control
/// characters dropped, cut to `max_chars` characters (with "…" when cut).
pub fn first_line(text: &str, max_chars: usize) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out = String::new();
    let mut n = 0;
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for ch in word.chars().filter(|c| !c.is_control()) {
            if n >= max_chars {
                out.push('…');
                return out;
            }
            out.push(ch);
            n += 1;
        }
    }
    out
}

/// The reliability of the predicted label's probability over `bins`
/// equal-width bins of [0, 1] (at least 1), and the expected calibration error.
pub fn calibration(outcomes: &[Outcome], bins: usize) -> Calibration {
    let bins = bins.max(1);
    let mut count = vec![0u64; bins];
    let mut conf = vec![0.0f64; bins];
    let mut right = vec![0u64; bins];
    for o in outcomes {
        let p = if o.probability.is_finite() {
            o.probability.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let b = ((p * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        conf[b] += p;
        right[b] += u64::from(o.truth == o.predicted);
    }
    let n = outcomes.len().max(1) as f64;
    let mut ece = 0.0;
    let bins = (0..bins)
        .map(|b| {
            let (confidence, accuracy) = if count[b] == 0 {
                (None, None)
            } else {
                let c = conf[b] / count[b] as f64;
                let a = right[b] as f64 / count[b] as f64;
                ece += count[b] as f64 / n * (a - c).abs();
                (Some(c), Some(a))
            };
            CalibrationBin {
                lower: b as f64 / bins as f64,
                upper: (b + 1) as f64 / bins as f64,
                count: count[b],
                confidence,
                accuracy,
            }
        })
        .collect();
    Calibration { bins, ece }
}

fn setting(name: &str, value: impl ToString) -> Setting {
    Setting {
        name: name.to_string(),
        value: value.to_string(),
    }
}

fn settings_of(
    an: &AnalyzerConfig,
    vp: &VectorizerParams,
    nb: Option<&NbValidParams>,
) -> Vec<Setting> {
    let mut s = vec![
        setting("stemmer", an.stemmer),
        setting("fold_teh_marbuta", an.normalize.fold_teh_marbuta),
        setting("stopwords", an.remove_stopwords),
        setting("min_token_chars", an.min_token_chars),
        setting("ngrams", format!("1..{}", vp.ngram_max)),
        setting("min_df", vp.min_df),
        setting("max_df", vp.max_df),
        setting(
            "max_features",
            vp.max_features.map_or("all".to_string(), |n| n.to_string()),
        ),
        setting("weighting", vp.weighting),
        setting("sublinear_tf", vp.sublinear_tf),
        setting("l2_norm", vp.l2_norm),
    ];
    match nb {
        Some(nb) => s.extend([
            setting("nb", nb.kind()),
            setting("alpha", nb.alpha()),
            setting("priors", format!("{:?}", nb.priors()).to_lowercase()),
            setting("weight_norm", nb.weight_norm()),
        ]),
        None => s.push(setting("nb", "invalid")),
    }
    s
}

fn fitted_facts(s: &mut Vec<Setting>, m: &Classifier) {
    s.push(setting("vocabulary", m.summary().vocabulary_size));
    s.push(setting(
        "training documents",
        m.summary().docs_per_label.iter().sum::<u64>(),
    ));
    s.push(setting("probability scale", format!("{:.4}", m.scale())));
}

fn model_summary(model: ModelRef<'_>, documents: usize) -> ModelSummary {
    match model {
        ModelRef::File { path, model } => {
            let mut settings = settings_of(
                model.vectorizer().analyzer().config(),
                model.vectorizer().params(),
                Some(model.nb().params()),
            );
            fitted_facts(&mut settings, model);
            ModelSummary {
                source: format!("the model file {path}"),
                settings,
            }
        }
        ModelRef::CrossValidation {
            folds,
            params,
            full,
            ..
        } => {
            let nb = params.nb.clone().check().ok();
            let mut settings = settings_of(&params.analyzer, &params.vectorizer, nb.as_ref());
            let source = match full {
                Some(m) => {
                    fitted_facts(&mut settings, m);
                    format!(
                        "the training settings, cross-validated over {folds} folds; \
                         vocabulary and probability scale of the model trained on all {documents} documents"
                    )
                }
                None => format!("the training settings, cross-validated over {folds} folds"),
            };
            ModelSummary { source, settings }
        }
    }
}

/// The 95% Wilson score interval of `x` successes in `n` trials (`None`
/// when `n` is 0). Unlike the normal approximation it stays within [0, 1]
/// and is not empty at 0 or n successes, which matters for the small
/// supports of some test sets.
pub(crate) fn wilson(x: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    const Z: f64 = 1.959_963_984_540_054; // the normal 97.5% quantile
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = Z * Z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

/// Per label of `r.per_label`, the intervals of its precision (right among
/// the matrix's column) and recall (right among its row).
fn intervals(r: &Report) -> BTreeMap<String, LabelIntervals> {
    let c = &r.confusion;
    let mut out = BTreeMap::new();
    for (i, l) in c.labels.iter().enumerate() {
        if !r.per_label.contains_key(l) {
            continue;
        }
        let right = c.matrix[i][i];
        let predicted: u64 = c.matrix.iter().map(|row| row[i]).sum();
        let actual: u64 = c.matrix[i].iter().sum();
        out.insert(
            l.clone(),
            LabelIntervals {
                precision: wilson(right, predicted),
                recall: wilson(right, actual),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::report::esc;

    #[test]
    fn wilson_intervals_match_the_textbook_values() {
        let close = |i: Option<Interval>, low: f64, high: f64| {
            let i = i.expect("an interval");
            assert!(
                (i.low - low).abs() < 5e-5 && (i.high - high).abs() < 5e-5,
                "{i:?}"
            );
        };
        close(wilson(5, 10), 0.2366, 0.7634);
        close(wilson(0, 10), 0.0, 0.2775);
        close(wilson(10, 10), 0.7225, 1.0);
        close(wilson(81, 100), 0.7222, 0.8749);
        assert_eq!(wilson(0, 0), None);
    }

    fn outcome(truth: &str, predicted: &str, p: f64) -> Outcome {
        Outcome {
            index: 0,
            truth: truth.into(),
            predicted: predicted.into(),
            probability: p,
            gate: None,
        }
    }

    #[test]
    fn calibration_bins_and_ece_by_hand() {
        let o = [
            outcome("a", "a", 0.35),
            outcome("a", "b", 0.31),
            outcome("b", "b", 1.0),
            outcome("b", "b", 0.99),
        ];
        let c = calibration(&o, 10);
        assert_eq!(c.bins.len(), 10);
        assert_eq!(c.bins[3].count, 2);
        assert_eq!(c.bins[3].accuracy, Some(0.5));
        assert!((c.bins[3].confidence.unwrap() - 0.33).abs() < 1e-12);
        assert_eq!(c.bins[9].count, 2, "1.0 falls in the last bin");
        assert_eq!(c.bins[0].confidence, None);
        let ece = 0.5 * (0.5f64 - 0.33).abs() + 0.5 * (1.0f64 - 0.995).abs();
        assert!((c.ece - ece).abs() < 1e-12, "{} vs {ece}", c.ece);
    }

    #[test]
    fn first_line_skips_blank_lines_and_cuts() {
        assert_eq!(first_line("\n  \n عنوان   الخبر \nبقية", 50), "عنوان الخبر");
        assert_eq!(first_line("abcdef", 3), "abc…");
        assert_eq!(first_line("a\u{7}b", 9), "ab");
        assert_eq!(first_line("", 9), "");
    }

    #[test]
    fn escaping_is_xml_safe() {
        assert_eq!(
            esc("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
