//! Expert draws for a lot (专家抽取): screening by the avoidance rules, a logged commitment and pool
//! snapshot before each round, the deterministic draw, confirmation by the drawn experts with
//! redraws (补抽) for declines and silence, sign-in on the day, the committee formed from the
//! accepted experts, and the seeds revealed once the result is public.
//!
//! The drawn list is visible only to the staff member who ran the draw (and each expert sees their
//! own invitation) until the award; the commitments and snapshot hashes are public from the start.

mod proof;
mod replies;
pub use proof::*;
pub use replies::*;

use super::specialty_tree;
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::notify::{self, Message};
use crate::tendering::{self, LotRow, Party, log, party_of, schedule};
use crate::{db_all, db_opt, on_tx, tx_all, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::draw::{self as dr, GroupPool, Hash, Pick, PublishedRound};
use ggzy_core::expert::{
    self as ex, DrawSpec, Exclusion, ExpertPack, ExpertProfile, ExpertStatus, Parties, Scope,
};
use ggzy_core::procedure::Stage;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::specialty::SpecialtyCode;
use ggzy_core::tender_schedule::check_committee;
use ggzy_core::{FieldError, Invalid};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

pub const TRADE_KIND: &str = "construction";

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Specialty code from the classification, at any level (`A04`, `A040103`).
    pub specialty: String,
    pub count: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// Specialty mix, drawn in this order.
    pub groups: Vec<GroupInput>,
    /// The principal's representatives on the committee (accounts of the principal's entity).
    #[serde(default)]
    pub representatives: Vec<Uuid>,
    /// The evaluation day (YYYY-MM-DD).
    pub evaluation_on: String,
    /// Minutes a drawn expert has to accept or decline (10 to 1440; default 60).
    #[serde(default)]
    pub reply_within_minutes: Option<u32>,
    /// Regions to draw from for remote cross-region evaluation; empty for the lot's own city.
    #[serde(default)]
    pub cross_region: Vec<String>,
}

struct Request {
    groups: Vec<(SpecialtyCode, u32)>,
    day: NaiveDate,
    reply_minutes: u32,
    scope: Scope,
}

fn parse(
    i: &DrawInput,
    tree: &ggzy_core::specialty::SpecialtyTree,
    lot: &LotRow,
    today: NaiveDate,
) -> Result<Request, Invalid> {
    let mut errs = Invalid::default();
    let mut groups = vec![];
    for (k, g) in i.groups.iter().enumerate() {
        match tree.code(&format!("groups[{k}].specialty"), &g.specialty) {
            Ok(c) => groups.push((c, g.count)),
            Err(e) => errs.push(e),
        }
        if g.count == 0 || g.count > 25 {
            errs.push(FieldError::new(
                format!("groups[{k}].count"),
                "draw.count",
                "每组人数应为 1 至 25 人",
                "Each group draws 1 to 25 experts",
            ));
        }
    }
    if i.groups.is_empty() {
        errs.push(FieldError::new(
            "groups",
            "draw.no_groups",
            "请至少填写一个专业组",
            "Give at least one specialty group",
        ));
    }
    let day = match ggzy_core::entity::parse_date(&mut errs, "evaluation_on", &i.evaluation_on) {
        Some(d) if d < today => {
            errs.push(FieldError::new(
                "evaluation_on",
                "draw.day_past",
                "评标日期不能早于今天",
                "The evaluation day cannot be in the past",
            ));
            None
        }
        d => d,
    };
    let reply_minutes = i.reply_within_minutes.unwrap_or(60);
    if !(10..=1440).contains(&reply_minutes) {
        errs.push(FieldError::new(
            "reply_within_minutes",
            "draw.reply_window",
            "答复时限应为 10 至 1440 分钟",
            "The reply window is 10 to 1440 minutes",
        ));
    }
    let scope = if i.cross_region.is_empty() {
        Scope::Local(lot.region.rules_region())
    } else {
        let mut rs = vec![lot.region.rules_region()];
        for (k, r) in i.cross_region.iter().enumerate() {
            match DivisionCode::parse(&format!("cross_region[{k}]"), r) {
                Ok(r) => rs.push(r),
                Err(e) => errs.push(e),
            }
        }
        Scope::CrossRegion(rs)
    };
    match (errs.is_empty(), day) {
        (true, Some(day)) => Ok(Request {
            groups,
            day,
            reply_minutes,
            scope,
        }),
        _ => Err(errs),
    }
}

