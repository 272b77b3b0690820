//! Label names interned as small integer ids.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The index of a label in a [`LabelSet`]. Labels are sorted by name, so
/// `LabelId::from_index(0)` is the alphabetically first label.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct LabelId(u32);

impl LabelId {
    /// The id of the label at position `i` of its set (per-label arrays
    /// are in the same order).
    #[inline]
    pub fn from_index(i: usize) -> LabelId {
        LabelId(u32::try_from(i).unwrap_or(u32::MAX))
    }

    /// The id as an index into per-label arrays.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for LabelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl linfa::Label for LabelId {}

/// An open set of label names, sorted, each with its [`LabelId`].
///
/// The order is by byte-wise name so that two models trained on the same data
/// number their labels the same way, whatever order the files came in.
///
/// ```
/// use tasnif::labels::LabelSet;
/// let set = LabelSet::from_names(["sports", "culture", "sports"]);
/// assert_eq!(set.names(), &["culture".to_string(), "sports".to_string()]);
/// assert_eq!(set.id("sports").map(|l| l.index()), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct LabelSet {
    names: Vec<String>,
    index: HashMap<String, LabelId>,
}

impl LabelSet {
    /// Builds the set of the distinct names, sorted.
    pub fn from_names<I, S>(names: I) -> LabelSet
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut v: Vec<String> = names.into_iter().map(|s| s.as_ref().to_string()).collect();
        v.sort();
        v.dedup();
        LabelSet::from(v)
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no labels.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The id of `name`, if it is in the set.
    pub fn id(&self, name: &str) -> Option<LabelId> {
        self.index.get(name).copied()
    }

    /// The name of `id`. Panics only on an id not from this set (a programming error).
    pub fn name(&self, id: LabelId) -> &str {
        &self.names[id.index()]
    }

    /// All names, in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// All ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = LabelId> + '_ {
        (0..self.names.len() as u32).map(LabelId)
    }

    /// Checks that each of `names` is a label of the set.
    ///
    /// # Errors
    /// The first that is not, as an invalid `param` that lists the labels.
    pub fn check_names(&self, names: &[String], param: &'static str) -> Result<()> {
        match names.iter().find(|n| self.id(n).is_none()) {
            None => Ok(()),
            Some(n) => Err(Error::param(
                param,
                format!(
                    "'{n}' is not a label of the data (labels: {})",
                    self.names.join(", ")
                ),
            )),
        }
    }
}

impl From<Vec<String>> for LabelSet {
    fn from(names: Vec<String>) -> LabelSet {
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), LabelId(i as u32)))
            .collect();
        LabelSet { names, index }
    }
}

impl From<LabelSet> for Vec<String> {
    fn from(set: LabelSet) -> Vec<String> {
        set.names
    }
}
