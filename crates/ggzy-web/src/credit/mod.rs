//! Company credit (信用): the public credit page of each company, the public list of bans and
//! serious 失信 records, and the supervisor's form for recording a decision.

pub mod api;
pub mod pages;