/// Credit codes of the lot's principal, agency and bidders, and its supervising department.
async fn parties(db: &Db, lot: &LotRow) -> ServiceResult<Parties> {
    let uscc = |id: Uuid| async move {
        let r: Option<(String,)> = db_opt!(db, "SELECT uscc FROM entities WHERE id = $1", id);
        Ok::<_, ServiceError>(r.map(|r| r.0).unwrap_or_default())
    };
    let principal = uscc(lot.principal_id).await?;
    let agency = match lot.agency_id {
        Some(a) => Some(uscc(a).await?),
        None => None,
    };
    let bidders: Vec<(String,)> = db_all!(
        db,
        "SELECT DISTINCT e.uscc FROM bids b JOIN entities e ON e.id = b.bidder_id WHERE b.lot_id = $1",
        lot.id
    );
    let mut dept = None;
    for r in [lot.region.clone(), lot.region.rules_region()] {
        let d: Option<(String,)> = db_opt!(
            db,
            "SELECT uscc FROM supervising_departments WHERE region_code = $1 AND trade_kind = $2",
            r.as_str(),
            TRADE_KIND
        );
        if let Some(d) = d {
            dept = Some(d.0);
            break;
        }
    }
    Ok(Parties {
        principal,
        agency,
        bidders: bidders.into_iter().map(|b| b.0).collect(),
        supervising_department: dept,
    })
}

type PoolRow = (
    Uuid,
    String,
    bool,
    i64,
    String,
    Option<String>,
    Option<String>,
    bool,
    String,
);

