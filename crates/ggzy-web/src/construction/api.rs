//! `/api/v1` for construction tendering: one thin handler per step; the services check the role
//! again, scoped to the lot's region and parties.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Created, Done, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ggzy_core::FieldError;
use ggzy_core::evaluation::{MemberSheet, Outcome};
use ggzy_core::qualification::Requirement;
use ggzy_core::role::Permission;
use ggzy_store::ServiceError;
use ggzy_store::evaluation::performance;
use ggzy_store::evaluation::{
    self as evaluation, AnswerInput, AskInput, AwardInput, ContractInput, EvaluationClarification,
    FollowUp, MemberView, PublicityInput, RefundInput, RefundView, SignInput, TenderingReportInput,
};
use ggzy_store::tendering::bids::{self, BidFormInput, MyBid, OpeningRecord, Origin, Receipt};
use ggzy_store::tendering::complaints::{self, ComplaintDecision, ComplaintInput, ComplaintView};
use ggzy_store::tendering::intake::{
    self, LotSummary, ProjectInput, RegisteredLot, RegisteredProject,
};
use ggzy_store::tendering::notices::{
    self, ApplicationView, ClarificationInput, Document, DocumentSummary, Downloader, InviteInput,
    ObjectionInput, ObjectionView, PrequalApplication, PrequalNoticeInput, PrequalReview,
    ReplyInput, TenderNoticeInput,
};
use ggzy_store::tendering::qualifications::RequirementsInput;
use ggzy_store::tendering::schedule::{self, ScheduleRow};
use ggzy_store::tendering::{self, InboxItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(ProjectInput, RegisteredProject, RegisteredLot, LotSummary, LotDetail, TenderNoticeInput, PrequalNoticeInput, InviteInput, DocumentSummary, Document,
                       Downloader, ClarificationInput, ObjectionInput, ReplyInput, ObjectionView, PrequalApplication, ApplicationView, PrequalReview, BidFormInput,
                       Receipt, BidReceipt, MyBid, OpeningRecord, MemberView, AskInput, AnswerInput, EvaluationClarification, MemberSheet, Outcome, SignInput, PublicityInput, AwardInput, ContractInput,
                       RefundView, RefundInput, TenderingReportInput, FollowUp, InboxItem, ScheduleRow, Stage, ComplaintInput, ComplaintView, ComplaintDecision,
                       RequirementsInput, Requirement)),
    tags((name = "tendering", description = "Construction tendering: intake to contract (C2, C7)"))
)]
pub struct TenderingDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(TenderingDoc::openapi())
        .routes(routes!(register_project))
        .routes(routes!(list_lots))
        .routes(routes!(public_lots))
        .routes(routes!(get_lot))
        .routes(routes!(publish_prequal_notice))
        .routes(routes!(publish_notice))
        .routes(routes!(invite))
        .routes(routes!(list_documents))
        .routes(routes!(download_document))
        .routes(routes!(downloaders))
        .routes(routes!(clarify))
        .routes(routes!(raise_objection, list_objections))
        .routes(routes!(reply_objection))
        .routes(routes!(apply_prequal, list_applications))
        .routes(routes!(review_prequal))
        .routes(routes!(set_qualifications, lot_qualifications))
        .routes({
            let (schemas, paths, method_router) = routes!(submit_bid);
            (
                schemas,
                paths,
                method_router.layer(DefaultBodyLimit::max(
                    bids::MAX_ENVELOPE_BYTES + 1024 * 1024,
                )),
            )
        })
        .routes(routes!(my_bids, withdraw_bid))
        .routes(routes!(open_lot))
        .routes(routes!(opening_record))
        .routes(routes!(committee))
        .routes(routes!(submit_sheet))
        .routes(routes!(ask_bidder, bidder_clarifications))
        .routes(routes!(answer_bidder_clarification))
        .routes(routes!(evaluation_outcome))
        .routes(routes!(sign_report))
        .routes(routes!(evaluation_report))
        .routes(routes!(start_publicity))
        .routes(routes!(award))
        .routes(routes!(record_contract))
        .routes(routes!(record_supplement))
        .routes(routes!(record_acceptance))
        .routes(routes!(contract_performance))
        .routes(routes!(refunds, mark_refunded))
        .routes(routes!(tendering_report))
        .routes(routes!(follow_up))
        .routes(routes!(retender))
        .routes(routes!(terminate))
        .routes(routes!(file_complaint, list_complaints))
        .routes(routes!(handle_complaint))
        .routes(routes!(inbox))
        .routes(routes!(bid_package))
}

