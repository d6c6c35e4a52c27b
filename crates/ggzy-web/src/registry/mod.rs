//! The shared registry and the public log: market entities, accounts and roles, regions, the
//! calendar, and the hash-chained log with its signed heads and proofs.

pub mod api;
pub mod pages;
