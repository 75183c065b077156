//! Venues: where people meet outside their households, with QR codes for check-ins.
//!
//! Errand venues (markets, cafés, pagodas…) are created per commune in proportion to its
//! residents; workplaces and schools in proportion to the workers and pupils who need
//! them. Every errand venue has a heavy-tailed popularity, so a few markets and cafés draw
//! most visits. Venues are stored sorted by (commune, kind, school level).

use rayon::prelude::*;

use crate::population::{Commune, Occupation, People, Population, NO_VENUE};
use crate::rng::{self, stochastic_round, Rng, Stream};

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

const QR_PREFIX: &str = "CDV1:V:";

fn qr_checksum(index: u32) -> u16 {
    // FNV-1a over the payload text: any scanner can check it without the seed.
    let mut h: u32 = 0x811C_9DC5;
    for b in QR_PREFIX.bytes().chain(index.to_string().bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    ((h >> 16) ^ (h & 0xFFFF)) as u16
}

/// The payload of venue `index`'s QR code: `CDV1:V:<index>:<4 hex digits>`. The index is
/// 0-based (database id − 1).
pub fn qr_payload(index: u32) -> String {
    format!("{QR_PREFIX}{index}:{:04X}", qr_checksum(index))
}

/// The venue index of a well-formed payload with a correct checksum.
pub fn parse_qr_payload(s: &str) -> Option<u32> {
    let rest = s.strip_prefix(QR_PREFIX)?;
    let (index, check) = rest.split_once(':')?;
    if index.is_empty() || index.len() > 10 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: u32 = index.parse().ok()?;
    (check.len() == 4
        && u16::from_str_radix(check, 16).ok()? == qr_checksum(index)
        && check.bytes().all(|b| !b.is_ascii_lowercase()))
    .then_some(index)
}

const SUPERMARKETS: [&str; 8] = [
    "WinMart+",
    "Circle K",
    "FamilyMart",
    "Co.op Food",
    "Hapro Mart",
    "BRG Mart",
    "Ministop",
    "Bách hóa Xanh",
];
const RESTAURANTS: [&str; 8] = [
    "Quán phở",
    "Quán bún chả",
    "Quán cơm",
    "Nhà hàng",
    "Quán bia hơi",
    "Quán lẩu",
    "Quán bún riêu",
    "Quán karaoke",
];
const COMPANY_WORDS: [&str; 16] = [
    "An Phát",
    "Thành Đạt",
    "Hưng Thịnh",
    "Minh Long",
    "Việt Tiến",
    "Thăng Long",
    "Hồng Hà",
    "Đông Đô",
    "Phúc Hưng",
    "Tân Việt",
    "Kim Thành",
    "Hà Thành",
    "Sông Hồng",
    "Bình Minh",
    "Trường Sơn",
    "Nam Việt",
];
const PRODUCTS: [&str; 8] = [
    "may mặc",
    "bao bì",
    "linh kiện điện tử",
    "thực phẩm",
    "nhựa",
    "cơ khí",
    "giày da",
    "đồ gỗ",
];
const UNIVERSITIES: [&str; 12] = [
    "Bách khoa",
    "Kinh tế",
    "Xây dựng",
    "Thương mại",
    "Công nghiệp",
    "Sư phạm",
    "Y",
    "Luật",
    "Giao thông vận tải",
    "Thủy lợi",
    "Nông nghiệp",
    "Văn hóa",
];
const PAGODAS: [&str; 16] = [
    "Phúc Khánh",
    "Linh Ứng",
    "Hưng Long",
    "Diên Phúc",
    "Thiên Phúc",
    "Pháp Vân",
    "Quang Minh",
    "Phổ Quang",
    "Sùng Phúc",
    "Đại Bi",
    "Thanh Lâm",
    "Kim Liên",
    "Hòa Phúc",
    "Tường Quang",
    "Linh Quang",
    "Hưng Ký",
];

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

    /// A Vietnamese display name, unique within the commune: "Chợ Phúc Xá",
    /// "Quán cà phê số 12 Phúc Xá", "Trường Tiểu học Phúc Xá số 2".
    pub fn name(&self, i: u32) -> String {
        let v = i as usize;
        let (commune, label) = &self.commune_names[self.commune[v] as usize];
        let n = self.ordinal[v] + 1;
        let h = rng::hash(self.seed, Stream::Venues, u64::from(i), 9);
        let pick = |list: &[&'static str]| list[(h % list.len() as u64) as usize];
        let numbered = |base: String| {
            if n == 1 {
                base
            } else {
                format!("{base} số {n}")
            }
        };
        match self.kind[v] {
            VenueKind::Market => numbered(format!("Chợ {commune}")),
            VenueKind::Supermarket => format!("{} {commune} {n}", pick(&SUPERMARKETS)),
            VenueKind::Restaurant => format!("{} số {n} {commune}", pick(&RESTAURANTS)),
            VenueKind::Cafe => format!("Quán cà phê số {n} {commune}"),
            VenueKind::Office => {
                format!(
                    "Văn phòng Công ty TNHH {} {n} – {commune}",
                    pick(&COMPANY_WORDS)
                )
            }
            VenueKind::Factory => format!("Nhà máy {} số {n} {commune}", pick(&PRODUCTS)),
            VenueKind::IndustrialPark => numbered(format!("Khu công nghiệp {commune}")),
            VenueKind::School => match self.school_level[v] {
                Some(SchoolLevel::Kindergarten) => numbered(format!("Trường Mầm non {commune}")),
                Some(SchoolLevel::Primary) => numbered(format!("Trường Tiểu học {commune}")),
                Some(SchoolLevel::LowerSecondary) => numbered(format!("Trường THCS {commune}")),
                Some(SchoolLevel::UpperSecondary) => numbered(format!("Trường THPT {commune}")),
                Some(SchoolLevel::University) | None => format!(
                    "Trường Đại học {} (cơ sở {commune}{})",
                    pick(&UNIVERSITIES),
                    if n == 1 {
                        String::new()
                    } else {
                        format!(" {n}")
                    }
                ),
            },
            VenueKind::Hospital => numbered(format!("Bệnh viện Đa khoa {commune}")),
            VenueKind::Clinic if n == 1 => format!("Trạm Y tế {} {commune}", label.to_lowercase()),
            VenueKind::Clinic => format!("Phòng khám đa khoa số {n} {commune}"),
            VenueKind::Pagoda => format!(
                "Chùa {} – {commune}{}",
                pick(&PAGODAS),
                if n == 1 {
                    String::new()
                } else {
                    format!(" {n}")
                }
            ),
            VenueKind::Church => numbered(format!("Nhà thờ Giáo xứ {commune}")),
            VenueKind::ApartmentLobby => format!("Sảnh chung cư CT{n} {commune}"),
            VenueKind::BusStation => numbered(format!("Bến xe {commune}")),
        }
    }
}

/// Venues per 1,000 residents (urban, rural). Scaled-down counts of what a ward or commune
/// holds (assumed); Hà Nội registered 637,533 QR venues for ~8 M people in Oct 2021 (RULES.md),
/// most of them small shops that the simulation folds into these kinds.
fn errand_rate(kind: VenueKind) -> (f64, f64) {
    match kind {
        VenueKind::Market => (0.25, 0.35),
        VenueKind::Supermarket => (0.6, 0.3),
        VenueKind::Restaurant => (2.8, 2.0),
        VenueKind::Cafe => (3.0, 2.0),
        VenueKind::Clinic => (0.3, 0.25),
        VenueKind::Hospital => (0.04, 0.015),
        VenueKind::Pagoda => (0.2, 0.45),
        VenueKind::Church => (0.04, 0.04),
        VenueKind::BusStation => (0.006, 0.004),
        _ => (0.0, 0.0),
    }
}

/// Base capacity of a kind; errand venues scale it with popularity.
fn base_capacity(kind: VenueKind) -> f64 {
    match kind {
        VenueKind::Market => 200.0,
        VenueKind::Supermarket => 60.0,
        VenueKind::Restaurant => 40.0,
        VenueKind::Cafe => 30.0,
        VenueKind::Clinic => 25.0,
        VenueKind::Hospital => 300.0,
        VenueKind::Pagoda => 150.0,
        VenueKind::Church => 300.0,
        VenueKind::BusStation => 500.0,
        VenueKind::ApartmentLobby => 100.0,
        _ => 50.0,
    }
}

struct Spec {
    commune: u32,
    kind: VenueKind,
    level: Option<SchoolLevel>,
    capacity: f64,
    popularity: f64,
}

/// Weighted choice among the venues of one pool, by commune, district or province.
#[derive(Debug, Default)]
struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
    /// Cumulative weights restarting at each segment.
    cum: Vec<f64>,
}

