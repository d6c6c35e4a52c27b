//! Bids until the deadline and the opening after it. A bidder's envelope is checked without being
//! opened, fsynced to the vault before the transaction that accepts it commits, and the receipt
//! carries its SM3 — so a receipt the bidder holds always has its bid behind it. Nobody can read a
//! form or package before the opening: the platform never holds the key (see `sealing`).

use super::{
    LotRow, Party, load, load_for_update, log, party_of, push, require_bidder, sealing, step,
};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::notices::publish_notice_row;
use crate::vault::BidVault;
use crate::{db_all, db_opt, on_tx, tx_all, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::credit::CheckPoint;
use ggzy_core::error::text;
use ggzy_core::evaluation::{BidForm, PriceLine};
use ggzy_core::procedure::{Command, Event, ProcedureKind, Stage};
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid, Money};
use ggzy_seal::envelope::{Envelope, EnvelopeError, Payload};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// The bid form as a bidder types it: amounts in yuan.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidFormInput {
    /// Price in yuan, figures.
    pub price: String,
    /// Price in capital Chinese numerals (大写), e.g. 人民币壹仟贰佰万元整.
    pub price_in_words: String,
    #[serde(default)]
    pub lines: Vec<PriceLineInput>,
    pub duration_days: u32,
    pub quality: String,
    pub project_manager: String,
    /// Bid bond paid, in yuan.
    pub bond: String,
    /// Brand of the core product, in a goods procurement (87号令 Art 31).
    #[serde(default)]
    pub brand: Option<String>,
    /// The small-enterprise declaration (中小企业声明函) of a procurement bid.
    #[serde(default)]
    pub sme: Option<ggzy_core::procurement::SmeStatus>,
    /// The account the bid bond was paid from (条例 Art 26: the basic account). Read at the
    /// opening for the collusion indicators, never published.
    #[serde(default)]
    pub bond_account: Option<String>,
    /// The bid's contact person (联系人), likewise read only by the collusion indicators.
    #[serde(default)]
    pub contact: Option<ggzy_core::collusion::Contact>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceLineInput {
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
}

/// Where a bid came from, for collusion checks later (条例 Art 40).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub address: String,
    /// What the browser or bid tool reports about the machine (hashed client-side or here).
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub receipt_no: String,
    pub bid_id: Uuid,
    pub lot_id: Uuid,
    pub lot_trade_code: String,
    pub package_name: String,
    pub package_size: i64,
    /// SM3 of the package as received, hex.
    pub package_sm3: String,
    pub received_at: DateTime<Utc>,
    /// The log event that records this bid.
    pub event_seq: i64,
    /// The receipt this bid replaces, if it modifies an earlier one.
    pub replaces: Option<String>,
}

