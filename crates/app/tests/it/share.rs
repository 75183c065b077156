//! Sharing a case for view between linked localities (issue #17, "What travels" 3), on both
//! databases: Hà Nội ("01", store A) shares with HCMC ("79", store B); the transport is
//! in-process (A's unsent messages handed to B's `receive`, applied by `app::link::dispatch`).

use domain::person::Sex;
use domain::share::Pseudonymisation;
use domain::{CaseId, Role};
use link::{Envelope, Kind, Refusal};
use store::{both_databases, CaseRow, HouseholdRow, PersonRow, Received, Store};

use app::share::{ShareError, ShareMessage};

use crate::linked::{code, link_pair, other_db, receive, Side};
use crate::{app_at_now, national, seed, unit, NOW};

const NAME: &str = "Phạm Văn Chia";
const NATIONAL_ID: &str = "001190000333";
const PHONE: &str = "0912000333";
const ADDRESS: &str = "12 phố Hàng Da";

/// Two linked localities, B letting A send `a_sends`; A seeded with case 2 of person 3
/// (name, ID, phone, birth date and a household address all known).
async fn setup(store: Store, a_sends: &[Kind]) -> (app::App, app::App, store::testing::TestDb) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    let hn = Side {
        code: "01",
        name: "Hà Nội",
        sends: a_sends,
    };
    let hcm = Side {
        code: "79",
        name: "TP. Hồ Chí Minh",
        sends: &[],
    };
    link_pair(&mut a, hn, &mut b, hcm).await;
    let s = &a.store;
    seed(s, 2).await;
    let home = unit(s, "00001").await;
    s.bulk_households(
        &[HouseholdRow {
            id: 2,
            unit: home.clone(),
            address: Some(ADDRESS.into()),
            synthetic: true,
        }],
        0,
    )
    .await
    .unwrap();
    s.bulk_persons(
        &[PersonRow {
            id: 3,
            full_name: NAME.into(),
            national_id: Some(NATIONAL_ID.into()),
            phone: Some(PHONE.into()),
            birth_date: chrono::NaiveDate::from_ymd_opt(1990, 5, 5),
            sex: Sex::Male,
            unit: home.clone(),
            household_id: Some(2),
            synthetic: true,
        }],
        0,
    )
    .await
    .unwrap();
    s.bulk_cases(
        &[CaseRow {
            id: 2,
            person_id: 3,
            unit: home,
            status: domain::epi::CaseStatus::Active,
            severity: domain::epi::Severity::Mild,
            onset_s: None,
            first_sample_s: NOW - 7200,
            confirmed_at_s: NOW - 3600,
            isolation_s: Some(NOW - 3600),
            community: true,
            outcome_at_s: None,
        }],
        0,
    )
    .await
    .unwrap();
    s.sync_id_sequences().await.unwrap();
    (a, b, db_b)
}

/// A's unsent messages (marked sent): their bytes.
async fn take_unsent(a: &app::App) -> Vec<Vec<u8>> {
    let unsent = a.store.unsent(100).await.unwrap();
    let ids: Vec<String> = unsent.iter().map(|(id, _, _)| id.clone()).collect();
    a.store.mark_sent(&ids, NOW).await.unwrap();
    unsent
        .into_iter()
        .map(|(_, subject, bytes)| {
            assert_eq!(subject, "link.01.79.share");
            bytes
        })
        .collect()
}

fn holds(bytes: &[u8], s: &str) -> bool {
    String::from_utf8_lossy(bytes).contains(s)
}

async fn count(store: &Store, sql: &str) -> i64 {
    store::testing::scalar(store, sql).await
}

