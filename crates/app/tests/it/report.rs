//! The daily report (issue #16, item 3): its figures are the dashboard's for the same day and
//! scope, row by row and in total; tests and doses are the day's; the day is checked.

use chrono::NaiveDate;
use domain::contact::ContactStatus;
use domain::epi::{CaseStatus, Severity, TestKind};
use domain::person::Sex;
use domain::{CaseId, Reason, Scope, Structure, UnitCode};
use store::{both_databases, CaseRow, ContactRow, DoseRow, PersonRow, Store, TestRow};

use app::report::{daily_report, ReportError, ReportInput};

use crate::{app_at_now, national, seed, unit, DAY, NOW};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// Case 1 (seed: Phúc Xá, Ba Đình, today) and, in Hoàn Kiếm (district 002), an active
/// moderate case today and a death ten days ago; in Ba Đình an active case three days ago.
/// Two F1 of case 1 in quarantine; tests and doses today and yesterday.
async fn seed_report(store: &Store) -> app::App {
    seed(store, 8).await;
    let hk = unit(store, "00037").await;
    let bd = unit(store, "00001").await;
    let person = |id: i64| PersonRow {
        id,
        full_name: format!("Người {id}"),
        national_id: None,
        phone: None,
        birth_date: None,
        sex: Sex::Unknown,
        unit: hk.clone(),
        household_id: None,
        synthetic: true,
    };
    store
        .bulk_persons(&[person(9), person(10)], 0)
        .await
        .unwrap();
    let case =
        |id: i64, person_id: i64, unit: &store::UnitRef, status, severity, at: i64| CaseRow {
            id,
            person_id,
            unit: unit.clone(),
            status,
            severity,
            onset_s: None,
            first_sample_s: at - 3600,
            confirmed_at_s: at,
            isolation_s: Some(at),
            community: true,
            outcome_at_s: (status == CaseStatus::Died).then_some(at + DAY),
        };
    store
        .bulk_cases(
            &[
                case(
                    2,
                    9,
                    &hk,
                    CaseStatus::Active,
                    Severity::Moderate,
                    NOW - 1800,
                ),
                case(
                    3,
                    10,
                    &hk,
                    CaseStatus::Died,
                    Severity::Critical,
                    NOW - 10 * DAY,
                ),
                case(4, 2, &bd, CaseStatus::Active, Severity::Mild, NOW - 3 * DAY),
            ],
            0,
        )
        .await
        .unwrap();
    store.sync_id_sequences().await.unwrap();
    let app = app_at_now(store.clone());
    let system = national(&app, "cdc", domain::Role::Administrator).await;
    let f1 = |person_id: i64| ContactRow {
        person_id,
        degree: 1,
        via_person_id: 1,
        first_exposure_s: NOW - 2 * DAY,
        exposure_s: 900,
        reasons: Vec::new(),
        status: ContactStatus::Quarantine,
        quarantine_from_s: Some(NOW - DAY),
        quarantine_until_s: Some(NOW + 10 * DAY),
        follow_up_until_s: Some(NOW + 10 * DAY),
        test_days: "1,7".into(),
        policy: "test".into(),
    };
    let rows = [f1(3), f1(4)];
    let homes = store.residences(&[3, 4]).await.unwrap();
    store
        .persist_contacts(&system, CaseId(1), &rows, &homes, NOW - DAY)
        .await
        .unwrap();
    let test = |person_id: i64, sample_s: i64| TestRow {
        person_id,
        case_id: None,
        kind: TestKind::Antigen,
        sample_s,
        result_s: sample_s + 600,
        positive: false,
        ct: None,
    };
    store
        .bulk_tests(&[test(5, NOW - 7200), test(9, NOW - 600), test(6, NOW - DAY)])
        .await
        .unwrap();
    let dose = |person_id: i64, given_on: &str, code: &str| DoseRow {
        person_id,
        dose_no: 1,
        product: "AstraZeneca".into(),
        given_on: d(given_on),
        structure: Structure::S2021,
        unit_code: UnitCode::parse(code).unwrap(),
    };
    store
        .bulk_doses(
            &[
                dose(7, "2021-11-20", "00001"),
                dose(8, "2021-11-19", "00001"),
            ],
            NOW,
        )
        .await
        .unwrap();
    app
}

/// A caller whose scope is Hà Nội (province 01).
async fn ha_noi(app: &app::App) -> store::Caller {
    let mut me = national(app, "hanoi", domain::Role::Viewer).await;
    me.scope = Scope::of([(Structure::S2021, unit(&app.store, "01").await.path)]);
    me
}

