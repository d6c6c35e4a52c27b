//! The procurement steps: the supplier draw, final quotes, challenges (质疑) and complaints to
//! the finance department.

use super::*;

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
