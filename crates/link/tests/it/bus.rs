//! The bus on a three-server cluster: delivery, de-duplication, the servers' authorization, and
//! no acknowledged message lost when a server dies.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use link::bus::{Bus, BusError, Delivery, Outgoing};
use link::nats_conf::{subject, LocalityCode};
use link::testing::{nats_bin, Cluster};

const LOCALITIES: [&str; 3] = ["01", "79", "LA-VT"];

async fn cluster() -> Option<Cluster> {
    let bin = nats_bin()?;
    Some(
        Cluster::start(&bin, 3, &LOCALITIES)
            .await
            .expect("a three-server cluster starts"),
    )
}

fn code(s: &str) -> LocalityCode {
    link::nats_conf::code(s).unwrap()
}

fn referral(from: &str, to: &str) -> String {
    subject(&code(from), &code(to), "referral").unwrap()
}

/// Pulls until `until` holds of everything received, acking each, for at most `limit`.
async fn pull_until(
    bus: &Bus,
    limit: Duration,
    mut until: impl FnMut(&[Delivery]) -> bool,
) -> Vec<Delivery> {
    let start = Instant::now();
    let mut got = Vec::new();
    while !until(&got) && start.elapsed() < limit {
        match bus.pull(500, Duration::from_millis(500)).await {
            Ok(batch) => {
                for d in batch {
                    d.ack().await.expect("ack");
                    got.push(d);
                }
            }
            // A server just went away: the client reconnects to another.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    got
}

#[tokio::test]
async fn a_referral_from_01_reaches_79_once_even_when_published_twice() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let hcmc = cluster.bus("79").await.unwrap();
    let vientiane = cluster.bus("LA-VT").await.unwrap();

    let first = hanoi
        .publish(&referral("01", "79"), "msg-1", b"{\"v\":1}")
        .await
        .expect("published");
    assert!(!first.duplicate);
    // The relay crashed after publishing and before marking the row sent: it publishes again.
    let again = hanoi
        .publish(&referral("01", "79"), "msg-1", b"{\"v\":1}")
        .await
        .expect("published again");
    assert!(again.duplicate, "JetStream recognises the message id");
    assert_eq!(again.sequence, first.sequence);
    let admin = cluster.admin().await.unwrap();
    assert_eq!(
        admin.stream_state().await.unwrap().messages,
        1,
        "stored once"
    );

    let got = pull_until(&hcmc, Duration::from_secs(10), |g| !g.is_empty()).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject(), "link.01.79.referral");
    assert_eq!(got[0].payload(), b"{\"v\":1}");
    assert_eq!(got[0].msg_id(), Some("msg-1"));
    assert_eq!(got[0].delivered(), 1);

    // Acked: not delivered again; and it was never Vientiane's to read.
    assert!(hcmc
        .pull(10, Duration::from_millis(300))
        .await
        .unwrap()
        .is_empty());
    assert!(vientiane
        .pull(10, Duration::from_millis(300))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(admin.inbox_backlog(&code("79")).await.unwrap(), 0);
}

#[tokio::test]
async fn a_nak_with_delay_redelivers_later() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let hcmc = cluster.bus("79").await.unwrap();
    hanoi
        .publish(&referral("01", "79"), "early", b"2")
        .await
        .unwrap();
    let first = hcmc.pull(1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(first.len(), 1);
    let naked_at = Instant::now();
    first[0]
        .nak_with_delay(Duration::from_millis(700))
        .await
        .unwrap();
    let again = pull_until(&hcmc, Duration::from_secs(10), |g| !g.is_empty()).await;
    assert_eq!(again[0].msg_id(), Some("early"));
    assert_eq!(again[0].delivered(), 2);
    assert!(
        naked_at.elapsed() >= Duration::from_millis(600),
        "not before the delay"
    );
}

#[tokio::test]
async fn publishing_on_another_localitys_subject_is_refused_by_the_server() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let started = Instant::now();
    // Hà Nội pretends to be HCMC writing to Hà Nội.
    let err = hanoi
        .publish(&referral("79", "01"), "forged", b"{}")
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, BusError::Denied(text) if text.contains("link.79.01.referral")),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the refusal is reported, not waited out"
    );
    let admin = cluster.admin().await.unwrap();
    assert_eq!(
        admin.stream_state().await.unwrap().messages,
        0,
        "nothing stored"
    );
    assert_eq!(admin.inbox_backlog(&code("01")).await.unwrap(), 0);

    // Nor as a third party between two others, nor outside `link.`.
    for subject in ["link.LA-VT.79.gift", "linkx.01.79.referral"] {
        let err = hanoi.publish(subject, "x", b"{}").await.expect_err(subject);
        assert!(matches!(err, BusError::Denied(_)), "{subject}: {err}");
    }
    // The connection lives on: its own subject still works.
    hanoi
        .publish(&referral("01", "79"), "honest", b"{}")
        .await
        .expect("its own subject");
}

