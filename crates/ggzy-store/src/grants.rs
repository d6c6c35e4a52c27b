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
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::require_bidder;
use crate::{on_db, on_tx};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::auction::{AuctionRules, ListingClose, Outcome, Quote, close_listing};
use ggzy_core::clock::truncate_micros;
use ggzy_core::deposit::{self, Expected, Matched};
use ggzy_core::disclosure::{self, Moment, Secret};
use ggzy_core::error::{optional_text, text};
use ggzy_core::grant::{
    self, GrantMethod, GrantPack, PaymentTerms, TradeKind, check_announcement, check_bidders,
    check_listing, check_listing_price, check_method, check_payment, check_pre_disclosure,
};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::tender_schedule::cn_date;
use ggzy_core::{FieldError, Invalid, Money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Grant states as stored. The bidding phase within `open` and `auction` is the auction's own.
pub const OPEN: &str = "open";
/// A listing closed with a bidder asking to go on: the auction at the close runs.
pub const AUCTION: &str = "auction";
pub const DEAL: &str = "deal";
pub const NO_DEAL: &str = "no_deal";
pub const CONFIRMED: &str = "confirmed";
pub const PUBLISHED: &str = "published";

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
    #[serde(default)]
    pub pre_disclosed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    details: GrantDetails,
    appraisal: Option<i64>,
    consent_ref: Option<String>,
    pre_disclosed_on: Option<NaiveDate>,
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
        let auctions: Option<(Uuid, Option<Uuid>)> = on_tx!(&mut *tx, |c| sqlx::query_as(
            "SELECT auction_id, final_auction_id FROM grants WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await?);
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

/// Announce a grant (centre staff of the region): the terms are checked against the trade
/// kind's pack, the announcement is published, and the listing or auction is set up to open at
/// its time. The reserve is kept with the auction, never in the notice or the log.
pub async fn announce(
    db: &Db,
    actor: &Actor,
    input: &GrantInput,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let mut errs = Invalid::default();
    let name = text(&mut errs, "name", &input.name, 200);
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let kind = TradeKind::parse(&input.trade_kind);
    if kind.is_none() {
        errs.push(FieldError::new(
            "trade_kind",
            "grant.trade_kind",
            "交易类型应为 国有建设用地使用权/矿业权/企业国有产权",
            "The trade kind is land_use, mining_right or state_property",
        ));
    }
    let method = GrantMethod::parse(&input.method);
    if method.is_none() {
        errs.push(FieldError::new(
            "method",
            "grant.method",
            "交易方式应为 挂牌/拍卖/网络竞价",
            "The method is listing, auction or multi_quote",
        ));
    }
    if let (Some(k), Some(m)) = (kind, method)
        && let Err(e) = check_method(k, m)
    {
        errs.push(e);
    }
    let start = money(&mut errs, "start_price", &input.start_price);
    let increment = money(&mut errs, "increment", &input.increment);
    let reserve = optional_money(&mut errs, "reserve", input.reserve.as_deref());
    let deposit_amount = money(&mut errs, "deposit", &input.deposit);
    for (f, v) in [
        ("start_price", start),
        ("increment", increment),
        ("deposit", deposit_amount),
    ] {
        if v.is_some_and(|m| m.fen() <= 0) {
            errs.push(FieldError::new(
                f,
                "grant.amount",
                "金额应大于零",
                "The amount is positive",
            ));
        }
    }
    let appraisal = optional_money(&mut errs, "appraisal", input.appraisal.as_deref());
    let consent_ref = optional_text(&mut errs, "consent_ref", input.consent_ref.as_deref(), 200);
    let d = &input.details;
    for (f, v, max) in [
        ("details.location", &d.location, 300),
        ("details.area", &d.area, 100),
        ("details.purpose", &d.purpose, 200),
        ("details.planning", &d.planning, 1000),
        ("details.term", &d.term, 100),
        ("details.conditions", &d.conditions, 2000),
        ("details.approval_ref", &d.approval_ref, 200),
        ("details.conditions_filed_ref", &d.conditions_filed_ref, 200),
    ] {
        if v.chars().count() > max {
            errs.push(FieldError::too_long(f, max));
        }
    }
    let today = cn_date(now);
    let cal = crate::calendar::load(db).await?;
    let (apply_until, starts_at, free_until) = (
        truncate_micros(input.apply_until),
        truncate_micros(input.starts_at),
        truncate_micros(input.free_until),
    );
    if apply_until <= now || apply_until > free_until {
        errs.push(FieldError::new(
            "apply_until",
            "grant.apply_until",
            "报名和保证金截止时间应在现在之后、挂牌截止（或自由竞价结束）之前",
            "Applications close after now and no later than the listing close (or the free stage's end)",
        ));
    }
    if free_until <= starts_at {
        errs.push(FieldError::new(
            "free_until",
            "grant.times",
            "挂牌截止（或自由竞价结束）应晚于开始时间",
            "The listing close (or the free stage's end) is after the start",
        ));
    }
    if let (Some(k), Some(m)) = (kind, method) {
        let pack = k.pack();
        if let Err(e) = check_announcement(&pack, &cal, today, cn_date(starts_at)) {
            errs.push(e);
        }
        if m == GrantMethod::Listing
            && let Err(e) = check_listing(&pack, &cal, cn_date(starts_at), cn_date(free_until))
        {
            errs.push(e);
        }
        if k == TradeKind::StateProperty {
            match (appraisal, start) {
                (None, _) => errs.push(
                    FieldError::new(
                        "appraisal",
                        "property.appraisal_required",
                        "企业国有产权转让应以经核准或备案的评估结果为基础确定转让底价",
                        "A state-property price rests on the approved or filed appraisal",
                    )
                    .with_rule(grant::PROPERTY, "12"),
                ),
                (Some(a), Some(p)) => {
                    if let Err(e) =
                        check_listing_price(a, p, !input.redisclosure, consent_ref.is_some())
                    {
                        errs.push(FieldError {
                            field: "start_price".into(),
                            ..e
                        });
                    }
                }
                _ => {}
            }
            if input.control_change
                && let Err(e) = check_pre_disclosure(&cal, input.pre_disclosed_on, today)
            {
                errs.push(e);
            }
            if !d.conditions.trim().is_empty() && d.conditions_filed_ref.trim().is_empty() {
                errs.push(
                    FieldError::new(
                        "details.conditions_filed_ref",
                        "property.conditions_not_filed",
                        "设置受让方资格条件的，应在信息披露前报国资监管机构备案",
                        "Buyer conditions are filed with the SASAC before disclosure",
                    )
                    .with_rule(grant::PROPERTY, "—"),
                );
            }
        }
    }
    let (
        Some(name),
        Some(region),
        Some(kind),
        Some(method),
        Some(start),
        Some(increment),
        Some(dep),
    ) = (name, region, kind, method, start, increment, deposit_amount)
    else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    actor.require(Permission::IntakeProcess, &region)?;
    let pack = kind.pack();
    let rules = AuctionRules {
        start_price: start,
        increment,
        reserve,
        opens_at: starts_at,
        free_until,
        // A listing and a sealed-quote window have no timed stage: they close at their hour and
        // the close decides what follows.
        extension_secs: if matches!(method, GrantMethod::Listing | GrantMethod::OneQuote) {
            0
        } else {
            input
                .extension_secs
                .unwrap_or(pack.extension_secs.value)
                .clamp(10, 3600)
        },
    };
    let mut tx = db.begin().await?;
    let by = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let auction = auctions::create_in(
        &mut tx,
        actor,
        by,
        region.as_str(),
        &name,
        kind.code(),
        rules,
        now,
    )
    .await?;
    if method == GrantMethod::OneQuote {
        on_tx!(&mut tx, |c| sqlx::query(
            "UPDATE auctions SET sealed = 1 WHERE id = $1"
        )
        .bind(auction)
        .execute(c)
        .await?
        .rows_affected());
    }
    let (last,): (Option<i64>,) = on_tx!(&mut tx, |c| sqlx::query_as("SELECT MAX(no) FROM grants")
        .fetch_one(c)
        .await?);
    let no = last.unwrap_or(0) + 1;
    let id = Uuid::now_v7();
    let stored = Stored {
        details: input.details.clone(),
        appraisal: appraisal.map(Money::fen),
        consent_ref,
        pre_disclosed_on: input.pre_disclosed_on.filter(|_| input.control_change),
    };
    on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO grants (id, no, region_code, trade_kind, method, name, details, pack_version, deposit, announced_at, apply_until, auction_id, state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $10)")
        .bind(id)
        .bind(no)
        .bind(region.as_str())
        .bind(kind.code())
        .bind(method.code())
        .bind(&name)
        .bind(json(&stored)?)
        .bind(pack.version)
        .bind(dep.fen())
        .bind(truncate_micros(now))
        .bind(apply_until)
        .bind(auction)
        .bind(OPEN)
        .bind(actor.account_id)
        .execute(c)
        .await?
        .rows_affected()
    });
    let body = announcement_body(
        kind,
        method,
        &name,
        &stored,
        start,
        increment,
        reserve.is_some(),
        dep,
        apply_until,
        starts_at,
        free_until,
    );
    publish(
        &mut tx,
        kind,
        "announcement",
        &format!("{}公告：{name}", method.label_zh()),
        &body,
        region.as_str(),
        now,
    )
    .await?;
    log(&mut tx, actor, region.as_str(), id, "grant.announced", serde_json::json!({"no": no, "trade_kind": kind.code(), "method": method.code(), "auction": auction, "start_price": start.fen(), "deposit": dep.fen(), "apply_until": apply_until, "starts_at": starts_at, "free_until": free_until, "pack": pack.version}), now).await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

#[allow(clippy::too_many_arguments)]
fn announcement_body(
    kind: TradeKind,
    method: GrantMethod,
    name: &str,
    s: &Stored,
    start: Money,
    increment: Money,
    has_reserve: bool,
    deposit: Money,
    apply_until: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    free_until: DateTime<Utc>,
) -> String {
    let bj = |t: DateTime<Utc>| {
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let d = &s.details;
    let mut b = format!(
        "标的：{name}（{}）\n交易方式：{}\n",
        kind.label_zh(),
        method.label_zh()
    );
    for (k, v) in [
        ("坐落", &d.location),
        ("面积", &d.area),
        ("用途/矿种/标的企业", &d.purpose),
        ("规划指标", &d.planning),
        ("年限", &d.term),
        ("竞买人（受让方）资格条件", &d.conditions),
        ("批准文件", &d.approval_ref),
        ("资格条件备案", &d.conditions_filed_ref),
    ] {
        if !v.trim().is_empty() {
            b.push_str(&format!("{k}：{v}\n"));
        }
    }
    if let Some(a) = s.appraisal {
        b.push_str(&format!("评估值：{}\n", Money::from_fen(a)));
    }
    b.push_str(&format!(
        "起始价：{start}\n加价幅度：{increment}\n{}\n竞买保证金：{deposit}（以到达本人专属子账号为准）\n报名及保证金截止：{}\n{}：{} 至 {}\n",
        if has_reserve { "本次交易设有底价，底价在交易结束前保密" } else { "本次交易不设底价" },
        bj(apply_until),
        if method == GrantMethod::Listing { "挂牌期" } else { "自由竞价" },
        bj(starts_at),
        bj(free_until),
    ));
    if method == GrantMethod::Listing {
        b.push_str("挂牌截止时，如有竞买人表示愿意继续竞价，转入网上限时竞价，起始价为最高挂牌报价加一个加价幅度。\n");
    } else {
        b.push_str("自由竞价结束后进入限时竞价：限时内有新报价的，自该报价起重新计时。\n");
    }
    b
}

async fn publish(
    tx: &mut Tx,
    kind: TradeKind,
    notice_kind: &str,
    title: &str,
    body: &str,
    region: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    on_tx!(&mut *tx, |c| {
        sqlx::query("INSERT INTO notices (id, trade_kind, notice_kind, title, region_code, body, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(Uuid::now_v7())
        .bind(kind.notice_sector())
        .bind(notice_kind)
        .bind(title)
        .bind(region)
        .bind(body)
        .bind(truncate_micros(now))
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
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
    state: String,
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

type RawRow = (
    Uuid,
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
    Uuid,
    Option<Uuid>,
    String,
    Option<Uuid>,
    Option<i64>,
    Option<DateTime<Utc>>,
);
type RawTail = (
    Option<String>,
    Option<NaiveDate>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<NaiveDate>,
    Option<DateTime<Utc>>,
);

const COLS: &str = "id, no, region_code, trade_kind, method, name, details, deposit, announced_at, apply_until, auction_id, final_auction_id, state, winner_entity_id, price, closed_at";
const TAIL: &str =
    "outcome, confirm_by, confirmed_at, confirmation, result_by, result_published_at";

fn build(r: RawRow, t: RawTail) -> ServiceResult<Row> {
    let bad = |what: &str| ServiceError::Internal(format!("grant {}: bad {what}", r.0));
    Ok(Row {
        no: r.1,
        region: r.2,
        kind: TradeKind::parse(&r.3).ok_or_else(|| bad("trade kind"))?,
        method: GrantMethod::parse(&r.4).ok_or_else(|| bad("method"))?,
        name: r.5,
        stored: serde_json::from_str(&r.6).map_err(|_| bad("details"))?,
        deposit: Money::from_fen(r.7),
        announced_at: r.8,
        apply_until: r.9,
        auction_id: r.10,
        final_auction_id: r.11,
        state: r.12,
        winner: r.13,
        price: r.14,
        closed_at: r.15,
        outcome: t.0,
        confirm_by: t.1,
        confirmed_at: t.2,
        confirmation: t.3,
        result_by: t.4,
        result_published_at: t.5,
    })
}

async fn load_tx(tx: &mut Tx, id: Uuid) -> ServiceResult<Row> {
    let lock = if matches!(tx, Tx::Pg(_)) {
        " FOR UPDATE"
    } else {
        ""
    };
    let q1 = format!("SELECT {COLS} FROM grants WHERE id = $1{lock}");
    let q2 = format!("SELECT {TAIL} FROM grants WHERE id = $1");
    let r: Option<RawRow> = on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(q1))
        .bind(id)
        .fetch_optional(c)
        .await?);
    let r = r.ok_or(ServiceError::NotFound("grant"))?;
    let t: RawTail = on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(q2))
        .bind(id)
        .fetch_one(c)
        .await?);
    build(r, t)
}

async fn load(db: &Db, id: Uuid) -> ServiceResult<Row> {
    let q1 = format!("SELECT {COLS} FROM grants WHERE id = $1");
    let q2 = format!("SELECT {TAIL} FROM grants WHERE id = $1");
    let r: Option<RawRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q1))
        .bind(id)
        .fetch_optional(p)
        .await?);
    let r = r.ok_or(ServiceError::NotFound("grant"))?;
    let t: RawTail = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q2))
        .bind(id)
        .fetch_one(p)
        .await?);
    build(r, t)
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
    let closed = row.closed_at.is_some() || !(row.state == OPEN || row.state == AUCTION);
    if closed { &[Moment::Closed] } else { &[] }
}

