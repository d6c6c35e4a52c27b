//! The HTTP face of ggzy: portal pages, the JSON API with its OpenAPI document, health and metrics.

pub mod auth;
pub mod construction;
pub mod credit;
pub mod disclosure;
pub mod experts;
pub mod gate;
pub mod grants;
pub mod pages;
pub mod problem;
pub mod procurement;
pub mod registry;
pub mod sealing;
pub mod state;
pub mod supervision;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_axum::router::OpenApiRouter;

pub use state::{AppState, Config};

/// JSON and form bodies above this are refused before they are read.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const APP_CSS: &str = include_str!("../static/app.css");
const FAVICON: &str = include_str!("../static/favicon.svg");
const SM_CRYPTO_JS: &str = include_str!("../static/vendor/sm-crypto-v2.js");
const SEAL_JS: &str = include_str!("../static/seal.js");
const HALL_JS: &str = include_str!("../static/hall.js");
const SUGGEST_JS: &str = include_str!("../static/suggest.js");

/// One recorder per process (tests start many apps in one process).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The whole OpenAPI document: the foundation and each capability's part.
/// The JSON API, each route registered once with its documentation: the router and the OpenAPI
/// document come from the same `routes!` calls, so they cannot drift apart.
fn api_routes() -> OpenApiRouter<AppState> {
    registry::api::router()
        .merge(construction::api::router())
        .merge(sealing::api::router())
        .merge(experts::api::router())
        .merge(procurement::api::router())
        .merge(grants::api::router())
        .merge(disclosure::api::router())
        .merge(credit::api::router())
        .merge(supervision::api::router())
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    close_flattened(api_routes().into_openapi())
}

fn close_flattened(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::schema::{AdditionalProperties, Object, Schema};
    use utoipa::openapi::{RefOr, Type};
    let Some(components) = doc.components.as_mut() else {
        return doc;
    };
    let named = components.schemas.clone();
    let object = |part: &RefOr<Schema>| -> Option<Object> {
        let schema = match part {
            RefOr::Ref(r) => named.get(r.ref_location.strip_prefix("#/components/schemas/")?)?,
            inline => inline,
        };
        match schema {
            RefOr::T(Schema::Object(o)) if o.schema_type == Type::Object.into() => Some(o.clone()),
            _ => None,
        }
    };
    let closed = |o: &Object| {
        matches!(
            o.additional_properties.as_deref(),
            Some(AdditionalProperties::FreeForm(false))
        )
    };
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        let Some(parts) = all.items.iter().map(object).collect::<Option<Vec<_>>>() else {
            continue;
        };
        if !parts.iter().any(closed) {
            continue;
        }
        let mut merged = Object::with_type(Type::Object);
        merged.description = all.description.clone();
        for p in parts {
            merged.properties.extend(p.properties);
            merged.required.extend(p.required);
        }
        merged.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        *schema = RefOr::T(Schema::Object(merged));
    }
    doc
}

pub fn app(state: AppState) -> Router {
    let (api, doc) = api_routes().split_for_parts();
    let doc = close_flattened(doc);
    Router::new()
        .merge(pages::router())
        .merge(registry::pages::router())
        .merge(construction::pages::router())
        .merge(construction::intake::router())
        .merge(construction::steps_router())
        .merge(experts::pages::router())
        .merge(procurement::pages::router())
        .merge(grants::pages::router())
        .merge(grants::steps_router())
        .merge(disclosure::pages::router())
        .merge(credit::pages::router())
        .merge(supervision::pages::router())
        .merge(api)
        .route("/api/openapi.json", get(move || async move { axum::Json(openapi()) }))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", doc))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
        .route("/static/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], APP_CSS) }))
        .route("/static/vendor/sm-crypto-v2.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], SM_CRYPTO_JS) }))
        .route("/static/seal.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], SEAL_JS) }))
        .route("/static/hall.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], HALL_JS) }))
        .route("/static/suggest.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], SUGGEST_JS) }))
        .route("/favicon.svg", get(|| async { ([(header::CONTENT_TYPE, "image/svg+xml")], FAVICON) }))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(refuse_nul))
        .layer(middleware::from_fn_with_state(state.clone(), auth::csrf))
        // Outside CSRF: a stranger's write is refused before even the form body is buffered.
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(middleware::from_fn(problem_for_rejections))
        .layer(middleware::from_fn(track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            // Swagger UI needs inline script and style; everything else is same-origin only.
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .with_state(state)
}

async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// No text ggzy keeps may hold a NUL character: PostgreSQL cannot store one, and no field has a
/// use for it. Refused here once for every query, form and JSON body (files and streamed
/// uploads are bytes, not text, and pass), so no store call meets one.
async fn refuse_nul(req: Request, next: Next) -> Response {
    let refuse = || {
        problem::simple(
            StatusCode::UNPROCESSABLE_ENTITY,
            "text.nul",
            "输入中含有空字符（NUL），请删除后重试",
            "The input holds a NUL character; remove it and try again",
        )
    };
    let uri = req.uri().to_string().to_ascii_lowercase();
    if uri.contains("%00") {
        return refuse();
    }
    let textual = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/x-www-form-urlencoded")
        });
    if !textual {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return problem::simple(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body.too_large",
            "请求体超过 1 MiB",
            "The request body is over 1 MiB",
        );
    };
    let has = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if bytes.contains(&0) || has(b"\\u0000") || has(b"%00") {
        return refuse();
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Extractor rejections (a malformed id in the path, a non-numeric query parameter) come from axum
/// as plain text; under `/api` they become problem+json like every other refusal.
async fn problem_for_rejections(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/v1");
    let res = next.run(req).await;
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(is_api && plain && res.status().is_client_error()) {
        return res;
    }
    let status = res.status();
    let text = axum::body::to_bytes(res.into_body(), 16 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).to_string();
    let code = if status == StatusCode::METHOD_NOT_ALLOWED {
        "method.not_allowed"
    } else {
        "request.invalid"
    };
    let mut r = problem::simple(
        status,
        code,
        &format!("请求格式不正确：{detail}"),
        &format!("The request is malformed: {detail}"),
    );
    *r.status_mut() = status;
    r
}

async fn healthz(State(s): State<AppState>) -> Response {
    match ggzy_store::events::size(&s.db).await {
        Ok(n) => axum::Json(
            serde_json::json!({ "status": "ok", "database": s.db.backend(), "events": n, "now": s.now() }),
        )
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

async fn metrics_page(State(s): State<AppState>) -> Response {
    if let Ok(n) = ggzy_store::events::size(&s.db).await {
        metrics::gauge!("ggzy_events").set(n as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
        .into_response()
}

/// Serve until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
