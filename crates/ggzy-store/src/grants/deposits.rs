//! The settlement bank's statement matched to applications' deposit sub-accounts (C15).

use super::*;
use crate::{db_all, tx_exec, tx_opt};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub lines: usize,
    pub credited: usize,
    /// Already imported before (same bank reference): skipped.
    pub duplicates: usize,
    pub unmatched: Vec<UnmatchedCredit>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct UnmatchedCredit {
    pub bank_ref: String,
    pub booked_on: NaiveDate,
    /// Fen.
    pub amount: i64,
    pub payer_name: String,
    pub account_no: String,
    /// unknown_account | no_application | third_party
    pub matched: String,
}

/// Import the settlement bank's statement (centre staff): each credit is matched to the
/// application whose sub-account it was paid into, if the payer is the applicant; others are
/// kept aside with the reason. Importing the same statement again changes nothing.
pub async fn import_statement(
    db: &Db,
    actor: &Actor,
    rows: &[Vec<String>],
    now: DateTime<Utc>,
) -> ServiceResult<ImportSummary> {
    actor.require_any(Permission::IntakeProcess)?;
    let lines = deposit::parse_statement(rows)?;
    let mut tx = db.begin().await?;
    let mut s = ImportSummary {
        lines: lines.len(),
        credited: 0,
        duplicates: 0,
        unmatched: vec![],
    };
    for line in &lines {
        let seen: Option<(Uuid,)> = tx_opt!(
            &mut tx,
            "SELECT id FROM bank_credits WHERE bank_ref = $1",
            &line.bank_ref
        );
        if seen.is_some() {
            s.duplicates += 1;
            continue;
        }
        let app: Option<(Uuid, Uuid, i64, String, i64, String)> = tx_opt!(
            &mut tx,
            "SELECT a.grant_id, a.entity_id, a.received, e.name, g.deposit, g.region_code FROM grant_applications a JOIN entities e ON e.id = a.entity_id JOIN grants g ON g.id = a.grant_id WHERE a.account_no = $1",
            &line.account_no
        );
        // Staff of one region do not book money into another region's grants.
        let app = app.filter(|a| {
            DivisionCode::parse("region", &a.5)
                .is_ok_and(|r| actor.grant_for(Permission::IntakeProcess, &r).is_some())
        });
        let m = deposit::match_credit(
            line,
            app.as_ref()
                .map(|a| Expected {
                    applicant_name: &a.3,
                    deposit: Money::from_fen(a.4),
                    received: Money::from_fen(a.2),
                })
                .as_ref(),
        );
        let credited = matches!(m, Matched::Credited { .. });
        let (grant_id, entity_id) = match (&app, credited) {
            (Some(a), true) => (Some(a.0), Some(a.1)),
            _ => (None, None),
        };
        tx_exec!(
            &mut tx,
            "INSERT INTO bank_credits (id, bank_ref, booked_on, amount, payer_name, payer_account, account_no, grant_id, entity_id, matched, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            Uuid::now_v7(),
            &line.bank_ref,
            line.booked_on,
            line.amount.fen(),
            &line.payer_name,
            &line.payer_account,
            &line.account_no,
            grant_id,
            entity_id,
            m.code(),
            actor.account_id,
            truncate_micros(now)
        );
        if let (Some(g), Some(e)) = (grant_id, entity_id) {
            tx_exec!(
                &mut tx,
                "UPDATE grant_applications SET received = received + $1, received_on = $2 WHERE grant_id = $3 AND entity_id = $4",
                line.amount.fen(),
                line.booked_on,
                g,
                e
            );
            let region = app.as_ref().map(|a| a.5.clone()).unwrap_or_default();
            log(&mut tx, actor, &region, g, "grant.deposit_received", serde_json::json!({"entity": e, "bank_ref": line.bank_ref, "amount": line.amount.fen(), "booked_on": line.booked_on}), now).await?;
            s.credited += 1;
        } else {
            s.unmatched.push(UnmatchedCredit {
                bank_ref: line.bank_ref.clone(),
                booked_on: line.booked_on,
                amount: line.amount.fen(),
                payer_name: line.payer_name.clone(),
                account_no: line.account_no.clone(),
                matched: m.code().into(),
            });
        }
    }
    tx.commit().await?;
    Ok(s)
}

/// Credits kept aside for staff to return.
pub async fn unmatched(db: &Db, actor: &Actor) -> ServiceResult<Vec<UnmatchedCredit>> {
    actor.require_any(Permission::IntakeProcess)?;
    // A credit no application claims belongs to no grant yet: it is the region of the centre
    // whose staff imported the statement, and only that region's staff see it.
    let rows: Vec<(String, String, NaiveDate, i64, String, String, String)> = db_all!(
        db,
        "SELECT ac.region_code, c.bank_ref, c.booked_on, c.amount, c.payer_name, c.account_no, c.matched FROM bank_credits c JOIN accounts ac ON ac.id = c.imported_by WHERE c.grant_id IS NULL ORDER BY c.booked_on DESC, c.bank_ref LIMIT 500"
    );
    Ok(rows
        .into_iter()
        .filter(|r| actor.covers(Permission::IntakeProcess, &r.0))
        .map(
            |(_, bank_ref, booked_on, amount, payer_name, account_no, matched)| UnmatchedCredit {
                bank_ref,
                booked_on,
                amount,
                payer_name,
                account_no,
                matched,
            },
        )
        .collect())
}