impl Csr {
    fn new(segments: usize, members: &[(u32, u32, f64)]) -> Csr {
        // members: (segment, venue, weight), sorted by segment then venue.
        let mut offsets = vec![0u32; segments + 1];
        for &(s, _, _) in members {
            offsets[s as usize + 1] += 1;
        }
        for i in 0..segments {
            offsets[i + 1] += offsets[i];
        }
        let mut items = Vec::with_capacity(members.len());
        let mut cum = Vec::with_capacity(members.len());
        let mut last_seg = u32::MAX;
        let mut acc = 0.0;
        for &(s, v, w) in members {
            if s != last_seg {
                acc = 0.0;
                last_seg = s;
            }
            acc += w;
            items.push(v);
            cum.push(acc);
        }
        Csr {
            offsets,
            items,
            cum,
        }
    }

    fn pick(&self, seg: usize, rng: &mut Rng) -> Option<u32> {
        let (a, b) = (self.offsets[seg] as usize, self.offsets[seg + 1] as usize);
        if a == b {
            return None;
        }
        Some(self.items[a + rng.pick_cum(&self.cum[a..b])])
    }
}

#[derive(Debug, Default)]
struct Pool {
    by_commune: Csr,
    by_district: Csr,
    all: Csr,
}

/// Pools: one per venue kind, schools split by level.
const POOLS: usize = VenueKind::ALL.len() + SchoolLevel::ALL.len();

