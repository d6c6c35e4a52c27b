//! Challenges (质疑) to the buyer and complaints (投诉) to the finance department (政府采购法
//! Art 52–58; 条例 Art 53–58; 94号令).
//!
//! Only a supplier that took part may challenge, within 7 working days of the day it knew — a day
//! the platform fixes from the record, not one the supplier chooses: receipt of the documents or
//! the end of their notice period, the end of the step challenged, or the end of the result
//! notice. The buyer replies within 7 working days and, while a challenge is pending, the
//! contract cannot be signed. A complaint follows within 15 working days after the reply period,
//! only on a matter challenged first; the department reviews it in 5 working days, may suspend the
//! procurement for up to 30 days, and decides within 30 working days, publishing the decision.
//! Overdue replies and decisions raise supervisor alerts through the persisted schedule.

use crate::actor::{Actor, Grant};
use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::{
    self, LotRow, load, load_for_update, log, notices::publish_notice_row, push, require_bidder,
    require_tenderer, schedule, step,
};
use crate::{db_all, db_opt, tx_all, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::{Command, ObjectionSubject, Stage};
use ggzy_core::procurement::{self as gp, ProcurementPack};
use ggzy_core::role::Permission;
use ggzy_core::tender_schedule::{cn_date, cn_day_start};
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// 政府采购质疑和投诉办法 (财政部令第94号).
pub const ORDER94: &str = "政府采购质疑和投诉办法";

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeInput {
    /// documents | process | result
    pub subject: String,
    /// The matters challenged, the facts and the request (质疑事项和请求).
    pub text: String,
    /// For a challenge to a step of the process: the day that step ended.
    #[serde(default)]
    pub step_ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChallengeView {
    pub id: Uuid,
    pub lot_id: Uuid,
    pub entity_id: Uuid,
    pub entity_name: String,
    pub subject: String,
    pub text: String,
    pub knew_on: NaiveDate,
    pub filed_at: DateTime<Utc>,
    pub reply_by: NaiveDate,
    pub complaint_by: NaiveDate,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub in_time: Option<bool>,
    pub upheld: Option<bool>,
}

/// A challenge as stored: an objection row with its entity's name and its days.
#[derive(sqlx::FromRow)]
struct ChallengeRow {
    id: Uuid,
    lot_id: Uuid,
    entity_id: Option<Uuid>,
    entity_name: String,
    subject: String,
    text: String,
    knew_on: Option<NaiveDate>,
    raised_at: DateTime<Utc>,
    reply_by: Option<NaiveDate>,
    complaint_by: Option<NaiveDate>,
    reply: Option<String>,
    replied_at: Option<DateTime<Utc>>,
    in_time: Option<bool>,
    upheld: Option<bool>,
}

const CHALLENGE_SELECT: &str = "SELECT o.id, o.lot_id, o.entity_id, COALESCE(e.name, '') AS entity_name, o.subject, o.text, o.knew_on, o.raised_at, o.reply_by, o.complaint_by, o.reply, o.replied_at, o.in_time, o.upheld FROM objections o LEFT JOIN entities e ON e.id = o.entity_id";

/// A challenge as the API shows it; none for an objection the challenge rules do not cover
/// (one without a filing entity or its days).
fn view(r: ChallengeRow) -> Option<ChallengeView> {
    Some(ChallengeView {
        entity_id: r.entity_id?,
        knew_on: r.knew_on?,
        reply_by: r.reply_by?,
        complaint_by: r.complaint_by?,
        id: r.id,
        lot_id: r.lot_id,
        entity_name: r.entity_name,
        subject: r.subject,
        text: r.text,
        filed_at: r.raised_at,
        reply: r.reply,
        replied_at: r.replied_at,
        in_time: r.in_time,
        upheld: r.upheld,
    })
}

fn procurement_pack(lot: &LotRow) -> ServiceResult<ProcurementPack> {
    lot.gp.clone().ok_or(ServiceError::OutOfOrder {
        stage: lot.state.stage.as_str(),
        waits_for: lot.state.stage.waits_for(),
        reason: "challenges and these complaints belong to government procurement; a works tender takes objections (异议)",
    })
}

fn not_participant() -> ServiceError {
    FieldError::new(
        "subject",
        "challenge.not_participant",
        "提出质疑的供应商应当是参与所质疑项目采购活动的供应商",
        "Only a supplier that took part in this procurement may challenge it",
    )
    .with_rule(ORDER94, "11")
    .into()
}

/// The day the supplier knew, as the record fixes it (条例 Art 53).
async fn knew_on(
    db: &Db,
    lot: &LotRow,
    entity: Uuid,
    subject: &str,
    step_ended_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ServiceResult<NaiveDate> {
    let cal = crate::calendar::load(db).await?;
    let pack = procurement_pack(lot)?;
    match subject {
        "documents" => {
            let first: Option<(DateTime<Utc>,)> = db_opt!(
                db,
                "SELECT MIN(at) FROM document_downloads WHERE lot_id = $1 AND entity_id = $2 HAVING COUNT(*) > 0",
                lot.id,
                entity
            );
            let Some((got,)) = first else {
                return Err(not_participant());
            };
            // Receipt of the documents, or the end of their notice period if later — as far as
            // that end has come.
            let period_end = lot
                .state
                .dates
                .map_or(today, |d| cn_date(d.documents_until));
            Ok(cn_date(got).max(period_end.min(today)))
        }
        "process" | "result" => {
            let bid: Option<(Uuid,)> = db_opt!(
                db,
                "SELECT id FROM bids WHERE lot_id = $1 AND bidder_id = $2 LIMIT 1",
                lot.id,
                entity
            );
            if bid.is_none() {
                return Err(not_participant());
            }
            if subject == "result" {
                let Some(at) = tendering::committee::awarded_at(db, lot.id).await? else {
                    return Err(ServiceError::OutOfOrder {
                        stage: lot.state.stage.as_str(),
                        waits_for: lot.state.stage.waits_for(),
                        reason: "the result is challenged once it is published",
                    });
                };
                Ok(cal.add_working_days(cn_date(at), pack.result_runs.value))
            } else {
                let Some(d) = step_ended_on.filter(|d| *d <= today) else {
                    return Err(FieldError::new(
                        "step_ended_on",
                        "challenge.step_ended_on",
                        "请填写所质疑环节的结束日期（不晚于今天）",
                        "Give the day the challenged step ended (not after today)",
                    )
                    .into());
                };
                Ok(d)
            }
        }
        _ => Err(FieldError::new(
            "subject",
            "challenge.subject",
            "质疑对象应为 采购文件/采购过程/中标（成交）结果",
            "A challenge concerns the documents, the process or the result",
        )
        .into()),
    }
}

/// Plan `action` at `due` unless an earlier unfired plan of it already stands.
async fn plan_earliest(
    tx: &mut Tx,
    lot: Uuid,
    action: &str,
    due: DateTime<Utc>,
) -> ServiceResult<()> {
    let earlier: Option<(Uuid,)> = tx_opt!(
        tx,
        "SELECT id FROM schedule WHERE lot_id = $1 AND action = $2 AND fired_at IS NULL AND due_at <= $3 LIMIT 1",
        lot,
        action,
        truncate_micros(due)
    );
    if earlier.is_none() {
        schedule::plan(tx, lot, action, due).await?;
    }
    Ok(())
}

/// A supplier files a challenge (质疑).
pub async fn file_challenge(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ChallengeInput,
    now: DateTime<Utc>,
) -> ServiceResult<ChallengeView> {
    let mut errs = Invalid::default();
    let Some(body) = text(&mut errs, "text", &input.text, 10_000) else {
        return Err(errs.into());
    };
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let lot = load(db, lot_id).await?;
    let pack = procurement_pack(&lot)?;
    let today = tendering::day(now);
    let knew = knew_on(
        db,
        &lot,
        entity,
        input.subject.as_str(),
        input.step_ended_on,
        today,
    )
    .await?;
    let cal = crate::calendar::load(db).await?;
    gp::check_challenge(&pack, &cal, knew, today)?;
    let deadlines = gp::challenge_deadlines(&pack, &cal, today);
    let subject = if input.subject == "documents" {
        ObjectionSubject::Documents
    } else {
        ObjectionSubject::Result
    };
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    step(&mut tx, &mut lot, actor, Some(&grant), &Command::RaiseObjection { id, subject }, now, serde_json::json!({"challenge": id, "subject": input.subject, "knew_on": knew, "reply_by": deadlines.reply_by})).await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO objections (id, lot_id, subject, entity_id, raised_by, text, raised_at, knew_on, reply_by, complaint_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        lot_id,
        &input.subject,
        entity,
        actor.account_id,
        &body,
        truncate_micros(now),
        knew,
        deadlines.reply_by,
        deadlines.complaint_by
    );
    let title = format!("{} 收到质疑", lot.name);
    let msg = format!(
        "供应商对本项目提出质疑，请于 {} 前作出书面答复（政府采购法 第53条）。质疑答复前可能影响采购结果的，暂停签订合同（实施条例 第54条）。",
        deadlines.reply_by
    );
    push(
        &mut tx,
        lot.principal_id,
        lot_id,
        "challenge",
        &title,
        &msg,
        now,
    )
    .await?;
    if let Some(a) = lot.agency_id {
        push(&mut tx, a, lot_id, "challenge", &title, &msg, now).await?;
    }
    plan_earliest(
        &mut tx,
        lot_id,
        schedule::CHALLENGE_REPLY_DUE,
        cn_day_start(deadlines.reply_by + Duration::days(1)),
    )
    .await?;
    tx.commit().await?;
    Ok(ChallengeView {
        id,
        lot_id,
        entity_id: entity,
        entity_name: tendering::entity_name(db, entity).await?,
        subject: input.subject.clone(),
        text: body,
        knew_on: knew,
        filed_at: truncate_micros(now),
        reply_by: deadlines.reply_by,
        complaint_by: deadlines.complaint_by,
        reply: None,
        replied_at: None,
        in_time: None,
        upheld: None,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeReplyInput {
    pub reply: String,
    /// The challenge is well founded (质疑成立).
    #[serde(default)]
    pub upheld: bool,
}

/// The buyer or its agency replies in writing, to the challenger and the other suppliers
/// concerned (法 Art 53). Returns whether the reply was in time.
pub async fn reply_challenge(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    challenge_id: Uuid,
    input: &ChallengeReplyInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut errs = Invalid::default();
    let Some(reply) = text(&mut errs, "reply", &input.reply, 10_000) else {
        return Err(errs.into());
    };
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    procurement_pack(&lot)?;
    let grant = require_tenderer(actor, &lot)?.clone();
    let row: Option<(Option<Uuid>, Option<String>)> = tx_opt!(
        &mut tx,
        "SELECT entity_id, reply FROM objections WHERE id = $1 AND lot_id = $2",
        challenge_id,
        lot_id
    );
    let Some((Some(challenger), None)) = row else {
        return Err(ServiceError::NotFound("pending challenge"));
    };
    let events = step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::ReplyObjection { id: challenge_id },
        now,
        serde_json::json!({"challenge": challenge_id, "upheld": input.upheld}),
    )
    .await?;
    let in_time = events.iter().any(|e| {
        matches!(
            e,
            ggzy_core::procedure::Event::ObjectionAnswered { in_time: true, .. }
        )
    });
    tx_exec!(
        &mut tx,
        "UPDATE objections SET reply = $1, replied_by = $2, replied_at = $3, in_time = $4, upheld = $5 WHERE id = $6",
        &reply,
        actor.account_id,
        truncate_micros(now),
        in_time,
        input.upheld,
        challenge_id
    );
    let title = format!("{} 质疑答复", lot.name);
    let body = format!(
        "{reply}\n\n质疑{}。对答复不满意的，可以在答复期满后15个工作日内向{}投诉（政府采购法 第55条）。",
        if input.upheld { "成立" } else { "不成立" },
        "同级政府采购监督管理部门"
    );
    push(
        &mut tx,
        challenger,
        lot_id,
        "challenge_reply",
        &title,
        &body,
        now,
    )
    .await?;
    if input.upheld {
        for b in lot
            .state
            .bidders
            .clone()
            .into_iter()
            .filter(|b| *b != challenger)
        {
            push(&mut tx, b, lot_id, "challenge_reply", &title, &body, now).await?;
        }
    }
    tx.commit().await?;
    Ok(in_time)
}

pub(crate) async fn challenge_rows(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<ChallengeView>> {
    let rows: Vec<ChallengeRow> = db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "{CHALLENGE_SELECT} WHERE o.lot_id = $1 AND o.reply_by IS NOT NULL ORDER BY o.raised_at"
        )),
        lot_id
    );
    Ok(rows.into_iter().filter_map(view).collect())
}

/// Challenges as `actor` may see them: all to the parties and supervisors, its own to a supplier.
pub async fn challenges(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<ChallengeView>> {
    let lot = load(db, lot_id).await?;
    let rows = challenge_rows(db, lot_id).await?;
    Ok(tendering::visible_to(actor, &lot, rows, |r| {
        Some(r.entity_id)
    }))
}

// ---------------------------------------------------------------- complaints

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GpComplaintInput {
    /// The challenge the complaint follows: only matters challenged may be complained of.
    pub challenge_id: Uuid,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GpComplaintView {
    pub id: Uuid,
    pub lot_id: Uuid,
    pub entity_id: Uuid,
    pub challenge_id: Option<Uuid>,
    pub text: String,
    pub filed_at: DateTime<Utc>,
    /// Review (审查) due: 5 working days.
    pub accept_due: NaiveDate,
    /// Decision due: 30 working days.
    pub decide_due: NaiveDate,
    pub accepted: Option<bool>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub decision: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

const COMPLAINT_SELECT: &str = "SELECT id, lot_id, entity_id, objection_id AS challenge_id, text, filed_at, accept_due, decide_due, accepted, suspended_until, decision, decided_at, published_at FROM complaints";

/// A supplier complains to the finance department after its challenge (法 Art 55).
pub async fn file_complaint(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &GpComplaintInput,
    now: DateTime<Utc>,
) -> ServiceResult<GpComplaintView> {
    let mut errs = Invalid::default();
    let Some(body) = text(&mut errs, "text", &input.text, 20_000) else {
        return Err(errs.into());
    };
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let lot = load(db, lot_id).await?;
    let pack = procurement_pack(&lot)?;
    let cal = crate::calendar::load(db).await?;
    let today = tendering::day(now);
    let challenge = challenge_rows(db, lot_id)
        .await?
        .into_iter()
        .find(|c| c.id == input.challenge_id && c.entity_id == entity);
    let filed = challenge.as_ref().map(|c| cn_date(c.filed_at));
    let decide_due = gp::check_complaint(&pack, &cal, filed, today)?;
    let Some(ch) = challenge else {
        return Err(ServiceError::Internal("challenge vanished".into()));
    };
    if ch.reply.is_none() && today <= ch.reply_by {
        return Err(FieldError::new(
            "challenge_id",
            "complaint.before_reply",
            format!("质疑答复期（至 {}）届满或收到答复后方可投诉", ch.reply_by),
            format!(
                "A complaint follows the reply, or the end of the reply period ({})",
                ch.reply_by
            ),
        )
        .with_rule(gp::LAW, "55")
        .into());
    }
    let accept_due = cal.add_working_days(today, ggzy_core::calendar::WorkingDays(5));
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO complaints (id, lot_id, entity_id, filed_by, objection_id, text, knew_on, filed_at, accept_due, decide_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        id,
        lot_id,
        entity,
        actor.account_id,
        input.challenge_id,
        &body,
        ch.knew_on,
        truncate_micros(now),
        accept_due,
        decide_due
    );
    log(&mut tx, actor, Some(&grant), &lot, "lot.complaint_filed", serde_json::json!({"complaint": id, "challenge": input.challenge_id, "accept_due": accept_due, "decide_due": decide_due}), now).await?;
    plan_earliest(
        &mut tx,
        lot_id,
        schedule::COMPLAINT_DECISION_DUE,
        cn_day_start(decide_due + Duration::days(1)),
    )
    .await?;
    tx.commit().await?;
    complaint(db, id).await
}

async fn complaint(db: &Db, id: Uuid) -> ServiceResult<GpComplaintView> {
    let r: Option<GpComplaintView> = db_opt!(
        db,
        sqlx::AssertSqlSafe(format!("{COMPLAINT_SELECT} WHERE id = $1")),
        id
    );
    r.ok_or(ServiceError::NotFound("complaint"))
}

pub async fn complaints(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<Vec<GpComplaintView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<GpComplaintView> = db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "{COMPLAINT_SELECT} WHERE lot_id = $1 AND objection_id IS NOT NULL ORDER BY filed_at"
        )),
        lot_id
    );
    Ok(tendering::visible_to(actor, &lot, rows, |r| {
        Some(r.entity_id)
    }))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintStepInput {
    /// accept | refuse | suspend | resume | decide
    pub action: String,
    /// End of a suspension (≤ 30 days, 法 Art 57).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// The reason of a refusal, or the decision.
    #[serde(default)]
    pub text: Option<String>,
}

/// The finance department suspends the procurement while it handles the complaint
/// (政府采购法 Art 57); the buyer is told until when.
async fn suspend(
    tx: &mut Tx,
    actor: &Actor,
    grant: &Grant,
    lot: &mut LotRow,
    complaint_id: Uuid,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    step(
        tx,
        lot,
        actor,
        Some(grant),
        &Command::Suspend { until },
        now,
        serde_json::json!({"complaint": complaint_id}),
    )
    .await?;
    tx_exec!(
        tx,
        "UPDATE complaints SET suspended_until = $1 WHERE id = $2",
        truncate_micros(until),
        complaint_id
    );
    let msg = format!(
        "财政部门在处理投诉期间暂停本项目采购活动至 {}（政府采购法 第57条）。",
        tendering::notices_fmt(until)
    );
    push(
        tx,
        lot.principal_id,
        lot.id,
        "suspended",
        &format!("{} 暂停采购活动", lot.name),
        &msg,
        now,
    )
    .await?;
    Ok(())
}

/// The decision ends a suspension, is published (条例 Art 58) and goes to the complainant and the
/// buyer.
async fn decide(
    tx: &mut Tx,
    actor: &Actor,
    grant: &Grant,
    lot: &mut LotRow,
    c: &GpComplaintView,
    decision: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if lot.state.suspended_until.is_some() {
        step(
            tx,
            lot,
            actor,
            Some(grant),
            &Command::Resume,
            now,
            serde_json::json!({"complaint": c.id}),
        )
        .await?;
    }
    tx_exec!(
        tx,
        "UPDATE complaints SET decision = $1, decided_by = $2, decided_at = $3, published_at = $3 WHERE id = $4",
        decision,
        actor.account_id,
        truncate_micros(now),
        c.id
    );
    let title = format!("{}{}投诉处理决定公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n统一交易标识码：{}\n处理决定：{decision}\n（政府采购法实施条例 第58条：财政部门应当将投诉处理结果在省级以上人民政府财政部门指定的媒体上公告。）",
        lot.trade_code
    );
    publish_notice_row(tx, lot, "complaint_decision", &title, &body, now).await?;
    push(
        tx,
        c.entity_id,
        lot.id,
        "complaint_decision",
        &title,
        decision,
        now,
    )
    .await?;
    push(
        tx,
        lot.principal_id,
        lot.id,
        "complaint_decision",
        &title,
        decision,
        now,
    )
    .await?;
    log(
        tx,
        actor,
        Some(grant),
        lot,
        "lot.complaint_decided",
        serde_json::json!({"complaint": c.id, "in_time": tendering::day(now) <= c.decide_due}),
        now,
    )
    .await?;
    Ok(())
}

/// The finance department's steps on a complaint. Returns the complaint as it stands.
pub async fn handle_complaint(
    db: &Db,
    actor: &Actor,
    complaint_id: Uuid,
    input: &ComplaintStepInput,
    now: DateTime<Utc>,
) -> ServiceResult<GpComplaintView> {
    let c = complaint(db, complaint_id).await?;
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, c.lot_id).await?;
    procurement_pack(&lot)?;
    let grant = actor.require(Permission::Supervise, &lot.region)?.clone();
    let text = input
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(20_000).collect::<String>());
    let need_text = |what: &'static str| -> ServiceError {
        FieldError::new(
            "text",
            "complaint.text_required",
            format!("请填写{what}"),
            format!("Give the {what}"),
        )
        .into()
    };
    let closed = c.decided_at.is_some();
    let order = |reason: &'static str| ServiceError::OutOfOrder {
        stage: if closed { "decided" } else { "open" },
        waits_for: "complaint_step",
        reason,
    };
    match input.action.as_str() {
        "accept" | "refuse" if c.accepted.is_none() => {
            let accept = input.action == "accept";
            if !accept && text.is_none() {
                return Err(need_text("不予受理的理由"));
            }
            tx_exec!(
                &mut tx,
                "UPDATE complaints SET accepted = $1, accepted_at = $2, decision = $3, decided_by = $4, decided_at = CASE WHEN $1 THEN NULL ELSE $2 END WHERE id = $5",
                accept,
                truncate_micros(now),
                if accept { None } else { text.clone() },
                actor.account_id,
                complaint_id
            );
            log(&mut tx, actor, Some(&grant), &lot, "lot.complaint_reviewed", serde_json::json!({"complaint": complaint_id, "accepted": accept, "in_time": tendering::day(now) <= c.accept_due}), now).await?;
        }
        "suspend" if c.accepted == Some(true) && !closed => {
            let Some(until) = input.until else {
                return Err(FieldError::new(
                    "until",
                    "complaint.until",
                    "请填写暂停截止时间",
                    "Give the end of the suspension",
                )
                .into());
            };
            suspend(&mut tx, actor, &grant, &mut lot, complaint_id, until, now).await?;
        }
        "resume" if lot.state.suspended_until.is_some() => {
            step(
                &mut tx,
                &mut lot,
                actor,
                Some(&grant),
                &Command::Resume,
                now,
                serde_json::json!({"complaint": complaint_id}),
            )
            .await?;
        }
        "decide" if c.accepted == Some(true) && !closed => {
            let Some(decision) = text.clone() else {
                return Err(need_text("处理决定"));
            };
            decide(&mut tx, actor, &grant, &mut lot, &c, &decision, now).await?;
        }
        "accept" | "refuse" => return Err(order("the complaint is already reviewed")),
        "suspend" | "decide" => return Err(order("the complaint must be accepted and still open")),
        "resume" => return Err(order("the procurement is not suspended")),
        _ => {
            return Err(FieldError::new(
                "action",
                "complaint.action",
                "操作应为 受理/不予受理/暂停/恢复/决定",
                "The step is accept, refuse, suspend, resume or decide",
            )
            .into());
        }
    }
    tx.commit().await?;
    complaint(db, complaint_id).await
}

