//! Cooperation agreements and activities between localities, and emulation campaigns with
//! their key tasks. Scoped like gifts: an agreement or activity is seen by either party, a
//! campaign by the jurisdiction that launched it.

mod agreements;
mod campaigns;

use chrono::NaiveDate;

use domain::aid::ActivityKind;
use domain::{
    ActivityId, AgreementId, CampaignId, CommitmentId, DonationId, FieldError, Reason, Unit,
    UnitCode,
};

use super::STRUCTURE;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

/// Agreements, activities and campaigns listed per call: tens per locality, not thousands.
const LIST_MAX: i64 = 500;

#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub title: String,
    pub party_a: UnitCode,
    pub party_b: UnitCode,
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub fields: Vec<String>,
    /// (commitment, owner, progress in percent).
    pub commitments: Vec<(String, String, i64)>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub id: AgreementId,
    pub title: String,
    pub party_a: String,
    pub party_b: String,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    pub fields: Vec<String>,
    pub commitments: Vec<Commitment>,
    pub source: String,
    pub source_quote: Option<String>,
}

/// What a party undertook in an agreement, who answers for it, and how far it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    pub id: CommitmentId,
    pub text: String,
    pub owner: String,
    pub progress_pct: i64,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub agreement_id: Option<AgreementId>,
    pub kind: ActivityKind,
    pub on_date: NaiveDate,
    pub host: UnitCode,
    pub guest: UnitCode,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// Gifts the delegation carried or that the meeting announced.
    pub donation_ids: Vec<DonationId>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: ActivityId,
    pub agreement_id: Option<AgreementId>,
    pub kind: String,
    pub on_date: String,
    pub host: String,
    pub guest: String,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    pub donation_ids: Vec<DonationId>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub launched_on: NaiveDate,
    pub launched_by: String,
    /// The launching jurisdiction.
    pub unit: UnitCode,
    /// In order; each task's `no` is its position (from 1).
    pub tasks: Vec<CampaignTask>,
    /// Units taking part.
    pub units: Vec<UnitCode>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTask {
    pub no: i64,
    pub title: String,
    pub indicator: Option<String>,
    pub target: Option<i64>,
    pub progress: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commendation {
    pub recipient: String,
    pub collective: bool,
    pub reason: String,
    pub on_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub launched_on: String,
    pub launched_by: String,
    pub unit_code: String,
    pub tasks: Vec<CampaignTask>,
    /// (code, name).
    pub units: Vec<(String, String)>,
    pub commendations: Vec<Commendation>,
    pub source: String,
    pub source_quote: Option<String>,
}

fn invalid(field: &str, reason: Reason) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, reason)])
}

impl Store {
    async fn unit_for(&self, field: &str, code: &UnitCode) -> Result<Unit> {
        self.unit_unscoped(STRUCTURE, code)
            .await?
            .ok_or_else(|| invalid(field, Reason::NotFound))
    }

    /// The two parties, one of which must be in the caller's jurisdiction.
    async fn two_parties(
        &self,
        caller: &Caller,
        (fa, a): (&str, &UnitCode),
        (fb, b): (&str, &UnitCode),
    ) -> Result<(Unit, Unit)> {
        let (a, b) = (self.unit_for(fa, a).await, self.unit_for(fb, b).await);
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let mut errors = Vec::new();
                for e in [a.err(), b.err()].into_iter().flatten() {
                    match e {
                        StoreError::Invalid(f) => errors.extend(f),
                        other => return Err(other),
                    }
                }
                return Err(StoreError::Invalid(errors));
            }
        };
        if a.code == b.code {
            return Err(invalid(fb, Reason::Duplicate));
        }
        if !caller.scope.contains(STRUCTURE, &a.path) && !caller.scope.contains(STRUCTURE, &b.path)
        {
            return Err(invalid(fa, Reason::OutOfScope));
        }
        Ok((a, b))
    }

    /// The rows of a record's child table (`$1` is the record's id).
    pub(super) async fn children(&self, sql: &str, id: i64) -> Result<Vec<sqlx::any::AnyRow>> {
        Ok(sqlx::query(sql).bind(id).fetch_all(&self.pool).await?)
    }

    /// The rows of a record's child table (`$1` is the record's id), each read by `read`.
    pub(super) async fn children_as<T>(
        &self,
        sql: &str,
        id: i64,
        read: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.children(sql, id).await?.iter().map(read).collect()
    }
}
