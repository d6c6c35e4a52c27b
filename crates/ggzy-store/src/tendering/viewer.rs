//! Who is looking at a lot, decided once for the API, the pages and the feeds: the viewer's
//! party, whether they sit on its committee, and whether they may see the lot at all.

use super::{LotRow, Party, load, party_of};
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{ServiceError, ServiceResult};
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

/// A lot as one viewer sees it.
pub struct LotView {
    pub lot: LotRow,
    pub viewer: Viewer,
}

/// The lot for `actor`, or not found when the viewer may not see it yet.
pub async fn view_for(db: &Db, actor: &Actor, lot_id: Uuid) -> ServiceResult<LotView> {
    let lot = load(db, lot_id).await?;
    let viewer = Viewer::of(actor, &lot);
    if !viewer.sees(lot.state.stage) {
        return Err(ServiceError::NotFound("lot"));
    }
    Ok(LotView { lot, viewer })
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
