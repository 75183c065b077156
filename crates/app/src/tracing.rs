//! Contact tracing use cases over the in-memory index: a case's F1 and F2 with reasons as
//! the caller may see them, and tracing a case to record its contacts with their
//! quarantine or monitoring under the rule in force. The API, the pages and the CLI all come
//! through here.

use std::collections::{BTreeMap, HashMap};

use domain::contact::{ContactReason, ContactSetting, ContactStatus, ReasonKind};
use domain::policy::{Policies, QuarantinePlace};
use domain::{CaseId, Scope, Structure};
use store::{Caller, Case, ContactRow, Residence, StoreError};
use trace::{CaseQuery, Isolation, Reason, Traced, Tracer};

use crate::contact_index::{id_of, idx};
use crate::local_time::local_date;
use crate::App;

/// Why a tracing use case gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum TracingError {
    /// No such case in the caller's jurisdiction (the same answer whether it exists or not).
    #[error("no such case")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The tracing worker stopped (a panic in the engine).
    #[error("the tracing worker stopped")]
    Worker,
}

/// A case's infectious window under the tracing rule in force on the day it starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub from_s: i64,
    pub to_s: i64,
    /// The legal document whose rule gave it (none before the first rule).
    pub policy: Option<String>,
}

/// The infectious window of a case (onset, or first positive sample, to isolation or
/// confirmation).
pub fn infectious_window(policies: &Policies, c: &Case) -> Window {
    window(
        policies,
        c.onset_s,
        c.first_sample_s,
        c.confirmed_at_s,
        c.isolation_s,
    )
}

/// The same from the bare times of a case.
pub fn window(
    policies: &Policies,
    onset_s: Option<i64>,
    first_sample_s: i64,
    confirmed_at_s: i64,
    isolation_s: Option<i64>,
) -> Window {
    let anchor = onset_s.unwrap_or(first_sample_s);
    let to_s = isolation_s.unwrap_or(confirmed_at_s);
    match policies.tracing_on(local_date(anchor)) {
        Ok(rule) => Window {
            from_s: rule.infectious_from_s(onset_s, first_sample_s),
            to_s,
            policy: Some(rule.document.clone()),
        },
        // No rule in force (before 30 Jul 2021): 2 days before, the rule every period shares.
        Err(_) => Window {
            from_s: anchor - 2 * 86_400,
            to_s,
            policy: None,
        },
    }
}

/// The case `id` if it lies in the caller's jurisdiction (its read audited).
pub async fn case_in_scope(app: &App, caller: &Caller, id: CaseId) -> Result<Case, TracingError> {
    Ok(app
        .store
        .get_case(caller, id, app.now_s())
        .await?
        .ok_or(TracingError::NotFound)?
        .case)
}

/// Traces one case on the current index to `depth` (1 or 2). Known isolation times of other
/// cases bound the F2 windows of F1s that were themselves cases.
pub async fn trace_case(
    app: &App,
    case: &Case,
    depth: u8,
) -> Result<(Traced, Window), TracingError> {
    let window = infectious_window(&app.policies, case);
    let Some(person) = idx(case.person_id.0) else {
        return Err(TracingError::NotFound);
    };
    let rule = app
        .policies
        .tracing_on(local_date(case.onset_s.unwrap_or(case.first_sample_s)))
        .or_else(|_| app.policies.tracing_on(local_date(case.confirmed_at_s)));
    let Ok(rule) = rule else {
        // No tracing rule covers this case's dates: nothing to trace by.
        return Ok((
            Traced::default(),
            Window {
                policy: None,
                ..window
            },
        ));
    };
    let isolation = Isolation::new(
        app.store
            .cases_since(window.from_s - 30 * 86_400)
            .await?
            .iter()
            .filter_map(|c| Some((idx(c.person_id)?, c.isolation_s.unwrap_or(c.confirmed_at_s))))
            .collect(),
    );
    let (snapshot, links) = app.contacts.snapshot();
    let rules = links.rules(rule);
    let q = CaseQuery {
        person,
        infectious_from_s: window.from_s,
        infectious_to_s: window.to_s,
        depth,
    };
    // Tracing is CPU work: keep it off the async workers.
    let traced = tokio::task::spawn_blocking(move || {
        Tracer::new(&snapshot, &rules, &links.households, &links.declared)
            .with_isolation(&isolation)
            .trace(&q)
    })
    .await
    .map_err(|_| TracingError::Worker)?;
    Ok((traced, window))
}

