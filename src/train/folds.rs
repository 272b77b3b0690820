//! Assignment of documents to cross-validation folds: seeded and
//! stratified ([`stratified_folds`]), or by group ([`group_folds`]), so that
//! every fold holds out whole groups (outlets, authors, years).

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

/// The fold number of a document that no fold holds out: it is in the
/// training data of every fold and is never predicted.
pub const NEVER_HELD_OUT: usize = usize::MAX;

/// The fold (0..k) of each document, holding out whole groups:
/// `group_of[i]` is document i's group (0..n_groups), or `None` for a
/// document that is never held out (fold [`NEVER_HELD_OUT`]). As scikit-learn's
/// `GroupKFold`: groups are taken largest first (ties: lower group number
/// first) and each goes to the fold with the fewest documents so far (ties:
/// the lower fold), so folds are as even as whole groups allow. With
/// `k == n_groups`, each fold is one group (leave one group out). No seed:
/// the assignment depends on the group sizes alone.
///
/// Needs `1 <= k <= n_groups`; with fewer groups than folds, some folds stay empty.
pub fn group_folds(group_of: &[Option<usize>], n_groups: usize, k: usize) -> Vec<usize> {
    let k = k.max(1);
    let mut size = vec![0usize; n_groups];
    for g in group_of.iter().flatten() {
        size[*g] += 1;
    }
    let mut order: Vec<usize> = (0..n_groups).collect();
    order.sort_by(|&a, &b| size[b].cmp(&size[a]).then(a.cmp(&b)));
    let mut fold_of_group = vec![0usize; n_groups];
    let mut load = vec![0usize; k];
    for g in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        fold_of_group[g] = f;
        load[f] += size[g];
    }
    group_of
        .iter()
        .map(|g| g.map_or(NEVER_HELD_OUT, |g| fold_of_group[g]))
        .collect()
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
            .map(|i| LabelId::from_index(if i < 30 { 0 } else { 1 }))
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

    #[test]
    fn group_folds_hold_out_whole_groups_largest_first() {
        // groups 0..4 of sizes 5, 1, 3, 3, 2
        let sizes = [5, 1, 3, 3, 2];
        let mut group_of: Vec<Option<usize>> = sizes
            .iter()
            .enumerate()
            .flat_map(|(g, &n)| std::iter::repeat_n(Some(g), n))
            .collect();
        group_of.push(None);
        // one group per fold
        let f = group_folds(&group_of, 5, 5);
        for (i, g) in group_of.iter().enumerate() {
            assert_eq!(f[i], f[group_of.iter().position(|x| x == g).unwrap_or(0)]);
        }
        let first = |g: usize| group_of.iter().position(|&x| x == Some(g)).unwrap_or(0);
        let mut folds: Vec<usize> = (0..5).map(|g| f[first(g)]).collect();
        folds.sort_unstable();
        assert_eq!(folds, [0, 1, 2, 3, 4]);
        // two folds: 5 → fold 0; 3 (group 2) → 1; 3 (group 3) → 1 (3 < 5);
        // 2 → 0 (5 < 6); 1 → 1 (6 < 7): loads 7 and 7
        let f = group_folds(&group_of, 5, 2);
        let fold_of_group: Vec<usize> = (0..5).map(|g| f[first(g)]).collect();
        assert_eq!(fold_of_group, [0, 1, 1, 1, 0]);
        assert_eq!(f.iter().filter(|&&x| x == 0).count(), 7);
        assert_eq!(f.last(), Some(&NEVER_HELD_OUT));
    }
}
