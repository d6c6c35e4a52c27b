//! What anyone may check of a draw once it is published (seeds, snapshots, picks), and the
//! draw as each party sees it before then.

use super::*;
use crate::{db_all, db_opt, tx_all, tx_exec};

/// The result is public (the award): reveal every round's seed so anyone can recompute the draw.
pub(crate) async fn reveal(tx: &mut Tx, lot: &LotRow, now: DateTime<Utc>) -> ServiceResult<()> {
    let Some(d) = draw_of_tx(tx, lot.id).await? else {
        return Ok(());
    };
    if d.revealed_at.is_some() {
        return Ok(());
    }
    let seeds: Vec<(i64, String)> = tx_all!(
        tx,
        "SELECT round, seed FROM draw_rounds WHERE draw_id = $1 ORDER BY round",
        d.id
    );
    tx_exec!(
        tx,
        "UPDATE expert_draws SET revealed_at = $1, status = 'published' WHERE id = $2",
        truncate_micros(now),
        d.id
    );
    log(tx, &Actor::system(), None, lot, "draw.revealed", serde_json::json!({
        "draw": d.id, "seeds": seeds.iter().map(|(r, s)| serde_json::json!({"round": r, "seed": s})).collect::<Vec<_>>()
    }), now).await?;
    Ok(())
}

/// What anyone may check: per round the commitment and snapshot hash, and once revealed the seed,
/// the snapshot and the picks — the input of `ggzy verify-draw`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawProof {
    pub lot_id: Uuid,
    pub trade_code: String,
    pub revealed: bool,
    pub rounds: Vec<PublishedRound>,
}

