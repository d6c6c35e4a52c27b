//! Demo procurements, one per method at different stages, walked through the same services the
//! pages and the API call — so the demo is also a run of every method.

use crate::tendering::{Walk, draw_committee, open_with_custodians, seal_bid};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::calendar::{Calendar, WorkingDays};
use ggzy_core::evaluation::{Criterion, MemberSheet, Method};
use ggzy_core::procurement::{Ground, PurchaseMethod, SmeStatus};
use ggzy_core::tender_schedule::{cn_date, cn_day_start};
use ggzy_store::accounts::actor_of;
use ggzy_store::db::Db;
use ggzy_store::error::{ServiceError, ServiceResult};
use ggzy_store::evaluation::{self, AwardInput, ContractInput};
use ggzy_store::procurement::challenges::{
    self, ChallengeInput, ChallengeReplyInput, GpComplaintInput,
};
use ggzy_store::procurement::{
    self, FinalQuoteInput, FinalQuotesInput, IntentionInput, ProcurementInput, SupplierDrawInput,
};
use ggzy_store::tendering::bids::{self, BidFormInput, Origin};
use ggzy_store::tendering::notices::{self, InviteInput, NoticeContent, TenderNoticeInput};
use ggzy_store::vault::BidVault;
use ggzy_store::{Actor, db_one};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// Suppliers of the demo procurements (the invited tender draws from all six).
pub const SUPPLIERS: [&str; 6] = [
    "bidder", "entity03", "entity05", "entity07", "entity09", "entity11",
];

/// One demo procurement.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: &'static str,
    pub method: PurchaseMethod,
    pub category: &'static str,
    pub grounds: Vec<Ground>,
    /// Yuan.
    pub budget: &'static str,
    pub approval: Option<&'static str>,
    pub evaluation: Method,
}

