//! Demo projects, one lot in each stage of a construction tender, walked through the same services
//! the pages and the API call — so the demo is also a run of the whole procedure.

use crate::{CUSTODIANS, demo_key};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::evaluation::{Criterion, MemberSheet, Method};
use ggzy_core::procedure::Stage;
use ggzy_seal::envelope::{self, FINGERPRINT_FILE, FORM_FILE};
use ggzy_seal::keys::PublicKey;
use ggzy_store::accounts::actor_of;
use ggzy_store::db::Db;
use ggzy_store::error::OrInternal;
use ggzy_store::error::{ServiceError, ServiceResult};
use ggzy_store::evaluation::{
    self, AwardInput, ContractInput, PublicityInput, RefundInput, SignInput,
};
use ggzy_store::tendering::bids::{self, BidFormInput, Origin};
use ggzy_store::tendering::intake::{self, LotInput, ProjectInput};
use ggzy_store::tendering::notices::{
    self, NoticeContent, PrequalApplication, PrequalNoticeInput, TenderNoticeInput,
};
use ggzy_store::tendering::sealing;
use ggzy_store::vault::BidVault;
use ggzy_store::{Actor, db_all, db_one};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// How far a demo lot is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Walk {
    Registered,
    /// The tender notice published, no bid yet.
    Published,
    Tendering,
    Failed,
    /// Opened, before the experts are drawn.
    Opened,
    Evaluating,
    /// Report signed: a procurement buyer is deciding.
    Reported,
    Publicity,
    Awarded,
    Contracted,
}

pub const BIDDERS: [&str; 4] = ["bidder", "entity03", "entity05", "entity07"];
pub const EXPERTS: [&str; 5] = ["expert", "expert2", "expert3", "expert4", "expert5"];

/// The points method with the credit grade as a criterion the platform scores (5 points in
/// place of the similar-projects record).
pub fn credit_method() -> Method {
    let mut criteria = points_method().criteria().to_vec();
    criteria.retain(|c| c.key != "record");
    criteria.push(Criterion {
        key: "credit".into(),
        name: "信用等级".into(),
        max_points: 5,
        objective: false,
        scorer: ggzy_core::evaluation::Scorer::CreditGrade,
    });
    Method::Points {
        price_points: 60,
        criteria,
    }
}

