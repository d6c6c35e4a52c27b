//! Government procurement (C8): the buyer's intentions (采购意向) and plan, registration of a
//! procurement under one of the six methods with its lawful grounds, the random supplier draw of
//! an invited tender, final quotes, the price rules of the evaluation, and the buyer's decision.
//!
//! A procurement is a project and lot of the shared engine: notices, documents, sealed bids,
//! opening, the expert draw, evaluation sheets, award and contract are the tendering services,
//! which read the lot's [`ProcurementPack`] where procurement differs. Challenges and complaints
//! are in [`challenges`].

mod deadlines;
mod final_quotes;
mod supplier_draw;
pub use deadlines::*;
pub use final_quotes::*;
pub use supplier_draw::*;

pub mod challenges;

use crate::accounts::region_exists_tx;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::tendering::intake::{self, ParsedLot, RegisteredLot, RegisteredProject};
use crate::tendering::{self, LotRow, begin_as_tenderer, load, log, push, require_bidder, step};
use crate::{db_all, db_one, db_opt, tx_exec, tx_opt};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ggzy_core::catalogue::{Assessment, Category};
use ggzy_core::clock::truncate_micros;
use ggzy_core::draw::{self as dr, GroupPool, PublishedRound};
use ggzy_core::error::text;
use ggzy_core::evaluation::{Method, Pricing};
use ggzy_core::procedure::{Command, ProcedureKind, Stage};
use ggzy_core::procurement::{
    self as gp, Ground, ItemCategory, MethodChoice, ProcurementPack, PurchaseMethod, SmeDeduction,
};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::specialty::SpecialtyCode;
use ggzy_core::tender_schedule::{cn_date, cn_day_start};
use ggzy_core::trade_code::TradeCode;
use ggzy_core::{FieldError, Invalid, Money, Uscc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Trading classification of government procurement in the trade code; a configurable default
/// [U] like the construction one (see trade_code.rs).
pub const PROCUREMENT_CLASS: &str = "A01";

fn category_of(errs: &mut Invalid, field: &str, s: &str) -> Option<ItemCategory> {
    match s {
        "goods" => Some(ItemCategory::Goods),
        "services" => Some(ItemCategory::Services),
        "works" => Some(ItemCategory::Works),
        _ => {
            errs.push(FieldError::new(
                field,
                "procurement.category",
                "采购品目类别应为 货物/服务/工程",
                "The item category is goods, services or works",
            ));
            None
        }
    }
}

fn category_str(c: ItemCategory) -> &'static str {
    match c {
        ItemCategory::Goods => "goods",
        ItemCategory::Services => "services",
        ItemCategory::Works => "works",
    }
}

use intake::money;

