//! Land-use, mining-right and state-property grants and their auctions: announcement,
//! applications and deposits, the live auction hall, sealed quotes, the close and the result.

pub mod api;
pub mod hall;
pub mod pages;
mod steps;

pub(crate) use steps::router as steps_router;
