//! Full-text search over every published notice, on the database's own index: SQLite's FTS5 or
//! PostgreSQL's `tsvector`, both over the words jieba cut when the notice was published. The
//! index commits with the notice, so every instance sharing the database finds it at once.
//!
//! The index only finds; ranking is ours, the same on both backends: a notice whose title names
//! more of the words comes first, then the newest. bm25 and `ts_rank` read every match's word
//! statistics (bm25 also counts each filter token's rows on every query) and cost more than
//! finding the matches did.

use super::check_kinds;
use crate::db::Db;
use crate::error::{OrInternal, ServiceResult};
use crate::{db_all, on_db};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::money::Money;
use ggzy_core::notice::{
    DEFAULT_CATALOGUE, Fragment, TRADE_KINDS, filter_query, query_terms, snippet, title_relevance,
};
use ggzy_core::region::DivisionCode;
use ggzy_core::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the public asks, as typed into the search form: every field optional, empty = any.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words, in Chinese or not: each must occur (as a word, not as part of one).
    #[serde(default)]
    pub q: String,
    pub trade_kind: Option<String>,
    pub notice_kind: Option<String>,
    /// A division code: the region and all its branches.
    pub region: Option<String>,
    /// First day, Beijing time (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day, Beijing time, included.
    pub to: Option<String>,
    /// Yuan.
    pub min_amount: Option<String>,
    /// Yuan.
    pub max_amount: Option<String>,
    /// A company: its notices as principal or winner.
    pub party: Option<String>,
    /// `relevance` (the default with words) or `date`.
    pub sort: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HitRow {
    pub id: Uuid,
    pub seq: i64,
    pub trade_kind: String,
    pub notice_kind: String,
    pub title: String,
    pub region_code: String,
    pub region_name: String,
    pub published_at: DateTime<Utc>,
    pub deal_code: Option<String>,
    /// Fen.
    pub amount: Option<i64>,
    #[serde(skip)]
    pub body: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub notice: HitRow,
    /// The title with the query's words marked.
    pub title_marked: Vec<Fragment>,
    /// About 120 characters of the text around the first word found, words marked.
    pub snippet: Vec<Fragment>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
    pub count: i64,
}

/// How the matching notices divide, for narrowing the search.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub trade_kind: Vec<FacetCount>,
    pub notice_kind: Vec<FacetCount>,
    pub region: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    /// The words searched for, as cut.
    pub terms: Vec<String>,
    /// Matches counted, up to 10,050; `more` says there were more (narrow the search).
    pub total: i64,
    pub more: bool,
    pub page: u32,
    pub per_page: u32,
    pub sort: String,
    pub hits: Vec<SearchHit>,
    pub facets: Facets,
}

/// A checked query: the words, and the filters as bind values.
struct Parsed {
    terms: Vec<String>,
    trade_kind: Option<String>,
    notice_kind: Option<String>,
    /// `3302%`: the region and its branches, for `LIKE`.
    region_prefix: Option<String>,
    /// `3302`: the same, for the index's region token.
    region_branch: Option<String>,
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    min_fen: Option<i64>,
    max_fen: Option<i64>,
    party: Option<Uuid>,
    by_date: bool,
    page: u32,
    per_page: u32,
}

const MAX_OFFSET: u32 = 10_000;

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn beijing_midnight(field: &str, s: &str, errs: &mut Invalid) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| {
            errs.push(FieldError::new(
                field,
                "search.bad_date",
                "日期格式应为 YYYY-MM-DD",
                "Dates are written YYYY-MM-DD",
            ))
        })
        .ok()
}

fn instant(d: NaiveDate) -> DateTime<Utc> {
    // 00:00 in Beijing is 16:00 UTC the day before.
    (d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)).and_utc()
}

