//! Government procurement (政府采购, RULES.md §3): the six methods with their lawful grounds, the
//! statutory periods of each as a rule pack, challenges and complaints in working days, and the
//! points-method price score with small-enterprise deductions — pure functions over dates and money.
//!
//! Routing (条例 Art 7): works bought by tender follow the construction procedure, not this module.

use crate::calendar::{Calendar, CalendarDays, WorkingDays};
use crate::error::FieldError;
use crate::money::Money;
use crate::rulepack::{Confidence, Limit};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const LAW: &str = "政府采购法";
pub const REGS: &str = "政府采购法实施条例";
pub const ORDER87: &str = "政府采购货物和服务招标投标管理办法";
pub const ORDER74: &str = "政府采购非招标采购方式管理办法";
pub const DOC214: &str = "政府采购竞争性磋商采购方式管理暂行办法";
pub const SME: &str = "财库〔2022〕19号";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseMethod {
    OpenTender,
    InvitedTender,
    CompetitiveNegotiation,
    CompetitiveConsultation,
    RequestForQuotation,
    SingleSource,
}

impl PurchaseMethod {
    pub const ALL: [PurchaseMethod; 6] = [
        Self::OpenTender,
        Self::InvitedTender,
        Self::CompetitiveNegotiation,
        Self::CompetitiveConsultation,
        Self::RequestForQuotation,
        Self::SingleSource,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::OpenTender => "公开招标",
            Self::InvitedTender => "邀请招标",
            Self::CompetitiveNegotiation => "竞争性谈判",
            Self::CompetitiveConsultation => "竞争性磋商",
            Self::RequestForQuotation => "询价",
            Self::SingleSource => "单一来源采购",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::OpenTender => "Open tender (procurement)",
            Self::InvitedTender => "Invited tender (procurement)",
            Self::CompetitiveNegotiation => "Competitive negotiation",
            Self::CompetitiveConsultation => "Competitive consultation",
            Self::RequestForQuotation => "Request for quotation",
            Self::SingleSource => "Single source",
        }
    }

    /// What the method calls its documents, its notice and its invitation.
    pub fn documents_zh(self) -> &'static str {
        match self {
            Self::OpenTender | Self::InvitedTender => "招标文件",
            Self::CompetitiveNegotiation => "谈判文件",
            Self::CompetitiveConsultation => "磋商文件",
            Self::RequestForQuotation => "询价通知书",
            Self::SingleSource => "单一来源采购文件",
        }
    }

    pub fn notice_zh(self) -> &'static str {
        match self {
            Self::OpenTender | Self::InvitedTender => "招标公告",
            Self::CompetitiveNegotiation => "竞争性谈判公告",
            Self::CompetitiveConsultation => "竞争性磋商公告",
            Self::RequestForQuotation => "询价公告",
            Self::SingleSource => "单一来源采购公示",
        }
    }

    pub fn invitation_zh(self) -> &'static str {
        match self {
            Self::OpenTender | Self::InvitedTender => "投标邀请书",
            Self::CompetitiveNegotiation => "谈判邀请书",
            Self::CompetitiveConsultation => "磋商邀请书",
            Self::RequestForQuotation => "询价邀请书",
            Self::SingleSource => "单一来源采购邀请书",
        }
    }

    /// The stored code of the procedure (`lots.procedure_kind`).
    pub fn code(self) -> &'static str {
        match self {
            Self::OpenTender => "gp_open_tender",
            Self::InvitedTender => "gp_invited_tender",
            Self::CompetitiveNegotiation => "gp_negotiation",
            Self::CompetitiveConsultation => "gp_consultation",
            Self::RequestForQuotation => "gp_quotation",
            Self::SingleSource => "gp_single_source",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.code() == s || m.code().trim_start_matches("gp_") == s)
    }

    /// Final quotes (最后报价) follow the opening (74号令 Art 33; 214号 Art 21).
    pub fn final_quotes(self) -> bool {
        matches!(
            self,
            Self::CompetitiveNegotiation | Self::CompetitiveConsultation | Self::SingleSource
        )
    }

    /// Who must take part: the suppliers invited or responding, and the rule that says so.
    pub fn min_suppliers(self) -> (u32, &'static str, &'static str) {
        match self {
            Self::OpenTender => (3, ORDER87, "41"),
            Self::InvitedTender => (3, LAW, "34"),
            Self::CompetitiveNegotiation => (3, LAW, "38"),
            Self::CompetitiveConsultation => (3, DOC214, "6"),
            Self::RequestForQuotation => (3, LAW, "40"),
            Self::SingleSource => (1, LAW, "39"),
        }
    }

    pub fn is_tender(self) -> bool {
        matches!(self, Self::OpenTender | Self::InvitedTender)
    }

    /// The grounds that make this method lawful (none needed for open tender).
    pub fn grounds(self) -> &'static [Ground] {
        use Ground::*;
        match self {
            Self::OpenTender => &[],
            Self::InvitedTender => &[LimitedSuppliers, DisproportionateCost],
            Self::CompetitiveNegotiation => &[
                NoQualifiedBids,
                SpecificationsUnfixable,
                Urgency,
                PriceNotCalculable,
                WorksWithoutTender,
            ],
            Self::CompetitiveConsultation => &[
                PurchasedServices,
                SpecificationsUnfixable,
                PriceNotCalculable,
                ResearchCommercialisation,
                WorksWithoutTender,
            ],
            Self::RequestForQuotation => &[StandardGoods],
            Self::SingleSource => &[OnlyOneSupplier, Emergency, CompatibleFollowOn],
        }
    }
}

