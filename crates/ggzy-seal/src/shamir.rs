//! k-of-n custody of an opening key: Shamir sharing over the SM2 group order with Feldman
//! commitments, so each custodian's share is checked on its own against the lot's published
//! commitments — a share from another lot, or a corrupted one, is refused before any key is rebuilt.
//!
//! The secret is an SM2 private scalar `d`; the first commitment is `d·G`, the lot's opening public
//! key. Any k shares rebuild `d` by Lagrange interpolation at 0; k−1 shares say nothing about it.

use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::group::GroupEncoding;
use sm2::{FieldBytes, ProjectivePoint, Scalar};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ShareError {
    #[error("k and n must satisfy 1 ≤ k ≤ n ≤ 255")]
    Threshold,
    #[error("share bytes are malformed")]
    Malformed,
    #[error("share {0} does not match this lot's commitments")]
    NotOfThisLot(u8),
    #[error("two shares carry the same index {0}")]
    Duplicate(u8),
    #[error("{have} shares given, {need} needed")]
    TooFew { have: usize, need: usize },
}

/// One custodian's share: its index (1..=n) and the polynomial's value there.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    pub index: u8,
    pub value: [u8; 32],
}

impl std::fmt::Debug for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A share is secret material: never print its value.
        write!(f, "Share({})", self.index)
    }
}

impl Share {
    /// 33 bytes: index ‖ value. This is what gets encrypted to a custodian's key.
    pub fn to_bytes(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out[0] = self.index;
        out[1..].copy_from_slice(&self.value);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, ShareError> {
        if b.len() != 33 || b[0] == 0 {
            return Err(ShareError::Malformed);
        }
        let mut value = [0u8; 32];
        value.copy_from_slice(&b[1..]);
        if scalar(&value).is_none() {
            return Err(ShareError::Malformed);
        }
        Ok(Self { index: b[0], value })
    }

    /// The form a custodian submits: 66 hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_bytes())
    }

    pub fn parse_hex(s: &str) -> Result<Self, ShareError> {
        let b = hex::decode(s.trim()).map_err(|_| ShareError::Malformed)?;
        Self::from_bytes(&b)
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        crate::keys::wipe(&mut self.value);
    }
}

impl Commitments {
    pub fn to_hex(&self) -> Vec<String> {
        self.0.iter().map(hex::encode).collect()
    }

    pub fn from_hex(v: &[String]) -> Result<Self, ShareError> {
        let mut out = Vec::with_capacity(v.len());
        for s in v {
            let b: [u8; 33] = hex::decode(s)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(ShareError::Malformed)?;
            point(&b).ok_or(ShareError::Malformed)?;
            out.push(b);
        }
        if out.is_empty() {
            return Err(ShareError::Malformed);
        }
        Ok(Self(out))
    }
}

/// Lagrange interpolation at 0 of the given shares, unchecked: what any set of shares "says" the
/// secret is. With fewer than k shares this is a wrong value, which tests use to show it.
pub fn interpolate(used: &[Share]) -> Result<[u8; 32], ShareError> {
    let mut secret = Scalar::ZERO;
    for (i, si) in used.iter().enumerate() {
        let xi = Scalar::from(u64::from(si.index));
        let mut num = Scalar::ONE;
        let mut den = Scalar::ONE;
        for (j, sj) in used.iter().enumerate() {
            if i != j {
                let xj = Scalar::from(u64::from(sj.index));
                num *= xj;
                den *= xj - xi;
            }
        }
        let inv: Option<Scalar> = den.invert().into();
        let y = scalar(&si.value).ok_or(ShareError::Malformed)?;
        secret += y * num * inv.ok_or(ShareError::Malformed)?;
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&secret.to_repr());
    Ok(out)
}

/// The published commitments `a_j·G` of the sharing polynomial's coefficients (SEC1 compressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitments(pub Vec<[u8; 33]>);

fn random_scalar() -> Scalar {
    loop {
        let mut b = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
        let s: Option<Scalar> = Scalar::from_repr(FieldBytes::from(b)).into();
        if let Some(s) = s.filter(|s| !bool::from(s.is_zero())) {
            return s;
        }
    }
}

fn scalar(b: &[u8; 32]) -> Option<Scalar> {
    Scalar::from_repr(FieldBytes::from(*b)).into()
}

fn point_bytes(p: &ProjectivePoint) -> [u8; 33] {
    let mut out = [0u8; 33];
    out.copy_from_slice(&p.to_affine().to_bytes());
    out
}

fn point(b: &[u8; 33]) -> Option<ProjectivePoint> {
    let enc = <sm2::AffinePoint as GroupEncoding>::Repr::try_from(&b[..]).ok()?;
    let p: Option<sm2::AffinePoint> = sm2::AffinePoint::from_bytes(&enc).into();
    p.map(ProjectivePoint::from)
}

