//! The tracing engine's public surface, checked against a naive implementation.

mod cases;
mod clusters;
mod incubation;
mod naive;
mod props;
mod world;
