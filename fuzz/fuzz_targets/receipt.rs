//! Receipts read by `ggzy verify-receipt`: any JSON is refused or verified, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = serde_json::from_slice::<ggzy_store::receipts::SignedReceipt>(data) {
        let _ = ggzy_store::receipts::verify(&r, None);
    }
});
