//! Government procurement: intentions, registration by method, supplier draws, final quotes,
//! challenges and complaints.

pub mod api;
pub mod pages;
