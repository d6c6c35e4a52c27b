//! The expert pool: applications, vetting, credit, unavailability and conflicts, and the
//! expert's own steps.

pub mod api;
pub mod pages;
