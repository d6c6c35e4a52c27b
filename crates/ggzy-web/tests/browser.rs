//! Real-browser test (filled in below).
