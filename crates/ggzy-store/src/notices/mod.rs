//! Published notices (信息公开): one way to publish for every trade, the disclosure catalogue
//! that says what each kind must contain, search, the public feed and a deal's timeline.
//!
//! Publishing appends a `notice.published` event in the publisher's transaction and takes that
//! event's seq as the notice's own: the log proves the notice, and because appending queues on
//! the log's head, seqs become visible in the order they were given — which is what lets the
//! feed's cursor never skip or repeat a notice while publishers race readers.

mod catalogue;
mod search;
pub use catalogue::*;
pub use search::*;

use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::notice::{filter_tokens, index_terms, missing_content};
use ggzy_core::{FieldError, Invalid};
use serde::Serialize;
use uuid::Uuid;

pub use ggzy_core::notice::TRADE_KINDS;

/// A notice about to be published. The trade's step fills in what it knows of the deal.
#[derive(Debug, Clone, Default)]
pub struct NewNotice<'a> {
    pub trade_kind: &'a str,
    pub notice_kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub region: &'a str,
    /// The deal's 统一交易标识码 (a lot's trade code, a grant's number).
    pub deal_code: Option<&'a str>,
    pub lot_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    /// Fen: the estimate, budget, award or deal price the notice states.
    pub amount: Option<i64>,
    pub principal_id: Option<Uuid>,
    pub winner_id: Option<Uuid>,
    /// The published notice this one corrects or ends.
    pub corrects: Option<Uuid>,
}

/// Publish `n` in `tx`: refused, naming the labels, when it lacks the content the catalogue
/// requires of its kind. Returns the notice's id and seq.
pub async fn publish(
    tx: &mut Tx,
    n: &NewNotice<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<(Uuid, i64)> {
    let kind: Option<(String, String)> = tx_opt!(
        tx,
        "SELECT content, basis FROM notice_kinds WHERE trade_kind = $1 AND code = $2",
        n.trade_kind,
        n.notice_kind
    );
    let Some((content, basis)) = kind else {
        return Err(FieldError::new(
            "notice_kind",
            "notice.not_in_catalogue",
            format!(
                "信息公开目录中没有{}类的“{}”公告",
                n.trade_kind, n.notice_kind
            ),
            format!(
                "The disclosure catalogue has no {} notice of kind {}",
                n.trade_kind, n.notice_kind
            ),
        )
        .into());
    };
    let required: Vec<String> = serde_json::from_str(&content)
        .map_err(|e| ServiceError::Internal(format!("notice_kinds.content: {e}")))?;
    let missing = missing_content(&required, n.body);
    if !missing.is_empty() {
        return Err(FieldError::new(
            "body",
            "notice.missing_content",
            format!("公告缺少法定内容：{}（{basis}）", missing.join("、")),
            format!(
                "The notice lacks required content: {} ({basis})",
                missing.join(", ")
            ),
        )
        .into());
    }
    let id = Uuid::now_v7();
    let ev = events::append(
        tx,
        NewEvent {
            actor_id: None,
            actor_role: "platform".into(),
            address: String::new(),
            region_code: n.region.to_string(),
            kind: "notice.published",
            subject: format!("notice:{id}"),
            payload: serde_json::json!({
                "trade_kind": n.trade_kind,
                "notice_kind": n.notice_kind,
                "title": n.title,
                "deal_code": n.deal_code,
                "corrects": n.corrects,
                "body_sm3": ggzy_seal::to_hex(&ggzy_seal::sm3(&[n.body.as_bytes()])),
            }),
        },
        now,
    )
    .await?;
    tx_exec!(
        tx,
        "INSERT INTO notices (id, seq, trade_kind, notice_kind, title, region_code, body, published_at, lot_id, grant_id, deal_code, amount, principal_id, winner_id, corrects, terms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        id,
        ev.seq,
        n.trade_kind,
        n.notice_kind,
        n.title,
        n.region,
        n.body,
        truncate_micros(now),
        n.lot_id,
        n.grant_id,
        n.deal_code,
        n.amount,
        n.principal_id,
        n.winner_id,
        n.corrects,
        search_terms(n.trade_kind, n.notice_kind, n.region, n.title, n.body)
    );
    Ok((id, ev.seq))
}

/// What the full-text index holds of a notice: its words, and the tokens of its trade, kind and
/// region that let the index do the filtering.
pub fn search_terms(
    trade_kind: &str,
    notice_kind: &str,
    region: &str,
    title: &str,
    body: &str,
) -> String {
    format!(
        "{} {}",
        index_terms(title, body),
        filter_tokens(trade_kind, notice_kind, region)
    )
}

/// Cut the words of notices published before search existed, so every notice is findable.
/// Idempotent: a notice already cut is left alone.
pub async fn index_unindexed(db: &Db) -> ServiceResult<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<(Uuid, String, String)> = db_all!(
            db,
            "SELECT id, title, body FROM notices WHERE terms = '' ORDER BY seq LIMIT 500"
        );
        if rows.is_empty() {
            return Ok(done);
        }
        for (id, title, body) in rows {
            let terms = index_terms(&title, &body);
            let terms = if terms.is_empty() {
                "-".to_string()
            } else {
                terms
            };
            done += crate::db_exec!(db, "UPDATE notices SET terms = $1 WHERE id = $2", terms, id);
        }
    }
}

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
    Ok(db_all!(
        db,
        "SELECT id, trade_kind, notice_kind, title, region_code, published_at FROM notices
         WHERE trade_kind = $1 ORDER BY published_at DESC, id DESC LIMIT $2",
        trade_kind,
        limit.clamp(1, 100)
    ))
}