async fn the_report_equals_the_dashboard(store: Store) {
    let app = seed_report(&store).await;
    let me = ha_noi(&app).await;
    let report = daily_report(&app, &me, &ReportInput::default())
        .await
        .unwrap();
    assert_eq!(report.day, d("2021-11-20"), "today in the locality's time");
    assert!(report.today);
    assert_eq!(
        report.at_s, NOW,
        "today is read now, as the dashboard reads"
    );

    // The dashboard's call for the same scope and moment.
    let counts = store
        .case_counts(&me.scope, Structure::S2021, NOW)
        .await
        .unwrap();
    let total = &report.total;
    assert_eq!(total.new_f0, counts.new_today);
    assert_eq!(total.f1_in_quarantine, counts.f1_in_quarantine);
    assert_eq!(total.deaths, counts.died);
    assert_eq!(total.under_care.iter().sum::<i64>(), counts.active);
    // And the seeded truth, so the equality is not of two zeros.
    assert_eq!(
        (total.new_f0, total.f1_in_quarantine, total.deaths),
        (2, 2, 1)
    );
    assert_eq!(total.under_care.iter().sum::<i64>(), 3);
    let model = app.rules.care();
    let model = model.tier_model(None).unwrap();
    assert_eq!(report.tiers.len(), model.tiers.len());
    let tier = |s: Severity| model.tier_of(s);
    let mut expected = vec![0; model.tiers.len()];
    expected[tier(Severity::Mild)] += 2;
    expected[tier(Severity::Moderate)] += 1;
    assert_eq!(total.under_care, expected);
    assert_eq!((total.tests, total.doses), (2, 1));

    // Rows: Hà Nội's districts, each the dashboard's figure for that district.
    assert!(report.rows.len() > 20, "every district of Hà Nội");
    let row = |code: &str| {
        report
            .rows
            .iter()
            .find(|r| r.code == code)
            .unwrap_or_else(|| panic!("no row {code}"))
    };
    let (bd, hk) = (&row("001").figures, &row("002").figures);
    assert_eq!(row("001").name, "Quận Ba Đình");
    for (code, f) in [("001", bd), ("002", hk)] {
        let district = unit(&store, code).await;
        let c = store
            .case_counts(
                &Scope::of([(Structure::S2021, district.path)]),
                Structure::S2021,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                f.new_f0,
                f.f1_in_quarantine,
                f.deaths,
                f.under_care.iter().sum::<i64>()
            ),
            (c.new_today, c.f1_in_quarantine, c.died, c.active),
            "district {code}"
        );
    }
    assert_eq!((bd.new_f0, bd.f1_in_quarantine, bd.deaths), (1, 2, 0));
    assert_eq!((hk.new_f0, hk.f1_in_quarantine, hk.deaths), (1, 0, 1));
    assert_eq!((bd.tests, bd.doses, hk.tests, hk.doses), (1, 1, 1, 0));
    // The rows add up to the total.
    let sum = |f: fn(&app::report::DayFigures) -> i64| -> i64 {
        report.rows.iter().map(|r| f(&r.figures)).sum()
    };
    assert_eq!(sum(|f| f.new_f0), total.new_f0);
    assert_eq!(sum(|f| f.f1_in_quarantine), total.f1_in_quarantine);
    assert_eq!(sum(|f| f.deaths), total.deaths);
    assert_eq!(sum(|f| f.tests), total.tests);

    // A past day: read at its last second; the day's own new cases, tests and doses.
    let past = daily_report(
        &app,
        &me,
        &ReportInput {
            day: Some("2021-11-19".into()),
        },
    )
    .await
    .unwrap();
    assert!(!past.today);
    assert_eq!(past.at_s, app::local_time::day_end_s(d("2021-11-19")));
    let counts = store
        .case_counts(&me.scope, Structure::S2021, past.at_s)
        .await
        .unwrap();
    assert_eq!(past.total.new_f0, counts.new_today);
    assert_eq!(past.total.f1_in_quarantine, counts.f1_in_quarantine);
    assert_eq!(
        (past.total.new_f0, past.total.tests, past.total.doses),
        (0, 1, 1)
    );
    let three_days_ago = daily_report(
        &app,
        &me,
        &ReportInput {
            day: Some("2021-11-17".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(three_days_ago.total.new_f0, 1);
}
both_databases!(the_report_equals_the_dashboard);

async fn a_commune_gets_its_own_row_and_the_country_its_provinces(store: Store) {
    let app = seed_report(&store).await;
    let mut me = national(&app, "phucxa", domain::Role::CommuneOfficer).await;
    me.scope = Scope::of([(Structure::S2021, unit(&store, "00001").await.path)]);
    let report = daily_report(&app, &me, &ReportInput::default())
        .await
        .unwrap();
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].code, "00001");
    assert_eq!(report.rows[0].figures, report.total);
    assert_eq!(report.total.new_f0, 1);

    let country = national(&app, "vn", domain::Role::Viewer).await;
    let report = daily_report(&app, &country, &ReportInput::default())
        .await
        .unwrap();
    assert_eq!(report.rows.len(), 63, "the provinces of 2021");
    let hn = report.rows.iter().find(|r| r.code == "01").unwrap();
    assert_eq!(hn.figures.new_f0, 2);
    assert_eq!(report.total.new_f0, 2);
}
both_databases!(a_commune_gets_its_own_row_and_the_country_its_provinces);

async fn a_bad_day_names_its_field(store: Store) {
    let app = app_at_now(store);
    let me = store::Caller::system("test");
    for (day, reason) in [
        ("2021-11-21", Reason::OutOfRange),
        ("1999-01-01", Reason::OutOfRange),
        ("20/11/2021", Reason::InvalidFormat),
    ] {
        let input = ReportInput {
            day: Some(day.into()),
        };
        match daily_report(&app, &me, &input).await {
            Err(ReportError::Invalid(errors)) => {
                assert_eq!(errors.len(), 1, "{day}");
                assert_eq!(errors[0].field, "day");
                assert_eq!(errors[0].reason, reason, "{day}");
            }
            other => panic!("{day}: {other:?}"),
        }
    }
}
both_databases!(a_bad_day_names_its_field);
