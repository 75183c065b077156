//! Imports of lists other than F0 line lists (issue #16, item 1): vaccination lists
//! (`doses`) and lab results (`labs`). A row names a registered person; each refusal is
//! named by line, column and reason; a commit is all or nothing; the same list committed
//! twice, or its rows in another file, change nothing.

use std::collections::HashMap;

use app::import::{Field, ImportError, Kind, Outcome, RowError, Upload};
use domain::person::PersonInput;
use domain::Reason;
use store::{both_databases, Store};

use crate::{app_at_now, national, NOW};

async fn register(
    app: &app::App,
    caller: &store::Caller,
    name: &str,
    nid: Option<&str>,
    phone: Option<&str>,
) -> domain::PersonId {
    let input = PersonInput {
        full_name: Some(name.into()),
        national_id: nid.map(Into::into),
        phone: phone.map(Into::into),
        unit: Some("00001".into()),
        ..PersonInput::default()
    };
    app.register_person(caller, &input, None, NOW - 86_400 * 200)
        .await
        .unwrap()
        .person
        .id
}

fn refused(field: Field, column: &str, reason: Reason) -> Outcome {
    Outcome::Refused(vec![RowError {
        field: Some(field),
        column: Some(column.into()),
        reason,
    }])
}

async fn doses_of(
    app: &app::App,
    caller: &store::Caller,
    id: domain::PersonId,
) -> Vec<store::Dose> {
    app.store
        .person_doses(caller, id, NOW)
        .await
        .unwrap()
        .unwrap()
}

/// A vaccination list of 2021 as a commune sent it: Vietnamese headers, vaccines by the
/// names the lists used.
const DOSES: &str =
    "\u{feff}STT,Họ và tên,CCCD/CMND,SĐT,Loại vắc xin,Số lô,Ngày tiêm,Mũi tiêm,Nơi tiêm
1,Nguyễn Văn An,001085000001,,AstraZeneca,A1234,15/08/2021,Mũi 1,\"P. Phúc Xá, Q. Ba Đình\"
2,Trần Thị Bình,,0912345002,Vero Cell,,20/09/2021,1,Phúc Xá
3,Không Ai Cả,,,Pfizer,,20/09/2021,1,Phúc Xá
4,Nguyễn Văn An,001085000001,,Nước lã,,20/09/2021,2,Phúc Xá
5,Nguyễn Văn An,001085000001,,Pfizer,,01/01/2020,2,Phúc Xá
6,Nguyễn Văn An,001085000001,,AstraZeneca,A1234,15/08/2021,1,Phúc Xá
7,Trần Thị Bình,,0912345002,Vero Cell,,20/10/2021,2,Phường Không Có
";

