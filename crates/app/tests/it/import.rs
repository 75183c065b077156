//! Imports of F0 line lists (issue #16, item 1): headers in any order and language, units
//! by name, persons matched, refusals named by line and column, all or nothing, and the
//! same file committed twice changing nothing.

use std::collections::HashMap;

use app::import::{Choice, Field, ImportError, Kind, Mapping, Outcome, RowError, Upload};
use domain::person::PersonInput;
use domain::Reason;
use store::{both_databases, Store};

use crate::{app_at_now, national, NOW};

/// An XLSX of `rows` under `headers`, as a clerk's sheet: every cell text.
fn xlsx(headers: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    // A fixed creation time: the writer stamps the current one, and a sheet built again a
    // second later would be another file (another hash) to the import's idempotence.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 11, 20).unwrap();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = book.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Headers in an order no form uses, with a column that is not read ("Ghi chú").
const HEADERS: [&str; 10] = [
    "SĐT",
    "Ngày lấy mẫu",
    "Họ và tên",
    "Ghi chú",
    "CCCD/CMND",
    "Xã/Phường",
    "Quận/Huyện",
    "Giới tính",
    "Ngay sinh",
    "Kết quả",
];

fn rows() -> Vec<Vec<&'static str>> {
    vec![
        // Line 2: a new person in Hàng Buồm.
        vec![
            "0912345001",
            "15/11/2021",
            "Nguyễn Văn An",
            "",
            "001085000001",
            "P. Hàng Buồm",
            "Q. Hoàn Kiếm",
            "Nam",
            "02/03/1985",
            "Dương tính",
        ],
        // Line 3: a registered person, by national ID.
        vec![
            "",
            "16/11/2021 08:30",
            "Trần Thị Bình",
            "",
            "001190000002",
            "Phúc Xá",
            "Ba Đình",
            "Nữ",
            "",
            "Dương tính",
        ],
        // Line 4: perhaps a registered person (same phone and name, no national ID).
        vec![
            "0912345003",
            "16/11/2021",
            "Lê Văn Cường",
            "",
            "",
            "phuong phuc xa",
            "quan ba dinh",
            "nam",
            "",
            "+",
        ],
        // Line 5: a commune that does not exist.
        vec![
            "0912345004",
            "16/11/2021",
            "Phạm Văn Dũng",
            "",
            "",
            "Phường Không Có",
            "Q. Hoàn Kiếm",
            "Nam",
            "",
            "Dương tính",
        ],
        // Line 6: a negative result is not an F0.
        vec![
            "0912345005",
            "16/11/2021",
            "Đỗ Thị Em",
            "",
            "",
            "P. Hàng Buồm",
            "Q. Hoàn Kiếm",
            "Nữ",
            "",
            "Âm tính",
        ],
    ]
}

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
    app.register_person(caller, &input, None, NOW - 86_400 * 30)
        .await
        .unwrap()
        .person
        .id
}

async fn cases_of(app: &app::App, caller: &store::Caller, id: domain::PersonId) -> usize {
    app.store
        .person_record(caller, id, NOW)
        .await
        .unwrap()
        .unwrap()
        .cases
        .len()
}

async fn named(app: &app::App, caller: &store::Caller, name: &str) -> usize {
    app.store
        .search_persons(
            caller,
            &store::PersonQuery::Name(name.into()),
            &store::PageRequest::first(10),
            NOW,
        )
        .await
        .unwrap()
        .items
        .len()
}

