//! Company credit (信用): records keyed by the credit code, the screen every point of
//! participation passes through, and the record of each check. Which records bar which trade,
//! and which the public sees, is decided in [`ggzy_core::credit`]; this module stores and reads.

pub mod correction;
pub mod import;

use crate::actor::Actor;
use crate::db::{Db, Tx, unique_violation};
use crate::error::{OrInternal, ServiceError, ServiceResult};
use crate::events::{self, NewEvent};
use crate::{db_all, db_opt, on_db, on_tx, tx_exec};
use chrono::{DateTime, NaiveDate, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::credit::grade::{self, Grade, GradeFormula};
use ggzy_core::credit::{
    self as cr, BanGround, CheckPoint, CreditPack, RecordKind, RecordStatus, Standing, Trade,
};
use ggzy_core::error::{optional_text, text};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Permission;
use ggzy_core::{FieldError, Invalid, Uscc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A record as the department's decision states it, entered by a supervisor.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    /// 统一社会信用代码.
    pub uscc: String,
    /// The company's name; taken from the registry when it is registered here.
    #[serde(default)]
    pub entity_name: String,
    /// `administrative_penalty`, `judgment_defaulter`, `major_tax_violator`,
    /// `procurement_serious_violation`, `bidding_ban`, `platform_finding` or `good`.
    pub kind: String,
    /// For a bidding ban: `tender_collusion`, `tender_fraud`, `non_performance` or
    /// `procurement_misconduct`.
    #[serde(default)]
    pub ground: Option<String>,
    /// An administrative penalty that is a major violation (政府采购法 Art 22).
    #[serde(default)]
    pub major: bool,
    /// 决定书文号.
    pub decision_no: String,
    /// 作出决定的机关.
    pub authority: String,
    /// The legal basis as the decision cites it (e.g. 招标投标法实施条例第六十七条).
    pub basis: String,
    /// What the company did, or what the good record is for.
    pub facts: String,
    pub decided_on: NaiveDate,
    /// First day in force (Beijing).
    pub starts_on: NaiveDate,
    /// Last day in force, included; none while the list keeps the company on it.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// Last day the record is shown to the public; by default its period in force (and for a
    /// penalty the pack's years after the decision).
    #[serde(default)]
    pub published_until: Option<NaiveDate>,
    /// The recording department's region.
    pub region_code: String,
    /// For a platform finding: the log events it rests on.
    #[serde(default)]
    pub evidence: Vec<i64>,
    /// The trade the decision concerns, under whose notices it is published: `construction`,
    /// `procurement`, `land_mining` or `state_property`. A ban's ground and a
    /// procurement-violation record imply it; an administrative penalty states it.
    #[serde(default)]
    pub trade_kind: Option<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct RecordRow {
    pub id: Uuid,
    pub uscc: String,
    pub entity_name: String,
    pub kind: String,
    pub ground: Option<String>,
    pub major: bool,
    pub source: String,
    pub decision_no: String,
    pub authority: String,
    pub basis: String,
    pub facts: String,
    pub decided_on: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub published_until: Option<NaiveDate>,
    pub status: String,
    /// JSON array of log sequence numbers.
    pub evidence: String,
    pub region_code: String,
    pub recorded_at: DateTime<Utc>,
    pub event_seq: i64,
}

/// A record with its names, as the credit page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditRecordView {
    #[serde(flatten)]
    pub row: RecordRow,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    pub ground_zh: Option<&'static str>,
    /// The trades it keeps the company out of, and until when (exclusive).
    pub bars: Vec<Trade>,
    pub restricts_until: Option<DateTime<Utc>>,
    pub in_force: bool,
}

const COLUMNS: &str = "id, uscc, entity_name, kind, ground, major, source, decision_no, authority, basis, facts, decided_on, starts_at, ends_at, published_until, status, evidence, region_code, recorded_at, event_seq";

impl RecordRow {
    /// The record as the domain's rule reads it; `None` for a stored kind this build no longer
    /// knows (it then bars nothing rather than failing every bid).
    pub fn standing(&self) -> Option<Standing> {
        Some(Standing {
            kind: RecordKind::parse(&self.kind)?,
            ground: self.ground.as_deref().and_then(BanGround::parse),
            major: self.major,
            status: RecordStatus::parse(&self.status)?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        })
    }

    pub fn view(self, at: DateTime<Utc>, pack: &CreditPack) -> CreditRecordView {
        let standing = self.standing();
        let kind = RecordKind::parse(&self.kind);
        let bars = standing
            .as_ref()
            .map(|s| {
                Trade::ALL
                    .into_iter()
                    .filter(|t| pack.covers(s, *t))
                    .collect()
            })
            .unwrap_or_default();
        let restricts_until = standing.as_ref().and_then(|s| pack.restricts_until(s));
        let in_force = standing.as_ref().is_some_and(|s| pack.in_force(s, at));
        CreditRecordView {
            kind_zh: kind.map_or("", RecordKind::name_zh),
            kind_en: kind.map_or("", RecordKind::name_en),
            ground_zh: self
                .ground
                .as_deref()
                .and_then(BanGround::parse)
                .map(BanGround::name_zh),
            bars,
            restricts_until,
            in_force,
            row: self,
        }
    }
}

/// A record's checked input: the company, the kind, a ban's ground, the recording region and
/// the trade whose notices publish it (none for a kind that is not published here).
type Checked = (
    Uscc,
    RecordKind,
    Option<BanGround>,
    DivisionCode,
    Option<Trade>,
);

fn check_input(input: &RecordInput) -> Result<Checked, Invalid> {
    let mut errs = Invalid::default();
    let uscc = Uscc::parse(&input.uscc).map_err(|e| errs.push(e)).ok();
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let kind = RecordKind::parse(&input.kind);
    if kind.is_none() {
        errs.push(FieldError::new(
            "kind",
            "credit.unknown_kind",
            "未知的信用记录类型",
            "Not a kind of credit record",
        ));
    }
    let ground = match (kind, input.ground.as_deref().map(str::trim)) {
        (Some(RecordKind::BiddingBan), Some(g)) if !g.is_empty() => {
            let ground = BanGround::parse(g);
            if ground.is_none() {
                errs.push(FieldError::new(
                    "ground",
                    "credit.unknown_ground",
                    "未知的取消投标资格事由",
                    "Not a ground for a bidding ban",
                ));
            }
            ground
        }
        (Some(RecordKind::BiddingBan), _) => {
            errs.push(FieldError::new(
                "ground",
                "credit.ground_required",
                "取消投标资格应写明事由",
                "A bidding ban states its ground",
            ));
            None
        }
        _ => None,
    };
    if input.major && kind != Some(RecordKind::AdministrativePenalty) {
        errs.push(FieldError::new(
            "major",
            "credit.major_not_penalty",
            "只有行政处罚才区分是否重大违法",
            "Only an administrative penalty is major or not",
        ));
    }
    text(&mut errs, "decision_no", &input.decision_no, 100);
    text(&mut errs, "authority", &input.authority, 100);
    text(&mut errs, "basis", &input.basis, 200);
    text(&mut errs, "facts", &input.facts, 2000);
    optional_text(&mut errs, "entity_name", Some(&input.entity_name), 200);
    if input.ends_on.is_some_and(|e| e < input.starts_on) {
        errs.push(FieldError::new(
            "ends_on",
            "credit.ends_before_start",
            "截止日期早于起始日期",
            "The last day is before the first",
        ));
    } else if let Some(g) = ground
        && let Err(e) = cr::check_ban_period(g, input.starts_on, input.ends_on)
    {
        errs.push(e);
    }
    if input.starts_on < input.decided_on {
        errs.push(FieldError::new(
            "starts_on",
            "credit.starts_before_decision",
            "记录不能早于决定之日生效",
            "A record cannot apply before its decision",
        ));
    }
    if kind == Some(RecordKind::PlatformFinding) && input.evidence.is_empty() {
        errs.push(FieldError::new(
            "evidence",
            "credit.finding_without_evidence",
            "平台监管发现应附交易日志中的证据",
            "A platform finding cites the log events it rests on",
        ));
    }
    if input.evidence.len() > 50 {
        errs.push(FieldError::new(
            "evidence",
            "credit.too_much_evidence",
            "证据最多50条",
            "At most 50 events of evidence",
        ));
    }
    let stated = match input.trade_kind.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => {
            let trade = Trade::parse(t);
            if trade.is_none() {
                errs.push(FieldError::new(
                    "trade_kind",
                    "credit.unknown_trade_kind",
                    "交易类型应为 construction、procurement、land_mining 或 state_property",
                    "The trade kind must be construction, procurement, land_mining or state_property",
                ));
            }
            trade
        }
        _ => None,
    };
    let published = match kind.map(|k| cr::published_under(k, ground, stated)) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            if input
                .trade_kind
                .as_deref()
                .is_none_or(|t| t.trim().is_empty())
            {
                errs.push(e);
            }
            None
        }
        None => None,
    };
    match (uscc, kind, region) {
        (Some(u), Some(k), Some(r)) => errs.into_result((u, k, ground, r, published)),
        _ => Err(errs),
    }
}

