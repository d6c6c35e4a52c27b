//! The public's credit pages — the list of bans and serious 失信 records, and a page per company
//! by its credit code — and the supervisor's form for recording a decision. What each shows is
//! what [`ggzy_store::credit`] returns for the public; nothing is filtered here.

use crate::pages::{Layout, Visit, error_page, render_form};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use ggzy_core::FieldError;
use ggzy_core::credit::correction::{self as cc, CorrectionKind, CorrectionPack};
use ggzy_core::credit::grade::GradeFormula;
use ggzy_core::credit::{BanGround, CreditPack, RecordKind, RecordStatus};
use ggzy_core::role::Permission;
use ggzy_store::ServiceError;
use ggzy_store::credit::correction::{self, CorrectionView, CreditCorrectionInput, DecisionInput};
use ggzy_store::credit::{self, CreditRecordView, GradeView, RecordInput};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credit", get(list_page))
        .route("/credit/records", post(record_submit))
        .route("/credit/{uscc}", get(company_page))
        .route("/credit/records/{id}/objection", post(objection_submit))
        .route("/credit/records/{id}/repair", post(repair_submit))
        .route("/credit/corrections/{id}/decision", post(decision_submit))
        .route("/credit/records/{id}/revocation", post(revocation_submit))
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
    /// The objections and repairs the supervisor has to decide, the earliest due first.
    queue: Vec<CorrectionView>,
    /// A refused decision: which one, and why.
    decision_errors: Option<(Uuid, Vec<FieldError>)>,
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
    fn trades(&self) -> [(&'static str, &'static str, &'static str); 4] {
        ggzy_core::notice::TRADE_KINDS
    }
    fn formula(&self) -> GradeFormula {
        GradeFormula::v2026()
    }
    fn error_for(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }
    /// The errors of a refused decision on this correction.
    fn decision_errors_for(&self, id: &Uuid) -> &[FieldError] {
        match &self.decision_errors {
            Some((d, e)) if d == id => e,
            _ => &[],
        }
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
            "trade_kind" => &f.trade_kind,
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
    list_response(&s, &a, l, RecordForm::default(), vec![], lookup_error, None).await
}

async fn list_response(
    s: &AppState,
    a: &ggzy_store::Actor,
    l: Layout,
    form: RecordForm,
    errors: Vec<FieldError>,
    lookup_error: bool,
    decision_errors: Option<(Uuid, Vec<FieldError>)>,
) -> Response {
    let now = s.now();
    let supervisor = a.has(Permission::Supervise);
    let loaded = async {
        let bans = credit::public_bans(&s.db, now, 200).await?;
        let queue = if supervisor {
            correction::pending_for(&s.db, a, now).await?
        } else {
            vec![]
        };
        Ok::<_, ServiceError>((bans, queue))
    };
    match loaded.await {
        Ok((bans, queue)) => {
            let refused = !errors.is_empty() || lookup_error || decision_errors.is_some();
            render_form(
                &ListPage {
                    l,
                    bans,
                    supervisor,
                    form,
                    errors,
                    lookup_error,
                    queue,
                    decision_errors,
                },
                refused,
            )
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The supervisor's form, as typed: every field text so a refused form comes back as it was.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RecordForm {
    #[serde(default)]
    pub(crate) uscc: String,
    #[serde(default)]
    pub(crate) entity_name: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) ground: String,
    #[serde(default)]
    pub(crate) major: Option<String>,
    #[serde(default)]
    pub(crate) decision_no: String,
    #[serde(default)]
    pub(crate) authority: String,
    #[serde(default)]
    pub(crate) basis: String,
    #[serde(default)]
    pub(crate) facts: String,
    #[serde(default)]
    pub(crate) decided_on: String,
    #[serde(default)]
    pub(crate) starts_on: String,
    #[serde(default)]
    pub(crate) ends_on: String,
    #[serde(default)]
    pub(crate) region_code: String,
    #[serde(default)]
    pub(crate) evidence: String,
    #[serde(default)]
    pub(crate) trade_kind: String,
}

impl RecordForm {
    pub(crate) fn input(&self) -> Result<RecordInput, Vec<FieldError>> {
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
                trade_kind: Some(self.trade_kind.clone()).filter(|t| !t.trim().is_empty()),
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
        Err(errors) => return list_response(&s, &a, l, f, errors, false, None).await,
    };
    match credit::record(&s.db, &a, &input, s.now()).await {
        Ok(r) => Redirect::to(&format!("/credit/{}", r.row.uscc)).into_response(),
        Err(ServiceError::Invalid(e)) => list_response(&s, &a, l, f, e.0, false, None).await,
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
    /// Records under a pending objection: the public sees that the company disputes them.
    objected: Vec<Uuid>,
    /// The viewer speaks for this company: every record of its own, with what it may ask.
    own: Vec<OwnRecord>,
    /// The company's objections and repairs (the company itself, supervisors and auditors).
    corrections: Vec<CorrectionView>,
    /// A refused filing or revocation: on which record, and why.
    filing_errors: Option<(Uuid, Vec<FieldError>)>,
    /// The viewer supervises: the page offers the revocation of the records that still stand.
    supervises: bool,
    revocable: Vec<CreditRecordView>,
}

/// One of the company's own records and what the domain lets it ask about it now.
struct OwnRecord {
    view: CreditRecordView,
    may_object: bool,
    may_repair: bool,
    /// Why a repair cannot be asked (yet, or here), in both languages.
    repair_note: Option<FieldError>,
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
    fn under_objection(&self, r: &CreditRecordView) -> bool {
        self.objected.contains(&r.row.id)
    }
    fn status(&self, r: &CreditRecordView) -> &'static str {
        match RecordStatus::parse(&r.row.status) {
            Some(RecordStatus::Revoked) => self.l.t("已撤销", "Revoked"),
            Some(RecordStatus::Repaired) => self.l.t("已修复，停止公示", "Repaired, not shown"),
            _ if r.in_force => self.l.t("生效中", "In force"),
            _ => self.l.t("已届满", "Ended"),
        }
    }
    fn msg<'a>(&self, e: &'a FieldError) -> &'a str {
        if self.l.en {
            &e.message_en
        } else {
            &e.message_zh
        }
    }
    fn filing_errors_for(&self, id: &Uuid) -> &[FieldError] {
        match &self.filing_errors {
            Some((r, e)) if r == id => e,
            _ => &[],
        }
    }
    fn pack(&self) -> CorrectionPack {
        CorrectionPack::v2026()
    }
}

