//! Sessions, CSRF and sign-in rate limiting.
//!
//! CSRF uses the double-submit pattern: every browser gets a random `ggzy_csrf` cookie, and every
//! unsafe request must repeat it in the `X-CSRF-Token` header or a `csrf` form field. A foreign
//! site can make the browser send the cookie but cannot read it to repeat it.

use crate::problem::simple;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use ggzy_store::{Actor, ServiceError, accounts};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "ggzy_session";
pub const CSRF_COOKIE: &str = "ggzy_csrf";
pub const LANG_COOKIE: &str = "ggzy_lang";
/// Form posts are small; entity registration with 50 qualifications stays far below this.
const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Secure only when the request came over TLS (directly or via a proxy that says so), so that the
/// plain-HTTP demo on 127.0.0.1 still works.
pub fn is_tls(headers: &HeaderMap, force: bool) -> bool {
    force
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    http_only: bool,
    secure: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub fn new_token() -> String {
    let b: [u8; 24] = rand::random();
    hex::encode(b)
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when configured to
/// trust a proxy.
pub fn client_address(
    parts_headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_proxy: bool,
) -> String {
    if trust_proxy
        && let Some(v) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(first) = v.split(',').next()
    {
        return first.trim().to_string();
    }
    peer.map_or_else(|| "unknown".into(), |p| p.ip().to_string())
}

/// The acting user (or the public) for a request.
pub struct CurrentActor(pub Actor);

impl FromRequestParts<AppState> for CurrentActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        let address = client_address(&parts.headers, peer, state.config.trust_proxy);
        let actor = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(token) => {
                match accounts::session_actor(&state.db, &token, &address, state.now()).await {
                    Ok(a) => a,
                    Err(ServiceError::Unauthenticated) => Actor::public(address),
                    Err(e) => {
                        tracing::error!(error = %e, "session lookup failed");
                        Actor::public(address)
                    }
                }
            }
            None => Actor::public(address),
        };
        Ok(CurrentActor(actor))
    }
}

/// Issue the CSRF cookie on first sight and refuse unsafe requests that do not repeat it.
pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|t| t.len() >= 32 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let secure = is_tls(req.headers(), state.config.secure_cookies);
    let token = existing.clone().unwrap_or_else(new_token);
    let mut req = if unsafe_method {
        let Some(expected) = existing.as_deref() else {
            return simple(
                StatusCode::FORBIDDEN,
                "csrf.missing",
                "页面已过期，请刷新后重试",
                "The page has expired; reload it and try again",
            );
        };
        let header_token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        match header_token {
            Some(t) if constant_eq(&t, expected) => req,
            Some(_) => return csrf_refused(),
            None if is_form => {
                let (parts, body) = req.into_parts();
                let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
                    return simple(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body.too_large",
                        "提交的内容过大",
                        "The form is too large",
                    );
                };
                let ok = form_urlencoded::parse(&bytes)
                    .any(|(k, v)| k == "csrf" && constant_eq(&v, expected));
                if !ok {
                    return csrf_refused();
                }
                Request::from_parts(parts, Body::from(bytes))
            }
            // Multipart uploads (bid packages) carry the token in the form's action URL: the body
            // is too large to buffer here, and Referrer-Policy keeps the URL on this origin.
            None if req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("multipart/form-data"))
                && form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                    .any(|(k, v)| k == "csrf" && constant_eq(&v, expected)) =>
            {
                req
            }
            None => return csrf_refused(),
        }
    } else {
        req
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none() {
        if let Ok(v) = set_cookie(CSRF_COOKIE, &token, None, false, secure).parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The request's CSRF token, for forms to embed and `GET /api/v1/csrf` to hand out.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn csrf_refused() -> Response {
    simple(
        StatusCode::FORBIDDEN,
        "csrf.mismatch",
        "请求校验失败（CSRF），请刷新页面后重试",
        "The request failed its CSRF check; reload the page and try again",
    )
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A fixed-window counter per client address for sign-in attempts; the account lock-out in the
/// store is the second line.
pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// True when the attempt is allowed.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut m) = self.hits.lock() else {
            return true;
        };
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let e = m.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= self.max
    }
}
