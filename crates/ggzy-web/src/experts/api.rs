//! The expert pool over HTTP (C11): applications and vetting, the registry, availability and
//! declared conflicts, draws with their public proof, replies and sign-in, ratings, misconduct and
//! bans, fee standards, notifications and supervisors' alerts.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ggzy_core::draw::{GroupPool, Pick, PublishedRound};
use ggzy_core::expert::FeeStandard;
use ggzy_core::region::DivisionCode;
use ggzy_store::experts::credit::{
    self, BanInput, BanView, CreditView, FeeView, MisconductInput, MisconductView, RatingInput,
};
use ggzy_store::experts::draw::{
    self, CheckInInput, DrawInput, DrawProof, DrawView, ExcludedView, GroupInput, Invitation,
    PickView, ReplyInput, RoundView, RuleCount,
};
use ggzy_store::experts::{
    self, ApplicationInput, ExpertView, SpecialtyLabel, StatusInput, TieInput, UnavailableInput,
};
use ggzy_store::notify::{self, Notification};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(ApplicationInput, TieInput, ExpertView, SpecialtyLabel, StatusInput, CreditView, MisconductView, BanView, FeeView, MisconductInput,
                       BanInput, UnavailableInput, DrawInput, GroupInput, DrawView, RoundView, RuleCount, PickView, ExcludedView, DrawProof, PublishedRound,
                       GroupPool, Pick, ReplyInput, CheckInInput, Invitation, RatingInput, SpecialtyRow, SpecialtyTable, FeeStandard, Notification,
                       Applied, ExpertOk, CreditCheck)),
    tags((name = "experts", description = "Expert pool, verifiable random draws, confirmation and expert credit (C11)"))
)]
pub struct ExpertsDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ExpertsDoc::openapi())
        .routes(routes!(apply, list_experts))
        .routes(routes!(add_unavailability))
        .routes(routes!(declare_conflict))
        .routes(routes!(my_invitations))
        .routes(routes!(get_expert))
        .routes(routes!(set_status))
        .routes(routes!(expert_credit))
        .routes(routes!(record_misconduct))
        .routes(routes!(credit_check))
        .routes(routes!(request_draw, get_draw))
        .routes(routes!(draw_proof))
        .routes(routes!(reply_draw))
        .routes(routes!(check_in))
        .routes(routes!(rate_expert))
        .routes(routes!(specialties, replace_specialties))
        .routes(routes!(put_fee_standard))
        .routes(routes!(notifications))
}

