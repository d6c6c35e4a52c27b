//! Government procurement over HTTP (C8): intentions, registration under a method with its
//! grounds, the invited-tender supplier draw and its proof, final quotes, the deadlines both
//! sides see, challenges, and complaints with the finance department's steps. Notices, bids,
//! opening, evaluation, award and contract are the shared lot endpoints (tag `tendering`).

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Done, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ggzy_store::experts::draw::DrawProof;
use ggzy_store::procurement::challenges::{
    self, ChallengeInput, ChallengeReplyInput, ChallengeView, ComplaintStepInput, GpComplaintInput,
    GpComplaintView,
};
use ggzy_store::procurement::{
    self, Deadline, FinalQuoteInput, FinalQuoteView, FinalQuotesInput, GroundView, IntentionInput,
    IntentionView, ProcurementInput, ProcurementTerms, SupplierDrawInput,
};
use ggzy_store::tendering::intake::{RegisteredLot, RegisteredProject};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(IntentionInput, IntentionView, ProcurementInput, ProcurementTerms, GroundView, SupplierDrawInput,
                       FinalQuotesInput, FinalQuoteInput, FinalQuoteView, Deadline, ChallengeInput, ChallengeView,
                       ChallengeReplyInput, GpComplaintInput, GpComplaintView, ComplaintStepInput, ReplyOutcome,
                       RegisteredProject, RegisteredLot, Done)),
    tags((name = "procurement", description = "Government procurement by its six methods, challenges and complaints (C8)"))
)]
pub struct ProcurementDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ProcurementDoc::openapi())
        .routes(routes!(publish_intention, list_intentions))
        .routes(routes!(register))
        .routes(routes!(terms))
        .routes(routes!(draw_suppliers, supplier_draw))
        .routes(routes!(request_final_quotes))
        .routes(routes!(submit_final_quote, final_quotes))
        .routes(routes!(deadlines))
        .routes(routes!(file_challenge, list_challenges))
        .routes(routes!(reply_challenge))
        .routes(routes!(file_complaint, list_complaints))
        .routes(routes!(handle_complaint))
}

#[derive(Serialize, ToSchema)]
pub struct ReplyOutcome {
    /// Replied within 7 working days (法 Art 53).
    pub in_time: bool,
}

/// Publish a procurement intention (采购意向) ahead of the procurement.
#[utoipa::path(post, path = "/api/v1/procurement/intentions", tag = "procurement", request_body = IntentionInput,
    responses((status = 201, body = IntentionView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn publish_intention(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<IntentionInput>,
) -> ApiResult<(StatusCode, Json<IntentionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(procurement::publish_intention(&s.db, &a, &i, s.now()).await?),
    ))
}

/// Published intentions, newest first (public).
#[utoipa::path(get, path = "/api/v1/procurement/intentions", tag = "procurement", responses((status = 200, body = Vec<IntentionView>)))]
pub async fn list_intentions(State(s): State<AppState>) -> ApiResult<Json<Vec<IntentionView>>> {
    Ok(Json(procurement::intentions(&s.db, 200).await?))
}

/// Register a procurement under a method. A method without its lawful ground, without the
/// approval it needs, with a price weight under its floor or works bought by tender is refused
/// with the rule.
#[utoipa::path(post, path = "/api/v1/procurement/projects", tag = "procurement", request_body = ProcurementInput,
    responses((status = 201, body = RegisteredProject), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<ProcurementInput>,
) -> ApiResult<(StatusCode, Json<RegisteredProject>)> {
    Ok((
        StatusCode::CREATED,
        Json(procurement::register(&s.db, &a, &i, s.now()).await?),
    ))
}

