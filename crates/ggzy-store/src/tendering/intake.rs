//! Intake (进场登记): a principal or its agency registers a project and its lots. The catalogue
//! decides whether each lot must be tendered, the pack in force that day is pinned, and each
//! project and lot gets its 统一交易标识码.

use super::{load, require_tenderer};
use crate::accounts::region_exists_tx;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::catalogue::{self, Assessment, Category, Funding};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::evaluation::Method;
use ggzy_core::procedure::{Lot, ProcedureKind, Stage};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::rulepack::construction_pack_on;
use ggzy_core::tender_schedule::{self as ts, cn_date};
use ggzy_core::trade_code::TradeCode;
use ggzy_core::{FieldError, Invalid, Money, Uscc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Trading classification of construction projects in the trade code; a configurable default [U]
/// until the official 编码方案 is in hand (see trade_code.rs).
pub const CONSTRUCTION_CLASS: &str = "A02";

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotInput {
    pub name: String,
    /// works | goods | services
    pub category: String,
    /// Estimated contract price in yuan, e.g. "12500000".
    pub estimated_price: String,
    /// Bid bond in yuan (≤ 2% of the estimate and ≤ ¥800,000).
    pub bid_bond: String,
    /// Published maximum bid price in yuan, if any (条例 Art 27).
    #[serde(default)]
    pub max_price: Option<String>,
    /// open_tender | prequalification | invited
    pub procedure: String,
    /// The lawful ground for an invited tender (条例 Art 8).
    #[serde(default)]
    pub invited_ground: Option<String>,
    pub method: Method,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The principal's entity; defaults to the acting user's entity. An agency names its principal.
    #[serde(default)]
    pub principal_id: Option<Uuid>,
    /// The agency entrusted, if any.
    #[serde(default)]
    pub agency_id: Option<Uuid>,
    pub region_code: String,
    /// 行政监督部门, e.g. 宁波市住房和城乡建设局.
    pub supervising_department: String,
    /// Total investment in yuan.
    pub total_investment: String,
    /// Budget funds in yuan.
    pub state_budget: String,
    #[serde(default)]
    pub state_owned_leading: bool,
    #[serde(default)]
    pub international: bool,
    pub lots: Vec<LotInput>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisteredProject {
    pub project_id: Uuid,
    pub trade_code: String,
    pub pack_version: String,
    pub lots: Vec<RegisteredLot>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisteredLot {
    pub lot_id: Uuid,
    pub trade_code: String,
    pub assessment: Assessment,
}

pub(crate) struct ParsedLot {
    pub(crate) name: String,
    pub(crate) category: Category,
    pub(crate) estimated: Money,
    pub(crate) bond: Money,
    pub(crate) max_price: Option<Money>,
    pub(crate) kind: ProcedureKind,
    pub(crate) invited_ground: Option<String>,
    pub(crate) method: Method,
}

pub(crate) fn money(errs: &mut Invalid, field: &str, v: &str) -> Option<Money> {
    Money::parse_yuan(field, v).map_err(|e| errs.push(e)).ok()
}

fn parse_lot(errs: &mut Invalid, i: usize, l: &LotInput) -> Option<ParsedLot> {
    let f = |name: &str| format!("lots[{i}].{name}");
    let name = text(errs, &f("name"), &l.name, 200);
    let category = Category::parse(&l.category).or_else(|| {
        errs.push(FieldError::new(
            f("category"),
            "lot.category",
            "类别应为 施工/货物/服务",
            "Category is works, goods or services",
        ));
        None
    });
    let kind = ProcedureKind::parse(&l.procedure).or_else(|| {
        errs.push(FieldError::new(
            f("procedure"),
            "lot.procedure",
            "招标方式应为 公开招标（资格后审/资格预审）或 邀请招标",
            "Procedure is open_tender, prequalification or invited",
        ));
        None
    });
    let estimated = money(errs, &f("estimated_price"), &l.estimated_price);
    let bond = money(errs, &f("bid_bond"), &l.bid_bond);
    let max_price = match l
        .max_price
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(v) => Some(money(errs, &f("max_price"), v)?),
        None => None,
    };
    if let Err(e) = l.method.check() {
        errs.push(e.under(&format!("lots[{i}].")));
    }
    Some(ParsedLot {
        name: name?,
        category: category?,
        estimated: estimated?,
        bond: bond?,
        max_price,
        kind: kind?,
        invited_ground: l.invited_ground.clone().filter(|g| !g.trim().is_empty()),
        method: l.method.clone(),
    })
}

pub(crate) async fn next_seq(tx: &mut Tx, prefix: &str) -> ServiceResult<u32> {
    let n: (i64,) = tx_one!(
        tx,
        "INSERT INTO trade_code_seq (prefix, last) VALUES ($1, 1)
         ON CONFLICT (prefix) DO UPDATE SET last = trade_code_seq.last + 1 RETURNING last",
        prefix
    );
    Ok(n.0 as u32)
}

pub(crate) async fn entity_uscc(tx: &mut Tx, id: Uuid) -> ServiceResult<Option<String>> {
    let r: Option<(String,)> = tx_opt!(tx, "SELECT uscc FROM entities WHERE id = $1", id);
    Ok(r.map(|r| r.0))
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_lot(
    tx: &mut Tx,
    project: Uuid,
    seq: u16,
    code: &TradeCode,
    l: &ParsedLot,
    a: &Assessment,
    retender_of: Option<Uuid>,
    publicity_required: bool,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    let mut state = Lot::new(l.kind, a.state_funds_controlling);
    state.publicity_required = publicity_required;
    let assessment = serde_json::to_string(a).or_internal()?;
    let method = serde_json::to_string(&l.method).or_internal()?;
    let state = serde_json::to_string(&state).or_internal()?;
    tx_exec!(tx, "INSERT INTO lots (id, project_id, seq, trade_code, name, category, estimated_price, bid_bond, max_price, procedure_kind, invited_ground, must_tender, state_funds_controlling, assessment, method, stage, state, retender_of, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)", id, project, i32::from(seq), code.to_string(), &l.name, l.category.as_str(), l.estimated.fen(), l.bond.fen(), l.max_price.map(Money::fen), l.kind.as_str(), &l.invited_ground, a.must_tender, a.state_funds_controlling, &assessment, &method, Stage::Registered.as_str(), &state, retender_of, truncate_micros(now));
    Ok(id)
}

/// The catalogue's assessment of each lot, with its bond, invitation ground and maximum price
/// checked; a lot that failed to parse is skipped (its errors are already in `errs`).
fn assess_lots(
    pack: &ggzy_core::rulepack::ConstructionPack,
    funding: &Funding,
    lots: &[Option<ParsedLot>],
    errs: &mut Invalid,
) -> Vec<Assessment> {
    let mut assessed = vec![];
    for (i, l) in lots.iter().enumerate() {
        let Some(l) = l else { continue };
        let a = catalogue::assess(pack, funding, l.category, l.estimated);
        if let Err(e) = ts::check_bond(pack, l.bond, l.estimated, l.category.survey_or_design()) {
            errs.push(e.under(&format!("lots[{i}].")));
        }
        if l.kind == ProcedureKind::Invited
            && let Err(e) = catalogue::check_invited_allowed(&a, l.invited_ground.as_deref())
        {
            errs.push(e.under(&format!("lots[{i}].")));
        }
        if l.max_price.is_some_and(|m| m.fen() <= 0) {
            errs.push(FieldError::new(
                format!("lots[{i}].max_price"),
                "lot.max_price",
                "最高投标限价应大于零",
                "The maximum price must be positive",
            ));
        }
        assessed.push(a);
    }
    assessed
}

/// The next project trade code of this class for this principal on this day.
pub(crate) async fn project_code(
    tx: &mut Tx,
    class: &str,
    uscc: &Uscc,
    now: DateTime<Utc>,
) -> ServiceResult<TradeCode> {
    let date = cn_date(now);
    let prefix = format!("{class}-{}-{}", uscc.as_str(), date.format("%Y%m%d"));
    let seq = next_seq(tx, &prefix).await?;
    Ok(TradeCode::project(class, uscc, date, seq)?)
}

/// The lots of a newly registered project, numbered from 1 under its trade code.
async fn insert_lots(
    tx: &mut Tx,
    project_id: Uuid,
    code: &TradeCode,
    lots: &[ParsedLot],
    assessed: Vec<Assessment>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<RegisteredLot>> {
    let mut out = vec![];
    for (n, (l, a)) in lots.iter().zip(assessed).enumerate() {
        let lot_code = code.lot(n as u16 + 1)?;
        let id = insert_lot(
            tx,
            project_id,
            n as u16 + 1,
            &lot_code,
            l,
            &a,
            None,
            false,
            now,
        )
        .await?;
        out.push(RegisteredLot {
            lot_id: id,
            trade_code: lot_code.to_string(),
            assessment: a,
        });
    }
    Ok(out)
}

/// The region exists and the principal and agency are registered entities; the principal's
/// credit code names the project.
pub(crate) async fn check_parties(
    tx: &mut Tx,
    region: &DivisionCode,
    principal: Uuid,
    agency: Option<Uuid>,
    (principal_zh, principal_en): (&str, &str),
) -> ServiceResult<Uscc> {
    if !region_exists_tx(tx, region).await? {
        return Err(crate::accounts::unknown_region("region_code").into());
    }
    let Some(uscc) = entity_uscc(tx, principal).await? else {
        return Err(FieldError::new(
            "principal_id",
            "project.unknown_principal",
            format!("{principal_zh}未在平台注册"),
            format!("{principal_en} is not registered on the platform"),
        )
        .into());
    };
    if let Some(a) = agency
        && entity_uscc(tx, a).await?.is_none()
    {
        return Err(FieldError::new(
            "agency_id",
            "project.unknown_agency",
            "代理机构未在平台注册",
            "The agency is not registered on the platform",
        )
        .into());
    }
    Ok(Uscc::parse(&uscc)?)
}

/// Register a project and its lots (进场登记).
pub async fn register_project(
    db: &Db,
    actor: &Actor,
    input: &ProjectInput,
    now: DateTime<Utc>,
) -> ServiceResult<RegisteredProject> {
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
    let total = money(&mut errs, "total_investment", &input.total_investment);
    let budget = money(&mut errs, "state_budget", &input.state_budget);
    if input.lots.is_empty() {
        errs.push(FieldError::new(
            "lots",
            "project.no_lots",
            "至少登记一个标段",
            "Register at least one lot",
        ));
    }
    if input.lots.len() > 99 {
        errs.push(FieldError::new(
            "lots",
            "project.too_many_lots",
            "一个项目最多 99 个标段",
            "At most 99 lots per project",
        ));
    }
    let lots: Vec<Option<ParsedLot>> = input
        .lots
        .iter()
        .enumerate()
        .map(|(i, l)| parse_lot(&mut errs, i, l))
        .collect();
    if let (Some(t), Some(b)) = (total, budget)
        && b > t
    {
        errs.push(FieldError::new(
            "state_budget",
            "project.budget_exceeds_total",
            "预算资金不能超过总投资",
            "Budget funds cannot exceed the total investment",
        ));
    }
    let pack = construction_pack_on(cn_date(now));
    let (Some(name), Some(dept), Some(region), Some(total), Some(budget), Some(pack)) =
        (name, dept, region, total, budget, pack)
    else {
        return Err(errs.into());
    };
    let grant = actor.require(Permission::ProjectRegister, &region)?.clone();
    let own = actor
        .entity_id
        .ok_or(ServiceError::Forbidden(Permission::ProjectRegister))?;
    let principal = input.principal_id.unwrap_or(own);
    let agency = if principal == own {
        input.agency_id
    } else {
        Some(own)
    };
    if principal != own && input.agency_id.is_some_and(|a| a != own) {
        errs.push(FieldError::new(
            "agency_id",
            "project.agency_mismatch",
            "代理机构登记时，代理机构即为本单位",
            "When an agency registers, the agency is its own entity",
        ));
    }
    let funding = Funding {
        total_investment: total,
        state_budget: budget,
        state_owned_leading: input.state_owned_leading,
        international: input.international,
    };
    let assessed = assess_lots(&pack, &funding, &lots, &mut errs);
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let lots: Vec<ParsedLot> = lots.into_iter().flatten().collect();

    let mut tx = db.begin().await?;
    let uscc = check_parties(
        &mut tx,
        &region,
        principal,
        agency,
        ("招标人", "The principal"),
    )
    .await?;
    let code = project_code(&mut tx, CONSTRUCTION_CLASS, &uscc, now).await?;
    let project_id = Uuid::now_v7();
    tx_exec!(&mut tx, "INSERT INTO projects (id, trade_code, name, description, principal_id, agency_id, region_code, supervising_department, total_investment, state_budget, state_owned_leading, international, pack_version, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)", project_id, code.to_string(), &name, input.description.trim(), principal, agency, region.as_str(), &dept, total.fen(), budget.fen(), input.state_owned_leading, input.international, pack.version, actor.account_id, truncate_micros(now));
    let out = insert_lots(&mut tx, project_id, &code, &lots, assessed, now).await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(Some(&grant)),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind: "project.registered",
            subject: format!("project:{project_id}"),
            payload: serde_json::json!({
                "trade_code": code.to_string(),
                "name": name,
                "principal_id": principal,
                "agency_id": agency,
                "pack": pack.version,
                "lots": out.iter().map(|l| serde_json::json!({"lot_id": l.lot_id, "trade_code": l.trade_code, "must_tender": l.assessment.must_tender})).collect::<Vec<_>>(),
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
        lots: out,
    })
}

/// Re-tender a failed lot: a new lot of the same project, linked to the failed one (条例 Art 44).
pub async fn retender(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<RegisteredLot> {
    let old = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &old)?.clone();
    if old.state.stage != Stage::Failed {
        return Err(ServiceError::OutOfOrder {
            stage: old.state.stage.as_str(),
            waits_for: old.state.stage.waits_for(),
            reason: "only a failed lot is re-tendered",
        });
    }
    let mut tx = db.begin().await?;
    let already: Option<(Uuid,)> = tx_opt!(
        &mut tx,
        "SELECT id FROM lots WHERE retender_of = $1",
        lot_id
    );
    if already.is_some() {
        return Err(FieldError::new(
            "lot",
            "lot.already_retendered",
            "该标段已重新招标",
            "This lot has already been re-tendered",
        )
        .into());
    }
    let (seq, kind, ground, assessment): (i32, String, Option<String>, String) = tx_one!(
        &mut tx,
        "SELECT (SELECT MAX(seq) FROM lots WHERE project_id = $1), procedure_kind, invited_ground, assessment FROM lots WHERE id = $2",
        old.project_id,
        lot_id
    );
    let a: Assessment = serde_json::from_str(&assessment).or_internal()?;
    let project_code = TradeCode::parse(&old.trade_code)?.project_code();
    let n = seq as u16 + 1;
    let code = project_code.lot(n)?;
    let parsed = ParsedLot {
        name: format!("{}（重新招标）", old.name.trim_end_matches("（重新招标）")),
        category: Category::parse(&old.category).unwrap_or(Category::Works),
        estimated: old.estimated_price,
        bond: old.bid_bond,
        max_price: old.max_price,
        kind: ProcedureKind::parse(&kind).unwrap_or(ProcedureKind::OpenTender),
        invited_ground: ground,
        method: old.method.clone(),
    };
    let id = insert_lot(
        &mut tx,
        old.project_id,
        n,
        &code,
        &parsed,
        &a,
        Some(lot_id),
        old.state.publicity_required,
        now,
    )
    .await?;
    super::log(
        &mut tx,
        actor,
        Some(&grant),
        &old,
        "lot.retendered",
        serde_json::json!({"new_lot": id, "trade_code": code.to_string()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(RegisteredLot {
        lot_id: id,
        trade_code: code.to_string(),
        assessment: a,
    })
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LotSummary {
    pub id: Uuid,
    pub project_id: Uuid,
    pub principal_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub trade_code: String,
    pub name: String,
    pub project_name: String,
    pub principal_name: String,
    pub region_code: String,
    pub procedure_kind: String,
    pub stage: String,
    pub estimated_price: i64,
    pub bid_deadline: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Lots for a workspace: the tenderer's own, and every lot in their region (a city covers its
/// branches) for centre staff, supervisors and auditors.
pub async fn list_lots(
    db: &Db,
    actor: &Actor,
    stage: Option<&str>,
    limit: i64,
) -> ServiceResult<Vec<LotSummary>> {
    let staff_regions: Vec<&DivisionCode> = actor
        .grants
        .iter()
        .filter(|g| {
            let p = g.role.permissions();
            p.contains(&Permission::IntakeProcess)
                || p.contains(&Permission::Supervise)
                || p.contains(&Permission::AuditRead)
        })
        .map(|g| &g.region)
        .collect();
    let own = if actor.has(Permission::ProjectRegister) {
        actor.entity_id
    } else {
        None
    };
    if staff_regions.is_empty() && own.is_none() {
        return Ok(vec![]);
    }
    let rows: Vec<LotSummary> = db_all!(db, "SELECT l.id, l.project_id, p.principal_id, p.agency_id, l.trade_code, l.name, p.name AS project_name, e.name AS principal_name, p.region_code, l.procedure_kind, l.stage, l.estimated_price, l.bid_deadline, l.updated_at
         FROM lots l JOIN projects p ON p.id = l.project_id JOIN entities e ON e.id = p.principal_id
         WHERE ($1 IS NULL OR l.stage = $1) AND ($2 OR p.principal_id = $3 OR p.agency_id = $3)
         ORDER BY l.updated_at DESC, l.id DESC LIMIT 1000", stage, !staff_regions.is_empty(), own);
    Ok(rows
        .into_iter()
        .filter(|r| {
            own.is_some_and(|e| r.principal_id == e || r.agency_id == Some(e))
                || DivisionCode::parse("region", &r.region_code)
                    .is_ok_and(|c| staff_regions.iter().any(|g| c.within(g)))
        })
        .take(limit.clamp(1, 500) as usize)
        .collect())
}

/// Lots the public sees on the portal: those past registration (their notice is out).
pub async fn public_lots(db: &Db, limit: i64) -> ServiceResult<Vec<LotSummary>> {
    Ok(db_all!(db, "SELECT l.id, l.project_id, p.principal_id, p.agency_id, l.trade_code, l.name, p.name AS project_name, e.name AS principal_name, p.region_code, l.procedure_kind, l.stage, l.estimated_price, l.bid_deadline, l.updated_at
         FROM lots l JOIN projects p ON p.id = l.project_id JOIN entities e ON e.id = p.principal_id
         WHERE l.stage <> 'registered' ORDER BY l.updated_at DESC, l.id DESC LIMIT $1", limit.clamp(1, 200)))
}