async fn company_page(
    State(s): State<AppState>,
    visit: Visit,
    Path(uscc): Path<String>,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let Ok(uscc) = ggzy_core::Uscc::parse(&uscc) else {
        return error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("company"));
    };
    company_response(&s, &a, l, uscc.as_str(), None).await
}

async fn company_response(
    s: &AppState,
    a: &ggzy_store::Actor,
    l: Layout,
    uscc: &str,
    filing_errors: Option<(Uuid, Vec<FieldError>)>,
) -> Response {
    let now = s.now();
    let supervises = a.has(Permission::Supervise);
    let loaded = async {
        let records = credit::public_of(&s.db, uscc, now).await?;
        let grade = credit::grade_of(&s.db, uscc, now).await?;
        let name = credit::registered_name(&s.db, uscc)
            .await?
            .or_else(|| records.first().map(|r| r.row.entity_name.clone()));
        let objected = correction::under_objection(&s.db, uscc).await?;
        let corrections = correction::of_company(&s.db, a, uscc, now).await?;
        let own = if correction::company_of(&s.db, a).await?.as_deref() == Some(uscc) {
            own_records(&credit::all_of(&s.db, uscc).await?, &corrections, now)
        } else {
            vec![]
        };
        let revocable = if supervises {
            credit::all_of(&s.db, uscc)
                .await?
                .into_iter()
                .filter(|r| r.status != RecordStatus::Revoked.code())
                .map(|r| r.view(now, &CreditPack::v2026()))
                .collect()
        } else {
            vec![]
        };
        Ok::<_, ServiceError>((records, grade, name, objected, corrections, own, revocable))
    };
    match loaded.await {
        Ok((records, grade, name, objected, corrections, own, revocable)) => {
            let refused = filing_errors.is_some();
            render_form(
                &CompanyPage {
                    l,
                    uscc: uscc.to_string(),
                    name,
                    records,
                    grade,
                    objected,
                    own,
                    corrections,
                    filing_errors,
                    supervises,
                    revocable,
                },
                refused,
            )
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// What the company may ask about each of its records, by the domain's rules, with nothing
/// offered while one of the same kind is pending.
fn own_records(
    rows: &[credit::RecordRow],
    corrections: &[CorrectionView],
    now: DateTime<Utc>,
) -> Vec<OwnRecord> {
    let pack = CreditPack::v2026();
    let cpack = CorrectionPack::v2026();
    let pending = |id: Uuid, kind: CorrectionKind| {
        corrections
            .iter()
            .any(|c| c.pending && c.row.record_id == id && c.row.kind == kind.code())
    };
    rows.iter()
        .filter_map(|r| {
            let st = r.standing()?;
            if st.kind == RecordKind::Good {
                return None;
            }
            let repair = cc::may_repair(&st, r.decided_on, now, &cpack);
            Some(OwnRecord {
                may_object: cc::may_object(&st).is_ok()
                    && !pending(r.id, CorrectionKind::Objection),
                may_repair: repair.is_ok() && !pending(r.id, CorrectionKind::Repair),
                repair_note: repair.err().filter(|e| {
                    st.status == RecordStatus::Active && e.code != "credit.record_not_active"
                }),
                view: r.clone().view(now, &pack),
            })
        })
        .collect()
}

/// What a company writes when it objects or asks for repair.
#[derive(Debug, Default, Deserialize)]
struct FilingForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    commitment: Option<String>,
}

async fn objection_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<FilingForm>,
) -> Response {
    file_submit(s, visit, id, CorrectionKind::Objection, f).await
}

async fn repair_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<FilingForm>,
) -> Response {
    file_submit(s, visit, id, CorrectionKind::Repair, f).await
}