pub async fn proof(db: &Db, lot_id: Uuid) -> ServiceResult<DrawProof> {
    let lot = tendering::load(db, lot_id).await?;
    let d = draw_of(db, lot_id)
        .await?
        .ok_or(ServiceError::NotFound("draw"))?;
    let revealed = d.revealed_at.is_some();
    let rows: Vec<(i64, String, String, String, String)> = db_all!(
        db,
        "SELECT round, seed, commitment, snapshot_sm3, snapshot FROM draw_rounds WHERE draw_id = $1 ORDER BY round",
        d.id
    );
    let picks: Vec<(i64, Uuid, i64, i64)> = db_all!(
        db,
        "SELECT round, expert_id, pick_order, group_index FROM draw_picks WHERE draw_id = $1 ORDER BY pick_order",
        d.id
    );
    let mut rounds = vec![];
    for (round, seed, commitment, snapshot_sm3, snapshot) in rows {
        let groups: Vec<GroupPool> = serde_json::from_str(&snapshot).or_internal()?;
        let round_picks: Vec<Pick> = picks
            .iter()
            .filter(|p| p.0 == round)
            .map(|p| {
                let code = &d.groups.get(p.3 as usize).map(|g| g.0.clone());
                let gi = groups
                    .iter()
                    .position(|g| Some(&g.specialty) == code.as_ref())
                    .unwrap_or(0);
                Pick {
                    group: gi as u32,
                    expert: p.1,
                }
            })
            .collect();
        rounds.push(PublishedRound {
            round: round as u32,
            commitment,
            snapshot_sm3,
            seed: revealed.then_some(seed),
            groups: if revealed { groups } else { vec![] },
            picks: if revealed { round_picks } else { vec![] },
        });
    }
    Ok(DrawProof {
        lot_id,
        trade_code: lot.trade_code,
        revealed,
        rounds,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleCount {
    pub rule: String,
    pub label_zh: String,
    pub label_en: String,
    pub regulation: String,
    pub article: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub round: u32,
    pub commitment: String,
    pub snapshot_sm3: String,
    pub drawn_at: DateTime<Utc>,
    pub reply_by: DateTime<Utc>,
    /// Each group of the round: its specialty and how many were eligible after avoidance.
    pub eligible: Vec<(String, usize)>,
    pub considered: u32,
    pub excluded_by_rule: Vec<RuleCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PickView {
    pub expert_id: Uuid,
    pub name: String,
    pub username: String,
    pub specialty: String,
    pub round: i64,
    pub status: String,
    pub reason: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExcludedView {
    pub round: u32,
    pub expert_id: Uuid,
    pub name: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrawView {
    pub id: Uuid,
    pub status: String,
    pub evaluation_on: NaiveDate,
    pub groups: Vec<GroupInput>,
    pub revealed: bool,
    pub rounds: Vec<RoundView>,
    /// The drawn list: to the staff who ran the draw, and to everyone once the result is public.
    pub picks: Option<Vec<PickView>>,
    /// Who was excluded and why: to the staff who ran it and the supervising department.
    pub excluded: Option<Vec<ExcludedView>>,
    /// The viewer's own invitation, for a drawn expert.
    pub mine: Option<PickView>,
}

/// The draw of a lot as the viewer may see it; `None` before any draw.
pub async fn view(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<Option<DrawView>> {
    let lot = tendering::load(db, lot_id).await?;
    let Some(d) = draw_of(db, lot_id).await? else {
        return Ok(None);
    };
    let runner = actor.account_id == Some(d.requested_by);
    let party = party_of(actor, &lot);
    let supervisor = matches!(party, Some(Party::Supervisor));
    let revealed = d.revealed_at.is_some();
    let me = crate::experts::expert_of(db, actor).await?;
    if !(runner
        || supervisor
        || revealed
        || me.is_some()
        || matches!(party, Some(Party::Centre | Party::Tenderer)))
    {
        return Err(if actor.account_id.is_none() {
            ServiceError::Unauthenticated
        } else {
            ServiceError::Forbidden(Permission::IntakeProcess)
        });
    }
    let pack = ExpertPack::v2025();
    type RoundRow = (
        i64,
        String,
        String,
        String,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
    );
    let rows: Vec<RoundRow> = db_all!(
        db,
        "SELECT round, commitment, snapshot_sm3, screening, snapshot, drawn_at, reply_by FROM draw_rounds WHERE draw_id = $1 ORDER BY round",
        d.id
    );
    let mut rounds = vec![];
    let mut excluded = vec![];
    for (round, commitment, snapshot_sm3, screening, snap, drawn_at, reply_by) in rows {
        let s: StoredScreening = serde_json::from_str(&screening).or_internal()?;
        let groups: Vec<GroupPool> = serde_json::from_str(&snap).or_internal()?;
        rounds.push(RoundView {
            round: round as u32,
            commitment,
            snapshot_sm3,
            drawn_at,
            reply_by,
            eligible: groups
                .iter()
                .map(|g| (g.specialty.to_string(), g.eligible.len()))
                .collect(),
            considered: s.considered,
            excluded_by_rule: s
                .by_rule
                .iter()
                .map(|(r, n)| {
                    let rule = r.rule(&pack);
                    RuleCount {
                        rule: r.as_str().into(),
                        label_zh: r.label_zh().into(),
                        label_en: r.label_en().into(),
                        regulation: rule.regulation.into(),
                        article: rule.article.into(),
                        count: *n,
                    }
                })
                .collect(),
        });
        if runner || supervisor {
            for (id, reasons) in s.excluded.iter().take(500) {
                excluded.push(ExcludedView {
                    round: round as u32,
                    expert_id: *id,
                    name: expert_name(db, *id).await?,
                    reasons: reasons.iter().map(|r| r.label_zh().to_string()).collect(),
                });
            }
        }
    }
    let all: Vec<(
        Uuid,
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        i64,
    )> = db_all!(
        db,
        "SELECT p.expert_id, e.name, a.username, p.round, p.status, p.reason, p.replied_at, p.checked_in_at, p.group_index FROM draw_picks p JOIN experts e ON e.id = p.expert_id JOIN accounts a ON a.id = e.account_id WHERE p.draw_id = $1 ORDER BY p.pick_order",
        d.id
    );
    let picks: Vec<PickView> = all
        .into_iter()
        .map(
            |(expert_id, name, username, round, status, reason, replied_at, checked_in_at, gi)| {
                PickView {
                    expert_id,
                    name,
                    username,
                    specialty: d
                        .groups
                        .get(gi as usize)
                        .map(|g| g.0.to_string())
                        .unwrap_or_default(),
                    round,
                    status,
                    reason,
                    replied_at,
                    checked_in_at,
                }
            },
        )
        .collect();
    let mine = me.and_then(|m| picks.iter().find(|p| p.expert_id == m).cloned());
    Ok(Some(DrawView {
        id: d.id,
        status: d.status,
        evaluation_on: d.evaluation_on,
        groups: d
            .groups
            .iter()
            .map(|(c, n)| GroupInput {
                specialty: c.to_string(),
                count: *n,
            })
            .collect(),
        revealed,
        rounds,
        picks: (runner || revealed).then_some(picks),
        excluded: (runner || supervisor).then_some(excluded),
        mine,
    }))
}

async fn expert_name(db: &Db, id: Uuid) -> ServiceResult<String> {
    let r: Option<(String,)> = db_opt!(db, "SELECT name FROM experts WHERE id = $1", id);
    Ok(r.map(|r| r.0).unwrap_or_default())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Invitation {
    pub lot_id: Uuid,
    pub lot_name: String,
    pub trade_code: String,
    pub evaluation_on: NaiveDate,
    pub status: String,
    pub reply_by: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// The signed-in expert's invitations, newest first.
pub async fn invitations(db: &Db, actor: &Actor) -> ServiceResult<Vec<Invitation>> {
    let Some(me) = crate::experts::expert_of(db, actor).await? else {
        return Ok(vec![]);
    };
    Ok(db_all!(db, "SELECT d.lot_id, l.name AS lot_name, l.trade_code, d.evaluation_on, p.status, r.reply_by, p.checked_in_at FROM draw_picks p
         JOIN expert_draws d ON d.id = p.draw_id JOIN lots l ON l.id = d.lot_id JOIN draw_rounds r ON r.draw_id = p.draw_id AND r.round = p.round
         WHERE p.expert_id = $1 ORDER BY r.drawn_at DESC", me))
}

/// Whether the lot's experts were drawn across regions (remote evaluation allowance).
pub(crate) async fn is_remote(db: &Db, lot_id: Uuid) -> ServiceResult<bool> {
    Ok(draw_of(db, lot_id)
        .await?
        .is_some_and(|d| matches!(d.scope, Scope::CrossRegion(_))))
}
