//! Sealed bids nobody can open early (电子招标投标办法 Art 26–31).
//!
//! When a lot starts tendering an SM2 opening key is made for it and split k-of-n among its
//! custodians — the region's key custodians and the principal — each share encrypted to the
//! custodian's own key; the private key is dropped in the same call and never stored. Bidders seal
//! envelopes to the public key. After the deadline custodians return their shares; with k of them
//! the key is rebuilt in memory, every envelope is checked against its logged hash and opened, and
//! the key is wiped. Too few shares by the configured time postpones the opening and tells everyone.

use super::bids::{self, parse_form};
use super::{LotRow, load, load_for_update, log, push, step};
use crate::actor::{Actor, Grant};
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::notices::publish_notice_row;
use crate::tendering::schedule;
use crate::vault::BidVault;
use crate::{on_db, on_tx};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::procedure::{Command, Event, Stage};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::rulepack::CUSTODY_PACK;
use ggzy_seal::envelope::{Envelope, FINGERPRINT_FILE, FORM_FILE, Payload};
use ggzy_seal::keys::{PublicKey, SecretKey};
use ggzy_seal::shamir::{self, Commitments, Share};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// Shares needed when a region sets nothing: a platform default, not a statutory value.
pub const DEFAULT_THRESHOLD: i64 = 3;
/// How long after the deadline the opening waits for shares before it is postponed (platform
/// default; the region may set its own).
pub const DEFAULT_POSTPONE_MINUTES: i64 = 30;
pub const BID_SIGNING: &str = "bid_signing";
pub const CUSTODY: &str = "custody";
const RULES: &str = "电子招标投标办法";

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    /// `bid_signing` (a bidder's envelope key, bound to its entity) or `custody` (receives shares).
    pub purpose: String,
    /// SM2 public key, SEC1 hex (uncompressed 130 digits or compressed 66).
    pub public_key: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PartyKeyView {
    pub public_key: String,
    pub fingerprint: String,
    pub purpose: String,
    pub entity_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn key_field(code: &'static str, zh: &str, en: &str) -> ServiceError {
    FieldError::new("public_key", code, zh, en).into()
}

/// Register one's public key. The private half never reaches the platform.
pub async fn register_key(
    db: &Db,
    actor: &Actor,
    input: &KeyInput,
    now: DateTime<Utc>,
) -> ServiceResult<PartyKeyView> {
    let account = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let purpose = match input.purpose.as_str() {
        BID_SIGNING => {
            if actor.entity_id.is_none() {
                return Err(ServiceError::Forbidden(Permission::EntityManage));
            }
            BID_SIGNING
        }
        CUSTODY => {
            if !actor.has(Permission::KeyCustody) && !actor.has(Permission::ProjectRegister) {
                return Err(ServiceError::Forbidden(Permission::KeyCustody));
            }
            CUSTODY
        }
        _ => {
            return Err(FieldError::new(
                "purpose",
                "key.purpose",
                "用途应为 bid_signing（投标签名）或 custody（开标密钥保管）",
                "Purpose is bid_signing or custody",
            )
            .into());
        }
    };
    let key = PublicKey::from_hex(&input.public_key).map_err(|_| {
        key_field(
            "key.invalid",
            "不是有效的 SM2 公钥（SEC1 十六进制，130 或 66 位）",
            "Not a valid SM2 public key (SEC1 hex, 130 or 66 digits)",
        )
    })?;
    let view = PartyKeyView {
        public_key: key.to_hex(),
        fingerprint: key.fingerprint(),
        purpose: purpose.into(),
        entity_id: (purpose == BID_SIGNING)
            .then_some(actor.entity_id)
            .flatten(),
        created_at: truncate_micros(now),
        revoked_at: None,
    };
    let mut tx = db.begin().await?;
    let r = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO party_keys (public_key, fingerprint, account_id, entity_id, purpose, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&view.public_key)
    .bind(&view.fingerprint)
    .bind(account)
    .bind(view.entity_id)
    .bind(purpose)
    .bind(view.created_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    });
    match r {
        Ok(_) => {
            log_key(&mut tx, actor, "key.registered", &view, now).await?;
            tx.commit().await?;
            Ok(view)
        }
        Err(e) if crate::db::unique_violation(&e) == Some("party_keys.public_key") => {
            Err(key_field(
                "key.taken",
                "该公钥已登记",
                "This public key is already registered",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn my_keys(db: &Db, actor: &Actor) -> ServiceResult<Vec<PartyKeyView>> {
    let account = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT public_key, fingerprint, purpose, entity_id, created_at, revoked_at FROM party_keys WHERE account_id = $1 ORDER BY created_at DESC"
    )
    .bind(account)
    .fetch_all(p)
    .await?
    }))
}

/// Revoke one's own key: envelopes signed with it are refused from now on; shares already dealt
/// to it stay valid for their lots (the custodian still holds the private key).
pub async fn revoke_key(
    db: &Db,
    actor: &Actor,
    public_key: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let account = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let mut tx = db.begin().await?;
    let revoked: Option<PartyKeyView> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
        "UPDATE party_keys SET revoked_at = $1 WHERE public_key = $2 AND account_id = $3 AND revoked_at IS NULL
         RETURNING public_key, fingerprint, purpose, entity_id, created_at, revoked_at"
    )
    .bind(truncate_micros(now))
    .bind(public_key)
    .bind(account)
    .fetch_optional(c)
    .await?
    });
    let Some(view) = revoked else {
        return Err(ServiceError::NotFound("key"));
    };
    log_key(&mut tx, actor, "key.revoked", &view, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Every key registered or revoked is an event: a custody key decides who can open bids, and a
/// signing key whose bids are accepted.
async fn log_key(
    tx: &mut Tx,
    actor: &Actor,
    kind: &'static str,
    key: &PartyKeyView,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let region = actor
        .grants
        .first()
        .map_or_else(|| "000000".to_string(), |g| g.region.to_string());
    events::append(
        tx,
        NewEvent::by(
            actor,
            &region,
            kind,
            format!("account:{}", actor.account_id.unwrap_or_default()),
            serde_json::json!({"purpose": key.purpose, "fingerprint": key.fingerprint}),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// An entity's unified social credit code (the envelope header names the bidder by it).
pub async fn uscc_of(db: &Db, entity: Uuid) -> ServiceResult<String> {
    let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT uscc FROM entities WHERE id = $1"
    )
    .bind(entity)
    .fetch_optional(p)
    .await?);
    r.map(|r| r.0).ok_or(ServiceError::NotFound("entity"))
}

/// The entity whose active signing key this is.
pub(crate) async fn signing_key_entity(db: &Db, public_hex: &str) -> ServiceResult<Option<Uuid>> {
    let r: Option<(Option<Uuid>,)> = on_db!(db, |c| {
        sqlx::query_as(
        "SELECT entity_id FROM party_keys WHERE public_key = $1 AND purpose = 'bid_signing' AND revoked_at IS NULL"
    )
    .bind(public_hex)
    .fetch_optional(c)
    .await?
    });
    Ok(r.and_then(|r| r.0))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustodyPolicy {
    /// Shares needed to open (k). At least 2.
    pub threshold: i64,
    /// Minutes after the deadline before a short-handed opening is postponed, and between notices.
    pub postpone_minutes: i64,
}

pub async fn set_policy(
    db: &Db,
    actor: &Actor,
    region: &DivisionCode,
    policy: &CustodyPolicy,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let grant = actor.require(Permission::ConfigAdmin, region)?.clone();
    let floor = CUSTODY_PACK.threshold_floor;
    if !(i64::from(floor.value)..=20).contains(&policy.threshold) {
        return Err(FieldError::new(
            "threshold",
            "custody.threshold",
            format!(
                "门限应为 {} 至 20（任何一名保管人不得单独解密）",
                floor.value
            ),
            format!(
                "The threshold is {} to 20 (no custodian decrypts alone)",
                floor.value
            ),
        )
        .with_rule(floor.regulation, floor.article)
        .into());
    }
    if !(1..=24 * 60).contains(&policy.postpone_minutes) {
        return Err(FieldError::new(
            "postpone_minutes",
            "custody.postpone",
            "延期等待时间应为 1 至 1440 分钟",
            "The wait is 1 to 1440 minutes",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO custody_policies (region_code, threshold, postpone_minutes) VALUES ($1, $2, $3)
         ON CONFLICT (region_code) DO UPDATE SET threshold = $2, postpone_minutes = $3"
    )
    .bind(region.as_str())
    .bind(policy.threshold)
    .bind(policy.postpone_minutes)
    .execute(c)
    .await?
    .rows_affected()
    });
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(Some(&grant)),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind: "custody.policy_set",
            subject: format!("region:{region}"),
            payload: serde_json::json!({"threshold": policy.threshold, "postpone_minutes": policy.postpone_minutes}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn lineage(region: &DivisionCode) -> Vec<String> {
    let mut out = vec![region.to_string()];
    let mut r = region.parent();
    while let Some(p) = r {
        out.push(p.to_string());
        r = p.parent();
    }
    out
}

async fn policy_for(tx: &mut Tx, region: &DivisionCode) -> ServiceResult<CustodyPolicy> {
    for code in lineage(region) {
        let r: Option<(i64, i64)> = on_tx!(tx, |c| {
            sqlx::query_as(
            "SELECT CAST(threshold AS BIGINT), CAST(postpone_minutes AS BIGINT) FROM custody_policies WHERE region_code = $1"
        )
        .bind(&code)
        .fetch_optional(c)
        .await?
        });
        if let Some((threshold, postpone_minutes)) = r {
            return Ok(CustodyPolicy {
                threshold,
                postpone_minutes,
            });
        }
    }
    Ok(CustodyPolicy {
        threshold: DEFAULT_THRESHOLD,
        postpone_minutes: DEFAULT_POSTPONE_MINUTES,
    })
}

struct Custodian {
    account: Uuid,
    label: String,
    key: String,
    /// Who granted the custodian role; None for the principal and for seeded roles.
    appointed_by: Option<Uuid>,
}

/// The lot's custodians: every account holding the custodian role for the lot's region (or a
/// region above it), then the principal, each with its newest custody key.
async fn custodians_for(tx: &mut Tx, lot: &LotRow) -> ServiceResult<(Vec<Custodian>, bool)> {
    let mut out: Vec<Custodian> = vec![];
    for code in lineage(&lot.region) {
        let rows: Vec<(Uuid, String, String, Option<Uuid>)> = on_tx!(tx, |c| {
            sqlx::query_as(
            "SELECT a.id, a.display_name, k.public_key, g.granted_by FROM role_grants g
             JOIN accounts a ON a.id = g.account_id
             JOIN party_keys k ON k.account_id = a.id AND k.purpose = 'custody' AND k.revoked_at IS NULL
             WHERE g.role = 'custodian' AND g.region_code = $1
             ORDER BY a.username, k.created_at DESC"
        )
        .bind(&code)
        .fetch_all(c)
        .await?
        });
        for (account, name, key, appointed_by) in rows {
            if !out.iter().any(|c| c.account == account) {
                out.push(Custodian {
                    account,
                    label: format!("{name}（开标密钥保管人）"),
                    key,
                    appointed_by,
                });
            }
        }
    }
    let principal: Option<(Uuid, String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT a.id, e.name, k.public_key FROM accounts a
         JOIN entities e ON e.id = a.entity_id
         JOIN party_keys k ON k.account_id = a.id AND k.purpose = 'custody' AND k.revoked_at IS NULL
         WHERE a.entity_id = $1 ORDER BY k.created_at DESC LIMIT 1"
    )
    .bind(lot.principal_id)
    .fetch_optional(c)
    .await?);
    let has_principal = principal.is_some();
    if let Some((account, name, key)) = principal
        && !out.iter().any(|c| c.account == account)
    {
        out.push(Custodian {
            account,
            label: format!("{name}（招标人）"),
            key,
            appointed_by: None,
        });
    }
    Ok((out, has_principal))
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustodianView {
    pub share_index: i64,
    pub label: String,
    /// Fingerprint of the custodian's key the share is encrypted to.
    pub key_fingerprint: String,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Make, split and publish a lot's opening key as it starts tendering. Runs in the transaction
/// that publishes the notice (or the invitations), so a lot never tenders without one.
pub(crate) async fn publish_opening_key(
    tx: &mut Tx,
    lot: &LotRow,
    actor: &Actor,
    grant: Option<&Grant>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let exists: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT public_key FROM opening_keys WHERE lot_id = $1"
    )
    .bind(lot.id)
    .fetch_optional(c)
    .await?);
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
        on_tx!(tx, |cn| {
            sqlx::query(
            "INSERT INTO custody_shares (lot_id, share_index, account_id, label, custodian_key, sealed_share) VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(lot.id)
        .bind(i64::from(share.index))
        .bind(c.account)
        .bind(&c.label)
        .bind(&c.key)
        .bind(&sealed)
        .execute(cn)
        .await?
        .rows_affected()
        });
        listed.push(CustodianView {
            share_index: i64::from(share.index),
            label: c.label.clone(),
            key_fingerprint: key.fingerprint(),
            submitted_at: None,
        });
    }
    drop(shares);
    let commitments_hex = commitments.to_hex();
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO opening_keys (lot_id, public_key, commitments, threshold, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(lot.id)
    .bind(public.to_hex())
    .bind(serde_json::to_string(&commitments_hex).unwrap_or_default())
    .bind(k as i64)
    .bind(truncate_micros(now))
    .execute(c)
    .await?
    .rows_affected()
    });
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
    let row: Option<KeyRow> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT public_key, commitments, CAST(threshold AS BIGINT), created_at, convened_at, opened_at FROM opening_keys WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?
    });
    let Some((public_key, commitments, threshold, created_at, convened_at, opened_at)) = row else {
        return Ok(None);
    };
    let rows: Vec<(i64, String, String, Option<DateTime<Utc>>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT CAST(share_index AS BIGINT), label, custodian_key, submitted_at FROM custody_shares WHERE lot_id = $1 ORDER BY share_index"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?
    });
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
    let r: Option<(String,)> = on_db!(db, |c| sqlx::query_as(
        "SELECT public_key FROM opening_keys WHERE lot_id = $1"
    )
    .bind(lot)
    .fetch_optional(c)
    .await?);
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
    )> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT s.lot_id, CAST(s.share_index AS BIGINT), s.label, s.submitted_at, k.opened_at FROM custody_shares s JOIN opening_keys k ON k.lot_id = s.lot_id WHERE s.account_id = $1 ORDER BY k.created_at DESC"
        )
        .bind(account)
        .fetch_all(p)
        .await?
    });
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
    let r: Option<(i64, String, String, Option<DateTime<Utc>>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT CAST(share_index AS BIGINT), sealed_share, custodian_key, submitted_at FROM custody_shares WHERE lot_id = $1 AND account_id = $2"
    )
    .bind(lot_id)
    .bind(account)
    .fetch_optional(p)
    .await?
    });
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