fn parse(q: &SearchQuery) -> Result<Parsed, Invalid> {
    let mut errs = Invalid::default();
    if q.q.chars().count() > 100 {
        errs.push(FieldError::new(
            "q",
            "search.too_long",
            "搜索词不超过100字",
            "Search words are at most 100 characters",
        ));
    }
    let terms = query_terms(&q.q);
    let trade_kind = blank(&q.trade_kind).map(String::from);
    let notice_kind = blank(&q.notice_kind).map(String::from);
    check_kinds(&mut errs, trade_kind.as_deref(), notice_kind.as_deref());
    let region_branch = blank(&q.region).and_then(|r| {
        DivisionCode::parse("region", r)
            .map(|r| r.branch_prefix().to_string())
            .map_err(|e| errs.push(e))
            .ok()
    });
    let region_prefix = region_branch.as_ref().map(|b| format!("{b}%"));
    let from = blank(&q.from).and_then(|d| beijing_midnight("from", d, &mut errs));
    let to = blank(&q.to).and_then(|d| beijing_midnight("to", d, &mut errs));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errs.push(FieldError::new(
            "to",
            "search.dates_reversed",
            "截止日期早于起始日期",
            "The last day is before the first",
        ));
    }
    let amount = |field: &str, v: &Option<String>, errs: &mut Invalid| {
        blank(v).and_then(|v| Money::parse_yuan(field, v).map_err(|e| errs.push(e)).ok())
    };
    let min_fen = amount("min_amount", &q.min_amount, &mut errs).map(Money::fen);
    let max_fen = amount("max_amount", &q.max_amount, &mut errs).map(Money::fen);
    let party = blank(&q.party).and_then(|p| {
        Uuid::parse_str(p)
            .map_err(|_| {
                errs.push(FieldError::new(
                    "party",
                    "search.bad_party",
                    "主体标识无效",
                    "Not a company id",
                ))
            })
            .ok()
    });
    let by_date = match blank(&q.sort) {
        None | Some("relevance") => terms.is_empty(),
        Some("date") => true,
        Some(_) => {
            errs.push(FieldError::new(
                "sort",
                "search.bad_sort",
                "排序方式应为 relevance 或 date",
                "Sort by relevance or date",
            ));
            true
        }
    };
    let per_page = q.per_page.unwrap_or(20).clamp(1, 50);
    let page = q.page.unwrap_or(1).max(1);
    if (page - 1).saturating_mul(per_page) > MAX_OFFSET {
        errs.push(FieldError::new(
            "page",
            "search.too_deep",
            "最多翻到第10000条，请加筛选条件缩小范围",
            "Results stop at the 10,000th; narrow the search with filters",
        ));
    }
    errs.into_result(Parsed {
        terms,
        trade_kind,
        notice_kind,
        region_prefix,
        region_branch,
        from: from.map(instant),
        until: to.map(|d| instant(d + chrono::Duration::days(1))),
        min_fen,
        max_fen,
        party,
        by_date,
        page,
        per_page,
    })
}

