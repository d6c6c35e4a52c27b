//! Evaluation to contract, shared by construction and procurement lots: members' independent
//! sheets, the report signed by every member with dissent, candidate publicity (this file); the
//! award with letters to all at the same moment (`award`); contract, bond refunds and the tendering
//! report (`contract`); supplementary contracts and the acceptance (`performance`); the
//! committee's clarification questions to bidders (`clarifications`).
//! The committee itself is seated by the lot engine (`tendering::committee`).

pub mod award;
pub mod clarifications;
pub mod contract;
pub mod performance;

pub use crate::tendering::committee::{MemberView, awarded_at, is_member, members};
pub use award::*;
pub use clarifications::*;
pub use contract::*;

use crate::actor::Actor;
use crate::db::Db;
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::bids::OpeningRecord;
use crate::tendering::notices::publish_notice_row;
use crate::tendering::{Party, load, load_for_update, log, party_of, push, schedule, step};
use crate::{db_all, db_opt, tx_exec, tx_one, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::evaluation::{self as ev, MemberSheet, OpenedBid, Outcome};
use ggzy_core::procedure::{Command, Stage};
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};

use crate::actor::Grant;
use crate::db::Tx;
use crate::tendering::LotRow;
use ggzy_core::evaluation::Method;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) async fn opened_bids(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<OpenedBid>> {
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT record FROM opening_records WHERE lot_id = $1",
        lot_id
    );
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
pub(crate) async fn member_while_evaluating(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    reason: &'static str,
) -> ServiceResult<crate::tendering::LotRow> {
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
    let signed: Option<(Option<DateTime<Utc>>,)> = tx_opt!(
        &mut tx,
        "SELECT signed_at FROM committee_members WHERE lot_id = $1 AND account_id = $2",
        lot_id,
        me
    );
    if signed.is_some_and(|s| s.0.is_some()) {
        return Err(FieldError::new(
            "sheet",
            "evaluation.already_signed",
            "已签署评标报告，不能再修改评分",
            "You have signed the report; scores can no longer change",
        )
        .into());
    }
    tx_exec!(
        &mut tx,
        "UPDATE committee_members SET sheet = $1, submitted_at = $2 WHERE lot_id = $3 AND account_id = $4",
        &js,
        truncate_micros(now),
        lot_id,
        me
    );
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
    lot: &crate::tendering::LotRow,
    sheets: &[MemberSheet],
) -> ServiceResult<Outcome> {
    let mut bids = opened_bids(db, lot.id).await?;
    bids.retain(|b| crate::procurement::in_evaluation(lot, b.bidder));
    let max = match &lot.gp {
        Some(gp) => gp.max_candidates.value,
        None => lot.pack.max_candidates.value,
    };
    let pricing = crate::procurement::pricing(db, lot).await?;
    let grades = credit_grades(db, lot, &bids).await?;
    Ok(ev::evaluate_with(
        &lot.method,
        &bids,
        sheets,
        max,
        &pricing,
        &grades,
    ))
}

/// The bidders' credit grades as of the bid deadline, where the method scores the grade, from
/// what was on record then: every bidder's standing is fixed at one instant, so a record entered
/// during the evaluation moves no score.
async fn credit_grades(
    db: &Db,
    lot: &LotRow,
    bids: &[ev::OpenedBid],
) -> ServiceResult<ev::CreditGrades> {
    let mut grades = ev::CreditGrades::default();
    let scored = lot
        .method
        .criteria()
        .iter()
        .any(|c| c.scorer == ev::Scorer::CreditGrade);
    let deadline = lot.state.dates.as_ref().map(|d| d.bid_deadline);
    let Some(deadline) = deadline.filter(|_| scored) else {
        return Ok(grades);
    };
    for b in bids {
        let uscc: Option<(String,)> =
            db_opt!(db, "SELECT uscc FROM entities WHERE id = $1", b.bidder);
        if let Some((uscc,)) = uscc {
            let g = crate::credit::grade_as_recorded(db, &uscc, deadline).await?;
            grades.by_bidder.insert(b.bidder, g.grade);
        }
    }
    Ok(grades)
}

async fn sheets(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<(Uuid, Option<MemberSheet>)>> {
    let rows: Vec<(Uuid, Option<String>)> = db_all!(
        db,
        "SELECT account_id, sheet FROM committee_members WHERE lot_id = $1",
        lot_id
    );
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

/// Objective criteria are scored alike by every member (评标委员会和评标方法暂行规定 Art 36).
fn objective_scores_agree(method: &Method, named: &[(Uuid, &MemberSheet)]) -> ServiceResult<()> {
    let split = ev::objective_disagreements(method, named);
    if !split.is_empty() {
        let mut what: Vec<String> = split
            .iter()
            .map(|d| {
                method
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
    Ok(())
}

/// A procurement report is signed only once every abnormally low price not voted invalid has
/// been explained in writing (87号令 Art 60).
async fn abnormally_low_prices_explained(
    db: &Db,
    lot: &LotRow,
    named: &[(Uuid, &MemberSheet)],
) -> ServiceResult<()> {
    let s: Vec<MemberSheet> = named.iter().map(|(_, s)| (*s).clone()).collect();
    let out = evaluate_lot(db, &lot, &s).await?;
    for r in out
        .results
        .iter()
        .filter(|r| r.abnormally_low && r.rejected.is_none())
    {
        let asked: Option<(Uuid,)> = db_opt!(
            db,
            "SELECT id FROM evaluation_clarifications WHERE lot_id = $1 AND bidder_id = $2 AND answer IS NOT NULL LIMIT 1",
            lot.id,
            r.bidder
        );
        if asked.is_none() {
            let name = crate::tendering::entity_name(db, r.bidder).await?;
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
    Ok(())
}

/// The last signature files the report: the outcome recorded, experts' fees due, abnormal
/// scores raised to the supervisor, and the lot moved to candidates (or failed when every bid
/// was rejected), with the principal told what comes next.
async fn file_report(
    db: &Db,
    tx: &mut Tx,
    actor: &Actor,
    g: Option<&Grant>,
    lot: &mut LotRow,
    named: &[(Uuid, &MemberSheet)],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let s: Vec<MemberSheet> = named.iter().map(|(_, s)| (*s).clone()).collect();
    let out = evaluate_lot(db, lot, &s).await?;
    let js = serde_json::to_string(&out).or_internal()?;
    crate::experts::credit::record_fees(
        tx,
        lot.id,
        &lot.region,
        crate::experts::credit::fee_standard(db, &lot.region).await?,
        crate::experts::draw::is_remote(db, lot.id).await?,
        now,
    )
    .await?;
    let pct = ggzy_core::expert::ExpertPack::v2025()
        .abnormal_deviation_percent
        .value;
    for a in ev::abnormal_scores(&lot.method, named, pct) {
        crate::alerts::raise(
            tx,
            lot,
            "evaluation.abnormal_score",
            ggzy_core::alert::Severity::Medium,
            serde_json::to_value(&a).or_internal()?,
            now,
        )
        .await?;
    }
    tx_exec!(
        tx,
        "INSERT INTO evaluation_reports (lot_id, outcome, reported_by, reported_at) VALUES ($1, $2, $3, $4)",
        lot.id,
        &js,
        actor.account_id,
        truncate_micros(now)
    );
    if out.candidates.is_empty() {
        step(
            tx,
            lot,
            actor,
            g,
            &Command::RejectAll,
            now,
            serde_json::json!({}),
        )
        .await?;
        let title = format!("{}{}招标失败公告", lot.project_name, lot.name);
        publish_notice_row(
            tx,
            lot,
            "failed",
            &title,
            &format!("{title}\n所有投标均被否决，依法重新招标（招标投标法 第42条）。"),
            now,
        )
        .await?;
    } else {
        step(tx, lot, actor, g, &Command::ReportEvaluation { ranked: out.candidates.clone() }, now, serde_json::json!({"outcome_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[js.as_bytes()]))})).await?;
    }
    if lot.gp.is_some() {
        if lot.state.stage == Stage::Reported {
            let last = crate::procurement::plan_deemed_choice(tx, lot, now).await?;
            push(tx, lot.principal_id, lot.id, "evaluation_report", &format!("{} 评审报告", lot.name), &format!("评审报告已送达。请于 {last} 前按评审报告推荐的顺序确定中标（成交）供应商；逾期未确定且无正当理由的，视为确定排名第一的候选人（政府采购货物和服务招标投标管理办法 第68条）。"), now).await?;
        }
    } else {
        push(tx, lot.principal_id, lot.id, "evaluation_report", &format!("{} 评标报告", lot.name), "评标委员会已提交评标报告。请在收到评标报告之日起3日内公示中标候选人（招标投标法实施条例 第54条）。", now).await?;
    }
    Ok(())
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
    objective_scores_agree(&lot_now.method, &named)?;
    if lot_now.gp.is_some() {
        abnormally_low_prices_explained(db, &lot_now, &named).await?;
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
    tx_exec!(
        &mut tx,
        "UPDATE committee_members SET signed_at = $1, dissent = $2 WHERE lot_id = $3 AND account_id = $4",
        truncate_micros(now),
        &dissent,
        lot_id,
        actor.account_id
    );
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
    let unsigned: (i64,) = tx_one!(
        &mut tx,
        "SELECT COUNT(*) FROM committee_members WHERE lot_id = $1 AND signed_at IS NULL",
        lot_id
    );
    if unsigned.0 == 0 {
        file_report(db, &mut tx, actor, g.as_ref(), &mut lot, &named, now).await?;
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
        let r: Option<(String,)> = db_opt!(
            db,
            "SELECT outcome FROM evaluation_reports WHERE lot_id = $1",
            lot_id
        );
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
    let r: Option<(String,)> = db_opt!(
        db,
        "SELECT outcome FROM evaluation_reports WHERE lot_id = $1",
        lot_id
    );
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
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
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
    let r: Option<(String,)> = tx_opt!(
        &mut tx,
        "SELECT record FROM opening_records WHERE lot_id = $1",
        lot_id
    );
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
    body.push_str(&format!("\n公示期至：{}。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间通过本平台提出（招标投标法实施条例 第54条）。", crate::tendering::notices_fmt(input.until)));
    let id = publish_notice_row(&mut tx, &lot, "candidates", &title, &body, now).await?;
    schedule::plan(&mut tx, lot.id, schedule::END_PUBLICITY, input.until).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn entity_names(
    tx: &mut crate::db::Tx,
    ids: &[Uuid],
) -> ServiceResult<Vec<(Uuid, String)>> {
    let mut out = vec![];
    for id in ids {
        let n: Option<(String,)> = tx_opt!(tx, "SELECT name FROM entities WHERE id = $1", id);
        out.push((*id, n.map(|n| n.0).unwrap_or_default()));
    }
    Ok(out)
}
