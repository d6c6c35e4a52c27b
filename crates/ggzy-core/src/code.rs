//! A domain enum that is stored and exchanged as a stable code (`land_use`, `no_deal`, …): the
//! store reads and writes these columns through this trait, so an unknown code read back is an
//! error at the row, never a default.

pub trait StoredCode: Sized + Copy {
    fn code(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

macro_rules! stored_code {
    ($($t:ty => $code:ident / $parse:ident),* $(,)?) => {
        $(impl StoredCode for $t {
            fn code(self) -> &'static str {
                self.$code()
            }
            fn from_code(code: &str) -> Option<Self> {
                Self::$parse(code)
            }
        })*
    };
}

stored_code! {
    crate::grant::TradeKind => code / parse,
    crate::grant::GrantMethod => code / parse,
    crate::grant::GrantState => code / parse,
    crate::procedure::Stage => as_str / parse,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grant::GrantState;
    use crate::procedure::Stage;

    #[test]
    fn every_code_reads_back_as_itself_and_nothing_else_reads() {
        for s in GrantState::ALL {
            assert_eq!(GrantState::from_code(s.code()), Some(s));
        }
        assert_eq!(
            Stage::from_code(Stage::Tendering.code()),
            Some(Stage::Tendering)
        );
        assert_eq!(GrantState::from_code("dealt"), None);
    }
}
