//! Notices and what answers them before the deadline: the tender, prequalification and
//! invitation notices, clarifications, objections and their replies, prequalification.

use super::*;

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
        ggzy_store::regime::invite(&s.db, a, lot, &i, s.now()).await
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

/// The qualifications bidders must hold: one row per type, with the lowest grade accepted.
#[derive(Deserialize)]
pub struct QualificationsForm {
    #[serde(default)]
    name: Vec<String>,
    #[serde(default)]
    min_grade: Vec<String>,
}

impl Step for QualificationsForm {
    const NAME: &'static str = "qualifications";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let requirements = self
            .name
            .iter()
            .zip(
                self.min_grade
                    .iter()
                    .chain(std::iter::repeat(&String::new())),
            )
            .filter(|(n, g)| !n.trim().is_empty() || !g.trim().is_empty())
            .map(|(n, g)| ggzy_core::qualification::Requirement {
                name: n.clone(),
                min_grade: g.clone(),
            })
            .take(ggzy_core::qualification::MAX_REQUIREMENTS + 1)
            .collect();
        let i = ggzy_store::tendering::qualifications::RequirementsInput { requirements };
        ggzy_store::tendering::qualifications::set(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}