async fn commitments_of(db: &Db, lot_id: Uuid) -> ServiceResult<(Commitments, i64, bool)> {
    let r: Option<(String, i64, Option<DateTime<Utc>>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT commitments, CAST(threshold AS BIGINT), opened_at FROM opening_keys WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?
    });
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
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "UPDATE custody_shares SET submitted_share = $1, submitted_at = $2 WHERE lot_id = $3 AND share_index = $4"
        )
        .bind(share.to_hex())
        .bind(truncate_micros(now))
        .bind(lot_id)
        .bind(index)
        .execute(c)
        .await?
        .rows_affected()
        });
        let label: Option<(String,)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT label FROM custody_shares WHERE lot_id = $1 AND share_index = $2"
        )
        .bind(lot_id)
        .bind(index)
        .fetch_optional(c)
        .await?);
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
    let (n,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*) FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL"
    )
    .bind(lot_id)
    .fetch_one(p)
    .await?);
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
    let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT transcript FROM opening_transcripts WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    r.map(|(s,)| serde_json::from_str(&s).or_internal())
        .transpose()
}

/// One envelope's fate, worked out without touching the database.
pub enum Opened {
    Ok {
        form: ggzy_core::evaluation::BidForm,
        fingerprint: String,
        package_sm3: String,
    },
    Failed {
        by_bidder: bool,
        reason: String,
    },
}

