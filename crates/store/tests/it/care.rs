//! Care: vaccination coverage, facilities, beds and stays, on both databases.

use chrono::NaiveDate;
use domain::epi::{CaseStatus, Severity};
use domain::facility::{BedType, DischargeReason, FacilityKind, Place};
use domain::person::Sex;
use domain::vaccination::Product;
use domain::{
    CaseId, FacilityId, PersonId, Reason, Role, Scope, StayId, Structure, UnitCode, UnitLevel,
};
use store::{
    both_databases, Admission, CaseRow, DoseItem, DoseRow, ItemOutcome, NewFacility, Occupant,
    PersonRow, StayRow, Store, StoreError,
};

use crate::{caller, unit, NOW};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Persons `first..first + n` in `commune`, born on `birth`, each with an active case of
/// `severity` (case id = person id).
pub async fn people_with_cases(
    store: &Store,
    commune: &str,
    first: i64,
    n: i64,
    birth: &str,
    severity: Severity,
) {
    let u = unit(store, commune).await;
    let persons: Vec<PersonRow> = (first..first + n)
        .map(|id| PersonRow {
            id,
            full_name: format!("Người {id}"),
            national_id: None,
            phone: None,
            birth_date: Some(day(birth)),
            sex: Sex::Female,
            unit: u.clone(),
            household_id: None,
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, NOW).await.unwrap();
    let cases: Vec<CaseRow> = (first..first + n)
        .map(|id| CaseRow {
            id,
            person_id: id,
            unit: u.clone(),
            status: CaseStatus::Active,
            severity,
            onset_s: None,
            first_sample_s: NOW - 86_400,
            confirmed_at_s: NOW - 3600,
            isolation_s: None,
            community: id % 2 == 0,
            outcome_at_s: None,
        })
        .collect();
    store.bulk_cases(&cases, NOW).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

pub async fn facility(
    store: &Store,
    commune: &str,
    kind: FacilityKind,
    beds: &[(BedType, i64)],
) -> FacilityId {
    let admin = store::Caller::system("test");
    store
        .create_facility(
            &admin,
            &NewFacility {
                name: format!("{} {commune}", kind.as_str()),
                kind,
                structure: Structure::S2021,
                unit_code: UnitCode::parse(commune).unwrap(),
                address: None,
                beds: beds.to_vec(),
            },
            NOW,
        )
        .await
        .unwrap()
}

fn to_bed(case: i64, facility: FacilityId, bed: BedType) -> Admission {
    Admission {
        occupant: Occupant::Case(CaseId(case)),
        to: Some((facility, bed)),
        at_s: NOW,
        note: None,
    }
}

async fn concurrent_admissions_never_overfill(store: Store) {
    people_with_cases(&store, "00001", 1, 40, "1980-01-01", Severity::Moderate).await;
    let f = facility(
        &store,
        "00001",
        FacilityKind::FieldHospital,
        &[(BedType::Oxygen, 7), (BedType::Icu, 1)],
    )
    .await;
    let officer = caller(&store, "bavi", Role::CommuneOfficer, &["00001"]).await;
    let tasks: Vec<_> = (1..=40)
        .map(|c| {
            let (store, officer) = (store.clone(), officer.clone());
            tokio::spawn(async move {
                store
                    .admit(&officer, &to_bed(c, f, BedType::Oxygen), NOW)
                    .await
            })
        })
        .collect();
    let (mut admitted, mut full) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => admitted += 1,
            Err(StoreError::Invalid(e))
                if e[0].field == "bed_type" && e[0].reason == Reason::NoCapacity =>
            {
                full += 1
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((admitted, full), (7, 33));
    let beds = store
        .get_facility(&Scope::everything(), f)
        .await
        .unwrap()
        .unwrap()
        .beds;
    let oxygen = beds.iter().find(|b| b.bed_type == BedType::Oxygen).unwrap();
    assert_eq!((oxygen.capacity, oxygen.occupied), (7, 7));
    let stays = store
        .facility_stays(&officer, f, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stays.len(), 7, "one stay per counted bed");
    // Discharges free beds, and the freed bed can be taken again.
    assert!(store
        .discharge(
            &officer,
            stays[0].id,
            DischargeReason::Recovered,
            None,
            NOW + 10,
            None,
            NOW
        )
        .await
        .unwrap());
    let again = store
        .discharge(
            &officer,
            stays[0].id,
            DischargeReason::Recovered,
            None,
            NOW + 10,
            None,
            NOW,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Invalid(ref e)) if e[0].field == "stay"));
    let last = (1..=40)
        .find(|c| !stays.iter().any(|s| s.case_id == Some(CaseId(*c))))
        .unwrap();
    store
        .admit(&officer, &to_bed(last, f, BedType::Oxygen), NOW + 20)
        .await
        .unwrap();
    let occupied = store
        .get_facility(&Scope::everything(), f)
        .await
        .unwrap()
        .unwrap()
        .beds;
    assert_eq!(
        occupied
            .iter()
            .find(|b| b.bed_type == BedType::Oxygen)
            .unwrap()
            .occupied,
        7
    );
}

async fn a_full_facility_refuses_and_writes_nothing(store: Store) {
    people_with_cases(&store, "00001", 1, 3, "1980-01-01", Severity::Critical).await;
    let f = facility(
        &store,
        "00001",
        FacilityKind::Hospital,
        &[(BedType::Icu, 1)],
    )
    .await;
    let admin = store::Caller::system("test");
    store
        .admit(&admin, &to_bed(1, f, BedType::Icu), NOW)
        .await
        .unwrap();
    let err = store
        .admit(&admin, &to_bed(2, f, BedType::Icu), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref e) if e.len() == 1 && e[0].field == "bed_type" && e[0].reason == Reason::NoCapacity),
        "{err}"
    );
    // A bed type the facility does not have is another answer.
    let err = store
        .admit(&admin, &to_bed(2, f, BedType::Oxygen), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e[0].reason == Reason::NotFound));
    assert!(store
        .case_stays(&admin, CaseId(2), NOW)
        .await
        .unwrap()
        .unwrap()
        .is_empty());
    // The same person cannot hold two beds.
    let err = store
        .admit(&admin, &to_bed(1, f, BedType::Icu), NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Duplicate {
                field: "case_id",
                ..
            }
        ),
        "{err}"
    );
    // Home care takes no bed; a later admission moves the person from home.
    let home = store
        .admit(
            &admin,
            &Admission {
                occupant: Occupant::Case(CaseId(2)),
                to: None,
                at_s: NOW,
                note: Some("full".into()),
            },
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    let f2 = facility(
        &store,
        "00004",
        FacilityKind::Hospital,
        &[(BedType::Icu, 2)],
    )
    .await;
    let later = Admission {
        at_s: NOW + 100,
        ..to_bed(2, f2, BedType::Icu)
    };
    store.admit(&admin, &later, NOW + 100).await.unwrap();
    let stays = store
        .case_stays(&admin, CaseId(2), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stays.len(), 2);
    assert_eq!(
        (stays[0].id, stays[0].place, stays[0].until_s),
        (home, Place::Home, Some(NOW + 100))
    );
    assert_eq!(stays[1].transferred_from, Some(home));
}

