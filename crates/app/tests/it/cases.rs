//! Casework: a new case from a positive test, its status, a declared contact traced at once.

use app::cases::{CaseError, CaseInput, DeclaredInput, StatusInput, TestInput};
use domain::{CaseId, PersonId, Reason};
use store::{both_databases, Store};

use crate::{app_at_now, seed, DAY, NOW};

fn iso(t: i64) -> Option<String> {
    Some(app::local_time::iso(t))
}

async fn a_case_its_status_and_a_declared_contact(store: Store) {
    seed(&store, 4).await;
    let app = app_at_now(store);
    app.contacts.rebuild(&app.store).await.unwrap();
    let system = crate::national(&app, "cdc", domain::Role::Tracer).await;

    // Every bad field at once: a result before its sample, a Ct beyond any laboratory's.
    let bad = CaseInput {
        person_id: Some(4),
        severity: Some("mild".into()),
        test: Some(TestInput {
            kind: Some("pcr".into()),
            sample_at: iso(NOW - 3600),
            result_at: iso(NOW - 7200),
            ct: Some(61.0),
        }),
        ..CaseInput::default()
    };
    let Err(CaseError::Invalid(fields)) = app.create_case(&system, &bad).await else {
        panic!("refused");
    };
    let named: Vec<(&str, Reason)> = fields
        .iter()
        .map(|f| (f.field.as_str(), f.reason))
        .collect();
    assert_eq!(
        named,
        vec![
            ("test.result_at", Reason::OutOfRange),
            ("test.ct", Reason::OutOfRange)
        ]
    );
    let good = CaseInput {
        test: Some(TestInput {
            result_at: iso(NOW - 1800),
            ct: Some(21.5),
            ..bad.test.clone().unwrap()
        }),
        ..bad
    };
    let case = app.create_case(&system, &good).await.unwrap();
    // One case per episode: not a second while this one is active (409 naming it).
    let again = CaseInput {
        test: Some(TestInput {
            sample_at: iso(NOW - 1200),
            result_at: iso(NOW - 600),
            ..good.test.clone().unwrap()
        }),
        ..good.clone()
    };
    assert!(matches!(
        app.create_case(&system, &again).await,
        Err(CaseError::Store(store::StoreError::CaseExists { existing })) if existing == case
    ));
    let stored = app
        .store
        .get_case(&system, case, NOW)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.case.community,
        "not in a recorded quarantine stay when sampled"
    );

    let recovered = StatusInput {
        status: Some("recovered".into()),
        severity: Some("mild".into()),
        ..StatusInput::default()
    };
    assert!(app
        .update_case_status(&system, case, &recovered)
        .await
        .unwrap());
    // Recovered: the same positive test is still this case's; a new test is a new episode.
    assert!(matches!(
        app.create_case(&system, &good).await,
        Err(CaseError::Store(store::StoreError::CaseExists { existing })) if existing == case
    ));
    let reinfection = app.create_case(&system, &again).await.unwrap();
    assert_ne!(reinfection, case);
    assert!(
        !app.update_case_status(&system, CaseId(999), &recovered)
            .await
            .unwrap(),
        "no such case"
    );

    // Person 1 (case 1) declares person 3 met face to face yesterday: traced at once.
    let declared = DeclaredInput {
        contact_person_id: Some(3),
        at: iso(NOW - DAY),
        setting: Some("face_to_face".into()),
    };
    assert!(app
        .declare_contact(&system, PersonId(1), &declared)
        .await
        .unwrap());
    let c1 = app::tracing::case_in_scope(&app, &system, CaseId(1))
        .await
        .unwrap();
    let (traced, _) = app::tracing::trace_case(&app, &c1, 1).await.unwrap();
    let mut f1: Vec<i64> = traced
        .contacts
        .iter()
        .map(|c| app::contact_index::id_of(c.person))
        .collect();
    f1.sort_unstable();
    assert_eq!(
        f1,
        vec![2, 3],
        "the household member and the declared contact"
    );
    let unknown = DeclaredInput {
        contact_person_id: Some(99),
        ..declared
    };
    let Err(CaseError::Invalid(fields)) = app.declare_contact(&system, PersonId(1), &unknown).await
    else {
        panic!("an unknown contact is refused");
    };
    assert_eq!(fields[0].reason, Reason::NotFound);
}

both_databases!(a_case_its_status_and_a_declared_contact);

/// A case cannot recover before it was confirmed, and a change dated before the latest entry
/// of its history is refused naming that entry's time: the case's status is always the last
/// entry of its history read in time order.
async fn a_backdated_status_change_is_refused_naming_the_latest_entry(store: Store) {
    // Case 1 confirmed an hour before NOW.
    seed(&store, 1).await;
    let app = app_at_now(store);
    let cdc = crate::national(&app, "cdc", domain::Role::Tracer).await;
    let change = |status: &str, severity: &str, at: i64| StatusInput {
        status: Some(status.into()),
        severity: Some(severity.into()),
        at: iso(at),
        ..StatusInput::default()
    };
    let refused_before = |r: Result<bool, CaseError>| match r {
        Err(CaseError::Store(store::StoreError::Refused(
            store::aid::Refusal::CaseStatusTime { not_before_s },
        ))) => not_before_s,
        other => panic!("refused as dated too early: {other:?}"),
    };
    let confirmed = NOW - 3600;
    // Recovered a day before the confirmation.
    let early = app
        .update_case_status(&cdc, CaseId(1), &change("recovered", "mild", NOW - DAY))
        .await;
    assert_eq!(refused_before(early), confirmed);
    // Worse half an hour ago; then a recovery dated before that entry is refused.
    assert!(app
        .update_case_status(&cdc, CaseId(1), &change("active", "moderate", NOW - 1800))
        .await
        .unwrap());
    let backdated = app
        .update_case_status(&cdc, CaseId(1), &change("recovered", "mild", NOW - 2700))
        .await;
    assert_eq!(refused_before(backdated), NOW - 1800);
    let shown = || {
        let (app, cdc) = (&app, &cdc);
        async move {
            let d = app
                .store
                .get_case(cdc, CaseId(1), NOW)
                .await
                .unwrap()
                .unwrap();
            let lines: Vec<(i64, String)> = d
                .history
                .iter()
                .map(|h| (h.at.timestamp(), h.status.as_str().to_string()))
                .collect();
            (d.case.status.as_str().to_string(), d.case.severity, lines)
        }
    };
    let (status, severity, lines) = shown().await;
    assert_eq!(
        (status.as_str(), severity),
        ("active", domain::epi::Severity::Moderate),
        "nothing written"
    );
    assert_eq!(lines.last(), Some(&(NOW - 1800, "active".to_string())));
    // Dated after it, the recovery is the history's last entry and the case's status.
    assert!(app
        .update_case_status(&cdc, CaseId(1), &change("recovered", "mild", NOW - 600))
        .await
        .unwrap());
    let (status, _, lines) = shown().await;
    assert!(lines.windows(2).all(|w| w[0].0 <= w[1].0), "{lines:?}");
    assert_eq!(lines.last(), Some(&(NOW - 600, status.clone())));
    assert_eq!(status, "recovered");
    let outcome = app
        .store
        .get_case(&cdc, CaseId(1), NOW)
        .await
        .unwrap()
        .unwrap()
        .case
        .outcome_at_s;
    assert_eq!(outcome, Some(NOW - 600));
}

both_databases!(a_backdated_status_change_is_refused_naming_the_latest_entry);
