//! The steps a grant's page submits, one route and one typed form each
//! (`POST /grants/{id}/<step>`): apply, go on, quote, admit or refuse an applicant, record a
//! refund, sign the confirmation and publish the result. Refusals re-render the grant's page
//! with each field's message.

use crate::grants::pages::{field_errors, grant_with, parse_date};
use crate::pages::Visit;
use crate::pages::{Step, error_page, step_routes};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ggzy_core::FieldError;
use ggzy_core::grant::PaymentTerms;
use ggzy_store::grants::{self, ConfirmInput, QuoteInput, RefundInput, ReviewInput};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    step_routes!(
        "/grants/{id}",
        submit,
        ApplyForm,
        GoOnForm,
        QuoteForm,
        AdmitForm,
        RefuseForm,
        RefundForm,
        ConfirmForm,
        ResultForm,
        TerminateForm
    )
}

async fn submit<F: Step>(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let Visit { a, l } = visit.at("grants");
    let r = F::run_posted(&s, &a, id, &body).await;
    match r {
        Ok(()) => Redirect::to(&format!("/grants/{id}?done={}", F::NAME)).into_response(),
        Err(e) => match field_errors(e) {
            Ok(errs) => grant_with(&s, &a, l, id, errs, None).await,
            Err(e @ ServiceError::OutOfOrder { .. }) => {
                let p = crate::problem::ApiError(e).problem();
                let fe =
                    FieldError::new("step", "procedure.out_of_order", p.message_zh, p.message_en);
                grant_with(&s, &a, l, id, vec![fe], None).await
            }
            Err(e) => error_page(l, StatusCode::FORBIDDEN, e),
        },
    }
}

fn applicant(v: &str) -> Result<Uuid, ServiceError> {
    Uuid::parse_str(v.trim()).map_err(|_| {
        FieldError::new(
            "entity",
            "form.entity",
            "请选择申请人",
            "Choose the applicant",
        )
        .into()
    })
}

#[derive(Deserialize)]
pub struct ApplyForm {}

impl Step for ApplyForm {
    const NAME: &'static str = "apply";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        grants::apply(&s.db, a, grant, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct GoOnForm {}

impl Step for GoOnForm {
    const NAME: &'static str = "go-on";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        grants::go_on(&s.db, a, grant, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct QuoteForm {
    #[serde(default)]
    amount: String,
}

impl Step for QuoteForm {
    const NAME: &'static str = "quote";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let i = QuoteInput {
            amount: self.amount,
        };
        grants::quote(&s.db, a, grant, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct AdmitForm {
    #[serde(default)]
    entity: String,
}

impl Step for AdmitForm {
    const NAME: &'static str = "admit";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let i = ReviewInput {
            admit: true,
            reason: Some(String::new()),
        };
        grants::review(&s.db, a, grant, applicant(&self.entity)?, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RefuseForm {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    reason: String,
}

impl Step for RefuseForm {
    const NAME: &'static str = "refuse";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let i = ReviewInput {
            admit: false,
            reason: Some(self.reason),
        };
        grants::review(&s.db, a, grant, applicant(&self.entity)?, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    refunded_on: String,
}

impl Step for RefundForm {
    const NAME: &'static str = "refund";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let i = RefundInput {
            refunded_on: parse_date("refunded_on", &self.refunded_on)?,
        };
        grants::refund(&s.db, a, grant, applicant(&self.entity)?, &i, s.now())
            .await
            .map(drop)
    }
}

/// The confirmation (成交确认书) with its payment terms: in one sum, or in instalments with the
/// first payment, the day the rest is due and whether it is secured.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    contract_by: String,
    #[serde(default)]
    payment: String,
    #[serde(default)]
    first: String,
    #[serde(default)]
    rest_by: String,
    #[serde(default)]
    secured: Option<String>,
}

impl Step for ConfirmForm {
    const NAME: &'static str = "confirm";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let contract_by = parse_date("contract_by", &self.contract_by)?;
        let payment = match self.payment.as_str() {
            "instalments" => Some(PaymentTerms::Instalments {
                first: ggzy_core::Money::parse_yuan("first", &self.first)?,
                rest_by: parse_date("rest_by", &self.rest_by)?,
                secured: self.secured.as_deref() == Some("on"),
            }),
            "lump_sum" => Some(PaymentTerms::LumpSum),
            _ => None,
        };
        let i = ConfirmInput {
            contract_by,
            payment,
        };
        grants::confirm(&s.db, a, grant, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ResultForm {}

impl Step for ResultForm {
    const NAME: &'static str = "result";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        grants::publish_result(&s.db, a, grant, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct TerminateForm {
    #[serde(default)]
    reason: String,
}

impl Step for TerminateForm {
    const NAME: &'static str = "terminate";
    async fn run(self, s: &AppState, a: &Actor, grant: Uuid) -> Result<(), ServiceError> {
        let i = grants::TerminationInput {
            reason: self.reason,
        };
        grants::terminate(&s.db, a, grant, &i, s.now())
            .await
            .map(drop)
    }
}
