//! What the close of a grant decides (出让结果的判定), once its bidding is over: a deal to one
//! paddle at a price, an auction to follow a listing, or no deal with the reason. The store reads
//! the facts, asks [`decide_close`] and records the answer; nothing here reads a clock or a row.
//!
//! The rules, in the order they apply:
//! - The auction that followed a listing decides by its own bids; if nobody bid in it, the top
//!   listed quote stands when it meets the reserve (Order 39 Art 19 [V]).
//! - Otherwise fewer admitted bidders than the pack's minimum means no deal — except one
//!   qualified buyer of state property, who takes it at the listing price (协议成交, 企业国有资产
//!   交易监督管理办法 Art 17 [S]).
//! - One sealed quote each: the highest quote at or over the reserve wins, the earliest of equal
//!   quotes first; a sole buyer who did not quote takes it at the listing price.
//! - A listing closes on its quotes; a bidder who asked to go on turns the close into an auction
//!   starting one increment over the top quote.
//! - An auction or multiple quotes close on the engine's outcome.

use crate::auction::{ListingClose, Outcome, Quote, close_listing};
use crate::grant::{GrantMethod, GrantPack, TradeKind, check_bidders};
use crate::money::Money;

/// What the store knows when a grant's bidding is over.
#[derive(Debug, Clone)]
pub struct CloseFacts<'a> {
    pub kind: TradeKind,
    pub method: GrantMethod,
    /// The bidding that ended is the auction that followed the listing.
    pub after_listing: bool,
    /// The ended auction's outcome.
    pub outcome: Outcome,
    /// The admitted paddles.
    pub admitted: &'a [u32],
    /// The listing's quotes (挂牌报价), for a listing or the auction after it.
    pub listed: &'a [Quote],
    /// The sealed quotes of a one-quote trade.
    pub sealed: &'a [Quote],
    /// Some admitted bidder asked to go on to an auction at the listing's close.
    pub asked_to_go_on: bool,
    /// The ended auction's listing price, increment and reserve.
    pub start_price: Money,
    pub increment: Money,
    pub reserve: Option<Money>,
    /// The listing's increment and reserve, for the close of the auction that followed it.
    pub listing_increment: Money,
    pub listing_reserve: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    Deal {
        paddle: u32,
        price: Money,
    },
    /// A bidder asked to go on: an auction follows the listing at this price.
    ToAuction {
        start_price: Money,
    },
    NoDeal(NoDeal),
}

/// Why a grant closed without a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoDeal {
    /// Nobody bid in the auction after the listing, and the top listed quote is under the reserve.
    ListedUnderReserve,
    /// The auction's top bid is under the reserve, or (`top` none) nobody bid.
    Bids { top: Option<Money> },
    TooFewBidders {
        admitted: u32,
        needed: u32,
        message_zh: String,
    },
    /// The listing's quotes: none, or none that meets the reserve.
    Listed { any: bool },
    /// The sealed quotes: none, or none that meets the reserve.
    Sealed { any: bool },
}

impl NoDeal {
    /// The stable code stored with the result and shown on the grant.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ListedUnderReserve => "below_reserve",
            Self::Bids { top: None } => "no_bids",
            Self::Bids { top: Some(_) } => "below_reserve",
            Self::TooFewBidders { .. } => "too_few_bidders",
            Self::Listed { any } | Self::Sealed { any } => {
                if *any {
                    "below_reserve"
                } else {
                    "no_quotes"
                }
            }
        }
    }
}

fn from_listing(close: ListingClose, no_deal: NoDeal) -> Close {
    match close {
        ListingClose::Deal { paddle, price } => Close::Deal { paddle, price },
        ListingClose::ToAuction { start_price } => Close::ToAuction { start_price },
        ListingClose::NoDeal => Close::NoDeal(no_deal),
    }
}

