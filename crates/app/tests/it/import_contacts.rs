//! Imports of F1 lists (kind `contacts`, issue #16 item 1): each row a contact with its
//! source F0, the contact matched or registered, the source found by case id, national ID
//! or name and birth year, the plan tracing's own, all or nothing, and idempotent on the
//! source case and the contact person.

use std::collections::HashMap;

use app::case_batch::LineInput;
use app::cases::{CaseInput, TestInput};
use app::import::{Choice, Field, Kind, Outcome, RowError, Upload};
use domain::contact::ContactSetting;
use domain::person::PersonInput;
use domain::{CaseId, PersonId, Reason};
use store::{both_databases, Store};

use crate::{app_at_now, national, NOW};

async fn register(
    app: &app::App,
    caller: &store::Caller,
    name: &str,
    nid: Option<&str>,
    phone: Option<&str>,
    birth: Option<&str>,
    unit: &str,
) -> PersonId {
    let input = PersonInput {
        full_name: Some(name.into()),
        national_id: nid.map(Into::into),
        phone: phone.map(Into::into),
        birth_date: birth.map(Into::into),
        unit: Some(unit.into()),
        ..PersonInput::default()
    };
    app.register_person(caller, &input, None, NOW - 86_400 * 200)
        .await
        .unwrap()
        .person
        .id
}

async fn case_of(app: &app::App, caller: &store::Caller, person: PersonId) -> CaseId {
    let line = LineInput {
        person_id: Some(person.0),
        case: CaseInput {
            severity: Some("mild".into()),
            test: Some(TestInput {
                kind: Some("pcr".into()),
                sample_at: Some("2021-11-15T08:00:00+07:00".into()),
                result_at: Some("2021-11-15T20:00:00+07:00".into()),
                ct: None,
            }),
            ..CaseInput::default()
        },
        ..LineInput::default()
    };
    app.create_cases(caller, &[line]).await.unwrap()[0].case_id
}

fn refused(field: Field, column: &str, reason: Reason) -> Outcome {
    Outcome::Refused(vec![RowError {
        field: Some(field),
        column: Some(column.into()),
        reason,
    }])
}

async fn contacts_of(
    app: &app::App,
    caller: &store::Caller,
    case: CaseId,
) -> Vec<store::StoredContact> {
    app.store
        .list_contacts(
            caller,
            domain::Structure::S2021,
            Some(case),
            None,
            &store::PageRequest::first(50),
            NOW,
        )
        .await
        .unwrap()
        .items
}

const HEADERS: &str = "STT,Họ tên F0,Năm sinh F0,CCCD F0,Mã F0,Họ tên,Năm sinh,Giới tính,CCCD,SĐT,Xã/Phường,Quận/Huyện,Ngày tiếp xúc cuối,Mối quan hệ,F1/F2";

/// An F1 list: `{case}` is the source case's id.
fn list(case: CaseId) -> String {
    let rows = [
        // Line 2: a new person; the source by name and birth year.
        "1,Phạm Văn Nguồn,1980,,,Nguyễn Văn Mới,1990,Nam,001090000101,,Phúc Xá,Ba Đình,17/11/2021 20:00,Vợ,F1",
        // Line 3: a registered person by national ID; the source by its national ID.
        "2,,,001080000010,,Trần Thị Bình,,Nữ,001190000002,,Phúc Xá,Ba Đình,16/11/2021,Đồng nghiệp,F1",
        // Line 4: perhaps a registered person (phone and name); the source by case id.
        "3,,,,{case},Lê Văn Cường,,Nam,,0912345003,Phúc Xá,Ba Đình,18/11/2021,,",
        // Line 5: no such source.
        "4,,,001099999999,,Hoàng Văn Năm,1991,Nam,,,Phúc Xá,Ba Đình,17/11/2021,,F1",
        // Line 6: two persons of that name and year.
        "5,Đỗ Văn Trùng,1970,,,Vũ Thị Sáu,1992,Nữ,,,Phúc Xá,Ba Đình,17/11/2021,,F1",
        // Line 7: a case id that is not one.
        "6,,,,abc,Vũ Thị Bảy,1993,Nữ,,,Phúc Xá,Ba Đình,17/11/2021,,F1",
        // Line 8: no exposure.
        "7,,,,{case},Vũ Thị Tám,1994,Nữ,,,Phúc Xá,Ba Đình,,,F1",
        // Line 9: no such degree.
        "8,,,,{case},Vũ Thị Chín,1995,Nữ,,,Phúc Xá,Ba Đình,17/11/2021,,F3",
        // Line 10: line 2 again.
        "9,Phạm Văn Nguồn,1980,,,Nguyễn Văn Mới,1990,Nam,001090000101,,Phúc Xá,Ba Đình,17/11/2021 20:00,Vợ,F1",
        // Line 11: an F2 of the same case, by case id.
        "10,,,,{case},Vũ Văn Mười,1996,Nam,001096000111,,Phúc Xá,Ba Đình,18/11/2021,Hàng xóm,F2",
    ];
    let mut s = String::from(HEADERS);
    for r in rows {
        s.push('\n');
        s.push_str(&r.replace("{case}", &case.0.to_string()));
    }
    s.push('\n');
    s
}

