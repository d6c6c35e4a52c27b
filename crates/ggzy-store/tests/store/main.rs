//! The store's one integration-test binary. Each module drives one area on SQLite and, when
//! `GGZY_TEST_PG_URL` is set, on PostgreSQL too, through `ggzy_demo::testing`.

mod auctions;
mod collusion;
mod conformance;
mod credit;
mod experts;
mod grants;
mod interventions;
mod modules;
mod notices;
mod performance;
mod procurement;
mod qualifications;
mod records;
mod sealed_bids;
mod support;
mod tendering;
mod termination;
mod xlsx;
