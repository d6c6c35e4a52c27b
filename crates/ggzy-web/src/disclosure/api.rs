//! The disclosure API: search, one notice, one deal, the catalogue, the feed and suggestions.
//! Everything here but the catalogue edit is public: a notice is published to be read.

use super::{cursor_of, seq_of};
use crate::auth::CurrentActor;
use crate::problem::{ApiError, ApiJson, Created, Problem};
use crate::registry::api::LogEventView;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use ggzy_core::FieldError;
use ggzy_core::deal::{KeyDate, KeyDateKind};
use ggzy_core::notice::Fragment;
use ggzy_core::region::DivisionCode;
use ggzy_store::notices::{
    self, FacetCount, Facets, FeedFilter, HitRow, NoticeKind, NoticeKindEdit, NoticeKindView,
    PublicNotice, SearchHit, SearchQuery, SearchResult, Suggestion,
};
use ggzy_store::regime::correct_notice;
use ggzy_store::regime::deal::{self, DealLife};
use ggzy_store::tendering::notices::CorrectionInput;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    components(schemas(CorrectionInput, PublicNotice, SearchResult, SearchHit, HitRow, Fragment, Facets, FacetCount, NoticeKindView, NoticeKind, NoticeKindEdit, Suggestion, NoticeDetail, Deal, KeyDate, KeyDateKind, FeedPage)),
    tags((name = "disclosure", description = "信息公开: every notice of every trade, searchable, with its deal and its place in the log"))
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search))
        .routes(routes!(feed))
        .routes(routes!(daily))
        .routes(routes!(notice))
        .routes(routes!(correct))
        .routes(routes!(deal))
        .routes(routes!(catalogue))
        .routes(routes!(update_catalogue))
        .routes(routes!(suggest))
}

/// Search every published notice by Chinese words (segmented, not substrings), with filters,
/// facets and highlighted snippets.
#[utoipa::path(get, path = "/api/v1/notices", tag = "disclosure", params(SearchQuery), responses((status = 200, body = SearchResult), (status = 422, body = Problem)))]
pub async fn search(
    State(s): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<SearchResult>> {
    Ok(Json(notices::search(&s.db, &q).await?))
}

#[derive(Serialize, ToSchema)]
pub struct NoticeDetail {
    #[serde(flatten)]
    pub notice: PublicNotice,
    /// Later notices that correct or end this one, oldest first.
    pub corrections: Vec<PublicNotice>,
}

/// One notice as published, with the notices that changed it since.
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "disclosure", params(("id" = uuid::Uuid, Path)), responses((status = 200, body = NoticeDetail), (status = 404, body = Problem)))]
pub async fn notice(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
) -> ApiResult<Json<NoticeDetail>> {
    Ok(Json(NoticeDetail {
        notice: notices::get(&s.db, id).await?,
        corrections: notices::corrections_of(&s.db, id).await?,
    }))
}

