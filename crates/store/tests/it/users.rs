use domain::auth::{LOGIN_FAILURES_MAX, LOGIN_LOCK_S, LOGIN_WINDOW_S};
use domain::{Reason, Role, Structure, UnitCode};
use store::{both_databases, NewUser, Store, StoreError, UserUnit};

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
    // The token expires after its lifetime (caller() made it for 3600 s).
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

async fn repeated_failures_lock_then_window_resets(store: Store) {
    for i in 1..LOGIN_FAILURES_MAX {
        let t = store
            .record_login_failure("someone", NOW + i)
            .await
            .unwrap();
        assert_eq!(t.failures, i);
        assert!(store
            .login_locked_until("someone", NOW + i)
            .await
            .unwrap()
            .is_none());
    }
    let t = store
        .record_login_failure("someone", NOW + 10)
        .await
        .unwrap();
    assert_eq!(t.failures, LOGIN_FAILURES_MAX);
    assert_eq!(t.locked_until_s, Some(NOW + 10 + LOGIN_LOCK_S));
    assert_eq!(
        store.login_locked_until("someone", NOW + 11).await.unwrap(),
        Some(NOW + 10 + LOGIN_LOCK_S)
    );
    assert!(store
        .login_locked_until("someone", NOW + 10 + LOGIN_LOCK_S)
        .await
        .unwrap()
        .is_none());
    // Another username is not affected.
    assert!(store
        .login_locked_until("other", NOW + 11)
        .await
        .unwrap()
        .is_none());
    // Failures older than the window start counting again.
    let later = NOW + 10 + LOGIN_WINDOW_S + LOGIN_LOCK_S + 1;
    let t = store.record_login_failure("someone", later).await.unwrap();
    assert_eq!(t.failures, 1);
    store.clear_login_failures("someone").await.unwrap();
    let t = store
        .record_login_failure("someone", later + 1)
        .await
        .unwrap();
    assert_eq!(t.failures, 1);
}

both_databases!(
    accounts_are_validated,
    sessions_carry_scope_and_expire,
    repeated_failures_lock_then_window_resets,
);