async fn an_f0_list_is_previewed_then_committed_once(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    let binh = register(&app, &cdc, "Trần Thị Bình", Some("001190000002"), None).await;
    let cuong = register(&app, &cdc, "Lê Văn Cường", None, Some("0912345003")).await;
    let bytes = xlsx(&HEADERS, &rows());
    let upload = Upload {
        kind: Kind::Cases,
        file_name: "f0-15-11.xlsx",
        bytes: &bytes,
    };

    // The proposed mapping reads every known header, wherever it stands.
    let (headers, mapping) = app.import_headers(&upload, None).await.unwrap();
    assert_eq!(headers.len(), 10);
    assert_eq!(mapping.column(Field::FullName), Some(2));
    assert_eq!(mapping.column(Field::Birth), Some(8));
    assert_eq!(mapping.0[3], None, "Ghi chú is not read");

    // The preview judges every row and writes nothing.
    let none = HashMap::new();
    let p = app
        .preview_import(&cdc, &upload, None, &none)
        .await
        .unwrap();
    let c = p.counts;
    assert_eq!(
        (c.total, c.new, c.matched, c.suspected, c.already, c.refused),
        (5, 1, 1, 1, 0, 2),
        "{:?}",
        p.rows
    );
    assert_eq!(p.rows[1].outcome, Outcome::Matched(binh));
    assert!(
        matches!(p.rows[2].outcome, Outcome::Suspected(id, store::PairReason::PhoneName) if id == cuong)
    );
    assert_eq!(p.rows[3].line, 5);
    assert_eq!(
        p.rows[3].outcome,
        Outcome::Refused(vec![RowError {
            field: Some(Field::Commune),
            column: Some("Xã/Phường".into()),
            reason: Reason::NotFound
        }])
    );
    assert_eq!(
        p.rows[4].outcome,
        Outcome::Refused(vec![RowError {
            field: Some(Field::Result),
            column: Some("Kết quả".into()),
            reason: Reason::NotAllowed
        }])
    );
    assert_eq!(
        named(&app, &cdc, "nguyen van an").await,
        0,
        "nothing written"
    );
    assert_eq!(cases_of(&app, &cdc, binh).await, 0);

    // Committed with line 4 merged into the registered person: the refused rows are left
    // out, the others written, the import recorded.
    let merge = HashMap::from([(4, Choice::Merge)]);
    let done = app
        .commit_import(&cdc, &upload, None, &merge)
        .await
        .unwrap();
    assert!(done.written);
    let k = done.record.counts;
    assert_eq!(
        (k.total, k.new, k.matched, k.already, k.refused),
        (5, 1, 2, 0, 2)
    );
    assert_eq!(done.record.actor, "cdc");
    assert_eq!(named(&app, &cdc, "nguyen van an").await, 1);
    assert_eq!(
        named(&app, &cdc, "le van cuong").await,
        1,
        "merged, not registered again"
    );
    assert_eq!(cases_of(&app, &cdc, binh).await, 1);
    assert_eq!(cases_of(&app, &cdc, cuong).await, 1);
    let listed = app.imports(&cdc, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].file_name, "f0-15-11.xlsx");
    assert_eq!(listed[0].sha256, upload.sha256());

    // The same file again: nothing changes, its earlier record answers.
    let p = app
        .preview_import(&cdc, &upload, None, &merge)
        .await
        .unwrap();
    assert_eq!(p.imported.as_ref().map(|r| r.id), Some(done.record.id));
    let again = app
        .commit_import(&cdc, &upload, None, &merge)
        .await
        .unwrap();
    assert!(!again.written);
    assert_eq!(again.record.id, done.record.id);
    assert_eq!(app.imports(&cdc, 10).await.unwrap().len(), 1);
    assert_eq!(named(&app, &cdc, "nguyen van an").await, 1);

    // The same rows in another file (a CSV with English headers): recognised as already
    // imported (the person has the case of that sample), nothing written.
    let csv = "\u{feff}Full name,National ID,Commune,District,Sample date,Result\n\
               Nguyễn Văn An,001085000001,P. Hàng Buồm,Q. Hoàn Kiếm,15/11/2021,positive\n\
               Trần Thị Bình,001190000002,Phúc Xá,Ba Đình,16/11/2021 08:30,positive\n";
    let upload = Upload {
        kind: Kind::Cases,
        file_name: "f0.csv",
        bytes: csv.as_bytes(),
    };
    let p = app
        .preview_import(&cdc, &upload, None, &none)
        .await
        .unwrap();
    assert_eq!(
        (p.counts.already, p.counts.new, p.counts.refused),
        (2, 0, 0),
        "{:?}",
        p.rows
    );
    let done = app.commit_import(&cdc, &upload, None, &none).await.unwrap();
    assert_eq!(done.record.counts.already, 2);
    assert_eq!(cases_of(&app, &cdc, binh).await, 1);
}

async fn a_mapping_is_changed_saved_and_reused(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    // "Tên BN" is not a known header: the name column is mapped by hand, then saved.
    let headers = ["Tên BN", "Xã/Phường", "Ngày lấy mẫu", "Kết quả"];
    let bytes = xlsx(
        &headers,
        &[vec![
            "Hoàng Văn Giáp",
            "P. Hàng Buồm, Q. Hoàn Kiếm",
            "15/11/2021",
            "Dương tính",
        ]],
    );
    let upload = Upload {
        kind: Kind::Cases,
        file_name: "a.xlsx",
        bytes: &bytes,
    };
    let (headers, proposed) = app.import_headers(&upload, None).await.unwrap();
    assert_eq!(proposed.0[0], None);
    let none = HashMap::new();
    let p = app
        .preview_import(&cdc, &upload, Some(&proposed), &none)
        .await
        .unwrap();
    assert_eq!(
        p.rows[0].outcome,
        Outcome::Refused(vec![RowError {
            field: Some(Field::FullName),
            column: None,
            reason: Reason::Required
        }])
    );
    let mut fixed = proposed.clone();
    fixed.set(0, Some(Field::FullName));
    app.save_import_mapping(&cdc, Kind::Cases, "Quận Hoàn Kiếm", &headers, &fixed)
        .await
        .unwrap();
    let (_, reused) = app
        .import_headers(&upload, Some("Quận Hoàn Kiếm"))
        .await
        .unwrap();
    assert_eq!(reused, fixed);
    let p = app
        .preview_import(&cdc, &upload, Some(&reused), &none)
        .await
        .unwrap();
    assert_eq!(p.counts.new, 1, "{:?}", p.rows);
    let _: Mapping = reused;
}