async fn a_vaccination_list_is_previewed_then_committed_once(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::CommuneOfficer).await;
    let an = register(&app, &cdc, "Nguyễn Văn An", Some("001085000001"), None).await;
    let binh = register(&app, &cdc, "Trần Thị Bình", None, Some("0912345002")).await;
    let upload = Upload {
        kind: Kind::Doses,
        file_name: "tiem-chung.csv",
        bytes: DOSES.as_bytes(),
    };
    let (_, mapping) = app.import_headers(&upload, None).await.unwrap();
    assert_eq!(mapping.column(Field::Vaccine), Some(4));
    assert_eq!(mapping.column(Field::DoseNo), Some(7));
    assert_eq!(mapping.column(Field::DosePlace), Some(8));

    let none = HashMap::new();
    let p = app
        .preview_import(&cdc, &upload, None, &none)
        .await
        .unwrap();
    let c = p.counts;
    assert_eq!(
        (c.total, c.new, c.matched, c.already, c.refused),
        (7, 0, 2, 0, 5),
        "{:?}",
        p.rows
    );
    assert_eq!(p.rows[0].outcome, Outcome::Matched(an));
    assert_eq!(
        p.rows[1].outcome,
        Outcome::Matched(binh),
        "by phone and name"
    );
    assert_eq!(p.rows[2].line, 4);
    assert_eq!(
        p.rows[2].outcome,
        refused(Field::FullName, "Họ và tên", Reason::NotFound),
        "a person nobody registered"
    );
    assert_eq!(
        p.rows[3].outcome,
        refused(Field::Vaccine, "Loại vắc xin", Reason::UnknownValue)
    );
    assert_eq!(
        p.rows[4].outcome,
        refused(Field::GivenOn, "Ngày tiêm", Reason::OutOfRange),
        "before vaccination began"
    );
    assert_eq!(
        p.rows[5].outcome,
        refused(Field::DoseNo, "Mũi tiêm", Reason::Duplicate),
        "the same dose twice in the file"
    );
    assert_eq!(
        p.rows[6].outcome,
        refused(Field::DosePlace, "Nơi tiêm", Reason::NotFound)
    );
    assert!(doses_of(&app, &cdc, an).await.is_empty(), "nothing written");

    let done = app.commit_import(&cdc, &upload, None, &none).await.unwrap();
    assert!(done.written);
    assert_eq!(done.record.kind, "doses");
    assert_eq!(
        (done.record.counts.matched, done.record.counts.refused),
        (2, 5)
    );
    let d = doses_of(&app, &cdc, an).await;
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].dose_no, d[0].product.as_str(), d[0].lot.as_deref()),
        (1, "astrazeneca", Some("A1234"))
    );
    assert_eq!(d[0].given_on.to_string(), "2021-08-15");
    assert_eq!(d[0].place.as_str(), "00001");
    assert_eq!(doses_of(&app, &cdc, binh).await[0].product, "sinopharm");

    // The same file again: nothing changes.
    let again = app.commit_import(&cdc, &upload, None, &none).await.unwrap();
    assert!(!again.written);
    assert_eq!(again.record.id, done.record.id);
    // Its rows in another file (English headers): already imported.
    let csv = "Full name,National ID,Vaccine,Lot,Date given,Dose,Vaccination place\n\
               Nguyễn Văn An,001085000001,Astra Zeneca,A1234,2021-08-15,1,Phúc Xá\n";
    let other = Upload {
        kind: Kind::Doses,
        file_name: "doses.csv",
        bytes: csv.as_bytes(),
    };
    let p = app.preview_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(p.rows[0].outcome, Outcome::Already(an));
    let done = app.commit_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(done.record.counts.already, 1);
    assert_eq!(doses_of(&app, &cdc, an).await.len(), 1);
    assert_eq!(app.imports(&cdc, 10).await.unwrap().len(), 2);
}

async fn a_dose_the_store_refuses_at_commit_writes_nothing(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::CommuneOfficer).await;
    let an = register(&app, &cdc, "Nguyễn Văn An", Some("001085000001"), None).await;
    let binh = register(&app, &cdc, "Trần Thị Bình", Some("001190000002"), None).await;
    let first = "CCCD,Vắc xin,Ngày tiêm,Mũi,Nơi tiêm\n001085000001,Pfizer,15/08/2021,1,Phúc Xá\n";
    let none = HashMap::new();
    let up = |bytes: &'static str| Upload {
        kind: Kind::Doses,
        file_name: "x.csv",
        bytes: bytes.as_bytes(),
    };
    app.commit_import(&cdc, &up(first), None, &none)
        .await
        .unwrap();
    // Line 3: a second dose dated before the first, which only the store's check of the
    // person's doses sees; line 2 is good, and is not written either.
    let second = "CCCD,Vắc xin,Ngày tiêm,Mũi,Nơi tiêm\n\
                  001190000002,Pfizer,15/08/2021,1,Phúc Xá\n\
                  001085000001,Pfizer,01/08/2021,2,Phúc Xá\n";
    let p = app
        .preview_import(&cdc, &up(second), None, &none)
        .await
        .unwrap();
    assert_eq!(p.counts.matched, 2, "{:?}", p.rows);
    let r = app.commit_import(&cdc, &up(second), None, &none).await;
    let Err(ImportError::Refused(rows)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].line, 3);
    assert_eq!(
        rows[0].errors,
        vec![RowError {
            field: Some(Field::GivenOn),
            column: Some("Ngày tiêm".into()),
            reason: Reason::OutOfRange
        }]
    );
    assert!(doses_of(&app, &cdc, binh).await.is_empty());
    assert_eq!(doses_of(&app, &cdc, an).await.len(), 1);
    assert_eq!(
        app.imports(&cdc, 10).await.unwrap().len(),
        1,
        "not recorded"
    );
}

