//! Land-use grants, mining-right grants and state-property transfers (C9) with their deposits
//! (C15): the announcement with its terms, applications with a deposit sub-account each,
//! deposits matched from the bank's statement, admission with an anonymous paddle, the bidding
//! on the auction engine ([`crate::auctions`]), the close (a listing going on to an auction when
//! a bidder asks), the confirmation (成交确认书), the result notice and the deposit refunds.
//!
//! Every command runs in one transaction with its log event; the close runs from the server's
//! scheduler and claims the grant by its state inside the transaction that records the result,
//! so it happens once.

use crate::actor::Actor;
use crate::auctions;
use crate::db::{Coded, Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::require_bidder;
use crate::{db_all, db_one, db_opt, tx_opt};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::auction::{AuctionRules, Quote};
use ggzy_core::clock::truncate_micros;
use ggzy_core::deposit::{self, Expected, Matched};
use ggzy_core::disclosure::{self, Moment, Secret};
use ggzy_core::error::{optional_text, text};
use ggzy_core::grant::{
    self, GrantMethod, GrantPack, GrantState, PaymentTerms, TradeKind, check_announcement,
    check_listing, check_listing_price, check_method, check_payment, check_pre_disclosure,
};
use ggzy_core::grant_procedure::{self, GrantCommand, GrantLife, GrantRefusal};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::tender_schedule::cn_date;
use ggzy_core::{FieldError, Invalid, Money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod admission;
mod announcement;
mod close;
mod correction;
mod deposits;
mod one_quote;
mod pre_disclosure;
mod result;
mod termination;

use admission::{APP_SQL, AppRaw, app_view, staff_application};
pub use admission::{ApplicationView, ReviewInput, applications, apply, overdue_refunds, review};
pub use announcement::announce;
use announcement::publish;
pub use close::{go_on, run_due, settle};
pub use correction::{correct_notice, may_correct};
pub use deposits::{ImportSummary, UnmatchedCredit, import_statement, unmatched};
pub use one_quote::{QuoteAck, QuoteInput, QuoteView, opened_quotes, own_quote, quote};
use one_quote::{quotes, sealed_quotes};
pub use pre_disclosure::{
    PreDisclosureInput, PreDisclosureView, get as pre_disclosure, pre_disclose, unclaimed,
};
pub use result::{ConfirmInput, RefundInput, confirm, publish_result, refund};
pub use termination::{TerminationInput, terminate};

/// The gap between a listing's close and the auction that follows it, so every bidder can
/// reach the hall.
const AUCTION_AFTER_LISTING: Duration = Duration::minutes(10);

/// What is traded, as announced: parcel data and planning indicators for land, the mineral and
/// its area for mining, the appraisal and approvals for state property. Free text where the
/// announcement is free text; the fields the rules check are typed on [`GrantInput`].
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GrantDetails {
    /// 坐落 / 位置
    pub location: String,
    /// 出让面积（平方米）or mining area (km²)
    pub area: String,
    /// 土地用途 / 开采矿种 / 标的企业
    pub purpose: String,
    /// 容积率、建筑密度、绿地率、建筑限高 …
    pub planning: String,
    /// 出让年限 / 有效期
    pub term: String,
    /// 竞买人资格条件 (property: the buyer conditions as filed)
    pub conditions: String,
    /// Property: the approval of the transfer (批准文件).
    pub approval_ref: String,
    /// Property: where the buyer conditions were filed with the SASAC (备案).
    pub conditions_filed_ref: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub name: String,
    pub region_code: String,
    /// land_use | mining_right | state_property
    pub trade_kind: String,
    /// listing | auction (land, mining); multi_quote | auction (state property)
    pub method: String,
    #[serde(default)]
    pub details: GrantDetails,
    /// Yuan: the starting price (起始价; for state property the listing price 转让底价).
    pub start_price: String,
    pub increment: String,
    /// Yuan: the reserve (底价), sealed until the end; empty for none.
    #[serde(default)]
    pub reserve: Option<String>,
    /// Yuan: the deposit each bidder pays before admission.
    pub deposit: String,
    /// Applications and deposits close.
    pub apply_until: DateTime<Utc>,
    /// Bidding (or the listing) opens.
    pub starts_at: DateTime<Utc>,
    /// The listing closes, or the free stage ends.
    pub free_until: DateTime<Utc>,
    #[serde(default)]
    pub extension_secs: Option<i64>,
    /// Property: the approved appraisal (yuan).
    #[serde(default)]
    pub appraisal: Option<String>,
    /// Property: not the first disclosure (a re-disclosure after nobody came).
    #[serde(default)]
    pub redisclosure: bool,
    /// Property: the approving body's written consent to a price under 90% of the appraisal.
    #[serde(default)]
    pub consent_ref: Option<String>,
    /// Property: control of the enterprise changes hands (pre-disclosure needed).
    #[serde(default)]
    pub control_change: bool,
    /// Property: the deal code of the pre-disclosure this announcement follows (`GY…`).
    #[serde(default)]
    pub pre_disclosure: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    details: GrantDetails,
    appraisal: Option<i64>,
    consent_ref: Option<String>,
    /// The pre-disclosure's deal code.
    pre_disclosure: Option<String>,
}

async fn log(
    tx: &mut Tx,
    actor: &Actor,
    region: &str,
    id: Uuid,
    kind: &'static str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let subject = format!("grant:{id}");
    events::append(tx, NewEvent::by(actor, region, kind, subject, payload), now).await?;
    // A grant's moment is its auctions' too: their admissions were sealed until the close.
    if let Some(m) = ggzy_core::disclosure::moment_of_event(kind) {
        let auctions: Option<(Uuid, Option<Uuid>)> = tx_opt!(
            tx,
            "SELECT auction_id, final_auction_id FROM grants WHERE id = $1",
            id
        );
        if let Some((a, f)) = auctions {
            for aid in std::iter::once(a).chain(f) {
                events::release(tx, &m.key(&format!("auction:{aid}")), now).await?;
            }
        }
    }
    Ok(())
}

fn json<T: Serialize>(v: &T) -> ServiceResult<String> {
    serde_json::to_string(v).or_internal()
}

fn money(errs: &mut Invalid, field: &str, v: &str) -> Option<Money> {
    Money::parse_yuan(field, v).map_err(|e| errs.push(e)).ok()
}

fn optional_money(errs: &mut Invalid, field: &str, v: Option<&str>) -> Option<Money> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| money(errs, field, s))
}

