//! The award: the winner, letters to every bidder at the same moment, and the expert draw's seeds
//! revealed for anyone to recompute.

use crate::actor::Actor;
use crate::credit;
use crate::db::Db;
use crate::error::ServiceResult;
use crate::tendering::notices::publish_lot_notice;
use crate::tendering::{push, step};
use crate::{on_tx, tx_all, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::credit::CheckPoint;
use ggzy_core::evaluation::Outcome;
use ggzy_core::procedure::{Command, Stage};
use ggzy_core::tender_schedule as ts;

use super::entity_names;
use crate::db::Tx;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    pub winner: Uuid,
}

/// Determine the winner: the award letter and every result notice go out in one transaction, at
/// one instant (法 Art 45).
pub async fn award(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    input: &AwardInput,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (mut tx, mut lot, grant) = crate::tendering::begin_as_tenderer(db, actor, lot_id).await?;
    award_in(
        &mut tx,
        actor,
        Some(&grant),
        &mut lot,
        input.winner,
        false,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The award inside a transaction: by the principal, or deemed by the schedule when a
/// procurement buyer stays silent.
pub(crate) async fn award_in(
    tx: &mut crate::db::Tx,
    actor: &Actor,
    grant: Option<&crate::actor::Grant>,
    lot: &mut crate::tendering::LotRow,
    winner: Uuid,
    deemed: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    // Each candidate up to the winner is checked again at this instant; one barred since the
    // evaluation is passed over in ranked order, and a barred choice is refused. A deemed award
    // goes to the first candidate not barred.
    let on = credit::Occasion {
        trade: lot.trade(),
        point: CheckPoint::Award,
        deal_code: lot.trade_code.clone(),
        field: "winner",
    };
    let mut winner = winner;
    let mut passed_over = vec![];
    let mut passed_records = vec![];
    // The result notice says who was passed over and by which record, as the refusal words it.
    let mut passed_note = String::new();
    for c in lot.state.candidates.clone() {
        match credit::check_in(tx, c, &on, now, now).await? {
            None if c == winner || deemed => {
                winner = c;
                break;
            }
            None => {}
            Some(refusal) if c == winner => return Err(refusal.into()),
            Some(refusal) => {
                passed_note.push_str(&format!(
                    "\n依次递补：{}（{}），该中标候选人不再作为中标人。",
                    refusal.message_zh,
                    refusal.rule.as_ref().map(|r| r.cite()).unwrap_or_default()
                ));
                passed_over.push(c);
                passed_records.push(serde_json::json!({"candidate": c, "record": refusal.record}));
            }
        }
    }
    step(
        tx,
        lot,
        actor,
        grant,
        &Command::Award {
            winner,
            passed_over,
        },
        now,
        serde_json::json!({"deemed": deemed, "passed_over": passed_records}),
    )
    .await?;
    let names = entity_names(tx, &[winner]).await?;
    let winner_name = names.first().map(|n| n.1.clone()).unwrap_or_default();
    if let Some(gp) = lot.gp.clone() {
        award_procurement(
            tx,
            lot,
            &gp,
            (winner, &winner_name, &passed_note),
            deemed,
            now,
        )
        .await?;
    } else {
        award_construction(tx, lot, (winner, &winner_name, &passed_note), now).await?;
    }
    // The result is public: the expert draw's seeds are revealed for anyone to recompute.
    crate::experts::draw::reveal(tx, lot, now).await?;
    Ok(())
}

/// `(winner, its name, who was passed over and why)`.
type Chosen<'a> = (Uuid, &'a str, &'a str);

async fn award_construction(
    tx: &mut crate::db::Tx,
    lot: &crate::tendering::LotRow,
    (winner, winner_name, passed): Chosen<'_>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let due = ts::award_deadlines(&lot.pack, now);
    push(
        tx,
        winner,
        lot.id,
        "award_letter",
        &format!("{} 中标通知书", lot.name),
        &format!(
            "贵单位为{}{}的中标人。请于 {} 前与招标人订立书面合同（招标投标法 第46条）。",
            lot.project_name, lot.name, due.contract_by
        ),
        now,
    )
    .await?;
    for o in losers(tx, lot.id, winner).await? {
        push(
            tx,
            o,
            lot.id,
            "result_notice",
            &format!("{} 中标结果通知书", lot.name),
            &format!(
                "{}{}的中标人为{}。感谢贵单位参与投标。",
                lot.project_name, lot.name, winner_name
            ),
            now,
        )
        .await?;
    }
    let title = format!("{}{}中标结果公告", lot.project_name, lot.name);
    publish_lot_notice(
        tx,
        lot,
        "result",
        &title,
        &format!(
            "{title}\n统一交易标识码：{}\n中标人：{winner_name}{passed}",
            lot.trade_code
        ),
        Some((winner, lot.estimated_price.fen())),
        now,
    )
    .await?;
    Ok(())
}

async fn losers(tx: &mut crate::db::Tx, lot: Uuid, winner: Uuid) -> ServiceResult<Vec<Uuid>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (Uuid,)>("SELECT DISTINCT bidder_id FROM bids WHERE lot_id = $1 AND status = 'active' AND bidder_id <> $2").bind(lot).bind(winner).fetch_all(c).await?).into_iter().map(|r| r.0).collect())
}