// ---------------------------------------------------------------- intentions

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntentionInput {
    /// The buyer; defaults to the acting user's entity. An agency names its buyer.
    #[serde(default)]
    pub principal_id: Option<Uuid>,
    pub region_code: String,
    pub name: String,
    /// goods | services | works
    pub category: String,
    /// Budget in yuan.
    pub budget: String,
    /// Reserved for small and micro enterprises (预留份额).
    #[serde(default)]
    pub sme_reserved: bool,
    /// The month the procurement is expected to start, `YYYY-MM`.
    pub expected_month: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct IntentionView {
    pub id: Uuid,
    pub principal_id: Uuid,
    pub principal_name: String,
    pub region_code: String,
    pub name: String,
    pub category: String,
    /// Fen.
    pub budget: i64,
    pub sme_reserved: bool,
    pub expected_month: String,
    pub description: String,
    pub published_at: DateTime<Utc>,
}

/// Publish a procurement intention (采购意向公开, 财库〔2020〕10号), normally at least 30 days before
/// the procurement starts [U].
pub async fn publish_intention(
    db: &Db,
    actor: &Actor,
    input: &IntentionInput,
    now: DateTime<Utc>,
) -> ServiceResult<IntentionView> {
    let mut errs = Invalid::default();
    let name = text(&mut errs, "name", &input.name, 200);
    let category = category_of(&mut errs, "category", &input.category);
    let budget = money(&mut errs, "budget", &input.budget);
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let month =
        NaiveDate::parse_from_str(&format!("{}-01", input.expected_month.trim()), "%Y-%m-%d")
            .ok()
            .filter(|m| {
                let today = cn_date(now);
                (m.year(), m.month()) >= (today.year(), today.month())
            });
    if month.is_none() {
        errs.push(FieldError::new(
            "expected_month",
            "intention.month",
            "预计采购时间应为本月或以后的月份，格式 YYYY-MM",
            "The expected month is this month or later, as YYYY-MM",
        ));
    }
    let (Some(name), Some(category), Some(budget), Some(region), Some(month)) =
        (name, category, budget, region, month)
    else {
        return Err(errs.into());
    };
    let grant = actor.require(Permission::ProjectRegister, &region)?.clone();
    let own = actor
        .entity_id
        .ok_or(ServiceError::Forbidden(Permission::ProjectRegister))?;
    let principal = input.principal_id.unwrap_or(own);
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    if !region_exists_tx(&mut tx, &region).await? {
        return Err(crate::accounts::unknown_region("region_code").into());
    }
    let principal_name: Option<(String,)> = tx_opt!(
        &mut tx,
        "SELECT name FROM entities WHERE id = $1",
        principal
    );
    let Some((principal_name,)) = principal_name else {
        return Err(FieldError::new(
            "principal_id",
            "project.unknown_principal",
            "采购人未在平台注册",
            "The buyer is not registered on the platform",
        )
        .into());
    };
    let expected = month.format("%Y-%m").to_string();
    let description = input.description.trim().to_string();
    tx_exec!(
        &mut tx,
        "INSERT INTO procurement_intentions (id, principal_id, region_code, name, category, budget, sme_reserved, expected_month, description, published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        id,
        principal,
        region.as_str(),
        &name,
        category_str(category),
        budget.fen(),
        input.sme_reserved,
        &expected,
        &description,
        actor.account_id,
        truncate_micros(now)
    );
    let title = format!("{principal_name}{name}采购意向");
    let body = format!(
        "{title}\n采购项目名称：{name}\n采购需求概况：{description}\n预算金额：{budget}\n预计采购时间：{expected}\n{}",
        if input.sme_reserved {
            "本项目专门面向中小企业采购。"
        } else {
            ""
        }
    );
    crate::notices::publish(
        &mut tx,
        &crate::notices::NewNotice {
            trade_kind: "procurement",
            notice_kind: "intention",
            title: &title,
            body: &body,
            region: region.as_str(),
            amount: Some(budget.fen()),
            principal_id: Some(principal),
            ..Default::default()
        },
        now,
    )
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(Some(&grant)),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind: "procurement.intention_published",
            subject: format!("intention:{id}"),
            payload: serde_json::json!({"name": name, "budget": budget.fen(), "expected_month": expected}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(IntentionView {
        id,
        principal_id: principal,
        principal_name,
        region_code: region.to_string(),
        name,
        category: category_str(category).into(),
        budget: budget.fen(),
        sme_reserved: input.sme_reserved,
        expected_month: expected,
        description,
        published_at: truncate_micros(now),
    })
}

const INTENTION_SELECT: &str = "SELECT i.id, i.principal_id, e.name AS principal_name, i.region_code, i.name, i.category, i.budget, i.sme_reserved, i.expected_month, i.description, i.published_at FROM procurement_intentions i JOIN entities e ON e.id = i.principal_id";

/// Published intentions, newest first (public).
pub async fn intentions(db: &Db, limit: i64) -> ServiceResult<Vec<IntentionView>> {
    Ok(db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "{INTENTION_SELECT} ORDER BY i.published_at DESC LIMIT $1"
        )),
        limit
    ))
}

