//! The invited experts' answers, expiries and redraws, and the check-in on the day:
//! a seat left by a refusal or silence is drawn again from the same pool.

use super::*;
use crate::{db_all, db_one, db_opt, tx_all, tx_exec, tx_one, tx_opt};

/// A drawn expert accepts or declines. A decline is replaced by a redraw at once.
pub async fn reply(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ReplyInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let me = crate::experts::expert_of(db, actor)
        .await?
        .ok_or(ServiceError::Forbidden(Permission::Evaluate))?;
    let lot = tendering::load(db, lot_id).await?;
    let reason = input.reason.trim();
    if !input.accept && reason.is_empty() {
        return Err(FieldError::new(
            "reason",
            "draw.reason_required",
            "不参加时请说明原因",
            "Say why you decline",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let d = draw_of_tx(&mut tx, lot_id)
        .await?
        .ok_or(ServiceError::NotFound("draw"))?;
    let pick: Option<(String, DateTime<Utc>)> = tx_opt!(
        &mut tx,
        "SELECT p.status, r.reply_by FROM draw_picks p JOIN draw_rounds r ON r.draw_id = p.draw_id AND r.round = p.round WHERE p.draw_id = $1 AND p.expert_id = $2",
        d.id,
        me
    );
    let Some((status, reply_by)) = pick else {
        return Err(ServiceError::NotFound("invitation"));
    };
    if status != "invited" {
        return Err(FieldError::new(
            "accept",
            "draw.already_replied",
            "已答复过本次邀请",
            "You have already replied to this invitation",
        )
        .into());
    }
    if now > reply_by {
        return Err(FieldError::new(
            "accept",
            "draw.reply_late",
            "已超过答复时限，视为不参加",
            "The reply window has closed; you count as declining",
        )
        .into());
    }
    let to = if input.accept { "accepted" } else { "declined" };
    set_pick(
        &mut tx,
        d.id,
        me,
        to,
        (!reason.is_empty()).then_some(reason),
        now,
    )
    .await?;
    let g = actor.grant_for(Permission::Evaluate, &lot.region).cloned();
    log(
        &mut tx,
        actor,
        g.as_ref(),
        &lot,
        if input.accept {
            "draw.accepted"
        } else {
            "draw.declined"
        },
        serde_json::json!({"draw": d.id}),
        now,
    )
    .await?;
    tx.commit().await?;
    settle(db, lot_id, now).await
}

async fn set_pick(
    tx: &mut Tx,
    draw: Uuid,
    expert: Uuid,
    status: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    tx_exec!(
        tx,
        "UPDATE draw_picks SET status = $1, reason = $2, replied_at = $3 WHERE draw_id = $4 AND expert_id = $5",
        status,
        reason,
        truncate_micros(now),
        draw,
        expert
    );
    Ok(())
}

/// The reply window passed: invited experts who did not answer count as declining.
pub(crate) async fn expire_in(
    tx: &mut Tx,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let Some(d) = draw_of_tx(tx, lot_id).await? else {
        return Ok("skipped: no draw".into());
    };
    let late: Vec<(Uuid,)> = tx_all!(
        tx,
        "SELECT p.expert_id FROM draw_picks p JOIN draw_rounds r ON r.draw_id = p.draw_id AND r.round = p.round WHERE p.draw_id = $1 AND p.status = 'invited' AND r.reply_by <= $2",
        d.id,
        truncate_micros(now)
    );
    // SQLite compares the text; both sides are UTC RFC 3339 with the same precision.
    for (e,) in &late {
        set_pick(tx, d.id, *e, "no_answer", None, now).await?;
    }
    if !late.is_empty() {
        let lot = tendering::load_for_update(tx, lot_id).await?;
        log(
            tx,
            &Actor::system(),
            None,
            &lot,
            "draw.no_answer",
            serde_json::json!({"draw": d.id, "experts": late.len()}),
            now,
        )
        .await?;
    }
    if let Some(next) = next_reply_due(tx, d.id).await? {
        schedule::plan(tx, lot_id, schedule::DRAW_REPLY, next).await?;
    }
    Ok(format!("{} without answer", late.len()))
}

/// Every place accepted: the committee is seated from the accepted experts and each is told.
async fn form_committee(
    db: &Db,
    d: &DrawRow,
    lot_id: Uuid,
    requester: &Actor,
    picks: &[(Uuid, String, i64)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let accepted: Vec<Uuid> = picks
        .iter()
        .filter(|(_, s, _)| s == "accepted")
        .map(|p| p.0)
        .collect();
    let mut tx = db.begin().await?;
    let lot = tendering::load_for_update(&mut tx, lot_id).await?;
    let status: (String,) = tx_one!(
        &mut tx,
        "SELECT status FROM expert_draws WHERE id = $1",
        d.id
    );
    if status.0 != "confirming" {
        return Ok(());
    }
    let mut accounts = vec![];
    for e in &accepted {
        let a: (Uuid,) = tx_one!(&mut tx, "SELECT account_id FROM experts WHERE id = $1", e);
        accounts.push(a.0);
    }
    tendering::committee::seat_committee(
        &mut tx,
        requester,
        &lot,
        &accounts,
        &d.representatives,
        "drawn",
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "UPDATE expert_draws SET status = 'formed', formed_at = $1 WHERE id = $2",
        truncate_micros(now),
        d.id
    );
    for a in &accounts {
        notify::send(&mut tx, &Message { account: *a, kind: "committee_formed", title: "评标委员会已组建", body: &format!("“{}”的评标委员会已组建。评标当日请先在平台签到（核验身份证号码），再进入评标。", lot.name), link: &format!("/lots/{lot_id}") }, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// After any reply: redraw the vacancies, or form the committee when every place is accepted.
pub async fn settle(db: &Db, lot_id: Uuid, now: DateTime<Utc>) -> ServiceResult<()> {
    let Some(d) = draw_of(db, lot_id).await? else {
        return Ok(());
    };
    if d.status != "confirming" {
        return Ok(());
    }
    let lot = tendering::load(db, lot_id).await?;
    let picks: Vec<(Uuid, String, i64)> = db_all!(
        db,
        "SELECT expert_id, status, group_index FROM draw_picks WHERE draw_id = $1",
        d.id
    );
    let mut vacancies: Vec<(SpecialtyCode, u32)> = vec![];
    for (gi, (code, n)) in d.groups.iter().enumerate() {
        let held = picks
            .iter()
            .filter(|(_, s, g)| *g as usize == gi && (s == "invited" || s == "accepted"))
            .count() as u32;
        if held < *n {
            vacancies.push((code.clone(), n - held));
        }
    }
    let requester = crate::accounts::actor_by_id(db, d.requested_by, "system").await?;
    if !vacancies.is_empty() {
        let already: BTreeSet<Uuid> = picks.iter().map(|p| p.0).collect();
        let spec = DrawSpec {
            groups: vacancies.clone(),
            day: d.evaluation_on,
            scope: d.scope.clone(),
            trade_kind: TRADE_KIND.into(),
            parties: parties(db, &lot).await?,
            tender_evaluation: true,
        };
        let pool = load_pool(db, &vacancies, d.evaluation_on).await?;
        let s = ex::screen(&pool, &spec, &ExpertPack::v2025(), &already);
        let mut tx = db.begin().await?;
        let _locked = tendering::load_for_update(&mut tx, lot_id).await?;
        let rounds: (i64,) = tx_one!(
            &mut tx,
            "SELECT COUNT(*) FROM draw_rounds WHERE draw_id = $1",
            d.id
        );
        let now_picks: (i64,) = tx_one!(
            &mut tx,
            "SELECT COUNT(*) FROM draw_picks WHERE draw_id = $1",
            d.id
        );
        if now_picks.0 as usize != picks.len() {
            return Ok(()); // another reply moved first; it settles
        }
        if let Some(e) = ex::too_few(&s) {
            tx_exec!(
                &mut tx,
                "UPDATE expert_draws SET status = 'short' WHERE id = $1",
                d.id
            );
            log(
                &mut tx,
                &Actor::system(),
                None,
                &lot,
                "draw.redraw_short",
                serde_json::json!({"draw": d.id, "message": e.message_en}),
                now,
            )
            .await?;
            notify::send(
                &mut tx,
                &Message {
                    account: d.requested_by,
                    kind: "draw_short",
                    title: "补抽专家不足",
                    body: &e.message_zh,
                    link: &format!("/lots/{lot_id}"),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            return Ok(());
        }
        let round = rounds.0 as u32 + 1;
        commit_round(
            &mut tx,
            &requester,
            &lot,
            d.id,
            round,
            s,
            d.reply_minutes,
            now,
        )
        .await?;
        tx.commit().await?;
        let mut tx = db.begin().await?;
        complete_round(&mut tx, &requester, &lot, d.id, round, now).await?;
        tx.commit().await?;
        return Ok(());
    }
    if picks.iter().any(|(_, s, _)| s == "invited") {
        return Ok(());
    }
    form_committee(db, &d, lot_id, &requester, &picks, now).await
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInInput {
    /// The expert's identity card number, checked against the registry.
    pub id_number: String,
}

/// A member signs in on the evaluation day; the identity check is recorded.
pub async fn check_in(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &CheckInInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let me = crate::experts::expert_of(db, actor)
        .await?
        .ok_or(ServiceError::Forbidden(Permission::Evaluate))?;
    let lot = tendering::load(db, lot_id).await?;
    let d = draw_of(db, lot_id)
        .await?
        .ok_or(ServiceError::NotFound("draw"))?;
    let pick: Option<(String, Option<DateTime<Utc>>)> = db_opt!(
        db,
        "SELECT status, checked_in_at FROM draw_picks WHERE draw_id = $1 AND expert_id = $2",
        d.id,
        me
    );
    match pick {
        Some((s, None)) if s == "accepted" && d.status == "formed" => {}
        Some((_, Some(_))) => {
            return Err(FieldError::new(
                "id_number",
                "draw.checked_in",
                "已签到",
                "You have already signed in",
            )
            .into());
        }
        _ => {
            return Err(FieldError::new(
                "id_number",
                "draw.not_seated",
                "您不是本标段评标委员会成员",
                "You do not sit on this lot's committee",
            )
            .into());
        }
    }
    if tendering::day(now) != d.evaluation_on {
        return Err(FieldError::new(
            "id_number",
            "draw.not_today",
            format!("请在评标当日（{}）签到", d.evaluation_on),
            format!("Sign in on the evaluation day ({})", d.evaluation_on),
        )
        .into());
    }
    let (stored,): (String,) = db_one!(db, "SELECT id_number_sm3 FROM experts WHERE id = $1", me);
    if crate::experts::id_number_sm3(&input.id_number) != stored {
        return Err(FieldError::new(
            "id_number",
            "draw.identity_mismatch",
            "身份证号码与专家库登记不一致",
            "The identity number does not match the registry",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "UPDATE draw_picks SET checked_in_at = $1, check_in_address = $2 WHERE draw_id = $3 AND expert_id = $4",
        truncate_micros(now),
        &actor.address,
        d.id,
        me
    );
    let g = actor.grant_for(Permission::Evaluate, &lot.region).cloned();
    log(
        &mut tx,
        actor,
        g.as_ref(),
        &lot,
        "draw.checked_in",
        serde_json::json!({"draw": d.id, "method": "id_number"}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether a drawn member has signed in (members seated by other means need not).
pub(crate) async fn checked_in(db: &Db, lot_id: Uuid, account: Uuid) -> ServiceResult<bool> {
    let r: Option<(Option<DateTime<Utc>>,)> = db_opt!(
        db,
        "SELECT p.checked_in_at FROM draw_picks p JOIN expert_draws d ON d.id = p.draw_id JOIN experts e ON e.id = p.expert_id WHERE d.lot_id = $1 AND e.account_id = $2",
        lot_id,
        account
    );
    Ok(r.is_none_or(|r| r.0.is_some()))
}
