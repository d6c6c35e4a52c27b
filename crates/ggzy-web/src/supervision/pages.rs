//! The supervisor's pages: `/supervision` (open alerts by rule and region, then the cases, most
//! urgent first) and `/supervision/alerts/{id}` (one case: its evidence with log links, its steps,
//! and the forms for the next one). What they show is what [`ggzy_store::alerts`] returns for the
//! viewer.

use crate::credit::pages::RecordForm;
use crate::pages::{Layout, Visit, error_page, render, render_form};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, Utc};
use ggzy_core::FieldError;
use ggzy_core::alert::{Finding, Status, Step, rule_title};
use ggzy_store::alerts::{
    self, AlertCase, AlertCount, AlertFilter, AlertView, CloseInput, StepInput,
};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision", get(dashboard_page))
        .route("/supervision/alerts/{id}", get(alert_page))
        .route(
            "/supervision/alerts/{id}/acknowledgement",
            post(acknowledge_submit),
        )
        .route(
            "/supervision/alerts/{id}/investigation",
            post(investigate_submit),
        )
        .route("/supervision/alerts/{id}/closure", post(close_submit))
}

/// Names and times both supervision pages show.
trait Show {
    fn l(&self) -> &Layout;

    fn when(&self, t: &DateTime<Utc>) -> String {
        let east8 = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        t.with_timezone(&east8).format("%Y-%m-%d %H:%M").to_string()
    }
    fn rule(&self, kind: &str) -> &'static str {
        let (zh, en) = rule_title(kind);
        self.l().t(zh, en)
    }
    fn status(&self, s: &Status) -> &'static str {
        self.l().t(
            s.label_zh(),
            match s {
                Status::Raised => "Raised",
                Status::Acknowledged => "Acknowledged",
                Status::Investigating => "Investigating",
                Status::Closed => "Closed",
            },
        )
    }
    fn severity(&self, s: &str) -> &'static str {
        match s {
            "high" => self.l().t("高", "High"),
            "low" => self.l().t("低", "Low"),
            _ => self.l().t("中", "Medium"),
        }
    }
    fn step(&self, s: &str) -> &'static str {
        match s {
            "acknowledged" => self.l().t("受理", "Acknowledged"),
            "investigating" => self.l().t("开始调查", "Investigation started"),
            "closed" => self.l().t("办结", "Closed"),
            "escalated" => self.l().t("逾期升级", "Escalated"),
            _ => self.l().t("其他", "Other"),
        }
    }
    fn finding(&self, f: &Finding) -> &'static str {
        self.l().t(
            f.label_zh(),
            match f {
                Finding::NoIssue => "No issue",
                Finding::Warning => "Warning",
                Finding::CreditRecord => "Credit record",
                Finding::Referral => "Referral",
            },
        )
    }
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct DashboardPage {
    l: Layout,
    counts: Vec<AlertCount>,
    alerts: Vec<AlertView>,
    show: String,
    now: DateTime<Utc>,
}

impl Show for DashboardPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl DashboardPage {
    fn overdue(&self, a: &AlertView) -> bool {
        a.due_at.is_some_and(|d| d <= self.now)
    }
}

async fn dashboard_page(
    State(s): State<AppState>,
    visit: Visit,
    Query(f): Query<AlertFilter>,
) -> Response {
    let Visit { a, l } = visit.at("supervision");
    let now = s.now();
    let loaded = async {
        Ok::<_, ServiceError>((
            alerts::dashboard(&s.db, &a, now).await?,
            alerts::list(&s.db, &a, &f).await?,
        ))
    };
    match loaded.await {
        Ok((counts, alerts)) => render(&DashboardPage {
            l,
            counts,
            alerts,
            show: f.show.unwrap_or_else(|| "open".into()),
            now,
        }),
        Err(e) => refused(l, e),
    }
}

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage {
    l: Layout,
    case: AlertCase,
    /// The viewer may take the next step (a supervisor of the region, the owner once there is one).
    handles: bool,
    errors: Vec<FieldError>,
    form: CloseForm,
    today: String,
}

