//! Two linked localities in one test (issue #17), the transport in-process: one's unsent
//! outbox handed to the other's `Store::receive` through the application's dispatcher. The
//! referral, hand-over, gift, share and national-view tests share these.

use link::registry::Peer;
use link::{Kind, LocalityCode, Registry};
use store::{Received, Store};

use app::link::LinkError;
use app::referral::LinkSetup;

use crate::NOW;

pub(crate) fn code(s: &str) -> LocalityCode {
    LocalityCode::parse(s).unwrap()
}

/// A second, empty database of the same dialect as `like`.
pub(crate) async fn other_db(like: &Store) -> store::testing::TestDb {
    match like.dialect() {
        store::Dialect::Sqlite => store::testing::sqlite().await,
        store::Dialect::Postgres => store::testing::postgres()
            .await
            .expect("PostgreSQL, as for the first store"),
    }
}

/// One side of a pair: its code, its name in the other's registry, and the kinds the other
/// lets it send.
pub(crate) struct Side<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub sends: &'a [Kind],
}

/// Each side's registry knows the other for the kinds that one sends; both apps are linked.
pub(crate) async fn link_pair(a: &mut app::App, sa: Side<'_>, b: &mut app::App, sb: Side<'_>) {
    let (ka, kb) = (
        a.store.link_key().await.unwrap(),
        b.store.link_key().await.unwrap(),
    );
    let peer = |side: &Side, key: &link::KeyPair| Peer {
        code: code(side.code),
        name: side.name.into(),
        public_key: key.public(),
        kinds: side.sends.iter().copied().collect(),
    };
    b.store
        .put_link_locality(&peer(&sa, &ka), NOW)
        .await
        .unwrap();
    a.store
        .put_link_locality(&peer(&sb, &kb), NOW)
        .await
        .unwrap();
    for (app, side, key) in [(a, &sa, ka), (b, &sb, kb)] {
        let registry = app.store.link_registry(code(side.code)).await.unwrap();
        app.set_link(Some(LinkSetup {
            me: code(side.code),
            key,
            registry,
        }));
    }
}

/// `bytes` taken in by `to`, applied by the application's dispatcher.
pub(crate) async fn receive(to: &app::App, bytes: &[u8]) -> Received {
    let registry: Registry = to.link.as_ref().unwrap().registry.clone();
    let app = to.clone();
    to.store
        .receive::<LinkError, _>(bytes, &registry, NOW, move |tx, e| {
            Box::pin(async move { app::link::dispatch(&app, tx, e).await.map(|_| ()) })
        })
        .await
        .unwrap()
}

/// Every unsent message of `from` handed to `to`, each `times` times, then marked sent;
/// what each delivery became.
pub(crate) async fn deliver(from: &app::App, to: &app::App, times: usize) -> Vec<Received> {
    let unsent = from.store.unsent(1000).await.unwrap();
    let mut out = Vec::new();
    for (_, _, bytes) in &unsent {
        for _ in 0..times {
            out.push(receive(to, bytes).await);
        }
    }
    let ids: Vec<String> = unsent.into_iter().map(|(id, _, _)| id).collect();
    from.store.mark_sent(&ids, NOW).await.unwrap();
    out
}
