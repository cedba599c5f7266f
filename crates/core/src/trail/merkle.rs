//! The Merkle tree of RFC 6962 §2.1 / RFC 9162 §2.1: leaf and node hashing, tree heads from leaves, and the
//! generation and verification of inclusion and consistency proofs. Proofs are generated over a
//! [`NodeSource`] (complete subtrees by level and index), so a store that keeps interior nodes answers in
//! O(log n) reads instead of reading every leaf.

use ring::digest::{Context, SHA256, digest};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The hash of an empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, b"").as_ref());
    out
}

/// `HASH(0x00 || leaf)`: the 0x00 prefix keeps a leaf from passing for an interior node (second preimage).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    sha256(&[&[0x00], leaf])
}

/// `HASH(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[0x01], left, right])
}

/// The largest power of two smaller than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Root of a tree from its leaf hashes, kept as a compact stack of complete subtrees (O(log n) memory), so a
/// verifier streams millions of leaves. `on_node` sees every complete subtree as it is formed:
/// (level, index, hash), level 0 being the leaves.
#[derive(Debug, Clone, Default)]
pub struct TreeBuilder {
    /// Complete subtrees, left to right, with strictly decreasing levels.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl TreeBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the next leaf hash; reports each complete subtree it closes.
    pub fn push(&mut self, leaf: Hash, mut on_node: impl FnMut(u32, u64, &Hash)) {
        let index = self.size;
        self.size += 1;
        on_node(0, index, &leaf);
        let mut level = 0;
        let mut hash = leaf;
        while let Some(&(top_level, top)) = self.stack.last() {
            if top_level != level {
                break;
            }
            self.stack.pop();
            hash = node_hash(&top, &hash);
            level += 1;
            on_node(level, index >> level, &hash);
        }
        self.stack.push((level, hash));
    }