fn out_of_order(state: &str, waits_for: &'static str, reason: &'static str) -> ServiceError {
    let stage = [OPEN, AUCTION, DEAL, NO_DEAL, CONFIRMED, PUBLISHED]
        .into_iter()
        .find(|s| *s == state)
        .unwrap_or("unknown");
    ServiceError::OutOfOrder {
        stage,
        waits_for,
        reason,
    }
}

fn refuse(field: &str, code: &'static str, zh: &str, en: &str) -> ServiceError {
    FieldError::new(field, code, zh, en).into()
}

/// Apply to bid (a registered company's user, before applications close). The application gets
/// its own deposit sub-account; the deposit paid into it is matched from the bank statement.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let (entity, _) = require_bidder(actor)?;
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    if now >= row.apply_until || row.state != OPEN {
        return Err(refuse(
            "grant",
            "grant.applications_closed",
            "报名已截止",
            "Applications have closed",
        ));
    }
    let (n,): (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM grant_applications WHERE grant_id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await?);
    let exists: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT seq FROM grant_applications WHERE grant_id = $1 AND entity_id = $2"
    )
    .bind(id)
    .bind(entity)
    .fetch_optional(c)
    .await?);
    if exists.is_none() {
        let seq = n + 1;
        let account = deposit::sub_account(row.no, seq);
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO grant_applications (grant_id, entity_id, seq, account_no, applied_at, status) VALUES ($1, $2, $3, $4, $5, 'applied')")
            .bind(id)
            .bind(entity)
            .bind(seq)
            .bind(&account)
            .bind(truncate_micros(now))
            .execute(c)
            .await?
            .rows_affected()
        });
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.applied",
            serde_json::json!({"entity": entity, "account_no": account}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    own_application(db, id, entity, now)
        .await?
        .ok_or(ServiceError::NotFound("application"))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub admit: bool,
    /// Why an application is refused (shown to the applicant).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Review an application (centre staff): admit it — only with the whole deposit received,
/// before bidding ends — which gives the bidder its paddle; or refuse it with the reason.
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    entity: Uuid,
    input: &ReviewInput,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    staff_of(actor, &row)?;
    let app: Option<(String, i64)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT status, received FROM grant_applications WHERE grant_id = $1 AND entity_id = $2"
    )
    .bind(id)
    .bind(entity)
    .fetch_optional(c)
    .await?);
    let (status, received) = app.ok_or(ServiceError::NotFound("application"))?;
    let (_, auction) = auctions::load(&mut tx, row.auction_id).await?;
    if row.state != OPEN || now >= auction.ends_at {
        return Err(refuse(
            "admit",
            "grant.review_closed",
            "交易已结束，不能再审查报名",
            "Bidding is over; applications can no longer be reviewed",
        ));
    }
    if status == "admitted" {
        tx.commit().await?;
        return staff_application(db, id, entity, now).await;
    }
    if input.admit {
        if received < row.deposit.fen() {
            return Err(refuse(
                "admit",
                "grant.deposit_not_received",
                &format!(
                    "保证金未足额到账（应交 {}，已到 {}），不能取得竞买资格",
                    row.deposit,
                    Money::from_fen(received)
                ),
                &format!(
                    "The deposit has not been received in full ({} due, {} in): no admission",
                    row.deposit,
                    Money::from_fen(received)
                ),
            ));
        }
        let paddle = auctions::admit_in(
            &mut tx,
            actor,
            &row.region,
            row.auction_id,
            entity,
            None,
            now,
        )
        .await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE grant_applications SET status = 'admitted', paddle = $1, reviewed_by = $2, reviewed_at = $3, reason = NULL WHERE grant_id = $4 AND entity_id = $5")
            .bind(i64::from(paddle))
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .bind(id)
            .bind(entity)
            .execute(c)
            .await?
            .rows_affected()
        });
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.admitted",
            serde_json::json!({"entity": entity, "paddle": paddle}),
            now,
        )
        .await?;
    } else {
        let mut errs = Invalid::default();
        let reason = text(
            &mut errs,
            "reason",
            input.reason.as_deref().unwrap_or(""),
            500,
        );
        let Some(reason) = reason else {
            return Err(errs.into());
        };
        let cal = crate::calendar::load_tx(&mut tx).await?;
        let refund_due = (received > 0).then(|| {
            row.kind
                .pack()
                .deposit_refund_within
                .value
                .end(&cal, cn_date(now))
        });
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE grant_applications SET status = 'refused', reason = $1, reviewed_by = $2, reviewed_at = $3, refund_due = $4 WHERE grant_id = $5 AND entity_id = $6")
            .bind(&reason)
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .bind(refund_due)
            .bind(id)
            .bind(entity)
            .execute(c)
            .await?
            .rows_affected()
        });
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.refused",
            serde_json::json!({"entity": entity, "reason": reason}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    staff_application(db, id, entity, now).await
}

