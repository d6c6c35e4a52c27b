//! Reports of violations (举报) to the supervisor: filed by anyone, by name or anonymously, or
//! by centre staff; each raises an alert of kind `report` in the deal's region (or the region
//! the reporter names) and is tracked by the reporter with its number and a secret shown once.
//! The reporter reads the case's state and, once closed, the supervisor's answer; the public log
//! records that a report was received and a hash of its facts, never the reporter or the facts.

use crate::actor::Actor;
use crate::alerts::{self, Raised};
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use crate::{db_opt, tx_exec};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::alert::{Finding, Status};
use ggzy_core::clock::truncate_micros;
use ggzy_core::region::DivisionCode;
use ggzy_core::report::{Report, ReportAbout, ReportStatus, finding_for_reporter};
use ggzy_core::role::Permission;
use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `deal`, `company`, `expert`, `staff`, `centre` or `other`.
    pub about: String,
    /// The deal's unified trade code, when the report is about one.
    #[serde(default)]
    pub deal_code: Option<String>,
    /// Who or what is reported.
    pub accused: String,
    pub facts: String,
    /// Left empty, the report is anonymous.
    #[serde(default)]
    pub reporter_name: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// The region whose supervisor receives it, when no known deal decides that.
    #[serde(default)]
    pub region_code: Option<String>,
}

/// What the reporter keeps: the number and the secret (shown once) let them follow the report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportReceipt {
    pub number: String,
    pub secret: String,
    pub region_code: String,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportLookup {
    pub number: String,
    pub secret: String,
}

/// A report as its reporter follows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportProgress {
    pub number: String,
    pub about: ReportAbout,
    pub received_at: DateTime<Utc>,
    pub status: ReportStatus,
    /// Once answered: what was found, in words that name nobody, and the supervisor's answer.
    pub finding_zh: Option<String>,
    pub finding_en: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A report as its supervisor reads it beside the case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ReportView {
    pub number: String,
    #[sqlx(try_from = "String")]
    pub about: ReportAbout,
    pub deal_code: Option<String>,
    pub accused: String,
    pub facts: String,
    /// `public` or `staff`.
    pub reporter_kind: String,
    /// Absent: anonymous.
    pub reporter_name: Option<String>,
    pub contact: Option<String>,
    pub received_at: DateTime<Utc>,
    pub alert_id: Uuid,
}

const SECRET_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn secret() -> String {
    let mut rng = rand::rng();
    (0..16)
        .map(|_| SECRET_ALPHABET[rng.random_range(0..SECRET_ALPHABET.len())] as char)
        .collect()
}

/// Compared without an early exit, so the time taken says nothing of how much matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn hash(secret: &str) -> String {
    ggzy_seal::to_hex(&ggzy_seal::sm3(&[secret.trim().as_bytes()]))
}

