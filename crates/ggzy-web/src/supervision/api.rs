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
use ggzy_store::regime::{self, InterventionAnswer, InterventionInput, InterventionView};
use ggzy_store::reports::{
    self, ReportInput, ReportLookup, ReportProgress, ReportReceipt, ReportView,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(AlertView, AlertCase, AlertStepView, AlertCount, StepInput, CloseInput,
        InterventionInput, InterventionAnswer, InterventionView,
        ReportInput, ReportReceipt, ReportLookup, ReportProgress, ReportView)),
    tags((name = "supervision", description = "Alerts handled as cases, from raising to a finding; the supervisor's orders on a lot"))
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
        .routes(routes!(interventions, order))
        .routes(routes!(answer))
        .routes(routes!(file_report))
        .routes(routes!(report_progress))
        .routes(routes!(alert_report))
}

/// Reports and lookups from the public are counted per address with the sign-in attempts: a
/// report form is no way round the limit, and a secret is not to be guessed.
pub(crate) fn limited(s: &AppState, a: &ggzy_store::Actor) -> Result<(), ApiError> {
    if s.login_limiter.allow(&format!("report:{}", a.address)) {
        Ok(())
    } else {
        Err(ApiError(ggzy_store::ServiceError::RateLimited))
    }
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

/// The supervisor's orders on a lot, oldest first. Orders are published, so anyone may read them.
#[utoipa::path(get, path = "/api/v1/lots/{id}/interventions", tag = "supervision",
    responses((status = 200, body = Vec<InterventionView>), (status = 404, body = Problem)))]
pub async fn interventions(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<InterventionView>>> {
    Ok(Json(regime::interventions(&s.db, id).await?))
}

/// Order the lot suspended, resumed, corrected or terminated (责令暂停／恢复／改正／终止), citing
/// the legal basis. The order binds the procedure at once and is published as a notice.
#[utoipa::path(post, path = "/api/v1/lots/{id}/interventions", tag = "supervision", request_body = InterventionInput,
    responses((status = 201, body = InterventionView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn order(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<InterventionInput>,
) -> ApiResult<(axum::http::StatusCode, Json<InterventionView>)> {
    let view = regime::order(&s.db, &a, id, &i, s.now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view)))
}

/// The principal reports what it corrected under an order to correct, once.
#[utoipa::path(post, path = "/api/v1/interventions/{id}/answer", tag = "supervision", request_body = InterventionAnswer,
    responses((status = 200, body = InterventionView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(intervention = %id))]
pub async fn answer(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<InterventionAnswer>,
) -> ApiResult<Json<InterventionView>> {
    Ok(Json(
        regime::answer_intervention(&s.db, &a, id, &i, s.now()).await?,
    ))
}

/// Report a violation (举报) to the supervisor: anyone may, by name or anonymously, about a deal,
/// a company, an expert, the centre's staff or the centre itself; centre staff report as staff.
/// The answer holds the number and a secret, shown once, to follow the report with.
#[utoipa::path(post, path = "/api/v1/reports", tag = "supervision", request_body = ReportInput,
    responses((status = 201, body = ReportReceipt), (status = 422, body = Problem), (status = 429, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn file_report(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<ReportInput>,
) -> ApiResult<(axum::http::StatusCode, Json<ReportReceipt>)> {
    limited(&s, &a)?;
    let r = reports::file(&s.db, &a, &i, s.now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(r)))
}

/// Follow a report with its number and secret: its state and, once answered, the answer. A
/// wrong number or secret is answered as not found.
#[utoipa::path(post, path = "/api/v1/reports/progress", tag = "supervision", request_body = ReportLookup,
    responses((status = 200, body = ReportProgress), (status = 404, body = Problem), (status = 429, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn report_progress(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<ReportLookup>,
) -> ApiResult<Json<ReportProgress>> {
    limited(&s, &a)?;
    Ok(Json(reports::progress(&s.db, &i).await?))
}

/// The report behind an alert of kind `report`, with its reporter, for the alert's supervisors.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/report", tag = "supervision",
    responses((status = 200, body = Option<ReportView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn alert_report(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Option<ReportView>>> {
    Ok(Json(reports::for_alert(&s.db, &a, id).await?))
}