#[tokio::test]
async fn pulling_from_or_listening_on_another_localitys_inbox_is_refused() {
    let Some(cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let hcmc = cluster.bus("79").await.unwrap();
    hanoi
        .publish(&referral("01", "79"), "for-79", b"secret")
        .await
        .unwrap();

    let mut refusals = hanoi.refusals();
    // Hà Nội listens on HCMC's reply inbox, then asks HCMC's consumer for its next message.
    let mut spy = hanoi.client().subscribe("_INBOX_79.>").await.unwrap();
    let mut spy_all = hanoi.client().subscribe("link.>").await.unwrap();
    let asked = tokio::time::timeout(
        Duration::from_secs(1),
        hanoi.client().request(
            "$JS.API.CONSUMER.MSG.NEXT.LINK.inbox_79",
            "{\"batch\":1,\"expires\":1000000000}".into(),
        ),
    )
    .await;
    assert!(
        !matches!(asked, Ok(Ok(_))),
        "no answer to a pull from another's inbox"
    );
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while seen.len() < 3 {
        match tokio::time::timeout_at(deadline, refusals.recv()).await {
            Ok(Ok(text)) => seen.push(text),
            _ => break,
        }
    }
    let said = |what: &str| seen.iter().any(|t| t.contains(what));
    assert!(
        said("Publish to \"$JS.API.CONSUMER.MSG.NEXT.LINK.inbox_79\""),
        "{seen:?}"
    );
    assert!(said("Subscription to \"_INBOX_79.>\""), "{seen:?}");
    assert!(said("Subscription to \"link.>\""), "{seen:?}");

    // HCMC gets its message, delivered for the first time: Hà Nội's attempt took nothing.
    let got = pull_until(&hcmc, Duration::from_secs(10), |g| !g.is_empty()).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].delivered(), 1);
    assert_eq!(got[0].payload(), b"secret");
    for sub in [&mut spy, &mut spy_all] {
        let heard = tokio::time::timeout(Duration::from_millis(300), sub.next()).await;
        assert!(!matches!(heard, Ok(Some(_))), "the spy heard nothing");
    }
    // The consumer info of another's inbox is refused too.
    assert!(tokio::time::timeout(
        Duration::from_secs(1),
        hanoi
            .client()
            .request("$JS.API.CONSUMER.INFO.LINK.inbox_79", "".into())
    )
    .await
    .map_or(true, |r| r.is_err()));
}