/// A standing bid as the opening needs it.
pub struct BidToOpen {
    pub id: Uuid,
    pub bidder: Uuid,
    pub name: String,
    pub receipt_no: String,
    pub envelope_sm3: String,
    pub received_at: DateTime<Utc>,
    pub bond: i64,
}

/// Check and decrypt one stored envelope. A missing or altered file, or one that no longer
/// verifies, is the platform's fault (the receipt proves what was received); a key that does not
/// unwrap, a failing tag or a bad archive is the bidder's.
fn open_one(vault: &BidVault, lot: Uuid, key: &SecretKey, b: &BidToOpen) -> Opened {
    let platform = |reason: &str| Opened::Failed {
        by_bidder: false,
        reason: reason.into(),
    };
    let bidder = |reason: String| Opened::Failed {
        by_bidder: true,
        reason,
    };
    let Ok(bytes) = vault.read_envelope(lot, b.id) else {
        return platform("平台存储中找不到该投标文件 / the stored envelope is missing");
    };
    let Ok(env) = Envelope::parse(&bytes) else {
        return platform("平台存储的投标文件已损坏 / the stored envelope is damaged");
    };
    if ggzy_seal::to_hex(&env.sm3()) != b.envelope_sm3 {
        return platform(
            "平台存储的投标文件与回执记录的哈希不符 / the stored envelope differs from the receipt",
        );
    }
    if env.verify_signature().is_err() {
        return platform("平台存储的投标文件签名失效 / the stored envelope no longer verifies");
    }
    let payload = match env.open(key) {
        Ok(p) => p,
        Err(e) => return bidder(format!("投标人加密的文件无法解密 / {e}")),
    };
    let form = payload
        .file(FORM_FILE)
        .ok_or_else(|| "no bid form".to_string())
        .and_then(|f| serde_json::from_slice::<bids::BidFormInput>(f).map_err(|e| e.to_string()))
        .and_then(|input| {
            parse_form(&input)
                .map(|(form, _)| form)
                .map_err(|e| e.to_string())
        });
    let form = match form {
        Ok(f) => f,
        Err(e) => return bidder(format!("投标函数据无效 / bid form invalid: {e}")),
    };
    let fingerprint = payload
        .file(FINGERPRINT_FILE)
        .map(|f| String::from_utf8_lossy(f).chars().take(500).collect())
        .unwrap_or_default();
    let packed = Payload::pack(&payload.files);
    let package_sm3 = ggzy_seal::to_hex(&ggzy_seal::sm3(&[&packed]));
    if let Err(e) = vault.store_opened(lot, b.id, &packed) {
        return platform(&format!(
            "平台保存解密文件失败 / storing the decrypted archive failed: {e}"
        ));
    }
    Opened::Ok {
        form,
        fingerprint,
        package_sm3,
    }
}