async fn a_transfer_keeps_the_history(store: Store) {
    people_with_cases(&store, "00001", 1, 1, "1950-01-01", Severity::Severe).await;
    let hanoi = facility(
        &store,
        "00001",
        FacilityKind::FieldHospital,
        &[(BedType::Oxygen, 5)],
    )
    .await;
    let hcmc = facility(
        &store,
        "26734",
        FacilityKind::Hospital,
        &[(BedType::HighFlow, 5)],
    )
    .await;
    let admin = store::Caller::system("test");
    let first = store
        .admit(&admin, &to_bed(1, hanoi, BedType::Oxygen), NOW)
        .await
        .unwrap()
        .unwrap();
    let second = store
        .transfer(
            &admin,
            first,
            (hcmc, BedType::HighFlow),
            NOW + 3600,
            Some("nặng hơn".into()),
            NOW,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(store
        .discharge(
            &admin,
            second,
            DischargeReason::Died,
            None,
            NOW + 7200,
            None,
            NOW
        )
        .await
        .unwrap());
    let stays = store
        .case_stays(&admin, CaseId(1), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stays.len(), 2);
    assert_eq!(stays[0].facility_id, Some(hanoi));
    assert_eq!((stays[0].from_s, stays[0].until_s), (NOW, Some(NOW + 3600)));
    assert_eq!(
        stays[0].discharge_reason,
        Some(DischargeReason::Transferred)
    );
    assert_eq!(stays[1].facility_id, Some(hcmc));
    assert_eq!(stays[1].transferred_from, Some(first));
    assert_eq!(
        (stays[1].from_s, stays[1].until_s),
        (NOW + 3600, Some(NOW + 7200))
    );
    assert_eq!(stays[1].discharge_reason, Some(DischargeReason::Died));
    for f in [hanoi, hcmc] {
        let b = store
            .get_facility(&Scope::everything(), f)
            .await
            .unwrap()
            .unwrap()
            .beds;
        assert_eq!(b[0].occupied, 0);
    }
    // Occupancy over time: Hà Nội held the case for the first part of the day, HCMC after;
    // at the end of the day nobody is in either.
    let offset = 7 * 3600;
    let d0 = (NOW + offset).div_euclid(86_400);
    let series = store
        .occupancy_series(
            &Scope::everything(),
            Structure::S2021,
            None,
            d0 - 1,
            3,
            offset,
        )
        .await
        .unwrap();
    assert!(series.iter().all(|p| p.occupied == 0), "{series:?}");
    let all = Scope::everything();
    let at = |t| store.beds_by_unit(&all, Structure::S2021, UnitLevel::Province, t);
    let mid = at(NOW + 60).await.unwrap();
    let hn = mid
        .iter()
        .find(|b| b.unit_code == "01" && b.bed_type == BedType::Oxygen)
        .unwrap();
    assert_eq!((hn.capacity, hn.occupied), (5, 1));
    let later = at(NOW + 3700).await.unwrap();
    let hcm = later.iter().find(|b| b.unit_code == "79").unwrap();
    assert_eq!(
        (hcm.bed_type, hcm.capacity, hcm.occupied),
        (BedType::HighFlow, 5, 1)
    );
    let weekly = store
        .weekly_cases_by_unit(
            &Scope::everything(),
            Structure::S2021,
            UnitLevel::Province,
            NOW - 86_400 * 7,
            NOW + 86_400,
            offset,
        )
        .await
        .unwrap();
    assert_eq!(weekly.iter().map(|w| w.cases).sum::<i64>(), 1);
    assert_eq!(weekly.iter().map(|w| w.oxygen).sum::<i64>(), 1);
}

async fn a_commune_officer_sees_only_their_facilities(store: Store) {
    people_with_cases(&store, "00001", 1, 2, "1980-01-01", Severity::Mild).await;
    people_with_cases(&store, "00004", 3, 2, "1980-01-01", Severity::Mild).await;
    let phuc_xa = facility(
        &store,
        "00001",
        FacilityKind::F0Isolation,
        &[(BedType::F0Tier1, 10)],
    )
    .await;
    let truc_bach = facility(
        &store,
        "00004",
        FacilityKind::F0Isolation,
        &[(BedType::F0Tier1, 10)],
    )
    .await;
    let admin = store::Caller::system("test");
    store
        .admit(&admin, &to_bed(1, phuc_xa, BedType::F0Tier1), NOW)
        .await
        .unwrap();
    store
        .admit(&admin, &to_bed(3, truc_bach, BedType::F0Tier1), NOW)
        .await
        .unwrap();
    let officer = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let listed = store
        .list_facilities(&officer.scope, Structure::S2021)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|f| f.facility.id).collect::<Vec<_>>(),
        vec![phuc_xa]
    );
    assert!(store
        .facility_stays(&officer, truc_bach, NOW)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .facility_stays(&officer, phuc_xa, NOW)
            .await
            .unwrap()
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .case_stays(&officer, CaseId(3), NOW)
        .await
        .unwrap()
        .is_none());
    let beds = store
        .beds_by_unit(
            &officer.scope,
            Structure::S2021,
            UnitLevel::Commune,
            NOW + 1,
        )
        .await
        .unwrap();
    assert_eq!(beds.len(), 1);
    assert_eq!((beds[0].unit_code.as_str(), beds[0].occupied), ("00001", 1));
    // The case, the facility or both outside the scope: it answers as missing, and
    // nothing is written.
    for (case, f) in [(4, truc_bach), (2, truc_bach), (4, phuc_xa), (99, phuc_xa)] {
        let admitted = store
            .admit(&officer, &to_bed(case, f, BedType::F0Tier1), NOW)
            .await
            .unwrap();
        assert_eq!(admitted, None, "case {case} into {f}");
    }
    assert!(store
        .case_stays(&admin, CaseId(4), NOW)
        .await
        .unwrap()
        .unwrap()
        .is_empty());
}

