//! Evaluation to contract: the committee (≥ 5, odd, experts ≥ 2/3; assigned by centre staff until
//! the expert draw lands, recorded as `manual`), members' independent sheets, the report signed by
//! every member with dissent, candidate publicity, award with letters to all at the same moment,
//! contract, bond refunds and the tendering report.

use super::{Party, load, load_for_update, log, party_of, push, require_tenderer, schedule, step};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::bids::OpeningRecord;
use crate::tendering::notices::publish_notice_row;
use crate::{on_db, on_tx};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::evaluation::{self as ev, MemberSheet, OpenedBid, Outcome};
use ggzy_core::procedure::{Command, Stage};
use ggzy_core::role::Permission;
use ggzy_core::tender_schedule as ts;
use ggzy_core::{FieldError, Invalid, Money};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MemberView {
    pub account_id: Uuid,
    pub display_name: String,
    pub member_kind: String,
    pub assignment: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub dissent: Option<String>,
}

pub async fn is_member(db: &Db, actor: &Actor, lot: Uuid) -> ServiceResult<bool> {
    let Some(a) = actor.account_id else {
        return Ok(false);
    };
    let r: Option<(i64,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT CAST(1 AS BIGINT) FROM committee_members WHERE lot_id = $1 AND account_id = $2"
    )
    .bind(lot)
    .bind(a)
    .fetch_optional(p)
    .await?);
    Ok(r.is_some())
}

/// The principal's representatives must be the principal's own people.
pub(crate) async fn check_representatives(
    db: &Db,
    lot: &super::LotRow,
    reps: &[Uuid],
) -> ServiceResult<()> {
    for (i, r) in reps.iter().enumerate() {
        let ent: Option<(Option<Uuid>,)> = on_db!(db, |p| sqlx::query_as(
            "SELECT entity_id FROM accounts WHERE id = $1"
        )
        .bind(r)
        .fetch_optional(p)
        .await?);
        if ent.and_then(|e| e.0) != Some(lot.principal_id) {
            return Err(FieldError::new(
                format!("representatives[{i}]"),
                "committee.not_a_representative",
                "招标人代表应为招标人的人员",
                "Representatives must be the principal's people",
            )
            .into());
        }
    }
    Ok(())
}

/// Seat the committee: the experts (drawn, or appointed for a special project) and the
/// principal's representatives. The member list is confidential until the result is final
/// (法 Art 37): the log keeps only its hash.
pub(crate) async fn seat_committee(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    lot: &super::LotRow,
    experts: &[Uuid],
    representatives: &[Uuid],
    assignment: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let existing: (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM committee_members WHERE lot_id = $1"
    )
    .bind(lot.id)
    .fetch_one(c)
    .await?);
    if existing.0 > 0 {
        return Err(FieldError::new(
            "experts",
            "committee.exists",
            "评标委员会已组建",
            "The committee has already been formed",
        )
        .into());
    }
    let mut all: Vec<Uuid> = experts.iter().chain(representatives).copied().collect();
    for (kind, list) in [("expert", experts), ("principal_rep", representatives)] {
        for a in list {
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO committee_members (lot_id, account_id, member_kind, assignment, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(lot.id)
            .bind(a)
            .bind(kind)
            .bind(assignment)
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .execute(c)
            .await?
            .rows_affected()
            });
        }
    }
    all.sort();
    let list_hash = ggzy_seal::to_hex(&ggzy_seal::sm3(&[serde_json::json!(all)
        .to_string()
        .as_bytes()]));
    let grant = actor
        .grant_for(Permission::IntakeProcess, &lot.region)
        .cloned();
    log(tx, actor, grant.as_ref(), lot, "lot.committee_assigned", serde_json::json!({"members": all.len(), "experts": experts.len(), "assignment": assignment, "members_sm3": list_hash}), now).await?;
    Ok(())
}

pub async fn members(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<MemberView>> {
    let lot = load(db, lot_id).await?;
    // Until the award only the staff who ran the draw and the members themselves see the list.
    let runner: Option<(Uuid,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT requested_by FROM expert_draws WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    let allowed = (runner.is_some() && runner.map(|r| r.0) == actor.account_id)
        || is_member(db, actor, lot_id).await?
        || (matches!(lot.state.stage, Stage::Awarded | Stage::Contracted)
            && party_of(actor, &lot).is_some());
    if !allowed {
        return Ok(vec![]);
    }
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT m.account_id, a.display_name, m.member_kind, m.assignment, m.submitted_at, m.signed_at, m.dissent FROM committee_members m JOIN accounts a ON a.id = m.account_id WHERE m.lot_id = $1 ORDER BY m.member_kind, a.display_name"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?
    }))
}

