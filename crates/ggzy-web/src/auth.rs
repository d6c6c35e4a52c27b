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
use axum::response::{IntoResponse, Response};
use ggzy_store::{Actor, ServiceError, accounts};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
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

/// The client's address. Without trusted proxies it is the socket peer. Behind proxies it is read
/// from `X-Forwarded-For` right to left: each hop appended by a configured proxy is skipped, and
/// the first hop a trusted proxy did not vouch for is the client. A client can prepend anything
/// it likes to the header, so the left end is never believed; a hop that is not an IP address
/// ends the walk. The address only goes into the log; it never grants anything.
pub fn client_address(
    parts_headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted_proxies: &[IpAddr],
) -> String {
    let Some(mut client) = peer.map(|p| p.ip()) else {
        return "unknown".into();
    };
    let hops: Vec<&str> = parts_headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        if !trusted_proxies.contains(&client) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client.to_string()
}

/// The acting user (or the public) for a request.
#[derive(Clone)]
pub struct CurrentActor(pub Actor);

/// Writes the public may make: signing in and out, registering a market entity, applying as an
/// expert, reporting a violation and following the report. Every other unsafe request needs a session, checked before its body is read.
const PUBLIC_WRITES: &[&str] = &[
    "/login",
    "/logout",
    "/register",
    "/experts/apply",
    "/api/v1/session",
    "/api/v1/entities",
    "/api/v1/experts",
    "/report",
    "/report/progress",
    "/api/v1/reports",
    "/api/v1/reports/progress",
];

async fn resolve_actor(parts: &Parts, state: &AppState) -> Actor {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let address = client_address(&parts.headers, peer, &state.config.trusted_proxies);
    match cookie(&parts.headers, SESSION_COOKIE) {
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
    }
}

/// Authenticate before the body: the actor is resolved from the headers alone, and an anonymous
/// unsafe request outside [`PUBLIC_WRITES`] is refused before a byte of its body is read or
/// parsed, so no upload parser ever runs for a stranger. Handlers then check the permission
/// itself (before they parse what they were sent) and the services check it again.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let actor = resolve_actor(&parts, &state).await;
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let path = parts.uri.path();
    if unsafe_method && !PUBLIC_WRITES.contains(&path) {
        if actor.account_id.is_none() {
            return simple(
                StatusCode::UNAUTHORIZED,
                "auth.required",
                "请先登录",
                "Sign in first",
            );
        }
        // An API write is gated on the route's permissions before its body is read.
        if path.starts_with("/api/v1/") {
            let route = parts
                .extensions
                .get::<axum::extract::MatchedPath>()
                .map(|m| m.as_str().to_string());
            let needs = route
                .as_deref()
                .and_then(|r| crate::gate::needs(&parts.method, r));
            match needs {
                Some(perms) if perms.iter().any(|p| actor.has(*p)) => {}
                Some(perms) => {
                    return crate::problem::ApiError(ServiceError::Forbidden(perms[0]))
                        .into_response();
                }
                // Unmatched routes fall through to the 404/405 answers.
                None if route.is_none() => {}
                None => {
                    return simple(
                        StatusCode::FORBIDDEN,
                        "auth.not_gated",
                        "该操作未登记权限，已拒绝",
                        "This write has no permission on record and is refused",
                    );
                }
            }
        }
    }
    parts.extensions.insert(CurrentActor(actor));
    next.run(Request::from_parts(parts, body)).await
}

impl FromRequestParts<AppState> for CurrentActor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(a) = parts.extensions.get::<CurrentActor>() {
            return Ok(a.clone());
        }
        Ok(CurrentActor(resolve_actor(parts, state).await))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn only_hops_added_by_trusted_proxies_are_believed() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let peer = Some(SocketAddr::new(proxy, 443));
        // No proxy configured: the header is ignored whatever it says.
        assert_eq!(client_address(&headers(&["system"]), peer, &[]), "10.0.0.2");
        // The proxy appended the real peer; the client prepended its wishes.
        let h = headers(&["system, 6.6.6.6", "203.0.113.7"]);
        assert_eq!(client_address(&h, peer, &[proxy]), "203.0.113.7");
        // A request that did not come through the proxy cannot use the header at all.
        let direct = Some(SocketAddr::new("198.51.100.1".parse().expect("ip"), 1));
        assert_eq!(client_address(&h, direct, &[proxy]), "198.51.100.1");
        // Two proxies in a row; a name instead of an address stops the walk at the last proxy.
        let inner: IpAddr = "10.0.0.3".parse().expect("ip");
        let h = headers(&["203.0.113.9, 10.0.0.3"]);
        assert_eq!(client_address(&h, peer, &[proxy, inner]), "203.0.113.9");
        let h = headers(&["system"]);
        assert_eq!(client_address(&h, peer, &[proxy]), "10.0.0.2");
    }
}
