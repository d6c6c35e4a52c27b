//! Who is acting: the account, its role grants and the network address the command came from.
//! Services check permissions on this again after the route did (defence in depth).

use crate::error::{ServiceError, ServiceResult};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::{Permission, Role};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub role: Role,
    pub region: DivisionCode,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: Option<Uuid>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub entity_id: Option<Uuid>,
    pub grants: Vec<Grant>,
    /// Recorded with every event (电子招标投标办法 Art 49: logs keep the operator's address).
    /// Never a source of identity or permission: a client can choose what it says here.
    pub address: String,
    /// The platform itself (scheduler, seeding). Only [`Actor::system`] sets it, so no request
    /// can become the system by what it sends.
    system: bool,
}

impl Actor {
    pub fn public(address: impl Into<String>) -> Self {
        Self {
            account_id: None,
            username: None,
            display_name: None,
            entity_id: None,
            grants: vec![],
            address: address.into(),
            system: false,
        }
    }

    /// The platform acting on its own (the scheduler, first-start seeding).
    pub fn system() -> Self {
        Self {
            system: true,
            ..Self::public("system")
        }
    }

    /// A signed-in account with its grants.
    pub fn account(
        account_id: Uuid,
        username: String,
        display_name: String,
        entity_id: Option<Uuid>,
        grants: Vec<Grant>,
        address: String,
    ) -> Self {
        Self {
            account_id: Some(account_id),
            username: Some(username),
            display_name: Some(display_name),
            entity_id,
            grants,
            address,
            system: false,
        }
    }

    pub fn is_system(&self) -> bool {
        self.system
    }

    /// The grant that allows `p` in `region` (a city grant covers its branches), if any.
    pub fn grant_for(&self, p: Permission, region: &DivisionCode) -> Option<&Grant> {
        self.grants
            .iter()
            .find(|g| g.role.permissions().contains(&p) && region.within(&g.region))
    }

    /// Whether `p` reaches the region with this stored code: what every list a role reads is
    /// filtered by, so that a branch's staff read their branch and a city's staff its branches.
    /// A code that does not parse is covered by nobody.
    pub fn covers(&self, p: Permission, region_code: &str) -> bool {
        DivisionCode::parse("region_code", region_code)
            .is_ok_and(|r| self.grant_for(p, &r).is_some())
    }

    pub fn has(&self, p: Permission) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.permissions().contains(&p))
    }

    pub fn require(&self, p: Permission, region: &DivisionCode) -> ServiceResult<&Grant> {
        if self.account_id.is_none() {
            return Err(ServiceError::Unauthenticated);
        }
        self.grant_for(p, region).ok_or(ServiceError::Forbidden(p))
    }

    pub fn require_any(&self, p: Permission) -> ServiceResult<()> {
        if self.account_id.is_none() {
            return Err(ServiceError::Unauthenticated);
        }
        if self.has(p) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(p))
        }
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }

    /// The role recorded on an event: the one that carried the permission, or `public`/`system`.
    pub fn role_label(&self, used: Option<&Grant>) -> String {
        match (used, &self.account_id) {
            (Some(g), _) => g.role.as_str().to_string(),
            (None, Some(_)) => self
                .grants
                .first()
                .map_or("account", |g| g.role.as_str())
                .to_string(),
            (None, None) if self.system => "system".into(),
            (None, None) => "public".into(),
        }
    }
}
