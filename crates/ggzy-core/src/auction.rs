//! The online auction engine (网络竞价) one lot at a time: English ascending bids in whole
//! increments from the starting price, a free stage (自由竞价) and then a timed stage (限时竞价)
//! where a bid in the last N seconds moves the end to N seconds after it, a reserve (底价) hidden
//! until the end that decides deal or no deal, and the close of a listing (挂牌) with its ties.
//!
//! One engine serves land, mining rights, state property and any catalogue item sold by auction;
//! the trade sets the numbers (`AuctionRules`). Server time is the only time: `now` is an argument,
//! and the store calls [`bid`] inside the transaction that makes the accepted bid durable, so the
//! order of acceptance is the order of the log. No I/O, no clock.

use crate::error::FieldError;
use crate::money::Money;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The numbers an auction runs by, fixed in its announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuctionRules {
    /// Starting price (起始价); the first bid may be exactly this.
    pub start_price: Money,
    /// Increment (加价幅度); every bid is the start price plus a whole number of increments.
    pub increment: Money,
    /// Reserve price (底价), sealed until the end; `None`: no reserve.
    pub reserve: Option<Money>,
    /// When bidding opens.
    pub opens_at: DateTime<Utc>,
    /// When the free stage ends and the timed stage begins.
    pub free_until: DateTime<Utc>,
    /// The timed stage's window: a bid inside the last `extension` moves the end to `extension`
    /// after it (e.g. 300 s for land, 60 s for property).
    pub extension_secs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotOpen,
    Free,
    Timed,
    Ended,
}

/// The highest accepted bid so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HighBid {
    /// Anonymous paddle number (竞买号牌) of the bidder.
    pub paddle: u32,
    pub amount: Money,
    pub at: DateTime<Utc>,
    /// 1-based order of acceptance.
    pub seq: u64,
}

/// An auction's state, folded from its accepted bids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Auction {
    pub rules: AuctionRules,
    pub high: Option<HighBid>,
    /// The end as it stands: the free stage's end plus one window, moved by late bids.
    pub ends_at: DateTime<Utc>,
    pub accepted: u64,
    /// Its trade was ended at this instant: nothing is accepted from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted_at: Option<DateTime<Utc>>,
}

/// Why a bid was refused; each carries the numbers the bidder needs to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BidRefusal {
    NotOpen,
    Ended { ended_at: DateTime<Utc> },
    TooLow { minimum: Money },
    NotWholeIncrement { increment: Money },
    AlreadyHighest,
}

impl BidRefusal {
    pub fn field_error(&self) -> FieldError {
        match self {
            Self::NotOpen => FieldError::new(
                "amount",
                "auction.not_open",
                "竞价尚未开始",
                "Bidding has not opened",
            ),
            Self::Ended { ended_at } => FieldError::new(
                "amount",
                "auction.ended",
                format!("竞价已于 {ended_at} 结束，不再接受报价"),
                format!("Bidding ended at {ended_at}; no more bids"),
            ),
            Self::TooLow { minimum } => FieldError::new(
                "amount",
                "auction.too_low",
                format!("报价应不低于 {minimum}（当前价加一个加价幅度）"),
                format!("Bid at least {minimum} (the current price plus one increment)"),
            ),
            Self::NotWholeIncrement { increment } => FieldError::new(
                "amount",
                "auction.increment",
                format!("报价应为起始价加整数倍的加价幅度（{increment}）"),
                format!("Bid the starting price plus whole increments of {increment}"),
            ),
            Self::AlreadyHighest => FieldError::new(
                "amount",
                "auction.already_highest",
                "您已是当前最高报价人",
                "You already hold the highest bid",
            ),
        }
    }
}

/// What an accepted bid did to the auction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub high: HighBid,
    /// The end after this bid (moved when it fell inside the timed window).
    pub ends_at: DateTime<Utc>,
    pub extended: bool,
}

/// The result at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Deal {
        paddle: u32,
        price: Money,
    },
    /// No bid at all, or the top bid under the reserve; the reserve is shown once it is over.
    NoDeal {
        top: Option<Money>,
        reserve: Option<Money>,
    },
}

