//! The JSON API under `/api/v1`: everything the pages do, described by OpenAPI.

use crate::auth::{CsrfToken, CurrentActor, SESSION_COOKIE, cookie, is_tls, set_cookie};
use crate::problem::{ApiError, ApiJson, Created, Problem, problem_response};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ggzy_core::entity::QualificationInput;
use ggzy_core::role::Permission;
use ggzy_store::accounts::{
    self, AccountView, CreatedAccount, GrantInput, LoginInput, StaffAccountInput,
};
use ggzy_store::entities::{self, EntityView, Registered, RegistrationInput};
use ggzy_store::events::{self, TreeHead};
use ggzy_store::notices::{self, NoticeSummary};
use ggzy_store::regions::{self, Region, RegionInput};
use ggzy_store::{ServiceError, calendar};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(title = "ggzy — 统一公共资源交易平台 API", description = "Every page of ggzy is backed by these endpoints. Unsafe requests repeat the `ggzy_csrf` cookie in `X-CSRF-Token`; errors are `application/problem+json` with a stable `code` and messages in Chinese and English."),
    components(schemas(Problem, LoginInput, RegistrationInput, Registered, EntityView, QualificationInput, Region, RegionInput, StaffAccountInput,
                       CreatedAccount, AccountView, GrantInput, TreeHead, NoticeSummary, Me, CsrfBody, CalendarBody, CalendarDayView,
                       LogEventView, InclusionProof, ConsistencyProof, LogHead, NoticesByKind, Created)),
    tags((name = "session"), (name = "entities"), (name = "regions"), (name = "accounts"), (name = "calendar"), (name = "log"), (name = "notices"))
)]
pub struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(csrf_token))
        .routes(routes!(login, logout))
        .routes(routes!(me))
        .routes(routes!(register_entity, search_entities))
        .routes(routes!(get_entity))
        .routes(routes!(entity_record))
        .routes(routes!(add_qualification))
        .routes(routes!(list_regions, create_region))
        .routes(routes!(create_account, list_accounts))
        .routes(routes!(grant_role))
        .routes(routes!(get_calendar, replace_calendar))
        .routes(routes!(log_head))
        .routes(routes!(log_events))
        .routes(routes!(inclusion_proof))
        .routes(routes!(consistency_proof))
        .routes(routes!(latest_notices))
}

#[derive(Serialize, ToSchema)]
pub struct CsrfBody {
    /// Send back as `X-CSRF-Token` on POST/PUT/DELETE.
    pub token: String,
}

/// The CSRF token for this browser (also set as the `ggzy_csrf` cookie).
#[utoipa::path(get, path = "/api/v1/csrf", tag = "session", responses((status = 200, body = CsrfBody)))]
pub async fn csrf_token(Extension(t): Extension<CsrfToken>) -> Json<CsrfBody> {
    Json(CsrfBody { token: t.0 })
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub account_id: Option<Uuid>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub entity_id: Option<Uuid>,
    pub roles: Vec<accounts::GrantView>,
    pub permissions: Vec<String>,
}

pub fn me_of(a: &ggzy_store::Actor) -> Me {
    let mut permissions: Vec<String> = a
        .grants
        .iter()
        .flat_map(|g| g.role.permissions().iter().map(|p| p.as_str().to_string()))
        .collect();
    permissions.sort();
    permissions.dedup();
    Me {
        account_id: a.account_id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        entity_id: a.entity_id,
        roles: a
            .grants
            .iter()
            .map(|g| accounts::GrantView {
                role: g.role.as_str().into(),
                role_zh: g.role.label_zh().into(),
                region_code: g.region.to_string(),
            })
            .collect(),
        permissions,
    }
}

/// Open a session. Staff, supervisor, auditor and admin accounts must send `totp`.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginInput,
    responses((status = 200, body = Me), (status = 401, body = Problem), (status = 423, body = Problem), (status = 429, body = Problem)))]
#[tracing::instrument(skip_all, fields(username = %input.username))]
pub async fn login(
    State(s): State<AppState>,
    CurrentActor(anon): CurrentActor,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginInput>,
) -> Response {
    match do_login(&s, &anon.address, &headers, &input).await {
        Ok((cookie_header, actor)) => {
            ([(header::SET_COOKIE, cookie_header)], Json(me_of(&actor))).into_response()
        }
        Err(p) => problem_response(p),
    }
}

