//! Published notices, read by the portal's home page. The trading capabilities write them.

use crate::db::Db;
use crate::error::ServiceResult;
use crate::on_db;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// The four sectors a platform must cover (公共资源交易平台管理暂行办法 Art 8).
pub const TRADE_KINDS: [(&str, &str, &str); 4] = [
    ("construction", "工程建设", "Construction"),
    ("procurement", "政府采购", "Government procurement"),
    ("land_mining", "土地和矿业权", "Land and mining rights"),
    ("state_property", "国有产权", "State property"),
];

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NoticeSummary {
    pub id: Uuid,
    pub trade_kind: String,
    pub notice_kind: String,
    pub title: String,
    pub region_code: String,
    pub published_at: DateTime<Utc>,
}

pub async fn latest(db: &Db, trade_kind: &str, limit: i64) -> ServiceResult<Vec<NoticeSummary>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, NoticeSummary>(
        "SELECT id, trade_kind, notice_kind, title, region_code, published_at FROM notices
         WHERE trade_kind = $1 ORDER BY published_at DESC, id DESC LIMIT $2"
    )
    .bind(trade_kind)
    .bind(limit.clamp(1, 100))
    .fetch_all(p)
    .await?))
}