/// Correct a published lot notice (its tenderer or buyer): a new notice linked to it, which the
/// original's page and the deal's timeline show; the original is never edited.
#[utoipa::path(post, path = "/api/v1/notices/{id}/corrections", tag = "disclosure", params(("id" = uuid::Uuid, Path)), request_body = CorrectionInput, responses((status = 201, body = Created), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn correct(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<CorrectionInput>,
) -> ApiResult<(axum::http::StatusCode, Json<Created>)> {
    let id = correct_notice(&s.db, &actor, id, &input, s.now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct Deal {
    /// 统一交易标识码 (a lot's trade code, `G…` for a grant, `GY…` for a pre-disclosure).
    pub deal_code: String,
    /// Every notice of the deal in the order published.
    pub notices: Vec<PublicNotice>,
    /// The dates its notices set (deadlines, opening, publicity, bidding), in time order.
    pub dates: Vec<KeyDate>,
    /// The log's events about the deal, oldest first, as the public log shows them: each can be
    /// proved with `/api/v1/log/proof/inclusion`.
    pub log: Vec<LogEventView>,
}

impl Deal {
    pub fn of(deal_code: String, life: DealLife) -> Self {
        Self {
            deal_code,
            notices: life.notices,
            dates: life.dates,
            log: life.events.into_iter().map(LogEventView::public).collect(),
        }
    }
}

/// A deal's whole public life, by its code.
#[utoipa::path(get, path = "/api/v1/deals/{code}", tag = "disclosure", params(("code" = String, Path)), responses((status = 200, body = Deal), (status = 404, body = Problem)))]
pub async fn deal(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Deal>> {
    let life = deal::life(&s.db, &code, s.now()).await?;
    Ok(Json(Deal::of(code, life)))
}

/// The disclosure catalogue (信息公开目录): each notice kind of each trade with its required
/// content, when it is published, how long it runs and its basis.
#[utoipa::path(get, path = "/api/v1/disclosure/catalogue", tag = "disclosure", responses((status = 200, body = Vec<NoticeKindView>)))]
pub async fn catalogue(State(s): State<AppState>) -> ApiResult<Json<Vec<NoticeKindView>>> {
    Ok(Json(notices::catalogue(&s.db).await?))
}

/// Change one line of the catalogue (needs `config_admin`); it holds from the next notice.
#[utoipa::path(put, path = "/api/v1/disclosure/catalogue/{trade_kind}/{code}", tag = "disclosure", params(("trade_kind" = String, Path), ("code" = String, Path)), request_body = NoticeKindEdit, responses((status = 200, body = NoticeKindView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_catalogue(
    State(s): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path((trade_kind, code)): Path<(String, String)>,
    ApiJson(edit): ApiJson<NoticeKindEdit>,
) -> ApiResult<Json<NoticeKindView>> {
    Ok(Json(
        notices::update_kind(&s.db, &actor, &trade_kind, &code, &edit, s.now()).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Where the last page ended (`next_cursor`); none for the beginning.
    pub cursor: Option<String>,
    pub trade_kind: Option<String>,
    pub notice_kind: Option<String>,
    /// A division code: the region and its branches.
    pub region: Option<String>,
    /// At most 500.
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<PublicNotice>,
    /// Ask again with this to get what was published since; it never skips or repeats a notice.
    pub next_cursor: String,
}

impl FeedQuery {
    pub(crate) fn filter(&self) -> Result<(Option<i64>, FeedFilter), ApiError> {
        let blank = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        let mut errs = ggzy_core::Invalid::default();
        let after = match blank(&self.cursor) {
            None => None,
            Some(c) => {
                let seq = seq_of(&c);
                if seq.is_none() {
                    errs.push(FieldError::new(
                        "cursor",
                        "feed.bad_cursor",
                        "游标无效：请使用上一页返回的 next_cursor",
                        "Not a cursor: pass the next_cursor of the previous page",
                    ));
                }
                seq
            }
        };
        let region = blank(&self.region).and_then(|r| {
            DivisionCode::parse("region", &r)
                .map_err(|e| errs.push(e))
                .ok()
        });
        let f = FeedFilter {
            trade_kind: blank(&self.trade_kind),
            notice_kind: blank(&self.notice_kind),
            region,
        };
        errs.into_result(())
            .map_err(|e| ApiError(ggzy_store::ServiceError::Invalid(e)))?;
        Ok((after, f))
    }
}

/// Notices in the order they were published, after a cursor: poll it to mirror every notice.
#[utoipa::path(get, path = "/api/v1/notices/feed", tag = "disclosure", params(FeedQuery), responses((status = 200, body = FeedPage), (status = 422, body = Problem)))]
pub async fn feed(
    State(s): State<AppState>,
    Query(q): Query<FeedQuery>,
) -> ApiResult<Json<FeedPage>> {
    let (after, f) = q.filter()?;
    let items = notices::feed(&s.db, after, &f, q.limit.unwrap_or(100)).await?;
    let next = items.last().map(|n| n.seq).or(after);
    Ok(Json(FeedPage {
        next_cursor: next.map(cursor_of).unwrap_or_default(),
        items,
    }))
}

/// Everything published on one day (Beijing time), one JSON notice per line, for bulk copies.
#[utoipa::path(get, path = "/api/v1/notices/daily/{day}", tag = "disclosure", params(("day" = String, Path, description = "YYYY-MM-DD, Beijing time")), responses((status = 200, content_type = "application/x-ndjson", body = String), (status = 404, body = Problem)))]
pub async fn daily(
    State(s): State<AppState>,
    Path(day): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let Ok(d) = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
        return Err(ggzy_store::ServiceError::NotFound("day").into());
    };
    let mut out = String::new();
    for n in notices::published_on(&s.db, d, 100_000).await? {
        out.push_str(&serde_json::to_string(&n).unwrap_or_default());
        out.push('\n');
    }
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/x-ndjson; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"notices-{d}.jsonl\""),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    pub q: String,
}

/// Companies and published projects whose names contain `q`, for the search box.
#[utoipa::path(get, path = "/api/v1/suggest", tag = "disclosure", params(SuggestQuery), responses((status = 200, body = Vec<Suggestion>)))]
pub async fn suggest(
    State(s): State<AppState>,
    Query(q): Query<SuggestQuery>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    Ok(Json(notices::suggest(&s.db, &q.q).await?))
}
