//! Whether a construction project must be tendered and traded on the platform (RULES.md §1.1), and
//! what its funding makes mandatory.
//!
//! The thresholds are [S] values from 必须招标的工程项目规定 (NDRC Order 16, 2018) Art 2 and 5; they
//! sit in the rule pack with their source so a later amendment is a new pack, not a code change.

use crate::error::FieldError;
use crate::money::Money;
use crate::rulepack::{ConstructionPack, Limit};
use serde::{Deserialize, Serialize};

/// What a contract buys: the threshold depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 施工
    Works,
    /// 重要设备、材料等货物
    Goods,
    /// 勘察、设计、监理等服务
    Services,
}

impl Category {
    pub const ALL: [Self; 3] = [Self::Works, Self::Goods, Self::Services];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Works => "works",
            Self::Goods => "goods",
            Self::Services => "services",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Works => "施工",
            Self::Goods => "货物",
            Self::Services => "服务（勘察、设计、监理）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Works => "Works",
            Self::Goods => "Goods",
            Self::Services => "Services (survey, design, supervision)",
        }
    }

    /// Survey and design bonds have their own, lower cap.
    pub fn survey_or_design(self) -> bool {
        self == Self::Services
    }
}

/// How a project is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub total_investment: Money,
    /// Budget funds (预算资金) in the investment.
    pub state_budget: Money,
    /// State-owned enterprise or public-institution funds control or lead the project.
    pub state_owned_leading: bool,
    /// Funded by an international organisation or a foreign government.
    pub international: bool,
}

impl Funding {
    /// Share of budget funds in the investment, in basis points.
    pub fn state_share_bp(&self) -> i64 {
        if self.total_investment.fen() <= 0 {
            return 0;
        }
        (i128::from(self.state_budget.fen()) * 10_000 / i128::from(self.total_investment.fen()))
            as i64
    }
}

/// The catalogue's answer for one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    /// Must be tendered (and so traded on the platform).
    pub must_tender: bool,
    /// State funds control or lead: open tender and the first-ranked candidate are mandatory.
    pub state_funds_controlling: bool,
    pub reasons_zh: Vec<String>,
    pub reasons_en: Vec<String>,
}

fn threshold(pack: &ConstructionPack, c: Category) -> &Limit<Money> {
    match c {
        Category::Works => &pack.must_tender_works,
        Category::Goods => &pack.must_tender_goods,
        Category::Services => &pack.must_tender_services,
    }
}

pub fn assess(
    pack: &ConstructionPack,
    funding: &Funding,
    category: Category,
    contract_estimate: Money,
) -> Assessment {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let budget = &pack.state_budget_min;
    let share = &pack.state_budget_share_bp;
    let state_funded = (funding.state_budget >= budget.value
        && funding.state_share_bp() >= i64::from(share.value))
        || funding.state_owned_leading;
    if state_funded {
        zh.push(format!(
            "使用国有资金（{} {} 条）",
            budget.regulation, budget.article
        ));
        en.push(format!(
            "Uses state funds ({} Art {})",
            budget.regulation, budget.article
        ));
    }
    if funding.international {
        zh.push("使用国际组织或外国政府资金（招标投标法 第3条）".into());
        en.push(
            "Funded by an international organisation or foreign government (招标投标法 Art 3)"
                .into(),
        );
    }
    let t = threshold(pack, category);
    let over = contract_estimate >= t.value;
    let must_tender = (state_funded || funding.international) && over;
    if state_funded || funding.international {
        if over {
            zh.push(format!(
                "{}合同估算价 {} 达到 {} 的标准（{} 第{}条）",
                category.label_zh(),
                contract_estimate,
                t.value,
                t.regulation,
                t.article
            ));
            en.push(format!(
                "The {} contract estimate {} reaches the {} threshold ({} Art {})",
                category.label_en().to_lowercase(),
                contract_estimate,
                t.value,
                t.regulation,
                t.article
            ));
        } else {
            zh.push(format!(
                "{}合同估算价 {} 低于 {} 的必须招标标准",
                category.label_zh(),
                contract_estimate,
                t.value
            ));
            en.push(format!(
                "The contract estimate {} is below the {} must-tender threshold",
                contract_estimate, t.value
            ));
        }
    } else {
        zh.push("未使用国有资金或国际组织资金，不属于依法必须招标的项目".into());
        en.push("Neither state nor international funds: not a must-tender project".into());
    }
    let controlling = funding.state_owned_leading || funding.state_share_bp() >= 5_000;
    Assessment {
        must_tender,
        state_funds_controlling: controlling,
        reasons_zh: zh,
        reasons_en: en,
    }
}

/// Invited tender where state funds control needs a lawful ground (条例 Art 8).
pub fn check_invited_allowed(
    assessment: &Assessment,
    ground: Option<&str>,
) -> Result<(), FieldError> {
    if assessment.state_funds_controlling && ground.is_none_or(|g| g.trim().is_empty()) {
        return Err(FieldError::new(
            "invited_ground",
            "tender.open_tender_required",
            "国有资金占控股或者主导地位的依法必须进行招标的项目，应当公开招标；邀请招标须写明法定情形",
            "Where state funds control, the tender must be open; an invited tender must state its lawful ground",
        )
        .with_rule(crate::rulepack::REGS, "8"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(y: i64) -> Money {
        Money::from_fen(y * 100)
    }

    fn funding(budget: i64, total: i64) -> Funding {
        Funding {
            total_investment: yuan(total),
            state_budget: yuan(budget),
            state_owned_leading: false,
            international: false,
        }
    }

    #[test]
    fn state_funds_need_two_million_and_ten_percent() {
        let p = ConstructionPack::v2019();
        let works = |f: &Funding, est| assess(&p, f, Category::Works, yuan(est)).must_tender;
        assert!(works(&funding(2_000_000, 20_000_000), 4_000_000));
        assert!(
            !works(&funding(1_999_999, 19_999_990), 4_000_000),
            "budget just under ¥2m"
        );
        assert!(
            !works(&funding(2_000_000, 20_000_001), 4_000_000),
            "share just under 10%"
        );
    }

    #[test]
    fn thresholds_per_category_just_inside_and_outside() {
        let p = ConstructionPack::v2019();
        let f = funding(10_000_000, 10_000_000);
        for (c, t) in [
            (Category::Works, 4_000_000),
            (Category::Goods, 2_000_000),
            (Category::Services, 1_000_000),
        ] {
            assert!(assess(&p, &f, c, yuan(t)).must_tender, "{c:?} at threshold");
            assert!(!assess(&p, &f, c, Money::from_fen(yuan(t).fen() - 1)).must_tender);
        }
    }

    #[test]
    fn controlling_state_funds_forbid_invited_tender_without_a_ground() {
        let p = ConstructionPack::v2019();
        let a = assess(
            &p,
            &funding(5_000_000, 10_000_000),
            Category::Works,
            yuan(5_000_000),
        );
        assert!(a.state_funds_controlling);
        let e = check_invited_allowed(&a, None).expect_err("no ground");
        assert_eq!(e.rule.map(|r| r.article), Some("8"));
        assert!(check_invited_allowed(&a, Some("技术复杂，只有少量潜在投标人")).is_ok());
        let b = assess(
            &p,
            &funding(4_999_999, 10_000_000),
            Category::Works,
            yuan(5_000_000),
        );
        assert!(!b.state_funds_controlling);
        assert!(check_invited_allowed(&b, None).is_ok());
    }
}
