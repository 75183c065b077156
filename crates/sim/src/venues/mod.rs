//! Venues: where people meet outside their households, with QR codes for check-ins.
//!
//! Errand venues (markets, cafés, pagodas…) are created per commune in proportion to its
//! residents; workplaces and schools in proportion to the workers and pupils who need
//! them. Every errand venue has a heavy-tailed popularity, so a few markets and cafés draw
//! most visits. Venues are stored sorted by (commune, kind, school level).
//!
//! Submodules: `build` (creating venues and assigning people to them), `finder` (weighted
//! choice of a venue near home), `names` (display names) and the QR payloads
//! (`domain::venue_qr`, shared with venues registered by hand).

mod build;
mod finder;
mod names;

pub(crate) use self::build::build;
pub(crate) use self::finder::{pool_of, Finder};
pub use domain::venue_qr::{parse_qr_payload, qr_payload};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VenueKind {
    Market,
    Supermarket,
    Restaurant,
    Cafe,
    Office,
    Factory,
    IndustrialPark,
    School,
    Hospital,
    Clinic,
    Pagoda,
    Church,
    ApartmentLobby,
    BusStation,
}

impl VenueKind {
    pub const ALL: [VenueKind; 14] = [
        VenueKind::Market,
        VenueKind::Supermarket,
        VenueKind::Restaurant,
        VenueKind::Cafe,
        VenueKind::Office,
        VenueKind::Factory,
        VenueKind::IndustrialPark,
        VenueKind::School,
        VenueKind::Hospital,
        VenueKind::Clinic,
        VenueKind::Pagoda,
        VenueKind::Church,
        VenueKind::ApartmentLobby,
        VenueKind::BusStation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VenueKind::Market => "market",
            VenueKind::Supermarket => "supermarket",
            VenueKind::Restaurant => "restaurant",
            VenueKind::Cafe => "cafe",
            VenueKind::Office => "office",
            VenueKind::Factory => "factory",
            VenueKind::IndustrialPark => "industrial_park",
            VenueKind::School => "school",
            VenueKind::Hospital => "hospital",
            VenueKind::Clinic => "clinic",
            VenueKind::Pagoda => "pagoda",
            VenueKind::Church => "church",
            VenueKind::ApartmentLobby => "apartment_lobby",
            VenueKind::BusStation => "bus_station",
        }
    }

    pub fn parse(s: &str) -> Option<VenueKind> {
        VenueKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Opening hours, minutes after local midnight.
    pub fn hours(self) -> (u16, u16) {
        match self {
            VenueKind::Market => (300, 1140),
            VenueKind::Supermarket => (420, 1320),
            VenueKind::Restaurant => (360, 1320),
            VenueKind::Cafe => (390, 1380),
            VenueKind::Office => (450, 1110),
            VenueKind::Factory | VenueKind::IndustrialPark => (360, 1320),
            VenueKind::School => (390, 1050),
            VenueKind::Hospital | VenueKind::ApartmentLobby => (0, 1440),
            VenueKind::Clinic => (420, 1200),
            VenueKind::Pagoda => (300, 1260),
            VenueKind::Church => (300, 1200),
            VenueKind::BusStation => (270, 1320),
        }
    }

    /// Transmission per minute of co-presence between two people in a venue of
    /// `REF_SIZE` people, and that size. Larger venues dilute it (`ref / capacity`):
    /// in a 2,000-worker industrial park or a 600-pupil school a person shares air with a
    /// workshop or a class, not with everyone. Settings: eating and drinking unmasked
    /// indoors (restaurants, cafés; karaoke counts as a restaurant) and crowded factory
    /// floors are high, markets medium (open air, masks), lobbies and hospitals low.
    fn setting(self) -> (f64, f64) {
        match self {
            VenueKind::Restaurant => (0.0013, 30.0),
            VenueKind::Cafe => (0.0013, 25.0),
            VenueKind::Factory => (0.000065, 40.0),
            VenueKind::IndustrialPark => (0.000065, 40.0),
            VenueKind::Market => (0.0004, 60.0),
            VenueKind::Supermarket => (0.0002, 40.0),
            VenueKind::Office => (0.000065, 25.0),
            VenueKind::School => (0.000065, 40.0),
            VenueKind::Pagoda => (0.0004, 40.0),
            VenueKind::Church => (0.0004, 60.0),
            VenueKind::Clinic => (0.0002, 20.0),
            VenueKind::Hospital => (0.00005, 50.0),
            VenueKind::ApartmentLobby => (0.00013, 30.0),
            VenueKind::BusStation => (0.00013, 100.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchoolLevel {
    /// Mầm non, ages 3–5.
    Kindergarten,
    /// Tiểu học, 6–10.
    Primary,
    /// Trung học cơ sở, 11–14.
    LowerSecondary,
    /// Trung học phổ thông, 15–17.
    UpperSecondary,
    University,
}

impl SchoolLevel {
    pub const ALL: [SchoolLevel; 5] = [
        SchoolLevel::Kindergarten,
        SchoolLevel::Primary,
        SchoolLevel::LowerSecondary,
        SchoolLevel::UpperSecondary,
        SchoolLevel::University,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SchoolLevel::Kindergarten => "kindergarten",
            SchoolLevel::Primary => "primary",
            SchoolLevel::LowerSecondary => "lower_secondary",
            SchoolLevel::UpperSecondary => "upper_secondary",
            SchoolLevel::University => "university",
        }
    }

    pub(crate) fn for_age(age: u8) -> SchoolLevel {
        match age {
            0..=5 => SchoolLevel::Kindergarten,
            6..=10 => SchoolLevel::Primary,
            11..=14 => SchoolLevel::LowerSecondary,
            _ => SchoolLevel::UpperSecondary,
        }
    }

    /// Pupils per school, roughly Hà Nội's (e.g. ~700 per primary school).
    fn size(self) -> f64 {
        match self {
            SchoolLevel::Kindergarten => 250.0,
            SchoolLevel::Primary => 700.0,
            SchoolLevel::LowerSecondary => 600.0,
            SchoolLevel::UpperSecondary => 1000.0,
            SchoolLevel::University => 3000.0,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Venues {
    pub kind: Vec<VenueKind>,
    pub commune: Vec<u32>,
    pub capacity: Vec<u32>,
    pub open_min: Vec<u16>,
    pub close_min: Vec<u16>,
    /// Relative pull on errand visitors; a few venues have tens of times the median.
    pub popularity: Vec<f32>,
    /// Set for schools only.
    pub school_level: Vec<Option<SchoolLevel>>,
    /// Transmission per minute of co-presence between two people here (kind's setting,
    /// diluted by size).
    pub(crate) beta_per_min: Vec<f32>,
    /// 0-based rank among venues of the same commune, kind and level: names number from it.
    ordinal: Vec<u32>,
    seed: u64,
    commune_names: Vec<(String, &'static str)>,
}

impl Venues {
    pub fn len(&self) -> usize {
        self.kind.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }

    pub fn qr_payload(&self, i: u32) -> String {
        qr_payload(i)
    }
}

#[cfg(test)]
mod tests;
