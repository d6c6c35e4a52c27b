//! The committee: the expert draw and the experts' reply and check-in, their questions to
//! bidders and the answers, and the rating of an expert afterwards.

use super::*;

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