pub(crate) fn parse_form(input: &BidFormInput) -> Result<(BidForm, Money), Invalid> {
    let mut errs = Invalid::default();
    let price = Money::parse_yuan("price", &input.price)
        .map_err(|e| errs.push(e))
        .ok();
    let bond = Money::parse_yuan("bond", &input.bond)
        .map_err(|e| errs.push(e))
        .ok();
    let words = text(&mut errs, "price_in_words", &input.price_in_words, 100);
    if let Some(w) = &words
        && ggzy_core::evaluation::parse_amount_in_words(w).is_none()
    {
        errs.push(FieldError::new(
            "price_in_words",
            "bid.price_in_words",
            "大写金额无法识别，例如：人民币壹仟贰佰万元整",
            "The amount in words is not readable, e.g. 人民币壹仟贰佰万元整",
        ));
    }
    let quality = text(&mut errs, "quality", &input.quality, 200);
    let pm = text(&mut errs, "project_manager", &input.project_manager, 100);
    if input.duration_days == 0 || input.duration_days > 3650 {
        errs.push(FieldError::new(
            "duration_days",
            "bid.duration",
            "工期应为 1 至 3650 日历天",
            "Duration is 1 to 3650 calendar days",
        ));
    }
    let mut lines = vec![];
    for (i, l) in input.lines.iter().enumerate() {
        let up = Money::parse_yuan(&format!("lines[{i}].unit_price"), &l.unit_price)
            .map_err(|e| errs.push(e))
            .ok();
        if l.quantity <= 0 {
            errs.push(FieldError::new(
                format!("lines[{i}].quantity"),
                "bid.quantity",
                "数量应大于零",
                "Quantity must be positive",
            ));
        }
        if let Some(up) = up {
            lines.push(PriceLine {
                name: l.name.trim().into(),
                quantity: l.quantity,
                unit_price: up,
            });
        }
    }
    if let Some(p) = price
        && p.fen() <= 0
    {
        errs.push(FieldError::new(
            "price",
            "bid.price",
            "投标报价应大于零",
            "The price must be positive",
        ));
    }
    match (price, bond, words, quality, pm) {
        (Some(price), Some(bond), Some(price_in_words), Some(quality), Some(project_manager))
            if errs.is_empty() =>
        {
            Ok((
                BidForm {
                    price,
                    price_in_words,
                    lines,
                    duration_days: input.duration_days,
                    quality,
                    project_manager,
                    brand: input
                        .brand
                        .as_deref()
                        .map(|b| b.trim().chars().take(100).collect::<String>())
                        .filter(|b| !b.is_empty()),
                    sme: input.sme,
                },
                bond,
            ))
        }
        _ => Err(errs),
    }
}

/// Largest envelope accepted (the format allows more; deployments may lower this at the HTTP layer).
pub const MAX_ENVELOPE_BYTES: usize = 128 * 1024 * 1024;

fn envelope_refusal(code: &'static str, zh: String, en: String) -> ServiceError {
    FieldError::new("envelope", code, zh, en)
        .with_rule("电子招标投标办法", "26")
        .into()
}

/// What the upload checks establish about an envelope, without any key that could decrypt it.
struct Checked {
    sm3: String,
    bond: Money,
    signer: String,
    size: i64,
}

