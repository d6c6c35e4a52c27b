//! Rule-based warnings for supervisors (预警, C13), handled as cases: raised with their evidence
//! where a rule spots something, acknowledged by the supervisor who takes it up, investigated and
//! closed with a finding — a credit record among them — every step logged; a case left past its
//! window escalates.

use crate::actor::Actor;
use crate::credit::{self, RecordInput};
use crate::db::{Db, Tx};
use crate::error::{OrInternal, ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::LotRow;
use crate::{db_all, db_opt, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::alert::{AlertPack, Finding, Refusal, Severity, Status, Step, next};
use ggzy_core::clock::truncate_micros;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) async fn raise(
    tx: &mut Tx,
    lot: &LotRow,
    kind: &'static str,
    severity: Severity,
    evidence: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let at = Raised {
        region: &lot.region,
        lot: Some(lot.id),
        subject: format!("lot:{}", lot.id),
        logged: None,
    };
    raise_at(tx, &at, kind, severity, evidence, now).await
}

/// Where an alert is raised: its region, its lot if any, and the log subject its event files
/// under (a lot's, or a report's when nothing but the region is known).
pub(crate) struct Raised<'a> {
    pub region: &'a DivisionCode,
    pub lot: Option<Uuid>,
    pub subject: String,
    /// What the public log records in place of the evidence, when the evidence is not for
    /// everyone to read (a report's facts and its reporter).
    pub logged: Option<serde_json::Value>,
}

