//! Project intake (进场登记) as a page: the principal or its agency registers a project and its
//! lot with the tender, the evaluation method and its own scoring criteria; the platform decides
//! whether tendering is compulsory and refuses each field with its rule.

use crate::construction::pages::{Err3, v};
use crate::pages::Visit;
use crate::pages::{Layout, error_page, forbidden_page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use ggzy_core::FieldError;
use ggzy_core::evaluation::{Criterion, Method, Scorer};
use ggzy_store::ServiceError;
use ggzy_store::tendering::intake::{self, LotInput, ProjectInput};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/projects/new",
        get(new_project_page).post(new_project_submit),
    )
}

#[derive(Template)]
#[template(path = "project_new.html")]
struct NewProjectPage {
    l: Layout,
    values: BTreeMap<String, String>,
    errors: Vec<Err3>,
    regions: Vec<ggzy_store::regions::Region>,
}

impl NewProjectPage {
    fn val(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    /// A scoring criterion's field as typed (`c1_name`, `c1_points`, `c1_objective`).
    fn criterion(&self, k: &usize, field: &str) -> String {
        self.val(&format!("c{k}_{field}"))
    }
    fn err(&self, k: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == k || e.field.ends_with(&format!(".{k}")))
            .map(|e| {
                let m = if self.l.en { &e.en } else { &e.zh };
                if e.rule.is_empty() {
                    m.clone()
                } else {
                    format!("{m}（{}）", e.rule)
                }
            })
    }
}

async fn new_project_page(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("lots");
    if !a.has(ggzy_core::role::Permission::ProjectRegister) {
        return forbidden_page(l, &a, if a.account_id.is_none() { 401 } else { 403 });
    }
    // The form starts in the principal's own region, with the usual tender and method.
    let region = a
        .grants
        .first()
        .map(|g| g.region.to_string())
        .unwrap_or_default();
    let values = [
        ("region_code", region.as_str()),
        ("category", "works"),
        ("procedure", "open_tender"),
        ("method", "points"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let regions = ggzy_store::regions::list(&s.db).await.unwrap_or_default();
    render(&NewProjectPage {
        l,
        values,
        errors: vec![],
        regions,
    })
}

async fn new_project_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("lots");
    let method = match method_of(&f) {
        Ok(m) => m,
        Err(e) => return project_refused(&s, l, f, e).await,
    };
    let input = ProjectInput {
        name: v(&f, "name").into(),
        description: v(&f, "description").into(),
        principal_id: None,
        agency_id: None,
        region_code: v(&f, "region_code").into(),
        supervising_department: v(&f, "supervising_department").into(),
        total_investment: v(&f, "total_investment").into(),
        state_budget: v(&f, "state_budget").into(),
        state_owned_leading: v(&f, "state_owned_leading") == "on",
        international: v(&f, "international") == "on",
        lots: vec![LotInput {
            name: v(&f, "lot_name").into(),
            category: v(&f, "category").into(),
            estimated_price: v(&f, "estimated_price").into(),
            bid_bond: v(&f, "bid_bond").into(),
            max_price: Some(v(&f, "max_price").into()),
            procedure: v(&f, "procedure").into(),
            invited_ground: Some(v(&f, "invited_ground").into()),
            method,
        }],
    };
    match intake::register_project(&s.db, &a, &input, s.now()).await {
        Ok(r) => Redirect::to(&format!("/lots/{}?done=registered#done", r.lots[0].lot_id))
            .into_response(),
        Err(ServiceError::Invalid(i)) => project_refused(&s, l, f, i.0).await,
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            let st = crate::problem::ApiError(e).problem().status;
            forbidden_page(l, &a, st)
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The evaluation method the principal chose: the lowest evaluated price, or comprehensive
/// points with the price's points and up to five criteria of its own (names, points, whether
/// the committee scores them objectively). The weights are checked with the lot.
fn method_of(f: &[(String, String)]) -> Result<Method, Vec<FieldError>> {
    if v(f, "method") == "lowest" {
        return Ok(Method::LowestEvaluatedPrice);
    }
    let mut errors = vec![];
    let points = |field: String, errors: &mut Vec<FieldError>| -> u32 {
        v(f, &field).trim().parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                field,
                "evaluation.points_format",
                "分值应为整数",
                "Points are whole numbers",
            ));
            0
        })
    };
    let price_points = points("price_points".into(), &mut errors);
    let mut criteria = vec![];
    for k in 1..=5 {
        let name = v(f, &format!("c{k}_name")).trim();
        if name.is_empty() {
            continue;
        }
        criteria.push(Criterion {
            key: format!("c{k}"),
            name: name.into(),
            max_points: points(format!("c{k}_points"), &mut errors),
            objective: v(f, &format!("c{k}_objective")) == "on",
            scorer: if v(f, &format!("c{k}_credit")) == "on" {
                Scorer::CreditGrade
            } else {
                Scorer::Members
            },
        });
    }
    if errors.is_empty() {
        Ok(Method::Points {
            price_points,
            criteria,
        })
    } else {
        Err(errors)
    }
}

async fn project_refused(
    s: &AppState,
    l: Layout,
    f: Vec<(String, String)>,
    errors: Vec<FieldError>,
) -> Response {
    let errors: Vec<Err3> = errors
        .into_iter()
        .map(|e| {
            let field = e.field.replace("lots[0].", "").replace(
                "name",
                if e.field.starts_with("lots[0]") {
                    "lot_name"
                } else {
                    "name"
                },
            );
            Err3 {
                field,
                ..Err3::from(e)
            }
        })
        .collect();
    let regions = ggzy_store::regions::list(&s.db).await.unwrap_or_default();
    let values = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    let mut r = render(&NewProjectPage {
        l,
        values,
        errors,
        regions,
    });
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}
