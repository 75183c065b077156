//! The F0's infectious period under 3638/QĐ-BYT: from 2 days before symptom onset, or, for
//! an F0 without symptoms, from 3 days before the positive sample was taken (not before the
//! result was reported); contacts are traced within it.

use domain::epi::{CaseStatus, ScanMode, Severity};
use domain::CaseId;
use store::{both_databases, CaseRow, CheckinItem, PersonRef, Store, VenueRef};

use crate::{app_at_now, seed, unit, DAY, NOW};

/// An hour at the market starting `t`.
fn visit(person: i64, t: i64) -> CheckinItem {
    CheckinItem {
        client_id: format!("v{person}-{t}"),
        person: PersonRef::Id(person),
        venue: VenueRef::Id(1),
        t_in_s: t,
        t_out_s: Some(t + 3600),
        mode: ScanMode::StaffScan,
    }
}

async fn the_window_opens_before_the_sample_or_the_onset(store: Store) {
    seed(&store, 9).await;
    let home = unit(&store, "00001").await;
    // Case 2 (person 3) without symptoms: sampled 4 days ago, its result reported 2 days
    // later. Case 3 (person 6): onset 10 days ago, sampled 2 days after (3 days before the
    // sample would be a day after onset - 2 days).
    let (sample, onset) = (NOW - 4 * DAY, NOW - 10 * DAY);
    let case = |id: i64, person: i64, onset_s: Option<i64>, first_sample_s: i64| CaseRow {
        id,
        person_id: person,
        unit: home.clone(),
        status: CaseStatus::Active,
        severity: Severity::Mild,
        onset_s,
        first_sample_s,
        confirmed_at_s: first_sample_s + 2 * DAY,
        isolation_s: None,
        community: true,
        outcome_at_s: None,
    };
    store
        .bulk_cases(
            &[
                case(2, 3, None, sample),
                case(3, 6, Some(onset), onset + 2 * DAY),
            ],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let app = app_at_now(store);
    app.contacts.rebuild(&app.store).await.unwrap();
    let tracer = crate::national(&app, "cdc", domain::Role::Tracer).await;
    // Each F0 at the market 3½ days before (outside every window), 2½ days before (inside
    // 3 days, outside 2) and 1½ days before (inside both), each time with another person;
    // the two F0s' visits are days apart.
    let before = |t: i64, days_x2: i64| t - days_x2 * DAY / 2;
    let mut visits = Vec::new();
    for (f0, t, others) in [(3, sample, [4, 5, 9]), (6, onset, [7, 8, 2])] {
        for (other, days_x2) in others.into_iter().zip([7, 5, 3]) {
            visits.push(visit(f0, before(t, days_x2)));
            visits.push(visit(other, before(t, days_x2)));
        }
    }
    app.ingest_checkins(&tracer, &visits, NOW).await.unwrap();

    let f1 = |id: i64| {
        let (app, tracer) = (&app, &tracer);
        async move {
            let found = app::tracing::case_contacts(app, tracer, CaseId(id), 1)
                .await
                .unwrap();
            let mut ids: Vec<i64> = found
                .contacts
                .iter()
                .filter(|c| c.degree == 1)
                .map(|c| c.person_id)
                .collect();
            ids.sort_unstable();
            (found.window, ids)
        }
    };
    // Without symptoms: 3 days before the sample, not before the reported result.
    let (window, ids) = f1(2).await;
    assert_eq!(window.from_s, sample - 3 * DAY);
    assert_eq!(window.policy.as_deref(), Some("3638/QĐ-BYT"));
    assert_eq!(ids, vec![5, 9], "met 2½ and 1½ days before the sample");
    // With symptoms: 2 days before onset, though sampled 2 days later.
    let (window, ids) = f1(3).await;
    assert_eq!(window.from_s, onset - 2 * DAY);
    assert_eq!(ids, vec![2], "met 1½ days before onset only");
}

both_databases!(the_window_opens_before_the_sample_or_the_onset);