/// A listing bidder asks to go on to an auction at the close (before the listing closes).
pub async fn go_on(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> ServiceResult<()> {
    let (entity, _) = require_bidder(actor)?;
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    let (_, auction) = auctions::load(&mut tx, row.auction_id).await?;
    if row.method != GrantMethod::Listing || row.state != OPEN || now >= auction.ends_at {
        return Err(refuse(
            "go_on",
            "grant.go_on_closed",
            "只能在挂牌截止前表示继续竞价",
            "Ask to go on before the listing closes",
        ));
    }
    let n = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE grant_applications SET go_on = 1 WHERE grant_id = $1 AND entity_id = $2 AND status = 'admitted'"
    )
    .bind(id)
    .bind(entity)
    .execute(c)
    .await?
    .rows_affected()
    });
    if n == 0 {
        return Err(refuse(
            "go_on",
            "auction.not_admitted",
            "未取得竞买资格",
            "Not admitted",
        ));
    }
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.go_on",
        serde_json::json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Close every grant whose bidding has ended. Run by the server's scheduler each second.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> ServiceResult<Vec<(Uuid, String)>> {
    let open: Vec<(Uuid, Uuid, Option<Uuid>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT g.id, g.auction_id, g.final_auction_id FROM grants g WHERE g.state IN ('open', 'auction')"
    )
    .fetch_all(p)
    .await?
    });
    let mut out = vec![];
    for (id, main, fin) in open {
        let a = auctions::view(db, fin.unwrap_or(main), now).await?;
        if a.phase == ggzy_core::auction::Phase::Ended {
            match settle(db, id, now).await {
                Ok(Some(s)) => out.push((id, s)),
                Ok(None) => {}
                Err(e) => tracing::error!(grant = %id, error = %e, "closing the grant failed"),
            }
        }
    }
    Ok(out)
}

