//! The tables administrators upload: the holiday calendar and the specialty classification.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = ggzy_core::calendar::parse_table(&text);
    let _ = ggzy_core::specialty::SpecialtyTree::parse(&text);
});
