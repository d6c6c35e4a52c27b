//! Construction tendering (C2 intake and catalogue, C7 procedures): projects and lots, notices and
//! documents, objections, bids, opening, evaluation, publicity, award and contract.
//!
//! Every command loads the lot inside its write transaction (row-locked on PostgreSQL, the
//! IMMEDIATE lock on SQLite), asks the domain machine [`ggzy_core::procedure::decide`] with the
//! transaction's `now`, and stores the new state, the side rows and the log events before commit —
//! so a deadline is checked against the same instant the change is recorded at.

pub mod bids;
pub mod committee;
pub mod complaints;
pub mod intake;
pub mod notices;
pub mod qualifications;
pub mod schedule;
pub mod sealing;
pub mod viewer;

use crate::actor::{Actor, Grant};
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::Money;
use ggzy_core::clock::truncate_micros;
use ggzy_core::evaluation::Method;
use ggzy_core::procedure::{self, Command, Event, Lot, Refusal};
use ggzy_core::procurement::{ProcurementPack, PurchaseMethod, procurement_packs};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::rulepack::{ConstructionPack, construction_packs};
use serde::Serialize;
use uuid::Uuid;

/// A lot as loaded for a command: its row, the project's parties and the pinned pack.
#[derive(Debug, Clone)]
pub struct LotRow {
    pub id: Uuid,
    pub project_id: Uuid,
    pub trade_code: String,
    pub name: String,
    pub project_name: String,
    pub region: DivisionCode,
    pub principal_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub category: String,
    pub estimated_price: Money,
    pub bid_bond: Money,
    pub max_price: Option<Money>,
    pub method: Method,
    pub pack: ConstructionPack,
    /// The procurement pack pinned at registration, for a government-procurement lot.
    pub gp: Option<ProcurementPack>,
    pub state: Lot,
}

impl LotRow {
    pub fn purchase_method(&self) -> Option<PurchaseMethod> {
        self.state.kind.purchase_method()
    }

    /// The trade a credit bar must cover to keep a company out of this lot.
    pub fn trade(&self) -> ggzy_core::credit::Trade {
        if self.gp.is_some() {
            ggzy_core::credit::Trade::Procurement
        } else {
            ggzy_core::credit::Trade::Construction
        }
    }

    /// Refuse a company its credit bars from this lot at `at`.
    pub(crate) async fn screen(
        &self,
        db: &Db,
        entity: Uuid,
        point: ggzy_core::credit::CheckPoint,
        field: &'static str,
        at: DateTime<Utc>,
    ) -> ServiceResult<()> {
        let on = crate::credit::Occasion {
            trade: self.trade(),
            point,
            deal_code: self.trade_code.clone(),
            field,
        };
        crate::credit::screen(db, entity, &on, at).await
    }
}

/// A lot's row as stored: the lot, its project's parties and the pinned packs' versions.
#[derive(sqlx::FromRow)]
struct StoredLot {
    id: Uuid,
    project_id: Uuid,
    trade_code: String,
    name: String,
    project_name: String,
    region_code: String,
    principal_id: Uuid,
    agency_id: Option<Uuid>,
    category: String,
    estimated_price: i64,
    bid_bond: i64,
    max_price: Option<i64>,
    method: String,
    pack_version: String,
    state: String,
    gp_pack_version: Option<String>,
}

const LOT_SELECT: &str = "SELECT l.id, l.project_id, l.trade_code, l.name, p.name AS project_name, p.region_code, p.principal_id, p.agency_id, l.category, l.estimated_price, l.bid_bond, l.max_price, l.method, p.pack_version, l.state, p.gp_pack_version FROM lots l JOIN projects p ON p.id = l.project_id WHERE l.id = $1";

fn pack_by_version(v: &str) -> ServiceResult<ConstructionPack> {
    construction_packs()
        .into_iter()
        .find(|p| p.version == v)
        .ok_or_else(|| ServiceError::Internal(format!("unknown rule pack {v}")))
}

