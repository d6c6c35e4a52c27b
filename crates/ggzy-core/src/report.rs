//! Reports of violations (举报): anyone may report a deal, a company, an expert, a member of
//! the centre's staff or the centre itself to the supervisor, by name or anonymously, and centre
//! staff report what they see (国办发〔2015〕63号 §14; 条例 Art 60 for the complaint beside it).
//! A report is a case for the supervisor: it raises an alert, and its state as the reporter sees
//! it is the alert's, so a report cannot be answered without the case being closed with a
//! finding. The reporter's identity stays with the supervisor; the log records only that a
//! report was received and a hash of its facts.

use crate::FieldError;
use crate::alert::{Finding, Status};
use crate::error::{Invalid, optional_text, text};
use serde::{Deserialize, Serialize};

/// What the report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportAbout {
    /// A trade: name its unified trade code when known.
    Deal,
    Company,
    Expert,
    /// A member of the centre's staff.
    Staff,
    /// The trading centre itself (its rules, fees or conduct).
    Centre,
    Other,
}

impl ReportAbout {
    pub const ALL: [Self; 6] = [
        Self::Deal,
        Self::Company,
        Self::Expert,
        Self::Staff,
        Self::Centre,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deal => "deal",
            Self::Company => "company",
            Self::Expert => "expert",
            Self::Staff => "staff",
            Self::Centre => "centre",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::Deal => ("交易项目", "A trade"),
            Self::Company => ("市场主体", "A company"),
            Self::Expert => ("评标评审专家", "An expert"),
            Self::Staff => ("交易中心工作人员", "Centre staff"),
            Self::Centre => ("交易中心", "The trading centre"),
            Self::Other => ("其他", "Other"),
        }
    }

    /// A report touching the centre or its people weighs more: the centre may not mark its own
    /// homework, and the supervisor sees it first.
    pub fn severity(self) -> crate::alert::Severity {
        match self {
            Self::Staff | Self::Centre => crate::alert::Severity::High,
            _ => crate::alert::Severity::Medium,
        }
    }
}

impl TryFrom<String> for ReportAbout {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown report subject {s}"))
    }
}

/// A report as filed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub about: ReportAbout,
    pub deal_code: Option<String>,
    /// Who or what is reported (a company's name, an expert, a post), as the reporter names it.
    pub accused: String,
    pub facts: String,
    /// Absent: an anonymous report.
    pub reporter_name: Option<String>,
    pub contact: Option<String>,
}

pub const MAX_FACTS: usize = 4_000;

impl Report {
    /// Every field's refusal at once.
    pub fn parse(
        about: &str,
        deal_code: Option<&str>,
        accused: &str,
        facts: &str,
        reporter_name: Option<&str>,
        contact: Option<&str>,
    ) -> Result<Report, Invalid> {
        let mut errs = Invalid::default();
        let about = ReportAbout::parse(about);
        if about.is_none() {
            errs.push(FieldError::new(
                "about",
                "report.about",
                "请选择举报对象类别",
                "Choose what the report is about",
            ));
        }
        let deal_code = optional_text(&mut errs, "deal_code", deal_code, 64);
        let accused = text(&mut errs, "accused", accused, 200);
        let facts = text(&mut errs, "facts", facts, MAX_FACTS);
        let reporter_name = optional_text(&mut errs, "reporter_name", reporter_name, 100);
        let contact = optional_text(&mut errs, "contact", contact, 200);
        if about == Some(ReportAbout::Deal) && deal_code.is_none() && errs.0.is_empty() {
            errs.push(FieldError::new(
                "deal_code",
                "report.deal_code",
                "举报交易项目请填写统一交易标识码或项目名称",
                "Name the trade: its trade code or its name",
            ));
        }
        match (about, accused, facts) {
            (Some(about), Some(accused), Some(facts)) if errs.0.is_empty() => Ok(Report {
                about,
                deal_code,
                accused,
                facts,
                reporter_name,
                contact,
            }),
            _ => Err(errs),
        }
    }
}

/// A report's state as the reporter reads it, from its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// 已接收: waiting for a supervisor to take it.
    Received,
    /// 核查中: taken up or being investigated.
    Investigating,
    /// 已答复: closed with a finding and an answer.
    Answered,
}

impl ReportStatus {
    pub fn of(case: Status) -> ReportStatus {
        match case {
            Status::Raised => ReportStatus::Received,
            Status::Acknowledged | Status::Investigating => ReportStatus::Investigating,
            Status::Closed => ReportStatus::Answered,
        }
    }

    pub fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::Received => ("已接收，等待受理", "Received, waiting to be taken up"),
            Self::Investigating => ("已受理，正在核查", "Taken up and being looked into"),
            Self::Answered => ("已办结", "Answered"),
        }
    }
}

/// What the reporter learns of the finding: whether something was found, never whom it names.
pub fn finding_for_reporter(f: Finding) -> (&'static str, &'static str) {
    match f {
        Finding::NoIssue => ("经核查，未发现违法违规行为", "Nothing unlawful was found"),
        Finding::Warning | Finding::CreditRecord => (
            "经核查，问题属实，已依法处理",
            "The report was borne out and has been dealt with",
        ),
        Finding::Referral => ("已移送有关部门处理", "Referred to the competent department"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: &Invalid) -> Vec<(&str, &str)> {
        e.0.iter().map(|f| (f.field.as_str(), f.code)).collect()
    }

    #[test]
    fn a_report_names_what_it_is_about_and_the_facts_and_may_be_anonymous() {
        let r = Report::parse("centre", None, "交易中心", "收取未公示的服务费", None, None)
            .expect("anonymous, about the centre");
        assert_eq!((r.about, r.reporter_name), (ReportAbout::Centre, None));
        assert_eq!(r.about.severity(), crate::alert::Severity::High);
        let e = Report::parse("nobody", None, " ", "", None, None).expect_err("empty");
        assert_eq!(
            codes(&e),
            [
                ("about", "report.about"),
                ("accused", "required"),
                ("facts", "required")
            ]
        );
        let e = Report::parse("deal", None, "某公司", "围标", None, None).expect_err("which deal");
        assert_eq!(codes(&e), [("deal_code", "report.deal_code")]);
        let long = "事".repeat(MAX_FACTS + 1);
        let e = Report::parse("other", None, "x", &long, None, None).expect_err("too long");
        assert_eq!(codes(&e), [("facts", "too_long")]);
        Report::parse("other", None, "x", &long[..MAX_FACTS * 3], None, None)
            .expect("at the limit");
    }

    #[test]
    fn the_reporter_reads_the_cases_state_and_never_whom_a_finding_names() {
        assert_eq!(ReportStatus::of(Status::Raised), ReportStatus::Received);
        assert_eq!(
            ReportStatus::of(Status::Investigating),
            ReportStatus::Investigating
        );
        assert_eq!(ReportStatus::of(Status::Closed), ReportStatus::Answered);
        assert_eq!(
            finding_for_reporter(Finding::CreditRecord),
            finding_for_reporter(Finding::Warning)
        );
    }
}
