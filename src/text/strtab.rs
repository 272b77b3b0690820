//! Tables of distinct strings numbered in insertion order. The bytes of all
//! strings are in one buffer ([`Arena`]), so a table of 160,000 terms is a
//! few allocations instead of hundreds of thousands. Two indexes over it:
//!
//! - [`StrTable`], a SIMD-probed hash table (hashbrown) for lookups in
//!   tables that stay in the caches: a model's vocabulary, the stopwords.
//! - [`Interner`], an open-addressing table of 32-byte slots for counting a
//!   corpus, whose tables outgrow the caches: [`Interner::intern_batch`]
//!   takes a document's terms at once and asks the processor for the slots
//!   of the terms a few places ahead while it compares the current one, so
//!   the cache misses overlap (training: 0.88x the CPU time; the same batch
//!   made labeling slower, its vocabulary being cached already).

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

/// Bytes of a string kept in its slot.
const HEAD: usize = 16;

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

/// Whether the string of a slot (its `head`, `start` and `len`) is `s`,
/// whose head is `s_head`; `bytes` is the arena.
#[inline]
fn same_string(
    (head, start, len): (&[u8; HEAD], u32, u32),
    s: &[u8],
    s_head: &[u8; HEAD],
    bytes: &[u8],
) -> bool {
    len as usize == s.len()
        && *head == *s_head
        && (s.len() <= HEAD || {
            let from = start as usize + HEAD;
            bytes.get(from..start as usize + s.len()) == Some(&s[HEAD..])
        })
}

/// The strings of a table, one after another, and where each ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Arena {
    bytes: String,
    ends: Vec<u32>,
}

impl Arena {
    fn with_capacity(n: usize) -> Arena {
        Arena {
            bytes: String::new(),
            ends: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Appends `s`; returns its number and where its bytes start.
    fn push(&mut self, s: &str) -> (u32, u32) {
        let id = self.ends.len() as u32;
        let start = self.bytes.len() as u32;
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len() as u32);
        (id, start)
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|i| self.get(i))
    }
}

/// A hash-table slot of [`StrTable`]: the string's number, where its bytes
/// are, and its first [`HEAD`] bytes, so that comparing a string of up to 16
/// bytes (an Arabic word of up to 8 letters) reads the slot alone.
#[derive(Debug, Clone, Copy)]
struct Slot {
    head: [u8; HEAD],
    id: u32,
    start: u32,
    len: u32,
}

impl Slot {
    #[inline]
    fn holds(&self, s: &[u8], head: &[u8; HEAD], bytes: &[u8]) -> bool {
        same_string((&self.head, self.start, self.len), s, head, bytes)
    }
}

/// Distinct strings, each with the number of its insertion.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrTable {
    arena: Arena,
    index: HashTable<Slot>,
}

impl StrTable {
    /// An empty table with room for `n` strings.
    pub(crate) fn with_capacity(n: usize) -> StrTable {
        StrTable {
            arena: Arena::with_capacity(n),
            index: HashTable::with_capacity(n),
        }
    }

    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.arena.len()
    }

    /// String number `i`.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> &str {
        self.arena.get(i)
    }

    /// The number of `s`, if present.
    #[inline]
    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        let (b, sb) = (self.arena.bytes.as_bytes(), s.as_bytes());
        let head = head_of(sb);
        self.index
            .find(hash(s), |slot| slot.holds(sb, &head, b))
            .map(|slot| slot.id)
    }

    /// The number of `s`, adding it when absent.
    #[inline]
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = hash(s);
        let (b, sb) = (self.arena.bytes.as_bytes(), s.as_bytes());
        let head = head_of(sb);
        if let Some(slot) = self.index.find(h, |slot| slot.holds(sb, &head, b)) {
            return slot.id;
        }
        self.push_new(h, s)
    }

    /// Adds `s`, which the caller knows is absent (e.g. distinct sorted input).
    pub(crate) fn push_distinct(&mut self, s: &str) -> u32 {
        self.push_new(hash(s), s)
    }

    fn push_new(&mut self, h: u64, s: &str) -> u32 {
        let (id, start) = self.arena.push(s);
        let bytes = &self.arena.bytes;
        let slot = Slot {
            head: head_of(s.as_bytes()),
            id,
            start,
            len: s.len() as u32,
        };
        self.index.insert_unique(h, slot, |slot| {
            hash(&bytes[slot.start as usize..(slot.start + slot.len) as usize])
        });
        id
    }

    /// All strings in number order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.arena.iter()
    }
}

