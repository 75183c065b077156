//! The rules a locality works by: the embedded risk-level and care policies with the
//! locality's stored overrides applied, swapped whole when an override is added so a request
//! sees one consistent version.

use std::sync::{Arc, RwLock};

use domain::care::CarePolicies;
use domain::overrides::{Override, OverrideRecord};
use domain::policy::PolicyError;
use domain::risk::RiskPolicies;

/// Which policy file an override is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFile {
    RiskLevels,
    Care,
}

impl PolicyFile {
    pub fn parse(s: &str) -> Option<PolicyFile> {
        match s {
            "risk_levels" | "risk_levels.toml" => Some(PolicyFile::RiskLevels),
            "care" | "care.toml" => Some(PolicyFile::Care),
            _ => None,
        }
    }
}

pub struct RuleSet {
    risk: RwLock<Arc<RiskPolicies>>,
    care: RwLock<Arc<CarePolicies>>,
    /// Serialises additions: each builds on the version before it.
    adding: tokio::sync::Mutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl RuleSet {
    pub fn embedded() -> Result<RuleSet, PolicyError> {
        Ok(RuleSet {
            risk: RwLock::new(Arc::new(RiskPolicies::embedded()?)),
            care: RwLock::new(Arc::new(CarePolicies::embedded()?)),
            adding: tokio::sync::Mutex::new(()),
        })
    }

    pub fn risk(&self) -> Arc<RiskPolicies> {
        match self.risk.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn care(&self) -> Arc<CarePolicies> {
        match self.care.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Checks `ov` against the current rules; if the file still holds, stores the record and
    /// then makes the new rules current. Bad overrides change nothing.
    pub async fn add(
        &self,
        store: &store::Store,
        file: PolicyFile,
        ov: &Override,
        note: Option<&str>,
    ) -> Result<(i64, OverrideRecord), RuleError> {
        let _one_at_a_time = self.adding.lock().await;
        match file {
            PolicyFile::RiskLevels => {
                let (next, rec) = self.risk().with_override(ov)?;
                let id = store.add_policy_override(&rec, note).await?;
                set(&self.risk, next);
                Ok((id, rec))
            }
            PolicyFile::Care => {
                let (next, rec) = self.care().with_override(ov)?;
                let id = store.add_policy_override(&rec, note).await?;
                set(&self.care, next);
                Ok((id, rec))
            }
        }
    }

    /// Applies the stored overrides in order (at start). One that no longer applies (the
    /// embedded file changed under it) is logged and skipped, never fatal.
    pub async fn load(&self, store: &store::Store) -> Result<usize, RuleError> {
        let mut applied = 0;
        for o in store.policy_overrides().await? {
            let ov = Override {
                document: o.document.clone(),
                key: o.key.clone(),
                value: o.new_value.clone(),
                by: domain::UserId(o.by_user),
                at_s: o.at_s,
            };
            let result = match PolicyFile::parse(&o.file) {
                Some(PolicyFile::RiskLevels) => self
                    .risk()
                    .with_override(&ov)
                    .map(|(n, _)| set(&self.risk, n)),
                Some(PolicyFile::Care) => self
                    .care()
                    .with_override(&ov)
                    .map(|(n, _)| set(&self.care, n)),
                None => {
                    tracing::warn!("override {} names unknown file {}", o.id, o.file);
                    continue;
                }
            };
            match result {
                Ok(()) => applied += 1,
                Err(e) => tracing::warn!("override {} no longer applies: {e}", o.id),
            }
        }
        Ok(applied)
    }
}

fn set<T>(slot: &RwLock<Arc<T>>, value: T) {
    match slot.write() {
        Ok(mut w) => *w = Arc::new(value),
        Err(poisoned) => *poisoned.into_inner() = Arc::new(value),
    }
}
