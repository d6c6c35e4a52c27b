//! The persisted schedule: side effects that happen at a time — the opening at the bid deadline,
//! the end of candidate publicity. Rows survive a restart; the runner catches up on whatever fell
//! due while it was down, and claims each row with `fired_at IS NULL` inside the transaction that
//! does the work, so a row fires exactly once even with two runners.

use crate::db::{Db, Tx};
use crate::error::ServiceResult;
use crate::{db_all, on_tx};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
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
/// Right after an opening commits: the collusion indicators run over the opened bids' traces,
/// apart from the opening so that the deadline minute does not wait for them.
pub const COLLUSION_CHECK: &str = "collusion_check";
/// An order to correct is due: unanswered, it becomes an alert for the supervisor.
pub const CORRECTION_DUE: &str = "correction_due";

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
    Ok(db_all!(
        db,
        "SELECT id, lot_id, action, due_at, fired_at, outcome FROM schedule WHERE lot_id = $1 ORDER BY due_at",
        lot
    ))
}
