use domain::auth::{Limit, LoginLimits, SESSION_IDLE_S, SESSION_TOUCH_S};
use domain::{Reason, Role, Structure, UnitCode};
use store::{both_databases, LoginAttempt, NewUser, Store, StoreError, UserUnit};

use crate::{caller, NOW};

fn unit(s: Structure, c: &str) -> UserUnit {
    UserUnit {
        structure: s,
        code: UnitCode::parse(c).unwrap(),
    }
}

async fn accounts_are_validated(store: Store) {
    let new = NewUser {
        username: "officer".into(),
        password_hash: "h".into(),
        role: Role::CommuneOfficer,
        units: vec![unit(Structure::S2021, "00001")],
    };
    store.create_user(&new, NOW).await.unwrap();
    let dup = store.create_user(&new, NOW).await.unwrap_err();
    assert!(
        matches!(dup, StoreError::Invalid(ref f) if f[0].field == "username" && f[0].reason == Reason::Duplicate)
    );
    let mut ghost = new.clone();
    ghost.username = "ghost".into();
    ghost.units = vec![unit(Structure::S2021, "99999")];
    let err = store.create_user(&ghost, NOW).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref f) if f[0].field == "unit" && f[0].reason == Reason::NotFound)
    );
    ghost.units = vec![];
    assert!(store.create_user(&ghost, NOW).await.is_err());
    // Nothing of the refused accounts was written.
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].units, vec![unit(Structure::S2021, "00001")]);
}

async fn sessions_carry_scope_and_expire(store: Store) {
    let officer = caller(&store, "officer", Role::CommuneOfficer, &["00001"]).await;
    assert!(!officer.scope.is_everything());
    assert_eq!(officer.scope.roots()[0].1.as_str(), "/01/001/00001/");
    let admin = caller(&store, "admin", Role::Administrator, &["VN"]).await;
    assert!(admin.scope.is_everything());
    let two = caller(&store, "two", Role::Tracer, &["001", "2025:00097"]).await;
    assert_eq!(two.scope.roots().len(), 2);
    // The token expires after its lifetime (caller() made it for 3600 s), however often used.
    for t in (NOW + 600..NOW + 3600).step_by(600) {
        assert!(store
            .caller_by_token("hash-of-officer", t)
            .await
            .unwrap()
            .is_some());
    }
    assert!(store
        .caller_by_token("hash-of-officer", NOW + 3599)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .caller_by_token("hash-of-officer", NOW + 3600)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .caller_by_token("no-such-hash", NOW)
        .await
        .unwrap()
        .is_none());
    // A new password ends every session of the account.
    assert!(store.set_password("admin", "new-hash", NOW).await.unwrap());
    assert!(store
        .caller_by_token("hash-of-admin", NOW + 1)
        .await
        .unwrap()
        .is_none());
    assert!(!store.set_password("nobody", "h", NOW).await.unwrap());
    let (_, hash) = store.user_for_login("admin").await.unwrap().unwrap();
    assert_eq!(hash, "new-hash");
    store.delete_session("hash-of-two").await.unwrap();
    assert!(store
        .caller_by_token("hash-of-two", NOW + 1)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.purge_expired_sessions(NOW + 10_000).await.unwrap(), 1);
}

const LIMITS: LoginLimits = LoginLimits {
    pair: Limit {
        attempts: 3,
        window_s: 100,
    },
    source: Limit {
        attempts: 5,
        window_s: 100,
    },
    account: Limit {
        attempts: 8,
        window_s: 200,
    },
};

async fn attempt(store: &Store, user: &str, source: &str, at: i64) -> LoginAttempt {
    store
        .reserve_login_attempt(user, source, at, &LIMITS)
        .await
        .unwrap()
}

fn granted(a: LoginAttempt) -> bool {
    matches!(a, LoginAttempt::Granted { .. })
}

