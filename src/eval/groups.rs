//! The figures of a grouped cross-validation, group by group: how a model
//! does on each group (an outlet, say) when trained without it, and the
//! unweighted mean over groups, which counts a small outlet as much as a
//! large one.

use serde::Serialize;

use super::gate::{gate_summary, GateAt, GateSummary};
use super::metrics::f1;
use super::metrics::Report;
use super::{mean_std, Outcome};
use crate::corpus::Groups;

/// One group's figures, from the predictions of the folds that held it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupFigures {
    /// The group's name.
    pub group: String,
    /// Its documents.
    pub documents: u64,
    /// Accuracy over its documents.
    pub accuracy: f64,
    /// Macro-F1 over its documents (labels it has or was given).
    pub macro_f1: f64,
    /// For a model with a none label: the gate's figures on this group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateSummary>,
}

/// Every group's figures and their means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupsSection {
    /// One entry per group with documents, in name order.
    pub groups: Vec<GroupFigures>,
    /// Mean accuracy over the groups.
    pub mean_accuracy: f64,
    /// Mean macro-F1 over the groups.
    pub mean_macro_f1: f64,
    /// For a model with a none label, means over the groups of the gate's
    /// figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_gate: Option<GateMeans>,
}

/// Means over groups of a gated model's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateMeans {
    /// Mean of [`GateSummary::topic_precision`].
    pub topic_precision: f64,
    /// Mean of [`GateSummary::topic_recall`].
    pub topic_recall: f64,
    /// Mean of [`GateSummary::flags_per_1000`].
    pub flags_per_1000: f64,
    /// Mean of [`GateSummary::macro_f1`] (topics among the topic documents).
    pub macro_f1: f64,
    /// At each threshold of [`super::gate::SWEEP`], the means over groups
    /// of flags per 1,000, precision and recall (F1: of those two means).
    pub at_thresholds: Vec<GateAt>,
}

/// The figures of each group of `outcomes` (whose documents' groups are
/// `groups`), with a gate section when `none` names the none label
/// (`macro_labels` as in [`gate_summary`]).
pub fn group_figures(
    outcomes: &[Outcome],
    groups: &Groups,
    none: Option<&str>,
    macro_labels: Option<&[String]>,
) -> GroupsSection {
    let mut by_group: Vec<Vec<Outcome>> = vec![Vec::new(); groups.names.len()];
    for o in outcomes {
        if let Some(Some(g)) = groups.of.get(o.index) {
            by_group[*g].push(o.clone());
        }
    }
    let figures: Vec<GroupFigures> = by_group
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.is_empty())
        .map(|(g, o)| {
            let r = Report::from_outcomes(o);
            GroupFigures {
                group: groups.names[g].clone(),
                documents: o.len() as u64,
                accuracy: r.accuracy,
                macro_f1: r.macro_f1,
                gate: none.map(|n| gate_summary(o, n, macro_labels)),
            }
        })
        .collect();
    let mean = |f: &dyn Fn(&GroupFigures) -> f64| mean_std(figures.iter().map(f)).0;
    let gate_mean = |f: &dyn Fn(&GateSummary) -> f64| {
        mean_std(figures.iter().filter_map(|g| g.gate.as_ref()).map(f)).0
    };
    let sweeps: Vec<&[GateAt]> = figures
        .iter()
        .filter_map(|g| g.gate.as_ref())
        .map(|g| g.at_thresholds.as_slice())
        .filter(|s| !s.is_empty())
        .collect();
    let at_thresholds = match sweeps.first() {
        Some(first) if sweeps.len() == figures.len() => (0..first.len())
            .map(|i| {
                let m = |f: &dyn Fn(&GateAt) -> f64| mean_std(sweeps.iter().map(|s| f(&s[i]))).0;
                let (precision, recall) = (m(&|a| a.precision), m(&|a| a.recall));
                GateAt {
                    threshold: first[i].threshold,
                    flags_per_1000: m(&|a| a.flags_per_1000),
                    precision,
                    recall,
                    f1: f1(precision, recall),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let mean_gate = none.map(|_| GateMeans {
        topic_precision: gate_mean(&|g| g.topic_precision),
        topic_recall: gate_mean(&|g| g.topic_recall),
        flags_per_1000: gate_mean(&|g| g.flags_per_1000),
        macro_f1: gate_mean(&|g| g.macro_f1),
        at_thresholds,
    });
    GroupsSection {
        mean_accuracy: mean(&|g| g.accuracy),
        mean_macro_f1: mean(&|g| g.macro_f1),
        mean_gate,
        groups: figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_per_group_and_their_means() {
        // group A: a→a, none→a (one false alarm); group B: a→none, none→none
        let outcomes =
            crate::eval::outcomes_of(&[("a", "a"), ("none", "a"), ("a", "none"), ("none", "none")]);
        let groups = Groups {
            names: vec!["A".into(), "B".into(), "empty".into()],
            of: vec![Some(0), Some(0), Some(1), Some(1)],
        };
        let s = group_figures(&outcomes, &groups, Some("none"), None);
        assert_eq!(s.groups.len(), 2, "a group without documents is left out");
        let (a, b) = (&s.groups[0], &s.groups[1]);
        assert_eq!((a.group.as_str(), a.documents, a.accuracy), ("A", 2, 0.5));
        let (ga, gb) = (a.gate.as_ref().unwrap(), b.gate.as_ref().unwrap());
        assert_eq!((ga.topic_precision, ga.topic_recall), (0.5, 1.0));
        assert_eq!(ga.flags_per_1000, 1000.0);
        assert_eq!(
            (gb.topic_precision, gb.topic_recall, gb.flags_per_1000),
            (0.0, 0.0, 0.0)
        );
        let m = s.mean_gate.unwrap();
        assert_eq!(
            (m.topic_precision, m.topic_recall, m.flags_per_1000),
            (0.25, 0.5, 500.0)
        );
        assert_eq!(s.mean_accuracy, 0.5);
        // without a none label there is no gate section
        let plain = group_figures(&outcomes, &groups, None, None);
        assert!(plain.mean_gate.is_none() && plain.groups[0].gate.is_none());
    }
}
