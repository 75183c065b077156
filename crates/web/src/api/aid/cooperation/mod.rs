//! Cooperation agreements and activities between localities, and emulation campaigns.

mod agreements;
mod campaigns;
pub use agreements::*;
pub use campaigns::*;
