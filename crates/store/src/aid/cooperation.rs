//! Cooperation agreements and activities between localities, and emulation campaigns with
//! their key tasks. Scoped like gifts: an agreement or activity is seen by either party, a
//! campaign by the jurisdiction that launched it.

use chrono::NaiveDate;
use sqlx::Row;

use domain::aid::ActivityKind;
use domain::{FieldError, Reason, Unit, UnitCode};

use super::{audit_entry, commit_audited, push_either, STRUCTURE};
use crate::audit::AuditAction;
use crate::sql::{insert_rows, Sql, Val};
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
    pub id: i64,
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
    pub id: i64,
    pub text: String,
    pub owner: String,
    pub progress_pct: i64,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub agreement_id: Option<i64>,
    pub kind: ActivityKind,
    pub on_date: NaiveDate,
    pub host: UnitCode,
    pub guest: UnitCode,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// Gifts the delegation carried or that the meeting announced.
    pub donation_ids: Vec<i64>,
    pub source: String,
    pub source_quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: i64,
    pub agreement_id: Option<i64>,
    pub kind: String,
    pub on_date: String,
    pub host: String,
    pub guest: String,
    pub title: String,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    pub donation_ids: Vec<i64>,
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
    pub id: i64,
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

    pub async fn create_agreement(
        &self,
        caller: &Caller,
        new: &NewAgreement,
        now_s: i64,
    ) -> Result<i64> {
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
        Ok(id)
    }

    pub async fn add_activity(
        &self,
        caller: &Caller,
        new: &NewActivity,
        now_s: i64,
    ) -> Result<i64> {
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
        .bind(new.agreement_id)
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
            .map(|d| vec![Val::Int(id), Val::Int(*d)])
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
        Ok(id)
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
                    id: c.try_get(3)?,
                    text: c.try_get(0)?,
                    owner: c.try_get(1)?,
                    progress_pct: c.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            agreements.push(Agreement {
                id,
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
            .map(|d| d.try_get(0))
            .collect::<Result<Vec<i64>, _>>()?;
            activities.push(Activity {
                id,
                agreement_id: r.try_get(1)?,
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

    /// Launches a campaign of a jurisdiction of the caller's.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        new: &NewCampaign,
        now_s: i64,
    ) -> Result<i64> {
        let unit = self
            .get_unit(&caller.scope, STRUCTURE, &new.unit)
            .await?
            .ok_or_else(|| invalid("unit", Reason::NotFound))?;
        let mut units = Vec::new();
        for u in &new.units {
            units.push(self.unit_for("units", u).await?);
        }
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query("INSERT INTO campaigns (name, launched_on, launched_by, structure, unit_code, unit_path,
                                    source, source_quote, created_at_s)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&new.name)
        .bind(new.launched_on.to_string())
        .bind(&new.launched_by)
        .bind(STRUCTURE.as_str())
        .bind(unit.code.as_str())
        .bind(unit.path.as_str())
        .bind(&new.source)
        .bind(new.source_quote.clone())
        .bind(now_s)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let tasks: Vec<Vec<Val>> = new
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                vec![
                    Val::Int(id),
                    Val::Int(i as i64 + 1),
                    Val::Text(t.title.clone()),
                    Val::OptText(t.indicator.clone()),
                    Val::OptInt(t.target),
                    Val::OptInt(t.progress),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "campaign_tasks",
            &[
                "campaign_id",
                "task_no",
                "title",
                "indicator",
                "target",
                "progress",
            ],
            tasks,
        )
        .await?;
        let rows: Vec<Vec<Val>> = units
            .iter()
            .map(|u| {
                vec![
                    Val::Int(id),
                    Val::Text(u.code.as_str().into()),
                    Val::Text(u.name.clone()),
                ]
            })
            .collect();
        insert_rows(
            &mut tx,
            self.dialect,
            "campaign_units",
            &["campaign_id", "unit_code", "unit_name"],
            rows,
        )
        .await?;
        commit_audited(
            tx,
            self.dialect,
            audit_entry(caller, AuditAction::Create, "campaign", id, None),
            now_s,
        )
        .await?;
        Ok(id)
    }

    /// Reports a task's progress. False when the campaign is not in scope or has no such task.
    pub async fn report_task_progress(
        &self,
        caller: &Caller,
        campaign_id: i64,
        task_no: i64,
        progress: i64,
        now_s: i64,
    ) -> Result<bool> {
        if !self.campaign_in_scope(caller, campaign_id).await? {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        let n = sqlx::query(
            "UPDATE campaign_tasks SET progress = $1 WHERE campaign_id = $2 AND task_no = $3",
        )
        .bind(progress)
        .bind(campaign_id)
        .bind(task_no)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        let entry = audit_entry(
            caller,
            AuditAction::Update,
            "campaign",
            campaign_id,
            Some(format!("task {task_no} progress {progress}")),
        );
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(true)
    }

    /// Reports a commitment's progress (percent). False when its agreement is not in scope.
    pub async fn report_commitment(
        &self,
        caller: &Caller,
        commitment_id: i64,
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
        sql.bind(Val::Int(commitment_id));
        push_either(&mut sql, caller, "a.", "party_a_path", "party_b_path");
        if sql.query().fetch_optional(&self.pool).await?.is_none() {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE coop_commitments SET progress_pct = $1 WHERE id = $2")
            .bind(progress_pct)
            .bind(commitment_id)
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

    /// Commends an individual or a collective in a campaign. False when not in scope.
    pub async fn add_commendation(
        &self,
        caller: &Caller,
        campaign_id: i64,
        c: &Commendation,
        now_s: i64,
    ) -> Result<bool> {
        if !self.campaign_in_scope(caller, campaign_id).await? {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO commendations (campaign_id, recipient, collective, reason, on_date)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(campaign_id)
        .bind(&c.recipient)
        .bind(i64::from(c.collective))
        .bind(&c.reason)
        .bind(&c.on_date)
        .execute(&mut *tx)
        .await?;
        let entry = audit_entry(
            caller,
            AuditAction::Create,
            "commendation",
            campaign_id,
            Some(c.recipient.clone()),
        );
        commit_audited(tx, self.dialect, entry, now_s).await?;
        Ok(true)
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

    async fn campaign_in_scope(&self, caller: &Caller, id: i64) -> Result<bool> {
        let mut sql = Sql::new(self.dialect, "SELECT id FROM campaigns WHERE id = ");
        sql.bind(Val::Int(id));
        sql.push(" AND structure = ")
            .bind(Val::Text(STRUCTURE.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, STRUCTURE);
        Ok(sql.query().fetch_optional(&self.pool).await?.is_some())
    }

    /// Campaigns launched in the caller's jurisdiction, newest first, with tasks, units and
    /// commendations.
    pub async fn list_campaigns(&self, caller: &Caller) -> Result<Vec<Campaign>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT id, name, launched_on, launched_by, unit_code, source, source_quote
             FROM campaigns WHERE structure = ",
        );
        sql.bind(Val::Text(STRUCTURE.as_str().into()));
        sql.push_scope("unit_path", &caller.scope, STRUCTURE);
        sql.push(" ORDER BY launched_on DESC, id DESC LIMIT ")
            .bind(Val::Int(LIST_MAX));
        let mut out = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let id: i64 = r.try_get(0)?;
            let tasks = self
                .children(
                    "SELECT task_no, title, indicator, target, progress FROM campaign_tasks
                 WHERE campaign_id = $1 ORDER BY task_no",
                    id,
                )
                .await?
                .iter()
                .map(|t| {
                    Ok(CampaignTask {
                        no: t.try_get(0)?,
                        title: t.try_get(1)?,
                        indicator: t.try_get(2)?,
                        target: t.try_get(3)?,
                        progress: t.try_get(4)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let units = self.children("SELECT unit_code, unit_name FROM campaign_units WHERE campaign_id = $1 ORDER BY unit_code", id)
                .await?
                .iter()
                .map(|u| Ok((u.try_get(0)?, u.try_get(1)?)))
                .collect::<Result<Vec<_>>>()?;
            let commendations = self
                .children(
                    "SELECT recipient, collective, reason, on_date FROM commendations
                 WHERE campaign_id = $1 ORDER BY on_date, id",
                    id,
                )
                .await?
                .iter()
                .map(|c| {
                    Ok(Commendation {
                        recipient: c.try_get(0)?,
                        collective: c.try_get::<i64, _>(1)? != 0,
                        reason: c.try_get(2)?,
                        on_date: c.try_get(3)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(Campaign {
                id,
                name: r.try_get(1)?,
                launched_on: r.try_get(2)?,
                launched_by: r.try_get(3)?,
                unit_code: r.try_get(4)?,
                tasks,
                units,
                commendations,
                source: r.try_get(5)?,
                source_quote: r.try_get(6)?,
            });
        }
        Ok(out)
    }
}
