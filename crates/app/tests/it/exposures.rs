//! Exposure places (issue #18, part 3) proposed from a case's check-ins in its infectious
//! window, published after review, matched against a person's visits; declarations (part 4)
//! matched to a known person or registering one, on the officer's list.

use domain::epi::ScanMode;
use domain::PersonId;
use store::{both_databases, CheckinItem, PersonRef, Store, VenueRef};

use crate::{app_at_now, seed, DAY, NOW};

fn visit(person: i64, t: i64, len: i64) -> CheckinItem {
    CheckinItem {
        client_id: format!("x{person}-{t}"),
        person: PersonRef::Id(person),
        venue: VenueRef::Id(1),
        t_in_s: t,
        t_out_s: Some(t + len),
        mode: ScanMode::StaffScan,
    }
}

async fn places_are_proposed_published_and_matched(store: Store) {
    seed(&store, 4).await;
    let app = app_at_now(store);
    let tracer = crate::national(&app, "cdc", domain::Role::Tracer).await;
    // Case 1 (person 1): sampled 2 h before NOW, no symptoms: infectious from 3 days before
    // the sample. At the market 2 days ago (inside) and 5 days ago (outside).
    let (inside, outside) = (NOW - 2 * DAY, NOW - 5 * DAY);
    app.ingest_checkins(
        &tracer,
        &[
            visit(1, inside, 3600),
            visit(1, outside, 3600),
            visit(2, inside + 1800, 3600),
            visit(3, outside, 3600),
        ],
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(app.propose_exposures(None).await.unwrap(), 1);
    assert!(
        app.public_exposures().await.unwrap().is_empty(),
        "not yet reviewed"
    );
    let proposed = app.exposures_to_review(&tracer).await.unwrap();
    assert_eq!(proposed.len(), 1);
    let p = &proposed[0];
    assert_eq!((p.from_s, p.to_s), (inside, inside + 3600));
    assert!(app
        .review_exposure(&tracer, p.id, true)
        .await
        .unwrap()
        .is_some());
    assert!(app
        .review_exposure(&tracer, 9999, true)
        .await
        .unwrap()
        .is_none());
    // Proposing again keeps the reviewed place, adding no copy of it.
    assert_eq!(app.propose_exposures(None).await.unwrap(), 0);

    let public = app.public_exposures().await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].venue, "Chợ Hàng Da");
    assert!(!public[0].district.is_empty() && !public[0].commune.is_empty());

    let met = app.exposures_for_person(PersonId(2)).await.unwrap();
    assert_eq!(met.len(), 1);
    assert_eq!((met[0].from_s, met[0].to_s), (inside + 1800, inside + 3600));
    let advice = met[0]
        .advice
        .as_ref()
        .expect("a quarantine rule in November 2021");
    assert_eq!(advice.document, "5599/BYT-MT");
    assert_eq!(advice.days_unvaccinated, 14);
    assert!(
        app.exposures_for_person(PersonId(3))
            .await
            .unwrap()
            .is_empty(),
        "met the case outside its infectious window"
    );

    // Withdrawn: no longer public, no longer matched.
    app.review_exposure(&tracer, p.id, false).await.unwrap();
    assert!(app.public_exposures().await.unwrap().is_empty());
    assert!(app
        .exposures_for_person(PersonId(2))
        .await
        .unwrap()
        .is_empty());
}

both_databases!(places_are_proposed_published_and_matched);

