//! Server-rendered portal pages: Chinese by default, English by a cookie switch. Every page works
//! without JavaScript; forms post back with the CSRF token and re-render with field messages.

use crate::auth::{
    CsrfToken, CurrentActor, LANG_COOKIE, SESSION_COOKIE, cookie, is_tls, set_cookie,
};
use crate::problem::ApiError;
use crate::registry::api::{NoticesByKind, do_login, me_of, notices_by_kind};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ggzy_core::account::UserInput;
use ggzy_core::entity::{EntityInput, QualificationInput};
use ggzy_core::role::{ALL_ROLES, Permission, Role};
use ggzy_core::{FieldError, Invalid};
use ggzy_store::accounts::{self, AccountView, LoginInput, StaffAccountInput};
use ggzy_store::entities::{self, EntityView, RegistrationInput};
use ggzy_store::events::{self, StoredEvent, TreeHead};
use ggzy_store::regions::{self, Region};
use ggzy_store::{Actor, ServiceError, calendar};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout_submit))
        .route("/register", get(register_page).post(register_submit))
        .route("/workspace", get(workspace))
        .route("/workspace/accounts", post(create_account_submit))
        .route("/workspace/qualifications", post(add_qualification_submit))
        .route("/workspace/calendar", post(calendar_submit))
        .route("/lang", get(switch_lang))
}

/// Shared by every page: language, CSRF token, who is signed in.
#[derive(Clone)]
pub struct Layout {
    pub en: bool,
    pub csrf: String,
    pub user: Option<String>,
    pub roles: String,
    pub path: &'static str,
    /// The viewer supervises or audits somewhere: the navigation offers the alerts.
    pub supervises: bool,
}

/// What every page handler starts from: the acting user and the page's layout (language, CSRF
/// token, the user and their roles), read from the request once. `at` names the navigation entry.
pub(crate) struct Visit {
    pub a: Actor,
    pub l: Layout,
}

impl Visit {
    pub(crate) fn at(mut self, path: &'static str) -> Visit {
        self.l.path = path;
        self
    }
}

impl axum::extract::FromRequestParts<AppState> for Visit {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentActor(a) = CurrentActor::from_request_parts(parts, state).await?;
        // The CSRF middleware runs before every page and leaves its token here.
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or(CsrfToken(String::new()));
        let l = Layout::new(&parts.headers, &csrf, &a, "");
        Ok(Visit { a, l })
    }
}

impl Layout {
    pub(crate) fn new(
        headers: &HeaderMap,
        csrf: &CsrfToken,
        actor: &Actor,
        path: &'static str,
    ) -> Self {
        let en = cookie(headers, LANG_COOKIE).as_deref() == Some("en");
        let roles = actor
            .roles()
            .iter()
            .map(|r| if en { r.label_en() } else { r.label_zh() })
            .collect::<Vec<_>>()
            .join("、");
        Self {
            en,
            csrf: csrf.0.clone(),
            user: actor.display_name.clone(),
            roles,
            path,
            supervises: actor.has(ggzy_core::role::Permission::Supervise)
                || actor.has(ggzy_core::role::Permission::AuditRead),
        }
    }

    /// Pick the text for the page's language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { zh }
    }

    pub fn is(&self, p: &str) -> bool {
        self.path == p
    }
}

