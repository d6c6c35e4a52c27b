//! The one seam between the shared lot engine and the regimes. The engine (`tendering`) runs the
//! steps every lot shares and knows nothing of the modules built on it; where a shared step needs
//! one regime's own rule, or a timer belongs to one regime, the entry point lives here, above the
//! engine, procurement, the expert draw and the evaluation — the only module that calls them all.
//! So the store's modules form no cycle (checked by `tests/store/modules.rs`).

pub mod deal;
mod intervention;
mod termination;
pub use intervention::{InterventionAnswer, InterventionInput, InterventionView};
pub use intervention::{answer as answer_intervention, for_lot as interventions, order};
pub use termination::{TerminationInput, terminate};

use crate::tendering::notices::CorrectionInput;

/// The deal a published notice belongs to: a lot's, a grant's, or neither.
async fn deal_of_notice(db: &Db, notice: Uuid) -> ServiceResult<(Option<Uuid>, Option<Uuid>)> {
    let r: Option<(Option<Uuid>, Option<Uuid>)> = crate::db_opt!(
        db,
        "SELECT lot_id, grant_id FROM notices WHERE id = $1",
        notice
    );
    r.ok_or(ServiceError::NotFound("notice"))
}

/// Whether `actor` may correct the notice: its lot's tenderer, or its grant's centre.
pub async fn may_correct(db: &Db, actor: &Actor, notice: Uuid) -> bool {
    match deal_of_notice(db, notice).await {
        Ok((Some(_), _)) => tendering::notices::may_correct(db, actor, notice).await,
        Ok((None, Some(grant))) => crate::grants::may_correct(db, actor, grant).await,
        _ => false,
    }
}

/// Publish a correction (更正／变更公告) of a lot's or a grant's notice, linked to it.
pub async fn correct_notice(
    db: &Db,
    actor: &Actor,
    notice: Uuid,
    input: &CorrectionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    match deal_of_notice(db, notice).await? {
        (None, Some(grant)) => {
            crate::grants::correct_notice(db, actor, grant, notice, input, now).await
        }
        _ => tendering::notices::correct_notice(db, actor, notice, input, now).await,
    }
}

use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::tendering::notices::InviteInput;
use crate::tendering::schedule::{
    BUYER_DEEMED, CHALLENGE_REPLY_DUE, COLLUSION_CHECK, COMPLAINT_DECISION_DUE, CORRECTION_DUE,
    DRAW_REPLY, END_PUBLICITY, Fired, OPEN, POSTPONE_CHECK,
};
use crate::tendering::{load_for_update, log, push};
use crate::{db_all, tendering, tx_exec};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::FieldError;
use ggzy_core::clock::truncate_micros;
use ggzy_core::procedure::Stage;
use uuid::Uuid;

/// Invited tender: invitation letters to each invitee. A procurement lot by invited tender
/// invites exactly the suppliers drawn at random (87号令 Art 14); the tenderer is checked first,
/// so nobody else learns anything about the draw from the refusal.
pub async fn invite(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &InviteInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let lot = tendering::load(db, lot_id).await?;
    tendering::require_tenderer(actor, &lot)?;
    if lot.purchase_method() == Some(ggzy_core::procurement::PurchaseMethod::InvitedTender) {
        let mut asked = input.invitees.clone();
        asked.sort();
        asked.dedup();
        if crate::procurement::drawn_suppliers(db, lot_id).await? != Some(asked) {
            return Err(FieldError::new(
                "invitees",
                "procurement.invitees_not_drawn",
                "邀请招标应向随机抽取的供应商发出投标邀请书：请先抽取，并邀请抽中的全部供应商",
                "An invited procurement tender invites exactly the suppliers drawn at random: draw first",
            )
            .with_rule(ggzy_core::procurement::ORDER87, "14")
            .into());
        }
    }
    tendering::notices::invite(db, actor, lot_id, input, now).await
}