// ---------------------------------------------------------------- registration

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcurementInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub principal_id: Option<Uuid>,
    #[serde(default)]
    pub agency_id: Option<Uuid>,
    pub region_code: String,
    /// The finance department that supervises (财政部门).
    pub supervising_department: String,
    /// The intention published ahead, if any.
    #[serde(default)]
    pub intention_id: Option<Uuid>,
    /// goods | services | works
    pub category: String,
    /// Budget (采购预算) in yuan; bids above it are invalid (87号令 Art 63).
    pub budget: String,
    /// A maximum price below the budget, if set.
    #[serde(default)]
    pub max_price: Option<String>,
    #[serde(default)]
    pub sme_reserved: bool,
    /// open_tender | invited_tender | negotiation | consultation | quotation | single_source
    pub method: String,
    /// The lawful grounds of a method other than open tender.
    #[serde(default)]
    pub grounds: Vec<Ground>,
    /// The finance department's approval of a non-open method at or above the threshold.
    #[serde(default)]
    pub approval_ref: Option<String>,
    /// A compatible follow-on: the original contract amount in yuan.
    #[serde(default)]
    pub original_contract: Option<String>,
    /// Bid bond in yuan (≤ 2% of the budget, 条例 Art 33).
    pub bid_bond: String,
    pub evaluation: Method,
    /// Price deduction for small and micro enterprises, percent (goods and services 10–20).
    #[serde(default)]
    pub sme_small_percent: Option<u32>,
    /// Deduction for consortia or subcontracts with small firms, percent (4–6).
    #[serde(default)]
    pub sme_partner_percent: Option<u32>,
}

fn parse_method(errs: &mut Invalid, s: &str) -> Option<PurchaseMethod> {
    PurchaseMethod::parse(s).or_else(|| {
        errs.push(FieldError::new(
            "method",
            "procurement.method",
            "采购方式应为 公开招标/邀请招标/竞争性谈判/竞争性磋商/询价/单一来源",
            "The method is open_tender, invited_tender, negotiation, consultation, quotation or single_source",
        ));
        None
    })
}

/// The evaluation each method uses (条例 Art 34; 74号令 Art 35, 48; 214号 Art 23).
fn check_evaluation(m: PurchaseMethod, e: &Method) -> Result<(), FieldError> {
    let (ok, reg, art, zh, en) = match m {
        PurchaseMethod::CompetitiveNegotiation => (
            matches!(e, Method::LowestEvaluatedPrice),
            gp::ORDER74,
            "35",
            "竞争性谈判按最后报价由低到高确定成交候选人",
            "Negotiation ranks by final quote, lowest first",
        ),
        PurchaseMethod::RequestForQuotation => (
            matches!(e, Method::LowestEvaluatedPrice),
            gp::ORDER74,
            "48",
            "询价按报价由低到高确定成交候选人",
            "A request for quotation ranks by price, lowest first",
        ),
        PurchaseMethod::SingleSource => (
            matches!(e, Method::LowestEvaluatedPrice),
            gp::REGS,
            "38",
            "单一来源采购按协商确定的价格成交",
            "A single source closes at the negotiated price",
        ),
        PurchaseMethod::CompetitiveConsultation => (
            matches!(e, Method::Points { .. }),
            gp::DOC214,
            "23",
            "竞争性磋商采用综合评分法",
            "Consultation uses the points method",
        ),
        _ => (true, "", "", "", ""),
    };
    if ok {
        Ok(())
    } else {
        Err(
            FieldError::new("evaluation", "procurement.evaluation_method", zh, en)
                .with_rule(reg, art),
        )
    }
}

fn sme_deduction(
    errs: &mut Invalid,
    pack: &ProcurementPack,
    category: ItemCategory,
    input: &ProcurementInput,
) -> Option<SmeDeduction> {
    if input.sme_reserved {
        // Reserved items compete among small firms only: no price preference (财库〔2022〕19号).
        return None;
    }
    let (small, partner) = match category {
        ItemCategory::Works => (pack.sme_works, pack.sme_works),
        _ => (pack.sme_goods_services, pack.sme_partner_goods_services),
    };
    let pick = |errs: &mut Invalid,
                field: &str,
                v: Option<u32>,
                l: &ggzy_core::rulepack::Limit<(u32, u32)>| {
        let (lo, hi) = l.value;
        let v = v.unwrap_or(lo);
        if v < lo || v > hi {
            errs.push(
                FieldError::new(
                    field,
                    "procurement.sme_deduction",
                    format!("价格扣除比例应在 {lo}%–{hi}% 之间"),
                    format!("The deduction lies in {lo}–{hi}%"),
                )
                .with_rule(l.regulation, l.article),
            );
        }
        v * 100
    };
    Some(SmeDeduction {
        small_bp: pick(errs, "sme_small_percent", input.sme_small_percent, &small),
        partner_bp: pick(
            errs,
            "sme_partner_percent",
            input.sme_partner_percent,
            &partner,
        ),
    })
}