pub(crate) fn pool_of(kind: VenueKind, level: Option<SchoolLevel>) -> usize {
    match (kind, level) {
        (VenueKind::School, Some(l)) => VenueKind::ALL.len() + l as usize,
        (k, _) => k as usize,
    }
}

/// Where errands and jobs find venues, weighted by popularity.
#[derive(Debug, Default)]
pub(crate) struct Finder {
    pools: Vec<Pool>,
    district_of: Vec<u32>,
}

impl Finder {
    /// A venue of `pool` near home: in the home commune with probability `p_commune`, else
    /// in the district with `p_district`, else anywhere; widening when the area has none.
    pub(crate) fn choose(
        &self,
        pool: usize,
        commune: u32,
        rng: &mut Rng,
        p_commune: f64,
        p_district: f64,
    ) -> Option<u32> {
        let p = &self.pools[pool];
        let district = self.district_of[commune as usize] as usize;
        let r = rng.f64();
        if r < p_commune {
            if let Some(v) = p.by_commune.pick(commune as usize, rng) {
                return Some(v);
            }
        }
        if r < p_commune + p_district {
            if let Some(v) = p.by_district.pick(district, rng) {
                return Some(v);
            }
        }
        p.all.pick(0, rng)
    }
}

pub(crate) struct Built {
    pub venues: Venues,
    pub finder: Finder,
}

