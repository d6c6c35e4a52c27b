//! The market-entity registry (C4, 统一注册/共享互认): one registration per credit code serves
//! every trade kind and region; users are bound to their entity.

use crate::accounts::{insert_account, insert_grant, region_exists_tx, unknown_region};
use crate::actor::Actor;
use crate::db::{Db, unique_violation};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_one, on_db, on_tx, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::account::UserInput;
use ggzy_core::clock::truncate_micros;
use ggzy_core::entity::{EntityInput, NewQualification, QualificationInput, QualificationStatus};
use ggzy_core::role::{Permission, Role};
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationInput {
    pub entity: EntityInput,
    /// The first user, who acts for the entity.
    pub user: UserInput,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub entity_id: Uuid,
    pub account_id: Uuid,
    pub event_seq: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EntityRow {
    pub id: Uuid,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub legal_representative: String,
    pub region_code: String,
    pub region_name: String,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
struct QualificationRow {
    id: Uuid,
    name: String,
    grade: String,
    certificate_no: String,
    issuer: String,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualificationView {
    pub id: Uuid,
    pub name: String,
    pub grade: String,
    pub certificate_no: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// not_yet_valid | valid | expired, as of today.
    pub status: QualificationStatus,
    pub status_zh: String,
}

/// An entity as shown to a reader. Contacts are shown only to the entity's own users and to roles
/// with `registry_read`; the public sees the registration itself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntityView {
    pub id: Uuid,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub kind_zh: String,
    pub legal_representative: String,
    pub region_code: String,
    pub region_name: String,
    pub address: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub qualifications: Vec<QualificationView>,
}

fn duplicate_uscc() -> FieldError {
    FieldError::new(
        "entity.uscc",
        "entity.already_registered",
        "该统一社会信用代码已在平台注册。一次注册全平台通用，请使用已有账号登录，或联系本单位管理员添加用户",
        "This credit code is already registered. One registration serves the whole platform: sign in with the existing account or ask your entity's administrator to add you",
    )
}

async fn insert_qualification(
    tx: &mut crate::db::Tx,
    entity: Uuid,
    q: &NewQualification,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    tx_exec!(tx, "INSERT INTO qualifications (id, entity_id, name, grade, certificate_no, issuer, valid_from, valid_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", id, entity, &q.name, &q.grade, &q.certificate_no, &q.issuer, q.valid_from, q.valid_until, truncate_micros(now));
    Ok(id)
}

/// Register an entity with its qualifications and its first user, in one transaction with its
/// event. Every field error is reported at once, under `entity.` and `user.`.
pub async fn register(
    db: &Db,
    actor: &Actor,
    input: &RegistrationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Registered> {
    let mut errs = Invalid::default();
    let entity = input
        .entity
        .parse()
        .map_err(|e| e.0.into_iter().for_each(|f| errs.push(f.under("entity."))))
        .ok();
    let user = input
        .user
        .parse("user.")
        .map_err(|e| e.0.into_iter().for_each(|f| errs.push(f)))
        .ok();
    let (Some(entity), Some(user)) = (entity, user) else {
        return Err(errs.into());
    };

    let mut tx = db.begin().await?;
    if !region_exists_tx(&mut tx, &entity.region).await? {
        return Err(unknown_region("entity.region_code").into());
    }
    let id = Uuid::now_v7();
    let r = on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO entities (id, uscc, name, kind, legal_representative, region_code, address, contact_name, contact_phone, contact_email, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(id)
    .bind(entity.uscc.as_str())
    .bind(&entity.name)
    .bind(entity.kind.as_str())
    .bind(&entity.legal_representative)
    .bind(entity.region.as_str())
    .bind(&entity.address)
    .bind(&entity.contact_name)
    .bind(&entity.contact_phone)
    .bind(&entity.contact_email)
    .bind(truncate_micros(now))
    .execute(c)
    .await.map(|r| r.rows_affected())
    });
    match r {
        Ok(_) => {}
        Err(e) if unique_violation(&e) == Some("entities.uscc") => {
            return Err(duplicate_uscc().into());
        }
        Err(e) => return Err(e.into()),
    }
    for q in &entity.qualifications {
        insert_qualification(&mut tx, id, q, now).await?;
    }
    let account_id = insert_account(
        &mut tx,
        &user.username,
        &user.display_name,
        &user.password,
        Some(id),
        &entity.region,
        None,
        now,
    )
    .await
    .map_err(|e| match e {
        ServiceError::Invalid(i) => {
            ServiceError::Invalid(Invalid(i.0.into_iter().map(|f| f.under("user.")).collect()))
        }
        other => other,
    })?;
    insert_grant(
        &mut tx,
        account_id,
        Role::EntityUser,
        &entity.region,
        None,
        now,
    )
    .await?;
    let ev = events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id.or(Some(account_id)),
            actor_role: actor.role_label(None),
            address: actor.address.clone(),
            region_code: entity.region.to_string(),
            kind: "entity.registered",
            subject: format!("entity:{id}"),
            payload: serde_json::json!({
                "uscc": entity.uscc.as_str(),
                "name": entity.name,
                "kind": entity.kind.as_str(),
                "legal_representative": entity.legal_representative,
                "qualifications": entity.qualifications,
                "first_user": user.username.as_str(),
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Registered {
        entity_id: id,
        account_id,
        event_seq: ev.seq,
    })
}

/// Add a qualification to one's own entity (or, for registry staff, any entity).
pub async fn add_qualification(
    db: &Db,
    actor: &Actor,
    entity_id: Uuid,
    input: &QualificationInput,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let row = get_row(db, entity_id).await?;
    let region = ggzy_core::region::DivisionCode::parse("region", &row.region_code)?;
    let grant = actor.require(Permission::EntityManage, &region)?;
    if actor.entity_id != Some(entity_id) {
        return Err(ServiceError::Forbidden(Permission::EntityManage));
    }
    let mut errs = Invalid::default();
    let q = input.parse(&mut errs, "");
    let Some(q) = q.filter(|_| errs.is_empty()) else {
        return Err(errs.into());
    };
    let mut tx = db.begin().await?;
    let qid = insert_qualification(&mut tx, entity_id, &q, now).await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: actor.role_label(Some(grant)),
            address: actor.address.clone(),
            region_code: row.region_code.clone(),
            kind: "entity.qualification_added",
            subject: format!("entity:{entity_id}"),
            payload: serde_json::json!({ "qualification": q, "id": qid }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(qid)
}

/// From `entities e JOIN regions r`: the region's name comes along for display.
const ENTITY_COLUMNS: &str = "e.id, e.uscc, e.name, e.kind, e.legal_representative, e.region_code, r.name AS region_name, e.address, e.contact_name, e.contact_phone, e.contact_email, e.created_at";

async fn get_row(db: &Db, id: Uuid) -> ServiceResult<EntityRow> {
    let sql = format!(
        "SELECT {ENTITY_COLUMNS} FROM entities e JOIN regions r ON r.code = e.region_code WHERE e.id = $1"
    );
    on_db!(db, |p| sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(id)
    .fetch_optional(p)
    .await?)
    .ok_or(ServiceError::NotFound("entity"))
}

async fn qualifications(
    db: &Db,
    entity: Uuid,
    today: NaiveDate,
) -> ServiceResult<Vec<QualificationView>> {
    let rows: Vec<QualificationRow> = db_all!(
        db,
        "SELECT id, name, grade, certificate_no, issuer, valid_from, valid_until FROM qualifications WHERE entity_id = $1 ORDER BY valid_until DESC, name",
        entity
    );
    Ok(rows
        .into_iter()
        .map(|q| {
            let status = QualificationStatus::on(q.valid_from, q.valid_until, today);
            QualificationView {
                id: q.id,
                name: q.name,
                grade: q.grade,
                certificate_no: q.certificate_no,
                issuer: q.issuer,
                valid_from: q.valid_from,
                valid_until: q.valid_until,
                status,
                status_zh: status.label_zh().into(),
            }
        })
        .collect())
}

fn view(row: EntityRow, quals: Vec<QualificationView>, show_contacts: bool) -> EntityView {
    let kind_zh = ggzy_core::entity::EntityKind::parse(&row.kind)
        .map_or("", |k| k.label_zh())
        .to_string();
    EntityView {
        id: row.id,
        uscc: row.uscc,
        name: row.name,
        kind: row.kind,
        kind_zh,
        legal_representative: row.legal_representative,
        region_code: row.region_code,
        region_name: row.region_name,
        address: row.address,
        contact_name: show_contacts.then_some(row.contact_name),
        contact_phone: show_contacts.then_some(row.contact_phone),
        contact_email: if show_contacts {
            row.contact_email
        } else {
            None
        },
        registered_at: row.created_at,
        qualifications: quals,
    }
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid, today: NaiveDate) -> ServiceResult<EntityView> {
    let row = get_row(db, id).await?;
    let show = actor.entity_id == Some(id) || actor.has(Permission::RegistryRead);
    let quals = qualifications(db, id, today).await?;
    Ok(view(row, quals, show))
}

/// Search by name fragment or exact credit code; newest first.
pub async fn search(
    db: &Db,
    actor: &Actor,
    q: Option<&str>,
    today: NaiveDate,
    limit: i64,
) -> ServiceResult<Vec<EntityView>> {
    let q = q.map(str::trim).filter(|s| !s.is_empty());
    let pattern = q.map(|s| format!("%{}%", s.replace(['%', '_'], "")));
    let sql = format!(
        "SELECT {ENTITY_COLUMNS} FROM entities e JOIN regions r ON r.code = e.region_code WHERE ($1 IS NULL OR e.name LIKE $1 OR e.uscc = $2) ORDER BY e.created_at DESC, e.id DESC LIMIT $3"
    );
    let rows: Vec<EntityRow> = on_db!(db, |p| sqlx::query_as::<_, EntityRow>(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(pattern.as_deref())
    .bind(q.map(str::to_ascii_uppercase))
    .bind(limit.clamp(1, 200))
    .fetch_all(p)
    .await?);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let show = actor.entity_id == Some(r.id) || actor.has(Permission::RegistryRead);
        let quals = qualifications(db, r.id, today).await?;
        out.push(view(r, quals, show));
    }
    Ok(out)
}

pub async fn count(db: &Db) -> ServiceResult<i64> {
    let (n,): (i64,) = db_one!(db, "SELECT COUNT(*) FROM entities");
    Ok(n)
}
