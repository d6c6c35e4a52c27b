//! The domain of ggzy: rules as pure functions and types.
//!
//! No I/O, no async and no system clock here: time arrives as an argument (see [`clock`]), so every
//! statutory limit is unit-testable and every decision replayable.

pub mod account;
pub mod alert;
pub mod auction;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod code;
pub mod collusion;
pub mod committee;
pub mod credit;
pub mod deal;
pub mod deposit;
pub mod disclosure;
pub mod draw;
pub mod entity;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod expert;
pub mod grant;
pub mod grant_close;
pub mod grant_procedure;
pub mod intervention;
pub mod money;
pub mod notice;
pub mod procedure;
pub mod procurement;
pub mod procurement_procedure;
pub mod qualification;
pub mod red_flags;
pub mod region;
pub mod report;
pub mod role;
pub mod rulepack;
pub mod score;
pub mod specialty;
pub mod tender_schedule;
pub mod trade_code;
pub mod uscc;

pub use error::{FieldError, Invalid, RuleRef};
pub use money::Money;
pub use uscc::Uscc;