/// Each counter refuses once full, until its window has passed; the pair's lock does not
/// touch the same account from another source; a success gives its places back.
async fn login_attempts_are_reserved_per_pair_source_and_account(store: Store) {
    for i in 1..=3 {
        let a = attempt(&store, "someone", "1.1.1.1", NOW + i).await;
        let full = (i == 3).then_some(NOW + 1 + 100);
        assert_eq!(
            a,
            LoginAttempt::Granted {
                pair_attempts: i,
                full_until_s: full
            }
        );
    }
    // The pair is full: refused until its window (from the first attempt) has passed.
    assert_eq!(
        attempt(&store, "someone", "1.1.1.1", NOW + 50).await,
        LoginAttempt::Refused { until_s: NOW + 101 }
    );
    // The same account from another source, and another account from the same source, go on.
    assert!(granted(
        attempt(&store, "someone", "2.2.2.2", NOW + 51).await
    ));
    assert!(granted(attempt(&store, "other", "1.1.1.1", NOW + 52).await));
    // The source has 5 places over all accounts: 3 + 1 taken, one left.
    assert!(granted(attempt(&store, "third", "1.1.1.1", NOW + 53).await));
    assert_eq!(
        attempt(&store, "fourth", "1.1.1.1", NOW + 54).await,
        LoginAttempt::Refused { until_s: NOW + 101 }
    );
    // The windows passed: the pair starts again.
    let a = attempt(&store, "someone", "1.1.1.1", NOW + 101).await;
    assert!(matches!(
        a,
        LoginAttempt::Granted {
            pair_attempts: 1,
            ..
        }
    ));
    // A refused attempt kept no place: the pair it reserved before the source refused was
    // rolled back (else this would be its second attempt in a window from NOW + 54).
    let a = attempt(&store, "fourth", "1.1.1.1", NOW + 101).await;
    assert!(matches!(
        a,
        LoginAttempt::Granted {
            pair_attempts: 1,
            ..
        }
    ));
    // The account's ceiling (8 in 200 s) counts every source: 3 + 1 + 1 so far.
    for (i, src) in ["4.4.4.4", "5.5.5.5", "6.6.6.6"].iter().enumerate() {
        let a = attempt(&store, "someone", src, NOW + 102 + i as i64).await;
        assert!(granted(a), "{src}");
    }
    assert_eq!(
        attempt(&store, "someone", "7.7.7.7", NOW + 110).await,
        LoginAttempt::Refused {
            until_s: NOW + 1 + 200
        }
    );
    // A success gives back its places in the account's and the source's counters and clears
    // its pair.
    store.login_succeeded("someone", "6.6.6.6").await.unwrap();
    let a = attempt(&store, "someone", "6.6.6.6", NOW + 111).await;
    assert!(matches!(
        a,
        LoginAttempt::Granted {
            pair_attempts: 1,
            full_until_s: Some(_)
        }
    ));
    // A new password lifts the account's locks.
    store
        .create_user(
            &NewUser {
                username: "someone".into(),
                password_hash: "h".into(),
                role: Role::Viewer,
                units: vec![unit(Structure::S2021, "00001")],
            },
            NOW,
        )
        .await
        .unwrap();
    assert!(store
        .set_password("someone", "h2", NOW + 112)
        .await
        .unwrap());
    // Its first attempt from 7.7.7.7 (refused by the account's ceiling) kept no place in the
    // source's counter either: 5 places there.
    for i in 0..5 {
        let user = format!("spray{i}");
        assert!(granted(attempt(&store, &user, "7.7.7.7", NOW + 113).await));
    }
    assert!(!granted(
        attempt(&store, "someone", "7.7.7.7", NOW + 113).await
    ));
}

/// Many sign-ins at once reserve no more places than the limit (the check and the count are
/// one statement), on both databases.
async fn concurrent_login_attempts_cannot_overshoot(store: Store) {
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .reserve_login_attempt("target", "9.9.9.9", NOW, &LIMITS)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut granted_n = 0;
    for t in tasks {
        if granted(t.await.unwrap()) {
            granted_n += 1;
        }
    }
    assert_eq!(granted_n, LIMITS.pair.attempts);
}

/// A session unused for `SESSION_IDLE_S` ends; use keeps it alive (recorded at most once a
/// minute) until its absolute expiry.
async fn idle_sessions_end(store: Store) {
    caller(&store, "user", Role::Viewer, &["00001"]).await;
    let id = store.user_for_login("user").await.unwrap().unwrap().0.id;
    store
        .create_session(id, "long", NOW, 20 * SESSION_IDLE_S)
        .await
        .unwrap();
    // Used every 20 minutes: alive well past the idle timeout counted from its creation.
    let mut last = NOW;
    for k in 1..=6 {
        last = NOW + k * 20 * 60;
        assert!(
            store.caller_by_token("long", last).await.unwrap().is_some(),
            "{k}"
        );
    }
    // A use within the touch interval is not written: the idle clock runs from the last write.
    assert!(store
        .caller_by_token("long", last + SESSION_TOUCH_S - 1)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .caller_by_token("long", last + SESSION_IDLE_S)
        .await
        .unwrap()
        .is_none());
    // caller() made "hash-of-user" at NOW (for an hour) and used it at NOW + 1, too soon to
    // write; a use just before the timeout renews it, and it then ends idle before its expiry.
    let renewed = NOW + SESSION_IDLE_S - 1;
    assert!(store
        .caller_by_token("hash-of-user", renewed)
        .await
        .unwrap()
        .is_some());
    assert!(renewed + SESSION_IDLE_S < NOW + 3600);
    assert!(store
        .caller_by_token("hash-of-user", renewed + SESSION_IDLE_S)
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.purge_expired_sessions(NOW + 2).await.unwrap(), 0);
    assert_eq!(
        store
            .purge_expired_sessions(last + SESSION_IDLE_S)
            .await
            .unwrap(),
        2
    );
}

/// A deactivated account's sessions end and its tokens are refused; it can be activated
/// again (with a new sign-in).
async fn deactivated_accounts_lose_their_sessions(store: Store) {
    caller(&store, "leaver", Role::Tracer, &["00001"]).await;
    caller(&store, "stayer", Role::Tracer, &["00001"]).await;
    assert!(store.set_active("leaver", false).await.unwrap());
    assert!(store
        .caller_by_token("hash-of-leaver", NOW + 2)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .caller_by_token("hash-of-stayer", NOW + 2)
        .await
        .unwrap()
        .is_some());
    let (user, _) = store.user_for_login("leaver").await.unwrap().unwrap();
    assert!(!user.active);
    assert!(!store.set_active("ghost", false).await.unwrap());
    assert!(store.set_active("leaver", true).await.unwrap());
    let (user, _) = store.user_for_login("leaver").await.unwrap().unwrap();
    assert!(user.active);
    // Its old session stays ended.
    assert!(store
        .caller_by_token("hash-of-leaver", NOW + 3)
        .await
        .unwrap()
        .is_none());
}

both_databases!(
    accounts_are_validated,
    sessions_carry_scope_and_expire,
    login_attempts_are_reserved_per_pair_source_and_account,
    concurrent_login_attempts_cannot_overshoot,
    idle_sessions_end,
    deactivated_accounts_lose_their_sessions,
);
