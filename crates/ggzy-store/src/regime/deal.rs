//! A deal's whole public life under its code (统一交易标识码): every notice, the dates they set and
//! the steps its log records, each with its place in the log. It reads lots and grants alike, so
//! it sits in the seam above both.

use crate::db::Db;
use crate::error::ServiceResult;
use crate::events::{self, StoredEvent};
use crate::notices::{self, PublicNotice};
use chrono::{DateTime, Utc};
use ggzy_core::deal::{KeyDate, grant_dates, lot_dates};
use std::collections::BTreeSet;
use uuid::Uuid;

/// What anyone may read of one deal.
#[derive(Debug, Clone)]
pub struct DealLife {
    pub notices: Vec<PublicNotice>,
    pub dates: Vec<KeyDate>,
    /// The log's events about the deal, oldest first; sealed ones appear once their moment came
    /// (the one rule of [`events::list`]).
    pub events: Vec<StoredEvent>,
}

/// The life of the deal `code`; not found when nothing was published under it.
pub async fn life(db: &Db, code: &str, now: DateTime<Utc>) -> ServiceResult<DealLife> {
    let notices = notices::of_deal(db, code).await?;
    let lots: BTreeSet<Uuid> = notices.iter().filter_map(|n| n.lot_id).collect();
    let grants: BTreeSet<Uuid> = notices.iter().filter_map(|n| n.grant_id).collect();
    let codes: BTreeSet<&str> = notices
        .iter()
        .filter_map(|n| n.deal_code.as_deref())
        .collect();
    let mut dates = Vec::new();
    let mut subjects = Vec::new();
    for id in &lots {
        dates.extend(lot_dates(&crate::tendering::load(db, *id).await?.state));
        subjects.push(format!("lot:{id}"));
    }
    for id in &grants {
        let g = crate::grants::view(db, *id, None, now).await?;
        dates.extend(grant_dates(
            g.apply_until,
            g.starts_at,
            g.free_until,
            g.closed_at,
        ));
        subjects.push(format!("grant:{id}"));
    }
    for c in codes {
        if let Ok(p) = crate::grants::pre_disclosure(db, c).await {
            subjects.push(format!("pre_disclosure:{}", p.id));
        }
    }
    dates.sort_by_key(|d| d.at);
    let mut events = Vec::new();
    for s in &subjects {
        events.extend(events::list(db, Some(s), None, 500).await?);
    }
    events.sort_by_key(|e| e.seq);
    Ok(DealLife {
        notices,
        dates,
        events,
    })
}