/// Shared by the API and the sign-in page: rate limit, check, and the session cookie to set.
pub async fn do_login(
    s: &AppState,
    address: &str,
    headers: &HeaderMap,
    input: &LoginInput,
) -> Result<(String, ggzy_store::Actor), Problem> {
    if !s.login_limiter.allow(address) {
        return Err(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "auth.rate_limited",
            "登录尝试过于频繁，请稍后再试",
            "Too many sign-in attempts from this address; try again later",
        ));
    }
    let now = s.now();
    let session = accounts::login(&s.db, input, address, now)
        .await
        .map_err(|e| ApiError(e).problem())?;
    let actor = accounts::session_actor(&s.db, &session.token, address, now)
        .await
        .map_err(|e| ApiError(e).problem())?;
    let max_age = (session.expires_at - now).num_seconds();
    Ok((
        set_cookie(
            SESSION_COOKIE,
            &session.token,
            Some(max_age),
            true,
            is_tls(headers, s.config.secure_cookies),
        ),
        actor,
    ))
}

/// Close the session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        accounts::logout(&s.db, &token, &actor, s.now()).await?;
    }
    let clear = set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        true,
        is_tls(&headers, s.config.secure_cookies),
    );
    Ok(([(header::SET_COOKIE, clear)], StatusCode::NO_CONTENT).into_response())
}

/// The signed-in account, its roles and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(CurrentActor(actor): CurrentActor) -> ApiResult<Json<Me>> {
    if actor.account_id.is_none() {
        return Err(ServiceError::Unauthenticated.into());
    }
    Ok(Json(me_of(&actor)))
}

/// Register a market entity once, with its first user (统一注册).
#[utoipa::path(post, path = "/api/v1/entities", tag = "entities", request_body = RegistrationInput,
    responses((status = 201, body = Registered), (status = 409, body = Problem, description = "credit code already registered"), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn register_entity(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    let r = entities::register(&s.db, &actor, &input, s.now()).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Name fragment or full credit code.
    pub q: Option<String>,
    pub limit: Option<i64>,
}

/// Search the registry. Contacts are shown only to the entity itself and to registry readers.
#[utoipa::path(get, path = "/api/v1/entities", tag = "entities", params(SearchQuery), responses((status = 200, body = Vec<EntityView>)))]
pub async fn search_entities(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<Vec<EntityView>>> {
    let today = s.now().date_naive();
    Ok(Json(
        entities::search(&s.db, &actor, q.q.as_deref(), today, q.limit.unwrap_or(50)).await?,
    ))
}

/// One entity with its qualifications and their status today.
#[utoipa::path(get, path = "/api/v1/entities/{id}", tag = "entities", params(("id" = Uuid, Path)), responses((status = 200, body = EntityView), (status = 404, body = Problem)))]
pub async fn get_entity(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<EntityView>> {
    Ok(Json(
        entities::get(&s.db, &actor, id, s.now().date_naive()).await?,
    ))
}

/// What an entity won, performed and took part in, from the published notices (a bid or an
/// application shows only once its deal's result is out).
#[utoipa::path(get, path = "/api/v1/entities/{id}/record", tag = "entities", params(("id" = Uuid, Path)), responses((status = 200, body = ggzy_store::notices::CompanyRecord), (status = 404, body = Problem)))]
pub async fn entity_record(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ggzy_store::notices::CompanyRecord>> {
    let e = entities::get(&s.db, &actor, id, s.now().date_naive()).await?;
    Ok(Json(
        ggzy_store::notices::company_record(&s.db, e.id, 50).await?,
    ))
}

/// Add a qualification to one's own entity.
#[utoipa::path(post, path = "/api/v1/entities/{id}/qualifications", tag = "entities", params(("id" = Uuid, Path)), request_body = QualificationInput,
    responses((status = 201), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_qualification(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<QualificationInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::EntityManage)?;
    let q = entities::add_qualification(&s.db, &actor, id, &input, s.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: q })))
}

/// The region tree.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", responses((status = 200, body = Vec<Region>)))]
pub async fn list_regions(State(s): State<AppState>) -> ApiResult<Json<Vec<Region>>> {
    Ok(Json(regions::list(&s.db).await?))
}

/// Add a region under an existing parent (needs `config_admin`).
#[utoipa::path(post, path = "/api/v1/regions", tag = "regions", request_body = RegionInput, responses((status = 201, body = Region), (status = 403, body = Problem)))]
pub async fn create_region(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<RegionInput>,
) -> ApiResult<(StatusCode, Json<Region>)> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::ConfigAdmin)?;
    Ok((
        StatusCode::CREATED,
        Json(regions::create(&s.db, &actor, &input, s.now()).await?),
    ))
}