/// The experts holding a specialty under `like`, each once, with every specialty they hold there.
async fn load_profiles(
    db: &Db,
    like: &str,
    by_id: &mut BTreeMap<Uuid, ExpertProfile>,
) -> ServiceResult<()> {
    let rows: Vec<PoolRow> = db_all!(db, "SELECT e.id, e.status, e.senior_title, e.practice_years, e.region_code, e.employer_uscc, e.department_uscc, e.dishonest, s.code
         FROM expert_specialties s JOIN experts e ON e.id = s.expert_id WHERE s.code LIKE $1", like);
    for (id, status, senior, years, region, employer, dept, dishonest, sc) in rows {
        let Ok(region) = DivisionCode::parse("region", &region) else {
            continue;
        };
        let Ok(sc) = SpecialtyCode::parse("s", &sc) else {
            continue;
        };
        let e = by_id.entry(id).or_insert_with(|| ExpertProfile {
            id,
            status: ExpertStatus::parse(&status).unwrap_or(ExpertStatus::Pending),
            specialties: vec![],
            senior_title: senior,
            practice_years: years.max(0) as u32,
            region,
            employer,
            former_employers: vec![],
            conflicts: vec![],
            department: dept,
            unavailable: vec![],
            dishonest,
            bans: vec![],
            credit_score: 100,
            services: vec![],
        });
        if !e.specialties.contains(&sc) {
            e.specialties.push(sc);
        }
    }
    Ok(())
}

/// Everyone under the requested specialties, with what the avoidance rules need. One query per
/// table over the same specialty filter, so the cost grows with the matching pool, not the registry.
pub async fn load_pool(
    db: &Db,
    groups: &[(SpecialtyCode, u32)],
    today: NaiveDate,
) -> ServiceResult<Vec<ExpertProfile>> {
    let mut by_id: BTreeMap<Uuid, ExpertProfile> = BTreeMap::new();
    let pack = ExpertPack::v2025();
    for (code, _) in groups {
        let like = format!("{code}%");
        load_profiles(db, &like, &mut by_id).await?;
        let ties: Vec<(Uuid, String, String, Option<NaiveDate>)> = db_all!(
            db,
            "SELECT t.expert_id, t.kind, t.uscc, t.left_on FROM expert_ties t JOIN expert_specialties s ON s.expert_id = t.expert_id WHERE s.code LIKE $1",
            &like
        );
        for (id, kind, uscc, left) in ties {
            let Some(e) = by_id.get_mut(&id) else {
                continue;
            };
            match (kind.as_str(), left) {
                ("former_employer", Some(l))
                    if !e.former_employers.iter().any(|(u, _)| *u == uscc) =>
                {
                    e.former_employers.push((uscc, l))
                }
                ("conflict", _) if !e.conflicts.contains(&uscc) => e.conflicts.push(uscc),
                _ => {}
            }
        }
        let away: Vec<(Uuid, NaiveDate, NaiveDate)> = db_all!(
            db,
            "SELECT u.expert_id, u.from_day, u.until_day FROM expert_unavailability u JOIN expert_specialties s ON s.expert_id = u.expert_id WHERE s.code LIKE $1",
            &like
        );
        for (id, a, b) in away {
            if let Some(e) = by_id.get_mut(&id) {
                if !e.unavailable.contains(&(a, b)) {
                    e.unavailable.push((a, b));
                }
            }
        }
        let bans: Vec<(Uuid, NaiveDate, Option<NaiveDate>, String)> = db_all!(
            db,
            "SELECT b.expert_id, b.from_day, b.until_day, b.scope FROM expert_bans b JOIN expert_specialties s ON s.expert_id = b.expert_id WHERE s.code LIKE $1",
            &like
        );
        for (id, from, until, scope) in bans {
            if let Some(e) = by_id.get_mut(&id) {
                let b = ex::Ban {
                    from,
                    until,
                    scope: scope
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                };
                if !e.bans.contains(&b) {
                    e.bans.push(b);
                }
            }
        }
        let ds: Vec<(Uuid, Uuid, NaiveDate, i64)> = db_all!(
            db,
            "SELECT m.expert_id, m.id, m.on_day, m.points FROM expert_misconduct m JOIN expert_specialties s ON s.expert_id = m.expert_id WHERE s.code LIKE $1",
            &like
        );
        let mut per: BTreeMap<Uuid, BTreeMap<Uuid, ex::Deduction>> = BTreeMap::new();
        for (e, id, on, pts) in ds {
            per.entry(e).or_default().insert(
                id,
                ex::Deduction {
                    on,
                    points: pts.max(0) as u32,
                },
            );
        }
        for (e, d) in per {
            if let Some(x) = by_id.get_mut(&e) {
                let d: Vec<ex::Deduction> = d.into_values().collect();
                x.credit_score = ex::credit_score(&d, today, pack.credit_cycle_months.value);
            }
        }
        let served: Vec<(Uuid, String, DateTime<Utc>)> = db_all!(db, "SELECT DISTINCT e.id, pe.uscc, m.assigned_at FROM committee_members m JOIN experts e ON e.account_id = m.account_id
             JOIN expert_specialties s ON s.expert_id = e.id JOIN lots l ON l.id = m.lot_id JOIN projects pr ON pr.id = l.project_id
             JOIN entities pe ON pe.id = pr.principal_id WHERE s.code LIKE $1", &like);
        for (id, principal, at) in served {
            if let Some(e) = by_id.get_mut(&id) {
                let entry = (principal, tendering::day(at));
                if !e.services.contains(&entry) {
                    e.services.push(entry);
                }
            }
        }
    }
    Ok(by_id.into_values().collect())
}

/// Why each excluded expert was left out, and the counts: what the screening round stores.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredScreening {
    considered: u32,
    by_rule: BTreeMap<Exclusion, u32>,
    excluded: Vec<(Uuid, Vec<Exclusion>)>,
}

pub(crate) fn fresh_seed() -> Hash {
    let mut s = [0u8; 32];
    rand::rng().fill_bytes(&mut s);
    s
}

/// Centre staff request the experts for a lot. Fails with the numbers when the pool cannot fill
/// the request; otherwise commits, draws round 1 and invites the drawn experts.
pub async fn request(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &DrawInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let lot = tendering::load(db, lot_id).await?;
    let grant = actor
        .require(Permission::IntakeProcess, &lot.region)?
        .clone();
    if lot.state.stage != Stage::Evaluating {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "experts are drawn once the bidders are known, after the opening",
        });
    }
    let tree = specialty_tree(db).await?;
    let today = tendering::day(now);
    let req = parse(input, &tree, &lot, today)?;
    let experts: u32 = req.groups.iter().map(|g| g.1).sum();
    let mut reps = input.representatives.clone();
    reps.sort();
    reps.dedup();
    if reps.len() != input.representatives.len() {
        return Err(FieldError::new(
            "representatives",
            "committee.duplicate",
            "同一人不能重复列入评标委员会",
            "A person sits on the committee once",
        )
        .into());
    }
    match lot.purchase_method() {
        Some(m) => ggzy_core::committee::check_panel(
            ggzy_core::procurement::panel(m, lot.estimated_price),
            experts + reps.len() as u32,
            experts,
        )?,
        None => check_committee(&lot.pack, experts + reps.len() as u32, experts)?,
    }
    tendering::committee::check_representatives(db, &lot, &reps).await?;
    let existing: Option<(Uuid,)> =
        db_opt!(db, "SELECT id FROM expert_draws WHERE lot_id = $1", lot_id);
    if existing.is_some() {
        return Err(FieldError::new(
            "groups",
            "draw.exists",
            "本标段已抽取专家；请在原抽取中补抽",
            "Experts are already drawn for this lot; redraws go through that draw",
        )
        .into());
    }
    let spec = DrawSpec {
        groups: req.groups.clone(),
        day: req.day,
        scope: req.scope.clone(),
        trade_kind: TRADE_KIND.into(),
        parties: parties(db, &lot).await?,
        tender_evaluation: true,
    };
    let pool = load_pool(db, &req.groups, req.day).await?;
    let s = ex::screen(&pool, &spec, &ExpertPack::v2025(), &BTreeSet::new());
    if let Some(e) = ex::too_few(&s) {
        let mut tx = db.begin().await?;
        log(&mut tx, actor, Some(&grant), &lot, "draw.refused_too_few", serde_json::json!({
            "groups": req.groups.iter().map(|(c, n)| serde_json::json!({"specialty": c, "count": n})).collect::<Vec<_>>(),
            "considered": s.considered, "eligible": s.groups.iter().map(|g| g.eligible.len()).collect::<Vec<_>>(),
            "excluded_by_rule": s.by_rule.iter().map(|(k, v)| (k.as_str(), *v)).collect::<BTreeMap<_, _>>(),
        }), now).await?;
        tx.commit().await?;
        return Err(e.into());
    }
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    let scope_js = serde_json::to_string(&req.scope).or_internal()?;
    let groups_js = serde_json::to_string(
        &req.groups
            .iter()
            .map(|(c, n)| (c.as_str(), n))
            .collect::<Vec<_>>(),
    )
    .or_internal()?;
    let reps_js = serde_json::to_string(&reps).or_internal()?;
    tx_exec!(
        &mut tx,
        "INSERT INTO expert_draws (id, lot_id, region_code, requested_by, requested_at, evaluation_on, reply_within_minutes, scope, group_spec, representatives, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'confirming')",
        id,
        lot_id,
        lot.region.as_str(),
        actor.account_id,
        truncate_micros(now),
        req.day,
        req.reply_minutes as i64,
        &scope_js,
        &groups_js,
        &reps_js
    );
    commit_round(&mut tx, actor, &lot, id, 1, s, req.reply_minutes, now).await?;
    tx.commit().await?;
    let mut tx = db.begin().await?;
    complete_round(&mut tx, actor, &lot, id, 1, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Log the commitment and the snapshot of a round before anything is drawn.
#[allow(clippy::too_many_arguments)]
async fn commit_round(
    tx: &mut Tx,
    actor: &Actor,
    lot: &LotRow,
    draw: Uuid,
    round: u32,
    s: ex::Screening,
    reply_minutes: u32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let seed = fresh_seed();
    let commitment = dr::commitment(&seed);
    let snapshot_sm3 = dr::snapshot_hash(&s.groups);
    let stored = StoredScreening {
        considered: s.considered,
        by_rule: s.by_rule.clone(),
        excluded: s.excluded,
    };
    let snapshot = serde_json::to_string(&s.groups).or_internal()?;
    let screening = serde_json::to_string(&stored).or_internal()?;
    let reply_by = truncate_micros(now + Duration::minutes(i64::from(reply_minutes)));
    tx_exec!(
        tx,
        "INSERT INTO draw_rounds (draw_id, round, seed, commitment, snapshot_sm3, snapshot, screening, reply_by, drawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        draw,
        round as i64,
        dr::to_hex(&seed),
        dr::to_hex(&commitment),
        dr::to_hex(&snapshot_sm3),
        &snapshot,
        &screening,
        reply_by,
        truncate_micros(now)
    );
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    log(tx, actor, grant.as_ref(), lot, "draw.committed", serde_json::json!({
        "draw": draw, "round": round, "commitment": dr::to_hex(&commitment), "snapshot_sm3": dr::to_hex(&snapshot_sm3),
        "groups": s.groups.iter().map(|g| serde_json::json!({"specialty": g.specialty, "count": g.count, "eligible": g.eligible.len()})).collect::<Vec<_>>(),
        "considered": stored.considered,
        "excluded_by_rule": stored.by_rule.iter().map(|(k, v)| (k.as_str(), *v)).collect::<BTreeMap<_, _>>(),
    }), now).await?;
    Ok(())
}

/// Draw a committed round from its stored seed and snapshot, record the picks and invite them.
async fn complete_round(
    tx: &mut Tx,
    actor: &Actor,
    lot: &LotRow,
    draw: Uuid,
    round: u32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (seed, snapshot, reply_by): (String, String, DateTime<Utc>) = tx_one!(
        tx,
        "SELECT seed, snapshot, reply_by FROM draw_rounds WHERE draw_id = $1 AND round = $2",
        draw,
        round as i64
    );
    let seed =
        dr::from_hex(&seed).ok_or_else(|| ServiceError::Internal("bad stored seed".into()))?;
    let groups: Vec<GroupPool> = serde_json::from_str(&snapshot).or_internal()?;
    let picks = dr::draw(&seed, &groups)
        .map_err(|e| ServiceError::Internal(format!("screened pool short in group {}", e.group)))?;
    let base: (i64,) = tx_one!(
        tx,
        "SELECT COUNT(*) FROM draw_picks WHERE draw_id = $1",
        draw
    );
    // Redraw rounds carry their group's index in the original request.
    let spec: String = on_tx!(tx, |c| sqlx::query_as::<_, (String,)>(
        "SELECT group_spec FROM expert_draws WHERE id = $1"
    )
    .bind(draw)
    .fetch_one(c)
    .await?)
    .0;
    let spec: Vec<(String, u32)> = serde_json::from_str(&spec).or_internal()?;
    for (k, p) in picks.iter().enumerate() {
        let code = groups[p.group as usize].specialty.as_str();
        let original = spec
            .iter()
            .position(|(c, _)| c == code)
            .unwrap_or(p.group as usize);
        tx_exec!(
            tx,
            "INSERT INTO draw_picks (draw_id, expert_id, round, pick_order, group_index, status) VALUES ($1, $2, $3, $4, $5, 'invited')",
            draw,
            p.expert,
            round as i64,
            base.0 + k as i64,
            original as i64
        );
        let account: (Uuid,) =
            tx_one!(tx, "SELECT account_id FROM experts WHERE id = $1", p.expert);
        let body = format!(
            "您被随机抽取为“{}”的评标专家（评标日期以邀请为准）。请在 {} 前登录平台确认是否参加；逾期未答复视为不参加。",
            lot.name,
            tendering::notices_fmt(reply_by)
        );
        notify::send(
            tx,
            &Message {
                account: account.0,
                kind: "draw_invitation",
                title: "评标专家抽取通知",
                body: &body,
                link: "/experts/me",
            },
            now,
        )
        .await?;
    }
    let picks_js = serde_json::to_string(&picks).or_internal()?;
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    log(tx, actor, grant.as_ref(), lot, "draw.drawn", serde_json::json!({
        "draw": draw, "round": round, "drawn": picks.len(), "picks_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[picks_js.as_bytes()]))
    }), now).await?;
    let due = next_reply_due(tx, draw).await?.unwrap_or(reply_by);
    schedule::plan(tx, lot.id, schedule::DRAW_REPLY, due).await?;
    Ok(())
}

async fn next_reply_due(tx: &mut Tx, draw: Uuid) -> ServiceResult<Option<DateTime<Utc>>> {
    let r: Vec<(DateTime<Utc>,)> = tx_all!(
        tx,
        "SELECT r.reply_by FROM draw_picks p JOIN draw_rounds r ON r.draw_id = p.draw_id AND r.round = p.round WHERE p.draw_id = $1 AND p.status = 'invited'",
        draw
    );
    Ok(r.into_iter().map(|r| r.0).min())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = DrawReplyInput)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    pub accept: bool,
    /// Why the expert declines (required when declining).
    #[serde(default)]
    pub reason: String,
}

