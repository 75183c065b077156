//! Referrals of a received batch applied together (`app::referral::apply_referral_run`,
//! `Store::insert_referrals_in`), held to the one-at-a-time path: two receiving localities
//! take the same batches in, one applying each referral on its own, the other a run at a
//! time, and every row they write is compared.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use domain::person::Sex;
use link::{Kind, Registry};
use sqlx::Row;
use store::{both_databases, PersonRow, Store};

use app::link::LinkError;

use crate::linked::{code, link_pair, other_db, Side};
use crate::{app_at_now, seed, unit, NOW};

const HN: Side = Side {
    code: "01",
    name: "Hà Nội",
    sends: &[Kind::Referral],
};
const HCM: Side = Side {
    code: "79",
    name: "TP. Hồ Chí Minh",
    sends: &[Kind::ReferralStatus],
};

/// A small deterministic generator (the runs are reproducible by their seed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// A receiver: persons 1–2 in Hà Nội (outside its reach), 3 living in Bến Nghé with a
/// national ID and phone, 4 in Hà Nội with a national ID.
async fn receiver(store: &Store) {
    seed(store, 2).await;
    let row = |id: i64, nid: &str, phone: Option<&str>, name: &str, u| PersonRow {
        id,
        full_name: name.into(),
        national_id: Some(nid.into()),
        phone: phone.map(Into::into),
        birth_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1),
        sex: Sex::Female,
        unit: u,
        household_id: None,
        synthetic: true,
    };
    let rows = vec![
        row(
            3,
            "079190000003",
            Some("0909000003"),
            "Lê Thị Ba",
            unit(store, "26740").await,
        ),
        row(
            4,
            "001190000004",
            None,
            "Đỗ Văn Bốn",
            unit(store, "00001").await,
        ),
    ];
    store.bulk_persons(&rows, 0).await.unwrap();
    store.sync_id_sequences().await.unwrap();
}

/// A referral body drawn from small pools, so that persons are found by ID, by phone and
/// name (also one registered earlier in the batch), registered, refused (unknown unit, a
/// unit or a person outside HCMC, a body of another version).
fn body(rng: &mut Lcg) -> serde_json::Value {
    let nids = [
        None,
        None,
        Some("079190000003"),
        Some("001190000004"),
        Some("079200000001"),
        Some("079200000002"),
        Some("079200000003"),
    ];
    let phones = [
        None,
        Some("0909000003"),
        Some("0909000111"),
        Some("0909000222"),
    ];
    let names = ["Lê Thị Ba", "Le Thi Ba", "Phạm Văn Tư", "Ngô Thị Năm"];
    let units = ["26740", "26740", "26740", "26734", "00001", "99999"];
    let births = [None, Some("1990-01-01"), Some("1985-02-03")];
    let v = if rng.next(15) == 0 { 2 } else { 1 };
    serde_json::json!({
        "v": v,
        "person": {
            "full_name": names[rng.next(names.len())],
            "birth_date": births[rng.next(births.len())],
            "sex": "female",
            "phone": phones[rng.next(phones.len())],
            "national_id": nids[rng.next(nids.len())],
            "structure": "2021",
            "unit_code": units[rng.next(units.len())],
            "address": if rng.next(2) == 0 { None } else { Some("12 Lê Lợi") },
        },
        "degree": 1 + rng.next(2) as i64,
        "first_exposure_s": NOW - 86_400,
        "exposure_s": 900,
        "reasons": [],
        "plan": { "status": "monitor", "quarantine_from_s": null, "quarantine_until_s": null,
                  "follow_up_until_s": null, "test_days": "", "policy": "" },
        "source_case": "x"
    })
}

