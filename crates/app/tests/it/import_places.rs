//! Imports of venue lists (`venues`) and of check-ins exported by another system
//! (`checkins`), issue #16 item 1: each row checked by the form's or the batch's own check,
//! refusals named by line, column and reason, a commit all or nothing with its record, the
//! same rows imported twice changing nothing, and an imported check-in traceable at once.

use std::collections::HashMap;

use app::import::{Field, Kind, Outcome, RowError, Upload};
use domain::epi::{ScanMode, VenueKind};
use domain::person::PersonInput;
use domain::{CaseId, Reason, Scope, Structure, UnitPath, VenueId};
use store::{both_databases, CheckinItem, PersonRef, Store, VenueFilter, VenueRef};

use crate::{app_at_now, national, seed, DAY, NOW};

fn refused(field: Field, column: &str, reason: Reason) -> Outcome {
    Outcome::Refused(vec![RowError {
        field: Some(field),
        column: Some(column.into()),
        reason,
    }])
}

fn upload(kind: Kind, bytes: &str) -> Upload<'_> {
    Upload {
        kind,
        file_name: "list.csv",
        bytes: bytes.as_bytes(),
    }
}

async fn venues_in(app: &app::App, code: &str) -> Vec<store::Venue> {
    let page = app
        .store
        .list_venues(
            &Scope::everything(),
            Structure::S2021,
            &VenueFilter::default(),
            &store::PageRequest::first(100),
        )
        .await
        .unwrap();
    page.items
        .into_iter()
        .filter(|v| v.unit_code.as_str() == code)
        .collect()
}

/// A district's venue list: Vietnamese headers in its own order, kinds and communes by
/// name, one row per refusal reason.
const VENUES: &str = "\u{feff}STT,Tên địa điểm,Loại hình,Địa chỉ,Xã/Phường,Quận/Huyện,Sức chứa,Giờ mở cửa,Giờ đóng cửa
1,Nhà hàng Phở Lý,Nhà hàng,13 Lò Đúc,Phúc Xá,Ba Đình,80,6h,21:30
2,Siêu thị Hapro,supermarket,,P. Hàng Buồm,Q. Hoàn Kiếm,200,07:00,22:00
3,CHỢ HÀNG DA,Chợ,,Phúc Xá,Ba Đình,,,
4,Karaoke Nice,Karaoke,,Phúc Xá,Ba Đình,,,
5,Quán cà phê Giảng,Quán cà phê,,Phường Không Có,,,,
6,Trường THCS Phúc Xá,Trường học,,Phúc Xá,Ba Đình,nhiều,,
7,Nhà hàng Đêm,Nhà hàng,,Phúc Xá,Ba Đình,,22:00,06:00
8,,Chợ,,Phúc Xá,Ba Đình,,,
9,Nhà hàng Phở Lý,Nhà hàng,13 Lò Đúc,Phúc Xá,Ba Đình,80,6h,21:30
";