/// `FROM … WHERE …` with the index query as `$1` and the filters as `$2`…`$9`, on either
/// backend, newest first: the order both indexes hand rows out in, so a `LIMIT` stops them early.
/// `indexed`: ask the full-text index (for words or for the filter tokens); otherwise `$1` is the
/// empty string and only the filters apply.
fn from_where(db: &Db, indexed: bool) -> (String, &'static str) {
    const FILTERS: &str = "($2 IS NULL OR n.trade_kind = $2) AND ($3 IS NULL OR n.notice_kind = $3) AND ($4 IS NULL OR n.region_code LIKE $4) AND ($5 IS NULL OR n.published_at >= $5) AND ($6 IS NULL OR n.published_at < $6) AND ($7 IS NULL OR n.amount >= $7) AND ($8 IS NULL OR n.amount <= $8) AND ($9 IS NULL OR n.principal_id = $9 OR n.winner_id = $9)";
    match (db, indexed) {
        (_, false) => (
            format!(
                "FROM notices n JOIN regions r ON r.code = n.region_code WHERE $1 = '' AND {FILTERS}"
            ),
            "n.seq DESC",
        ),
        // The index keys notices by -seq (its natural order is newest first), and the covering
        // index answers the rest without reading any notice's text.
        (Db::Sqlite(_), true) => (
            format!(
                "FROM notice_search JOIN notices n INDEXED BY notices_search_cover ON n.seq = -notice_search.rowid JOIN regions r ON r.code = n.region_code WHERE notice_search MATCH $1 AND {FILTERS}"
            ),
            "notice_search.rowid",
        ),
        // `+ 0`: ordered by the bare seq, the planner walks the seq index backwards and tests
        // every row against the words when it expects many matches, which for a rare word means
        // the whole table; this way the GIN index finds the matches and only they are sorted.
        (Db::Pg(_), true) => (
            format!(
                "FROM notices n JOIN regions r ON r.code = n.region_code WHERE n.tsv @@ plainto_tsquery('simple', $1) AND {FILTERS}"
            ),
            "(n.seq + 0) DESC",
        ),
    }
}

/// The words as the backend's query: FTS5 phrases (each quoted, all required) or plain words
/// for `plainto_tsquery`.
fn match_expr(db: &Db, terms: &[String]) -> String {
    match db {
        Db::Sqlite(_) => terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" "),
        Db::Pg(_) => terms.join(" "),
    }
}

/// How many matches a search ranks, counts and pages through at most.
const CANDIDATES: usize = MAX_OFFSET as usize + 50;

/// One matching notice, as the candidate list keeps it: enough to rank, count facets and page.
#[derive(Deserialize)]
struct Candidate {
    seq: i64,
    trade_kind: String,
    notice_kind: String,
    region_code: String,
    region_name: String,
    title: String,
}

/// The candidates as one JSON array in one row. The SQLite driver hands each row over from its
/// worker thread on its own, which for a thousand matches cost as much as the index's whole
/// search; one row of text costs one hand-over.
fn candidates_sql(db: &Db, from_where: &str, newest: &str) -> String {
    let inner = format!(
        "SELECT n.seq, n.trade_kind, n.notice_kind, n.region_code, r.name AS region_name, n.title {from_where} ORDER BY {newest} LIMIT $10"
    );
    match db {
        Db::Sqlite(_) => format!(
            "SELECT json_group_array(json_array(seq, trade_kind, notice_kind, region_code, region_name, title)) FROM ({inner})"
        ),
        Db::Pg(_) => format!(
            "SELECT COALESCE(json_agg(json_build_array(seq, trade_kind, notice_kind, region_code, region_name, title)), '[]')::text FROM ({inner}) c"
        ),
    }
}