async fn file_submit(
    s: AppState,
    visit: Visit,
    id: Uuid,
    kind: CorrectionKind,
    f: FilingForm,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let input = CreditCorrectionInput {
        reason: f.reason,
        commitment: f.commitment.is_some(),
    };
    match correction::file(&s.db, &a, id, kind, &input, s.now()).await {
        Ok(c) => Redirect::to(&format!("/credit/{}#corrections", c.row.uscc)).into_response(),
        Err(ServiceError::Invalid(e)) => match correction::company_of(&s.db, &a).await {
            Ok(Some(uscc)) => company_response(&s, &a, l, &uscc, Some((id, e.0))).await,
            Ok(None) => error_page(
                l,
                StatusCode::FORBIDDEN,
                ServiceError::Forbidden(Permission::EntityManage),
            ),
            Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
        },
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            error_page(l, StatusCode::FORBIDDEN, e)
        }
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// A supervisor's revocation as typed.
#[derive(Debug, Default, Deserialize)]
struct RevocationForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    document_no: String,
}

async fn revocation_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<RevocationForm>,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let input = correction::RevocationInput {
        reason: f.reason,
        document_no: f.document_no,
    };
    match correction::revoke(&s.db, &a, id, &input, s.now()).await {
        Ok(r) => Redirect::to(&format!("/credit/{}#revocable", r.row.uscc)).into_response(),
        Err(ServiceError::Invalid(e)) => match credit::uscc_of_record(&s.db, id).await {
            Ok(Some(uscc)) => company_response(&s, &a, l, &uscc, Some((id, e.0))).await,
            Ok(None) => error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("record")),
            Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
        },
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            error_page(l, StatusCode::FORBIDDEN, e)
        }
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// The supervisor's decision as typed.
#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    /// "grant" or "refuse".
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

async fn decision_submit(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let Visit { a, l } = visit.at("credit");
    let granted = match f.outcome.as_str() {
        "grant" => true,
        "refuse" => false,
        _ => {
            let e = FieldError::new(
                "granted",
                "credit.outcome_required",
                "请选择处理结果",
                "Choose an outcome",
            );
            return list_response(
                &s,
                &a,
                l,
                RecordForm::default(),
                vec![],
                false,
                Some((id, vec![e])),
            )
            .await;
        }
    };
    let input = DecisionInput {
        granted,
        reason: f.reason,
    };
    match correction::decide(&s.db, &a, id, &input, s.now()).await {
        Ok(c) => Redirect::to(&format!("/credit/{}#corrections", c.row.uscc)).into_response(),
        Err(ServiceError::Invalid(e)) => {
            list_response(
                &s,
                &a,
                l,
                RecordForm::default(),
                vec![],
                false,
                Some((id, e.0)),
            )
            .await
        }
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            error_page(l, StatusCode::FORBIDDEN, e)
        }
        Err(e @ ServiceError::NotFound(_)) => error_page(l, StatusCode::NOT_FOUND, e),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
