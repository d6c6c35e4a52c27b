//! Alerts handled as cases (预警处置): raised by a rule with its evidence, acknowledged by a
//! supervisor who becomes its owner, investigated, and closed with a finding. An alert nobody
//! takes up in time escalates. 国办发〔2015〕63号 §14 asks for online monitoring and early warning
//! but sets no handling times, so the windows here are ggzy's configurable defaults [U].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Raised,
    Acknowledged,
    Investigating,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Acknowledged => "acknowledged",
            Self::Investigating => "investigating",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Raised,
            Self::Acknowledged,
            Self::Investigating,
            Self::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Raised => "待处理",
            Self::Acknowledged => "已受理",
            Self::Investigating => "调查中",
            Self::Closed => "已办结",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How much an alert matters, set by its rule.
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Low, Self::Medium, Self::High]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// How a case ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 经核查无问题.
    NoIssue,
    /// 约谈提醒 / a warning to the parties.
    Warning,
    /// 记入信用记录: the finding becomes a platform-finding credit record.
    CreditRecord,
    /// 移送 to the department or authority competent for the violation.
    Referral,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoIssue => "no_issue",
            Self::Warning => "warning",
            Self::CreditRecord => "credit_record",
            Self::Referral => "referral",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::NoIssue,
            Self::Warning,
            Self::CreditRecord,
            Self::Referral,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NoIssue => "经核查无问题",
            Self::Warning => "约谈提醒",
            Self::CreditRecord => "记入信用记录",
            Self::Referral => "移送有关部门",
        }
    }
}

/// What an alert's rule is called, in Chinese and English.
pub fn rule_title(kind: &str) -> (&'static str, &'static str) {
    if let Some(i) = crate::collusion::Indicator::ALL
        .into_iter()
        .find(|i| i.rule() == kind)
    {
        return (i.title_zh(), i.title_en());
    }
    match kind {
        "evaluation.abnormal_score" => (
            "评标专家打分畸高畸低",
            "An expert's scores are far from the others'",
        ),
        "procedure.terminated" => ("采购活动终止", "A procurement was terminated"),
        "challenge.reply_overdue" => ("质疑答复逾期", "A challenge was not answered in time"),
        "complaint.decision_overdue" => ("投诉处理逾期", "A complaint was not decided in time"),
        "intervention.correction_overdue" => (
            "责令改正逾期未报告",
            "An order to correct was not answered in time",
        ),
        "report" => ("举报", "A report of a violation"),
        _ => ("其他预警", "Other alert"),
    }
}

/// A step a supervisor (or the clock) takes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Acknowledge,
    Investigate,
    Close(Finding),
    /// The handling window passed with the case still open.
    Escalate,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledged",
            Self::Investigate => "investigating",
            Self::Close(_) => "closed",
            Self::Escalate => "escalated",
        }
    }
}

/// The handling windows [U].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AlertPack {
    /// From raising to acknowledgement.
    pub acknowledge_within: i64,
    /// From acknowledgement (or the start of an investigation) to a finding.
    pub investigate_within: i64,
}

impl AlertPack {
    pub const fn v2026() -> Self {
        Self {
            acknowledge_within: 2,
            investigate_within: 30,
        }
    }

    /// When a case in `status` next falls due, from `at`.
    pub fn due(&self, status: Status, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match status {
            Status::Raised => Some(at + Duration::days(self.acknowledge_within)),
            Status::Acknowledged | Status::Investigating => {
                Some(at + Duration::days(self.investigate_within))
            }
            Status::Closed => None,
        }
    }
}

/// Why a step does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    /// The step comes earlier in the flow than where the case is.
    Backwards,
}

/// The status after `step`, or why the step does not apply. A case may be closed from any open
/// status (a plain false alarm needs no investigation); escalation keeps the status.
pub fn next(status: Status, step: Step) -> Result<Status, Refusal> {
    use Status::*;
    match (status, step) {
        (Closed, _) => Err(Refusal::Closed),
        (_, Step::Escalate) => Ok(status),
        (Raised, Step::Acknowledge) => Ok(Acknowledged),
        (Raised | Acknowledged, Step::Investigate) => Ok(Investigating),
        (_, Step::Close(_)) => Ok(Closed),
        (Acknowledged | Investigating, Step::Acknowledge) | (Investigating, Step::Investigate) => {
            Err(Refusal::Backwards)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_goes_forward_only_and_ends_at_closed() {
        use Status::*;
        assert_eq!(next(Raised, Step::Acknowledge), Ok(Acknowledged));
        assert_eq!(next(Acknowledged, Step::Investigate), Ok(Investigating));
        assert_eq!(
            next(Investigating, Step::Close(Finding::CreditRecord)),
            Ok(Closed)
        );
        assert_eq!(next(Raised, Step::Close(Finding::NoIssue)), Ok(Closed));
        assert_eq!(
            next(Investigating, Step::Acknowledge),
            Err(Refusal::Backwards)
        );
        assert_eq!(next(Closed, Step::Escalate), Err(Refusal::Closed));
        assert_eq!(next(Investigating, Step::Escalate), Ok(Investigating));
    }

    #[test]
    fn windows_fall_due_just_after_their_length() {
        let p = AlertPack::v2026();
        let t = DateTime::parse_from_rfc3339("2026-03-02T09:00:00+08:00")
            .expect("instant")
            .with_timezone(&Utc);
        assert_eq!(p.due(Status::Raised, t), Some(t + Duration::days(2)));
        assert_eq!(
            p.due(Status::Investigating, t),
            Some(t + Duration::days(30))
        );
        assert_eq!(p.due(Status::Closed, t), None);
        for s in ["raised", "acknowledged", "investigating", "closed"] {
            assert_eq!(Status::parse(s).map(Status::as_str), Some(s));
        }
        for f in ["no_issue", "warning", "credit_record", "referral"] {
            assert_eq!(Finding::parse(f).map(Finding::as_str), Some(f));
        }
    }
}