struct DrawRow {
    id: Uuid,
    requested_by: Uuid,
    status: String,
    evaluation_on: NaiveDate,
    reply_minutes: u32,
    scope: Scope,
    groups: Vec<(SpecialtyCode, u32)>,
    representatives: Vec<Uuid>,
    revealed_at: Option<DateTime<Utc>>,
}

type DrawTuple = (
    Uuid,
    Uuid,
    String,
    NaiveDate,
    i64,
    String,
    String,
    String,
    Option<DateTime<Utc>>,
);

fn draw_from(t: DrawTuple) -> ServiceResult<DrawRow> {
    let bad = |e: serde_json::Error| ServiceError::Internal(e.to_string());
    let groups: Vec<(String, u32)> = serde_json::from_str(&t.6).map_err(bad)?;
    Ok(DrawRow {
        id: t.0,
        requested_by: t.1,
        status: t.2,
        evaluation_on: t.3,
        reply_minutes: t.4.max(10) as u32,
        scope: serde_json::from_str(&t.5).map_err(bad)?,
        groups: groups
            .into_iter()
            .filter_map(|(c, n)| SpecialtyCode::parse("s", &c).ok().map(|c| (c, n)))
            .collect(),
        representatives: serde_json::from_str(&t.7).map_err(bad)?,
        revealed_at: t.8,
    })
}

const DRAW_SELECT: &str = "SELECT id, requested_by, status, evaluation_on, reply_within_minutes, scope, group_spec, representatives, revealed_at FROM expert_draws WHERE lot_id = $1";

async fn draw_of(db: &Db, lot: Uuid) -> ServiceResult<Option<DrawRow>> {
    let t: Option<DrawTuple> = db_opt!(db, DRAW_SELECT, lot);
    t.map(draw_from).transpose()
}

async fn draw_of_tx(tx: &mut Tx, lot: Uuid) -> ServiceResult<Option<DrawRow>> {
    let t: Option<DrawTuple> = tx_opt!(tx, DRAW_SELECT, lot);
    t.map(draw_from).transpose()
}