pub(crate) async fn raise_at(
    tx: &mut Tx,
    at: &Raised<'_>,
    kind: &'static str,
    severity: Severity,
    evidence: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    let system = Actor::system();
    let ev = events::append(
        tx,
        NewEvent {
            actor_id: None,
            actor_role: system.role_label(None),
            address: system.address.clone(),
            region_code: at.region.to_string(),
            kind: "alert.raised",
            subject: at.subject.clone(),
            payload: serde_json::json!({"alert": id, "kind": kind, "severity": severity.as_str(),
                "evidence": at.logged.as_ref().unwrap_or(&evidence)}),
        },
        now,
    )
    .await?;
    tx_exec!(
        tx,
        "INSERT INTO alerts (id, region_code, lot_id, kind, evidence, raised_at, severity, status, due_at, event_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, 'raised', $8, $9)",
        id,
        at.region.as_str(),
        at.lot,
        kind,
        evidence.to_string(),
        truncate_micros(now),
        severity.as_str(),
        AlertPack::v2026()
            .due(Status::Raised, now)
            .map(truncate_micros),
        ev.seq
    );
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: Uuid,
    pub region_code: String,
    pub lot_id: Option<Uuid>,
    pub lot_name: Option<String>,
    pub trade_code: Option<String>,
    /// The rule that raised it, e.g. `collusion.same_address` or `abnormal_score`.
    pub kind: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    pub status: Status,
    /// The supervisor handling it, once acknowledged.
    pub owner_id: Option<Uuid>,
    pub owner: Option<String>,
    pub evidence: serde_json::Value,
    /// The log event that raised it.
    pub event_seq: Option<i64>,
    pub raised_at: DateTime<Utc>,
    /// When the current step falls due; past it, the case escalates.
    pub due_at: Option<DateTime<Utc>>,
    pub escalations: i64,
    pub finding: Option<Finding>,
    pub credit_record_id: Option<Uuid>,
    /// The company the finding's credit record concerns.
    pub credit_uscc: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertStepView {
    pub step: String,
    pub by: Option<String>,
    pub note: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertCase {
    pub alert: AlertView,
    pub steps: Vec<AlertStepView>,
}

/// An alert as stored, with its lot and owner.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    region_code: String,
    lot_id: Option<Uuid>,
    lot_name: Option<String>,
    trade_code: Option<String>,
    kind: String,
    severity: String,
    status: String,
    evidence: String,
    owner_id: Option<Uuid>,
    owner: Option<String>,
    event_seq: Option<i64>,
    raised_at: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    escalations: i64,
    finding: Option<String>,
    credit_record_id: Option<Uuid>,
    credit_uscc: Option<String>,
    closed_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT a.id, a.region_code, a.lot_id, l.name AS lot_name, l.trade_code, a.kind, a.severity, a.status, a.evidence, a.owner_id, COALESCE(o.display_name, o.username) AS owner, a.event_seq, a.raised_at, a.due_at, CAST(a.escalations AS BIGINT) AS escalations, a.finding, a.credit_record_id, cr.uscc AS credit_uscc, a.closed_at
     FROM alerts a LEFT JOIN lots l ON l.id = a.lot_id LEFT JOIN accounts o ON o.id = a.owner_id LEFT JOIN credit_records cr ON cr.id = a.credit_record_id";

fn view(r: Row) -> ServiceResult<AlertView> {
    Ok(AlertView {
        status: Status::parse(&r.status)
            .ok_or_else(|| ServiceError::Internal("alert status".into()))?,
        evidence: serde_json::from_str(&r.evidence).or_internal()?,
        finding: r.finding.as_deref().and_then(Finding::parse),
        id: r.id,
        region_code: r.region_code,
        lot_id: r.lot_id,
        lot_name: r.lot_name,
        trade_code: r.trade_code,
        kind: r.kind,
        severity: r.severity,
        owner_id: r.owner_id,
        owner: r.owner,
        event_seq: r.event_seq,
        raised_at: r.raised_at,
        due_at: r.due_at,
        escalations: r.escalations,
        credit_record_id: r.credit_record_id,
        credit_uscc: r.credit_uscc,
        closed_at: r.closed_at,
    })
}

/// Whether the actor may read alerts of `region` (a supervisor or an auditor covering it).
fn may_read(actor: &Actor, region: &str) -> bool {
    DivisionCode::parse("region", region).is_ok_and(|r| {
        actor.grant_for(Permission::Supervise, &r).is_some()
            || actor.grant_for(Permission::AuditRead, &r).is_some()
    })
}

/// Which alerts a list shows.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct AlertFilter {
    /// `open` (every status but closed, the default), `closed` or `all`.
    #[serde(default)]
    pub show: Option<String>,
    /// Only this rule, e.g. `collusion.same_address`.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Alerts in the regions the supervisor (or auditor) covers, most urgent first: open cases by due
/// time, then the closed newest first.
pub async fn list(db: &Db, actor: &Actor, filter: &AlertFilter) -> ServiceResult<Vec<AlertView>> {
    if !actor.has(Permission::Supervise) {
        actor.require_any(Permission::AuditRead)?;
    }
    let show = filter.show.as_deref().unwrap_or("open");
    let status = match show {
        "open" => "a.status <> 'closed'",
        "closed" => "a.status = 'closed'",
        _ => "1 = 1",
    };
    let sql = format!(
        "{SELECT} WHERE {status} AND ($1 IS NULL OR a.kind = $1) ORDER BY CASE WHEN a.status = 'closed' THEN 1 ELSE 0 END, a.due_at, a.raised_at DESC LIMIT 1000"
    );
    let rows: Vec<Row> = db_all!(db, sqlx::AssertSqlSafe(sql), filter.kind.as_deref());
    rows.into_iter()
        .filter(|r| may_read(actor, &r.region_code))
        .map(view)
        .collect()
}

/// One alert with its steps, for a reader of its region.
pub async fn case(db: &Db, actor: &Actor, id: Uuid) -> ServiceResult<AlertCase> {
    if !actor.has(Permission::Supervise) {
        actor.require_any(Permission::AuditRead)?;
    }
    let sql = format!("{SELECT} WHERE a.id = $1");
    let r: Option<Row> = db_opt!(db, sqlx::AssertSqlSafe(sql), id);
    let alert = match r {
        Some(r) if may_read(actor, &r.region_code) => view(r)?,
        _ => return Err(ServiceError::NotFound("alert")),
    };
    let steps: Vec<(String, Option<String>, String, DateTime<Utc>)> = db_all!(
        db,
        "SELECT s.step, COALESCE(a.display_name, a.username), s.note, s.at FROM alert_steps s LEFT JOIN accounts a ON a.id = s.actor_id WHERE s.alert_id = $1 ORDER BY s.n",
        id
    );
    Ok(AlertCase {
        alert,
        steps: steps
            .into_iter()
            .map(|(step, by, note, at)| AlertStepView { step, by, note, at })
            .collect(),
    })
}

/// One count of the dashboard: open alerts of a rule in a region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertCount {
    pub kind: String,
    pub region_code: String,
    pub open: usize,
    pub overdue: usize,
    pub escalated: usize,
    pub high: usize,
}

/// Open alerts by rule and region, for the dashboard.
pub async fn dashboard(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<AlertCount>> {
    let open = list(db, actor, &AlertFilter::default()).await?;
    let mut by: std::collections::BTreeMap<(String, String), AlertCount> = Default::default();
    for a in open {
        let c = by
            .entry((a.kind.clone(), a.region_code.clone()))
            .or_insert_with(|| AlertCount {
                kind: a.kind.clone(),
                region_code: a.region_code.clone(),
                open: 0,
                overdue: 0,
                escalated: 0,
                high: 0,
            });
        c.open += 1;
        c.overdue += usize::from(a.due_at.is_some_and(|d| d <= now));
        c.escalated += usize::from(a.escalations > 0);
        c.high += usize::from(a.severity == "high");
    }
    Ok(by.into_values().collect())
}

/// A note on a step (what was checked, whom the case was referred to …).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    #[serde(default)]
    pub note: String,
}

/// Closing a case: the finding, what it rests on, and for a credit-record finding the record.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// `no_issue`, `warning`, `credit_record` or `referral`.
    pub finding: String,
    pub note: String,
    /// Required for `credit_record`: the record to enter (its evidence defaults to the alert's
    /// events).
    #[serde(default)]
    pub record: Option<RecordInput>,
}

