//! Roles, permissions and separation of duties (管办分离).

use crate::error::FieldError;
use crate::region::DivisionCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    EntityUser,
    Principal,
    Agency,
    CenterStaff,
    Expert,
    Custodian,
    Supervisor,
    Auditor,
    Admin,
}

/// Which side of the platform a role acts on. Separation of duties is stated over sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Parties to a trade: bidders, principals, agencies, experts.
    Trading,
    /// The trading centre: a service, never an approver.
    Service,
    /// Administrative supervision.
    Supervision,
    /// Audit and investigation, read-only.
    Audit,
    /// Platform administration (公管办): configuration, accounts.
    Administration,
    /// Key custody is held by people from several sides (centre, supervisor, principal) on purpose.
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Keep one's own entity record and qualifications.
    EntityManage,
    /// Register projects and lots (进场登记 as applicant).
    ProjectRegister,
    /// Process intake, schedule venues and openings.
    IntakeProcess,
    /// Read the whole entity registry including contacts.
    RegistryRead,
    /// Evaluate bids of lots one is drawn for.
    Evaluate,
    /// Hold and release opening-key shares.
    KeyCustody,
    /// Monitor projects, handle complaints, record penalties.
    Supervise,
    /// Read everything including the full event log with network addresses.
    AuditRead,
    /// Create staff accounts and grant roles.
    AccountAdmin,
    /// Maintain regions, calendars, catalogue and rule packs.
    ConfigAdmin,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EntityManage => "entity_manage",
            Self::ProjectRegister => "project_register",
            Self::IntakeProcess => "intake_process",
            Self::RegistryRead => "registry_read",
            Self::Evaluate => "evaluate",
            Self::KeyCustody => "key_custody",
            Self::Supervise => "supervise",
            Self::AuditRead => "audit_read",
            Self::AccountAdmin => "account_admin",
            Self::ConfigAdmin => "config_admin",
        }
    }
}

pub const ALL_ROLES: [Role; 9] = [
    Role::EntityUser,
    Role::Principal,
    Role::Agency,
    Role::CenterStaff,
    Role::Expert,
    Role::Custodian,
    Role::Supervisor,
    Role::Auditor,
    Role::Admin,
];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EntityUser => "entity_user",
            Self::Principal => "principal",
            Self::Agency => "agency",
            Self::CenterStaff => "center_staff",
            Self::Expert => "expert",
            Self::Custodian => "custodian",
            Self::Supervisor => "supervisor",
            Self::Auditor => "auditor",
            Self::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::EntityUser => "市场主体",
            Self::Principal => "招标人/采购人",
            Self::Agency => "代理机构",
            Self::CenterStaff => "交易中心工作人员",
            Self::Expert => "评标专家",
            Self::Custodian => "开标密钥保管人",
            Self::Supervisor => "行政监督部门",
            Self::Auditor => "监察审计",
            Self::Admin => "系统管理员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::EntityUser => "Market entity",
            Self::Principal => "Principal",
            Self::Agency => "Agency",
            Self::CenterStaff => "Centre staff",
            Self::Expert => "Expert",
            Self::Custodian => "Key custodian",
            Self::Supervisor => "Supervisor",
            Self::Auditor => "Auditor",
            Self::Admin => "Administrator",
        }
    }

    pub fn side(self) -> Side {
        match self {
            Self::EntityUser | Self::Principal | Self::Agency | Self::Expert => Side::Trading,
            Self::CenterStaff => Side::Service,
            Self::Supervisor => Side::Supervision,
            Self::Auditor => Side::Audit,
            Self::Admin => Side::Administration,
            Self::Custodian => Side::Neutral,
        }
    }

    /// Least privilege: each role gets only what its work needs.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::EntityUser => &[EntityManage],
            Self::Principal | Self::Agency => &[ProjectRegister],
            Self::CenterStaff => &[IntakeProcess, RegistryRead],
            Self::Expert => &[Evaluate],
            Self::Custodian => &[KeyCustody],
            Self::Supervisor => &[Supervise, RegistryRead],
            Self::Auditor => &[AuditRead, RegistryRead],
            Self::Admin => &[AccountAdmin, ConfigAdmin],
        }
    }

    /// Staff-side accounts must use a second factor.
    pub fn requires_totp(self) -> bool {
        // A custodian holds a share of every opening key: a password alone, which an
        // administrator may have set, must not be enough to act as one.
        matches!(
            self,
            Self::CenterStaff | Self::Supervisor | Self::Auditor | Self::Admin | Self::Custodian
        )
    }

    /// Roles a person may take by self-registration; every other role is granted by an admin.
    pub fn self_service(self) -> bool {
        matches!(self, Self::EntityUser)
    }
}

fn sides_conflict(a: Side, b: Side) -> bool {
    use Side::*;
    matches!(
        (a, b),
        (Supervision | Audit, Trading | Service)
            | (Trading | Service, Supervision | Audit)
            | (Administration, Trading)
            | (Trading, Administration)
    )
}

/// 管办分离: no account holds both a trading or service role and a supervision (or audit) role in
/// overlapping regions; a city-level supervisor oversees the county branches too, so overlap, not
/// equality, is what conflicts.
pub fn check_separation(
    held: &[(Role, DivisionCode)],
    new_role: Role,
    new_region: &DivisionCode,
) -> Result<(), FieldError> {
    for (role, region) in held {
        let overlap = region.within(new_region) || new_region.within(region);
        if overlap && sides_conflict(role.side(), new_role.side()) {
            return Err(FieldError::new(
                "role",
                "role.separation_of_duties",
                format!(
                    "管办分离：该账号已在 {region} 持有“{}”角色，不能在重叠区域再持有“{}”角色",
                    role.label_zh(),
                    new_role.label_zh()
                ),
                format!(
                    "Separation of duties: this account already holds '{}' in {region}; it cannot also hold '{}' in an overlapping region",
                    role.label_en(),
                    new_role.label_en()
                ),
            )
            .with_rule("宁波市公共资源交易管理条例", "10"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse("r", s).expect("valid")
    }

    #[test]
    fn supervisor_cannot_also_trade_or_serve_in_same_or_nested_region() {
        let held = [(Role::Supervisor, d("330200"))];
        assert!(check_separation(&held, Role::CenterStaff, &d("330200")).is_err());
        assert!(check_separation(&held, Role::Principal, &d("330203")).is_err());
        let held = [(Role::Agency, d("330203"))];
        let e = check_separation(&held, Role::Supervisor, &d("330200")).unwrap_err();
        assert_eq!(e.code, "role.separation_of_duties");
        assert!(e.rule.is_some());
    }

    #[test]
    fn disjoint_regions_and_neutral_roles_are_allowed() {
        let held = [(Role::Supervisor, d("330203"))];
        assert!(check_separation(&held, Role::CenterStaff, &d("330212")).is_ok());
        assert!(check_separation(&held, Role::Custodian, &d("330203")).is_ok());
        let held = [(Role::CenterStaff, d("330200"))];
        assert!(check_separation(&held, Role::Custodian, &d("330200")).is_ok());
        assert!(check_separation(&held, Role::Auditor, &d("330200")).is_err());
    }

    #[test]
    fn roles_have_disjoint_operate_and_supervise_permissions() {
        for r in ALL_ROLES {
            let p = r.permissions();
            let operates = p.iter().any(|p| {
                matches!(
                    p,
                    Permission::IntakeProcess
                        | Permission::ProjectRegister
                        | Permission::EntityManage
                )
            });
            let supervises = p.contains(&Permission::Supervise);
            assert!(!(operates && supervises), "{r:?}");
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
