//! Online auctions (C9, first part): centre staff set an auction up and admit bidders, each with
//! an anonymous paddle number; bidders bid. Each bid is decided by [`ggzy_core::auction`] inside
//! the write transaction that loads the auction (row-locked on PostgreSQL, the IMMEDIATE lock on
//! SQLite), stored with its log event, and acknowledged only after the commit — so an
//! acknowledged bid survives a crash. A retry with the same idempotency key returns the bid it
//! already made; the same key with another amount is refused.

use crate::actor::Actor;
use crate::credit;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::require_bidder;
use crate::{db_all, db_one, db_opt, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::auction::{Auction, AuctionRules, BidRefusal, Outcome, Phase};
use ggzy_core::clock::{Now, truncate_micros};
use ggzy_core::credit::{CheckPoint, Trade};
use ggzy_core::disclosure::{self, Moment, Secret};
use ggzy_core::error::text;
use ggzy_core::grant::GrantPack;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid, Money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuctionInput {
    pub name: String,
    pub region_code: String,
    /// land_use | mining_right | state_property | other
    pub trade_kind: String,
    /// Yuan.
    pub start_price: String,
    pub increment: String,
    #[serde(default)]
    pub reserve: Option<String>,
    pub opens_at: DateTime<Utc>,
    pub free_until: DateTime<Utc>,
    /// The timed stage's window; defaults to the trade kind's (300 s land and mining, 60 s property).
    #[serde(default)]
    pub extension_secs: Option<i64>,
}

fn pack_of(kind: &str) -> Option<GrantPack> {
    match kind {
        "land_use" | "other" => Some(GrantPack::land()),
        "mining_right" => Some(GrantPack::mining()),
        "state_property" => Some(GrantPack::property()),
        _ => None,
    }
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
    let subject = format!("auction:{id}");
    events::append(tx, NewEvent::by(actor, region, kind, subject, payload), now).await?;
    Ok(())
}

/// Set an auction up (centre staff of the region).
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: &AuctionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let mut errs = Invalid::default();
    let name = text(&mut errs, "name", &input.name, 200);
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let money = |errs: &mut Invalid, f: &str, v: &str| {
        Money::parse_yuan(f, v).map_err(|e| errs.push(e)).ok()
    };
    let start = money(&mut errs, "start_price", &input.start_price);
    let increment = money(&mut errs, "increment", &input.increment);
    let reserve = match input
        .reserve
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(r) => money(&mut errs, "reserve", r),
        None => None,
    };
    let pack = pack_of(&input.trade_kind);
    if pack.is_none() {
        errs.push(FieldError::new(
            "trade_kind",
            "auction.trade_kind",
            "交易类型应为 国有建设用地/矿业权/企业国有资产/其他",
            "The trade kind is land_use, mining_right, state_property or other",
        ));
    }
    if increment.is_some_and(|i| i.fen() <= 0) || start.is_some_and(|s| s.fen() <= 0) {
        errs.push(FieldError::new(
            "increment",
            "auction.amounts",
            "起始价和加价幅度应大于零",
            "The starting price and increment are positive",
        ));
    }
    if input.free_until < input.opens_at || input.opens_at < now - chrono::Duration::minutes(5) {
        errs.push(FieldError::new(
            "free_until",
            "auction.times",
            "自由竞价应在开始之后结束，且开始时间不能早于现在",
            "Free bidding ends after it opens, and it opens no earlier than now",
        ));
    }
    let (Some(name), Some(region), Some(start), Some(increment), Some(pack)) =
        (name, region, start, increment, pack)
    else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    actor.require(Permission::IntakeProcess, &region)?;
    let rules = AuctionRules {
        start_price: start,
        increment,
        reserve,
        opens_at: truncate_micros(input.opens_at),
        free_until: truncate_micros(input.free_until),
        extension_secs: input
            .extension_secs
            .unwrap_or(pack.extension_secs.value)
            .clamp(10, 3600),
    };
    let mut tx = db.begin().await?;
    let by = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let id = create_in(
        &mut tx,
        actor,
        by,
        region.as_str(),
        &name,
        &input.trade_kind,
        rules,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Write a new auction and log it, inside the caller's transaction (a grant sets up its listing
/// and its auctions this way). The reserve stays out of the log until the end.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn create_in(
    tx: &mut Tx,
    actor: &Actor,
    created_by: Uuid,
    region: &str,
    name: &str,
    trade_kind: &str,
    rules: AuctionRules,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let state = Auction::new(rules.clone());
    let id = Uuid::now_v7();
    let rules_js = serde_json::to_string(&rules).or_internal()?;
    let state_js = serde_json::to_string(&state).or_internal()?;
    tx_exec!(
        tx,
        "INSERT INTO auctions (id, region_code, name, trade_kind, rules, state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        region,
        name,
        trade_kind,
        &rules_js,
        &state_js,
        created_by,
        truncate_micros(now)
    );
    log(tx, actor, region, id, "auction.created", serde_json::json!({"name": name, "start_price": rules.start_price.fen(), "increment": rules.increment.fen(), "has_reserve": rules.reserve.is_some(), "opens_at": rules.opens_at, "free_until": rules.free_until, "extension_secs": rules.extension_secs}), now).await?;
    Ok(id)
}

