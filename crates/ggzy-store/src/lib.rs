//! Persistence and application services of ggzy.
//!
//! Each service function takes the database, the acting [`actor::Actor`] and the current time
//! (read from the injected clock by the caller), checks the actor's permission itself, and makes
//! its change and the change's event in one transaction.

pub mod accounts;
pub mod actor;
pub mod alerts;
pub mod auctions;
pub mod calendar;
pub mod collusion;
pub mod credit;
pub mod db;
pub mod entities;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod experts;
pub mod grants;
pub mod notices;
pub mod notify;
pub mod procurement;
pub mod receipts;
pub mod regime;
pub mod regions;
pub mod reports;
pub mod tendering;
pub mod vault;
pub mod xlsx;

/// Apply the migrations, then bring the data they describe up to date: the disclosure
/// catalogue's shipped lines, and the search words of notices published before search.
pub async fn migrate(db: &Db) -> ServiceResult<()> {
    db.migrate()
        .await
        .map_err(|e| ServiceError::Internal(format!("migrations: {e}")))?;
    notices::seed_catalogue(db).await?;
    notices::index_unindexed(db).await?;
    Ok(())
}

pub use actor::Actor;
pub use db::{Db, Tx};
pub use error::{ServiceError, ServiceResult};