async fn opened_bids(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<OpenedBid>> {
    let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT record FROM opening_records WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    let Some((s,)) = r else { return Ok(vec![]) };
    let rec: OpeningRecord = serde_json::from_str(&s).or_internal()?;
    // The opening record carries what the committee needs from each form, price lines included.
    Ok(rec
        .lines
        .into_iter()
        .map(|l| OpenedBid {
            bidder: l.bidder_id,
            received_at: l.received_at,
            form: ev::BidForm {
                price: l.price,
                price_in_words: l.price_in_words,
                lines: l.lines,
                duration_days: l.duration_days,
                quality: l.quality,
                project_manager: l.project_manager,
                brand: l.brand,
                sme: l.sme,
            },
        })
        .collect())
}

/// The lot, if the actor sits on its committee and it is being evaluated.
async fn member_while_evaluating(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    reason: &'static str,
) -> ServiceResult<super::LotRow> {
    let lot = load(db, lot_id).await?;
    if !is_member(db, actor, lot_id).await? {
        return Err(ServiceError::Forbidden(Permission::Evaluate));
    }
    if lot.state.stage != Stage::Evaluating {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason,
        });
    }
    Ok(lot)
}

/// A member submits (or resubmits, until the report) an independent sheet.
pub async fn submit_sheet(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    sheet: &MemberSheet,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let me = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let lot =
        member_while_evaluating(db, actor, lot_id, "scores are given while evaluating").await?;
    if !crate::experts::draw::checked_in(db, lot_id, me).await? {
        return Err(FieldError::new(
            "sheet",
            "evaluation.not_checked_in",
            "请先签到（核验身份）再评分",
            "Sign in on the day (identity check) before scoring",
        )
        .into());
    }
    let bidders: Vec<Uuid> = opened_bids(db, lot_id)
        .await?
        .iter()
        .map(|b| b.bidder)
        .collect();
    ev::check_sheet(&lot.method, &bidders, sheet).map_err(|e| ServiceError::Invalid(Invalid(e)))?;
    let js = serde_json::to_string(sheet).or_internal()?;
    let mut tx = db.begin().await?;
    let signed: Option<(Option<DateTime<Utc>>,)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT signed_at FROM committee_members WHERE lot_id = $1 AND account_id = $2"
    )
    .bind(lot_id)
    .bind(me)
    .fetch_optional(c)
    .await?);
    if signed.is_some_and(|s| s.0.is_some()) {
        return Err(FieldError::new(
            "sheet",
            "evaluation.already_signed",
            "已签署评标报告，不能再修改评分",
            "You have signed the report; scores can no longer change",
        )
        .into());
    }
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE committee_members SET sheet = $1, submitted_at = $2 WHERE lot_id = $3 AND account_id = $4")
        .bind(&js)
        .bind(truncate_micros(now))
        .bind(lot_id)
        .bind(me)
        .execute(c)
        .await?
        .rows_affected()
    });
    let g = actor.grant_for(Permission::Evaluate, &lot.region).cloned();
    log(
        &mut tx,
        actor,
        g.as_ref(),
        &lot,
        "lot.sheet_submitted",
        serde_json::json!({"sheet_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[js.as_bytes()]))}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Evaluate a lot under its regime: procurement lots add their price rules, and a supplier who
/// gave no final quote where one was asked has left (74号令 Art 33).
async fn evaluate_lot(
    db: &Db,
    lot: &super::LotRow,
    sheets: &[MemberSheet],
) -> ServiceResult<Outcome> {
    let mut bids = opened_bids(db, lot.id).await?;
    bids.retain(|b| crate::procurement::in_evaluation(lot, b.bidder));
    let max = match &lot.gp {
        Some(gp) => gp.max_candidates.value,
        None => lot.pack.max_candidates.value,
    };
    let pricing = crate::procurement::pricing(db, lot).await?;
    Ok(ev::evaluate_with(&lot.method, &bids, sheets, max, &pricing))
}

async fn sheets(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<(Uuid, Option<MemberSheet>)>> {
    let rows: Vec<(Uuid, Option<String>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT account_id, sheet FROM committee_members WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?);
    rows.into_iter()
        .map(|(a, s)| {
            Ok((
                a,
                s.map(|s| serde_json::from_str(&s))
                    .transpose()
                    .or_internal()?,
            ))
        })
        .collect()
}

/// The evaluation as it stands: computed from the opened bids and the sheets submitted so far.
pub async fn outcome(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Outcome> {
    let lot = load(db, lot_id).await?;
    let allowed = matches!(
        party_of(actor, &lot),
        Some(Party::Centre | Party::Supervisor)
    ) || is_member(db, actor, lot_id).await?;
    if !allowed {
        return Err(if actor.account_id.is_none() {
            ServiceError::Unauthenticated
        } else {
            ServiceError::Forbidden(Permission::Evaluate)
        });
    }
    let s: Vec<MemberSheet> = sheets(db, lot_id)
        .await?
        .into_iter()
        .filter_map(|(_, s)| s)
        .collect();
    evaluate_lot(db, &lot, &s).await
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// Written reasons of a member who disagrees (条例 Art 53); empty to sign in agreement.
    #[serde(default)]
    pub dissent: Option<String>,
}

/// A member signs the report (with dissent if any). When every member has signed, the report is
/// final: candidates are ranked and the lot moves to `reported` (or fails if no bid is valid).
pub async fn sign_report(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &SignInput,
    now: DateTime<Utc>,
) -> ServiceResult<Stage> {
    if !is_member(db, actor, lot_id).await? {
        return Err(ServiceError::Forbidden(Permission::Evaluate));
    }
    let all = sheets(db, lot_id).await?;
    if all.iter().any(|(_, s)| s.is_none()) {
        return Err(FieldError::new(
            "report",
            "evaluation.sheets_missing",
            "尚有成员未提交评分，不能签署评标报告",
            "Every member must submit scores before the report is signed",
        )
        .into());
    }
    let named: Vec<(Uuid, &MemberSheet)> = all
        .iter()
        .filter_map(|(m, s)| s.as_ref().map(|s| (*m, s)))
        .collect();
    let lot_now = load(db, lot_id).await?;
    let split = ev::objective_disagreements(&lot_now.method, &named);
    if !split.is_empty() {
        let mut what: Vec<String> = split
            .iter()
            .map(|d| {
                lot_now
                    .method
                    .criteria()
                    .iter()
                    .find(|c| c.key == d.criterion)
                    .map_or(d.criterion.clone(), |c| c.name.clone())
            })
            .collect();
        what.sort();
        what.dedup();
        return Err(FieldError::new(
            "report",
            "evaluation.objective_disagreement",
            format!(
                "客观评分因素（{}）的评分不一致，请核对后修改评分",
                what.join("、")
            ),
            format!(
                "Members disagree on objective criteria ({}); reconcile the scores first",
                what.join(", ")
            ),
        )
        .with_rule("评标委员会和评标方法暂行规定", "36")
        .into());
    }
    if lot_now.gp.is_some() {
        let s: Vec<MemberSheet> = named.iter().map(|(_, s)| (*s).clone()).collect();
        let out = evaluate_lot(db, &lot_now, &s).await?;
        for r in out
            .results
            .iter()
            .filter(|r| r.abnormally_low && r.rejected.is_none())
        {
            let asked: Option<(Uuid,)> = on_db!(db, |p| {
                sqlx::query_as(
                "SELECT id FROM evaluation_clarifications WHERE lot_id = $1 AND bidder_id = $2 AND answer IS NOT NULL LIMIT 1"
            )
            .bind(lot_id)
            .bind(r.bidder)
            .fetch_optional(p)
            .await?
            });
            if asked.is_none() {
                let name = super::entity_name(db, r.bidder).await?;
                return Err(FieldError::new(
                    "report",
                    "procurement.abnormally_low",
                    format!("{name}的报价明显低于其他有效报价，应要求其书面说明并提交证明材料；不能证明其合理性的，按无效投标处理"),
                    format!("{name}'s price is abnormally low: ask for and receive its written justification first, or vote it invalid"),
                )
                .with_rule(ggzy_core::procurement::ORDER87, "60")
                .into());
            }
        }
    }
    let dissent = input
        .dissent
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(5000).collect::<String>());
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    if lot.state.stage != Stage::Evaluating {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "the report is signed while evaluating",
        });
    }
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE committee_members SET signed_at = $1, dissent = $2 WHERE lot_id = $3 AND account_id = $4")
        .bind(truncate_micros(now))
        .bind(&dissent)
        .bind(lot_id)
        .bind(actor.account_id)
        .execute(c)
        .await?
        .rows_affected()
    });
    let g = actor.grant_for(Permission::Evaluate, &lot.region).cloned();
    log(
        &mut tx,
        actor,
        g.as_ref(),
        &lot,
        "lot.report_signed",
        serde_json::json!({"dissent": dissent.is_some()}),
        now,
    )
    .await?;
    let unsigned: (i64,) = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT COUNT(*) FROM committee_members WHERE lot_id = $1 AND signed_at IS NULL"
    )
    .bind(lot_id)
    .fetch_one(c)
    .await?);
    if unsigned.0 == 0 {
        let s: Vec<MemberSheet> = all.iter().filter_map(|(_, s)| s.clone()).collect();
        let out = evaluate_lot(db, &lot, &s).await?;
        let js = serde_json::to_string(&out).or_internal()?;
        crate::experts::credit::record_fees(
            &mut tx,
            lot_id,
            &lot.region,
            crate::experts::credit::fee_standard(db, &lot.region).await?,
            crate::experts::draw::is_remote(db, lot_id).await?,
            now,
        )
        .await?;
        let pct = ggzy_core::expert::ExpertPack::v2025()
            .abnormal_deviation_percent
            .value;
        for a in ev::abnormal_scores(&lot.method, &named, pct) {
            crate::alerts::raise(
                &mut tx,
                &lot,
                "evaluation.abnormal_score",
                serde_json::to_value(&a).or_internal()?,
                now,
            )
            .await?;
        }
        on_tx!(&mut tx, |c| {
            sqlx::query("INSERT INTO evaluation_reports (lot_id, outcome, reported_by, reported_at) VALUES ($1, $2, $3, $4)")
            .bind(lot_id)
            .bind(&js)
            .bind(actor.account_id)
            .bind(truncate_micros(now))
            .execute(c)
            .await?
            .rows_affected()
        });
        if out.candidates.is_empty() {
            step(
                &mut tx,
                &mut lot,
                actor,
                g.as_ref(),
                &Command::RejectAll,
                now,
                serde_json::json!({}),
            )
            .await?;
            let title = format!("{}{}招标失败公告", lot.project_name, lot.name);
            publish_notice_row(
                &mut tx,
                &lot,
                "failed",
                &title,
                &format!("{title}\n所有投标均被否决，依法重新招标（招标投标法 第42条）。"),
                now,
            )
            .await?;
        } else {
            step(&mut tx, &mut lot, actor, g.as_ref(), &Command::ReportEvaluation { ranked: out.candidates.clone() }, now, serde_json::json!({"outcome_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[js.as_bytes()]))})).await?;
        }
        if lot.gp.is_some() {
            if lot.state.stage == Stage::Reported {
                let last = crate::procurement::plan_deemed_choice(&mut tx, &lot, now).await?;
                push(&mut tx, lot.principal_id, lot_id, "evaluation_report", &format!("{} 评审报告", lot.name), &format!("评审报告已送达。请于 {last} 前按评审报告推荐的顺序确定中标（成交）供应商；逾期未确定且无正当理由的，视为确定排名第一的候选人（政府采购货物和服务招标投标管理办法 第68条）。"), now).await?;
            }
        } else {
            push(&mut tx, lot.principal_id, lot_id, "evaluation_report", &format!("{} 评标报告", lot.name), "评标委员会已提交评标报告。请在收到评标报告之日起3日内公示中标候选人（招标投标法实施条例 第54条）。", now).await?;
        }
    }
    tx.commit().await?;
    Ok(lot.state.stage)
}

pub async fn report(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Option<Outcome>> {
    let lot = load(db, lot_id).await?;
    let allowed = matches!(
        party_of(actor, &lot),
        Some(Party::Tenderer | Party::Centre | Party::Supervisor)
    ) || is_member(db, actor, lot_id).await?;
    // A procurement supplier sees its own score and rank once the result is out (87号令 Art 69).
    if !allowed
        && lot.gp.is_some()
        && matches!(lot.state.stage, Stage::Awarded | Stage::Contracted)
        && let Some(Party::Bidder(me)) = party_of(actor, &lot)
    {
        let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
            "SELECT outcome FROM evaluation_reports WHERE lot_id = $1"
        )
        .bind(lot_id)
        .fetch_optional(p)
        .await?);
        let Some((s,)) = r else { return Ok(None) };
        let mut o: Outcome = serde_json::from_str(&s).or_internal()?;
        o.results.retain(|r| r.bidder == me);
        o.candidates.retain(|c| *c == me);
        return Ok(Some(o));
    }
    if !allowed {
        return Err(if actor.account_id.is_none() {
            ServiceError::Unauthenticated
        } else {
            ServiceError::Forbidden(Permission::ProjectRegister)
        });
    }
    let r: Option<(String,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT outcome FROM evaluation_reports WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    r.map(|(s,)| serde_json::from_str(&s).or_internal())
        .transpose()
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicityInput {
    /// End of the candidate publicity (≥ 3 days).
    pub until: DateTime<Utc>,
}

/// Publish the candidates (within 3 days of the report, for at least 3 days).
pub async fn start_publicity(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &PublicityInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let (mut tx, mut lot, grant) = super::begin_as_tenderer(db, actor, lot_id).await?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::StartPublicity { until: input.until },
        now,
        serde_json::json!({}),
    )
    .await?;
    let names = entity_names(&mut tx, &lot.state.candidates).await?;
    let r: Option<(String,)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT record FROM opening_records WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(c)
    .await?);
    let record: Option<OpeningRecord> = r.and_then(|(s,)| serde_json::from_str(&s).ok());
    let title = format!("{}{}中标候选人公示", lot.project_name, lot.name);
    let mut body = format!("{title}\n统一交易标识码：{}\n", lot.trade_code);
    for (i, (id, name)) in names.iter().enumerate() {
        let line = record
            .as_ref()
            .and_then(|r| r.lines.iter().find(|l| l.bidder_id == *id));
        body.push_str(&format!(
            "第{}名：{}，投标报价 {}，工期 {} 天，质量 {}，项目负责人 {}\n",
            i + 1,
            name,
            line.map_or(String::new(), |l| l.price.to_string()),
            line.map_or(0, |l| l.duration_days),
            line.map_or("", |l| l.quality.as_str()),
            line.map_or("", |l| l.project_manager.as_str()),
        ));
    }
    body.push_str(&format!("\n公示期至：{}。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间通过本平台提出（招标投标法实施条例 第54条）。", super::notices_fmt(input.until)));
    let id = publish_notice_row(&mut tx, &lot, "candidates", &title, &body, now).await?;
    schedule::plan(&mut tx, lot.id, schedule::END_PUBLICITY, input.until).await?;
    tx.commit().await?;
    Ok(id)
}

async fn entity_names(tx: &mut crate::db::Tx, ids: &[Uuid]) -> ServiceResult<Vec<(Uuid, String)>> {
    let mut out = vec![];
    for id in ids {
        let n: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
            "SELECT name FROM entities WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await?);
        out.push((*id, n.map(|n| n.0).unwrap_or_default()));
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    pub winner: Uuid,
}

/// Determine the winner: the award letter and every result notice go out in one transaction, at
/// one instant (法 Art 45).
pub async fn award(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &AwardInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (mut tx, mut lot, grant) = super::begin_as_tenderer(db, actor, lot_id).await?;
    award_in(
        &mut tx,
        actor,
        Some(&grant),
        &mut lot,
        input.winner,
        false,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The award inside a transaction: by the principal, or deemed by the schedule when a
/// procurement buyer stays silent.
pub(crate) async fn award_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    grant: Option<&crate::actor::Grant>,
    lot: &mut super::LotRow,
    winner: Uuid,
    deemed: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    step(
        tx,
        lot,
        actor,
        grant,
        &Command::Award { winner },
        now,
        serde_json::json!({"deemed": deemed}),
    )
    .await?;
    let names = entity_names(tx, &[winner]).await?;
    let winner_name = names.first().map(|n| n.1.clone()).unwrap_or_default();
    if let Some(gp) = lot.gp.clone() {
        award_procurement(tx, lot, &gp, winner, &winner_name, deemed, now).await?;
    } else {
        award_construction(tx, lot, winner, &winner_name, now).await?;
    }
    // The result is public: the expert draw's seeds are revealed for anyone to recompute.
    crate::experts::draw::reveal(tx, lot, now).await?;
    Ok(())
}

async fn award_construction(
    tx: &mut crate::db::Tx,
    lot: &super::LotRow,
    winner: Uuid,
    winner_name: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let due = ts::award_deadlines(&lot.pack, now);
    push(
        tx,
        winner,
        lot.id,
        "award_letter",
        &format!("{} 中标通知书", lot.name),
        &format!(
            "贵单位为{}{}的中标人。请于 {} 前与招标人订立书面合同（招标投标法 第46条）。",
            lot.project_name, lot.name, due.contract_by
        ),
        now,
    )
    .await?;
    for o in losers(tx, lot.id, winner).await? {
        push(
            tx,
            o,
            lot.id,
            "result_notice",
            &format!("{} 中标结果通知书", lot.name),
            &format!(
                "{}{}的中标人为{}。感谢贵单位参与投标。",
                lot.project_name, lot.name, winner_name
            ),
            now,
        )
        .await?;
    }
    let title = format!("{}{}中标结果公告", lot.project_name, lot.name);
    publish_notice_row(
        tx,
        lot,
        "result",
        &title,
        &format!(
            "{title}\n统一交易标识码：{}\n中标人：{winner_name}",
            lot.trade_code
        ),
        now,
    )
    .await?;
    Ok(())
}

async fn losers(tx: &mut crate::db::Tx, lot: Uuid, winner: Uuid) -> ServiceResult<Vec<Uuid>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (Uuid,)>("SELECT DISTINCT bidder_id FROM bids WHERE lot_id = $1 AND status = 'active' AND bidder_id <> $2").bind(lot).bind(winner).fetch_all(c).await?).into_iter().map(|r| r.0).collect())
}