impl PartialEq for StrTable {
    fn eq(&self, other: &StrTable) -> bool {
        self.arena == other.arena
    }
}

impl Eq for StrTable {}

/// The id of an empty slot of an [`Interner`].
const EMPTY: u32 = u32::MAX;

/// How many terms ahead a batch asks for slots.
const AHEAD: usize = 8;

/// A slot of an [`Interner`]: as [`Slot`], with the high half of the
/// string's hash, in 32 bytes aligned to 32, so a probe reads one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct FlatSlot {
    head: [u8; HEAD],
    tag: u32,
    id: u32,
    start: u32,
    len: u32,
}

const EMPTY_SLOT: FlatSlot = FlatSlot {
    head: [0; HEAD],
    tag: 0,
    id: EMPTY,
    start: 0,
    len: 0,
};

#[inline]
fn tag_of(h: u64) -> u32 {
    (h >> 32) as u32
}

/// Asks the processor to load `slot` into its caches. A hint only: it reads
/// nothing into the program. Does nothing on other processors than x86-64.
#[inline]
fn prefetch(slot: &FlatSlot) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch of a valid reference's address has no effect
        // on memory or on the program's state.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = slot;
}

/// A document's terms gathered for one batch of probes: their bytes one
/// after another, and each one's hash and place.
#[derive(Debug, Clone, Default)]
pub(crate) struct TermBatch {
    bytes: String,
    items: Vec<(u64, u32, u32)>,
}

impl TermBatch {
    /// Empties the batch, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
    }

    /// Adds `s` at the end.
    #[inline]
    pub(crate) fn push(&mut self, s: &str) {
        let start = self.bytes.len() as u32;
        self.bytes.push_str(s);
        self.items.push((hash(s), start, s.len() as u32));
    }

    #[inline]
    fn term(&self, k: usize) -> (u64, &str) {
        let (h, start, len) = self.items[k];
        (h, &self.bytes[start as usize..(start + len) as usize])
    }
}

/// Distinct strings, each with the number of its insertion, in an
/// open-addressing table (linear probing, at most three quarters full) made
/// for many insertions and batches of probes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    arena: Arena,
    /// A power of two of slots (none before the first string).
    slots: Vec<FlatSlot>,
}

impl Interner {
    /// An empty table with room for `n` strings.
    pub(crate) fn with_capacity(n: usize) -> Interner {
        Interner {
            arena: Arena::with_capacity(n),
            slots: if n > 0 {
                vec![EMPTY_SLOT; slots_for(n)]
            } else {
                Vec::new()
            },
        }
    }

    /// Number of strings.
    pub(crate) fn len(&self) -> usize {
        self.arena.len()
    }

    /// String number `i`.
    #[inline]
    pub(crate) fn get(&self, i: u32) -> &str {
        self.arena.get(i)
    }

