//! Accounts, role grants, sign-in with lock-out and a TOTP second factor, sessions.

use crate::actor::{Actor, Grant};
use crate::db::{Db, Tx, unique_violation};
use crate::error::OrInternal;
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, on_tx, tx_all, tx_exec, tx_one, tx_opt};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::account::{NewPassword, Username};
use ggzy_core::clock::truncate_micros;
use ggzy_core::region::DivisionCode;
use ggzy_core::role::{Permission, Role, check_separation};
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Failed sign-ins in a row before the account locks.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT: Duration = Duration::minutes(15);
pub const SESSION_TTL: Duration = Duration::hours(12);

fn argon() -> Argon2<'static> {
    // OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(pw: &NewPassword) -> ServiceResult<String> {
    let salt: [u8; 16] = rand::random();
    let hash: Result<PasswordHash, _> =
        argon().hash_password_with_salt(pw.expose().as_bytes(), &salt);
    hash.map(|h| h.to_string()).or_internal()
}

fn password_matches(hash: &str, pw: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon().verify_password(pw.as_bytes(), &h).is_ok())
}

/// A hash to check against when the username does not exist, so that a miss costs as much time as
/// a wrong password and does not reveal which usernames exist.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        NewPassword::parse("p", "decoy-password-1", None)
            .ok()
            .and_then(|p| hash_password(&p).ok())
            .unwrap_or_default()
    })
}

pub mod totp {
    //! RFC 6238 codes, 6 digits, 30-second steps, one step of skew.
    use totp_rs::{Builder, Secret};

    pub fn new_secret() -> String {
        let bytes: [u8; 20] = rand::random();
        Secret::from(bytes).to_base32()
    }

    fn build(secret_b32: &str) -> Option<totp_rs::Totp> {
        let secret = Secret::try_from_base32(secret_b32).ok()?;
        Builder::new().with_secret(secret).build().ok()
    }

    pub fn code_at(secret_b32: &str, unix_secs: u64) -> Option<String> {
        Some(build(secret_b32)?.generate(unix_secs).to_string())
    }

