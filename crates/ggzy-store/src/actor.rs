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
    pub address: String,
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
        }
    }

    pub fn system() -> Self {
        Self::public("system")
    }

    /// The grant that allows `p` in `region` (a city grant covers its branches), if any.
    pub fn grant_for(&self, p: Permission, region: &DivisionCode) -> Option<&Grant> {
        self.grants
            .iter()
            .find(|g| g.role.permissions().contains(&p) && region.within(&g.region))
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
            (None, None) if self.address == "system" => "system".into(),
            (None, None) => "public".into(),
        }
    }
}