/// A procurement result (条例 Art 43; 87号令 Art 69): the award notice, each loser told its own
/// score and rank, the result notice for 1 working day with the committee's names, and the
/// losers' bonds due back within 5 working days (87号令 Art 38).
async fn award_procurement(
    tx: &mut crate::db::Tx,
    lot: &super::LotRow,
    gp: &ggzy_core::procurement::ProcurementPack,
    winner: Uuid,
    winner_name: &str,
    deemed: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let cal = crate::calendar::load_tx(tx).await?;
    let today = super::day(now);
    let ends = cal.add_working_days(today, gp.result_runs.value);
    let contract_by = cal.period_end(today, gp.contract_within.value);
    let refund_by = cal.add_working_days(today, gp.bond_refund_within.value);
    let outcome: Option<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT outcome FROM evaluation_reports WHERE lot_id = $1"
    )
    .bind(lot.id)
    .fetch_optional(c)
    .await?);
    let outcome: Option<Outcome> = outcome.and_then(|(s,)| serde_json::from_str(&s).ok());
    let line = |b: Uuid| {
        outcome
            .as_ref()
            .and_then(|o| o.results.iter().find(|r| r.bidder == b).cloned())
    };
    let price = line(winner).map_or(String::new(), |r| r.bid_price.to_string());
    push(
        tx,
        winner,
        lot.id,
        "award_letter",
        &format!("{} 中标（成交）通知书", lot.name),
        &format!(
            "贵单位为{}{}的中标（成交）供应商，中标（成交）金额 {price}。请于 {contract_by} 前与采购人签订政府采购合同（政府采购法 第46条）。",
            lot.project_name, lot.name
        ),
        now,
    )
    .await?;
    for o in losers(tx, lot.id, winner).await? {
        let mine = line(o);
        let detail = match mine.as_ref() {
            Some(r) => match (r.total_x100, r.rank, r.rejected, r.same_brand_as) {
                (_, _, Some(reason), _) => format!("贵单位的响应无效：{}。", reason.label_zh()),
                (_, _, _, Some(_)) => {
                    "贵单位与其他供应商提供同一品牌核心产品，按一家供应商计算，未参与排序。".into()
                }
                (Some(t), Some(rank), _, _) => format!(
                    "贵单位的评审得分为 {}.{:02} 分，排名第 {rank} 名。",
                    t / 100,
                    t % 100
                ),
                (None, Some(rank), _, _) => format!(
                    "贵单位的评审价格为 {}，排名第 {rank} 名。",
                    r.evaluated_price
                ),
                _ => String::new(),
            },
            None => "贵单位未提交最后报价，视为退出。".into(),
        };
        push(
            tx,
            o,
            lot.id,
            "result_notice",
            &format!("{} 中标（成交）结果通知", lot.name),
            &format!(
                "{}{}的中标（成交）供应商为{winner_name}。{detail}投标（响应）保证金将于 {refund_by} 前退还。",
                lot.project_name, lot.name
            ),
            now,
        )
        .await?;
        let bond: Option<(i64,)> = on_tx!(tx, |c| sqlx::query_as(
            "SELECT bond FROM bids WHERE lot_id = $1 AND bidder_id = $2 AND status = 'active'"
        )
        .bind(lot.id)
        .bind(o)
        .fetch_optional(c)
        .await?);
        if let Some((amount,)) = bond.filter(|b| b.0 > 0) {
            on_tx!(tx, |c| {
                sqlx::query("INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id, bidder_id) DO NOTHING").bind(lot.id).bind(o).bind(amount).bind(refund_by).execute(c).await?.rows_affected()
            });
        }
    }
    let members: Vec<(String,)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT COALESCE(x.name, a.display_name) FROM committee_members m JOIN accounts a ON a.id = m.account_id LEFT JOIN experts x ON x.account_id = m.account_id WHERE m.lot_id = $1 ORDER BY 1"
    )
    .bind(lot.id)
    .fetch_all(c)
    .await?
    });
    let members: Vec<String> = members.into_iter().map(|m| m.0).collect();
    let title = format!("{}{}中标（成交）结果公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n统一交易标识码：{}\n采购方式：{}\n中标（成交）供应商：{winner_name}\n中标（成交）金额：{price}\n评审委员会（小组）成员：{}\n{}公告期限：1个工作日，至 {ends}。\n采购文件随本公告一并公开。供应商认为中标（成交）结果使自己的权益受到损害的，可以在公告期限届满之日起7个工作日内，通过本平台以书面形式向采购人提出质疑（政府采购法 第52条；实施条例 第53条）。",
        lot.trade_code,
        lot.state.kind.label_zh(),
        members.join("、"),
        if deemed {
            "采购人在规定时间内未确定中标（成交）供应商，视为确定排名第一的候选人（87号令 第68条）。\n"
        } else {
            ""
        },
    );
    publish_notice_row(tx, lot, "result", &title, &body, now).await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// Contract amount in yuan.
    pub amount: String,
    pub signed_on: NaiveDate,
}

