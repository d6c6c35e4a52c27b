//! The supervisor's orders on a lot and the principal's answer to an order to correct.

use super::optional_at;
use crate::pages::Step;
use crate::state::AppState;
use ggzy_core::FieldError;
use ggzy_core::intervention::InterventionKind;
use ggzy_store::regime::{self, InterventionAnswer, InterventionInput};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    basis: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    due_at: String,
}

impl Step for OrderForm {
    const NAME: &'static str = "order";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let kind = InterventionKind::parse(&self.kind)
            .ok_or_else(|| ServiceError::from(FieldError::required("kind")))?;
        let i = InterventionInput {
            kind,
            basis: self.basis,
            reason: self.reason,
            due_at: optional_at("due_at", &self.due_at)?,
        };
        regime::order(&s.db, a, lot, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct OrderAnswerForm {
    #[serde(default)]
    intervention_id: String,
    #[serde(default)]
    answer: String,
}

impl Step for OrderAnswerForm {
    const NAME: &'static str = "order_answer";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let id = super::uuid_or(
            &self.intervention_id,
            ServiceError::NotFound("intervention"),
        )?;
        let i = InterventionAnswer {
            answer: self.answer,
        };
        regime::answer_intervention(&s.db, a, id, &i, s.now())
            .await
            .map(drop)
    }
}
