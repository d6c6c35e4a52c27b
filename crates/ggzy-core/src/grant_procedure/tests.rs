use super::*;
use crate::grant_close::NoDeal;
use crate::money::Money;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 1, 0, 0)
        .single()
        .expect("instant")
        + Duration::hours(h)
}

fn life(state: GrantState, method: GrantMethod) -> GrantLife {
    GrantLife {
        state,
        method,
        apply_until: t(10),
    }
}

fn code(r: Result<Vec<GrantEvent>, GrantRefusal>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(GrantRefusal::Rule(e)) => e.code,
        Err(GrantRefusal::OutOfOrder { waits_for, .. }) => waits_for,
    }
}

#[test]
fn applications_close_at_their_deadline_to_the_microsecond() {
    let g = life(GrantState::Open, GrantMethod::Auction);
    let us = Duration::microseconds(1);
    assert_eq!(code(decide(&g, &GrantCommand::Apply, t(10) - us)), "ok");
    assert_eq!(
        code(decide(&g, &GrantCommand::Apply, t(10))),
        "grant.applications_closed"
    );
}

#[test]
fn review_and_go_on_end_with_the_bidding() {
    let g = life(GrantState::Open, GrantMethod::Listing);
    let us = Duration::microseconds(1);
    for (cmd, refused) in [
        (
            GrantCommand::Review { ends_at: t(30) },
            "grant.review_closed",
        ),
        (GrantCommand::GoOn { ends_at: t(30) }, "grant.go_on_closed"),
    ] {
        assert_eq!(code(decide(&g, &cmd, t(30) - us)), "ok", "{cmd:?}");
        assert_eq!(code(decide(&g, &cmd, t(30))), refused, "{cmd:?}");
    }
    let auction = life(GrantState::Open, GrantMethod::Auction);
    assert_eq!(
        code(decide(
            &auction,
            &GrantCommand::GoOn { ends_at: t(30) },
            t(25)
        )),
        "grant.go_on_closed"
    );
}

#[test]
fn sealed_quotes_only_inside_their_window_and_only_for_one_quote_trades() {
    let g = life(GrantState::Open, GrantMethod::OneQuote);
    let us = Duration::microseconds(1);
    let quote = GrantCommand::Quote {
        opens_at: t(20),
        ends_at: t(30),
    };
    assert_eq!(code(decide(&g, &quote, t(20) - us)), "grant.quote_window");
    assert_eq!(code(decide(&g, &quote, t(20))), "ok");
    assert_eq!(code(decide(&g, &quote, t(30) - us)), "ok");
    assert_eq!(code(decide(&g, &quote, t(30))), "grant.quote_window");
    let listing = life(GrantState::Open, GrantMethod::Listing);
    assert_eq!(code(decide(&listing, &quote, t(25))), "grant.not_one_quote");
}

#[test]
fn a_listing_goes_on_to_one_auction_and_that_auction_closes_for_good() {
    let to_auction = GrantCommand::Close(Close::ToAuction {
        start_price: Money::from_fen(100),
    });
    let deal = GrantCommand::Close(Close::Deal {
        paddle: 1,
        price: Money::from_fen(100),
    });
    let g = life(GrantState::Open, GrantMethod::Listing);
    assert_eq!(step(&g, &to_auction, t(31)), Ok(GrantState::Auction));
    let after = life(GrantState::Auction, GrantMethod::Listing);
    assert_eq!(code(decide(&after, &to_auction, t(40))), "open | auction");
    assert_eq!(step(&after, &deal, t(40)), Ok(GrantState::Deal));
    let auction = life(GrantState::Open, GrantMethod::Auction);
    assert_eq!(code(decide(&auction, &to_auction, t(31))), "open | auction");
}