/// Fire everything due at `now`. Returns what fired.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> ServiceResult<Vec<Fired>> {
    let due: Vec<(Uuid, Uuid, String)> = db_all!(
        db,
        "SELECT id, lot_id, action FROM schedule WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 100",
        truncate_micros(now)
    );
    let mut out = vec![];
    for (id, lot, action) in due {
        match fire(db, id, lot, &action, now).await {
            Ok(Some(f)) => {
                if action == DRAW_REPLY {
                    // Vacancies left by silence are redrawn after the expiry commits.
                    if let Err(e) = crate::experts::draw::settle(db, lot, now).await {
                        tracing::error!(lot = %lot, error = %e, "redraw after the reply window failed");
                    }
                }
                out.push(f)
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(lot = %lot, action, error = %e, "scheduled action failed; will retry")
            }
        }
    }
    if let Err(e) = crate::alerts::escalate_overdue(db, now).await {
        tracing::error!(error = %e, "escalating overdue alerts failed; will retry");
    }
    Ok(out)
}

async fn fire(
    db: &Db,
    id: Uuid,
    lot_id: Uuid,
    action: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Option<Fired>> {
    let mut tx = db.begin().await?;
    let claimed = tx_exec!(
        &mut tx,
        "UPDATE schedule SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL",
        truncate_micros(now),
        id
    );
    if claimed == 0 {
        return Ok(None);
    }
    let system = Actor::system();
    let outcome = match action {
        POSTPONE_CHECK => tendering::sealing::postpone_if_short(&mut tx, lot_id, now).await?,
        DRAW_REPLY => crate::experts::draw::expire_in(&mut tx, lot_id, now).await?,
        COLLUSION_CHECK => crate::collusion::at_opening(&mut tx, lot_id, now).await?,
        CORRECTION_DUE => intervention::correction_due_in(&mut tx, lot_id, now).await?,
        BUYER_DEEMED => crate::evaluation::award::deemed_choice_in(&mut tx, lot_id, now).await?,
        CHALLENGE_REPLY_DUE | COMPLAINT_DECISION_DUE => {
            crate::procurement::challenges::overdue_in(&mut tx, lot_id, action, now).await?
        }
        OPEN => match tendering::bids::open_in(&mut tx, &system, lot_id, now).await {
            Ok(stage) => stage.as_str().to_string(),
            Err(ServiceError::Invalid(i))
                if i.0.iter().any(|f| {
                    f.code == "procedure.suspended" || f.code == "procedure.held_by_order"
                }) =>
            {
                // An objection to the documents is pending, or a supervisor's suspension holds
                // the lot: try again in a minute.
                tx_exec!(
                    &mut tx,
                    "UPDATE schedule SET fired_at = NULL, due_at = $1, outcome = 'waiting: suspended' WHERE id = $2",
                    truncate_micros(now + Duration::minutes(1)),
                    id
                );
                tx.commit().await?;
                return Ok(None);
            }
            Err(ServiceError::OutOfOrder { stage, .. }) => format!("skipped: lot is {stage}"),
            Err(e) => return Err(e),
        },
        END_PUBLICITY => {
            let lot = load_for_update(&mut tx, lot_id).await?;
            if lot.state.stage == Stage::Publicity {
                log(
                    &mut tx,
                    &system,
                    None,
                    &lot,
                    "lot.publicity_ended",
                    serde_json::json!({}),
                    now,
                )
                .await?;
                push(&mut tx, lot.principal_id, lot.id, "publicity_ended", &format!("{} 中标候选人公示期满", lot.name), "公示期已满。如无未答复的异议，可确定中标人并同时发出中标通知书和中标结果通知书。", now).await?;
                "publicity_ended".into()
            } else {
                format!("skipped: lot is {}", lot.state.stage.as_str())
            }
        }
        other => format!("unknown action {other}"),
    };
    tx_exec!(
        &mut tx,
        "UPDATE schedule SET outcome = $1 WHERE id = $2",
        &outcome,
        id
    );
    tx.commit().await?;
    tracing::info!(lot = %lot_id, action, outcome, "scheduled action fired");
    Ok(Some(Fired {
        lot_id,
        action: action.into(),
        outcome,
    }))
}