/// A grant row as commands load it.
#[derive(Debug, Clone)]
struct Row {
    no: i64,
    region: String,
    kind: TradeKind,
    method: GrantMethod,
    name: String,
    stored: Stored,
    deposit: Money,
    announced_at: DateTime<Utc>,
    apply_until: DateTime<Utc>,
    auction_id: Uuid,
    final_auction_id: Option<Uuid>,
    state: GrantState,
    winner: Option<Uuid>,
    price: Option<i64>,
    closed_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    confirm_by: Option<NaiveDate>,
    confirmed_at: Option<DateTime<Utc>>,
    confirmation: Option<String>,
    result_by: Option<NaiveDate>,
    result_published_at: Option<DateTime<Utc>>,
}

/// A grant's row as stored. Sixteen columns is as far as a tuple row goes, so it is named.
#[derive(sqlx::FromRow)]
struct StoredGrant {
    id: Uuid,
    no: i64,
    region_code: String,
    trade_kind: Coded<TradeKind>,
    method: Coded<GrantMethod>,
    name: String,
    details: String,
    deposit: i64,
    announced_at: DateTime<Utc>,
    apply_until: DateTime<Utc>,
    auction_id: Uuid,
    final_auction_id: Option<Uuid>,
    state: Coded<GrantState>,
    winner_entity_id: Option<Uuid>,
    price: Option<i64>,
    closed_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    confirm_by: Option<NaiveDate>,
    confirmed_at: Option<DateTime<Utc>>,
    confirmation: Option<String>,
    result_by: Option<NaiveDate>,
    result_published_at: Option<DateTime<Utc>>,
}

const GRANT_SELECT: &str = "SELECT id, no, region_code, trade_kind, method, name, details, deposit, announced_at, apply_until, auction_id, final_auction_id, state, winner_entity_id, price, closed_at, outcome, confirm_by, confirmed_at, confirmation, result_by, result_published_at FROM grants WHERE id = $1";

