//! The collusion indicators at an opening (条例 Art 40; 87号令 Art 37): the opening keeps each
//! opened bid's trace and plans this check in its own transaction; the scheduler then runs the
//! indicators of [`ggzy_core::collusion`] over the lot's traces and earlier deals once, each one
//! that fires becoming an alert for the region's supervisors with the bid events it rests on.

use crate::alerts;
use crate::db::{Db, Tx};
use crate::error::{OrInternal, ServiceResult};
use crate::tendering::LotRow;
use crate::tx_all;
use chrono::{DateTime, Duration, Utc};
use ggzy_core::Money;
use ggzy_core::collusion::{self, BidTrace, CollusionPack, Contact, Opening, PastDeal, Signal};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A bid's trace with its bidder's credit code and the log event of its submission.
pub type Traced = (BidTrace, String, i64);

type TraceRow = (
    Uuid,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    String,
);

/// The traces of a lot's opened bids as stored, with each bid's log event.
pub async fn read_traces(tx: &mut Tx, lot_id: Uuid) -> ServiceResult<Vec<Traced>> {
    let rows: Vec<TraceRow> = tx_all!(
        tx,
        "SELECT b.bidder_id, e.name, e.uscc, b.address, b.fingerprint, b.event_seq, t.bond_account, t.contact_name, t.contact_phone, t.contact_email, t.project_manager, t.price, t.price_error, t.files
         FROM bid_traces t JOIN bids b ON b.id = t.bid_id JOIN entities e ON e.id = b.bidder_id
         WHERE t.lot_id = $1 ORDER BY b.received_at",
        lot_id
    );
    rows.into_iter()
        .map(|r| {
            Ok((
                BidTrace {
                    bidder: r.0,
                    bidder_name: r.1,
                    address: r.3,
                    fingerprint: r.4,
                    bond_account: r.6,
                    contact: Contact {
                        name: r.7,
                        phone: r.8,
                        email: r.9,
                    },
                    project_manager: r.10,
                    price: r.11.map(Money::from_fen),
                    price_error: r.12,
                    files: serde_json::from_str(&r.13).or_internal()?,
                },
                r.2,
                r.5,
            ))
        })
        .collect()
}

/// Contracted deals since `since` that any of the lot's bidders took part in, oldest first.
async fn history(tx: &mut Tx, lot_id: Uuid, since: DateTime<Utc>) -> ServiceResult<Vec<PastDeal>> {
    let rows: Vec<(Uuid, String, Uuid, Uuid)> = tx_all!(
        tx,
        "SELECT c.lot_id, l.trade_code, c.winner_id, b.bidder_id FROM contracts c
         JOIN lots l ON l.id = c.lot_id JOIN bids b ON b.lot_id = c.lot_id AND b.status = 'active'
         WHERE c.lot_id <> $1 AND c.recorded_at >= $2
           AND c.lot_id IN (SELECT p.lot_id FROM bids p WHERE p.bidder_id IN (SELECT n.bidder_id FROM bids n WHERE n.lot_id = $1))
         ORDER BY c.recorded_at, c.lot_id",
        lot_id,
        since
    );
    let mut deals: Vec<PastDeal> = vec![];
    let mut at: HashMap<Uuid, usize> = HashMap::new();
    for (lot, code, winner, bidder) in rows {
        let i = *at.entry(lot).or_insert_with(|| {
            deals.push(PastDeal {
                deal: code,
                bidders: vec![],
                winner,
            });
            deals.len() - 1
        });
        deals[i].bidders.push(bidder);
    }
    Ok(deals)
}

/// Every indicator over the lot as stored now: its opened bids' traces, its ceiling and the
/// earlier deals of its bidders.
pub async fn signals(
    tx: &mut Tx,
    lot: &LotRow,
    now: DateTime<Utc>,
) -> ServiceResult<(Vec<Signal>, Vec<Traced>)> {
    let pack = CollusionPack::v2026();
    let traced = read_traces(tx, lot.id).await?;
    let since = now - Duration::days(365 * pack.rotation_years.value);
    let past = history(tx, lot.id, since).await?;
    let (bids, filed): (Vec<BidTrace>, Vec<(String, i64)>) = traced
        .into_iter()
        .map(|(t, uscc, seq)| (t, (uscc, seq)))
        .unzip();
    let found = collusion::check(
        &Opening {
            bids: &bids,
            ceiling: lot.max_price,
            history: &past,
        },
        &pack,
    );
    let traced = bids
        .into_iter()
        .zip(filed)
        .map(|(t, (uscc, seq))| (t, uscc, seq))
        .collect();
    Ok((found, traced))
}

/// Run the indicators over an opened lot and raise an alert for each that fires; says how many.
pub(crate) async fn at_opening(
    tx: &mut Tx,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let lot = crate::tendering::load_for_update(tx, lot_id).await?;
    let lot = &lot;
    let (found, traced) = signals(tx, lot, now).await?;
    let who: BTreeMap<Uuid, &Traced> = traced.iter().map(|t| (t.0.bidder, t)).collect();
    let n = found.len();
    for s in found {
        let bidders: Vec<serde_json::Value> = s
            .bidders
            .iter()
            .filter_map(|b| who.get(b))
            .map(|(t, uscc, seq)| {
                serde_json::json!({"id": t.bidder, "name": t.bidder_name, "uscc": uscc, "event_seq": seq})
            })
            .collect();
        let events: Vec<i64> = s
            .bidders
            .iter()
            .filter_map(|b| who.get(b).map(|w| w.2))
            .collect();
        alerts::raise(
            tx,
            lot,
            s.indicator.rule(),
            s.severity,
            serde_json::json!({
                "title_zh": s.indicator.title_zh(),
                "title_en": s.indicator.title_en(),
                "basis": s.indicator.basis(),
                "shared": s.shared,
                "bidders": bidders,
                "events": events,
            }),
            now,
        )
        .await?;
    }
    Ok(format!("collusion indicators: {n} fired"))
}

/// The indicators over a stored lot without raising anything (for the benchmark and the
/// supervisor's second look).
pub async fn check_lot(db: &Db, lot_id: Uuid, now: DateTime<Utc>) -> ServiceResult<Vec<Signal>> {
    let mut tx = db.begin().await?;
    let lot = crate::tendering::load_for_update(&mut tx, lot_id).await?;
    let (found, _) = signals(&mut tx, &lot, now).await?;
    tx.rollback().await?;
    Ok(found)
}

/// Only the stored fields, read once: the benchmark's baseline.
pub async fn read_only(db: &Db, lot_id: Uuid) -> ServiceResult<usize> {
    let mut tx = db.begin().await?;
    let n = read_traces(&mut tx, lot_id).await?.len();
    tx.rollback().await?;
    Ok(n)
}
