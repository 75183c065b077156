//! Gifts: who gives or receives, where a gift is in its life, and who may record it.

use std::str::FromStr;

use crate::validation::Reason;

/// Who gives or receives: a locality (a unit of the registry, domestic or foreign partner)
/// or an organisation of a locality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    Locality,
    PartyCommittee,
    PeoplesCommittee,
    Police,
    FatherlandFront,
    TradeUnion,
    Enterprise,
    ReligiousGroup,
    Individual,
}

impl PartyKind {
    pub const ALL: [PartyKind; 9] = [
        PartyKind::Locality,
        PartyKind::PartyCommittee,
        PartyKind::PeoplesCommittee,
        PartyKind::Police,
        PartyKind::FatherlandFront,
        PartyKind::TradeUnion,
        PartyKind::Enterprise,
        PartyKind::ReligiousGroup,
        PartyKind::Individual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Locality => "locality",
            PartyKind::PartyCommittee => "party_committee",
            PartyKind::PeoplesCommittee => "peoples_committee",
            PartyKind::Police => "police",
            PartyKind::FatherlandFront => "fatherland_front",
            PartyKind::TradeUnion => "trade_union",
            PartyKind::Enterprise => "enterprise",
            PartyKind::ReligiousGroup => "religious_group",
            PartyKind::Individual => "individual",
        }
    }
}

impl FromStr for PartyKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        PartyKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// Where a gift is. Each step only moves forward by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AidStatus {
    Pledged,
    Dispatched,
    /// The receiver confirmed what arrived (and any shortfall).
    Received,
    /// Thanked: a letter or a delegation acknowledged the gift.
    Acknowledged,
}

impl AidStatus {
    pub const ALL: [AidStatus; 4] = [
        AidStatus::Pledged,
        AidStatus::Dispatched,
        AidStatus::Received,
        AidStatus::Acknowledged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AidStatus::Pledged => "pledged",
            AidStatus::Dispatched => "dispatched",
            AidStatus::Received => "received",
            AidStatus::Acknowledged => "acknowledged",
        }
    }

    /// The one step allowed from here, if any.
    pub fn next(self) -> Option<AidStatus> {
        match self {
            AidStatus::Pledged => Some(AidStatus::Dispatched),
            AidStatus::Dispatched => Some(AidStatus::Received),
            AidStatus::Received => Some(AidStatus::Acknowledged),
            AidStatus::Acknowledged => None,
        }
    }

    pub fn can_move_to(self, to: AidStatus) -> bool {
        self.next() == Some(to)
    }

    /// The steps from `Pledged` up to and including `self`, in order.
    pub fn path(self) -> impl Iterator<Item = AidStatus> {
        AidStatus::ALL.into_iter().filter(move |s| *s <= self)
    }

    /// Whether the recipient (true) or the donor (false) takes this step.
    pub fn taken_by_recipient(self) -> bool {
        matches!(self, AidStatus::Received | AidStatus::Acknowledged)
    }
}

impl FromStr for AidStatus {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        AidStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// Who may record gifts and move them along: command centres and partner localities
/// (within their scope), and administrators.
pub fn may_record_aid(role: crate::Role) -> bool {
    role.can(crate::role::Permission::RecordAid)
}
