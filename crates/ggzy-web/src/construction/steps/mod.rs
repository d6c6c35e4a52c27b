//! The steps a lot's page submits, one route and one typed form each (`POST /lots/{id}/{step}`).
//! A form reads the fields its step needs, turns the page's text into the store's input (dates
//! in Beijing time, ids, checkboxes) and calls one store command; the page comes back with the
//! step done, or with each field's refusal and the values typed so nothing is lost.
//!
//! Adding a step: a form struct with [`Step`] in the module of its part of the procedure, its
//! type in the list in [`router`], and its form in the template posting to
//! `/lots/{{ d.id }}/<name>`.

use crate::construction::pages::{parse_day, parse_local, refusal_page};
use crate::pages::Visit;
use crate::pages::{Step, step_routes};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::evaluation::{MemberSheet, RejectionReason};
use ggzy_store::evaluation::{self, performance};
use ggzy_store::experts::{self, credit, draw};
use ggzy_store::procurement::{self, challenges};
use ggzy_store::tendering::notices::{self, NoticeContent};
use ggzy_store::tendering::{bids, complaints, intake, sealing};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

mod award;
mod committee;
mod gov_procurement;
mod notice;
mod opening;
mod supervision;

pub fn router() -> Router<AppState> {
    step_routes!(
        "/lots/{id}",
        submit,
        notice::NoticeForm,
        notice::PrequalNoticeForm,
        notice::InviteForm,
        gov_procurement::SupplierDrawForm,
        gov_procurement::FinalQuotesRequestForm,
        gov_procurement::FinalQuoteForm,
        gov_procurement::ChallengeForm,
        gov_procurement::ChallengeReplyForm,
        gov_procurement::GpComplaintForm,
        gov_procurement::GpComplaintStepForm,
        notice::ClarifyForm,
        notice::QualificationsForm,
        notice::ObjectionForm,
        notice::ReplyForm,
        notice::ApplyForm,
        notice::ReviewForm,
        opening::WithdrawForm,
        opening::OpenForm,
        opening::ShareForm,
        committee::DrawForm,
        committee::RateForm,
        committee::AskBidderForm,
        committee::AnswerBidderForm,
        committee::DrawReplyForm,
        committee::CheckInForm,
        award::SheetForm,
        award::SignForm,
        award::PublicityForm,
        award::AwardForm,
        award::ContractForm,
        award::SupplementForm,
        award::AcceptanceForm,
        award::RefundForm,
        award::ReportForm,
        award::RetenderForm,
        award::TerminateForm,
        award::ComplaintForm,
        award::HandleComplaintForm,
        supervision::OrderForm,
        supervision::OrderAnswerForm,
    )
}

async fn submit<F: Step>(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let Visit { a, l } = visit.at("lots");
    let r = F::run_posted(&s, &a, id, &body).await;
    match r {
        Ok(()) => Redirect::to(&format!("/lots/{id}?done={}#done", F::NAME)).into_response(),
        Err(e) => {
            let values = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .filter(|(k, _)| k != "csrf")
                .collect();
            refusal_page(&s, &a, l, id, e, values).await
        }
    }
}

fn at(field: &str, v: &str) -> Result<DateTime<Utc>, ServiceError> {
    parse_local(field, v).map_err(ServiceError::from)
}

fn optional_at(field: &str, v: &str) -> Result<Option<DateTime<Utc>>, ServiceError> {
    match v.trim() {
        "" => Ok(None),
        _ => at(field, v).map(Some),
    }
}

fn uuids(v: &[String]) -> Vec<Uuid> {
    v.iter().filter_map(|s| s.trim().parse().ok()).collect()
}

fn uuid_or(v: &str, missing: ServiceError) -> Result<Uuid, ServiceError> {
    v.trim().parse().map_err(|_| missing)
}

fn checked(v: &Option<String>) -> bool {
    v.as_deref() == Some("on")
}

fn some_text(v: &str) -> Option<String> {
    Some(v.to_string()).filter(|t| !t.trim().is_empty())
}
