//! Notices and documents: prequalification and tender notices with their statutory content
//! (招标公告和公示信息发布管理办法), invitations, documents issued online with every download
//! recorded, clarifications pushed to every downloader, and objections (异议) with their replies.

mod corrections;
mod objections;
mod prequal;
pub use corrections::*;
pub use objections::*;
pub use prequal::*;

use super::{
    LotRow, Party, load, load_for_update, log, party_of, push, require_bidder, schedule, step,
};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::{db_all, db_opt, on_db, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::{Command, ObjectionSubject, ProcedureKind, Stage};
use ggzy_core::tender_schedule::{PrequalDates, TenderDates};
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a notice must say besides its dates (Order 10): scope, qualification, consortia, contacts.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeContent {
    /// Content, scope, scale and duration of the work.
    pub scope: String,
    /// Qualification requirements of bidders.
    pub qualification: String,
    #[serde(default)]
    pub consortium_allowed: bool,
    /// Contacts of the principal or agency.
    pub contact: String,
    /// The documents themselves (the standard text as issued).
    pub documents: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenderNoticeInput {
    pub documents_from: DateTime<Utc>,
    pub documents_until: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    #[serde(flatten)]
    pub content: NoticeContent,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrequalNoticeInput {
    pub documents_from: DateTime<Utc>,
    pub documents_until: DateTime<Utc>,
    pub applications_due: DateTime<Utc>,
    #[serde(flatten)]
    pub content: NoticeContent,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteInput {
    /// Entities invited (at least 3, 法 Art 17).
    pub invitees: Vec<Uuid>,
    pub documents_from: DateTime<Utc>,
    pub documents_until: DateTime<Utc>,
    pub bid_deadline: DateTime<Utc>,
    #[serde(flatten)]
    pub content: NoticeContent,
}

struct Content {
    scope: String,
    qualification: String,
    contact: String,
    documents: String,
    consortium: bool,
}

fn parse_content(c: &NoticeContent) -> Result<Content, Invalid> {
    let mut errs = Invalid::default();
    let scope = text(&mut errs, "scope", &c.scope, 4000);
    let qualification = text(&mut errs, "qualification", &c.qualification, 4000);
    let contact = text(&mut errs, "contact", &c.contact, 500);
    let documents = text(&mut errs, "documents", &c.documents, 200_000);
    match (scope, qualification, contact, documents) {
        (Some(scope), Some(qualification), Some(contact), Some(documents)) if errs.is_empty() => {
            Ok(Content {
                scope,
                qualification,
                contact,
                documents,
                consortium: c.consortium_allowed,
            })
        }
        _ => Err(errs),
    }
}

/// What the lot's procedure calls its notice, invitation and documents.
struct Words {
    notice: &'static str,
    invitation: &'static str,
    documents: &'static str,
    deadline: &'static str,
}

impl Words {
    fn of(lot: &LotRow) -> Self {
        match lot.purchase_method() {
            Some(m) => Self {
                notice: m.notice_zh(),
                invitation: m.invitation_zh(),
                documents: m.documents_zh(),
                deadline: "响应文件提交截止及开启时间",
            },
            None => Self {
                notice: "招标公告",
                invitation: "投标邀请书",
                documents: "招标文件",
                deadline: "投标截止及开标时间",
            },
        }
    }

    fn dates(&self, d: &TenderDates) -> [(String, DateTime<Utc>); 3] {
        [
            (format!("{}获取时间", self.documents), d.documents_from),
            (format!("{}获取截止", self.documents), d.documents_until),
            (self.deadline.to_string(), d.bid_deadline),
        ]
    }
}

fn notice_body(
    lot: &LotRow,
    heading: &str,
    c: &Content,
    dates: &[(String, DateTime<Utc>)],
) -> String {
    let mut b = format!(
        "{heading}\n项目名称：{}\n标段：{}（{}）\n统一交易标识码：{}\n招标方式：{}\n估算价：{}\n\n一、招标范围\n{}\n\n二、投标人资格要求\n{}\n本次招标{}联合体投标。\n\n三、时间安排\n",
        lot.project_name,
        lot.name,
        lot.category,
        lot.trade_code,
        lot.state.kind.label_zh(),
        lot.estimated_price,
        c.scope,
        c.qualification,
        if c.consortium { "接受" } else { "不接受" },
    );
    for (k, t) in dates {
        b.push_str(&format!("{k}：{}\n", crate::tendering::notices_fmt(*t)));
    }
    b.push_str(&format!(
        "\n四、文件获取\n凡在本平台注册的主体均可在线免费获取文件，无需报名（电子招标投标办法 第20条）。\n投标文件须在截止时间前通过本平台在线递交，逾期上传的将被拒收。\n\n五、联系方式\n{}\n",
        c.contact
    ));
    if let Some(m) = lot.max_price {
        b.push_str(&format!("\n最高投标限价：{m}\n"));
    }
    b
}

pub(crate) async fn publish_notice_row(
    tx: &mut Tx,
    lot: &LotRow,
    notice_kind: &str,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    publish_lot_notice(tx, lot, notice_kind, title, body, None, now).await
}

/// Publish a notice of `lot`; it names the lot's trade code, which the body gains when it does
/// not already carry it. The amount is the lot's estimate unless a `winner` and price are given.
pub(crate) async fn publish_lot_notice(
    tx: &mut Tx,
    lot: &LotRow,
    notice_kind: &str,
    title: &str,
    body: &str,
    award: Option<(Uuid, i64)>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    lot_notice(tx, lot, notice_kind, title, body, award, None, now).await
}

/// `corrects`: the published notice this one corrects or ends.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn lot_notice(
    tx: &mut Tx,
    lot: &LotRow,
    notice_kind: &str,
    title: &str,
    body: &str,
    award: Option<(Uuid, i64)>,
    corrects: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let body = if body.contains("统一交易标识码") {
        body.to_string()
    } else {
        format!("{body}\n统一交易标识码：{}", lot.trade_code)
    };
    let (id, _) = crate::notices::publish(
        tx,
        &crate::notices::NewNotice {
            trade_kind: if lot.gp.is_some() {
                "procurement"
            } else {
                "construction"
            },
            notice_kind,
            title,
            body: &body,
            region: lot.region.as_str(),
            deal_code: Some(&lot.trade_code),
            lot_id: Some(lot.id),
            amount: Some(award.map_or(lot.estimated_price.fen(), |a| a.1)),
            principal_id: Some(lot.principal_id),
            winner_id: award.map(|a| a.0),
            corrects,
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(id)
}

async fn issue_document(
    tx: &mut Tx,
    lot: &LotRow,
    kind: &str,
    title: &str,
    body: &str,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    let hash = ggzy_seal::to_hex(&ggzy_seal::sm3(&[body.as_bytes()]));
    tx_exec!(
        tx,
        "INSERT INTO lot_documents (id, lot_id, kind, title, body, sm3, published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        lot.id,
        kind,
        title,
        body,
        &hash,
        by,
        truncate_micros(now)
    );
    Ok(id)
}

/// Publish the tender notice (open tender, or after prequalification to those who passed).
pub async fn publish_tender_notice(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &TenderNoticeInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let c = parse_content(&input.content)?;
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    let dates = TenderDates {
        documents_from: input.documents_from,
        documents_until: input.documents_until,
        bid_deadline: input.bid_deadline,
    };
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::PublishNotice(dates),
        now,
        serde_json::json!({}),
    )
    .await?;
    let w = Words::of(&lot);
    let title = format!("{}{}{}", lot.project_name, lot.name, w.notice);
    let body = notice_body(&lot, &title, &c, &w.dates(&dates));
    let notice = publish_notice_row(&mut tx, &lot, "tender", &title, &body, now).await?;
    issue_document(
        &mut tx,
        &lot,
        "tender",
        &format!("{}{}", lot.name, w.documents),
        &c.documents,
        actor.account_id,
        now,
    )
    .await?;
    if let Some(admitted) = lot.state.admitted.clone() {
        for e in admitted {
            push(
                &mut tx,
                e,
                lot.id,
                "tender_notice",
                &title,
                "您已通过资格预审，招标文件已在平台发出，请在线获取。",
                now,
            )
            .await?;
        }
    }
    schedule::plan(&mut tx, lot.id, schedule::OPEN, dates.bid_deadline).await?;
    tx.commit().await?;
    Ok(notice)
}

pub async fn publish_prequal_notice(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &PrequalNoticeInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let c = parse_content(&input.content)?;
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    let d = PrequalDates {
        documents_from: input.documents_from,
        documents_until: input.documents_until,
        applications_due: input.applications_due,
    };
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::PublishPrequalNotice(d),
        now,
        serde_json::json!({}),
    )
    .await?;
    let title = format!("{}{}资格预审公告", lot.project_name, lot.name);
    let body = notice_body(
        &lot,
        &title,
        &c,
        &[
            ("资格预审文件获取时间".to_string(), d.documents_from),
            ("资格预审文件获取截止".to_string(), d.documents_until),
            ("资格预审申请截止".to_string(), d.applications_due),
        ],
    );
    let notice = publish_notice_row(&mut tx, &lot, "prequal", &title, &body, now).await?;
    issue_document(
        &mut tx,
        &lot,
        "prequal",
        &format!("{}资格预审文件", lot.name),
        &c.documents,
        actor.account_id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}

/// Invited tender: invitation letters (inbox) to each invitee, documents issued to them only.
/// Callers go through [`crate::regime::invite`], which adds procurement's rule on who is invited.
pub(crate) async fn invite(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &InviteInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let c = parse_content(&input.content)?;
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    for (i, e) in input.invitees.iter().enumerate() {
        let found: Option<(Uuid,)> = tx_opt!(&mut tx, "SELECT id FROM entities WHERE id = $1", e);
        if found.is_none() {
            return Err(FieldError::new(
                format!("invitees[{i}]"),
                "tender.unknown_invitee",
                "被邀请人未在平台注册",
                "The invitee is not registered on the platform",
            )
            .into());
        }
    }
    let dates = TenderDates {
        documents_from: input.documents_from,
        documents_until: input.documents_until,
        bid_deadline: input.bid_deadline,
    };
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::Invite {
            invitees: input.invitees.clone(),
            dates,
        },
        now,
        serde_json::json!({}),
    )
    .await?;
    let w = Words::of(&lot);
    let title = format!("{}{}{}", lot.project_name, lot.name, w.invitation);
    let body = notice_body(&lot, &title, &c, &w.dates(&dates));
    for e in lot.state.admitted.clone().unwrap_or_default() {
        push(&mut tx, e, lot.id, "invitation", &title, &body, now).await?;
    }
    if lot.state.publicity_required {
        // 单一来源 publicity names the project and the supplier (条例 Art 38).
        let supplier = match lot.state.admitted.as_deref() {
            Some([one]) => super::entity_name(db, *one).await?,
            _ => String::new(),
        };
        let t = format!("{}{}单一来源采购公示", lot.project_name, lot.name);
        let b = format!(
            "{}
拟定供应商：{supplier}
公示期至：{}。任何供应商、单位或者个人对采用单一来源采购方式有异议的，可以在公示期内通过本平台提出。",
            notice_body(&lot, &t, &c, &w.dates(&dates)),
            crate::tendering::notices_fmt(dates.bid_deadline)
        );
        publish_notice_row(&mut tx, &lot, "single_source", &t, &b, now).await?;
    }
    issue_document(
        &mut tx,
        &lot,
        "tender",
        &format!("{}{}", lot.name, w.documents),
        &c.documents,
        actor.account_id,
        now,
    )
    .await?;
    schedule::plan(&mut tx, lot.id, schedule::OPEN, dates.bid_deadline).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DocumentSummary {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub sm3: String,
    pub published_at: DateTime<Utc>,
}

pub async fn documents(db: &Db, lot_id: Uuid) -> ServiceResult<Vec<DocumentSummary>> {
    Ok(db_all!(
        db,
        "SELECT id, kind, title, sm3, published_at FROM lot_documents WHERE lot_id = $1 ORDER BY published_at, id",
        lot_id
    ))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: Uuid,
    pub lot_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub sm3: String,
    pub published_at: DateTime<Utc>,
}

/// Get a document as a registered entity; the download is recorded (who, when, from where).
/// Tender documents of a prequalified or invited lot go to admitted entities only.
pub async fn download(
    db: &Db,
    actor: &Actor,
    doc_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Document> {
    let row: Option<(Uuid, String, String, String, String, DateTime<Utc>)> = db_opt!(
        db,
        "SELECT lot_id, kind, title, body, sm3, published_at FROM lot_documents WHERE id = $1",
        doc_id
    );
    let (lot_id, kind, title, body, sm3, published_at) =
        row.ok_or(ServiceError::NotFound("document"))?;
    let lot = load(db, lot_id).await?;
    let doc = Document {
        id: doc_id,
        lot_id,
        kind: kind.clone(),
        title,
        body,
        sm3,
        published_at,
    };
    match party_of(actor, &lot) {
        Some(Party::Tenderer | Party::Centre | Party::Supervisor) => return Ok(doc),
        None if actor.account_id.is_none() => return Err(ServiceError::Unauthenticated),
        _ => {}
    }
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    if kind == "tender"
        && lot
            .state
            .admitted
            .as_ref()
            .is_some_and(|a| !a.contains(&entity))
    {
        return Err(FieldError::new(
            "document",
            "document.not_admitted",
            if lot.state.kind == ProcedureKind::Invited {
                "招标文件仅向被邀请人发出"
            } else {
                "招标文件仅向通过资格预审的申请人发出"
            },
            if lot.state.kind == ProcedureKind::Invited {
                "Tender documents go to invitees only"
            } else {
                "Tender documents go to those who passed prequalification"
            },
        )
        .into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO document_downloads (id, document_id, lot_id, entity_id, account_id, address, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::now_v7(),
        doc_id,
        lot_id,
        entity,
        actor.account_id,
        &actor.address,
        truncate_micros(now)
    );
    log(
        &mut tx,
        actor,
        Some(&grant),
        &lot,
        "document.downloaded",
        serde_json::json!({"document": doc_id, "entity": entity}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(doc)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Downloader {
    pub entity_id: Uuid,
    pub name: String,
    pub uscc: String,
    pub first_at: DateTime<Utc>,
    pub downloads: i64,
}

/// Who downloaded the documents. Before the bid deadline only the principal and its agency may
/// know (电子招标投标办法 Art 21); afterwards also the centre and supervisors.
pub async fn downloaders(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Downloader>> {
    let lot = load(db, lot_id).await?;
    let before_deadline = lot.state.dates.is_none_or(|d| now < d.bid_deadline);
    match party_of(actor, &lot) {
        Some(Party::Tenderer) => {}
        Some(Party::Centre | Party::Supervisor) if !before_deadline => {}
        None if actor.account_id.is_none() => return Err(ServiceError::Unauthenticated),
        _ => {
            return Err(FieldError::new(
                "downloaders",
                "document.downloaders_secret",
                "投标截止前，获取招标文件的潜在投标人名称和数量仅招标人及其代理机构可见",
                "Before the deadline only the principal and its agency may see who obtained the documents",
            )
            .with_rule("电子招标投标办法", "21")
            .into());
        }
    }
    Ok(db_all!(
        db,
        "SELECT d.entity_id, e.name, e.uscc, MIN(d.at) AS first_at, COUNT(*) AS downloads
         FROM document_downloads d JOIN entities e ON e.id = d.entity_id WHERE d.lot_id = $1
         GROUP BY d.entity_id, e.name, e.uscc ORDER BY MIN(d.at)",
        lot_id
    ))
}

/// The lot a document belongs to.
pub async fn document_lot(db: &Db, doc: Uuid) -> ServiceResult<Option<Uuid>> {
    let r: Option<(Uuid,)> = db_opt!(db, "SELECT lot_id FROM lot_documents WHERE id = $1", doc);
    Ok(r.map(|r| r.0))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub title: String,
    pub notice_kind: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
    pub lot_id: Option<Uuid>,
}

/// A published notice: public.
pub async fn notice(db: &Db, id: Uuid) -> ServiceResult<NoticeView> {
    on_db!(db, |p| sqlx::query_as::<_, NoticeView>(
        "SELECT id, title, notice_kind, body, published_at, lot_id FROM notices WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await?)
    .ok_or(ServiceError::NotFound("notice"))
}
