//! F1/F2 follow-up day by day (issue #15, item 3): a call or visit recorded, a test result
//! (a positive one makes the case, linked to its source case through the contact), release
//! at the end, and the daily work lists. The moves between statuses are
//! `domain::followup::FollowUpStatus::can_become`.

use domain::contact::ContactStatus;
use domain::epi::TestKind;
use domain::followup::{release_allowed, FollowUpStatus, TEMPERATURE_C};
use domain::role::Permission;
use domain::time::Dates;
use domain::{CaseId, FieldError, Reason, Scope, Structure, UserId};
use store::{
    Caller, FollowUpChange, FollowedContact, NewContactTest, NewFollowUp, Page, PageRequest,
    StoreError, StoredContact, WorkList, WorkListQuery, ASSIGN_MAX,
};

use crate::cases::{CaseError, CaseInput, TestInput};
use crate::input::{opt_date, required, slug, text};
use crate::local_time::{day_end_s, day_start_s, iso};
use crate::App;

/// Why a follow-up command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    /// Fields at fault, every one named; nothing was written.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CaseError> for FollowUpError {
    fn from(e: CaseError) -> FollowUpError {
        match e {
            CaseError::Invalid(f) => FollowUpError::Invalid(f),
            CaseError::Store(e) => FollowUpError::Store(e),
        }
    }
}

/// A call or visit as given.
#[derive(Debug, Clone, Default)]
pub struct FollowUpInput {
    /// YYYY-MM-DD, local; absent: today.
    pub day: Option<String>,
    pub reached: Option<bool>,
    pub symptoms: Option<bool>,
    /// °C.
    pub temperature: Option<f64>,
    pub note: Option<String>,
}

/// A test of a contact as given.
#[derive(Debug, Clone, Default)]
pub struct ContactTestInput {
    /// The day the sample was taken (YYYY-MM-DD, local); absent: today.
    pub day: Option<String>,
    /// `pcr` or `antigen`.
    pub kind: Option<String>,
    /// `positive` or `negative`.
    pub result: Option<String>,
    /// The new case's severity when positive; absent: `asymptomatic`.
    pub severity: Option<String>,
}

/// An officer follow-up work can be given to.
#[derive(Debug, Clone)]
pub struct Officer {
    pub id: UserId,
    pub username: String,
    pub scope: Scope,
}

/// What narrows a work list.
#[derive(Debug, Clone, Default)]
pub struct WorkFilter {
    pub f1_only: bool,
    /// Only the contacts assigned to this officer.
    pub assignee: Option<UserId>,
    /// Only the contacts at this follow-up status.
    pub status: Option<FollowUpStatus>,
    /// Only the contacts living in this unit's subtree.
    pub within: Option<domain::UnitPath>,
    /// Only the contacts whose quarantine ends by then.
    pub quarantine_ends_by_s: Option<i64>,
    /// Only the contacts of this source case.
    pub case: Option<CaseId>,
}

/// Contacts to give to an officer (`None`: take them back).
#[derive(Debug, Clone, Default)]
pub struct AssignInput {
    pub contact_ids: Vec<i64>,
    pub officer: Option<i64>,
}

/// Whether every unit of `inner` lies in `outer`.
fn within(inner: &Scope, outer: &Scope) -> bool {
    if outer.is_everything() {
        return true;
    }
    !inner.is_everything()
        && !inner.roots().is_empty()
        && inner
            .roots()
            .iter()
            .all(|(structure, path)| outer.contains(*structure, path))
}

/// What a follow-up command left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpOutcome {
    pub status: FollowUpStatus,
    /// The case a positive test made (or the person's case already open).
    pub case_id: Option<CaseId>,
}

/// `next` if the contact may move there, else refused on `status` (a contact that already
/// became a case does not become one again).
fn strictly(c: &FollowedContact, next: FollowUpStatus) -> Result<FollowUpStatus, StoreError> {
    if c.follow_status.can_become(next) {
        Ok(next)
    } else {
        Err(refused("status"))
    }
}

