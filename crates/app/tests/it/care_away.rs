//! Residents cared for elsewhere (issue #17, "What travels" 4), on both databases: HCMC
//! ("79", store A) vaccinates and helps home people living in Hà Nội ("01", store B); the
//! record follows them home. The transport is in-process (`linked::deliver`).

use app::care_away::{CareBody, CareEvent, HelpedHomeInput};
use app::vaccination::{dose, DoseInput};
use chrono::NaiveDate;
use domain::person::Sex;
use domain::{PersonId, Role};
use link::{Envelope, Kind};
use store::{both_databases, CareKind, ItemOutcome, PersonRow, Received, Store, WorkList};

use crate::linked::{code, deliver, link_pair, other_db, Side};
use crate::referral::listed;
use crate::{app_at_now, national, unit, NOW};

/// A (HCMC) sends `a_sends`; B (Hà Nội) answers nothing.
async fn link_both(a: &mut app::App, b: &mut app::App, a_sends: &[Kind]) {
    let hcm = Side {
        code: "79",
        name: "TP. Hồ Chí Minh",
        sends: a_sends,
    };
    let hn = Side {
        code: "01",
        name: "Hà Nội",
        sends: &[],
    };
    link_pair(a, hcm, b, hn).await;
}

/// Person 10 lives in Hà Nội (commune 00001) and stays in HCMC; person 11 lives in HCMC.
async fn persons_in_hcmc(store: &Store) {
    let person = |id: i64, name: &str, nid: &str, home| PersonRow {
        id,
        full_name: name.into(),
        national_id: Some(nid.into()),
        phone: None,
        birth_date: NaiveDate::from_ymd_opt(1985, 3, 3),
        sex: Sex::Female,
        unit: home,
        household_id: None,
        synthetic: true,
    };
    let hn = unit(store, "00001").await;
    let hcm = unit(store, "26740").await;
    store
        .bulk_persons(
            &[
                person(10, "Nguyễn Thị Hậu", "001185000010", hn),
                person(11, "Lê Văn Sài", "079185000011", hcm),
            ],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
}

fn dose_of(person: i64, client_id: &str) -> store::DoseItem {
    let input = DoseInput {
        client_id: Some(client_id.into()),
        person_id: Some(person),
        product: Some("astrazeneca".into()),
        dose_no: Some(1),
        given_on: Some("2021-08-15".into()),
        unit: Some("26740".into()),
        lot: Some("A1234".into()),
    };
    let today = NaiveDate::from_ymd_opt(2021, 11, 20).unwrap();
    dose(&input, today, &mut Vec::new()).expect("a well-formed dose")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn a_dose_given_in_hcmc_to_a_hanoi_resident_becomes_hanois_dose_once(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Care]).await;
    persons_in_hcmc(&a.store).await;
    let nurse = national(&a, "nurse", Role::Tracer).await;

    let out = a
        .record_doses(&nurse, &[dose_of(10, "hcm-1"), dose_of(11, "hcm-2")])
        .await
        .unwrap();
    assert_eq!(out, vec![ItemOutcome::Accepted; 2]);
    // Only person 10 lives elsewhere: one `care`, to Hà Nội, with the FHIR resources.
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    assert_eq!(unsent[0].1, "link.79.01.care");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, "care:79:10");
    let body: CareBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.event, CareEvent::Dose);
    let kinds: Vec<&str> = body
        .bundle
        .entry
        .iter()
        .filter_map(|e| e.resource.as_ref().map(|r| r.kind()))
        .collect();
    assert_eq!(kinds, ["Patient", "Immunization"]);

    // Delivered twice: applied once.
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let official = national(&b, "official", Role::Tracer).await;
    let cared = b
        .store
        .care_elsewhere(&official.scope, day("2021-08-01"), day("2021-11-20"))
        .await
        .unwrap();
    assert_eq!(cared.len(), 1, "{cared:?}");
    assert_eq!(cared[0].partner, "79");
    assert_eq!(cared[0].kind, CareKind::Vaccinated);
    assert_eq!(cared[0].full_name, "Nguyễn Thị Hậu");
    let person = cared[0].person_id;
    // Registered as Hà Nội's resident, and the dose is Hà Nội's record of them.
    let p = b
        .store
        .get_person(&official, person, NOW)
        .await
        .unwrap()
        .expect("a resident of Hà Nội now");
    assert_eq!(p.unit_code.as_str(), "00001");
    let doses = b
        .store
        .person_doses(&official, person, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doses.len(), 1, "{doses:?}");
    assert_eq!(doses[0].product, "astrazeneca");
    assert_eq!(doses[0].given_on, day("2021-08-15"));
    assert_eq!(doses[0].lot.as_deref(), Some("A1234"));

    // The same body sent again (a resend under a new message): nothing more.
    let key = a.store.link_key().await.unwrap();
    a.store
        .enqueue(
            &code("79"),
            &code("01"),
            Kind::Care,
            &env.record,
            env.body.clone(),
            NOW,
            &key,
        )
        .await
        .unwrap();
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);
    let doses = b
        .store
        .person_doses(&official, person, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doses.len(), 1, "a resend adds no dose");
    let cared = b
        .store
        .care_elsewhere(&official.scope, day("2021-08-01"), day("2021-11-20"))
        .await
        .unwrap();
    assert_eq!(cared.len(), 1, "a resend adds no care item");
}

