//! A line list of new cases: every row checked first, all saved in one transaction or none.

use app::case_batch::LineInput;
use app::cases::{CaseError, CaseInput, TestInput};
use domain::person::PersonInput;
use domain::Reason;
use store::{both_databases, Store};

use crate::{app_at_now, seed, NOW};

fn iso(t: i64) -> Option<String> {
    Some(app::local_time::iso(t))
}

fn case() -> CaseInput {
    CaseInput {
        severity: Some("mild".into()),
        test: Some(TestInput {
            kind: Some("pcr".into()),
            sample_at: iso(NOW - 7200),
            result_at: iso(NOW - 3600),
            ct: Some(24.0),
        }),
        ..CaseInput::default()
    }
}

fn existing(person: i64) -> LineInput {
    LineInput {
        person_id: Some(person),
        case: case(),
        ..LineInput::default()
    }
}

fn new_person(name: &str, phone: &str) -> LineInput {
    LineInput {
        person: Some(PersonInput {
            full_name: Some(name.into()),
            phone: Some(phone.into()),
            birth_date: Some("1985-03-02".into()),
            unit: Some("00001".into()),
            ..PersonInput::default()
        }),
        address: Some("12 Phó Đức Chính".into()),
        case: case(),
        ..LineInput::default()
    }
}

/// What a line list may have written: the cases of persons 2 and 3, and the persons named
/// "Lê Văn Tám" or "Phạm Thị Hoa".
async fn written(app: &app::App, caller: &store::Caller) -> (usize, usize, usize) {
    let cases = |id: i64| async move {
        app.store
            .person_record(caller, domain::PersonId(id), NOW)
            .await
            .unwrap()
            .unwrap()
            .cases
            .len()
    };
    let mut named = 0;
    for name in ["le van tam", "pham thi hoa"] {
        named += app
            .store
            .search_persons(
                caller,
                &store::PersonQuery::Name(name.into()),
                &store::PageRequest::first(10),
                NOW,
            )
            .await
            .unwrap()
            .items
            .len();
    }
    (cases(2).await, cases(3).await, named)
}

async fn a_line_list_is_saved_whole_or_not_at_all(store: Store) {
    seed(&store, 4).await;
    let app = app_at_now(store);
    let cdc = crate::national(&app, "cdc", domain::Role::Tracer).await;
    assert_eq!(written(&app, &cdc).await, (0, 0, 0));

    // One bad row (no severity, result before sample) among good ones: nothing is saved,
    // and each bad field is named by its row.
    let mut bad = new_person("Phạm Thị Hoa", "0912000001");
    bad.case.severity = None;
    bad.case.test.as_mut().unwrap().result_at = iso(NOW - 9000);
    let lines = vec![existing(2), bad, new_person("Lê Văn Tám", "0912000002")];
    let r = app.create_cases(&cdc, &lines).await;
    let Err(CaseError::Invalid(fields)) = r else {
        panic!("refused: {r:?}");
    };
    let named: Vec<(&str, Reason)> = fields
        .iter()
        .map(|f| (f.field.as_str(), f.reason))
        .collect();
    assert_eq!(
        named,
        vec![
            ("rows.1.severity", Reason::Required),
            ("rows.1.test.result_at", Reason::OutOfRange),
        ]
    );
    assert_eq!(written(&app, &cdc).await, (0, 0, 0), "nothing saved");

    // A row the store refuses (person 1 has an active case) after good rows that were
    // written in the transaction: rolled back, the row named.
    let lines = vec![
        new_person("Lê Văn Tám", "0912000002"),
        existing(3),
        existing(1),
    ];
    let r = app.create_cases(&cdc, &lines).await;
    let Err(CaseError::Invalid(fields)) = r else {
        panic!("refused: {r:?}");
    };
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].field, "rows.2.person_id");
    assert_eq!(fields[0].reason, Reason::Duplicate);
    assert_eq!(written(&app, &cdc).await, (0, 0, 0), "rolled back");

    // All good: every row saved, the new person registered with the case.
    let lines = vec![
        existing(2),
        new_person("Lê Văn Tám", "0912000002"),
        existing(3),
    ];
    let created = app.create_cases(&cdc, &lines).await.unwrap();
    assert_eq!(created.len(), 3);
    assert!(!created[0].new_person && created[1].new_person);
    assert_eq!(created[0].person_id.0, 2);
    assert_eq!(written(&app, &cdc).await, (1, 1, 1));
    let tam = app
        .store
        .person_record(&cdc, created[1].person_id, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tam.person.full_name, "Lê Văn Tám");
    assert_eq!(tam.address.as_deref(), Some("12 Phó Đức Chính"));
    assert_eq!(tam.cases.len(), 1);

    // Out of scope: a commune officer elsewhere cannot register a case in Phúc Xá.
    let mut other = cdc.clone();
    other.scope = domain::Scope::of([(
        domain::Structure::S2021,
        domain::UnitPath::from_stored("/01/001/00004/").unwrap(),
    )]);
    let lines = vec![new_person("Đỗ Văn Mười", "0912000003")];
    let r = app.create_cases(&other, &lines).await;
    let Err(CaseError::Invalid(fields)) = r else {
        panic!("refused: {r:?}");
    };
    assert_eq!(fields[0].field, "rows.0.unit");
    assert_eq!(fields[0].reason, Reason::OutOfScope);
}

both_databases!(a_line_list_is_saved_whole_or_not_at_all);
