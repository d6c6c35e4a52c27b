//! Who is looking at a lot, decided once for the API and the pages: the viewer's
//! party, whether they sit on its committee, and whether they may see the lot at all.

use super::{LotRow, Party, load, party_of};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use ggzy_core::procedure::Stage;
use ggzy_core::role::Permission;
use serde::Serialize;
use uuid::Uuid;

/// The viewer of a lot. A company account that may not act for its entity reads as the public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "party", content = "entity")]
pub enum Viewer {
    /// The principal or its agency (招标人/招标代理).
    Tenderer,
    /// Centre staff of the lot's region.
    Centre,
    /// A supervisor or auditor of the lot's region.
    Supervisor,
    /// A registered entity acting for itself: a potential or actual bidder.
    Bidder(Uuid),
    /// Anyone else, signed in or not.
    Public,
}

impl Viewer {
    pub fn of(actor: &Actor, lot: &LotRow) -> Viewer {
        match party_of(actor, lot) {
            Some(Party::Tenderer) => Viewer::Tenderer,
            Some(Party::Centre) => Viewer::Centre,
            Some(Party::Supervisor) => Viewer::Supervisor,
            Some(Party::Bidder(e)) if actor.has(Permission::EntityManage) => Viewer::Bidder(e),
            Some(Party::Bidder(_)) | None => Viewer::Public,
        }
    }

    /// A lot registered but not yet announced is the parties' and the centre's business only.
    pub fn sees(self, stage: Stage) -> bool {
        stage != Stage::Registered || !matches!(self, Viewer::Bidder(_) | Viewer::Public)
    }

    pub fn is_tenderer(self) -> bool {
        self == Viewer::Tenderer
    }
    pub fn is_centre(self) -> bool {
        self == Viewer::Centre
    }
    pub fn is_supervisor(self) -> bool {
        self == Viewer::Supervisor
    }
    pub fn is_bidder(self) -> bool {
        matches!(self, Viewer::Bidder(_))
    }
    /// Centre staff and supervisors: they watch every lot of their region.
    pub fn is_official(self) -> bool {
        matches!(self, Viewer::Centre | Viewer::Supervisor)
    }
    /// The principal's side and the officials: they follow the lot after the award.
    pub fn follows_award(self) -> bool {
        self.is_tenderer() || self.is_official()
    }
}

/// The steps a viewer may take on a lot now, decided from the viewer, committee membership, the
/// stage and the bid deadline. The pages offer exactly these; the services check again when a
/// step is taken (permission, region and the procedure's own rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LotActions {
    /// The principal's first notice (or invitations), or the tender notice after prequalification.
    pub publish_notice: bool,
    pub review_prequal: bool,
    /// Clarify or amend the documents, before the deadline.
    pub clarify: bool,
    /// Publish the candidates (construction; a procurement's buyer decides on its own card).
    pub start_publicity: bool,
    pub award: bool,
    pub record_contract: bool,
    /// Supplementary contracts (procurement) and the acceptance, after the contract.
    pub record_performance: bool,
    pub retender: bool,
    /// End the procedure with a termination notice, up to the award.
    pub terminate: bool,
    pub apply_prequal: bool,
    /// Bid, or modify a bid, before the deadline.
    pub bid: bool,
    pub object_to_result: bool,
    /// Complain to the supervising department (construction).
    pub complain: bool,
    pub open: bool,
    pub draw_committee: bool,
    /// Score, ask bidders to clarify and sign the report: the committee while evaluating.
    pub evaluate: bool,
    pub rate_experts: bool,
    /// Procurement: the group asks the remaining suppliers for final quotes.
    pub request_final_quotes: bool,
    /// Procurement: a supplier gives its final quote while they are being taken.
    pub final_quote: bool,
    /// Procurement: the buyer decides on the report (87号令 Art 68).
    pub decide_winner: bool,
    /// State the qualifications bidders must hold, before the first notice (the prequalification
    /// notice states them too) is out.
    pub set_qualifications: bool,
    /// A supervisor of the lot's region orders it suspended, resumed, corrected or ended.
    pub order: bool,
}