pub async fn search(db: &Db, q: &SearchQuery) -> ServiceResult<SearchResult> {
    let p = parse(q)?;
    let mut asked = p.terms.clone();
    asked.extend(filter_query(
        p.trade_kind.as_deref(),
        p.notice_kind.as_deref(),
        p.region_branch.as_deref(),
    ));
    let indexed = !asked.is_empty();
    let (from_where, newest) = from_where(db, indexed);
    let m = if indexed {
        match_expr(db, &asked)
    } else {
        String::new()
    };
    // One pass over the index, newest first: the matches (up to CANDIDATES), from which the
    // total, the facets, the ranking and the page are all taken; then the page's own rows.
    let sql = candidates_sql(db, &from_where, newest);
    let json: String = on_db!(db, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&m)
        .bind(&p.trade_kind)
        .bind(&p.notice_kind)
        .bind(&p.region_prefix)
        .bind(p.from)
        .bind(p.until)
        .bind(p.min_fen)
        .bind(p.max_fen)
        .bind(p.party)
        .bind(CANDIDATES as i64 + 1)
        .fetch_one(c)
        .await?);
    let mut found: Vec<Candidate> = serde_json::from_str(&json).or_internal()?;
    // An aggregate need not keep its input's order.
    found.sort_unstable_by_key(|c| std::cmp::Reverse(c.seq));
    let capped = found.len() > CANDIDATES;
    found.truncate(CANDIDATES);
    if !p.by_date {
        // Stable: among notices that name as many of the words in their title, newest first.
        found.sort_by_cached_key(|c| std::cmp::Reverse(title_relevance(&c.title, &p.terms)));
    }
    let found = &found[..];
    let facets = facets_of(found, p.trade_kind.as_deref());
    let start = ((p.page - 1) * p.per_page) as usize;
    let page: Vec<i64> = found
        .iter()
        .skip(start)
        .take(p.per_page as usize)
        .map(|c| c.seq)
        .collect();
    let mut rows = rows_of(db, &page).await?;
    rows.sort_by_key(|r| page.iter().position(|s| *s == r.seq));
    let hits = rows
        .into_iter()
        .map(|n| SearchHit {
            title_marked: snippet(&n.title, &p.terms, 400),
            snippet: snippet(&n.body, &p.terms, 120),
            notice: n,
        })
        .collect();
    Ok(SearchResult {
        terms: p.terms,
        total: found.len() as i64,
        more: capped,
        page: p.page,
        per_page: p.per_page,
        sort: if p.by_date { "date" } else { "relevance" }.into(),
        hits,
        facets,
    })
}

/// The page's notices by seq, in any order.
async fn rows_of(db: &Db, seqs: &[i64]) -> ServiceResult<Vec<HitRow>> {
    if seqs.is_empty() {
        return Ok(vec![]);
    }
    let list: Vec<String> = (1..=seqs.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT n.id, n.seq, n.trade_kind, n.notice_kind, n.title, n.region_code, r.name AS region_name, n.published_at, n.deal_code, n.amount, n.body FROM notices n JOIN regions r ON r.code = n.region_code WHERE n.seq IN ({})",
        list.join(", ")
    );
    Ok(on_db!(db, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for s in seqs {
            q = q.bind(*s);
        }
        q.fetch_all(c).await?
    }))
}

/// Counts per trade, kind and region over the matches, largest first, each with its label.
fn facets_of(found: &[Candidate], trade: Option<&str>) -> Facets {
    fn count<'a>(keys: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String, i64)> {
        let mut m: std::collections::BTreeMap<&str, (&str, i64)> = Default::default();
        for (k, name) in keys {
            m.entry(k).or_insert((name, 0)).1 += 1;
        }
        let mut v: Vec<(String, String, i64)> = m
            .into_iter()
            .map(|(k, (n, c))| (k.to_string(), n.to_string(), c))
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        v
    }
    let labelled = |rows: Vec<(String, String, i64)>,
                    label: &dyn Fn(&str, String) -> (String, String)| {
        rows.into_iter()
            .map(|(value, name, count)| {
                let (label_zh, label_en) = label(&value, name);
                FacetCount {
                    value,
                    label_zh,
                    label_en,
                    count,
                }
            })
            .collect()
    };
    Facets {
        trade_kind: labelled(
            count(found.iter().map(|c| (c.trade_kind.as_str(), ""))),
            &|v, _| {
                let t = TRADE_KINDS.iter().find(|t| t.0 == v);
                t.map_or((String::new(), String::new()), |t| (t.1.into(), t.2.into()))
            },
        ),
        notice_kind: labelled(
            count(found.iter().map(|c| (c.notice_kind.as_str(), ""))),
            &|v, _| {
                let (zh, en) = notice_kind_label(trade, v);
                (zh.into(), en.into())
            },
        ),
        region: labelled(
            count(
                found
                    .iter()
                    .map(|c| (c.region_code.as_str(), c.region_name.as_str())),
            ),
            &|v, name| (name, v.to_string()),
        ),
    }
}