/// Record a decision (a supervisor of the recording department's region). The record applies
/// from the first instant of its first day to the first instant after its last day.
pub async fn record(
    db: &Db,
    actor: &Actor,
    input: &RecordInput,
    now: DateTime<Utc>,
) -> ServiceResult<CreditRecordView> {
    let pack = CreditPack::v2026();
    // Authorise before anything else is read.
    let region = DivisionCode::parse("region_code", &input.region_code)?;
    actor.require(Permission::Supervise, &region)?;
    let (uscc, kind, ground, region, published) = check_input(input)?;
    let registered = registered_name(db, uscc.as_str()).await?;
    let name = match (registered, input.entity_name.trim()) {
        (Some(n), _) => n,
        (None, n) if !n.is_empty() => n.to_string(),
        (None, _) => {
            return Err(FieldError::new(
                "entity_name",
                "credit.name_required",
                "该信用代码未在本平台登记，请填写主体名称",
                "This credit code is not registered here; give the company's name",
            )
            .into());
        }
    };
    if !input.evidence.is_empty() {
        let (head,): (i64,) = crate::db_one!(db, "SELECT seq FROM event_head WHERE id = 1");
        if let Some(bad) = input.evidence.iter().find(|s| **s < 1 || **s > head) {
            return Err(FieldError::new(
                "evidence",
                "credit.no_such_event",
                format!("交易日志中没有第{bad}号事件"),
                format!("The log has no event {bad}"),
            )
            .into());
        }
    }
    let (starts_at, ends_at) = cr::period(input.starts_on, input.ends_on);
    let mut tx = db.begin().await?;
    let published_until = input
        .published_until
        .or_else(|| pack.default_publication(kind, input.decided_on, input.ends_on));
    let row = RecordRow {
        id: Uuid::now_v7(),
        uscc: uscc.as_str().to_string(),
        entity_name: name,
        kind: kind.code().into(),
        ground: ground.map(|g| g.code().to_string()),
        major: input.major,
        source: "supervisor".into(),
        decision_no: input.decision_no.trim().into(),
        authority: input.authority.trim().into(),
        basis: input.basis.trim().into(),
        facts: input.facts.trim().into(),
        decided_on: input.decided_on,
        starts_at,
        ends_at,
        published_until,
        status: RecordStatus::Active.code().into(),
        evidence: serde_json::to_string(&input.evidence).or_internal()?,
        region_code: region.as_str().to_string(),
        recorded_at: truncate_micros(now),
        event_seq: 0,
    };
    let row = insert(&mut tx, Some(actor), row, now).await?;
    if let Some(trade) = published {
        publish_decision(&mut tx, &row, trade, now).await?;
    }
    tx.commit().await?;
    Ok(row.view(now, &pack))
}

