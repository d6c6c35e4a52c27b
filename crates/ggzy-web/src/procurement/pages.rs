//! Government procurement pages: the list of procurements and published intentions, the buyer's
//! intention form, and registration under a method with its grounds. Each procurement's own page
//! is the shared lot page, which adds the method, deadlines, challenges and complaints.

use crate::construction::pages::bj;
use crate::pages::Visit;
use crate::pages::{Layout, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::evaluation::{Criterion, Method, Scorer};
use ggzy_core::procedure::{ProcedureKind, Stage};
use ggzy_core::procurement::{Ground, PurchaseMethod};
use ggzy_core::role::Permission;
use ggzy_store::procurement::{
    self, IntentionInput, IntentionView, ProcurementInput, ProcurementRow,
};
use ggzy_store::{Actor, ServiceError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/procurement", get(index))
        .route("/procurement/intentions", post(intention_submit))
        .route("/procurement/new", post(register_submit))
}

fn v<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "procurement.html")]
struct IndexPage {
    l: Layout,
    rows: Vec<ProcurementRow>,
    intentions: Vec<IntentionView>,
    /// The actor may register procurements (buyer or agency).
    buyer: bool,
    methods: Vec<PurchaseMethod>,
    grounds: Vec<Ground>,
    errors: Vec<FieldError>,
    form: &'static str,
    values: Vec<(String, String)>,
    done: Option<String>,
}

impl IndexPage {
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn yuan(&self, f: &i64) -> String {
        ggzy_core::Money::from_fen(*f).to_string()
    }
    fn kind(&self, code: &str) -> &'static str {
        ProcedureKind::parse(code).map_or("", |k| self.l.t(k.label_zh(), k.label_en()))
    }
    fn stage(&self, code: &str) -> &'static str {
        Stage::parse(code).map_or("", |s| self.l.t(s.label_zh(), s.label_en()))
    }
    fn ground(&self, g: &Ground) -> &'static str {
        self.l.t(g.label_zh(), g.label_en())
    }
    fn article(&self, g: &Ground) -> String {
        let (r, a) = g.article();
        format!("{r} 第{a}条")
    }
    fn ground_key(&self, g: &Ground) -> String {
        serde_json::to_value(g)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
    fn val(&self, k: &str) -> &str {
        v(&self.values, k)
    }
    fn checked(&self, k: &str, x: &str) -> bool {
        self.values.iter().any(|(n, y)| n == k && y == x)
    }
    fn err(&self, k: &str) -> Option<&FieldError> {
        self.errors
            .iter()
            .find(|e| e.field == k || e.field.starts_with(&format!("{k}.")))
    }
}

async fn page(
    s: &AppState,
    a: &Actor,
    l: Layout,
    form: &'static str,
    errors: Vec<FieldError>,
    values: Vec<(String, String)>,
    done: Option<String>,
) -> Response {
    let rows = procurement::list(&s.db, a, 200).await.unwrap_or_default();
    let intentions = procurement::intentions(&s.db, 100)
        .await
        .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&IndexPage {
        buyer: a.has(Permission::ProjectRegister),
        methods: PurchaseMethod::ALL.to_vec(),
        grounds: PurchaseMethod::ALL
            .iter()
            .flat_map(|m| m.grounds().iter().copied())
            .fold(vec![], |mut acc, g| {
                if !acc.contains(&g) {
                    acc.push(g);
                }
                acc
            }),
        l,
        rows,
        intentions,
        errors,
        form,
        values,
        done,
    });
    *r.status_mut() = status;
    r
}

#[derive(serde::Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn index(
    State(s): State<AppState>,
    visit: Visit,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    let Visit { a, l } = visit.at("procurement");
    page(&s, &a, l, "", vec![], vec![], q.done).await
}

fn field_errors(e: ServiceError) -> Result<Vec<FieldError>, ServiceError> {
    match e {
        ServiceError::Invalid(i) => Ok(i.0),
        other => Err(other),
    }
}