/// A recorded lawful ground for a method other than open tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Special items only a limited range of suppliers can provide (法 Art 29).
    LimitedSuppliers,
    /// The cost of an open tender is out of proportion to the purchase (法 Art 29).
    DisproportionateCost,
    /// No bids, no qualified bids, or the re-tender failed (法 Art 30).
    NoQualifiedBids,
    /// Technically complex or special: specifications cannot be fixed (法 Art 30).
    SpecificationsUnfixable,
    /// Urgency not caused by the buyer (法 Art 30).
    Urgency,
    /// The total price cannot be calculated in advance (法 Art 30).
    PriceNotCalculable,
    /// Works that by law need no tender (条例 Art 25).
    WorksWithoutTender,
    /// Services the government buys (214号 Art 3) [U].
    PurchasedServices,
    /// Research with too little competition, or commercialising R&D (214号 Art 3) [U].
    ResearchCommercialisation,
    /// Standard goods with uniform specifications, ample stock and stable prices (法 Art 32).
    StandardGoods,
    /// Only one supplier can provide it (法 Art 31).
    OnlyOneSupplier,
    /// An unforeseeable emergency (法 Art 31).
    Emergency,
    /// Compatible follow-on purchase from the original supplier, ≤ 10% of the contract (法 Art 31).
    CompatibleFollowOn,
}

