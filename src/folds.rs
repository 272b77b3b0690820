//! Seeded, stratified assignment of documents to cross-validation folds.

use crate::labels::LabelId;

/// The fold (0..k) of each document: per label, documents are shuffled with
/// `seed` and dealt round-robin, continuing where the previous label stopped,
/// so folds differ in size by at most one document.
pub fn stratified_folds(targets: &[LabelId], n_labels: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64(seed);
    let mut fold_of = vec![0; targets.len()];
    let mut next = 0usize;
    for l in 0..n_labels {
        let mut idx: Vec<usize> = (0..targets.len())
            .filter(|&i| targets[i].index() == l)
            .collect();
        for i in (1..idx.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            idx.swap(i, j);
        }
        for i in idx {
            fold_of[i] = next % k.max(1);
            next += 1;
        }
    }
    fold_of
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small, seedable generator, so a
/// seed gives the same folds on every machine and version.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_seeded() {
        let targets: Vec<LabelId> = (0..50)
            .map(|i| LabelId(if i < 30 { 0 } else { 1 }))
            .collect();
        let a = stratified_folds(&targets, 2, 5, 7);
        assert_eq!(a, stratified_folds(&targets, 2, 5, 7));
        assert_ne!(a, stratified_folds(&targets, 2, 5, 8));
        for f in 0..5 {
            let l0 = (0..30).filter(|&i| a[i] == f).count();
            let l1 = (30..50).filter(|&i| a[i] == f).count();
            assert_eq!((l0, l1), (6, 4), "fold {f}");
        }
    }
}