fn build(r: StoredGrant) -> ServiceResult<Row> {
    let bad = |what: &str| ServiceError::Internal(format!("grant {}: bad {what}", r.id));
    Ok(Row {
        kind: r.trade_kind.0,
        method: r.method.0,
        stored: serde_json::from_str(&r.details).map_err(|_| bad("details"))?,
        state: r.state.0,
        deposit: Money::from_fen(r.deposit),
        no: r.no,
        region: r.region_code,
        name: r.name,
        announced_at: r.announced_at,
        apply_until: r.apply_until,
        auction_id: r.auction_id,
        final_auction_id: r.final_auction_id,
        winner: r.winner_entity_id,
        price: r.price,
        closed_at: r.closed_at,
        outcome: r.outcome,
        confirm_by: r.confirm_by,
        confirmed_at: r.confirmed_at,
        confirmation: r.confirmation,
        result_by: r.result_by,
        result_published_at: r.result_published_at,
    })
}

impl Row {
    /// The grant as a credit check names it.
    fn credit_occasion(
        &self,
        point: ggzy_core::credit::CheckPoint,
        field: &'static str,
    ) -> crate::credit::Occasion {
        crate::credit::Occasion {
            trade: self.kind.into(),
            point,
            deal_code: ggzy_core::grant::deal_code(self.no),
            field,
        }
    }
}

async fn load_tx(tx: &mut Tx, id: Uuid) -> ServiceResult<Row> {
    let lock = if matches!(tx, Tx::Pg(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    let q = format!("{GRANT_SELECT}{lock}");
    let r: Option<StoredGrant> = tx_opt!(tx, sqlx::AssertSqlSafe(q), id);
    build(r.ok_or(ServiceError::NotFound("grant"))?)
}

async fn load(db: &Db, id: Uuid) -> ServiceResult<Row> {
    let r: Option<StoredGrant> = db_opt!(db, GRANT_SELECT, id);
    build(r.ok_or(ServiceError::NotFound("grant"))?)
}

/// A write transaction on a grant, opened by centre staff of its region: the grant locked, who
/// may act decided before anything they sent is read.
async fn begin_as_staff(db: &Db, actor: &Actor, id: Uuid) -> ServiceResult<(Tx, Row)> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    staff_of(actor, &row)?;
    Ok((tx, row))
}

fn staff_of(actor: &Actor, row: &Row) -> ServiceResult<()> {
    actor.require(
        Permission::IntakeProcess,
        &DivisionCode::parse("region", &row.region)?,
    )?;
    Ok(())
}

/// Who applied is known before the close to the centre that admits on the deposit only; the
/// supervisor learns it with the public at the close ([`Secret::GrantApplicants`]), as with a
/// lot's bidders before its opening.
fn sees_all(actor: &Actor, row: &Row) -> bool {
    DivisionCode::parse("region", &row.region).is_ok_and(|r| {
        actor.grant_for(Permission::IntakeProcess, &r).is_some()
            || (actor.grant_for(Permission::Supervise, &r).is_some()
                && disclosure::public(Secret::GrantApplicants, reached(row)))
    })
}

fn reached(row: &Row) -> &'static [Moment] {
    let closed = row.closed_at.is_some() || !row.state.bidding();
    if closed { &[Moment::Closed] } else { &[] }
}

/// What an actor may do with a grant now. The grant's state machine is asked each step with the
/// current bidding's times, so the page offers exactly what the services would accept; each step
/// is checked again (and against the actor's own application) when it is taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GrantActions {
    pub apply: bool,
    pub go_on: bool,
    pub quote: bool,
    pub review: bool,
    pub confirm: bool,
    pub publish: bool,
    pub terminate: bool,
}