/// Record the contract; bond refunds fall due 5 days later (条例 Art 57).
pub async fn record_contract(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ContractInput,
    now: DateTime<Utc>,
) -> ServiceResult<NaiveDate> {
    let amount = Money::parse_yuan("amount", &input.amount)?;
    let (mut tx, mut lot, grant) = super::begin_as_tenderer(db, actor, lot_id).await?;
    if input.signed_on > super::day(now) {
        return Err(FieldError::new(
            "signed_on",
            "contract.future",
            "签订日期不能晚于今天",
            "The signing date cannot be in the future",
        )
        .into());
    }
    let winner = lot.state.winner.ok_or(ServiceError::OutOfOrder {
        stage: lot.state.stage.as_str(),
        waits_for: lot.state.stage.waits_for(),
        reason: "no winner yet",
    })?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::RecordContract,
        now,
        serde_json::json!({"amount": amount.fen(), "signed_on": input.signed_on}),
    )
    .await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO contracts (lot_id, winner_id, amount, signed_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(lot_id)
        .bind(winner)
        .bind(amount.fen())
        .bind(input.signed_on)
        .bind(actor.account_id)
        .bind(truncate_micros(now))
        .execute(c)
        .await?
        .rows_affected()
    });
    let signed_at = ts::cn_day_start(input.signed_on);
    let due = match &lot.gp {
        // The winner's bond within 5 working days of signing (87号令 Art 38).
        Some(gp) => crate::calendar::load_tx(&mut tx)
            .await?
            .add_working_days(input.signed_on, gp.bond_refund_within.value),
        None => ts::bond_refund_due(&lot.pack, signed_at),
    };
    let bonds: Vec<(Uuid, i64)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT bidder_id, bond FROM bids WHERE lot_id = $1 AND status = 'active'"
    )
    .bind(lot_id)
    .fetch_all(c)
    .await?);
    for (b, amount) in bonds {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id, bidder_id) DO NOTHING"
        )
        .bind(lot_id)
        .bind(b)
        .bind(amount)
        .bind(due)
        .execute(c)
        .await?
        .rows_affected()
        });
    }
    let (title, tail) = if lot.gp.is_some() {
        (
            format!("{}{}政府采购合同公告", lot.project_name, lot.name),
            "\n合同依法在签订之日起2个工作日内公告（政府采购法实施条例 第50条），并于7个工作日内报同级财政部门备案（政府采购法 第47条）。",
        )
    } else {
        (format!("{}{}合同订立信息", lot.project_name, lot.name), "")
    };
    publish_notice_row(
        &mut tx,
        &lot,
        "contract",
        &title,
        &format!(
            "{title}\n合同金额：{amount}\n签订日期：{}{tail}",
            input.signed_on
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(due)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RefundView {
    pub bidder_id: Uuid,
    pub bidder_name: String,
    pub amount: i64,
    pub due_on: NaiveDate,
    pub refunded_on: Option<NaiveDate>,
    /// Fen owed as interest on a late procurement refund (87号令 Art 38).
    pub late_interest: Option<i64>,
}

pub async fn refunds(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<RefundView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<RefundView> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT r.bidder_id, e.name AS bidder_name, r.amount, r.due_on, r.refunded_on, r.late_interest FROM bond_refunds r JOIN entities e ON e.id = r.bidder_id WHERE r.lot_id = $1 ORDER BY e.name"
    )
    .bind(lot_id)
    .fetch_all(p)
    .await?
    });
    Ok(super::visible_to(actor, &lot, rows, |r| Some(r.bidder_id)))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = BondRefundInput)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    pub bidder_id: Uuid,
    pub refunded_on: NaiveDate,
}

