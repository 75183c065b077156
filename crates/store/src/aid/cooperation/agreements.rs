//! Cooperation agreements with their commitments, and activities between two localities.

use sqlx::Row;

use domain::{ActivityId, AgreementId, CommitmentId, DonationId, Reason};

use super::{invalid, Activity, Agreement, Commitment, NewActivity, NewAgreement, LIST_MAX};
use crate::aid::{audit_entry, commit_audited, push_either, STRUCTURE};
use crate::audit::AuditAction;
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store};

impl Store {
    pub async fn create_agreement(
        &self,
        caller: &Caller,
        new: &NewAgreement,
        now_s: i64,
    ) -> Result<AgreementId> {
        let (a, b) = self
            .two_parties(caller, ("party_a", &new.party_a), ("party_b", &new.party_b))
            .await?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO coop_agreements (title, structure, party_a, party_a_name, party_a_path,
                 party_b, party_b_name, party_b_path, signed_on, starts_on, ends_on, source,
                 source_quote, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(&new.title)
        .bind(STRUCTURE.as_str())
        .bind(a.code.as_str())
        .bind(&a.name)
        .bind(a.path.as_str())
        .bind(b.code.as_str())
        .bind(&b.name)
        .bind(b.path.as_str())
        .bind(new.signed_on.to_string())
        .bind(new.starts_on.to_string())
        .bind(new.ends_on.map(|d| d.to_string()))
        .bind(&new.source)
        .bind(new.source_quote.clone())
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let fields: Vec<Vec<Val>> = new
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| vec![Val::Int(id), Val::Int(i as i64 + 1), Val::Text(f.clone())])
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "coop_fields",
            &["agreement_id", "line_no", "name"],
            fields,
        )
        .await?;
        let commitments: Vec<Vec<Val>> = new
            .commitments
            .iter()
            .map(|(t, o, p)| {
                vec![
                    Val::Int(id),
                    Val::Text(t.clone()),
                    Val::Text(o.clone()),
                    Val::Int(*p),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "coop_commitments",
            &["agreement_id", "text", "owner", "progress_pct"],
            commitments,
        )
        .await?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "coop_agreement", id, None),
            now_s,
        )
        .await?;
        Ok(AgreementId::new(id))
    }

    pub async fn add_activity(
        &self,
        caller: &Caller,
        new: &NewActivity,
        now_s: i64,
    ) -> Result<ActivityId> {
        let (host, guest) = self
            .two_parties(caller, ("host", &new.host), ("guest", &new.guest))
            .await?;
        for &d in &new.donation_ids {
            if self.get_donation(caller, d).await?.is_none() {
                return Err(invalid("donation_ids", Reason::NotFound));
            }
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO coop_activities (agreement_id, kind, on_date, structure, host, host_name,
                 host_path, guest, guest_name, guest_path, title, participants, outcome, source,
                 source_quote, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             RETURNING id",
        )
        .bind(new.agreement_id.map(AgreementId::get))
        .bind(new.kind.as_str())
        .bind(new.on_date.to_string())
        .bind(STRUCTURE.as_str())
        .bind(host.code.as_str())
        .bind(&host.name)
        .bind(host.path.as_str())
        .bind(guest.code.as_str())
        .bind(&guest.name)
        .bind(guest.path.as_str())
        .bind(&new.title)
        .bind(new.participants.clone())
        .bind(new.outcome.clone())
        .bind(&new.source)
        .bind(new.source_quote.clone())
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(ref d) if d.is_foreign_key_violation() => {
                invalid("agreement_id", Reason::NotFound)
            }
            e => e.into(),
        })?
        .try_get(0)?;
        let links: Vec<Vec<Val>> = new
            .donation_ids
            .iter()
            .map(|d| vec![Val::Int(id), Val::Int(d.get())])
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "coop_activity_donations",
            &["activity_id", "donation_id"],
            links,
        )
        .await?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "coop_activity", id, None),
            now_s,
        )
        .await?;
        Ok(ActivityId::new(id))
    }

    /// Agreements and activities where either party is in the caller's jurisdiction,
    /// newest first.
    pub async fn list_cooperation(
        &self,
        caller: &Caller,
    ) -> Result<(Vec<Agreement>, Vec<Activity>)> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, title, party_a_name, party_b_name, signed_on, starts_on, ends_on, source,
                    source_quote FROM coop_agreements WHERE 1 = 1",
        );
        push_either(&mut sql, caller, "", "party_a_path", "party_b_path");
        sql.push(" ORDER BY signed_on DESC, id DESC LIMIT ")
            .bind(Val::Int(LIST_MAX));
        let mut agreements = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let id: i64 = r.try_get(0)?;
            let fields = self
                .children(
                    "SELECT name FROM coop_fields WHERE agreement_id = $1 ORDER BY line_no",
                    id,
                )
                .await?
                .iter()
                .map(|f| f.try_get(0))
                .collect::<Result<Vec<String>, _>>()?;
            let commitments = self.children("SELECT text, owner, progress_pct, id FROM coop_commitments WHERE agreement_id = $1 ORDER BY id", id)
            .await?
            .iter()
            .map(|c| {
                Ok(Commitment {
                    id: CommitmentId::new(c.try_get(3)?),
                    text: c.try_get(0)?,
                    owner: c.try_get(1)?,
                    progress_pct: c.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            agreements.push(Agreement {
                id: AgreementId::new(id),
                title: r.try_get(1)?,
                party_a: r.try_get(2)?,
                party_b: r.try_get(3)?,
                signed_on: r.try_get(4)?,
                starts_on: r.try_get(5)?,
                ends_on: r.try_get(6)?,
                fields,
                commitments,
                source: r.try_get(7)?,
                source_quote: r.try_get(8)?,
            });
        }
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, agreement_id, kind, on_date, host_name, guest_name, title, participants,
                    outcome, source, source_quote FROM coop_activities WHERE 1 = 1",
        );
        push_either(&mut sql, caller, "", "host_path", "guest_path");
        sql.push(" ORDER BY on_date DESC, id DESC LIMIT ")
            .bind(Val::Int(LIST_MAX));
        let mut activities = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let id: i64 = r.try_get(0)?;
            let donation_ids = self.children("SELECT donation_id FROM coop_activity_donations WHERE activity_id = $1 ORDER BY donation_id", id)
            .await?
            .iter()
            .map(|d| d.try_get(0).map(DonationId::new))
            .collect::<Result<Vec<_>, _>>()?;
            activities.push(Activity {
                id: ActivityId::new(id),
                agreement_id: r.try_get::<Option<i64>, _>(1)?.map(AgreementId::new),
                kind: r.try_get(2)?,
                on_date: r.try_get(3)?,
                host: r.try_get(4)?,
                guest: r.try_get(5)?,
                title: r.try_get(6)?,
                participants: r.try_get(7)?,
                outcome: r.try_get(8)?,
                donation_ids,
                source: r.try_get(9)?,
                source_quote: r.try_get(10)?,
            });
        }
        Ok((agreements, activities))
    }

    /// Reports a commitment's progress (percent). False when its agreement is not in scope.
    pub async fn report_commitment(
        &self,
        caller: &Caller,
        commitment_id: CommitmentId,
        progress_pct: i64,
        now_s: i64,
    ) -> Result<bool> {
        if !(0..=100).contains(&progress_pct) {
            return Err(invalid("progress_pct", Reason::OutOfRange));
        }
        let mut sql = Sql::new(
            self.dialect,
            "SELECT c.id FROM coop_commitments c JOIN coop_agreements a ON a.id = c.agreement_id
             WHERE c.id = ",
        );
        sql.bind(Val::Int(commitment_id.get()));
        push_either(&mut sql, caller, "a.", "party_a_path", "party_b_path");
        if sql.query().fetch_optional(&self.pool).await?.is_none() {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE coop_commitments SET progress_pct = $1 WHERE id = $2")
            .bind(progress_pct)
            .bind(commitment_id.get())
            .execute(&mut *tx)
            .await?;
        let entry = audit_entry(
            caller,
            AuditAction::Update,
            "coop_commitment",
            commitment_id,
            Some(format!("progress {progress_pct} %")),
        );
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(true)
    }
}