struct Held {
    region: DivisionCode,
    status: Status,
    owner: Option<Uuid>,
    evidence: serde_json::Value,
    event_seq: Option<i64>,
}

async fn hold(tx: &mut Tx, id: Uuid) -> ServiceResult<Held> {
    let r: Option<(String, String, Option<Uuid>, String, Option<i64>)> = tx_opt!(
        tx,
        "SELECT region_code, status, owner_id, evidence, event_seq FROM alerts WHERE id = $1",
        id
    );
    let r = r.ok_or(ServiceError::NotFound("alert"))?;
    Ok(Held {
        region: DivisionCode::parse("region_code", &r.0)
            .map_err(|_| ServiceError::Internal("alert region".into()))?,
        status: Status::parse(&r.1).ok_or_else(|| ServiceError::Internal("alert status".into()))?,
        owner: r.2,
        evidence: serde_json::from_str(&r.3).or_internal()?,
        event_seq: r.4,
    })
}

fn refused(r: Refusal) -> ServiceError {
    match r {
        Refusal::Closed => FieldError::new(
            "alert",
            "alert.closed",
            "该预警已办结",
            "The alert is already closed",
        ),
        Refusal::Backwards => FieldError::new(
            "alert",
            "alert.out_of_order",
            "该预警已进入后续处理环节",
            "The alert has already moved past this step",
        ),
    }
    .into()
}

/// Check a supervisor's step against the case: the region's supervisor, the owner once there is
/// one, and a step the flow allows.
fn check_step(actor: &Actor, held: &Held, step: Step) -> ServiceResult<Status> {
    actor.require(Permission::Supervise, &held.region)?;
    if let Some(owner) = held.owner
        && actor.account_id != Some(owner)
    {
        return Err(FieldError::new(
            "alert",
            "alert.not_owner",
            "该预警由另一名监督人员负责处置",
            "Another supervisor owns this alert",
        )
        .into());
    }
    next(held.status, step).map_err(refused)
}

async fn record_step(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    region: &DivisionCode,
    step: Step,
    note: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (n,): (i64,) = crate::tx_one!(
        tx,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM alert_steps WHERE alert_id = $1",
        id
    );
    tx_exec!(
        tx,
        "INSERT INTO alert_steps (alert_id, n, step, actor_id, note, at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        n as i32 + 1,
        step.as_str(),
        actor.account_id,
        note,
        truncate_micros(now)
    );
    let kind = match step {
        Step::Acknowledge => "alert.acknowledged",
        Step::Investigate => "alert.investigating",
        Step::Close(_) => "alert.closed",
        Step::Escalate => "alert.escalated",
    };
    let finding = match step {
        Step::Close(f) => Some(f.as_str()),
        _ => None,
    };
    events::append(
        tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(actor.grant_for(Permission::Supervise, region)),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind,
            subject: format!("alert:{id}"),
            payload: serde_json::json!({"note": note, "finding": finding}),
        },
        now,
    )
    .await?;
    Ok(())
}

fn note_of(field: &'static str, note: &str, required: bool) -> ServiceResult<String> {
    let t = note.trim();
    if t.chars().count() > 2000 {
        return Err(FieldError::new(
            field,
            "alert.note_too_long",
            "说明不超过 2000 字",
            "The note is at most 2000 characters",
        )
        .into());
    }
    if required && t.is_empty() {
        return Err(FieldError::new(
            field,
            "alert.note_required",
            "请写明核查情况和处理依据",
            "Say what was checked and on what basis",
        )
        .into());
    }
    Ok(t.to_string())
}