impl Ground {
    pub fn label_zh(self) -> &'static str {
        use Ground::*;
        match self {
            LimitedSuppliers => "具有特殊性，只能从有限范围的供应商处采购",
            DisproportionateCost => "采用公开招标方式的费用占采购项目总价值的比例过大",
            NoQualifiedBids => "招标后没有供应商投标或者没有合格标的或者重新招标未能成立",
            SpecificationsUnfixable => "技术复杂或者性质特殊，不能确定详细规格或者具体要求",
            Urgency => "采用招标所需时间不能满足用户紧急需要",
            PriceNotCalculable => "不能事先计算出价格总额",
            WorksWithoutTender => "按照招标投标法及其实施条例必须进行招标的工程以外的工程建设项目",
            PurchasedServices => "政府购买服务项目",
            ResearchCommercialisation => "科研项目市场竞争不充分，或需要扶持的科技成果转化项目",
            StandardGoods => "货物规格、标准统一、现货货源充足且价格变化幅度小",
            OnlyOneSupplier => "只能从唯一供应商处采购",
            Emergency => "发生了不可预见的紧急情况不能从其他供应商处采购",
            CompatibleFollowOn => {
                "必须保证原有采购项目一致性或者服务配套的要求，需要继续从原供应商处添购"
            }
        }
    }

    pub fn label_en(self) -> &'static str {
        use Ground::*;
        match self {
            LimitedSuppliers => "Special: only a limited range of suppliers",
            DisproportionateCost => "An open tender would cost out of proportion",
            NoQualifiedBids => "No bids, no qualified bids, or the re-tender failed",
            SpecificationsUnfixable => "Complex or special: specifications cannot be fixed",
            Urgency => "A tender's time cannot meet an urgent need",
            PriceNotCalculable => "The total price cannot be calculated in advance",
            WorksWithoutTender => "Works that need no tender by law",
            PurchasedServices => "Government-purchased services",
            ResearchCommercialisation => "Research with little competition, or commercialising R&D",
            StandardGoods => "Standard goods, ample stock, stable prices",
            OnlyOneSupplier => "Only one supplier can provide it",
            Emergency => "An unforeseeable emergency",
            CompatibleFollowOn => "A compatible follow-on from the original supplier",
        }
    }

    pub fn article(self) -> (&'static str, &'static str) {
        use Ground::*;
        match self {
            LimitedSuppliers | DisproportionateCost => (LAW, "29"),
            NoQualifiedBids | SpecificationsUnfixable | Urgency | PriceNotCalculable => (LAW, "30"),
            WorksWithoutTender => (REGS, "25"),
            PurchasedServices | ResearchCommercialisation => (DOC214, "3"),
            StandardGoods => (LAW, "32"),
            OnlyOneSupplier | Emergency | CompatibleFollowOn => (LAW, "31"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemCategory {
    Goods,
    Services,
    Works,
}

/// Which regime a purchase follows (条例 Art 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Regime {
    /// 招标投标法 and its regulations: the construction procedure.
    Tendering,
    /// 政府采购法.
    Procurement,
}

pub fn regime(category: ItemCategory, method: PurchaseMethod) -> Regime {
    if category == ItemCategory::Works && method.is_tender() {
        Regime::Tendering
    } else {
        Regime::Procurement
    }
}

/// What a buyer states when choosing a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodChoice {
    pub method: PurchaseMethod,
    pub category: ItemCategory,
    pub grounds: Vec<Ground>,
    pub budget: Money,
    /// The open-tender threshold in force for this budget (公开招标数额标准, set by the province).
    pub open_tender_threshold: Money,
    /// A finance department's prior approval of a method other than open tender (条例 Art 23).
    pub approved: bool,
    /// For a compatible follow-on: the original contract amount.
    pub original_contract: Option<Money>,
}

fn refuse(
    field: &str,
    code: &'static str,
    (reg, art): (&'static str, &'static str),
    zh: String,
    en: String,
) -> FieldError {
    FieldError::new(field, code, zh, en).with_rule(reg, art)
}

/// Refuse a method chosen without a lawful ground, without the approval it needs above the
/// threshold, or a follow-on above 10% of the original contract.
pub fn check_method(c: &MethodChoice) -> Result<(), FieldError> {
    let m = c.method;
    if m == PurchaseMethod::OpenTender {
        return Ok(());
    }
    let lawful: Vec<Ground> = c
        .grounds
        .iter()
        .copied()
        .filter(|g| m.grounds().contains(g))
        .collect();
    if lawful.is_empty() {
        let (reg, art) = m.grounds().first().map_or((LAW, "26"), |g| g.article());
        return Err(refuse(
            "grounds",
            "procurement.no_ground",
            (reg, art),
            format!("采用{}须具备法定情形并在采购文件中载明", m.label_zh()),
            format!(
                "{} needs one of its statutory grounds, recorded",
                m.label_en()
            ),
        ));
    }
    if m == PurchaseMethod::RequestForQuotation && c.category != ItemCategory::Goods {
        return Err(refuse(
            "category",
            "procurement.rfq_goods_only",
            (LAW, "32"),
            "询价仅适用于规格、标准统一的货物".into(),
            "Request for quotation is for standard goods only".into(),
        ));
    }
    if lawful.contains(&Ground::CompatibleFollowOn) {
        let original = c.original_contract.unwrap_or(Money::ZERO);
        // ≤ 10%: budget × 10 ≤ original.
        if c.budget.fen().saturating_mul(10) > original.fen() {
            return Err(refuse(
                "budget",
                "procurement.follow_on_over_10",
                (LAW, "31"),
                "添购资金总额不得超过原合同采购金额的百分之十".into(),
                "A follow-on may not exceed 10% of the original contract".into(),
            ));
        }
    }
    if c.budget >= c.open_tender_threshold && !c.approved {
        return Err(refuse("approved", "procurement.approval_required", (REGS, "23"), "达到公开招标数额标准，采用其他方式须事先获得设区的市级以上财政部门批准".into(), "At or above the open-tender threshold another method needs the finance department's prior approval".into()));
    }
    Ok(())
}

/// A supplementary contract for more of the same goods, works or services, on the contract's
/// other terms: all of them together may not exceed 10% of the original contract's amount
/// (政府采购法 Art 49). `earlier` is what the earlier supplements already added.
pub fn check_supplement(original: Money, earlier: Money, this: Money) -> Result<(), FieldError> {
    if this.fen() <= 0 {
        return Err(FieldError::new(
            "amount",
            "contract.supplement_amount",
            "补充合同金额应大于零",
            "A supplementary contract adds a positive amount",
        ));
    }
    let total = earlier.fen().saturating_add(this.fen());
    // ≤ 10%: total × 10 ≤ original, in whole fen.
    if total.saturating_mul(10) > original.fen() {
        return Err(refuse(
            "amount",
            "contract.supplement_over_10",
            (LAW, "49"),
            format!(
                "所有补充合同的采购金额不得超过原合同采购金额的百分之十：原合同 {}，此前补充 {}，本次 {}",
                original.grouped(),
                earlier.grouped(),
                this.grouped()
            ),
            format!(
                "All supplementary contracts together may not exceed 10% of the original {}: {} before, {} now",
                original.grouped(),
                earlier.grouped(),
                this.grouped()
            ),
        ));
    }
    Ok(())
}

/// The procurement limits (RULES.md §3.2–3.5) with their sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcurementPack {
    pub version: &'static str,
    pub tender_issue_to_deadline: Limit<CalendarDays>,
    pub notice_period: Limit<WorkingDays>,
    pub documents_available: Limit<WorkingDays>,
    pub prequal_application: Limit<WorkingDays>,
    pub clarification_lead: Limit<CalendarDays>,
    pub prequal_clarification_lead: Limit<CalendarDays>,
    pub consultation_issue_to_response: Limit<CalendarDays>,
    pub negotiation_issue_to_response: Limit<WorkingDays>,
    pub rfq_issue_to_response: Limit<WorkingDays>,
    pub single_source_publicity: Limit<WorkingDays>,
    pub consultation_clarification_lead: Limit<CalendarDays>,
    pub negotiation_clarification_lead: Limit<WorkingDays>,
    pub max_candidates: Limit<u32>,
    /// A price this far under the average of the others (basis points) is abnormally low and the
    /// supplier must justify it (87号令 Art 60) [U: the threshold is the committee's judgement].
    pub abnormally_low_bp: Limit<u32>,
    /// The invited-tender list is at least this many times the suppliers drawn from it.
    pub invitation_list_factor: Limit<u32>,
    /// 公开招标数额标准 for goods and services; at or above it another method needs approval.
    pub open_tender_threshold: Limit<Money>,
    /// Partial preference for consortia or subcontracts with small firms, percent range.
    pub sme_partner_goods_services: Limit<(u32, u32)>,
    /// Late bond refunds carry interest at the loan rate plus 20% (87号令 Art 38); the rate itself
    /// is data the centre sets [U], in basis points a year.
    pub bond_late_rate_bp: Limit<u32>,
    pub min_suppliers: Limit<u32>,
    pub report_to_buyer: Limit<WorkingDays>,
    pub buyer_decides: Limit<WorkingDays>,
    pub result_published_within: Limit<WorkingDays>,
    pub result_runs: Limit<WorkingDays>,
    pub contract_within: Limit<CalendarDays>,
    pub contract_published_within: Limit<WorkingDays>,
    pub contract_filed_within: Limit<WorkingDays>,
    pub challenge_within: Limit<WorkingDays>,
    pub challenge_reply: Limit<WorkingDays>,
    pub complaint_within: Limit<WorkingDays>,
    pub complaint_decide: Limit<WorkingDays>,
    pub suspension_max: Limit<CalendarDays>,
    pub bond_refund_within: Limit<WorkingDays>,
    /// Price weight floors of the points method, in percent.
    pub price_weight_goods_min: Limit<u32>,
    pub price_weight_services_min: Limit<u32>,
    /// Consultation price-weight ranges (214号 Art 24) [U], configurable.
    pub consultation_goods_range: Limit<(u32, u32)>,
    pub consultation_services_range: Limit<(u32, u32)>,
    /// Small and micro enterprises' price deduction for evaluation, in percent [S].
    pub sme_goods_services: Limit<(u32, u32)>,
    pub sme_works: Limit<(u32, u32)>,
}