/// Publish a department's decision under its trade's notices, in the record's transaction, and
/// keep the notice with the record.
async fn publish_decision(
    tx: &mut Tx,
    row: &RecordRow,
    trade: Trade,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let kind = RecordKind::parse(&row.kind).map_or("", RecordKind::name_zh);
    let ground = row
        .ground
        .as_deref()
        .and_then(BanGround::parse)
        .map(|g| format!("（{}）", g.name_zh()))
        .unwrap_or_default();
    let period = match row.ends_at {
        Some(e) => format!(
            "，{} 至 {}",
            beijing_day(row.starts_at),
            beijing_day(e - chrono::Duration::days(1))
        ),
        None => format!("，自 {} 起", beijing_day(row.starts_at)),
    };
    let title = format!("{}关于{}的{}决定", row.authority, row.entity_name, kind);
    let body = format!(
        "{title}\n当事人：{}\n统一社会信用代码：{}\n违法事实：{}\n处罚依据：{}\n处理决定：{kind}{ground}{period}\n决定机关：{}\n决定文号：{}\n决定日期：{}",
        row.entity_name,
        row.uscc,
        row.facts,
        row.basis,
        row.authority,
        row.decision_no,
        row.decided_on,
    );
    let notice =
        publish_notice(tx, row, trade.code(), "penalty", (&title, &body), None, now).await?;
    tx_exec!(
        tx,
        "UPDATE credit_records SET notice_id = $1 WHERE id = $2",
        notice,
        row.id
    );
    Ok(notice)
}