/// One contact as the caller may see it.
#[derive(Debug, Clone)]
pub struct ShownContact {
    pub person_id: i64,
    /// 1 (F1) or 2 (F2).
    pub degree: u8,
    /// The case (for F1) or the F1 (for F2) the contact was exposed to; `None` when that
    /// F1 lives outside the caller's jurisdiction (it is counted in `referred` instead).
    pub via_person_id: Option<i64>,
    pub reasons: Vec<Reason>,
    pub exposure_s: i64,
    pub first_exposure_s: i64,
}

/// Contacts living outside the caller's jurisdiction, counted by the unit they are
/// referred to for follow-up (their residence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referred {
    /// `None` when the contact's residence is unknown.
    pub structure: Option<Structure>,
    /// The unit's code ("" when the residence is unknown).
    pub unit_code: String,
    pub f1: usize,
    pub f2: usize,
}

impl Referred {
    /// The unit and its parent by name, e.g. "Phường Phúc Xá, Quận Ba Đình" (the code when
    /// the unit is unknown).
    pub fn unit_name(&self) -> String {
        match self.structure {
            Some(s) => crate::registry::Registry::of(s).name_with_parent(&self.unit_code),
            None => self.unit_code.clone(),
        }
    }
}

/// A case's contacts as the caller may see them.
#[derive(Debug, Clone)]
pub struct CaseContacts {
    pub case_id: CaseId,
    pub window: Window,
    /// A bound (rows, frontier, work) cut the answer short.
    pub truncated: bool,
    /// The contacts living in the caller's jurisdiction, in full, ranked by exposure.
    pub contacts: Vec<ShownContact>,
    /// The others, as counts per unit they are referred to, most first.
    pub referred: Vec<Referred>,
}

/// The F1 (and F2, `depth` 2) of case `id` under the policy in force, each with its reasons:
/// in full for those living in the caller's jurisdiction, as counts per unit for the others;
/// audited as one list naming the persons shown.
pub async fn case_contacts(
    app: &App,
    caller: &Caller,
    id: CaseId,
    depth: u8,
) -> Result<CaseContacts, TracingError> {
    let case = case_in_scope(app, caller, id).await?;
    let (traced, window) = trace_case(app, &case, depth).await?;
    let ids: Vec<i64> = traced.contacts.iter().map(|c| id_of(c.person)).collect();
    let homes = app.store.residences(&ids).await?;
    let (contacts, referred) = split_by_scope(&caller.scope, &traced, &homes);
    // The list leaves with its audit row: the persons shown, placed where they and the
    // case live (issue #12, item 11).
    let mut list = store::AuditList::new(
        caller,
        "case_contacts",
        case.id.to_string(),
        "person",
        contacts.iter().map(|c| c.person_id).collect(),
        store::Place::enclosing(
            std::iter::once((case.structure, &case.unit_path)).chain(
                contacts
                    .iter()
                    .filter_map(|c| homes.get(&c.person_id))
                    .map(|h| (h.structure, &h.unit_path)),
            ),
        ),
    );
    list.detail = Some(format!(
        "F1/F2 to depth {depth}; {} referred elsewhere",
        referred.iter().map(|r| r.f1 + r.f2).sum::<usize>()
    ));
    app.store.audit_list(list, app.now_s()).await?;
    Ok(CaseContacts {
        case_id: case.id,
        window,
        truncated: traced.truncated,
        contacts,
        referred,
    })
}

/// Keeps the contacts living in `scope` in full and counts the others by their unit. An
/// F2 in scope reached through an F1 outside it keeps its reasons but not that F1's id.
fn split_by_scope(
    scope: &Scope,
    traced: &Traced,
    homes: &HashMap<i64, Residence>,
) -> (Vec<ShownContact>, Vec<Referred>) {
    let in_scope = |id: i64| {
        homes
            .get(&id)
            .is_some_and(|h| scope.contains(h.structure, &h.unit_path))
    };
    let mut counts: BTreeMap<(Option<Structure>, String), (usize, usize)> = BTreeMap::new();
    let mut shown = Vec::new();
    for c in &traced.contacts {
        let person_id = id_of(c.person);
        if in_scope(person_id) {
            let via = id_of(c.via);
            shown.push(ShownContact {
                person_id,
                degree: c.degree,
                via_person_id: (c.degree != 2 || in_scope(via)).then_some(via),
                reasons: c.reasons.clone(),
                exposure_s: c.exposure_s,
                first_exposure_s: c.first_exposure_s,
            });
            continue;
        }
        let key = homes.get(&person_id).map_or((None, String::new()), |h| {
            (Some(h.structure), h.unit_code.clone())
        });
        let n = counts.entry(key).or_default();
        if c.degree == 1 {
            n.0 += 1;
        } else {
            n.1 += 1;
        }
    }
    let mut referred: Vec<Referred> = counts
        .into_iter()
        .map(|((structure, unit_code), (f1, f2))| Referred {
            structure,
            unit_code,
            f1,
            f2,
        })
        .collect();
    referred.sort_by_key(|r| std::cmp::Reverse(r.f1 + r.f2));
    (shown, referred)
}