const fn lim<T>(
    value: T,
    regulation: &'static str,
    article: &'static str,
    confidence: Confidence,
) -> Limit<T> {
    Limit {
        value,
        regulation,
        article,
        confidence,
    }
}

impl ProcurementPack {
    pub fn v2022() -> Self {
        use Confidence::*;
        Self {
            version: "procurement-2022.1",
            tender_issue_to_deadline: lim(CalendarDays(20), LAW, "35", Verified),
            notice_period: lim(WorkingDays(5), ORDER87, "16", Verified),
            documents_available: lim(WorkingDays(5), REGS, "31", Verified),
            prequal_application: lim(WorkingDays(5), REGS, "21", Verified),
            clarification_lead: lim(CalendarDays(15), ORDER87, "27", Verified),
            prequal_clarification_lead: lim(CalendarDays(3), ORDER87, "27", Verified),
            consultation_issue_to_response: lim(CalendarDays(10), DOC214, "10", Secondary),
            negotiation_issue_to_response: lim(WorkingDays(3), ORDER74, "29", Secondary),
            rfq_issue_to_response: lim(WorkingDays(3), ORDER74, "45", Secondary),
            single_source_publicity: lim(WorkingDays(5), REGS, "38", Verified),
            consultation_clarification_lead: lim(CalendarDays(5), DOC214, "10", Secondary),
            negotiation_clarification_lead: lim(WorkingDays(3), ORDER74, "10", Unconfirmed),
            max_candidates: lim(3, ORDER87, "68", Unconfirmed),
            abnormally_low_bp: lim(2_000, ORDER87, "60", Unconfirmed),
            invitation_list_factor: lim(2, ORDER87, "14", Unconfirmed),
            open_tender_threshold: lim(
                Money::from_fen(400_000_000),
                "国务院办公厅关于印发中央预算单位政府集中采购目录及标准（2020年版）的通知",
                "四",
                Secondary,
            ),
            sme_partner_goods_services: lim((4, 6), SME, "二", Secondary),
            bond_late_rate_bp: lim(310, ORDER87, "38", Unconfirmed),
            min_suppliers: lim(3, LAW, "38", Verified),
            report_to_buyer: lim(WorkingDays(2), REGS, "43", Verified),
            buyer_decides: lim(WorkingDays(5), ORDER87, "68", Verified),
            result_published_within: lim(WorkingDays(2), REGS, "43", Verified),
            result_runs: lim(WorkingDays(1), ORDER87, "69", Verified),
            contract_within: lim(CalendarDays(30), LAW, "46", Verified),
            contract_published_within: lim(WorkingDays(2), REGS, "50", Verified),
            contract_filed_within: lim(WorkingDays(7), LAW, "47", Verified),
            challenge_within: lim(WorkingDays(7), LAW, "52", Verified),
            challenge_reply: lim(WorkingDays(7), LAW, "53", Verified),
            complaint_within: lim(WorkingDays(15), LAW, "55", Verified),
            complaint_decide: lim(WorkingDays(30), REGS, "58", Verified),
            suspension_max: lim(CalendarDays(30), LAW, "57", Verified),
            bond_refund_within: lim(WorkingDays(5), ORDER87, "38", Verified),
            price_weight_goods_min: lim(30, ORDER87, "55", Verified),
            price_weight_services_min: lim(10, ORDER87, "55", Verified),
            consultation_goods_range: lim((30, 60), DOC214, "24", Unconfirmed),
            consultation_services_range: lim((10, 30), DOC214, "24", Unconfirmed),
            sme_goods_services: lim((10, 20), SME, "二", Secondary),
            sme_works: lim((3, 5), SME, "二", Secondary),
        }
    }
}

