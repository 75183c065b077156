//! Vietnamese display names of venues, derived from (seed, venue) when asked for.

use super::{SchoolLevel, VenueKind, Venues};
use crate::rng::{self, Stream};

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