/// A lot's stage, as the domain names it.
#[derive(Serialize, ToSchema)]
#[schema(as = StageLabel)]
pub struct Stage {
    pub code: String,
    pub zh: String,
    pub en: String,
}

#[derive(Serialize, ToSchema)]
pub struct LotDetail {
    pub id: Uuid,
    pub project_id: Uuid,
    pub trade_code: String,
    pub name: String,
    pub project_name: String,
    pub region_code: String,
    pub principal_id: Uuid,
    pub agency_id: Option<Uuid>,
    pub category: String,
    pub estimated_price: i64,
    pub bid_bond: i64,
    pub max_price: Option<i64>,
    pub procedure_kind: String,
    pub procedure_zh: String,
    pub method: ggzy_core::evaluation::Method,
    pub pack_version: String,
    pub stage: Stage,
    pub waits_for: String,
    pub documents_from: Option<chrono::DateTime<chrono::Utc>>,
    pub documents_until: Option<chrono::DateTime<chrono::Utc>>,
    pub bid_deadline: Option<chrono::DateTime<chrono::Utc>>,
    pub applications_due: Option<chrono::DateTime<chrono::Utc>>,
    pub publicity_until: Option<chrono::DateTime<chrono::Utc>>,
    /// Ranked candidates once the report is in (names are published with the publicity).
    pub candidates: Vec<Uuid>,
    pub winner: Option<Uuid>,
    pub pending_objections: usize,
    /// The supervisor's suspension order in force (责令暂停): every step but objections and
    /// clarifications waits until it is lifted.
    pub held_by: Option<Uuid>,
    /// Bids standing: shown only after the opening.
    pub bids: Option<usize>,
    pub schedule: Vec<ScheduleRow>,
}

pub async fn lot_detail(s: &AppState, l: &tendering::LotRow) -> Result<LotDetail, ServiceError> {
    let st = &l.state;
    Ok(LotDetail {
        id: l.id,
        project_id: l.project_id,
        trade_code: l.trade_code.clone(),
        name: l.name.clone(),
        project_name: l.project_name.clone(),
        region_code: l.region.to_string(),
        principal_id: l.principal_id,
        agency_id: l.agency_id,
        category: l.category.clone(),
        estimated_price: l.estimated_price.fen(),
        bid_bond: l.bid_bond.fen(),
        max_price: l.max_price.map(ggzy_core::Money::fen),
        procedure_kind: st.kind.as_str().into(),
        procedure_zh: st.kind.label_zh().into(),
        method: l.method.clone(),
        pack_version: l.gp.as_ref().map_or(l.pack.version, |g| g.version).into(),
        stage: Stage {
            code: st.stage.as_str().into(),
            zh: st.stage.label_zh().into(),
            en: st.stage.label_en().into(),
        },
        waits_for: st.stage.waits_for().into(),
        documents_from: st.dates.map(|d| d.documents_from),
        documents_until: st.dates.map(|d| d.documents_until),
        bid_deadline: st.dates.map(|d| d.bid_deadline),
        applications_due: st.applications_due,
        publicity_until: st.publicity_until,
        candidates: if st.stage.opened() && st.publicity_until.is_some() {
            st.candidates.clone()
        } else {
            vec![]
        },
        winner: st.winner,
        pending_objections: st.objections.len(),
        held_by: st.held_by,
        bids: st.stage.opened().then_some(st.bidders.len()),
        schedule: schedule::for_lot(&s.db, l.id).await?,
    })
}

