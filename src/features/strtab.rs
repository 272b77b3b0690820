//! A table of distinct strings numbered in insertion order: the bytes of all
//! strings in one buffer and a hash table of their numbers, so a table of
//! 160,000 terms is a few allocations instead of hundreds of thousands.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

#[inline]
fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// Distinct strings, each with the number of its insertion.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrTable {
    bytes: String,
    ends: Vec<u32>,
    index: HashTable<u32>,
}

impl StrTable {
    /// An empty table with room for `n` strings.
    pub(crate) fn with_capacity(n: usize) -> StrTable {
        StrTable {
            bytes: String::new(),
            ends: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// String number `i`.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// The number of `s`, if present.
    #[inline]
    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        self.index.find(hash(s), |&i| self.get(i) == s).copied()
    }

    /// The number of `s`, adding it when absent.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = hash(s);
        if let Some(&i) = self
            .index
            .find(h, |&i| get(&self.bytes, &self.ends, i) == s)
        {
            return i;
        }
        self.push_new(h, s)
    }

    /// Adds `s`, which the caller knows is absent (e.g. distinct sorted input).
    pub(crate) fn push_distinct(&mut self, s: &str) -> u32 {
        self.push_new(hash(s), s)
    }

    fn push_new(&mut self, h: u64, s: &str) -> u32 {
        let i = self.ends.len() as u32;
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len() as u32);
        let (bytes, ends) = (&self.bytes, &self.ends);
        self.index
            .insert_unique(h, i, |&j| hash(get(bytes, ends, j)));
        i
    }

    /// All strings in number order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|i| self.get(i))
    }
}

#[inline]
fn get<'a>(bytes: &'a str, ends: &[u32], i: u32) -> &'a str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &bytes[start..ends[i] as usize]
}

impl PartialEq for StrTable {
    fn eq(&self, other: &StrTable) -> bool {
        self.bytes == other.bytes && self.ends == other.ends
    }
}

impl Eq for StrTable {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_and_finds() {
        let mut t = StrTable::default();
        let words = ["امن", "سيبراني", "", "a", "امن", "سيبراني", "b c"];
        let ids: Vec<u32> = words.iter().map(|w| t.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 0, 1, 4]);
        assert_eq!(t.len(), 5);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(t.get(*id), *w);
            assert_eq!(t.find(w), Some(*id));
        }
        assert_eq!(t.find("امنن"), None);
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            ["امن", "سيبراني", "", "a", "b c"]
        );
    }
}