pub fn decide_close(pack: &GrantPack, f: &CloseFacts) -> Close {
    let sole = (f.admitted.len() == 1).then(|| f.admitted[0]);
    if f.after_listing {
        return match f.outcome {
            Outcome::Deal { paddle, price } => Close::Deal { paddle, price },
            Outcome::NoDeal { top: None, .. } => {
                match close_listing(f.listed, f.listing_reserve, f.listing_increment, false) {
                    ListingClose::Deal { paddle, price } => Close::Deal { paddle, price },
                    _ => Close::NoDeal(NoDeal::ListedUnderReserve),
                }
            }
            Outcome::NoDeal { top, .. } => Close::NoDeal(NoDeal::Bids { top }),
        };
    }
    let property_sole = f.kind == TradeKind::StateProperty && sole.is_some();
    if let Err(e) = check_bidders(pack, f.admitted.len() as u32)
        && !property_sole
    {
        return Close::NoDeal(NoDeal::TooFewBidders {
            admitted: f.admitted.len() as u32,
            needed: pack.min_bidders.value,
            message_zh: e.message_zh,
        });
    }
    match f.method {
        GrantMethod::OneQuote => match close_listing(f.sealed, f.reserve, f.increment, false) {
            ListingClose::Deal { paddle, price } => Close::Deal { paddle, price },
            _ => match sole {
                Some(paddle) if f.sealed.is_empty() => Close::Deal {
                    paddle,
                    price: f.start_price,
                },
                _ => Close::NoDeal(NoDeal::Sealed {
                    any: !f.sealed.is_empty(),
                }),
            },
        },
        GrantMethod::Listing => from_listing(
            close_listing(f.listed, f.reserve, f.increment, f.asked_to_go_on),
            NoDeal::Listed {
                any: !f.listed.is_empty(),
            },
        ),
        GrantMethod::Auction | GrantMethod::MultiQuote => match f.outcome {
            Outcome::Deal { paddle, price } => Close::Deal { paddle, price },
            Outcome::NoDeal { top: None, .. } if property_sole => Close::Deal {
                paddle: f.admitted[0],
                price: f.start_price,
            },
            Outcome::NoDeal { top, .. } => Close::NoDeal(NoDeal::Bids { top }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn yuan(v: i64) -> Money {
        Money::from_fen(v * 100)
    }

    fn quote(paddle: u32, amount: i64, second: u32) -> Quote {
        Quote {
            paddle,
            amount: yuan(amount),
            at: Utc
                .with_ymd_and_hms(2025, 6, 3, 2, 0, second)
                .single()
                .expect("instant"),
        }
    }

    fn facts<'a>(kind: TradeKind, method: GrantMethod, admitted: &'a [u32]) -> CloseFacts<'a> {
        CloseFacts {
            kind,
            method,
            after_listing: false,
            outcome: Outcome::NoDeal {
                top: None,
                reserve: None,
            },
            admitted,
            listed: &[],
            sealed: &[],
            asked_to_go_on: false,
            start_price: yuan(1_000),
            increment: yuan(10),
            reserve: Some(yuan(1_050)),
            listing_increment: yuan(10),
            listing_reserve: Some(yuan(1_050)),
        }
    }

    #[test]
    fn a_listing_closes_on_its_top_quote_or_goes_on_to_an_auction() {
        let land = TradeKind::LandUse.pack();
        let listed = [quote(1, 1_040, 0), quote(2, 1_060, 1), quote(3, 1_060, 2)];
        let mut f = facts(TradeKind::LandUse, GrantMethod::Listing, &[1, 2, 3]);
        f.listed = &listed;
        assert_eq!(
            decide_close(&land, &f),
            Close::Deal {
                paddle: 2,
                price: yuan(1_060)
            },
            "equal quotes: the earlier slip"
        );
        f.asked_to_go_on = true;
        assert_eq!(
            decide_close(&land, &f),
            Close::ToAuction {
                start_price: yuan(1_070)
            }
        );
        f.asked_to_go_on = false;
        f.listed = &listed[..1];
        let no = decide_close(&land, &f);
        assert_eq!(no, Close::NoDeal(NoDeal::Listed { any: true }));
        assert!(matches!(&no, Close::NoDeal(n) if n.code() == "below_reserve"));
        f.listed = &[];
        assert!(matches!(decide_close(&land, &f), Close::NoDeal(n) if n.code() == "no_quotes"));
    }

    #[test]
    fn the_auction_after_a_listing_falls_back_to_the_listed_quote() {
        let land = TradeKind::LandUse.pack();
        let listed = [quote(1, 1_060, 0)];
        let mut f = facts(TradeKind::LandUse, GrantMethod::Listing, &[1]);
        f.after_listing = true;
        f.listed = &listed;
        assert_eq!(
            decide_close(&land, &f),
            Close::Deal {
                paddle: 1,
                price: yuan(1_060)
            },
            "one admitted bidder is enough after the listing: the minimum was met before"
        );
        f.listing_reserve = Some(yuan(1_100));
        assert_eq!(
            decide_close(&land, &f),
            Close::NoDeal(NoDeal::ListedUnderReserve)
        );
        f.outcome = Outcome::NoDeal {
            top: Some(yuan(1_080)),
            reserve: Some(yuan(1_100)),
        };
        assert_eq!(
            decide_close(&land, &f),
            Close::NoDeal(NoDeal::Bids {
                top: Some(yuan(1_080))
            })
        );
    }

    #[test]
    fn one_sealed_quote_and_the_sole_buyer_of_state_property() {
        let property = TradeKind::StateProperty.pack();
        let sealed = [quote(4, 1_050, 0), quote(5, 1_049, 1)];
        let mut f = facts(TradeKind::StateProperty, GrantMethod::OneQuote, &[4, 5]);
        f.sealed = &sealed;
        assert_eq!(
            decide_close(&property, &f),
            Close::Deal {
                paddle: 4,
                price: yuan(1_050)
            },
            "exactly the reserve is enough"
        );
        f.sealed = &sealed[1..];
        assert_eq!(
            decide_close(&property, &f),
            Close::NoDeal(NoDeal::Sealed { any: true }),
            "a yuan under the reserve is not"
        );
        let alone = [9];
        let mut f = facts(TradeKind::StateProperty, GrantMethod::OneQuote, &alone);
        assert_eq!(
            decide_close(&property, &f),
            Close::Deal {
                paddle: 9,
                price: yuan(1_000)
            },
            "a sole qualified buyer who did not quote takes it at the listing price"
        );
        f.method = GrantMethod::Auction;
        assert_eq!(
            decide_close(&property, &f),
            Close::Deal {
                paddle: 9,
                price: yuan(1_000)
            }
        );
    }

    #[test]
    fn too_few_bidders_is_no_deal_with_the_pack_minimum() {
        let land = TradeKind::LandUse.pack();
        let needed = land.min_bidders.value;
        let admitted: Vec<u32> = (1..needed).collect();
        let f = facts(TradeKind::LandUse, GrantMethod::Auction, &admitted);
        match decide_close(&land, &f) {
            Close::NoDeal(NoDeal::TooFewBidders {
                admitted: a,
                needed: n,
                ..
            }) => assert_eq!((a, n), (needed - 1, needed)),
            other => panic!("{other:?}"),
        }
        let admitted: Vec<u32> = (1..=needed).collect();
        let f = facts(TradeKind::LandUse, GrantMethod::Auction, &admitted);
        assert_eq!(
            decide_close(&land, &f),
            Close::NoDeal(NoDeal::Bids { top: None })
        );
    }

    fn kind() -> impl Strategy<Value = TradeKind> {
        prop_oneof![
            Just(TradeKind::LandUse),
            Just(TradeKind::MiningRight),
            Just(TradeKind::StateProperty)
        ]
    }

    proptest! {
        /// Whatever the quotes and bids, a deal goes to an admitted paddle or the auction's winner,
        /// never under the reserve unless it is the sole state-property buyer's listing price, and
        /// only a listing with a bidder asking to go on turns into an auction.
        #[test]
        fn a_close_is_a_deal_to_someone_eligible_or_a_reason(
            kind in kind(),
            method in prop_oneof![Just(GrantMethod::Listing), Just(GrantMethod::Auction), Just(GrantMethod::OneQuote), Just(GrantMethod::MultiQuote)],
            n in 0u32..5,
            amounts in proptest::collection::vec(990i64..1_100, 0..6),
            asked in any::<bool>(),
        ) {
            prop_assume!(crate::grant::check_method(kind, method).is_ok());
            let admitted: Vec<u32> = (1..=n).collect();
            let quotes: Vec<Quote> = amounts.iter().enumerate()
                .filter(|_| n > 0)
                .map(|(i, a)| quote(1 + i as u32 % n.max(1), *a, i as u32))
                .collect();
            let mut f = facts(kind, method, &admitted);
            f.listed = &quotes;
            f.sealed = &quotes;
            f.asked_to_go_on = asked;
            let pack = kind.pack();
            match decide_close(&pack, &f) {
                Close::Deal { paddle, price } => {
                    prop_assert!(admitted.contains(&paddle));
                    prop_assert!(price >= yuan(1_050) || (kind == TradeKind::StateProperty && n == 1 && price == yuan(1_000)));
                }
                Close::ToAuction { start_price } => {
                    prop_assert!(method == GrantMethod::Listing && asked);
                    prop_assert!(start_price > yuan(990));
                }
                Close::NoDeal(NoDeal::TooFewBidders { admitted: a, needed, .. }) => prop_assert!(a < needed),
                Close::NoDeal(_) => {}
            }
        }
    }
}