async fn an_f1_list_is_previewed_then_committed_once(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    let nguon = register(
        &app,
        &cdc,
        "Phạm Văn Nguồn",
        Some("001080000010"),
        None,
        Some("1980-05-06"),
        "00001",
    )
    .await;
    let case = case_of(&app, &cdc, nguon).await;
    let binh = register(
        &app,
        &cdc,
        "Trần Thị Bình",
        Some("001190000002"),
        None,
        None,
        "00001",
    )
    .await;
    let cuong = register(
        &app,
        &cdc,
        "Lê Văn Cường",
        None,
        Some("0912345003"),
        None,
        "00001",
    )
    .await;
    for d in ["1970-01-02", "1970-12-30"] {
        register(&app, &cdc, "Đỗ Văn Trùng", None, None, Some(d), "00001").await;
    }
    let bytes = list(case).into_bytes();
    let upload = Upload {
        kind: Kind::Contacts,
        file_name: "f1-17-11.csv",
        bytes: &bytes,
    };

    // "Họ tên F0" is the source's name, "Họ tên" the contact's.
    let (_, mapping) = app.import_headers(&upload, None).await.unwrap();
    assert_eq!(mapping.column(Field::SourceName), Some(1));
    assert_eq!(mapping.column(Field::SourceBirth), Some(2));
    assert_eq!(mapping.column(Field::SourceNationalId), Some(3));
    assert_eq!(mapping.column(Field::SourceCase), Some(4));
    assert_eq!(mapping.column(Field::FullName), Some(5));
    assert_eq!(mapping.column(Field::Birth), Some(6));
    assert_eq!(mapping.column(Field::NationalId), Some(8));
    assert_eq!(mapping.column(Field::ExposedAt), Some(12));
    assert_eq!(mapping.column(Field::Relation), Some(13));
    assert_eq!(mapping.column(Field::Degree), Some(14));

    let none = HashMap::new();
    let p = app
        .preview_import(&cdc, &upload, None, &none)
        .await
        .unwrap();
    let by_line: HashMap<usize, Outcome> =
        p.rows.iter().map(|r| (r.line, r.outcome.clone())).collect();
    assert_eq!(by_line[&2], Outcome::New, "{:?}", p.rows);
    assert_eq!(by_line[&3], Outcome::Matched(binh));
    assert!(
        matches!(by_line[&4], Outcome::Suspected(id, store::PairReason::PhoneName) if id == cuong)
    );
    assert_eq!(
        by_line[&5],
        refused(Field::SourceNationalId, "CCCD F0", Reason::NotFound)
    );
    assert_eq!(
        by_line[&6],
        refused(Field::SourceName, "Họ tên F0", Reason::Ambiguous)
    );
    assert_eq!(
        by_line[&7],
        refused(Field::SourceCase, "Mã F0", Reason::InvalidFormat)
    );
    assert_eq!(
        by_line[&8],
        refused(Field::ExposedAt, "Ngày tiếp xúc cuối", Reason::Required)
    );
    assert_eq!(
        by_line[&9],
        refused(Field::Degree, "F1/F2", Reason::UnknownValue)
    );
    assert_eq!(
        by_line[&10],
        refused(Field::FullName, "Họ tên", Reason::Duplicate)
    );
    assert_eq!(by_line[&11], Outcome::New);
    let c = p.counts;
    assert_eq!(
        (c.total, c.new, c.matched, c.suspected, c.already, c.refused),
        (10, 2, 1, 1, 0, 6)
    );
    // Nothing written by a preview.
    assert!(contacts_of(&app, &cdc, case).await.is_empty());

    // Line 4 is the registered Cường.
    let choices = HashMap::from([(4, Choice::Merge)]);
    let done = app
        .commit_import(&cdc, &upload, None, &choices)
        .await
        .unwrap();
    assert!(done.written);
    let k = done.record.counts;
    assert_eq!((k.total, k.new, k.matched, k.refused), (10, 2, 2, 6));
    let contacts = contacts_of(&app, &cdc, case).await;
    assert_eq!(contacts.len(), 4, "{contacts:?}");
    let of = |id: PersonId| contacts.iter().find(|c| c.person_id == id).unwrap();
    let b = of(binh);
    assert_eq!(b.via_person_id, Some(nguon));
    assert_eq!(b.degree, 1);
    assert_eq!(b.reasons[0].setting, Some(ContactSetting::FaceToFace));
    assert!(contacts.iter().any(|c| c.person_id == cuong));
    // The plan is tracing's for the same exposure and vaccination.
    let last = chrono::DateTime::parse_from_rfc3339("2021-11-16T00:00:00+07:00")
        .unwrap()
        .timestamp();
    let immunity = app.store.immunity_of(&[binh.0]).await.unwrap();
    let plan = app::tracing::plan_for(
        &app.policies,
        1,
        last,
        last,
        immunity.get(&binh.0).copied().unwrap_or_default(),
        None,
    );
    assert_eq!(b.exposure_s, last);
    assert_eq!(b.status, plan.status);
    assert_eq!(b.quarantine_from_s, plan.quarantine_from_s);
    assert_eq!(b.quarantine_until_s, plan.quarantine_until_s);
    assert_eq!(b.follow_up_until_s, plan.follow_up_until_s);
    assert_eq!(b.test_days, plan.test_days);
    assert_eq!(b.policy, plan.policy);
    assert!(!plan.policy.is_empty(), "a rule is in force in Nov 2021");
    // The new person is registered once, with the row's unit, and is a household F1.
    let moi = contacts
        .iter()
        .find(|c| c.reasons[0].setting == Some(ContactSetting::Household))
        .unwrap();
    assert_eq!(moi.unit_code, "00001");
    assert_eq!(moi.degree, 1);
    let f2 = contacts.iter().find(|c| c.degree == 2).unwrap();
    assert_eq!(f2.status, domain::contact::ContactStatus::Monitor);
    assert!(f2.follow_up_until_s.is_some());

    // The same file again changes nothing.
    let again = app
        .commit_import(&cdc, &upload, None, &choices)
        .await
        .unwrap();
    assert!(!again.written);
    assert_eq!(again.record.id, done.record.id);
    assert_eq!(contacts_of(&app, &cdc, case).await.len(), 4);

    // Its rows in another file are already imported.
    let other = format!("{}\n11,,,,,,,,,,,,,,\n", list(case).trim_end());
    let upload = Upload {
        kind: Kind::Contacts,
        file_name: "f1-again.csv",
        bytes: other.as_bytes(),
    };
    let p = app
        .preview_import(&cdc, &upload, None, &choices)
        .await
        .unwrap();
    assert_eq!(p.counts.already, 4, "{:?}", p.rows);
    assert_eq!(p.counts.new, 0);
    let done = app
        .commit_import(&cdc, &upload, None, &choices)
        .await
        .unwrap();
    assert!(done.written);
    assert_eq!(contacts_of(&app, &cdc, case).await.len(), 4);
}