pub fn actions(actor: &Actor, g: &GrantView, now: DateTime<Utc>) -> GrantActions {
    let (Some(state), Some(method)) = (GrantState::parse(&g.state), GrantMethod::parse(&g.method))
    else {
        return GrantActions::default();
    };
    let life = GrantLife {
        state,
        method,
        apply_until: g.apply_until,
    };
    let may = |cmd: GrantCommand| grant_procedure::decide(&life, &cmd, now).is_ok();
    let staff = DivisionCode::parse("region", &g.region_code)
        .is_ok_and(|r| actor.grant_for(Permission::IntakeProcess, &r).is_some());
    let bidder = actor.entity_id.is_some() && actor.has(Permission::EntityManage);
    GrantActions {
        apply: bidder && may(GrantCommand::Apply),
        go_on: bidder && may(GrantCommand::GoOn { ends_at: g.ends_at }),
        quote: bidder
            && may(GrantCommand::Quote {
                opens_at: g.starts_at,
                ends_at: g.ends_at,
            }),
        review: staff && may(GrantCommand::Review { ends_at: g.ends_at }),
        confirm: staff && may(GrantCommand::Confirm),
        publish: staff && may(GrantCommand::Publish),
        terminate: staff && may(GrantCommand::Terminate),
    }
}

/// Ask the grant's state machine whether `cmd` may run now; the state it leaves the grant in.
fn decided(row: &Row, cmd: &GrantCommand, now: DateTime<Utc>) -> ServiceResult<GrantState> {
    let life = GrantLife {
        state: row.state,
        method: row.method,
        apply_until: row.apply_until,
    };
    grant_procedure::step(&life, cmd, now).map_err(|r| match r {
        GrantRefusal::Rule(e) => e.into(),
        GrantRefusal::OutOfOrder {
            state,
            waits_for,
            reason,
        } => ServiceError::OutOfOrder {
            stage: state.code(),
            waits_for,
            reason,
        },
    })
}

fn refuse(field: &str, code: &'static str, zh: &str, en: &str) -> ServiceError {
    FieldError::new(field, code, zh, en).into()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    pub what_zh: &'static str,
    pub what_en: &'static str,
    pub period: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    pub no: i64,
    pub name: String,
    pub region_code: String,
    pub trade_kind: String,
    pub method: String,
    pub details: GrantDetails,
    /// Fen.
    pub appraisal: Option<i64>,
    pub deposit: i64,
    pub announced_at: DateTime<Utc>,
    pub apply_until: DateTime<Utc>,
    /// The listing (for a listing) or the auction.
    pub auction_id: Uuid,
    /// The auction at a listing's close, when a bidder asked to go on.
    pub final_auction_id: Option<Uuid>,
    /// open | auction | deal | no_deal | confirmed | published
    pub state: String,
    pub starts_at: DateTime<Utc>,
    pub free_until: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// How many applied and were admitted: for the centre and the supervisor at any time, for
    /// everyone once the grant has closed (secret before, like bidders of a tender).
    pub applicants: Option<i64>,
    pub admitted: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Fen, once closed with a deal.
    pub price: Option<i64>,
    pub winner_paddle: Option<u32>,
    /// Only once the result is published (names stay hidden until then).
    pub winner_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<serde_json::Value>,
    pub confirm_by: Option<NaiveDate>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The confirmation's text, for the centre, the supervisor and the winner.
    pub confirmation: Option<String>,
    pub result_by: Option<NaiveDate>,
    pub result_published_at: Option<DateTime<Utc>>,
    pub periods: Vec<PeriodView>,
}

fn periods(pack: &GrantPack) -> Vec<PeriodView> {
    let p = |what_zh, what_en, l: &ggzy_core::rulepack::Limit<grant::Period>| PeriodView {
        what_zh,
        what_en,
        period: match l.value {
            grant::Period::Calendar(d) => format!("{} 日", d.0),
            grant::Period::Working(d) => format!("{} 个工作日", d.0),
        },
        source: format!("{} [{:?}]", l.regulation, l.confidence),
    };
    vec![
        p("公告期不少于", "Announcement at least", &pack.announcement),
        p("挂牌期不少于", "Listing at least", &pack.listing),
        p(
            "签订成交确认书",
            "Confirmation within",
            &pack.confirmation_within,
        ),
        p("结果公布", "Result published within", &pack.result_within),
        p("结果公示期", "Result notice runs", &pack.result_runs),
        p(
            "未竞得人保证金退还",
            "Losers' deposits back within",
            &pack.deposit_refund_within,
        ),
    ]
}

