//! The deadlines a procurement lot runs by, and the list of procurements.

use super::*;
use crate::{db_all, db_opt};

/// The deadlines a procurement lot runs by, shown to both sides (RULES.md §3.2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
    pub regulation: String,
    pub article: String,
}

pub async fn deadlines(db: &Db, lot_id: Uuid, today: NaiveDate) -> ServiceResult<Vec<Deadline>> {
    let lot = load(db, lot_id).await?;
    let Some(pack) = lot.gp.clone() else {
        return Ok(vec![]);
    };
    let cal = crate::calendar::load(db).await?;
    let mut out = vec![];
    let mut push_d = |key: &str,
                      zh: &str,
                      en: &str,
                      due: NaiveDate,
                      done: Option<NaiveDate>,
                      (reg, art): (&str, &str)| {
        out.push(Deadline {
            key: key.into(),
            label_zh: zh.into(),
            label_en: en.into(),
            due_on: due,
            done_on: done,
            overdue: done.is_none() && today > due,
            regulation: reg.into(),
            article: art.into(),
        })
    };
    let reported = lot.state.report_at.map(cn_date);
    let awarded = tendering::committee::awarded_at(db, lot_id)
        .await?
        .map(cn_date);
    if let Some(r) = reported {
        let l = &pack.buyer_decides;
        push_d(
            "buyer_decides",
            "采购人确定中标（成交）供应商",
            "Buyer decides the winner",
            cal.add_working_days(r, l.value),
            awarded,
            (l.regulation, l.article),
        );
    }
    if let Some(a) = awarded {
        let l = &pack.result_runs;
        let ends = cal.add_working_days(a, l.value);
        push_d(
            "result_notice",
            "中标（成交）结果公告期满",
            "Result notice ends",
            ends,
            (today >= ends).then_some(ends),
            (l.regulation, l.article),
        );
        let c = &pack.challenge_within;
        let last = cal.add_working_days(ends, c.value);
        push_d(
            "result_challenge",
            "对结果提出质疑的截止日",
            "Last day to challenge the result",
            last,
            (today > last).then_some(last),
            (c.regulation, c.article),
        );
        let k = &pack.contract_within;
        let signed: Option<(NaiveDate,)> = db_opt!(
            db,
            "SELECT signed_on FROM contracts WHERE lot_id = $1",
            lot_id
        );
        let signed = signed.map(|s| s.0);
        push_d(
            "contract",
            "签订政府采购合同",
            "Sign the contract",
            cal.period_end(a, k.value),
            signed,
            (k.regulation, k.article),
        );
        if let Some(s) = signed {
            let pbl = &pack.contract_published_within;
            push_d(
                "contract_published",
                "公告政府采购合同",
                "Publish the contract",
                cal.add_working_days(s, pbl.value),
                contract_published_at(db, lot_id).await?.map(cn_date),
                (pbl.regulation, pbl.article),
            );
            let f = &pack.contract_filed_within;
            push_d(
                "contract_filed",
                "合同副本报财政部门备案",
                "File a copy with the finance department",
                cal.add_working_days(s, f.value),
                None,
                (f.regulation, f.article),
            );
        }
    }
    // The deadlines are public; who challenged is for the parties (their challenge list), so a
    // challenge is named here by its number only.
    for (i, c) in challenges::challenge_rows(db, lot_id)
        .await?
        .into_iter()
        .enumerate()
    {
        push_d(
            "challenge_reply",
            &format!("答复第 {} 件质疑", i + 1),
            &format!("Reply to challenge no. {}", i + 1),
            c.reply_by,
            c.replied_at.map(cn_date),
            (gp::LAW, "53"),
        );
    }
    Ok(out)
}

/// When the contract notice went out, if it did.
async fn contract_published_at(db: &Db, lot_id: Uuid) -> ServiceResult<Option<DateTime<Utc>>> {
    let r: Option<(DateTime<Utc>,)> = db_opt!(
        db,
        "SELECT published_at FROM notices WHERE lot_id = $1 AND notice_kind = 'contract' ORDER BY published_at LIMIT 1",
        lot_id
    );
    Ok(r.map(|r| r.0))
}

/// One procurement in the list page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProcurementRow {
    pub lot_id: Uuid,
    pub trade_code: String,
    pub name: String,
    pub procedure_kind: String,
    pub stage: String,
    /// Fen.
    pub budget: i64,
    pub bid_deadline: Option<DateTime<Utc>>,
}

/// Procurements, newest first: all once published, and the actor's own while still registered.
pub async fn list(db: &Db, actor: &Actor, limit: i64) -> ServiceResult<Vec<ProcurementRow>> {
    let me = actor.entity_id.unwrap_or(Uuid::nil());
    Ok(db_all!(db, "SELECT l.id AS lot_id, l.trade_code, p.name, l.procedure_kind, l.stage, l.estimated_price AS budget, l.bid_deadline FROM lots l JOIN projects p ON p.id = l.project_id
         WHERE p.trade_kind = 'procurement' AND (l.stage <> 'registered' OR p.principal_id = $1 OR p.agency_id = $1)
         ORDER BY p.created_at DESC LIMIT $2", me, limit))
}