/// Every procurement pack the platform knows; a project pins one at registration.
pub fn procurement_packs() -> Vec<ProcurementPack> {
    vec![ProcurementPack::v2022()]
}

fn at(l: &Limit<WorkingDays>) -> (&'static str, &'static str) {
    (l.regulation, l.article)
}

/// The response period of a method, from issuing the documents (or notice) to the deadline.
pub fn check_response_period(
    pack: &ProcurementPack,
    cal: &Calendar,
    method: PurchaseMethod,
    issued: NaiveDate,
    deadline: NaiveDate,
) -> Result<(), FieldError> {
    let short = |l: (&'static str, &'static str), zh: String, en: String| {
        Err(refuse("deadline", "procurement.period_short", l, zh, en))
    };
    match method {
        PurchaseMethod::OpenTender | PurchaseMethod::InvitedTender => {
            let n = pack.tender_issue_to_deadline;
            if !Calendar::at_least_calendar_days(issued, deadline, n.value) {
                return short(
                    (n.regulation, n.article),
                    format!(
                        "自招标文件发出之日起至投标截止之日止不得少于 {} 日",
                        n.value.0
                    ),
                    format!(
                        "At least {} days from issuing the documents to the deadline",
                        n.value.0
                    ),
                );
            }
        }
        PurchaseMethod::CompetitiveConsultation => {
            let n = pack.consultation_issue_to_response;
            if !Calendar::at_least_calendar_days(issued, deadline, n.value) {
                return short(
                    (n.regulation, n.article),
                    format!("磋商文件发出至首次响应截止不得少于 {} 日", n.value.0),
                    format!(
                        "At least {} days from the documents to the first response",
                        n.value.0
                    ),
                );
            }
        }
        PurchaseMethod::CompetitiveNegotiation | PurchaseMethod::RequestForQuotation => {
            let n = if method == PurchaseMethod::RequestForQuotation {
                &pack.rfq_issue_to_response
            } else {
                &pack.negotiation_issue_to_response
            };
            if !cal
                .at_least_working_days(issued, deadline, n.value)
                .map_err(|y| y.field("deadline"))?
            {
                return short(
                    at(n),
                    format!("发出文件至响应截止不得少于 {} 个工作日", n.value.0),
                    format!("At least {} working days to respond", n.value.0),
                );
            }
        }
        PurchaseMethod::SingleSource => {
            let n = &pack.single_source_publicity;
            if !cal
                .at_least_working_days(issued, deadline, n.value)
                .map_err(|y| y.field("deadline"))?
            {
                return short(
                    at(n),
                    format!("单一来源公示期不得少于 {} 个工作日", n.value.0),
                    format!(
                        "Single-source publicity lasts at least {} working days",
                        n.value.0
                    ),
                );
            }
        }
    }
    Ok(())
}