fn dose(id: &str, person: i64, product: Product, dose_no: u8, on: &str) -> DoseItem {
    DoseItem {
        client_id: id.into(),
        person_id: PersonId(person),
        product,
        dose_no,
        given_on: day(on),
        place: UnitCode::parse("00001").unwrap(),
        lot: None,
    }
}

async fn coverage_counts_follow_the_doses(store: Store) {
    // 00001: 2 adults under 50, 2 people aged 50+, 1 child; 00004: 1 adult.
    people_with_cases(&store, "00001", 1, 2, "1990-05-05", Severity::Mild).await;
    people_with_cases(&store, "00001", 3, 2, "1960-05-05", Severity::Mild).await;
    people_with_cases(&store, "00001", 5, 1, "2010-05-05", Severity::Mild).await;
    people_with_cases(&store, "00004", 6, 1, "1990-05-05", Severity::Mild).await;
    let officer = caller(&store, "phucxa", Role::CommuneOfficer, &["00001"]).await;
    let out = store
        .record_doses(
            &officer,
            &[
                dose("a", 1, Product::AstraZeneca, 1, "2021-08-01"),
                dose("b", 1, Product::AstraZeneca, 2, "2021-10-01"),
                dose("c", 2, Product::Pfizer, 1, "2021-09-01"),
                dose("d", 3, Product::Janssen, 1, "2021-09-15"),
                dose("e", 4, Product::Moderna, 1, "2021-09-15"),
                dose("f", 4, Product::Moderna, 2, "2021-10-20"),
                dose("g", 5, Product::Pfizer, 1, "2021-10-20"),
                // Outside the officer's commune; a repeated dose number; a repeated id.
                dose("h", 6, Product::Pfizer, 1, "2021-10-01"),
                dose("i", 2, Product::Pfizer, 1, "2021-09-02"),
                dose("a", 1, Product::AstraZeneca, 1, "2021-08-01"),
            ],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out[..7], vec![ItemOutcome::Accepted; 7][..]);
    assert!(matches!(&out[7], ItemOutcome::Rejected(e) if e[0].field == "person_id"));
    assert!(
        matches!(&out[8], ItemOutcome::Rejected(e) if e[0].field == "dose_no" && e[0].reason == Reason::Duplicate)
    );
    assert_eq!(out[9], ItemOutcome::Duplicate);
    let retried = store
        .record_doses(
            &officer,
            &[dose("b", 1, Product::AstraZeneca, 2, "2021-10-01")],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(retried, vec![ItemOutcome::Duplicate]);

    let expect = |c: &store::Coverage| {
        (
            c.unit_code.clone(),
            c.adults,
            c.adults_1dose,
            c.adults_full,
            c.high_risk,
            c.high_risk_full,
        )
    };
    let cov = |on: &'static str| {
        let store = store.clone();
        async move {
            store
                .coverage_by_unit(
                    &Scope::everything(),
                    Structure::S2021,
                    UnitLevel::Commune,
                    day(on),
                )
                .await
                .unwrap()
                .iter()
                .map(expect)
                .collect::<Vec<_>>()
        }
    };
    let oct = vec![
        ("00001".to_string(), 4, 4, 2, 2, 1),
        ("00004".to_string(), 1, 0, 0, 0, 0),
    ];
    assert_eq!(cov("2021-10-15").await, oct);
    let sept = vec![
        ("00001".to_string(), 4, 4, 1, 2, 1),
        ("00004".to_string(), 1, 0, 0, 0, 0),
    ];
    assert_eq!(cov("2021-09-30").await, sept);
    // The bulk path's recount gives the same figures as the per-dose updates.
    store.recount_vaccinations().await.unwrap();
    assert_eq!(cov("2021-10-15").await, oct);
    let district = store
        .coverage_by_unit(
            &officer.scope,
            Structure::S2021,
            UnitLevel::District,
            day("2021-12-01"),
        )
        .await
        .unwrap();
    assert_eq!(
        district.iter().map(expect).collect::<Vec<_>>(),
        vec![("001".to_string(), 4, 4, 3, 2, 2)]
    );
    let doses = store
        .person_doses(&officer, PersonId(1), NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        doses.iter().map(|d| d.dose_no).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(store
        .person_doses(&officer, PersonId(6), NOW)
        .await
        .unwrap()
        .is_none());
}

async fn f1_quarantine_at_home_or_in_a_facility(store: Store) {
    people_with_cases(&store, "00001", 1, 3, "1980-01-01", Severity::Mild).await;
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let home = store.residences(&[2, 3]).await.unwrap();
    let contact = |person: i64| store::ContactRow {
        person_id: person,
        degree: 1,
        via_person_id: 1,
        first_exposure_s: NOW - 86_400,
        exposure_s: 900,
        reasons: Vec::new(),
        status: domain::contact::ContactStatus::Quarantine,
        quarantine_from_s: Some(NOW - 86_400),
        quarantine_until_s: Some(NOW + 6 * 86_400),
        follow_up_until_s: Some(NOW + 13 * 86_400),
        test_days: "1,7".into(),
        policy: "10696/BYT-MT".into(),
    };
    store
        .persist_contacts(&admin, CaseId(1), &[contact(2), contact(3)], &home, NOW)
        .await
        .unwrap();
    let listed = store
        .list_contacts(
            &admin,
            Structure::S2021,
            None,
            None,
            &store::PageRequest::first(10),
            NOW,
        )
        .await
        .unwrap();
    let id_of = |p: i64| listed.items.iter().find(|c| c.person_id.0 == p).unwrap().id;
    let q = facility(
        &store,
        "00001",
        FacilityKind::F1Quarantine,
        &[(BedType::Quarantine, 1)],
    )
    .await;
    let in_facility = Admission {
        occupant: Occupant::Contact(id_of(2)),
        to: Some((q, BedType::Quarantine)),
        at_s: NOW,
        note: None,
    };
    store.admit(&admin, &in_facility, NOW).await.unwrap();
    let at_home = Admission {
        occupant: Occupant::Contact(id_of(3)),
        to: None,
        at_s: NOW,
        note: None,
    };
    store.admit(&admin, &at_home, NOW).await.unwrap();
    let stays = store.facility_stays(&admin, q, NOW).await.unwrap().unwrap();
    assert_eq!(stays.len(), 1);
    assert_eq!(
        (stays[0].contact_id, stays[0].person_id),
        (Some(id_of(2)), PersonId(2))
    );
    // Both are in quarantine now, not before it began nor after a release.
    assert!(store.quarantined_at(PersonId(2), NOW + 60).await.unwrap());
    assert!(store.quarantined_at(PersonId(3), NOW + 60).await.unwrap());
    assert!(!store.quarantined_at(PersonId(2), NOW - 60).await.unwrap());
    assert!(store
        .discharge(
            &admin,
            stays[0].id,
            DischargeReason::Released,
            None,
            NOW + 3600,
            None,
            NOW
        )
        .await
        .unwrap());
    assert!(!store.quarantined_at(PersonId(2), NOW + 7200).await.unwrap());
    assert!(!store.quarantined_at(PersonId(1), NOW + 60).await.unwrap());
}

/// A write refused by a unique constraint names the field it guards, on both databases
/// (PostgreSQL names the constraint, SQLite its columns): the edge answers 409, not 500.
async fn unique_violations_name_their_field(store: Store) {
    people_with_cases(&store, "00001", 1, 1, "1980-01-01", Severity::Mild).await;
    let dose = DoseRow {
        person_id: 1,
        dose_no: 1,
        product: "pfizer".into(),
        given_on: day("2021-08-01"),
        structure: Structure::S2021,
        unit_code: UnitCode::parse("00001").unwrap(),
    };
    store
        .bulk_doses(std::slice::from_ref(&dose), NOW)
        .await
        .unwrap();
    let err = store.bulk_doses(&[dose], NOW).await.unwrap_err();
    assert_eq!(err.unique_field(), Some("dose_no"), "{err}");
    assert!(!err.is_serialization_failure());
    let u = unit(&store, "00001").await;
    let home = |id| StayRow {
        id,
        person_id: 1,
        case_id: Some(1),
        place: Place::Home,
        facility_id: None,
        bed_type: None,
        from_s: NOW,
        until_s: None,
        discharge_reason: None,
        transferred_from: None,
        note: None,
        unit: u.clone(),
    };
    let err = store
        .bulk_stays(&[home(StayId::new(1)), home(StayId::new(2))], NOW)
        .await
        .unwrap_err();
    assert_eq!(err.unique_field(), Some("case_id"), "{err}");
    assert_eq!(StoreError::BadCursor.unique_field(), None);
}

both_databases!(
    unique_violations_name_their_field,
    f1_quarantine_at_home_or_in_a_facility,
    concurrent_admissions_never_overfill,
    a_full_facility_refuses_and_writes_nothing,
    a_transfer_keeps_the_history,
    a_commune_officer_sees_only_their_facilities,
    coverage_counts_follow_the_doses,
);
