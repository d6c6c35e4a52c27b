//! Any bytes given to the envelope and archive parsers: a refusal, never a panic.
#![no_main]
use ggzy_seal::envelope::{Envelope, Payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Envelope::parse(data) {
        let _ = e.verify_signature();
        let _ = e.sm3();
    }
    let _ = Payload::parse(data);
});
