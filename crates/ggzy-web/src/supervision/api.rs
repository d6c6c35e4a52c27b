//! Alerts under `/api/v1/alerts`: read by the supervisors and auditors of the alert's region,
//! handled by its supervisors, one route per step.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use ggzy_core::alert::Step;
use ggzy_store::alerts::{
    self, AlertCase, AlertCount, AlertFilter, AlertStepView, AlertView, CloseInput, StepInput,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(AlertView, AlertCase, AlertStepView, AlertCount, StepInput, CloseInput)),
    tags((name = "supervision", description = "Alerts handled as cases, from raising to a finding"))
)]
pub struct SupervisionDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(SupervisionDoc::openapi())
        .routes(routes!(list_alerts))
        .routes(routes!(dashboard))
        .routes(routes!(alert))
        .routes(routes!(acknowledge))
        .routes(routes!(investigate))
        .routes(routes!(close))
}

/// Alerts in the caller's regions (supervisors and auditors): open ones by due time by default.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "supervision", params(AlertFilter),
    responses((status = 200, body = Vec<AlertView>), (status = 403, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn list_alerts(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Query(f): Query<AlertFilter>,
) -> ApiResult<Json<Vec<AlertView>>> {
    Ok(Json(alerts::list(&s.db, &a, &f).await?))
}

/// Open alerts counted by rule and region, with how many are overdue, escalated or severe.
#[utoipa::path(get, path = "/api/v1/alerts/dashboard", tag = "supervision",
    responses((status = 200, body = Vec<AlertCount>), (status = 403, body = Problem)))]
pub async fn dashboard(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<AlertCount>>> {
    Ok(Json(alerts::dashboard(&s.db, &a, s.now()).await?))
}

/// One alert with its evidence and every step taken on it.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "supervision",
    responses((status = 200, body = AlertCase), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn alert(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<AlertCase>> {
    Ok(Json(alerts::case(&s.db, &a, id).await?))
}

/// Acknowledge (受理): the supervisor takes the case and owns it from now on.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledgement", tag = "supervision", request_body = StepInput,
    responses((status = 200, body = AlertCase), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn acknowledge(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<StepInput>,
) -> ApiResult<Json<AlertCase>> {
    Ok(Json(
        alerts::advance(&s.db, &a, id, Step::Acknowledge, &i, s.now()).await?,
    ))
}

/// Start investigating (调查核实).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/investigation", tag = "supervision", request_body = StepInput,
    responses((status = 200, body = AlertCase), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn investigate(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<StepInput>,
) -> ApiResult<Json<AlertCase>> {
    Ok(Json(
        alerts::advance(&s.db, &a, id, Step::Investigate, &i, s.now()).await?,
    ))
}

/// Close with a finding: no issue, a warning, a credit record (entered with the alert's events
/// as its evidence) or a referral.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/closure", tag = "supervision", request_body = CloseInput,
    responses((status = 200, body = AlertCase), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(alert = %id))]
pub async fn close(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<CloseInput>,
) -> ApiResult<Json<AlertCase>> {
    Ok(Json(alerts::close(&s.db, &a, id, &i, s.now()).await?))
}
