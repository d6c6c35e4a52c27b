//! A supervisor's orders on a deal (责令暂停／恢复／改正／终止): the supervision platform's
//! instructions bind the trading platform (电子招标投标办法 Art 52); a department handling a
//! complaint may order the tendering suspended (招标投标法实施条例 Art 62), the finance
//! department a procurement (政府采购法 Art 57). The procedure engine holds and ends a lot on
//! these orders (`procedure::Command::Hold`, `Release`, `TerminateByOrder`); an order to correct
//! changes no stage and waits for the principal's answer.

use crate::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    /// 责令暂停: every step waits until the order is lifted.
    Suspend,
    /// 恢复: lifts the suspension in force.
    Resume,
    /// 责令改正: the principal corrects what the order names by its due time and answers.
    Correct,
    /// 责令终止: the procedure ends, bonds are refunded.
    Terminate,
}

impl InterventionKind {
    pub const ALL: [Self; 4] = [Self::Suspend, Self::Resume, Self::Correct, Self::Terminate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Correct => "correct",
            Self::Terminate => "terminate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::Suspend => ("责令暂停", "Suspension ordered"),
            Self::Resume => ("恢复交易", "Resumed"),
            Self::Correct => ("责令改正", "Correction ordered"),
            Self::Terminate => ("责令终止", "Termination ordered"),
        }
    }
}

impl TryFrom<String> for InterventionKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown intervention kind {s}"))
    }
}

/// An order to correct names its due time, later than now; the others have none.
pub fn check_due(
    kind: InterventionKind,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), FieldError> {
    match (kind, due_at) {
        (InterventionKind::Correct, None) => Err(FieldError::required("due_at")),
        (InterventionKind::Correct, Some(d)) if d <= now => Err(FieldError::new(
            "due_at",
            "intervention.due_in_past",
            "改正期限应晚于现在",
            "The correction must be due after now",
        )),
        (InterventionKind::Correct, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(FieldError::new(
            "due_at",
            "intervention.due_not_applicable",
            "只有责令改正需要期限",
            "Only an order to correct has a due time",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn only_an_order_to_correct_has_a_due_time_and_it_lies_ahead() {
        let now = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00")
            .expect("t")
            .with_timezone(&Utc);
        let second = Duration::seconds(1);
        assert!(check_due(InterventionKind::Correct, Some(now + second), now).is_ok());
        assert_eq!(
            check_due(InterventionKind::Correct, Some(now), now)
                .expect_err("now is not ahead")
                .code,
            "intervention.due_in_past"
        );
        assert_eq!(
            check_due(InterventionKind::Correct, None, now)
                .expect_err("due needed")
                .code,
            "required"
        );
        assert!(check_due(InterventionKind::Suspend, None, now).is_ok());
        assert_eq!(
            check_due(InterventionKind::Terminate, Some(now + second), now)
                .expect_err("no due")
                .code,
            "intervention.due_not_applicable"
        );
        for k in InterventionKind::ALL {
            assert_eq!(InterventionKind::parse(k.as_str()), Some(k));
        }
    }
}