async fn a_source_outside_the_jurisdiction_is_not_found(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    // The source lives in Trúc Bạch; the ward officer sees Phúc Xá only.
    let far = register(
        &app,
        &cdc,
        "Phạm Văn Xa",
        Some("001080000020"),
        None,
        None,
        "00004",
    )
    .await;
    let case = case_of(&app, &cdc, far).await;
    let mut ward = national(&app, "ward", domain::Role::Tracer).await;
    ward.scope = domain::Scope::of([(
        domain::Structure::S2021,
        domain::UnitPath::from_stored("/01/001/00001/").unwrap(),
    )]);
    let csv = format!(
        "Mã F0,CCCD F0,Họ tên,Năm sinh,Xã/Phường,Quận/Huyện,Ngày tiếp xúc cuối\n\
         {},,Nguyễn Văn Mới,1990,Phúc Xá,Ba Đình,17/11/2021\n\
         ,001080000020,Nguyễn Văn Khác,1991,Phúc Xá,Ba Đình,17/11/2021\n",
        case.0
    );
    let upload = Upload {
        kind: Kind::Contacts,
        file_name: "f1.csv",
        bytes: csv.as_bytes(),
    };
    let p = app
        .preview_import(&ward, &upload, None, &HashMap::new())
        .await
        .unwrap();
    assert_eq!(
        p.rows[0].outcome,
        refused(Field::SourceCase, "Mã F0", Reason::NotFound)
    );
    assert_eq!(
        p.rows[1].outcome,
        refused(Field::SourceNationalId, "CCCD F0", Reason::NotFound)
    );
    // The national officer finds both.
    let p = app
        .preview_import(&cdc, &upload, None, &HashMap::new())
        .await
        .unwrap();
    assert_eq!(p.counts.new, 2, "{:?}", p.rows);
}

both_databases!(
    an_f1_list_is_previewed_then_committed_once,
    a_source_outside_the_jurisdiction_is_not_found,
);
