//! Who may sit in judgement: the size and make-up of evaluation committees and review groups
//! (评标委员会 / 评审小组) for every kind of trade that evaluates bids.

use crate::error::FieldError;
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The panel a lot needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Panel {
    /// Construction tender (法 Art 37).
    ConstructionTender,
    /// Government-procurement tender (87号令 Art 47): 7 or more from a budget of ¥10m.
    ProcurementTender {
        #[schema(value_type = i64)]
        budget: Money,
    },
    /// Negotiation, request for quotation or consultation groups (政府采购法 Art 38, 40).
    ProcurementGroup,
}

/// The minimum size of a panel with where it comes from; every panel is odd with experts ≥ 2/3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PanelRule {
    pub min_members: u32,
    pub regulation: &'static str,
    pub article: &'static str,
}

/// ¥10,000,000: from this budget a procurement tender committee has 7 or more members.
pub const LARGE_PROCUREMENT: Money = Money::from_fen(1_000_000_000);

impl Panel {
    pub fn rule(self) -> PanelRule {
        match self {
            Self::ConstructionTender => PanelRule {
                min_members: 5,
                regulation: "招标投标法",
                article: "37",
            },
            Self::ProcurementTender { budget } if budget >= LARGE_PROCUREMENT => PanelRule {
                min_members: 7,
                regulation: "政府采购货物和服务招标投标管理办法",
                article: "47",
            },
            Self::ProcurementTender { .. } => PanelRule {
                min_members: 5,
                regulation: "政府采购货物和服务招标投标管理办法",
                article: "47",
            },
            Self::ProcurementGroup => PanelRule {
                min_members: 3,
                regulation: "政府采购法",
                article: "38",
            },
        }
    }
}

/// Refuse a panel of `members` with `experts` among them unless it is odd, big enough and at
/// least two thirds experts.
pub fn check_panel(panel: Panel, members: u32, experts: u32) -> Result<(), FieldError> {
    let r = panel.rule();
    if members < r.min_members || members % 2 == 0 {
        return Err(FieldError::new(
            "committee",
            "evaluation.committee_size",
            format!("成员应为 {} 人以上单数（当前 {members} 人）", r.min_members),
            format!(
                "The panel needs an odd number of at least {} members (now {members})",
                r.min_members
            ),
        )
        .with_rule(r.regulation, r.article));
    }
    if experts * 3 < members * 2 {
        return Err(FieldError::new(
            "committee",
            "evaluation.expert_share",
            "专家不得少于成员总数的 2/3",
            "Experts must be at least 2/3 of the panel",
        )
        .with_rule(r.regulation, r.article));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), FieldError>) -> Option<&'static str> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn construction_needs_five_odd_two_thirds_experts() {
        let p = Panel::ConstructionTender;
        assert_eq!(code(check_panel(p, 5, 4)), None);
        assert_eq!(
            code(check_panel(p, 4, 4)),
            Some("evaluation.committee_size")
        );
        assert_eq!(
            code(check_panel(p, 6, 6)),
            Some("evaluation.committee_size")
        );
        assert_eq!(code(check_panel(p, 7, 5)), None);
        assert_eq!(code(check_panel(p, 7, 4)), Some("evaluation.expert_share"));
        assert_eq!(code(check_panel(p, 5, 3)), Some("evaluation.expert_share"));
    }

    #[test]
    fn procurement_tenders_of_ten_million_need_seven() {
        let under = Panel::ProcurementTender {
            budget: Money::from_fen(999_999_999),
        };
        let at = Panel::ProcurementTender {
            budget: Money::from_fen(1_000_000_000),
        };
        assert_eq!(code(check_panel(under, 5, 4)), None);
        assert_eq!(
            code(check_panel(at, 5, 5)),
            Some("evaluation.committee_size")
        );
        assert_eq!(code(check_panel(at, 7, 5)), None);
        let e = check_panel(at, 5, 5).expect_err("too small");
        assert_eq!(e.rule.map(|r| r.article), Some("47"));
    }

    #[test]
    fn review_groups_need_three_odd() {
        let g = Panel::ProcurementGroup;
        assert_eq!(code(check_panel(g, 3, 2)), None);
        assert_eq!(
            code(check_panel(g, 2, 2)),
            Some("evaluation.committee_size")
        );
        assert_eq!(
            code(check_panel(g, 4, 4)),
            Some("evaluation.committee_size")
        );
        assert_eq!(code(check_panel(g, 3, 1)), Some("evaluation.expert_share"));
    }
}
