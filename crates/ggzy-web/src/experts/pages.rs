//! Expert pages (C11): applying to the pool, the registry for centre staff and the department with
//! vetting and status changes, one expert's credit with misconduct records, and the expert's own
//! page with invitations, notifications, fees and availability.

use crate::construction::pages::bj;
use crate::pages::Visit;
use crate::pages::{Layout, Step, error_page, forbidden_page, render, step_routes};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::role::Permission;
use ggzy_store::experts::credit::{self, CreditView};
use ggzy_store::experts::draw::{self, Invitation};
use ggzy_store::experts::{
    self, ApplicationInput, ExpertView, StatusInput, TieInput, UnavailableInput,
};
use ggzy_store::notify::{self, Notification};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/experts", get(registry))
        .route("/experts/apply", get(apply_page).post(apply_submit))
        .route("/experts/me", get(me_page))
        .route("/experts/{id}", get(expert_page))
        .merge(step_routes!(
            "/experts/{id}",
            submit,
            StatusForm,
            MisconductForm,
            CreditCheckForm
        ))
        .merge(step_routes!(
            "/experts/me",
            submit_mine,
            UnavailableForm,
            ConflictForm
        ))
}

fn v<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "experts.html")]
struct RegistryPage {
    l: Layout,
    experts: Vec<ExpertView>,
    status: String,
    supervisor: bool,
}

impl RegistryPage {
    fn is_status(&self, code: &str) -> bool {
        self.status == code
    }
}

#[derive(Deserialize)]
struct StatusQuery {
    status: Option<String>,
}

async fn registry(
    State(s): State<AppState>,
    visit: Visit,
    Query(q): Query<StatusQuery>,
) -> Response {
    let Visit { a, l } = visit.at("experts");
    if !a.has(Permission::RegistryRead) {
        if a.account_id.is_some() && experts::expert_of(&s.db, &a).await.ok().flatten().is_some() {
            return Redirect::to("/experts/me").into_response();
        }
        return Redirect::to("/experts/apply").into_response();
    }
    let status = q.status.unwrap_or_default();
    match experts::list(
        &s.db,
        &a,
        (!status.is_empty()).then_some(status.as_str()),
        s.now(),
    )
    .await
    {
        Ok(list) => render(&RegistryPage {
            experts: list,
            status,
            supervisor: a.has(Permission::Supervise),
            l,
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "expert_apply.html")]
struct ApplyPage {
    l: Layout,
    specialties: Vec<(String, String)>,
    errors: Vec<FieldError>,
    values: Vec<(String, String)>,
    done: bool,
}

impl ApplyPage {
    fn is_date(&self, k: &str) -> bool {
        k == "former_left_on"
    }
    fn val(&self, k: &str) -> &str {
        v(&self.values, k)
    }
    fn err(&self, k: &str) -> Option<&FieldError> {
        self.errors
            .iter()
            .find(|e| e.field == k || e.field.starts_with(&format!("{k}[")))
    }
}

async fn apply_response(
    s: &AppState,
    l: Layout,
    errors: Vec<FieldError>,
    values: Vec<(String, String)>,
    done: bool,
) -> Response {
    let tree = experts::specialty_tree(&s.db).await.unwrap_or_default();
    let specialties = tree
        .iter()
        .filter(|(c, _)| c.depth() >= 1)
        .map(|(c, _)| (c.to_string(), tree.path_zh(c)))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&ApplyPage {
        specialties,
        errors,
        values,
        done,
        l,
    });
    *r.status_mut() = status;
    r
}

async fn apply_page(State(s): State<AppState>, visit: Visit) -> Response {
    let l = visit.at("experts").l;
    apply_response(&s, l, vec![], vec![], false).await
}

async fn apply_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("experts");
    let tie = |u: &str, n: &str, left: &str| {
        (!v(&f, u).trim().is_empty()).then(|| TieInput {
            uscc: v(&f, u).into(),
            note: v(&f, n).into(),
            left_on: (!left.is_empty()).then(|| v(&f, left).to_string()),
        })
    };
    let input = ApplicationInput {
        username: v(&f, "username").into(),
        password: v(&f, "password").into(),
        name: v(&f, "name").into(),
        id_number: v(&f, "id_number").into(),
        birth_date: v(&f, "birth_date").into(),
        title: v(&f, "title").into(),
        senior_title: v(&f, "senior_title") == "on",
        practice_years: v(&f, "practice_years").trim().parse().unwrap_or(0),
        employer_uscc: v(&f, "employer_uscc").into(),
        employer_name: v(&f, "employer_name").into(),
        department_uscc: v(&f, "department_uscc").into(),
        region_code: v(&f, "region_code").into(),
        phone: v(&f, "phone").into(),
        email: v(&f, "email").into(),
        specialties: f
            .iter()
            .filter(|(k, x)| k == "specialties" && !x.is_empty())
            .map(|(_, x)| x.clone())
            .collect(),
        former_employers: tie("former_uscc", "former_name", "former_left_on")
            .into_iter()
            .collect(),
        conflicts: tie("conflict_uscc", "conflict_note", "")
            .into_iter()
            .collect(),
    };
    // Never echo the password or the identity number back into the page.
    let keep: Vec<(String, String)> = f
        .iter()
        .filter(|(k, _)| k != "password" && k != "id_number")
        .cloned()
        .collect();
    match experts::apply(&s.db, &a, &input, s.now()).await {
        Ok(_) => apply_response(&s, l, vec![], vec![], true).await,
        Err(ServiceError::Invalid(i)) => apply_response(&s, l, i.0, keep, false).await,
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "expert.html")]
struct ExpertPage {
    l: Layout,
    e: ExpertView,
    credit: CreditView,
    /// The expert's own page: invitations, notifications and the availability forms.
    own: bool,
    supervisor: bool,
    staff: bool,
    invitations: Vec<Invitation>,
    notifications: Vec<Notification>,
    errors: Vec<FieldError>,
    done: Option<String>,
}