/// Publish the revocation of a decision published here, as a new notice linked to the first.
pub(crate) async fn publish_revocation(
    tx: &mut Tx,
    row: &RecordRow,
    reason: &str,
    document_no: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Option<Uuid>> {
    let first: Option<(Option<Uuid>,)> = crate::tx_opt!(
        tx,
        "SELECT notice_id FROM credit_records WHERE id = $1",
        row.id
    );
    let Some(first) = first.and_then(|f| f.0) else {
        return Ok(None);
    };
    let (trade_kind, first_title): (String, String) = crate::tx_one!(
        tx,
        "SELECT trade_kind, title FROM notices WHERE id = $1",
        first
    );
    let title = format!("关于撤销{}的公告", first_title);
    let body = format!(
        "{title}\n原公告：{first_title}（{}）\n撤销理由：{reason}\n撤销依据：{document_no}\n当事人：{}（{}）",
        row.decision_no, row.entity_name, row.uscc
    );
    let notice = publish_notice(
        tx,
        row,
        &trade_kind,
        "penalty_revocation",
        (&title, &body),
        Some(first),
        now,
    )
    .await?;
    Ok(Some(notice))
}

/// A credit notice: of no deal, in the recording department's region.
async fn publish_notice(
    tx: &mut Tx,
    row: &RecordRow,
    trade_kind: &str,
    notice_kind: &str,
    (title, body): (&str, &str),
    corrects: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let n = crate::notices::NewNotice {
        trade_kind,
        notice_kind,
        title,
        body,
        region: &row.region_code,
        deal_code: None,
        lot_id: None,
        grant_id: None,
        amount: None,
        principal_id: None,
        winner_id: None,
        corrects,
    };
    Ok(crate::notices::publish(tx, &n, now).await?.0)
}

/// What a good record the platform writes itself says: a contract performed and accepted as
/// good (履约信息, a good record of the national credit data set). The tenderer or buyer accepted
/// it and published the notice, so no department decides it; it counts for the grade formula's
/// window and is shown as long.
pub(crate) struct Performed<'a> {
    pub uscc: &'a str,
    pub entity_name: &'a str,
    /// The tenderer or buyer that accepted the performance.
    pub accepted_by: &'a str,
    /// The deal's 统一交易标识码.
    pub deal_code: &'a str,
    pub deal_name: String,
    pub basis: &'a str,
    pub accepted_on: NaiveDate,
    pub notice: Uuid,
    pub region_code: &'a str,
}

/// Keep a good record for a performance accepted as good, in the acceptance's transaction.
pub(crate) async fn record_performance(
    tx: &mut Tx,
    p: Performed<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let years = GradeFormula::v2026().window_years;
    let last_day = p
        .accepted_on
        .checked_add_months(chrono::Months::new(12 * years))
        .and_then(|d| d.pred_opt());
    let (starts_at, ends_at) = cr::period(p.accepted_on, last_day);
    let row = RecordRow {
        id: Uuid::now_v7(),
        uscc: p.uscc.into(),
        entity_name: p.entity_name.into(),
        kind: RecordKind::Good.code().into(),
        ground: None,
        major: false,
        source: "performance".into(),
        decision_no: format!("{} 履约验收", p.deal_code),
        authority: p.accepted_by.into(),
        basis: p.basis.into(),
        facts: format!(
            "{}合同履约验收合格（{}，公告 {}）",
            p.deal_name, p.accepted_on, p.notice
        ),
        decided_on: p.accepted_on,
        starts_at,
        ends_at,
        published_until: last_day,
        status: RecordStatus::Active.code().into(),
        evidence: "[]".into(),
        region_code: p.region_code.into(),
        recorded_at: truncate_micros(now),
        event_seq: 0,
    };
    insert(tx, None, row, now).await.map(|_| ())
}