impl Show for AlertPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl AlertPage {
    fn msg<'a>(&self, e: &'a FieldError) -> &'a str {
        if self.l.en {
            &e.message_en
        } else {
            &e.message_zh
        }
    }
    fn evidence_str(&self, key: &str) -> String {
        self.case
            .alert
            .evidence
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    }
    /// The bidders the evidence names: (name, credit code, log event).
    fn bidders(&self) -> Vec<(String, String, i64)> {
        self.case
            .alert
            .evidence
            .get("bidders")
            .and_then(|v| v.as_array())
            .map(|list| {
                list.iter()
                    .map(|b| {
                        let s =
                            |k: &str| b.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                        (
                            s("name"),
                            s("uscc"),
                            b.get("event_seq").and_then(|v| v.as_i64()).unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn other_evidence(&self) -> String {
        let known = [
            "title_zh", "title_en", "basis", "shared", "bidders", "events",
        ];
        match &self.case.alert.evidence {
            serde_json::Value::Object(m) => {
                let rest: serde_json::Map<String, serde_json::Value> = m
                    .iter()
                    .filter(|(k, _)| !known.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if rest.is_empty() {
                    String::new()
                } else {
                    serde_json::to_string_pretty(&rest).unwrap_or_default()
                }
            }
            v => v.to_string(),
        }
    }
    fn open(&self) -> bool {
        self.case.alert.status != Status::Closed
    }
    fn may(&self, step: &str) -> bool {
        let s = self.case.alert.status;
        let step = match step {
            "acknowledge" => Step::Acknowledge,
            "investigate" => Step::Investigate,
            _ => Step::Close(Finding::NoIssue),
        };
        self.handles && ggzy_core::alert::next(s, step).is_ok()
    }
}

/// A supervisor of the alert's region who is its owner or while it has none.
fn handles(a: &Actor, v: &AlertView) -> bool {
    let Ok(region) = ggzy_core::region::DivisionCode::parse("region", &v.region_code) else {
        return false;
    };
    a.grant_for(ggzy_core::role::Permission::Supervise, &region)
        .is_some()
        && (v.owner_id.is_none() || v.owner_id == a.account_id)
}

async fn alert_response(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    form: CloseForm,
) -> Response {
    match alerts::case(&s.db, a, id).await {
        Ok(case) => {
            let refused = !errors.is_empty();
            let today = ggzy_store::tendering::day(s.now()).to_string();
            let page = AlertPage {
                l,
                handles: handles(a, &case.alert),
                case,
                errors,
                form,
                today,
            };
            render_form(&page, refused)
        }
        Err(e) => refused(l, e),
    }
}

fn refused(l: Layout, e: ServiceError) -> Response {
    match e {
        e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated) => {
            error_page(l, StatusCode::FORBIDDEN, e)
        }
        e @ ServiceError::NotFound(_) => error_page(l, StatusCode::NOT_FOUND, e),
        e => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn alert_page(State(s): State<AppState>, visit: Visit, Path(id): Path<Uuid>) -> Response {
    let Visit { a, l } = visit.at("supervision");
    alert_response(&s, &a, l, id, vec![], CloseForm::default()).await
}

#[derive(Debug, Default, Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn step_submit(s: AppState, visit: Visit, id: Uuid, step: Step, note: String) -> Response {
    let Visit { a, l } = visit.at("supervision");
    match alerts::advance(&s.db, &a, id, step, &StepInput { note }, s.now()).await {
        Ok(_) => Redirect::to(&format!("/supervision/alerts/{id}")).into_response(),
        Err(ServiceError::Invalid(e)) => {
            alert_response(&s, &a, l, id, e.0, CloseForm::default()).await
        }
        Err(e) => refused(l, e),
    }
}

async fn acknowledge_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<NoteForm>,
) -> Response {
    step_submit(s, visit, id, Step::Acknowledge, f.note).await
}

async fn investigate_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<NoteForm>,
) -> Response {
    step_submit(s, visit, id, Step::Investigate, f.note).await
}

/// The closing form as typed: the finding, the note and, for a credit record, the record.
#[derive(Debug, Default, Deserialize)]
struct CloseForm {
    #[serde(default)]
    finding: String,
    #[serde(default)]
    note: String,
    #[serde(flatten)]
    record: RecordForm,
}

async fn close_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<CloseForm>,
) -> Response {
    let Visit { a, l } = visit.at("supervision");
    let record = if f.finding == Finding::CreditRecord.as_str() {
        match f.record.input() {
            Ok(r) => Some(r),
            Err(errors) => return alert_response(&s, &a, l, id, errors, f).await,
        }
    } else {
        None
    };
    let input = CloseInput {
        finding: f.finding.clone(),
        note: f.note.clone(),
        record,
    };
    match alerts::close(&s.db, &a, id, &input, s.now()).await {
        Ok(_) => Redirect::to(&format!("/supervision/alerts/{id}")).into_response(),
        Err(ServiceError::Invalid(e)) => alert_response(&s, &a, l, id, e.0, f).await,
        Err(e) => refused(l, e),
    }
}