fn refused(field: &str) -> StoreError {
    StoreError::Conflict(vec![FieldError::new(field, Reason::NotAllowed)])
}

/// `next` if the contact may move there (staying put is no move), else refused on `status`.
fn moving(c: &FollowedContact, next: FollowUpStatus) -> Result<FollowUpStatus, StoreError> {
    if next == c.follow_status || c.follow_status.can_become(next) {
        Ok(next)
    } else {
        Err(refused("status"))
    }
}

impl App {
    /// What a change of a referred contact sends back, when this locality is linked.
    fn status_back(&self) -> Option<store::StatusBack<'_>> {
        self.link.as_deref().map(|l| store::StatusBack {
            me: &l.me,
            key: &l.key,
        })
    }

    /// The day a follow-up command is about: today unless given, never after today.
    fn follow_up_day(
        &self,
        v: Option<&str>,
        errors: &mut Vec<FieldError>,
    ) -> Option<chrono::NaiveDate> {
        let today = self.today();
        match v {
            None | Some("") => Some(today),
            d => opt_date("day", d, Dates::past(today), errors),
        }
    }

    /// Records a call or visit of contact `id`. Reaching a contact puts it in quarantine
    /// while its quarantine lasts, else in monitoring; a released contact or one that became
    /// a case takes no more records (409 on `status`). `None`: not the caller's contact.
    pub async fn record_follow_up(
        &self,
        caller: &Caller,
        id: i64,
        r: &FollowUpInput,
    ) -> Result<Option<FollowUpOutcome>, FollowUpError> {
        let now = self.now_s();
        let mut errors = Vec::new();
        let day = self.follow_up_day(r.day.as_deref(), &mut errors);
        let reached = required("reached", r.reached, &mut errors);
        if r.temperature.is_some_and(|t| !TEMPERATURE_C.contains(&t)) {
            errors.push(FieldError::new("temperature", Reason::OutOfRange));
        }
        let note = text("note", r.note.as_deref(), &mut errors);
        let (Some(day), Some(reached), true) = (day, reached, errors.is_empty()) else {
            return Err(FollowUpError::Invalid(errors));
        };
        let record = NewFollowUp {
            day,
            reached,
            symptoms: r.symptoms,
            temperature_c: r.temperature,
            note,
        };
        let status = self
            .store
            .change_follow_up_sending(
                caller,
                id,
                &FollowUpChange::Record(record),
                |c| {
                    if !(c.follow_status.is_open() || c.follow_status == FollowUpStatus::Lost) {
                        return Err(refused("status"));
                    }
                    if !reached {
                        return Ok(c.follow_status);
                    }
                    let quarantined = c.status == ContactStatus::Quarantine
                        && c.quarantine_until_s.is_some_and(|u| u > now);
                    moving(c, c.follow_status.after_reached(quarantined))
                },
                now,
                self.status_back(),
            )
            .await?;
        // A status for a referring locality goes now, not at the relay's next poll.
        self.link_wake.notify_one();
        Ok(status.map(|status| FollowUpOutcome {
            status,
            case_id: None,
        }))
    }

    /// Records a test of contact `id`. A positive one registers the case
    /// (`App::create_case`; the person's open case if there is one) and the contact, whose
    /// source case it keeps, becomes that case. `None`: not the caller's contact.
    pub async fn record_contact_test(
        &self,
        caller: &Caller,
        id: i64,
        r: &ContactTestInput,
    ) -> Result<Option<FollowUpOutcome>, FollowUpError> {
        let now = self.now_s();
        let mut errors = Vec::new();
        let day = self.follow_up_day(r.day.as_deref(), &mut errors);
        let kind = slug::<TestKind>("kind", r.kind.as_deref(), &mut errors);
        let positive = match r.result.as_deref() {
            Some("positive") => Some(true),
            Some("negative") => Some(false),
            None | Some("") => required("result", None, &mut errors),
            Some(_) => {
                errors.push(FieldError::new("result", Reason::UnknownValue));
                None
            }
        };
        let (Some(day), Some(kind), Some(positive), true) =
            (day, kind, positive, errors.is_empty())
        else {
            return Err(FollowUpError::Invalid(errors));
        };
        let Some(contact) = self.store.followed_contact(caller, id).await? else {
            return Ok(None);
        };
        let mut case_id = None;
        if positive {
            // Checked before the case is made, and again under the contact's lock below.
            strictly(&contact, FollowUpStatus::BecameCase)?;
            let sample_s = day_start_s(day);
            let input = CaseInput {
                person_id: Some(contact.person_id.0),
                severity: Some(r.severity.clone().unwrap_or_else(|| "asymptomatic".into())),
                onset: None,
                test: Some(TestInput {
                    kind: Some(kind.as_str().into()),
                    sample_at: Some(iso(sample_s.min(now))),
                    result_at: Some(iso(day_end_s(day).min(now))),
                    ct: None,
                }),
                isolation_at: None,
                community: Some(false),
            };
            case_id = Some(match self.create_case(caller, &input).await {
                Ok(c) => c,
                // Already a case (an earlier attempt, or found another way): that case.
                Err(CaseError::Store(StoreError::CaseExists { existing })) => existing,
                Err(e) => return Err(e.into()),
            });
        }
        let test = NewContactTest {
            day,
            kind,
            positive,
            case_id,
        };
        let status = self
            .store
            .change_follow_up_sending(
                caller,
                id,
                &FollowUpChange::Test(test),
                |c| {
                    if positive {
                        strictly(c, FollowUpStatus::BecameCase)
                    } else if c.follow_status.is_open() || c.follow_status == FollowUpStatus::Lost {
                        Ok(c.follow_status)
                    } else {
                        Err(refused("status"))
                    }
                },
                now,
                self.status_back(),
            )
            .await?;
        // A status for a referring locality goes now, not at the relay's next poll.
        self.link_wake.notify_one();
        Ok(status.map(|status| FollowUpOutcome { status, case_id }))
    }

    /// Ends the follow-up of contact `id`: from the day its follow-up (else its quarantine)
    /// ends, and only once it was reached (409 on `follow_up_until` or `status`). `None`:
    /// not the caller's contact.
    pub async fn release_contact(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<FollowUpOutcome>, FollowUpError> {
        let now = self.now_s();
        let today_end = day_end_s(self.today());
        let status = self
            .store
            .change_follow_up_sending(
                caller,
                id,
                &FollowUpChange::Release,
                |c| {
                    let next = strictly(c, FollowUpStatus::Released)?;
                    if !release_allowed(c.follow_up_until_s.or(c.quarantine_until_s), today_end) {
                        return Err(refused("follow_up_until"));
                    }
                    Ok(next)
                },
                now,
                self.status_back(),
            )
            .await?;
        // A status for a referring locality goes now, not at the relay's next poll.
        self.link_wake.notify_one();
        Ok(status.map(|status| FollowUpOutcome {
            status,
            case_id: None,
        }))
    }

    /// Marks contact `id` lost: it could not be reached and leaves the daily lists (a call
    /// that reaches it later brings it back). Refused (409 on `status`) once released or a
    /// case. `None`: not the caller's contact.
    pub async fn mark_contact_lost(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<FollowUpOutcome>, FollowUpError> {
        let status = self
            .store
            .change_follow_up_sending(
                caller,
                id,
                &FollowUpChange::Lost,
                |c| strictly(c, FollowUpStatus::Lost),
                self.now_s(),
                self.status_back(),
            )
            .await?;
        // A status for a referring locality goes now, not at the relay's next poll.
        self.link_wake.notify_one();
        Ok(status.map(|status| FollowUpOutcome {
            status,
            case_id: None,
        }))
    }

    /// The officers the caller may give follow-up work to: active accounts that record
    /// personal data and whose whole jurisdiction lies in the caller's, by name.
    pub async fn officers(&self, caller: &Caller) -> Result<Vec<Officer>, StoreError> {
        let mut out: Vec<Officer> = self
            .store
            .active_users_with_scope()
            .await?
            .into_iter()
            .filter(|(u, s)| {
                u.role.can(Permission::WritePersonal) && within(s, &caller.scope) && u.id.0 > 0
            })
            .map(|(u, scope)| Officer {
                id: u.id,
                username: u.username,
                scope,
            })
            .collect();
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }

    /// Assigns contacts to an officer (or to nobody), all or none. Refused: no contact or
    /// more than `store::ASSIGN_MAX` (`contact_ids`), an officer not among
    /// [`App::officers`] (`officer`), a contact not the caller's or outside the officer's
    /// jurisdiction (`contact_ids`, naming none of them: the caller may not learn of
    /// contacts outside their scope).
    pub async fn assign_contacts(
        &self,
        caller: &Caller,
        r: &AssignInput,
    ) -> Result<u64, FollowUpError> {
        let mut errors = Vec::new();
        let mut ids = r.contact_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            errors.push(FieldError::new("contact_ids", Reason::Required));
        } else if ids.len() > ASSIGN_MAX {
            errors.push(FieldError::new("contact_ids", Reason::TooLong));
        }
        let officer = match r.officer {
            None => None,
            Some(id) => {
                let found = self
                    .officers(caller)
                    .await?
                    .into_iter()
                    .find(|o| o.id.0 == id);
                if found.is_none() {
                    errors.push(FieldError::new("officer", Reason::NotFound));
                }
                found
            }
        };
        if !errors.is_empty() {
            return Err(FollowUpError::Invalid(errors));
        }
        match self
            .store
            .assign_contacts(
                caller,
                &ids,
                officer.as_ref().map(|o| (o.id, &o.scope)),
                self.now_s(),
            )
            .await?
        {
            Ok(n) => Ok(n),
            Err(_) => Err(FollowUpError::Invalid(vec![FieldError::new(
                "contact_ids",
                Reason::OutOfScope,
            )])),
        }
    }

    /// A daily work list of the caller's jurisdiction for the locality's today.
    pub async fn work_list(
        &self,
        caller: &Caller,
        structure: Structure,
        list: WorkList,
        f1_only: bool,
        page: &PageRequest,
    ) -> Result<Page<StoredContact>, StoreError> {
        let filter = WorkFilter {
            f1_only,
            ..WorkFilter::default()
        };
        self.work_list_of(caller, structure, list, filter, page)
            .await
    }

    /// How many contacts a work list narrowed by `filter` holds, up to `cap` (`None`: more).
    pub async fn work_list_count(
        &self,
        caller: &Caller,
        structure: Structure,
        list: WorkList,
        filter: WorkFilter,
        cap: i64,
    ) -> Result<Option<i64>, StoreError> {
        let q = self.work_query(list, filter);
        self.store.work_list_count(caller, structure, &q, cap).await
    }

    /// The work list `list` of the locality's today, narrowed by `filter`.
    fn work_query(&self, list: WorkList, filter: WorkFilter) -> WorkListQuery {
        WorkListQuery {
            list,
            today: self.today(),
            f1_only: filter.f1_only,
            assignee: filter.assignee,
            status: filter.status,
            within: filter.within,
            quarantine_ends_by_s: filter.quarantine_ends_by_s,
            case: filter.case,
        }
    }

    /// A daily work list, narrowed by `filter`.
    pub async fn work_list_of(
        &self,
        caller: &Caller,
        structure: Structure,
        list: WorkList,
        filter: WorkFilter,
        page: &PageRequest,
    ) -> Result<Page<StoredContact>, StoreError> {
        let q = self.work_query(list, filter);
        self.store
            .work_list(caller, structure, &q, page, self.now_s())
            .await
    }
}