    /// The root of the leaves pushed so far (RFC 6962 MTH).
    pub fn root(&self) -> Hash {
        let mut iter = self.stack.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else { return empty_root() };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// Root of a list of leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut builder = TreeBuilder::new();
    for leaf in leaves {
        builder.push(*leaf, |_, _, _| {});
    }
    builder.root()
}

/// Where complete subtrees come from: `node(level, index)` is the root of leaves
/// `index·2^level .. (index+1)·2^level`, asked only for subtrees that are complete.
pub trait NodeSource {
    type Error;
    fn node(&mut self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// Leaf hashes in memory as a node source (tests, small trees).
impl NodeSource for &[Hash] {
    type Error = std::convert::Infallible;
    fn node(&mut self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        let start = (index << level) as usize;
        Ok(root_of(&self[start..start + (1usize << level)]))
    }
}

/// MTH(D[start..end]) where `start` is aligned to a power of two at least `end - start` (every subtree the
/// RFC's recursion visits is).
fn subtree<S: NodeSource>(src: &mut S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n.is_power_of_two() {
        let level = n.trailing_zeros();
        return src.node(level, start >> level);
    }
    let k = split(n);
    let left = subtree(src, start, start + k)?;
    let right = subtree(src, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the first `size` leaves (size ≥ 1).
pub fn root_at<S: NodeSource>(src: &mut S, size: u64) -> Result<Hash, S::Error> {
    if size == 0 { Ok(empty_root()) } else { subtree(src, 0, size) }
}

/// RFC 6962 §2.1.1 PATH(m, D[start..end]), siblings from the leaf up.
fn path<S: NodeSource>(src: &mut S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(src, m, start, start + k, out)?;
        out.push(subtree(src, start + k, end)?);
    } else {
        path(src, m - k, start + k, end, out)?;
        out.push(subtree(src, start, start + k)?);
    }
    Ok(())
}

/// The inclusion proof of leaf `index` in the tree of the first `size` leaves (index < size).
pub fn inclusion_proof<S: NodeSource>(src: &mut S, index: u64, size: u64) -> Result<Vec<Hash>, S::Error> {
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[start..end], b).
fn subproof<S: NodeSource>(
    src: &mut S,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(subtree(src, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, start, start + k, whole, out)?;
        out.push(subtree(src, start + k, end)?);
    } else {
        subproof(src, m - k, start + k, end, false, out)?;
        out.push(subtree(src, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof between the trees of the first `first` and `second` leaves (first ≤ second); empty
/// when they are equal or `first` is 0.
pub fn consistency_proof<S: NodeSource>(src: &mut S, first: u64, second: u64) -> Result<Vec<Hash>, S::Error> {
    let mut out = Vec::new();
    if first > 0 && first < second {
        subproof(src, first, 0, second, true, &mut out)?;
    }
    Ok(out)
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the first tree ({first}) is larger than the second ({second})")]
    SizesReversed { first: u64, second: u64 },
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("the proof does not lead to the root")]
    RootMismatch,
}

/// RFC 9162 §2.1.3.2: verifies that `leaf` (a leaf hash) is at `index` of the tree of `size` with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: verifies that the tree of `first` leaves with `first_root` is a prefix of the tree of
/// `second` leaves with `second_root`.
pub fn verify_consistency(
    first: u64,
    second: u64,
    proof: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::SizesReversed { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if first_root == second_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if first == 0 {
        // The empty tree is a prefix of every tree.
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((head, rest)) = path.split_first() else { return Err(ProofError::WrongLength) };
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*head, *head);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongLength);
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
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != first_root || &sr != second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of the RFC 6962 reference test vectors (certificate-transparency's merkle_tree_test).
    fn rfc_leaves() -> Vec<Hash> {
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        inputs.iter().map(|l| leaf_hash(l)).collect()
    }

    fn h(s: &str) -> Hash {
        let mut out = [0u8; 32];
        out.copy_from_slice(&hex::decode(s).unwrap());
        out
    }

    #[test]
    fn trail_2_roots_match_the_rfc_6962_test_vectors() {
        let roots = [
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = rfc_leaves();
        for (n, root) in roots.iter().enumerate() {
            assert_eq!(root_of(&leaves[..n]), h(root), "root of {n} leaves");
            let mut src: &[Hash] = &leaves;
            assert_eq!(root_at(&mut src, n as u64).unwrap(), h(root), "root_at {n}");
        }
    }

    #[test]
    fn trail_2_proofs_match_the_rfc_6962_test_vectors() {
        let leaves = rfc_leaves();
        let mut src: &[Hash] = &leaves;
        // Inclusion of leaf 0 in the tree of 8, and of leaf 5 in the tree of 8 (the reference's paths).
        let p = inclusion_proof(&mut src, 0, 8).unwrap();
        let want = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ];
        assert_eq!(p, want.map(h).to_vec());
        let p = inclusion_proof(&mut src, 5, 8).unwrap();
        let want = [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ];
        assert_eq!(p, want.map(h).to_vec());
        // Consistency between 1 and 8, 6 and 8, 2 and 5.
        let p = consistency_proof(&mut src, 1, 8).unwrap();
        let want = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ];
        assert_eq!(p, want.map(h).to_vec());
        let p = consistency_proof(&mut src, 6, 8).unwrap();
        let want = [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ];
        assert_eq!(p, want.map(h).to_vec());
        let p = consistency_proof(&mut src, 2, 5).unwrap();
        let want = [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ];
        assert_eq!(p, want.map(h).to_vec());
    }

    #[test]
    fn trail_2_every_proof_up_to_70_leaves_verifies_and_a_changed_one_does_not() {
        let leaves: Vec<Hash> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut src: &[Hash] = &leaves;
        let roots: Vec<Hash> = (0..=leaves.len()).map(|n| root_of(&leaves[..n])).collect();
        let mut builder = TreeBuilder::new();
        for n in 1..=leaves.len() as u64 {
            builder.push(leaves[n as usize - 1], |_, _, _| {});
            assert_eq!(builder.root(), roots[n as usize]);
            assert_eq!(root_at(&mut src, n).unwrap(), roots[n as usize]);
            for m in 0..n {
                let p = inclusion_proof(&mut src, m, n).unwrap();
                verify_inclusion(&leaves[m as usize], m, n, &p, &roots[n as usize]).unwrap();
                let other = leaf_hash(b"other");
                assert!(verify_inclusion(&other, m, n, &p, &roots[n as usize]).is_err());
                if m + 1 < n {
                    assert!(verify_inclusion(&leaves[m as usize], m + 1, n, &p, &roots[n as usize]).is_err());
                }
                if let Some((_, shorter)) = p.split_last() {
                    assert!(verify_inclusion(&leaves[m as usize], m, n, shorter, &roots[n as usize]).is_err());
                }
            }
            for m in 0..=n {
                let p = consistency_proof(&mut src, m, n).unwrap();
                verify_consistency(m, n, &p, &roots[m as usize], &roots[n as usize])
                    .unwrap_or_else(|e| panic!("consistency {m}..{n}: {e}"));
                if m > 0 && m < n {
                    let forked = leaf_hash(b"fork");
                    assert!(verify_consistency(m, n, &p, &forked, &roots[n as usize]).is_err());
                    assert!(verify_consistency(m, n, &p, &roots[m as usize], &forked).is_err());
                    let mut bent = p.clone();
                    bent[0][0] ^= 1;
                    assert!(verify_consistency(m, n, &bent, &roots[m as usize], &roots[n as usize]).is_err());
                }
            }
        }
        assert!(verify_inclusion(&leaves[0], 3, 3, &[], &roots[3]).is_err());
        assert!(verify_consistency(5, 3, &[], &roots[5], &roots[3]).is_err());
    }

    #[test]
    fn the_builder_reports_every_complete_subtree() {
        let leaves: Vec<Hash> = (0u32..13).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut src: &[Hash] = &leaves;
        let mut builder = TreeBuilder::new();
        let mut seen = Vec::new();
        for leaf in &leaves {
            builder.push(*leaf, |level, index, hash| seen.push((level, index, *hash)));
        }
        assert_eq!(seen.len(), 13 + 6 + 3 + 1);
        for (level, index, hash) in seen {
            assert_eq!(src.node(level, index).unwrap(), hash);
        }
    }
}
