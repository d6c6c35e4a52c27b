//! The expert registry (专家库, C11): applications (by the expert or recommended by the employer),
//! vetting by the department, specialties from the admin-maintained classification, ties that the
//! draw avoids (former employers, declared conflicts), availability, and status with reasons.

pub mod credit;
pub mod draw;

use crate::accounts::insert_account;
use crate::actor::Actor;
use crate::db::{Db, Tx, unique_violation};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, on_tx, tx_exec, tx_opt};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::account::{NewPassword, Username};
use ggzy_core::clock::truncate_micros;
use ggzy_core::entity::parse_date as date;
use ggzy_core::error::text;
use ggzy_core::expert::{self as ex, ExpertStatus};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::{Permission, Role};
use ggzy_core::specialty::{SpecialtyCode, SpecialtyTree};
use ggzy_core::{FieldError, Invalid, Uscc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Log an event about an expert.
pub(crate) async fn log_expert(
    tx: &mut Tx,
    actor: &Actor,
    role: &str,
    region: &str,
    expert: Uuid,
    kind: &'static str,
    payload: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    events::append(
        tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: role.to_string(),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind,
            subject: format!("expert:{expert}"),
            payload,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The classification table in force (the database copy admins maintain).
pub async fn specialty_tree(db: &Db) -> ServiceResult<SpecialtyTree> {
    let rows: Vec<(String, String)> =
        db_all!(db, "SELECT code, name FROM specialties ORDER BY code");
    if rows.is_empty() {
        return Ok(SpecialtyTree::default_cn());
    }
    let text: String = rows.iter().map(|(c, n)| format!("{c}\t{n}\n")).collect();
    SpecialtyTree::parse(&text).map_err(|e| ServiceError::Internal(e.message_en))
}

/// Replace the classification table (admins), from the data-file format.
pub async fn replace_specialties(
    db: &Db,
    actor: &Actor,
    table: &str,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    actor.require_any(Permission::ConfigAdmin)?;
    let tree = SpecialtyTree::parse(table)
        .map_err(|e| ServiceError::Invalid(e.under("table: ").into()))?;
    let mut tx = db.begin().await?;
    tx_exec!(&mut tx, "DELETE FROM specialties");
    for (c, n) in tree.iter() {
        tx_exec!(
            &mut tx,
            "INSERT INTO specialties (code, name) VALUES ($1, $2)",
            c.as_str(),
            n
        );
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(None),
            address: actor.address.clone(),
            region_code: "000000".into(),
            kind: "specialties.replaced",
            subject: "specialties".into(),
            payload: serde_json::json!({"codes": tree.len(), "sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[table.as_bytes()]))}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(tree.len())
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TieInput {
    pub uscc: String,
    #[serde(default)]
    pub note: String,
    /// For a former employer: the day the expert left (YYYY-MM-DD).
    #[serde(default)]
    pub left_on: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub username: String,
    pub password: String,
    pub name: String,
    /// Identity card number; only its SM3 is stored.
    pub id_number: String,
    pub birth_date: String,
    pub title: String,
    #[serde(default)]
    pub senior_title: bool,
    pub practice_years: u32,
    #[serde(default)]
    pub employer_uscc: String,
    #[serde(default)]
    pub employer_name: String,
    /// If the expert works for a government department: its credit code.
    #[serde(default)]
    pub department_uscc: String,
    pub region_code: String,
    pub phone: String,
    pub email: String,
    pub specialties: Vec<String>,
    #[serde(default)]
    pub former_employers: Vec<TieInput>,
    #[serde(default)]
    pub conflicts: Vec<TieInput>,
}

struct Parsed {
    username: Username,
    password: NewPassword,
    name: String,
    id_sm3: String,
    birth: NaiveDate,
    title: String,
    senior: bool,
    years: u32,
    employer: Option<Uscc>,
    employer_name: String,
    department: Option<Uscc>,
    region: DivisionCode,
    phone: String,
    email: String,
    specialties: Vec<SpecialtyCode>,
    former: Vec<(Uscc, String, NaiveDate)>,
    conflicts: Vec<(Uscc, String)>,
}

fn optional_uscc(errs: &mut Invalid, field: &str, s: &str) -> Option<Uscc> {
    if s.trim().is_empty() {
        return None;
    }
    match Uscc::parse(s) {
        Ok(u) => Some(u),
        Err(e) => {
            errs.push(FieldError {
                field: field.into(),
                ..e
            });
            None
        }
    }
}

fn parse(i: &ApplicationInput, tree: &SpecialtyTree, today: NaiveDate) -> Result<Parsed, Invalid> {
    let mut errs = Invalid::default();
    let username = Username::parse("username", &i.username)
        .map_err(|e| errs.push(e))
        .ok();
    let password = NewPassword::parse("password", &i.password, username.as_ref())
        .map_err(|e| errs.push(e))
        .ok();
    let name = text(&mut errs, "name", &i.name, 40);
    let id = ex::parse_id_number("id_number", &i.id_number)
        .map_err(|e| errs.push(e))
        .ok();
    let birth = date(&mut errs, "birth_date", &i.birth_date);
    if let Some(b) = birth {
        let age = ex::age_on(b, today);
        if !(22..=75).contains(&age) {
            errs.push(FieldError::new(
                "birth_date",
                "expert.age",
                "出生日期不在可入库年龄范围内",
                "The birth date is outside the ages the pool admits",
            ));
        }
    }
    let title = text(&mut errs, "title", &i.title, 40);
    if i.practice_years > 60 {
        errs.push(FieldError::new(
            "practice_years",
            "expert.practice_years",
            "从业年限应在 0 至 60 之间",
            "Practice years lie between 0 and 60",
        ));
    }
    let employer = optional_uscc(&mut errs, "employer_uscc", &i.employer_uscc);
    let department = optional_uscc(&mut errs, "department_uscc", &i.department_uscc);
    let region = DivisionCode::parse("region_code", &i.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let phone = text(&mut errs, "phone", &i.phone, 20);
    if phone
        .as_ref()
        .is_some_and(|p| p.len() != 11 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        errs.push(FieldError::new(
            "phone",
            "expert.phone",
            "手机号码应为 11 位数字",
            "A mobile number has 11 digits",
        ));
    }
    let email = text(&mut errs, "email", &i.email, 120);
    if email.as_ref().is_some_and(|e| !e.contains('@')) {
        errs.push(FieldError::new(
            "email",
            "expert.email",
            "电子邮箱格式不正确",
            "Not an email address",
        ));
    }
    let mut specialties = vec![];
    for (k, s) in i.specialties.iter().enumerate() {
        match tree.code(&format!("specialties[{k}]"), s) {
            Ok(c) => specialties.push(c),
            Err(e) => errs.push(e),
        }
    }
    specialties.sort();
    specialties.dedup();
    if i.specialties.is_empty() {
        errs.push(FieldError::new(
            "specialties",
            "expert.no_specialty",
            "请至少选择一个评标专业",
            "Choose at least one specialty",
        ));
    }
    let mut former = vec![];
    for (k, t) in i.former_employers.iter().enumerate() {
        let f = format!("former_employers[{k}]");
        let u = optional_uscc(&mut errs, &format!("{f}.uscc"), &t.uscc);
        let left = date(
            &mut errs,
            &format!("{f}.left_on"),
            t.left_on.as_deref().unwrap_or(""),
        );
        if let (Some(u), Some(l)) = (u, left) {
            former.push((u, t.note.trim().chars().take(100).collect(), l));
        }
    }
    let mut conflicts = vec![];
    for (k, t) in i.conflicts.iter().enumerate() {
        if let Some(u) = optional_uscc(&mut errs, &format!("conflicts[{k}].uscc"), &t.uscc) {
            conflicts.push((u, t.note.trim().chars().take(100).collect()));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    match (
        username, password, name, id, birth, title, region, phone, email,
    ) {
        (
            Some(username),
            Some(password),
            Some(name),
            Some(id),
            Some(birth),
            Some(title),
            Some(region),
            Some(phone),
            Some(email),
        ) => Ok(Parsed {
            username,
            password,
            name,
            id_sm3: ggzy_seal::to_hex(&ggzy_seal::sm3(&[b"ggzy-id-number", id.as_bytes()])),
            birth,
            title,
            senior: i.senior_title,
            years: i.practice_years,
            employer,
            employer_name: i.employer_name.trim().chars().take(100).collect(),
            department,
            region,
            phone,
            email,
            specialties,
            former,
            conflicts,
        }),
        _ => Err(errs),
    }
}

/// The SM3 kept of an identity card number.
pub fn id_number_sm3(id: &str) -> String {
    ggzy_seal::to_hex(&ggzy_seal::sm3(&[
        b"ggzy-id-number",
        id.trim().to_ascii_uppercase().as_bytes(),
    ]))
}

/// An application to the pool: the applicant's own, or the employer's recommendation when an
/// account of the employer submits it. Creates the expert's account (no role until vetted).
pub async fn apply(
    db: &Db,
    actor: &Actor,
    input: &ApplicationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let tree = specialty_tree(db).await?;
    let p = parse(input, &tree, crate::tendering::day(now))?;
    let mut tx = db.begin().await?;
    if !crate::accounts::region_exists_tx(&mut tx, &p.region).await? {
        return Err(FieldError::new(
            "region_code",
            "region.unknown",
            "该行政区划未开通",
            "This region is not on the platform",
        )
        .into());
    }
    let recommended_by = match (actor.entity_id, &p.employer) {
        (Some(e), Some(u)) => {
            let own: Option<(String,)> =
                tx_opt!(&mut tx, "SELECT uscc FROM entities WHERE id = $1", e);
            own.filter(|o| o.0 == u.as_str()).map(|_| e)
        }
        _ => None,
    };
    let account = insert_account(
        &mut tx,
        &p.username,
        &p.name,
        &p.password,
        None,
        &p.region,
        None,
        now,
    )
    .await?;
    let id = Uuid::now_v7();
    let r = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO experts (id, account_id, name, id_number_sm3, birth_date, title, senior_title, practice_years, employer_uscc, employer_name, department_uscc, region_code, phone, email, status, dishonest, recommended_by, applied_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'pending', $15, $16, $17)"
    )
    .bind(id)
    .bind(account)
    .bind(&p.name)
    .bind(&p.id_sm3)
    .bind(p.birth)
    .bind(&p.title)
    .bind(p.senior)
    .bind(p.years as i64)
    .bind(p.employer.as_ref().map(Uscc::as_str))
    .bind(&p.employer_name)
    .bind(p.department.as_ref().map(Uscc::as_str))
    .bind(p.region.as_str())
    .bind(&p.phone)
    .bind(&p.email)
    .bind(false)
    .bind(recommended_by)
    .bind(truncate_micros(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    });
    if let Err(e) = r {
        return Err(match unique_violation(&e) {
            Some(_) => FieldError::new(
                "id_number",
                "expert.duplicate",
                "该专家已申请入库",
                "This expert has already applied",
            )
            .into(),
            None => e.into(),
        });
    }
    write_profile_rows(&mut tx, id, &p.specialties, &p.former, &p.conflicts).await?;
    log_expert(
        &mut tx,
        actor,
        &actor.role_label(None),
        p.region.as_str(),
        id,
        "expert.applied",
        serde_json::json!({
            "specialties": p.specialties, "recommended": recommended_by.is_some()
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn write_profile_rows(
    tx: &mut Tx,
    id: Uuid,
    specialties: &[SpecialtyCode],
    former: &[(Uscc, String, NaiveDate)],
    conflicts: &[(Uscc, String)],
) -> ServiceResult<()> {
    for s in specialties {
        tx_exec!(
            tx,
            "INSERT INTO expert_specialties (expert_id, code) VALUES ($1, $2)",
            id,
            s.as_str()
        );
    }
    for (u, note, left) in former {
        insert_tie(tx, id, "former_employer", u.as_str(), note, Some(*left)).await?;
    }
    for (u, note) in conflicts {
        insert_tie(tx, id, "conflict", u.as_str(), note, None).await?;
    }
    Ok(())
}

async fn insert_tie(
    tx: &mut Tx,
    id: Uuid,
    kind: &str,
    uscc: &str,
    note: &str,
    left: Option<NaiveDate>,
) -> ServiceResult<()> {
    tx_exec!(
        tx,
        "INSERT INTO expert_ties (expert_id, kind, uscc, note, left_on) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        id,
        kind,
        uscc,
        note,
        left
    );
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// `active` (approve or reinstate), `refused`, `suspended` or `removed`.
    pub status: String,
    #[serde(default)]
    pub reason: String,
}

/// The department vets an application or changes an expert's status, always with a reason for
/// anything but approval. Approval grants the expert role in the expert's city.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    expert: Uuid,
    input: &StatusInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = profile_row(db, expert).await?;
    let region = DivisionCode::parse("region", &row.region_code)?;
    let grant = actor.require(Permission::Supervise, &region)?.clone();
    let to = ExpertStatus::parse(&input.status)
        .filter(|s| *s != ExpertStatus::Pending)
        .ok_or_else(|| {
            FieldError::new(
                "status",
                "expert.status",
                "状态应为 active、refused、suspended 或 removed",
                "Status is active, refused, suspended or removed",
            )
        })?;
    let from = ExpertStatus::parse(&row.status).unwrap_or(ExpertStatus::Pending);
    let allowed = match (from, to) {
        (ExpertStatus::Pending, ExpertStatus::Active | ExpertStatus::Refused) => true,
        (ExpertStatus::Active, ExpertStatus::Suspended | ExpertStatus::Removed) => true,
        (ExpertStatus::Suspended, ExpertStatus::Active | ExpertStatus::Removed) => true,
        _ => false,
    };
    if !allowed {
        return Err(FieldError::new(
            "status",
            "expert.status_change",
            format!("不能从“{}”改为“{}”", from.label_zh(), to.label_zh()),
            format!("Cannot go from {} to {}", from.as_str(), to.as_str()),
        )
        .into());
    }
    let reason = input.reason.trim();
    if to != ExpertStatus::Active && reason.is_empty() {
        return Err(FieldError::new(
            "reason",
            "expert.reason_required",
            "请填写原因",
            "Give the reason",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "UPDATE experts SET status = $1, status_reason = $2, vetted_by = COALESCE(vetted_by, $3), vetted_at = COALESCE(vetted_at, $4) WHERE id = $5",
        to.as_str(),
        (!reason.is_empty()).then_some(reason),
        actor.account_id,
        truncate_micros(now),
        expert
    );
    if from == ExpertStatus::Pending && to == ExpertStatus::Active {
        crate::accounts::insert_grant(
            &mut tx,
            row.account_id,
            Role::Expert,
            &region.rules_region(),
            actor.account_id,
            now,
        )
        .await?;
    }
    log_expert(
        &mut tx,
        actor,
        grant.role.as_str(),
        region.as_str(),
        expert,
        "expert.status_changed",
        serde_json::json!({
            "from": from.as_str(), "to": to.as_str(), "reason": reason
        }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub(crate) struct ProfileRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub title: String,
    pub senior_title: bool,
    pub practice_years: i64,
    pub employer_uscc: Option<String>,
    pub employer_name: Option<String>,
    pub department_uscc: Option<String>,
    pub region_code: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub dishonest: bool,
    pub applied_at: DateTime<Utc>,
}

const PROFILE_SELECT: &str = "SELECT id, account_id, name, title, senior_title, practice_years, employer_uscc, employer_name, department_uscc, region_code, status, status_reason, dishonest, applied_at FROM experts";

pub(crate) async fn profile_row(db: &Db, id: Uuid) -> ServiceResult<ProfileRow> {
    let q = format!("{PROFILE_SELECT} WHERE id = $1");
    let r: Option<ProfileRow> = db_opt!(db, sqlx::AssertSqlSafe(q.clone()), id);
    r.ok_or(ServiceError::NotFound("expert"))
}

/// The expert record of the signed-in account, if it has one.
pub async fn expert_of(db: &Db, actor: &Actor) -> ServiceResult<Option<Uuid>> {
    match actor.account_id {
        Some(a) => expert_of_account(db, a).await,
        None => Ok(None),
    }
}

/// The expert record of an account, if it has one.
pub async fn expert_of_account(db: &Db, account: Uuid) -> ServiceResult<Option<Uuid>> {
    let r: Option<(Uuid,)> = db_opt!(db, "SELECT id FROM experts WHERE account_id = $1", account);
    Ok(r.map(|r| r.0))
}

/// An expert as the registry shows it to staff, the department and the expert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpertView {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub title: String,
    pub senior_title: bool,
    pub practice_years: i64,
    pub employer_name: Option<String>,
    pub employer_uscc: Option<String>,
    pub region_code: String,
    pub status: String,
    pub status_label: String,
    pub status_reason: Option<String>,
    pub dishonest: bool,
    pub specialties: Vec<SpecialtyLabel>,
    pub credit_score: u32,
    pub applied_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpecialtyLabel {
    pub code: String,
    pub path: String,
}

async fn view_of(
    db: &Db,
    tree: &SpecialtyTree,
    r: ProfileRow,
    today: NaiveDate,
) -> ServiceResult<ExpertView> {
    let codes: Vec<(String,)> = db_all!(
        db,
        "SELECT code FROM expert_specialties WHERE expert_id = $1 ORDER BY code",
        r.id
    );
    let credit_score = credit::score(db, r.id, today).await?;
    let status = ExpertStatus::parse(&r.status).unwrap_or(ExpertStatus::Pending);
    Ok(ExpertView {
        id: r.id,
        account_id: r.account_id,
        name: r.name,
        title: r.title,
        senior_title: r.senior_title,
        practice_years: r.practice_years,
        employer_name: r.employer_name,
        employer_uscc: r.employer_uscc,
        region_code: r.region_code,
        status: r.status,
        status_label: status.label_zh().into(),
        status_reason: r.status_reason,
        dishonest: r.dishonest,
        specialties: codes
            .into_iter()
            .map(|(c,)| {
                let path = SpecialtyCode::parse("c", &c)
                    .map(|k| tree.path_zh(&k))
                    .unwrap_or_default();
                SpecialtyLabel { code: c, path }
            })
            .collect(),
        credit_score,
        applied_at: r.applied_at,
    })
}

/// The registry for centre staff and the department: optionally one status, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    status: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<ExpertView>> {
    actor.require_any(Permission::RegistryRead)?;
    let q = format!(
        "{PROFILE_SELECT} WHERE ($1 = '' OR status = $1) ORDER BY applied_at DESC, id LIMIT 500"
    );
    let rows: Vec<ProfileRow> = db_all!(db, sqlx::AssertSqlSafe(q.clone()), status.unwrap_or(""));
    let tree = specialty_tree(db).await?;
    let mut out = vec![];
    // The registry is shared for draws, but an expert's record is read by the staff of their
    // own region (and of the city above it), not by every region's.
    for r in rows
        .into_iter()
        .filter(|r| actor.covers(Permission::RegistryRead, &r.region_code))
    {
        out.push(view_of(db, &tree, r, crate::tendering::day(now)).await?);
    }
    Ok(out)
}

/// One expert: to registry readers, or to the expert.
pub async fn get(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<ExpertView> {
    let r = profile_row(db, id).await?;
    if actor.account_id != Some(r.account_id) {
        actor.require_any(Permission::RegistryRead)?;
        if !actor.covers(Permission::RegistryRead, &r.region_code) {
            return Err(ServiceError::Forbidden(Permission::RegistryRead));
        }
    }
    let tree = specialty_tree(db).await?;
    view_of(db, &tree, r, crate::tendering::day(now)).await
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnavailableInput {
    pub from: String,
    pub until: String,
    #[serde(default)]
    pub reason: String,
}

/// The expert marks days they cannot serve (leave, busy dates).
pub async fn add_unavailability(
    db: &Db,
    actor: &Actor,
    input: &UnavailableInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let id = expert_of(db, actor)
        .await?
        .ok_or(ServiceError::Forbidden(Permission::Evaluate))?;
    let row = profile_row(db, id).await?;
    let mut errs = Invalid::default();
    let from = date(&mut errs, "from", &input.from);
    let until = date(&mut errs, "until", &input.until);
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            errs.push(FieldError::new(
                "until",
                "expert.range",
                "结束日期不能早于开始日期",
                "The end is before the start",
            ));
        }
    }
    let (Some(from), Some(until)) = (from, until) else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO expert_unavailability (id, expert_id, from_day, until_day, reason) VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        id,
        from,
        until,
        input.reason.trim()
    );
    log_expert(
        &mut tx,
        actor,
        "expert",
        &row.region_code,
        id,
        "expert.unavailable",
        serde_json::json!({"from": from, "until": until}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The expert declares a conflict (a relative's employer, a company they have an interest in).
pub async fn declare_conflict(
    db: &Db,
    actor: &Actor,
    input: &TieInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let id = expert_of(db, actor)
        .await?
        .ok_or(ServiceError::Forbidden(Permission::Evaluate))?;
    let row = profile_row(db, id).await?;
    let u = Uscc::parse(&input.uscc).map_err(|e| FieldError {
        field: "uscc".into(),
        ..e
    })?;
    let mut tx = db.begin().await?;
    insert_tie(&mut tx, id, "conflict", u.as_str(), input.note.trim(), None).await?;
    log_expert(
        &mut tx,
        actor,
        "expert",
        &row.region_code,
        id,
        "expert.conflict_declared",
        serde_json::json!({"uscc": u.as_str()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Record the result of a 失信被执行人 query for an expert (法〔2016〕285号), with its time.
pub async fn record_dishonest_check(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    dishonest: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let row = profile_row(db, id).await?;
    let region = DivisionCode::parse("region", &row.region_code)?;
    let g = actor.require(Permission::IntakeProcess, &region)?.clone();
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "UPDATE experts SET dishonest = $1, dishonest_checked_at = $2 WHERE id = $3",
        dishonest,
        truncate_micros(now),
        id
    );
    log_expert(
        &mut tx,
        actor,
        g.role.as_str(),
        &row.region_code,
        id,
        "expert.credit_checked",
        serde_json::json!({"dishonest": dishonest}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