/// The challenge window: within 7 working days of the day the supplier knew (法 Art 52).
pub fn check_challenge(
    pack: &ProcurementPack,
    cal: &Calendar,
    knew_on: NaiveDate,
    filed_on: NaiveDate,
) -> Result<(), FieldError> {
    let n = &pack.challenge_within;
    if filed_on > cal.add_working_days(knew_on, n.value) {
        return Err(refuse(
            "knew_on",
            "challenge.late",
            at(n),
            format!(
                "质疑应在知道或者应知其权益受到损害之日起 {} 个工作日内提出",
                n.value.0
            ),
            format!(
                "A challenge is filed within {} working days of knowing",
                n.value.0
            ),
        ));
    }
    Ok(())
}

/// The deadlines that follow a challenge filed on `filed_on`: the reply, and the last day for a
/// complaint (15 working days after the reply period ends, 法 Art 55).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChallengeDeadlines {
    pub reply_by: NaiveDate,
    pub complaint_by: NaiveDate,
}

pub fn challenge_deadlines(
    pack: &ProcurementPack,
    cal: &Calendar,
    filed_on: NaiveDate,
) -> ChallengeDeadlines {
    let reply_by = cal.add_working_days(filed_on, pack.challenge_reply.value);
    ChallengeDeadlines {
        reply_by,
        complaint_by: cal.add_working_days(reply_by, pack.complaint_within.value),
    }
}