fn lot_from(r: StoredLot) -> ServiceResult<LotRow> {
    let bad = |what: &str, e: String| ServiceError::Internal(format!("lot {} {what}: {e}", r.id));
    Ok(LotRow {
        region: DivisionCode::parse("region", &r.region_code)
            .map_err(|e| bad("region", e.code.into()))?,
        estimated_price: Money::from_fen(r.estimated_price),
        bid_bond: Money::from_fen(r.bid_bond),
        max_price: r.max_price.map(Money::from_fen),
        method: serde_json::from_str(&r.method).map_err(|e| bad("method", e.to_string()))?,
        pack: pack_by_version(&r.pack_version)?,
        gp: match r.gp_pack_version.as_deref() {
            None => None,
            Some(v) => Some(
                procurement_packs()
                    .into_iter()
                    .find(|p| p.version == v)
                    .ok_or_else(|| {
                        ServiceError::Internal(format!("unknown procurement pack {v}"))
                    })?,
            ),
        },
        state: serde_json::from_str(&r.state).map_err(|e| bad("state", e.to_string()))?,
        id: r.id,
        project_id: r.project_id,
        trade_code: r.trade_code,
        name: r.name,
        project_name: r.project_name,
        principal_id: r.principal_id,
        agency_id: r.agency_id,
        category: r.category,
    })
}

/// Load a lot for reading.
pub async fn load(db: &Db, id: Uuid) -> ServiceResult<LotRow> {
    let t: Option<StoredLot> = db_opt!(db, LOT_SELECT, id);
    lot_from(t.ok_or(ServiceError::NotFound("lot"))?)
}

/// Load a lot inside a write transaction, locking its row on PostgreSQL.
pub async fn load_for_update(tx: &mut Tx, id: Uuid) -> ServiceResult<LotRow> {
    let t: Option<StoredLot> = match tx {
        Tx::Sqlite(c) => {
            sqlx::query_as(LOT_SELECT)
                .bind(id)
                .fetch_optional(&mut **c)
                .await?
        }
        Tx::Pg(c) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{LOT_SELECT} FOR UPDATE OF l")))
                .bind(id)
                .fetch_optional(&mut **c)
                .await?
        }
    };
    lot_from(t.ok_or(ServiceError::NotFound("lot"))?)
}

pub(crate) async fn save_state(tx: &mut Tx, lot: &LotRow, now: DateTime<Utc>) -> ServiceResult<()> {
    let state = serde_json::to_string(&lot.state).or_internal()?;
    let deadline = lot.state.dates.map(|d| d.bid_deadline);
    tx_exec!(
        tx,
        "UPDATE lots SET stage = $1, state = $2, bid_deadline = $3, updated_at = $4 WHERE id = $5",
        lot.state.stage.as_str(),
        &state,
        deadline,
        truncate_micros(now),
        lot.id
    );
    Ok(())
}

/// A refused step as a service error: rules are 422 field errors, order is 409.
pub fn refusal(r: Refusal) -> ServiceError {
    match r {
        Refusal::Rule(errs) => ServiceError::Invalid(ggzy_core::Invalid(errs)),
        Refusal::OutOfOrder {
            stage,
            waits_for,
            reason,
        } => ServiceError::OutOfOrder {
            stage: stage.as_str(),
            waits_for,
            reason,
        },
    }
}

/// Who acts on a lot, and as what.
pub enum Party {
    /// The principal or its agency (招标人/招标代理).
    Tenderer,
    /// A registered entity acting for itself (a potential or actual bidder).
    Bidder(Uuid),
    /// Centre staff.
    Centre,
    Supervisor,
}