/// Merge some of the full-text index's segments (SQLite; PostgreSQL's autovacuum does its own):
/// run every minute, it keeps a search reading few segments per word while notices keep coming,
/// and `pages` bounds the work, so it never holds the writer for long.
pub async fn merge_index(db: &Db, pages: i64) -> ServiceResult<()> {
    if let Db::Sqlite(p) = db {
        sqlx::query("INSERT INTO notice_search(notice_search, rank) VALUES ('merge', $1)")
            .bind(pages)
            .execute(p)
            .await?;
    }
    Ok(())
}

/// A notice as the public reads it, with the deal it belongs to and its place in the log.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PublicNotice {
    pub id: Uuid,
    /// The seq of its `notice.published` event (negative: published before the log kept them).
    pub seq: i64,
    pub trade_kind: String,
    pub notice_kind: String,
    pub title: String,
    pub region_code: String,
    pub region_name: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
    pub deal_code: Option<String>,
    pub lot_id: Option<Uuid>,
    pub grant_id: Option<Uuid>,
    /// Fen.
    pub amount: Option<i64>,
    pub corrects: Option<Uuid>,
}

const PUBLIC: &str = "SELECT n.id, n.seq, n.trade_kind, n.notice_kind, n.title, n.region_code, r.name AS region_name, n.body, n.published_at, n.deal_code, n.lot_id, n.grant_id, n.amount, n.corrects FROM notices n JOIN regions r ON r.code = n.region_code";

pub async fn get(db: &Db, id: Uuid) -> ServiceResult<PublicNotice> {
    let sql = format!("{PUBLIC} WHERE n.id = $1");
    let n: Option<PublicNotice> = db_opt!(db, sqlx::AssertSqlSafe(sql), id);
    n.ok_or(ServiceError::NotFound("notice"))
}

/// The notices that correct or end `id`, oldest first: a notice page shows them beside it.
pub async fn corrections_of(db: &Db, id: Uuid) -> ServiceResult<Vec<PublicNotice>> {
    let sql = format!("{PUBLIC} WHERE n.corrects = $1 ORDER BY n.seq");
    Ok(db_all!(db, sqlx::AssertSqlSafe(sql), id))
}

/// Every notice of one deal, in the order published. A state-property transfer and its
/// pre-disclosure are one life under two codes: each one's timeline carries the other's notices.
pub async fn of_deal(db: &Db, deal_code: &str) -> ServiceResult<Vec<PublicNotice>> {
    let sql = format!(
        "{PUBLIC} WHERE n.deal_code = $1 OR n.deal_code IN (SELECT code FROM pre_disclosures WHERE grant_code = $1 UNION SELECT grant_code FROM pre_disclosures WHERE code = $1 AND grant_code IS NOT NULL) ORDER BY n.seq"
    );
    let v: Vec<PublicNotice> = db_all!(db, sqlx::AssertSqlSafe(sql), deal_code);
    if v.is_empty() {
        return Err(ServiceError::NotFound("deal"));
    }
    Ok(v)
}

/// A company's public record on the platform, from the published notices only: the deals it
/// won, the contracts it performed (accepted), and every deal it took part in once its result
/// was published — a bid or an application is public no sooner than that. A lot that failed or
/// was ended keeps its bidders to itself (it may be tendered again); a grant's applicants are
/// public from its close (`Secret::GrantApplicants`), so its no-deal notice counts too.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CompanyRecord {
    pub won: Vec<PublicNotice>,
    pub performed: Vec<PublicNotice>,
    pub took_part: Vec<PublicNotice>,
}

/// The notices of `kinds` naming `entity` the winner, newest first.
async fn naming_winner(
    db: &Db,
    entity: Uuid,
    kinds: &str,
    limit: i64,
) -> ServiceResult<Vec<PublicNotice>> {
    let sql = format!(
        "{PUBLIC} WHERE n.winner_id = $1 AND n.notice_kind IN ({kinds}) ORDER BY n.seq DESC LIMIT $2"
    );
    Ok(db_all!(db, sqlx::AssertSqlSafe(sql), entity, limit))
}

