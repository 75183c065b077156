//! `chongdich link …` and `serve --locality`: the registry made from the command line, and a
//! served locality taking its NATS inbox in (skipped without `CHONGDICH_TEST_NATS_BIN`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use link::testing::{nats_bin, Cluster};
use link::{sign, Envelope, KeyPair, Kind, LocalityCode};

use crate::{run, stderr, stdout, temp_sqlite, BIN};

fn code(s: &str) -> LocalityCode {
    LocalityCode::parse(s).unwrap()
}

#[test]
fn the_registry_is_made_from_the_command_line() {
    let (db, _file) = temp_sqlite("link-registry");
    let key = run(&["link", "key", "--db", &db], None);
    assert!(key.status.success(), "{}", stderr(&key));
    let key = stdout(&key).trim().to_owned();
    let again = run(&["link", "key", "--db", &db], None);
    assert_eq!(stdout(&again).trim(), key, "made once, then kept");

    let hn = KeyPair::generate().public().to_base64();
    let add = |code: &str, kinds: &str| {
        run(
            &[
                "link",
                "peer",
                "add",
                "--db",
                &db,
                "--code",
                code,
                "--name",
                "Hà Nội",
                "--key",
                &hn,
                "--kinds",
                kinds,
            ],
            None,
        )
    };
    let added = add("01", "referral,letter");
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        !add("0/1", "referral").status.success(),
        "a code NATS cannot carry"
    );
    let bad = add("01", "referral,gifts");
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--kinds"), "{}", stderr(&bad));

    let peers = run(&["link", "peers", "--db", &db], None);
    let text = stdout(&peers);
    let line = text.lines().find(|l| l.starts_with("01 ")).expect(&text);
    assert!(line.contains("Hà Nội") && line.contains(&hn), "{line}");
    assert!(
        line.ends_with("referral,letter"),
        "the first entry kept: {line}"
    );

    let lone = run(
        &["serve", "--db", &db, "--nats", "nats://127.0.0.1:4222"],
        None,
    );
    assert!(!lone.status.success(), "--nats without --locality");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_locality_takes_its_inbox_in() {
    let Some(nats) = nats_bin() else {
        return;
    };
    let cluster = Cluster::start(&nats, 1, &["01", "79"]).await.unwrap();
    let (db, _file) = temp_sqlite("link-serve");
    let hn = KeyPair::generate();
    let added = run(
        &[
            "link",
            "peer",
            "add",
            "--db",
            &db,
            "--code",
            "01",
            "--name",
            "Hà Nội",
            "--key",
            &hn.public().to_base64(),
            "--kinds",
            "letter",
        ],
        None,
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let password = cluster.dir().join("79.password");
    std::fs::write(&password, format!("{}\n", cluster.password("79").unwrap())).unwrap();

    let mut server = Command::new(BIN)
        .args([
            "serve",
            "--db",
            &db,
            "--addr",
            "127.0.0.1:0",
            "--locality",
            "79",
        ])
        .arg("--nats")
        .arg(cluster.urls().join(","))
        .arg("--nats-password-file")
        .arg(&password)
        .env_remove("CHONGDICH_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Hà Nội's thank-you letter (for help that was not a gift) lands in HCMC's letters as
    // received: the served runtime took it in and applied it.
    let mut letter = Envelope::new(
        code("01"),
        code("79"),
        Kind::Letter,
        "letter:01:1",
        1,
        1_635_465_600,
        serde_json::json!({
            "v": 1,
            "kind": "help",
            "on_date": "2021-10-29",
            "subject": "Thư cảm ơn",
            "text": "Cảm ơn các y bác sĩ và vật tư",
            "signed_by": "Ban Chỉ đạo",
            "gift": null
        }),
    )
    .unwrap();
    sign::sign(&mut letter, &hn);
    let bus = cluster.bus("01").await.unwrap();
    bus.publish(&letter.subject(), &letter.id, &letter.to_bytes())
        .await
        .unwrap();

    let store = store::Store::connect(&db).await.unwrap();
    let start = Instant::now();
    let mut seen = 0;
    while start.elapsed() < Duration::from_secs(30) {
        seen = store::testing::scalar(
            &store,
            "SELECT COUNT(*) FROM letters WHERE direction = 'received' AND partner_code = '01'",
        )
        .await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(seen, 1, "the letter was taken in by the served locality");
    let admin = cluster.admin().await.unwrap();
    assert_eq!(
        admin.inbox_backlog(&code("79")).await.unwrap(),
        0,
        "and acknowledged"
    );
}

/// `chongdich demo --linked`: three localities with their own databases, linked through a
/// NATS server the demo starts; the reports' gifts between Hà Nội and Vientiane are recorded
/// by their donors, appear as incoming at their recipients, and the receipts come back.
/// Run twice, nothing is recorded or delivered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_linked_demo_exchanges_the_reports_gifts() {
    use domain::aid::{AidStatus, Currency, Money};
    use store::aid::AidFilter;
    use store::{Caller, PageRequest, Store};

    let Some(bin) = nats_bin() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("chongdich-linked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let demo = || {
        let out = Command::new(BIN)
            .args([
                "demo",
                "--linked",
                "--no-serve",
                "--people",
                "2000",
                "--days",
                "14",
            ])
            .arg("--linked-dir")
            .arg(&dir)
            .env("CHONGDICH_NATS_BIN", &bin)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let printed = demo();
    for code in ["01 ", "79 ", "LA-VT "] {
        assert!(printed.lines().any(|l| l.starts_with(code)), "{printed}");
    }
    assert!(printed.contains("exchanged: 2"), "{printed}");
    demo();

    let all = Caller::system("test");
    let ledger = |code: &str| {
        let (all, url) = (
            all.clone(),
            format!("sqlite://{}", dir.join(format!("{code}.db")).display()),
        );
        async move {
            let store = Store::connect(&url).await.unwrap();
            let items = store
                .list_donations(&all, &AidFilter::default(), &PageRequest::first(100))
                .await
                .unwrap()
                .items;
            let mut linked = Vec::new();
            for d in items {
                let link = store.link_of(d.id).await.unwrap();
                linked.push((d, link));
            }
            linked
        }
    };
    let usd = |major: i64| Money {
        amount_minor: major * 100,
        currency: Currency::USD,
    };
    // Vientiane: Hà Nội's gift taken in once, received in full; its own to Hà Nội, received.
    let vt = ledger("LA-VT").await;
    let from_hn: Vec<_> = vt
        .iter()
        .filter(|(d, _)| d.donor.code_or_id == "01")
        .collect();
    assert_eq!(from_hn.len(), 1, "{vt:?}");
    let (gift, link) = from_hn[0];
    assert_eq!(link.as_ref().map(|(f, _)| f.as_str()), Some("01"));
    assert_eq!(
        (gift.status, gift.money),
        (AidStatus::Received, Some(usd(40_000)))
    );
    let mine: Vec<_> = vt
        .iter()
        .filter(|(d, _)| d.donor.code_or_id == "LA-VT")
        .collect();
    assert_eq!(mine.len(), 1, "{vt:?}");
    assert_eq!(mine[0].0.status, AidStatus::Received);
    // Hà Nội: its gift received there (the receipt came back) and Vientiane's taken in once.
    let hn = ledger("01").await;
    let to_vt: Vec<_> = hn
        .iter()
        .filter(|(d, _)| d.donor.code_or_id == "01" && d.recipient.code_or_id == "LA-VT")
        .collect();
    assert_eq!(to_vt.len(), 1, "one row, not the seeded one too");
    assert_eq!(to_vt[0].0.status, AidStatus::Received);
    assert_eq!(to_vt[0].0.received_money_minor, Some(4_000_000));
    let from_vt: Vec<_> = hn
        .iter()
        .filter(|(d, _)| d.donor.code_or_id == "LA-VT")
        .collect();
    assert_eq!(from_vt.len(), 1);
    assert_eq!(from_vt[0].0.money, Some(usd(15_000)));
    assert!(from_vt[0].1.is_some(), "taken in from Vientiane");
    let _ = std::fs::remove_dir_all(&dir);
}