/// A complaint: in time, and only on matters the supplier challenged first (条例 Art 55).
pub fn check_complaint(
    pack: &ProcurementPack,
    cal: &Calendar,
    challenge_filed: Option<NaiveDate>,
    filed_on: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let n = &pack.complaint_within;
    let Some(c) = challenge_filed else {
        return Err(refuse(
            "challenge_id",
            "complaint.not_challenged",
            (REGS, "55"),
            "投诉事项应当经过质疑".into(),
            "Only matters first challenged may be complained of".into(),
        ));
    };
    let d = challenge_deadlines(pack, cal, c);
    if filed_on > d.complaint_by {
        return Err(refuse(
            "filed_on",
            "complaint.late",
            at(n),
            format!("投诉应在答复期满后 {} 个工作日内提出", n.value.0),
            format!(
                "A complaint is filed within {} working days after the reply period",
                n.value.0
            ),
        ));
    }
    Ok(cal.add_working_days(filed_on, pack.complaint_decide.value))
}

/// The buyer's decision window: silence past it picks the first-ranked (87号令 Art 68).
pub fn deemed_choice(
    pack: &ProcurementPack,
    cal: &Calendar,
    report_received: NaiveDate,
    today: NaiveDate,
    decided: Option<Uuid>,
    ranked: &[Uuid],
) -> Option<Uuid> {
    decided.or_else(|| {
        (today > cal.add_working_days(report_received, pack.buyer_decides.value))
            .then(|| ranked.first().copied())
            .flatten()
    })
}

/// The price weight of a points method is at least its floor (87号令 Art 55), and inside the
/// configured range for competitive consultation.
pub fn check_price_weight(
    pack: &ProcurementPack,
    method: PurchaseMethod,
    category: ItemCategory,
    weight: u32,
) -> Result<(), FieldError> {
    let floor = match category {
        ItemCategory::Goods => pack.price_weight_goods_min,
        ItemCategory::Services | ItemCategory::Works => pack.price_weight_services_min,
    };
    if weight < floor.value || weight > 100 {
        return Err(refuse(
            "price_weight",
            "procurement.price_weight",
            (floor.regulation, floor.article),
            format!("价格分值占总分值的比重不得低于 {}%", floor.value),
            format!("The price weight is at least {}%", floor.value),
        ));
    }
    if method == PurchaseMethod::CompetitiveConsultation {
        let r = if category == ItemCategory::Goods {
            pack.consultation_goods_range
        } else {
            pack.consultation_services_range
        };
        let (lo, hi) = r.value;
        if weight < lo || weight > hi {
            return Err(refuse(
                "price_weight",
                "procurement.consultation_weight",
                (r.regulation, r.article),
                format!("磋商价格分权重应在 {lo}%–{hi}% 之间（超出须经财政部门批准）"),
                format!("A consultation's price weight lies in {lo}–{hi}% unless finance approves"),
            ));
        }
    }
    Ok(())
}