async fn a_venue_list_is_previewed_then_committed_once(store: Store) {
    // Venue 1, "Chợ Hàng Da", is in Phúc Xá (00001) already.
    seed(&store, 2).await;
    let app = app_at_now(store);
    let cdc = national(&app, "cdc", domain::Role::CommuneOfficer).await;
    app.contacts.rebuild(&app.store).await.unwrap();
    let up = upload(Kind::Venues, VENUES);
    let (_, mapping) = app.import_headers(&up, None).await.unwrap();
    assert_eq!(mapping.column(Field::VenueName), Some(1));
    assert_eq!(mapping.column(Field::VenueKind), Some(2));
    assert_eq!(mapping.column(Field::Capacity), Some(6));
    assert_eq!(mapping.column(Field::Opens), Some(7));
    assert_eq!(mapping.column(Field::Closes), Some(8));

    let none = HashMap::new();
    let p = app.preview_import(&cdc, &up, None, &none).await.unwrap();
    let c = p.counts;
    assert_eq!(
        (c.total, c.new, c.already, c.refused),
        (9, 2, 1, 6),
        "{:?}",
        p.rows
    );
    let outcomes: Vec<(usize, Outcome)> = p.rows.into_iter().map(|r| (r.line, r.outcome)).collect();
    assert_eq!(outcomes[0], (2, Outcome::New));
    assert_eq!(outcomes[1], (3, Outcome::New));
    assert_eq!(
        outcomes[2],
        (4, Outcome::VenueAlready(VenueId(1))),
        "the same name folded, in the same commune"
    );
    assert_eq!(
        outcomes[3].1,
        refused(Field::VenueKind, "Loại hình", Reason::UnknownValue)
    );
    assert_eq!(
        outcomes[4].1,
        refused(Field::Commune, "Xã/Phường", Reason::NotFound)
    );
    assert_eq!(
        outcomes[5].1,
        refused(Field::Capacity, "Sức chứa", Reason::InvalidFormat)
    );
    assert_eq!(
        outcomes[6].1,
        refused(Field::Closes, "Giờ đóng cửa", Reason::OutOfRange),
        "closing before opening"
    );
    assert_eq!(
        outcomes[7].1,
        refused(Field::VenueName, "Tên địa điểm", Reason::Required)
    );
    assert_eq!(
        outcomes[8],
        (
            10,
            refused(Field::VenueName, "Tên địa điểm", Reason::Duplicate)
        ),
        "the same place twice in the file"
    );
    assert_eq!(venues_in(&app, "00001").await.len(), 1, "nothing written");

    let done = app.commit_import(&cdc, &up, None, &none).await.unwrap();
    assert!(done.written);
    assert_eq!(done.record.kind, "venues");
    assert_eq!(
        (
            done.record.counts.new,
            done.record.counts.already,
            done.record.counts.refused
        ),
        (2, 1, 6)
    );
    let phuc_xa = venues_in(&app, "00001").await;
    assert_eq!(phuc_xa.len(), 2);
    let pho = phuc_xa
        .iter()
        .find(|v| v.name == "Nhà hàng Phở Lý")
        .unwrap();
    assert_eq!(
        (pho.kind, pho.capacity, pho.open_min, pho.close_min),
        (VenueKind::Restaurant, Some(80), 6 * 60, 21 * 60 + 30)
    );
    assert_eq!(pho.address.as_deref(), Some("13 Lò Đúc"));
    assert!(
        pho.qr_payload.starts_with("CDV1:"),
        "the venue form's QR payload"
    );
    let hapro = app
        .store
        .venue_by_code(&pho.id.0.saturating_add(1).to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (hapro.name.as_str(), hapro.kind),
        ("Siêu thị Hapro", VenueKind::Supermarket),
        "in Hàng Buồm, by its commune and district"
    );

    // The same file again: nothing changes.
    let again = app.commit_import(&cdc, &up, None, &none).await.unwrap();
    assert!(!again.written);
    assert_eq!(again.record.id, done.record.id);
    // Its places in another file (English headers): already there.
    let csv = "Venue name,Kind,Commune,District\nNhà hàng Phở Lý,restaurant,Phúc Xá,Ba Đình\n";
    let other = upload(Kind::Venues, csv);
    let p = app.preview_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(p.rows[0].outcome, Outcome::VenueAlready(pho.id));
    app.commit_import(&cdc, &other, None, &none).await.unwrap();
    assert_eq!(venues_in(&app, "00001").await.len(), 2);
    assert_eq!(app.imports(&cdc, 10).await.unwrap().len(), 2);

    // Outside the caller's jurisdiction: refused by the commune's column.
    let mut ward = national(&app, "ward", domain::Role::CommuneOfficer).await;
    ward.scope = Scope::of([(
        Structure::S2021,
        UnitPath::from_stored("/01/001/00001/").unwrap(),
    )]);
    let csv = "Tên địa điểm,Loại,Xã/Phường,Quận/Huyện\nChợ Hàng Bè,Chợ,Hàng Buồm,Hoàn Kiếm\n";
    let p = app
        .preview_import(&ward, &upload(Kind::Venues, csv), None, &none)
        .await
        .unwrap();
    assert_eq!(
        p.rows[0].outcome,
        refused(Field::Commune, "Xã/Phường", Reason::OutOfScope)
    );
}