/// Format, lot, opening key, signature and signer: everything but the contents (Art 26).
async fn check_envelope(
    db: &Db,
    lot: &LotRow,
    entity: Uuid,
    envelope: Vec<u8>,
) -> (Option<String>, ServiceResult<(Checked, Vec<u8>)>) {
    let size = envelope.len();
    let parsed = tokio::task::spawn_blocking(move || {
        let r = Envelope::parse_limited(&envelope, MAX_ENVELOPE_BYTES as u64).map(|e| {
            let sig = e.verify_signature();
            (
                e.header.clone(),
                e.opening_key.clone(),
                e.signer_key.to_hex(),
                e.sm3(),
                sig,
            )
        });
        (r, envelope)
    })
    .await;
    let Ok((parsed, envelope)) = parsed else {
        return (
            None,
            Err(ServiceError::Internal("envelope check task failed".into())),
        );
    };
    let (header, opening, signer, sm3, sig) = match parsed {
        Ok(x) => x,
        Err(EnvelopeError::NotAnEnvelope) => {
            return (None, Err(envelope_refusal(
                "envelope.not_sealed",
                "不是加密投标文件：平台拒收未加密的投标文件，请用投标工具（ggzy seal）或网页加密后上传".into(),
                "Not a sealed envelope: unencrypted bids are refused; seal it with `ggzy seal` or in the page".into(),
            )))
        }
        Err(EnvelopeError::TooLarge) => {
            return (None, Err(envelope_refusal(
                "envelope.too_large",
                format!("投标文件不得超过 {} MB", MAX_ENVELOPE_BYTES >> 20),
                format!("Envelopes are limited to {} MB", MAX_ENVELOPE_BYTES >> 20),
            )))
        }
        Err(e) => {
            return (None, Err(envelope_refusal(
                "envelope.malformed",
                format!("投标文件格式错误：{e}"),
                format!("Malformed envelope: {e}"),
            )))
        }
    };
    let sm3 = ggzy_seal::to_hex(&sm3);
    let fail = |e| (Some(sm3.clone()), Err(e));
    if header.lot != lot.trade_code {
        return fail(envelope_refusal(
            "envelope.wrong_lot",
            format!(
                "该投标文件是为标段 {} 加密的，不是本标段 {}",
                header.lot, lot.trade_code
            ),
            format!(
                "This envelope was sealed for lot {}, not {}",
                header.lot, lot.trade_code
            ),
        ));
    }
    let looked_up = async {
        Ok::<_, ServiceError>((
            sealing::lot_public_key(db, lot.id).await?,
            sealing::signing_key_entity(db, &signer).await?,
            sealing::uscc_of(db, entity).await.ok(),
        ))
    }
    .await;
    let (lot_key, owner, uscc) = match looked_up {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    if lot_key.as_ref() != Some(&opening) {
        return fail(envelope_refusal(
            "envelope.wrong_opening_key",
            "该投标文件未使用本标段公布的开标公钥加密，请重新下载公钥后加密".into(),
            "The envelope is not sealed to this lot's published opening key; fetch the key and seal again".into(),
        ));
    }
    if sig.is_err() {
        return fail(envelope_refusal(
            "envelope.bad_signature",
            "投标文件的电子签名验证失败：文件在签名后被改动，或签名不属于该文件".into(),
            "The envelope's signature does not verify: altered after signing, or not its signature"
                .into(),
        ));
    }
    if owner != Some(entity) {
        return fail(envelope_refusal(
            "envelope.signer_not_registered",
            "签名公钥未登记为本单位的有效投标签名密钥".into(),
            "The signing key is not an active bid-signing key of your entity".into(),
        ));
    }
    if uscc.as_deref() != Some(header.bidder.as_str()) {
        return fail(envelope_refusal(
            "envelope.wrong_bidder",
            format!("投标文件载明的投标人 {} 与上传单位不符", header.bidder),
            format!(
                "The envelope names bidder {}, not the uploader",
                header.bidder
            ),
        ));
    }
    let bond = match Money::parse_yuan("bond", &header.bond) {
        Ok(b) => b,
        Err(e) => return fail(e.into()),
    };
    (
        Some(sm3.clone()),
        Ok((
            Checked {
                sm3,
                bond,
                signer,
                size: size as i64,
            },
            envelope,
        )),
    )
}

/// Log a refused upload: who, which lot, why, and the envelope's hash when it had one.
async fn log_refusal(
    db: &Db,
    actor: &Actor,
    lot: &LotRow,
    sm3: Option<String>,
    e: &ServiceError,
    now: DateTime<Utc>,
) {
    let code = match e {
        ServiceError::Invalid(i) => i.0.first().map(|f| f.code.to_string()).unwrap_or_default(),
        other => other.to_string(),
    };
    let r: ServiceResult<()> = async {
        let mut tx = db.begin().await?;
        log(
            &mut tx,
            actor,
            None,
            lot,
            "lot.envelope_refused",
            serde_json::json!({"code": code, "envelope_sm3": sm3}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not log a refused envelope");
    }
}

/// Submit (or modify: a new envelope replaces the standing one) a sealed bid before the deadline.
/// The platform checks the envelope without opening it, stores it durably, logs its SM3, and
/// only then commits the receipt.
pub async fn submit(
    db: &Db,
    vault: &Arc<BidVault>,
    actor: &Actor,
    lot_id: Uuid,
    envelope: Vec<u8>,
    origin: &Origin,
    clock: &(dyn Fn() -> DateTime<Utc> + Send + Sync),
) -> ServiceResult<Receipt> {
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let lot = load(db, lot_id).await?;
    // Cheap refusals before anything is hashed or written.
    check_bid_allowed(&lot, None, clock())?;
    lot.screen(db, entity, CheckPoint::Bid, "bid", clock())
        .await?;
    if let Some(d) = lot.state.dates.as_ref() {
        let deadline_day = (d.bid_deadline + chrono::Duration::hours(8)).date_naive();
        super::qualifications::check(db, &lot, entity, deadline_day, "bid").await?;
    }
    let (sm3, checked) = check_envelope(db, &lot, entity, envelope).await;
    let (checked, envelope) = match checked {
        Ok(c) => c,
        Err(e) => {
            log_refusal(db, actor, &lot, sm3, &e, clock()).await;
            return Err(e);
        }
    };
    // A grade-A company's reward: a reduced bond, by the grade at submission.
    let bond_due = crate::credit::bond_due(db, entity, lot.bid_bond, clock()).await?;
    check_bid_allowed(&lot, Some((checked.bond, bond_due)), clock())?;
    let bid_id = Uuid::now_v7();
    let v = vault.clone();
    tokio::task::spawn_blocking(move || v.store_envelope(lot_id, bid_id, &envelope))
        .await
        .or_internal()??;
    let receipt_no = format!("HZ{}", bid_id.simple()).to_uppercase();
    let package_name = format!("{receipt_no}.ggzybid");

    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    // The upload is complete and the lot locked; this instant decides whether it is in time
    // (电子招标投标办法 Art 27). Read before the lock, a bid that queued behind others could be
    // accepted after the deadline.
    let now = clock();
    check_bid_allowed(&lot, Some((checked.bond, bond_due)), now)?;
    let replaced: Option<(String, String)> = tx_opt!(
        &mut tx,
        "UPDATE bids SET status = 'replaced' WHERE lot_id = $1 AND bidder_id = $2 AND status = 'active' RETURNING receipt_no, package_sm3",
        lot_id,
        entity
    );
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::SubmitBid { bidder: entity },
        now,
        serde_json::json!({
            "receipt_no": receipt_no,
            "envelope_sm3": checked.sm3,
            "envelope_size": checked.size,
            "bond_due": bond_due.fen(),
            "signer_key": checked.signer,
            "replaces": replaced.as_ref().map(|r| serde_json::json!({"receipt_no": r.0, "envelope_sm3": r.1})),
        }),
    )
    .await?;
    let seq: i64 = on_tx!(&mut tx, |c| sqlx::query_as::<_, (i64,)>(
        "SELECT seq FROM event_head WHERE id = 1"
    )
    .fetch_one(c)
    .await?)
    .0;
    let inserted = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO bids (id, lot_id, bidder_id, account_id, status, receipt_no, package_name, package_size, package_sm3, sealed_form, bond, address, fingerprint, received_at, event_seq, signer_key)
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )
    .bind(bid_id)
    .bind(lot_id)
    .bind(entity)
    .bind(actor.account_id)
    .bind(&receipt_no)
    .bind(&package_name)
    .bind(checked.size)
    .bind(&checked.sm3)
    .bind(Vec::<u8>::new())
    .bind(checked.bond.fen())
    .bind(&origin.address)
    .bind(origin.fingerprint.chars().take(500).collect::<String>())
    .bind(truncate_micros(now))
    .bind(seq)
    .bind(&checked.signer)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    });
    if let Err(e) = inserted {
        drop(tx);
        let _ = std::fs::remove_file(vault.envelope_path(lot_id, bid_id));
        if crate::db::unique_violation(&e) == Some("bids.envelope") {
            let err = envelope_refusal(
                "envelope.replayed",
                "该投标文件已提交过（同一文件不能重复提交）".into(),
                "This exact envelope was already submitted; a replay is refused".into(),
            );
            log_refusal(db, actor, &lot, Some(checked.sm3), &err, now).await;
            return Err(err);
        }
        return Err(e.into());
    }
    tx.commit().await?;
    Ok(Receipt {
        receipt_no,
        bid_id,
        lot_id,
        lot_trade_code: lot.trade_code,
        package_name,
        package_size: checked.size,
        package_sm3: checked.sm3,
        received_at: truncate_micros(now),
        event_seq: seq,
        replaces: replaced.map(|r| r.0),
    })
}

