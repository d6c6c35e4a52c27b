//! Verifiable random expert draws (专家随机抽取, 条例 Art 46; Order 39 Art 11).
//!
//! The draw is a published, deterministic function of a secret seed and a snapshot of the eligible
//! pool. Before drawing, the platform logs `commitment = SM3("ggzy-expert-draw-seed-v1" ‖ seed)` and
//! the SM3 of the pool snapshot; after the result is final it reveals the seed, and anyone can
//! recompute the same experts with [`verify`] (`ggzy verify-draw`). Nobody can change the pool or
//! the seed after the commitment without the recomputation failing.
//!
//! The function, in full (so another implementation can check it):
//! - a byte stream: block `i` (from 0) is `SM3("ggzy-expert-draw-v1" ‖ seed ‖ i as u64 big-endian)`;
//!   the stream reads 8 bytes at a time as big-endian u64;
//! - `uniform(n)`: read `x`; retry while `x ≥ 2^64 − (2^64 mod n)`; return `x mod n`;
//! - groups in their listed order; in each, remove experts already picked by an earlier group,
//!   then for `i in 0..count`: `j = i + uniform(len − i)`, swap `i` and `j`, pick position `i`
//!   (a partial Fisher–Yates shuffle over the group's ids sorted ascending).

use crate::specialty::SpecialtyCode;
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use std::collections::BTreeSet;
use uuid::Uuid;

pub type Hash = [u8; 32];

fn sm3(parts: &[&[u8]]) -> Hash {
    let mut h = Sm3::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub fn to_hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(s: &str) -> Option<Hash> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let hi = (b[2 * i] as char).to_digit(16)?;
        let lo = (b[2 * i + 1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// What the platform logs before it draws.
pub fn commitment(seed: &Hash) -> Hash {
    sm3(&[b"ggzy-expert-draw-seed-v1", seed])
}

/// One group of the request: experts under `specialty`, `count` of them, drawn from `eligible`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupPool {
    #[schema(value_type = String)]
    pub specialty: SpecialtyCode,
    pub count: u32,
    /// Eligible experts' ids, ascending.
    pub eligible: Vec<Uuid>,
}

/// The snapshot's hash: SM3 over `ggzy-expert-pool-v1\n`, then per group `CODE COUNT N\n` and its
/// N ids one per line (lowercase hyphenated), each line ending in `\n`.
pub fn snapshot_hash(groups: &[GroupPool]) -> Hash {
    let mut h = Sm3::new();
    h.update(b"ggzy-expert-pool-v1\n");
    for g in groups {
        h.update(format!("{} {} {}\n", g.specialty, g.count, g.eligible.len()).as_bytes());
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        for id in &g.eligible {
            h.update(id.hyphenated().encode_lower(&mut buf).as_bytes());
            h.update(b"\n");
        }
    }
    h.finalize().into()
}

/// The seeded byte stream of the draw.
pub struct Stream {
    seed: Hash,
    block: u64,
    buf: Hash,
    pos: usize,
}

impl Stream {
    pub fn new(seed: &Hash) -> Self {
        Self {
            seed: *seed,
            block: 0,
            buf: [0; 32],
            pos: 32,
        }
    }

    fn next_u64(&mut self) -> u64 {
        if self.pos == 32 {
            self.buf = sm3(&[
                b"ggzy-expert-draw-v1",
                &self.seed,
                &self.block.to_be_bytes(),
            ]);
            self.block += 1;
            self.pos = 0;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
        self.pos += 8;
        u64::from_be_bytes(b)
    }

    /// Uniform in `0..n` without modulo bias.
    pub fn uniform(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let zone = u64::MAX - (u64::MAX % n + 1) % n;
        loop {
            let x = self.next_u64();
            if x <= zone {
                return x % n;
            }
        }
    }
}

/// One drawn expert and the group that drew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pick {
    pub group: u32,
    pub expert: Uuid,
}

/// A group ran out: it needed `needed` but only `available` were left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub group: u32,
    pub needed: u32,
    pub available: u32,
}

/// The draw itself. Deterministic in `seed` and `groups`.
pub fn draw(seed: &Hash, groups: &[GroupPool]) -> Result<Vec<Pick>, Shortfall> {
    let mut rng = Stream::new(seed);
    let mut taken: BTreeSet<Uuid> = BTreeSet::new();
    let mut out = vec![];
    for (gi, g) in groups.iter().enumerate() {
        let mut pool: Vec<Uuid> = if taken.is_empty() {
            g.eligible.clone()
        } else {
            g.eligible
                .iter()
                .filter(|e| !taken.contains(e))
                .copied()
                .collect()
        };
        let need = g.count as usize;
        if pool.len() < need {
            return Err(Shortfall {
                group: gi as u32,
                needed: g.count,
                available: pool.len() as u32,
            });
        }
        for i in 0..need {
            let j = i + rng.uniform((pool.len() - i) as u64) as usize;
            pool.swap(i, j);
            taken.insert(pool[i]);
            out.push(Pick {
                group: gi as u32,
                expert: pool[i],
            });
        }
    }
    Ok(out)
}

/// What a published draw round shows once its seed is revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PublishedRound {
    pub round: u32,
    /// SM3 commitment to the seed, logged before the draw (hex).
    pub commitment: String,
    /// SM3 of the pool snapshot, logged with the commitment (hex).
    pub snapshot_sm3: String,
    /// The seed (hex), revealed once the result is final.
    pub seed: Option<String>,
    pub groups: Vec<GroupPool>,
    pub picks: Vec<Pick>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("round {0}: the seed is not revealed yet")]
    NotRevealed(u32),
    #[error("round {0}: a value is not 64 hex digits")]
    BadHex(u32),
    #[error("round {0}: SM3 of the seed does not match the logged commitment")]
    Commitment(u32),
    #[error("round {0}: the pool snapshot does not match its logged SM3")]
    Snapshot(u32),
    #[error("round {0}: the groups cannot fill the request (group {1} short)")]
    Short(u32, u32),
    #[error("round {0}: recomputed experts differ from the published ones at position {1}")]
    Picks(u32, usize),
    #[error("round {0}: an expert's id in group {1} is out of order or repeated")]
    Unsorted(u32, u32),
}