/// The tests of each of the person's cases, oldest case first.
async fn tests_of(
    app: &app::App,
    caller: &store::Caller,
    id: domain::PersonId,
) -> Vec<Vec<store::TestResult>> {
    let record = app
        .store
        .person_record(caller, id, NOW)
        .await
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    for c in record.cases.iter().rev() {
        let d = app
            .store
            .get_case(caller, domain::CaseId(c.id), NOW)
            .await
            .unwrap()
            .unwrap();
        out.push(d.tests);
    }
    out.sort_by_key(|t| t.first().map(|t| t.sample_s));
    out
}

/// A laboratory's list: headers as the 2021 lists wrote them.
const LABS: &str = "Mã mẫu,Họ tên,CCCD,Loại xét nghiệm,Ngày lấy mẫu,Ngày có kết quả,Kết quả,Ct
S1,Nguyễn Văn An,001085000001,RT-PCR,18/11/2021 08:00,18/11/2021 20:00,Âm tính,
S2,Trần Thị Bình,001190000002,Test nhanh kháng nguyên,18/11/2021 09:00,18/11/2021 09:30,Dương tính,
S3,Trần Thị Bình,001190000002,RT-PCR,19/11/2021 08:00,19/11/2021 20:00,Dương tính,\"22,5\"
S4,Lê Văn Cường,001092000003,PCR,19/11/2021,19/11/2021,Âm tính,
S5,Không Ai Cả,,PCR,19/11/2021,19/11/2021,Âm tính,
S1,Nguyễn Văn An,001085000001,PCR,19/11/2021 07:00,19/11/2021 09:00,Âm tính,
S6,Nguyễn Văn An,001085000001,PCR,19/11/2021 07:00,19/11/2021 09:00,Chưa rõ,
S7,Nguyễn Văn An,001085000001,PCR,19/11/2021 07:00,18/11/2021 09:00,Âm tính,
S8,Nguyễn Văn An,001085000001,PCR,19/11/2021 07:00,19/11/2021 09:00,Dương tính,99
";

