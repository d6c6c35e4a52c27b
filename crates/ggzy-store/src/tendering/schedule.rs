//! The persisted schedule: side effects that happen at a time — the opening at the bid deadline,
//! the end of candidate publicity. Rows survive a restart; the runner catches up on whatever fell
//! due while it was down, and claims each row with `fired_at IS NULL` inside the transaction that
//! does the work, so a row fires exactly once even with two runners.

use super::{bids, load_for_update, log, push};
use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::{on_db, on_tx};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::procedure::Stage;
use serde::Serialize;
use uuid::Uuid;

pub const OPEN: &str = "open";
pub const END_PUBLICITY: &str = "end_publicity";
/// After the deadline: postpone the opening if custodians have not returned enough shares.
pub const POSTPONE_CHECK: &str = "postpone_check";
/// A round of the expert draw stops waiting for replies: silence counts as declining.
pub const DRAW_REPLY: &str = "draw_reply";
/// A procurement buyer's 5 working days to decide have passed: the first-ranked wins.
pub const BUYER_DEEMED: &str = "buyer_deemed";
/// A challenge's reply, or a complaint's decision, is overdue: the supervisor is alerted.
pub const CHALLENGE_REPLY_DUE: &str = "challenge_reply_due";
pub const COMPLAINT_DECISION_DUE: &str = "complaint_decision_due";

/// Plan `action` for `lot` at `due`, replacing an unfired plan of the same action (a moved
/// deadline moves its opening).
pub(crate) async fn plan(
    tx: &mut Tx,
    lot: Uuid,
    action: &str,
    due: DateTime<Utc>,
) -> ServiceResult<()> {
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM schedule WHERE lot_id = $1 AND action = $2 AND fired_at IS NULL")
            .bind(lot)
            .bind(action)
            .execute(&mut *c)
            .await?
            .rows_affected();
        sqlx::query("INSERT INTO schedule (id, lot_id, action, due_at) VALUES ($1, $2, $3, $4)")
            .bind(Uuid::now_v7())
            .bind(lot)
            .bind(action)
            .bind(truncate_micros(due))
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fired {
    pub lot_id: Uuid,
    pub action: String,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ScheduleRow {
    pub id: Uuid,
    pub lot_id: Uuid,
    pub action: String,
    pub due_at: DateTime<Utc>,
    pub fired_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
}

pub async fn for_lot(db: &Db, lot: Uuid) -> ServiceResult<Vec<ScheduleRow>> {
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, lot_id, action, due_at, fired_at, outcome FROM schedule WHERE lot_id = $1 ORDER BY due_at"
    )
    .bind(lot)
    .fetch_all(p)
    .await?
    }))
}

/// Fire everything due at `now`. Returns what fired.
pub async fn run_due(db: &Db, now: DateTime<Utc>) -> ServiceResult<Vec<Fired>> {
    let due: Vec<(Uuid, Uuid, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, lot_id, action FROM schedule WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT 100"
    )
    .bind(truncate_micros(now))
    .fetch_all(p)
    .await?
    });
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
    let claimed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE schedule SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL"
    )
    .bind(truncate_micros(now))
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    if claimed == 0 {
        return Ok(None);
    }
    let system = Actor::system();
    let outcome = match action {
        POSTPONE_CHECK => super::sealing::postpone_if_short(&mut tx, lot_id, now).await?,
        DRAW_REPLY => crate::experts::draw::expire_in(&mut tx, lot_id, now).await?,
        BUYER_DEEMED => crate::procurement::deemed_choice_in(&mut tx, lot_id, now).await?,
        CHALLENGE_REPLY_DUE | COMPLAINT_DECISION_DUE => {
            crate::procurement::challenges::overdue_in(&mut tx, lot_id, action, now).await?
        }
        OPEN => match bids::open_in(&mut tx, &system, lot_id, now).await {
            Ok(stage) => stage.as_str().to_string(),
            Err(ServiceError::Invalid(i))
                if i.0.iter().any(|f| f.code == "procedure.suspended") =>
            {
                // An objection to the documents is pending: try again in a minute.
                on_tx!(&mut tx, |c| {
                    sqlx::query("UPDATE schedule SET fired_at = NULL, due_at = $1, outcome = 'waiting: objection pending' WHERE id = $2")
                    .bind(truncate_micros(now + Duration::minutes(1)))
                    .bind(id)
                    .execute(c)
                    .await?
                    .rows_affected()
                });
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
    on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE schedule SET outcome = $1 WHERE id = $2"
    )
    .bind(&outcome)
    .bind(id)
    .execute(c)
    .await?
    .rows_affected());
    tx.commit().await?;
    tracing::info!(lot = %lot_id, action, outcome, "scheduled action fired");
    Ok(Some(Fired {
        lot_id,
        action: action.into(),
        outcome,
    }))
}
