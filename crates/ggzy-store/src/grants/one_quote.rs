//! The one sealed quote (一次报价) of each admitted buyer: committed in the log until the close,
//! opened by paddle after it.

use super::*;
use crate::credit;
use crate::{db_all, db_opt, tx_all, tx_exec, tx_opt};
use ggzy_core::credit::CheckPoint;

/// The sealed quotes of a one-quote grant, in the order they came.
pub(super) async fn sealed_quotes(tx: &mut Tx, id: Uuid) -> ServiceResult<Vec<Quote>> {
    let r: Vec<(i64, i64, DateTime<Utc>)> = tx_all!(
        tx,
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 ORDER BY quoted_at",
        id
    );
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
    // The quote is this trade's bid: a company barred now may not make it.
    let seen = load(db, id).await?;
    credit::screen(
        db,
        entity,
        &seen.credit_occasion(CheckPoint::AuctionBid, "amount"),
        now,
    )
    .await?;
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
    decided(
        &row,
        &GrantCommand::Quote {
            opens_at: auction.rules.opens_at,
            ends_at: auction.ends_at,
        },
        now,
    )?;
    let paddle: Option<(i64,)> = tx_opt!(
        &mut tx,
        "SELECT paddle FROM auction_bidders WHERE auction_id = $1 AND entity_id = $2",
        row.auction_id,
        entity
    );
    let Some((paddle,)) = paddle else {
        return Err(refuse(
            "amount",
            "auction.not_admitted",
            "未取得竞买资格",
            "Not admitted",
        ));
    };
    let paddle = paddle as u32;
    let prior: Option<(i64, DateTime<Utc>)> = tx_opt!(
        &mut tx,
        "SELECT amount, quoted_at FROM grant_quotes WHERE grant_id = $1 AND entity_id = $2",
        id,
        entity
    );
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
    tx_exec!(
        &mut tx,
        "INSERT INTO grant_quotes (grant_id, entity_id, paddle, amount, quoted_at) VALUES ($1, $2, $3, $4, $5)",
        id,
        entity,
        i64::from(paddle),
        amount.fen(),
        now
    );
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
    let r: Vec<(i64, i64, DateTime<Utc>)> = db_all!(
        db,
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 ORDER BY amount DESC, quoted_at",
        id
    );
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
    let r: Option<(i64, i64, DateTime<Utc>)> = db_opt!(
        db,
        "SELECT paddle, amount, quoted_at FROM grant_quotes WHERE grant_id = $1 AND entity_id = $2",
        id,
        entity
    );
    Ok(r.map(|(p, amount, at)| QuoteView {
        paddle: p as u32,
        amount,
        quoted_at: at,
        commitment: commitment(id, p as u32, amount, at),
    }))
}

pub(super) async fn quotes(tx: &mut Tx, auction: Uuid) -> ServiceResult<Vec<Quote>> {
    let r: Vec<(i64, i64, DateTime<Utc>)> = tx_all!(
        tx,
        "SELECT paddle, amount, accepted_at FROM auction_bids WHERE auction_id = $1 ORDER BY seq",
        auction
    );
    Ok(r.into_iter()
        .map(|(p, a, at)| Quote {
            paddle: p as u32,
            amount: Money::from_fen(a),
            at,
        })
        .collect())
}
