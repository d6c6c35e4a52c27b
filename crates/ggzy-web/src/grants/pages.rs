//! Pages for land-use, mining-right and state-property trades: the list with the centre's
//! announcement form, each grant's page (terms, periods, the applicant's deposit and paddle, the
//! centre's admission, confirmation, result and refunds), the deposits desk with the statement
//! import, and the auction hall — bidders bid there, everyone else watches live.

use crate::construction::pages::bj;
use crate::grants::api::{StatementInput, statement_rows};
use crate::pages::Visit;
use crate::pages::{Layout, error_page, render, render_form};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::auction::Phase;
use ggzy_core::grant::{GrantMethod, GrantState, TradeKind};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_store::auctions::{self, AuctionView};
use ggzy_store::grants::{
    self, ApplicationView, GrantDetails, GrantInput, GrantSummary, GrantView, ImportSummary,
    PreDisclosureInput, PreDisclosureView, QuoteView, UnmatchedCredit,
};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/grants", get(index).post(announce_submit))
        .route("/grants/pre-disclosures", post(pre_disclosure_submit))
        .route("/grants/{id}", get(grant_page))
        .route("/deposits", get(deposits_page).post(deposits_upload))
        .route("/auctions/{id}/hall", get(hall_page))
}

fn v<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

/// Prices in the hundreds of millions read better grouped, as the hall's script shows them.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let whole = (fen.unsigned_abs() / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", fen.unsigned_abs() % 100)
}

fn kind_label(l: &Layout, code: &str) -> &'static str {
    TradeKind::parse(code).map_or("", |k| l.t(k.label_zh(), k.label_en()))
}

fn method_label(l: &Layout, code: &str) -> &'static str {
    GrantMethod::parse(code).map_or("", |m| l.t(m.label_zh(), m.label_en()))
}

fn state_label(l: &Layout, code: &str) -> &'static str {
    GrantState::parse(code).map_or("", |st| l.t(st.label_zh(), st.label_en()))
}

/// `2027-03-29T10:00` in Beijing time, as `<input type="datetime-local">` sends it.
fn parse_local(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|t| {
            t.and_local_timezone(chrono::FixedOffset::east_opt(8 * 3600)?)
                .single()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "form.datetime",
                "请填写日期和时间（北京时间）",
                "Give a date and time (Beijing time)",
            )
        })
}

pub(crate) fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "form.date",
            "日期格式应为 YYYY-MM-DD",
            "Dates are YYYY-MM-DD",
        )
    })
}

pub(crate) fn field_errors(e: ServiceError) -> Result<Vec<FieldError>, ServiceError> {
    match e {
        ServiceError::Invalid(i) => Ok(i.0),
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "grants.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<GrantSummary>,
    kind: String,
    staff: bool,
    errors: Vec<FieldError>,
    values: Vec<(String, String)>,
    /// The errors and values are the pre-disclosure form's, not the announcement's.
    pre_form: bool,
    /// The unclaimed pre-disclosures an announcement may name.
    pre: Vec<PreDisclosureView>,
    kinds: Vec<TradeKind>,
    methods: Vec<GrantMethod>,
}

impl IndexPage {
    fn kind_label(&self, c: &str) -> &'static str {
        kind_label(&self.l, c)
    }
    fn method_label(&self, c: &str) -> &'static str {
        method_label(&self.l, c)
    }
    fn state_label(&self, c: &str) -> &'static str {
        state_label(&self.l, c)
    }
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn val(&self, k: &str) -> &str {
        if self.pre_form {
            ""
        } else {
            v(&self.values, k)
        }
    }
    fn err(&self, k: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| !self.pre_form && e.field == k)
    }
    fn pre_val(&self, k: &str) -> &str {
        if self.pre_form {
            v(&self.values, k)
        } else {
            ""
        }
    }
    fn pre_err(&self, k: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| self.pre_form && e.field == k)
    }
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

/// A refused form: its errors and what was typed, and whether it was the pre-disclosure's.
#[derive(Default)]
struct Refused {
    errors: Vec<FieldError>,
    values: Vec<(String, String)>,
    pre_form: bool,
}

