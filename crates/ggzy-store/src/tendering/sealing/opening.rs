//! The opening: bids decrypted with the recombined key once enough custodians have submitted
//! their shares, and the postponement when too few did.

use super::*;
use crate::{db_all, tx_all, tx_exec, tx_one, tx_opt};

/// One envelope's fate, worked out without touching the database.
pub enum Opened {
    Ok {
        form: ggzy_core::evaluation::BidForm,
        fingerprint: String,
        package_sm3: String,
        trace: super::traces::Declared,
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
    let input = payload
        .file(FORM_FILE)
        .ok_or_else(|| "no bid form".to_string())
        .and_then(|f| serde_json::from_slice::<bids::BidFormInput>(f).map_err(|e| e.to_string()));
    let form = input.as_ref().map_err(Clone::clone).and_then(|input| {
        parse_form(input)
            .map(|(form, _)| form)
            .map_err(|e| e.to_string())
    });
    let (form, input) = match (form, input) {
        (Ok(f), Ok(i)) => (f, i),
        (Err(e), _) | (_, Err(e)) => {
            return bidder(format!("投标函数据无效 / bid form invalid: {e}"));
        }
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
    let short = |v: Option<String>| v.map(|v| v.trim().chars().take(100).collect::<String>());
    let contact = input.contact.unwrap_or_default();
    let trace = super::traces::Declared {
        bond_account: short(input.bond_account),
        contact: ggzy_core::collusion::Contact {
            name: short(contact.name),
            phone: short(contact.phone),
            email: short(contact.email),
        },
        files: payload
            .files
            .iter()
            .filter(|(n, _)| n != FORM_FILE && n != FINGERPRINT_FILE)
            .take(1000)
            .map(|(n, b)| super::traces::file_trace(n, b))
            .collect(),
    };
    Opened::Ok {
        form,
        fingerprint,
        package_sm3,
        trace,
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
    let events = crate::tendering::decide_in(&mut tx, &lot, &Command::Open, now).await?;
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

/// The opening key rebuilt from the submitted shares, once at least the threshold are in.
async fn rebuild_key(
    db: &Db,
    lot_id: Uuid,
    commitments: &Commitments,
    k: i64,
) -> ServiceResult<SecretKey> {
    let rows: Vec<(Option<String>,)> = db_all!(
        db,
        "SELECT submitted_share FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL ORDER BY share_index",
        lot_id
    );
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
    Ok(key)
}

/// The active bids of the lot in the order they were received.
async fn bids_to_open(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<BidToOpen>> {
    let active: Vec<ActiveBid> = db_all!(
        db,
        "SELECT b.id, b.bidder_id, e.name, b.receipt_no, b.package_sm3, b.received_at, b.bond FROM bids b JOIN entities e ON e.id = b.bidder_id WHERE b.lot_id = $1 AND b.status = 'active' ORDER BY b.received_at",
        lot_id
    );
    Ok(active
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
        .collect())
}

/// An envelope that failed to decrypt: deemed revoked when the bidder is at fault, else deemed
/// withdrawn with its bond refunded (电子招标投标办法 Art 31); the bidder is told either way.
async fn record_failed(
    tx: &mut Tx,
    lot: &mut LotRow,
    b: &BidToOpen,
    by_bidder: bool,
    reason: String,
    now: DateTime<Utc>,
) -> ServiceResult<TranscriptLine> {
    let system = Actor::system();
    let result = if by_bidder { "revoked" } else { "withdrawn" };
    step(
        tx,
        lot,
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
    tx_exec!(
        tx,
        "UPDATE bids SET outcome = $1, outcome_reason = $2 WHERE id = $3",
        result,
        &reason,
        b.id
    );
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
        tx_exec!(tx, "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4)
             ON CONFLICT (lot_id, bidder_id) DO UPDATE SET amount = $3, due_on = $4, refunded_on = NULL", lot.id, b.bidder, b.bond, due);
        (
            format!("{} 投标文件解密失败（视为撤回）", lot.name),
            format!(
                "您的投标文件（回执 {}）因非投标人原因无法解密，依《电子招标投标办法》第31条视为撤回，投标保证金将退还；您可向责任方要求赔偿直接损失。原因：{reason}",
                b.receipt_no
            ),
        )
    };
    push(
        tx,
        b.bidder,
        lot.id,
        "decryption_failed",
        &title,
        &body,
        now,
    )
    .await?;
    Ok(TranscriptLine {
        receipt_no: b.receipt_no.clone(),
        bidder_name: b.name.clone(),
        envelope_sm3: b.envelope_sm3.clone(),
        package_sm3: String::new(),
        result: result.into(),
        reason: Some(reason),
    })
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
    let key = rebuild_key(db, lot_id, &commitments, k).await?;
    let bids = bids_to_open(db, lot_id).await?;
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
    let claimed = tx_exec!(
        &mut tx,
        "UPDATE opening_keys SET opened_at = $1 WHERE lot_id = $2 AND opened_at IS NULL",
        truncate_micros(now),
        lot_id
    );
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
                trace,
            } => {
                super::traces::keep(&mut tx, lot_id, b.id, &form, &trace).await?;
                let sealed =
                    vault.seal_form(lot_id, b.id, &serde_json::to_vec(&form).unwrap_or_default());
                tx_exec!(
                    &mut tx,
                    "UPDATE bids SET outcome = 'opened', sealed_form = $1, fingerprint = CASE WHEN $2 = '' THEN fingerprint ELSE $2 END, payload_sm3 = $3 WHERE id = $4",
                    &sealed,
                    &fingerprint,
                    &package_sm3,
                    b.id
                );
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
                lines.push(record_failed(&mut tx, &mut lot, b, by_bidder, reason, now).await?);
            }
        }
    }
    tx_exec!(
        &mut tx,
        "UPDATE custody_shares SET submitted_share = NULL WHERE lot_id = $1",
        lot_id
    );
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
    tx_exec!(
        &mut tx,
        "INSERT INTO opening_transcripts (lot_id, published_at, transcript) VALUES ($1, $2, $3)",
        lot_id,
        truncate_micros(now),
        &js
    );
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
    if stage != Stage::Tendering {
        schedule::plan(&mut tx, lot_id, schedule::COLLUSION_CHECK, now).await?;
    }
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
    let n = tx_exec!(
        tx,
        "UPDATE opening_keys SET convened_at = $1 WHERE lot_id = $2 AND convened_at IS NULL",
        truncate_micros(now),
        lot.id
    );
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
    let r: Option<(i64, Option<DateTime<Utc>>)> = tx_opt!(
        tx,
        "SELECT CAST(threshold AS BIGINT), opened_at FROM opening_keys WHERE lot_id = $1",
        lot_id
    );
    let Some((k, None)) = r else {
        return Ok("skipped: opened".into());
    };
    if lot.state.stage != Stage::Tendering {
        return Ok(format!("skipped: lot is {}", lot.state.stage.as_str()));
    }
    let (have,): (i64,) = tx_one!(
        tx,
        "SELECT COUNT(*) FROM custody_shares WHERE lot_id = $1 AND submitted_share IS NOT NULL",
        lot_id
    );
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
        crate::tendering::notices_fmt(next)
    );
    publish_notice_row(tx, &lot, "postponed", &title, &body, now).await?;
    let bidders: Vec<(Uuid,)> = tx_all!(
        tx,
        "SELECT bidder_id FROM bids WHERE lot_id = $1 AND status = 'active'",
        lot_id
    );
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