/// The principal or its agency, with `project_register` in the lot's region.
pub fn require_tenderer<'a>(actor: &'a Actor, lot: &LotRow) -> ServiceResult<&'a Grant> {
    let g = actor.require(Permission::ProjectRegister, &lot.region)?;
    let mine = actor
        .entity_id
        .is_some_and(|e| e == lot.principal_id || Some(e) == lot.agency_id);
    if !mine {
        return Err(ServiceError::Forbidden(Permission::ProjectRegister));
    }
    Ok(g)
}

/// A registered entity's user acting for it. Any region: registration is valid platform-wide.
pub fn require_bidder(actor: &Actor) -> ServiceResult<(Uuid, &Grant)> {
    if actor.account_id.is_none() {
        return Err(ServiceError::Unauthenticated);
    }
    let g = actor
        .grants
        .iter()
        .find(|g| g.role.permissions().contains(&Permission::EntityManage))
        .ok_or(ServiceError::Forbidden(Permission::EntityManage))?;
    let e = actor
        .entity_id
        .ok_or(ServiceError::Forbidden(Permission::EntityManage))?;
    Ok((e, g))
}

/// A write transaction on a lot, opened by its principal or agency: the lot locked, the grant used.
pub(crate) async fn begin_as_tenderer(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<(Tx, LotRow, Grant)> {
    let mut tx = db.begin().await?;
    let lot = load_for_update(&mut tx, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    Ok((tx, lot, grant))
}

/// A lot's rows as `actor` may see them: all to the parties and supervisors, its own to a bidder.
pub(crate) fn visible_to<T>(
    actor: &Actor,
    lot: &LotRow,
    rows: Vec<T>,
    owner: impl Fn(&T) -> Option<Uuid>,
) -> Vec<T> {
    match party_of(actor, lot) {
        Some(Party::Tenderer | Party::Centre | Party::Supervisor) => rows,
        Some(Party::Bidder(e)) => rows.into_iter().filter(|r| owner(r) == Some(e)).collect(),
        None => vec![],
    }
}

/// The party an actor is for this lot, for reads (who may see what).
pub fn party_of(actor: &Actor, lot: &LotRow) -> Option<Party> {
    if actor.account_id.is_none() {
        return None;
    }
    if require_tenderer(actor, lot).is_ok() {
        return Some(Party::Tenderer);
    }
    if actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .is_some()
    {
        return Some(Party::Centre);
    }
    if actor
        .grant_for(Permission::Supervise, &lot.region)
        .is_some()
        || actor
            .grant_for(Permission::AuditRead, &lot.region)
            .is_some()
    {
        return Some(Party::Supervisor);
    }
    actor.entity_id.map(Party::Bidder)
}

/// Run one machine command on a locked lot and log each resulting event.
pub(crate) async fn step(
    tx: &mut Tx,
    lot: &mut LotRow,
    actor: &Actor,
    grant: Option<&Grant>,
    cmd: &Command,
    now: DateTime<Utc>,
    extra: serde_json::Value,
) -> ServiceResult<Vec<Event>> {
    let events = decide_in(tx, lot, cmd, now).await?;
    for e in &events {
        procedure::apply(&mut lot.state, e);
    }
    save_state(tx, lot, now).await?;
    for e in &events {
        let mut payload = serde_json::to_value(e).or_internal()?;
        if let (Some(p), Some(x)) = (payload.as_object_mut(), extra.as_object()) {
            p.extend(x.clone());
        }
        let kind = event_kind(e);
        log(tx, actor, grant, lot, kind, payload, now).await?;
    }
    if sealing::starts_tendering(&events) {
        sealing::publish_opening_key(tx, lot, actor, grant, now).await?;
    }
    Ok(events)
}

/// Ask the machine under the lot's own rules; a procurement lot counts in the stored calendar.
pub(crate) async fn decide_in(
    tx: &mut Tx,
    lot: &LotRow,
    cmd: &Command,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Event>> {
    match &lot.gp {
        Some(gp) => {
            let cal = crate::calendar::load_tx(tx).await?;
            procedure::decide(
                procedure::Rules::Procurement(gp, &cal),
                &lot.state,
                cmd,
                now,
            )
        }
        None => procedure::decide(&lot.pack, &lot.state, cmd, now),
    }
    .map_err(refusal)
}

pub(crate) async fn log(
    tx: &mut Tx,
    actor: &Actor,
    grant: Option<&Grant>,
    lot: &LotRow,
    kind: &'static str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<events::StoredEvent> {
    events::append(
        tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(grant),
            address: actor.address.clone(),
            region_code: lot.region.to_string(),
            kind,
            subject: format!("lot:{}", lot.id),
            payload,
        },
        now,
    )
    .await
}

fn event_kind(e: &Event) -> &'static str {
    match e {
        Event::PrequalNoticePublished { .. } => "lot.prequal_notice_published",
        Event::PrequalApplied { .. } => "lot.prequal_applied",
        Event::PrequalClarified { .. } => "lot.prequal_clarified",
        Event::PrequalPassed { .. } => "lot.prequal_passed",
        Event::PrequalFailed { .. } => "lot.prequal_failed",
        Event::Invited { .. } => "lot.invited",
        Event::NoticePublished { .. } => "lot.notice_published",
        Event::Clarified { .. } => "lot.clarified",
        Event::ObjectionRaised { .. } => "lot.objection_raised",
        Event::ObjectionAnswered { .. } => "lot.objection_answered",
        Event::BidAccepted { .. } => "lot.bid_accepted",
        Event::BidWithdrawn { .. } => "lot.bid_withdrawn",
        Event::BidDecryptionFailed { .. } => "lot.bid_decryption_failed",
        Event::Opened { .. } => "lot.opened",
        Event::FailedTooFewBids { .. } => "lot.failed_too_few_bids",
        Event::EvaluationReported { .. } => "lot.evaluation_reported",
        Event::AllBidsRejected => "lot.all_bids_rejected",
        Event::PublicityStarted { .. } => "lot.publicity_started",
        Event::Awarded { .. } => "lot.awarded",
        Event::ContractRecorded => "lot.contract_recorded",
        Event::FinalQuotesRequested { .. } => "lot.final_quotes_requested",
        Event::FinalQuoteSubmitted { .. } => "lot.final_quote_submitted",
        Event::Suspended { .. } => "lot.suspended",
        Event::Resumed => "lot.resumed",
        Event::Terminated => "lot.terminated",
        Event::Held { .. } => "lot.held",
        Event::Released { .. } => "lot.released",
    }
}

/// Put a message in an entity's inbox.
pub(crate) async fn push(
    tx: &mut Tx,
    entity: Uuid,
    lot: Uuid,
    kind: &str,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    tx_exec!(
        tx,
        "INSERT INTO inbox (id, entity_id, lot_id, kind, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::now_v7(),
        entity,
        lot,
        kind,
        title,
        body,
        truncate_micros(now)
    );
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: Uuid,
    pub lot_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// The messages pushed to the actor's entity, newest first.
pub async fn inbox(db: &Db, actor: &Actor) -> ServiceResult<Vec<InboxItem>> {
    let Some(e) = actor.entity_id else {
        return Ok(vec![]);
    };
    Ok(db_all!(
        db,
        "SELECT id, lot_id, kind, title, body, created_at FROM inbox WHERE entity_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
        e
    ))
}

/// The Beijing date of an instant, for due dates.
pub fn day(t: DateTime<Utc>) -> NaiveDate {
    ggzy_core::tender_schedule::cn_date(t)
}

/// A time as a Beijing wall-clock string for notice texts.
pub fn notices_fmt(t: DateTime<Utc>) -> String {
    let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&east8)
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}

/// An entity's registered name (public), for pages that show candidates and applicants.
pub async fn entity_name(db: &Db, id: Uuid) -> ServiceResult<String> {
    let n: Option<(String,)> = db_opt!(db, "SELECT name FROM entities WHERE id = $1", id);
    Ok(n.map(|n| n.0).unwrap_or_default())
}