async fn index_with(s: &AppState, a: &Actor, l: Layout, kind: String, r: Refused) -> Response {
    let rows = match grants::list(&s.db, Some(&kind)).await {
        Ok(r) => r,
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let staff = a.has(Permission::IntakeProcess);
    let pre = if staff {
        match grants::unclaimed(&s.db, a).await {
            Ok(p) => p,
            Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
        }
    } else {
        vec![]
    };
    let refused = !r.errors.is_empty();
    render_form(
        &IndexPage {
            staff,
            l,
            rows,
            kind,
            errors: r.errors,
            values: r.values,
            pre_form: r.pre_form,
            pre,
            kinds: TradeKind::ALL.to_vec(),
            methods: GrantMethod::ALL.to_vec(),
        },
        refused,
    )
}

async fn index(State(s): State<AppState>, visit: Visit, Query(q): Query<KindQuery>) -> Response {
    let Visit { a, l } = visit.at("grants");
    index_with(&s, &a, l, q.kind.unwrap_or_default(), Refused::default()).await
}

/// The pre-disclosure form, typed; the date is parsed here so a bad one is a field error.
#[derive(Deserialize)]
struct PreDisclosureForm {
    name: String,
    region_code: String,
    subject: String,
    shareholders: String,
    approval_ref: String,
    approved_on: String,
    financials: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    conditions_filed_ref: String,
}

impl PreDisclosureForm {
    fn values(&self) -> Vec<(String, String)> {
        [
            ("name", &self.name),
            ("region_code", &self.region_code),
            ("subject", &self.subject),
            ("shareholders", &self.shareholders),
            ("approval_ref", &self.approval_ref),
            ("approved_on", &self.approved_on),
            ("financials", &self.financials),
            ("conditions", &self.conditions),
            ("conditions_filed_ref", &self.conditions_filed_ref),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
    }
}

async fn pre_disclosure_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<PreDisclosureForm>,
) -> Response {
    let Visit { a, l } = visit.at("grants");
    let refused = |errors| Refused {
        errors,
        values: f.values(),
        pre_form: true,
    };
    let approved_on = match parse_date("approved_on", &f.approved_on) {
        Ok(d) => d,
        Err(e) => return index_with(&s, &a, l, String::new(), refused(vec![e])).await,
    };
    let input = PreDisclosureInput {
        name: f.name.clone(),
        region_code: f.region_code.clone(),
        subject: f.subject.clone(),
        shareholders: f.shareholders.clone(),
        approval_ref: f.approval_ref.clone(),
        approved_on,
        financials: f.financials.clone(),
        conditions: f.conditions.clone(),
        conditions_filed_ref: f.conditions_filed_ref.clone(),
    };
    match grants::pre_disclose(&s.db, &a, &input, s.now()).await {
        Ok(p) => Redirect::to(&format!("/deals/{}", p.code)).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errs) => index_with(&s, &a, l, String::new(), refused(errs)).await,
            Err(e) => error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}

async fn announce_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("grants");
    let mut errs = vec![];
    let mut time = |k: &str| {
        parse_local(k, v(&f, k))
            .map_err(|e| errs.push(e))
            .unwrap_or_default()
    };
    let (apply_until, starts_at, free_until) =
        (time("apply_until"), time("starts_at"), time("free_until"));
    let opt = |k: &str| Some(v(&f, k).to_string()).filter(|x| !x.trim().is_empty());
    let input = GrantInput {
        name: v(&f, "name").into(),
        region_code: v(&f, "region_code").into(),
        trade_kind: v(&f, "trade_kind").into(),
        method: v(&f, "method").into(),
        details: GrantDetails {
            location: v(&f, "location").into(),
            area: v(&f, "area").into(),
            purpose: v(&f, "purpose").into(),
            planning: v(&f, "planning").into(),
            term: v(&f, "term").into(),
            conditions: v(&f, "conditions").into(),
            approval_ref: v(&f, "approval_ref").into(),
            conditions_filed_ref: v(&f, "conditions_filed_ref").into(),
        },
        start_price: v(&f, "start_price").into(),
        increment: v(&f, "increment").into(),
        reserve: opt("reserve"),
        deposit: v(&f, "deposit").into(),
        apply_until,
        starts_at,
        free_until,
        extension_secs: opt("extension_secs").and_then(|x| x.trim().parse().ok()),
        appraisal: opt("appraisal"),
        redisclosure: v(&f, "redisclosure") == "on",
        consent_ref: opt("consent_ref"),
        control_change: v(&f, "control_change") == "on",
        pre_disclosure: opt("pre_disclosure"),
    };
    let refused = |errors| Refused {
        errors,
        values: f.clone(),
        pre_form: false,
    };
    if !errs.is_empty() {
        return index_with(&s, &a, l, String::new(), refused(errs)).await;
    }
    match grants::announce(&s.db, &a, &input, s.now()).await {
        Ok(g) => Redirect::to(&format!("/grants/{}", g.id)).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errs) => index_with(&s, &a, l, String::new(), refused(errs)).await,
            Err(e) => error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}

#[derive(Template)]
#[template(path = "grant.html")]
struct GrantPage {
    l: Layout,
    g: GrantView,
    auction: AuctionView,
    apps: Vec<ApplicationView>,
    mine: Option<ApplicationView>,
    my_quote: Option<QuoteView>,
    /// The sealed quotes, once the window has closed.
    opened: Vec<QuoteView>,
    staff: bool,
    bidder: bool,
    /// What this actor may do now, asked of the grant's state machine by the store.
    actions: grants::GrantActions,
    errors: Vec<FieldError>,
    done: Option<String>,
}

