//! Emulation campaigns: their key tasks and progress, taking units, and commendations.

use sqlx::Row;

use domain::{CampaignId, Reason};

use super::{invalid, Campaign, CampaignTask, Commendation, NewCampaign, LIST_MAX};
use crate::aid::{audit_entry, commit_audited, STRUCTURE};
use crate::audit::AuditAction;
use crate::sql::{insert_rows, Sql, Val};
use crate::users::Caller;
use crate::{Result, Store};

impl Store {
    /// Launches a campaign of a jurisdiction of the caller's.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        new: &NewCampaign,
        now_s: i64,
    ) -> Result<CampaignId> {
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
        Ok(CampaignId::new(id))
    }

    /// Reports a task's progress. False when the campaign is not in scope or has no such task.
    pub async fn report_task_progress(
        &self,
        caller: &Caller,
        campaign_id: CampaignId,
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
        .bind(campaign_id.get())
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

    /// Commends an individual or a collective in a campaign. False when not in scope.
    pub async fn add_commendation(
        &self,
        caller: &Caller,
        campaign_id: CampaignId,
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
        .bind(campaign_id.get())
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

    async fn campaign_in_scope(&self, caller: &Caller, id: CampaignId) -> Result<bool> {
        let mut sql = Sql::new(self.dialect, "SELECT id FROM campaigns WHERE id = ");
        sql.bind(Val::Int(id.get()));
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
                id: CampaignId::new(id),
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