async fn shared_with_every_choice_travels_without_identifiers(store: Store) {
    let (a, b, _db_b) = setup(store, &[Kind::Share]).await;
    let tracer_a = national(&a, "tracer", Role::Tracer).await;
    let share = a
        .share_case(&tracer_a, CaseId(2), &code("79"), Pseudonymisation::ALL)
        .await
        .unwrap();
    let sent = take_unsent(&a).await;
    assert_eq!(sent.len(), 1);
    let env = Envelope::from_bytes(&sent[0]).unwrap();
    assert_eq!(env.record, format!("share:01:{share}"));
    assert_eq!((env.kind, env.seq), (Kind::Share, 1));
    // What is not shared never leaves A: not in the signed bytes at all.
    for secret in [NAME, NATIONAL_ID, PHONE, "1990-05-05", ADDRESS] {
        assert!(!holds(&sent[0], secret), "{secret} travelled");
    }
    let msg: ShareMessage = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(msg.case.unwrap().person.token.len(), 64);
    // Recorded and audited on A's side.
    assert_eq!(
        count(
            &a.store,
            "SELECT COUNT(*) FROM shares WHERE revoked_at_s IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &a.store,
            "SELECT COUNT(*) FROM audit_log WHERE actor = 'tracer' AND entity = 'case' AND entity_id = '2' AND action = 'update'"
        )
        .await,
        1
    );

    assert_eq!(receive(&b, &sent[0]).await, Received::Applied);
    let tracer_b = national(&b, "tracer", Role::Tracer).await;
    let list = b.shared_with_us(&tracer_b).await.unwrap();
    assert_eq!(list.len(), 1);
    let copy = b.shared_case(&tracer_b, list[0].id).await.unwrap().unwrap();
    assert_eq!((copy.from_locality.as_str(), copy.share_id), ("01", share));
    let case = copy.case.unwrap();
    assert_eq!(case.choices, Pseudonymisation::ALL);
    let p = &case.person;
    assert_eq!(
        (
            &p.full_name,
            &p.national_id,
            &p.phone,
            &p.birth_date,
            &p.address
        ),
        (&None, &None, &None, &None, &None)
    );
    assert_eq!(p.birth_year, Some(1990));
    assert_eq!(
        (p.structure.as_str(), p.unit_code.as_str()),
        ("2021", "00001")
    );
    assert_eq!(p.sex, "male");
    assert_eq!(case.case.status, "active");
    assert_eq!(case.case.confirmed_at_s, NOW - 3600);
    // Never B's own records.
    assert_eq!(count(&b.store, "SELECT COUNT(*) FROM persons").await, 0);
    assert_eq!(count(&b.store, "SELECT COUNT(*) FROM cases").await, 0);
}

both_databases!(shared_with_every_choice_travels_without_identifiers);

async fn shared_as_held_then_revoked_leaves_nothing(store: Store) {
    let (a, b, _db_b) = setup(store, &[Kind::Share]).await;
    let tracer_a = national(&a, "tracer", Role::Tracer).await;
    let tracer_b = national(&b, "tracer", Role::Tracer).await;
    let share = a
        .share_case(
            &tracer_a,
            CaseId(2),
            &code("79"),
            Pseudonymisation::default(),
        )
        .await
        .unwrap();
    let first = take_unsent(&a).await.remove(0);
    assert_eq!(receive(&b, &first).await, Received::Applied);
    let id = b.shared_with_us(&tracer_b).await.unwrap()[0].id;
    let copy = b.shared_case(&tracer_b, id).await.unwrap().unwrap();
    let p = copy.case.unwrap().person;
    assert_eq!(p.full_name.as_deref(), Some(NAME));
    assert_eq!(p.national_id.as_deref(), Some(NATIONAL_ID));
    assert_eq!(p.phone.as_deref(), Some(PHONE));
    assert_eq!(p.birth_date.as_deref(), Some("1990-05-05"));
    assert_eq!(p.address.as_deref(), Some(ADDRESS));

    assert!(a.revoke_share(&tracer_a, share).await.unwrap());
    // Revoked once: a second revoke sends nothing.
    assert!(!a.revoke_share(&tracer_a, share).await.unwrap());
    let revoke = take_unsent(&a).await;
    assert_eq!(revoke.len(), 1);
    let env = Envelope::from_bytes(&revoke[0]).unwrap();
    assert_eq!(
        (env.record.as_str(), env.seq),
        (format!("share:01:{share}").as_str(), 2)
    );
    assert_eq!(receive(&b, &revoke[0]).await, Received::Applied);
    assert!(b.shared_case(&tracer_b, id).await.unwrap().is_none());
    let listed = b.shared_with_us(&tracer_b).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].case.is_none());
    assert_eq!(listed[0].revoked_by.as_deref(), Some("01:tracer"));
    // The locality's clock reads NOW at the start and runs on: a slow machine crosses seconds.
    let at = listed[0].revoked_at_s.expect("revoked");
    assert!((NOW..NOW + 120).contains(&at), "{at}");
    let nothing_personal = "SELECT COUNT(*) FROM shared_in WHERE body IS NOT NULL";
    assert_eq!(count(&b.store, nothing_personal).await, 0);

    // A second delivery of either changes nothing; the share sent again under a new id
    // (a later copy of seq 1) is stale.
    assert_eq!(receive(&b, &revoke[0]).await, Received::Duplicate);
    assert_eq!(receive(&b, &first).await, Received::Duplicate);
    let mut again = Envelope::from_bytes(&first).unwrap();
    again.id = "share-sent-again".into();
    link::sign::sign(&mut again, &a.link.as_ref().unwrap().key);
    assert_eq!(receive(&b, &again.to_bytes()).await, Received::Stale);
    assert!(b.shared_case(&tracer_b, id).await.unwrap().is_none());
    assert_eq!(count(&b.store, nothing_personal).await, 0);
}

both_databases!(shared_as_held_then_revoked_leaves_nothing);

