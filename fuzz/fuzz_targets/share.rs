//! Custodian shares and commitments as submitted: parse and check, never panic.
#![no_main]
use ggzy_seal::shamir::{Commitments, Share};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Share::from_bytes(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(share) = Share::parse_hex(s) {
            let parts: Vec<String> = s.split(',').map(str::to_string).collect();
            if let Ok(c) = Commitments::from_hex(&parts) {
                let _ = c.verify(&share);
            }
        }
    }
});