/// Decrypt `bids` on every core; results in input order. The opening's whole per-envelope work,
/// public so the benchmark measures exactly this.
pub fn open_all(vault: &BidVault, lot: Uuid, key: &SecretKey, bids: &[BidToOpen]) -> Vec<Opened> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(bids.len().max(1));
    // Workers take the next envelope as they finish one, so a large bid does not hold up a core's
    // whole share; each returns its results with their positions.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Opened)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = vec![];
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(b) = bids.get(i) else { break mine };
                        mine.push((i, open_one(vault, lot, key, b)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    let mut done = done.into_iter().peekable();
    // A worker that panicked left gaps: those envelopes are the platform's failure, not the bidder's.
    (0..bids.len())
        .map(|i| match done.next_if(|(j, _)| *j == i) {
            Some((_, r)) => r,
            None => Opened::Failed {
                by_bidder: false,
                reason: "internal".into(),
            },
        })
        .collect()
}

type ActiveBid = (Uuid, Uuid, String, String, String, DateTime<Utc>, i64);

/// Decide first, decrypt after: no envelope is touched unless the opening has been convened and
/// the procedure would open the lot now (deadline passed, no pending objection holding it, enough
/// bids). A refusal here leaves every envelope sealed; a custodian submitting again retries.
async fn opening_is_due(db: &Db, lot_id: Uuid, now: DateTime<Utc>) -> ServiceResult<()> {
    let convened = opening_key(db, lot_id)
        .await?
        .is_some_and(|k| k.convened_at.is_some());
    let mut tx = db.begin().await?;
    let lot = load_for_update(&mut tx, lot_id).await?;
    let events = super::decide_in(&mut tx, &lot, &Command::Open, now).await?;
    tx.rollback().await?;
    if !convened {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: "opening_convened",
            reason: "the opening has not been convened",
        });
    }
    if !events
        .iter()
        .any(|e| matches!(e, ggzy_core::procedure::Event::Opened { .. }))
    {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: "bids",
            reason: "too few bids to open: the envelopes stay sealed",
        });
    }
    Ok(())
}