pub async fn company_record(db: &Db, entity: Uuid, limit: i64) -> ServiceResult<CompanyRecord> {
    let limit = limit.clamp(1, 200);
    let took_part = format!(
        "{PUBLIC} WHERE (n.notice_kind = 'result' AND n.lot_id IN (SELECT lot_id FROM bids WHERE bidder_id = $1 AND status <> 'withdrawn')) OR (n.notice_kind IN ('result', 'failed') AND n.grant_id IN (SELECT grant_id FROM grant_applications WHERE entity_id = $1)) ORDER BY n.seq DESC LIMIT $2"
    );
    Ok(CompanyRecord {
        won: naming_winner(db, entity, "'result'", limit).await?,
        performed: naming_winner(db, entity, "'performance', 'acceptance'", limit).await?,
        took_part: db_all!(db, sqlx::AssertSqlSafe(took_part), entity, limit),
    })
}

/// The public feed: notices after `cursor`, in publication order, at most `limit`, filtered.
/// The next cursor is the last seq returned (or the same cursor when nothing is new).
pub async fn feed(
    db: &Db,
    after: Option<i64>,
    f: &FeedFilter,
    limit: i64,
) -> ServiceResult<Vec<PublicNotice>> {
    let sql = format!(
        "{PUBLIC} WHERE n.seq > $1 AND ($2 IS NULL OR n.trade_kind = $2) AND ($3 IS NULL OR n.notice_kind = $3) AND ($4 IS NULL OR n.region_code LIKE $4) ORDER BY n.seq LIMIT $5"
    );
    Ok(db_all!(
        db,
        sqlx::AssertSqlSafe(sql),
        after.unwrap_or(i64::MIN),
        f.trade_kind.as_deref(),
        f.notice_kind.as_deref(),
        f.region_prefix(),
        limit.clamp(1, 500)
    ))
}

/// The newest `limit` notices a feed carries, newest first (for Atom readers, which poll).
pub async fn latest_of(db: &Db, f: &FeedFilter, limit: i64) -> ServiceResult<Vec<PublicNotice>> {
    let sql = format!(
        "{PUBLIC} WHERE ($1 IS NULL OR n.trade_kind = $1) AND ($2 IS NULL OR n.notice_kind = $2) AND ($3 IS NULL OR n.region_code LIKE $3) ORDER BY n.seq DESC LIMIT $4"
    );
    Ok(db_all!(
        db,
        sqlx::AssertSqlSafe(sql),
        f.trade_kind.as_deref(),
        f.notice_kind.as_deref(),
        f.region_prefix(),
        limit.clamp(1, 200)
    ))
}

/// Every notice published on one Beijing day, in publication order: the daily bulk download.
/// At most `limit`; a day with more is served by the feed.
pub async fn published_on(
    db: &Db,
    day: chrono::NaiveDate,
    limit: i64,
) -> ServiceResult<Vec<PublicNotice>> {
    let start =
        (day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)).and_utc();
    let end = start + chrono::Duration::days(1);
    let sql = format!(
        "{PUBLIC} WHERE n.published_at >= $1 AND n.published_at < $2 ORDER BY n.seq LIMIT $3"
    );
    Ok(db_all!(
        db,
        sqlx::AssertSqlSafe(sql),
        start,
        end,
        limit.clamp(1, 100_000)
    ))
}

/// Which notices a feed carries.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    pub trade_kind: Option<String>,
    pub notice_kind: Option<String>,
    /// A division code: the region and its branches.
    pub region: Option<ggzy_core::region::DivisionCode>,
}

impl FeedFilter {
    fn region_prefix(&self) -> Option<String> {
        self.region
            .as_ref()
            .map(|r| format!("{}%", r.branch_prefix()))
    }
}

/// Refuse a trade or notice kind the catalogue does not know, on its field.
pub(crate) fn check_kinds(errs: &mut Invalid, trade_kind: Option<&str>, notice_kind: Option<&str>) {
    if trade_kind.is_some_and(|t| !ggzy_core::notice::trade_kind_known(t)) {
        errs.push(FieldError::new(
            "trade_kind",
            "notice.unknown_trade_kind",
            "交易类型应为 construction、procurement、land_mining 或 state_property",
            "The trade kind must be construction, procurement, land_mining or state_property",
        ));
    }
    if notice_kind.is_some_and(|k| {
        !ggzy_core::notice::DEFAULT_CATALOGUE
            .iter()
            .any(|s| s.code == k)
    }) {
        errs.push(FieldError::new(
            "notice_kind",
            "notice.unknown_kind",
            "信息公开目录中没有这种公告",
            "The disclosure catalogue has no such notice kind",
        ));
    }
}