/// `bond`: the bond the bid offers and the bond this bidder owes.
fn check_bid_allowed(
    lot: &LotRow,
    bond: Option<(Money, Money)>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if lot.state.stage != Stage::Tendering {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "bids are accepted while the lot is tendering",
        });
    }
    if lot.state.dates.is_some_and(|d| now >= d.bid_deadline) {
        return Err(FieldError::new(
            "bid",
            "bid.late",
            "已过投标截止时间，拒收投标文件",
            "The bid deadline has passed; late bids are refused",
        )
        .with_rule(ggzy_core::rulepack::LAW, "28")
        .into());
    }
    if let Some((offered, due)) = bond
        && offered < due
    {
        let (zh, en) = if due < lot.bid_bond {
            (
                format!(
                    "投标保证金应为 {due}（信用等级A，按信用评价办法由 {} 减免）",
                    lot.bid_bond
                ),
                format!(
                    "The bid bond due is {due} (credit grade A: reduced from {})",
                    lot.bid_bond
                ),
            )
        } else {
            (
                format!("投标保证金应为 {due}"),
                format!("The bid bond required is {due}"),
            )
        };
        return Err(FieldError::new("bond", "bid.bond_short", zh, en).into());
    }
    Ok(())
}

/// Withdraw one's standing bid before the deadline (法 Art 29).
pub async fn withdraw(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::WithdrawBid { bidder: entity },
        now,
        serde_json::json!({}),
    )
    .await?;
    let r: Option<(String, i64)> = tx_opt!(
        &mut tx,
        "UPDATE bids SET status = 'withdrawn' WHERE lot_id = $1 AND bidder_id = $2 AND status = 'active' RETURNING receipt_no, bond",
        lot_id,
        entity
    );
    if let Some((_, bond)) = &r {
        // The bond of a bid withdrawn before the deadline comes back within 5 days (条例 Art 35).
        let due = ggzy_core::tender_schedule::withdrawal_refund_due(&lot.pack, now);
        tx_exec!(&mut tx, "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4)
             ON CONFLICT (lot_id, bidder_id) DO UPDATE SET amount = $3, due_on = $4, refunded_on = NULL", lot_id, entity, bond, due);
    }
    tx.commit().await?;
    Ok(r.map(|r| r.0).unwrap_or_default())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MyBid {
    pub id: Uuid,
    pub receipt_no: String,
    pub status: String,
    pub package_name: String,
    pub package_size: i64,
    pub package_sm3: String,
    pub received_at: DateTime<Utc>,
    pub event_seq: i64,
}

/// The actor's own receipts for a lot (what it submitted, never others').
pub async fn my_bids(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<MyBid>> {
    let Some(e) = actor.entity_id else {
        return Ok(vec![]);
    };
    Ok(db_all!(
        db,
        "SELECT id, receipt_no, status, package_name, package_size, package_sm3, received_at, event_seq FROM bids WHERE lot_id = $1 AND bidder_id = $2 ORDER BY received_at DESC",
        lot_id,
        e
    ))
}

/// One line of the opening record (开标记录).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenedLine {
    pub bid_id: Uuid,
    pub bidder_id: Uuid,
    pub bidder_name: String,
    pub receipt_no: String,
    pub package_sm3: String,
    pub received_at: DateTime<Utc>,
    #[schema(value_type = i64)]
    pub price: Money,
    pub price_in_words: String,
    /// The price schedule, for arithmetic correction by the committee.
    #[serde(default)]
    pub lines: Vec<PriceLine>,
    pub duration_days: u32,
    pub quality: String,
    pub project_manager: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme: Option<ggzy_core::procurement::SmeStatus>,
    #[schema(value_type = i64)]
    pub bond: Money,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpeningRecord {
    pub lot_id: Uuid,
    pub opened_at: DateTime<Utc>,
    pub lines: Vec<OpenedLine>,
}

/// At the deadline (the scheduler's or staff's transaction): with too few bids the lot fails at
/// once and nothing is decrypted (法 Art 28; 条例 Art 44); otherwise the opening convenes and waits
/// for the custodians' shares.
pub(crate) async fn open_in(
    tx: &mut Tx,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Stage> {
    let mut lot = load_for_update(tx, lot_id).await?;
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    // The machine says whether opening is due (deadline passed, nothing suspends it) and whether
    // enough bids stand; only the failing case is applied here.
    let events = super::decide_in(tx, &lot, &Command::Open, now).await?;
    if events.iter().any(|e| matches!(e, Event::Opened { .. })) {
        let n = lot.state.bidders.len();
        sealing::convene(tx, &lot, actor, grant.as_ref(), n, now).await?;
        return Ok(lot.state.stage);
    }
    open_decrypted(tx, actor, &mut lot, vec![], now).await
}

/// Record the opening once the envelopes are decrypted: the machine's Open (which fails the lot
/// if decryption failures left too few bids), the opening record, and the notices.
pub(crate) async fn open_decrypted(
    tx: &mut Tx,
    actor: &Actor,
    lot: &mut LotRow,
    lines: Vec<OpenedLine>,
    now: DateTime<Utc>,
) -> ServiceResult<Stage> {
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    let lot_id = lot.id;
    let events = step(
        tx,
        lot,
        actor,
        grant.as_ref(),
        &Command::Open,
        now,
        serde_json::json!({}),
    )
    .await?;
    let bidders: Vec<Uuid> = on_tx!(tx, |c| sqlx::query_as::<_, (Uuid,)>(
        "SELECT bidder_id FROM bids WHERE lot_id = $1 AND status = 'active'"
    )
    .bind(lot_id)
    .fetch_all(c)
    .await?)
    .into_iter()
    .map(|r| r.0)
    .collect();
    if events.iter().any(|e| matches!(e, Event::Opened { .. })) {
        // Every bidder's credit as of the deadline, kept with the lot (财库〔2016〕125号; 法〔2016〕
        // 285号 for works); the award checks again.
        if let Some(deadline) = lot.state.dates.map(|d| d.bid_deadline) {
            let on = crate::credit::Occasion {
                trade: lot.trade(),
                point: CheckPoint::Deadline,
                deal_code: lot.trade_code.clone(),
                field: "bid",
            };
            for b in &bidders {
                crate::credit::check_in(tx, *b, &on, deadline, now).await?;
            }
        }
        let record = OpeningRecord {
            lot_id,
            opened_at: truncate_micros(now),
            lines,
        };
        if lot.state.kind == ProcedureKind::Prequalification {
            publish_prequal_result(tx, lot, now).await?;
        }
        let js = serde_json::to_string(&record).or_internal()?;
        tx_exec!(
            tx,
            "INSERT INTO opening_records (lot_id, opened_at, record) VALUES ($1, $2, $3)",
            lot_id,
            truncate_micros(now),
            &js
        );
        log(
            tx,
            actor,
            grant.as_ref(),
            lot,
            "lot.opening_record",
            serde_json::json!({"record_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[js.as_bytes()]))}),
            now,
        )
        .await?;
        let body = record
            .lines
            .iter()
            .map(|l| {
                format!(
                    "{}：{}（{}），工期 {} 天，质量 {}，项目经理 {}",
                    l.bidder_name,
                    l.price,
                    l.price_in_words,
                    l.duration_days,
                    l.quality,
                    l.project_manager
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let title = format!("{} 开标记录", lot.name);
        for b in bidders.iter().chain(std::iter::once(&lot.principal_id)) {
            push(tx, *b, lot_id, "opening_record", &title, &body, now).await?;
        }
    } else {
        let title = format!("{}{}流标公告", lot.project_name, lot.name);
        let body = format!(
            "{title}\n投标截止时提交投标文件的投标人少于3个（或解密后有效投标文件少于3个），不得开标，招标人应当依法重新招标（招标投标法实施条例 第44条）。"
        );
        publish_notice_row(tx, lot, "failed", &title, &body, now).await?;
        for b in bidders.iter().chain(std::iter::once(&lot.principal_id)) {
            push(tx, *b, lot_id, "failed", &title, &body, now).await?;
        }
    }
    Ok(lot.state.stage)
}

/// The prequalification's result, published at the opening: until then who applied and who
/// passed stays secret (条例 Art 22; `Secret::Bidders`), since it would name the bidders.
async fn publish_prequal_result(
    tx: &mut Tx,
    lot: &LotRow,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let rows: Vec<(String, Option<bool>)> = tx_all!(
        tx,
        "SELECT e.name, a.passed FROM prequal_applications a JOIN entities e ON e.id = a.entity_id WHERE a.lot_id = $1 ORDER BY a.applied_at",
        lot.id
    );
    let passed: Vec<&str> = rows
        .iter()
        .filter(|r| r.1 == Some(true))
        .map(|r| r.0.as_str())
        .collect();
    let title = format!("{}{}资格预审结果公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n申请人数量：{} 家\n通过资格预审的申请人：{} 家\n{}\n\n资格预审结果已于审查结束时通知各申请人（招标投标法实施条例 第19条）；为防止串通，申请人名单在开标前保密，于开标时公布。",
        rows.len(),
        passed.len(),
        passed.join("\n"),
    );
    publish_notice_row(tx, lot, "prequal_result", &title, &body, now).await?;
    Ok(())
}

/// Centre staff convene the opening by hand (when the scheduler has not yet).
pub async fn open(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Stage> {
    let lot = load(db, lot_id).await?;
    actor.require(Permission::IntakeProcess, &lot.region)?;
    let mut tx = db.begin().await?;
    let stage = open_in(&mut tx, actor, lot_id, now).await?;
    tx.commit().await?;
    Ok(stage)
}

/// The opening record: to the lot's bidders, its parties, the centre and supervisors.
pub async fn opening_record(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<Option<OpeningRecord>> {
    let lot = load(db, lot_id).await?;
    let allowed = match party_of(actor, &lot) {
        Some(Party::Tenderer | Party::Centre | Party::Supervisor) => true,
        Some(Party::Bidder(e)) => lot.state.bidders.contains(&e),
        None => false,
    } || super::committee::is_member(db, actor, lot_id).await?;
    if !allowed {
        return Err(if actor.account_id.is_none() {
            ServiceError::Unauthenticated
        } else {
            ServiceError::Forbidden(Permission::EntityManage)
        });
    }
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT record FROM opening_records WHERE lot_id = $1",
        lot_id
    );
    r.map(|(s,)| serde_json::from_str(&s).or_internal())
        .transpose()
}

/// A bid package, decrypted: only after the opening, only to the committee, the centre and the
/// tenderer.
pub async fn read_package(
    db: &Db,
    vault: &Arc<BidVault>,
    actor: &Actor,
    bid_id: Uuid,
) -> ServiceResult<(String, Payload)> {
    let row: Option<(Uuid, String)> = db_opt!(
        db,
        "SELECT lot_id, package_name FROM bids WHERE id = $1",
        bid_id
    );
    let (lot_id, name) = row.ok_or(ServiceError::NotFound("bid"))?;
    let lot = load(db, lot_id).await?;
    let allowed = matches!(party_of(actor, &lot), Some(Party::Tenderer | Party::Centre))
        || super::committee::is_member(db, actor, lot_id).await?;
    if !allowed {
        return Err(if actor.account_id.is_none() {
            ServiceError::Unauthenticated
        } else {
            ServiceError::Forbidden(Permission::Evaluate)
        });
    }
    if !lot.state.stage.opened() {
        return Err(FieldError::new(
            "bid",
            "bid.sealed_until_opening",
            "开标前任何人不得解密、提取投标文件",
            "Nobody may decrypt or extract a bid before the opening",
        )
        .with_rule("电子招标投标办法", "27")
        .into());
    }
    let v = vault.clone();
    let packed = tokio::task::spawn_blocking(move || v.read_opened(lot_id, bid_id))
        .await
        .or_internal()??;
    let payload = Payload::parse(&packed)
        .map_err(|e| ServiceError::Internal(format!("opened archive of {bid_id}: {e}")))?;
    Ok((name, payload))
}
