//! Credit under `/api/v1/credit`: records are written by supervisors and read by anyone as far as
//! the domain's publication rule allows; the check log is the supervisors' and auditors'.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use ggzy_core::credit::correction::CorrectionKind;
use ggzy_core::credit::grade::GradeFormula;
use ggzy_core::role::Permission;
use ggzy_store::credit::correction::{
    self, CorrectionRow, CorrectionView, CreditCorrectionInput, DecisionInput, RevocationInput,
};
use ggzy_store::credit::{
    self, CheckRow, CreditRecordView, Exchange, ExchangeGrade, GradeLineView, GradeView,
    RecordInput,
};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(RecordInput, CreditRecordView, CheckRow, GradeView, GradeLineView, GradeFormula,
        CreditCorrectionInput, DecisionInput, CorrectionRow, CorrectionView, Exchange, ExchangeGrade,
        RevocationInput)),
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
        .routes(routes!(object))
        .routes(routes!(repair))
        .routes(routes!(decide))
        .routes(routes!(revoke))
        .routes(routes!(corrections))
        .routes(routes!(exchange))
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

/// Object to a record (异议): an account of the company it names says why the record is wrong.
/// The department decides within the working days the rule pack gives; meanwhile the public page
/// marks the record as under objection.
#[utoipa::path(post, path = "/api/v1/credit/records/{id}/objections", tag = "credit",
    params(("id" = Uuid, Path, description = "The credit record")), request_body = CreditCorrectionInput,
    responses((status = 201, body = CorrectionView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn object(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<CreditCorrectionInput>,
) -> ApiResult<(StatusCode, Json<CorrectionView>)> {
    let c = correction::file(&s.db, &a, id, CorrectionKind::Objection, &i, s.now()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Ask for credit repair (信用修复) once the record's minimum publicity has passed, with the
/// company's credit commitment. Granted, the record leaves the public page and the grade; a
/// statutory bar still runs its course.
#[utoipa::path(post, path = "/api/v1/credit/records/{id}/repairs", tag = "credit",
    params(("id" = Uuid, Path, description = "The credit record")), request_body = CreditCorrectionInput,
    responses((status = 201, body = CorrectionView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn repair(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<CreditCorrectionInput>,
) -> ApiResult<(StatusCode, Json<CorrectionView>)> {
    let c = correction::file(&s.db, &a, id, CorrectionKind::Repair, &i, s.now()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Decide an objection or a repair (a supervisor of the record's region who did not record it).
#[utoipa::path(post, path = "/api/v1/credit/corrections/{id}/decision", tag = "credit",
    params(("id" = Uuid, Path, description = "The objection or repair")), request_body = DecisionInput,
    responses((status = 200, body = CorrectionView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn decide(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<DecisionInput>,
) -> ApiResult<Json<CorrectionView>> {
    Ok(Json(correction::decide(&s.db, &a, id, &i, s.now()).await?))
}

/// Revoke a record on the department's own motion (its decision quashed, the list's removal, an
/// entry in error): a supervisor of the record's region who did not record it. The record then
/// bars nothing and leaves the grade and the public page; the log keeps the reason.
#[utoipa::path(post, path = "/api/v1/credit/records/{id}/revocation", tag = "credit",
    params(("id" = Uuid, Path, description = "The credit record")), request_body = RevocationInput,
    responses((status = 200, body = CreditRecordView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn revoke(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<RevocationInput>,
) -> ApiResult<Json<CreditRecordView>> {
    Ok(Json(correction::revoke(&s.db, &a, id, &i, s.now()).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct CorrectionsQuery {
    /// A company's credit code: its objections and repairs (the company itself, supervisors
    /// and auditors). Without it, a supervisor's queue of pending ones, the earliest due first.
    pub uscc: Option<String>,
}

/// Objections and repairs: a company's own, or the supervisor's queue.
#[utoipa::path(get, path = "/api/v1/credit/corrections", tag = "credit", params(CorrectionsQuery),
    responses((status = 200, body = Vec<CorrectionView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn corrections(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Query(q): Query<CorrectionsQuery>,
) -> ApiResult<Json<Vec<CorrectionView>>> {
    if a.account_id.is_none() {
        return Err(ggzy_store::ServiceError::Unauthenticated.into());
    }
    let now = s.now();
    Ok(Json(match q.uscc {
        Some(u) => {
            let u = ggzy_core::Uscc::parse(&u)?;
            correction::of_company(&s.db, &a, u.as_str(), now).await?
        }
        None => correction::pending_for(&s.db, &a, now).await?,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct ExchangeQuery {
    /// Records logged after this event (0 for the first page).
    pub after: Option<i64>,
    /// At most this many records read (1–1000, default 500).
    pub limit: Option<i64>,
}

/// The credit exchange (`ggzy-credit-exchange/1`, documented in `docs/CREDIT_IMPORT.md`): the
/// records in public view and the grades of the companies they name, paged in log order.
#[utoipa::path(get, path = "/api/v1/credit/exchange", tag = "credit", params(ExchangeQuery),
    responses((status = 200, body = Exchange)))]
pub async fn exchange(
    State(s): State<AppState>,
    Query(q): Query<ExchangeQuery>,
) -> ApiResult<Json<Exchange>> {
    Ok(Json(
        credit::exchange(
            &s.db,
            s.now(),
            q.after.unwrap_or(0).max(0),
            q.limit.unwrap_or(500),
        )
        .await?,
    ))
}