async fn a_declaration_finds_or_registers_the_person(store: Store) {
    seed(&store, 2).await;
    let app = app_at_now(store);
    let tracer = crate::national(&app, "cdc", domain::Role::Tracer).await;
    app.ingest_checkins(&tracer, &[visit(1, NOW - DAY, 3600)], NOW)
        .await
        .unwrap();
    app.propose_exposures(None).await.unwrap();
    let place = app.exposures_to_review(&tracer).await.unwrap()[0].id;
    let citizen = store::Caller::system("citizen");
    let input = app::exposures::DeclareInput {
        full_name: Some("Trần Thị Mai".into()),
        phone: Some("0912345678".into()),
        birth_year: Some(1990),
        commune: Some("00001".into()),
        place_id: Some(place),
        ..Default::default()
    };
    // Not yet published: no such place for a citizen.
    assert!(app.declare(&citizen, &input).await.is_err());
    app.review_exposure(&tracer, place, true).await.unwrap();
    let first = app.declare(&citizen, &input).await.unwrap();
    assert!(!first.matched, "a new person is registered");
    // The same person again (other spacing and case of the name): matched, not doubled.
    let again = app::exposures::DeclareInput {
        full_name: Some("tran thi  mai".into()),
        place_id: None,
        symptoms: vec!["fever".into(), "cough".into()],
        onset: Some("2021-11-19".into()),
        ..input.clone()
    };
    let second = app.declare(&citizen, &again).await.unwrap();
    assert!(second.matched);
    assert_eq!(second.person_id, first.person_id);

    // Ranges: a symptom outside the vocabulary, an onset in the future or before the
    // days check-ins are kept, a birth year out of range, neither place nor symptoms.
    let refused = |d: app::exposures::DeclareInput| {
        let (app, citizen) = (&app, &citizen);
        async move {
            match app.declare(citizen, &d).await {
                Err(app::exposures::ExposureError::Invalid(f)) => {
                    f.into_iter().map(|e| e.field).collect::<Vec<_>>()
                }
                other => panic!("accepted: {other:?}"),
            }
        }
    };
    assert!(refused(app::exposures::DeclareInput {
        symptoms: vec!["headache!".into()],
        ..again.clone()
    })
    .await
    .contains(&"symptoms".to_string()));
    assert!(refused(app::exposures::DeclareInput {
        onset: Some("2021-11-21".into()),
        ..again.clone()
    })
    .await
    .contains(&"onset".to_string()));
    assert!(refused(app::exposures::DeclareInput {
        onset: Some("2021-10-01".into()),
        ..again.clone()
    })
    .await
    .contains(&"onset".to_string()));
    assert!(refused(app::exposures::DeclareInput {
        birth_year: Some(1899),
        ..again.clone()
    })
    .await
    .contains(&"birth_year".to_string()));
    assert!(refused(app::exposures::DeclareInput {
        symptoms: vec![],
        place_id: None,
        ..again.clone()
    })
    .await
    .contains(&"place".to_string()));

    let list = app
        .declarations(&tracer, domain::Structure::S2021, true)
        .await
        .unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].symptoms, vec!["fever", "cough"]);
    assert_eq!(list[1].place.as_ref().map(|p| p.id), Some(place));
    assert_eq!(list[1].full_name, "Trần Thị Mai");
    // Every declaration audited, under the citizen.
    let audited = store::testing::scalar(
        &app.store,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'declaration' AND actor = 'citizen' AND action = 'create'",
    )
    .await;
    assert_eq!(audited, 2);
}

both_databases!(a_declaration_finds_or_registers_the_person);

/// A symptom declaration for person `id` (one of the seeded persons of commune 00001).
async fn symptoms_of(app: &app::App, id: i64) -> i64 {
    let input = app::exposures::DeclareInput {
        person_id: Some(id),
        symptoms: vec!["fever".into()],
        onset: Some("2021-11-19".into()),
        ..Default::default()
    };
    app.declare(&store::Caller::system("citizen"), &input)
        .await
        .unwrap()
        .id
}

async fn an_officer_marks_a_declaration_in_scope_only(store: Store) {
    seed(&store, 3).await;
    let app = app_at_now(store);
    let officer = crate::national(&app, "officer", domain::Role::Tracer).await;
    let (first, second) = (symptoms_of(&app, 2).await, symptoms_of(&app, 3).await);
    let open = |handled| {
        let (app, officer) = (&app, &officer);
        async move {
            app.declarations(officer, domain::Structure::S2021, handled)
                .await
                .unwrap()
        }
    };
    assert_eq!(open(false).await.len(), 2);

    // An account of another ward (Trúc Bạch): as if it did not exist, nothing changed.
    let mut elsewhere = officer.clone();
    elsewhere.scope = domain::Scope::of([(
        domain::Structure::S2021,
        domain::UnitPath::from_stored("/01/001/00004/").unwrap(),
    )]);
    assert!(!app
        .mark_declaration(&elsewhere, first, "reached")
        .await
        .unwrap());
    assert!(!app
        .mark_declaration(&officer, 9999, "reached")
        .await
        .unwrap());
    // An outcome outside the vocabulary: refused, the field named.
    match app.mark_declaration(&officer, first, "maybe").await {
        Err(app::exposures::ExposureError::Invalid(f)) => assert_eq!(f[0].field, "outcome"),
        other => panic!("accepted: {other:?}"),
    }
    assert_eq!(open(false).await.len(), 2, "nothing marked yet");

    assert!(app
        .mark_declaration(&officer, second, "became_f1")
        .await
        .unwrap());
    // Open ones only by default; with the handled ones, the open first.
    let list = open(false).await;
    assert_eq!(list.iter().map(|d| d.id).collect::<Vec<_>>(), vec![first]);
    assert_eq!(list[0].outcome, None);
    let all = open(true).await;
    assert_eq!(
        all.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![first, second]
    );
    assert_eq!(all[1].outcome, Some(store::DeclarationOutcome::BecameF1));
    assert_eq!(all[1].person_id, PersonId(3), "the F1 is the declarant");
    assert_eq!(all[1].handled_by.as_deref(), Some("officer"));
    assert_eq!(all[1].handled_at_s, Some(NOW));
    // Marked again (unreachable first, reached later): the last outcome holds.
    app.mark_declaration(&officer, first, "unreachable")
        .await
        .unwrap();
    app.mark_declaration(&officer, first, " reached ")
        .await
        .unwrap();
    let all = open(true).await;
    assert!(open(false).await.is_empty());
    assert_eq!(all[1].outcome, Some(store::DeclarationOutcome::Reached));
    let audited = store::testing::scalar(
        &app.store,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'declaration' AND action = 'update' \
         AND actor = 'officer'",
    )
    .await;
    assert_eq!(audited, 3, "every mark audited, the refused ones not");
}

