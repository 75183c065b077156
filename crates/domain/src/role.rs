//! Roles of accounts. What each role may do is decided here, once, so handlers ask
//! `role.can(...)` instead of comparing role names.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Administrator,
    Command,
    Tracer,
    CommuneOfficer,
    FacilityManager,
    Partner,
    Viewer,
}

/// Things an account may do; checked in one place (`Role::can`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read personal data (persons, cases, contacts) within the scope.
    ReadPersonal,
    /// Create or change personal data within the scope.
    WritePersonal,
    /// Manage accounts and read the audit log.
    Administer,
    /// Correct a policy value for the locality (recorded as an override), and supply its
    /// reference data (unit boundaries).
    SetPolicy,
    /// Admit, transfer and discharge patients and quarantined people, and set facilities'
    /// beds, within the scope.
    ManageBeds,
    /// Record gifts, needs, organisations, cooperation and campaigns between localities (a
    /// partner province records what it gives and receives).
    RecordAid,
    /// Record the exchange rates aid totals are converted at.
    RecordRates,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Administrator,
        Role::Command,
        Role::Tracer,
        Role::CommuneOfficer,
        Role::FacilityManager,
        Role::Partner,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Command => "command",
            Role::Tracer => "tracer",
            Role::CommuneOfficer => "commune_officer",
            Role::FacilityManager => "facility_manager",
            Role::Partner => "partner",
            Role::Viewer => "viewer",
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            Administer => self == Administrator,
            SetPolicy => matches!(self, Administrator | Command),
            ReadPersonal => matches!(
                self,
                Administrator | Command | Tracer | CommuneOfficer | FacilityManager
            ),
            WritePersonal => matches!(self, Administrator | Command | Tracer | CommuneOfficer),
            ManageBeds => matches!(
                self,
                Administrator | Command | CommuneOfficer | FacilityManager
            ),
            RecordAid => matches!(self, Administrator | Command | Partner),
            RecordRates => matches!(self, Administrator | Command),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role {0:?}; expected one of administrator, command, tracer, commune_officer, facility_manager, partner, viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_rejected() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn viewer_and_partner_cannot_read_personal_data() {
        assert!(!Role::Viewer.can(Permission::ReadPersonal));
        assert!(!Role::Partner.can(Permission::ReadPersonal));
        assert!(Role::CommuneOfficer.can(Permission::ReadPersonal));
        assert!(!Role::FacilityManager.can(Permission::WritePersonal));
        assert!(Role::Administrator.can(Permission::Administer));
        assert!(!Role::Command.can(Permission::Administer));
    }
}