async fn bidders(tx: &mut Tx, auction: Uuid) -> ServiceResult<Vec<(Uuid, u32)>> {
    let r: Vec<(Uuid, i64)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT entity_id, paddle FROM auction_bidders WHERE auction_id = $1 ORDER BY paddle"
    )
    .bind(auction)
    .fetch_all(c)
    .await?);
    Ok(r.into_iter().map(|(e, p)| (e, p as u32)).collect())
}

/// Close one grant once its bidding is over. Returns what happened, or `None` when there was
/// nothing to do (another runner closed it, or it is not over).
pub async fn settle(db: &Db, id: Uuid, now: DateTime<Utc>) -> ServiceResult<Option<String>> {
    let system = Actor::system();
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    let current = row.final_auction_id.unwrap_or(row.auction_id);
    let (_, auction) = auctions::load(&mut tx, current).await?;
    let Some(outcome) = auction.outcome(now) else {
        return Ok(None);
    };
    if row.state != OPEN && row.state != AUCTION {
        return Ok(None);
    }
    let pack = row.kind.pack();
    let admitted = bidders(&mut tx, row.auction_id).await?;
    // What the close decides: a deal to a paddle, no deal (with why), or an auction to follow.
    let decision: Result<(u32, Money), (String, serde_json::Value)> = if row.state == AUCTION {
        match outcome {
            Outcome::Deal { paddle, price } => Ok((paddle, price)),
            // Nobody bid at the close: the top listed quote stands, if it meets the reserve.
            Outcome::NoDeal { top: None, .. } => {
                let (_, listing) = auctions::load(&mut tx, row.auction_id).await?;
                match close_listing(
                    &quotes(&mut tx, row.auction_id).await?,
                    listing.rules.reserve,
                    listing.rules.increment,
                    false,
                ) {
                    ListingClose::Deal { paddle, price } => Ok((paddle, price)),
                    _ => Err((
                        "below_reserve".into(),
                        serde_json::json!({"reserve": listing.rules.reserve}),
                    )),
                }
            }
            Outcome::NoDeal { top, reserve } => Err((
                "below_reserve".into(),
                serde_json::json!({"top": top, "reserve": reserve}),
            )),
        }
    } else if let Err(e) = check_bidders(&pack, admitted.len() as u32).or_else(|e| {
        // One qualified buyer of state property takes it at the listing price (协议成交).
        if row.kind == TradeKind::StateProperty && admitted.len() == 1 {
            Ok(())
        } else {
            Err(e)
        }
    }) {
        Err((
            "too_few_bidders".into(),
            serde_json::json!({"admitted": admitted.len(), "needed": pack.min_bidders.value, "message": e.message_zh}),
        ))
    } else if row.method == GrantMethod::OneQuote {
        let qs = sealed_quotes(&mut tx, id).await?;
        match close_listing(&qs, auction.rules.reserve, auction.rules.increment, false) {
            ListingClose::Deal { paddle, price } => Ok((paddle, price)),
            // One qualified buyer who did not quote takes it at the listing price.
            _ if qs.is_empty() && admitted.len() == 1 => {
                Ok((admitted[0].1, auction.rules.start_price))
            }
            _ => Err((
                if qs.is_empty() {
                    "no_quotes"
                } else {
                    "below_reserve"
                }
                .into(),
                serde_json::json!({"quotes": qs, "reserve": auction.rules.reserve}),
            )),
        }
    } else if row.method == GrantMethod::Listing {
        let go_on: Vec<(Uuid,)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT entity_id FROM grant_applications WHERE grant_id = $1 AND go_on = 1 AND status = 'admitted'"
        )
        .bind(id)
        .fetch_all(c)
        .await?
        });
        let qs = quotes(&mut tx, row.auction_id).await?;
        match close_listing(
            &qs,
            auction.rules.reserve,
            auction.rules.increment,
            !go_on.is_empty(),
        ) {
            ListingClose::ToAuction { start_price } => {
                let opens = auction.ends_at + AUCTION_AFTER_LISTING;
                let rules = AuctionRules {
                    start_price,
                    increment: auction.rules.increment,
                    reserve: auction.rules.reserve,
                    opens_at: opens,
                    // The auction at a listing's close is timed from its first second.
                    free_until: opens,
                    extension_secs: pack.extension_secs.value,
                };
                let (by,): (Uuid,) = on_tx!(&mut tx, |c| sqlx::query_as(
                    "SELECT created_by FROM grants WHERE id = $1"
                )
                .bind(id)
                .fetch_one(c)
                .await?);
                let fin = auctions::create_in(
                    &mut tx,
                    &system,
                    by,
                    &row.region,
                    &format!("{}（挂牌截止后网上竞价）", row.name),
                    row.kind.code(),
                    rules,
                    now,
                )
                .await?;
                for (entity, paddle) in &admitted {
                    auctions::admit_in(
                        &mut tx,
                        &system,
                        &row.region,
                        fin,
                        *entity,
                        Some(*paddle),
                        now,
                    )
                    .await?;
                }
                on_tx!(&mut tx, |c| sqlx::query(
                    "UPDATE grants SET state = $1, final_auction_id = $2 WHERE id = $3"
                )
                .bind(AUCTION)
                .bind(fin)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected());
                log(&mut tx, &system, &row.region, id, "grant.listing_closed", serde_json::json!({"to_auction": fin, "start_price": start_price.fen(), "opens_at": opens, "asked": go_on.len()}), now).await?;
                tx.commit().await?;
                return Ok(Some("to_auction".into()));
            }
            ListingClose::Deal { paddle, price } => Ok((paddle, price)),
            ListingClose::NoDeal => Err((
                if qs.is_empty() {
                    "no_quotes"
                } else {
                    "below_reserve"
                }
                .into(),
                serde_json::json!({"reserve": auction.rules.reserve}),
            )),
        }
    } else {
        match outcome {
            Outcome::Deal { paddle, price } => Ok((paddle, price)),
            Outcome::NoDeal { top: None, .. }
                if row.kind == TradeKind::StateProperty && admitted.len() == 1 =>
            {
                Ok((admitted[0].1, auction.rules.start_price))
            }
            Outcome::NoDeal { top, reserve } => Err((
                if top.is_none() {
                    "no_bids"
                } else {
                    "below_reserve"
                }
                .into(),
                serde_json::json!({"top": top, "reserve": reserve}),
            )),
        }
    };
    let cal = crate::calendar::load_tx(&mut tx).await?;
    let closed_on = cn_date(auction.ends_at);
    let refund_due = pack.deposit_refund_within.value.end(&cal, closed_on);
    let reserve = auction.rules.reserve.map(Money::fen);
    match decision {
        Ok((paddle, price)) => {
            let winner = admitted
                .iter()
                .find(|(_, p)| *p == paddle)
                .map(|(e, _)| *e)
                .ok_or_else(|| {
                    ServiceError::Internal(format!("grant {id}: paddle {paddle} unknown"))
                })?;
            let confirm_by = pack.confirmation_within.value.end(&cal, closed_on);
            let result_by = pack.result_within.value.end(&cal, closed_on);
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grants SET state = $1, winner_entity_id = $2, price = $3, closed_at = $4, outcome = $5, confirm_by = $6, result_by = $7 WHERE id = $8")
                .bind(DEAL)
                .bind(winner)
                .bind(price.fen())
                .bind(auction.ends_at)
                .bind(json(&serde_json::json!({"kind": "deal", "paddle": paddle, "price": price.fen(), "reserve": reserve}))?)
                .bind(confirm_by)
                .bind(result_by)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
            });
            // The winner's deposit turns into part of the price; everyone else's goes back.
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grant_applications SET applied_to_price = 1 WHERE grant_id = $1 AND entity_id = $2")
                .bind(id)
                .bind(winner)
                .execute(c)
                .await?
                .rows_affected()
            });
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grant_applications SET refund_due = $1 WHERE grant_id = $2 AND entity_id <> $3 AND received > 0 AND refund_due IS NULL")
                .bind(refund_due)
                .bind(id)
                .bind(winner)
                .execute(c)
                .await?
                .rows_affected()
            });
            log(&mut tx, &system, &row.region, id, "grant.closed", serde_json::json!({"deal": true, "paddle": paddle, "price": price.fen(), "reserve": reserve, "confirm_by": confirm_by, "result_by": result_by}), now).await?;
            tx.commit().await?;
            Ok(Some(DEAL.into()))
        }
        Err((why, detail)) => {
            let result_by = pack.result_within.value.end(&cal, closed_on);
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grants SET state = $1, closed_at = $2, outcome = $3, result_by = $4 WHERE id = $5")
                .bind(NO_DEAL)
                .bind(auction.ends_at)
                .bind(json(&serde_json::json!({"kind": "no_deal", "why": why, "detail": detail, "reserve": reserve}))?)
                .bind(result_by)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
            });
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grant_applications SET refund_due = $1 WHERE grant_id = $2 AND received > 0 AND refund_due IS NULL")
                .bind(refund_due)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
            });
            log(
                &mut tx,
                &system,
                &row.region,
                id,
                "grant.closed",
                serde_json::json!({"deal": false, "why": why, "reserve": reserve}),
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(Some(format!("{NO_DEAL}: {why}")))
        }
    }
}

