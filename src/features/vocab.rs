//! The frozen vocabulary: term strings in a deterministic order, each with a [`TermId`].

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The column of a term in feature vectors and weight matrices.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct TermId(pub u32);

impl TermId {
    /// The id as an index into per-term arrays.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for TermId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

/// Terms sorted by their bytes; a term's id is its position. Word bigrams are
/// stored as the two terms joined by one space.
///
/// The order does not depend on the order documents were read in, so the
/// same training data always gives the same ids (and the same model bytes).
///
/// ```
/// use tasnif::features::Vocabulary;
/// let v = Vocabulary::from_terms(vec!["سيبران".into(), "امن".into()]);
/// assert_eq!(v.term(v.get("امن").unwrap()), "امن");
/// assert_eq!(v.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct Vocabulary {
    terms: Vec<String>,
    index: FxHashMap<String, TermId>,
}

impl Vocabulary {
    /// Builds a vocabulary from distinct terms (sorted and deduplicated here).
    pub fn from_terms(mut terms: Vec<String>) -> Vocabulary {
        terms.sort_unstable();
        terms.dedup();
        Vocabulary::from(terms)
    }

    /// The id of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &str) -> Option<TermId> {
        self.index.get(term).copied()
    }

    /// The term with id `id`.
    pub fn term(&self, id: TermId) -> &str {
        &self.terms[id.index()]
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// All terms in id order.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

impl From<Vec<String>> for Vocabulary {
    /// Takes terms already in their final order (as stored in a model).
    fn from(terms: Vec<String>) -> Vocabulary {
        let mut index = FxHashMap::default();
        index.reserve(terms.len());
        for (i, t) in terms.iter().enumerate() {
            index.insert(t.clone(), TermId(i as u32));
        }
        Vocabulary { terms, index }
    }
}

impl From<Vocabulary> for Vec<String> {
    fn from(v: Vocabulary) -> Vec<String> {
        v.terms
    }
}