/// The points method of the demo: price 40 (goods ≥ 30, consultation 30–60).
pub fn points() -> Method {
    Method::Points {
        price_points: 40,
        criteria: vec![
            Criterion {
                key: "technical".into(),
                name: "技术方案".into(),
                max_points: 35,
                objective: false,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
            Criterion {
                key: "service".into(),
                name: "售后服务".into(),
                max_points: 15,
                objective: false,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
            Criterion {
                key: "record".into(),
                name: "类似项目业绩".into(),
                max_points: 10,
                objective: true,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
        ],
    }
}

/// The six demo procurements, in the order the seed walks them.
pub fn specs() -> Vec<Spec> {
    use PurchaseMethod::*;
    vec![
        Spec {
            name: "宁波市第一医院医用设备采购",
            method: OpenTender,
            category: "goods",
            grounds: vec![],
            budget: "1800000",
            approval: None,
            evaluation: points(),
        },
        Spec {
            name: "宁波市档案馆特种密集架采购",
            method: InvitedTender,
            category: "goods",
            grounds: vec![Ground::LimitedSuppliers],
            budget: "1800000",
            approval: None,
            evaluation: Method::LowestEvaluatedPrice,
        },
        Spec {
            name: "宁波市应急指挥平台升级",
            method: CompetitiveNegotiation,
            category: "services",
            grounds: vec![Ground::SpecificationsUnfixable],
            budget: "1800000",
            approval: None,
            evaluation: Method::LowestEvaluatedPrice,
        },
        Spec {
            name: "宁波市政务服务中心物业管理服务",
            method: CompetitiveConsultation,
            category: "goods",
            grounds: vec![Ground::SpecificationsUnfixable],
            budget: "1800000",
            approval: None,
            evaluation: points(),
        },
        Spec {
            name: "宁波市教育局办公电脑采购",
            method: RequestForQuotation,
            category: "goods",
            grounds: vec![Ground::StandardGoods],
            budget: "1800000",
            approval: None,
            evaluation: Method::LowestEvaluatedPrice,
        },
        Spec {
            name: "宁波市气象雷达专用备件采购",
            method: SingleSource,
            category: "goods",
            grounds: vec![Ground::OnlyOneSupplier],
            budget: "4500000",
            approval: Some("甬财采〔2026〕18号"),
            evaluation: Method::LowestEvaluatedPrice,
        },
    ]
}

async fn actor(db: &Db, u: &str) -> ServiceResult<Actor> {
    actor_of(db, u, "127.0.0.1").await
}

pub fn content() -> NoticeContent {
    NoticeContent {
        scope: "采购内容、数量、技术要求详见采购文件第三章《采购需求》；交付期 60 日，质保期 3 年。".into(),
        qualification: "具有独立承担民事责任的能力；具有良好的商业信誉和健全的财务会计制度；参加政府采购活动前三年内在经营活动中没有重大违法记录（政府采购法 第22条）。".into(),
        consortium_allowed: false,
        contact: "采购人：宁波市城建投资集团有限公司 陈工 0574-87000000；代理机构：宁波甬诚招标代理有限公司 王工 0574-87111111".into(),
        documents: "第一章 采购公告（邀请）\n第二章 供应商须知\n第三章 采购需求\n第四章 评审方法和标准\n第五章 合同条款\n第六章 响应文件格式".into(),
    }
}

/// The dates of a method's notice or invitation from `t0`, each exactly as long as the rule asks.
pub fn notice_dates(
    m: PurchaseMethod,
    t0: DateTime<Utc>,
    cal: &Calendar,
) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let from = t0 + Duration::hours(1);
    let d0 = cn_date(from);
    let at =
        |d: NaiveDate, h: i64, m: i64| cn_day_start(d) + Duration::hours(h) + Duration::minutes(m);
    let docs = at(cal.add_working_days(d0, WorkingDays(5)), 17, 0);
    let (until, deadline) = match m {
        PurchaseMethod::OpenTender | PurchaseMethod::InvitedTender => {
            (docs, at(d0 + Duration::days(21), 9, 30))
        }
        PurchaseMethod::CompetitiveConsultation => (docs, at(d0 + Duration::days(10), 9, 30)),
        PurchaseMethod::SingleSource => {
            let d = at(cal.add_working_days(d0, WorkingDays(5)), 9, 30);
            (d - Duration::hours(1), d)
        }
        _ => {
            let d = at(cal.add_working_days(d0, WorkingDays(3)), 9, 30);
            (d - Duration::hours(1), d)
        }
    };
    (from, until, deadline.max(until + Duration::hours(1)))
}

/// A supplier's response: prices under the ¥1.8m budget (or the single source's ¥4.5m).
pub fn bid_form(n: usize, single_source: bool) -> BidFormInput {
    const PRICES: [(&str, &str); 4] = [
        ("1720000", "人民币壹佰柒拾贰万元整"),
        ("1690000", "人民币壹佰陆拾玖万元整"),
        ("1750000", "人民币壹佰柒拾伍万元整"),
        ("1705000", "人民币壹佰柒拾万零伍仟元整"),
    ];
    let (price, words) = if single_source {
        ("4380000", "人民币肆佰叁拾捌万元整")
    } else {
        PRICES[n % 4]
    };
    BidFormInput {
        price: price.into(),
        price_in_words: words.into(),
        lines: vec![],
        duration_days: 60,
        quality: "合格，质保 3 年".into(),
        project_manager: ["王建军", "李明", "赵强", "钱伟"][n % 4].into(),
        bond: "20000".into(),
        brand: Some(["海纳", "东方", "甬光", "星联"][n % 4].into()),
        sme: Some(if n % 2 == 1 {
            SmeStatus::SmallOrMicro
        } else {
            SmeStatus::None
        }),
        bond_account: None,
        contact: None,
    }
}

fn sheet(method: &Method, bidders: &[Uuid], bias: u32) -> MemberSheet {
    let mut s = MemberSheet::default();
    if method.criteria().is_empty() {
        return s;
    }
    for (i, b) in bidders.iter().enumerate() {
        let i = i as u32;
        s.scores.insert(
            *b,
            BTreeMap::from([
                ("technical".to_string(), 26 + (i + bias) % 7),
                ("service".to_string(), 10 + (i * 2 + bias) % 4),
                ("record".to_string(), 6 + i % 3),
            ]),
        );
    }
    s
}

/// The buyer's intention, then its registration a little over a month later.
async fn register(
    db: &Db,
    principal: &Actor,
    spec: &Spec,
    t0: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let intention = procurement::publish_intention(
        db,
        principal,
        &IntentionInput {
            principal_id: None,
            region_code: "330200".into(),
            name: spec.name.into(),
            category: spec.category.into(),
            budget: spec.budget.into(),
            sme_reserved: false,
            expected_month: cn_date(t0).format("%Y-%m").to_string(),
            description: format!("{}，详见采购需求。", spec.name),
        },
        t0 - Duration::days(35),
    )
    .await?;
    let reg = procurement::register(
        db,
        principal,
        &ProcurementInput {
            name: spec.name.into(),
            description: "财政预算资金，已列入年度政府采购预算。".into(),
            principal_id: None,
            agency_id: None,
            region_code: "330200".into(),
            supervising_department: "宁波市财政局".into(),
            intention_id: Some(intention.id),
            category: spec.category.into(),
            budget: spec.budget.into(),
            max_price: None,
            sme_reserved: false,
            method: spec.method.code().into(),
            grounds: spec.grounds.clone(),
            approval_ref: spec.approval.map(str::to_string),
            original_contract: None,
            bid_bond: "20000".into(),
            evaluation: spec.evaluation.clone(),
            sme_small_percent: Some(10),
            sme_partner_percent: None,
        },
        t0,
    )
    .await?;
    Ok(reg.lots[0].lot_id)
}

/// Whom the buyer invites: the suppliers drawn at random for an invited tender, chosen ones for a
/// negotiation or a single source, nobody for an open procedure.
async fn invitees(
    db: &Db,
    principal: &Actor,
    method: PurchaseMethod,
    lot: Uuid,
    t0: DateTime<Utc>,
) -> ServiceResult<Vec<Uuid>> {
    Ok(match method {
        PurchaseMethod::InvitedTender => {
            let mut list = vec![];
            for u in SUPPLIERS {
                list.push(
                    actor(db, u)
                        .await?
                        .entity_id
                        .ok_or(ServiceError::NotFound("entity"))?,
                );
            }
            let proof = procurement::draw_suppliers(
                db,
                principal,
                lot,
                &SupplierDrawInput {
                    suppliers: list,
                    count: 3,
                },
                t0,
            )
            .await?;
            proof.rounds[0].picks.iter().map(|p| p.expert).collect()
        }
        PurchaseMethod::CompetitiveNegotiation | PurchaseMethod::SingleSource => {
            let n = if method == PurchaseMethod::SingleSource {
                1
            } else {
                3
            };
            let mut v = vec![];
            for u in &SUPPLIERS[..n] {
                v.push(
                    actor(db, u)
                        .await?
                        .entity_id
                        .ok_or(ServiceError::NotFound("entity"))?,
                );
            }
            v
        }
        _ => vec![],
    })
}

/// Each responding supplier downloads the documents and submits a sealed response.
async fn respond(
    db: &Db,
    vault: &Arc<BidVault>,
    spec: &Spec,
    lot: Uuid,
    responding: &[(&str, Actor)],
    from: DateTime<Utc>,
) -> ServiceResult<()> {
    let docs = notices::documents(db, lot).await?;
    for (i, (u, a)) in responding.iter().enumerate() {
        let at = from + Duration::hours(2 + i as i64);
        notices::download(db, a, docs[0].id, at).await?;
        let form = bid_form(i, spec.method == PurchaseMethod::SingleSource);
        let envelope = seal_bid(
            db,
            lot,
            u,
            &form,
            vec![(
                "响应文件.txt".into(),
                format!("{u} 响应文件（演示）").into_bytes(),
            )],
        )
        .await?;
        let when = from + Duration::hours(3) + Duration::minutes(i as i64 * 7);
        bids::submit(
            db,
            vault,
            a,
            lot,
            envelope,
            &Origin {
                address: format!("10.0.1.{}", 10 + i),
                fingerprint: format!("demo-{u}"),
            },
            &move || when,
        )
        .await?;
    }
    Ok(())
}

/// The group asks for final quotes and every responding supplier gives one.
async fn final_quotes(
    db: &Db,
    principal: &Actor,
    method: PurchaseMethod,
    lot: Uuid,
    responding: &[(&str, Actor)],
    deadline: DateTime<Utc>,
) -> ServiceResult<()> {
    let due = deadline + Duration::hours(2);
    procurement::request_final_quotes(
        db,
        &principal,
        lot,
        &FinalQuotesInput { due },
        deadline + Duration::minutes(90),
    )
    .await?;
    for (i, (_, a)) in responding.iter().enumerate() {
        let price = if method == PurchaseMethod::SingleSource {
            4_300_000
        } else {
            1_680_000 - 15_000 * i as i64
        };
        procurement::submit_final_quote(
            db,
            a,
            lot,
            &FinalQuoteInput {
                price: price.to_string(),
            },
            deadline + Duration::minutes(100),
        )
        .await?;
    }
    Ok(())
}

/// The challenger, unsatisfied with the reply, complains to the finance department, which accepts.
async fn complain(
    db: &Db,
    a: &Actor,
    lot: Uuid,
    challenge: Uuid,
    signed: DateTime<Utc>,
) -> ServiceResult<()> {
    let complaint = challenges::file_complaint(
        db,
        a,
        lot,
        &GpComplaintInput {
            challenge_id: challenge,
            text: "对质疑答复不满意：业绩证明的合同金额与发票不一致，请求财政部门调查处理。".into(),
        },
        signed + Duration::days(2),
    )
    .await?;
    let supervisor = actor(db, "supervisor").await?;
    challenges::handle_complaint(
        db,
        &supervisor,
        complaint.id,
        &challenges::ComplaintStepInput {
            action: "accept".into(),
            until: None,
            text: None,
        },
        signed + Duration::days(3),
    )
    .await?;
    Ok(())
}

/// An open procedure publishes its notice; the others send invitations.
async fn publish(
    db: &Db,
    principal: &Actor,
    lot: Uuid,
    invitees: &[Uuid],
    (from, until, deadline): (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
    t0: DateTime<Utc>,
) -> ServiceResult<()> {
    if invitees.is_empty() {
        notices::publish_tender_notice(
            db,
            principal,
            lot,
            &TenderNoticeInput {
                documents_from: from,
                documents_until: until,
                bid_deadline: deadline,
                content: content(),
            },
            t0,
        )
        .await?;
    } else {
        ggzy_store::regime::invite(
            db,
            principal,
            lot,
            &InviteInput {
                invitees: invitees.to_vec(),
                documents_from: from,
                documents_until: until,
                bid_deadline: deadline,
                content: content(),
            },
            t0,
        )
        .await?;
    }
    Ok(())
}

/// The suppliers who respond: the invited ones, or the first four for an open procedure.
async fn respondents(db: &Db, invitees: &[Uuid]) -> ServiceResult<Vec<(&'static str, Actor)>> {
    let mut suppliers = vec![];
    for u in SUPPLIERS {
        let a = actor(db, u).await?;
        let e = a.entity_id.ok_or(ServiceError::NotFound("entity"))?;
        if (invitees.is_empty() && suppliers.len() < 4) || invitees.contains(&e) {
            suppliers.push((u, a));
        }
    }
    Ok(suppliers)
}

/// Register a demo procurement and walk it to `to`, with registration at `t0`.
pub async fn walk(
    db: &Db,
    vault: &Arc<BidVault>,
    spec: &Spec,
    to: Walk,
    t0: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let principal = actor(db, "principal").await?;
    let staff = actor(db, "staff").await?;
    let cal = ggzy_store::calendar::load(db).await?;
    let lot = register(db, &principal, spec, t0).await?;
    if to == Walk::Registered {
        return Ok(lot);
    }
    let (from, until, deadline) = notice_dates(spec.method, t0, &cal);
    let invitees = invitees(db, &principal, spec.method, lot, t0).await?;
    publish(db, &principal, lot, &invitees, (from, until, deadline), t0).await?;
    let suppliers = respondents(db, &invitees).await?;
    let responding = if to == Walk::Failed {
        &suppliers[..2]
    } else {
        &suppliers[..]
    };
    respond(db, vault, spec, lot, responding, from).await?;
    if to == Walk::Tendering {
        return Ok(lot);
    }
    bids::open(db, &staff, lot, deadline).await?;
    if to != Walk::Failed {
        open_with_custodians(db, vault, lot, deadline + Duration::minutes(10)).await?;
    }
    if matches!(to, Walk::Failed | Walk::Opened) {
        return Ok(lot);
    }
    let seated = draw_committee(db, &staff, lot, deadline + Duration::hours(1)).await?;
    if spec.method.final_quotes() {
        final_quotes(db, &principal, spec.method, lot, responding, deadline).await?;
    }
    let opened: Vec<Uuid> = bids::opening_record(db, &principal, lot)
        .await?
        .map(|r| r.lines.iter().map(|l| l.bidder_id).collect())
        .unwrap_or_default();
    let members = if to == Walk::Evaluating {
        2
    } else {
        seated.len()
    };
    let sheets_at = deadline + Duration::hours(2) + Duration::minutes(30);
    for (i, e) in seated.iter().take(members).enumerate() {
        let a = actor(db, e).await?;
        evaluation::submit_sheet(
            db,
            &a,
            lot,
            &sheet(&spec.evaluation, &opened, i as u32),
            sheets_at,
        )
        .await?;
    }
    if to == Walk::Evaluating {
        return Ok(lot);
    }
    crate::tendering::sign_reports(db, lot, &seated, deadline + Duration::hours(3)).await?;
    if to == Walk::Reported {
        return Ok(lot);
    }
    let l = ggzy_store::tendering::load(db, lot).await?;
    let award_at = deadline + Duration::days(1);
    evaluation::award(
        db,
        &principal,
        lot,
        &AwardInput {
            winner: l.state.candidates[0],
        },
        award_at,
    )
    .await?;
    let loser = opened.iter().copied().find(|b| *b != l.state.candidates[0]);
    let loser_actor = loser.and_then(|b| {
        suppliers
            .iter()
            .find(|(_, a)| a.entity_id == Some(b))
            .map(|(_, a)| a.clone())
    });
    // The result notice runs a working day; a loser challenges within the 7 working days after.
    let challenge_at =
        cn_day_start(cal.add_working_days(cn_date(award_at), WorkingDays(2))) + Duration::hours(10);
    let challenge = match &loser_actor {
        Some(a) if to >= Walk::Awarded => Some(
            challenges::file_challenge(
                db,
                a,
                lot,
                &ChallengeInput {
                    subject: "result".into(),
                    text:
                        "我司认为中标（成交）供应商的业绩证明材料不符合采购文件要求，请求重新审查。"
                            .into(),
                    step_ended_on: None,
                },
                challenge_at,
            )
            .await?,
        ),
        _ => None,
    };
    if to == Walk::Awarded {
        return Ok(lot);
    }
    let replied_at = challenge_at + Duration::days(3);
    if let Some(c) = &challenge {
        challenges::reply_challenge(
            db,
            &principal,
            lot,
            c.id,
            &ChallengeReplyInput { reply: "经组织原评审委员会复核，中标（成交）供应商提交的业绩证明符合采购文件第四章的要求，质疑不成立。".into(), upheld: false },
            replied_at,
        )
        .await?;
    }
    let signed = replied_at + Duration::days(1);
    evaluation::record_contract(
        db,
        &principal,
        lot,
        &ContractInput {
            amount: "1690000".into(),
            signed_on: ggzy_store::tendering::day(signed),
        },
        signed,
    )
    .await?;
    if let (Some(c), Some(a)) = (&challenge, &loser_actor) {
        complain(db, a, lot, c.id, signed).await?;
    }
    Ok(lot)
}

/// Seed one procurement per method, at different stages.
pub async fn seed(db: &Db, vault: &Arc<BidVault>, now: DateTime<Utc>) -> ServiceResult<()> {
    let (n,): (i64,) = db_one!(
        db,
        "SELECT COUNT(*) FROM projects WHERE trade_kind = 'procurement'"
    );
    if n > 0 {
        return Ok(());
    }
    let d = Duration::days;
    let stages = [
        (Walk::Contracted, now - d(40)),
        (Walk::Awarded, now - d(26)),
        (Walk::Contracted, now - d(20)),
        (Walk::Evaluating, now - d(13)),
        (Walk::Tendering, now - d(2)),
        (Walk::Reported, now - d(10)),
    ];
    for (spec, (to, t0)) in specs().iter().zip(stages) {
        walk(db, vault, spec, to, t0).await?;
    }
    Ok(())
}