pub fn points_method() -> Method {
    Method::Points {
        price_points: 60,
        criteria: vec![
            Criterion {
                key: "technical".into(),
                name: "施工组织设计".into(),
                max_points: 25,
                objective: false,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
            Criterion {
                key: "manager".into(),
                name: "项目管理机构".into(),
                max_points: 10,
                objective: false,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
            Criterion {
                key: "record".into(),
                name: "类似工程业绩".into(),
                max_points: 5,
                objective: true,
                scorer: ggzy_core::evaluation::Scorer::Members,
            },
        ],
    }
}

pub fn project_input(name: &str, lot: &str, procedure: &str, method: Method) -> ProjectInput {
    ProjectInput {
        name: name.into(),
        description: "宁波市政府投资项目，资金已落实。".into(),
        principal_id: None,
        agency_id: None,
        region_code: "330200".into(),
        supervising_department: "宁波市住房和城乡建设局".into(),
        total_investment: "68000000".into(),
        state_budget: "68000000".into(),
        state_owned_leading: false,
        international: false,
        lots: vec![LotInput {
            name: lot.into(),
            category: "works".into(),
            estimated_price: "52000000".into(),
            bid_bond: "800000".into(),
            max_price: Some("54000000".into()),
            procedure: procedure.into(),
            invited_ground: None,
            method,
        }],
    }
}

pub fn content() -> NoticeContent {
    NoticeContent {
        scope: "新建道路及附属工程，全长约 2.4 公里，计划工期 540 日历天。".into(),
        qualification: "具备市政公用工程施工总承包二级及以上资质，近三年无重大安全事故；项目经理具备市政公用工程二级及以上注册建造师。".into(),
        consortium_allowed: false,
        contact: "招标人：宁波市城建投资集团有限公司 陈工 0574-87000000".into(),
        documents: "第一章 招标公告\n第二章 投标人须知\n第三章 评标办法\n第四章 合同条款及格式\n第五章 工程量清单\n第六章 图纸\n第七章 技术标准和要求\n第八章 投标文件格式".into(),
    }
}

pub fn tender_notice(t0: DateTime<Utc>) -> TenderNoticeInput {
    TenderNoticeInput {
        documents_from: t0 + Duration::hours(1),
        documents_until: t0 + Duration::days(6),
        bid_deadline: t0 + Duration::days(21),
        content: content(),
    }
}

pub fn bid_form(n: usize) -> BidFormInput {
    const WORDS: [&str; 4] = [
        "人民币伍仟零壹拾万元整",
        "人民币肆仟玖佰捌拾万元整",
        "人民币伍仟零捌拾万元整",
        "人民币肆仟玖佰伍拾万元整",
    ];
    const PRICES: [&str; 4] = ["50100000", "49800000", "50800000", "49500000"];
    BidFormInput {
        price: PRICES[n % 4].into(),
        price_in_words: WORDS[n % 4].into(),
        lines: vec![],
        duration_days: 520 - 10 * (n % 4) as u32,
        quality: "合格".into(),
        project_manager: ["王建军", "李明", "赵强", "钱伟"][n % 4].into(),
        bond: "800000".into(),
        brand: None,
        sme: None,
        bond_account: None,
        contact: None,
    }
}

/// The specialty mix of the demo lots' committees.
pub const DEMO_GROUPS: [(&str, u32); 2] = [("A08", 3), ("A09", 2)];

/// Draw the committee of a lot as the centre would, at `at`: the first expert drawn declines (so
/// the demo shows a redraw), everyone else accepts and signs in. Returns the seated experts'
/// usernames in draw order.
pub async fn draw_committee(
    db: &Db,
    staff: &Actor,
    lot: Uuid,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<String>> {
    use ggzy_store::experts::draw::{self, CheckInInput, DrawInput, GroupInput, ReplyInput};
    draw::request(
        db,
        staff,
        lot,
        &DrawInput {
            groups: DEMO_GROUPS
                .iter()
                .map(|(c, n)| GroupInput {
                    specialty: (*c).into(),
                    count: *n,
                })
                .collect(),
            representatives: vec![],
            evaluation_on: ggzy_store::tendering::day(at).to_string(),
            reply_within_minutes: Some(120),
            cross_region: vec![],
        },
        at,
    )
    .await?;
    let mut declined = false;
    loop {
        let v = draw::view(db, staff, lot)
            .await?
            .ok_or(ServiceError::NotFound("draw"))?;
        let picks = v.picks.unwrap_or_default();
        let Some(p) = picks.iter().find(|p| p.status == "invited") else {
            let mut seated = vec![];
            for p in picks.iter().filter(|p| p.status == "accepted") {
                let a = actor(db, &p.username).await?;
                draw::check_in(
                    db,
                    &a,
                    lot,
                    &CheckInInput {
                        id_number: crate::experts::id_number(&p.username),
                    },
                    at,
                )
                .await?;
                seated.push(p.username.clone());
            }
            return Ok(seated);
        };
        let a = actor(db, &p.username).await?;
        let input = if declined {
            ReplyInput {
                accept: true,
                reason: String::new(),
            }
        } else {
            declined = true;
            ReplyInput {
                accept: false,
                reason: "评标当日另有工作安排".into(),
            }
        };
        draw::reply(db, &a, lot, &input, at).await?;
    }
}

/// A member's scores on the criteria of `method` the members score, varied by `bias`.
pub fn sheet(method: &Method, bidders: &[Uuid], bias: u32) -> MemberSheet {
    let mut s = MemberSheet::default();
    let scored = |k: &str| {
        method
            .criteria()
            .iter()
            .any(|c| c.key == k && c.scorer == ggzy_core::evaluation::Scorer::Members)
    };
    for (i, b) in bidders.iter().enumerate() {
        let i = i as u32;
        let mut scores = BTreeMap::from([
            ("technical".to_string(), 18 + (i + bias) % 6),
            ("manager".to_string(), 7 + (i * 2 + bias) % 3),
            ("record".to_string(), 3 + i % 2),
        ]);
        scores.retain(|k, _| scored(k));
        s.scores.insert(*b, scores);
    }
    s
}

/// Seal a bid as a demo bidder's tool would: its form and files, to the lot's opening key, signed
/// with the bidder's demo key.
pub async fn seal_bid(
    db: &Db,
    lot: Uuid,
    username: &str,
    form: &BidFormInput,
    mut files: Vec<(String, Vec<u8>)>,
) -> ServiceResult<Vec<u8>> {
    let key = sealing::opening_key(db, lot)
        .await?
        .ok_or(ServiceError::NotFound("opening key"))?;
    let opening = PublicKey::from_hex(&key.public_key).or_internal()?;
    let a = actor(db, username).await?;
    let entity = a.entity_id.ok_or(ServiceError::NotFound("entity"))?;
    let uscc = sealing::uscc_of(db, entity).await?;
    files.insert(
        0,
        (FORM_FILE.into(), serde_json::to_vec(form).or_internal()?),
    );
    if !files.iter().any(|(n, _)| n == FINGERPRINT_FILE) {
        files.push((
            FINGERPRINT_FILE.into(),
            format!(r#"{{"machine":"demo-{username}"}}"#).into_bytes(),
        ));
    }
    Ok(envelope::seal(
        &envelope::SealInput {
            lot: &key.lot_trade_code,
            bidder: &uscc,
            opening_key: &opening,
            bond: &form.bond,
            sealed_at: "demo",
            tool: concat!("ggzy-demo ", env!("CARGO_PKG_VERSION")),
        },
        &demo_key(&format!("{username}/{}", sealing::BID_SIGNING)),
        &files,
    ))
}

/// Each demo custodian fetches its encrypted share, decrypts it with its key and submits it,
/// until the lot opens.
pub async fn open_with_custodians(
    db: &Db,
    vault: &Arc<BidVault>,
    lot: Uuid,
    at: DateTime<Utc>,
) -> ServiceResult<()> {
    for u in CUSTODIANS.iter().chain(std::iter::once(&"principal")) {
        let a = actor(db, u).await?;
        let sealed = sealing::sealed_share(db, &a, lot, at).await?;
        let key = demo_key(&format!("{u}/{}", sealing::CUSTODY));
        let share = key
            .decrypt(&hex::decode(&sealed.sealed_share).unwrap_or_default())
            .map_err(|e| ServiceError::Internal(format!("demo share: {e}")))?;
        let out = sealing::submit_share(
            db,
            vault,
            &a,
            lot,
            &sealing::ShareInput {
                share: hex::encode(share),
            },
            &move || at,
        )
        .await?;
        if out.stage.is_some() {
            break;
        }
    }
    Ok(())
}

async fn actor(db: &Db, u: &str) -> ServiceResult<Actor> {
    actor_of(db, u, "127.0.0.1").await
}

/// One bid as a test or the demo wants it: who, what the form says, the files in the envelope
/// (a `fingerprint.json` among them replaces the tool's), and where it comes from.
pub struct BidPlan {
    pub user: &'static str,
    pub form: BidFormInput,
    pub files: Vec<(String, Vec<u8>)>,
    pub origin: Origin,
}

/// Each planned bidder downloads the documents of a published lot and submits its sealed bid,
/// an hour apart from `t0 + 10 d`.
pub async fn tender_with(
    db: &Db,
    vault: &Arc<BidVault>,
    lot: Uuid,
    plans: Vec<BidPlan>,
    t0: DateTime<Utc>,
) -> ServiceResult<()> {
    let docs = notices::documents(db, lot).await?;
    for (i, p) in plans.into_iter().enumerate() {
        let a = actor(db, p.user).await?;
        notices::download(db, &a, docs[0].id, t0 + Duration::days(2)).await?;
        let when = t0 + Duration::days(10) + Duration::hours(i as i64);
        let envelope = seal_bid(db, lot, p.user, &p.form, p.files).await?;
        bids::submit(db, vault, &a, lot, envelope, &p.origin, &move || when).await?;
    }
    Ok(())
}

/// Open a lot whose notice was published at `t0`: the deadline passes, the custodians submit.
pub async fn open_at_deadline(
    db: &Db,
    vault: &Arc<BidVault>,
    lot: Uuid,
    t0: DateTime<Utc>,
) -> ServiceResult<()> {
    let staff = actor(db, "staff").await?;
    let deadline = tender_notice(t0).bid_deadline;
    bids::open(db, &staff, lot, deadline).await?;
    open_with_custodians(db, vault, lot, deadline + Duration::minutes(10)).await
}

/// A lot whose opening shows two signs of collusion — two bidders submitting from one network
/// address, two bonds paid from one account — opened 10 minutes after its deadline
/// (`t0 + 21 d`) and checked by the scheduler's next tick.
pub async fn colluding(
    db: &Db,
    vault: &Arc<BidVault>,
    name: &str,
    t0: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let lot = walk(db, vault, name, "open_tender", Walk::Published, t0).await?;
    let plans = BIDDERS
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let mut form = bid_form(i);
            form.bond_account = Some(format!("3302 0100 0000 {:04}", i.min(2)));
            form.contact = Some(ggzy_core::collusion::Contact {
                name: Some(["周立", "吴敏", "郑涛", "孙倩"][i].into()),
                phone: Some(format!("1356600{:04}", 1000 + i)),
                email: None,
            });
            BidPlan {
                user,
                form,
                files: vec![(
                    "投标文件.txt".into(),
                    format!("{user} 投标文件：商务标、技术标（演示）").into_bytes(),
                )],
                origin: Origin {
                    // The first two share an office line.
                    address: format!("10.0.8.{}", if i < 2 { 20 } else { 20 + i }),
                    fingerprint: String::new(),
                },
            }
        })
        .collect();
    tender_with(db, vault, lot, plans, t0).await?;
    open_at_deadline(db, vault, lot, t0).await?;
    let tick = tender_notice(t0).bid_deadline + Duration::minutes(11);
    ggzy_store::regime::run_due(db, tick).await?;
    Ok(lot)
}

/// Every bidder downloads the documents and submits a sealed bid before the deadline.
async fn tender(
    db: &Db,
    vault: &Arc<BidVault>,
    lot: Uuid,
    bidders: &[&str],
    t0: DateTime<Utc>,
) -> ServiceResult<()> {
    let docs = notices::documents(db, lot).await?;
    for (i, u) in bidders.iter().enumerate() {
        let a = actor(db, u).await?;
        let at = t0 + Duration::days(2) + Duration::hours(i as i64);
        notices::download(db, &a, docs[0].id, at).await?;
        let package = format!("{u} 投标文件：商务标、技术标、资格审查资料（演示）").into_bytes();
        let when = t0 + Duration::days(10) + Duration::hours(i as i64);
        let envelope = seal_bid(
            db,
            lot,
            u,
            &bid_form(i),
            vec![("投标文件.txt".into(), package)],
        )
        .await?;
        bids::submit(
            db,
            vault,
            &a,
            lot,
            envelope,
            &Origin {
                address: format!("10.0.0.{}", 10 + i),
                fingerprint: format!("demo-{u}"),
            },
            &move || when,
        )
        .await?;
    }
    Ok(())
}

/// Every seated member signs the report.
pub(crate) async fn sign_reports(
    db: &Db,
    lot: Uuid,
    seated: &[String],
    at: DateTime<Utc>,
) -> ServiceResult<()> {
    for e in seated {
        let a = actor(db, e).await?;
        evaluation::sign_report(db, &a, lot, &SignInput { dissent: None }, at).await?;
    }
    Ok(())
}

/// Register a demo project and walk its lot to `to`, with the notice published at `t0`.
pub async fn walk(
    db: &Db,
    vault: &Arc<BidVault>,
    name: &str,
    procedure: &str,
    to: Walk,
    t0: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    walk_by(db, vault, name, procedure, points_method(), to, t0).await
}

/// [`walk`] with the lot evaluated by `method`.
pub async fn walk_by(
    db: &Db,
    vault: &Arc<BidVault>,
    name: &str,
    procedure: &str,
    method: Method,
    to: Walk,
    t0: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let principal = actor(db, "principal").await?;
    let staff = actor(db, "staff").await?;
    let reg = intake::register_project(
        db,
        &principal,
        &project_input(name, "施工标段", procedure, method.clone()),
        t0,
    )
    .await?;
    let lot = reg.lots[0].lot_id;
    if to == Walk::Registered {
        return Ok(lot);
    }
    let n = tender_notice(t0);
    notices::publish_tender_notice(db, &principal, lot, &n, t0).await?;
    if to == Walk::Published {
        return Ok(lot);
    }
    let bidders = if to == Walk::Failed {
        &BIDDERS[..2]
    } else {
        &BIDDERS[..]
    };
    tender(db, vault, lot, bidders, t0).await?;
    if to == Walk::Tendering {
        return Ok(lot);
    }
    let deadline = n.bid_deadline;
    bids::open(db, &staff, lot, deadline).await?;
    if to != Walk::Failed {
        open_with_custodians(db, vault, lot, deadline + Duration::minutes(10)).await?;
    }
    if matches!(to, Walk::Failed | Walk::Opened) {
        return Ok(lot);
    }
    let seated = draw_committee(db, &staff, lot, deadline + Duration::hours(1)).await?;
    let opened: Vec<Uuid> = bids::opening_record(db, &principal, lot)
        .await?
        .map(|r| r.lines.iter().map(|l| l.bidder_id).collect())
        .unwrap_or_default();
    let members = if to == Walk::Evaluating {
        2
    } else {
        seated.len()
    };
    for (i, e) in seated.iter().take(members).enumerate() {
        let a = actor(db, e).await?;
        evaluation::submit_sheet(
            db,
            &a,
            lot,
            &sheet(&method, &opened, i as u32),
            deadline + Duration::hours(2),
        )
        .await?;
    }
    if to == Walk::Evaluating {
        return Ok(lot);
    }
    sign_reports(db, lot, &seated, deadline + Duration::hours(3)).await?;
    let from = deadline + Duration::days(1);
    evaluation::start_publicity(
        db,
        &principal,
        lot,
        &PublicityInput {
            until: from + Duration::days(3) + Duration::hours(8),
        },
        from,
    )
    .await?;
    if to == Walk::Publicity {
        return Ok(lot);
    }
    let l = ggzy_store::tendering::load(db, lot).await?;
    let award_at = from + Duration::days(4);
    ggzy_store::regime::run_due(db, award_at).await?;
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
    if to == Walk::Awarded {
        return Ok(lot);
    }
    let signed = award_at + Duration::days(7);
    evaluation::record_contract(
        db,
        &principal,
        lot,
        &ContractInput {
            amount: "49500000".into(),
            signed_on: ggzy_store::tendering::day(signed),
        },
        signed,
    )
    .await?;
    evaluation::mark_refunded(
        db,
        &principal,
        lot,
        &RefundInput {
            bidder_id: opened[0],
            refunded_on: ggzy_store::tendering::day(signed + Duration::days(2)),
        },
        signed + Duration::days(2),
    )
    .await?;
    evaluation::submit_tendering_report(
        db,
        &principal,
        lot,
        &evaluation::TenderingReportInput {
            body: "招标投标情况书面报告：招标范围、方式、评标委员会组成和评标报告、中标结果。"
                .into(),
        },
        signed,
    )
    .await?;
    Ok(lot)
}

/// A prequalification lot with applications open.
pub async fn prequalifying(db: &Db, t0: DateTime<Utc>) -> ServiceResult<Uuid> {
    let principal = actor(db, "principal").await?;
    let reg = intake::register_project(
        db,
        &principal,
        &project_input(
            "宁波市第二人民医院门诊楼改造工程",
            "施工总承包",
            "prequalification",
            Method::LowestEvaluatedPrice,
        ),
        t0,
    )
    .await?;
    let lot = reg.lots[0].lot_id;
    notices::publish_prequal_notice(
        db,
        &principal,
        lot,
        &PrequalNoticeInput {
            documents_from: t0 + Duration::hours(1),
            documents_until: t0 + Duration::days(6),
            applications_due: t0 + Duration::days(12),
            content: content(),
        },
        t0,
    )
    .await?;
    for u in &BIDDERS[..2] {
        let a = actor(db, u).await?;
        notices::apply_prequal(
            db,
            &a,
            lot,
            &PrequalApplication {
                statement: "资质、业绩、人员均满足资格预审文件要求。".into(),
            },
            t0 + Duration::days(2),
        )
        .await?;
    }
    Ok(lot)
}

/// Seed one lot per stage, once: the demo city's first project marks it done.
pub async fn seed(db: &Db, vault: &Arc<BidVault>, now: DateTime<Utc>) -> ServiceResult<()> {
    let (n,): (i64,) = db_one!(db, "SELECT COUNT(*) FROM projects");
    if n > 0 {
        return Ok(());
    }
    let d = Duration::days;
    walk(
        db,
        vault,
        "宁波市鄞州区中河路改建工程",
        "open_tender",
        Walk::Contracted,
        now - d(45),
    )
    .await?;
    walk(
        db,
        vault,
        "宁波市海曙区望京路延伸段工程",
        "open_tender",
        Walk::Awarded,
        now - d(33),
    )
    .await?;
    walk(
        db,
        vault,
        "宁波市东部新城地下综合管廊工程",
        "open_tender",
        Walk::Publicity,
        now - d(23),
    )
    .await?;
    walk(
        db,
        vault,
        "宁波市奉化江堤防加固工程",
        "open_tender",
        Walk::Evaluating,
        now - d(21) - Duration::hours(3),
    )
    .await?;
    walk(
        db,
        vault,
        "宁波市三江口绿道提升工程",
        "open_tender",
        Walk::Failed,
        now - d(25),
    )
    .await?;
    walk(
        db,
        vault,
        "宁波市轨道交通配套道路工程",
        "open_tender",
        Walk::Tendering,
        now - d(12),
    )
    .await?;
    prequalifying(db, now - d(3)).await?;
    // Opened a week ago, with the collusion alerts a supervisor would find on /supervision.
    colluding(db, vault, "宁波市北仑区港城大道配套工程", now - d(28)).await?;
    walk(
        db,
        vault,
        "宁波市江北区文化中心建设工程",
        "open_tender",
        Walk::Registered,
        now - d(1),
    )
    .await?;
    Ok(())
}

/// Where each demo lot stands, for tests of the seed.
pub async fn stages(db: &Db) -> ServiceResult<Vec<Stage>> {
    let rows: Vec<(String,)> = db_all!(db, "SELECT stage FROM lots ORDER BY seq, updated_at");
    Ok(rows
        .into_iter()
        .filter_map(|r| Stage::parse(&r.0))
        .collect())
}