async fn register(app: &app::App, caller: &store::Caller, name: &str, nid: &str) -> i64 {
    let input = PersonInput {
        full_name: Some(name.into()),
        national_id: Some(nid.into()),
        unit: Some("00001".into()),
        ..PersonInput::default()
    };
    app.register_person(caller, &input, None, NOW - 200 * DAY)
        .await
        .unwrap()
        .person
        .id
        .0
}

/// Check-ins another system exported (times in Hà Nội's local time): one row per refusal
/// reason. Yesterday (2021-11-19) at Chợ Hàng Da, venue 1.
const CHECKINS: &str = "Họ tên,CCCD,Mã địa điểm,Giờ vào,Giờ ra
Nguyễn Văn An,001085000001,1,19/11/2021 10:10,19/11/2021 10:50
Trần Thị Bình,001190000002,CDV1:V:1:TEST,19/11/2021 12:00,
Không Ai Cả,001200000003,1,19/11/2021 10:10,
Nguyễn Văn An,001085000001,99,19/11/2021 10:10,
Nguyễn Văn An,001085000001,1,01/10/2021 10:00,
Nguyễn Văn An,001085000001,1,19/11/2021 13:00,19/11/2021 12:00
Nguyễn Văn An,001085000001,1,sáng nay,
Nguyễn Văn An,001085000001,1,,
Nguyễn Văn An,001085000001,1,19/11/2021 10:10,19/11/2021 10:50
";

async fn a_checkin_list_is_committed_once_and_traced(store: Store) {
    seed(&store, 2).await;
    let app = app_at_now(store);
    let scanner = national(&app, "scanner", domain::Role::Tracer).await;
    // As a serving application starts: the index built from the stored data.
    app.contacts.rebuild(&app.store).await.unwrap();
    let an = register(&app, &scanner, "Nguyễn Văn An", "001085000001").await;
    let binh = register(&app, &scanner, "Trần Thị Bình", "001190000002").await;
    // Person 1 (case 1) at the market yesterday 10:00–11:00, scanned here.
    let t = NOW - DAY;
    let scanned = CheckinItem {
        client_id: "s1".into(),
        person: PersonRef::Id(1),
        venue: VenueRef::Id(1),
        t_in_s: t,
        t_out_s: Some(t + 3600),
        mode: ScanMode::SelfScan,
    };
    app.ingest_checkins(&scanner, &[scanned], NOW)
        .await
        .unwrap();

    let up = upload(Kind::Checkins, CHECKINS);
    let none = HashMap::new();
    let p = app
        .preview_import(&scanner, &up, None, &none)
        .await
        .unwrap();
    let c = p.counts;
    assert_eq!(
        (c.total, c.matched, c.already, c.refused),
        (9, 2, 0, 7),
        "{:?}",
        p.rows
    );
    let o: Vec<Outcome> = p.rows.into_iter().map(|r| r.outcome).collect();
    assert_eq!(o[0], Outcome::Matched(domain::PersonId(an)));
    assert_eq!(
        o[1],
        Outcome::Matched(domain::PersonId(binh)),
        "the venue by its QR code"
    );
    assert_eq!(o[2], refused(Field::FullName, "Họ tên", Reason::NotFound));
    assert_eq!(
        o[3],
        refused(Field::VenueCode, "Mã địa điểm", Reason::NotFound)
    );
    assert_eq!(
        o[4],
        refused(Field::TimeIn, "Giờ vào", Reason::OutOfRange),
        "older than the retention window"
    );
    assert_eq!(o[5], refused(Field::TimeOut, "Giờ ra", Reason::OutOfRange));
    assert_eq!(
        o[6],
        refused(Field::TimeIn, "Giờ vào", Reason::InvalidFormat)
    );
    assert_eq!(o[7], refused(Field::TimeIn, "Giờ vào", Reason::Required));
    assert_eq!(
        o[8],
        refused(Field::TimeIn, "Giờ vào", Reason::Duplicate),
        "the same visit twice in the file"
    );
    assert_eq!(
        app.store.count_checkins().await.unwrap(),
        1,
        "nothing written"
    );

    let done = app.commit_import(&scanner, &up, None, &none).await.unwrap();
    assert!(done.written);
    assert_eq!(done.record.kind, "checkins");
    assert_eq!(
        (done.record.counts.matched, done.record.counts.refused),
        (2, 7)
    );
    assert_eq!(app.store.count_checkins().await.unwrap(), 3);
    let again = app.commit_import(&scanner, &up, None, &none).await.unwrap();
    assert!(!again.written);
    assert_eq!(app.store.count_checkins().await.unwrap(), 3);

    // The same visit in another system's file, the venue by name and commune: already
    // imported; a new visit is written.
    let csv = "Full name,National ID,Venue,Commune,District,Time in\n\
               Nguyễn Văn An,001085000001,cho hang da,Phúc Xá,Ba Đình,2021-11-19 10:10\n\
               Nguyễn Văn An,001085000001,Chợ Hàng Da,Phúc Xá,Ba Đình,2021-11-18 09:00\n";
    let other = upload(Kind::Checkins, csv);
    let p = app
        .preview_import(&scanner, &other, None, &none)
        .await
        .unwrap();
    assert_eq!(p.rows[0].outcome, Outcome::Already(domain::PersonId(an)));
    assert_eq!(p.rows[1].outcome, Outcome::Matched(domain::PersonId(an)));
    app.commit_import(&scanner, &other, None, &none)
        .await
        .unwrap();
    assert_eq!(app.store.count_checkins().await.unwrap(), 4);

    // Stored means traceable: case 1's F1 are person 2 (household) and An (at the market
    // with person 1); Bình came after person 1 left.
    let found = app::tracing::case_contacts(&app, &scanner, CaseId(1), 1)
        .await
        .unwrap();
    let mut f1: Vec<i64> = found.contacts.iter().map(|c| c.person_id).collect();
    f1.sort_unstable();
    assert_eq!(f1, vec![2, an], "{found:?}");
}