both_databases!(a_dose_given_in_hcmc_to_a_hanoi_resident_becomes_hanois_dose_once);

async fn helped_home_puts_the_person_on_the_home_follow_up_list(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Care]).await;
    persons_in_hcmc(&a.store).await;
    // Hà Nội knows her already (same national ID): matched, not registered again.
    b.store
        .bulk_persons(
            &[PersonRow {
                id: 7,
                full_name: "Nguyễn Thị Hậu".into(),
                national_id: Some("001185000010".into()),
                phone: None,
                birth_date: NaiveDate::from_ymd_opt(1985, 3, 3),
                sex: Sex::Female,
                unit: unit(&b.store, "00001").await,
                household_id: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    b.store.sync_id_sequences().await.unwrap();
    let officer = national(&a, "officer", Role::Tracer).await;

    let id = a
        .helped_home(
            &officer,
            PersonId(10),
            &HelpedHomeInput {
                on: Some("2021-10-02".into()),
                note: Some("xe khách của Thành phố".into()),
            },
        )
        .await
        .unwrap();
    assert!(id.is_some());
    assert_eq!(a.store.helped_home_of(PersonId(10)).await.unwrap().len(), 1);
    // HCMC's own resident has no home elsewhere to be helped to: refused, nothing sent.
    let own = a
        .helped_home(&officer, PersonId(11), &HelpedHomeInput::default())
        .await;
    assert!(
        matches!(own, Err(app::care_away::HelpedHomeError::Invalid(_))),
        "{own:?}"
    );
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);

    let tracer_b = national(&b, "tracer", Role::Tracer).await;
    let on_b = listed(&b, &tracer_b, WorkList::All).await;
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    let c = &on_b[0];
    assert_eq!(c.person_id, PersonId(7));
    assert_eq!(c.referred_from.as_deref(), Some("79"));
    assert_eq!(
        c.reasons[0].venue_name.as_deref(),
        Some("TP. Hồ Chí Minh: xe khách của Thành phố")
    );
    let cared = b
        .store
        .care_elsewhere(&tracer_b.scope, day("2021-10-01"), day("2021-10-31"))
        .await
        .unwrap();
    assert_eq!(cared.len(), 1);
    assert_eq!(cared[0].kind, CareKind::HelpedHome);
    assert_eq!(cared[0].person_id, PersonId(7));

    // The page's view: the partner by its registry name; a viewer gets the counts only.
    let (from, to) = (day("2021-10-01"), day("2021-10-31"));
    let view = b.care_elsewhere_view(&tracer_b, from, to).await.unwrap();
    assert_eq!(view.partners.len(), 1);
    assert_eq!(view.partners[0].name, "TP. Hồ Chí Minh");
    assert_eq!(view.partners[0].counts, [0, 0, 1]);
    assert_eq!(view.partners[0].persons.len(), 1);
    let viewer = national(&b, "viewer", Role::Viewer).await;
    let view = b.care_elsewhere_view(&viewer, from, to).await.unwrap();
    assert_eq!(view.partners[0].counts, [0, 0, 1]);
    assert!(!view.names && view.partners[0].persons.is_empty());
}

both_databases!(helped_home_puts_the_person_on_the_home_follow_up_list);

async fn a_resident_sends_nothing_and_a_peer_not_allowed_care_is_refused(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    // Hà Nội's registry does not let HCMC send `care`.
    link_both(&mut a, &mut b, &[Kind::Gift]).await;
    persons_in_hcmc(&a.store).await;
    let nurse = national(&a, "nurse", Role::Tracer).await;

    a.record_doses(&nurse, &[dose_of(11, "own")]).await.unwrap();
    assert!(a.store.unsent(100).await.unwrap().is_empty());

    a.record_doses(&nurse, &[dose_of(10, "visitor")])
        .await
        .unwrap();
    let got = deliver(&a, &b, 1).await;
    assert!(matches!(got[..], [Received::Refused(_)]), "{got:?}");
    let official = national(&b, "official", Role::Tracer).await;
    let cared = b
        .store
        .care_elsewhere(&official.scope, day("2021-01-01"), day("2021-12-31"))
        .await
        .unwrap();
    assert!(cared.is_empty());
}

both_databases!(a_resident_sends_nothing_and_a_peer_not_allowed_care_is_refused);

/// HCMC admits person 10 (a Hà Nội resident, case 1) to its field hospital (commune 26740)
/// and later discharges her; person 11 (HCMC's own, case 2) is admitted too.
async fn a_stay_in_hcmc_of_a_hanoi_resident_is_treated_once_at_home(store: Store) {
    use app::care::{AdmitInput, DischargeInput};
    use domain::epi::{CaseStatus, Severity};
    use domain::facility::{BedType, FacilityKind};
    use domain::{Structure, UnitCode};

    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Care]).await;
    persons_in_hcmc(&a.store).await;
    let hcm = unit(&a.store, "26740").await;
    let case = |id: i64| store::CaseRow {
        id,
        person_id: 9 + id,
        unit: hcm.clone(),
        status: CaseStatus::Active,
        severity: Severity::Mild,
        onset_s: None,
        // Confirmed in July, before the admission and the recovery.
        first_sample_s: NOW - 125 * 86_400,
        confirmed_at_s: NOW - 124 * 86_400,
        isolation_s: None,
        community: true,
        outcome_at_s: None,
    };
    a.store.bulk_cases(&[case(1), case(2)], 0).await.unwrap();
    a.store.sync_id_sequences().await.unwrap();
    let doctor = national(&a, "doctor", Role::Tracer).await;
    let hospital = a
        .store
        .create_facility(
            &doctor,
            &store::NewFacility {
                name: "Bệnh viện dã chiến số 16".into(),
                kind: FacilityKind::FieldHospital,
                structure: Structure::S2021,
                unit_code: UnitCode::parse("26740").unwrap(),
                address: None,
                beds: vec![(BedType::F0Tier1, 50)],
            },
            NOW,
        )
        .await
        .unwrap();
    let admit = |c: i64| AdmitInput {
        case_id: Some(c),
        at: Some("2021-08-20T08:00:00+07:00".into()),
        ..AdmitInput::default()
    };
    let stay = a
        .admit(&doctor, Some(hospital), &admit(1))
        .await
        .unwrap()
        .unwrap()
        .stay;
    a.admit(&doctor, Some(hospital), &admit(2))
        .await
        .unwrap()
        .unwrap();
    // Only person 10 lives elsewhere: one `care` "stay", with the Encounter and its Location.
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    assert_eq!(unsent[0].1, "link.79.01.care");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, "care:79:10");
    let body: CareBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.event, CareEvent::Stay);
    assert_eq!(body.item, format!("stay:{}", stay.get()));
    assert_eq!(body.on, "2021-08-20");
    let kinds: Vec<&str> = body
        .bundle
        .entry
        .iter()
        .filter_map(|e| e.resource.as_ref().map(|r| r.kind()))
        .collect();
    assert_eq!(kinds, ["Patient", "Encounter", "Location"]);
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);

    // The discharge goes as the same item (the next seq of the record).
    let done = a
        .discharge(
            &doctor,
            stay,
            &DischargeInput {
                reason: Some("recovered".into()),
                at: Some("2021-09-01T08:00:00+07:00".into()),
                note: None,
            },
        )
        .await
        .unwrap();
    assert!(done);
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    let body: CareBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.item, format!("stay:{}", stay.get()));
    assert_eq!(env.seq, 2);
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);

    let official = national(&b, "official", Role::Tracer).await;
    let (from, to) = (day("2021-08-01"), day("2021-11-20"));
    let cared = b
        .store
        .care_elsewhere(&official.scope, from, to)
        .await
        .unwrap();
    assert_eq!(cared.len(), 1, "treated once: {cared:?}");
    assert_eq!(cared[0].kind, CareKind::Treated);
    assert_eq!(cared[0].full_name, "Nguyễn Thị Hậu");
    assert_eq!(cared[0].on_date, day("2021-08-20"));
    let view = b.care_elsewhere_view(&official, from, to).await.unwrap();
    assert_eq!(view.partners[0].counts, [0, 1, 0]);
}

both_databases!(a_stay_in_hcmc_of_a_hanoi_resident_is_treated_once_at_home);
