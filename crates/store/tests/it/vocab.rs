//! Vocabulary columns (migration 21): the database itself refuses a value outside the enum's
//! slugs, the store reads a stored value it cannot parse as corrupt (never a panic), and the
//! SQLite rebuild keeps the rows, their ids, the references to them and the tallies.

use domain::contact::{ContactReason, ContactSetting, ContactStatus};
use domain::epi::{CaseStatus, Severity};
use domain::{CaseId, Role, Scope, Structure};
use store::testing::{execute, scalar, try_execute};
use store::{both_databases, CaseRow, PageRequest, Store, StoreError, UnitRef};

use crate::{caller, persons, unit, NOW};

/// Persons 1..=4 in commune 00001, and case 1 (person 1).
async fn one_case(store: &Store) -> UnitRef {
    let u = unit(store, "00001").await;
    store
        .bulk_persons(&persons(4, |_| u.clone(), |_| None), NOW)
        .await
        .unwrap();
    case_one(store, u).await
}

/// `one_case` on a schema older than migration 0024.
async fn one_case_before_0024(store: &Store) -> UnitRef {
    let u = unit(store, "00001").await;
    crate::persons_before_0024(store, &persons(4, |_| u.clone(), |_| None)).await;
    case_one(store, u).await
}

async fn case_one(store: &Store, u: UnitRef) -> UnitRef {
    store
        .bulk_cases(
            &[CaseRow {
                id: 1,
                person_id: 1,
                unit: u.clone(),
                status: CaseStatus::Active,
                severity: Severity::Mild,
                onset_s: None,
                first_sample_s: NOW - 86_400,
                confirmed_at_s: NOW - 3_600,
                isolation_s: None,
                community: true,
                outcome_at_s: None,
            }],
            NOW,
        )
        .await
        .unwrap();
    u
}

fn contact_sql(u: &UnitRef, person: i64, status: &str, reasons: &str) -> String {
    format!(
        "INSERT INTO contacts (case_id, person_id, degree, via_person_id, first_exposure_s,
                               exposure_s, reasons, status, quarantine_from_s, quarantine_until_s,
                               test_days, policy, structure, unit_code, unit_path, created_at_s)
         VALUES (1, {person}, 1, 1, {from}, 900, '{reasons}', '{status}', {from}, {until}, '1,7',
                 '5599/BYT-MT', '2021', '{code}', '{path}', {NOW})",
        from = NOW - 86_400,
        until = NOW + 6 * 86_400,
        code = u.code.as_str(),
        path = u.path.as_str(),
    )
}

fn risk_level_sql(code: &str, unit_level: &str) -> String {
    format!(
        "INSERT INTO risk_levels (structure, unit_code, unit_level, week_end, level, policy,
                                  population, cases, inputs, reason_vi, reason_en,
                                  published_at_s, published_by)
         VALUES ('2021', '{code}', '{unit_level}', '2021-11-14', 2, '4800/QĐ-BYT', 1000, 3,
                 '[]', 'x', 'x', {NOW}, 'test')"
    )
}

fn override_sql(by: i64, old_status: &str) -> String {
    format!(
        "INSERT INTO policy_overrides (file, document, key, old_value, old_status, new_value,
                                       by_user, at_s)
         VALUES ('risk_levels.toml', '4800/QĐ-BYT', 'k', '1', '{old_status}', '2', {by}, {NOW})"
    )
}

/// `good` is stored; `bad`, the same row with a value outside the vocabulary, is refused by
/// the database's CHECK.
async fn refused(store: &Store, good: &str, bad: &str) {
    assert_eq!(execute(store, good).await, 1, "{good}");
    let err = try_execute(store, bad)
        .await
        .expect_err("a value outside the vocabulary was stored");
    assert!(err.to_lowercase().contains("check"), "{bad}: {err}");
}

async fn contact_status_and_setting_outside_the_vocabulary_are_refused(store: Store) {
    let u = one_case(&store).await;
    refused(
        &store,
        &contact_sql(&u, 2, "quarantine", "[]"),
        &contact_sql(&u, 3, "isolation", "[]"),
    )
    .await;
    let err = try_execute(&store, "UPDATE contacts SET status = 'released'")
        .await
        .expect_err("an update outside the vocabulary was stored");
    assert!(err.to_lowercase().contains("check"), "{err}");
    let declared = |setting: &str| {
        format!(
            "INSERT INTO declared_contacts (person_id, contact_id, at_s, setting, created_at_s)
             VALUES (1, 4, {NOW}, '{setting}', {NOW})"
        )
    };
    refused(&store, &declared("face_to_face"), &declared("phone")).await;
    // What the database holds reads back as the enums.
    let rows = store.declared_contacts().await.unwrap();
    assert_eq!(rows[0].setting, ContactSetting::FaceToFace);
}

async fn risk_level_unit_level_outside_the_vocabulary_is_refused(store: Store) {
    refused(
        &store,
        &risk_level_sql("00001", "commune"),
        &risk_level_sql("00004", "ward"),
    )
    .await;
    let history = store
        .risk_history(Structure::S2021, "00001", 10)
        .await
        .unwrap();
    assert_eq!(history[0].unit_level, domain::UnitLevel::Commune);
    assert!(history[0].inputs.is_empty());
}

async fn policy_item_status_outside_the_vocabulary_is_refused(store: Store) {
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    refused(
        &store,
        &override_sql(admin.user.id.0, "assumed"),
        &override_sql(admin.user.id.0, "guessed"),
    )
    .await;
    let stored = store.policy_overrides().await.unwrap();
    assert_eq!(stored[0].old_status, domain::policy::Status::Assumed);
}

