//! Supervision (电子监管, C13): the supervisor's alerts handled as cases — a dashboard of open
//! alerts by rule and region, each case with its evidence and log links, and the steps from
//! acknowledgement to a finding.

pub mod api;
pub mod pages;