impl GrantPage {
    fn kind_label(&self) -> &'static str {
        kind_label(&self.l, &self.g.trade_kind)
    }
    fn method_label(&self) -> &'static str {
        method_label(&self.l, &self.g.method)
    }
    fn state_label(&self) -> &'static str {
        state_label(&self.l, &self.g.state)
    }
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn is_listing(&self) -> bool {
        self.g.method == "listing"
    }
    fn is_one_quote(&self) -> bool {
        self.g.method == "one_quote"
    }
    fn is_property(&self) -> bool {
        self.g.trade_kind == "state_property"
    }
    fn bidding_over(&self) -> bool {
        self.auction.phase == Phase::Ended
    }
    /// Whether the grant stands in `state` (the view carries its code for the API).
    fn in_state(&self, state: GrantState) -> bool {
        GrantState::parse(&self.g.state) == Some(state)
    }
    fn current_auction(&self) -> Uuid {
        grants::current_auction(&self.g)
    }
    fn status_label(&self, s: &str) -> &'static str {
        match s {
            "applied" => self.l.t("待审查", "Under review"),
            "admitted" => self.l.t("已取得竞买资格", "Admitted"),
            "refused" => self.l.t("未通过", "Refused"),
            _ => "",
        }
    }
    fn outcome_text(&self) -> String {
        let Some(o) = &self.g.outcome else {
            return String::new();
        };
        match o["kind"].as_str() {
            Some("deal") => format!(
                "{} {} · {} {}",
                self.l.t("成交，竞买号", "Deal to paddle"),
                o["paddle"],
                self.l.t("成交价", "price"),
                yuan(o["price"].as_i64().unwrap_or(0))
            ),
            _ => {
                let why = match o["why"].as_str() {
                    Some("too_few_bidders") => self.l.t("竞买人不足", "too few bidders"),
                    Some("below_reserve") => {
                        self.l.t("最高报价未达底价", "top bid under the reserve")
                    }
                    Some("no_quotes") | Some("no_bids") => self.l.t("无人报价", "no bids"),
                    _ => "",
                };
                format!("{}（{why}）", self.l.t("未成交", "No deal"))
            }
        }
    }
}

