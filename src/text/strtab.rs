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

/// Bytes of a string kept in its hash-table slot.
const HEAD: usize = 16;

/// A hash-table slot: the string's number, where its bytes are, and its
/// first [`HEAD`] bytes, so that comparing a string of up to 16 bytes (an
/// Arabic word of up to 8 letters) reads the slot alone.
#[derive(Debug, Clone, Copy)]
struct Slot {
    head: [u8; HEAD],
    id: u32,
    start: u32,
    len: u32,
}

#[inline]
fn head_of(s: &[u8]) -> [u8; HEAD] {
    // A copy of fixed length compiles to two moves; a copy of `len` bytes
    // would be a call to memmove at every probe.
    if let Some(first) = s.first_chunk::<HEAD>() {
        return *first;
    }
    let mut h = [0u8; HEAD];
    for (k, b) in h.iter_mut().enumerate() {
        *b = s.get(k).copied().unwrap_or(0);
    }
    h
}

/// Whether `slot` holds `s` (whose head is `head`); `bytes` is the arena.
#[inline]
fn slot_eq(slot: &Slot, s: &[u8], head: &[u8; HEAD], bytes: &[u8]) -> bool {
    slot.len as usize == s.len()
        && slot.head == *head
        && (s.len() <= HEAD || {
            let start = slot.start as usize + HEAD;
            bytes.get(start..slot.start as usize + s.len()) == Some(&s[HEAD..])
        })
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
        let (b, sb) = (self.bytes.as_bytes(), s.as_bytes());
        let head = head_of(sb);
        self.index
            .find(hash(s), |slot| slot_eq(slot, sb, &head, b))
            .map(|slot| slot.id)
    }

    /// The number of `s`, adding it when absent.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = hash(s);
        let (b, sb) = (self.bytes.as_bytes(), s.as_bytes());
        let head = head_of(sb);
        if let Some(slot) = self.index.find(h, |slot| slot_eq(slot, sb, &head, b)) {
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
        self.ends.push(self.bytes.len() as u32);
        let bytes = &self.bytes;
        let slot = Slot {
            head: head_of(s.as_bytes()),
            id: i,
            start,
            len: s.len() as u32,
        };
        self.index.insert_unique(h, slot, |slot| {
            hash(&bytes[slot.start as usize..(slot.start + slot.len) as usize])
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
    fn long_strings_and_shared_heads() {
        let mut t = StrTable::default();
        let long_a = "الاستراتيجيات السيبرانية";
        let long_b = "الاستراتيجيات السيبرانيه";
        let (a, b) = (t.intern(long_a), t.intern(long_b));
        assert_ne!(a, b, "same first 16 bytes, different ends");
        assert_eq!(t.find(long_a), Some(a));
        assert_eq!(t.find(long_b), Some(b));
        assert_eq!(t.find("الاستراتيجيات"), None);
        assert_eq!(t.find(&long_a[..16]), None);
        let sixteen = "abcdefghijklmnop";
        let i = t.intern(sixteen);
        assert_eq!(t.find(sixteen), Some(i));
        assert_eq!(t.find("abcdefghijklmnopq"), None);
    }

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