/// The sealed quotes of a one-quote grant, in the order they came.
async fn sealed_quotes(tx: &mut Tx, id: Uuid) -> ServiceResult<Vec<Quote>> {
    let r: Vec<(i64, i64, DateTime<Utc>)> = on_tx!(&mut *tx, |c| {
        sqlx::query_as(
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 ORDER BY quoted_at"
    )
    .bind(id)
    .fetch_all(c)
    .await?
    });
    Ok(r.into_iter()
        .map(|(p, a, at)| Quote {
            paddle: p as u32,
            amount: Money::from_fen(a),
            at,
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    /// Yuan; at least the listing price.
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteAck {
    pub paddle: u32,
    /// Fen.
    pub amount: i64,
    pub quoted_at: DateTime<Utc>,
    /// SM3 over the grant, the paddle, the amount and the time, as logged before the window
    /// closes: the quote shown after the close can be checked against it.
    pub commitment: String,
    /// The earlier quote of a repeated submission, not a new one.
    pub replayed: bool,
}

fn commitment(id: Uuid, paddle: u32, amount: i64, at: DateTime<Utc>) -> String {
    ggzy_seal::to_hex(&ggzy_seal::sm3(&[
        b"ggzy-quote-v1",
        id.as_bytes(),
        &paddle.to_be_bytes(),
        &amount.to_be_bytes(),
        &at.timestamp_micros().to_be_bytes(),
    ]))
}

/// Submit the one sealed quote (一次报价) of an admitted buyer, inside the window. Sending the
/// same amount again returns the first acknowledgement; another amount is refused — there is one
/// quote each. The amount is kept out of the log until the close; the log holds its commitment.
pub async fn quote(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &QuoteInput,
    now: DateTime<Utc>,
) -> ServiceResult<QuoteAck> {
    let amount = Money::parse_yuan("amount", &input.amount)?;
    let (entity, _) = require_bidder(actor)?;
    let now = truncate_micros(now);
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    if row.method != GrantMethod::OneQuote {
        return Err(refuse(
            "amount",
            "grant.not_one_quote",
            "本宗交易不采用一次报价",
            "This trade does not take sealed quotes",
        ));
    }
    let (_, auction) = auctions::load(&mut tx, row.auction_id).await?;
    if now < auction.rules.opens_at || now >= auction.ends_at || row.state != OPEN {
        return Err(refuse(
            "amount",
            "grant.quote_window",
            "不在报价期内",
            "Outside the quoting window",
        ));
    }
    let paddle: Option<(i64,)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT paddle FROM auction_bidders WHERE auction_id = $1 AND entity_id = $2"
    )
    .bind(row.auction_id)
    .bind(entity)
    .fetch_optional(c)
    .await?);
    let Some((paddle,)) = paddle else {
        return Err(refuse(
            "amount",
            "auction.not_admitted",
            "未取得竞买资格",
            "Not admitted",
        ));
    };
    let paddle = paddle as u32;
    let prior: Option<(i64, DateTime<Utc>)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT amount, quoted_at FROM grant_quotes WHERE grant_id = $1 AND entity_id = $2"
    )
    .bind(id)
    .bind(entity)
    .fetch_optional(c)
    .await?);
    if let Some((a, at)) = prior {
        if a != amount.fen() {
            return Err(refuse(
                "amount",
                "grant.quote_once",
                "一次报价只能报价一次，已提交的报价不能更改",
                "One quote each: a submitted quote cannot be changed",
            ));
        }
        return Ok(QuoteAck {
            paddle,
            amount: a,
            quoted_at: at,
            commitment: commitment(id, paddle, a, at),
            replayed: true,
        });
    }
    if amount < auction.rules.start_price {
        return Err(refuse(
            "amount",
            "auction.too_low",
            &format!("报价不得低于挂牌价（{}）", auction.rules.start_price),
            &format!(
                "Quote at least the listing price ({})",
                auction.rules.start_price
            ),
        ));
    }
    on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO grant_quotes (grant_id, entity_id, paddle, amount, quoted_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(entity)
        .bind(i64::from(paddle))
        .bind(amount.fen())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    let c = commitment(id, paddle, amount.fen(), now);
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.quoted",
        serde_json::json!({"paddle": paddle, "commitment": c}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(QuoteAck {
        paddle,
        amount: amount.fen(),
        quoted_at: now,
        commitment: c,
        replayed: false,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteView {
    pub paddle: u32,
    /// Fen.
    pub amount: i64,
    pub quoted_at: DateTime<Utc>,
    pub commitment: String,
}

/// The sealed quotes, opened only once the window has closed (public then, by paddle).
pub async fn opened_quotes(db: &Db, id: Uuid, now: DateTime<Utc>) -> ServiceResult<Vec<QuoteView>> {
    let row = load(db, id).await?;
    let a = auctions::view(db, row.auction_id, now).await?;
    if a.phase != ggzy_core::auction::Phase::Ended {
        return Err(refuse(
            "quotes",
            "grant.quotes_sealed",
            "报价期结束前，任何人不能查看报价",
            "Nobody sees the quotes before the window closes",
        ));
    }
    let r: Vec<(i64, i64, DateTime<Utc>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 ORDER BY amount DESC, quoted_at"
    )
    .bind(id)
    .fetch_all(p)
    .await?
    });
    Ok(r.into_iter()
        .map(|(p, amount, at)| QuoteView {
            paddle: p as u32,
            amount,
            quoted_at: at,
            commitment: commitment(id, p as u32, amount, at),
        })
        .collect())
}

/// A buyer's own sealed quote (it may see its own before the close).
pub async fn own_quote(db: &Db, id: Uuid, entity: Uuid) -> ServiceResult<Option<QuoteView>> {
    let r: Option<(i64, i64, DateTime<Utc>)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 AND entity_id = $2"
    )
    .bind(id)
    .bind(entity)
    .fetch_optional(p)
    .await?
    });
    Ok(r.map(|(p, amount, at)| QuoteView {
        paddle: p as u32,
        amount,
        quoted_at: at,
        commitment: commitment(id, p as u32, amount, at),
    }))
}

