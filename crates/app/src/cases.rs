//! Casework: a new F0 from a positive test, a change of a case's status, a declared contact.

use domain::contact::ContactSetting;
use domain::epi::{CaseStatus, Severity, TestKind};
use domain::{CaseId, FieldError, PersonId, Reason};
use store::{Caller, DeclaredRow, NewCase, StatusUpdate, StoreError, TestResult};

use crate::input::{past_time, required, slug};
use crate::App;

/// Notes on a status change: a sentence or two, bounded.
pub const NOTE_MAX_CHARS: usize = 1000;

/// The highest PCR cycle threshold a laboratory reports (40–45 is the usual cut-off).
pub const CT_MAX: f64 = 50.0;

/// Why a casework command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The positive test of a new case, as given.
#[derive(Debug, Clone, Default)]
pub struct TestInput {
    /// `pcr` or `antigen`.
    pub kind: Option<String>,
    /// RFC 3339.
    pub sample_at: Option<String>,
    pub result_at: Option<String>,
    pub ct: Option<f64>,
}

/// A new case as given.
#[derive(Debug, Clone, Default)]
pub struct CaseInput {
    pub person_id: Option<i64>,
    pub severity: Option<String>,
    /// Symptom onset (RFC 3339); absent for an asymptomatic F0.
    pub onset: Option<String>,
    pub test: Option<TestInput>,
    pub isolation_at: Option<String>,
    /// Found outside quarantine and locked-down zones; absent: unless the person was in a
    /// recorded quarantine stay when sampled.
    pub community: Option<bool>,
}

/// A change of a case's status as given.
#[derive(Debug, Clone, Default)]
pub struct StatusInput {
    /// `active`, `recovered` or `died`.
    pub status: Option<String>,
    pub severity: Option<String>,
    pub isolation_at: Option<String>,
    /// When it happened (RFC 3339); absent: now.
    pub at: Option<String>,
    pub note: Option<String>,
}

/// A declared direct contact as given.
#[derive(Debug, Clone, Default)]
pub struct DeclaredInput {
    pub contact_person_id: Option<i64>,
    /// RFC 3339.
    pub at: Option<String>,
    /// `household`, `care`, `face_to_face` or `other`.
    pub setting: Option<String>,
}

/// A test result added to a case later, as given: a PCR after an antigen test, a negative
/// or release test.
#[derive(Debug, Clone, Default)]
pub struct CaseTestInput {
    /// `pcr` or `antigen`.
    pub kind: Option<String>,
    /// RFC 3339.
    pub sample_at: Option<String>,
    pub result_at: Option<String>,
    /// The result: positive (true) or negative (false); required.
    pub positive: Option<bool>,
    /// The PCR cycle threshold, from 0 to [`CT_MAX`].
    pub ct: Option<f64>,
}

/// A test added to a case, checked: every bad field named at once (a form names its own
/// errors with these).
pub fn check_case_test(r: &CaseTestInput, now_s: i64) -> Result<TestResult, Vec<FieldError>> {
    let mut errors = Vec::new();
    let t = TestInput {
        kind: r.kind.clone(),
        sample_at: r.sample_at.clone(),
        result_at: r.result_at.clone(),
        ct: r.ct,
    };
    let test = test_result("", &t, r.positive, now_s, &mut errors);
    match (test, errors.is_empty()) {
        (Some(test), true) => Ok(test),
        _ => Err(errors),
    }
}

fn positive_test(
    t: Option<&TestInput>,
    now_s: i64,
    errors: &mut Vec<FieldError>,
) -> Option<TestResult> {
    let Some(t) = t else {
        return required::<TestResult>("test", None, errors);
    };
    test_result("test.", t, Some(true), now_s, errors)
}

/// A test's fields, each named with `prefix` (`test.` inside a new case, none on its own).
fn test_result(
    prefix: &str,
    t: &TestInput,
    positive: Option<bool>,
    now_s: i64,
    errors: &mut Vec<FieldError>,
) -> Option<TestResult> {
    let field = |f: &str| format!("{prefix}{f}");
    let kind = slug::<TestKind>(&field("kind"), t.kind.as_deref(), errors);
    let sample = past_time(&field("sample_at"), t.sample_at.as_deref(), now_s, errors);
    let sample = required(&field("sample_at"), sample, errors);
    let result = past_time(&field("result_at"), t.result_at.as_deref(), now_s, errors);
    let result = required(&field("result_at"), result, errors);
    if let (Some(a), Some(b)) = (sample, result) {
        if b < a || b > now_s + domain::time::CLOCK_SKEW_S {
            errors.push(FieldError::new(field("result_at"), Reason::OutOfRange));
        }
    }
    let positive = required(&field("positive"), positive, errors);
    if t.ct
        .is_some_and(|c| !c.is_finite() || !(0.0..=CT_MAX).contains(&c))
    {
        errors.push(FieldError::new(field("ct"), Reason::OutOfRange));
    }
    Some(TestResult {
        kind: kind?,
        sample_s: sample?,
        result_s: result?,
        positive: positive?,
        ct: t.ct,
    })
}