/// A procurement result (条例 Art 43; 87号令 Art 69): the award notice, each loser told its own
/// score and rank, the result notice for 1 working day with the committee's names, and the
/// losers' bonds due back within 5 working days (87号令 Art 38).
async fn award_procurement(
    tx: &mut crate::db::Tx,
    lot: &crate::tendering::LotRow,
    gp: &ggzy_core::procurement::ProcurementPack,
    (winner, winner_name, passed): Chosen<'_>,
    deemed: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let cal = crate::calendar::load_tx(tx).await?;
    let today = crate::tendering::day(now);
    let ends = cal.add_working_days(today, gp.result_runs.value);
    let contract_by = cal.period_end(today, gp.contract_within.value);
    let refund_by = cal.add_working_days(today, gp.bond_refund_within.value);
    let outcome: Option<(String,)> = tx_opt!(
        tx,
        "SELECT outcome FROM evaluation_reports WHERE lot_id = $1",
        lot.id
    );
    let outcome: Option<Outcome> = outcome.and_then(|(s,)| serde_json::from_str(&s).ok());
    let line = |b: Uuid| {
        outcome
            .as_ref()
            .and_then(|o| o.results.iter().find(|r| r.bidder == b).cloned())
    };
    let price = line(winner).map_or(String::new(), |r| r.bid_price.to_string());
    push(
        tx,
        winner,
        lot.id,
        "award_letter",
        &format!("{} 中标（成交）通知书", lot.name),
        &format!(
            "贵单位为{}{}的中标（成交）供应商，中标（成交）金额 {price}。请于 {contract_by} 前与采购人签订政府采购合同（政府采购法 第46条）。",
            lot.project_name, lot.name
        ),
        now,
    )
    .await?;
    for o in losers(tx, lot.id, winner).await? {
        let mine = line(o);
        let detail = match mine.as_ref() {
            Some(r) => match (r.total_x100, r.rank, r.rejected, r.same_brand_as) {
                (_, _, Some(reason), _) => format!("贵单位的响应无效：{}。", reason.label_zh()),
                (_, _, _, Some(_)) => {
                    "贵单位与其他供应商提供同一品牌核心产品，按一家供应商计算，未参与排序。".into()
                }
                (Some(t), Some(rank), _, _) => format!(
                    "贵单位的评审得分为 {}.{:02} 分，排名第 {rank} 名。",
                    t / 100,
                    t % 100
                ),
                (None, Some(rank), _, _) => format!(
                    "贵单位的评审价格为 {}，排名第 {rank} 名。",
                    r.evaluated_price
                ),
                _ => String::new(),
            },
            None => "贵单位未提交最后报价，视为退出。".into(),
        };
        push(
            tx,
            o,
            lot.id,
            "result_notice",
            &format!("{} 中标（成交）结果通知", lot.name),
            &format!(
                "{}{}的中标（成交）供应商为{winner_name}。{detail}投标（响应）保证金将于 {refund_by} 前退还。",
                lot.project_name, lot.name
            ),
            now,
        )
        .await?;
        let bond: Option<(i64,)> = tx_opt!(
            tx,
            "SELECT bond FROM bids WHERE lot_id = $1 AND bidder_id = $2 AND status = 'active'",
            lot.id,
            o
        );
        if let Some((amount,)) = bond.filter(|b| b.0 > 0) {
            tx_exec!(
                tx,
                "INSERT INTO bond_refunds (lot_id, bidder_id, amount, due_on) VALUES ($1, $2, $3, $4) ON CONFLICT (lot_id, bidder_id) DO NOTHING",
                lot.id,
                o,
                amount,
                refund_by
            );
        }
    }
    let members: Vec<(String,)> = tx_all!(
        tx,
        "SELECT COALESCE(x.name, a.display_name) FROM committee_members m JOIN accounts a ON a.id = m.account_id LEFT JOIN experts x ON x.account_id = m.account_id WHERE m.lot_id = $1 ORDER BY 1",
        lot.id
    );
    let members: Vec<String> = members.into_iter().map(|m| m.0).collect();
    let title = format!("{}{}中标（成交）结果公告", lot.project_name, lot.name);
    let body = format!(
        "{title}\n统一交易标识码：{}\n采购方式：{}\n中标（成交）供应商：{winner_name}{passed}\n中标（成交）金额：{price}\n评审委员会（小组）成员：{}\n{}公告期限：1个工作日，至 {ends}。\n采购文件随本公告一并公开。供应商认为中标（成交）结果使自己的权益受到损害的，可以在公告期限届满之日起7个工作日内，通过本平台以书面形式向采购人提出质疑（政府采购法 第52条；实施条例 第53条）。",
        lot.trade_code,
        lot.state.kind.label_zh(),
        members.join("、"),
        if deemed {
            "采购人在规定时间内未确定中标（成交）供应商，视为确定排名第一的候选人（87号令 第68条）。\n"
        } else {
            ""
        },
    );
    let paid = line(winner).map_or(lot.estimated_price.fen(), |r| r.bid_price.fen());
    publish_lot_notice(tx, lot, "result", &title, &body, Some((winner, paid)), now).await?;
    Ok(())
}

/// The schedule's deemed choice: the buyer stayed silent, the first-ranked wins.
pub(crate) async fn deemed_choice_in(
    tx: &mut Tx,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    let mut lot = crate::tendering::load_for_update(tx, lot_id).await?;
    if lot.state.stage != Stage::Reported {
        return Ok(format!("skipped: lot is {}", lot.state.stage.as_str()));
    }
    let Some(first) = lot.state.candidates.first().copied() else {
        return Ok("skipped: no candidate".into());
    };
    let system = Actor::system();
    award_in(tx, &system, None, &mut lot, first, true, now).await?;
    Ok(format!("deemed: {first}"))
}
