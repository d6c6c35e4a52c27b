//! Expert credit (专家信用): ratings after each evaluation by the principal and the supervisor,
//! misconduct records with their legal basis, the score they give, bans with period and scope
//! (enforced by the next draw), and the fee of each evaluation under the region's standard.

use super::{log_expert, profile_row};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::{self, Party, party_of};
use crate::{db_all, db_one, db_opt, tx_all, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::Money;
use ggzy_core::clock::truncate_micros;
use ggzy_core::expert::{self as ex, Deduction, ExpertPack, FeeStandard};
use ggzy_core::procedure::Stage;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) async fn deductions(db: &Db, expert: Uuid) -> ServiceResult<Vec<Deduction>> {
    let rows: Vec<(NaiveDate, i64)> = db_all!(
        db,
        "SELECT on_day, points FROM expert_misconduct WHERE expert_id = $1",
        expert
    );
    Ok(rows
        .into_iter()
        .map(|(on, points)| Deduction {
            on,
            points: points.max(0) as u32,
        })
        .collect())
}

/// The expert's credit score on `today`.
pub async fn score(db: &Db, expert: Uuid, today: NaiveDate) -> ServiceResult<u32> {
    let ds = deductions(db, expert).await?;
    Ok(ex::credit_score(
        &ds,
        today,
        ExpertPack::v2025().credit_cycle_months.value,
    ))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    pub expert_id: Uuid,
    /// 1 (poor) to 5 (excellent).
    pub stars: u32,
    #[serde(default)]
    pub comment: String,
}

