//! A grant from its announcement to its published result, as one state machine: `decide` says
//! whether a command may run now and what follows, `apply` moves the state. The store reads the
//! grant and its auction's times, asks `decide`, writes what `apply` gives, and never compares
//! states itself.
//!
//! ```text
//! Open ──close: deal──────────▶ Deal ──confirm──▶ Confirmed ──publish──▶ Published
//!  │  └─close: to auction─▶ Auction ─close: deal─▶ Deal
//!  │                          └─close: no deal─▶ NoDeal ──publish──▶ Published
//!  └─close: no deal──────────────────────────▶ NoDeal
//! Open | Auction ──terminate──▶ Terminated
//! ```
//!
//! While a grant is open, companies apply until the announced application deadline, the centre
//! reviews applications until the bidding ends, a listing bidder may ask to go on to an auction
//! until the listing closes (MLR Order 39 Art 19 [U], RULES.md §4.1), and a one-quote trade takes
//! sealed quotes inside its window.

use crate::error::FieldError;
use crate::grant::{GrantMethod, GrantState};
use crate::grant_close::Close;
use chrono::{DateTime, Utc};

/// What `decide` reads of a grant. The times of its bidding come with the commands that need
/// them, read from the auction engine (whose end moves with timed extensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantLife {
    pub state: GrantState,
    pub method: GrantMethod,
    pub apply_until: DateTime<Utc>,
}

/// What someone asks of a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantCommand {
    /// A company applies (报名).
    Apply,
    /// Centre staff admit or refuse an application, until the bidding ends.
    Review { ends_at: DateTime<Utc> },
    /// A bidder's one sealed quote (一次报价), inside the quote window.
    Quote {
        opens_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    /// A listing bidder asks to go on to an auction at the close (要求现场竞价), until the
    /// listing closes.
    GoOn { ends_at: DateTime<Utc> },
    /// The bidding is over and `grant_close::decide_close` decided this.
    Close(Close),
    /// The confirmation (成交确认书) is signed.
    Confirm,
    /// The result, or the failure, is published.
    Publish,
    /// The grantor ends the trade before the close (a termination notice follows); once there
    /// is a deal the confirmation binds both sides.
    Terminate,
}

/// What happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantEvent {
    Applied,
    Reviewed,
    Quoted,
    AskedToGoOn,
    /// The listing closed with a bidder asking to go on: an auction follows.
    WentToAuction,
    Dealt,
    NoDeal,
    Confirmed,
    Published,
    Terminated,
}

/// Why a command was refused: a rule of the moment (422, with its field) or a step out of
/// order (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantRefusal {
    Rule(FieldError),
    OutOfOrder {
        state: GrantState,
        waits_for: &'static str,
        reason: &'static str,
    },
}

fn rule(field: &str, code: &'static str, zh: &str, en: &str) -> GrantRefusal {
    GrantRefusal::Rule(FieldError::new(field, code, zh, en))
}

/// Whether `cmd` may run on `g` at `now`, and what follows.
pub fn decide(
    g: &GrantLife,
    cmd: &GrantCommand,
    now: DateTime<Utc>,
) -> Result<Vec<GrantEvent>, GrantRefusal> {
    use GrantState as S;
    let open = g.state == S::Open;
    match cmd {
        GrantCommand::Apply if open && now < g.apply_until => Ok(vec![GrantEvent::Applied]),
        GrantCommand::Apply => Err(rule(
            "grant",
            "grant.applications_closed",
            "报名已截止",
            "Applications have closed",
        )),
        GrantCommand::Review { ends_at } if open && now < *ends_at => {
            Ok(vec![GrantEvent::Reviewed])
        }
        GrantCommand::Review { .. } => Err(rule(
            "admit",
            "grant.review_closed",
            "交易已结束，不能再审查报名",
            "Bidding is over; applications can no longer be reviewed",
        )),
        GrantCommand::Quote { .. } if g.method != GrantMethod::OneQuote => Err(rule(
            "amount",
            "grant.not_one_quote",
            "本宗交易不采用一次报价",
            "This trade does not take sealed quotes",
        )),
        GrantCommand::Quote { opens_at, ends_at } if open && now >= *opens_at && now < *ends_at => {
            Ok(vec![GrantEvent::Quoted])
        }
        GrantCommand::Quote { .. } => Err(rule(
            "amount",
            "grant.quote_window",
            "不在报价期内",
            "Outside the quoting window",
        )),
        GrantCommand::GoOn { ends_at }
            if g.method == GrantMethod::Listing && open && now < *ends_at =>
        {
            Ok(vec![GrantEvent::AskedToGoOn])
        }
        GrantCommand::GoOn { .. } => Err(rule(
            "go_on",
            "grant.go_on_closed",
            "只能在挂牌截止前表示继续竞价",
            "Ask to go on before the listing closes",
        )),
        // The auction engine says when the bidding is over; the close comes after it.
        GrantCommand::Close(c) => match (g.state, c) {
            // Only a listing goes on to an auction, and only once.
            (S::Open, Close::ToAuction { .. }) if g.method == GrantMethod::Listing => {
                Ok(vec![GrantEvent::WentToAuction])
            }
            (S::Open | S::Auction, Close::Deal { .. }) => Ok(vec![GrantEvent::Dealt]),
            (S::Open | S::Auction, Close::NoDeal(_)) => Ok(vec![GrantEvent::NoDeal]),
            _ => Err(GrantRefusal::OutOfOrder {
                state: g.state,
                waits_for: "open | auction",
                reason: "only an open grant closes, and only a listing goes on to an auction",
            }),
        },
        GrantCommand::Confirm if g.state == S::Deal => Ok(vec![GrantEvent::Confirmed]),
        GrantCommand::Confirm => Err(GrantRefusal::OutOfOrder {
            state: g.state,
            waits_for: "deal",
            reason: "only a closed grant with a deal is confirmed",
        }),
        GrantCommand::Publish if matches!(g.state, S::Confirmed | S::NoDeal) => {
            Ok(vec![GrantEvent::Published])
        }
        GrantCommand::Publish => Err(GrantRefusal::OutOfOrder {
            state: g.state,
            waits_for: "confirmed | no_deal",
            reason: "the result follows the confirmation, or a close without a deal",
        }),
        GrantCommand::Terminate if g.state.bidding() => Ok(vec![GrantEvent::Terminated]),
        GrantCommand::Terminate => Err(GrantRefusal::OutOfOrder {
            state: g.state,
            waits_for: "open | auction",
            reason: "only a grant still bidding can be ended; after the close it has a result",
        }),
    }
}

/// The state after `ev`.
pub fn apply(state: GrantState, ev: &GrantEvent) -> GrantState {
    match ev {
        GrantEvent::WentToAuction => GrantState::Auction,
        GrantEvent::Dealt => GrantState::Deal,
        GrantEvent::NoDeal => GrantState::NoDeal,
        GrantEvent::Confirmed => GrantState::Confirmed,
        GrantEvent::Published => GrantState::Published,
        GrantEvent::Terminated => GrantState::Terminated,
        GrantEvent::Applied
        | GrantEvent::Reviewed
        | GrantEvent::Quoted
        | GrantEvent::AskedToGoOn => state,
    }
}

/// `decide` then `apply`: the state after `cmd`, or why it was refused.
pub fn step(
    g: &GrantLife,
    cmd: &GrantCommand,
    now: DateTime<Utc>,
) -> Result<GrantState, GrantRefusal> {
    Ok(decide(g, cmd, now)?
        .iter()
        .fold(g.state, |s, ev| apply(s, ev)))
}

#[cfg(test)]
mod tests;
