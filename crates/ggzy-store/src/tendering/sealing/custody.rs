//! The opening key's custody: the per-lot key published before bids arrive, each custodian's
//! sealed share and its submission after the deadline, and the opening transcript.

use super::*;
use crate::{db_all, db_one, db_opt, tx_exec, tx_opt};

/// Make, split and publish a lot's opening key as it starts tendering. Runs in the transaction
/// that publishes the notice (or the invitations), so a lot never tenders without one.
pub(crate) async fn publish_opening_key(
    tx: &mut Tx,
    lot: &LotRow,
    actor: &Actor,
    grant: Option<&Grant>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let exists: Option<(String,)> = tx_opt!(
        tx,
        "SELECT public_key FROM opening_keys WHERE lot_id = $1",
        lot.id
    );
    if exists.is_some() {
        return Ok(());
    }
    let policy = policy_for(tx, &lot.region).await?;
    let (custodians, has_principal) = custodians_for(tx, lot).await?;
    if !has_principal {
        return Err(FieldError::new(
            "custody",
            "custody.principal_key_missing",
            "招标人尚未登记开标密钥保管公钥，无法生成本标段的开标密钥",
            "The principal has not registered a custody key; the lot's opening key cannot be made",
        )
        .into());
    }
    let n = custodians.len();
    let k = usize::try_from(policy.threshold).unwrap_or(usize::MAX);
    if n < k.max(2) || n > 255 {
        return Err(FieldError::new(
            "custody",
            "custody.too_few_custodians",
            format!("开标密钥需 {k} 名保管人共同解密，但本地区仅 {n} 名保管人登记了公钥"),
            format!("The opening key needs {k} custodians, but only {n} have registered keys here"),
        )
        .into());
    }
    // An administrator who appointed k of the custodians could open the bids alone with their
    // credentials; the key is not made until the custodians come from more than one hand.
    if let Some(by) = custodians.iter().filter_map(|c| c.appointed_by).find(|a| {
        custodians
            .iter()
            .filter(|c| c.appointed_by == Some(*a))
            .count()
            >= k
    }) {
        return Err(FieldError::new(
            "custody",
            "custody.one_appointer",
            format!("本标段有 {k} 名及以上保管人由同一账号任命，该账号可单独解密投标文件；请由其他管理员任命保管人"),
            format!("{k} or more of the lot's custodians were appointed by one account ({by}), which could open the bids alone; have another administrator appoint custodians"),
        )
        .with_rule(RULES, "26")
        .into());
    }
    let (commitments, shares) = shamir::deal(k as u8, n as u8).or_internal()?;
    let public = commitments
        .opening_key()
        .ok_or_else(|| ServiceError::Internal("dealt a malformed key".into()))?;
    let mut listed = vec![];
    for (c, share) in custodians.iter().zip(shares.iter()) {
        let key = PublicKey::from_hex(&c.key).map_err(|_| {
            ServiceError::Internal(format!("stored custody key {} is malformed", c.key))
        })?;
        let sealed = hex::encode(key.encrypt(&share.to_bytes()));
        tx_exec!(
            tx,
            "INSERT INTO custody_shares (lot_id, share_index, account_id, label, custodian_key, sealed_share) VALUES ($1, $2, $3, $4, $5, $6)",
            lot.id,
            i64::from(share.index),
            c.account,
            &c.label,
            &c.key,
            &sealed
        );
        listed.push(CustodianView {
            share_index: i64::from(share.index),
            label: c.label.clone(),
            key_fingerprint: key.fingerprint(),
            submitted_at: None,
        });
    }
    drop(shares);
    let commitments_hex = commitments.to_hex();
    tx_exec!(
        tx,
        "INSERT INTO opening_keys (lot_id, public_key, commitments, threshold, created_at) VALUES ($1, $2, $3, $4, $5)",
        lot.id,
        public.to_hex(),
        serde_json::to_string(&commitments_hex).unwrap_or_default(),
        k as i64,
        truncate_micros(now)
    );
    log(
        tx,
        actor,
        grant,
        lot,
        "lot.opening_key_published",
        serde_json::json!({
            "public_key": public.to_hex(),
            "commitments": commitments_hex,
            "threshold": k,
            "custodians": listed,
        }),
        now,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpeningKeyView {
    pub lot_id: Uuid,
    pub lot_trade_code: String,
    /// The key bidders seal to: SM2, SEC1 uncompressed hex.
    pub public_key: String,
    /// Feldman commitments of the sharing polynomial; the first is the public key (compressed).
    pub commitments: Vec<String>,
    pub threshold: i64,
    pub custodians: Vec<CustodianView>,
    pub created_at: DateTime<Utc>,
    /// When the deadline passed and custodians were called to submit shares.
    pub convened_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
}

type KeyRow = (
    String,
    String,
    i64,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The lot's opening key and custody state: public, like the notice it comes with.
pub async fn opening_key(db: &Db, lot_id: Uuid) -> ServiceResult<Option<OpeningKeyView>> {
    let lot = load(db, lot_id).await?;
    let row: Option<KeyRow> = db_opt!(
        db,
        "SELECT public_key, commitments, CAST(threshold AS BIGINT), created_at, convened_at, opened_at FROM opening_keys WHERE lot_id = $1",
        lot_id
    );
    let Some((public_key, commitments, threshold, created_at, convened_at, opened_at)) = row else {
        return Ok(None);
    };
    let rows: Vec<(i64, String, String, Option<DateTime<Utc>>)> = db_all!(
        db,
        "SELECT CAST(share_index AS BIGINT), label, custodian_key, submitted_at FROM custody_shares WHERE lot_id = $1 ORDER BY share_index",
        lot_id
    );
    Ok(Some(OpeningKeyView {
        lot_id,
        lot_trade_code: lot.trade_code,
        public_key,
        commitments: serde_json::from_str(&commitments).unwrap_or_default(),
        threshold,
        custodians: rows
            .into_iter()
            .map(|(i, label, key, at)| CustodianView {
                share_index: i,
                label,
                key_fingerprint: PublicKey::from_hex(&key)
                    .map(|k| k.fingerprint())
                    .unwrap_or_default(),
                submitted_at: at,
            })
            .collect(),
        created_at,
        convened_at,
        opened_at,
    }))
}

/// The opening key as bidders and the opening need it.
pub(crate) async fn lot_public_key(db: &Db, lot: Uuid) -> ServiceResult<Option<PublicKey>> {
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT public_key FROM opening_keys WHERE lot_id = $1",
        lot
    );
    r.map(|(k,)| {
        PublicKey::from_hex(&k).map_err(|_| ServiceError::Internal("stored opening key".into()))
    })
    .transpose()
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CustodyTask {
    pub lot_id: Uuid,
    pub lot_name: String,
    pub lot_trade_code: String,
    pub share_index: i64,
    pub label: String,
    pub bid_deadline: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
}

/// The shares one holds, newest lots first: the custodian's workspace.
pub async fn my_custody(db: &Db, actor: &Actor) -> ServiceResult<Vec<CustodyTask>> {
    let account = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let rows: Vec<(
        Uuid,
        i64,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    )> = db_all!(
        db,
        "SELECT s.lot_id, CAST(s.share_index AS BIGINT), s.label, s.submitted_at, k.opened_at FROM custody_shares s JOIN opening_keys k ON k.lot_id = s.lot_id WHERE s.account_id = $1 ORDER BY k.created_at DESC",
        account
    );
    let mut out = vec![];
    for (lot_id, share_index, label, submitted_at, opened_at) in rows {
        let lot = load(db, lot_id).await?;
        out.push(CustodyTask {
            lot_id,
            lot_name: format!("{} {}", lot.project_name, lot.name),
            lot_trade_code: lot.trade_code,
            share_index,
            label,
            bid_deadline: lot.state.dates.map(|d| d.bid_deadline),
            submitted_at,
            opened_at,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SealedShare {
    pub lot_id: Uuid,
    pub share_index: i64,
    /// The share, SM2-encrypted to `custodian_key` (GM/T 0009 ASN.1, hex). Decrypt it with the
    /// private key (`ggzy custody open-share` or the workspace page) and submit the result.
    pub sealed_share: String,
    pub custodian_key: String,
}

fn before_deadline() -> ServiceError {
    FieldError::new(
        "share",
        "custody.before_deadline",
        "投标截止时间前任何人不得解密投标文件，开标密钥份额此时不予发放或接收",
        "Before the bid deadline nobody may decrypt a bid; shares are neither released nor accepted",
    )
    .with_rule(RULES, "27")
    .into()
}

async fn my_share_row(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<(i64, String, String, Option<DateTime<Utc>>)> {
    let account = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let r: Option<(i64, String, String, Option<DateTime<Utc>>)> = db_opt!(
        db,
        "SELECT CAST(share_index AS BIGINT), sealed_share, custodian_key, submitted_at FROM custody_shares WHERE lot_id = $1 AND account_id = $2",
        lot_id,
        account
    );
    r.ok_or(ServiceError::Forbidden(Permission::KeyCustody))
}

/// A custodian's encrypted share, released only once the deadline has passed.
pub async fn sealed_share(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<SealedShare> {
    let (share_index, sealed_share, custodian_key, _) = my_share_row(db, actor, lot_id).await?;
    let lot = load(db, lot_id).await?;
    if lot.state.dates.is_none_or(|d| now < d.bid_deadline) {
        return Err(before_deadline());
    }
    Ok(SealedShare {
        lot_id,
        share_index,
        sealed_share,
        custodian_key,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareInput {
    /// The decrypted share: 66 hex digits (index byte ‖ 32-byte value).
    pub share: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShareOutcome {
    pub submitted: i64,
    pub threshold: i64,
    /// Set when this share completed the threshold and the lot was opened.
    pub stage: Option<String>,
}

pub(super) async fn commitments_of(
    db: &Db,
    lot_id: Uuid,
) -> ServiceResult<(Commitments, i64, bool)> {
    let r: Option<(String, i64, Option<DateTime<Utc>>)> = db_opt!(
        db,
        "SELECT commitments, CAST(threshold AS BIGINT), opened_at FROM opening_keys WHERE lot_id = $1",
        lot_id
    );
    let (c, k, opened) = r.ok_or(ServiceError::NotFound("opening key"))?;
    let hex: Vec<String> = serde_json::from_str(&c).or_internal()?;
    let c = Commitments::from_hex(&hex).or_internal()?;
    Ok((c, k, opened.is_some()))
}

fn share_refused(code: &'static str, zh: String, en: String) -> ServiceError {
    FieldError::new("share", code, zh, en).into()
}

/// A custodian returns its decrypted share after the deadline. The share is checked on its own
/// against the lot's commitments; the k-th good one opens the lot.
pub async fn submit_share(
    db: &Db,
    vault: &Arc<BidVault>,
    actor: &Actor,
    lot_id: Uuid,
    input: &ShareInput,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> ServiceResult<ShareOutcome> {
    let (index, _, _, submitted) = my_share_row(db, actor, lot_id).await?;
    let lot = load(db, lot_id).await?;
    let now = clock();
    if lot.state.dates.is_none_or(|d| now < d.bid_deadline) {
        return Err(before_deadline());
    }
    let (commitments, k, opened) = commitments_of(db, lot_id).await?;
    if opened || lot.state.stage != Stage::Tendering {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "the lot is no longer waiting for shares",
        });
    }
    let checked = Share::parse_hex(&input.share)
        .map_err(|_| {
            share_refused(
                "share.malformed",
                "份额格式错误：应为 66 位十六进制".into(),
                "A share is 66 hex digits".into(),
            )
        })
        .and_then(|s| {
            if i64::from(s.index) != index {
                return Err(share_refused(
                    "share.not_yours",
                    format!("这是第 {} 号份额，您保管的是第 {index} 号", s.index),
                    format!("This is share {}, yours is share {index}", s.index),
                ));
            }
            match commitments.verify(&s) {
                Ok(()) => Ok(s),
                Err(_) => Err(share_refused(
                    "share.not_of_this_lot",
                    "该份额与本标段公布的承诺值不符（不属于本标段或已损坏）".into(),
                    "The share does not match this lot's published commitments (another lot's, or damaged)".into(),
                )),
            }
        });
    let share = match checked {
        Ok(s) => s,
        Err(e) => {
            let mut tx = db.begin().await?;
            let lot = load_for_update(&mut tx, lot_id).await?;
            log(
                &mut tx,
                actor,
                None,
                &lot,
                "lot.share_refused",
                serde_json::json!({"share_index": index, "reason": e.to_string()}),
                now,
            )
            .await?;
            tx.commit().await?;
            return Err(e);
        }
    };
    if submitted.is_none() {
        let mut tx = db.begin().await?;
        let lot = load_for_update(&mut tx, lot_id).await?;
        tx_exec!(
            &mut tx,
            "UPDATE custody_shares SET submitted_share = $1, submitted_at = $2 WHERE lot_id = $3 AND share_index = $4",
            share.to_hex(),
            truncate_micros(now),
            lot_id,
            index
        );
        let label: Option<(String,)> = tx_opt!(
            &mut tx,
            "SELECT label FROM custody_shares WHERE lot_id = $1 AND share_index = $2",
            lot_id,
            index
        );
        log(
            &mut tx,
            actor,
            None,
            &lot,
            "lot.share_submitted",
            serde_json::json!({"share_index": index, "custodian": label.map(|l| l.0)}),
            now,
        )
        .await?;
        tx.commit().await?;
    }
    drop(share);
    let (n,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL",
        lot_id
    );
    let stage = if n >= k {
        Some(
            open_with_shares(db, vault, lot_id, clock)
                .await?
                .as_str()
                .to_string(),
        )
    } else {
        None
    };
    Ok(ShareOutcome {
        submitted: n,
        threshold: k,
        stage,
    })
}

/// What happened to one envelope at the opening.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TranscriptLine {
    pub receipt_no: String,
    pub bidder_name: String,
    /// The envelope's SM3 as logged when it was received.
    pub envelope_sm3: String,
    /// SM3 of the decrypted archive; empty when it did not decrypt.
    pub package_sm3: String,
    /// `opened`, `revoked` (撤销: the bidder's doing) or `withdrawn` (撤回: anyone else's).
    pub result: String,
    pub reason: Option<String>,
}

/// The published opening transcript (开标解密记录).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transcript {
    pub lot_id: Uuid,
    pub lot_trade_code: String,
    pub opening_key: String,
    pub threshold: i64,
    /// Who returned a share, and when.
    pub shares: Vec<CustodianView>,
    pub lines: Vec<TranscriptLine>,
    pub opened_at: DateTime<Utc>,
}

pub async fn transcript(db: &Db, lot_id: Uuid) -> ServiceResult<Option<Transcript>> {
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT transcript FROM opening_transcripts WHERE lot_id = $1",
        lot_id
    );
    r.map(|(s,)| serde_json::from_str(&s).or_internal())
        .transpose()
}
