//! Bundles taken in (to come).
