//! Sealed bids: parties' keys, the opening key's custody and the custodians' shares.

pub mod api;