#[derive(Serialize, ToSchema)]
pub struct Applied {
    pub id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct ExpertOk {
    pub ok: bool,
}

const DONE: ExpertOk = ExpertOk { ok: true };

/// Apply to the expert pool. Signed in as the employer's account, this is the employer's
/// recommendation. The account has no role until the department approves.
#[utoipa::path(post, path = "/api/v1/experts", tag = "experts", request_body = ApplicationInput,
    responses((status = 201, body = Applied), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn apply(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<ApplicationInput>,
) -> ApiResult<(StatusCode, Json<Applied>)> {
    Ok((
        StatusCode::CREATED,
        Json(Applied {
            id: experts::apply(&s.db, &a, &i, s.now()).await?,
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// `pending`, `active`, `suspended`, `removed` or `refused`.
    pub status: Option<String>,
}

/// The registry, for centre staff and the supervising department.
#[utoipa::path(get, path = "/api/v1/experts", tag = "experts", params(ListQuery), responses((status = 200, body = Vec<ExpertView>), (status = 403, body = Problem)))]
pub async fn list_experts(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ExpertView>>> {
    Ok(Json(
        experts::list(&s.db, &a, q.status.as_deref(), s.now()).await?,
    ))
}

/// One expert: to registry readers and to the expert.
#[utoipa::path(get, path = "/api/v1/experts/{id}", tag = "experts", responses((status = 200, body = ExpertView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_expert(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ExpertView>> {
    Ok(Json(experts::get(&s.db, &a, id, s.now()).await?))
}

/// The department approves or refuses an application, suspends, reinstates or removes an expert.
#[utoipa::path(post, path = "/api/v1/experts/{id}/status", tag = "experts", request_body = StatusInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(expert = %id))]
pub async fn set_status(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<StatusInput>,
) -> ApiResult<Json<ExpertOk>> {
    experts::set_status(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// Score, ratings, misconduct, bans and fees of an expert.
#[utoipa::path(get, path = "/api/v1/experts/{id}/credit", tag = "experts", responses((status = 200, body = CreditView), (status = 403, body = Problem)))]
pub async fn expert_credit(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<CreditView>> {
    Ok(Json(credit::credit(&s.db, &a, id, s.now()).await?))
}

/// The department records misconduct with its legal basis: a deduction and optionally a ban,
/// enforced at the next draw.
#[utoipa::path(post, path = "/api/v1/experts/{id}/misconduct", tag = "experts", request_body = MisconductInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(expert = %id))]
pub async fn record_misconduct(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<MisconductInput>,
) -> ApiResult<Json<ExpertOk>> {
    credit::record_misconduct(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(DONE))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditCheck {
    /// On the 失信被执行人 list at this query.
    pub dishonest: bool,
}

/// Centre staff record a 失信被执行人 query result (法〔2016〕285号).
#[utoipa::path(post, path = "/api/v1/experts/{id}/credit-check", tag = "experts", request_body = CreditCheck,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem)))]
pub async fn credit_check(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<CreditCheck>,
) -> ApiResult<Json<ExpertOk>> {
    experts::record_dishonest_check(&s.db, &a, id, i.dishonest, s.now()).await?;
    Ok(Json(DONE))
}

/// The signed-in expert marks days they cannot serve.
#[utoipa::path(post, path = "/api/v1/experts/me/unavailability", tag = "experts", request_body = UnavailableInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_unavailability(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<UnavailableInput>,
) -> ApiResult<Json<ExpertOk>> {
    experts::add_unavailability(&s.db, &a, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// The signed-in expert declares a conflict (a relative's employer, an interest).
#[utoipa::path(post, path = "/api/v1/experts/me/conflicts", tag = "experts", request_body = TieInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn declare_conflict(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<TieInput>,
) -> ApiResult<Json<ExpertOk>> {
    experts::declare_conflict(&s.db, &a, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// Centre staff draw the experts for an opened lot. Too few eligible experts: 422 with the numbers
/// (eligible, and excluded by each rule), never a partial committee.
#[utoipa::path(post, path = "/api/v1/lots/{id}/draw", tag = "experts", request_body = DrawInput,
    responses((status = 201, body = Applied), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn request_draw(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<DrawInput>,
) -> ApiResult<(StatusCode, Json<Applied>)> {
    Ok((
        StatusCode::CREATED,
        Json(Applied {
            id: draw::request(&s.db, &a, id, &i, s.now()).await?,
        }),
    ))
}

/// The lot's draw as the viewer may see it: the drawn list only to the staff who ran it until the
/// result is published; exclusions with reasons to that staff member and the supervisor.
#[utoipa::path(get, path = "/api/v1/lots/{id}/draw", tag = "experts", responses((status = 200, body = DrawView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_draw(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<DrawView>> {
    Ok(Json(
        draw::view(&s.db, &a, id)
            .await?
            .ok_or(ggzy_store::ServiceError::NotFound("draw"))?,
    ))
}

/// Public proof of a draw: commitments and snapshot hashes at once; seeds, snapshots and picks once
/// the result is published. Feed it to `ggzy verify-draw`.
#[utoipa::path(get, path = "/api/v1/lots/{id}/draw/proof", tag = "experts", responses((status = 200, body = DrawProof), (status = 404, body = Problem)))]
pub async fn draw_proof(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<DrawProof>> {
    Ok(Json(draw::proof(&s.db, id).await?))
}

/// A drawn expert accepts or declines (with a reason); a decline is redrawn at once.
#[utoipa::path(post, path = "/api/v1/lots/{id}/draw/reply", tag = "experts", request_body = ReplyInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn reply_draw(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ReplyInput>,
) -> ApiResult<Json<ExpertOk>> {
    draw::reply(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// A seated expert signs in on the evaluation day with the identity card number.
#[utoipa::path(post, path = "/api/v1/lots/{id}/draw/check-in", tag = "experts", request_body = CheckInInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn check_in(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<CheckInInput>,
) -> ApiResult<Json<ExpertOk>> {
    draw::check_in(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// The signed-in expert's invitations.
#[utoipa::path(get, path = "/api/v1/experts/me/invitations", tag = "experts", responses((status = 200, body = Vec<Invitation>)))]
pub async fn my_invitations(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<Invitation>>> {
    Ok(Json(draw::invitations(&s.db, &a).await?))
}

/// After the report the principal and the supervisor rate each expert of the committee.
#[utoipa::path(post, path = "/api/v1/lots/{id}/ratings", tag = "experts", request_body = RatingInput,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate_expert(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<RatingInput>,
) -> ApiResult<Json<ExpertOk>> {
    credit::rate(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(DONE))
}

#[derive(Serialize, ToSchema)]
pub struct SpecialtyRow {
    pub code: String,
    pub name: String,
    pub path: String,
}

/// The specialty classification in force.
#[utoipa::path(get, path = "/api/v1/specialties", tag = "experts", responses((status = 200, body = Vec<SpecialtyRow>)))]
pub async fn specialties(State(s): State<AppState>) -> ApiResult<Json<Vec<SpecialtyRow>>> {
    let t = experts::specialty_tree(&s.db).await?;
    Ok(Json(
        t.iter()
            .map(|(c, n)| SpecialtyRow {
                code: c.to_string(),
                name: n.into(),
                path: t.path_zh(c),
            })
            .collect(),
    ))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialtyTable {
    /// The table in the data-file format: `CODE<TAB>NAME` per line, parents first.
    pub table: String,
}

/// Admins replace the classification (for example with the official table).
#[utoipa::path(put, path = "/api/v1/specialties", tag = "experts", request_body = SpecialtyTable,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_specialties(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<SpecialtyTable>,
) -> ApiResult<Json<ExpertOk>> {
    experts::replace_specialties(&s.db, &a, &i.table, s.now()).await?;
    Ok(Json(DONE))
}

/// Admins set a region's fee standard for evaluation.
#[utoipa::path(put, path = "/api/v1/regions/{code}/fee-standard", tag = "experts", request_body = FeeStandard,
    responses((status = 200, body = ExpertOk), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_fee_standard(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(code): Path<String>,
    ApiJson(i): ApiJson<FeeStandard>,
) -> ApiResult<Json<ExpertOk>> {
    let r = DivisionCode::parse("code", &code)?;
    credit::put_fee_standard(&s.db, &a, &r, &i, s.now()).await?;
    Ok(Json(DONE))
}

/// The signed-in account's in-platform notifications.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "experts", responses((status = 200, body = Vec<Notification>), (status = 401, body = Problem)))]
pub async fn notifications(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<Notification>>> {
    let id = a
        .account_id
        .ok_or(ggzy_store::ServiceError::Unauthenticated)?;
    Ok(Json(notify::for_account(&s.db, id).await?))
}
