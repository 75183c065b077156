//! Admissions, transfers and discharges: transactions that open and close stays and beds.

use sqlx::Row;

use domain::epi::CaseStatus;
use domain::facility::{BedType, DischargeReason, Place};
use domain::{FacilityId, Reason, StayId};

use super::{audit_stay, invalid, Admission, Occupant};
use crate::audit::{self, AuditAction};
use crate::link::LinkTx;
use crate::users::Caller;
use crate::{Result, Store, StoreError};

impl Store {
    /// Admits a case (or an F1 contact) to a bed, or places it at home. None — before any
    /// other check, so that nothing tells a record elsewhere from no record — when the case
    /// or contact is not in the caller's scope, or the facility is not. A person at home is
    /// moved (the home stay ends as `transferred`); a person already in a facility must be
    /// transferred instead (`Duplicate`, 409). A full bed type is refused with
    /// `bed_type: no_capacity` and nothing is written. The API and the page both come here.
    pub async fn admit(
        &self,
        caller: &Caller,
        a: &Admission,
        now_s: i64,
    ) -> Result<Option<StayId>> {
        crate::conflict::retrying(|| self.admit_once(caller, a, now_s)).await
    }

    async fn admit_once(
        &self,
        caller: &Caller,
        a: &Admission,
        now_s: i64,
    ) -> Result<Option<StayId>> {
        let mut tx = self.pool.begin().await?;
        let id = self.admit_in(&mut tx, caller, a, now_s).await?;
        if id.is_some() {
            tx.commit().await?;
        }
        Ok(id)
    }