async fn quotes(tx: &mut Tx, auction: Uuid) -> ServiceResult<Vec<Quote>> {
    let r: Vec<(i64, i64, DateTime<Utc>)> = on_tx!(&mut *tx, |c| {
        sqlx::query_as(
        "SELECT paddle, amount, accepted_at FROM auction_bids WHERE auction_id = $1 ORDER BY seq"
    )
    .bind(auction)
    .fetch_all(c)
    .await?
    });
    Ok(r.into_iter()
        .map(|(p, a, at)| Quote {
            paddle: p as u32,
            amount: Money::from_fen(a),
            at,
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// The grant (or transfer) contract is signed by this day.
    pub contract_by: NaiveDate,
    /// Property: how the price is paid. Land and mining: leave out.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub payment: Option<PaymentTerms>,
}

/// Sign the confirmation (成交确认书) with the winner: parties, object, price, the deposit
/// applied to it, and when the contract is signed. Signed after its due day it is recorded as
/// late for the supervisor.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &ConfirmInput,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    staff_of(actor, &row)?;
    if row.state != DEAL {
        return Err(out_of_order(
            &row.state,
            "deal",
            "only a closed grant with a deal is confirmed",
        ));
    }
    let today = cn_date(now);
    if input.contract_by < today {
        return Err(refuse(
            "contract_by",
            "grant.contract_by",
            "合同签订日期不能早于今天",
            "The contract date is not before today",
        ));
    }
    let price = Money::from_fen(row.price.unwrap_or(0));
    if row.kind == TradeKind::StateProperty {
        let terms = input.payment.unwrap_or(PaymentTerms::LumpSum);
        check_payment(price, &terms, input.contract_by).map_err(ServiceError::from)?;
    }
    let winner = row
        .winner
        .ok_or(ServiceError::Internal("deal without winner".into()))?;
    let (winner_name, uscc): (String, String) = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT name, uscc FROM entities WHERE id = $1"
    )
    .bind(winner)
    .fetch_one(c)
    .await?);
    let late = row.confirm_by.is_some_and(|d| today > d);
    let payment = match input.payment {
        Some(PaymentTerms::Instalments {
            first,
            rest_by,
            secured,
        }) => format!(
            "分期付款：首期 {first}（合同生效后 5 个工作日内），余款 {} 于 {rest_by} 前付清{}",
            Money::from_fen(price.fen() - first.fen()),
            if secured {
                "，已提供合法有效担保并按同期贷款利率支付利息"
            } else {
                ""
            }
        ),
        _ => "一次性付款：合同生效之日起 5 个工作日内付清（竞买保证金自动转作价款）".into(),
    };
    let text = format!(
        "成交确认书\n\n出让（转让）人：{}\n竞得（受让）人：{winner_name}（统一社会信用代码 {uscc}）\n标的：{}（{}，{}）\n成交时间：{}\n成交价：{price}\n竞买保证金 {} 转作价款\n{payment}\n双方应于 {} 前签订{}合同。\n本确认书一经签订即具有法律效力。",
        if row.kind == TradeKind::StateProperty {
            "转让方（经交易中心）"
        } else {
            "出让人（经交易中心）"
        },
        row.name,
        row.kind.label_zh(),
        row.method.label_zh(),
        row.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        row.deposit,
        input.contract_by,
        if row.kind == TradeKind::StateProperty {
            "产权交易"
        } else {
            "出让"
        },
    );
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE grants SET state = $1, confirmed_at = $2, confirmation = $3 WHERE id = $4"
    )
    .bind(CONFIRMED)
    .bind(truncate_micros(now))
    .bind(&text)
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    log(&mut tx, actor, &row.region, id, "grant.confirmed", serde_json::json!({"winner": winner, "price": price.fen(), "contract_by": input.contract_by, "late": late, "payment": input.payment}), now).await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

/// Publish the result (成交公示 / 结果公告): the winner's name, the price, and for state property
/// the appraisal and the listing price, running the pack's period. A grant without a deal gets
/// its 流拍 notice the same way.
pub async fn publish_result(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    staff_of(actor, &row)?;
    if row.state != CONFIRMED && row.state != NO_DEAL {
        return Err(out_of_order(
            &row.state,
            "confirmed | no_deal",
            "the result follows the confirmation, or a close without a deal",
        ));
    }
    let cal = crate::calendar::load_tx(&mut tx).await?;
    let pack = row.kind.pack();
    let today = cn_date(now);
    let runs_until = pack.result_runs.value.end(&cal, today);
    let late = row.result_by.is_some_and(|d| today > d);
    let (title, body) = if row.state == CONFIRMED {
        let winner = row
            .winner
            .ok_or(ServiceError::Internal("no winner".into()))?;
        let (winner_name,): (String,) = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT name FROM entities WHERE id = $1"
        )
        .bind(winner)
        .fetch_one(c)
        .await?);
        let mut b = format!(
            "标的：{}（{}）\n交易方式：{}\n竞得（受让）人：{winner_name}\n成交价：{}\n",
            row.name,
            row.kind.label_zh(),
            row.method.label_zh(),
            Money::from_fen(row.price.unwrap_or(0))
        );
        if let Some(a) = row.stored.appraisal {
            b.push_str(&format!("评估值：{}\n", Money::from_fen(a)));
        }
        b.push_str(&format!("公示期至：{runs_until}\n"));
        (format!("成交结果公示：{}", row.name), b)
    } else {
        (
            format!("终止（流拍）公告：{}", row.name),
            format!(
                "标的：{}（{}）\n本次交易未成交。竞买保证金于 {} 前原路退还，不计利息。\n",
                row.name,
                row.kind.label_zh(),
                pack.deposit_refund_within.value.end(&cal, today)
            ),
        )
    };
    publish(&mut tx, row.kind, "result", &title, &body, &row.region, now).await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE grants SET state = $1, result_published_at = $2 WHERE id = $3"
    )
    .bind(PUBLISHED)
    .bind(truncate_micros(now))
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.result_published",
        serde_json::json!({"late": late, "runs_until": runs_until}),
        now,
    )
    .await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = DepositRefundInput)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// The day the bank returned the deposit.
    pub refunded_on: NaiveDate,
}