pub(crate) async fn load(tx: &mut Tx, id: Uuid) -> ServiceResult<(String, Auction)> {
    let sql = "SELECT region_code, state FROM auctions WHERE id = $1";
    let r: Option<(String, String)> = match tx {
        Tx::Sqlite(c) => {
            sqlx::query_as(sql)
                .bind(id)
                .fetch_optional(&mut **c)
                .await?
        }
        Tx::Pg(c) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{sql} FOR UPDATE")))
                .bind(id)
                .fetch_optional(&mut **c)
                .await?
        }
    };
    let (region, state) = r.ok_or(ServiceError::NotFound("auction"))?;
    let a = serde_json::from_str(&state)
        .map_err(|e| ServiceError::Internal(format!("auction {id}: {e}")))?;
    Ok((region, a))
}

/// Stop the bidding at `now` because its trade was ended; a bid racing it waits on the row lock
/// and is then refused as ended.
pub(crate) async fn halt(
    tx: &mut Tx,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (region, mut auction) = load(tx, id).await?;
    auction.halt(now);
    let state = serde_json::to_string(&auction).or_internal()?;
    tx_exec!(
        tx,
        "UPDATE auctions SET state = $1 WHERE id = $2",
        &state,
        id
    );
    log(
        tx,
        actor,
        &region,
        id,
        "auction.halted",
        serde_json::json!({"ends_at": auction.ends_at}),
        now,
    )
    .await?;
    Ok(())
}

