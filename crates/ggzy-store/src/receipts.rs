//! Signed bid receipts (确认回执) that a bidder can check offline, years later, without trusting
//! the platform's database: the receipt carries the logged event itself, the hash before it, a
//! signed tree head and the inclusion proof, all under the platform's SM2 signature.

use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, LeafCache, TreeHead};
use crate::tendering::bids::Receipt;
use chrono::{DateTime, Utc};
use ggzy_core::event::EventRecord;
use ggzy_seal::merkle;
use ggzy_seal::sign::{self, PlatformKey};
use ggzy_seal::{chain_hash, from_hex, to_hex};
use serde::{Deserialize, Serialize};

pub const KIND: &str = "ggzy-bid-receipt-v1";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedReceipt {
    pub kind: String,
    pub receipt_no: String,
    pub lot_trade_code: String,
    /// SM3 of the envelope exactly as received, hex.
    pub envelope_sm3: String,
    pub envelope_size: i64,
    pub received_at: DateTime<Utc>,
    /// The receipt this envelope replaces, when it modifies an earlier bid.
    pub replaces: Option<String>,
    /// The log event that accepted the envelope, as stored.
    #[schema(value_type = Object)]
    pub event: EventRecord,
    /// The salt of the event's commitment, hex: the event is chained sealed until the opening
    /// (nobody else learns that this bid exists); with the salt the bidder can check it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_salt: Option<String>,
    /// The chain hash before that event, hex.
    pub prev_hash: String,
    /// The event's chain hash: SM3(prev_hash ‖ canonical event), hex.
    pub event_hash: String,
    /// A signed tree head that includes the event.
    pub tree_head: TreeHead,
    /// RFC 6962 audit path of the event's leaf in that tree, hex.
    pub inclusion_proof: Vec<String>,
    /// The platform's SM2 public key (SEC1 hex).
    pub platform_key: String,
    /// SM2 signature (r ‖ s, hex) over [`message`].
    pub signature: String,
}

/// The bytes the platform signs: every field a dispute could turn on, length-prefixed.
pub fn message(r: &SignedReceipt) -> Vec<u8> {
    let mut m = b"ggzy-receipt-v1".to_vec();
    for f in [
        r.receipt_no.as_str(),
        &r.lot_trade_code,
        &r.envelope_sm3,
        &r.received_at.timestamp_micros().to_string(),
        r.replaces.as_deref().unwrap_or(""),
        &r.event_hash,
        &r.tree_head.root,
    ] {
        m.extend_from_slice(&(f.len() as u32).to_be_bytes());
        m.extend_from_slice(f.as_bytes());
    }
    m.extend_from_slice(&(r.envelope_size as u64).to_be_bytes());
    m.extend_from_slice(&(r.event.seq as u64).to_be_bytes());
    m.extend_from_slice(&(r.tree_head.size as u64).to_be_bytes());
    m
}

/// Sign a receipt for an accepted bid: sign a tree head covering its event and prove inclusion.
pub async fn attest(
    db: &Db,
    cache: &tokio::sync::Mutex<LeafCache>,
    key: &PlatformKey,
    receipt: &Receipt,
    now: DateTime<Utc>,
) -> ServiceResult<SignedReceipt> {
    let event = events::get(db, receipt.event_seq).await?;
    let prev_hash = if event.seq > 1 {
        events::get(db, event.seq - 1).await?.hash
    } else {
        to_hex(&ggzy_seal::GENESIS)
    };
    let mut cache = cache.lock().await;
    let head = match events::sign_head(db, &mut cache, key, now).await? {
        Some(h) => h,
        None => events::latest_head(db)
            .await?
            .ok_or_else(|| ServiceError::Internal("no tree head".into()))?,
    };
    let size = head.size as usize;
    let proof = cache
        .tree()
        .inclusion_proof((event.seq - 1) as usize, size)
        .ok_or_else(|| ServiceError::Internal("event outside the signed tree".into()))?;
    drop(cache);
    let mut r = SignedReceipt {
        kind: KIND.into(),
        receipt_no: receipt.receipt_no.clone(),
        lot_trade_code: receipt.lot_trade_code.clone(),
        envelope_sm3: receipt.package_sm3.clone(),
        envelope_size: receipt.package_size,
        received_at: receipt.received_at,
        replaces: receipt.replaces.clone(),
        event_hash: event.hash.clone(),
        event: event.record(),
        event_salt: event.salt.clone(),
        prev_hash,
        tree_head: head,
        inclusion_proof: proof.iter().map(to_hex).collect(),
        platform_key: key.public_hex(),
        signature: String::new(),
    };
    r.signature = hex::encode(key.sign(&message(&r)));
    Ok(r)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    #[error("not a ggzy bid receipt")]
    Kind,
    #[error("the receipt is signed by {0}, not the platform key you trust")]
    UntrustedKey(String),
    #[error("the platform's signature on the receipt does not verify")]
    Signature,
    #[error("the tree head's signature does not verify")]
    TreeHeadSignature,
    #[error("the event does not hash to the receipt's event hash")]
    EventHash,
    #[error("the logged event does not record this envelope")]
    EventContent,
    #[error("the inclusion proof does not lead to the tree head's root")]
    Inclusion,
    #[error("the later tree head does not extend the receipt's (consistency proof fails)")]
    Consistency,
    #[error("the envelope file's SM3 is {0}, the receipt's is another")]
    Envelope(String),
}

