//! The committee asks a bidder to clarify an obvious error or ambiguity; the bidder answers in
//! writing and cannot change the substance of the bid.

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::{Party, load, log, party_of, push};
use crate::{db_all, db_opt, tx_exec};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::error::text;
use ggzy_core::procedure::Stage;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};

use super::{member_while_evaluating, opened_bids};
use crate::tendering::committee::is_member;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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
    tx_exec!(
        &mut tx,
        "INSERT INTO evaluation_clarifications (id, lot_id, bidder_id, asked_by, question, asked_at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        lot_id,
        input.bidder_id,
        actor.account_id,
        &question,
        truncate_micros(now)
    );
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
    let (bidder, entity_grant) = crate::tendering::require_bidder(actor)?;
    let entity_grant = entity_grant.clone();
    let row: Option<(Uuid, Uuid, Option<String>)> = db_opt!(
        db,
        "SELECT lot_id, bidder_id, answer FROM evaluation_clarifications WHERE id = $1",
        id
    );
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
    tx_exec!(
        &mut tx,
        "UPDATE evaluation_clarifications SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4 AND answer IS NULL",
        &answer,
        actor.account_id,
        truncate_micros(now),
        id
    );
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
    Ok(db_all!(
        db,
        "SELECT id, lot_id, bidder_id, question, asked_at, answer, answered_at FROM evaluation_clarifications WHERE lot_id = $1 AND ($2 IS NULL OR bidder_id = $2) ORDER BY asked_at",
        lot_id,
        only
    ))
}