/// Takes `batch` in on `to`, a run at a time (`runs`) or each message on its own; counts
/// in `counted` the messages the run applier applied.
async fn take(
    to: &app::App,
    batch: &[Vec<u8>],
    runs: bool,
    counted: &Arc<AtomicUsize>,
) -> Vec<String> {
    let registry: Registry = to.link.as_ref().unwrap().registry.clone();
    let refs: Vec<&[u8]> = batch.iter().map(|b| b.as_slice()).collect();
    let app = to.clone();
    let run_app = app::link::app_run_dispatch(to);
    let counted = counted.clone();
    let out = to
        .store
        .receive_batch_with::<LinkError, _, _>(
            &refs,
            &registry,
            NOW,
            move |tx, e| {
                let app = app.clone();
                Box::pin(async move { app::link::dispatch(&app, tx, e).await.map(|_| ()) })
            },
            move |tx, envs| {
                let run_app = run_app.clone();
                let counted = counted.clone();
                Box::pin(async move {
                    if !runs {
                        return Ok(0);
                    }
                    let n = run_app(tx, envs).await?;
                    counted.fetch_add(n, Ordering::Relaxed);
                    Ok(n)
                })
            },
        )
        .await
        .unwrap();
    out.into_iter()
        .map(|r| match r {
            Ok(r) => format!("{r:?}"),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

fn cell(r: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = r.try_get::<Option<String>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
        // The app's clock runs on from NOW: a second may pass between the two receivers.
        if v.is_some_and(|t| (NOW..NOW + 3600).contains(&t)) {
            return "now".into();
        }
        return format!("{v:?}");
    }
    "?".into()
}

/// Every row the receiving of referrals writes, as text (audit and refusal rows sorted: their
/// ids interleave differently).
async fn rows(store: &Store) -> Vec<(String, Vec<String>)> {
    let queries = [
        ("persons", "SELECT id, full_name, national_id, phone, birth_date, sex, structure, unit_code, unit_path, created_at_s, created_by, updated_at_s, name_folded, address, merged_into FROM persons ORDER BY id", false),
        ("contacts", "SELECT id, person_id, degree, first_exposure_s, exposure_s, reasons, status, quarantine_from_s, quarantine_until_s, follow_up_until_s, test_days, policy, structure, unit_code, unit_path, created_at_s, created_by, referred_from, remote_ref FROM contacts ORDER BY id", false),
        ("audit", "SELECT at_s, user_id, actor, action, entity, entity_id, detail, structure, unit_path FROM audit_log", true),
        ("pairs", "SELECT a_id, b_id, reason, structure, unit_path, found_at_s FROM person_pairs ORDER BY a_id, b_id, reason", false),
        ("residents", "SELECT structure, unit_code, unit_path, residents FROM unit_residents ORDER BY structure, unit_code", false),
        ("refusals", "SELECT envelope, reason, at_s FROM link_refusals", true),
        ("inbox", "SELECT id, from_locality, kind, record_key, seq, received_at_s, outcome FROM link_inbox ORDER BY id", false),
        ("seqs", "SELECT direction, peer, record_key, last_seq FROM link_seqs ORDER BY direction, peer, record_key", false),
    ];
    let mut tx = store.begin_transaction().await.unwrap();
    let mut out = Vec::new();
    for (name, sql, sort) in queries {
        let got = sqlx::query(sql).fetch_all(&mut *tx).await.unwrap();
        let mut lines: Vec<String> = got
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| cell(r, i))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect();
        if sort {
            lines.sort();
        }
        out.push((name.to_string(), lines));
    }
    out
}

/// Seeded batches (shuffled, repeated, stale, several records, two referrals of one record,
/// refusals among them) give the same outcomes and the same rows whether the referrals are
/// applied a run at a time or one at a time.
async fn a_batch_of_referrals_writes_what_one_at_a_time_writes(store: Store) {
    for seed_no in 1..=3u64 {
        let db_1 = other_db(&store).await;
        let db_2 = other_db(&store).await;
        let db_a = other_db(&store).await;
        let mut a = app_at_now(db_a.store.clone());
        let (mut one, mut run) = (
            app_at_now(db_1.store.clone()),
            app_at_now(db_2.store.clone()),
        );
        link_pair(&mut a, HN, &mut one, HCM).await;
        link_pair(&mut a, HN, &mut run, HCM).await;
        receiver(&one.store).await;
        receiver(&run.store).await;
        let setup = a.link.clone().unwrap();
        let mut rng = Lcg(seed_no);
        // 40 referrals about 16 records (a record referred again has seq 2, 3…).
        for _ in 0..40 {
            let record = format!("contact:01:{}", 1 + rng.next(16));
            a.store
                .enqueue(
                    &setup.me,
                    &code("79"),
                    Kind::Referral,
                    &record,
                    body(&mut rng),
                    NOW,
                    &setup.key,
                )
                .await
                .unwrap();
        }
        let mut all: Vec<Vec<u8>> = a
            .store
            .unsent(1000)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, b)| b)
            .collect();
        // Shuffled, a few repeated, in three batches; what comes out of order goes again
        // with the next batch.
        for i in (1..all.len()).rev() {
            all.swap(i, rng.next(i + 1));
        }
        for _ in 0..8 {
            let k = rng.next(all.len());
            all.push(all[k].clone());
        }
        let (ones, runs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut carried: Vec<Vec<u8>> = Vec::new();
        let chunks: Vec<Vec<Vec<u8>>> = all.chunks(16).map(|c| c.to_vec()).collect();
        let rounds = chunks.len() + 3;
        for r in 0..rounds {
            let mut batch = std::mem::take(&mut carried);
            batch.extend(chunks.get(r).cloned().unwrap_or_default());
            if batch.is_empty() {
                continue;
            }
            let got_one = take(&one, &batch, false, &ones).await;
            let got_run = take(&run, &batch, true, &runs).await;
            assert_eq!(got_one, got_run, "seed {seed_no}, round {r}");
            carried = batch
                .into_iter()
                .zip(&got_run)
                .filter(|(_, g)| g.as_str() == "OutOfOrder")
                .map(|(b, _)| b)
                .collect();
        }
        assert!(carried.is_empty(), "seed {seed_no}: all taken in");
        assert_eq!(ones.load(Ordering::Relaxed), 0);
        assert!(
            runs.load(Ordering::Relaxed) > 10,
            "seed {seed_no}: the run path applied {}",
            runs.load(Ordering::Relaxed)
        );
        let (rows_one, rows_run) = (rows(&one.store).await, rows(&run.store).await);
        for ((name, a), (_, b)) in rows_one.iter().zip(&rows_run) {
            assert_eq!(a, b, "seed {seed_no}: {name}");
        }
        // Something of each kind happened.
        let contacts = store::testing::scalar(
            &run.store,
            "SELECT COUNT(*) FROM contacts WHERE referred_from = '01'",
        )
        .await;
        assert!(contacts > 3, "seed {seed_no}: {contacts} contacts");
        let refused =
            store::testing::scalar(&run.store, "SELECT COUNT(*) FROM link_refusals").await;
        assert!(refused > 0, "seed {seed_no}: none refused");
    }
}