async fn a_share_from_a_peer_not_allowed_to_share_is_refused(store: Store) {
    let (a, b, _db_b) = setup(store, &[Kind::Referral]).await;
    let tracer_a = national(&a, "tracer", Role::Tracer).await;
    a.share_case(
        &tracer_a,
        CaseId(2),
        &code("79"),
        Pseudonymisation::default(),
    )
    .await
    .unwrap();
    let sent = take_unsent(&a).await.remove(0);
    assert_eq!(
        receive(&b, &sent).await,
        Received::Refused(Refusal::KindNotAllowed)
    );
    assert_eq!(count(&b.store, "SELECT COUNT(*) FROM shared_in").await, 0);
}

both_databases!(a_share_from_a_peer_not_allowed_to_share_is_refused);

async fn who_may_share_and_read_shared_copies(store: Store) {
    let (a, b, _db_b) = setup(store, &[Kind::Share]).await;
    let viewer = national(&a, "viewer", Role::Viewer).await;
    let partner = national(&b, "partner", Role::Partner).await;
    let tracer = national(&a, "tracer", Role::Tracer).await;
    let all = Pseudonymisation::ALL;
    assert!(matches!(
        a.share_case(&viewer, CaseId(2), &code("79"), all).await,
        Err(ShareError::Forbidden)
    ));
    assert!(matches!(
        b.shared_with_us(&partner).await,
        Err(ShareError::Forbidden)
    ));
    // Only to a linked partner, and only a case the caller can read.
    assert!(matches!(
        a.share_case(&tracer, CaseId(2), &code("48"), all).await,
        Err(ShareError::UnknownPartner(_))
    ));
    assert!(matches!(
        a.share_case(&tracer, CaseId(2), &code("01"), all).await,
        Err(ShareError::UnknownPartner(_))
    ));
    assert!(matches!(
        a.share_case(&tracer, CaseId(99), &code("79"), all).await,
        Err(ShareError::NotFound)
    ));
    assert!(matches!(
        a.revoke_share(&tracer, 99).await,
        Err(ShareError::NotFound)
    ));
    assert!(a.store.unsent(10).await.unwrap().is_empty());
}

both_databases!(who_may_share_and_read_shared_copies);

/// A copy is read within scope: HCMC's command centre (its province) and a national account
/// read the copy of a Hà Nội resident; an HCMC ward's officer does not (listed nothing,
/// read as none), nor after its revoke.
async fn shared_copies_are_read_within_scope(store: Store) {
    let (a, b, _db_b) = setup(store, &[Kind::Share]).await;
    let tracer_a = national(&a, "tracer", Role::Tracer).await;
    let share = a
        .share_case(
            &tracer_a,
            CaseId(2),
            &code("79"),
            Pseudonymisation::default(),
        )
        .await
        .unwrap();
    let sent = take_unsent(&a).await;
    assert_eq!(receive(&b, &sent[0]).await, Received::Applied);

    let path = |c: &str| {
        app::registry::Registry::of(domain::Structure::S2021)
            .get(c)
            .unwrap()
            .path
            .clone()
    };
    let scoped = |mut caller: store::Caller, unit: &str| {
        caller.scope = domain::Scope::of([(domain::Structure::S2021, path(unit))]);
        caller
    };
    let everyone = national(&b, "national", Role::Tracer).await;
    let city = scoped(national(&b, "city", Role::Tracer).await, "79");
    let ward = scoped(national(&b, "ward", Role::Tracer).await, "26734");
    let id = b.shared_with_us(&everyone).await.unwrap()[0].id;
    for (who, sees) in [(&everyone, true), (&city, true), (&ward, false)] {
        let listed = b.shared_with_us(who).await.unwrap();
        assert_eq!(listed.len(), usize::from(sees), "{}", who.user.username);
        let read = b.shared_case(who, id).await.unwrap();
        assert_eq!(read.is_some(), sees, "{}", who.user.username);
    }
    // The ward's reads were not audited: nothing of the copy reached it.
    assert_eq!(
        count(
            &b.store,
            "SELECT COUNT(*) FROM audit_log WHERE actor = 'ward' AND entity = 'shared_in'"
        )
        .await,
        0
    );
    // Revoked: still nothing to the ward, the revoke shown to the city.
    a.revoke_share(&tracer_a, share).await.unwrap();
    for bytes in take_unsent(&a).await {
        assert_eq!(receive(&b, &bytes).await, Received::Applied);
    }
    assert!(b.shared_copy(&ward, id).await.unwrap().is_none());
    let revoked = b.shared_copy(&city, id).await.unwrap().unwrap();
    assert!(revoked.revoked_at_s.is_some() && revoked.case.is_none());
}

both_databases!(shared_copies_are_read_within_scope);
