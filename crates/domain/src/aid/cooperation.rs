//! Cooperation between localities: the kinds of meeting, and the default fields of an
//! agreement.

use std::str::FromStr;

use crate::validation::Reason;

/// What kind of meeting a cooperation activity was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    DelegationVisit,
    OnlineTalks,
    Conference,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 3] = [
        ActivityKind::DelegationVisit,
        ActivityKind::OnlineTalks,
        ActivityKind::Conference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::DelegationVisit => "delegation_visit",
            ActivityKind::OnlineTalks => "online_talks",
            ActivityKind::Conference => "conference",
        }
    }
}

impl FromStr for ActivityKind {
    type Err = Reason;
    fn from_str(s: &str) -> Result<Self, Reason> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(Reason::UnknownValue)
    }
}

/// The nine fields of the Hà Nội – Hồ Chí Minh City comprehensive cooperation MoU of
/// 18 October 2023 (report 003): the default list of a new agreement's fields.
pub const DEFAULT_COOPERATION_FIELDS: [&str; 9] = [
    "Công tác xây dựng Đảng, hệ thống chính trị",
    "Quản lý nhà nước và cơ chế, chính sách",
    "Kinh tế, thương mại và xúc tiến, thu hút đầu tư",
    "Phát triển đô thị, bảo vệ môi trường",
    "Văn hóa, thể thao và du lịch",
    "Giáo dục và y tế",
    "Nông nghiệp và phát triển nông thôn",
    "Quốc phòng, an ninh",
    "Báo chí, tuyên truyền",
];