/// Admit a bidder (its deposit received and qualification passed); returns its paddle number.
pub async fn admit(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    entity: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<u32> {
    let mut tx = db.begin().await?;
    let (region, _) = load(&mut tx, id).await?;
    actor.require(
        Permission::IntakeProcess,
        &DivisionCode::parse("region", &region)?,
    )?;
    // A grant's bidders come only from its admission, which needs the whole deposit; a seat
    // added by hand would also count towards the fewest bidders the auction needs.
    let of_grant: Option<(Uuid,)> = tx_opt!(
        &mut tx,
        "SELECT id FROM grants WHERE auction_id = $1 OR final_auction_id = $1",
        id
    );
    if of_grant.is_some() {
        return Err(FieldError::new(
            "entity_id",
            "auction.admitted_by_grant",
            "该拍卖属于出让（转让）项目，竞买人只能经竞买申请审核并足额交纳保证金后取得资格",
            "This auction belongs to a grant: bidders are admitted only through the grant's application with the whole deposit paid",
        )
        .into());
    }
    let paddle = admit_in(&mut tx, actor, &region, id, entity, None, now).await?;
    tx.commit().await?;
    Ok(paddle)
}

/// Admit inside the caller's transaction. Paddles are numbered from 101 in order of admission
/// unless `paddle` carries one over (a listing's bidders keep theirs in the auction at its close);
/// names stay hidden until the result.
pub(crate) async fn admit_in(
    tx: &mut Tx,
    actor: &Actor,
    region: &str,
    id: Uuid,
    entity: Uuid,
    paddle: Option<u32>,
    now: DateTime<Utc>,
) -> ServiceResult<u32> {
    let existing: Option<(i64,)> = tx_opt!(
        tx,
        "SELECT paddle FROM auction_bidders WHERE auction_id = $1 AND entity_id = $2",
        id,
        entity
    );
    if let Some((p,)) = existing {
        return Ok(p as u32);
    }
    let paddle = match paddle {
        Some(p) => i64::from(p),
        None => {
            let (n,): (i64,) = tx_one!(
                tx,
                "SELECT COUNT(*) FROM auction_bidders WHERE auction_id = $1",
                id
            );
            101 + n
        }
    };
    tx_exec!(
        tx,
        "INSERT INTO auction_bidders (auction_id, entity_id, paddle, admitted_at) VALUES ($1, $2, $3, $4)",
        id,
        entity,
        paddle,
        truncate_micros(now)
    );
    log(
        tx,
        actor,
        region,
        id,
        "auction.bidder_admitted",
        serde_json::json!({"paddle": paddle}),
        now,
    )
    .await?;
    Ok(paddle as u32)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidInput {
    /// Yuan.
    pub amount: String,
    /// Chosen by the bidder's page or tool; a retry sends the same key.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BidAck {
    pub seq: i64,
    pub paddle: u32,
    /// Fen.
    pub amount: i64,
    pub accepted_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// This is the earlier acknowledgement of the same key, not a new bid.
    pub replayed: bool,
}

const PRIOR_SQL: &str = "SELECT seq, amount, accepted_at, ends_at FROM auction_bids WHERE auction_id = $1 AND entity_id = $2 AND idempotency_key = $3";

type Prior = (i64, i64, DateTime<Utc>, DateTime<Utc>);

/// The earlier acknowledgement of a retried key; the same key with another amount is refused.
fn replay(prior: Option<Prior>, paddle: u32, amount: Money) -> ServiceResult<Option<BidAck>> {
    let Some((seq, prior_amount, accepted_at, ends_at)) = prior else {
        return Ok(None);
    };
    if prior_amount != amount.fen() {
        return Err(FieldError::new(
            "idempotency_key",
            "auction.key_reused",
            "该幂等键已用于另一金额的报价",
            "This idempotency key already made a bid of another amount",
        )
        .into());
    }
    Ok(Some(BidAck {
        seq,
        paddle,
        amount: prior_amount,
        accepted_at,
        ends_at,
        replayed: true,
    }))
}

/// The deal an auction belongs to: its grant's code, or the auction itself.
async fn deal_code_of(db: &Db, id: Uuid) -> ServiceResult<String> {
    let no: Option<(i64,)> = db_opt!(
        db,
        "SELECT no FROM grants WHERE auction_id = $1 OR final_auction_id = $1",
        id
    );
    Ok(no.map_or_else(
        || format!("auction:{id}"),
        |(n,)| ggzy_core::grant::deal_code(n),
    ))
}

/// Place a bid. Acknowledged only once durable.
pub async fn bid(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &BidInput,
    clock: impl Now,
) -> ServiceResult<BidAck> {
    let amount = Money::parse_yuan("amount", &input.amount)?;
    let key = input.idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(FieldError::new(
            "idempotency_key",
            "auction.idempotency_key",
            "请提供 1 至 100 个字符的幂等键",
            "Give an idempotency key of 1 to 100 characters",
        )
        .into());
    }
    let (entity, _) = require_bidder(actor)?;
    let now = truncate_micros(clock.at());
    // Everything that can be decided from committed rows is decided before the write lock, so
    // a losing bid in a busy hall does not queue behind the winning ones. Admission is never
    // withdrawn, a retry's first acknowledgement never changes, and the price only rises on fixed
    // rules: "not admitted", "too low", "not a whole increment" and "not open" read from a
    // snapshot stay true. "Ended" and "already highest" can change, so only the locked state
    // decides those.
    let paddle: Option<(i64,)> = db_opt!(
        db,
        "SELECT paddle FROM auction_bidders WHERE auction_id = $1 AND entity_id = $2",
        id,
        entity
    );
    let Some((paddle,)) = paddle else {
        return Err(FieldError::new(
            "amount",
            "auction.not_admitted",
            "未取得竞买资格（保证金到账并通过资格审查后取得号牌）",
            "Not admitted: a paddle comes with the deposit received and qualification passed",
        )
        .into());
    };
    let paddle = paddle as u32;
    let prior = db_opt!(db, PRIOR_SQL, id, entity, key);
    if let Some(ack) = replay(prior, paddle, amount)? {
        return Ok(ack);
    }
    let seen: Option<(String, i64, String)> = db_opt!(
        db,
        "SELECT state, sealed, trade_kind FROM auctions WHERE id = $1",
        id
    );
    let (seen, sealed, trade_kind) = seen.ok_or(ServiceError::NotFound("auction"))?;
    let trade = Trade::of_auction(&trade_kind);
    if let Some(hit) = credit::barring(db, entity, trade, now).await? {
        let on = credit::Occasion {
            trade,
            point: CheckPoint::AuctionBid,
            deal_code: deal_code_of(db, id).await?,
            field: "amount",
        };
        return Err(credit::refuse(db, hit, &on, now).await);
    }
    if sealed != 0 {
        return Err(FieldError::new(
            "amount",
            "auction.sealed",
            "本宗交易采用一次报价，请在交易页面提交密封报价",
            "This trade takes one sealed quote each: quote on the trade's page",
        )
        .into());
    }
    let mut seen: Auction = serde_json::from_str(&seen)
        .map_err(|e| ServiceError::Internal(format!("auction {id}: {e}")))?;
    if let Err(
        r
        @ (BidRefusal::TooLow { .. } | BidRefusal::NotWholeIncrement { .. } | BidRefusal::NotOpen),
    ) = seen.bid(u32::MAX, amount, now)
    {
        return Err(r.field_error().into());
    }

    let mut tx = db.begin().await?;
    let (region, mut auction) = load(&mut tx, id).await?;
    // The lock is held: this instant, not the one the request arrived at, decides whether the
    // auction is still running.
    let now = truncate_micros(clock.at());
    // Two sends of one key can both pass the check above; the lock orders them.
    let prior = tx_opt!(&mut tx, PRIOR_SQL, id, entity, key);
    if let Some(ack) = replay(prior, paddle, amount)? {
        return Ok(ack);
    }
    let accepted = auction
        .bid(paddle, amount, now)
        .map_err(|r| ServiceError::from(r.field_error()))?;
    let seq = accepted.high.seq as i64;
    tx_exec!(
        &mut tx,
        "INSERT INTO auction_bids (auction_id, seq, paddle, entity_id, amount, idempotency_key, accepted_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        seq,
        i64::from(paddle),
        entity,
        amount.fen(),
        key,
        now,
        accepted.ends_at
    );
    let state = serde_json::to_string(&auction).or_internal()?;
    tx_exec!(
        &mut tx,
        "UPDATE auctions SET state = $1 WHERE id = $2",
        &state,
        id
    );
    log(&mut tx, actor, &region, id, "auction.bid_accepted", serde_json::json!({"seq": seq, "paddle": paddle, "amount": amount.fen(), "ends_at": accepted.ends_at, "extended": accepted.extended}), now).await?;
    tx.commit().await?;
    Ok(BidAck {
        seq,
        paddle,
        amount: amount.fen(),
        accepted_at: now,
        ends_at: accepted.ends_at,
        replayed: false,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuctionView {
    pub id: Uuid,
    pub name: String,
    pub trade_kind: String,
    /// The grant this auction belongs to (its listing or the auction at a listing's close).
    pub grant_id: Option<Uuid>,
    #[schema(value_type = String)]
    pub phase: Phase,
    /// Fen.
    pub start_price: i64,
    pub increment: i64,
    /// Fen; the price to beat (the starting price before any bid).
    pub current: i64,
    pub minimum_next: i64,
    pub high_paddle: Option<u32>,
    pub opens_at: DateTime<Utc>,
    pub free_until: DateTime<Utc>,
    pub extension_secs: i64,
    pub ends_at: DateTime<Utc>,
    pub accepted: u64,
    /// How many are admitted: for a grant's auction only once it is over (the number of
    /// bidders is secret until the close, [`ggzy_core::disclosure::Secret::GrantApplicants`]).
    pub bidders: Option<i64>,
    /// Shown only once the auction is over.
    pub reserve: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<Outcome>,
}

/// The auction as anyone may watch it: paddles, never names; the reserve only after the end.
pub async fn view(db: &Db, id: Uuid, now: DateTime<Utc>) -> ServiceResult<AuctionView> {
    let r: Option<(String, String, String)> = db_opt!(
        db,
        "SELECT name, trade_kind, state FROM auctions WHERE id = $1",
        id
    );
    let (name, trade_kind, state) = r.ok_or(ServiceError::NotFound("auction"))?;
    let a: Auction = serde_json::from_str(&state)
        .map_err(|e| ServiceError::Internal(format!("auction {id}: {e}")))?;
    let (bidders,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM auction_bidders WHERE auction_id = $1",
        id
    );
    let grant: Option<(Uuid,)> = db_opt!(
        db,
        "SELECT id FROM grants WHERE auction_id = $1 OR final_auction_id = $1",
        id
    );
    let phase = a.phase(now);
    let ended = phase == Phase::Ended;
    let reached: &[Moment] = if ended { &[Moment::Closed] } else { &[] };
    let bidders = (grant.is_none() || disclosure::public(Secret::GrantApplicants, reached))
        .then_some(bidders);
    Ok(AuctionView {
        id,
        name,
        trade_kind,
        grant_id: grant.map(|g| g.0),
        phase,
        start_price: a.rules.start_price.fen(),
        increment: a.rules.increment.fen(),
        current: a.high.map_or(a.rules.start_price.fen(), |h| h.amount.fen()),
        minimum_next: a.minimum().fen(),
        high_paddle: a.high.map(|h| h.paddle),
        opens_at: a.rules.opens_at,
        free_until: a.rules.free_until,
        extension_secs: a.rules.extension_secs,
        ends_at: a.ends_at,
        accepted: a.accepted,
        bidders,
        reserve: if ended {
            a.rules.reserve.map(Money::fen)
        } else {
            None
        },
        outcome: a.outcome(now),
    })
}

/// The bidder's own paddle in an auction, if admitted.
pub async fn paddle_of(db: &Db, id: Uuid, entity: Uuid) -> ServiceResult<Option<u32>> {
    let r: Option<(i64,)> = db_opt!(
        db,
        "SELECT paddle FROM auction_bidders WHERE auction_id = $1 AND entity_id = $2",
        id,
        entity
    );
    Ok(r.map(|(p,)| p as u32))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BidRow {
    pub seq: i64,
    pub paddle: i64,
    pub amount: i64,
    pub accepted_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Accepted bids after `after` in order — what a reconnecting watcher catches up with.
pub async fn bids_after(db: &Db, id: Uuid, after: i64) -> ServiceResult<Vec<BidRow>> {
    Ok(db_all!(
        db,
        "SELECT seq, paddle, amount, accepted_at, ends_at FROM auction_bids WHERE auction_id = $1 AND seq > $2 ORDER BY seq",
        id,
        after
    ))
}