/// The grantor may end a trade while it is bidding (an auction after the listing included), and
/// not once the close has decided it.
#[test]
fn a_grant_is_ended_only_while_bidding() {
    for (state, want) in [
        (GrantState::Open, "ok"),
        (GrantState::Auction, "ok"),
        (GrantState::Deal, "open | auction"),
        (GrantState::NoDeal, "open | auction"),
        (GrantState::Confirmed, "open | auction"),
        (GrantState::Published, "open | auction"),
        (GrantState::Terminated, "open | auction"),
    ] {
        let g = life(state, GrantMethod::Listing);
        assert_eq!(
            code(decide(&g, &GrantCommand::Terminate, t(10))),
            want,
            "{state:?}"
        );
    }
    let g = life(GrantState::Open, GrantMethod::Auction);
    assert_eq!(
        step(&g, &GrantCommand::Terminate, t(10)),
        Ok(GrantState::Terminated)
    );
}

fn any_state() -> impl Strategy<Value = GrantState> {
    proptest::sample::select(GrantState::ALL.to_vec())
}

fn any_method() -> impl Strategy<Value = GrantMethod> {
    proptest::sample::select(vec![
        GrantMethod::Listing,
        GrantMethod::Auction,
        GrantMethod::MultiQuote,
        GrantMethod::OneQuote,
    ])
}

fn any_command() -> impl Strategy<Value = GrantCommand> {
    let money = Money::from_fen(1_000);
    proptest::sample::select(vec![
        GrantCommand::Apply,
        GrantCommand::Review { ends_at: t(30) },
        GrantCommand::Quote {
            opens_at: t(20),
            ends_at: t(30),
        },
        GrantCommand::GoOn { ends_at: t(30) },
        GrantCommand::Close(Close::ToAuction { start_price: money }),
        GrantCommand::Close(Close::Deal {
            paddle: 1,
            price: money,
        }),
        GrantCommand::Close(Close::NoDeal(NoDeal::Bids { top: None })),
        GrantCommand::Confirm,
        GrantCommand::Publish,
        GrantCommand::Terminate,
    ])
}

/// The moves the diagram in the module's documentation allows, and no other.
fn allowed(from: GrantState, to: GrantState) -> bool {
    use GrantState as S;
    from == to
        || matches!(
            (from, to),
            (S::Open, S::Auction | S::Deal | S::NoDeal)
                | (S::Auction, S::Deal | S::NoDeal)
                | (S::Deal, S::Confirmed)
                | (S::Confirmed | S::NoDeal, S::Published)
                | (S::Open | S::Auction, S::Terminated)
        )
}

proptest! {
    #[test]
    fn any_run_of_commands_moves_only_along_the_diagram(
        method in any_method(),
        cmds in proptest::collection::vec((any_command(), 0i64..40), 0..30),
    ) {
        let mut g = life(GrantState::Open, method);
        for (cmd, h) in &cmds {
            let before = g.state;
            if let Ok(next) = step(&g, cmd, t(*h)) {
                prop_assert!(allowed(before, next), "{before:?} → {next:?} by {cmd:?}");
                if next == GrantState::Auction {
                    prop_assert_eq!(method, GrantMethod::Listing);
                }
                if next == GrantState::Confirmed {
                    prop_assert_eq!(before, GrantState::Deal);
                }
                g.state = next;
            }
        }
    }

    #[test]
    fn a_published_or_ended_grant_refuses_everything(
        method in any_method(),
        cmd in any_command(),
        h in 0i64..40,
        state in proptest::sample::select(vec![GrantState::Published, GrantState::Terminated]),
    ) {
        let g = life(state, method);
        prop_assert!(decide(&g, &cmd, t(h)).is_err());
    }

    #[test]
    fn only_closes_confirmations_and_publications_change_the_state(
        state in any_state(),
        method in any_method(),
        cmd in any_command(),
        h in 0i64..40,
    ) {
        let g = life(state, method);
        if let Ok(next) = step(&g, &cmd, t(h)) {
            let moves = matches!(
                cmd,
                GrantCommand::Close(_)
                    | GrantCommand::Confirm
                    | GrantCommand::Publish
                    | GrantCommand::Terminate
            );
            prop_assert_eq!(next != state, moves, "{:?} {:?}", state, cmd);
        }
    }
}
