//! The close (挂牌截止 / 拍卖结束): a listing going on to an auction when a bidder asks, and the
//! scheduler's settlement of each grant once its bidding is over, exactly once.

use super::*;
use crate::{db_all, tx_all, tx_exec, tx_one};
use ggzy_core::grant_close::{Close, CloseFacts, NoDeal, decide_close};

/// A listing bidder asks to go on to an auction at the close (before the listing closes).
pub async fn go_on(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> ServiceResult<()> {
    let (entity, _) = require_bidder(actor)?;
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    let (_, auction) = auctions::load(&mut tx, row.auction_id).await?;
    decided(
        &row,
        &GrantCommand::GoOn {
            ends_at: auction.ends_at,
        },
        now,
    )?;
    let n = tx_exec!(
        &mut tx,
        "UPDATE grant_applications SET go_on = 1 WHERE grant_id = $1 AND entity_id = $2 AND status = 'admitted'",
        id,
        entity
    );
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
    let open: Vec<(Uuid, Uuid, Option<Uuid>)> = db_all!(
        db,
        "SELECT g.id, g.auction_id, g.final_auction_id FROM grants g WHERE g.state IN ('open', 'auction')"
    );
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
    let r: Vec<(Uuid, i64)> = tx_all!(
        tx,
        "SELECT entity_id, paddle FROM auction_bidders WHERE auction_id = $1 ORDER BY paddle",
        auction
    );
    Ok(r.into_iter().map(|(e, p)| (e, p as u32)).collect())
}

/// Close one grant once its bidding is over. Returns what happened, or `None` when there was
/// nothing to do (another runner closed it, or it is not over). The facts are read and the
/// result recorded in one transaction; what the close decides is [`decide_close`]'s.
pub async fn settle(db: &Db, id: Uuid, now: DateTime<Utc>) -> ServiceResult<Option<String>> {
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    let current = row.final_auction_id.unwrap_or(row.auction_id);
    let (_, auction) = auctions::load(&mut tx, current).await?;
    let Some(outcome) = auction.outcome(now) else {
        return Ok(None);
    };
    if !row.state.bidding() {
        return Ok(None);
    }
    let pack = row.kind.pack();
    let after_listing = row.state == GrantState::Auction;
    let admitted = bidders(&mut tx, row.auction_id).await?;
    let paddles: Vec<u32> = admitted.iter().map(|(_, p)| *p).collect();
    let (_, listing) = auctions::load(&mut tx, row.auction_id).await?;
    let listed = if after_listing || row.method == GrantMethod::Listing {
        quotes(&mut tx, row.auction_id).await?
    } else {
        vec![]
    };
    let sealed = if row.method == GrantMethod::OneQuote && !after_listing {
        sealed_quotes(&mut tx, id).await?
    } else {
        vec![]
    };
    let asked: Vec<(Uuid,)> = tx_all!(
        &mut tx,
        "SELECT entity_id FROM grant_applications WHERE grant_id = $1 AND go_on = 1 AND status = 'admitted'",
        id
    );
    let facts = CloseFacts {
        kind: row.kind,
        method: row.method,
        after_listing,
        outcome,
        admitted: &paddles,
        listed: &listed,
        sealed: &sealed,
        asked_to_go_on: !asked.is_empty(),
        start_price: auction.rules.start_price,
        increment: auction.rules.increment,
        reserve: auction.rules.reserve,
        listing_increment: listing.rules.increment,
        listing_reserve: listing.rules.reserve,
    };
    let at = Closing {
        id,
        next: row.state,
        row: &row,
        ends_at: auction.ends_at,
        reserve: auction.rules.reserve,
        pack: &pack,
        now,
    };
    let close = decide_close(&pack, &facts);
    let at = Closing {
        next: decided(&row, &GrantCommand::Close(close.clone()), now)?,
        ..at
    };
    let done = match close {
        Close::ToAuction { start_price } => {
            let rules = AuctionRules {
                start_price,
                increment: auction.rules.increment,
                reserve: auction.rules.reserve,
                opens_at: auction.ends_at + AUCTION_AFTER_LISTING,
                // The auction at a listing's close is timed from its first second.
                free_until: auction.ends_at + AUCTION_AFTER_LISTING,
                extension_secs: pack.extension_secs.value,
            };
            to_auction(&mut tx, &at, rules, &admitted, asked.len()).await?;
            "to_auction".to_string()
        }
        Close::Deal { paddle, price } => {
            let winner = admitted
                .iter()
                .find(|(_, p)| *p == paddle)
                .map(|(e, _)| *e)
                .ok_or_else(|| {
                    ServiceError::Internal(format!("grant {id}: paddle {paddle} unknown"))
                })?;
            record_deal(&mut tx, &at, winner, paddle, price).await?;
            at.next.code().to_string()
        }
        Close::NoDeal(why) => {
            let detail = match &why {
                NoDeal::ListedUnderReserve | NoDeal::Listed { .. } => {
                    serde_json::json!({"reserve": at.reserve_of(&why, listing.rules.reserve)})
                }
                NoDeal::Bids { top } => serde_json::json!({"top": top, "reserve": at.reserve}),
                NoDeal::TooFewBidders {
                    admitted,
                    needed,
                    message_zh,
                } => {
                    serde_json::json!({"admitted": admitted, "needed": needed, "message": message_zh})
                }
                NoDeal::Sealed { .. } => {
                    serde_json::json!({"quotes": sealed, "reserve": at.reserve})
                }
            };
            record_no_deal(&mut tx, &at, why.code(), detail).await?;
            format!("{}: {}", at.next.code(), why.code())
        }
    };
    tx.commit().await?;
    Ok(Some(done))
}

/// The grant being closed and the instants its periods count from.
struct Closing<'a> {
    id: Uuid,
    /// The state the grant's machine leaves it in.
    next: GrantState,
    row: &'a Row,
    ends_at: DateTime<Utc>,
    reserve: Option<Money>,
    pack: &'a GrantPack,
    now: DateTime<Utc>,
}

