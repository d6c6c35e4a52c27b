//! Land-use grants, mining rights and state property over HTTP (C9, C15): announcements,
//! applications and their deposits, bank statements, admission, the close, confirmation, result
//! and refunds; and the auction engine every one of them bids on, with its live stream.

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Created, Done, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use ggzy_store::auctions::{self, AuctionInput, AuctionView, BidAck, BidInput, BidRow};
use ggzy_store::grants::{
    self, ApplicationView, ConfirmInput, GrantDetails, GrantInput, GrantSummary, GrantView,
    ImportSummary, PeriodView, PreDisclosureInput, PreDisclosureView, QuoteAck, QuoteInput,
    QuoteView, RefundInput, ReviewInput, UnmatchedCredit,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(GrantInput, GrantDetails, GrantView, PreDisclosureInput, PreDisclosureView, GrantSummary, PeriodView, ApplicationView,
                       ReviewInput, QuoteInput, QuoteAck, QuoteView, ConfirmInput, RefundInput, StatementInput, ImportSummary, UnmatchedCredit,
                       AuctionInput, AuctionView, AdmitInput, Paddle, BidInput, BidAck, BidRow)),
    tags((name = "grants", description = "Land-use, mining-right and state-property trades with deposits (C9, C15)"),
         (name = "auctions", description = "The online auction engine: bids, live stream with resume"))
)]
pub struct GrantsDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(GrantsDoc::openapi())
        .routes(routes!(announce, list))
        .routes(routes!(pre_disclose, unclaimed_pre_disclosures))
        .routes(routes!(get_grant))
        .routes(routes!(apply, applications))
        .routes(routes!(review))
        .routes(routes!(refund))
        .routes(routes!(go_on))
        .routes(routes!(submit_quote, opened_quotes))
        .routes(routes!(confirm))
        .routes(routes!(publish_result))
        .routes(routes!(terminate))
        .routes(routes!(import_statement))
        .routes(routes!(unmatched))
        .routes(routes!(overdue))
        .routes(routes!(create_auction))
        .routes(routes!(get_auction))
        .routes(routes!(admit_bidder))
        .routes(routes!(place_bid, bids))
        .routes(routes!(events))
}