/// After the report, the principal and the supervisor each rate every expert of the committee.
pub async fn rate(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &RatingInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let lot = tendering::load(db, lot_id).await?;
    let side = match party_of(actor, &lot) {
        Some(Party::Tenderer) => "principal",
        Some(Party::Supervisor)
            if actor
                .grant_for(Permission::Supervise, &lot.region)
                .is_some() =>
        {
            "supervisor"
        }
        _ => return Err(ServiceError::Forbidden(Permission::Supervise)),
    };
    if matches!(
        lot.state.stage,
        Stage::Evaluating | Stage::Registered | Stage::Tendering | Stage::Prequalifying
    ) {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "experts are rated after the report",
        });
    }
    if !(1..=5).contains(&input.stars) {
        return Err(FieldError::new(
            "stars",
            "rating.stars",
            "评价应为 1 至 5 星",
            "A rating is 1 to 5 stars",
        )
        .into());
    }
    let expert = profile_row(db, input.expert_id).await?;
    let sat: Option<(i64,)> = db_opt!(
        db,
        "SELECT CAST(1 AS BIGINT) FROM committee_members WHERE lot_id = $1 AND account_id = $2 AND member_kind = 'expert'",
        lot_id,
        expert.account_id
    );
    if sat.is_none() {
        return Err(FieldError::new(
            "expert_id",
            "rating.not_member",
            "该专家不是本标段评标委员会成员",
            "This expert did not sit on this lot's committee",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let n = tx_exec!(
        &mut tx,
        "INSERT INTO expert_ratings (lot_id, expert_id, rater_side, rated_by, stars, comment, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        lot_id,
        input.expert_id,
        side,
        actor.account_id,
        input.stars as i64,
        input.comment.trim().chars().take(500).collect::<String>(),
        truncate_micros(now)
    );
    if n == 0 {
        return Err(FieldError::new(
            "expert_id",
            "rating.exists",
            "已评价过该专家",
            "You have rated this expert already",
        )
        .into());
    }
    log_expert(
        &mut tx,
        actor,
        side,
        lot.region.as_str(),
        input.expert_id,
        "expert.rated",
        serde_json::json!({"lot": lot_id, "side": side, "stars": input.stars}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanInput {
    /// Last day of the ban (YYYY-MM-DD); absent for a permanent ban.
    #[serde(default)]
    pub until: Option<String>,
    /// Trade kinds covered (`construction`, `procurement` …); empty for all.
    #[serde(default)]
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MisconductInput {
    #[serde(default)]
    pub lot_id: Option<Uuid>,
    pub description: String,
    /// The legal basis, e.g. 招标投标法实施条例 Art 71.
    pub regulation: String,
    pub article: String,
    /// Points deducted from the expert's credit (0–100).
    pub points: u32,
    /// The expert's scores on the lot are void and no fee is paid (政府采购条例 Art 75).
    #[serde(default)]
    pub voids_scores: bool,
    #[serde(default)]
    pub ban: Option<BanInput>,
}

/// The department records misconduct: a deduction, optionally a ban, both enforced at the next draw.
pub async fn record_misconduct(
    db: &Db,
    actor: &Actor,
    expert: Uuid,
    input: &MisconductInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = profile_row(db, expert).await?;
    let region = DivisionCode::parse("region", &row.region_code)?;
    let g = actor.require(Permission::Supervise, &region)?.clone();
    let mut errs = Invalid::default();
    let description = ggzy_core::error::text(&mut errs, "description", &input.description, 2000);
    let regulation = ggzy_core::error::text(&mut errs, "regulation", &input.regulation, 100);
    let article = ggzy_core::error::text(&mut errs, "article", &input.article, 20);
    if input.points > 100 {
        errs.push(FieldError::new(
            "points",
            "misconduct.points",
            "扣分应在 0 至 100 之间",
            "Points lie between 0 and 100",
        ));
    }
    let today = tendering::day(now);
    let until = match input.ban.as_ref().and_then(|b| b.until.as_deref()) {
        Some(u) => match ggzy_core::entity::parse_date(&mut errs, "ban.until", u) {
            Some(d) if d < today => {
                errs.push(FieldError::new(
                    "ban.until",
                    "ban.past",
                    "禁止期的结束日期不能早于今天",
                    "A ban cannot end before today",
                ));
                None
            }
            d => d,
        },
        None => None,
    };
    for (i, s) in input.ban.iter().flat_map(|b| b.scope.iter()).enumerate() {
        if ![
            "construction",
            "procurement",
            "land_use",
            "mining_right",
            "state_property",
        ]
        .contains(&s.as_str())
        {
            errs.push(FieldError::new(
                format!("ban.scope[{i}]"),
                "ban.scope",
                "范围应为交易类型代码",
                "Scope lists trade kinds",
            ));
        }
    }
    let (Some(description), Some(regulation), Some(article)) = (description, regulation, article)
    else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO expert_misconduct (id, expert_id, lot_id, on_day, points, regulation, article, description, voids_scores, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        Uuid::now_v7(),
        expert,
        input.lot_id,
        today,
        input.points as i64,
        &regulation,
        &article,
        &description,
        input.voids_scores,
        actor.account_id,
        truncate_micros(now)
    );
    if let Some(b) = &input.ban {
        tx_exec!(
            &mut tx,
            "INSERT INTO expert_bans (id, expert_id, from_day, until_day, scope, regulation, article, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            Uuid::now_v7(),
            expert,
            today,
            until,
            b.scope.join(","),
            &regulation,
            &article,
            &description,
            actor.account_id,
            truncate_micros(now)
        );
    }
    if input.voids_scores {
        if let Some(lot) = input.lot_id {
            tx_exec!(
                &mut tx,
                "UPDATE expert_fees SET amount = 0, basis = 'void: misconduct' WHERE lot_id = $1 AND expert_id = $2",
                lot,
                expert
            );
        }
    }
    log_expert(&mut tx, actor, g.role.as_str(), region.as_str(), expert, "expert.misconduct_recorded", serde_json::json!({
        "lot": input.lot_id, "points": input.points, "regulation": regulation, "article": article,
        "voids_scores": input.voids_scores, "ban_until": until, "banned": input.ban.is_some()
    }), now).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MisconductView {
    pub on_day: NaiveDate,
    pub points: i64,
    pub regulation: String,
    pub article: String,
    pub description: String,
    pub voids_scores: bool,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct BanView {
    pub from_day: NaiveDate,
    pub until_day: Option<NaiveDate>,
    pub scope: String,
    pub regulation: String,
    pub article: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FeeView {
    pub lot_id: Uuid,
    pub lot_name: String,
    #[schema(value_type = i64)]
    pub amount: i64,
    pub basis: String,
    pub computed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditView {
    pub score: u32,
    pub ratings: i64,
    /// Average stars over all ratings, if any.
    pub average_stars: Option<f64>,
    pub misconduct: Vec<MisconductView>,
    pub bans: Vec<BanView>,
    pub fees: Vec<FeeView>,
}

/// An expert's credit, bans and fees: to the expert, centre staff and the department.
pub async fn credit(
    db: &Db,
    actor: &Actor,
    expert: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<CreditView> {
    let row = profile_row(db, expert).await?;
    let own = actor.account_id == Some(row.account_id);
    if !own {
        actor.require_any(Permission::RegistryRead)?;
    }
    let (n, avg): (i64, Option<f64>) = db_one!(
        db,
        "SELECT COUNT(*), CAST(AVG(stars) AS DOUBLE PRECISION) FROM expert_ratings WHERE expert_id = $1",
        expert
    );
    Ok(CreditView {
        score: score(db, expert, tendering::day(now)).await?,
        ratings: n,
        average_stars: avg,
        misconduct: db_all!(
            db,
            "SELECT on_day, points, regulation, article, description, voids_scores FROM expert_misconduct WHERE expert_id = $1 ORDER BY on_day DESC",
            expert
        ),
        bans: db_all!(
            db,
            "SELECT from_day, until_day, scope, regulation, article, reason FROM expert_bans WHERE expert_id = $1 ORDER BY from_day DESC",
            expert
        ),
        fees: served_lots(db, expert, own).await?,
    })
}

/// The lots an expert was paid for. A lot names its committee only once it is awarded
/// ([`ggzy_core::disclosure::Secret::Committee`]), so others see a lot here from its award on;
/// the expert always sees their own.
async fn served_lots(db: &Db, expert: Uuid, own: bool) -> ServiceResult<Vec<FeeView>> {
    use ggzy_core::disclosure::{self, Moment, Secret};
    let rows: Vec<FeeView> = db_all!(
        db,
        "SELECT f.lot_id, l.name AS lot_name, f.amount, f.basis, f.computed_at FROM expert_fees f JOIN lots l ON l.id = f.lot_id WHERE f.expert_id = $1 ORDER BY f.computed_at DESC",
        expert
    );
    let mut out = vec![];
    for f in rows {
        let awarded = tendering::committee::awarded_at(db, f.lot_id)
            .await?
            .is_some();
        let reached: &[Moment] = if awarded { &[Moment::Awarded] } else { &[] };
        if own || disclosure::public(Secret::Committee, reached) {
            out.push(f);
        }
    }
    Ok(out)
}

/// The fee standard of a region (its own, or its city's).
pub async fn fee_standard(db: &Db, region: &DivisionCode) -> ServiceResult<Option<FeeStandard>> {
    for r in [region.clone(), region.rules_region()] {
        let row: Option<(i64, i64, i64)> = db_opt!(
            db,
            "SELECT per_session, session_hours, remote_allowance FROM fee_standards WHERE region_code = $1",
            r.as_str()
        );
        if let Some((per, hours, remote)) = row {
            return Ok(Some(FeeStandard {
                per_session: Money::from_fen(per),
                session_hours: hours.max(1) as u32,
                remote_allowance: Money::from_fen(remote),
            }));
        }
    }
    Ok(None)
}

/// Admins set a region's fee standard.
pub async fn put_fee_standard(
    db: &Db,
    actor: &Actor,
    region: &DivisionCode,
    std: &FeeStandard,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if !actor.is_system() {
        actor.require(Permission::ConfigAdmin, region)?;
    }
    if std.session_hours == 0
        || std.session_hours > 12
        || std.per_session.fen() < 0
        || std.remote_allowance.fen() < 0
    {
        return Err(FieldError::new(
            "session_hours",
            "fee.standard",
            "每场时长应为 1 至 12 小时，金额不能为负",
            "A session lasts 1 to 12 hours and amounts are not negative",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(&mut tx, "INSERT INTO fee_standards (region_code, per_session, session_hours, remote_allowance, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (region_code) DO UPDATE SET per_session = excluded.per_session, session_hours = excluded.session_hours, remote_allowance = excluded.remote_allowance, updated_at = excluded.updated_at", region.as_str(), std.per_session.fen(), std.session_hours as i64, std.remote_allowance.fen(), truncate_micros(now));
    crate::events::append(
        &mut tx,
        crate::events::NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(None),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind: "fees.standard_set",
            subject: format!("region:{region}"),
            payload: serde_json::to_value(std).or_internal()?,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// When the report is final: each drawn expert's fee from sign-in on the day to signing.
pub(crate) async fn record_fees(
    tx: &mut Tx,
    lot_id: Uuid,
    region: &DivisionCode,
    std: Option<FeeStandard>,
    remote: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let Some(std) = std else {
        tracing::warn!(lot = %lot_id, region = %region, "no fee standard for the region; fees not computed");
        return Ok(());
    };
    let rows: Vec<(Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> = tx_all!(tx, "SELECT e.id, p.checked_in_at, m.signed_at FROM committee_members m JOIN experts e ON e.account_id = m.account_id
         JOIN expert_draws d ON d.lot_id = m.lot_id JOIN draw_picks p ON p.draw_id = d.id AND p.expert_id = e.id
         WHERE m.lot_id = $1 AND m.member_kind = 'expert'", lot_id);
    for (expert, checked_in, signed) in rows {
        let (Some(a), Some(b)) = (checked_in, signed) else {
            continue;
        };
        let fee = ex::evaluation_fee(&std, a, b, remote, false);
        let basis = format!(
            "{}–{} ({} h sessions at ¥{}{})",
            a.format("%H:%M"),
            b.format("%H:%M"),
            std.session_hours,
            std.per_session,
            if remote { ", remote" } else { "" }
        );
        tx_exec!(
            tx,
            "INSERT INTO expert_fees (lot_id, expert_id, amount, basis, computed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            lot_id,
            expert,
            fee.fen(),
            &basis,
            truncate_micros(now)
        );
    }
    Ok(())
}
