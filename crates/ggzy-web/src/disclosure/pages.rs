//! The public's pages: search with facets, a notice, a deal's timeline, the catalogue, and the
//! Atom feed. Nobody needs to sign in for any of them.

use super::api::{Deal, FeedQuery};
use crate::pages::{Layout, Visit, error_page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, FixedOffset, Utc};
use ggzy_core::money::Money;
use ggzy_core::notice::{Fragment, TRADE_KINDS};
use ggzy_store::ServiceError;
use ggzy_store::notices::{
    self, NoticeKindView, PublicNotice, SearchQuery, SearchResult, notice_kind_label,
};
use ggzy_store::regime::deal;
use ggzy_store::regime::{correct_notice, may_correct};
use ggzy_store::tendering::notices::CorrectionInput;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notices", get(search_page))
        .route("/notices/{id}", get(notice_page))
        .route(
            "/notices/{id}/corrections",
            axum::routing::post(correct_submit),
        )
        .route("/deals/{code}", get(deal_page))
        .route("/disclosure", get(catalogue_page))
        .route("/feeds/notices.atom", get(atom))
}

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// What the disclosure templates share: Beijing time, amounts the Chinese way, labels.
trait Show {
    fn l(&self) -> &Layout;

    fn day(&self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&east8()).format("%Y-%m-%d").to_string()
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&east8())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
    fn amount(&self, fen: &i64) -> String {
        let m = Money::from_fen(*fen);
        format!("{}（{}）", m.grouped(), m.wan())
    }
    fn trade(&self, code: &str) -> &'static str {
        TRADE_KINDS
            .iter()
            .find(|t| t.0 == code)
            .map_or("", |t| if self.l().en { t.2 } else { t.1 })
    }
    fn kind(&self, trade: &str, code: &str) -> &'static str {
        let (zh, en) = notice_kind_label(Some(trade), code);
        if self.l().en { en } else { zh }
    }
}

#[derive(Template)]
#[template(path = "notices.html")]
struct SearchPage {
    l: Layout,
    q: SearchQuery,
    r: Option<SearchResult>,
    errors: Vec<ggzy_core::FieldError>,
    /// The query string without `page`, for the pager's links.
    base: String,
    pages: u32,
}

impl Show for SearchPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl SearchPage {
    fn marked(&self, f: &[Fragment]) -> String {
        marked(f)
    }
    fn trade_options(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &TRADE_KINDS
    }
    fn sel<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    /// The current query with one facet set (or cleared when it is already set).
    fn with(&self, key: &str, value: &str) -> String {
        let mut q = self.q.clone();
        let slot = match key {
            "trade_kind" => &mut q.trade_kind,
            "notice_kind" => &mut q.notice_kind,
            _ => &mut q.region,
        };
        *slot = if slot.as_deref() == Some(value) {
            None
        } else {
            Some(value.to_string())
        };
        q.page = None;
        format!(
            "/notices?{}",
            serde_html_form::to_string(&q).unwrap_or_default()
        )
    }
}

