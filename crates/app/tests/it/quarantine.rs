//! Quarantine by vaccination status under 10696/BYT-MT: fully vaccinated is the last dose
//! of the primary series 14 days to 6 months before the exposure (or a recent recovery),
//! judged at the exposure; the others quarantine 14 days. Under the rule of about 21 Feb
//! 2022 the status also sets the test days and the self-monitoring that ends follow-up.

use domain::epi::ScanMode;
use domain::CaseId;
use store::{both_databases, Caller, CheckinItem, PersonRef, Store, VenueRef};

/// 2022-01-10 10:00 in Hà Nội (10696/BYT-MT in force).
const NOW_J: i64 = 1_641_783_600;
const DAY: i64 = 86_400;

async fn quarantine_days_follow_the_vaccination_window(store: Store) {
    // Persons 1–5 (1 and 2 one household), the market, and case 1 of person 1.
    crate::seed_at(&store, 5, NOW_J).await;
    let mut app = app::App::new(store.clone()).unwrap();
    app.clock = app::clock::LocalityClock::reading(NOW_J);
    app.contacts.rebuild(&app.store).await.unwrap();
    let system = Caller::system("test");
    let scanner = crate::national(&app, "scanner", domain::Role::Tracer).await;
    // Everyone at the market together yesterday, 09:00–10:00: exposure on 9 January.
    let t = NOW_J - DAY - 3600;
    let visits: Vec<CheckinItem> = (1..=5)
        .map(|p| CheckinItem {
            client_id: format!("v{p}"),
            person: PersonRef::Id(p),
            venue: VenueRef::Id(1),
            t_in_s: t,
            t_out_s: Some(t + 3600),
            mode: ScanMode::StaffScan,
        })
        .collect();
    app.ingest_checkins(&scanner, &visits, NOW_J).await.unwrap();
    // Person 2: second dose 39 days before; 3: 3 days before; 4: seven months before;
    // 5: none.
    let today = app.today();
    let doses: Vec<store::DoseItem> = [
        (2, 1, "2021-11-01"),
        (2, 2, "2021-12-01"),
        (3, 1, "2021-12-06"),
        (3, 2, "2022-01-06"),
        (4, 1, "2021-05-01"),
        (4, 2, "2021-06-01"),
    ]
    .iter()
    .map(|(p, n, on)| {
        let input = app::vaccination::DoseInput {
            client_id: Some(format!("d{p}-{n}")),
            person_id: Some(*p),
            product: Some("pfizer".into()),
            dose_no: Some(*n),
            given_on: Some((*on).into()),
            unit: Some("00001".into()),
            lot: None,
        };
        app::vaccination::dose(&input, today, &mut Vec::new()).unwrap()
    })
    .collect();
    app.record_doses(&system, &doses).await.unwrap();

    app::tracing::trace_and_record(&app, &scanner, CaseId(1))
        .await
        .unwrap();
    let listed = store
        .list_contacts(
            &system,
            domain::Structure::S2021,
            None,
            None,
            &store::PageRequest::first(50),
            NOW_J,
        )
        .await
        .unwrap();
    let days: std::collections::BTreeMap<i64, i64> = listed
        .items
        .iter()
        .map(|c| {
            let until = c.quarantine_until_s.unwrap();
            let from = c.quarantine_from_s.unwrap();
            (c.person_id.0, (until - from) / DAY)
        })
        .collect();
    assert_eq!(
        days,
        [(2, 7), (3, 14), (4, 14), (5, 14)].into_iter().collect(),
        "only person 2 was fully vaccinated at the exposure"
    );
}

both_databases!(quarantine_days_follow_the_vaccination_window);

/// 2022-03-10 10:00 in Hà Nội (the rule of about 21 Feb 2022 in force).
const NOW_M: i64 = 1_646_881_200;

/// From about 21 Feb 2022: an F1 not fully vaccinated quarantines 7 days with a test on day
/// 7, then monitors itself 3 days; a fully vaccinated one 5 days, a test on day 5, then 5.
async fn test_days_and_self_monitoring_follow_the_vaccination_status(store: Store) {
    crate::seed_at(&store, 4, NOW_M).await;
    let mut app = app::App::new(store.clone()).unwrap();
    app.clock = app::clock::LocalityClock::reading(NOW_M);
    app.contacts.rebuild(&app.store).await.unwrap();
    let system = Caller::system("test");
    let scanner = crate::national(&app, "scanner", domain::Role::Tracer).await;
    // Persons 1, 3 and 4 at the market together yesterday, 09:00–10:00.
    let t = NOW_M - DAY - 3600;
    let visits: Vec<CheckinItem> = [1, 3, 4]
        .into_iter()
        .map(|p| CheckinItem {
            client_id: format!("v{p}"),
            person: PersonRef::Id(p),
            venue: VenueRef::Id(1),
            t_in_s: t,
            t_out_s: Some(t + 3600),
            mode: ScanMode::StaffScan,
        })
        .collect();
    app.ingest_checkins(&scanner, &visits, NOW_M).await.unwrap();
    // Person 3: second dose two months before; 4: none.
    let today = app.today();
    let doses: Vec<store::DoseItem> = [(3, 1, "2021-12-10"), (3, 2, "2022-01-10")]
        .iter()
        .map(|(p, n, on)| {
            let input = app::vaccination::DoseInput {
                client_id: Some(format!("d{p}-{n}")),
                person_id: Some(*p),
                product: Some("pfizer".into()),
                dose_no: Some(*n),
                given_on: Some((*on).into()),
                unit: Some("00001".into()),
                lot: None,
            };
            app::vaccination::dose(&input, today, &mut Vec::new()).unwrap()
        })
        .collect();
    app.record_doses(&system, &doses).await.unwrap();

    app::tracing::trace_and_record(&app, &scanner, CaseId(1))
        .await
        .unwrap();
    let listed = store
        .list_contacts(
            &system,
            domain::Structure::S2021,
            None,
            None,
            &store::PageRequest::first(50),
            NOW_M,
        )
        .await
        .unwrap();
    // Per person: quarantine days, test days, follow-up days after the quarantine's end.
    let got: std::collections::BTreeMap<i64, (i64, String, i64, String)> = listed
        .items
        .iter()
        .map(|c| {
            let from = c.quarantine_from_s.unwrap();
            let until = c.quarantine_until_s.unwrap();
            let follow_up = c.follow_up_until_s.expect("a follow-up end");
            (
                c.person_id.0,
                (
                    (until - from) / DAY,
                    c.test_days.clone(),
                    (follow_up - until) / DAY,
                    c.policy.clone(),
                ),
            )
        })
        .collect();
    let feb = "BYT (21/2/2022)".to_string();
    assert_eq!(
        got,
        [
            // The household member, not vaccinated.
            (2, (7, "7".to_string(), 3, feb.clone())),
            (3, (5, "5".to_string(), 5, feb.clone())),
            (4, (7, "7".to_string(), 3, feb.clone())),
        ]
        .into_iter()
        .collect()
    );
    // The follow-up of the unvaccinated at the market ends 10 days after the exposure.
    let four = listed.items.iter().find(|c| c.person_id.0 == 4).unwrap();
    assert_eq!(four.follow_up_until_s, Some(t + 3600 + 10 * DAY));
}

both_databases!(test_days_and_self_monitoring_follow_the_vaccination_status);
