//! Sealed bids over HTTP: keys people register, custody policies, each lot's opening key,
//! custodians' shares and the opening transcript (C10).

use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ggzy_core::region::DivisionCode;
use ggzy_store::tendering::sealing::{
    self, CustodianView, CustodyPolicy, CustodyTask, KeyInput, OpeningKeyView, PartyKeyView,
    SealedShare, ShareInput, ShareOutcome, Transcript, TranscriptLine,
};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(KeyInput, PartyKeyView, CustodyPolicy, OpeningKeyView, CustodianView, CustodyTask, SealedShare, ShareInput, ShareOutcome,
                       Transcript, TranscriptLine, Revoked)),
    tags((name = "sealing", description = "Sealed bids: keys, k-of-n custody of opening keys, shares and the opening transcript (C10)"))
)]
pub struct SealingDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(SealingDoc::openapi())
        .routes(routes!(register_key, my_keys))
        .routes(routes!(revoke_key))
        .routes(routes!(set_policy))
        .routes(routes!(opening_key))
        .routes(routes!(my_custody))
        .routes(routes!(sealed_share, submit_share))
        .routes(routes!(transcript))
}

/// Register one's SM2 public key: `bid_signing` for a bidder's envelopes, `custody` to receive
/// opening-key shares. The private key never reaches the platform.
#[utoipa::path(post, path = "/api/v1/keys", tag = "sealing", request_body = KeyInput,
    responses((status = 201, body = PartyKeyView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all)]
pub async fn register_key(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<(StatusCode, Json<PartyKeyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(sealing::register_key(&s.db, &a, &input, s.now()).await?),
    ))
}

/// One's registered keys, newest first.
#[utoipa::path(get, path = "/api/v1/keys", tag = "sealing", responses((status = 200, body = Vec<PartyKeyView>), (status = 401, body = Problem)))]
pub async fn my_keys(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<PartyKeyView>>> {
    Ok(Json(sealing::my_keys(&s.db, &a).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    pub revoked: String,
}

/// Revoke one's key (a lost or replaced key): envelopes signed with it are refused from now on.
#[utoipa::path(delete, path = "/api/v1/keys/{public_key}", tag = "sealing", responses((status = 200, body = Revoked), (status = 404, body = Problem)))]
pub async fn revoke_key(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(public_key): Path<String>,
) -> ApiResult<Json<Revoked>> {
    sealing::revoke_key(&s.db, &a, &public_key, s.now()).await?;
    Ok(Json(Revoked {
        revoked: public_key,
    }))
}

/// Set a region's custody threshold and postponement wait (configuration administrators).
#[utoipa::path(put, path = "/api/v1/regions/{code}/custody-policy", tag = "sealing", request_body = CustodyPolicy,
    responses((status = 200, body = CustodyPolicy), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_policy(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(code): Path<String>,
    ApiJson(policy): ApiJson<CustodyPolicy>,
) -> ApiResult<Json<CustodyPolicy>> {
    let region = DivisionCode::parse("code", &code).map_err(ggzy_store::ServiceError::from)?;
    sealing::set_policy(&s.db, &a, &region, &policy, s.now()).await?;
    Ok(Json(policy))
}

/// A lot's opening public key, its commitments and custodians: public, like the notice.
#[utoipa::path(get, path = "/api/v1/lots/{id}/opening-key", tag = "sealing", responses((status = 200, body = OpeningKeyView), (status = 404, body = Problem)))]
pub async fn opening_key(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OpeningKeyView>> {
    Ok(Json(sealing::opening_key(&s.db, id).await?.ok_or(
        ggzy_store::ServiceError::NotFound("opening key"),
    )?))
}

/// The shares one holds: a custodian's workspace.
#[utoipa::path(get, path = "/api/v1/custody", tag = "sealing", responses((status = 200, body = Vec<CustodyTask>), (status = 401, body = Problem)))]
pub async fn my_custody(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
) -> ApiResult<Json<Vec<CustodyTask>>> {
    Ok(Json(sealing::my_custody(&s.db, &a).await?))
}

/// One's share for a lot, still encrypted to one's custody key; released after the deadline only.
#[utoipa::path(get, path = "/api/v1/lots/{id}/custody/share", tag = "sealing",
    responses((status = 200, body = SealedShare), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn sealed_share(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<SealedShare>> {
    Ok(Json(sealing::sealed_share(&s.db, &a, id, s.now()).await?))
}

/// Submit one's decrypted share after the deadline; the k-th valid share opens the lot.
#[utoipa::path(post, path = "/api/v1/lots/{id}/custody/share", tag = "sealing", request_body = ShareInput,
    responses((status = 200, body = ShareOutcome), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[tracing::instrument(skip_all, fields(lot = %id))]
pub async fn submit_share(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<ShareInput>,
) -> ApiResult<Json<ShareOutcome>> {
    let clock = s.clock.clone();
    Ok(Json(
        sealing::submit_share(&s.db, &s.vault, &a, id, &input, &move || clock.now()).await?,
    ))
}

/// The opening transcript: each envelope's logged hash, its decrypted archive's hash and result.
#[utoipa::path(get, path = "/api/v1/lots/{id}/opening-transcript", tag = "sealing", responses((status = 200, body = Transcript), (status = 404, body = Problem)))]
pub async fn transcript(
    State(s): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<Transcript>> {
    Ok(Json(sealing::transcript(&s.db, id).await?.ok_or(
        ggzy_store::ServiceError::NotFound("opening transcript"),
    )?))
}
