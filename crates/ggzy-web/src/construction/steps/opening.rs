//! Withdrawing a bid before the deadline, the opening, and a custodian's key share.

use super::*;

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