async fn intention_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("procurement");
    let input = IntentionInput {
        principal_id: None,
        region_code: v(&f, "region_code").into(),
        name: v(&f, "name").into(),
        category: v(&f, "category").into(),
        budget: v(&f, "budget").into(),
        sme_reserved: v(&f, "sme_reserved") == "on",
        expected_month: v(&f, "expected_month").into(),
        description: v(&f, "description").into(),
    };
    match procurement::publish_intention(&s.db, &a, &input, s.now()).await {
        Ok(_) => Redirect::to("/procurement?done=intention#intentions").into_response(),
        Err(e) => match field_errors(e) {
            Ok(errs) => page(&s, &a, l, "intention", errs, f, None).await,
            Err(e) => crate::pages::error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}

/// The points method from the form: a price weight and criteria written one per line as
/// `名称 分值` (a trailing `客观` marks an objective criterion).
fn evaluation(f: &[(String, String)]) -> Result<Method, FieldError> {
    if v(f, "evaluation") != "points" {
        return Ok(Method::LowestEvaluatedPrice);
    }
    let price_points: u32 = v(f, "price_weight").trim().parse().map_err(|_| {
        FieldError::new(
            "evaluation.price_weight",
            "procurement.price_weight",
            "请填写价格分值",
            "Give the price weight",
        )
    })?;
    let mut criteria = vec![];
    for (i, line) in v(f, "criteria")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (name, points, objective, scorer) = match parts.as_slice() {
            [n, p] => (*n, *p, false, Scorer::Members),
            [n, p, "客观"] => (*n, *p, true, Scorer::Members),
            [n, p, "信用"] => (*n, *p, false, Scorer::CreditGrade),
            _ => ("", "", false, Scorer::Members),
        };
        let max_points: u32 = points.parse().map_err(|_| {
            FieldError::new(
                "evaluation.criteria",
                "procurement.criteria",
                format!("第{}行应为“名称 分值”", i + 1),
                format!("Line {} is 'name points'", i + 1),
            )
        })?;
        criteria.push(Criterion {
            key: format!("c{}", i + 1),
            name: name.into(),
            max_points,
            objective,
            scorer,
        });
    }
    Ok(Method::Points {
        price_points,
        criteria,
    })
}

async fn register_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("procurement");
    let evaluation = match evaluation(&f) {
        Ok(m) => m,
        Err(e) => return page(&s, &a, l, "register", vec![e], f, None).await,
    };
    let grounds: Vec<Ground> = f
        .iter()
        .filter(|(k, _)| k == "grounds")
        .filter_map(|(_, g)| serde_json::from_value(serde_json::Value::String(g.clone())).ok())
        .collect();
    let opt = |k: &str| Some(v(&f, k).trim().to_string()).filter(|x| !x.is_empty());
    let input = ProcurementInput {
        name: v(&f, "name").into(),
        description: v(&f, "description").into(),
        principal_id: None,
        agency_id: None,
        region_code: v(&f, "region_code").into(),
        supervising_department: v(&f, "supervising_department").into(),
        intention_id: opt("intention_id").and_then(|x| x.parse().ok()),
        category: v(&f, "category").into(),
        budget: v(&f, "budget").into(),
        max_price: opt("max_price"),
        sme_reserved: v(&f, "sme_reserved") == "on",
        method: v(&f, "method").into(),
        grounds,
        approval_ref: opt("approval_ref"),
        original_contract: opt("original_contract"),
        bid_bond: v(&f, "bid_bond").into(),
        evaluation,
        sme_small_percent: opt("sme_small_percent").and_then(|x| x.parse().ok()),
        sme_partner_percent: None,
    };
    match procurement::register(&s.db, &a, &input, s.now()).await {
        Ok(r) => {
            Redirect::to(&format!("/lots/{}?done=registered", r.lots[0].lot_id)).into_response()
        }
        Err(e) => match field_errors(e) {
            Ok(errs) => page(&s, &a, l, "register", errs, f, None).await,
            Err(e) => crate::pages::error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}
