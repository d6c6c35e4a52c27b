//! The steps a lot's page submits, one route and one typed form each (`POST /lots/{id}/{step}`).
//! A form reads the fields its step needs, turns the page's text into the store's input (dates
//! in Beijing time, ids, checkboxes) and calls one store command; the page comes back with the
//! step done, or with each field's refusal and the values typed so nothing is lost.
//!
//! Adding a step: a form struct here with [`Step`], its route in [`router`], its form in the
//! template posting to `/lots/{{ d.id }}/<name>`.

use crate::auth::{CsrfToken, CurrentActor};
use crate::pages::Layout;
use crate::pages_tendering::{parse_day, parse_local, refusal_page};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::evaluation::{MemberSheet, RejectionReason};
use ggzy_store::experts::{self, credit, draw};
use ggzy_store::procurement::{self, challenges};
use ggzy_store::tendering::notices::{self, NoticeContent};
use ggzy_store::tendering::{bids, complaints, evaluation, intake, sealing};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::future::Future;
use uuid::Uuid;

/// One step of a lot's procedure as its page submits it.
pub trait Step: DeserializeOwned + Send + 'static {
    /// The route's last segment, also shown as the step done.
    const NAME: &'static str;

    fn run(
        self,
        s: &AppState,
        a: &Actor,
        lot: Uuid,
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;
}

macro_rules! steps {
    ($($form:ty),* $(,)?) => {
        pub fn router() -> Router<AppState> {
            Router::new()
                $(.route(&format!("/lots/{{id}}/{}", <$form>::NAME), post(submit::<$form>)))*
        }
    };
}

steps!(
    NoticeForm,
    PrequalNoticeForm,
    InviteForm,
    SupplierDrawForm,
    FinalQuotesRequestForm,
    FinalQuoteForm,
    ChallengeForm,
    ChallengeReplyForm,
    GpComplaintForm,
    GpComplaintStepForm,
    ClarifyForm,
    ObjectionForm,
    ReplyForm,
    ApplyForm,
    ReviewForm,
    WithdrawForm,
    OpenForm,
    ShareForm,
    DrawForm,
    RateForm,
    AskBidderForm,
    AnswerBidderForm,
    DrawReplyForm,
    CheckInForm,
    SheetForm,
    SignForm,
    PublicityForm,
    AwardForm,
    ContractForm,
    RefundForm,
    ReportForm,
    RetenderForm,
    ComplaintForm,
    HandleComplaintForm,
);

async fn submit<F: Step>(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    h: HeaderMap,
    Extension(c): Extension<CsrfToken>,
    Path(id): Path<Uuid>,
    body: String,
) -> Response {
    let r = match serde_html_form::from_str::<F>(&body) {
        Ok(form) => form.run(&s, &a, id).await,
        Err(e) => Err(FieldError::new(
            "form",
            "form.malformed",
            "表单内容有误，请刷新页面后重试",
            format!("The form could not be read ({e}); reload the page and try again"),
        )
        .into()),
    };
    let l = Layout::new(&h, &c, &a, "lots");
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

/// The notice's content, shared by the tender, prequalification and invitation forms.
#[derive(Deserialize)]
struct ContentFields {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    consortium_allowed: Option<String>,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    documents: String,
}

impl ContentFields {
    fn content(self) -> NoticeContent {
        NoticeContent {
            consortium_allowed: checked(&self.consortium_allowed),
            scope: self.scope,
            qualification: self.qualification,
            contact: self.contact,
            documents: self.documents,
        }
    }
}

#[derive(Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    documents_from: String,
    #[serde(default)]
    documents_until: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(flatten)]
    content: ContentFields,
}