/// Store a record and log it; a record already held (the same source, decision, company and
/// kind) is refused with a field error.
pub(crate) async fn insert(
    tx: &mut Tx,
    actor: Option<&Actor>,
    mut row: RecordRow,
    now: DateTime<Utc>,
) -> ServiceResult<RecordRow> {
    let ev = events::append(
        tx,
        NewEvent {
            actor_id: actor.and_then(|a| a.account_id),
            actor_role: if actor.is_some() {
                "supervisor"
            } else {
                "system"
            }
            .into(),
            address: actor.map(|a| a.address.clone()).unwrap_or_default(),
            region_code: row.region_code.clone(),
            kind: "credit.recorded",
            subject: format!("credit:{}", row.uscc),
            payload: serde_json::json!({
                "record_id": row.id,
                "kind": row.kind,
                "ground": row.ground,
                "source": row.source,
                "decision_no": row.decision_no,
                "authority": row.authority,
                "starts_at": row.starts_at,
                "ends_at": row.ends_at,
            }),
        },
        now,
    )
    .await?;
    row.event_seq = ev.seq;
    let r = on_tx!(tx, |c| {
        sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO credit_records ({COLUMNS}, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
    )))
    .bind(row.id)
    .bind(&row.uscc)
    .bind(&row.entity_name)
    .bind(&row.kind)
    .bind(&row.ground)
    .bind(row.major)
    .bind(&row.source)
    .bind(&row.decision_no)
    .bind(&row.authority)
    .bind(&row.basis)
    .bind(&row.facts)
    .bind(row.decided_on)
    .bind(row.starts_at)
    .bind(row.ends_at)
    .bind(row.published_until)
    .bind(&row.status)
    .bind(&row.evidence)
    .bind(&row.region_code)
    .bind(row.recorded_at)
    .bind(row.event_seq)
    .bind(actor.and_then(|a| a.account_id))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    });
    match r {
        Ok(_) => Ok(row),
        Err(e) if unique_violation(&e) == Some("credit_records.decision") => Err(FieldError::new(
            "decision_no",
            "credit.already_recorded",
            "该决定已记录",
            "This decision is already on record",
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Every record of a company, newest first (the supervisor's and the company's own view).
pub async fn all_of(db: &Db, uscc: &str) -> ServiceResult<Vec<RecordRow>> {
    Ok(on_db!(db, |c| sqlx::query_as(sqlx::AssertSqlSafe(
        format!(
            "SELECT {COLUMNS} FROM credit_records WHERE uscc = $1 ORDER BY starts_at DESC, id DESC"
        )
    ))
    .bind(uscc)
    .fetch_all(c)
    .await?))
}

/// What the public sees of a company: records the domain says are shown on `today`.
pub async fn public_of(
    db: &Db,
    uscc: &str,
    at: DateTime<Utc>,
) -> ServiceResult<Vec<CreditRecordView>> {
    let pack = CreditPack::v2026();
    Ok(all_of(db, uscc)
        .await?
        .into_iter()
        .filter(|r| shown(r, at))
        .map(|r| r.view(at, &pack))
        .collect())
}

fn shown(r: &RecordRow, at: DateTime<Utc>) -> bool {
    r.standing()
        .is_some_and(|s| cr::publicly_shown(&s, r.published_until, at))
}

/// The public list of bans and serious 失信 records now shown, newest first, at most `limit`.
pub async fn public_bans(
    db: &Db,
    at: DateTime<Utc>,
    limit: i64,
) -> ServiceResult<Vec<CreditRecordView>> {
    let pack = CreditPack::v2026();
    let serious: Vec<&str> = RecordKind::ALL
        .into_iter()
        .filter(|k| k.serious())
        .map(RecordKind::code)
        .collect();
    let list = serious
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<RecordRow> = on_db!(db, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM credit_records WHERE status = 'active' AND kind IN ({list}) AND starts_at <= $1 ORDER BY starts_at DESC, id DESC LIMIT $2"
    )))
    .bind(at)
    .bind(limit.clamp(1, 1000) * 2)
    .fetch_all(c)
    .await?
    });
    Ok(rows
        .into_iter()
        .filter(|r| shown(r, at))
        .take(limit as usize)
        .map(|r| r.view(at, &pack))
        .collect())
}

