//! Clarifications of the documents, and objections to them with the tenderer's reply.

use super::*;
use crate::{db_all, db_opt, on_tx, tx_exec};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationInput {
    pub text: String,
    /// A new bid deadline: required when the clarification goes out less than 15 days before it.
    #[serde(default)]
    pub new_deadline: Option<DateTime<Utc>>,
}

/// Publish a clarification or amendment and push it to every entity that downloaded documents.
pub async fn clarify(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ClarificationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let mut errs = Invalid::default();
    let body = text(&mut errs, "text", &input.text, 100_000);
    let Some(body) = body else {
        return Err(errs.into());
    };
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    step(
        &mut tx,
        &mut lot,
        actor,
        Some(&grant),
        &Command::Clarify {
            new_deadline: input.new_deadline,
        },
        now,
        serde_json::json!({"text_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[body.as_bytes()]))}),
    )
    .await?;
    let deadline = lot.state.dates.map(|d| d.bid_deadline).unwrap_or(now);
    let title = format!("{}{}澄清与修改", lot.project_name, lot.name);
    let full = format!(
        "{title}\n\n{body}\n\n投标截止及开标时间：{}",
        crate::tendering::notices_fmt(deadline)
    );
    let doc = issue_document(
        &mut tx,
        &lot,
        "clarification",
        &title,
        &full,
        actor.account_id,
        now,
    )
    .await?;
    if lot.state.admitted.is_none() {
        publish_notice_row(&mut tx, &lot, "clarification", &title, &full, now).await?;
    }
    let mut to: Vec<Uuid> = on_tx!(&mut tx, |c| sqlx::query_as::<_, (Uuid,)>(
        "SELECT DISTINCT entity_id FROM document_downloads WHERE lot_id = $1"
    )
    .bind(lot.id)
    .fetch_all(c)
    .await?)
    .into_iter()
    .map(|r| r.0)
    .collect();
    to.extend(lot.state.admitted.clone().unwrap_or_default());
    to.sort();
    to.dedup();
    for e in to {
        push(&mut tx, e, lot.id, "clarification", &title, &full, now).await?;
    }
    schedule::plan(&mut tx, lot.id, schedule::OPEN, deadline).await?;
    tx.commit().await?;
    Ok(doc)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionInput {
    /// documents | result | opening
    pub subject: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = ObjectionReplyInput)]
#[serde(deny_unknown_fields)]
pub struct ReplyInput {
    pub reply: String,
}

/// Raise an objection (异议). To documents: suspends bidding until replied (条例 Art 22); to the
/// result during publicity: suspends the award (Art 54); at the opening: answered on the spot
/// (Art 44) and recorded.
pub async fn raise_objection(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &ObjectionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let mut errs = Invalid::default();
    let body = text(&mut errs, "text", &input.text, 10_000);
    let subject = match input.subject.as_str() {
        "documents" => Some(Some(ObjectionSubject::Documents)),
        "result" => Some(Some(ObjectionSubject::Result)),
        "opening" => Some(None),
        _ => {
            errs.push(FieldError::new(
                "subject",
                "objection.subject",
                "异议对象应为 招标文件/评标结果/开标",
                "Subject is documents, result or opening",
            ));
            None
        }
    };
    let (Some(body), Some(subject)) = (body, subject) else {
        return Err(errs.into());
    };
    let (entity, grant) = require_bidder(actor)?;
    let grant = grant.clone();
    let mut tx = db.begin().await?;
    let mut lot = load_for_update(&mut tx, lot_id).await?;
    if lot.gp.is_some() {
        return Err(ServiceError::OutOfOrder {
            stage: lot.state.stage.as_str(),
            waits_for: lot.state.stage.waits_for(),
            reason: "a procurement takes challenges (质疑), not objections",
        });
    }
    let id = Uuid::now_v7();
    match subject {
        Some(s) => {
            step(
                &mut tx,
                &mut lot,
                actor,
                Some(&grant),
                &Command::RaiseObjection { id, subject: s },
                now,
                serde_json::json!({"entity": entity}),
            )
            .await?;
        }
        None => {
            if lot.state.stage != Stage::Evaluating {
                return Err(ServiceError::OutOfOrder {
                    stage: lot.state.stage.as_str(),
                    waits_for: lot.state.stage.waits_for(),
                    reason: "objections to the opening are raised at the opening",
                });
            }
            if !lot.state.bidders.contains(&entity) {
                return Err(ServiceError::Forbidden(
                    ggzy_core::role::Permission::EntityManage,
                ));
            }
            log(
                &mut tx,
                actor,
                Some(&grant),
                &lot,
                "lot.opening_objection",
                serde_json::json!({"id": id, "entity": entity}),
                now,
            )
            .await?;
        }
    }
    tx_exec!(
        &mut tx,
        "INSERT INTO objections (id, lot_id, subject, entity_id, raised_by, text, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        lot.id,
        &input.subject,
        entity,
        actor.account_id,
        &body,
        truncate_micros(now)
    );
    push(
        &mut tx,
        lot.principal_id,
        lot.id,
        "objection",
        &format!("{} 收到异议", lot.name),
        &body,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn reply_objection(
    db: &Db,
    actor: &Actor,
    objection_id: Uuid,
    input: &ReplyInput,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let mut errs = Invalid::default();
    let Some(reply) = text(&mut errs, "reply", &input.reply, 10_000) else {
        return Err(errs.into());
    };
    let row: Option<(Uuid, String, Option<Uuid>, Option<DateTime<Utc>>)> = db_opt!(
        db,
        "SELECT lot_id, subject, entity_id, replied_at FROM objections WHERE id = $1",
        objection_id
    );
    let (lot_id, subject, entity, replied) = row.ok_or(ServiceError::NotFound("objection"))?;
    if replied.is_some() {
        return Err(FieldError::new(
            "reply",
            "objection.already_replied",
            "该异议已答复",
            "This objection has already been answered",
        )
        .into());
    }
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    let in_time = if subject == "opening" {
        log(
            &mut tx,
            actor,
            Some(&grant),
            &lot,
            "lot.opening_objection_answered",
            serde_json::json!({"id": objection_id}),
            now,
        )
        .await?;
        true
    } else {
        let ev = step(
            &mut tx,
            &mut lot,
            actor,
            Some(&grant),
            &Command::ReplyObjection { id: objection_id },
            now,
            serde_json::json!({}),
        )
        .await?;
        !ev.iter().any(|e| {
            matches!(
                e,
                ggzy_core::procedure::Event::ObjectionAnswered { in_time: false, .. }
            )
        })
    };
    tx_exec!(
        &mut tx,
        "UPDATE objections SET reply = $1, replied_by = $2, replied_at = $3, in_time = $4 WHERE id = $5",
        &reply,
        actor.account_id,
        truncate_micros(now),
        in_time,
        objection_id
    );
    if let Some(e) = entity {
        push(
            &mut tx,
            e,
            lot.id,
            "objection_reply",
            &format!("{} 异议答复", lot.name),
            &reply,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(in_time)
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: Uuid,
    pub subject: String,
    pub entity_id: Option<Uuid>,
    pub text: String,
    pub raised_at: DateTime<Utc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub in_time: Option<bool>,
}

/// Objections of a lot: all to the parties and supervisors; a bidder sees its own.
pub async fn objections(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Vec<ObjectionView>> {
    let lot = load(db, lot_id).await?;
    let rows: Vec<ObjectionView> = db_all!(
        db,
        "SELECT id, subject, entity_id, text, raised_at, reply, replied_at, in_time FROM objections WHERE lot_id = $1 ORDER BY raised_at",
        lot_id
    );
    Ok(crate::tendering::visible_to(actor, &lot, rows, |r| {
        r.entity_id
    }))
}