pub(crate) async fn grant_with(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> Response {
    let now = s.now();
    let g = match grants::view(&s.db, id, Some(a), now).await {
        Ok(g) => g,
        Err(e) => return error_page(l, StatusCode::NOT_FOUND, e),
    };
    let auction = match auctions::view(&s.db, grants::current_auction(&g), now).await {
        Ok(v) => v,
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let apps = grants::applications(&s.db, a, id, now)
        .await
        .unwrap_or_default();
    let staff = DivisionCode::parse("r", &g.region_code)
        .is_ok_and(|r| a.grant_for(Permission::IntakeProcess, &r).is_some());
    let mine = a
        .entity_id
        .and_then(|e| apps.iter().find(|x| x.entity_id == e).cloned());
    let my_quote = match a.entity_id {
        Some(e) if g.method == "one_quote" => grants::own_quote(&s.db, id, e).await.ok().flatten(),
        _ => None,
    };
    let opened = if g.method == "one_quote" {
        grants::opened_quotes(&s.db, id, now)
            .await
            .unwrap_or_default()
    } else {
        vec![]
    };
    let refused = !errors.is_empty();
    let actions = grants::actions(a, &g, now);
    render_form(
        &GrantPage {
            actions,
            bidder: a.entity_id.is_some() && a.has(Permission::EntityManage),
            l,
            g,
            auction,
            apps: if staff || a.has(Permission::Supervise) {
                apps
            } else {
                vec![]
            },
            mine,
            my_quote,
            opened,
            staff,
            errors,
            done,
        },
        refused,
    )
}

async fn grant_page(State(s): State<AppState>, visit: Visit, Path(id): Path<Uuid>) -> Response {
    let Visit { a, l } = visit.at("grants");
    grant_with(&s, &a, l, id, vec![], None).await
}

#[derive(Template)]
#[template(path = "deposits.html")]
struct DepositsPage {
    l: Layout,
    summary: Option<ImportSummary>,
    unmatched: Vec<UnmatchedCredit>,
    overdue: Vec<ApplicationView>,
    errors: Vec<FieldError>,
}

impl DepositsPage {
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
    fn why(&self, code: &str) -> &'static str {
        match code {
            "unknown_account" => self.l.t("非本中心子账号", "Not one of our sub-accounts"),
            "no_application" => self
                .l
                .t("子账号无对应报名", "No application for this sub-account"),
            "third_party" => self.l.t(
                "非申请人本人账户汇入",
                "Paid by someone other than the applicant",
            ),
            _ => "",
        }
    }
}

async fn deposits_with(
    s: &AppState,
    a: &Actor,
    l: Layout,
    summary: Option<ImportSummary>,
    errors: Vec<FieldError>,
) -> Response {
    let unmatched = match grants::unmatched(&s.db, a).await {
        Ok(u) => u,
        Err(e) => return error_page(l, StatusCode::FORBIDDEN, e),
    };
    let overdue = grants::overdue_refunds(&s.db, a, s.now())
        .await
        .unwrap_or_default();
    let refused = !errors.is_empty();
    render_form(
        &DepositsPage {
            l,
            summary,
            unmatched,
            overdue,
            errors,
        },
        refused,
    )
}

async fn deposits_page(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("deposits");
    deposits_with(&s, &a, l, None, vec![]).await
}

/// The statement file comes as multipart (CSRF token in the action URL, as for bid uploads).
async fn deposits_upload(State(s): State<AppState>, visit: Visit, mut m: Multipart) -> Response {
    let Visit { a, l } = visit.at("deposits");
    // Who may import is decided before the upload is read.
    if let Err(e) = a.require_any(ggzy_core::role::Permission::IntakeProcess) {
        return error_page(l, StatusCode::FORBIDDEN, e);
    }
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = m.next_field().await {
        if field.name() == Some("statement") {
            let name = field.file_name().unwrap_or("").to_lowercase();
            if let Ok(b) = field.bytes().await {
                file = Some((name, b.to_vec()));
            }
        }
    }
    let input = match file {
        Some((name, bytes)) if name.ends_with(".xlsx") => StatementInput {
            csv: None,
            xlsx_base64: Some({
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(bytes)
            }),
        },
        Some((_, bytes)) if !bytes.is_empty() => StatementInput {
            csv: Some(String::from_utf8_lossy(&bytes).into_owned()),
            xlsx_base64: None,
        },
        _ => {
            let e = FieldError::new(
                "statement",
                "deposit.file_missing",
                "请选择对账单文件（CSV 或 XLSX）",
                "Choose the statement file (CSV or XLSX)",
            );
            return deposits_with(&s, &a, l, None, vec![e]).await;
        }
    };
    let rows = match statement_rows(&input) {
        Ok(r) => r,
        Err(e) => return deposits_with(&s, &a, l, None, vec![e]).await,
    };
    match grants::import_statement(&s.db, &a, &rows, s.now()).await {
        Ok(sum) => deposits_with(&s, &a, l, Some(sum), vec![]).await,
        Err(e) => match field_errors(e) {
            Ok(errs) => deposits_with(&s, &a, l, None, errs).await,
            Err(e) => error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}

#[derive(Template)]
#[template(path = "hall.html")]
struct HallPage {
    l: Layout,
    a: AuctionView,
    grant: Option<GrantView>,
    paddle: Option<u32>,
    now: DateTime<Utc>,
}

impl HallPage {
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
    fn sealed(&self) -> bool {
        self.grant.as_ref().is_some_and(|g| g.method == "one_quote")
    }
    /// The amount as the bid field takes it.
    fn plain(&self, f: &i64) -> String {
        format!("{}.{:02}", f / 100, f % 100)
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn phase_label(&self) -> &'static str {
        match self.a.phase {
            Phase::NotOpen => self.l.t("尚未开始", "Not open yet"),
            Phase::Free => self.l.t("自由竞价", "Free bidding"),
            Phase::Timed => self.l.t("限时竞价", "Timed bidding"),
            Phase::Ended => self.l.t("已结束", "Ended"),
        }
    }
    fn phase_code(&self) -> &'static str {
        match self.a.phase {
            Phase::NotOpen => "not_open",
            Phase::Free => "free",
            Phase::Timed => "timed",
            Phase::Ended => "ended",
        }
    }
}

/// The auction hall: an admitted bidder bids here; anyone else watches (paddles, never names).
async fn hall_page(State(s): State<AppState>, visit: Visit, Path(id): Path<Uuid>) -> Response {
    let Visit { a, l } = visit.at("grants");
    let now = s.now();
    let av = match auctions::view(&s.db, id, now).await {
        Ok(v) => v,
        Err(e) => return error_page(l, StatusCode::NOT_FOUND, e),
    };
    let grant = match av.grant_id {
        Some(g) => grants::view(&s.db, g, Some(&a), now).await.ok(),
        None => None,
    };
    let paddle = match a.entity_id {
        Some(e) => auctions::paddle_of(&s.db, id, e).await.ok().flatten(),
        None => None,
    };
    render(&HallPage {
        l,
        a: av,
        grant,
        paddle,
        now,
    })
}