/// Rebuild the key from the submitted shares, open every envelope, wipe the key, and record the
/// opening in one transaction. Two callers racing here both decrypt; one commits.
pub async fn open_with_shares(
    db: &Db,
    vault: &Arc<BidVault>,
    lot_id: Uuid,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> ServiceResult<Stage> {
    let (commitments, k, opened) = commitments_of(db, lot_id).await?;
    if opened {
        return Ok(load(db, lot_id).await?.state.stage);
    }
    opening_is_due(db, lot_id, clock()).await?;
    let rows: Vec<(Option<String>,)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT submitted_share FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL ORDER BY share_index"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?
    });
    let shares: Vec<Share> = rows
        .iter()
        .filter_map(|(s,)| s.as_deref().and_then(|s| Share::parse_hex(s).ok()))
        .collect();
    if (shares.len() as i64) < k {
        return Err(ServiceError::OutOfOrder {
            stage: "tendering",
            waits_for: "custodian_shares",
            reason: "fewer shares than the threshold",
        });
    }
    let key = commitments
        .rebuild(&shares)
        .map_err(|e| ServiceError::Internal(format!("rebuilding the opening key: {e}")))?;
    drop(shares);
    let active: Vec<ActiveBid> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT b.id, b.bidder_id, e.name, b.receipt_no, b.package_sm3, b.received_at, b.bond FROM bids b JOIN entities e ON e.id = b.bidder_id WHERE b.lot_id = $1 AND b.status = 'active' ORDER BY b.received_at"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?
    });
    let bids: Vec<BidToOpen> = active
        .into_iter()
        .map(
            |(id, bidder, name, receipt_no, envelope_sm3, received_at, bond)| BidToOpen {
                id,
                bidder,
                name,
                receipt_no,
                envelope_sm3,
                received_at,
                bond,
            },
        )
        .collect();
    let v = vault.clone();
    let (bids, results) = tokio::task::spawn_blocking(move || {
        let r = open_all(&v, lot_id, &key, &bids);
        drop(key);
        (bids, r)
    })
    .await
    .or_internal()?;

    let view = opening_key(db, lot_id)
        .await?
        .ok_or(ServiceError::NotFound("opening key"))?;
    let now = clock();
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    let claimed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE opening_keys SET opened_at = $1 WHERE lot_id = $2 AND opened_at IS NULL"
    )
    .bind(truncate_micros(now))
    .bind(lot_id)
    .execute(c)
    .await?
    .rows_affected());
    if claimed == 0 {
        return Ok(lot.state.stage);
    }
    let system = Actor::system();
    let mut lines = vec![];
    let mut opened_lines = vec![];
    for (b, r) in bids.iter().zip(results) {
        match r {
            Opened::Ok {
                form,
                fingerprint,
                package_sm3,
            } => {
                let sealed =
                    vault.seal_form(lot_id, b.id, &serde_json::to_vec(&form).unwrap_or_default());
                on_tx!(&mut tx, |c| {
                    sqlx::query(
                    "UPDATE bids SET outcome = 'opened', sealed_form = $1, fingerprint = CASE WHEN $2 = '' THEN fingerprint ELSE $2 END, payload_sm3 = $3 WHERE id = $4"
                )
                .bind(&sealed)
                .bind(&fingerprint)
                .bind(&package_sm3)
                .bind(b.id)
                .execute(c)
                .await?
                .rows_affected()
                });
                lines.push(TranscriptLine {
                    receipt_no: b.receipt_no.clone(),
                    bidder_name: b.name.clone(),
                    envelope_sm3: b.envelope_sm3.clone(),
                    package_sm3: package_sm3.clone(),
                    result: "opened".into(),
                    reason: None,
                });
                opened_lines.push(bids::OpenedLine {
                    bid_id: b.id,
                    bidder_id: b.bidder,
                    bidder_name: b.name.clone(),
                    receipt_no: b.receipt_no.clone(),
                    package_sm3,
                    received_at: b.received_at,
                    price: form.price,
                    price_in_words: form.price_in_words,
                    lines: form.lines,
                    duration_days: form.duration_days,
                    quality: form.quality,
                    project_manager: form.project_manager,
                    brand: form.brand,
                    sme: form.sme,
                    bond: ggzy_core::Money::from_fen(b.bond),
                });
            }
            Opened::Failed { by_bidder, reason } => {
                let result = if by_bidder { "revoked" } else { "withdrawn" };
                step(
                    &mut tx,
                    &mut lot,
                    &system,
                    None,
                    &Command::DecryptionFailed {
                        bidder: b.bidder,
                        by_bidder,
                    },
                    now,
                    serde_json::json!({"receipt_no": b.receipt_no, "reason": reason}),
                )
                .await?;
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE bids SET outcome = $1, outcome_reason = $2 WHERE id = $3"
                )
                .bind(result)
                .bind(&reason)
                .bind(b.id)
                .execute(c)
                .await?
                .rows_affected());
                let (title, body) = if by_bidder {
                    (
                        format!("{} 投标文件解密失败（视为撤销）", lot.name),
                        format!(
                            "您的投标文件（回执 {}）因投标人原因无法解密，依《电子招标投标办法》第31条视为撤销其投标文件。原因：{reason}",
                            b.receipt_no
                        ),
                    )
                } else {
                    // Not the bidder's fault: deemed withdrawn, so its bond comes back.
                    let due = ggzy_core::tender_schedule::withdrawal_refund_due(&lot.pack, now);
                    on_tx!(&mut tx, |c| {
                        sqlx::query(
                        "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (lot_id, bidder_id) DO UPDATE SET amount = $3, due_on = $4, refunded_on = NULL"
                    )
                    .bind(lot_id)
                    .bind(b.bidder)
                    .bind(b.bond)
                    .bind(due)
                    .execute(c)
                    .await?
                    .rows_affected()
                    });
                    (
                        format!("{} 投标文件解密失败（视为撤回）", lot.name),
                        format!(
                            "您的投标文件（回执 {}）因非投标人原因无法解密，依《电子招标投标办法》第31条视为撤回，投标保证金将退还；您可向责任方要求赔偿直接损失。原因：{reason}",
                            b.receipt_no
                        ),
                    )
                };
                push(
                    &mut tx,
                    b.bidder,
                    lot_id,
                    "decryption_failed",
                    &title,
                    &body,
                    now,
                )
                .await?;
                lines.push(TranscriptLine {
                    receipt_no: b.receipt_no.clone(),
                    bidder_name: b.name.clone(),
                    envelope_sm3: b.envelope_sm3.clone(),
                    package_sm3: String::new(),
                    result: result.into(),
                    reason: Some(reason),
                });
            }
        }
    }
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE custody_shares SET submitted_share = NULL WHERE lot_id = $1"
    )
    .bind(lot_id)
    .execute(c)
    .await?
    .rows_affected());
    let transcript = Transcript {
        lot_id,
        lot_trade_code: lot.trade_code.clone(),
        opening_key: view.public_key,
        threshold: k,
        shares: view
            .custodians
            .into_iter()
            .filter(|c| c.submitted_at.is_some())
            .collect(),
        lines,
        opened_at: truncate_micros(now),
    };
    let js = serde_json::to_string(&transcript).or_internal()?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO opening_transcripts (lot_id, published_at, transcript) VALUES ($1, $2, $3)"
    )
    .bind(lot_id)
    .bind(truncate_micros(now))
    .bind(&js)
    .execute(c)
    .await?
    .rows_affected());
    log(
        &mut tx,
        &system,
        None,
        &lot,
        "lot.opening_transcript",
        serde_json::json!({"transcript_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[js.as_bytes()])), "lines": transcript.lines.len()}),
        now,
    )
    .await?;
    let stage = bids::open_decrypted(&mut tx, &system, &mut lot, opened_lines, now).await?;
    tx.commit().await?;
    Ok(stage)
}

/// At the deadline with enough bids: record that the opening has begun, ask custodians for their
/// shares, and plan the postponement check.
pub(crate) async fn convene(
    tx: &mut Tx,
    lot: &LotRow,
    actor: &Actor,
    grant: Option<&Grant>,
    bids: usize,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE opening_keys SET convened_at = $1 WHERE lot_id = $2 AND convened_at IS NULL"
    )
    .bind(truncate_micros(now))
    .bind(lot.id)
    .execute(c)
    .await?
    .rows_affected());
    if n == 0 {
        return Ok(());
    }
    log(
        tx,
        actor,
        grant,
        lot,
        "lot.opening_convened",
        serde_json::json!({"bids": bids}),
        now,
    )
    .await?;
    let policy = policy_for(tx, &lot.region).await?;
    schedule::plan(
        tx,
        lot.id,
        schedule::POSTPONE_CHECK,
        now + Duration::minutes(policy.postpone_minutes),
    )
    .await?;
    Ok(())
}