impl ExpertPage {
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn yuan(&self, fen: &i64) -> String {
        format!("¥{}", ggzy_core::Money::from_fen(*fen))
    }
    fn invitation_status(&self, s: &str) -> &'static str {
        match s {
            "invited" => self.l.t("待答复", "awaiting your reply"),
            "accepted" => self.l.t("已确认参加", "accepted"),
            "declined" => self.l.t("已谢绝", "declined"),
            "no_answer" => self.l.t("逾期未答复", "no answer"),
            _ => self.l.t("其他", "other"),
        }
    }
}

async fn expert_response(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> Response {
    let now = s.now();
    let e = match experts::get(&s.db, a, id, now).await {
        Ok(e) => e,
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            let st = crate::problem::ApiError(e).problem().status;
            return forbidden_page(l, a, st);
        }
        Err(e) => return error_page(l, StatusCode::NOT_FOUND, e),
    };
    let credit = match credit::credit(&s.db, a, id, now).await {
        Ok(c) => c,
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let own = a.account_id == Some(e.account_id);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&ExpertPage {
        invitations: if own {
            draw::invitations(&s.db, a).await.unwrap_or_default()
        } else {
            vec![]
        },
        notifications: if own {
            notify::for_account(&s.db, e.account_id)
                .await
                .unwrap_or_default()
        } else {
            vec![]
        },
        supervisor: a.has(Permission::Supervise),
        staff: a.has(Permission::IntakeProcess),
        own,
        e,
        credit,
        errors,
        done,
        l,
    });
    *r.status_mut() = status;
    r
}

async fn me_page(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("experts");
    match experts::expert_of(&s.db, &a).await {
        Ok(Some(id)) => expert_response(&s, &a, l, id, vec![], None).await,
        Ok(None) if a.account_id.is_none() => forbidden_page(l, &a, 401),
        Ok(None) => Redirect::to("/experts/apply").into_response(),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// Days an expert cannot serve (`POST /experts/me/unavailable`).
#[derive(Deserialize)]
struct UnavailableForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    reason: String,
}

impl Step for UnavailableForm {
    const NAME: &'static str = "unavailable";
    async fn run(self, s: &AppState, a: &Actor, _expert: Uuid) -> Result<(), ServiceError> {
        let i = UnavailableInput {
            from: self.from,
            until: self.until,
            reason: self.reason,
        };
        experts::add_unavailability(&s.db, a, &i, s.now()).await
    }
}

/// A conflict the expert declares (`POST /experts/me/conflict`).
#[derive(Deserialize)]
struct ConflictForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    note: String,
}

