//! Linked localities (issue #17): each locality its own chongdich, exchanging signed messages
//! through NATS JetStream. `nats_conf` (pure) names the subjects and writes the servers'
//! configuration; `bus` is the JetStream client; `testing` starts a real cluster for tests.

pub mod bus;
pub mod nats_conf;
pub mod testing;