/// A stored JSON the typed structure cannot read (an older writer, a console) is a corrupt
/// row, not a panic and not an empty list.
async fn contact_reasons_that_do_not_parse_are_corrupt(store: Store) {
    let u = one_case(&store).await;
    let reason = ContactReason {
        kind: domain::contact::ReasonKind::Declared,
        venue_id: None,
        venue_name: None,
        from: chrono::DateTime::from_timestamp(NOW - 86_400, 0),
        to: None,
        overlap_min: None,
        setting: Some(ContactSetting::Care),
    };
    let json = serde_json::to_string(&[&reason]).unwrap();
    execute(&store, &contact_sql(&u, 2, "quarantine", &json)).await;
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    let list = |store: Store, admin: store::Caller| async move {
        store
            .list_contacts(
                &admin,
                Structure::S2021,
                Some(CaseId(1)),
                None,
                &PageRequest::first(10),
                NOW,
            )
            .await
    };
    let page = list(store.clone(), admin.clone()).await.unwrap();
    assert_eq!(page.items[0].reasons, vec![reason]);
    assert_eq!(page.items[0].status, ContactStatus::Quarantine);
    execute(
        &store,
        r#"UPDATE contacts SET reasons = '[{"kind":"phone"}]'"#,
    )
    .await;
    match list(store, admin).await {
        Err(StoreError::Corrupt(what)) => assert!(what.contains("contacts.reasons"), "{what}"),
        other => panic!("expected a corrupt row, got {other:?}"),
    }
}

both_databases!(
    contact_status_and_setting_outside_the_vocabulary_are_refused,
    risk_level_unit_level_outside_the_vocabulary_is_refused,
    policy_item_status_outside_the_vocabulary_is_refused,
    contact_reasons_that_do_not_parse_are_corrupt,
);

/// Rows written before migration 21 survive it with their ids; on SQLite (where the tables are
/// rebuilt) a stay still references its contact, the quarantine tally is not counted twice,
/// and the triggers and CHECKs are back.
async fn rows_before_the_migration_survive_it(db: store::testing::TestDb) {
    let store = db.store.clone();
    let u = one_case_before_0024(&store).await;
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    execute(&store, &contact_sql(&u, 2, "quarantine", "[]")).await;
    execute(&store, &contact_sql(&u, 3, "monitor", "[]")).await;
    execute(
        &store,
        &format!(
            "INSERT INTO stays (person_id, contact_id, place, from_s, structure, unit_code,
                                unit_path, created_at_s)
             SELECT person_id, id, 'home', {NOW}, structure, unit_code, unit_path, {NOW}
             FROM contacts WHERE person_id = 2"
        ),
    )
    .await;
    execute(
        &store,
        &format!(
            "INSERT INTO declared_contacts (person_id, contact_id, at_s, setting, created_at_s)
             VALUES (1, 4, {NOW}, 'household', {NOW})"
        ),
    )
    .await;
    execute(&store, &risk_level_sql("00001", "commune")).await;
    execute(&store, &override_sql(admin.user.id.0, "verified")).await;
    let quarantined = |store: Store| async move {
        store
            .case_counts(&Scope::everything(), Structure::S2021, NOW)
            .await
            .unwrap()
            .f1_in_quarantine
    };
    // Before the vocabulary migration the schema has no follow-up status, which today's
    // count reads: the tally itself says it.
    let tallied = "SELECT CAST(SUM(n) AS BIGINT) FROM quarantine_ends";
    assert_eq!(scalar(&store, tallied).await, 1);

    let report = store.migrate().await.unwrap();
    assert_eq!(
        report.applied.first().map(String::as_str),
        Some("0021_vocab")
    );
    assert_eq!(quarantined(store.clone()).await, 1, "the tally moved");
    let page = store
        .list_contacts(
            &admin,
            Structure::S2021,
            Some(CaseId(1)),
            None,
            &PageRequest::first(10),
            NOW,
        )
        .await
        .unwrap();
    let statuses: Vec<(i64, ContactStatus)> = page.items.iter().map(|c| (c.id, c.status)).collect();
    assert_eq!(
        statuses,
        vec![(1, ContactStatus::Quarantine), (2, ContactStatus::Monitor)]
    );
    assert_eq!(
        execute(
            &store,
            "UPDATE stays SET note = 'kept' WHERE contact_id = 1 AND person_id = 2"
        )
        .await,
        1
    );
    assert_eq!(
        store.declared_contacts().await.unwrap()[0].setting,
        ContactSetting::Household
    );
    assert_eq!(
        store.policy_overrides().await.unwrap()[0].old_status,
        domain::policy::Status::Verified
    );
    assert_eq!(
        store
            .risk_history(Structure::S2021, "00001", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // The triggers are back: a new contact in quarantine is counted, and the CHECK holds.
    execute(&store, &contact_sql(&u, 4, "quarantine", "[]")).await;
    assert_eq!(quarantined(store.clone()).await, 2);
    assert!(try_execute(&store, "UPDATE contacts SET status = 'x'")
        .await
        .is_err());
    // And the foreign keys: a stay cannot name a contact that does not exist.
    assert!(try_execute(
        &store,
        &format!(
            "INSERT INTO stays (person_id, contact_id, place, from_s, until_s, structure,
                                unit_code, unit_path, created_at_s)
             VALUES (3, 999, 'home', {NOW}, {NOW}, '2021', '00001', '{}', {NOW})",
            u.path.as_str()
        ),
    )
    .await
    .is_err());
}

mod vocab_migration {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::rows_before_the_migration_survive_it(store::testing::sqlite_through(20).await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = store::testing::postgres_through(20).await else {
            return;
        };
        super::rows_before_the_migration_survive_it(db).await;
    }
}