/// The days the pack's periods give from the close.
struct Due {
    refund_due: NaiveDate,
    confirm_by: NaiveDate,
    result_by: NaiveDate,
}

impl Closing<'_> {
    async fn due(&self, tx: &mut Tx) -> ServiceResult<Due> {
        let cal = crate::calendar::load_tx(tx).await?;
        let closed_on = cn_date(self.ends_at);
        let end = |p: ggzy_core::grant::Period| p.end(&cal, closed_on);
        Ok(Due {
            refund_due: end(self.pack.deposit_refund_within.value),
            confirm_by: end(self.pack.confirmation_within.value),
            result_by: end(self.pack.result_within.value),
        })
    }

    /// The reserve a listing's failure cites: the listing's own, after the auction that followed.
    fn reserve_of(&self, why: &NoDeal, listing: Option<Money>) -> Option<Money> {
        match why {
            NoDeal::ListedUnderReserve => listing,
            _ => self.reserve,
        }
    }
}

/// The listing closed with a bidder asking to go on: the auction at the close, with every
/// admitted bidder under the same paddle.
async fn to_auction(
    tx: &mut Tx,
    at: &Closing<'_>,
    rules: AuctionRules,
    admitted: &[(Uuid, u32)],
    asked: usize,
) -> ServiceResult<()> {
    let system = Actor::system();
    let row = at.row;
    let (start_price, opens) = (rules.start_price, rules.opens_at);
    let (by,): (Uuid,) = tx_one!(tx, "SELECT created_by FROM grants WHERE id = $1", at.id);
    let fin = auctions::create_in(
        tx,
        &system,
        by,
        &row.region,
        &format!("{}（挂牌截止后网上竞价）", row.name),
        row.kind.code(),
        rules,
        at.now,
    )
    .await?;
    for (entity, paddle) in admitted {
        auctions::admit_in(
            tx,
            &system,
            &row.region,
            fin,
            *entity,
            Some(*paddle),
            at.now,
        )
        .await?;
    }
    tx_exec!(
        tx,
        "UPDATE grants SET state = $1, final_auction_id = $2 WHERE id = $3",
        Coded(at.next),
        fin,
        at.id
    );
    log(tx, &system, &row.region, at.id, "grant.listing_closed", serde_json::json!({"to_auction": fin, "start_price": start_price.fen(), "opens_at": opens, "asked": asked}), at.now).await
}

/// A deal: the winner's deposit turns into part of the price; everyone else's goes back.
async fn record_deal(
    tx: &mut Tx,
    at: &Closing<'_>,
    winner: Uuid,
    paddle: u32,
    price: Money,
) -> ServiceResult<()> {
    let (row, id, reserve) = (at.row, at.id, at.reserve.map(Money::fen));
    let Due {
        refund_due,
        confirm_by,
        result_by,
    } = at.due(tx).await?;
    tx_exec!(
        tx,
        "UPDATE grants SET state = $1, winner_entity_id = $2, price = $3, closed_at = $4, outcome = $5, confirm_by = $6, result_by = $7 WHERE id = $8",
        Coded(at.next),
        winner,
        price.fen(),
        at.ends_at,
        json(
            &serde_json::json!({"kind": "deal", "paddle": paddle, "price": price.fen(), "reserve": reserve})
        )?,
        confirm_by,
        result_by,
        id
    );
    tx_exec!(
        tx,
        "UPDATE grant_applications SET applied_to_price = 1 WHERE grant_id = $1 AND entity_id = $2",
        id,
        winner
    );
    tx_exec!(
        tx,
        "UPDATE grant_applications SET refund_due = $1 WHERE grant_id = $2 AND entity_id <> $3 AND received > 0 AND refund_due IS NULL",
        refund_due,
        id,
        winner
    );
    log(tx, &Actor::system(), &row.region, id, "grant.closed", serde_json::json!({"deal": true, "paddle": paddle, "price": price.fen(), "reserve": reserve, "confirm_by": confirm_by, "result_by": result_by}), at.now).await
}

/// No deal: every deposit goes back.
async fn record_no_deal(
    tx: &mut Tx,
    at: &Closing<'_>,
    why: &str,
    detail: serde_json::Value,
) -> ServiceResult<()> {
    let (row, id, reserve) = (at.row, at.id, at.reserve.map(Money::fen));
    let Due {
        refund_due,
        result_by,
        ..
    } = at.due(tx).await?;
    tx_exec!(
        tx,
        "UPDATE grants SET state = $1, closed_at = $2, outcome = $3, result_by = $4 WHERE id = $5",
        Coded(at.next),
        at.ends_at,
        json(
            &serde_json::json!({"kind": "no_deal", "why": why, "detail": detail, "reserve": reserve})
        )?,
        result_by,
        id
    );
    tx_exec!(
        tx,
        "UPDATE grant_applications SET refund_due = $1 WHERE grant_id = $2 AND received > 0 AND refund_due IS NULL",
        refund_due,
        id
    );
    log(
        tx,
        &Actor::system(),
        &row.region,
        id,
        "grant.closed",
        serde_json::json!({"deal": false, "why": why, "reserve": reserve}),
        at.now,
    )
    .await
}