/// A company's active records, by its id in the registry.
fn standings_sql() -> String {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("cr.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {cols} FROM credit_records cr JOIN entities e ON e.uscc = cr.uscc WHERE e.id = $1 AND cr.status <> 'revoked' ORDER BY cr.starts_at, cr.id"
    )
}

/// The refusal a bar gives: what the record is, who decided it, until when, and the rule.
pub fn refusal(row: &RecordRow, bar: &cr::Bar, trade: Trade, field: &str) -> FieldError {
    let until_zh = bar.until.map_or("在被移出名单前".to_string(), |u| {
        format!("{}前", beijing_day(u))
    });
    let until_en = bar
        .until
        .map_or("until removed from the list".to_string(), |u| {
            format!("before {}", beijing_day(u))
        });
    let kind = RecordKind::parse(&row.kind);
    FieldError::new(
        field,
        "credit.barred",
        format!(
            "{}已被列入{}（{} {}），{}不得参加{}活动",
            row.entity_name,
            kind.map_or("", RecordKind::name_zh),
            row.authority,
            row.decision_no,
            until_zh,
            trade.name_zh()
        ),
        format!(
            "{} is on record as {} ({}, {}) and may not take part in {} {}",
            row.entity_name,
            kind.map_or("", RecordKind::name_en),
            row.authority,
            row.decision_no,
            trade.name_en(),
            until_en
        ),
    )
    .with_rule(bar.regulation, bar.article)
    .with_record(format!("credit_record:{}", row.id))
}