/// A notice kind's name in its trade (a procurement's `tender` is a 采购公告); without a trade,
/// the first trade's name.
pub fn notice_kind_label(trade: Option<&str>, code: &str) -> (&'static str, &'static str) {
    DEFAULT_CATALOGUE
        .iter()
        .filter(|k| k.code == code)
        .find(|k| trade.is_none_or(|t| k.trade_kind == t))
        .or_else(|| DEFAULT_CATALOGUE.iter().find(|k| k.code == code))
        .map_or(("", ""), |k| (k.name_zh, k.name_en))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Suggestion {
    /// `company` or `project`.
    pub kind: String,
    pub text: String,
    /// The company's id (to filter by it) or the deal's code.
    pub key: String,
}

fn like_prefix(q: &str) -> String {
    let escaped: String = q
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Companies (the registry is public) and published projects whose names contain `q`, at most
/// five of each. A project is suggested only once a notice of it is out.
pub async fn suggest(db: &Db, q: &str) -> ServiceResult<Vec<Suggestion>> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 50 {
        return Ok(vec![]);
    }
    let pattern = like_prefix(q);
    let companies: Vec<(Uuid, String)> = db_all!(
        db,
        "SELECT id, name FROM entities WHERE name LIKE $1 ESCAPE '\\' ORDER BY name LIMIT 5",
        &pattern
    );
    let mut out: Vec<Suggestion> = companies
        .into_iter()
        .map(|(id, name)| Suggestion {
            kind: "company".into(),
            text: name,
            key: id.to_string(),
        })
        .collect();
    let projects: Vec<Suggestion> = db_all!(
        db,
        "SELECT 'project' AS kind, p.name AS text, MIN(n.deal_code) AS key FROM projects p JOIN lots l ON l.project_id = p.id JOIN notices n ON n.lot_id = l.id
         WHERE p.name LIKE $1 ESCAPE '\\' GROUP BY p.id, p.name ORDER BY p.name LIMIT 5",
        &pattern
    );
    out.extend(projects);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_checked_field_by_field() {
        let q = SearchQuery {
            q: "道路".into(),
            trade_kind: Some("roads".into()),
            region: Some("33020".into()),
            from: Some("2026-13-01".into()),
            min_amount: Some("abc".into()),
            party: Some("x".into()),
            sort: Some("price".into()),
            ..Default::default()
        };
        let Err(e) = parse(&q) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "trade_kind",
                "region",
                "from",
                "min_amount",
                "party",
                "sort"
            ]
        );
    }

    #[test]
    fn dates_are_whole_beijing_days_and_paging_stops_at_ten_thousand() {
        let q = SearchQuery {
            from: Some("2026-12-01".into()),
            to: Some("2026-12-01".into()),
            page: Some(500),
            per_page: Some(20),
            ..Default::default()
        };
        let p = parse(&q).expect("ok");
        assert_eq!(
            p.from.map(|t| t.to_rfc3339()),
            Some("2026-11-30T16:00:00+00:00".into())
        );
        assert_eq!(
            p.until.map(|t| t.to_rfc3339()),
            Some("2026-12-01T16:00:00+00:00".into())
        );
        assert!(p.by_date, "no words: newest first");
        // Page 501 of 20 starts at the 10,000th: still served; page 502 is not.
        assert!(
            parse(&SearchQuery {
                page: Some(501),
                ..q.clone()
            })
            .is_ok()
        );
        assert!(
            parse(&SearchQuery {
                page: Some(502),
                ..q.clone()
            })
            .is_err()
        );
        let reversed = SearchQuery {
            from: Some("2026-12-02".into()),
            ..q
        };
        assert!(parse(&reversed).is_err());
    }

    #[test]
    fn like_patterns_escape_the_wildcards() {
        assert_eq!(like_prefix("50%_a"), "%50\\%\\_a%");
    }
}
