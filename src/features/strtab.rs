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

/// A hash-table slot: the string's number and where its bytes are, so a
/// lookup reads the slot and the bytes, not a separate offsets array.
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u32,
    start: u32,
    end: u32,
}

/// Distinct strings, each with the number of its insertion.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrTable {
    bytes: String,
    ends: Vec<u32>,
    index: HashTable<Slot>,
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
        let b = self.bytes.as_bytes();
        self.index
            .find(hash(s), |slot| {
                &b[slot.start as usize..slot.end as usize] == s.as_bytes()
            })
            .map(|slot| slot.id)
    }

    /// The number of `s`, adding it when absent.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = hash(s);
        let b = self.bytes.as_bytes();
        if let Some(slot) = self.index.find(h, |slot| {
            &b[slot.start as usize..slot.end as usize] == s.as_bytes()
        }) {
            return slot.id;
        }
        self.push_new(h, s)
    }

    /// Adds `s`, which the caller knows is absent (e.g. distinct sorted input).
    pub(crate) fn push_distinct(&mut self, s: &str) -> u32 {
        self.push_new(hash(s), s)
    }

    fn push_new(&mut self, h: u64, s: &str) -> u32 {
        let i = self.ends.len() as u32;
        let start = self.bytes.len() as u32;
        self.bytes.push_str(s);
        let end = self.bytes.len() as u32;
        self.ends.push(end);
        let bytes = &self.bytes;
        self.index
            .insert_unique(h, Slot { id: i, start, end }, |slot| {
                hash(&bytes[slot.start as usize..slot.end as usize])
            });
        i
    }

    /// All strings in number order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|i| self.get(i))
    }
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
