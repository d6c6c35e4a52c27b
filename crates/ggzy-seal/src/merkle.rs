//! RFC 6962 (Certificate Transparency) Merkle tree hashing and proofs, with SM3 as the hash.
//!
//! Leaves are event chain hashes. Domain separation follows RFC 6962: `0x00` before a leaf,
//! `0x01` before an interior node, so a leaf can never be passed off as a node.

use crate::{Hash, sm3};

pub fn leaf_hash(data: &[u8]) -> Hash {
    sm3(&[&[0u8], data])
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sm3(&[&[1u8], left, right])
}

fn split(n: usize) -> usize {
    // Largest power of two strictly smaller than n (n >= 2).
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH over already-hashed leaves.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sm3(&[]),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The root of a growing tree without keeping its leaves: the perfect subtrees of the current
/// size, largest first (at most 64 of them). `ggzy verify` streams a million leaves through this
/// and checks every signed head as its size goes by, in one pass.
#[derive(Debug, Clone, Default)]
pub struct CompactRange {
    size: u64,
    // (height, hash): a subtree of 2^height leaves.
    peaks: Vec<(u32, Hash)>,
}

impl CompactRange {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(h, left)) = self.peaks.last() {
            if h != node.0 {
                break;
            }
            self.peaks.pop();
            node = (h + 1, node_hash(&left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// Equals [`root`] of all leaves pushed so far: RFC 6962 splits at the largest power of two,
    /// which is exactly folding the peaks from the right.
    pub fn root(&self) -> Hash {
        let mut it = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return sm3(&[]);
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// Audit path for leaf `index` in the tree made of `leaves` (RFC 6962 §2.1.1).
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    path(leaves, index, &mut out);
    Some(out)
}

fn path(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(&leaves[..k], m, out);
        out.push(root(&leaves[k..]));
    } else {
        path(&leaves[k..], m - k, out);
        out.push(root(&leaves[..k]));
    }
}

/// Consistency proof between the first `old_size` leaves and all of `leaves` (RFC 6962 §2.1.2).
pub fn consistency_proof(leaves: &[Hash], old_size: usize) -> Option<Vec<Hash>> {
    if old_size == 0 || old_size > leaves.len() {
        return None;
    }
    let mut out = Vec::new();
    if old_size < leaves.len() {
        subproof(old_size, leaves, true, &mut out);
    }
    Some(out)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Checks an audit path (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &Hash,
    proof: &[Hash],
    expected_root: &Hash,
) -> bool {
    if index >= tree_size {
        return false;
    }
    let (mut fnode, mut snode) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == expected_root
}

/// Checks a consistency proof between two tree heads (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size == 0 || old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    &fr == old_root && &sr == new_root && snode == 0
}

/// Every complete, aligned subtree hash of a growing log, kept so that roots and proofs for any
/// size cost O(log² n) hashes instead of rehashing all leaves — receipts at the deadline minute
/// each need one.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[j][i]` is the hash of leaves `i·2^j .. (i+1)·2^j`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut j = 0;
        while self.levels[j].len().is_multiple_of(2) {
            let n = self.levels[j].len();
            let h = node_hash(&self.levels[j][n - 2], &self.levels[j][n - 1]);
            if self.levels.len() == j + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[j + 1].push(h);
            j += 1;
        }
    }

    pub fn leaves(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// Hash of leaves `start .. start + size` (size ≥ 1, inside the tree).
    fn subtree(&self, start: usize, size: usize) -> Hash {
        if size.is_power_of_two() && start.is_multiple_of(size) {
            return self.levels[size.trailing_zeros() as usize][start / size];
        }
        let k = split(size);
        node_hash(&self.subtree(start, k), &self.subtree(start + k, size - k))
    }

    /// Root of the first `n` leaves.
    pub fn root(&self, n: usize) -> Option<Hash> {
        match n {
            0 => Some(sm3(&[])),
            n if n <= self.len() => Some(self.subtree(0, n)),
            _ => None,
        }
    }

    /// RFC 6962 audit path of leaf `index` in the tree of the first `n` leaves.
    pub fn inclusion_proof(&self, index: usize, n: usize) -> Option<Vec<Hash>> {
        if index >= n || n > self.len() {
            return None;
        }
        let mut out = Vec::new();
        self.path(0, n, index, &mut out);
        Some(out)
    }

    fn path(&self, start: usize, n: usize, m: usize, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(start, k, m, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.path(start + k, n - k, m - k, out);
            out.push(self.subtree(start, k));
        }
    }

    /// RFC 6962 consistency proof from the first `old` leaves to the first `n`.
    pub fn consistency_proof(&self, old: usize, n: usize) -> Option<Vec<Hash>> {
        if old == 0 || old > n || n > self.len() {
            return None;
        }
        let mut out = Vec::new();
        if old < n {
            self.subproof(old, 0, n, true, &mut out);
        }
        Some(out)
    }

    fn subproof(&self, m: usize, start: usize, n: usize, complete: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !complete {
                out.push(self.subtree(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, complete, out);
            out.push(self.subtree(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.subtree(start, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    #[test]
    fn root_of_two_is_node_of_leaves() {
        let l = leaves(2);
        assert_eq!(root(&l), node_hash(&l[0], &l[1]));
        assert_eq!(root(&l[..1]), l[0]);
    }

    #[test]
    fn every_inclusion_proof_verifies_and_tampering_fails() {
        for n in 1..40 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(&l, i).expect("in range");
                assert!(
                    verify_inclusion(i as u64, n as u64, &l[i], &p, &r),
                    "n={n} i={i}"
                );
                let other = leaf_hash(b"forged");
                assert!(!verify_inclusion(i as u64, n as u64, &other, &p, &r));
                if n > 1 {
                    assert!(
                        !verify_inclusion(((i + 1) % n) as u64, n as u64, &l[i], &p, &r)
                            || l[i] == l[(i + 1) % n]
                    );
                }
            }
            assert!(inclusion_proof(&l, n).is_none());
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_rewritten_history_fails() {
        for n in 1..34 {
            let l = leaves(n);
            let new_root = root(&l);
            for m in 1..=n {
                let p = consistency_proof(&l, m).expect("in range");
                let old_root = root(&l[..m]);
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &p),
                    "m={m} n={n}"
                );
                let mut forged = l.clone();
                forged[m - 1] = leaf_hash(b"rewritten");
                assert!(!verify_consistency(
                    m as u64,
                    n as u64,
                    &old_root,
                    &root(&forged),
                    &p
                ));
            }
        }
    }

    proptest! {
        #[test]
        fn inclusion_holds_for_random_sizes(n in 1usize..300, seed in 0usize..1000) {
            let l = leaves(n);
            let i = seed % n;
            let p = inclusion_proof(&l, i).expect("in range");
            prop_assert!(verify_inclusion(i as u64, n as u64, &l[i], &p, &root(&l)));
        }
    }

    #[test]
    fn tree_agrees_with_the_slice_functions_at_every_size() {
        let l = leaves(70);
        let mut t = Tree::new();
        assert_eq!(t.root(0), Some(root(&[])));
        for (i, leaf) in l.iter().enumerate() {
            t.push(*leaf);
            let n = i + 1;
            assert_eq!(t.root(n), Some(root(&l[..n])));
            for m in 0..n {
                assert_eq!(
                    t.inclusion_proof(m, n),
                    inclusion_proof(&l[..n], m),
                    "n={n} m={m}"
                );
            }
            for old in 1..=n {
                assert_eq!(t.consistency_proof(old, n), consistency_proof(&l[..n], old));
            }
        }
        assert_eq!(t.root(71), None);
        assert_eq!(t.inclusion_proof(70, 70), None);
    }

    #[test]
    fn compact_range_matches_full_root_at_every_size() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut c = CompactRange::new();
        assert_eq!(c.root(), root(&[]));
        for (i, l) in leaves.iter().enumerate() {
            c.push(*l);
            assert_eq!(c.root(), root(&leaves[..=i]), "size {}", i + 1);
        }
        assert_eq!(c.size(), 70);
    }
}