/// A procurement registration that passed every check of its own (the buyer and the intention are
/// checked against the database when it is registered).
struct Registration {
    name: String,
    dept: String,
    region: DivisionCode,
    category: ItemCategory,
    budget: Money,
    bond: Money,
    max_price: Option<Money>,
    method: PurchaseMethod,
    grounds: Vec<Ground>,
    approval: Option<String>,
    sme: Option<SmeDeduction>,
}

/// The method with its grounds and approval, the price weight and small-enterprise deduction
/// within their bounds, and works bought by tender sent to the construction procedure
/// (条例 Art 7).
fn parse_registration(
    input: &ProcurementInput,
    pack: &ProcurementPack,
) -> ServiceResult<Registration> {
    let mut errs = Invalid::default();
    let name = text(&mut errs, "name", &input.name, 200);
    let dept = text(
        &mut errs,
        "supervising_department",
        &input.supervising_department,
        100,
    );
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let category = category_of(&mut errs, "category", &input.category);
    let budget = money(&mut errs, "budget", &input.budget);
    let bond = money(&mut errs, "bid_bond", &input.bid_bond);
    let max_price = match input
        .max_price
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(v) => money(&mut errs, "max_price", v),
        None => None,
    };
    let original = match input
        .original_contract
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(v) => money(&mut errs, "original_contract", v),
        None => None,
    };
    let method = parse_method(&mut errs, &input.method);
    if let Err(e) = input.evaluation.check() {
        errs.push(e.under("evaluation."));
    }
    let (Some(name), Some(dept), Some(region), Some(category), Some(budget), Some(bond), Some(m)) =
        (name, dept, region, category, budget, bond, method)
    else {
        return Err(errs.into());
    };
    if gp::regime(category, m) == gp::Regime::Tendering {
        return Err(FieldError::new(
            "method",
            "procurement.works_by_tender",
            "政府采购工程进行招标投标的，适用招标投标法：请按工程建设项目进场登记",
            "Works bought by tender follow the tendering law: register them as a construction project",
        )
        .with_rule(gp::REGS, "7")
        .into());
    }
    let approval = input
        .approval_ref
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let mut grounds = input.grounds.clone();
    grounds.sort_by_key(|g| format!("{g:?}"));
    grounds.dedup();
    if let Err(e) = gp::check_method(&MethodChoice {
        method: m,
        category,
        grounds: grounds.clone(),
        budget,
        open_tender_threshold: pack.open_tender_threshold.value,
        approved: approval.is_some(),
        original_contract: original,
    }) {
        errs.push(e);
    }
    if let Err(e) = check_evaluation(m, &input.evaluation) {
        errs.push(e);
    }
    if let Method::Points { price_points, .. } = &input.evaluation
        && let Err(e) = gp::check_price_weight(pack, m, category, *price_points)
    {
        errs.push(e.under("evaluation."));
    }
    // 条例 Art 33: the bond is at most 2% of the budget.
    if bond.fen().saturating_mul(50) > budget.fen() || bond.fen() < 0 {
        errs.push(
            FieldError::new(
                "bid_bond",
                "procurement.bond",
                "投标保证金不得超过采购项目预算金额的2%",
                "The bid bond is at most 2% of the budget",
            )
            .with_rule(gp::REGS, "33"),
        );
    }
    if max_price.is_some_and(|p| p.fen() <= 0 || p > budget) {
        errs.push(FieldError::new(
            "max_price",
            "procurement.max_price",
            "最高限价应大于零且不超过采购预算",
            "The maximum price is positive and within the budget",
        ));
    }
    let sme = sme_deduction(&mut errs, pack, category, input);
    if !errs.is_empty() {
        return Err(errs.into());
    }
    Ok(Registration {
        name,
        dept,
        region,
        category,
        budget,
        bond,
        max_price,
        method: m,
        grounds,
        approval,
        sme,
    })
}