/// Register a project and its lots (进场登记; needs `project_register`).
#[utoipa::path(post, path = "/api/v1/projects", tag = "tendering", request_body = ProjectInput,
    responses((status = 201, body = RegisteredProject), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn register_project(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(input): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Json<RegisteredProject>)> {
    actor.require_any(Permission::ProjectRegister)?;
    Ok((
        StatusCode::CREATED,
        Json(intake::register_project(&s.db, &actor, &input, s.now()).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct LotQuery {
    /// Filter by stage code, e.g. `tendering`.
    pub stage: Option<String>,
    pub limit: Option<i64>,
}

/// Lots the actor works on: its own as principal or agency, its region's as staff or supervisor.
#[utoipa::path(get, path = "/api/v1/lots", tag = "tendering", params(LotQuery), responses((status = 200, body = Vec<LotSummary>)))]
pub async fn list_lots(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<LotQuery>,
) -> ApiResult<Json<Vec<LotSummary>>> {
    if actor.account_id.is_none() {
        return Err(ServiceError::Unauthenticated.into());
    }
    Ok(Json(
        intake::list_lots(&s.db, &actor, q.stage.as_deref(), q.limit.unwrap_or(100)).await?,
    ))
}

/// Lots whose notice is out, for everyone.
#[utoipa::path(get, path = "/api/v1/lots/public", tag = "tendering", params(LotQuery), responses((status = 200, body = Vec<LotSummary>)))]
pub async fn public_lots(
    State(s): State<AppState>,
    Query(q): Query<LotQuery>,
) -> ApiResult<Json<Vec<LotSummary>>> {
    Ok(Json(
        intake::public_lots(&s.db, q.limit.unwrap_or(50)).await?,
    ))
}

/// One lot: where it stands, its dates and schedule. Public once its notice is out.
#[utoipa::path(get, path = "/api/v1/lots/{id}", tag = "tendering", responses((status = 200, body = LotDetail), (status = 404, body = Problem)))]
pub async fn get_lot(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<LotDetail>> {
    let (lot, _) = tendering::viewer::visible(&s.db, &actor, id).await?;
    Ok(Json(lot_detail(&s, &lot).await?))
}

macro_rules! lot_post {
    ($name:ident, $path:literal, $input:ty, $out:ty, $doc:literal, |$s:ident, $a:ident, $id:ident, $i:ident| $body:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "tendering", request_body = $input,
            responses((status = 200, body = $out), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
        #[tracing::instrument(skip_all, fields(lot = %$id))]
        pub async fn $name(State($s): State<AppState>, CurrentActor($a): CurrentActor, Path($id): Path<Uuid>, ApiJson($i): ApiJson<$input>) -> ApiResult<Json<$out>> {
            Ok(Json($body))
        }
    };
}

lot_post!(
    publish_prequal_notice,
    "/api/v1/lots/{id}/prequal-notice",
    PrequalNoticeInput,
    Created,
    "Publish the prequalification notice and documents (条例 Art 16, 17).",
    |s, a, id, i| Created {
        id: notices::publish_prequal_notice(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    publish_notice,
    "/api/v1/lots/{id}/notice",
    TenderNoticeInput,
    Created,
    "Publish the tender notice and documents; the opening is scheduled at the deadline (法 Art 24).",
    |s, a, id, i| Created {
        id: notices::publish_tender_notice(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    invite,
    "/api/v1/lots/{id}/invitations",
    InviteInput,
    Done,
    "Send invitation letters to at least 3 entities (invited tender, 法 Art 17).",
    |s, a, id, i| {
        ggzy_store::regime::invite(&s.db, &a, id, &i, s.now()).await?;
        Done { ok: true }
    }
);
lot_post!(
    clarify,
    "/api/v1/lots/{id}/clarifications",
    ClarificationInput,
    Created,
    "Publish a clarification, pushed to every downloader; too late a one must move the deadline (法 Art 23).",
    |s, a, id, i| Created {
        id: notices::clarify(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    raise_objection,
    "/api/v1/lots/{id}/objections",
    ObjectionInput,
    Created,
    "Raise an objection to the documents, the opening or the result (条例 Art 22, 44, 54).",
    |s, a, id, i| Created {
        id: notices::raise_objection(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    apply_prequal,
    "/api/v1/lots/{id}/prequal-applications",
    PrequalApplication,
    Done,
    "Apply for prequalification before the application deadline.",
    |s, a, id, i| {
        notices::apply_prequal(&s.db, &a, id, &i, s.now()).await?;
        Done { ok: true }
    }
);
lot_post!(
    review_prequal,
    "/api/v1/lots/{id}/prequal-review",
    PrequalReview,
    Stage,
    "Record who passed prequalification; fewer than 3 fails the lot (条例 Art 19).",
    |s, a, id, i| {
        let st = notices::review_prequal(&s.db, &a, id, &i, s.now()).await?;
        Stage {
            code: st.as_str().into(),
            zh: st.label_zh().into(),
            en: st.label_en().into(),
        }
    }
);
lot_post!(
    ask_bidder,
    "/api/v1/lots/{id}/bidder-clarifications",
    AskInput,
    Created,
    "A committee member asks a bidder for a written clarification through the platform (法 Art 39; 条例 Art 52).",
    |s, a, id, i| Created {
        id: evaluation::ask_bidder(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    answer_bidder_clarification,
    "/api/v1/bidder-clarifications/{id}/answer",
    AnswerInput,
    Done,
    "The bidder answers a clarification request in writing, once.",
    |s, a, id, i| {
        evaluation::answer_bidder_clarification(&s.db, &a, id, &i, s.now()).await?;
        Done { ok: true }
    }
);
lot_post!(
    sign_report,
    "/api/v1/lots/{id}/report/sign",
    SignInput,
    Stage,
    "Sign the evaluation report, with dissent if any (条例 Art 53). The last signature makes it final.",
    |s, a, id, i| {
        let st = evaluation::sign_report(&s.db, &a, id, &i, s.now()).await?;
        Stage {
            code: st.as_str().into(),
            zh: st.label_zh().into(),
            en: st.label_en().into(),
        }
    }
);
lot_post!(
    start_publicity,
    "/api/v1/lots/{id}/publicity",
    PublicityInput,
    Created,
    "Publish the candidates within 3 days of the report for at least 3 days (条例 Art 54).",
    |s, a, id, i| Created {
        id: evaluation::start_publicity(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    award,
    "/api/v1/lots/{id}/award",
    AwardInput,
    Done,
    "Determine the winner after publicity; award letter and result notices go out at once (法 Art 45; 条例 Art 55).",
    |s, a, id, i| {
        evaluation::award(&s.db, &a, id, &i, s.now()).await?;
        Done { ok: true }
    }
);
lot_post!(
    record_contract,
    "/api/v1/lots/{id}/contract",
    ContractInput,
    FollowUp,
    "Record the signed contract; bond refunds fall due 5 days later (条例 Art 57).",
    |s, a, id, i| {
        evaluation::record_contract(&s.db, &a, id, &i, s.now()).await?;
        evaluation::follow_up(&s.db, id, tendering::day(s.now())).await?
    }
);
lot_post!(
    record_supplement,
    "/api/v1/lots/{id}/contract/supplements",
    performance::SupplementInput,
    Created,
    "Record and publish a supplementary contract of a procurement; together they may add at most 10% of the original (政府采购法 Art 49).",
    |s, a, id, i| Created {
        id: performance::record_supplement(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    record_acceptance,
    "/api/v1/lots/{id}/contract/acceptance",
    performance::AcceptanceInput,
    Created,
    "Record and publish the acceptance of the contract's performance, once (政府采购法实施条例 Art 45; for works the performance record).",
    |s, a, id, i| Created {
        id: performance::record_acceptance(&s.db, &a, id, &i, s.now()).await?
    }
);

/// What followed a lot's contract: its supplements, the room left under the 10% rule, and the
/// acceptance. Empty (`null`) before the contract.
#[utoipa::path(get, path = "/api/v1/lots/{id}/contract/performance", tag = "tendering",
    responses((status = 200, body = Option<performance::Performance>), (status = 404, body = Problem)))]
pub async fn contract_performance(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Option<performance::Performance>>> {
    let (lot, _) = tendering::viewer::visible(&s.db, &actor, id).await?;
    Ok(Json(performance::performance(&s.db, &lot).await?))
}

lot_post!(
    mark_refunded,
    "/api/v1/lots/{id}/refunds",
    RefundInput,
    Done,
    "Record a bond refund; `ok` is false when it was late.",
    |s, a, id, i| Done {
        ok: evaluation::mark_refunded(&s.db, &a, id, &i, s.now()).await?
    }
);
lot_post!(
    tendering_report,
    "/api/v1/lots/{id}/tendering-report",
    TenderingReportInput,
    Done,
    "Submit the tendering report to the supervising department (法 Art 47); `ok` is false when late.",
    |s, a, id, i| Done {
        ok: evaluation::submit_tendering_report(&s.db, &a, id, &i, s.now()).await?
    }
);

lot_post!(
    file_complaint,
    "/api/v1/lots/{id}/complaints",
    ComplaintInput,
    ComplaintView,
    "Complain to the supervising department within 10 days of knowing (条例 Art 60).",
    |s, a, id, i| complaints::file(&s.db, &a, id, &i, s.now()).await?
);

/// Accept (or refuse) a complaint within 3 working days, then decide it within 30 (条例 Art 61;
/// needs `supervise`). `ok` is false when the step was late.
#[utoipa::path(post, path = "/api/v1/complaints/{id}", tag = "tendering", request_body = ComplaintDecision,
    responses((status = 200, body = Done), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn handle_complaint(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ComplaintDecision>,
) -> ApiResult<Json<Done>> {
    a.require_any(Permission::Supervise)?;
    Ok(Json(Done {
        ok: complaints::handle(&s.db, &a, id, &i, s.now()).await?,
    }))
}

/// Reply to an objection; a reply to one about the documents or result lifts the suspension.
#[utoipa::path(post, path = "/api/v1/objections/{id}/reply", tag = "tendering", request_body = ReplyInput,
    responses((status = 200, body = Done), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn reply_objection(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ReplyInput>,
) -> ApiResult<Json<Done>> {
    Ok(Json(Done {
        ok: notices::reply_objection(&s.db, &a, id, &i, s.now()).await?,
    }))
}

/// Put a member's independent scores and rejection votes (条例 Art 49, 51).
#[utoipa::path(put, path = "/api/v1/lots/{id}/sheet", tag = "tendering", request_body = MemberSheet,
    responses((status = 200, body = Done), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_sheet(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<MemberSheet>,
) -> ApiResult<Json<Done>> {
    a.require_any(Permission::Evaluate)?;
    evaluation::submit_sheet(&s.db, &a, id, &i, s.now()).await?;
    Ok(Json(Done { ok: true }))
}

/// Re-tender a failed lot: a new lot linked to it.
#[utoipa::path(post, path = "/api/v1/lots/{id}/retender", tag = "tendering", responses((status = 201, body = RegisteredLot), (status = 409, body = Problem)))]
pub async fn retender(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, Json<RegisteredLot>)> {
    Ok((
        StatusCode::CREATED,
        Json(intake::retender(&s.db, &a, id, s.now()).await?),
    ))
}

/// End the procedure before the award with a termination notice (条例 Art 31; a procurement only
/// when the purchase is cancelled, 87号令 Art 29); returns the published notice.
#[utoipa::path(post, path = "/api/v1/lots/{id}/termination", tag = "tendering", request_body = ggzy_store::regime::TerminationInput,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn terminate(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ggzy_store::regime::TerminationInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = ggzy_store::regime::terminate(&s.db, &a, id, &i, s.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Open the lot by hand (centre staff) once its deadline has passed; the scheduler does it otherwise.
#[utoipa::path(post, path = "/api/v1/lots/{id}/open", tag = "tendering", responses((status = 200, body = Stage), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn open_lot(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Stage>> {
    a.require_any(Permission::IntakeProcess)?;
    let st = bids::open(&s.db, &a, id, s.now()).await?;
    Ok(Json(Stage {
        code: st.as_str().into(),
        zh: st.label_zh().into(),
        en: st.label_en().into(),
    }))
}

macro_rules! lot_get {
    ($name:ident, $path:literal, $out:ty, $doc:literal, |$s:ident, $a:ident, $id:ident| $body:expr) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "tendering", responses((status = 200, body = $out), (status = 403, body = Problem), (status = 404, body = Problem)))]
        pub async fn $name(State($s): State<AppState>, CurrentActor($a): CurrentActor, Path($id): Path<Uuid>) -> ApiResult<Json<$out>> {
            Ok(Json($body))
        }
    };
}

lot_get!(
    bidder_clarifications,
    "/api/v1/lots/{id}/bidder-clarifications",
    Vec<EvaluationClarification>,
    "Clarification requests: all to the committee and the centre, its own to a bidder.",
    |s, a, id| evaluation::bidder_clarifications(&s.db, &a, id).await?
);
lot_get!(
    list_documents,
    "/api/v1/lots/{id}/documents",
    Vec<DocumentSummary>,
    "Documents issued for a lot (titles and hashes).",
    |s, _a, id| notices::documents(&s.db, id).await?
);
lot_get!(
    download_document,
    "/api/v1/documents/{id}",
    Document,
    "Get a document; the download is recorded (电子招标投标办法 Art 20: registration is the only precondition).",
    |s, a, id| notices::download(&s.db, &a, id, s.now()).await?
);
lot_get!(
    downloaders,
    "/api/v1/lots/{id}/downloaders",
    Vec<Downloader>,
    "Who obtained the documents: before the deadline only to the principal and agency (Art 21).",
    |s, a, id| notices::downloaders(&s.db, &a, id, s.now()).await?
);
lot_get!(
    list_objections,
    "/api/v1/lots/{id}/objections",
    Vec<ObjectionView>,
    "Objections: all to the parties, one's own to a bidder.",
    |s, a, id| notices::objections(&s.db, &a, id).await?
);
lot_get!(
    list_applications,
    "/api/v1/lots/{id}/prequal-applications",
    Vec<ApplicationView>,
    "Prequalification applications.",
    |s, a, id| notices::applications(&s.db, &a, id).await?
);
lot_get!(
    my_bids,
    "/api/v1/lots/{id}/bids/mine",
    Vec<MyBid>,
    "The acting entity's own receipts for the lot.",
    |s, a, id| bids::my_bids(&s.db, &a, id).await?
);
lot_get!(
    opening_record,
    "/api/v1/lots/{id}/opening-record",
    Option<OpeningRecord>,
    "The opening record (开标记录): to the lot's bidders, parties and supervisors.",
    |s, a, id| bids::opening_record(&s.db, &a, id).await?
);
lot_get!(
    committee,
    "/api/v1/lots/{id}/committee",
    Vec<MemberView>,
    "The committee: confidential until the result is final (法 Art 37).",
    |s, a, id| evaluation::members(&s.db, &a, id).await?
);
lot_get!(
    evaluation_outcome,
    "/api/v1/lots/{id}/evaluation",
    Outcome,
    "The evaluation as it stands, for the committee, centre and supervisors.",
    |s, a, id| evaluation::outcome(&s.db, &a, id).await?
);
lot_get!(
    evaluation_report,
    "/api/v1/lots/{id}/report",
    Option<Outcome>,
    "The final evaluation report.",
    |s, a, id| evaluation::report(&s.db, &a, id).await?
);
lot_get!(
    refunds,
    "/api/v1/lots/{id}/refunds",
    Vec<RefundView>,
    "Bond refunds and their due dates.",
    |s, a, id| evaluation::refunds(&s.db, &a, id).await?
);
lot_get!(
    follow_up,
    "/api/v1/lots/{id}/follow-up",
    FollowUp,
    "Contract, report and refund due dates after the award, with what is overdue.",
    |s, _a, id| evaluation::follow_up(&s.db, id, tendering::day(s.now())).await?
);

/// Withdraw the standing bid before the deadline (法 Art 29).
#[utoipa::path(delete, path = "/api/v1/lots/{id}/bids/mine", tag = "tendering", responses((status = 200, body = Done), (status = 422, body = Problem)))]
pub async fn withdraw_bid(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Done>> {
    bids::withdraw(&s.db, &a, id, s.now()).await?;
    Ok(Json(Done { ok: true }))
}

/// Messages pushed to the acting entity.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "tendering", responses((status = 200, body = Vec<InboxItem>)))]
pub async fn inbox(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<InboxItem>>> {
    if a.account_id.is_none() {
        return Err(ServiceError::Unauthenticated.into());
    }
    Ok(Json(tendering::inbox(&s.db, &a).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PackageQuery {
    /// A file of the decrypted archive; the first bid file when omitted.
    pub file: Option<String>,
}

/// A file of a decrypted bid, after the opening only.
#[utoipa::path(get, path = "/api/v1/bids/{id}/package", tag = "tendering", params(PackageQuery), responses((status = 200, content_type = "application/octet-stream"), (status = 422, body = Problem)))]
pub async fn bid_package(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    Query(q): Query<PackageQuery>,
) -> ApiResult<Response> {
    let (_, payload) = bids::read_package(&s.db, &s.vault, &a, id).await?;
    let Some((name, bytes)) = (match &q.file {
        Some(f) => payload.files.into_iter().find(|(n, _)| n == f),
        None => payload.files.into_iter().find(|(n, _)| {
            n != ggzy_seal::envelope::FORM_FILE && n != ggzy_seal::envelope::FINGERPRINT_FILE
        }),
    }) else {
        return Err(ServiceError::NotFound("file").into());
    };
    let name = name.rsplit('/').next().unwrap_or(&name).to_string();
    let disposition = format!("attachment; filename*=UTF-8''{}", urlencode(&name));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What a bid upload carries: `envelope` (the sealed bid, made by `ggzy seal` or the page) and,
/// optionally, `fingerprint` (what the sealing tool reports about the machine).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BidUpload {
    #[schema(value_type = String, format = Binary)]
    pub envelope: Vec<u8>,
    pub fingerprint: Option<String>,
}

/// Read a bid upload: the envelope file and the optional fingerprint.
pub async fn read_bid_upload(mut mp: Multipart) -> Result<(Vec<u8>, Option<String>), ServiceError> {
    let mut envelope = None;
    let mut fingerprint = None;
    let bad = |code: &'static str, zh: &str, en: &str| {
        ServiceError::from(FieldError::new("envelope", code, zh, en))
    };
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            bad(
                "envelope.too_large",
                "投标文件超过大小上限",
                "The envelope exceeds the size limit",
            )
        } else {
            bad(
                "bid.upload_malformed",
                "上传不完整或格式错误，视为未递交（电子招标投标办法 第27条）",
                "The upload is incomplete or malformed and counts as not submitted",
            )
        }
    };
    while let Some(field) = mp.next_field().await.map_err(broken)? {
        match field.name().unwrap_or("") {
            "envelope" => envelope = Some(field.bytes().await.map_err(broken)?.to_vec()),
            "fingerprint" => fingerprint = Some(field.text().await.map_err(broken)?),
            _ => {}
        }
    }
    let envelope = envelope.filter(|e| !e.is_empty()).ok_or_else(|| {
        bad(
            "envelope.missing",
            "请选择加密后的投标文件（.ggzybid）",
            "Choose the sealed envelope (.ggzybid)",
        )
    })?;
    Ok((envelope, fingerprint))
}

/// A receipt as the upload returns it: the plain fields and the signed, offline-checkable form.
#[derive(Serialize, ToSchema)]
pub struct BidReceipt {
    #[serde(flatten)]
    pub receipt: Receipt,
    pub signed: ggzy_store::receipts::SignedReceipt,
}

/// The client fingerprint the bid tool reports, or one derived from what the browser sends.
pub fn fingerprint(reported: Option<String>, headers: &HeaderMap) -> String {
    if let Some(f) = reported.filter(|f| !f.trim().is_empty()) {
        return f.trim().chars().take(500).collect();
    }
    let h = |n: header::HeaderName| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let ua = h(header::USER_AGENT);
    let lang = h(header::ACCEPT_LANGUAGE);
    format!(
        "browser:{}",
        ggzy_seal::to_hex(&ggzy_seal::sm3(&[ua.as_bytes(), b"\n", lang.as_bytes()]))
    )
}

/// Accept an envelope and sign its receipt (shared by the API and the page).
pub async fn accept_bid(
    s: &AppState,
    a: &ggzy_store::Actor,
    lot: Uuid,
    envelope: Vec<u8>,
    origin: &Origin,
) -> Result<BidReceipt, ServiceError> {
    let clock = s.clock.clone();
    let receipt = bids::submit(&s.db, &s.vault, a, lot, envelope, origin, &move || {
        clock.now()
    })
    .await?;
    let signed = ggzy_store::receipts::attest(&s.db, &s.leaves, &s.key, &receipt, s.now()).await?;
    Ok(BidReceipt { receipt, signed })
}

/// Upload a sealed bid (multipart `envelope`) before the deadline. The platform checks format,
/// lot, opening key and signature without decrypting, stores the envelope, logs its SM3 and
/// returns a signed receipt with the log inclusion proof (电子招标投标办法 Art 26–27).
#[utoipa::path(post, path = "/api/v1/lots/{id}/bids", tag = "tendering", request_body(content = BidUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = BidReceipt), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn submit_bid(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    mp: Multipart,
) -> ApiResult<(StatusCode, Json<BidReceipt>)> {
    a.require_any(Permission::EntityManage)?;
    let (envelope, fp) = read_bid_upload(mp).await?;
    let origin = Origin {
        address: a.address.clone(),
        fingerprint: fingerprint(fp, &headers),
    };
    Ok((
        StatusCode::CREATED,
        Json(accept_bid(&s, &a, id, envelope, &origin).await?),
    ))
}

lot_get!(
    list_complaints,
    "/api/v1/lots/{id}/complaints",
    Vec<ComplaintView>,
    "Complaints with their due dates: all to the parties and supervisors, one's own to a bidder.",
    |s, a, id| complaints::list(&s.db, &a, id).await?
);

/// State the qualifications the lot requires (资格条件): each a type from the registry and the
/// lowest grade accepted. The tenderer or buyer sets them before the notice; every bid and
/// prequalification application is then checked against the bidder's registered certificates
/// valid on the closing day.
#[utoipa::path(put, path = "/api/v1/lots/{id}/qualifications", tag = "tendering",
    params(("id" = Uuid, Path, description = "The lot")), request_body = RequirementsInput,
    responses((status = 200, body = Vec<Requirement>), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn set_qualifications(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<RequirementsInput>,
) -> ApiResult<Json<Vec<Requirement>>> {
    Ok(Json(
        tendering::qualifications::set(&s.db, &a, id, &i, s.now()).await?,
    ))
}

/// The qualifications the lot requires, for whoever may see the lot.
#[utoipa::path(get, path = "/api/v1/lots/{id}/qualifications", tag = "tendering",
    params(("id" = Uuid, Path, description = "The lot")),
    responses((status = 200, body = Vec<Requirement>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn lot_qualifications(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<Requirement>>> {
    let (lot, _) = tendering::viewer::visible(&s.db, &a, id).await?;
    Ok(Json(tendering::qualifications::of(&s.db, lot.id).await?))
}