fn beijing_day(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

/// The record that bars this company from `trade` at `at`, and the rule.
pub async fn barring(
    db: &Db,
    entity: Uuid,
    trade: Trade,
    at: DateTime<Utc>,
) -> ServiceResult<Option<(RecordRow, cr::Bar)>> {
    let rows: Vec<RecordRow> = on_db!(db, |c| sqlx::query_as(sqlx::AssertSqlSafe(standings_sql()))
        .bind(entity)
        .fetch_all(c)
        .await?);
    Ok(first_bar(rows, trade, at))
}

fn first_bar(
    rows: Vec<RecordRow>,
    trade: Trade,
    at: DateTime<Utc>,
) -> Option<(RecordRow, cr::Bar)> {
    let known: Vec<(&RecordRow, Standing)> = rows
        .iter()
        .filter_map(|r| r.standing().map(|s| (r, s)))
        .collect();
    let only: Vec<Standing> = known.iter().map(|(_, s)| s.clone()).collect();
    cr::bar(&only, trade, at, &CreditPack::v2026()).map(|b| (known[b.record].0.clone(), b))
}

/// Where and for what a company was checked.
#[derive(Debug, Clone)]
pub struct Occasion {
    pub trade: Trade,
    pub point: CheckPoint,
    /// The deal's 统一交易标识码.
    pub deal_code: String,
    /// The refused input field.
    pub field: &'static str,
}

/// The screen at a point of participation: refuses a barred company with the record that bars
/// it. A clear screen writes nothing; the checks the rules want kept for every participant are
/// [`record_checks`].
pub async fn screen(db: &Db, entity: Uuid, on: &Occasion, at: DateTime<Utc>) -> ServiceResult<()> {
    match barring(db, entity, on.trade, at).await? {
        Some(hit) => Err(refuse(db, hit, on, at).await),
        None => Ok(()),
    }
}

/// Keep the refusal in the check log, in its own transaction (the refused step's transaction is
/// rolled back), and give the error to return.
pub async fn refuse(
    db: &Db,
    (row, bar): (RecordRow, cr::Bar),
    on: &Occasion,
    at: DateTime<Utc>,
) -> ServiceError {
    let kept = async {
        let mut tx = db.begin().await?;
        note_check(&mut tx, &row.uscc, on, at, Some(row.id), at).await?;
        tx.commit().await?;
        Ok::<_, ServiceError>(())
    }
    .await;
    if let Err(e) = kept {
        tracing::warn!(error = %e, "could not keep a credit refusal in the check log");
    }
    refusal(&row, &bar, on.trade, on.field).into()
}

async fn note_check(
    tx: &mut Tx,
    uscc: &str,
    on: &Occasion,
    checked_for: DateTime<Utc>,
    record: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let sql = "INSERT INTO credit_checks (id, uscc, trade, point, deal_code, checked_for, checked_at, record_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uscc, point, deal_code, checked_for) DO NOTHING";
    tx_exec!(
        tx,
        sql,
        Uuid::now_v7(),
        uscc,
        on.trade.code(),
        on.point.code(),
        &on.deal_code,
        truncate_micros(checked_for),
        truncate_micros(now),
        record
    );
    Ok(())
}

/// Check a company as of `checked_for` (a procurement's deadline, an award) and keep the
/// result in the caller's transaction; the refusal if it is barred.
pub async fn check_in(
    tx: &mut Tx,
    entity: Uuid,
    on: &Occasion,
    checked_for: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<Option<FieldError>> {
    let uscc: Option<(String,)> =
        crate::tx_opt!(tx, "SELECT uscc FROM entities WHERE id = $1", entity);
    let Some((uscc,)) = uscc else {
        return Ok(None);
    };
    let rows: Vec<RecordRow> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(standings_sql()))
        .bind(entity)
        .fetch_all(c)
        .await?);
    let hit = first_bar(rows, on.trade, checked_for);
    note_check(
        tx,
        &uscc,
        on,
        checked_for,
        hit.as_ref().map(|h| h.0.id),
        now,
    )
    .await?;
    Ok(hit.map(|(row, bar)| refusal(&row, &bar, on.trade, on.field)))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CheckRow {
    pub uscc: String,
    pub trade: String,
    pub point: String,
    pub deal_code: String,
    pub checked_for: DateTime<Utc>,
    pub checked_at: DateTime<Utc>,
    pub record_id: Option<Uuid>,
}

/// The checks kept for a deal, by company.
pub async fn checks_of(db: &Db, deal_code: &str) -> ServiceResult<Vec<CheckRow>> {
    Ok(db_all!(
        db,
        "SELECT uscc, trade, point, deal_code, checked_for, checked_at, record_id FROM credit_checks WHERE deal_code = $1 ORDER BY checked_at, uscc",
        deal_code
    ))
}

/// The credit code a record names.
pub async fn uscc_of_record(db: &Db, id: Uuid) -> ServiceResult<Option<String>> {
    let r: Option<(String,)> = db_opt!(db, "SELECT uscc FROM credit_records WHERE id = $1", id);
    Ok(r.map(|r| r.0))
}

/// The company's name in the registry, if it registered here.
pub async fn registered_name(db: &Db, uscc: &str) -> ServiceResult<Option<String>> {
    let r: Option<(String,)> = db_opt!(db, "SELECT name FROM entities WHERE uscc = $1", uscc);
    Ok(r.map(|r| r.0))
}

/// A record's part in a company's grade; the record itself only while the public may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeLineView {
    pub points: u32,
    /// `None` for a record that still counts but is no longer in public view.
    pub record: Option<CreditRecordView>,
}

/// A company's credit grade now, with the formula's version and the records that moved it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GradeView {
    pub uscc: String,
    pub formula: &'static str,
    pub score: u32,
    pub grade: Grade,
    pub grade_zh: &'static str,
    pub grade_en: &'static str,
    pub lines: Vec<GradeLineView>,
}

/// The grade of a company at `at` by the current formula.
pub async fn grade_of(db: &Db, uscc: &str, at: DateTime<Utc>) -> ServiceResult<GradeView> {
    Ok(grade_from(all_of(db, uscc).await?, uscc, at))
}