/// Record a deposit refund as done (centre staff).
pub async fn refund(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    entity: Uuid,
    input: &RefundInput,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    staff_of(actor, &row)?;
    if input.refunded_on > cn_date(now) {
        return Err(refuse(
            "refunded_on",
            "deposit.refund_future",
            "退还日期不能晚于今天",
            "The refund date is not after today",
        ));
    }
    let n = on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE grant_applications SET refunded_on = $1 WHERE grant_id = $2 AND entity_id = $3 AND refund_due IS NOT NULL AND refunded_on IS NULL")
        .bind(input.refunded_on)
        .bind(id)
        .bind(entity)
        .execute(c)
        .await?
        .rows_affected()
    });
    if n == 0 {
        return Err(refuse(
            "entity",
            "deposit.nothing_to_refund",
            "该申请人没有待退还的保证金",
            "This applicant has no deposit due back",
        ));
    }
    log(
        &mut tx,
        actor,
        &row.region,
        id,
        "grant.deposit_refunded",
        serde_json::json!({"entity": entity, "refunded_on": input.refunded_on}),
        now,
    )
    .await?;
    tx.commit().await?;
    staff_application(db, id, entity, now).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub lines: usize,
    pub credited: usize,
    /// Already imported before (same bank reference): skipped.
    pub duplicates: usize,
    pub unmatched: Vec<UnmatchedCredit>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct UnmatchedCredit {
    pub bank_ref: String,
    pub booked_on: NaiveDate,
    /// Fen.
    pub amount: i64,
    pub payer_name: String,
    pub account_no: String,
    /// unknown_account | no_application | third_party
    pub matched: String,
}

/// Import the settlement bank's statement (centre staff): each credit is matched to the
/// application whose sub-account it was paid into, if the payer is the applicant; others are
/// kept aside with the reason. Importing the same statement again changes nothing.
pub async fn import_statement(
    db: &Db,
    actor: &Actor,
    rows: &[Vec<String>],
    now: DateTime<Utc>,
) -> ServiceResult<ImportSummary> {
    actor.require_any(Permission::IntakeProcess)?;
    let lines = deposit::parse_statement(rows)?;
    let mut tx = db.begin().await?;
    let mut s = ImportSummary {
        lines: lines.len(),
        credited: 0,
        duplicates: 0,
        unmatched: vec![],
    };
    for line in &lines {
        let seen: Option<(Uuid,)> = on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT id FROM bank_credits WHERE bank_ref = $1"
        )
        .bind(&line.bank_ref)
        .fetch_optional(c)
        .await?);
        if seen.is_some() {
            s.duplicates += 1;
            continue;
        }
        let app: Option<(Uuid, Uuid, i64, String, i64, String)> = on_tx!(&mut tx, |c| {
            sqlx::query_as(
            "SELECT a.grant_id, a.entity_id, a.received, e.name, g.deposit, g.region_code FROM grant_applications a JOIN entities e ON e.id = a.entity_id JOIN grants g ON g.id = a.grant_id WHERE a.account_no = $1"
        )
        .bind(&line.account_no)
        .fetch_optional(c)
        .await?
        });
        // Staff of one region do not book money into another region's grants.
        let app = app.filter(|a| {
            DivisionCode::parse("region", &a.5)
                .is_ok_and(|r| actor.grant_for(Permission::IntakeProcess, &r).is_some())
        });
        let m = deposit::match_credit(
            line,
            app.as_ref()
                .map(|a| Expected {
                    applicant_name: &a.3,
                    deposit: Money::from_fen(a.4),
                    received: Money::from_fen(a.2),
                })
                .as_ref(),
        );
        let credited = matches!(m, Matched::Credited { .. });
        let (grant_id, entity_id) = match (&app, credited) {
            (Some(a), true) => (Some(a.0), Some(a.1)),
            _ => (None, None),
        };
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO bank_credits (id, bank_ref, booked_on, amount, payer_name, payer_account, account_no, grant_id, entity_id, matched, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
            .bind(Uuid::now_v7())
            .bind(&line.bank_ref)
            .bind(line.booked_on)
            .bind(line.amount.fen())
            .bind(&line.payer_name)
            .bind(&line.payer_account)
            .bind(&line.account_no)
            .bind(grant_id)
            .bind(entity_id)
            .bind(m.code())
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .execute(c)
            .await?
            .rows_affected()
        });
        if let (Some(g), Some(e)) = (grant_id, entity_id) {
            on_tx!(&mut tx, |c| {
                sqlx::query("UPDATE grant_applications SET received = received + $1, received_on = $2 WHERE grant_id = $3 AND entity_id = $4")
                .bind(line.amount.fen())
                .bind(line.booked_on)
                .bind(g)
                .bind(e)
                .execute(c)
                .await?
                .rows_affected()
            });
            let region = app.as_ref().map(|a| a.5.clone()).unwrap_or_default();
            log(&mut tx, actor, &region, g, "grant.deposit_received", serde_json::json!({"entity": e, "bank_ref": line.bank_ref, "amount": line.amount.fen(), "booked_on": line.booked_on}), now).await?;
            s.credited += 1;
        } else {
            s.unmatched.push(UnmatchedCredit {
                bank_ref: line.bank_ref.clone(),
                booked_on: line.booked_on,
                amount: line.amount.fen(),
                payer_name: line.payer_name.clone(),
                account_no: line.account_no.clone(),
                matched: m.code().into(),
            });
        }
    }
    tx.commit().await?;
    Ok(s)
}