/// The method, its recorded grounds, approval, deduction and intention (public).
#[utoipa::path(get, path = "/api/v1/lots/{id}/procurement", tag = "procurement", responses((status = 200, body = ProcurementTerms), (status = 404, body = Problem)))]
pub async fn terms(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<ProcurementTerms>> {
    let lot = ggzy_store::tendering::load(&s.db, id).await?;
    Ok(Json(procurement::terms(&s.db, &lot).await?.ok_or(
        ggzy_store::ServiceError::NotFound("procurement"),
    )?))
}

/// Draw the suppliers of an invited tender at random from a list at least twice as long.
#[utoipa::path(post, path = "/api/v1/lots/{id}/supplier-draw", tag = "procurement", request_body = SupplierDrawInput,
    responses((status = 201, body = DrawProof), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn draw_suppliers(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<SupplierDrawInput>,
) -> ApiResult<(StatusCode, Json<DrawProof>)> {
    Ok((
        StatusCode::CREATED,
        Json(procurement::draw_suppliers(&s.db, &a, id, &i, s.now()).await?),
    ))
}

/// The supplier draw with its seed, list and picks, which `ggzy verify-draw` recomputes: for
/// the buyer, the centre and the supervisor at once, for everyone after the opening (before it
/// the public sees the logged commitment only).
#[utoipa::path(get, path = "/api/v1/lots/{id}/supplier-draw", tag = "procurement", responses((status = 200, body = DrawProof), (status = 404, body = Problem)))]
pub async fn supplier_draw(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<DrawProof>> {
    Ok(Json(
        procurement::supplier_draw(&s.db, &a, id)
            .await?
            .ok_or(ggzy_store::ServiceError::NotFound("supplier draw"))?,
    ))
}

/// Ask the remaining suppliers for their final quotes (negotiation, consultation, single source).
#[utoipa::path(post, path = "/api/v1/lots/{id}/final-quotes/request", tag = "procurement", request_body = FinalQuotesInput,
    responses((status = 200, body = Done), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn request_final_quotes(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<FinalQuotesInput>,
) -> ApiResult<Json<Done>> {
    procurement::request_final_quotes(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(Done { ok: true }))
}

/// A supplier's final quote before the due time.
#[utoipa::path(post, path = "/api/v1/lots/{id}/final-quotes", tag = "procurement", request_body = FinalQuoteInput,
    responses((status = 201, body = FinalQuoteView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn submit_final_quote(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<FinalQuoteInput>,
) -> ApiResult<(StatusCode, Json<FinalQuoteView>)> {
    Ok((
        StatusCode::CREATED,
        Json(procurement::submit_final_quote(&s.db, &a, id, &i, s.now()).await?),
    ))
}

/// Final quotes: a supplier's own; every quote to the parties and group after the close.
#[utoipa::path(get, path = "/api/v1/lots/{id}/final-quotes", tag = "procurement", responses((status = 200, body = Vec<FinalQuoteView>)))]
pub async fn final_quotes(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<FinalQuoteView>>> {
    Ok(Json(
        procurement::final_quotes(&s.db, &a, id, s.now()).await?,
    ))
}

/// Every statutory deadline of the lot with its due day, completion and rule (public).
#[utoipa::path(get, path = "/api/v1/lots/{id}/deadlines", tag = "procurement", responses((status = 200, body = Vec<Deadline>)))]
pub async fn deadlines(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Deadline>>> {
    let today = ggzy_store::tendering::day(s.now());
    Ok(Json(procurement::deadlines(&s.db, id, today).await?))
}

/// A participating supplier challenges (质疑) the documents, a step, or the result.
#[utoipa::path(post, path = "/api/v1/lots/{id}/challenges", tag = "procurement", request_body = ChallengeInput,
    responses((status = 201, body = ChallengeView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn file_challenge(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ChallengeInput>,
) -> ApiResult<(StatusCode, Json<ChallengeView>)> {
    Ok((
        StatusCode::CREATED,
        Json(challenges::file_challenge(&s.db, &a, id, &i, s.now()).await?),
    ))
}

/// Challenges: all to the parties and supervisors, its own to a supplier.
#[utoipa::path(get, path = "/api/v1/lots/{id}/challenges", tag = "procurement", responses((status = 200, body = Vec<ChallengeView>)))]
pub async fn list_challenges(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<ChallengeView>>> {
    Ok(Json(challenges::challenges(&s.db, &a, id).await?))
}

/// The buyer or agency replies to a challenge in writing.
#[utoipa::path(post, path = "/api/v1/lots/{id}/challenges/{cid}/reply", tag = "procurement", request_body = ChallengeReplyInput,
    responses((status = 200, body = ReplyOutcome), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id, challenge = %cid))]
pub async fn reply_challenge(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path((id, cid)): Path<(Uuid, Uuid)>,
    ApiJson(i): ApiJson<ChallengeReplyInput>,
) -> ApiResult<Json<ReplyOutcome>> {
    Ok(Json(ReplyOutcome {
        in_time: challenges::reply_challenge(&s.db, &a, id, cid, &i, s.now()).await?,
    }))
}

/// A complaint (投诉) to the finance department, on a matter challenged first.
#[utoipa::path(post, path = "/api/v1/lots/{id}/procurement-complaints", tag = "procurement", request_body = GpComplaintInput,
    responses((status = 201, body = GpComplaintView), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn file_complaint(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<GpComplaintInput>,
) -> ApiResult<(StatusCode, Json<GpComplaintView>)> {
    Ok((
        StatusCode::CREATED,
        Json(challenges::file_complaint(&s.db, &a, id, &i, s.now()).await?),
    ))
}

/// Complaints on the lot: all to the parties and the department, its own to a supplier.
#[utoipa::path(get, path = "/api/v1/lots/{id}/procurement-complaints", tag = "procurement", responses((status = 200, body = Vec<GpComplaintView>)))]
pub async fn list_complaints(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<GpComplaintView>>> {
    Ok(Json(challenges::complaints(&s.db, &a, id).await?))
}

/// The finance department accepts or refuses, suspends (≤ 30 days), resumes, or decides.
#[utoipa::path(post, path = "/api/v1/procurement-complaints/{id}/steps", tag = "procurement", request_body = ComplaintStepInput,
    responses((status = 200, body = GpComplaintView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(complaint = %id))]
pub async fn handle_complaint(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ComplaintStepInput>,
) -> ApiResult<Json<GpComplaintView>> {
    Ok(Json(
        challenges::handle_complaint(&s.db, &a, id, &i, s.now()).await?,
    ))
}