both_databases!(a_batch_of_referrals_writes_what_one_at_a_time_writes);

/// A hundred referrals of new persons in one batch: all applied by the run applier, each
/// person and contact written once (the batch neither drops nor doubles a row).
async fn a_hundred_referrals_are_applied_together_once_each(store: Store) {
    let db_a = other_db(&store).await;
    let mut a = app_at_now(db_a.store.clone());
    let mut b = app_at_now(store);
    link_pair(&mut a, HN, &mut b, HCM).await;
    receiver(&b.store).await;
    let setup = a.link.clone().unwrap();
    for k in 0..100 {
        let body = serde_json::json!({
            "v": 1,
            "person": { "full_name": format!("Người thứ {k}"), "birth_date": null,
                        "sex": "male", "phone": format!("09100{k:05}"),
                        "national_id": format!("0792000{k:05}"), "structure": "2021",
                        "unit_code": "26740", "address": null },
            "degree": 1, "first_exposure_s": NOW - 86_400, "exposure_s": 900, "reasons": [],
            "plan": { "status": "monitor", "quarantine_from_s": null,
                      "quarantine_until_s": null, "follow_up_until_s": null,
                      "test_days": "", "policy": "" },
            "source_case": "x"
        });
        a.store
            .enqueue(
                &setup.me,
                &code("79"),
                Kind::Referral,
                &format!("contact:01:{k}"),
                body,
                NOW,
                &setup.key,
            )
            .await
            .unwrap();
    }
    let batch: Vec<Vec<u8>> = a
        .store
        .unsent(1000)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, _, b)| b)
        .collect();
    const RESIDENTS: &str =
        "SELECT CAST(COALESCE(SUM(residents), 0) AS BIGINT) FROM unit_residents WHERE unit_code = '26740'";
    let residents_before = store::testing::scalar(&b.store, RESIDENTS).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let got = take(&b, &batch, true, &runs).await;
    assert!(got.iter().all(|g| g == "Applied"), "{got:?}");
    assert_eq!(runs.load(Ordering::Relaxed), 100, "all applied by the run");
    let scalar = |sql: &'static str| {
        let store = b.store.clone();
        async move { store::testing::scalar(&store, sql).await }
    };
    assert_eq!(scalar("SELECT COUNT(*) FROM contacts").await, 100);
    assert_eq!(
        scalar("SELECT COUNT(DISTINCT remote_ref) FROM contacts").await,
        100
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM persons WHERE full_name LIKE 'Người thứ %'").await,
        100
    );
    assert_eq!(
        scalar("SELECT COUNT(DISTINCT person_id) FROM contacts").await,
        100,
        "each contact its own person"
    );
    assert_eq!(
        scalar(
            "SELECT COUNT(*) FROM contacts c JOIN persons p ON p.id = c.person_id
             WHERE p.full_name = 'Người thứ ' || SUBSTR(c.remote_ref, 12)"
        )
        .await,
        100,
        "each contact with the person its referral names"
    );
    assert_eq!(
        scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity IN ('person', 'contact')").await,
        200
    );
    assert_eq!(
        scalar(RESIDENTS).await - residents_before,
        100,
        "the hundred counted as residents"
    );
    // Delivered again: duplicates, nothing more written.
    let again = take(&b, &batch, true, &runs).await;
    assert!(again.iter().all(|g| g == "Duplicate"), "{again:?}");
    assert_eq!(scalar("SELECT COUNT(*) FROM contacts").await, 100);
    assert_eq!(scalar("SELECT COUNT(*) FROM persons").await, 104);
}

both_databases!(a_hundred_referrals_are_applied_together_once_each);