/// Credits kept aside for staff to return.
pub async fn unmatched(db: &Db, actor: &Actor) -> ServiceResult<Vec<UnmatchedCredit>> {
    actor.require_any(Permission::IntakeProcess)?;
    // A credit no application claims belongs to no grant yet: it is the region of the centre
    // whose staff imported the statement, and only that region's staff see it.
    let rows: Vec<(String, String, NaiveDate, i64, String, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT ac.region_code, c.bank_ref, c.booked_on, c.amount, c.payer_name, c.account_no, c.matched FROM bank_credits c JOIN accounts ac ON ac.id = c.imported_by WHERE c.grant_id IS NULL ORDER BY c.booked_on DESC, c.bank_ref LIMIT 500"
    )
    .fetch_all(p)
    .await?
    });
    Ok(rows
        .into_iter()
        .filter(|r| actor.covers(Permission::IntakeProcess, &r.0))
        .map(
            |(_, bank_ref, booked_on, amount, payer_name, account_no, matched)| UnmatchedCredit {
                bank_ref,
                booked_on,
                amount,
                payer_name,
                account_no,
                matched,
            },
        )
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = GrantApplicationView)]
pub struct ApplicationView {
    pub grant_id: Uuid,
    pub entity_id: Uuid,
    /// Shown to the centre, the supervisor and the applicant itself.
    pub entity_name: String,
    pub account_no: String,
    /// applied | admitted | refused
    pub status: String,
    pub reason: Option<String>,
    /// Fen.
    pub deposit: i64,
    pub received: i64,
    pub received_on: Option<NaiveDate>,
    pub paddle: Option<u32>,
    pub go_on: bool,
    pub refund_due: Option<NaiveDate>,
    pub refunded_on: Option<NaiveDate>,
    /// Due back and not refunded after its due day.
    pub overdue: bool,
    /// The winner's deposit, applied to the price.
    pub applied_to_price: bool,
    pub applied_at: DateTime<Utc>,
}

type AppRaw = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<NaiveDate>,
    Option<i64>,
    i64,
    Option<NaiveDate>,
    Option<NaiveDate>,
    i64,
    DateTime<Utc>,
);

const APP_SQL: &str = "SELECT a.grant_id, a.entity_id, e.name, a.account_no, a.status, a.reason, g.deposit, a.received, a.received_on, a.paddle, a.go_on, a.refund_due, a.refunded_on, a.applied_to_price, a.applied_at FROM grant_applications a JOIN entities e ON e.id = a.entity_id JOIN grants g ON g.id = a.grant_id";

fn app_view(r: AppRaw, today: NaiveDate) -> ApplicationView {
    ApplicationView {
        grant_id: r.0,
        entity_id: r.1,
        entity_name: r.2,
        account_no: r.3,
        status: r.4,
        reason: r.5,
        deposit: r.6,
        received: r.7,
        received_on: r.8,
        paddle: r.9.map(|p| p as u32),
        go_on: r.10 != 0,
        overdue: r.12.is_none() && r.11.is_some_and(|d| today > d),
        refund_due: r.11,
        refunded_on: r.12,
        applied_to_price: r.13 != 0,
        applied_at: r.14,
    }
}

async fn own_application(
    db: &Db,
    id: Uuid,
    entity: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Option<ApplicationView>> {
    let q = format!("{APP_SQL} WHERE a.grant_id = $1 AND a.entity_id = $2");
    let r: Option<AppRaw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q))
        .bind(id)
        .bind(entity)
        .fetch_optional(p)
        .await?);
    Ok(r.map(|r| app_view(r, cn_date(now))))
}

async fn staff_application(
    db: &Db,
    id: Uuid,
    entity: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    own_application(db, id, entity, now)
        .await?
        .ok_or(ServiceError::NotFound("application"))
}

/// The applications of a grant: all of them for the centre (and the supervisor after the close),
/// one's own for a bidder, none for anyone else (who applied stays secret until the close).
pub async fn applications(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ApplicationView>> {
    let row = load(db, id).await?;
    if sees_all(actor, &row) {
        let q = format!("{APP_SQL} WHERE a.grant_id = $1 ORDER BY a.seq");
        let r: Vec<AppRaw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q))
            .bind(id)
            .fetch_all(p)
            .await?);
        return Ok(r.into_iter().map(|r| app_view(r, cn_date(now))).collect());
    }
    match actor.entity_id {
        Some(e) => Ok(own_application(db, id, e, now).await?.into_iter().collect()),
        None => Ok(vec![]),
    }
}

/// Refunds due and not done after their day, across every grant the actor supervises or runs.
pub async fn overdue_refunds(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ApplicationView>> {
    if !(actor.has(Permission::IntakeProcess) || actor.has(Permission::Supervise)) {
        return Err(ServiceError::Forbidden(Permission::IntakeProcess));
    }
    let today = cn_date(now);
    const DUE: &str = "a.refund_due IS NOT NULL AND a.refunded_on IS NULL AND a.refund_due < $1";
    let q = format!("{APP_SQL} WHERE {DUE} ORDER BY a.refund_due");
    let r: Vec<AppRaw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q.clone()))
        .bind(today)
        .fetch_all(p)
        .await?);
    let q = format!(
        "SELECT DISTINCT g.id, g.region_code FROM grants g JOIN grant_applications a ON a.grant_id = g.id WHERE {DUE}"
    );
    let regions: std::collections::HashMap<Uuid, String> =
        on_db!(db, |p| sqlx::query_as::<_, (Uuid, String)>(
            sqlx::AssertSqlSafe(q.clone())
        )
        .bind(today)
        .fetch_all(p)
        .await?)
        .into_iter()
        .collect();
    let visible = |grant: &Uuid| {
        regions.get(grant).is_some_and(|region| {
            actor.covers(Permission::IntakeProcess, region)
                || actor.covers(Permission::Supervise, region)
        })
    };
    Ok(r.into_iter()
        .filter(|r| visible(&r.0))
        .map(|r| app_view(r, today))
        .collect())
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
    let (applicants,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*) FROM grant_applications WHERE grant_id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await?);
    let (admitted,): (i64,) = on_db!(db, |p| sqlx::query_as(
        "SELECT COUNT(*) FROM auction_bidders WHERE auction_id = $1"
    )
    .bind(row.auction_id)
    .fetch_one(p)
    .await?);
    let counts_shown = viewer.is_some_and(|a| sees_all(a, &row))
        || disclosure::public(Secret::GrantApplicants, reached(&row));
    let privileged = viewer
        .is_some_and(|a| sees_all(a, &row) || (a.entity_id.is_some() && a.entity_id == row.winner));
    let published = row.state == PUBLISHED;
    let winner_name = match row.winner {
        Some(w) if published || privileged => {
            let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
                "SELECT name FROM entities WHERE id = $1"
            )
            .bind(w)
            .fetch_optional(p)
            .await?);
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
        state: row.state.clone(),
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
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, no, name, region_code, trade_kind, method, state, auction_id, final_auction_id, deposit, apply_until, price FROM grants WHERE ($1 = '' OR trade_kind = $1) ORDER BY no DESC LIMIT 500"
    )
    .bind(trade_kind.unwrap_or(""))
    .fetch_all(p)
    .await?
    }))
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
    let r: Vec<AppRaw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(q))
        .bind(e)
        .fetch_all(p)
        .await?);
    Ok(r.into_iter().map(|r| app_view(r, cn_date(now))).collect())
}

/// The auction a bidder may bid in now for this grant: the listing, or the auction after it.
pub fn current_auction(v: &GrantView) -> Uuid {
    v.final_auction_id.unwrap_or(v.auction_id)
}