/// Announce a land-use grant, a mining-right grant or a state-property transfer. Periods, the
/// method, the price floor, pre-disclosure and filed buyer conditions are checked with their rules.
#[utoipa::path(post, path = "/api/v1/grants", tag = "grants", request_body = GrantInput,
    responses((status = 201, body = GrantView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn announce(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<GrantInput>,
) -> ApiResult<(StatusCode, Json<GrantView>)> {
    Ok((
        StatusCode::CREATED,
        Json(grants::announce(&s.db, &a, &i, s.now()).await?),
    ))
}

/// Pre-disclose a state-property transfer that hands over control (信息预披露, 32号令 Art 13):
/// within 10 working days of the approval, published under its own deal code for at least 20
/// working days before the announcement that names it.
#[utoipa::path(post, path = "/api/v1/grants/pre-disclosures", tag = "grants", request_body = PreDisclosureInput,
    responses((status = 201, body = PreDisclosureView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn pre_disclose(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<PreDisclosureInput>,
) -> ApiResult<(StatusCode, Json<PreDisclosureView>)> {
    Ok((
        StatusCode::CREATED,
        Json(grants::pre_disclose(&s.db, &a, &i, s.now()).await?),
    ))
}

/// The pre-disclosures of the caller's regions that no announcement names yet (each is public
/// as a notice; this is the announcing staff's list to choose from).
#[utoipa::path(get, path = "/api/v1/grants/pre-disclosures", tag = "grants",
    responses((status = 200, body = Vec<PreDisclosureView>), (status = 401, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn unclaimed_pre_disclosures(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<PreDisclosureView>>> {
    Ok(Json(grants::unclaimed(&s.db, &a).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct KindQuery {
    /// land_use | mining_right | state_property
    pub trade_kind: Option<String>,
}

/// Every grant, newest first (public).
#[utoipa::path(get, path = "/api/v1/grants", tag = "grants", params(KindQuery), responses((status = 200, body = Vec<GrantSummary>)))]
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<KindQuery>,
) -> ApiResult<Json<Vec<GrantSummary>>> {
    Ok(Json(grants::list(&s.db, q.trade_kind.as_deref()).await?))
}

/// One grant: terms, periods with their sources, the state, and after the close the price and
/// paddle; the winner's name once the result is published.
#[utoipa::path(get, path = "/api/v1/grants/{id}", tag = "grants", responses((status = 200, body = GrantView), (status = 404, body = Problem)))]
pub async fn get_grant(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(grants::view(&s.db, id, Some(&a), s.now()).await?))
}

/// Apply to bid; the answer carries the deposit sub-account to pay into.
#[utoipa::path(post, path = "/api/v1/grants/{id}/applications", tag = "grants",
    responses((status = 201, body = ApplicationView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn apply(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(grants::apply(&s.db, &a, id, s.now()).await?),
    ))
}

/// Applications: all for the centre (and the supervisor after the close), one's own for a bidder.
#[utoipa::path(get, path = "/api/v1/grants/{id}/applications", tag = "grants", responses((status = 200, body = Vec<ApplicationView>)))]
pub async fn applications(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(grants::applications(&s.db, &a, id, s.now()).await?))
}

/// Admit (only with the whole deposit received) or refuse an application.
#[utoipa::path(post, path = "/api/v1/grants/{id}/applications/{entity}/review", tag = "grants", request_body = ReviewInput,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn review(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path((id, entity)): Path<(Uuid, Uuid)>,
    ApiJson(i): ApiJson<ReviewInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        grants::review(&s.db, &a, id, entity, &i, s.now()).await?,
    ))
}

/// Record a deposit refund as done.
#[utoipa::path(post, path = "/api/v1/grants/{id}/applications/{entity}/refund", tag = "grants", request_body = RefundInput,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn refund(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path((id, entity)): Path<(Uuid, Uuid)>,
    ApiJson(i): ApiJson<RefundInput>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(
        grants::refund(&s.db, &a, id, entity, &i, s.now()).await?,
    ))
}

/// A listing bidder asks to go on to an auction at the close.
#[utoipa::path(post, path = "/api/v1/grants/{id}/go-on", tag = "grants",
    responses((status = 200, body = Done), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn go_on(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Done>> {
    grants::go_on(&s.db, &a, id, s.now()).await?;
    Ok(Json(Done { ok: true }))
}

/// Submit the one sealed quote of a one-quote (一次报价) trade; a repeat of the same amount
/// returns the first acknowledgement, another amount is refused.
#[utoipa::path(post, path = "/api/v1/grants/{id}/quotes", tag = "grants", request_body = QuoteInput,
    responses((status = 201, body = QuoteAck), (status = 200, description = "the earlier acknowledgement", body = QuoteAck), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn submit_quote(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<QuoteInput>,
) -> ApiResult<(StatusCode, Json<QuoteAck>)> {
    let ack = grants::quote(&s.db, &a, id, &i, s.now()).await?;
    let status = if ack.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(ack)))
}

/// The sealed quotes with their commitments, once the window has closed (refused before).
#[utoipa::path(get, path = "/api/v1/grants/{id}/quotes", tag = "grants",
    responses((status = 200, body = Vec<QuoteView>), (status = 422, body = Problem)))]
pub async fn opened_quotes(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Vec<QuoteView>>> {
    Ok(Json(grants::opened_quotes(&s.db, id, s.now()).await?))
}

/// Sign the confirmation (成交确认书); state property gives its payment terms.
#[utoipa::path(post, path = "/api/v1/grants/{id}/confirmation", tag = "grants", request_body = ConfirmInput,
    responses((status = 200, body = GrantView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn confirm(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<ConfirmInput>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(grants::confirm(&s.db, &a, id, &i, s.now()).await?))
}

/// Publish the result notice (or the 流拍 notice).
#[utoipa::path(post, path = "/api/v1/grants/{id}/result", tag = "grants",
    responses((status = 200, body = GrantView), (status = 409, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn publish_result(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<GrantView>> {
    Ok(Json(grants::publish_result(&s.db, &a, id, s.now()).await?))
}

/// End the grant while it is still bidding: the bidding stops, deposits fall due, and a
/// termination notice names the announcement it ends.
#[utoipa::path(post, path = "/api/v1/grants/{id}/termination", tag = "grants", request_body = grants::TerminationInput,
    responses((status = 201, body = Created), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(grant = %id))]
pub async fn terminate(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<grants::TerminationInput>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = grants::terminate(&s.db, &a, id, &i, s.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    /// The statement as CSV text (header row: 交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号).
    #[serde(default)]
    pub csv: Option<String>,
    /// Or the bank's XLSX export, base64-encoded (first sheet).
    #[serde(default)]
    pub xlsx_base64: Option<String>,
}

/// The rows of an uploaded statement, whichever format it came in.
pub fn statement_rows(i: &StatementInput) -> Result<Vec<Vec<String>>, ggzy_core::FieldError> {
    use base64::Engine;
    match (&i.csv, &i.xlsx_base64) {
        (Some(csv), None) => Ok(ggzy_core::deposit::csv_rows(csv)),
        (None, Some(b)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| {
                    ggzy_core::FieldError::new(
                        "xlsx_base64",
                        "deposit.base64",
                        "文件编码无效（应为 base64）",
                        "The file is not valid base64",
                    )
                })?;
            ggzy_store::xlsx::rows(&bytes)
        }
        _ => Err(ggzy_core::FieldError::new(
            "csv",
            "deposit.one_format",
            "请提供 CSV 文本或 XLSX 文件之一",
            "Give either the CSV text or the XLSX file",
        )),
    }
}

/// Import the settlement bank's statement and match each credit to its application.
#[utoipa::path(post, path = "/api/v1/deposits/statements", tag = "grants", request_body = StatementInput,
    responses((status = 200, body = ImportSummary), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn import_statement(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<StatementInput>,
) -> ApiResult<Json<ImportSummary>> {
    // Who may import is decided before the file is opened.
    a.require_any(ggzy_core::role::Permission::IntakeProcess)?;
    let rows = statement_rows(&i).map_err(ggzy_store::ServiceError::from)?;
    Ok(Json(
        grants::import_statement(&s.db, &a, &rows, s.now()).await?,
    ))
}

/// Credits that matched no application (or came from a third party), for staff to return.
#[utoipa::path(get, path = "/api/v1/deposits/unmatched", tag = "grants", responses((status = 200, body = Vec<UnmatchedCredit>), (status = 403, body = Problem)))]
pub async fn unmatched(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<UnmatchedCredit>>> {
    Ok(Json(grants::unmatched(&s.db, &a).await?))
}

/// Deposit refunds past their due day and not yet done.
#[utoipa::path(get, path = "/api/v1/deposits/overdue", tag = "grants", responses((status = 200, body = Vec<ApplicationView>), (status = 403, body = Problem)))]
pub async fn overdue(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(grants::overdue_refunds(&s.db, &a, s.now()).await?))
}

/// Set up a stand-alone auction (any catalogue item sold by auction).
#[utoipa::path(post, path = "/api/v1/auctions", tag = "auctions", request_body = AuctionInput,
    responses((status = 201, body = AuctionView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn create_auction(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(i): ApiJson<AuctionInput>,
) -> ApiResult<(StatusCode, Json<AuctionView>)> {
    let id = auctions::create(&s.db, &a, &i, s.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(auctions::view(&s.db, id, s.now()).await?),
    ))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmitInput {
    pub entity_id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct Paddle {
    pub paddle: u32,
}

/// Admit a bidder to a stand-alone auction; returns its paddle.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/bidders", tag = "auctions", request_body = AdmitInput,
    responses((status = 200, body = Paddle), (status = 403, body = Problem)))]
#[tracing::instrument(skip_all, fields(auction = %id))]
pub async fn admit_bidder(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<AdmitInput>,
) -> ApiResult<Json<Paddle>> {
    Ok(Json(Paddle {
        paddle: auctions::admit(&s.db, &a, id, i.entity_id, s.now()).await?,
    }))
}

/// The auction as anyone may watch it (paddles, never names; the reserve only after the end),
/// with the server's time.
#[utoipa::path(get, path = "/api/v1/auctions/{id}", tag = "auctions", responses((status = 200, body = AuctionView), (status = 404, body = Problem)))]
pub async fn get_auction(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let now = s.now();
    let v = auctions::view(&s.db, id, now).await?;
    Ok(([("x-server-time", now.to_rfc3339())], Json(v)))
}

/// Place a bid. The acknowledgement comes only once the bid is durable; a retry with the same
/// idempotency key returns the same acknowledgement.
#[utoipa::path(post, path = "/api/v1/auctions/{id}/bids", tag = "auctions", request_body = BidInput,
    responses((status = 201, body = BidAck), (status = 200, description = "the earlier acknowledgement of a retry", body = BidAck),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(auction = %id))]
pub async fn place_bid(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(i): ApiJson<BidInput>,
) -> ApiResult<(StatusCode, Json<BidAck>)> {
    let ack = auctions::bid(&s.db, &a, id, &i, s.clock.clone()).await?;
    if ack.replayed {
        return Ok((StatusCode::OK, Json(ack)));
    }
    s.hall.publish(
        id,
        BidRow {
            seq: ack.seq,
            paddle: i64::from(ack.paddle),
            amount: ack.amount,
            accepted_at: ack.accepted_at,
            ends_at: ack.ends_at,
        },
    );
    Ok((StatusCode::CREATED, Json(ack)))
}

#[derive(Deserialize, IntoParams)]
pub struct AfterQuery {
    /// Only bids with a greater sequence number.
    pub after: Option<i64>,
}

/// Accepted bids in order (public: paddles, never names).
#[utoipa::path(get, path = "/api/v1/auctions/{id}/bids", tag = "auctions", params(AfterQuery), responses((status = 200, body = Vec<BidRow>)))]
pub async fn bids(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<AfterQuery>,
) -> ApiResult<Json<Vec<BidRow>>> {
    Ok(Json(
        auctions::bids_after(&s.db, id, q.after.unwrap_or(0)).await?,
    ))
}

/// Live accepted bids as Server-Sent Events (`event: bid`, `id:` the sequence number). A
/// reconnecting client sends `Last-Event-ID` (or `?after=`) and first receives what it missed.
#[utoipa::path(get, path = "/api/v1/auctions/{id}/events", tag = "auctions", params(AfterQuery),
    responses((status = 200, description = "text/event-stream of accepted bids"), (status = 404, body = Problem)))]
pub async fn events(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<AfterQuery>,
    headers: HeaderMap,
) -> ApiResult<impl IntoResponse> {
    auctions::view(&s.db, id, s.now()).await?;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(q.after)
        .unwrap_or(0);
    Ok(crate::grants::hall::watch(s, id, after).await)
}
