//! Applications (竞买申请) and their review: a deposit sub-account each, admission only with the
//! whole deposit, an anonymous paddle, and who may see which application before the close.

use super::*;
use crate::credit;
use crate::{db_all, db_opt, on_db, tx_exec, tx_one, tx_opt};
use ggzy_core::credit::CheckPoint;

/// Apply to bid (a registered company's user, before applications close). The application gets
/// its own deposit sub-account; the deposit paid into it is matched from the bank statement.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let (entity, _) = require_bidder(actor)?;
    let seen = load(db, id).await?;
    credit::screen(
        db,
        entity,
        &seen.credit_occasion(CheckPoint::GrantApplication, "apply"),
        now,
    )
    .await?;
    let mut tx = db.begin().await?;
    let row = load_tx(&mut tx, id).await?;
    decided(&row, &GrantCommand::Apply, now)?;
    let (n,): (i64,) = tx_one!(
        &mut tx,
        "SELECT COUNT(*) FROM grant_applications WHERE grant_id = $1",
        id
    );
    let exists: Option<(i64,)> = tx_opt!(
        &mut tx,
        "SELECT seq FROM grant_applications WHERE grant_id = $1 AND entity_id = $2",
        id,
        entity
    );
    if exists.is_none() {
        let seq = n + 1;
        let account = deposit::sub_account(row.no, seq);
        tx_exec!(
            &mut tx,
            "INSERT INTO grant_applications (grant_id, entity_id, seq, account_no, applied_at, status) VALUES ($1, $2, $3, $4, $5, 'applied')",
            id,
            entity,
            seq,
            &account,
            truncate_micros(now)
        );
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.applied",
            serde_json::json!({"entity": entity, "account_no": account}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    own_application(db, id, entity, now)
        .await?
        .ok_or(ServiceError::NotFound("application"))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub admit: bool,
    /// Why an application is refused (shown to the applicant).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Review an application (centre staff): admit it — only with the whole deposit received,
/// before bidding ends — which gives the bidder its paddle; or refuse it with the reason.
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    entity: Uuid,
    input: &ReviewInput,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    let (mut tx, row) = begin_as_staff(db, actor, id).await?;
    let app: Option<(String, i64)> = tx_opt!(
        &mut tx,
        "SELECT status, received FROM grant_applications WHERE grant_id = $1 AND entity_id = $2",
        id,
        entity
    );
    let (status, received) = app.ok_or(ServiceError::NotFound("application"))?;
    let (_, auction) = auctions::load(&mut tx, row.auction_id).await?;
    decided(
        &row,
        &GrantCommand::Review {
            ends_at: auction.ends_at,
        },
        now,
    )?;
    if status == "admitted" {
        tx.commit().await?;
        return staff_application(db, id, entity, now).await;
    }
    if input.admit {
        let on = row.credit_occasion(CheckPoint::Admission, "admit");
        if let Some(hit) = credit::barring(db, entity, on.trade, now).await? {
            drop(tx);
            return Err(credit::refuse(db, hit, &on, now).await);
        }
        if received < row.deposit.fen() {
            return Err(refuse(
                "admit",
                "grant.deposit_not_received",
                &format!(
                    "保证金未足额到账（应交 {}，已到 {}），不能取得竞买资格",
                    row.deposit,
                    Money::from_fen(received)
                ),
                &format!(
                    "The deposit has not been received in full ({} due, {} in): no admission",
                    row.deposit,
                    Money::from_fen(received)
                ),
            ));
        }
        let paddle = auctions::admit_in(
            &mut tx,
            actor,
            &row.region,
            row.auction_id,
            entity,
            None,
            now,
        )
        .await?;
        tx_exec!(
            &mut tx,
            "UPDATE grant_applications SET status = 'admitted', paddle = $1, reviewed_by = $2, reviewed_at = $3, reason = NULL WHERE grant_id = $4 AND entity_id = $5",
            i64::from(paddle),
            actor.account_id,
            truncate_micros(now),
            id,
            entity
        );
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.admitted",
            serde_json::json!({"entity": entity, "paddle": paddle}),
            now,
        )
        .await?;
    } else {
        let mut errs = Invalid::default();
        let reason = text(
            &mut errs,
            "reason",
            input.reason.as_deref().unwrap_or(""),
            500,
        );
        let Some(reason) = reason else {
            return Err(errs.into());
        };
        let cal = crate::calendar::load_tx(&mut tx).await?;
        let refund_due = (received > 0).then(|| {
            row.kind
                .pack()
                .deposit_refund_within
                .value
                .end(&cal, cn_date(now))
        });
        tx_exec!(
            &mut tx,
            "UPDATE grant_applications SET status = 'refused', reason = $1, reviewed_by = $2, reviewed_at = $3, refund_due = $4 WHERE grant_id = $5 AND entity_id = $6",
            &reason,
            actor.account_id,
            truncate_micros(now),
            refund_due,
            id,
            entity
        );
        log(
            &mut tx,
            actor,
            &row.region,
            id,
            "grant.refused",
            serde_json::json!({"entity": entity, "reason": reason}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    staff_application(db, id, entity, now).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = GrantApplicationView)]
pub struct ApplicationView {
    pub grant_id: Uuid,
    pub entity_id: Uuid,
    /// Shown to the centre, the supervisor and the applicant itself.
    pub entity_name: String,
    pub account_no: String,
    /// applied | admitted | refused
    pub status: String,
    pub reason: Option<String>,
    /// Fen.
    pub deposit: i64,
    pub received: i64,
    pub received_on: Option<NaiveDate>,
    pub paddle: Option<u32>,
    pub go_on: bool,
    pub refund_due: Option<NaiveDate>,
    pub refunded_on: Option<NaiveDate>,
    /// Due back and not refunded after its due day.
    pub overdue: bool,
    /// The winner's deposit, applied to the price.
    pub applied_to_price: bool,
    pub applied_at: DateTime<Utc>,
}

/// An application's row as stored, with the entity's name and the grant's deposit.
#[derive(sqlx::FromRow)]
pub(super) struct AppRaw {
    grant_id: Uuid,
    entity_id: Uuid,
    entity_name: String,
    account_no: String,
    status: String,
    reason: Option<String>,
    deposit: i64,
    received: i64,
    received_on: Option<NaiveDate>,
    paddle: Option<i64>,
    go_on: i64,
    refund_due: Option<NaiveDate>,
    refunded_on: Option<NaiveDate>,
    applied_to_price: i64,
    applied_at: DateTime<Utc>,
}

pub(super) const APP_SQL: &str = "SELECT a.grant_id, a.entity_id, e.name AS entity_name, a.account_no, a.status, a.reason, g.deposit, a.received, a.received_on, a.paddle, a.go_on, a.refund_due, a.refunded_on, a.applied_to_price, a.applied_at FROM grant_applications a JOIN entities e ON e.id = a.entity_id JOIN grants g ON g.id = a.grant_id";

pub(super) fn app_view(r: AppRaw, today: NaiveDate) -> ApplicationView {
    ApplicationView {
        paddle: r.paddle.map(|p| p as u32),
        go_on: r.go_on != 0,
        overdue: r.refunded_on.is_none() && r.refund_due.is_some_and(|d| today > d),
        applied_to_price: r.applied_to_price != 0,
        grant_id: r.grant_id,
        entity_id: r.entity_id,
        entity_name: r.entity_name,
        account_no: r.account_no,
        status: r.status,
        reason: r.reason,
        deposit: r.deposit,
        received: r.received,
        received_on: r.received_on,
        refund_due: r.refund_due,
        refunded_on: r.refunded_on,
        applied_at: r.applied_at,
    }
}

async fn own_application(
    db: &Db,
    id: Uuid,
    entity: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Option<ApplicationView>> {
    let q = format!("{APP_SQL} WHERE a.grant_id = $1 AND a.entity_id = $2");
    let r: Option<AppRaw> = db_opt!(db, sqlx::AssertSqlSafe(q), id, entity);
    Ok(r.map(|r| app_view(r, cn_date(now))))
}

pub(super) async fn staff_application(
    db: &Db,
    id: Uuid,
    entity: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<ApplicationView> {
    own_application(db, id, entity, now)
        .await?
        .ok_or(ServiceError::NotFound("application"))
}

/// The applications of a grant: all of them for the centre (and the supervisor after the close),
/// one's own for a bidder, none for anyone else (who applied stays secret until the close).
pub async fn applications(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ApplicationView>> {
    let row = load(db, id).await?;
    if sees_all(actor, &row) {
        let q = format!("{APP_SQL} WHERE a.grant_id = $1 ORDER BY a.seq");
        let r: Vec<AppRaw> = db_all!(db, sqlx::AssertSqlSafe(q), id);
        return Ok(r.into_iter().map(|r| app_view(r, cn_date(now))).collect());
    }
    match actor.entity_id {
        Some(e) => Ok(own_application(db, id, e, now).await?.into_iter().collect()),
        None => Ok(vec![]),
    }
}

/// Refunds due and not done after their day, across every grant the actor supervises or runs.
pub async fn overdue_refunds(
    db: &Db,
    actor: &Actor,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ApplicationView>> {
    if !(actor.has(Permission::IntakeProcess) || actor.has(Permission::Supervise)) {
        return Err(ServiceError::Forbidden(Permission::IntakeProcess));
    }
    let today = cn_date(now);
    const DUE: &str = "a.refund_due IS NOT NULL AND a.refunded_on IS NULL AND a.refund_due < $1";
    let q = format!("{APP_SQL} WHERE {DUE} ORDER BY a.refund_due");
    let r: Vec<AppRaw> = db_all!(db, sqlx::AssertSqlSafe(q.clone()), today);
    let q = format!(
        "SELECT DISTINCT g.id, g.region_code FROM grants g JOIN grant_applications a ON a.grant_id = g.id WHERE {DUE}"
    );
    let regions: std::collections::HashMap<Uuid, String> =
        on_db!(db, |p| sqlx::query_as::<_, (Uuid, String)>(
            sqlx::AssertSqlSafe(q.clone())
        )
        .bind(today)
        .fetch_all(p)
        .await?)
        .into_iter()
        .collect();
    let visible = |grant: &Uuid| {
        regions.get(grant).is_some_and(|region| {
            actor.covers(Permission::IntakeProcess, region)
                || actor.covers(Permission::Supervise, region)
        })
    };
    Ok(r.into_iter()
        .filter(|r| visible(&r.grant_id))
        .map(|r| app_view(r, today))
        .collect())
}