impl Step for NoticeForm {
    const NAME: &'static str = "notice";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::TenderNoticeInput {
            documents_from: at("documents_from", &self.documents_from)?,
            documents_until: at("documents_until", &self.documents_until)?,
            bid_deadline: at("bid_deadline", &self.bid_deadline)?,
            content: self.content.content(),
        };
        notices::publish_tender_notice(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct PrequalNoticeForm {
    #[serde(default)]
    documents_from: String,
    #[serde(default)]
    documents_until: String,
    #[serde(default)]
    applications_due: String,
    #[serde(flatten)]
    content: ContentFields,
}

impl Step for PrequalNoticeForm {
    const NAME: &'static str = "prequal-notice";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::PrequalNoticeInput {
            documents_from: at("documents_from", &self.documents_from)?,
            documents_until: at("documents_until", &self.documents_until)?,
            applications_due: at("applications_due", &self.applications_due)?,
            content: self.content.content(),
        };
        notices::publish_prequal_notice(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    invitees: Vec<String>,
    #[serde(default)]
    documents_from: String,
    #[serde(default)]
    documents_until: String,
    #[serde(default)]
    bid_deadline: String,
    // Not flattened: a flattened form reads a single invitee as text, not as a list.
    #[serde(default)]
    scope: String,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    consortium_allowed: Option<String>,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    documents: String,
}

impl Step for InviteForm {
    const NAME: &'static str = "invite";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::InviteInput {
            invitees: uuids(&self.invitees),
            documents_from: at("documents_from", &self.documents_from)?,
            documents_until: at("documents_until", &self.documents_until)?,
            bid_deadline: at("bid_deadline", &self.bid_deadline)?,
            content: ContentFields {
                scope: self.scope,
                qualification: self.qualification,
                consortium_allowed: self.consortium_allowed,
                contact: self.contact,
                documents: self.documents,
            }
            .content(),
        };
        notices::invite(&s.db, a, lot, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct SupplierDrawForm {
    #[serde(default)]
    suppliers: Vec<String>,
    #[serde(default)]
    count: String,
}

impl Step for SupplierDrawForm {
    const NAME: &'static str = "supplier-draw";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = procurement::SupplierDrawInput {
            suppliers: uuids(&self.suppliers),
            count: self.count.trim().parse().unwrap_or(0),
        };
        procurement::draw_suppliers(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct FinalQuotesRequestForm {
    #[serde(default)]
    due: String,
}

impl Step for FinalQuotesRequestForm {
    const NAME: &'static str = "final-quotes-request";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = procurement::FinalQuotesInput {
            due: at("due", &self.due)?,
        };
        procurement::request_final_quotes(&s.db, a, lot, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct FinalQuoteForm {
    #[serde(default)]
    price: String,
}

impl Step for FinalQuoteForm {
    const NAME: &'static str = "final-quote";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = procurement::FinalQuoteInput { price: self.price };
        procurement::submit_final_quote(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ChallengeForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    step_ended_on: String,
}

impl Step for ChallengeForm {
    const NAME: &'static str = "challenge";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let step_ended_on = match self.step_ended_on.trim() {
            "" => None,
            d => Some(parse_day("step_ended_on", d)?),
        };
        let i = challenges::ChallengeInput {
            subject: self.subject,
            text: self.text,
            step_ended_on,
        };
        challenges::file_challenge(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ChallengeReplyForm {
    #[serde(default)]
    challenge_id: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    upheld: String,
}

impl Step for ChallengeReplyForm {
    const NAME: &'static str = "challenge-reply";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let cid = uuid_or(&self.challenge_id, ServiceError::NotFound("challenge"))?;
        let i = challenges::ChallengeReplyInput {
            reply: self.reply,
            upheld: self.upheld == "yes",
        };
        challenges::reply_challenge(&s.db, a, lot, cid, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct GpComplaintForm {
    #[serde(default)]
    challenge_id: String,
    #[serde(default)]
    text: String,
}

impl Step for GpComplaintForm {
    const NAME: &'static str = "gp-complaint";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = challenges::GpComplaintInput {
            challenge_id: uuid_or(&self.challenge_id, ServiceError::NotFound("challenge"))?,
            text: self.text,
        };
        challenges::file_complaint(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct GpComplaintStepForm {
    #[serde(default)]
    complaint_id: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    text: String,
}

impl Step for GpComplaintStepForm {
    const NAME: &'static str = "gp-complaint-step";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let cid = uuid_or(&self.complaint_id, ServiceError::NotFound("complaint"))?;
        let i = challenges::ComplaintStepInput {
            action: self.step,
            until: optional_at("until", &self.until)?,
            text: some_text(&self.text),
        };
        challenges::handle_complaint(&s.db, a, cid, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ClarifyForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    new_deadline: String,
}

impl Step for ClarifyForm {
    const NAME: &'static str = "clarify";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::ClarificationInput {
            new_deadline: optional_at("new_deadline", &self.new_deadline)?,
            text: self.text,
        };
        notices::clarify(&s.db, a, lot, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text: String,
}

impl Step for ObjectionForm {
    const NAME: &'static str = "objection";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::ObjectionInput {
            subject: self.subject,
            text: self.text,
        };
        notices::raise_objection(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    objection_id: String,
    #[serde(default)]
    reply: String,
}

impl Step for ReplyForm {
    const NAME: &'static str = "reply";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let oid = uuid_or(&self.objection_id, ServiceError::NotFound("objection"))?;
        let i = notices::ReplyInput { reply: self.reply };
        notices::reply_objection(&s.db, a, oid, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    statement: String,
}

impl Step for ApplyForm {
    const NAME: &'static str = "apply";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::PrequalApplication {
            statement: self.statement,
        };
        notices::apply_prequal(&s.db, a, lot, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    passed: Vec<String>,
}

impl Step for ReviewForm {
    const NAME: &'static str = "review";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = notices::PrequalReview {
            passed: uuids(&self.passed),
        };
        notices::review_prequal(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct WithdrawForm {}

impl Step for WithdrawForm {
    const NAME: &'static str = "withdraw";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        bids::withdraw(&s.db, a, lot, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct OpenForm {}

impl Step for OpenForm {
    const NAME: &'static str = "open";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        bids::open(&s.db, a, lot, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    share: String,
}

impl Step for ShareForm {
    const NAME: &'static str = "share";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let clock = s.clock.clone();
        let i = sealing::ShareInput { share: self.share };
        sealing::submit_share(&s.db, &s.vault, a, lot, &i, &move || clock.now())
            .await
            .map(drop)
    }
}

/// The committee's draw: up to three specialty groups (`g0_specialty`, `g0_count`, …).
#[derive(Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    evaluation_on: String,
    #[serde(default)]
    reply_within_minutes: String,
    #[serde(default)]
    cross_region: String,
    #[serde(flatten)]
    groups: BTreeMap<String, String>,
}

impl Step for DrawForm {
    const NAME: &'static str = "draw";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let field = |k: String| self.groups.get(&k).map_or("", |v| v.trim());
        let groups = (0..3)
            .filter(|k| !field(format!("g{k}_specialty")).is_empty())
            .map(|k| draw::GroupInput {
                specialty: field(format!("g{k}_specialty")).into(),
                count: field(format!("g{k}_count")).parse().unwrap_or(0),
            })
            .collect();
        let i = draw::DrawInput {
            groups,
            representatives: vec![],
            evaluation_on: self.evaluation_on.clone(),
            reply_within_minutes: self.reply_within_minutes.trim().parse().ok(),
            cross_region: self
                .cross_region
                .split([',', '，', ' '])
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
        };
        draw::request(&s.db, a, lot, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
}

impl Step for RateForm {
    const NAME: &'static str = "rate";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let account: Uuid = self.account_id.trim().parse().unwrap_or_default();
        let expert = experts::expert_of_account(&s.db, account)
            .await?
            .unwrap_or_default();
        let i = credit::RatingInput {
            expert_id: expert,
            stars: self.stars.trim().parse().unwrap_or(0),
            comment: self.comment,
        };
        credit::rate(&s.db, a, lot, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct AskBidderForm {
    #[serde(default)]
    bidder_id: String,
    #[serde(default)]
    question: String,
}

impl Step for AskBidderForm {
    const NAME: &'static str = "ask-bidder";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::AskInput {
            bidder_id: self.bidder_id.trim().parse().unwrap_or_default(),
            question: self.question,
        };
        evaluation::ask_bidder(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct AnswerBidderForm {
    #[serde(default)]
    clarification_id: String,
    #[serde(default)]
    answer: String,
}

impl Step for AnswerBidderForm {
    const NAME: &'static str = "answer-bidder";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let cid: Uuid = self.clarification_id.trim().parse().unwrap_or_default();
        let i = evaluation::AnswerInput {
            answer: self.answer,
        };
        evaluation::answer_bidder_clarification(&s.db, a, cid, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct DrawReplyForm {
    #[serde(default)]
    accept: String,
    #[serde(default)]
    reason: String,
}

impl Step for DrawReplyForm {
    const NAME: &'static str = "draw-reply";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = draw::ReplyInput {
            accept: self.accept == "yes",
            reason: self.reason,
        };
        draw::reply(&s.db, a, lot, &i, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    id_number: String,
}

impl Step for CheckInForm {
    const NAME: &'static str = "check-in";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = draw::CheckInInput {
            id_number: self.id_number,
        };
        draw::check_in(&s.db, a, lot, &i, s.now()).await
    }
}

/// A member's sheet: `s.<bidder>.<criterion>` scores and `r.<bidder>` rejections.
#[derive(Deserialize)]
pub struct SheetForm {
    #[serde(flatten)]
    cells: BTreeMap<String, String>,
}

impl SheetForm {
    fn sheet(&self) -> Result<MemberSheet, ServiceError> {
        let mut sheet = MemberSheet::default();
        let mut errs = ggzy_core::Invalid::default();
        for (k, val) in &self.cells {
            if let Some((b, c)) = k.strip_prefix("s.").and_then(|r| r.split_once('.'))
                && let Ok(b) = b.parse::<Uuid>()
            {
                match val.trim().parse::<u32>() {
                    Ok(n) => {
                        sheet.scores.entry(b).or_default().insert(c.to_string(), n);
                    }
                    Err(_) if val.trim().is_empty() => {}
                    Err(_) => errs.push(FieldError::new(
                        format!("scores.{b}.{c}"),
                        "evaluation.score_format",
                        "分值应为整数",
                        "Scores are whole numbers",
                    )),
                }
            }
            if let Some(b) = k.strip_prefix("r.")
                && let Ok(b) = b.parse::<Uuid>()
                && let Some(r) = RejectionReason::parse(val)
            {
                sheet.rejections.insert(b, r);
            }
        }
        if !errs.is_empty() {
            return Err(errs.into());
        }
        // A rejected bid is not scored, whatever the page sent for it.
        let rejected: Vec<Uuid> = sheet.rejections.keys().copied().collect();
        for b in rejected {
            sheet.scores.remove(&b);
        }
        Ok(sheet)
    }
}

impl Step for SheetForm {
    const NAME: &'static str = "sheet";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let sheet = self.sheet()?;
        evaluation::submit_sheet(&s.db, a, lot, &sheet, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    dissent: String,
}

impl Step for SignForm {
    const NAME: &'static str = "sign";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::SignInput {
            dissent: Some(self.dissent),
        };
        evaluation::sign_report(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct PublicityForm {
    #[serde(default)]
    until: String,
}

impl Step for PublicityForm {
    const NAME: &'static str = "publicity";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::PublicityInput {
            until: at("until", &self.until)?,
        };
        evaluation::start_publicity(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    winner: String,
}

impl Step for AwardForm {
    const NAME: &'static str = "award";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let winner = self.winner.trim().parse().map_err(|_| {
            FieldError::new(
                "winner",
                "award.winner",
                "请选择中标人",
                "Choose the winner",
            )
        })?;
        evaluation::award(&s.db, a, lot, &evaluation::AwardInput { winner }, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    signed_on: String,
}

impl Step for ContractForm {
    const NAME: &'static str = "contract";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::ContractInput {
            signed_on: parse_day("signed_on", &self.signed_on)?,
            amount: self.amount,
        };
        evaluation::record_contract(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    bidder_id: String,
    #[serde(default)]
    refunded_on: String,
}

impl Step for RefundForm {
    const NAME: &'static str = "refund";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let bidder_id = self.bidder_id.trim().parse().map_err(|_| {
            FieldError::new(
                "bidder_id",
                "refund.bidder",
                "请选择投标人",
                "Choose the bidder",
            )
        })?;
        let i = evaluation::RefundInput {
            bidder_id,
            refunded_on: parse_day("refunded_on", &self.refunded_on)?,
        };
        evaluation::mark_refunded(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    body: String,
}

impl Step for ReportForm {
    const NAME: &'static str = "report";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::TenderingReportInput { body: self.body };
        evaluation::submit_tendering_report(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RetenderForm {}

impl Step for RetenderForm {
    const NAME: &'static str = "retender";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        intake::retender(&s.db, a, lot, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    knew_on: String,
    #[serde(default)]
    objection_id: String,
}

impl Step for ComplaintForm {
    const NAME: &'static str = "complaint";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = complaints::ComplaintInput {
            knew_on: parse_day("knew_on", &self.knew_on)?,
            objection_id: self.objection_id.trim().parse().ok(),
            text: self.text,
        };
        complaints::file(&s.db, a, lot, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct HandleComplaintForm {
    #[serde(default)]
    complaint_id: String,
    #[serde(default)]
    accept: String,
    #[serde(default)]
    text: String,
}

impl Step for HandleComplaintForm {
    const NAME: &'static str = "handle-complaint";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let cid = uuid_or(&self.complaint_id, ServiceError::NotFound("complaint"))?;
        let i = complaints::ComplaintDecision {
            accept: self.accept != "no",
            text: some_text(&self.text),
        };
        complaints::handle(&s.db, a, cid, &i, s.now())
            .await
            .map(drop)
    }
}