/// What tracing a case recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub case_id: CaseId,
    pub policy: Option<String>,
    /// Contacts recorded now; a contact recorded by an earlier trace is not repeated.
    pub new_contacts: u64,
    pub f1: usize,
    pub f2: usize,
    pub truncated: bool,
}

/// Traces case `id` to depth 2 and records its contacts: status, quarantine dates, test
/// days and the end of follow-up (quarantine, then self-monitoring) from the quarantine rule
/// in force on the day of last exposure, by whether the contact was fully vaccinated then;
/// follow-up by the contact's residence. Idempotent: tracing again adds only contacts not recorded yet.
pub async fn trace_and_record(
    app: &App,
    caller: &Caller,
    id: CaseId,
) -> Result<Recorded, TracingError> {
    let case = case_in_scope(app, caller, id).await?;
    let (traced, window) = trace_case(app, &case, 2).await?;
    let to = window.to_s;
    let ids: Vec<i64> = traced.contacts.iter().map(|c| id_of(c.person)).collect();
    let homes = app.store.residences(&ids).await?;
    // Fully vaccinated is judged at each contact's exposure, under the rule of that day.
    let immunity = app.store.immunity_of(&ids).await?;
    // An F1's quarantine end, for its F2s to be monitored as long.
    let mut f1_until: HashMap<i64, Option<i64>> = HashMap::new();
    let mut rows = Vec::with_capacity(traced.contacts.len());
    for c in &traced.contacts {
        let person_id = id_of(c.person);
        let last = last_exposure_s(&c.reasons, to);
        let plan = plan_for(
            &app.policies,
            c.degree,
            last,
            c.first_exposure_s,
            immunity.get(&person_id).copied().unwrap_or_default(),
            f1_until.get(&id_of(c.via)).copied().flatten(),
        );
        let Plan {
            status,
            quarantine_from_s: from_s,
            quarantine_until_s: until_s,
            follow_up_until_s: follow_up_s,
            test_days,
            policy: doc,
        } = plan;
        if c.degree == 1 {
            f1_until.insert(person_id, until_s);
        }
        rows.push(ContactRow {
            person_id,
            degree: i64::from(c.degree),
            via_person_id: id_of(c.via),
            first_exposure_s: c.first_exposure_s,
            exposure_s: c.exposure_s,
            reasons: c.reasons.iter().map(|r| stored_reason(r, to)).collect(),
            status,
            quarantine_from_s: from_s,
            quarantine_until_s: until_s,
            follow_up_until_s: follow_up_s,
            test_days,
            policy: doc,
        });
    }
    let new_contacts = match &app.link {
        None => {
            app.store
                .persist_contacts(caller, case.id, &rows, &homes, app.now_s())
                .await?
        }
        // Linked: the referrals of the new contacts living elsewhere are written with them.
        Some(setup) => {
            let mut tx = app.store.begin_transaction().await?;
            let fresh = app
                .store
                .persist_traced_in(&mut tx, caller, case.id, &rows, &homes, app.now_s())
                .await?;
            crate::referral::enqueue_referrals(app, &mut tx, setup, case.id, &rows, &fresh).await?;
            tx.commit().await.map_err(StoreError::from)?;
            // The relay sends them now, not at its next poll.
            app.link_wake.notify_one();
            fresh.len() as u64
        }
    };
    Ok(Recorded {
        case_id: case.id,
        policy: window.policy,
        new_contacts,
        f1: traced.degree(1).count(),
        f2: traced.degree(2).count(),
        truncated: traced.truncated,
    })
}

/// What is asked of a recorded contact and until when, from the quarantine rule in force on
/// the day of last exposure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub status: ContactStatus,
    pub quarantine_from_s: Option<i64>,
    pub quarantine_until_s: Option<i64>,
    pub follow_up_until_s: Option<i64>,
    /// Days of quarantine on which a test is due, e.g. "1,7".
    pub test_days: String,
    /// The legal document the dates come from ("" with no rule in force).
    pub policy: String,
}