pub async fn view(
    db: &Db,
    id: Uuid,
    viewer: Option<&Actor>,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let row = load(db, id).await?;
    let main = auctions::view(db, row.auction_id, now).await?;
    let current = match row.final_auction_id {
        Some(f) => auctions::view(db, f, now).await?,
        None => main.clone(),
    };
    let (applicants,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM grant_applications WHERE grant_id = $1",
        id
    );
    let (admitted,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM auction_bidders WHERE auction_id = $1",
        row.auction_id
    );
    let counts_shown = viewer.is_some_and(|a| sees_all(a, &row))
        || disclosure::public(Secret::GrantApplicants, reached(&row));
    let privileged = viewer
        .is_some_and(|a| sees_all(a, &row) || (a.entity_id.is_some() && a.entity_id == row.winner));
    let published = row.state == GrantState::Published;
    let winner_name = match row.winner {
        Some(w) if published || privileged => {
            let r: Option<(String,)> = db_opt!(db, "SELECT name FROM entities WHERE id = $1", w);
            r.map(|r| r.0)
        }
        _ => None,
    };
    let outcome: Option<serde_json::Value> = row
        .outcome
        .as_deref()
        .and_then(|o| serde_json::from_str(o).ok());
    Ok(GrantView {
        id,
        no: row.no,
        name: row.name.clone(),
        region_code: row.region.clone(),
        trade_kind: row.kind.code().into(),
        method: row.method.code().into(),
        details: row.stored.details.clone(),
        appraisal: row.stored.appraisal,
        deposit: row.deposit.fen(),
        announced_at: row.announced_at,
        apply_until: row.apply_until,
        auction_id: row.auction_id,
        final_auction_id: row.final_auction_id,
        state: row.state.code().into(),
        starts_at: main.opens_at,
        free_until: main.free_until,
        ends_at: current.ends_at,
        applicants: counts_shown.then_some(applicants),
        admitted: counts_shown.then_some(admitted),
        closed_at: row.closed_at,
        price: row.price,
        winner_paddle: outcome
            .as_ref()
            .and_then(|o| o.get("paddle"))
            .and_then(serde_json::Value::as_u64)
            .map(|p| p as u32),
        winner_name,
        outcome,
        confirm_by: row.confirm_by,
        confirmed_at: row.confirmed_at,
        confirmation: row.confirmation.filter(|_| privileged || published),
        result_by: row.result_by,
        result_published_at: row.result_published_at,
        periods: periods(&row.kind.pack()),
    })
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GrantSummary {
    pub id: Uuid,
    pub no: i64,
    pub name: String,
    pub region_code: String,
    pub trade_kind: String,
    pub method: String,
    pub state: String,
    pub auction_id: Uuid,
    pub final_auction_id: Option<Uuid>,
    pub deposit: i64,
    pub apply_until: DateTime<Utc>,
    pub price: Option<i64>,
}

/// Every grant, newest first (public).
pub async fn list(db: &Db, trade_kind: Option<&str>) -> ServiceResult<Vec<GrantSummary>> {
    Ok(db_all!(
        db,
        "SELECT id, no, name, region_code, trade_kind, method, state, auction_id, final_auction_id, deposit, apply_until, price FROM grants WHERE ($1 = '' OR trade_kind = $1) ORDER BY no DESC LIMIT 500",
        trade_kind.unwrap_or("")
    ))
}

/// The grants a bidder applied to, with its own application (its workspace).
pub async fn mine(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ApplicationView>> {
    let Some(e) = actor.entity_id else {
        return Ok(vec![]);
    };
    let q = format!("{APP_SQL} WHERE a.entity_id = $1 ORDER BY a.applied_at DESC");
    let r: Vec<AppRaw> = db_all!(db, sqlx::AssertSqlSafe(q), e);
    Ok(r.into_iter().map(|r| app_view(r, cn_date(now))).collect())
}

/// The auction a bidder may bid in now for this grant: the listing, or the auction after it.
pub fn current_auction(v: &GrantView) -> Uuid {
    v.final_auction_id.unwrap_or(v.auction_id)
}
