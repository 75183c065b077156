//! Linked localities (issue #17): one chongdich per locality, exchanging signed messages
//! through NATS JetStream.
//!
//! Pure where it can be: the envelope and its subjects ([`envelope`]), Ed25519 signatures
//! ([`sign`]), packs of envelopes in one message ([`pack`]), the national registry's checks of a received message ([`registry`]), the
//! servers' configuration ([`nats_conf`]). [`bus`] is the JetStream client; [`testing`]
//! starts a real cluster for tests. The outbox and inbox tables that make delivery exactly
//! once and in order are the store's (`store::link`).

pub mod bus;
pub mod envelope;
pub mod nats_conf;
pub mod pack;
pub mod registry;
pub mod sign;
pub mod testing;

pub use envelope::{subject, Addressing, Envelope, EnvelopeError, Kind, LocalityCode};
pub use registry::{Peer, Refusal, Registry};
pub use sign::{KeyPair, PublicKey, SignError};
