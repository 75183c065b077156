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

/// Notes on an override: why the locality changed the value, bounded.
pub const OVERRIDE_NOTE_MAX_CHARS: usize = 500;

/// An override of one policy value, as given.
#[derive(Debug, Clone, Default)]
pub struct OverrideInput {
    /// `risk_levels` or `care` (with or without `.toml`).
    pub file: Option<String>,
    /// The legal document whose period the value belongs to.
    pub document: Option<String>,
    /// Dotted path of the value.
    pub key: Option<String>,
    pub value: Option<String>,
    pub note: Option<String>,
}

/// Why an override was not made.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The field at fault: missing, unknown, or a value that breaks the file.
    #[error("invalid override")]
    Invalid(Vec<domain::FieldError>),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl crate::App {
    /// Sets one policy value for the locality, by `by` at the locality's now. The whole file
    /// is checked again with the new value (types, bands in order, a complete matrix); if it
    /// fails, nothing changes, and the field at fault is named: the document or key where the
    /// change points nowhere, the value where it breaks the file.
    pub async fn override_policy(
        &self,
        by: domain::UserId,
        r: &OverrideInput,
    ) -> Result<(i64, OverrideRecord), OverrideError> {
        use domain::{FieldError, Reason};
        let trimmed = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let mut errors = Vec::new();
        let mut need = |field: &str, v: &Option<String>| {
            let v = trimmed(v);
            if v.is_none() {
                errors.push(FieldError::new(field, Reason::Required));
            }
            v
        };
        let (file, document, key, value) = (
            need("file", &r.file),
            need("document", &r.document),
            need("key", &r.key),
            need("value", &r.value),
        );
        let (Some(file), Some(document), Some(key), Some(value)) = (file, document, key, value)
        else {
            return Err(OverrideError::Invalid(errors));
        };
        let file = PolicyFile::parse(&file).ok_or_else(|| {
            OverrideError::Invalid(vec![FieldError::new("file", Reason::UnknownValue)])
        })?;
        let note = trimmed(&r.note);
        if note
            .as_deref()
            .is_some_and(|n| n.chars().count() > OVERRIDE_NOTE_MAX_CHARS)
        {
            return Err(OverrideError::Invalid(vec![FieldError::new(
                "note",
                Reason::TooLong,
            )]));
        }
        let ov = Override {
            document,
            key,
            value,
            by,
            at_s: self.now_s(),
        };
        self.rules
            .add(&self.store, file, &ov, note.as_deref())
            .await
            .map_err(|e| match e {
                RuleError::Policy(PolicyError::Override { message, .. }) => {
                    // Where the change points nowhere the key (or document) is at fault;
                    // where it points somewhere but breaks the file, the value is.
                    let (field, reason) = if message.contains("document") {
                        ("document", Reason::NotFound)
                    } else if message.starts_with("no ") {
                        ("key", Reason::NotFound)
                    } else {
                        ("value", Reason::InvalidFormat)
                    };
                    tracing::info!("override refused: {message}");
                    OverrideError::Invalid(vec![FieldError::new(field, reason)])
                }
                RuleError::Policy(other) => {
                    tracing::info!("override refused: {other}");
                    OverrideError::Invalid(vec![FieldError::new("value", Reason::InvalidFormat)])
                }
                RuleError::Store(e) => OverrideError::Store(e),
            })
    }
}