/// A new case's own fields checked (all but its person, which is `PersonId(0)`): every
/// bad field named in `errors`. `community` is as given, else true (the caller asks the
/// store whether a known person was in quarantine when sampled).
pub(crate) fn check_case(
    r: &CaseInput,
    now_s: i64,
    errors: &mut Vec<FieldError>,
) -> Option<NewCase> {
    let severity = slug::<Severity>("severity", r.severity.as_deref(), errors);
    let onset = past_time("onset", r.onset.as_deref(), now_s, errors);
    let isolation = past_time("isolation_at", r.isolation_at.as_deref(), now_s, errors);
    let test = positive_test(r.test.as_ref(), now_s, errors);
    if let (Some(o), Some(t)) = (onset, &test) {
        if o > t.result_s {
            errors.push(FieldError::new("onset", Reason::OutOfRange));
        }
    }
    Some(NewCase {
        person_id: PersonId(0),
        severity: severity?,
        onset_s: onset,
        test: test?,
        isolation_s: isolation,
        community: r.community.unwrap_or(true),
    })
}

impl App {
    /// Registers an F0 from a positive test for a person of the caller's jurisdiction.
    pub async fn create_case(&self, caller: &Caller, r: &CaseInput) -> Result<CaseId, CaseError> {
        let now = self.now_s();
        let mut errors = Vec::new();
        let person = required("person_id", r.person_id.filter(|&p| p > 0), &mut errors);
        let checked = check_case(r, now, &mut errors);
        let (Some(person), Some(mut new), true) = (person, checked, errors.is_empty()) else {
            return Err(CaseError::Invalid(errors));
        };
        new.person_id = PersonId(person);
        // Unless told, a person in a recorded quarantine stay when sampled is not a
        // community case.
        if r.community.is_none() {
            new.community = !self
                .store
                .quarantined_at(new.person_id, new.test.sample_s)
                .await?;
        }
        Ok(self.store.create_case(caller, &new, now).await?)
    }

    /// Records a change of a case's status or severity (the history keeps who and when).
    /// `false`: the case is not the caller's. The store refuses a change of a case that is
    /// no longer active, or dated before its last change, test or onset.
    pub async fn update_case_status(
        &self,
        caller: &Caller,
        case: CaseId,
        r: &StatusInput,
    ) -> Result<bool, CaseError> {
        // Handed over to another locality and accepted there: read-only here.
        self.check_case_changeable(case).await?;
        let now = self.now_s();
        let mut errors = Vec::new();
        let status = slug::<CaseStatus>("status", r.status.as_deref(), &mut errors);
        let severity = slug::<Severity>("severity", r.severity.as_deref(), &mut errors);
        let isolation_s = past_time("isolation_at", r.isolation_at.as_deref(), now, &mut errors);
        let at_s = past_time("at", r.at.as_deref(), now, &mut errors).unwrap_or(now);
        if r.note
            .as_deref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS)
        {
            errors.push(FieldError::new("note", Reason::TooLong));
        }
        let (Some(status), Some(severity), true) = (status, severity, errors.is_empty()) else {
            return Err(CaseError::Invalid(errors));
        };
        let change = StatusUpdate {
            status,
            severity,
            isolation_s,
            note: r.note.clone(),
            at_s,
        };
        Ok(self
            .store
            .update_case_status(caller, case, &change, now)
            .await?)
    }

    /// Adds a test result to a case over time (a PCR confirming an antigen test, a negative
    /// or release test). `false`: the case is not the caller's. Every bad field is named at
    /// once and nothing is written then; a Ct lies within 0..=[`CT_MAX`].
    pub async fn add_case_test(
        &self,
        caller: &Caller,
        case: CaseId,
        r: &CaseTestInput,
    ) -> Result<bool, CaseError> {
        let now = self.now_s();
        // Handed over to another locality and accepted there: read-only here.
        self.check_case_changeable(case).await?;
        let test = check_case_test(r, now).map_err(CaseError::Invalid)?;
        Ok(self.store.add_case_test(caller, case, &test, now).await?)
    }

    /// Records a direct contact `person` declared (or an investigator found), and gives it to
    /// the tracing index at once. `false`: the declaring person is not the caller's.
    pub async fn declare_contact(
        &self,
        caller: &Caller,
        person: PersonId,
        r: &DeclaredInput,
    ) -> Result<bool, CaseError> {
        let now = self.now_s();
        // The declaring person must be in the caller's jurisdiction (a read, audited).
        if self.store.get_person(caller, person, now).await?.is_none() {
            return Ok(false);
        }
        let mut errors = Vec::new();
        let contact = required(
            "contact_person_id",
            r.contact_person_id.filter(|&c| c > 0 && c != person.0),
            &mut errors,
        );
        let at = past_time("at", r.at.as_deref(), now, &mut errors);
        let at = required("at", at, &mut errors);
        let setting = slug::<ContactSetting>("setting", r.setting.as_deref(), &mut errors);
        let (Some(contact), Some(at_s), Some(setting), true) =
            (contact, at, setting, errors.is_empty())
        else {
            return Err(CaseError::Invalid(errors));
        };
        if self.store.residences(&[contact]).await?.is_empty() {
            return Err(CaseError::Invalid(vec![FieldError::new(
                "contact_person_id",
                Reason::NotFound,
            )]));
        }
        let row = DeclaredRow {
            person_id: person.0,
            contact_id: contact,
            at_s,
            setting,
        };
        self.store.add_declared_contact(caller, &row, now).await?;
        if let Err(e) = self.contacts.reload_links(&self.store).await {
            // Recorded; the next reload (a later declaration, start-up) takes it in.
            tracing::error!("reloading tracing links after a declared contact: {e}");
        }
        Ok(true)
    }
}
