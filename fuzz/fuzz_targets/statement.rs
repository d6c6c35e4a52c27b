//! Bank statements as uploaded: XLSX and CSV through the bounded readers, then the statement
//! parser. Bad input is an error, never a panic or an allocation the input did not pay for.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = ggzy_store::xlsx::rows(data) {
        let _ = ggzy_core::deposit::parse_statement(&rows);
    }
    let rows = ggzy_core::deposit::csv_rows(&String::from_utf8_lossy(data));
    let _ = ggzy_core::deposit::parse_statement(&rows);
});