/// A check-in the store refuses at commit (a venue gone meanwhile) is named `rows.N.field`
/// and nothing of the commit is written, not even the import's record.
async fn a_checkin_the_store_refuses_at_commit_writes_nothing(store: Store) {
    seed(&store, 2).await;
    let app = app_at_now(store);
    let scanner = national(&app, "scanner", domain::Role::Tracer).await;
    let an = register(&app, &scanner, "Nguyễn Văn An", "001085000001").await;
    let csv = "CCCD,Mã địa điểm,Giờ vào\n001085000001,1,19/11/2021 10:10\n";
    let up = upload(Kind::Checkins, csv);
    let none = HashMap::new();
    let r = app.commit_import(&scanner, &up, None, &none).await.unwrap();
    assert!(r.written);
    // Importing a file whose rows were judged good, then a store error: none written.
    // (The store's per-item refusals are named `rows.N.field`, mapped to the sheet's line.)
    let r = app
        .store
        .commit_checkin_import(
            &scanner,
            &store::NewImport {
                kind: "checkins",
                file_name: "x.csv",
                sha256: "feed",
                counts: store::ImportCounts::default(),
            },
            &[
                CheckinItem {
                    client_id: "ok".into(),
                    person: PersonRef::Id(an),
                    venue: VenueRef::Id(1),
                    t_in_s: NOW - 3600,
                    t_out_s: None,
                    mode: ScanMode::SelfScan,
                },
                CheckinItem {
                    client_id: "gone".into(),
                    person: PersonRef::Id(an),
                    venue: VenueRef::Id(404),
                    t_in_s: NOW - 3600,
                    t_out_s: None,
                    mode: ScanMode::SelfScan,
                },
            ],
            |_| 3600,
            NOW,
        )
        .await;
    let Err(store::StoreError::Invalid(fields)) = r else {
        panic!("{r:?}")
    };
    assert_eq!(fields[0].field, "rows.1.venue");
    assert_eq!(app.store.count_checkins().await.unwrap(), 1);
    assert!(app
        .store
        .import_by_hash("checkins", "feed")
        .await
        .unwrap()
        .is_none());
}

both_databases!(
    a_venue_list_is_previewed_then_committed_once,
    a_checkin_list_is_committed_once_and_traced,
    a_checkin_the_store_refuses_at_commit_writes_nothing,
);