    /// All strings in number order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.arena.iter()
    }

    /// The slot `s` (of hash `h`) is in, or the empty slot where it would go;
    /// `None` when the table has no slots yet.
    #[inline]
    fn probe(&self, h: u64, s: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let (b, sb) = (self.arena.bytes.as_bytes(), s.as_bytes());
        let (tag, head) = (tag_of(h), head_of(sb));
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let slot = &self.slots[i];
            if slot.id == EMPTY
                || (slot.tag == tag
                    && same_string((&slot.head, slot.start, slot.len), sb, &head, b))
            {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn find_hashed(&self, h: u64, s: &str) -> Option<u32> {
        let i = self.probe(h, s)?;
        let id = self.slots[i].id;
        (id != EMPTY).then_some(id)
    }

    #[inline]
    fn prefetch_hash(&self, h: u64) {
        if let Some(slot) = self
            .slots
            .get(h as usize & self.slots.len().wrapping_sub(1))
        {
            prefetch(slot);
        }
    }

    /// The number of `s`, if present.
    #[inline]
    pub(crate) fn find(&self, s: &str) -> Option<u32> {
        self.find_hashed(hash(s), s)
    }

    /// Calls `f(k, number)` for each term `k` of `batch` in order, with its
    /// number when present.
    #[cfg(test)]
    fn find_batch<F: FnMut(usize, Option<u32>)>(&self, batch: &TermBatch, mut f: F) {
        let n = batch.items.len();
        for k in 0..n.min(AHEAD) {
            self.prefetch_hash(batch.items[k].0);
        }
        for k in 0..n {
            if let Some(&(h, _, _)) = batch.items.get(k + AHEAD) {
                self.prefetch_hash(h);
            }
            let (h, s) = batch.term(k);
            f(k, self.find_hashed(h, s));
        }
    }

    /// The number of `s`, adding it when absent.
    #[cfg(test)]
    fn intern(&mut self, s: &str) -> u32 {
        self.intern_hashed(hash(s), s)
    }

    /// The numbers of the terms of `batch`, in order, pushed onto `out`
    /// (each term added when absent).
    pub(crate) fn intern_batch(&mut self, batch: &TermBatch, out: &mut Vec<u32>) {
        let n = batch.items.len();
        out.reserve(n);
        for k in 0..n.min(AHEAD) {
            self.prefetch_hash(batch.items[k].0);
        }
        for k in 0..n {
            if let Some(&(h, _, _)) = batch.items.get(k + AHEAD) {
                self.prefetch_hash(h);
            }
            let (h, s) = batch.term(k);
            out.push(self.intern_hashed(h, s));
        }
    }

    #[inline]
    fn intern_hashed(&mut self, h: u64, s: &str) -> u32 {
        if let Some(i) = self.probe(h, s) {
            let id = self.slots[i].id;
            if id != EMPTY {
                return id;
            }
            if (self.len() + 1) * 4 <= self.slots.len() * 3 {
                return self.fill(i, h, s);
            }
        }
        self.push_new(h, s)
    }

    /// Adds `s`, which the caller knows is absent (e.g. distinct sorted input).
    pub(crate) fn push_distinct(&mut self, s: &str) -> u32 {
        self.push_new(hash(s), s)
    }

    /// Adds `s` (of hash `h`, absent), growing the table when needed.
    fn push_new(&mut self, h: u64, s: &str) -> u32 {
        if (self.len() + 1) * 4 > self.slots.len() * 3 {
            self.grow(self.len() + 1);
        }
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        while self.slots[i].id != EMPTY {
            i = (i + 1) & mask;
        }
        self.fill(i, h, s)
    }

    /// Stores `s` (of hash `h`) as the next number in the empty slot `i`.
    fn fill(&mut self, i: usize, h: u64, s: &str) -> u32 {
        let (id, start) = self.arena.push(s);
        self.slots[i] = FlatSlot {
            head: head_of(s.as_bytes()),
            tag: tag_of(h),
            id,
            start,
            len: s.len() as u32,
        };
        id
    }

    /// Rebuilds the slots with room for `n` strings.
    fn grow(&mut self, n: usize) {
        let size = slots_for(n).max(self.slots.len() * 2);
        let mut slots = vec![EMPTY_SLOT; size];
        let mask = size - 1;
        for old in self.slots.iter().filter(|s| s.id != EMPTY) {
            let s = &self.arena.bytes[old.start as usize..(old.start + old.len) as usize];
            let mut i = hash(s) as usize & mask;
            while slots[i].id != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = *old;
        }
        self.slots = slots;
    }
}

/// The number of slots for `n` strings: a power of two, at least 16, that
/// `n` fills to at most three quarters.
fn slots_for(n: usize) -> usize {
    (n.saturating_mul(4) / 3 + 1).next_power_of_two().max(16)
}

impl PartialEq for Interner {
    fn eq(&self, other: &Interner) -> bool {
        self.arena == other.arena
    }
}

impl Eq for Interner {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations both tables share, so one test runs on each.
    trait Table: Default {
        fn intern(&mut self, s: &str) -> u32;
        fn find(&self, s: &str) -> Option<u32>;
        fn get(&self, i: u32) -> &str;
        fn len(&self) -> usize;
        fn strings(&self) -> Vec<&str>;
    }

    macro_rules! table {
        ($t:ty) => {
            impl Table for $t {
                fn intern(&mut self, s: &str) -> u32 {
                    <$t>::intern(self, s)
                }
                fn find(&self, s: &str) -> Option<u32> {
                    <$t>::find(self, s)
                }
                fn get(&self, i: u32) -> &str {
                    <$t>::get(self, i)
                }
                fn len(&self) -> usize {
                    <$t>::len(self)
                }
                fn strings(&self) -> Vec<&str> {
                    self.iter().collect()
                }
            }
        };
    }
    table!(StrTable);
    table!(Interner);

    #[test]
    fn long_strings_and_shared_heads() {
        long_strings_and_shared_heads_in::<StrTable>();
        long_strings_and_shared_heads_in::<Interner>();
    }

    fn long_strings_and_shared_heads_in<T: Table>() {
        let mut t = T::default();
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
    fn batches_agree_with_one_by_one_through_growth() {
        // Enough strings to grow the table many times, some longer than a
        // slot's head, each met twice.
        let words: Vec<String> = (0..5000u32)
            .map(|i| match i % 3 {
                0 => format!("w{i}"),
                1 => format!("كلمة{i}"),
                _ => format!("الاستراتيجيات_{i}_السيبرانية"),
            })
            .collect();
        let mut one = Interner::default();
        let ids_one: Vec<u32> = words.iter().chain(&words).map(|w| one.intern(w)).collect();
        let mut batched = Interner::with_capacity(3);
        let mut batch = TermBatch::default();
        let mut ids_batched = Vec::new();
        for chunk in words.chunks(700).chain(words.chunks(300)) {
            batch.clear();
            for w in chunk {
                batch.push(w);
            }
            batched.intern_batch(&batch, &mut ids_batched);
        }
        assert_eq!(ids_batched, ids_one);
        assert_eq!(batched, one);
        assert_eq!(one.len(), 5000);
        batch.clear();
        for w in words
            .iter()
            .step_by(7)
            .chain(["absent", "غائب", ""].map(String::from).iter())
        {
            batch.push(w);
        }
        let mut found = Vec::new();
        one.find_batch(&batch, |k, id| found.push((k, id)));
        let expected: Vec<(usize, Option<u32>)> = words
            .iter()
            .step_by(7)
            .map(|w| one.find(w))
            .chain([None, None, None])
            .enumerate()
            .collect();
        assert_eq!(found, expected);
        assert!(found.iter().filter(|(_, id)| id.is_some()).count() > 700);
        assert_eq!(Interner::default().find("x"), None, "a table with no slots");
    }

    #[test]
    fn interns_and_finds() {
        interns_and_finds_in::<StrTable>();
        interns_and_finds_in::<Interner>();
    }

    fn interns_and_finds_in<T: Table>() {
        let mut t = T::default();
        let words = ["امن", "سيبراني", "", "a", "امن", "سيبراني", "b c"];
        let ids: Vec<u32> = words.iter().map(|w| t.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 0, 1, 4]);
        assert_eq!(t.len(), 5);
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(t.get(*id), *w);
            assert_eq!(t.find(w), Some(*id));
        }
        assert_eq!(t.find("امنن"), None);
        assert_eq!(t.strings(), ["امن", "سيبراني", "", "a", "b c"]);
    }
}
