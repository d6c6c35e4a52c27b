//! Credit under `/api/v1/credit`: records are written by supervisors and read by anyone as far as
//! the domain's publication rule allows; the check log is the supervisors' and auditors'.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ggzy_core::credit::grade::GradeFormula;
use ggzy_core::role::Permission;
use ggzy_store::credit::{self, CheckRow, CreditRecordView, GradeLineView, GradeView, RecordInput};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(RecordInput, CreditRecordView, CheckRow, GradeView, GradeLineView, GradeFormula)),
    tags((name = "credit", description = "Company credit: records, bans and the check log"))
)]
pub struct CreditDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(CreditDoc::openapi())
        .routes(routes!(record))
        .routes(routes!(bans))
        .routes(routes!(of_company))
        .routes(routes!(grade))
        .routes(routes!(formula))
        .routes(routes!(checks))
}

/// Record a decision (a supervisor of the recording department's region): a penalty, a list
/// entry, a bidding ban with its statutory ground and length, a platform finding with its log
/// evidence, or a good record.
#[utoipa::path(post, path = "/api/v1/credit/records", tag = "credit", request_body = RecordInput,
    responses((status = 201, body = CreditRecordView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn record(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<RecordInput>,
) -> ApiResult<(StatusCode, Json<CreditRecordView>)> {
    Ok((
        StatusCode::CREATED,
        Json(credit::record(&s.db, &a, &i, s.now()).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct BansQuery {
    /// At most this many, newest first (default 200).
    pub limit: Option<i64>,
}

/// The bans and serious 失信 records in public view now, each with its basis and period.
#[utoipa::path(get, path = "/api/v1/credit/bans", tag = "credit", params(BansQuery),
    responses((status = 200, body = Vec<CreditRecordView>)))]
pub async fn bans(
    State(s): State<AppState>,
    Query(q): Query<BansQuery>,
) -> ApiResult<Json<Vec<CreditRecordView>>> {
    Ok(Json(
        credit::public_bans(&s.db, s.now(), q.limit.unwrap_or(200)).await?,
    ))
}

/// A company's records in public view now, by its credit code.
#[utoipa::path(get, path = "/api/v1/credit/companies/{uscc}", tag = "credit",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = Vec<CreditRecordView>)))]
pub async fn of_company(
    State(s): State<AppState>,
    Path(uscc): Path<String>,
) -> ApiResult<Json<Vec<CreditRecordView>>> {
    let uscc = ggzy_core::Uscc::parse(&uscc)?;
    Ok(Json(
        credit::public_of(&s.db, uscc.as_str(), s.now()).await?,
    ))
}

/// A company's credit grade now, by the published formula, with the records that moved it (a
/// record no longer in public view counts without being shown).
#[utoipa::path(get, path = "/api/v1/credit/companies/{uscc}/grade", tag = "credit",
    params(("uscc" = String, Path, description = "统一社会信用代码")),
    responses((status = 200, body = GradeView), (status = 422, body = Problem)))]
pub async fn grade(
    State(s): State<AppState>,
    Path(uscc): Path<String>,
) -> ApiResult<Json<GradeView>> {
    let uscc = ggzy_core::Uscc::parse(&uscc)?;
    Ok(Json(credit::grade_of(&s.db, uscc.as_str(), s.now()).await?))
}

/// The grade formula in force, with its version: every number a configurable default.
#[utoipa::path(get, path = "/api/v1/credit/formula", tag = "credit",
    responses((status = 200, body = GradeFormula)))]
pub async fn formula() -> Json<GradeFormula> {
    Json(GradeFormula::v2026())
}

#[derive(Deserialize, IntoParams)]
pub struct ChecksQuery {
    /// The deal's 统一交易标识码.
    pub deal_code: String,
}

/// The credit checks kept for a deal: who was checked, at which point, as of when, and the
/// record that barred them if one did (supervisors and auditors: before the opening it would
/// name who bid).
#[utoipa::path(get, path = "/api/v1/credit/checks", tag = "credit", params(ChecksQuery),
    responses((status = 200, body = Vec<CheckRow>), (status = 403, body = Problem)))]
pub async fn checks(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Query(q): Query<ChecksQuery>,
) -> ApiResult<Json<Vec<CheckRow>>> {
    if a.require_any(Permission::Supervise).is_err() {
        a.require_any(Permission::AuditRead)?;
    }
    Ok(Json(credit::checks_of(&s.db, &q.deal_code).await?))
}
