//! The frozen vocabulary: term strings in a deterministic order, each with a [`TermId`].

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::text::strtab::StrTable;

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
/// All terms live in one buffer with one hash table of ids.
///
/// ```
/// use tasnif::features::Vocabulary;
/// let v = Vocabulary::from_terms(vec!["سيبران".into(), "امن".into()]);
/// assert_eq!(v.term(v.get("امن").unwrap()), "امن");
/// assert_eq!(v.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vocabulary {
    table: StrTable,
}

impl Vocabulary {
    /// Builds a vocabulary from distinct terms (sorted and deduplicated here).
    pub fn from_terms(mut terms: Vec<String>) -> Vocabulary {
        terms.sort_unstable();
        terms.dedup();
        // Sorted and distinct just above, so the check cannot fail.
        Vocabulary::try_from_sorted(terms.iter().map(String::as_str)).unwrap_or_default()
    }

    /// Builds a vocabulary from terms already sorted and distinct (as stored
    /// in a model); returns `None` when they are not.
    pub fn try_from_sorted<'a, I>(terms: I) -> Option<Vocabulary>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let terms = terms.into_iter();
        let mut table = StrTable::with_capacity(terms.size_hint().0);
        let mut prev: Option<&str> = None;
        for t in terms {
            if prev.is_some_and(|p| p >= t) {
                return None;
            }
            table.push_distinct(t);
            prev = Some(t);
        }
        Some(Vocabulary { table })
    }

    /// The id of `term`, if it is in the vocabulary.
    #[inline]
    pub fn get(&self, term: &str) -> Option<TermId> {
        self.table.find(term).map(TermId)
    }

    /// The term with id `id`.
    pub fn term(&self, id: TermId) -> &str {
        self.table.get(id.0)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// All terms in id order.
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.table.iter()
    }
}

/// Serialized as the sequence of terms in id order.
impl Serialize for Vocabulary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for t in self.terms() {
            seq.serialize_element(t)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Vocabulary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Vocabulary, D::Error> {
        d.deserialize_seq(TermsVisitor)
    }
}

struct TermsVisitor;

impl<'de> Visitor<'de> for TermsVisitor {
    type Value = Vocabulary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sorted sequence of distinct terms")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vocabulary, A::Error> {
        let mut table = StrTable::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 22));
        while seq.next_element_seed(PushTerm(&mut table))?.is_some() {}
        Ok(Vocabulary { table })
    }
}

/// Deserializes one term straight into the table (no `String` per term),
/// refusing a term not greater than the previous one.
struct PushTerm<'t>(&'t mut StrTable);

impl<'de> DeserializeSeed<'de> for PushTerm<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for PushTerm<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a term")
    }

    fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<(), E> {
        let n = self.0.len();
        if n > 0 && self.0.get(n as u32 - 1) >= t {
            return Err(E::custom("vocabulary out of order"));
        }
        self.0.push_distinct(t);
        Ok(())
    }
}

/// A [`super::CountedCorpus`]'s provisional term number → the [`TermId`] of a
/// fitted vocabulary, or nothing for a term the fit dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VocabMap(Vec<u32>);

impl VocabMap {
    const DROPPED: u32 = u32::MAX;

    /// A map of `n` provisional terms that keeps none of them.
    pub(super) fn dropping(n: usize) -> VocabMap {
        VocabMap(vec![Self::DROPPED; n])
    }

    /// Maps provisional term `t` to `id`.
    pub(super) fn keep(&mut self, t: u32, id: TermId) {
        self.0[t as usize] = id.0;
    }

    /// The vocabulary id of provisional term `t`, if it was kept.
    #[inline]
    pub(super) fn get(&self, t: u32) -> Option<TermId> {
        let m = self.0[t as usize];
        (m != Self::DROPPED).then_some(TermId(m))
    }

    /// The provisional numbers of the kept terms, ascending.
    pub(super) fn kept(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.0.len() as u32).filter(|&t| self.0[t as usize] != Self::DROPPED)
    }

    /// The same terms under new ids: `renumber` gives a kept id its new one,
    /// or drops it.
    pub(super) fn renumbered(&self, renumber: impl Fn(TermId) -> Option<TermId>) -> VocabMap {
        VocabMap(
            (0..self.0.len() as u32)
                .map(|t| {
                    self.get(t)
                        .and_then(&renumber)
                        .map_or(Self::DROPPED, |id| id.0)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vocab_map_keeps_renumbers_and_drops() {
        let mut m = VocabMap::dropping(4);
        m.keep(1, TermId(0));
        m.keep(3, TermId(1));
        assert_eq!(
            (m.get(0), m.get(1), m.get(3)),
            (None, Some(TermId(0)), Some(TermId(1)))
        );
        assert_eq!(m.kept().collect::<Vec<_>>(), [1, 3]);
        let r = m.renumbered(|id| (id.0 == 1).then_some(TermId(0)));
        assert_eq!(r.kept().collect::<Vec<_>>(), [3]);
        assert_eq!(r.get(3), Some(TermId(0)));
    }
}