pub async fn mark_refunded(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &RefundInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let lot = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    let mut tx = db.begin().await?;
    let due: Option<(NaiveDate, i64)> = on_tx!(&mut tx, |c| {
        sqlx::query_as("SELECT due_on, amount FROM bond_refunds WHERE lot_id = $1 AND bidder_id = $2 AND refunded_on IS NULL").bind(lot_id).bind(input.bidder_id).fetch_optional(c).await?
    });
    let Some((due, amount)) = due else {
        return Err(FieldError::new(
            "bidder_id",
            "refund.none_due",
            "该投标人没有待退还的保证金",
            "No bond refund is due to this bidder",
        )
        .into());
    };
    // A late procurement refund owes interest at the loan rate plus 20% for the days late.
    let interest = lot.gp.as_ref().map(|gp| {
        ggzy_core::procurement::late_interest(
            gp,
            Money::from_fen(amount),
            (input.refunded_on - due).num_days(),
        )
        .fen()
    });
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE bond_refunds SET refunded_on = $1, late_interest = $2 WHERE lot_id = $3 AND bidder_id = $4"
    )
    .bind(input.refunded_on)
    .bind(interest.filter(|i| *i > 0))
    .bind(lot_id)
    .bind(input.bidder_id)
    .execute(c)
    .await?
    .rows_affected()
    });
    let late = input.refunded_on > due;
    log(&mut tx, actor, Some(&grant), &lot, "lot.bond_refunded", serde_json::json!({"bidder": input.bidder_id, "refunded_on": input.refunded_on, "due_on": due, "late": late}), now).await?;
    push(
        &mut tx,
        input.bidder_id,
        lot_id,
        "bond_refunded",
        &format!("{} 投标保证金已退还", lot.name),
        &format!("退还日期 {}", input.refunded_on),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(!late)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderingReportInput {
    pub body: String,
}

/// The tendering report to the supervising department, due 15 days after the award (法 Art 47).
pub async fn submit_tendering_report(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &TenderingReportInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut errs = Invalid::default();
    let Some(body) = text(&mut errs, "body", &input.body, 50_000) else {
        return Err(errs.into());
    };
    let lot = load(db, lot_id).await?;
    let grant = require_tenderer(actor, &lot)?.clone();
    if lot.state.winner.is_none() {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "the report follows the award",
        });
    }
    let awarded_at = awarded_at(db, lot_id).await?.unwrap_or(now);
    let in_time = super::day(now) <= ts::award_deadlines(&lot.pack, awarded_at).report_by;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO tendering_reports (lot_id, body, submitted_by, submitted_at) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id) DO NOTHING")
        .bind(lot_id)
        .bind(&body)
        .bind(actor.account_id)
        .bind(truncate_micros(now))
        .execute(c)
        .await?
        .rows_affected()
    });
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "lot.tendering_report_submitted",
        serde_json::json!({"in_time": in_time}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(in_time)
}

