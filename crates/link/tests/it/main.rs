//! Tests against a real NATS JetStream cluster (`link::testing::Cluster`); they skip when
//! CHONGDICH_TEST_NATS_BIN is unset.

mod bus;