#[tokio::test]
async fn no_acknowledged_message_is_lost_when_the_stream_leader_dies() {
    let Some(mut cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let hcmc = cluster.bus("79").await.unwrap();
    let admin = cluster.admin().await.unwrap();
    let leader = admin
        .stream_state()
        .await
        .unwrap()
        .leader
        .expect("a leader");
    let victim: usize = leader.trim_start_matches('n').parse().expect("server nI");

    let total = 1_000;
    let mut acked = BTreeSet::new();
    let started = Instant::now();
    for i in 0..total {
        if i == total / 3 {
            cluster.stop(victim);
        }
        let id = format!("r-{i:04}");
        match hanoi
            .publish(&referral("01", "79"), &id, id.as_bytes())
            .await
        {
            Ok(_) => {
                acked.insert(id);
            }
            Err(e) => eprintln!("{id} not acknowledged: {e}"),
        }
    }
    eprintln!(
        "{} of {total} acknowledged in {:?} with n{victim} (the leader) down from #{}",
        acked.len(),
        started.elapsed(),
        total / 3
    );
    // Bounded retries ride out a leader election: every publish was acknowledged.
    assert_eq!(acked.len(), total);

    let got = pull_until(&hcmc, Duration::from_secs(20), |g| {
        g.iter()
            .filter_map(|d| d.msg_id())
            .collect::<BTreeSet<_>>()
            .len()
            >= acked.len()
    })
    .await;
    let ids: BTreeSet<String> = got
        .iter()
        .filter_map(|d| d.msg_id().map(str::to_owned))
        .collect();
    let missing: Vec<_> = acked.difference(&ids).collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    assert_eq!(ids.len(), total, "each id once in the stream");
    for d in &got {
        assert_eq!(d.payload(), d.msg_id().unwrap().as_bytes());
    }

    // The dead server comes back and catches up; the stream is whole again.
    cluster
        .restart(victim)
        .await
        .expect("restarted and current");
    let state = admin.stream_state().await.unwrap();
    assert!(state.leader.is_some());
    assert!(state.followers_current.iter().all(|c| *c), "{state:?}");
    assert_eq!(state.messages, 0, "all acked: the work queue is empty");
}

#[tokio::test]
async fn a_pipelined_batch_survives_a_server_loss_and_a_forged_subject_in_it_is_refused() {
    let Some(mut cluster) = cluster().await else {
        return;
    };
    let hanoi = cluster.bus("01").await.unwrap();
    let hcmc = cluster.bus("79").await.unwrap();
    let total = 3_000;
    let forged_at = 1_234;
    let batch: Vec<Outgoing> = (0..total)
        .map(|i| Outgoing {
            subject: if i == forged_at {
                referral("LA-VT", "79")
            } else {
                referral("01", "79")
            },
            msg_id: format!("b-{i:05}"),
            payload: format!("{i}").into_bytes().into(),
        })
        .collect();
    let (first, rest) = batch.split_at(total / 2);
    let started = Instant::now();
    let mut results = hanoi.publish_batch(first).await;
    // A follower dies between two batches; the second is published through what is left.
    let leader = cluster
        .admin()
        .await
        .unwrap()
        .stream_state()
        .await
        .unwrap()
        .leader;
    let follower = (0..3)
        .find(|i| leader.as_deref() != Some(format!("n{i}").as_str()))
        .unwrap();
    cluster.stop(follower);
    results.extend(hanoi.publish_batch(rest).await);
    eprintln!(
        "{total} published in two pipelined batches in {:?}",
        started.elapsed()
    );
    for (i, r) in results.iter().enumerate() {
        if i == forged_at {
            assert!(matches!(r, Err(BusError::Denied(_))), "{r:?}");
        } else {
            assert!(r.is_ok(), "#{i}: {r:?}");
        }
    }
    let got = pull_until(&hcmc, Duration::from_secs(20), |g| g.len() >= total - 1).await;
    let ids: BTreeSet<&str> = got.iter().filter_map(|d| d.msg_id()).collect();
    assert_eq!(ids.len(), total - 1);
    assert!(!ids.contains(format!("b-{forged_at:05}").as_str()));
    cluster
        .restart(follower)
        .await
        .expect("restarted and current");
}

#[tokio::test]
async fn the_servers_hold_password_hashes_and_refuse_a_wrong_or_borrowed_password() {
    let Some(cluster) = cluster().await else {
        return;
    };
    // The files on the NATS machines do not hold what a locality signs in with.
    for entry in std::fs::read_dir(cluster.dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "conf") {
            let text = std::fs::read_to_string(&path).unwrap();
            for code in LOCALITIES {
                let secret = cluster.password(code).unwrap();
                assert!(
                    !text.contains(secret),
                    "{}: {code}'s password",
                    path.display()
                );
            }
            assert!(text.contains("password: \"$2a$11$"), "{}", path.display());
        }
    }
    let urls = cluster.urls();
    // A wrong password, and HCMC's password for Hà Nội's user, are refused at connection.
    for (user, password) in [
        ("01", "not-the-password-01".to_owned()),
        ("01", cluster.password("79").unwrap().to_owned()),
    ] {
        let refused = tokio::time::timeout(
            Duration::from_secs(15),
            Bus::connect(&urls, &code(user), &password),
        )
        .await
        .expect("refused, not hanging");
        assert!(
            matches!(refused, Err(BusError::Connect(_))),
            "{user} with a wrong password connected"
        );
    }
    // The right one still connects.
    cluster
        .bus("01")
        .await
        .expect("Hà Nội with its own password");
}