/// File a report. Staff of a centre file as staff and by name; anyone else as the public.
pub async fn file(
    db: &Db,
    actor: &Actor,
    input: &ReportInput,
    now: DateTime<Utc>,
) -> ServiceResult<ReportReceipt> {
    let staff = actor.has(Permission::IntakeProcess);
    let named = input.reporter_name.clone().or_else(|| {
        staff
            .then(|| actor.display_name.clone().or(actor.username.clone()))
            .flatten()
    });
    let report = Report::parse(
        &input.about,
        input.deal_code.as_deref(),
        &input.accused,
        &input.facts,
        named.as_deref(),
        input.contact.as_deref(),
    )?;
    let deal: Option<(String, Option<Uuid>)> = match &report.deal_code {
        Some(code) => db_opt!(
            db,
            "SELECT region_code, lot_id FROM notices WHERE deal_code = $1 ORDER BY seq LIMIT 1",
            code
        ),
        None => None,
    };
    let (region, lot) = match deal {
        Some((r, lot)) => (r, lot),
        None => (region_named(db, input.region_code.as_deref()).await?, None),
    };
    let region = DivisionCode::parse("region_code", &region)?;
    let number = format!(
        "JB{}-{:08X}",
        crate::tendering::day(now).format("%Y%m%d"),
        rand::rng().random::<u32>()
    );
    let secret = secret();
    let facts_sm3 = ggzy_seal::to_hex(&ggzy_seal::sm3(&[report.facts.as_bytes()]));
    let mut tx = db.begin().await?;
    let at = Raised {
        region: &region,
        lot,
        subject: format!("report:{number}"),
        logged: Some(serde_json::json!({
            "report": number, "about": report.about.as_str(), "facts_sm3": facts_sm3,
        })),
    };
    let alert = alerts::raise_at(
        &mut tx,
        &at,
        "report",
        report.about.severity(),
        serde_json::json!({
            "report": number, "about": report.about.as_str(), "deal_code": report.deal_code,
            "accused": report.accused, "facts": report.facts,
        }),
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO reports (id, number, region_code, about, deal_code, accused, facts, reporter_kind, reporter_id, reporter_name, contact, secret_sm3, received_at, alert_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        Uuid::now_v7(),
        &number,
        region.as_str(),
        report.about.as_str(),
        report.deal_code.as_deref(),
        &report.accused,
        &report.facts,
        if staff { "staff" } else { "public" },
        actor.account_id,
        report.reporter_name.as_deref(),
        report.contact.as_deref(),
        hash(&secret),
        truncate_micros(now),
        alert
    );
    tx.commit().await?;
    Ok(ReportReceipt {
        number,
        secret,
        region_code: region.to_string(),
        received_at: truncate_micros(now),
    })
}

async fn region_named(db: &Db, code: Option<&str>) -> ServiceResult<String> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Err(FieldError::new(
            "region_code",
            "report.region",
            "未找到该交易项目，请选择受理举报的地区",
            "No known deal decides the region: choose the region to report to",
        )
        .into());
    };
    match crate::regions::get(db, code).await? {
        Some(r) => Ok(r.code),
        None => Err(FieldError::new(
            "region_code",
            "region.unknown",
            "地区不存在",
            "No such region",
        )
        .into()),
    }
}

/// The reporter follows the report. A wrong number or secret reads as no such report.
pub async fn progress(db: &Db, lookup: &ReportLookup) -> ServiceResult<ReportProgress> {
    type Found = (
        String,
        DateTime<Utc>,
        String,
        String,
        Option<String>,
        Option<DateTime<Utc>>,
        Uuid,
    );
    let found: Option<Found> = db_opt!(
        db,
        "SELECT r.about, r.received_at, r.secret_sm3, a.status, a.finding, a.closed_at, a.id FROM reports r JOIN alerts a ON a.id = r.alert_id WHERE r.number = $1",
        lookup.number.trim()
    );
    let Some((about, received_at, secret_sm3, status, finding, closed_at, alert)) = found else {
        return Err(ServiceError::NotFound("report"));
    };
    if !same(&secret_sm3, &hash(&lookup.secret)) {
        return Err(ServiceError::NotFound("report"));
    }
    let status = Status::parse(&status).map_or(ReportStatus::Received, ReportStatus::of);
    let finding = finding
        .as_deref()
        .and_then(Finding::parse)
        .map(finding_for_reporter);
    let answer: Option<(String,)> = match status {
        ReportStatus::Answered => db_opt!(
            db,
            "SELECT note FROM alert_steps WHERE alert_id = $1 AND step = 'closed' ORDER BY n DESC LIMIT 1",
            alert
        ),
        _ => None,
    };
    Ok(ReportProgress {
        number: lookup.number.trim().to_string(),
        about: ReportAbout::parse(&about).unwrap_or(ReportAbout::Other),
        received_at,
        status,
        finding_zh: finding.map(|f| f.0.to_string()),
        finding_en: finding.map(|f| f.1.to_string()),
        answer: answer.map(|a| a.0),
        answered_at: closed_at,
    })
}

/// The report behind an alert, for whoever may read the alert.
pub async fn for_alert(db: &Db, actor: &Actor, alert: Uuid) -> ServiceResult<Option<ReportView>> {
    alerts::case(db, actor, alert).await?;
    Ok(db_opt!(
        db,
        "SELECT number, about, deal_code, accused, facts, reporter_kind, reporter_name, contact, received_at, alert_id FROM reports WHERE alert_id = $1",
        alert
    ))
}