impl Auction {
    pub fn new(rules: AuctionRules) -> Self {
        let ends_at = rules.free_until + Duration::seconds(rules.extension_secs);
        Self {
            rules,
            high: None,
            ends_at,
            accepted: 0,
            halted_at: None,
        }
    }

    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if self.halted_at.is_some_and(|h| now >= h) {
            Phase::Ended
        } else if now < self.rules.opens_at {
            Phase::NotOpen
        } else if now >= self.ends_at {
            Phase::Ended
        } else if now < self.rules.free_until {
            Phase::Free
        } else {
            Phase::Timed
        }
    }

    /// The trade was ended: the bidding stops at `now`, and any later bid is refused as ended.
    pub fn halt(&mut self, now: DateTime<Utc>) {
        self.ends_at = self.ends_at.min(now);
        self.halted_at = Some(now);
    }

    /// The lowest bid that would be accepted now.
    pub fn minimum(&self) -> Money {
        match self.high {
            Some(h) => Money::from_fen(h.amount.fen().saturating_add(self.rules.increment.fen())),
            None => self.rules.start_price,
        }
    }

    /// Decide a bid at `now`. Accepting applies it.
    pub fn bid(
        &mut self,
        paddle: u32,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<Accepted, BidRefusal> {
        match self.phase(now) {
            Phase::NotOpen => return Err(BidRefusal::NotOpen),
            Phase::Ended => {
                return Err(BidRefusal::Ended {
                    ended_at: self.ends_at,
                });
            }
            Phase::Free | Phase::Timed => {}
        }
        let inc = self.rules.increment.fen().max(1);
        let above = amount.fen() - self.rules.start_price.fen();
        if above < 0 || amount < self.minimum() {
            return Err(BidRefusal::TooLow {
                minimum: self.minimum(),
            });
        }
        if above % inc != 0 {
            return Err(BidRefusal::NotWholeIncrement {
                increment: self.rules.increment,
            });
        }
        if self.high.is_some_and(|h| h.paddle == paddle) {
            return Err(BidRefusal::AlreadyHighest);
        }
        self.accepted += 1;
        let high = HighBid {
            paddle,
            amount,
            at: now,
            seq: self.accepted,
        };
        self.high = Some(high);
        let window = Duration::seconds(self.rules.extension_secs);
        let extended = now + window > self.ends_at && self.halted_at.is_none();
        if extended {
            self.ends_at = now + window;
        }
        Ok(Accepted {
            high,
            ends_at: self.ends_at,
            extended,
        })
    }

    /// The outcome once the auction has ended; `None` before.
    pub fn outcome(&self, now: DateTime<Utc>) -> Option<Outcome> {
        if self.phase(now) != Phase::Ended {
            return None;
        }
        Some(match self.high {
            Some(h) if self.rules.reserve.is_none_or(|r| h.amount >= r) => Outcome::Deal {
                paddle: h.paddle,
                price: h.amount,
            },
            top => Outcome::NoDeal {
                top: top.map(|h| h.amount),
                reserve: self.rules.reserve,
            },
        })
    }
}

/// One quote slip of a listing (挂牌报价单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub paddle: u32,
    pub amount: Money,
    pub at: DateTime<Utc>,
}

/// How a listing closes (Order 39 Art 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ListingClose {
    /// A bidder asked to go on: an auction starts at the top quote plus one increment.
    ToAuction {
        start_price: Money,
    },
    Deal {
        paddle: u32,
        price: Money,
    },
    NoDeal,
}