/// Fragments as HTML: text escaped, query words in `<mark>`.
fn marked(f: &[Fragment]) -> String {
    let mut out = String::new();
    for part in f {
        let text = escape(&part.text);
        if part.hit {
            out.push_str("<mark>");
            out.push_str(&text);
            out.push_str("</mark>");
        } else {
            out.push_str(&text);
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

async fn search_page(
    State(s): State<AppState>,
    visit: Visit,
    Query(q): Query<SearchQuery>,
) -> Response {
    let l = visit.at("notices").l;
    let mut base = q.clone();
    base.page = None;
    let base = serde_html_form::to_string(&base).unwrap_or_default();
    match notices::search(&s.db, &q).await {
        Ok(r) => {
            let pages = (r.total.max(0) as u32).div_ceil(r.per_page).min(500);
            render(&SearchPage {
                l,
                q,
                r: Some(r),
                errors: vec![],
                base,
                pages,
            })
        }
        Err(ServiceError::Invalid(e)) => {
            let mut r = render(&SearchPage {
                l,
                q,
                r: None,
                errors: e.0,
                base,
                pages: 0,
            });
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    l: Layout,
    n: PublicNotice,
    corrections: Vec<PublicNotice>,
    corrected: Option<PublicNotice>,
    /// The lot's tenderer is looking: offer the correction form.
    may_correct: bool,
    changes: String,
    errors: Vec<ggzy_core::FieldError>,
}

impl Show for NoticePage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

async fn notice_page(State(s): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let Visit { a, l } = visit.at("notices");
    let Ok(id) = Uuid::parse_str(&id) else {
        return error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("notice"));
    };
    notice_response(&s, &a, l, id, String::new(), vec![]).await
}

async fn notice_response(
    s: &AppState,
    a: &ggzy_store::Actor,
    l: Layout,
    id: Uuid,
    changes: String,
    errors: Vec<ggzy_core::FieldError>,
) -> Response {
    let n = match notices::get(&s.db, id).await {
        Ok(n) => n,
        Err(e @ ServiceError::NotFound(_)) => return error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let corrected = match n.corrects {
        Some(c) => notices::get(&s.db, c).await.ok(),
        None => None,
    };
    let may_correct = may_correct(&s.db, a, id).await;
    let refused = !errors.is_empty();
    match notices::corrections_of(&s.db, id).await {
        Ok(corrections) => crate::pages::render_form(
            &NoticePage {
                l,
                n,
                corrections,
                corrected,
                may_correct,
                changes,
                errors,
            },
            refused,
        ),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(serde::Deserialize)]
struct CorrectionForm {
    changes: String,
}

/// The tenderer's correction, posted from the notice's page: on success, the new notice.
async fn correct_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    axum::extract::Form(f): axum::extract::Form<CorrectionForm>,
) -> Response {
    let Visit { a, l } = visit.at("notices");
    let input = CorrectionInput { changes: f.changes };
    match correct_notice(&s.db, &a, id, &input, s.now()).await {
        Ok(new) => axum::response::Redirect::to(&format!("/notices/{new}")).into_response(),
        Err(ServiceError::Invalid(e)) => notice_response(&s, &a, l, id, input.changes, e.0).await,
        Err(e @ ServiceError::Forbidden(_)) => error_page(l, StatusCode::FORBIDDEN, e),
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::CONFLICT, e),
    }
}

#[derive(Template)]
#[template(path = "deal.html")]
struct DealPage {
    l: Layout,
    d: Deal,
    now: DateTime<Utc>,
    /// The latest signed tree size, for the inclusion-proof links.
    head_size: Option<i64>,
}

impl Show for DealPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl DealPage {
    fn name(&self) -> &str {
        self.d.notices.first().map_or("", |n| n.title.as_str())
    }
    /// A notice of the linked deal (a pre-disclosure and its announcement share a timeline).
    fn other(&self, code: &str) -> bool {
        code != self.d.deal_code
    }
    fn passed(&self, t: &DateTime<Utc>) -> bool {
        *t <= self.now
    }
    fn step(&self, kind: &str) -> String {
        match ggzy_core::deal::step_label(kind) {
            Some((zh, en)) => self.l.t(zh, en).to_string(),
            None if kind == "sealed" => self
                .l
                .t(
                    "密封事件（开标、成交或定标时公开）",
                    "Sealed until the opening, close or award",
                )
                .to_string(),
            None => kind.to_string(),
        }
    }
    fn proof(&self, seq: &i64) -> Option<String> {
        self.head_size
            .filter(|size| size >= seq)
            .map(|size| format!("/api/v1/log/proof/inclusion?seq={seq}&size={size}"))
    }
}

async fn deal_page(State(s): State<AppState>, visit: Visit, Path(code): Path<String>) -> Response {
    let l = visit.at("notices").l;
    let now = s.now();
    let life = async {
        let life = deal::life(&s.db, &code, now).await?;
        let head = ggzy_store::events::latest_head(&s.db).await?;
        Ok::<_, ServiceError>((life, head.map(|h| h.size)))
    };
    match life.await {
        Ok((life, head_size)) => render(&DealPage {
            l,
            d: Deal::of(code, life),
            now,
            head_size,
        }),
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "disclosure.html")]
struct CataloguePage {
    l: Layout,
    kinds: Vec<NoticeKindView>,
}

impl Show for CataloguePage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl CataloguePage {
    fn of(&self, trade: &str) -> Vec<&NoticeKindView> {
        self.kinds
            .iter()
            .filter(|k| k.kind.trade_kind == trade)
            .collect()
    }
    fn trades(&self) -> Vec<(&'static str, &'static str)> {
        TRADE_KINDS
            .iter()
            .map(|t| (t.0, if self.l.en { t.2 } else { t.1 }))
            .collect()
    }
    fn confidence(&self, c: &str) -> &'static str {
        match (c, self.l.en) {
            ("verified", false) => "已核实",
            ("verified", true) => "verified",
            ("secondary", false) => "二手来源",
            ("secondary", true) => "secondary source",
            (_, false) => "待核实（可配置默认值）",
            (_, true) => "unconfirmed (configurable default)",
        }
    }
}

async fn catalogue_page(State(s): State<AppState>, visit: Visit) -> Response {
    let l = visit.at("disclosure").l;
    match notices::catalogue(&s.db).await {
        Ok(kinds) => render(&CataloguePage { l, kinds }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The newest 50 notices matching the feed's filters, as Atom for any feed reader.
async fn atom(State(s): State<AppState>, Query(q): Query<FeedQuery>) -> Response {
    let (_, f) = match q.filter() {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let items = match notices::latest_of(&s.db, &f, 50).await {
        Ok(v) => v,
        Err(e) => return crate::problem::ApiError(e).into_response(),
    };
    let updated = items.first().map_or_else(|| s.now(), |n| n.published_at);
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>公共资源交易公告</title>\n<id>urn:ggzy:feeds:notices</id>\n<link rel=\"self\" href=\"/feeds/notices.atom\"/>\n<updated>{}</updated>\n",
        updated.to_rfc3339()
    );
    for n in items {
        x.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>urn:uuid:{}</id>\n<link href=\"/notices/{}\"/>\n<updated>{}</updated>\n<category term=\"{}\"/>\n<category term=\"{}\"/>\n<summary>{}</summary>\n</entry>\n",
            escape(&n.title),
            n.id,
            n.id,
            n.published_at.to_rfc3339(),
            escape(&n.trade_kind),
            escape(&n.notice_kind),
            escape(&n.body.chars().take(200).collect::<String>()),
        ));
    }
    x.push_str("</feed>\n");
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        x,
    )
        .into_response()
}