/// A page that may carry a refused form: 422 when it does, so tools and tests see the refusal.
pub(crate) fn render_form(t: &impl Template, refused: bool) -> Response {
    let mut r = render(t);
    if refused {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

pub(crate) fn error_page(l: Layout, status: StatusCode, e: ServiceError) -> Response {
    let p = ApiError(e).problem();
    let page = ErrorPage {
        message: if l.en { p.message_en } else { p.message_zh },
        code: p.code,
        l,
    };
    let mut r = render(&page);
    *r.status_mut() = status;
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    message: String,
    code: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    kinds: Vec<NoticesByKind>,
    entity_count: i64,
    event_count: i64,
    head: Option<TreeHead>,
}

async fn home(State(s): State<AppState>, visit: Visit) -> Response {
    let l = visit.at("home").l;
    let data = async {
        Ok::<_, ApiError>((
            notices_by_kind(&s).await?,
            entities::count(&s.db).await?,
            events::size(&s.db).await?,
            events::latest_head(&s.db).await?,
        ))
    };
    match data.await {
        Ok((kinds, entity_count, event_count, head)) => render(&HomePage {
            l,
            kinds,
            entity_count,
            event_count,
            head,
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e.0),
    }
}

struct DemoLine {
    username: String,
    role: String,
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    username: String,
    error: Option<String>,
    notice: Option<String>,
    demo: Vec<DemoLine>,
    demo_password: String,
}

#[derive(Deserialize)]
struct LoginQuery {
    registered: Option<String>,
}

fn login_page_for(
    s: &AppState,
    l: Layout,
    username: String,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let now = s.now().timestamp().max(0) as u64;
    let demo = s
        .demo
        .as_ref()
        .map(|d| {
            d.accounts
                .iter()
                .map(|a| DemoLine {
                    username: a.username.clone(),
                    role: l.t(a.role.label_zh(), a.role.label_en()).to_string(),
                    code: a
                        .totp_secret
                        .as_deref()
                        .and_then(|sec| accounts::totp::code_at(sec, now)),
                })
                .collect()
        })
        .unwrap_or_default();
    render(&LoginPage {
        l,
        username,
        error,
        notice,
        demo,
        demo_password: s
            .demo
            .as_ref()
            .map(|d| d.password.clone())
            .unwrap_or_default(),
    })
}

async fn login_page(
    State(s): State<AppState>,
    visit: Visit,
    Query(q): Query<LoginQuery>,
) -> Response {
    let l = visit.at("login").l;
    let notice = q.registered.map(|u| {
        format!(
            "{}{u}",
            l.t(
                "注册成功，请用新账号登录：",
                "Registered. Sign in with your new account: "
            )
        )
    });
    login_page_for(&s, l, String::new(), None, notice)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
}

async fn login_submit(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Extension(c): Extension<CsrfToken>,
    h: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let input = LoginInput {
        username: f.username.clone(),
        password: f.password,
        totp: f.totp,
    };
    match do_login(&s, &a.address, &h, &input).await {
        Ok((cookie_header, _)) => (
            [(header::SET_COOKIE, cookie_header)],
            Redirect::to("/workspace"),
        )
            .into_response(),
        Err(p) => {
            let l = Layout::new(&h, &c, &a, "login");
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNAUTHORIZED);
            let msg = if l.en { p.message_en } else { p.message_zh };
            let mut r = login_page_for(&s, l, f.username, Some(msg), None);
            *r.status_mut() = status;
            r
        }
    }
}

async fn logout_submit(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    h: HeaderMap,
) -> Response {
    if let Some(token) = cookie(&h, SESSION_COOKIE)
        && let Err(e) = accounts::logout(&s.db, &token, &a, s.now()).await
    {
        return ApiError(e).into_response();
    }
    let clear = set_cookie(
        SESSION_COOKIE,
        "",
        Some(0),
        true,
        is_tls(&h, s.config.secure_cookies),
    );
    ([(header::SET_COOKIE, clear)], Redirect::to("/")).into_response()
}

/// The value of one form field ("" when absent).
fn form_value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Form values and field errors, keyed by the same dotted names the API reports.
#[derive(Default)]
struct FormState {
    values: HashMap<String, String>,
    errors: HashMap<String, (String, String)>,
}

impl FormState {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let values = pairs
            .iter()
            .filter(|(k, _)| !k.contains("password") && k != "csrf")
            .cloned()
            .collect();
        Self {
            values,
            errors: HashMap::new(),
        }
    }
    fn with_errors(mut self, i: &Invalid) -> Self {
        for e in &i.0 {
            self.errors
                .entry(e.field.clone())
                .or_insert((e.message_zh.clone(), e.message_en.clone()));
        }
        self
    }
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    form: FormState,
    regions: Vec<Region>,
    rows: Vec<usize>,
}

impl RegisterPage {
    fn val(&self, k: &str) -> &str {
        self.form.values.get(k).map_or("", String::as_str)
    }
    fn q(&self, i: &usize, k: &str) -> String {
        format!("entity.qualifications[{i}].{k}")
    }
    fn qval(&self, i: &usize, k: &str) -> &str {
        self.val(&self.q(i, k))
    }
    fn err(&self, k: &str) -> &str {
        self.form
            .errors
            .get(k)
            .map_or("", |(zh, en)| if self.l.en { en } else { zh })
    }
    fn qerr(&self, i: &usize, k: &str) -> &str {
        self.err(&self.q(i, k))
    }
    fn has_errors(&self) -> bool {
        !self.form.errors.is_empty()
    }
}

const QUAL_ROWS: usize = 3;

async fn register_page(State(s): State<AppState>, visit: Visit) -> Response {
    let l = visit.at("register").l;
    match regions::list(&s.db).await {
        Ok(regions) => render(&RegisterPage {
            l,
            form: FormState::default(),
            regions,
            rows: (0..QUAL_ROWS).collect(),
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

fn registration_from_form(pairs: &[(String, String)]) -> (RegistrationInput, Option<FieldError>) {
    let get = |k: &str| form_value(pairs, k);
    let qualifications = (0..QUAL_ROWS)
        .map(|i| {
            let f = |k: &str| get(&format!("entity.qualifications[{i}].{k}"));
            QualificationInput {
                name: f("name"),
                grade: f("grade"),
                certificate_no: f("certificate_no"),
                issuer: f("issuer"),
                valid_from: f("valid_from"),
                valid_until: f("valid_until"),
            }
        })
        // A row left blank is not a qualification; a half-filled one is, and gets its messages.
        .filter(|q| {
            [
                &q.name,
                &q.grade,
                &q.certificate_no,
                &q.issuer,
                &q.valid_from,
                &q.valid_until,
            ]
            .iter()
            .any(|v| !v.trim().is_empty())
        })
        .collect();
    let input = RegistrationInput {
        entity: EntityInput {
            uscc: get("entity.uscc"),
            name: get("entity.name"),
            kind: get("entity.kind"),
            legal_representative: get("entity.legal_representative"),
            region_code: get("entity.region_code"),
            address: get("entity.address"),
            contact_name: get("entity.contact_name"),
            contact_phone: get("entity.contact_phone"),
            contact_email: get("entity.contact_email"),
            qualifications,
        },
        user: UserInput {
            username: get("user.username"),
            display_name: get("user.display_name"),
            password: get("user.password"),
        },
    };
    let mismatch = (get("user.password") != get("user.password_confirm")).then(|| {
        FieldError::new(
            "user.password_confirm",
            "password.mismatch",
            "两次输入的密码不一致",
            "The passwords do not match",
        )
    });
    (input, mismatch)
}

async fn register_submit(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    Extension(c): Extension<CsrfToken>,
    h: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (input, mismatch) = registration_from_form(&pairs);
    let result = match mismatch {
        Some(e) => Err(ServiceError::Invalid(e.into())),
        None => entities::register(&s.db, &a, &input, s.now()).await,
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/login?registered={}",
            input.user.username.trim().to_ascii_lowercase()
        ))
        .into_response(),
        Err(ServiceError::Invalid(i)) => {
            let l = Layout::new(&h, &c, &a, "register");
            let regions = regions::list(&s.db).await.unwrap_or_default();
            let form = FormState::from_pairs(&pairs).with_errors(&i);
            let mut r = render(&RegisterPage {
                l,
                form,
                regions,
                rows: (0..QUAL_ROWS).collect(),
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(
            Layout::new(&h, &c, &a, "register"),
            StatusCode::INTERNAL_SERVER_ERROR,
            e,
        ),
    }
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    l: Layout,
    me: crate::registry::api::Me,
    entity: Option<EntityView>,
    accounts: Vec<AccountView>,
    events: Vec<StoredEvent>,
    regions: Vec<Region>,
    assignable: Vec<Role>,
    calendar_text: String,
    show_admin: bool,
    show_audit: bool,
    show_registry: bool,
    is_expert: bool,
    is_custodian: bool,
    is_principal: bool,
    form: FormState,
    flash: Option<String>,
}

impl WorkspacePage {
    fn val(&self, k: &str) -> &str {
        self.form.values.get(k).map_or("", String::as_str)
    }
    fn err(&self, k: &str) -> &str {
        self.form
            .errors
            .get(k)
            .map_or("", |(zh, en)| if self.l.en { en } else { zh })
    }
    fn role_label(&self, r: &Role) -> &'static str {
        if self.l.en {
            r.label_en()
        } else {
            r.label_zh()
        }
    }
}

async fn workspace_page(
    s: &AppState,
    a: &Actor,
    l: Layout,
    form: FormState,
    flash: Option<String>,
) -> Result<Response, ServiceError> {
    let today = s.now().date_naive();
    let entity = match a.entity_id {
        Some(id) => Some(entities::get(&s.db, a, id, today).await?),
        None => None,
    };
    let show_admin = a.has(Permission::AccountAdmin);
    let show_audit = a.has(Permission::AuditRead) || a.has(Permission::Supervise);
    let accounts = if show_admin {
        accounts::list_accounts(&s.db, a).await?
    } else {
        vec![]
    };
    let events = if show_audit {
        events::list(&s.db, None, None, 30).await?
    } else {
        vec![]
    };
    let calendar_text = if a.has(Permission::ConfigAdmin) {
        calendar::load(&s.db)
            .await?
            .special_days()
            .map(|d| format!("{} {} {}", d.day, d.kind.as_str(), d.name))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        String::new()
    };
    let roles = a.roles();
    let page = WorkspacePage {
        me: me_of(a),
        entity,
        accounts,
        events,
        regions: regions::list(&s.db).await?,
        assignable: ALL_ROLES
            .into_iter()
            .filter(|r| !r.self_service())
            .collect(),
        calendar_text,
        show_admin,
        show_audit,
        show_registry: a.has(Permission::RegistryRead),
        is_expert: roles.contains(&Role::Expert),
        is_custodian: roles.contains(&Role::Custodian),
        is_principal: roles.contains(&Role::Principal) || roles.contains(&Role::Agency),
        form,
        flash,
        l,
    };
    Ok(render(&page))
}

async fn workspace(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("workspace");
    if a.account_id.is_none() {
        return Redirect::to("/login").into_response();
    }
    let fallback = l.clone();
    workspace_page(&s, &a, l, FormState::default(), None)
        .await
        .unwrap_or_else(|e| error_page(fallback, StatusCode::INTERNAL_SERVER_ERROR, e))
}

/// After a workspace form: re-render with the outcome, or a 403/401 page naming what is missing.
async fn after_form(
    s: &AppState,
    a: &Actor,
    l: Layout,
    pairs: &[(String, String)],
    r: Result<String, ServiceError>,
) -> Response {
    let (form, flash, status) = match r {
        Ok(msg) => (FormState::default(), Some(msg), StatusCode::OK),
        Err(ServiceError::Invalid(i)) => (
            FormState::from_pairs(pairs).with_errors(&i),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            return forbidden_page(l, a, ApiError(e).problem().status);
        }
        Err(e @ ServiceError::NotFound(_)) => return error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let fallback = l.clone();
    match workspace_page(s, a, l, form, flash).await {
        Ok(mut r) => {
            *r.status_mut() = status;
            r
        }
        Err(e) => error_page(fallback, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

pub(crate) fn forbidden_page(l: Layout, a: &Actor, status: u16) -> Response {
    let (zh, en) = if a.account_id.is_none() {
        ("请先登录", "Please sign in first")
    } else {
        (
            "当前账号没有执行此操作的权限",
            "This account lacks the permission for this action",
        )
    };
    let page = ErrorPage {
        message: l.t(zh, en).into(),
        code: if status == 401 {
            "auth.required".into()
        } else {
            "forbidden".into()
        },
        l,
    };
    let mut r = render(&page);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    r
}

async fn create_account_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("workspace");
    let get = |k: &str| form_value(&pairs, k);
    let input = StaffAccountInput {
        username: get("username"),
        display_name: get("display_name"),
        password: get("password"),
        role: get("role"),
        region_code: get("region_code"),
    };
    let en = l.en;
    if let Err(e) = a.require_any(Permission::AccountAdmin) {
        return after_form(&s, &a, l, &pairs, Err(e)).await;
    }
    let r = accounts::create_staff_account(&s.db, &a, &input, s.now())
        .await
        .map(|created| {
            let secret = created
                .totp_secret
                .map(|sec| {
                    if en {
                        format!(" TOTP secret (shown once): {sec}")
                    } else {
                        format!(" 动态口令密钥（仅显示一次）：{sec}")
                    }
                })
                .unwrap_or_default();
            if en {
                format!("Account {} created.{secret}", created.username)
            } else {
                format!("已创建账号 {}。{secret}", created.username)
            }
        });
    after_form(&s, &a, l, &pairs, r).await
}

async fn add_qualification_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("workspace");
    let get = |k: &str| form_value(&pairs, k);
    let input = QualificationInput {
        name: get("name"),
        grade: get("grade"),
        certificate_no: get("certificate_no"),
        issuer: get("issuer"),
        valid_from: get("valid_from"),
        valid_until: get("valid_until"),
    };
    let r = match a
        .require_any(Permission::EntityManage)
        .map(|()| a.entity_id)
    {
        Err(e) => Err(e),
        Ok(Some(id)) => entities::add_qualification(&s.db, &a, id, &input, s.now())
            .await
            .map(|_| "已添加资质 / Qualification added".to_string()),
        Ok(None) => Err(ServiceError::Forbidden(Permission::EntityManage)),
    };
    after_form(&s, &a, l, &pairs, r).await
}

async fn calendar_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("workspace");
    let table = form_value(&pairs, "table");
    if let Err(e) = a.require_any(Permission::ConfigAdmin) {
        return after_form(&s, &a, l, &pairs, Err(e)).await;
    }
    let r = calendar::replace(&s.db, &a, &table, s.now())
        .await
        .map(|n| format!("节假日表已更新（{n} 天） / Calendar updated ({n} days)"));
    after_form(&s, &a, l, &pairs, r).await
}

#[derive(Deserialize)]
struct LangQuery {
    to: String,
    back: Option<String>,
}

async fn switch_lang(
    State(s): State<AppState>,
    h: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = if q.to == "en" { "en" } else { "zh" };
    // Only local paths, so the switch cannot be used as an open redirect.
    let from_referer = h
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.split_once("://")
                .map(|(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]).to_string())
        });
    let back = q
        .back
        .or(from_referer)
        .filter(|b| is_local_path(b))
        .unwrap_or_else(|| "/".into());
    let c = set_cookie(
        LANG_COOKIE,
        lang,
        Some(365 * 24 * 3600),
        false,
        is_tls(&h, s.config.secure_cookies),
    );
    ([(header::SET_COOKIE, c)], Redirect::to(&back)).into_response()
}

/// A path on this site, safe to redirect to. Browsers read `\` as `/` and drop tabs and
/// newlines inside URLs, so `/\evil.example` or `/\t/evil.example` would leave the site; only
/// plain path characters are accepted.
pub(crate) fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && p.len() <= 2048
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~%?&=+,;:@!$'()*".contains(&b))
}

pub async fn not_found(
    State(_s): State<AppState>,
    CurrentActor(a): CurrentActor,
    c: Option<Extension<CsrfToken>>,
    h: HeaderMap,
) -> Response {
    let c = c.map_or_else(|| CsrfToken(String::new()), |e| e.0);
    let l = Layout::new(&h, &c, &a, "");
    error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("page"))
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_plain_local_paths_are_redirect_targets() {
        for ok in ["/", "/lots?page=2", "/grants/0193-ab%20c"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example",
            "evil",
            "",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }
}

/// A page form read into its typed step: repeated fields become lists, unknown fields (the CSRF
/// token) are ignored, and a form the page could not have sent is a field error, not a 500.
pub fn read_form<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ServiceError> {
    serde_html_form::from_str(body).map_err(|e| {
        FieldError::new(
            "form",
            "form.malformed",
            "表单内容有误，请刷新页面后重试",
            format!("The form could not be read ({e}); reload the page and try again"),
        )
        .into()
    })
}

/// One step a page submits: a typed form, its route's last segment (also shown as the step
/// done), and the one store command it runs on the object the page shows — a lot, a grant, an
/// expert.
pub trait Step: serde::de::DeserializeOwned + Send + 'static {
    const NAME: &'static str;

    fn run(
        self,
        s: &AppState,
        a: &Actor,
        id: uuid::Uuid,
    ) -> impl std::future::Future<Output = Result<(), ServiceError>> + Send;

    /// Read the posted form and run the step: a malformed form is a field error like any other.
    fn run_posted(
        s: &AppState,
        a: &Actor,
        id: uuid::Uuid,
        body: &str,
    ) -> impl std::future::Future<Output = Result<(), ServiceError>> + Send {
        let form = read_form::<Self>(body);
        async move { form?.run(s, a, id).await }
    }
}

/// The routes of an area's steps, `POST <prefix>/<NAME>` each, all handled by `$submit`.
macro_rules! step_routes {
    ($prefix:literal, $submit:ident, $($form:ty),* $(,)?) => {
        axum::Router::new()
            $(.route(
                &format!("{}/{}", $prefix, <$form as $crate::pages::Step>::NAME),
                axum::routing::post($submit::<$form>),
            ))*
    };
}
pub(crate) use step_routes;