fn hash(s: &str) -> Result<ggzy_seal::Hash, ReceiptError> {
    from_hex(s).ok_or(ReceiptError::EventHash)
}

/// Check a receipt offline. `trusted_key` is the platform key as published (omit to trust the
/// key in the receipt, which still proves internal consistency).
pub fn verify(r: &SignedReceipt, trusted_key: Option<&str>) -> Result<(), ReceiptError> {
    if r.kind != KIND {
        return Err(ReceiptError::Kind);
    }
    if let Some(k) = trusted_key
        && !k.trim().eq_ignore_ascii_case(&r.platform_key)
    {
        return Err(ReceiptError::UntrustedKey(r.platform_key.clone()));
    }
    let sig = hex::decode(&r.signature).map_err(|_| ReceiptError::Signature)?;
    if !sign::verify(&r.platform_key, &message(r), &sig).unwrap_or(false) {
        return Err(ReceiptError::Signature);
    }
    let root = hash(&r.tree_head.root)?;
    let head_sig =
        hex::decode(&r.tree_head.signature).map_err(|_| ReceiptError::TreeHeadSignature)?;
    let head_msg = sign::tree_head_message(
        r.tree_head.size as u64,
        &root,
        r.tree_head.signed_at.timestamp_micros(),
    );
    if !sign::verify(&r.platform_key, &head_msg, &head_sig).unwrap_or(false) {
        return Err(ReceiptError::TreeHeadSignature);
    }
    let event_hash = hash(&r.event_hash)?;
    let salt = match &r.event_salt {
        Some(s) => Some(hex::decode(s).map_err(|_| ReceiptError::EventHash)?),
        None => None,
    };
    if chain_hash(
        &hash(&r.prev_hash)?,
        &r.event.chained_bytes(salt.as_deref()),
    ) != event_hash
    {
        return Err(ReceiptError::EventHash);
    }
    let payload: serde_json::Value =
        serde_json::from_str(&r.event.payload).map_err(|_| ReceiptError::EventContent)?;
    if payload.get("envelope_sm3").and_then(|v| v.as_str()) != Some(r.envelope_sm3.as_str())
        || payload.get("receipt_no").and_then(|v| v.as_str()) != Some(r.receipt_no.as_str())
    {
        return Err(ReceiptError::EventContent);
    }
    let proof: Vec<ggzy_seal::Hash> = r
        .inclusion_proof
        .iter()
        .map(|p| from_hex(p).ok_or(ReceiptError::Inclusion))
        .collect::<Result<_, _>>()?;
    let leaf = merkle::leaf_hash(&event_hash);
    if r.event.seq < 1
        || !merkle::verify_inclusion(
            (r.event.seq - 1) as u64,
            r.tree_head.size as u64,
            &leaf,
            &proof,
            &root,
        )
    {
        return Err(ReceiptError::Inclusion);
    }
    Ok(())
}

/// Check that a later published tree head extends the receipt's, so the bid is still in the log.
pub fn verify_later_head(
    r: &SignedReceipt,
    later: &TreeHead,
    consistency: &[String],
) -> Result<(), ReceiptError> {
    let sig = hex::decode(&later.signature).map_err(|_| ReceiptError::TreeHeadSignature)?;
    let later_root = from_hex(&later.root).ok_or(ReceiptError::Consistency)?;
    let msg = sign::tree_head_message(
        later.size as u64,
        &later_root,
        later.signed_at.timestamp_micros(),
    );
    if !sign::verify(&r.platform_key, &msg, &sig).unwrap_or(false) {
        return Err(ReceiptError::TreeHeadSignature);
    }
    if later.size == r.tree_head.size {
        return if later.root == r.tree_head.root {
            Ok(())
        } else {
            Err(ReceiptError::Consistency)
        };
    }
    let proof: Vec<ggzy_seal::Hash> = consistency
        .iter()
        .map(|p| from_hex(p).ok_or(ReceiptError::Consistency))
        .collect::<Result<_, _>>()?;
    let old_root = from_hex(&r.tree_head.root).ok_or(ReceiptError::Consistency)?;
    if later.size < r.tree_head.size
        || !merkle::verify_consistency(
            r.tree_head.size as u64,
            later.size as u64,
            &old_root,
            &later_root,
            &proof,
        )
    {
        return Err(ReceiptError::Consistency);
    }
    Ok(())
}

/// Check an envelope file against the receipt.
pub fn verify_envelope(r: &SignedReceipt, envelope: &[u8]) -> Result<(), ReceiptError> {
    let h = to_hex(&ggzy_seal::sm3(&[envelope]));
    if h == r.envelope_sm3 {
        Ok(())
    } else {
        Err(ReceiptError::Envelope(h))
    }
}