/// Close a listing: the highest quote wins, equal quotes go to the earliest slip, below the reserve
/// there is no deal; if anyone asks to go on and there is a quote, the on-site auction starts at the
/// top quote plus one increment.
pub fn close_listing(
    quotes: &[Quote],
    reserve: Option<Money>,
    increment: Money,
    someone_goes_on: bool,
) -> ListingClose {
    let top = quotes
        .iter()
        .max_by(|a, b| a.amount.cmp(&b.amount).then(b.at.cmp(&a.at)));
    match top {
        None => ListingClose::NoDeal,
        Some(q) if someone_goes_on => ListingClose::ToAuction {
            start_price: Money::from_fen(q.amount.fen().saturating_add(increment.fen())),
        },
        Some(q) if reserve.is_none_or(|r| q.amount >= r) => ListingClose::Deal {
            paddle: q.paddle,
            price: q.amount,
        },
        Some(_) => ListingClose::NoDeal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-10T10:00:00+08:00")
            .expect("ts")
            .with_timezone(&Utc)
    }

    fn yuan(y: i64) -> Money {
        Money::from_fen(y * 100)
    }

    fn rules(reserve: Option<i64>) -> AuctionRules {
        AuctionRules {
            start_price: yuan(10_000_000),
            increment: yuan(100_000),
            reserve: reserve.map(yuan),
            opens_at: t0(),
            free_until: t0() + Duration::hours(1),
            extension_secs: 300,
        }
    }

    #[test]
    fn a_halted_auction_takes_no_bid_from_the_halt_on() {
        let mut a = Auction::new(rules(None));
        let halt = t0() + Duration::minutes(5);
        a.halt(halt);
        assert!(
            a.bid(1, yuan(10_000_000), halt - Duration::microseconds(1))
                .is_ok()
        );
        assert_eq!(
            a.bid(2, yuan(10_100_000), halt),
            Err(BidRefusal::Ended { ended_at: halt })
        );
        // Halting before the opening: it never opens.
        let mut early = Auction::new(rules(None));
        early.halt(t0() - Duration::hours(1));
        assert_eq!(early.phase(t0() + Duration::minutes(1)), Phase::Ended);
    }

    #[test]
    fn bids_are_whole_increments_above_the_current_price() {
        let mut a = Auction::new(rules(None));
        let at = t0() + Duration::minutes(5);
        assert_eq!(
            a.bid(1, yuan(10_000_000), t0() - Duration::seconds(1)),
            Err(BidRefusal::NotOpen)
        );
        assert_eq!(
            a.bid(1, yuan(9_900_000), at),
            Err(BidRefusal::TooLow {
                minimum: yuan(10_000_000)
            })
        );
        a.bid(1, yuan(10_000_000), at)
            .expect("the starting price itself");
        assert_eq!(
            a.bid(2, yuan(10_050_000), at),
            Err(BidRefusal::TooLow {
                minimum: yuan(10_100_000)
            })
        );
        assert_eq!(
            a.bid(2, yuan(10_150_000), at),
            Err(BidRefusal::NotWholeIncrement {
                increment: yuan(100_000)
            })
        );
        assert_eq!(
            a.bid(1, yuan(10_100_000), at),
            Err(BidRefusal::AlreadyHighest)
        );
        a.bid(2, yuan(10_100_000), at).expect("one increment");
        assert_eq!(
            a.bid(3, yuan(10_100_000), at),
            Err(BidRefusal::TooLow {
                minimum: yuan(10_200_000)
            }),
            "never two bids at one price"
        );
        a.bid(3, yuan(10_500_000), at).expect("several increments");
        assert_eq!(a.accepted, 3);
    }

    /// The timed stage: a bid 1 s inside the window moves the end to 300 s after it; a bid just
    /// outside leaves the end alone; at the end nothing is accepted.
    #[test]
    fn late_bids_extend_the_end_by_the_window() {
        let mut a = Auction::new(rules(None));
        let end = t0() + Duration::hours(1) + Duration::seconds(300);
        assert_eq!(a.ends_at, end);
        let outside = end - Duration::seconds(300);
        let r = a.bid(1, yuan(10_000_000), outside).expect("bid");
        assert!(
            !r.extended,
            "exactly 300 s before the end is not inside the window"
        );
        assert_eq!(r.ends_at, end);
        let inside = end - Duration::seconds(299);
        let r = a.bid(2, yuan(10_100_000), inside).expect("bid");
        assert!(r.extended);
        assert_eq!(r.ends_at, inside + Duration::seconds(300));
        assert_eq!(
            a.bid(1, yuan(10_200_000), a.ends_at),
            Err(BidRefusal::Ended {
                ended_at: a.ends_at
            })
        );
        assert_eq!(
            a.outcome(a.ends_at - Duration::seconds(1)),
            None,
            "no outcome before the end"
        );
        assert_eq!(
            a.outcome(a.ends_at),
            Some(Outcome::Deal {
                paddle: 2,
                price: yuan(10_100_000)
            })
        );
    }

    #[test]
    fn the_reserve_decides_deal_or_no_deal() {
        let at = t0() + Duration::minutes(1);
        for (top, want_deal) in [(10_900_000, false), (11_000_000, true)] {
            let mut a = Auction::new(rules(Some(11_000_000)));
            a.bid(1, yuan(top), at).expect("bid");
            let o = a.outcome(a.ends_at).expect("ended");
            assert_eq!(matches!(o, Outcome::Deal { .. }), want_deal, "{top}: {o:?}");
        }
        let a = Auction::new(rules(Some(1)));
        assert_eq!(
            a.outcome(a.ends_at),
            Some(Outcome::NoDeal {
                top: None,
                reserve: Some(yuan(1))
            })
        );
    }

    #[test]
    fn a_listing_closes_to_the_highest_then_earliest_quote() {
        let q = |paddle, y, min| Quote {
            paddle,
            amount: yuan(y),
            at: t0() + Duration::minutes(min),
        };
        let quotes = [
            q(1, 12_000_000, 5),
            q(2, 12_500_000, 9),
            q(3, 12_500_000, 7),
        ];
        assert_eq!(
            close_listing(&quotes, Some(yuan(12_000_000)), yuan(100_000), false),
            ListingClose::Deal {
                paddle: 3,
                price: yuan(12_500_000)
            },
            "equal quotes: the earlier slip"
        );
        assert_eq!(
            close_listing(&quotes, Some(yuan(12_500_001)), yuan(100_000), false),
            ListingClose::NoDeal,
            "below the reserve"
        );
        assert_eq!(
            close_listing(&quotes, None, yuan(100_000), true),
            ListingClose::ToAuction {
                start_price: yuan(12_600_000)
            }
        );
        assert_eq!(
            close_listing(&[], None, yuan(100_000), true),
            ListingClose::NoDeal
        );
    }

    proptest! {
        /// Random bidders at random times: every accepted bid beats the last by whole increments,
        /// nothing is accepted at or after the end, each extension follows the rule, the final
        /// price is the highest accepted bid and the reserve decides the outcome.
        #[test]
        fn random_bidders_keep_every_invariant(
            bids in proptest::collection::vec((1u32..6, 0i64..12, 0i64..5_000), 1..200),
            reserve in proptest::option::of(10_000_000i64..11_000_000),
        ) {
            let mut a = Auction::new(rules(reserve));
            let mut now = t0();
            let mut highest: Option<Money> = None;
            for (paddle, steps, gap) in bids {
                now += Duration::seconds(gap);
                let current = a.high.map(|h| h.amount);
                let end_before = a.ends_at;
                let amount = Money::from_fen(a.minimum().fen() + steps / 4 * a.rules.increment.fen() + if steps % 4 == 3 { 1 } else { 0 });
                match a.bid(paddle, amount, now) {
                    Ok(r) => {
                        prop_assert!(now < end_before, "accepted at or after the end");
                        prop_assert!(current.is_none_or(|c| amount.fen() >= c.fen() + a.rules.increment.fen()));
                        prop_assert_eq!((amount.fen() - a.rules.start_price.fen()) % a.rules.increment.fen(), 0);
                        let want_end = if now + Duration::seconds(300) > end_before { now + Duration::seconds(300) } else { end_before };
                        prop_assert_eq!(r.ends_at, want_end);
                        highest = Some(amount);
                    }
                    Err(BidRefusal::Ended { .. }) => prop_assert!(now >= end_before),
                    Err(_) => prop_assert_eq!(a.ends_at, end_before, "a refusal changes nothing"),
                }
            }
            let o = a.outcome(a.ends_at).expect("ended");
            match (highest, reserve) {
                (Some(h), r) if r.is_none_or(|r| h >= yuan(r)) => {
                    prop_assert_eq!(o, Outcome::Deal { paddle: a.high.map(|x| x.paddle).unwrap_or(0), price: h });
                }
                _ => {
                    let no_deal = matches!(o, Outcome::NoDeal { .. });
                    prop_assert!(no_deal, "expected no deal, got {:?}", o);
                }
            }
        }
    }
}