both_databases!(an_officer_marks_a_declaration_in_scope_only);

async fn declarations_past_the_tracing_retention_are_deleted(store: Store) {
    seed(&store, 3).await;
    let app = app_at_now(store);
    // The retention comes from the tracing rule in force (data/policies), not from here.
    let keep_s = app::jobs::checkin_retention_s(&app.policies, NOW);
    assert!(keep_s > 0);
    let (old, kept) = (symptoms_of(&app, 2).await, symptoms_of(&app, 3).await);
    store::testing::execute(
        &app.store,
        &format!(
            "UPDATE declarations SET created_at_s = {} WHERE id = {old}",
            NOW - keep_s - 3600
        ),
    )
    .await;
    store::testing::execute(
        &app.store,
        &format!(
            "UPDATE declarations SET created_at_s = {} WHERE id = {kept}",
            NOW - keep_s + 3600
        ),
    )
    .await;
    let n = app::jobs::purge_expired_declarations(&app.store, &app.policies, NOW)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let left: Vec<i64> = app
        .declarations(
            &store::Caller::system("test"),
            domain::Structure::S2021,
            true,
        )
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(left, vec![kept]);
    // Run again: nothing more to delete.
    assert_eq!(
        app::jobs::purge_expired_declarations(&app.store, &app.policies, NOW)
            .await
            .unwrap(),
        0
    );
}

both_databases!(declarations_past_the_tracing_retention_are_deleted);

async fn the_hourly_job_proposes_and_keeps_what_was_reviewed(store: Store) {
    seed(&store, 3).await;
    let app = app_at_now(store);
    let tracer = crate::national(&app, "cdc", domain::Role::Tracer).await;
    let inside = NOW - 2 * DAY;
    app.ingest_checkins(&tracer, &[visit(1, inside, 3600)], NOW)
        .await
        .unwrap();
    assert_eq!(app::jobs::propose_todays_exposures(&app).await.unwrap(), 1);
    let first = app.exposures_to_review(&tracer).await.unwrap();
    assert_eq!(first.len(), 1);
    // Not reviewed: the next run replaces it (same window, a new proposal), no copy.
    assert_eq!(app::jobs::propose_todays_exposures(&app).await.unwrap(), 1);
    let again = app.exposures_to_review(&tracer).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].from_s, again[0].to_s),
        (first[0].from_s, first[0].to_s)
    );
    // Reviewed (published): the next run leaves it as it is and adds no copy.
    app.review_exposure(&tracer, again[0].id, true)
        .await
        .unwrap();
    // The case visits another time the same day: a new window is proposed beside it.
    app.ingest_checkins(&tracer, &[visit(1, inside + 4 * 3600, 1800)], NOW)
        .await
        .unwrap();
    assert_eq!(app::jobs::propose_todays_exposures(&app).await.unwrap(), 1);
    let after = app.exposures_to_review(&tracer).await.unwrap();
    assert_eq!(after.len(), 2, "{after:?}");
    let published = after
        .iter()
        .find(|p| p.id == again[0].id)
        .expect("the reviewed place stays");
    assert_eq!(published.status, store::ExposureStatus::Published);
    assert_eq!(published.reviewed_by.as_deref(), Some("cdc"));
    assert!(after
        .iter()
        .any(|p| p.id != again[0].id && p.status == store::ExposureStatus::Proposed));
    // Withdrawn stays withdrawn too.
    app.review_exposure(&tracer, again[0].id, false)
        .await
        .unwrap();
    app::jobs::propose_todays_exposures(&app).await.unwrap();
    let last = app.exposures_to_review(&tracer).await.unwrap();
    assert_eq!(
        last.iter().find(|p| p.id == again[0].id).map(|p| p.status),
        Some(store::ExposureStatus::Withdrawn)
    );
    assert_eq!(last.len(), 2);
}

both_databases!(the_hourly_job_proposes_and_keeps_what_was_reviewed);