pub(crate) fn build(
    seed: u64,
    communes: &[Commune],
    district_of: &[u32],
    districts: usize,
    pop: &mut Population,
) -> Built {
    let people = &pop.people;
    let n_communes = communes.len();
    // Head counts that decide how many schools and workplaces there are.
    let mut pupils = vec![[0u32; 5]; n_communes];
    let mut office = 0.0f64;
    let mut factory = 0.0f64;
    for i in 0..people.len() {
        let c = people.commune(i as u32) as usize;
        match people.occupation[i] {
            Occupation::Pupil => pupils[c][SchoolLevel::for_age(people.age[i]) as usize] += 1,
            Occupation::Student => pupils[c][SchoolLevel::University as usize] += 1,
            Occupation::OfficeWorker => office += 1.0,
            Occupation::FactoryWorker => factory += 1.0,
            _ => {}
        }
    }
    let mut apartments = vec![0u32; n_communes];
    for (&c, &apt) in pop.households.commune.iter().zip(&pop.apartment) {
        apartments[c as usize] += u32::from(apt);
    }
    let mut specs: Vec<Spec> = Vec::new();
    let mut rng = Rng::new(seed, Stream::Venues, 0, 0);

    for (c, commune) in communes.iter().enumerate() {
        let residents = f64::from(commune.population);
        for kind in VenueKind::ALL {
            let (urban, rural) = errand_rate(kind);
            let rate = if commune.urban { urban } else { rural };
            if rate == 0.0 {
                continue;
            }
            for _ in 0..stochastic_round(&mut rng, residents * rate / 1000.0) {
                let popularity = rng.pareto(1.2, 50.0);
                specs.push(Spec {
                    commune: c as u32,
                    kind,
                    level: None,
                    capacity: base_capacity(kind) * (0.5 + 0.5 * popularity.sqrt()),
                    popularity,
                });
            }
        }
        // One lobby per ~100 apartment households (a 20-storey block).
        for _ in 0..apartments[c].div_ceil(100) {
            specs.push(Spec {
                commune: c as u32,
                kind: VenueKind::ApartmentLobby,
                level: None,
                capacity: base_capacity(VenueKind::ApartmentLobby),
                popularity: 1.0,
            });
        }
    }

    // Schools: per district and level, placed in the communes where the pupils live.
    for d in 0..districts as u32 {
        let members: Vec<usize> = (0..n_communes).filter(|&c| district_of[c] == d).collect();
        for level in &SchoolLevel::ALL[..4] {
            let l = *level as usize;
            let total: u32 = members.iter().map(|&c| pupils[c][l]).sum();
            if total == 0 {
                continue;
            }
            let count = (f64::from(total) / level.size()).ceil() as usize;
            let weights: Vec<f64> = members.iter().map(|&c| f64::from(pupils[c][l])).collect();
            let cum = rng::cumulative(&weights);
            for _ in 0..count {
                let c = members[rng.pick_cum(&cum)];
                specs.push(Spec {
                    commune: c as u32,
                    kind: VenueKind::School,
                    level: Some(*level),
                    capacity: level.size(),
                    popularity: 1.0,
                });
            }
        }
    }
    let students: u32 = pupils
        .iter()
        .map(|p| p[SchoolLevel::University as usize])
        .sum();
    let urban_pop: Vec<f64> = communes
        .iter()
        .map(|c| {
            if c.urban {
                f64::from(c.population)
            } else {
                0.0
            }
        })
        .collect();
    let all_pop: Vec<f64> = communes.iter().map(|c| f64::from(c.population)).collect();
    let rural_pop: Vec<f64> = communes
        .iter()
        .map(|c| {
            if c.urban {
                0.0
            } else {
                f64::from(c.population)
            }
        })
        .collect();
    let mut place = |rng: &mut Rng,
                     weights: &[f64],
                     count: usize,
                     kind,
                     level,
                     size: &dyn Fn(&mut Rng) -> f64| {
        let weights = if weights.iter().sum::<f64>() > 0.0 {
            weights
        } else {
            &all_pop[..]
        };
        let cum = rng::cumulative(weights);
        for _ in 0..count {
            let c = rng.pick_cum(&cum) as u32;
            let capacity = size(rng);
            specs.push(Spec {
                commune: c,
                kind,
                level,
                capacity,
                popularity: capacity,
            });
        }
    };
    place(
        &mut rng,
        &urban_pop,
        (f64::from(students) / SchoolLevel::University.size()).ceil() as usize,
        VenueKind::School,
        Some(SchoolLevel::University),
        &|_| SchoolLevel::University.size(),
    );
    // Offices cluster in the wards, factories in the rural districts.
    let office_w: Vec<f64> = communes
        .iter()
        .map(|c| f64::from(c.population) * if c.urban { 5.0 } else { 0.4 })
        .collect();
    place(
        &mut rng,
        &office_w,
        (office / 30.0).ceil() as usize,
        VenueKind::Office,
        None,
        &|r| r.lognormal(30.0, 40.0).max(3.0),
    );
    let factory_w: Vec<f64> = communes
        .iter()
        .map(|c| f64::from(c.population) * if c.urban { 0.4 } else { 2.0 })
        .collect();
    place(
        &mut rng,
        &factory_w,
        (0.6 * factory / 150.0).ceil() as usize,
        VenueKind::Factory,
        None,
        &|r| r.lognormal(150.0, 150.0).max(10.0),
    );
    place(
        &mut rng,
        &rural_pop,
        (0.4 * factory / 2000.0).ceil() as usize,
        VenueKind::IndustrialPark,
        None,
        &|r| 2000.0 * r.lognormal(1.0, 0.5),
    );

    specs.sort_by_key(|a| (a.commune, a.kind, a.level));

    let mut venues = Venues {
        seed,
        commune_names: communes
            .iter()
            .map(|c| (c.name.clone(), c.unit_type.label_vi()))
            .collect(),
        ..Venues::default()
    };
    let mut prev: Option<(u32, VenueKind, Option<SchoolLevel>)> = None;
    let mut ordinal = 0;
    for s in &specs {
        let key = (s.commune, s.kind, s.level);
        ordinal = if prev == Some(key) { ordinal + 1 } else { 0 };
        prev = Some(key);
        let (open, close) = s.kind.hours();
        venues.kind.push(s.kind);
        venues.commune.push(s.commune);
        venues.capacity.push(s.capacity.round().max(1.0) as u32);
        venues.open_min.push(open);
        venues.close_min.push(close);
        venues.popularity.push(s.popularity as f32);
        venues.school_level.push(s.level);
        venues.ordinal.push(ordinal);
    }

    let finder = finder(&venues, district_of, districts);
    assign(seed, &finder, &venues, pop);
    let people = &pop.people;
    // Capacity is at least the people who work or study there, so dilution is by real size.
    let mut regulars = vec![0u32; venues.len()];
    for &w in &people.workplace {
        if w != NO_VENUE {
            regulars[w as usize] += 1;
        }
    }
    for h in 0..pop.households.len() {
        let l = pop.households.lobby[h];
        if l != NO_VENUE {
            regulars[l as usize] += pop.households.members(h as u32).len() as u32;
        }
    }
    for (v, r) in regulars.into_iter().enumerate() {
        let cap = &mut venues.capacity[v];
        *cap = (*cap).max(r + r / 10);
    }
    // Wards pack more people into each square metre of shop floor than rural communes.
    venues.beta_per_min = (0..venues.len())
        .map(|v| {
            let (beta, reference) = venues.kind[v].setting();
            let density = if communes[venues.commune[v] as usize].urban {
                1.25
            } else {
                0.75
            };
            (beta * density * (reference / f64::from(venues.capacity[v])).min(1.0)) as f32
        })
        .collect();
    Built { venues, finder }
}

