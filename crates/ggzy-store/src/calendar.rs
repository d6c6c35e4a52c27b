//! The working-day calendar as data (C6): admins replace the table of holidays and adjusted
//! working days (调休) when the State Council publishes next year's; rules read it through
//! [`ggzy_core::calendar::Calendar`].

use crate::actor::Actor;
use crate::db::Db;
use crate::error::ServiceResult;
use crate::events::{self, NewEvent};
use crate::{db_all, db_one, on_tx, tx_all, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::calendar::{Calendar, DEFAULT_TABLE, DayKind, SpecialDay, parse_table};
use ggzy_core::role::Permission;

const CALENDAR_SELECT: &str = "SELECT day, kind, name FROM calendar_days ORDER BY day";

/// The calendar in force: the stored table, or the built-in one on a fresh database.
pub async fn load(db: &Db) -> ServiceResult<Calendar> {
    let rows: Vec<(NaiveDate, String, String)> = db_all!(db, CALENDAR_SELECT);
    Ok(from_rows(rows))
}

/// The calendar as a write transaction sees it.
pub async fn load_tx(tx: &mut crate::db::Tx) -> ServiceResult<Calendar> {
    let rows: Vec<(NaiveDate, String, String)> = tx_all!(tx, CALENDAR_SELECT);
    Ok(from_rows(rows))
}

fn from_rows(rows: Vec<(NaiveDate, String, String)>) -> Calendar {
    if rows.is_empty() {
        return Calendar::default_cn();
    }
    Calendar::new(rows.into_iter().filter_map(|(day, kind, name)| {
        Some(SpecialDay {
            day,
            kind: DayKind::parse(&kind)?,
            name,
        })
    }))
}

/// Replace the whole table from its text form (`YYYY-MM-DD holiday|workday 名称` per line).
pub async fn replace(
    db: &Db,
    actor: &Actor,
    text: &str,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    // The holiday table is national: any administrator who keeps configuration may publish it.
    actor.require_any(Permission::ConfigAdmin)?;
    let grant = actor
        .grants
        .iter()
        .find(|g| g.role.permissions().contains(&Permission::ConfigAdmin));
    let days = parse_table(text)?;
    let mut tx = db.begin().await?;
    store_days(&mut tx, &days).await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(grant),
            address: actor.address.clone(),
            region_code: grant.map_or_else(|| "000000".into(), |g| g.region.to_string()),
            kind: "calendar.replaced",
            subject: "calendar".into(),
            payload: serde_json::json!({ "days": days.len(), "sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[text.as_bytes()])) }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(days.len())
}

async fn store_days(tx: &mut crate::db::Tx, days: &[SpecialDay]) -> ServiceResult<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM calendar_days")
        .execute(&mut *c)
        .await?
        .rows_affected());
    for d in days {
        tx_exec!(
            tx,
            "INSERT INTO calendar_days (day, kind, name) VALUES ($1, $2, $3) ON CONFLICT (day) DO UPDATE SET kind = $2, name = $3",
            d.day,
            d.kind.as_str(),
            &d.name
        );
    }
    Ok(())
}

/// Seed the built-in table on first start so that admins see and edit what is in force.
pub async fn seed_default(db: &Db) -> ServiceResult<()> {
    let (n,): (i64,) = db_one!(db, "SELECT COUNT(*) FROM calendar_days");
    if n == 0 {
        let days = parse_table(DEFAULT_TABLE)?;
        let mut tx = db.begin().await?;
        store_days(&mut tx, &days).await?;
        tx.commit().await?;
    }
    Ok(())
}
