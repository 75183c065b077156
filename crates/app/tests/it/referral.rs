//! Referral of contacts between linked localities (issue #17, "What travels" 1), on both
//! databases: two localities, Hà Nội ("01", store A) and HCMC ("79", store B), in one test;
//! the transport is in-process (A's unsent messages handed to B's `receive`, and back).

use domain::epi::ScanMode;
use domain::followup::FollowUpStatus;
use domain::person::Sex;
use domain::{CaseId, Role, Structure};
use link::{Envelope, KeyPair, Kind, Registry};
use store::{
    both_databases, Caller, CheckinItem, PageRequest, PersonRef, PersonRow, Received, Store,
    StoredContact, VenueRef, WorkList,
};

use app::referral::{apply_referral_message, LinkSetup, ReferralBody, ReferralError};

use crate::linked::{code, deliver, link_pair, other_db, Side};
use crate::{app_at_now, national, seed, unit, DAY, NOW};

/// Each store's registry knows the other for the kinds it sends; each app is linked.
async fn link_both(a: &mut app::App, b: &mut app::App) {
    let hn = Side {
        code: "01",
        name: "Hà Nội",
        sends: &[Kind::Referral],
    };
    let hcm = Side {
        code: "79",
        name: "TP. Hồ Chí Minh",
        sends: &[Kind::ReferralStatus],
    };
    link_pair(a, hn, b, hcm).await;
}

/// Hà Nội's seed (persons 1–4 living in commune 00001, case 1 of person 1, the market) plus
/// person 5 living in Bến Nghé, HCMC; persons 1, 3 and 5 at the market together yesterday.
pub(crate) async fn hanoi_with_a_visitor_from_hcmc(app: &app::App) {
    let store = &app.store;
    seed(store, 4).await;
    store
        .bulk_persons(
            &[PersonRow {
                id: 5,
                full_name: "Trần Thị Năm".into(),
                national_id: Some("079190000555".into()),
                phone: Some("0909000555".into()),
                birth_date: chrono::NaiveDate::from_ymd_opt(1990, 5, 5),
                sex: Sex::Female,
                unit: unit(store, "26740").await,
                household_id: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let scanner = national(app, "scanner", Role::Tracer).await;
    let t = NOW - DAY - 3600;
    let visits: Vec<CheckinItem> = [1, 3, 5]
        .iter()
        .map(|p| CheckinItem {
            client_id: format!("v{p}"),
            person: PersonRef::Id(*p),
            venue: VenueRef::Id(1),
            t_in_s: t,
            t_out_s: Some(t + 3600),
            mode: ScanMode::StaffScan,
        })
        .collect();
    app.ingest_checkins(&scanner, &visits, NOW).await.unwrap();
    app.contacts.rebuild(store).await.unwrap();
}

/// A call that reached the person, well.
pub(crate) fn reached() -> app::followup::FollowUpInput {
    app::followup::FollowUpInput {
        day: None,
        reached: Some(true),
        symptoms: Some(false),
        temperature: Some(36.8),
        note: None,
    }
}

pub(crate) async fn listed(app: &app::App, caller: &Caller, list: WorkList) -> Vec<StoredContact> {
    app.work_list(
        caller,
        Structure::S2021,
        list,
        false,
        &PageRequest::first(100),
    )
    .await
    .unwrap()
    .items
}

async fn a_contact_living_in_hcmc_is_referred_and_its_follow_up_flows_back(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    hanoi_with_a_visitor_from_hcmc(&a).await;
    let tracer_a = national(&a, "tracer", Role::Tracer).await;

    let recorded = app::tracing::trace_and_record(&a, &tracer_a, CaseId(1))
        .await
        .unwrap();
    assert_eq!(recorded.new_contacts, 3, "persons 2, 3 and 5");
    // Only person 5 lives elsewhere: one referral, to HCMC; 2 and 3 live in Hà Nội.
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    assert_eq!(unsent[0].1, "link.01.79.referral");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    let body: ReferralBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.person.full_name, "Trần Thị Năm");
    assert_eq!(body.person.unit_code, "26740");
    assert_eq!(body.reasons[0].venue.as_deref(), Some("Chợ Hàng Da"));
    // The source case travels as an opaque token, never its id.
    assert_eq!(body.source_case.len(), 64);
    assert!(!env.body.to_string().contains("\"case_id\""));
    let contacts_a = listed(&a, &tracer_a, WorkList::All).await;
    let mine = contacts_a
        .iter()
        .find(|c| c.person_id.0 == 5)
        .expect("A keeps its contact")
        .clone();
    assert_eq!(env.record, format!("contact:01:{}", mine.id));
    // Tracing again records and refers nothing more.
    app::tracing::trace_and_record(&a, &tracer_a, CaseId(1))
        .await
        .unwrap();
    assert_eq!(a.store.unsent(100).await.unwrap().len(), 1);

    // Delivered twice: applied once.
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let tracer_b = national(&b, "tracer", Role::Tracer).await;
    let on_b = listed(&b, &tracer_b, WorkList::All).await;
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    let c = &on_b[0];
    assert_eq!(c.case_id, None);
    assert_eq!(c.referred_from.as_deref(), Some("01"));
    assert_eq!(c.remote_ref.as_deref(), Some(env.record.as_str()));
    assert_eq!(c.unit_code, "26740");
    assert_eq!(c.degree, 1);
    assert_eq!(c.reasons[0].venue_name.as_deref(), Some("Chợ Hàng Da"));
    assert_eq!(c.reasons[0].venue_id, None);
    assert_eq!(c.quarantine_until_s, mine.quarantine_until_s);
    assert_eq!(c.follow_up_until_s, mine.follow_up_until_s);
    assert_eq!(c.test_days, mine.test_days);
    assert_eq!(c.policy, mine.policy);
    assert_eq!(c.follow_status, FollowUpStatus::ToReach);
    // On the day's work too, like any contact to reach.
    let due: Vec<i64> = listed(&b, &tracer_b, WorkList::DueToday)
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(due, [c.id]);
    let person = b
        .store
        .get_person(&tracer_b, c.person_id, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.full_name, "Trần Thị Năm");
    assert_eq!(
        person.national_id.as_ref().map(|n| n.as_str()),
        Some("079190000555")
    );

    // B reaches the person: A's contact shows it.
    b.record_follow_up(&tracer_b, c.id, &reached())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deliver(&b, &a, 1).await, [Received::Applied]);
    let status_on_a = |list: Vec<StoredContact>| {
        list.into_iter()
            .find(|c| c.id == mine.id)
            .map(|c| c.follow_status)
    };
    assert_eq!(
        status_on_a(listed(&a, &tracer_a, WorkList::All).await),
        Some(FollowUpStatus::InQuarantine)
    );

    // B's positive test makes a case there: A's contact shows it became a case.
    let test = app::followup::ContactTestInput {
        day: None,
        kind: Some("pcr".into()),
        result: Some("positive".into()),
        severity: None,
    };
    b.record_contact_test(&tracer_b, c.id, &test)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deliver(&b, &a, 1).await, [Received::Applied]);
    assert_eq!(
        status_on_a(listed(&a, &tracer_a, WorkList::All).await),
        Some(FollowUpStatus::BecameCase)
    );
    // Audited on A's side as the locality's report.
    let audited = store::testing::scalar(
        &a.store,
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'link:79' AND entity = 'contact'",
    )
    .await;
    assert_eq!(audited, 2);
    drop(db_b);
}

