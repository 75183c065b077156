//! The background jobs a running server does every hour, and the retention use cases they
//! and `chongdich purge` share.

use std::time::Duration;

use crate::App;

/// How long check-ins are kept under the tracing rule of `now_s` (the nearest rule outside
/// every rule's period), in seconds.
pub fn checkin_retention_s(policies: &domain::policy::Policies, now_s: i64) -> i64 {
    policies
        .tracing_nearest(crate::local_time::local_date(now_s))
        .map_or(0, |r| r.checkin_retention_days.value)
        .saturating_mul(86_400)
}

/// Deletes the check-ins older than the retention of the tracing rule in force at `now_s`
/// (the locality's time) and returns how many.
pub async fn purge_expired_checkins(
    store: &store::Store,
    policies: &domain::policy::Policies,
    now_s: i64,
) -> Result<u64, store::StoreError> {
    store
        .purge_checkins_before(now_s - checkin_retention_s(policies, now_s))
        .await
}

/// Deletes the citizens' declarations recorded before the retention of the tracing rule in
/// force at `now_s` (the same as the check-ins': a declaration is a visit told instead of
/// scanned) and returns how many.
pub async fn purge_expired_declarations(
    store: &store::Store,
    policies: &domain::policy::Policies,
    now_s: i64,
) -> Result<u64, store::StoreError> {
    store
        .purge_declarations_before(now_s - checkin_retention_s(policies, now_s))
        .await
}

/// Proposes today's exposure places from the cases' check-ins (what staff's button does):
/// proposals not yet reviewed are replaced, reviewed ones stay. Returns how many were
/// written.
pub async fn propose_todays_exposures(app: &App) -> Result<u64, crate::exposures::ExposureError> {
    app.propose_exposures(None).await
}

/// Why the audit purge failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditPurgeError {
    #[error("audit retention rules: {0}")]
    Policy(#[from] domain::policy::PolicyError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Deletes the audit rows older than the retention in force on the locality's day of
/// `now_s` (`data/policies/audit.toml`) and returns how many.
pub async fn purge_expired_audit(store: &store::Store, now_s: i64) -> Result<u64, AuditPurgeError> {
    let policies = domain::audit_policy::AuditPolicies::embedded()?;
    let keep_s = policies.retention_s(crate::local_time::local_date(now_s));
    Ok(store
        .purge_audit_before(now_s.saturating_sub(keep_s), now_s)
        .await?)
}

/// Starts the hourly jobs on the current runtime: expired sessions, check-ins, declarations
/// and audit rows deleted, today's exposure places proposed, due weeks' risk levels
/// published, and (when linked) today's figures published. Each run counts as a change for
/// kept figures.
pub fn start(app: &App) {
    // Expired sessions are deleted so the table does not grow without bound.
    every_hour(app, |a| async move {
        if let Err(e) = a
            .store
            .purge_expired_sessions(crate::clock::WallClock::now_s())
            .await
        {
            tracing::warn!("purging expired sessions failed: {e}");
        }
    });
    // Check-ins older than the policy's retention are deleted (Decree 13/2023: no longer
    // than the response needs).
    every_hour(app, |a| async move {
        match purge_expired_checkins(&a.store, &a.policies, a.now_s()).await {
            Ok(n) if n > 0 => tracing::info!("retention: deleted {n} check-ins"),
            Ok(_) => {}
            Err(e) => tracing::warn!("retention job failed: {e}"),
        }
    });
    // Citizens' declarations carry personal data: kept as long as check-ins, no longer.
    every_hour(app, |a| async move {
        match purge_expired_declarations(&a.store, &a.policies, a.now_s()).await {
            Ok(n) if n > 0 => tracing::info!("retention: deleted {n} declarations"),
            Ok(_) => {}
            Err(e) => tracing::warn!("declaration retention job failed: {e}"),
        }
    });
    // Exposure places are proposed without waiting for staff to press the button, so the
    // review list is ready each morning; publishing stays a person's decision.
    every_hour(app, |a| async move {
        match propose_todays_exposures(&a).await {
            Ok(n) if n > 0 => tracing::info!("exposures: {n} places proposed"),
            Ok(_) => {}
            Err(e) => tracing::warn!("proposing exposure places failed: {e}"),
        }
    });
    // Audit rows older than their retention are deleted (data/policies/audit.toml).
    every_hour(app, |a| async move {
        match purge_expired_audit(&a.store, a.now_s()).await {
            Ok(n) if n > 0 => tracing::info!("retention: deleted {n} audit rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!("audit retention job failed: {e}"),
        }
    });
    // Resolution 128 assesses every unit weekly: once a week has ended its levels are
    // published (see `risk::due_weeks` for which weeks are due).
    every_hour(app, |a| async move {
        match crate::risk::publish_due_weeks(&a).await {
            Ok(done) => {
                for (structure, week, n) in done {
                    tracing::info!(
                        "risk levels: published {n} units of structure {structure} for the week to {week}"
                    );
                }
            }
            Err(e) => tracing::warn!("weekly risk levels failed: {e}"),
        }
    });
    // A linked locality publishes today's figures to the national view (`national`): each
    // hour's supersede the last, so the view is at most an hour old.
    every_hour(app, |a| async move {
        if a.link.is_none() {
            return;
        }
        match a.publish_todays_figures().await {
            Ok(n) => tracing::debug!("national view: figures sent to {n} localities"),
            Err(e) => tracing::warn!("publishing the day's figures failed: {e}"),
        }
    });
}

/// Runs `job` in the background at start and then every hour; each run counts as a change
/// for the kept figures.
fn every_hour<F, Fut>(app: &App, job: F)
where
    F: Fn(App) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            job(app.clone()).await;
            app.changes.made();
        }
    });
}