/// The grade as it stood at `at` from what was on record then: a record entered later, even one
/// that applies from an earlier day, does not move a score fixed at a deadline.
pub async fn grade_as_recorded(db: &Db, uscc: &str, at: DateTime<Utc>) -> ServiceResult<GradeView> {
    let mut rows = all_of(db, uscc).await?;
    rows.retain(|r| r.recorded_at <= at);
    Ok(grade_from(rows, uscc, at))
}

fn grade_from(rows: Vec<RecordRow>, uscc: &str, at: DateTime<Utc>) -> GradeView {
    let pack = CreditPack::v2026();
    let known: Vec<(RecordRow, Standing)> = rows
        .into_iter()
        .filter_map(|r| r.standing().map(|s| (r, s)))
        .collect();
    let standings: Vec<Standing> = known.iter().map(|(_, s)| s.clone()).collect();
    let e = grade::evaluate(&standings, at, &GradeFormula::v2026());
    let lines = e
        .lines
        .iter()
        .map(|l| {
            let row = &known[l.record].0;
            GradeLineView {
                points: l.points,
                record: shown(row, at).then(|| row.clone().view(at, &pack)),
            }
        })
        .collect();
    GradeView {
        uscc: uscc.to_string(),
        formula: e.formula,
        score: e.score,
        grade: e.grade,
        grade_zh: e.grade.name_zh(),
        grade_en: e.grade.name_en(),
        lines,
    }
}

/// The bid bond this company pays at `at` where a lot asks `bond`: the grade's reward, by the
/// published formula.
pub async fn bond_due(
    db: &Db,
    entity: Uuid,
    bond: ggzy_core::Money,
    at: DateTime<Utc>,
) -> ServiceResult<ggzy_core::Money> {
    let r: Option<(String,)> =
        crate::db_opt!(db, "SELECT uscc FROM entities WHERE id = $1", entity);
    let Some((uscc,)) = r else {
        return Ok(bond);
    };
    let g = grade_of(db, &uscc, at).await?;
    Ok(GradeFormula::v2026().bond_due(bond, g.grade))
}

/// The platform's credit exchange (`ggzy-credit-exchange/1`): the records the public sees now and
/// the grade of each company they name, for the credit platforms the city shares with. A page is
/// a snapshot in log order; a partner replaces its copy with the pages read from `after = 0`, so a
/// record revoked or repaired since simply no longer appears.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exchange {
    pub format: &'static str,
    pub as_of: DateTime<Utc>,
    pub records: Vec<CreditRecordView>,
    /// One per company named in `records`, by the formula in force.
    pub grades: Vec<ExchangeGrade>,
    /// The `after` of the next page; absent on the last one.
    pub next_after: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExchangeGrade {
    pub uscc: String,
    pub formula: &'static str,
    pub score: u32,
    pub grade: Grade,
}

pub const EXCHANGE_FORMAT: &str = "ggzy-credit-exchange/1";

/// One page of the exchange: records logged after event `after`, at most `limit` (1–1000) read.
pub async fn exchange(
    db: &Db,
    at: DateTime<Utc>,
    after: i64,
    limit: i64,
) -> ServiceResult<Exchange> {
    let limit = limit.clamp(1, 1000);
    let pack = CreditPack::v2026();
    let rows: Vec<RecordRow> = db_all!(
        db,
        sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM credit_records WHERE status = 'active' AND event_seq > $1 ORDER BY event_seq LIMIT $2"
        )),
        after,
        limit
    );
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.event_seq))
        .flatten();
    let records: Vec<CreditRecordView> = rows
        .into_iter()
        .filter(|r| shown(r, at))
        .map(|r| r.view(at, &pack))
        .collect();
    let mut companies: Vec<&str> = records.iter().map(|r| r.row.uscc.as_str()).collect();
    companies.sort_unstable();
    companies.dedup();
    let mut grades = Vec::with_capacity(companies.len());
    for u in companies {
        let g = grade_of(db, u, at).await?;
        grades.push(ExchangeGrade {
            uscc: g.uscc,
            formula: g.formula,
            score: g.score,
            grade: g.grade,
        });
    }
    Ok(Exchange {
        format: EXCHANGE_FORMAT,
        as_of: at,
        records,
        grades,
        next_after,
    })
}