/// Recompute one published round.
pub fn verify(r: &PublishedRound) -> Result<(), VerifyError> {
    let seed = r.seed.as_deref().ok_or(VerifyError::NotRevealed(r.round))?;
    let seed = from_hex(seed).ok_or(VerifyError::BadHex(r.round))?;
    let c = from_hex(&r.commitment).ok_or(VerifyError::BadHex(r.round))?;
    let s = from_hex(&r.snapshot_sm3).ok_or(VerifyError::BadHex(r.round))?;
    if commitment(&seed) != c {
        return Err(VerifyError::Commitment(r.round));
    }
    for (gi, g) in r.groups.iter().enumerate() {
        if g.eligible.windows(2).any(|w| w[0] >= w[1]) {
            return Err(VerifyError::Unsorted(r.round, gi as u32));
        }
    }
    if snapshot_hash(&r.groups) != s {
        return Err(VerifyError::Snapshot(r.round));
    }
    let picks = draw(&seed, &r.groups).map_err(|e| VerifyError::Short(r.round, e.group))?;
    if let Some(i) = (0..picks.len().max(r.picks.len())).find(|&i| picks.get(i) != r.picks.get(i)) {
        return Err(VerifyError::Picks(r.round, i));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    fn group(code: &str, count: u32, eligible: Vec<Uuid>) -> GroupPool {
        GroupPool {
            specialty: SpecialtyCode::parse("s", code).expect("code"),
            count,
            eligible,
        }
    }

    #[test]
    fn the_same_seed_and_pool_give_the_same_experts() {
        let g = vec![
            group("A0401", 3, ids(20)),
            group("A09", 2, ids(30)[10..].to_vec()),
        ];
        let a = draw(&[7; 32], &g).expect("fills");
        assert_eq!(a, draw(&[7; 32], &g).expect("fills"));
        assert_ne!(a, draw(&[8; 32], &g).expect("fills"));
        let mut e: Vec<Uuid> = a.iter().map(|p| p.expert).collect();
        e.sort();
        e.dedup();
        assert_eq!(
            e.len(),
            5,
            "an expert is drawn once even when two groups list it"
        );
    }

    #[test]
    fn a_short_group_is_reported_not_filled_partly() {
        let g = vec![group("A", 3, ids(3)), group("B", 1, ids(3))];
        assert_eq!(
            draw(&[1; 32], &g),
            Err(Shortfall {
                group: 1,
                needed: 1,
                available: 0
            })
        );
    }

    #[test]
    fn uniform_has_no_modulo_bias_at_the_edges() {
        let mut s = Stream::new(&[3; 32]);
        for n in [1u64, 2, 3, 7, u64::MAX] {
            for _ in 0..100 {
                assert!(s.uniform(n) < n);
            }
        }
    }

    /// Over 100,000 draws of 3 from 20 eligible experts with fixed seeds, every expert is chosen
    /// equally often: chi-square with 19 degrees of freedom below 43.82 (p = 0.001).
    #[test]
    fn every_eligible_expert_is_equally_likely() {
        let g = vec![group("A04", 3, ids(20))];
        let mut counts = [0u64; 20];
        for i in 0u64..100_000 {
            let seed = sm3(&[b"chi-square", &i.to_be_bytes()]);
            for p in draw(&seed, &g).expect("fills") {
                counts[(p.expert.as_u128() - 1) as usize] += 1;
            }
        }
        let expected = 300_000.0 / 20.0;
        let chi: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi < 43.82, "chi-square {chi} over {counts:?}");
    }

    #[test]
    fn a_published_round_verifies_and_a_changed_pool_does_not() {
        let seed = [42u8; 32];
        let groups = vec![group("A0401", 2, ids(9)), group("A09", 1, ids(12))];
        let picks = draw(&seed, &groups).expect("fills");
        let round = PublishedRound {
            round: 1,
            commitment: to_hex(&commitment(&seed)),
            snapshot_sm3: to_hex(&snapshot_hash(&groups)),
            seed: Some(to_hex(&seed)),
            groups: groups.clone(),
            picks: picks.clone(),
        };
        assert_eq!(verify(&round), Ok(()));
        let mut pool = round.clone();
        pool.groups[0].eligible.pop();
        assert_eq!(verify(&pool), Err(VerifyError::Snapshot(1)));
        let mut seed2 = round.clone();
        seed2.seed = Some(to_hex(&[43; 32]));
        assert_eq!(verify(&seed2), Err(VerifyError::Commitment(1)));
        let mut swapped = round.clone();
        swapped.picks[0].expert = Uuid::from_u128(99);
        assert_eq!(verify(&swapped), Err(VerifyError::Picks(1, 0)));
        let mut hidden = round;
        hidden.seed = None;
        assert_eq!(verify(&hidden), Err(VerifyError::NotRevealed(1)));
    }
}
