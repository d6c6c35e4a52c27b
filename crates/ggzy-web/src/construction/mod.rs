//! Construction tendering (and the shared lot pages procurement builds on): project intake, the
//! lot's API, its page and one route per step.

pub mod api;
pub mod intake;
pub mod pages;
mod steps;

pub(crate) use steps::router as steps_router;