/// Make a fresh opening key and split it k-of-n. Returns the commitments (the first is the public
/// key) and the n shares; the private key itself is dropped here and never leaves this function.
pub fn deal(k: u8, n: u8) -> Result<(Commitments, Vec<Share>), ShareError> {
    if k == 0 || k > n {
        return Err(ShareError::Threshold);
    }
    let coeffs: Vec<Scalar> = (0..k).map(|_| random_scalar()).collect();
    let commitments = coeffs
        .iter()
        .map(|a| point_bytes(&(ProjectivePoint::GENERATOR * a)))
        .collect();
    let shares = (1..=n)
        .map(|i| {
            let x = Scalar::from(u64::from(i));
            // Horner: a_0 + x(a_1 + x(a_2 + …))
            let y = coeffs.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a);
            let mut value = [0u8; 32];
            value.copy_from_slice(&y.to_repr());
            Share { index: i, value }
        })
        .collect();
    Ok((Commitments(commitments), shares))
}

impl Commitments {
    /// The lot's opening public key (SEC1 compressed).
    pub fn public_key(&self) -> Option<&[u8; 33]> {
        self.0.first()
    }

    pub fn threshold(&self) -> usize {
        self.0.len()
    }

    /// Feldman check: `y·G == Σ x^j·C_j`.
    pub fn verify(&self, s: &Share) -> Result<(), ShareError> {
        let y = scalar(&s.value).ok_or(ShareError::Malformed)?;
        if s.index == 0 {
            return Err(ShareError::Malformed);
        }
        let x = Scalar::from(u64::from(s.index));
        let mut acc = ProjectivePoint::IDENTITY;
        let mut xp = Scalar::ONE;
        for c in &self.0 {
            acc += point(c).ok_or(ShareError::Malformed)? * xp;
            xp *= x;
        }
        if point_bytes(&(ProjectivePoint::GENERATOR * y)) == point_bytes(&acc) {
            Ok(())
        } else {
            Err(ShareError::NotOfThisLot(s.index))
        }
    }

    /// The lot's opening public key, as an encryption key.
    pub fn opening_key(&self) -> Option<crate::keys::PublicKey> {
        crate::keys::PublicKey::from_sec1(self.public_key()?).ok()
    }

    /// Rebuild the opening key in memory; it is wiped when dropped.
    pub fn rebuild(&self, shares: &[Share]) -> Result<crate::keys::SecretKey, ShareError> {
        let mut d = self.combine(shares)?;
        let k = crate::keys::SecretKey::from_bytes(d).map_err(|_| ShareError::Malformed);
        crate::keys::wipe(&mut d);
        k
    }

    /// Rebuild the private key from at least k verified shares. The caller wipes it after use.
    pub fn combine(&self, shares: &[Share]) -> Result<[u8; 32], ShareError> {
        let k = self.threshold();
        if shares.len() < k {
            return Err(ShareError::TooFew {
                have: shares.len(),
                need: k,
            });
        }
        let mut seen = [false; 256];
        for s in shares {
            if std::mem::replace(&mut seen[usize::from(s.index)], true) {
                return Err(ShareError::Duplicate(s.index));
            }
            self.verify(s)?;
        }
        let out = interpolate(&shares[..k])?;
        let secret = scalar(&out).ok_or(ShareError::Malformed)?;
        if Some(&point_bytes(&(ProjectivePoint::GENERATOR * secret))) != self.public_key() {
            return Err(ShareError::NotOfThisLot(0));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_three_of_five_rebuild_the_key_and_two_do_not() {
        let (c, shares) = deal(3, 5).expect("deal");
        let pk = *c.public_key().expect("pk");
        for combo in [[0, 1, 2], [0, 3, 4], [4, 2, 1], [1, 3, 4]] {
            let pick: Vec<Share> = combo.iter().map(|&i| shares[i].clone()).collect();
            let d = c.combine(&pick).expect("rebuild");
            let d = scalar(&d).expect("scalar");
            assert_eq!(point_bytes(&(ProjectivePoint::GENERATOR * d)), pk);
        }
        assert_eq!(
            c.combine(&shares[..2]),
            Err(ShareError::TooFew { have: 2, need: 3 })
        );
        assert_eq!(
            c.combine(&[shares[0].clone(), shares[0].clone(), shares[1].clone()]),
            Err(ShareError::Duplicate(1))
        );
    }

    #[test]
    fn a_share_of_another_lot_or_a_changed_one_is_refused_on_its_own() {
        let (c, shares) = deal(3, 5).expect("deal");
        let (_, other) = deal(3, 5).expect("other lot");
        assert!(c.verify(&shares[2]).is_ok());
        assert_eq!(c.verify(&other[2]), Err(ShareError::NotOfThisLot(3)));
        let mut bent = shares[1].clone();
        bent.value[31] ^= 1;
        assert!(c.verify(&bent).is_err());
        assert_eq!(
            format!("{:?}", shares[0]),
            "Share(1)",
            "debug output hides the value"
        );
        assert_eq!(deal(0, 5).err(), Some(ShareError::Threshold));
        assert_eq!(deal(6, 5).err(), Some(ShareError::Threshold));
    }
}