/// The postponement check: if the lot still waits for shares, say so to everyone and look again
/// after the same wait.
pub(crate) async fn postpone_if_short(
    tx: &mut Tx,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let lot = load_for_update(tx, lot_id).await?;
    let r: Option<(i64, Option<DateTime<Utc>>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT CAST(threshold AS BIGINT), opened_at FROM opening_keys WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(c)
    .await?);
    let Some((k, None)) = r else {
        return Ok("skipped: opened".into());
    };
    if lot.state.stage != Stage::Tendering {
        return Ok(format!("skipped: lot is {}", lot.state.stage.as_str()));
    }
    let (have,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL"
    )
    .bind(lot_id)
    .fetch_one(c)
    .await?);
    let policy = policy_for(tx, &lot.region).await?;
    let next = now + Duration::minutes(policy.postpone_minutes);
    let system = Actor::system();
    log(
        tx,
        &system,
        None,
        &lot,
        "lot.opening_postponed",
        serde_json::json!({"shares": have, "threshold": k, "next_check": next}),
        now,
    )
    .await?;
    let title = format!("{}{}开标延期公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n开标密钥保管人提交的解密份额不足（已提交 {have} 份，需 {k} 份），开标延期。份额达到门限后立即解密开标；下次检查时间 {}。",
        super::notices_fmt(next)
    );
    publish_notice_row(tx, &lot, "postponed", &title, &body, now).await?;
    let bidders: Vec<(Uuid,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT bidder_id FROM bids WHERE lot_id = $1 AND status = 'active'"
    )
    .bind(lot_id)
    .fetch_all(c)
    .await?);
    for b in bidders
        .iter()
        .map(|b| b.0)
        .chain(std::iter::once(lot.principal_id))
    {
        push(tx, b, lot_id, "opening_postponed", &title, &body, now).await?;
    }
    schedule::plan(tx, lot_id, schedule::POSTPONE_CHECK, next).await?;
    Ok(format!("postponed: {have} of {k} shares"))
}

/// Whether a step's events started tendering (the moment the opening key must exist).
pub(crate) fn starts_tendering(events: &[Event]) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::NoticePublished { .. } | Event::Invited { .. }))
}
