//! Use cases at the application's boundary, on both databases: what a request, a page, a
//! job or a CLI command gets when it calls `app`.

mod aid;
mod capacity;
mod care;
mod care_away;
mod case_batch;
mod cases;
mod checkin_group;
mod checkins;
mod exposures;
mod followup;
mod forecast;
mod handover;
mod import;
mod import_contacts;
mod import_kinds;
mod import_places;
mod infectious;
mod letters;
mod link;
mod link_bench;
mod link_gift;
mod link_three;
mod linked;
mod national;
mod persons;
mod quarantine;
mod referral;
mod referral_batch;
mod report;
mod risk;
mod risk_recomputed;
mod rules;
mod share;
mod vaccination;

use domain::epi::{CaseStatus, Severity, VenueKind};
use domain::person::Sex;
use domain::{Structure, UnitCode};
use store::{CaseRow, HouseholdRow, PersonRow, Store, UnitRef, VenueRow};

/// 2021-11-20 10:00 in Hà Nội: the locality's clock in these tests.
pub const NOW: i64 = 1_637_377_200;
pub const DAY: i64 = 86_400;

/// The application over `store` with its clock at [`NOW`].
pub fn app_at_now(store: Store) -> app::App {
    let mut app = app::App::new(store).expect("embedded policies");
    app.clock = app::clock::LocalityClock::reading(NOW);
    app
}

pub async fn unit(store: &Store, code: &str) -> UnitRef {
    let u = store
        .unit_unscoped(Structure::S2021, &UnitCode::parse(code).unwrap())
        .await
        .unwrap()
        .unwrap();
    UnitRef::from(&u)
}

/// Persons 1..=n of commune 00001 (one household for 1 and 2), venue 1 there, and case 1 of
/// person 1, confirmed an hour before [`NOW`].
pub async fn seed(store: &Store, n: i64) {
    seed_at(store, n, NOW).await;
}

/// [`seed`] with case 1 confirmed an hour before `now`.
pub async fn seed_at(store: &Store, n: i64, now: i64) {
    let home = unit(store, "00001").await;
    store
        .bulk_households(
            &[HouseholdRow {
                id: 1,
                unit: home.clone(),
                address: None,
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    let persons: Vec<PersonRow> = (1..=n)
        .map(|i| PersonRow {
            id: i,
            full_name: format!("Người {i}"),
            national_id: None,
            phone: None,
            birth_date: None,
            sex: Sex::Unknown,
            unit: home.clone(),
            household_id: (i <= 2).then_some(1),
            synthetic: true,
        })
        .collect();
    store.bulk_persons(&persons, 0).await.unwrap();
    store
        .bulk_venues(
            &[VenueRow {
                id: 1,
                name: "Chợ Hàng Da".into(),
                kind: VenueKind::Market,
                unit: home.clone(),
                address: None,
                capacity: None,
                open_min: 0,
                close_min: 24 * 60,
                qr_payload: "CDV1:V:1:TEST".into(),
                synthetic: true,
            }],
            0,
        )
        .await
        .unwrap();
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: home,
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: now - 2 * 3600,
                confirmed_at_s: now - 3600,
                isolation_s: Some(now - 3600),
                community: true,
                outcome_at_s: None,
            }],
            0,
        )
        .await
        .unwrap();
    // As the demo loader does after rows with explicit ids.
    store.sync_id_sequences().await.unwrap();
}

/// A signed-in account of `role` with the whole country in scope: writes that record who
/// did them need a real account (the system caller has none).
pub async fn national(app: &app::App, username: &str, role: domain::Role) -> store::Caller {
    let mut caller = store::Caller::system("test");
    caller.user = app
        .store
        .create_user(
            &store::NewUser {
                username: username.into(),
                password_hash: "not used".into(),
                role,
                units: vec![store::UserUnit {
                    structure: Structure::S2021,
                    code: UnitCode::parse("VN").unwrap(),
                }],
            },
            NOW,
        )
        .await
        .unwrap();
    caller
}