impl LotActions {
    /// `supervises`: the viewer holds `supervise` in the lot's region (an auditor reads as a
    /// supervisor but orders nothing).
    pub fn of(
        viewer: Viewer,
        member: bool,
        supervises: bool,
        lot: &LotRow,
        now: DateTime<Utc>,
    ) -> LotActions {
        let stage = lot.state.stage;
        let before_deadline = lot.state.dates.is_none_or(|d| now < d.bid_deadline);
        let construction = lot.gp.is_none();
        let quoting = lot.state.final_quotes_due.is_some_and(|d| now < d);
        let tenderer = viewer.is_tenderer();
        let bidder = viewer.is_bidder();
        let all = LotActions {
            publish_notice: tenderer && matches!(stage, Stage::Registered | Stage::Prequalified),
            review_prequal: tenderer && stage == Stage::Prequalifying,
            clarify: tenderer && stage == Stage::Tendering && before_deadline,
            start_publicity: tenderer && construction && stage == Stage::Reported,
            award: tenderer && stage == Stage::Publicity,
            record_contract: tenderer && stage == Stage::Awarded,
            record_performance: tenderer && stage == Stage::Contracted,
            retender: tenderer && stage == Stage::Failed,
            terminate: tenderer && stage.terminable(),
            apply_prequal: bidder && stage == Stage::Prequalifying,
            bid: bidder && stage == Stage::Tendering && before_deadline,
            object_to_result: bidder && stage == Stage::Publicity,
            complain: bidder && construction && stage != Stage::Registered,
            open: viewer.is_centre() && stage == Stage::Tendering,
            draw_committee: viewer.is_centre() && stage == Stage::Evaluating,
            evaluate: member && stage == Stage::Evaluating,
            rate_experts: (tenderer || viewer.is_supervisor())
                && matches!(stage, Stage::Awarded | Stage::Contracted),
            request_final_quotes: tenderer
                && stage == Stage::Evaluating
                && lot.purchase_method().is_some_and(|m| m.final_quotes())
                && !quoting,
            final_quote: bidder && stage == Stage::Evaluating && quoting,
            decide_winner: tenderer && !construction && stage == Stage::Reported,
            set_qualifications: tenderer && stage == Stage::Registered,
            order: supervises
                && !matches!(stage, Stage::Failed | Stage::Contracted | Stage::Terminated),
        };
        if lot.state.held_by.is_none() {
            return all;
        }
        // A supervisor's suspension holds every step but these (`procedure::decide`).
        LotActions {
            clarify: all.clarify,
            object_to_result: all.object_to_result,
            complain: all.complain,
            order: all.order,
            ..LotActions::default()
        }
    }
}

/// A lot as one viewer sees it, with what they may do now.
pub struct LotView {
    pub lot: LotRow,
    pub viewer: Viewer,
    /// The viewer sits on the lot's evaluation committee.
    pub member: bool,
    pub actions: LotActions,
}

/// The lot and who `actor` is to it, or not found when the viewer may not see it yet.
pub async fn visible(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<(LotRow, Viewer)> {
    let lot = load(db, lot_id).await?;
    let viewer = Viewer::of(actor, &lot);
    if !viewer.sees(lot.state.stage) {
        return Err(ServiceError::NotFound("lot"));
    }
    Ok((lot, viewer))
}

/// The lot for `actor` at `now` with what they may do, or not found as [`visible`].
pub async fn view_for(
    db: &Db,
    actor: &Actor,
    lot_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<LotView> {
    let (lot, viewer) = visible(db, actor, lot_id).await?;
    let member = super::committee::is_member(db, actor, lot_id).await?;
    let supervises = actor
        .grant_for(Permission::Supervise, &lot.region)
        .is_some();
    let actions = LotActions::of(viewer, member, supervises, &lot, now);
    Ok(LotView {
        lot,
        viewer,
        member,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registered_lot_is_hidden_from_bidders_and_the_public_only() {
        let e = Uuid::nil();
        for v in [Viewer::Tenderer, Viewer::Centre, Viewer::Supervisor] {
            assert!(v.sees(Stage::Registered), "{v:?}");
        }
        for v in [Viewer::Bidder(e), Viewer::Public] {
            assert!(!v.sees(Stage::Registered), "{v:?}");
            assert!(v.sees(Stage::Tendering), "{v:?}");
        }
    }
}