    /// [`Store::admit`]'s writes in the caller's transaction (a stay whose `care` message
    /// goes with it). The caller commits only on `Some` (`None` wrote nothing); no retry
    /// here: wrap the caller's transaction in [`crate::retrying`].
    pub async fn admit_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        a: &Admission,
        now_s: i64,
    ) -> Result<Option<StayId>> {
        let occupant_field = match a.occupant {
            Occupant::Case(_) => "case_id",
            Occupant::Contact(_) => "contact_id",
        };
        let Some((who, status)) = Self::occupant_in_scope(tx, caller, a.occupant).await? else {
            return Ok(None);
        };
        let unit = match a.to {
            Some((f, _)) => match Self::facility_in_scope(tx, caller, f).await? {
                Some(u) => u,
                None => return Ok(None),
            },
            None => (
                who.structure.clone(),
                who.unit_code.clone(),
                who.unit_path.clone(),
            ),
        };
        if status.is_some_and(|s| s != CaseStatus::Active) {
            return Err(invalid(occupant_field, Reason::OutOfRange));
        }
        // Locked (PostgreSQL): a concurrent admission moving the same person from home waits
        // here, then finds the home stay ended and loses on `stays_open_by_person`.
        let open = sqlx::query(&format!(
            "SELECT id, place FROM stays WHERE person_id = $1 AND until_s IS NULL{}",
            self.for_update()
        ))
        .bind(who.person_id)
        .fetch_optional(&mut **tx)
        .await?;
        let already = StoreError::Duplicate {
            field: occupant_field,
            existing: None,
        };
        let mut from_home = None;
        if let Some(o) = open {
            let place: String = o.try_get(1)?;
            if place != Place::Home.as_str() || a.to.is_none() {
                return Err(already);
            }
            let home_id = StayId::new(o.try_get(0)?);
            let n = sqlx::query(
                "UPDATE stays SET until_s = $1, discharge_reason = $2
                 WHERE id = $3 AND until_s IS NULL",
            )
            .bind(a.at_s)
            .bind(DischargeReason::Transferred.as_str())
            .bind(home_id.get())
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(already);
            }
            from_home = Some(home_id);
        }
        if let Some((f, bed)) = a.to {
            Self::take_bed(tx, f, bed).await?;
        }
        let id = Self::insert_stay(tx, caller, &who, a, from_home, &unit, now_s).await?;
        audit::append(
            tx,
            self.dialect,
            [audit_stay(caller, AuditAction::Create, id, None)],
            now_s,
        )
        .await?;
        Ok(Some(id))
    }

    /// Ends an open stay (and frees its bed). False when the stay is not visible (see
    /// `open_stay_for`). A closed stay answers `stay: out_of_range`. With an `outcome`
    /// (recovered, died), a case's stay also records it as the case's status at the same
    /// time, with its history line, in the same transaction (`update_case_status`'s rules:
    /// a refusal there writes nothing at all); a case that already has that outcome keeps it.
    #[allow(clippy::too_many_arguments)]
    pub async fn discharge(
        &self,
        caller: &Caller,
        stay_id: StayId,
        reason: DischargeReason,
        outcome: Option<CaseStatus>,
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<bool> {
        crate::conflict::retrying(|| {
            self.discharge_once(caller, stay_id, reason, outcome, at_s, note.clone(), now_s)
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn discharge_once(
        &self,
        caller: &Caller,
        stay_id: StayId,
        reason: DischargeReason,
        outcome: Option<CaseStatus>,
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = self
            .discharge_in(&mut tx, caller, stay_id, reason, outcome, at_s, note, now_s)
            .await?;
        if done {
            tx.commit().await?;
        }
        Ok(done)
    }

    /// [`Store::discharge`]'s writes in the caller's transaction (a stay whose `care`
    /// message goes with it). The caller commits only on `true` (`false` may have written
    /// part of it: roll back); no retry here: wrap the caller's transaction in
    /// [`crate::retrying`].
    #[allow(clippy::too_many_arguments)]
    pub async fn discharge_in(
        &self,
        tx: &mut LinkTx,
        caller: &Caller,
        stay_id: StayId,
        reason: DischargeReason,
        outcome: Option<CaseStatus>,
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<bool> {
        let Some((stay, _)) = Self::open_stay_for(tx, caller, stay_id).await? else {
            return Ok(false);
        };
        if stay.until_s.is_some() {
            return Err(invalid("stay", Reason::OutOfRange));
        }
        if at_s < stay.from_s {
            return Err(invalid("at", Reason::OutOfRange));
        }
        Self::close_stay(tx, &stay, reason, at_s, note.clone()).await?;
        if let (Some(status), Some(case)) = (outcome, stay.case_id) {
            let change = crate::cases::Outcome {
                status,
                severity: None,
                isolation_s: None,
                note,
                at_s,
                same_is_done: true,
            };
            if !self
                .change_status_in(tx, caller, case, &change, now_s)
                .await?
            {
                return Ok(false);
            }
        }
        audit::append(
            tx,
            self.dialect,
            [audit_stay(
                caller,
                AuditAction::Update,
                stay_id,
                Some(reason.as_str().into()),
            )],
            now_s,
        )
        .await?;
        Ok(true)
    }

    /// Moves the person of an open stay to a bed of another facility: the stay ends as
    /// `transferred` and a new one starts that points back at it. None when the stay is not
    /// visible (see `open_stay_for`) or the destination is not in the caller's scope: a
    /// transfer between two jurisdictions needs an account holding both (a transfer offered
    /// by one locality and accepted by the other is not built). A full destination is
    /// refused like an admission.
    pub async fn transfer(
        &self,
        caller: &Caller,
        stay_id: StayId,
        to: (FacilityId, BedType),
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<Option<StayId>> {
        crate::conflict::retrying(|| {
            self.transfer_once(caller, stay_id, to, at_s, note.clone(), now_s)
        })
        .await
    }

    async fn transfer_once(
        &self,
        caller: &Caller,
        stay_id: StayId,
        to: (FacilityId, BedType),
        at_s: i64,
        note: Option<String>,
        now_s: i64,
    ) -> Result<Option<StayId>> {
        let mut tx = self.pool.begin().await?;
        let Some((stay, who)) = Self::open_stay_for(&mut tx, caller, stay_id).await? else {
            return Ok(None);
        };
        let Some(unit) = Self::facility_in_scope(&mut tx, caller, to.0).await? else {
            return Ok(None);
        };
        if stay.until_s.is_some() {
            return Err(invalid("stay", Reason::OutOfRange));
        }
        if at_s < stay.from_s {
            return Err(invalid("at", Reason::OutOfRange));
        }
        Self::close_stay(&mut tx, &stay, DischargeReason::Transferred, at_s, None).await?;
        Self::take_bed(&mut tx, to.0, to.1).await?;
        let a = Admission {
            occupant: match stay.case_id {
                Some(c) => Occupant::Case(c),
                None => Occupant::Contact(stay.contact_id.unwrap_or_default()),
            },
            to: Some(to),
            at_s,
            note,
        };
        let id = Self::insert_stay(&mut tx, caller, &who, &a, Some(stay.id), &unit, now_s).await?;
        audit::append(
            &mut tx,
            self.dialect,
            [
                audit_stay(
                    caller,
                    AuditAction::Update,
                    stay.id,
                    Some("transferred".into()),
                ),
                audit_stay(caller, AuditAction::Create, id, None),
            ],
            now_s,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}
