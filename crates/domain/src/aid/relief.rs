//! What a relief round of a lockdown zone hands to each household.

use std::str::FromStr;

use crate::validation::Reason;

/// What a relief round hands to each household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReliefKind {
    GiftPack,
    WelfareBag,
    Produce,
    Cash,
}

impl ReliefKind {
    pub const ALL: [ReliefKind; 4] = [
        ReliefKind::GiftPack,
        ReliefKind::WelfareBag,
        ReliefKind::Produce,
        ReliefKind::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReliefKind::GiftPack => "gift_pack",
            ReliefKind::WelfareBag => "welfare_bag",
            ReliefKind::Produce => "produce",
            ReliefKind::Cash => "cash",
        }
    }
}

impl FromStr for ReliefKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        ReliefKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}
