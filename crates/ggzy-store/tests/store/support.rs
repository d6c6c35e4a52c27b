//! What every store test module starts from.

use chrono::{DateTime, Utc};
use ggzy_demo::testing::{TestDb, epoch};
use ggzy_store::accounts::actor_of;
use ggzy_store::{Actor, Db, ServiceError};

/// The codes of a refusal, comma-separated; `out_of_order:<stage>` and `forbidden:<permission>`
/// for the other refusals.
pub fn code(e: &ServiceError) -> String {
    match e {
        ServiceError::Invalid(i) => {
            i.0.iter()
                .map(|f| f.code.to_string())
                .collect::<Vec<_>>()
                .join(",")
        }
        ServiceError::OutOfOrder { stage, .. } => format!("out_of_order:{stage}"),
        ServiceError::Forbidden(p) => format!("forbidden:{}", p.as_str()),
        other => other.to_string(),
    }
}

/// A demo account acting from the loopback address.
pub async fn who(db: &Db, u: &str) -> Actor {
    actor_of(db, u, "127.0.0.1").await.expect(u)
}

/// Every backend (SQLite, and PostgreSQL when `GGZY_TEST_PG_URL` is set), each seeded with the
/// demo city at the test epoch, which comes with it.
pub async fn seeded() -> Vec<(TestDb, DateTime<Utc>)> {
    let now = epoch();
    let mut out = vec![];
    for t in TestDb::all().await {
        ggzy_demo::seed(&t.db, now).await.expect("seed");
        out.push((t, now));
    }
    out
}

/// A demo open tender walked to its tendering stage from `t0`, with the vault its bids go to.
pub async fn tendering_lot(
    db: &Db,
    name: &str,
    t0: DateTime<Utc>,
) -> (std::sync::Arc<ggzy_store::vault::BidVault>, uuid::Uuid) {
    let vault = std::sync::Arc::new(ggzy_store::vault::BidVault::temporary().expect("vault"));
    let lot = ggzy_demo::tendering::walk(
        db,
        &vault,
        name,
        "open_tender",
        ggzy_demo::tendering::Walk::Tendering,
        t0,
    )
    .await
    .expect("walk");
    (vault, lot)
}

/// `user` seals `form` with one file `body` and submits it at `at`.
pub async fn bid_as(
    db: &Db,
    vault: &std::sync::Arc<ggzy_store::vault::BidVault>,
    lot: uuid::Uuid,
    user: &str,
    form: &ggzy_store::tendering::bids::BidFormInput,
    body: &[u8],
    at: DateTime<Utc>,
) -> Result<ggzy_store::tendering::bids::Receipt, ServiceError> {
    let sealed =
        ggzy_demo::tendering::seal_bid(db, lot, user, form, vec![("v.txt".into(), body.to_vec())])
            .await
            .expect("seal");
    let a = who(db, user).await;
    ggzy_store::tendering::bids::submit(
        db,
        vault,
        &a,
        lot,
        sealed,
        &ggzy_store::tendering::bids::Origin::default(),
        &move || at,
    )
    .await
}