/// How a bidder's price is treated for evaluation under the small-enterprise policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmeStatus {
    /// Small or micro enterprise: the full deduction.
    SmallOrMicro,
    /// Consortium with or subcontracting to small or micro firms: the partial preference.
    WithSmallPartners,
    None,
}

/// One bid as the price score sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedBid {
    pub bidder: Uuid,
    pub price: Money,
    pub sme: SmeStatus,
}

/// The configured deductions, in basis points (1000 = 10%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SmeDeduction {
    pub small_bp: u32,
    pub partner_bp: u32,
}

/// The evaluation price of a bid: its price less the deduction that applies, in fen (rounded
/// half up). Evaluation only: the contract is at the bid price.
pub fn evaluation_price(b: &PricedBid, d: &SmeDeduction) -> i64 {
    let bp = match b.sme {
        SmeStatus::SmallOrMicro => d.small_bp,
        SmeStatus::WithSmallPartners => d.partner_bp,
        SmeStatus::None => 0,
    };
    let p = i128::from(b.price.fen());
    ((p * i128::from(10_000 - bp.min(10_000)) + 5_000) / 10_000) as i64
}

/// Price scores of the points method (87号令 Art 55): `base / evaluation price × weight`, with the
/// lowest evaluation price as the base and no trimming of extremes. Scores in hundredths of a
/// point, rounded by [`crate::score`]'s one rule.
pub fn price_scores(bids: &[PricedBid], weight_points: u32, d: &SmeDeduction) -> Vec<(Uuid, u32)> {
    let prices: Vec<i64> = bids.iter().map(|b| evaluation_price(b, d)).collect();
    let Some(base) = prices.iter().copied().filter(|p| *p > 0).min() else {
        return bids.iter().map(|b| (b.bidder, 0)).collect();
    };
    bids.iter()
        .zip(prices)
        .map(|(b, p)| {
            let s = crate::score::price_score(base, p, weight_points);
            (b.bidder, u32::try_from(s).unwrap_or(0))
        })
        .collect()
}

/// Interest on a bond refunded late: the loan rate raised by 20%, per day late, in fen rounded
/// half up (87号令 Art 38).
pub fn late_interest(pack: &ProcurementPack, amount: Money, days_late: i64) -> Money {
    if days_late <= 0 {
        return Money::ZERO;
    }
    let rate = i128::from(pack.bond_late_rate_bp.value) * 12; // ×1.2, in tenths of a bp
    let num = i128::from(amount.fen()) * rate * i128::from(days_late);
    let den: i128 = 10_000 * 10 * 365;
    Money::from_fen(((num * 2 + den) / (2 * den)) as i64)
}

/// The panel a procurement lot needs: a tender committee, or a review group (87号令 Art 47; 法 Art 38).
pub fn panel(m: PurchaseMethod, budget: Money) -> crate::committee::Panel {
    if m.is_tender() {
        crate::committee::Panel::ProcurementTender { budget }
    } else {
        crate::committee::Panel::ProcurementGroup
    }
}

/// An invited tender draws at least 3 suppliers at random from a list at least twice as long
/// (87号令 Art 14).
pub fn check_supplier_draw(
    pack: &ProcurementPack,
    listed: u32,
    drawn: u32,
) -> Result<(), FieldError> {
    let (min, reg, art) = PurchaseMethod::InvitedTender.min_suppliers();
    if drawn < min {
        return Err(refuse(
            "count",
            "procurement.too_few_suppliers",
            (reg, art),
            format!("邀请招标应随机邀请 {min} 家以上供应商"),
            format!("An invited tender invites at least {min} suppliers at random"),
        ));
    }
    let f = &pack.invitation_list_factor;
    if listed < drawn.saturating_mul(f.value) {
        return Err(refuse(
            "suppliers",
            "procurement.list_too_short",
            (f.regulation, f.article),
            format!("备选供应商名单应不少于拟邀请数量的 {} 倍", f.value),
            format!(
                "The list holds at least {} times the suppliers to invite",
                f.value
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