/// The plan of a contact of degree `degree` (1 or 2) last exposed at `last_s` (first at
/// `first_exposure_s`): an F1 is quarantined (then self-monitors) or monitored as the rule in
/// force that day says, by whether it was fully vaccinated then (`immunity`: the day its
/// primary series completed and when it recovered, as `Store::immunity_of` gives them); an
/// F2 is monitored until its F1's quarantine ends (`f1_until_s`). One computation for
/// tracing (`trace_and_record`) and the F1 lists imported (`import::contacts`).
pub fn plan_for(
    policies: &Policies,
    degree: u8,
    last_s: i64,
    first_exposure_s: i64,
    immunity: (Option<chrono::NaiveDate>, Option<i64>),
    f1_until_s: Option<i64>,
) -> Plan {
    let last = last_s;
    let rule = policies.quarantine_on(local_date(last)).ok();
    let (primary_done, recovered_s) = immunity;
    let vaccinated = rule
        .and_then(|r| r.fully_vaccinated.as_ref())
        .is_some_and(|fv| fv.holds(primary_done, recovered_s.map(local_date), local_date(last)));
    let f1 = rule.map(|r| r.f1(vaccinated));
    let days_after = |t: i64, days: i64| t + days * 86_400;
    let (status, from_s, until_s, follow_up_s, test_days, doc) = match (degree, rule, f1) {
        (1, Some(r), Some(f1)) if r.f1_place.value != QuarantinePlace::None => {
            let until = days_after(last, f1.days);
            let days_list: Vec<String> = f1.test_days.iter().map(|d| d.to_string()).collect();
            (
                ContactStatus::Quarantine,
                Some(last),
                Some(until),
                // Self-monitoring follows the quarantine.
                Some(days_after(until, f1.self_monitor_days)),
                days_list.join(","),
                r.document.clone(),
            )
        }
        // Monitored until its F1's quarantine ends; the rules give an F2 no
        // self-monitoring of its own.
        (2, _, _) => (
            ContactStatus::Monitor,
            Some(first_exposure_s),
            f1_until_s,
            f1_until_s,
            String::new(),
            rule.map(|r| r.document.clone()).unwrap_or_default(),
        ),
        // An F1 the rule in force does not quarantine monitors its health from the
        // exposure; with no rule, there is no end to state.
        (_, r, f1) => (
            ContactStatus::Monitor,
            None,
            None,
            f1.map(|f1| days_after(last, f1.follow_up_days())),
            String::new(),
            r.map(|r| r.document.clone()).unwrap_or_default(),
        ),
    };
    Plan {
        status,
        quarantine_from_s: from_s,
        quarantine_until_s: until_s,
        follow_up_until_s: follow_up_s,
        test_days,
        policy: doc,
    }
}

/// The last moment of exposure a contact's reasons show (quarantine counts from it).
pub fn last_exposure_s(reasons: &[Reason], window_to_s: i64) -> i64 {
    reasons
        .iter()
        .map(|r| match *r {
            Reason::Venue { to_s, .. } => to_s,
            Reason::Household => window_to_s,
            Reason::Declared { t_s, .. } => t_s,
        })
        .max()
        .unwrap_or(window_to_s)
}

/// A reason as recorded with a contact (`contacts.reasons`) and as the tracing answers
/// show it, the window's end standing for a household's open exposure.
pub fn stored_reason(r: &Reason, window_to_s: i64) -> ContactReason {
    let at = |t_s: i64| chrono::DateTime::from_timestamp(t_s, 0);
    match *r {
        Reason::Venue {
            venue,
            from_s,
            to_s,
            overlap_s,
        } => ContactReason {
            kind: ReasonKind::Venue,
            venue_id: Some(id_of(venue)),
            venue_name: None,
            from: at(from_s),
            to: at(to_s),
            overlap_min: Some(overlap_s as f64 / 60.0),
            setting: None,
        },
        Reason::Household => ContactReason {
            kind: ReasonKind::Household,
            venue_id: None,
            venue_name: None,
            from: None,
            to: at(window_to_s),
            overlap_min: None,
            setting: None,
        },
        Reason::Declared { t_s, setting } => ContactReason {
            kind: ReasonKind::Declared,
            venue_id: None,
            venue_name: None,
            from: at(t_s),
            to: None,
            overlap_min: None,
            setting: ContactSetting::from_code(setting),
        },
    }
}
