//! The pure core of chongdich: identifiers, administrative units, roles, jurisdictions
//! (scopes) and the validation rules of the records the rest of the system stores.
//!
//! This crate performs no I/O: no database, no HTTP, no async runtime. The reference data
//! it carries (`refdata`) is compiled in from `data/units/` with `include_str!`.

pub mod aid;
pub mod audit_policy;
pub mod auth;
pub mod care;
pub mod citizen_token;
pub mod cluster_identity;
pub mod contact;
pub mod epi;
pub mod exposure;
pub mod facility;
pub mod followup;
pub mod ids;
pub mod lang;
pub mod overrides;
pub mod person;
pub mod policy;
pub mod refdata;
pub mod risk;
pub mod role;
pub mod scope;
pub mod share;
mod slug;
pub mod text;
pub mod time;
pub mod units;
pub mod vaccination;
pub mod validation;
pub mod venue_qr;
pub mod zone;

pub use ids::{
    ActivityId, AgreementId, CampaignId, CaseId, CommitmentId, DonationId, FacilityId, LetterId,
    NeedId, NotAnId, OrgId, PersonId, RoundId, StayId, UserId, VenueId, ZoneId,
};
pub use role::Role;
pub use scope::Scope;
pub use units::{Structure, Unit, UnitCode, UnitKind, UnitLevel, UnitPath, UnitType};
pub use validation::{FieldError, Reason};