pub async fn awarded_at(db: &Db, lot_id: Uuid) -> ServiceResult<Option<DateTime<Utc>>> {
    let r: Option<(DateTime<Utc>,)> = on_db!(db, |p| {
        sqlx::query_as("SELECT at FROM events WHERE subject = $1 AND kind = 'lot.awarded' ORDER BY seq DESC LIMIT 1")
        .bind(format!("lot:{lot_id}"))
        .fetch_optional(p)
        .await?
    });
    Ok(r.map(|r| r.0))
}

/// Follow-up dates after the award, and whether each is met or overdue — for the tenderer's
/// workspace and the supervisor's alerts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUp {
    pub contract_by: Option<NaiveDate>,
    pub contract_signed_on: Option<NaiveDate>,
    pub report_by: Option<NaiveDate>,
    pub report_submitted_at: Option<DateTime<Utc>>,
    pub refunds_overdue: i64,
    pub overdue: Vec<String>,
}

pub async fn follow_up(db: &Db, lot_id: Uuid, today: NaiveDate) -> ServiceResult<FollowUp> {
    let lot = load(db, lot_id).await?;
    let at = awarded_at(db, lot_id).await?;
    let due = at.map(|a| ts::award_deadlines(&lot.pack, a));
    let signed: Option<(NaiveDate,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT signed_on FROM contracts WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    let report: Option<(DateTime<Utc>,)> = on_db!(db, |p| sqlx::query_as(
        "SELECT submitted_at FROM tendering_reports WHERE lot_id = $1"
    )
    .bind(lot_id)
    .fetch_optional(p)
    .await?);
    let (late,): (i64,) = on_db!(db, |p| {
        sqlx::query_as("SELECT COUNT(*) FROM bond_refunds WHERE lot_id = $1 AND ((refunded_on IS NULL AND due_on < $2) OR refunded_on > due_on)").bind(lot_id).bind(today).fetch_one(p).await?
    });
    let mut overdue = vec![];
    if let Some(d) = due {
        if signed.is_none() && today > d.contract_by {
            overdue.push("contract".to_string());
        }
        if report.is_none() && today > d.report_by {
            overdue.push("tendering_report".to_string());
        }
    }
    if late > 0 {
        overdue.push("bond_refunds".to_string());
    }
    Ok(FollowUp {
        contract_by: due.map(|d| d.contract_by),
        contract_signed_on: signed.map(|s| s.0),
        report_by: due.map(|d| d.report_by),
        report_submitted_at: report.map(|r| r.0),
        refunds_overdue: late,
        overdue,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskInput {
    /// The bidder (entity) asked.
    pub bidder_id: Uuid,
    /// What needs clarifying; it may not invite a change of substance (条例 Art 52).
    pub question: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EvaluationClarification {
    pub id: Uuid,
    pub lot_id: Uuid,
    pub bidder_id: Uuid,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A committee member asks a bidder, in writing and through the platform, to clarify its bid
/// (法 Art 39; 条例 Art 52): members never contact bidders privately.
pub async fn ask_bidder(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &AskInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let lot = member_while_evaluating(
        db,
        actor,
        lot_id,
        "clarifications are asked while evaluating",
    )
    .await?;
    let mut errs = Invalid::default();
    let question = text(&mut errs, "question", &input.question, 2000);
    if !opened_bids(db, lot_id)
        .await?
        .iter()
        .any(|b| b.bidder == input.bidder_id)
    {
        errs.push(FieldError::new(
            "bidder_id",
            "evaluation.unknown_bidder",
            "不是本标段开标的投标人",
            "Not a bidder opened on this lot",
        ));
    }
    let Some(question) = question.filter(|_| errs.is_empty()) else {
        return Err(errs.into());
    };
    let id = Uuid::now_v7();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO evaluation_clarifications (id, lot_id, bidder_id, asked_by, question, asked_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(lot_id)
        .bind(input.bidder_id)
        .bind(actor.account_id)
        .bind(&question)
        .bind(truncate_micros(now))
        .execute(c)
        .await?
        .rows_affected()
    });
    push(&mut tx, input.bidder_id, lot_id, "evaluation_clarification", &format!("{} 评标委员会澄清要求", lot.name), &format!("评标委员会要求贵单位对投标文件作出书面澄清：{question}\n澄清不得超出投标文件的范围或改变投标文件的实质性内容（招标投标法实施条例第52条）。"), now).await?;
    let g = actor.grant_for(Permission::Evaluate, &lot.region).cloned();
    log(&mut tx, actor, g.as_ref(), &lot, "lot.clarification_requested", serde_json::json!({"id": id, "bidder": input.bidder_id, "question_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[question.as_bytes()]))}), now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The bidder answers in writing, once.
pub async fn answer_bidder_clarification(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    input: &AnswerInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (bidder, entity_grant) = super::require_bidder(actor)?;
    let entity_grant = entity_grant.clone();
    let row: Option<(Uuid, Uuid, Option<String>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT lot_id, bidder_id, answer FROM evaluation_clarifications WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await?);
    let Some((lot_id, asked, answered)) = row else {
        return Err(ServiceError::NotFound("clarification"));
    };
    if asked != bidder {
        return Err(ServiceError::NotFound("clarification"));
    }
    if answered.is_some() {
        return Err(FieldError::new(
            "answer",
            "evaluation.already_answered",
            "已答复该澄清要求",
            "This request is already answered",
        )
        .into());
    }
    let lot = load(db, lot_id).await?;
    if lot.state.stage != Stage::Evaluating {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "answers are given while evaluating",
        });
    }
    let mut errs = Invalid::default();
    let Some(answer) = text(&mut errs, "answer", &input.answer, 5000) else {
        return Err(errs.into());
    };
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE evaluation_clarifications SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND answer IS NULL")
        .bind(&answer)
        .bind(actor.account_id)
        .bind(truncate_micros(now))
        .bind(id)
        .execute(c)
        .await?
        .rows_affected()
    });
    log(&mut tx, actor, Some(&entity_grant), &lot, "lot.clarification_answered", serde_json::json!({"id": id, "answer_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[answer.as_bytes()]))}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Clarification requests of a lot: all to the committee and the centre, its own to a bidder.
pub async fn bidder_clarifications(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
) -> ServiceResult<Vec<EvaluationClarification>> {
    let lot = load(db, lot_id).await?;
    let all = is_member(db, actor, lot_id).await?
        || matches!(
            party_of(actor, &lot),
            Some(Party::Centre | Party::Supervisor)
        );
    let only = if all {
        None
    } else {
        match actor.entity_id {
            Some(e) => Some(e),
            None => return Ok(vec![]),
        }
    };
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, lot_id, bidder_id, question, asked_at, answer, answered_at FROM evaluation_clarifications WHERE lot_id = $1 AND ($2 IS NULL OR bidder_id = $2) ORDER BY asked_at"
    )
    .bind(lot_id)
    .bind(only)
    .fetch_all(p)
    .await?
    }))
}
