//! Sealed bids nobody can open early (电子招标投标办法 Art 26–31).
//!
//! When a lot starts tendering an SM2 opening key is made for it and split k-of-n among its
//! custodians — the region's key custodians and the principal — each share encrypted to the
//! custodian's own key; the private key is dropped in the same call and never stored. Bidders seal
//! envelopes to the public key. After the deadline custodians return their shares; with k of them
//! the key is rebuilt in memory, every envelope is checked against its logged hash and opened, and
//! the key is wiped. Too few shares by the configured time postpones the opening and tells everyone.

mod custody;
mod opening;
mod traces;
pub use custody::*;
pub use opening::*;

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
use crate::{db_all, db_opt, on_tx, tx_all, tx_exec, tx_opt};
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
    Ok(db_all!(
        db,
        "SELECT public_key, fingerprint, purpose, entity_id, created_at, revoked_at FROM party_keys WHERE account_id = $1 ORDER BY created_at DESC",
        account
    ))
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
    let revoked: Option<PartyKeyView> = tx_opt!(&mut tx, "UPDATE party_keys SET revoked_at = $1 WHERE public_key = $2 AND account_id = $3 AND revoked_at IS NULL
         RETURNING public_key, fingerprint, purpose, entity_id, created_at, revoked_at", truncate_micros(now), public_key, account);
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
    let r: Option<(String,)> = db_opt!(db, "SELECT uscc FROM entities WHERE id = $1", entity);
    r.map(|r| r.0).ok_or(ServiceError::NotFound("entity"))
}

/// The entity whose active signing key this is.
pub(crate) async fn signing_key_entity(db: &Db, public_hex: &str) -> ServiceResult<Option<Uuid>> {
    let r: Option<(Option<Uuid>,)> = db_opt!(
        db,
        "SELECT entity_id FROM party_keys WHERE public_key = $1 AND purpose = 'bid_signing' AND revoked_at IS NULL",
        public_hex
    );
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
    tx_exec!(&mut tx, "INSERT INTO custody_policies (region_code, threshold, postpone_minutes) VALUES ($1, $2, $3)
         ON CONFLICT (region_code) DO UPDATE SET threshold = $2, postpone_minutes = $3", region.as_str(), policy.threshold, policy.postpone_minutes);
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
        let r: Option<(i64, i64)> = tx_opt!(
            tx,
            "SELECT CAST(threshold AS BIGINT), CAST(postpone_minutes AS BIGINT) FROM custody_policies WHERE region_code = $1",
            &code
        );
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
        let rows: Vec<(Uuid, String, String, Option<Uuid>)> = tx_all!(tx, "SELECT a.id, a.display_name, k.public_key, g.granted_by FROM role_grants g
             JOIN accounts a ON a.id = g.account_id
             JOIN party_keys k ON k.account_id = a.id AND k.purpose = 'custody' AND k.revoked_at IS NULL
             WHERE g.role = 'custodian' AND g.region_code = $1
             ORDER BY a.username, k.created_at DESC", &code);
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
    let principal: Option<(Uuid, String, String)> = tx_opt!(
        tx,
        "SELECT a.id, e.name, k.public_key FROM accounts a
         JOIN entities e ON e.id = a.entity_id
         JOIN party_keys k ON k.account_id = a.id AND k.purpose = 'custody' AND k.revoked_at IS NULL
         WHERE a.entity_id = $1 ORDER BY k.created_at DESC LIMIT 1",
        lot.principal_id
    );
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