/// A registration names an intention of its own buyer only.
async fn check_intention(tx: &mut Tx, intention: Uuid, principal: Uuid) -> ServiceResult<()> {
    let found: Option<(Uuid,)> = tx_opt!(
        tx,
        "SELECT id FROM procurement_intentions WHERE id = $1 AND principal_id = $2",
        intention,
        principal
    );
    if found.is_none() {
        return Err(FieldError::new(
            "intention_id",
            "procurement.unknown_intention",
            "该采购人没有这条采购意向",
            "No such intention of this buyer",
        )
        .into());
    }
    Ok(())
}

/// The project row a registration becomes, with its trade code.
struct ProjectRow<'a> {
    input: &'a ProcurementInput,
    pack: &'a ProcurementPack,
    reg: &'a Registration,
    principal: Uuid,
    agency: Option<Uuid>,
}

async fn insert_project(
    tx: &mut Tx,
    actor: &Actor,
    r: &ProjectRow<'_>,
    uscc: &Uscc,
    now: DateTime<Utc>,
) -> ServiceResult<(Uuid, TradeCode)> {
    let code = intake::project_code(tx, PROCUREMENT_CLASS, uscc, now).await?;
    let project_id = Uuid::now_v7();
    tx_exec!(tx, "INSERT INTO projects (id, trade_code, name, description, principal_id, agency_id, region_code, supervising_department, total_investment, state_budget, state_owned_leading, international, pack_version, created_by, created_at, trade_kind, item_category, sme_reserved, gp_pack_version, intention_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'procurement', $16, $17, $18, $19)", project_id, code.to_string(), &r.reg.name, r.input.description.trim(), r.principal, r.agency, r.reg.region.as_str(), &r.reg.dept, r.reg.budget.fen(), r.reg.budget.fen(), true, false, ggzy_core::rulepack::ConstructionPack::v2019().version, actor.account_id, truncate_micros(now), category_str(r.reg.category), r.input.sme_reserved, r.pack.version, r.input.intention_id);
    Ok((project_id, code))
}