async fn a_row_outside_the_jurisdiction_is_refused_and_bad_files_are_named(store: Store) {
    let app = app_at_now(store);
    let mut ward = national(&app, "ward", domain::Role::Tracer).await;
    ward.scope = domain::Scope::of([(
        domain::Structure::S2021,
        domain::UnitPath::from_stored("/01/001/00001/").unwrap(),
    )]);
    let bytes = xlsx(&HEADERS, &rows()[..1]);
    let upload = Upload {
        kind: Kind::Cases,
        file_name: "a.xlsx",
        bytes: &bytes,
    };
    let none = HashMap::new();
    let p = app
        .preview_import(&ward, &upload, None, &none)
        .await
        .unwrap();
    assert_eq!(
        p.rows[0].outcome,
        Outcome::Refused(vec![RowError {
            field: Some(Field::Commune),
            column: Some("Xã/Phường".into()),
            reason: Reason::OutOfScope
        }])
    );
    // Committing writes the record and no row.
    let done = app
        .commit_import(&ward, &upload, None, &none)
        .await
        .unwrap();
    assert_eq!(done.record.counts.refused, 1);
    assert_eq!(named(&app, &ward, "nguyen van an").await, 0);

    for (bytes, expected) in [
        (&b""[..], app::import::ReadError::Empty),
        (
            &b"\x89PNG\r\n\x1a\n\0\0\0"[..],
            app::import::ReadError::NotASheet,
        ),
    ] {
        let upload = Upload {
            kind: Kind::Cases,
            file_name: "x",
            bytes,
        };
        let r = app.preview_import(&ward, &upload, None, &none).await;
        assert!(
            matches!(r, Err(ImportError::Read(ref e)) if *e == expected),
            "{r:?}"
        );
    }
}

both_databases!(
    an_f0_list_is_previewed_then_committed_once,
    a_mapping_is_changed_saved_and_reused,
    a_row_outside_the_jurisdiction_is_refused_and_bad_files_are_named,
);

/// A list longer than a batch (1,000 rows judged together) and a round of writes (500 new
/// persons a statement): every row is written with the records the forms write (person,
/// residents' tally, suspected pair, case, positive test, history line, audit lines), the
/// ids tie together, the bar ends at the last row, and the identity sequences still serve
/// a registration afterwards.
async fn a_list_of_many_batches_is_written_as_the_forms_write_it(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    const N: usize = 1_203;
    let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng"];
    let middles = ["Văn", "Thị", "Hữu", "Minh", "Đức"];
    let givens = ["An", "Bình", "Cường", "Dũng", "Hà", "Lan", "Mai", "Nam"];
    let base = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
    let mut csv =
        String::from("Họ và tên,CCCD/CMND,Ngày sinh,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n");
    let mut first = String::new();
    for i in 0..N {
        let name = format!(
            "{} {} {}",
            families[i % 7],
            middles[(i / 7) % 5],
            givens[(i / 35) % 8]
        );
        let birth = (base + chrono::Days::new(i as u64 * 9))
            .format("%d/%m/%Y")
            .to_string();
        let line = format!(
            "{name},0010850{i:05},{birth},P. Hàng Buồm,Q. Hoàn Kiếm,15/11/2021,Dương tính\n"
        );
        if i == 0 {
            first = format!(
                "{name},0010859{i:05},{birth},P. Hàng Buồm,Q. Hoàn Kiếm,16/11/2021,Dương tính\n"
            );
        }
        csv.push_str(&line);
    }
    // The last row: the first row's name and birth date, another national ID and sample: a
    // suspected pair with a row written two rounds earlier.
    csv.push_str(&first);
    let upload = Upload {
        kind: Kind::Cases,
        file_name: "big.csv",
        bytes: csv.as_bytes(),
    };
    // The preview tells its progress as the commit does (the CLI's first bar).
    let seen = std::sync::Mutex::new(Vec::new());
    let preview = app
        .preview_import_with(&cdc, &upload, None, &HashMap::new(), &|done, total| {
            seen.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(preview.counts.new, N + 1);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&(N + 1, N + 1)));
    assert!(seen.len() >= 3, "{seen:?}");
    let told = std::sync::Mutex::new(Vec::new());
    let progress = |done: usize, total: usize| told.lock().unwrap().push((done, total));
    let done = app
        .commit_import_with(&cdc, &upload, None, &HashMap::new(), &progress)
        .await
        .unwrap();
    assert!(done.written);
    let k = done.record.counts;
    assert_eq!((k.total, k.new, k.refused), (N as i64 + 1, N as i64 + 1, 0));
    let told = told.into_inner().unwrap();
    assert_eq!(told.last(), Some(&(N + 1, N + 1)));
    assert!(told.len() >= 3, "{told:?}");

    let n = (N + 1) as i64;
    let scalar = |sql: &'static str| store::testing::scalar(&app.store, sql);
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, n);
    assert_eq!(
        scalar("SELECT COUNT(*) FROM cases WHERE status = 'active'").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM cases c JOIN persons p ON p.id = c.person_id AND p.unit_path = c.unit_path").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM tests t JOIN cases c ON c.id = t.case_id AND c.person_id = t.person_id AND c.first_sample_s = t.sample_s WHERE t.positive = 1").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM case_status_history h JOIN cases c ON c.id = h.case_id WHERE h.status = 'active' AND h.actor = 'cdc'").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'person' AND unit_path IS NOT NULL").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'case' AND unit_path IS NOT NULL").await,
        n
    );
    assert_eq!(
        scalar("SELECT CAST(COALESCE(SUM(residents), 0) AS BIGINT) FROM unit_residents").await,
        n
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM person_pairs WHERE reason = 'name_birth'").await,
        1
    );
    assert_eq!(scalar("SELECT COUNT(*) FROM person_pairs").await, 1);

    // The same file again changes nothing; a registration afterwards takes a fresh id.
    let again = app
        .commit_import(&cdc, &upload, None, &HashMap::new())
        .await
        .unwrap();
    assert!(!again.written);
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, n);
    register(&app, &cdc, "Đỗ Thị Hoa", None, None).await;
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, n + 1);
}