/// The schedule's check at a due day: every challenge unanswered past its reply day, or
/// complaint undecided past its decision day, becomes a supervisor alert; the next due is planned.
pub(crate) async fn overdue_in(
    tx: &mut Tx,
    lot_id: Uuid,
    action: &str,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let lot = load_for_update(tx, lot_id).await?;
    let today = tendering::day(now);
    let sql = if action == schedule::CHALLENGE_REPLY_DUE {
        "SELECT id, reply_by FROM objections WHERE lot_id = $1 AND reply_by IS NOT NULL AND reply IS NULL"
    } else {
        "SELECT id, decide_due FROM complaints WHERE lot_id = $1 AND objection_id IS NOT NULL AND accepted IS NOT FALSE AND decided_at IS NULL"
    };
    let open: Vec<(Uuid, NaiveDate)> = tx_all!(tx, sql, lot_id);
    let (kind, what) = if action == schedule::CHALLENGE_REPLY_DUE {
        ("challenge.reply_overdue", "challenge")
    } else {
        ("complaint.decision_overdue", "complaint")
    };
    let mut raised = 0;
    let mut next: Option<NaiveDate> = None;
    for (id, due) in open {
        let id_text = id.to_string();
        let alerted: (i64,) = tx_one!(
            tx,
            "SELECT COUNT(*) FROM alerts WHERE lot_id = $1 AND kind = $2 AND evidence LIKE $3",
            lot_id,
            kind,
            format!("%{id_text}%")
        );
        if today > due && alerted.0 == 0 {
            crate::alerts::raise(
                tx,
                &lot,
                kind,
                ggzy_core::alert::Severity::High,
                serde_json::json!({what: id, "due_on": due}),
                now,
            )
            .await?;
            raised += 1;
        } else if today <= due {
            next = Some(next.map_or(due, |n: NaiveDate| n.min(due)));
        }
    }
    if let Some(n) = next {
        schedule::plan(tx, lot_id, action, cn_day_start(n + Duration::days(1))).await?;
    }
    Ok(format!("{raised} overdue"))
}

/// Stage guard shared with the pages: a challenge can be filed while the lot is live.
pub fn challengeable(stage: Stage) -> bool {
    !matches!(stage, Stage::Registered | Stage::Failed | Stage::Contracted)
}
