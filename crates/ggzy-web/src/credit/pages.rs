//! The public's credit pages — the list of bans and serious 失信 records, and a page per company
//! by its credit code — and the supervisor's form for recording a decision. What each shows is
//! what [`ggzy_store::credit`] returns for the public; nothing is filtered here.

use crate::pages::{Layout, Visit, error_page, render, render_form};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ggzy_core::FieldError;
use ggzy_core::credit::grade::GradeFormula;
use ggzy_core::credit::{BanGround, RecordKind};
use ggzy_core::role::Permission;
use ggzy_store::ServiceError;
use ggzy_store::credit::{self, CreditRecordView, GradeView, RecordInput};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credit", get(list_page))
        .route("/credit/records", post(record_submit))
        .route("/credit/{uscc}", get(company_page))
}

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// Dates and names the credit templates share.
trait Show {
    fn l(&self) -> &Layout;

    fn day(&self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&east8()).format("%Y-%m-%d").to_string()
    }
    /// The last day a record applies (its end instant is the next day's 00:00 in Beijing).
    fn last_day(&self, t: &Option<DateTime<Utc>>) -> String {
        match t {
            Some(t) => (t.with_timezone(&east8()) - chrono::Duration::days(1))
                .format("%Y-%m-%d")
                .to_string(),
            None => self.l().t("至移出名单", "until removed").to_string(),
        }
    }
    fn kind(&self, r: &CreditRecordView) -> &'static str {
        self.l().t(r.kind_zh, r.kind_en)
    }
    fn bars(&self, r: &CreditRecordView) -> String {
        if r.bars.is_empty() {
            return self
                .l()
                .t("不限制参与交易", "restricts nothing")
                .to_string();
        }
        r.bars
            .iter()
            .map(|t| self.l().t(t.name_zh(), t.name_en()))
            .collect::<Vec<_>>()
            .join(self.l().t("、", ", "))
    }
}

#[derive(Template)]
#[template(path = "credit.html")]
struct ListPage {
    l: Layout,
    bans: Vec<CreditRecordView>,
    /// A supervisor sees the form for recording a decision.
    supervisor: bool,
    form: RecordForm,
    errors: Vec<FieldError>,
    lookup_error: bool,
}

impl Show for ListPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl ListPage {
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        RecordKind::ALL
            .iter()
            .map(|k| (k.code(), self.l.t(k.name_zh(), k.name_en())))
            .collect()
    }
    fn grounds(&self) -> Vec<(&'static str, String)> {
        BanGround::ALL
            .iter()
            .map(|g| {
                let r = g.rule();
                (
                    g.code(),
                    format!(
                        "{}（{} 第{}条，{}–{}年）",
                        g.name_zh(),
                        r.regulation,
                        r.article,
                        r.min_years,
                        r.max_years
                    ),
                )
            })
            .collect()
    }
    fn formula(&self) -> GradeFormula {
        GradeFormula::v2026()
    }
    fn error_for(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }
    /// The form's value of a field, so a refused form comes back as it was typed.
    fn val(&self, k: &str) -> &str {
        let f = &self.form;
        match k {
            "uscc" => &f.uscc,
            "entity_name" => &f.entity_name,
            "kind" => &f.kind,
            "ground" => &f.ground,
            "decision_no" => &f.decision_no,
            "authority" => &f.authority,
            "basis" => &f.basis,
            "facts" => &f.facts,
            "decided_on" => &f.decided_on,
            "starts_on" => &f.starts_on,
            "ends_on" => &f.ends_on,
            "region_code" => &f.region_code,
            "evidence" => &f.evidence,
            _ => "",
        }
    }
}

#[derive(Deserialize)]
struct LookupQuery {
    #[serde(default)]
    uscc: Option<String>,
}

async fn list_page(
    State(s): State<AppState>,
    visit: Visit,
    Query(q): Query<LookupQuery>,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let lookup = q.uscc.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let mut lookup_error = false;
    if let Some(u) = lookup {
        match ggzy_core::Uscc::parse(u) {
            Ok(u) => return Redirect::to(&format!("/credit/{}", u.as_str())).into_response(),
            Err(_) => lookup_error = true,
        }
    }
    list_response(&s, &a, l, RecordForm::default(), vec![], lookup_error).await
}

