//! Live auction updates: accepted bids fan out to every watcher of an auction over Server-Sent
//! Events. A watcher that connects (or reconnects with `Last-Event-ID`) first catches up from the
//! database, then follows the broadcast; the event id is the bid's sequence number, so nothing is
//! missed and nothing is shown twice. A watcher that falls behind the broadcast re-reads from the
//! database instead of being dropped.

use crate::state::AppState;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use ggzy_store::auctions::{self, BidRow};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Room for bursts; a slower watcher catches up from the database.
const CAPACITY: usize = 1024;

#[derive(Default)]
pub struct Hall {
    rooms: Mutex<HashMap<Uuid, broadcast::Sender<BidRow>>>,
}

impl Hall {
    fn room(&self, auction: Uuid) -> broadcast::Sender<BidRow> {
        let mut rooms = self
            .rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rooms.retain(|_, tx| tx.receiver_count() > 0);
        rooms
            .entry(auction)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .clone()
    }

    pub fn subscribe(&self, auction: Uuid) -> broadcast::Receiver<BidRow> {
        self.room(auction).subscribe()
    }

    /// Called after the bid's transaction committed.
    pub fn publish(&self, auction: Uuid, bid: BidRow) {
        let rooms = self
            .rooms
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(tx) = rooms.get(&auction) {
            let _ = tx.send(bid);
        }
    }
}

fn event(b: &BidRow) -> Event {
    Event::default()
        .id(b.seq.to_string())
        .event("bid")
        .json_data(b)
        .unwrap_or_else(|_| Event::default().comment("unserialisable bid"))
}

struct Watch {
    state: AppState,
    auction: Uuid,
    rx: broadcast::Receiver<BidRow>,
    last: i64,
    backlog: std::collections::VecDeque<BidRow>,
}

/// The stream for one watcher, resuming after `after`.
pub async fn watch(
    state: AppState,
    auction: Uuid,
    after: i64,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before reading the backlog, so a bid committed in between is in one or the other.
    let rx = state.hall.subscribe(auction);
    let backlog = auctions::bids_after(&state.db, auction, after)
        .await
        .unwrap_or_default()
        .into();
    let w = Watch {
        state,
        auction,
        rx,
        last: after,
        backlog,
    };
    let s = stream::unfold(w, |mut w| async move {
        loop {
            if let Some(b) = w.backlog.pop_front() {
                if b.seq > w.last {
                    w.last = b.seq;
                    return Some((Ok(event(&b)), w));
                }
                continue;
            }
            match w.rx.recv().await {
                Ok(b) if b.seq <= w.last => {}
                Ok(b) if b.seq == w.last + 1 => {
                    w.last = b.seq;
                    return Some((Ok(event(&b)), w));
                }
                // A gap (a bid published out of order, or missed): read what is missing.
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    w.backlog = auctions::bids_after(&w.state.db, w.auction, w.last)
                        .await
                        .unwrap_or_default()
                        .into();
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(s).keep_alive(KeepAlive::default())
}
