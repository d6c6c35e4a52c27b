//! The region tree (C1): province → city → county branch, keyed by GB/T 2260 division codes.

use crate::actor::Actor;
use crate::db::{Db, unique_violation};
use crate::error::ServiceResult;
use crate::events::{self, NewEvent};
use crate::{on_db, on_tx};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// province | city | county
    pub level: String,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionInput {
    pub code: String,
    pub name: String,
}

pub async fn list(db: &Db) -> ServiceResult<Vec<Region>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Region>(
        "SELECT code, name, level, parent_code FROM regions ORDER BY code"
    )
    .fetch_all(p)
    .await?))
}

pub async fn get(db: &Db, code: &str) -> ServiceResult<Option<Region>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Region>(
        "SELECT code, name, level, parent_code FROM regions WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(p)
    .await?))
}

/// Add a region under its parent (which must exist, except for a province). Platform set-up and
/// admins with `config_admin` over the parent use this.
pub async fn create(
    db: &Db,
    actor: &Actor,
    input: &RegionInput,
    now: DateTime<Utc>,
) -> ServiceResult<Region> {
    let mut errs = Invalid::default();
    let code = DivisionCode::parse("code", &input.code)
        .map_err(|e| errs.push(e))
        .ok();
    let name = ggzy_core::error::text(&mut errs, "name", &input.name, 50);
    let (Some(code), Some(name)) = (code, name) else {
        return Err(errs.into());
    };
    let parent = code.parent();
    let scope = parent.clone().unwrap_or_else(|| code.clone());
    let role = if actor.is_system() {
        "system".to_string()
    } else {
        actor.role_label(Some(actor.require(Permission::ConfigAdmin, &scope)?))
    };
    let mut tx = db.begin().await?;
    if let Some(p) = &parent
        && !crate::accounts::region_exists_tx(&mut tx, p).await?
    {
        return Err(FieldError::new(
            "code",
            "region.parent_missing",
            format!("上级区划 {p} 尚未建立"),
            format!("The parent region {p} does not exist yet"),
        )
        .into());
    }
    let level = code.level();
    let r = on_tx!(&mut tx, |c| {
        sqlx::query("INSERT INTO regions (code, name, level, parent_code, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(code.as_str())
        .bind(&name)
        .bind(level.as_str())
        .bind(parent.as_ref().map(|p| p.as_str()))
        .bind(truncate_micros(now))
        .execute(c)
        .await.map(|r| r.rows_affected())
    });
    if let Err(e) = r {
        return Err(if unique_violation(&e).is_some() {
            FieldError::new(
                "code",
                "region.exists",
                "该行政区划已存在",
                "This region already exists",
            )
            .into()
        } else {
            e.into()
        });
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_id: actor.account_id,
            actor_role: role,
            address: actor.address.clone(),
            region_code: code.to_string(),
            kind: "region.created",
            subject: format!("region:{code}"),
            payload: serde_json::json!({ "name": name, "level": level.as_str() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Region {
        code: code.to_string(),
        name,
        level: level.as_str().into(),
        parent_code: parent.map(String::from),
    })
}