impl Step for ConflictForm {
    const NAME: &'static str = "conflict";
    async fn run(self, s: &AppState, a: &Actor, _expert: Uuid) -> Result<(), ServiceError> {
        let i = TieInput {
            uscc: self.uscc,
            note: self.note,
            left_on: None,
        };
        experts::declare_conflict(&s.db, a, &i, s.now()).await
    }
}

/// A step on the signed-in expert's own record.
async fn submit_mine<F: Step>(State(s): State<AppState>, visit: Visit, body: String) -> Response {
    let Visit { a, l } = visit.at("experts");
    let Ok(Some(id)) = experts::expert_of(&s.db, &a).await else {
        return forbidden_page(l, &a, 403);
    };
    let r = F::run_posted(&s, &a, id, &body).await;
    finish(&s, &a, l, id, r, F::NAME).await
}

async fn expert_page(State(s): State<AppState>, visit: Visit, Path(id): Path<Uuid>) -> Response {
    let Visit { a, l } = visit.at("experts");
    expert_response(&s, &a, l, id, vec![], None).await
}

/// The centre's vetting decision (`POST /experts/{id}/status`).
#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

impl Step for StatusForm {
    const NAME: &'static str = "status";
    async fn run(self, s: &AppState, a: &Actor, expert: Uuid) -> Result<(), ServiceError> {
        let i = StatusInput {
            status: self.status,
            reason: self.reason,
        };
        experts::set_status(&s.db, a, expert, &i, s.now()).await
    }
}

/// Misconduct recorded against an expert, with an optional ban (`POST /experts/{id}/misconduct`).
#[derive(Deserialize)]
struct MisconductForm {
    #[serde(default)]
    lot_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    regulation: String,
    #[serde(default)]
    article: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    voids_scores: Option<String>,
    #[serde(default)]
    ban: Option<String>,
    #[serde(default)]
    ban_until: String,
    #[serde(default)]
    ban_scope: Vec<String>,
}

impl Step for MisconductForm {
    const NAME: &'static str = "misconduct";
    async fn run(self, s: &AppState, a: &Actor, expert: Uuid) -> Result<(), ServiceError> {
        let on = |v: &Option<String>| v.as_deref() == Some("on");
        let ban = on(&self.ban).then(|| credit::BanInput {
            until: Some(self.ban_until.clone()).filter(|x| !x.is_empty()),
            scope: self.ban_scope.clone(),
        });
        let i = credit::MisconductInput {
            lot_id: self.lot_id.trim().parse().ok(),
            points: self.points.trim().parse().unwrap_or(101),
            voids_scores: on(&self.voids_scores),
            description: self.description,
            regulation: self.regulation,
            article: self.article,
            ban,
        };
        credit::record_misconduct(&s.db, a, expert, &i, s.now()).await
    }
}

/// The dishonest-debtor query's answer (`POST /experts/{id}/credit-check`).
#[derive(Deserialize)]
struct CreditCheckForm {
    #[serde(default)]
    dishonest: String,
}

impl Step for CreditCheckForm {
    const NAME: &'static str = "credit-check";
    async fn run(self, s: &AppState, a: &Actor, expert: Uuid) -> Result<(), ServiceError> {
        experts::record_dishonest_check(&s.db, a, expert, self.dishonest == "yes", s.now()).await
    }
}

/// A step on an expert's record by the centre or the department.
async fn submit<F: Step>(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let Visit { a, l } = visit.at("experts");
    let r = F::run_posted(&s, &a, id, &body).await;
    finish(&s, &a, l, id, r, F::NAME).await
}

async fn finish(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    r: Result<(), ServiceError>,
    action: &str,
) -> Response {
    match r {
        Ok(()) => expert_response(s, a, l, id, vec![], Some(action.to_string())).await,
        Err(ServiceError::Invalid(i)) => expert_response(s, a, l, id, i.0, None).await,
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            let st = crate::problem::ApiError(e).problem().status;
            forbidden_page(l, a, st)
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