both_databases!(a_contact_living_in_hcmc_is_referred_and_its_follow_up_flows_back);

async fn no_registry_refers_nothing(store: Store) {
    let a = app_at_now(store);
    hanoi_with_a_visitor_from_hcmc(&a).await;
    let tracer = national(&a, "tracer", Role::Tracer).await;
    let recorded = app::tracing::trace_and_record(&a, &tracer, CaseId(1))
        .await
        .unwrap();
    assert_eq!(recorded.new_contacts, 3);
    assert!(a.store.unsent(100).await.unwrap().is_empty());

    // Linked, but with no locality of HCMC's code in the registry: nothing either.
    let db = other_db(&a.store).await;
    let mut linked = app_at_now(db.store.clone());
    hanoi_with_a_visitor_from_hcmc(&linked).await;
    linked.set_link(Some(LinkSetup {
        me: code("01"),
        key: KeyPair::generate(),
        registry: Registry::new(code("01"), []),
    }));
    let tracer = national(&linked, "tracer", Role::Tracer).await;
    app::tracing::trace_and_record(&linked, &tracer, CaseId(1))
        .await
        .unwrap();
    assert!(linked.store.unsent(100).await.unwrap().is_empty());
}

both_databases!(no_registry_refers_nothing);

/// A referral about someone living outside the receiving locality (here: in Hà Nội, sent
/// to HCMC) is refused for good, and nothing is written.
async fn a_referral_of_someone_living_elsewhere_is_refused(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    seed(&b.store, 1).await;
    let setup = a.link.clone().unwrap();
    let body = serde_json::json!({
        "v": 1,
        "person": { "full_name": "Người ở Hà Nội", "birth_date": null, "sex": "unknown",
                    "phone": null, "national_id": null, "structure": "2021",
                    "unit_code": "00001", "address": null },
        "degree": 1, "first_exposure_s": NOW - DAY, "exposure_s": 900, "reasons": [],
        "plan": { "status": "monitor", "quarantine_from_s": null, "quarantine_until_s": null,
                  "follow_up_until_s": null, "test_days": "", "policy": "" },
        "source_case": "x"
    });
    a.store
        .enqueue(
            &setup.me,
            &code("79"),
            Kind::Referral,
            "contact:01:99",
            body,
            NOW,
            &setup.key,
        )
        .await
        .unwrap();
    let (_, _, bytes) = a.store.unsent(1).await.unwrap().remove(0);
    let registry = b.link.as_ref().unwrap().registry.clone();
    let app = b.clone();
    let got = b
        .store
        .receive::<ReferralError, _>(&bytes, &registry, NOW, move |tx, e| {
            Box::pin(async move { apply_referral_message(&app, tx, e).await })
        })
        .await;
    match got {
        Err(e) => assert!(e.is_permanent(), "{e:?}"),
        other => panic!("applied: {other:?}"),
    }
    let contacts = store::testing::scalar(&b.store, "SELECT COUNT(*) FROM contacts").await;
    let persons = store::testing::scalar(
        &b.store,
        "SELECT COUNT(*) FROM persons WHERE full_name = 'Người ở Hà Nội'",
    )
    .await;
    assert_eq!((contacts, persons), (0, 0));
}

both_databases!(a_referral_of_someone_living_elsewhere_is_refused);