async fn a_lab_list_adds_results_to_cases_and_makes_cases_of_positives(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::CommuneOfficer).await;
    let an = register(&app, &cdc, "Nguyễn Văn An", Some("001085000001"), None).await;
    let binh = register(&app, &cdc, "Trần Thị Bình", Some("001190000002"), None).await;
    let cuong = register(&app, &cdc, "Lê Văn Cường", Some("001092000003"), None).await;
    // An is an F0 since the 15th.
    let at = |s: &str| Some(s.to_string());
    app.create_case(
        &cdc,
        &app::cases::CaseInput {
            person_id: Some(an.0),
            severity: Some("mild".into()),
            test: Some(app::cases::TestInput {
                kind: Some("pcr".into()),
                sample_at: at("2021-11-15T08:00:00+07:00"),
                result_at: at("2021-11-15T20:00:00+07:00"),
                ct: None,
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let upload = Upload {
        kind: Kind::Labs,
        file_name: "xet-nghiem.csv",
        bytes: LABS.as_bytes(),
    };
    let none = HashMap::new();
    let p = app
        .preview_import(&cdc, &upload, None, &none)
        .await
        .unwrap();
    assert_eq!(p.mapping.column(Field::SampleId), Some(0));
    let c = p.counts;
    assert_eq!(
        (c.total, c.new, c.matched, c.already, c.refused),
        (9, 1, 2, 0, 6),
        "{:?}",
        p.rows
    );
    let outcomes: Vec<Outcome> = p.rows.iter().map(|r| r.outcome.clone()).collect();
    assert_eq!(outcomes[0], Outcome::Matched(an), "added to An's case");
    assert_eq!(outcomes[1], Outcome::New, "Bình's case is made");
    assert_eq!(
        outcomes[2],
        Outcome::Matched(binh),
        "and this result joins it"
    );
    assert_eq!(
        outcomes[3],
        refused(Field::Result, "Kết quả", Reason::NotAllowed),
        "a negative of someone without a case"
    );
    assert_eq!(
        outcomes[4],
        refused(Field::FullName, "Họ tên", Reason::NotFound)
    );
    assert_eq!(
        outcomes[5],
        refused(Field::SampleId, "Mã mẫu", Reason::Duplicate)
    );
    assert_eq!(
        outcomes[6],
        refused(Field::Result, "Kết quả", Reason::UnknownValue)
    );
    assert_eq!(
        outcomes[7],
        refused(Field::ResultAt, "Ngày có kết quả", Reason::OutOfRange)
    );
    assert_eq!(outcomes[8], refused(Field::Ct, "Ct", Reason::OutOfRange));
    assert_eq!(
        tests_of(&app, &cdc, an).await[0].len(),
        1,
        "nothing written"
    );

    let done = app.commit_import(&cdc, &upload, None, &none).await.unwrap();
    assert!(done.written);
    assert_eq!(done.record.kind, "labs");
    let an_tests = tests_of(&app, &cdc, an).await;
    assert_eq!(an_tests.len(), 1);
    assert_eq!(an_tests[0].len(), 2);
    assert!(!an_tests[0][1].positive);
    let binh_tests = tests_of(&app, &cdc, binh).await;
    assert_eq!(binh_tests.len(), 1, "one case");
    assert_eq!(binh_tests[0].len(), 2);
    assert_eq!(binh_tests[0][1].ct, Some(22.5));
    assert!(tests_of(&app, &cdc, cuong).await.is_empty());

    // Again: nothing changes; the same results in another file are already imported.
    let again = app.commit_import(&cdc, &upload, None, &none).await.unwrap();
    assert!(!again.written);
    let csv = "Sample id,National ID,Test kind,Sample date,Result date,Result\n\
               X9,001190000002,PCR,19/11/2021 08:00,19/11/2021 20:00,positive\n";
    let other = Upload {
        kind: Kind::Labs,
        file_name: "lab.csv",
        bytes: csv.as_bytes(),
    };
    let p = app.preview_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(p.rows[0].outcome, Outcome::Already(binh));
    app.commit_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(tests_of(&app, &cdc, binh).await[0].len(), 2);
}

both_databases!(
    a_vaccination_list_is_previewed_then_committed_once,
    a_dose_the_store_refuses_at_commit_writes_nothing,
    a_lab_list_adds_results_to_cases_and_makes_cases_of_positives,
);

/// A row naming a registered person by name alone when two registered persons share that
/// name (and the row gives nothing to tell them apart): whose dose it is cannot be said, so
/// the row is refused as ambiguous rather than written to the first of them.
async fn a_row_alike_two_registered_persons_is_refused(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::CommuneOfficer).await;
    register(&app, &cdc, "Lê Văn Cường", None, Some("0912000001")).await;
    register(&app, &cdc, "Lê Văn Cường", None, Some("0912000001")).await;
    let csv = "Họ và tên,SĐT,Loại vắc xin,Ngày tiêm,Mũi tiêm,Nơi tiêm
Lê Văn Cường,0912000001,Pfizer,20/09/2021,1,Phúc Xá
";
    let upload = Upload {
        kind: Kind::Doses,
        file_name: "hai-nguoi.csv",
        bytes: csv.as_bytes(),
    };
    let p = app
        .preview_import(&cdc, &upload, None, &HashMap::new())
        .await
        .unwrap();
    assert_eq!(
        p.rows[0].outcome,
        refused(Field::FullName, "Họ và tên", Reason::Ambiguous)
    );
}

both_databases!(a_row_alike_two_registered_persons_is_refused);