/// Create a staff-side account with its first role (needs `account_admin`).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = StaffAccountInput, responses((status = 201, body = CreatedAccount), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_account(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<StaffAccountInput>,
) -> ApiResult<(StatusCode, Json<CreatedAccount>)> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::AccountAdmin)?;
    Ok((
        StatusCode::CREATED,
        Json(accounts::create_staff_account(&s.db, &actor, &input, s.now()).await?),
    ))
}

/// All accounts with their roles (needs `account_admin`).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", responses((status = 200, body = Vec<AccountView>), (status = 403, body = Problem)))]
pub async fn list_accounts(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<Vec<AccountView>>> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::AccountAdmin)?;
    Ok(Json(accounts::list_accounts(&s.db, &actor).await?))
}

/// Grant a further role; refused when it breaks separation of duties.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/roles", tag = "accounts", params(("id" = Uuid, Path)), request_body = GrantInput,
    responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn grant_role(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<GrantInput>,
) -> ApiResult<StatusCode> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::AccountAdmin)?;
    accounts::grant_role(&s.db, &actor, id, &input, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// One line per special day: `YYYY-MM-DD holiday|workday 名称`.
    pub table: String,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarDayView {
    pub day: chrono::NaiveDate,
    /// holiday | workday (an adjusted weekend working day, 调休)
    pub kind: String,
    pub name: String,
}

/// The holidays and adjusted working days in force.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", responses((status = 200, body = Vec<CalendarDayView>)))]
pub async fn get_calendar(State(s): State<AppState>) -> ApiResult<Json<Vec<CalendarDayView>>> {
    let cal = calendar::load(&s.db).await?;
    Ok(Json(
        cal.special_days()
            .map(|d| CalendarDayView {
                day: d.day,
                kind: d.kind.as_str().into(),
                name: d.name.clone(),
            })
            .collect(),
    ))
}

/// Replace the holiday table (needs `config_admin`).
#[utoipa::path(put, path = "/api/v1/calendar", tag = "calendar", request_body = CalendarBody, responses((status = 204), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_calendar(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(b): ApiJson<CalendarBody>,
) -> ApiResult<StatusCode> {
    // Checked here at the route and again, scoped to the region, in the service.
    actor.require_any(Permission::ConfigAdmin)?;
    calendar::replace(&s.db, &actor, &b.table, s.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest signed tree head of the event log, with the platform's SM2 public key.
#[utoipa::path(get, path = "/api/v1/log/head", tag = "log", responses((status = 200, body = LogHead)))]
pub async fn log_head(State(s): State<AppState>) -> ApiResult<Json<LogHead>> {
    let head = events::latest_head(&s.db).await?;
    Ok(Json(LogHead {
        head,
        size: events::size(&s.db).await?,
        public_key: s.key.public_hex(),
        key_id: events::key_id(&s.key),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LogHead {
    pub head: Option<TreeHead>,
    /// Events appended so far (the next head will cover them).
    pub size: i64,
    /// Uncompressed SEC1 SM2 public key, hex; distinguishing ID `1234567812345678`.
    pub public_key: String,
    pub key_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct LogEventView {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// `sealed` for an event about secret information before its moment.
    pub kind: String,
    /// Empty while sealed.
    pub subject: String,
    pub region_code: String,
    pub hash: String,
    /// A sealed event's salted commitment to its content (SM3, hex); the chain hashes
    /// `ggzy-sealed-v1 ‖ seq ‖ id ‖ at ‖ commitment`.
    pub commitment: Option<String>,
    /// The commitment's salt, published at the event's moment (the opening, the close, the
    /// award) so that its content can be checked.
    pub salt: Option<String>,
}

impl LogEventView {
    /// The one view of an event for everyone who is not an auditor: what it says once it may
    /// be read, and only its time, hash and commitment before.
    pub fn public(e: ggzy_store::events::StoredEvent) -> Self {
        let commitment = e.commitment();
        let readable = e.readable();
        Self {
            seq: e.seq,
            at: e.at,
            kind: if readable { e.kind } else { "sealed".into() },
            subject: if readable { e.subject } else { String::new() },
            region_code: e.region_code,
            hash: e.hash,
            commitment,
            salt: if readable { e.salt } else { None },
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct LogQuery {
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Recent events as the public sees them: what happened and its hash, not who or from where.
#[utoipa::path(get, path = "/api/v1/log/events", tag = "log", params(LogQuery), responses((status = 200, body = Vec<LogEventView>)))]
pub async fn log_events(
    State(s): State<AppState>,
    Query(q): Query<LogQuery>,
) -> ApiResult<Json<Vec<LogEventView>>> {
    let rows = events::list(&s.db, None, q.before, q.limit.unwrap_or(50)).await?;
    Ok(Json(rows.into_iter().map(LogEventView::public).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct InclusionQuery {
    /// Event sequence number (leaf index + 1).
    pub seq: i64,
    /// Tree size of a signed head.
    pub size: i64,
}

#[derive(Serialize, ToSchema)]
pub struct InclusionProof {
    pub seq: i64,
    pub size: i64,
    pub leaf_index: i64,
    /// The leaf: SM3(0x00 ‖ event chain hash), hex.
    pub leaf_hash: String,
    pub audit_path: Vec<String>,
}

async fn tree_of_size(
    s: &AppState,
    size: i64,
) -> ApiResult<tokio::sync::MutexGuard<'_, ggzy_store::events::LeafCache>> {
    let mut cache = s.leaves.lock().await;
    let n = cache.refresh(&s.db).await?;
    if size < 1 || size as usize > n {
        return Err(ggzy_core::FieldError::new(
            "size",
            "log.size",
            format!("树大小应在 1 到 {n} 之间"),
            format!("size must be between 1 and {n}"),
        )
        .into());
    }
    Ok(cache)
}

/// Audit path proving an event is in the tree of a given size (RFC 6962 over SM3).
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", params(InclusionQuery), responses((status = 200, body = InclusionProof), (status = 422, body = Problem)))]
pub async fn inclusion_proof(
    State(s): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> ApiResult<Json<InclusionProof>> {
    let cache = tree_of_size(&s, q.size).await?;
    if q.seq < 1 || q.seq > q.size {
        return Err(ggzy_core::FieldError::new(
            "seq",
            "log.seq",
            "事件序号超出树的范围",
            "seq is outside the tree",
        )
        .into());
    }
    let idx = (q.seq - 1) as usize;
    let path = cache
        .tree()
        .inclusion_proof(idx, q.size as usize)
        .unwrap_or_default();
    Ok(Json(InclusionProof {
        seq: q.seq,
        size: q.size,
        leaf_index: idx as i64,
        leaf_hash: ggzy_seal::to_hex(&cache.leaves()[idx]),
        audit_path: path.iter().map(ggzy_seal::to_hex).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct ConsistencyQuery {
    pub from: i64,
    pub to: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: i64,
    pub to: i64,
    pub proof: Vec<String>,
}

/// Proof that the tree of size `to` extends the tree of size `from` (nothing rewritten).
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery), responses((status = 200, body = ConsistencyProof), (status = 422, body = Problem)))]
pub async fn consistency_proof(
    State(s): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyProof>> {
    let cache = tree_of_size(&s, q.to).await?;
    if q.from < 1 || q.from > q.to {
        return Err(ggzy_core::FieldError::new(
            "from",
            "log.from",
            "起始大小应在 1 到 to 之间",
            "from must be between 1 and to",
        )
        .into());
    }
    let proof = cache
        .tree()
        .consistency_proof(q.from as usize, q.to as usize)
        .unwrap_or_default();
    Ok(Json(ConsistencyProof {
        from: q.from,
        to: q.to,
        proof: proof.iter().map(ggzy_seal::to_hex).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NoticesByKind {
    pub trade_kind: String,
    pub label_zh: String,
    pub label_en: String,
    pub notices: Vec<NoticeSummary>,
}

/// The latest notices of each trade kind, as on the home page.
#[utoipa::path(get, path = "/api/v1/notices/latest", tag = "notices", responses((status = 200, body = Vec<NoticesByKind>)))]
pub async fn latest_notices(State(s): State<AppState>) -> ApiResult<Json<Vec<NoticesByKind>>> {
    Ok(Json(notices_by_kind(&s).await?))
}

pub async fn notices_by_kind(s: &AppState) -> ApiResult<Vec<NoticesByKind>> {
    let mut out = Vec::new();
    for (kind, zh, en) in notices::TRADE_KINDS {
        out.push(NoticesByKind {
            trade_kind: kind.into(),
            label_zh: zh.into(),
            label_en: en.into(),
            notices: notices::latest(&s.db, kind, 8).await?,
        });
    }
    Ok(out)
}