fn finder(venues: &Venues, district_of: &[u32], districts: usize) -> Finder {
    let n_communes = district_of.len();
    let mut members: Vec<Vec<(u32, u32, f64)>> = vec![Vec::new(); POOLS];
    for v in 0..venues.len() {
        let pool = pool_of(venues.kind[v], venues.school_level[v]);
        members[pool].push((venues.commune[v], v as u32, f64::from(venues.popularity[v])));
    }
    let pools = members
        .into_iter()
        .map(|m| {
            let by_commune = Csr::new(n_communes, &m);
            let mut by_d: Vec<(u32, u32, f64)> = m
                .iter()
                .map(|&(c, v, w)| (district_of[c as usize], v, w))
                .collect();
            by_d.sort_by_key(|&(d, v, _)| (d, v));
            let by_district = Csr::new(districts, &by_d);
            let all: Vec<(u32, u32, f64)> = m.iter().map(|&(_, v, w)| (0, v, w)).collect();
            Pool {
                by_commune,
                by_district,
                all: Csr::new(1, &all),
            }
        })
        .collect();
    Finder {
        pools,
        district_of: district_of.to_vec(),
    }
}

/// Gives every pupil a school, every worker a workplace and every apartment household its
/// lobby.
fn assign(seed: u64, finder: &Finder, venues: &Venues, pop: &mut Population) {
    let people: &People = &pop.people;
    let workplace: Vec<u32> = (0..people.len() as u32)
        .into_par_iter()
        .map(|i| {
            let p = i as usize;
            let c = people.commune(i);
            let mut rng = Rng::new(seed, Stream::Workplaces, u64::from(i), 0);
            let pick = |rng: &mut Rng, kind, level, pc, pd| {
                finder.choose(pool_of(kind, level), c, rng, pc, pd)
            };
            let v = match people.occupation[p] {
                Occupation::Pupil => {
                    let level = SchoolLevel::for_age(people.age[p]);
                    pick(&mut rng, VenueKind::School, Some(level), 1.0, 0.0)
                }
                Occupation::Student => pick(
                    &mut rng,
                    VenueKind::School,
                    Some(SchoolLevel::University),
                    0.0,
                    0.3,
                ),
                Occupation::OfficeWorker => pick(&mut rng, VenueKind::Office, None, 0.1, 0.4),
                Occupation::FactoryWorker => {
                    if rng.chance(0.4) {
                        pick(&mut rng, VenueKind::IndustrialPark, None, 0.0, 0.3)
                            .or_else(|| pick(&mut rng, VenueKind::Factory, None, 0.2, 0.5))
                    } else {
                        pick(&mut rng, VenueKind::Factory, None, 0.2, 0.5)
                            .or_else(|| pick(&mut rng, VenueKind::IndustrialPark, None, 0.0, 0.3))
                    }
                }
                Occupation::ShopWorker => {
                    let kind = match rng.f64() {
                        u if u < 0.35 => VenueKind::Market,
                        u if u < 0.5 => VenueKind::Supermarket,
                        u if u < 0.8 => VenueKind::Restaurant,
                        _ => VenueKind::Cafe,
                    };
                    pick(&mut rng, kind, None, 0.5, 0.4)
                }
                Occupation::HealthWorker => {
                    if rng.chance(0.6) {
                        pick(&mut rng, VenueKind::Hospital, None, 0.1, 0.5)
                    } else {
                        pick(&mut rng, VenueKind::Clinic, None, 0.6, 0.3)
                    }
                }
                Occupation::Infant | Occupation::Retired | Occupation::AtHome => None,
            };
            v.unwrap_or(NO_VENUE)
        })
        .collect();
    pop.people.workplace = workplace;
    let lobby_pool = pool_of(VenueKind::ApartmentLobby, None);
    pop.households.lobby = (0..pop.households.len())
        .map(|h| {
            if !pop.apartment[h] {
                return NO_VENUE;
            }
            let c = pop.households.commune[h];
            let mut rng = Rng::new(seed, Stream::Workplaces, h as u64, 1);
            finder.pools[lobby_pool]
                .by_commune
                .pick(c as usize, &mut rng)
                .unwrap_or(NO_VENUE)
        })
        .collect();
    debug_assert!(venues.len() < NO_VENUE as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_payloads_round_trip_and_reject_tampering() {
        for i in [0u32, 1, 42, 123_456, u32::MAX - 1] {
            let p = qr_payload(i);
            assert!(p.starts_with("CDV1:V:"));
            assert_eq!(parse_qr_payload(&p), Some(i), "{p}");
        }
        let p = qr_payload(42);
        let tampered = p.replace(":42:", ":43:");
        assert_eq!(parse_qr_payload(&tampered), None);
        assert_eq!(parse_qr_payload("CDV1:V::0000"), None);
        assert_eq!(parse_qr_payload("CDV1:V:1:zzzz"), None);
        assert_eq!(parse_qr_payload("hello"), None);
    }

    #[test]
    fn kinds_have_stable_slugs() {
        for k in VenueKind::ALL {
            assert_eq!(VenueKind::parse(k.as_str()), Some(k));
            let (open, close) = k.hours();
            assert!(open < close && close <= 1440);
        }
    }
}