/// Each batch is written as soon as it is judged, in the one transaction the import's record
/// opened: a row the store refuses in a later batch (a national ID held by a person outside
/// the caller's jurisdiction, so not matched when judged) leaves nothing of the earlier
/// batches, no record, and is named by its line; the file without it then goes in whole.
async fn a_refusal_in_a_late_batch_keeps_nothing_of_the_earlier_ones(store: Store) {
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::Tracer).await;
    let mut district = national(&app, "hk", domain::Role::Tracer).await;
    district.scope = domain::Scope::of([(
        domain::Structure::S2021,
        domain::UnitPath::from_stored("/01/002/").unwrap(),
    )]);
    // In Ba Đình: outside the Hoàn Kiếm tracer's jurisdiction.
    register(&app, &cdc, "Ngô Văn Xa", Some("001085099999"), None).await;
    const N: usize = 1_500;
    let mut csv = String::from("Họ và tên,CCCD/CMND,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n");
    for i in 0..N {
        csv.push_str(&format!(
            "Người Thứ {i},0010850{i:05},P. Hàng Buồm,Q. Hoàn Kiếm,15/11/2021,Dương tính\n"
        ));
    }
    let good = csv.clone();
    // Line N + 2, in the second batch of 1,000.
    csv.push_str("Ngô Văn Xa,001085099999,P. Hàng Buồm,Q. Hoàn Kiếm,15/11/2021,Dương tính\n");
    let upload = |bytes: &'static [u8]| Upload {
        kind: Kind::Cases,
        file_name: "late.csv",
        bytes,
    };
    let bad: &'static [u8] = Box::leak(csv.into_bytes().into_boxed_slice());
    let none = HashMap::new();
    let r = app
        .commit_import(&district, &upload(bad), None, &none)
        .await;
    let Err(ImportError::Refused(rows)) = r else {
        panic!("{r:?}");
    };
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].line, N + 2);
    assert_eq!(rows[0].errors[0].reason, Reason::Duplicate);
    let scalar = |sql: &'static str| store::testing::scalar(&app.store, sql);
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, 1);
    assert_eq!(scalar("SELECT COUNT(*) FROM cases").await, 0);
    assert_eq!(scalar("SELECT COUNT(*) FROM imports").await, 0);

    let good: &'static [u8] = Box::leak(good.into_bytes().into_boxed_slice());
    let done = app
        .commit_import(&district, &upload(good), None, &none)
        .await
        .unwrap();
    assert!(done.written);
    assert_eq!(done.record.counts.new, N as i64);
    let judged = done.judged.expect("a commit tells what it judged");
    assert_eq!(judged.counts.new, N);
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, N as i64 + 1);
    assert_eq!(
        scalar("SELECT COUNT(*) FROM imports WHERE rows_new = 1500 AND rows_total = 1500").await,
        1
    );
}

both_databases!(
    a_list_of_many_batches_is_written_as_the_forms_write_it,
    a_refusal_in_a_late_batch_keeps_nothing_of_the_earlier_ones,
);