/// Acknowledge (受理) or start investigating: the first supervisor to act owns the case.
pub async fn advance(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    step: Step,
    input: &StepInput,
    now: DateTime<Utc>,
) -> ServiceResult<AlertCase> {
    if !matches!(step, Step::Acknowledge | Step::Investigate) {
        return Err(ServiceError::Internal(
            "advance takes acknowledge or investigate".into(),
        ));
    }
    let mut tx = db.begin().await?;
    let held = hold(&mut tx, id).await?;
    let to = check_step(actor, &held, step)?;
    let note = note_of("note", &input.note, false)?;
    tx_exec!(
        &mut tx,
        "UPDATE alerts SET status = $1, owner_id = COALESCE(owner_id, $2), due_at = $3 WHERE id = $4",
        to.as_str(),
        actor.account_id,
        AlertPack::v2026().due(to, now).map(truncate_micros),
        id
    );
    record_step(&mut tx, actor, id, &held.region, step, &note, now).await?;
    tx.commit().await?;
    case(db, actor, id).await
}

/// Close with a finding. A credit-record finding enters the record first (as the supervisor,
/// with the alert's events as its evidence) and the case keeps it; the case is checked before
/// the record is written so that a refused close leaves no record behind.
pub async fn close(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &CloseInput,
    now: DateTime<Utc>,
) -> ServiceResult<AlertCase> {
    let finding = Finding::parse(&input.finding).ok_or_else(|| {
        FieldError::new(
            "finding",
            "alert.finding",
            "处理结论应为：无问题、约谈提醒、记入信用记录或移送",
            "The finding is no_issue, warning, credit_record or referral",
        )
    })?;
    let held = {
        let mut tx = db.begin().await?;
        let held = hold(&mut tx, id).await?;
        tx.rollback().await?;
        held
    };
    check_step(actor, &held, Step::Close(finding))?;
    let note = note_of("note", &input.note, true)?;
    let record = match (finding, &input.record) {
        (Finding::CreditRecord, Some(r)) => {
            let mut r = r.clone();
            if r.evidence.is_empty() {
                r.evidence = evidence_events(&held);
            }
            Some(credit::record(db, actor, &r, now).await?.row.id)
        }
        (Finding::CreditRecord, None) => {
            return Err(FieldError::new(
                "record",
                "alert.record_required",
                "记入信用记录须填写信用记录内容",
                "A credit-record finding needs the record",
            )
            .into());
        }
        _ => None,
    };
    let mut tx = db.begin().await?;
    let held = hold(&mut tx, id).await?;
    check_step(actor, &held, Step::Close(finding))?;
    tx_exec!(
        &mut tx,
        "UPDATE alerts SET status = 'closed', owner_id = COALESCE(owner_id, $1), finding = $2, credit_record_id = $3, closed_at = $4, due_at = NULL WHERE id = $5",
        actor.account_id,
        finding.as_str(),
        record,
        truncate_micros(now),
        id
    );
    record_step(
        &mut tx,
        actor,
        id,
        &held.region,
        Step::Close(finding),
        &note,
        now,
    )
    .await?;
    tx.commit().await?;
    case(db, actor, id).await
}

/// The log events an alert rests on: the one that raised it and those its evidence names.
fn evidence_events(held: &Held) -> Vec<i64> {
    let mut seqs: Vec<i64> = held.event_seq.into_iter().collect();
    if let Some(list) = held.evidence.get("events").and_then(|v| v.as_array()) {
        seqs.extend(list.iter().filter_map(serde_json::Value::as_i64));
    }
    seqs.sort_unstable();
    seqs.dedup();
    seqs
}

/// Escalate every open case past its window: counted, logged, and given a new window. Run by the
/// scheduler with the other due actions.
pub async fn escalate_overdue(db: &Db, now: DateTime<Utc>) -> ServiceResult<usize> {
    let due: Vec<(Uuid, String, String)> = db_all!(
        db,
        "SELECT id, region_code, status FROM alerts WHERE status <> 'closed' AND due_at <= $1 ORDER BY due_at LIMIT 500",
        truncate_micros(now)
    );
    let system = Actor::system();
    let mut n = 0;
    for (id, region, status) in due {
        let (Ok(region), Some(status)) = (
            DivisionCode::parse("region_code", &region),
            Status::parse(&status),
        ) else {
            continue;
        };
        let mut tx = db.begin().await?;
        let claimed = tx_exec!(
            &mut tx,
            "UPDATE alerts SET escalations = escalations + 1, due_at = $1 WHERE id = $2 AND status <> 'closed' AND due_at <= $3",
            AlertPack::v2026().due(status, now).map(truncate_micros),
            id,
            truncate_micros(now)
        );
        if claimed == 1 {
            let note = format!(
                "超过处置时限未{}，已升级提示",
                match status {
                    Status::Raised => "受理",
                    _ => "办结",
                }
            );
            record_step(&mut tx, &system, id, &region, Step::Escalate, &note, now).await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}
