//! Disclosure (信息公开): search over every notice, a page per notice and per deal, the public
//! catalogue of what is published, and feeds (Atom, JSON with a cursor) for anyone to follow.

pub mod api;
pub mod pages;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The feed cursor handed to clients: opaque, so its form can change without breaking them.
pub(crate) fn cursor_of(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("n1:{seq}"))
}

pub(crate) fn seq_of(cursor: &str) -> Option<i64> {
    let raw = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("n1:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_nothing_else_does() {
        for seq in [-5, 0, 1, i64::MAX] {
            assert_eq!(seq_of(&cursor_of(seq)), Some(seq));
        }
        assert_eq!(seq_of("12"), None);
        assert_eq!(seq_of(""), None);
    }
}
