//! Forecasting for chongdich (pure: no I/O, no async, no database).
//!
//! - [`rt`]: the reproduction number R(t) by Cori et al. (2013) — [`estimate_rt`] for one
//!   series, [`estimate_rt_many`] for thousands of units laid end to end; gamma posterior
//!   (shape, scale), mean and credible quantiles. Agrees with epyestim to 1e-6.
//! - [`project`]: cases and bed occupancy per treatment tier for up to 60 days by the renewal
//!   equation, R drawn from its posterior (seeded ChaCha8), bands and the first day demand
//!   exceeds beds — [`project::project`].
//! - [`shares`]: shares learnt from a locality's records with the policy's as a Dirichlet
//!   prior — [`shares::blend`].
//! - [`chime`]: penn-chime 0.0.3's SIR model and fit, for comparison — [`chime::run`].
//!
//! Inputs are plain slices and numbers: the serial interval, tier shares and lengths of stay
//! come from `domain`'s care policy (`data/policies/care.toml`), looked up by date by the
//! caller; days are indices, the caller maps them to dates. Every input is bounded and checked;
//! errors are [`ForecastError`].

pub mod chime;
pub mod gamma;
pub mod project;
pub mod rt;
pub mod shares;

pub use project::{project, Band, Projection, ProjectionConfig, TierDemand, TierProjection};
pub use rt::{
    estimate_rt, estimate_rt_many, CoriConfig, GammaPosterior, RtEstimate, RtTable, SerialInterval,
};
pub use shares::{blend, Blend};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    #[error("invalid serial interval: {0}")]
    SerialInterval(String),
    #[error("invalid input: {0}")]
    Config(String),
    #[error("CHIME: no start day fits the current census before the peak")]
    NoFit,
}