    pub fn check(secret_b32: &str, code: &str, unix_secs: u64) -> bool {
        build(secret_b32).is_some_and(|t| t.check(code.trim(), unix_secs).is_some())
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    password_hash: String,
    totp_secret: Option<String>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AccountSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub entity_id: Option<Uuid>,
    pub region_code: String,
    pub created_at: DateTime<Utc>,
}

/// Insert an account row inside `tx`; a taken username becomes a field error.
pub async fn insert_account(
    tx: &mut Tx,
    username: &Username,
    display_name: &str,
    password: &NewPassword,
    entity_id: Option<Uuid>,
    region: &DivisionCode,
    totp_secret: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    let hash = hash_password(password)?;
    let r = on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO accounts (id, username, display_name, password_hash, entity_id, region_code, totp_secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(id)
    .bind(username.as_str())
    .bind(display_name)
    .bind(&hash)
    .bind(entity_id)
    .bind(region.as_str())
    .bind(totp_secret)
    .bind(truncate_micros(now))
    .execute(c)
    .await.map(|r| r.rows_affected())
    });
    match r {
        Ok(_) => Ok(id),
        Err(e) if unique_violation(&e) == Some("accounts.username") => Err(FieldError::new(
            "username",
            "username.taken",
            "该用户名已被使用，请换一个",
            "This username is taken; choose another",
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Record a role; `granted_by` is the account that appointed it (None when the person took it
/// by self-registration or the platform seeded it).
pub async fn insert_grant(
    tx: &mut Tx,
    account: Uuid,
    role: Role,
    region: &DivisionCode,
    granted_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    tx_exec!(
        tx,
        "INSERT INTO role_grants (account_id, role, region_code, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        account,
        role.as_str(),
        region.as_str(),
        truncate_micros(now),
        granted_by
    );
    Ok(())
}

pub(crate) async fn grants_of(db: &Db, account: Uuid) -> ServiceResult<Vec<Grant>> {
    let rows: Vec<(String, String)> = db_all!(
        db,
        "SELECT role, region_code FROM role_grants WHERE account_id = $1 ORDER BY role, region_code",
        account
    );
    Ok(rows
        .into_iter()
        .filter_map(|(r, code)| {
            Some(Grant {
                role: Role::parse(&r)?,
                region: DivisionCode::parse("region", &code).ok()?,
            })
        })
        .collect())
}

async fn grants_in_tx(tx: &mut Tx, account: Uuid) -> ServiceResult<Vec<(Role, DivisionCode)>> {
    let rows: Vec<(String, String)> = tx_all!(
        tx,
        "SELECT role, region_code FROM role_grants WHERE account_id = $1",
        account
    );
    Ok(rows
        .into_iter()
        .filter_map(|(r, code)| {
            Some((Role::parse(&r)?, DivisionCode::parse("region", &code).ok()?))
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    /// Six-digit code from the authenticator app; required for staff, supervisor, auditor and admin.
    #[serde(default)]
    pub totp: String,
}

pub struct NewSession {
    /// Given to the browser once; only its SM3 is stored.
    pub token: String,
    pub account_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

fn token_hash(token: &str) -> String {
    ggzy_seal::to_hex(&ggzy_seal::sm3(&[token.as_bytes()]))
}

fn refused(code: &'static str, zh: &str, en: &str) -> ServiceError {
    let field = if code.starts_with("auth.totp") {
        "totp"
    } else {
        "password"
    };
    ServiceError::SignIn(FieldError::new(field, code, zh, en))
}

/// Counts a wrong password or code. The count is incremented in the database, not from the value
/// read before the password check, so concurrent wrong attempts each count and reach the lock.
async fn record_failure(
    db: &Db,
    account: Uuid,
    region: &str,
    address: &str,
    what: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut tx = db.begin().await?;
    let (failed,): (i64,) = tx_one!(
        &mut tx,
        "UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
        account
    );
    let lock = (failed >= MAX_FAILED_LOGINS).then(|| truncate_micros(now + LOCKOUT));
    if let Some(until) = lock {
        tx_exec!(
            &mut tx,
            "UPDATE accounts SET failed_logins = 0, locked_until = $1 WHERE id = $2",
            until,
            account
        );
    }
    events::append(
        &mut tx,
        NewEvent {
            actor_id: Some(account),
            actor_role: "account".into(),
            address: address.into(),
            region_code: region.into(),
            kind: if lock.is_some() {
                "account.locked"
            } else {
                "account.sign_in_failed"
            },
            subject: format!("account:{account}"),
            payload: serde_json::json!({ "failed_in_a_row": failed, "wrong": what }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Check credentials and open a session. Five wrong passwords in a row lock the account for 15
/// minutes; the lock and every sign-in are events.
pub async fn login(
    db: &Db,
    input: &LoginInput,
    address: &str,
    now: DateTime<Utc>,
) -> ServiceResult<NewSession> {
    // One answer for an unknown name, a wrong password, a wrong code and a locked account, so
    // that sign-in tells nobody which usernames exist; the lock-out is announced in it.
    let bad = || {
        refused(
            "auth.bad_credentials",
            "用户名或密码不正确（含动态口令）；连续输错 5 次，账号将锁定 15 分钟",
            "Wrong username, password or code; five wrong tries in a row lock the account for 15 minutes",
        )
    };
    let Ok(username) = Username::parse("username", &input.username) else {
        password_matches(decoy_hash(), &input.password);
        return Err(bad());
    };
    let row: Option<AccountRow> = db_opt!(
        db,
        "SELECT id, password_hash, totp_secret, locked_until
         FROM accounts WHERE username = $1",
        username.as_str()
    );
    let Some(acc) = row else {
        password_matches(decoy_hash(), &input.password);
        return Err(bad());
    };
    if let Some(until) = acc.locked_until
        && until > now
    {
        // The same work as any other attempt: a locked account answers in the same time.
        password_matches(decoy_hash(), &input.password);
        return Err(bad());
    }
    let grants = grants_of(db, acc.id).await?;
    let region = grants
        .first()
        .map_or_else(|| "000000".to_string(), |g| g.region.as_str().to_string());
    let needs_totp = grants.iter().any(|g| g.role.requires_totp());
    let wrong = if !password_matches(&acc.password_hash, &input.password) {
        Some("password")
    } else if needs_totp {
        let Some(secret) = acc.totp_secret.as_deref() else {
            return Err(refused(
                "auth.totp_not_enrolled",
                "该账号尚未绑定动态口令，请联系管理员",
                "No authenticator is enrolled for this account; ask an administrator",
            ));
        };
        if input.totp.trim().is_empty() {
            return Err(refused(
                "auth.totp_required",
                "此账号需要输入 6 位动态口令",
                "This account needs the 6-digit code from its authenticator",
            ));
        }
        (!totp::check(secret, &input.totp, now.timestamp().max(0) as u64)).then_some("totp")
    } else {
        None
    };
    if let Some(what) = wrong {
        record_failure(db, acc.id, &region, address, what, now).await?;
        return Err(bad());
    }
    let token = {
        let b: [u8; 32] = rand::random();
        hex::encode(b)
    };
    let expires_at = truncate_micros(now + SESSION_TTL);
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(acc.id)
            .execute(&mut *c)
            .await?
            .rows_affected();
        sqlx::query("INSERT INTO sessions (token_hash, account_id, address, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash(&token))
            .bind(acc.id)
            .bind(address)
            .bind(truncate_micros(now))
            .bind(expires_at)
            .execute(&mut *c)
            .await?.rows_affected()
    });
    events::append(
        &mut tx,
        NewEvent {
            actor_id: Some(acc.id),
            actor_role: grants.first().map_or("account", |g| g.role.as_str()).into(),
            address: address.into(),
            region_code: region,
            kind: "account.signed_in",
            subject: format!("account:{}", acc.id),
            payload: serde_json::json!({ "second_factor": needs_totp }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        token,
        account_id: acc.id,
        expires_at,
    })
}

/// The actor behind a session token, or `Unauthenticated` when it is unknown or expired.
pub async fn session_actor(
    db: &Db,
    token: &str,
    address: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Actor> {
    let row: Option<(Uuid, DateTime<Utc>, String, String, Option<Uuid>)> = db_opt!(
        db,
        "SELECT a.id, s.expires_at, a.username, a.display_name, a.entity_id
         FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1",
        token_hash(token)
    );
    let Some((id, expires, username, display_name, entity_id)) = row else {
        return Err(ServiceError::Unauthenticated);
    };
    if expires <= now {
        return Err(ServiceError::Unauthenticated);
    }
    Ok(Actor::account(
        id,
        username,
        display_name,
        entity_id,
        grants_of(db, id).await?,
        address.into(),
    ))
}

pub async fn logout(db: &Db, token: &str, actor: &Actor, now: DateTime<Utc>) -> ServiceResult<()> {
    let mut tx = db.begin().await?;
    tx_exec!(
        &mut tx,
        "DELETE FROM sessions WHERE token_hash = $1",
        token_hash(token)
    );
    if let Some(id) = actor.account_id {
        events::append(
            &mut tx,
            NewEvent {
                actor_id: Some(id),
                actor_role: actor.role_label(None),
                address: actor.address.clone(),
                region_code: actor
                    .grants
                    .first()
                    .map_or_else(|| "000000".into(), |g| g.region.to_string()),
                kind: "account.signed_out",
                subject: format!("account:{id}"),
                payload: serde_json::json!({}),
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Who a change to accounts is recorded against on the event log.
pub struct RecordedBy<'a> {
    pub actor_id: Option<Uuid>,
    pub role: String,
    pub address: &'a str,
}

impl RecordedBy<'static> {
    pub fn system() -> Self {
        Self {
            actor_id: None,
            role: "system".into(),
            address: "system",
        }
    }
}

/// A new account with its first role, and the `account.created` event, in `tx`. No permission
/// check: for trusted setup code (bootstrap, the demo); users go through the checked commands.
#[allow(clippy::too_many_arguments)]
pub async fn open_account(
    tx: &mut Tx,
    by: &RecordedBy<'_>,
    username: &Username,
    display_name: &str,
    password: &NewPassword,
    role: Role,
    region: &DivisionCode,
    totp_secret: Option<&str>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = insert_account(
        tx,
        username,
        display_name,
        password,
        None,
        region,
        totp_secret,
        now,
    )
    .await?;
    insert_grant(tx, id, role, region, by.actor_id, now).await?;
    events::append(
        tx,
        NewEvent {
            actor_id: by.actor_id,
            actor_role: by.role.clone(),
            address: by.address.into(),
            region_code: region.to_string(),
            kind: "account.created",
            subject: format!("account:{id}"),
            payload: serde_json::json!({ "username": username.as_str(), "role": role.as_str(), "region": region.as_str() }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// A further role for an existing account, and the `account.role_granted` event, in `tx`. No
/// permission check, as [`open_account`].
pub async fn add_grant(
    tx: &mut Tx,
    by: &RecordedBy<'_>,
    account: Uuid,
    role: Role,
    region: &DivisionCode,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    insert_grant(tx, account, role, region, by.actor_id, now).await?;
    events::append(
        tx,
        NewEvent {
            actor_id: by.actor_id,
            actor_role: by.role.clone(),
            address: by.address.into(),
            region_code: region.to_string(),
            kind: "account.role_granted",
            subject: format!("account:{account}"),
            payload: serde_json::json!({ "role": role.as_str(), "region": region.as_str() }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// An administrator creates a staff-side account (centre staff, supervisor, expert …) with its
/// first role. Accounts whose role needs a second factor get a TOTP secret, returned once.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffAccountInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// One of the role codes, e.g. `center_staff`.
    pub role: String,
    pub region_code: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedAccount {
    pub id: Uuid,
    pub username: String,
    /// Base32 TOTP secret, shown once, for roles that need a second factor.
    pub totp_secret: Option<String>,
}

fn parse_role(field: &str, s: &str) -> Result<Role, FieldError> {
    Role::parse(s.trim())
        .ok_or_else(|| FieldError::new(field, "role.unknown", "未知角色", "Unknown role"))
}

pub async fn region_exists_tx(tx: &mut Tx, code: &DivisionCode) -> ServiceResult<bool> {
    let n: Option<(String,)> = tx_opt!(
        tx,
        "SELECT code FROM regions WHERE code = $1",
        code.as_str()
    );
    Ok(n.is_some())
}

pub fn unknown_region(field: &str) -> FieldError {
    FieldError::new(
        field,
        "region.unknown",
        "平台上没有这个行政区划",
        "No such region on this platform",
    )
}

pub async fn create_staff_account(
    db: &Db,
    actor: &Actor,
    input: &StaffAccountInput,
    now: DateTime<Utc>,
) -> ServiceResult<CreatedAccount> {
    let mut errs = Invalid::default();
    let username = Username::parse("username", &input.username)
        .map_err(|e| errs.push(e))
        .ok();
    let display_name = ggzy_core::error::text(&mut errs, "display_name", &input.display_name, 50);
    let password = NewPassword::parse("password", &input.password, username.as_ref())
        .map_err(|e| errs.push(e))
        .ok();
    let role = parse_role("role", &input.role)
        .map_err(|e| errs.push(e))
        .ok();
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let (Some(username), Some(display_name), Some(password), Some(role), Some(region)) =
        (username, display_name, password, role, region)
    else {
        return Err(errs.into());
    };
    let grant = actor.require(Permission::AccountAdmin, &region)?;
    let role_label = actor.role_label(Some(grant));
    if role.self_service() {
        return Err(FieldError::new(
            "role",
            "role.self_service",
            "该角色通过主体注册获得，不由管理员创建",
            "This role comes with entity registration; administrators do not create it",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    if !region_exists_tx(&mut tx, &region).await? {
        return Err(unknown_region("region_code").into());
    }
    let secret = role.requires_totp().then(totp::new_secret);
    let by = RecordedBy {
        actor_id: actor.account_id,
        role: role_label,
        address: &actor.address,
    };
    let id = open_account(
        &mut tx,
        &by,
        &username,
        &display_name,
        &password,
        role,
        &region,
        secret.as_deref(),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedAccount {
        id,
        username: username.as_str().into(),
        totp_secret: secret,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = RoleGrantInput)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub role: String,
    pub region_code: String,
}

/// Grant another role; refused when it would break separation of duties (管办分离).
pub async fn grant_role(
    db: &Db,
    actor: &Actor,
    account: Uuid,
    input: &GrantInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut errs = Invalid::default();
    let role = parse_role("role", &input.role)
        .map_err(|e| errs.push(e))
        .ok();
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let (Some(role), Some(region)) = (role, region) else {
        return Err(errs.into());
    };
    let grant = actor.require(Permission::AccountAdmin, &region)?;
    let role_label = actor.role_label(Some(grant));
    if Some(account) == actor.account_id {
        return Err(FieldError::new(
            "account",
            "role.self_grant",
            "不能给自己授予角色",
            "You cannot grant roles to yourself",
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let exists: Option<(Uuid, Option<String>)> = tx_opt!(
        &mut tx,
        "SELECT id, totp_secret FROM accounts WHERE id = $1",
        account
    );
    let Some((_, secret)) = exists else {
        return Err(ServiceError::NotFound("account"));
    };
    if !region_exists_tx(&mut tx, &region).await? {
        return Err(unknown_region("region_code").into());
    }
    let held = grants_in_tx(&mut tx, account).await?;
    check_separation(&held, role, &region)?;
    if role.requires_totp() && secret.is_none() {
        return Err(FieldError::new(
            "role",
            "role.needs_totp",
            "该角色需要动态口令，请先为账号绑定",
            "This role needs a second factor; enrol one first",
        )
        .into());
    }
    let by = RecordedBy {
        actor_id: actor.account_id,
        role: role_label,
        address: &actor.address,
    };
    add_grant(&mut tx, &by, account, role, &region, now).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub account: AccountSummary,
    pub roles: Vec<GrantView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = RoleGrantView)]
pub struct GrantView {
    pub role: String,
    pub role_zh: String,
    pub region_code: String,
}

pub async fn list_accounts(db: &Db, actor: &Actor) -> ServiceResult<Vec<AccountView>> {
    actor.require_any(Permission::AccountAdmin)?;
    let accounts: Vec<AccountSummary> = db_all!(
        db,
        "SELECT id, username, display_name, entity_id, region_code, created_at FROM accounts ORDER BY created_at, username LIMIT 500"
    );
    // One query for every grant instead of one per account.
    let rows: Vec<(Uuid, String, String)> = db_all!(
        db,
        "SELECT account_id, role, region_code FROM role_grants ORDER BY role, region_code"
    );
    let mut by_account: std::collections::HashMap<Uuid, Vec<GrantView>> =
        std::collections::HashMap::new();
    for (account, role, region_code) in rows {
        let Some(role) = Role::parse(&role) else {
            continue;
        };
        by_account.entry(account).or_default().push(GrantView {
            role: role.as_str().into(),
            role_zh: role.label_zh().into(),
            region_code,
        });
    }
    // An administrator sees the accounts of the regions they administer (a city's admin its
    // branches too), not every account on the platform.
    Ok(accounts
        .into_iter()
        .filter(|a| actor.covers(Permission::AccountAdmin, &a.region_code))
        .map(|a| AccountView {
            roles: by_account.remove(&a.id).unwrap_or_default(),
            account: a,
        })
        .collect())
}

/// The actor of an account by username, for the demo and tests that act without a session.
pub async fn actor_of(db: &Db, username: &str, address: &str) -> ServiceResult<Actor> {
    let row: Option<(Uuid, String, Option<Uuid>)> = db_opt!(
        db,
        "SELECT id, display_name, entity_id FROM accounts WHERE username = $1",
        username
    );
    let (id, display_name, entity_id) = row.ok_or(ServiceError::NotFound("account"))?;
    Ok(Actor::account(
        id,
        username.into(),
        display_name,
        entity_id,
        grants_of(db, id).await?,
        address.into(),
    ))
}

/// The actor of an account id, for work done later on someone's behalf (a redraw runs as the
/// staff member who requested the draw).
pub async fn actor_by_id(db: &Db, id: Uuid, address: &str) -> ServiceResult<Actor> {
    let row: Option<(String,)> = db_opt!(db, "SELECT username FROM accounts WHERE id = $1", id);
    let (username,) = row.ok_or(ServiceError::NotFound("account"))?;
    actor_of(db, &username, address).await
}