/// Register a procurement (政府采购项目进场): the method with its grounds and approval checked,
/// the price weight and small-enterprise deduction within their bounds, routed to the
/// construction procedure where works are bought by tender (条例 Art 7).
pub async fn register(
    db: &Db,
    actor: &Actor,
    input: &ProcurementInput,
    now: DateTime<Utc>,
) -> ServiceResult<RegisteredProject> {
    let pack = ProcurementPack::v2022();
    let r = parse_registration(input, &pack)?;
    let grant = actor
        .require(Permission::ProjectRegister, &r.region)?
        .clone();
    let own = actor
        .entity_id
        .ok_or(ServiceError::Forbidden(Permission::ProjectRegister))?;
    let principal = input.principal_id.unwrap_or(own);
    let agency = if principal == own {
        input.agency_id
    } else {
        Some(own)
    };

    let mut tx = db.begin().await?;
    let uscc = intake::check_parties(
        &mut tx,
        &r.region,
        principal,
        agency,
        ("采购人", "The buyer"),
    )
    .await?;
    if let Some(i) = input.intention_id {
        check_intention(&mut tx, i, principal).await?;
    }
    let row = ProjectRow {
        input,
        pack: &pack,
        reg: &r,
        principal,
        agency,
    };
    let (project_id, code) = insert_project(&mut tx, actor, &row, &uscc, now).await?;
    let lot_code = code.lot(1)?;
    let cat = match r.category {
        ItemCategory::Goods => Category::Goods,
        ItemCategory::Services => Category::Services,
        ItemCategory::Works => Category::Works,
    };
    let assessment = Assessment {
        must_tender: true,
        state_funds_controlling: false,
        reasons_zh: vec![format!(
            "政府采购项目，采用{}，适用政府采购法",
            r.method.label_zh()
        )],
        reasons_en: vec![format!("Government procurement by {}", r.method.label_en())],
    };
    let parsed = ParsedLot {
        name: r.name.clone(),
        category: cat,
        estimated: r.budget,
        bond: r.bond,
        max_price: r.max_price,
        kind: ProcedureKind::Gp(r.method),
        invited_ground: None,
        method: input.evaluation.clone(),
    };
    let publicity_required = r.method == PurchaseMethod::SingleSource
        && r.grounds.contains(&Ground::OnlyOneSupplier)
        && r.budget >= pack.open_tender_threshold.value;
    let lot_id = intake::insert_lot(
        &mut tx,
        project_id,
        1,
        &lot_code,
        &parsed,
        &assessment,
        None,
        publicity_required,
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "UPDATE lots SET method_grounds = $1, approval_ref = $2, sme_deduction = $3 WHERE id = $4",
        json(&r.grounds),
        &r.approval,
        r.sme.map(|s| json(&s)),
        lot_id
    );
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(Some(&grant)),
            address: actor.address.clone(),
            region_code: r.region.to_string(),
            kind: "project.registered",
            subject: format!("project:{project_id}"),
            payload: serde_json::json!({
                "trade_kind": "procurement",
                "trade_code": code.to_string(),
                "name": r.name,
                "principal_id": principal,
                "agency_id": agency,
                "pack": pack.version,
                "method": r.method.code(),
                "grounds": r.grounds,
                "approval_ref": r.approval,
                "sme_deduction": r.sme,
                "lots": [{"lot_id": lot_id, "trade_code": lot_code.to_string()}],
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RegisteredProject {
        project_id,
        trade_code: code.to_string(),
        pack_version: pack.version.into(),
        lots: vec![RegisteredLot {
            lot_id,
            trade_code: lot_code.to_string(),
            assessment,
        }],
    })
}

/// A row value as its stored JSON text (plain data: serialising cannot fail).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// What a procurement lot records beyond the shared lot: method, grounds, approval, deduction.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProcurementTerms {
    pub method: PurchaseMethod,
    pub method_zh: String,
    pub category: String,
    pub sme_reserved: bool,
    pub grounds: Vec<GroundView>,
    pub approval_ref: Option<String>,
    pub sme_deduction: Option<SmeDeduction>,
    pub intention: Option<IntentionView>,
    pub pack_version: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GroundView {
    pub ground: Ground,
    pub regulation: String,
    pub article: String,
}

pub async fn terms(db: &Db, lot: &LotRow) -> ServiceResult<Option<ProcurementTerms>> {
    let (Some(m), Some(pack)) = (lot.purchase_method(), &lot.gp) else {
        return Ok(None);
    };
    let row: (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
        Option<Uuid>,
    ) = db_one!(
        db,
        "SELECT l.method_grounds, l.approval_ref, l.sme_deduction, p.item_category, p.sme_reserved, p.intention_id FROM lots l JOIN projects p ON p.id = l.project_id WHERE l.id = $1",
        lot.id
    );
    let grounds: Vec<Ground> = row
        .0
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let intention = match row.5 {
        Some(i) => db_opt!(
            db,
            sqlx::AssertSqlSafe(format!("{INTENTION_SELECT} WHERE i.id = $1")),
            i
        ),
        None => None,
    };
    Ok(Some(ProcurementTerms {
        method: m,
        method_zh: m.label_zh().into(),
        category: row.3.unwrap_or_default(),
        sme_reserved: row.4,
        grounds: grounds
            .into_iter()
            .map(|g| {
                let (r, a) = g.article();
                GroundView {
                    ground: g,
                    regulation: r.into(),
                    article: a.into(),
                }
            })
            .collect(),
        approval_ref: row.1,
        sme_deduction: row.2.as_deref().and_then(|s| serde_json::from_str(s).ok()),
        intention,
        pack_version: pack.version.into(),
    }))
}