async fn list_response(
    s: &AppState,
    a: &ggzy_store::Actor,
    l: Layout,
    form: RecordForm,
    errors: Vec<FieldError>,
    lookup_error: bool,
) -> Response {
    match credit::public_bans(&s.db, s.now(), 200).await {
        Ok(bans) => {
            let refused = !errors.is_empty() || lookup_error;
            render_form(
                &ListPage {
                    l,
                    bans,
                    supervisor: a.has(Permission::Supervise),
                    form,
                    errors,
                    lookup_error,
                },
                refused,
            )
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The supervisor's form, as typed: every field text so a refused form comes back as it was.
#[derive(Debug, Default, Deserialize)]
struct RecordForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    entity_name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    major: Option<String>,
    #[serde(default)]
    decision_no: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    region_code: String,
    #[serde(default)]
    evidence: String,
}

impl RecordForm {
    fn input(&self) -> Result<RecordInput, Vec<FieldError>> {
        let mut errs = vec![];
        let mut day = |field: &str, v: &str, required: bool| -> Option<NaiveDate> {
            let v = v.trim();
            if v.is_empty() {
                if required {
                    errs.push(FieldError::required(field));
                }
                return None;
            }
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| {
                    errs.push(FieldError::new(
                        field,
                        "credit.bad_date",
                        "日期格式应为 YYYY-MM-DD",
                        "Dates are written YYYY-MM-DD",
                    ))
                })
                .ok()
        };
        let decided_on = day("decided_on", &self.decided_on, true);
        let starts_on = day("starts_on", &self.starts_on, true);
        let ends_on = day("ends_on", &self.ends_on, false);
        let evidence: Vec<i64> = self
            .evidence
            .split([',', '，', ' '])
            .filter(|s| !s.trim().is_empty())
            .filter_map(|s| match s.trim().parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.push(FieldError::new(
                        "evidence",
                        "credit.bad_evidence",
                        "证据应为交易日志事件序号，用逗号分隔",
                        "Evidence is log event numbers separated by commas",
                    ));
                    None
                }
            })
            .collect();
        match (decided_on, starts_on) {
            (Some(decided_on), Some(starts_on)) if errs.is_empty() => Ok(RecordInput {
                uscc: self.uscc.clone(),
                entity_name: self.entity_name.clone(),
                kind: self.kind.clone(),
                ground: Some(self.ground.clone()).filter(|g| !g.trim().is_empty()),
                major: self.major.is_some(),
                decision_no: self.decision_no.clone(),
                authority: self.authority.clone(),
                basis: self.basis.clone(),
                facts: self.facts.clone(),
                decided_on,
                starts_on,
                ends_on,
                published_until: None,
                region_code: self.region_code.clone(),
                evidence,
            }),
            _ => Err(errs),
        }
    }
}

async fn record_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<RecordForm>,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let input = match f.input() {
        Ok(i) => i,
        Err(errors) => return list_response(&s, &a, l, f, errors, false).await,
    };
    match credit::record(&s.db, &a, &input, s.now()).await {
        Ok(r) => Redirect::to(&format!("/credit/{}", r.row.uscc)).into_response(),
        Err(ServiceError::Invalid(e)) => list_response(&s, &a, l, f, e.0, false).await,
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            error_page(l, StatusCode::FORBIDDEN, e)
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "credit_company.html")]
struct CompanyPage {
    l: Layout,
    uscc: String,
    name: Option<String>,
    records: Vec<CreditRecordView>,
    grade: GradeView,
}

impl Show for CompanyPage {
    fn l(&self) -> &Layout {
        &self.l
    }
}

impl CompanyPage {
    fn barred_now(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.in_force && !r.bars.is_empty())
    }
    fn good(&self, r: &CreditRecordView) -> bool {
        r.row.kind == RecordKind::Good.code()
    }
}

async fn company_page(
    State(s): State<AppState>,
    visit: Visit,
    Path(uscc): Path<String>,
) -> Response {
    let l = visit.at("credit").l;
    let Ok(uscc) = ggzy_core::Uscc::parse(&uscc) else {
        return error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("company"));
    };
    let now = s.now();
    let records = match credit::public_of(&s.db, uscc.as_str(), now).await {
        Ok(r) => r,
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let grade = match credit::grade_of(&s.db, uscc.as_str(), now).await {
        Ok(g) => g,
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let name = match credit::registered_name(&s.db, uscc.as_str()).await {
        Ok(n) => n.or_else(|| records.first().map(|r| r.row.entity_name.clone())),
        Err(e) => return error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    render(&CompanyPage {
        l,
        uscc: uscc.as_str().to_string(),
        name,
        records,
        grade,
    })
}
