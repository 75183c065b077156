//! The columns of an F0 line list and the headers that name them. A header is recognised
//! folded (`domain::text::fold_diacritics`, as the person search folds names) with its
//! punctuation made spaces, so "Họ và tên", "HO TEN" and "full name" are alike; the words
//! are data (`SYNONYMS`), not code.

use domain::text::fold_diacritics;
use serde::{Deserialize, Serialize};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FullName,
    /// A birth date, or a birth year alone.
    Birth,
    Sex,
    NationalId,
    Phone,
    Address,
    /// The commune (xã/phường), or a whole unit "P. Hàng Buồm, Q. Hoàn Kiếm".
    Commune,
    District,
    Province,
    SampleAt,
    ResultAt,
    /// The test's result: a line list of F0 holds positives only.
    Result,
    TestKind,
    Ct,
    Severity,
    Onset,
    /// Where the person is isolated or treated: recognised, not yet recorded (stays are
    /// entered on the case page).
    Place,
    /// Of a vaccination list: the vaccine as written ("AstraZeneca", "Vero Cell").
    Vaccine,
    Lot,
    DoseNo,
    GivenOn,
    /// Where a dose was given: a unit by name.
    DosePlace,
    /// Of a lab list: the laboratory's sample id.
    SampleId,
    /// Of an F1 list: the source case's id ("Mã F0").
    SourceCase,
    /// The source person's national ID ("CCCD F0").
    SourceNationalId,
    /// The source person's name ("Họ tên F0").
    SourceName,
    /// The source person's birth date or year ("Năm sinh F0").
    SourceBirth,
    /// F1 or F2 (F1 when absent).
    Degree,
    /// The last exposure to the source ("Ngày tiếp xúc cuối").
    ExposedAt,
    /// The relation to the source or the place of contact ("Mối quan hệ", "Nơi tiếp xúc").
    Relation,
    /// Of a venue list: the place's name ("Chợ Hàng Da").
    VenueName,
    /// Of a venue list: what kind of place ("Chợ", "Nhà hàng", "market").
    VenueKind,
    Capacity,
    /// Opening and closing hours, "HH:MM".
    Opens,
    Closes,
    /// Of a check-in list: our venue's id or its QR poster's code.
    VenueCode,
    /// Of a check-in list: the times in and out.
    TimeIn,
    TimeOut,
}

impl Field {
    pub const ALL: [Field; 38] = [
        Field::FullName,
        Field::Birth,
        Field::Sex,
        Field::NationalId,
        Field::Phone,
        Field::Address,
        Field::Commune,
        Field::District,
        Field::Province,
        Field::SampleAt,
        Field::ResultAt,
        Field::Result,
        Field::TestKind,
        Field::Ct,
        Field::Severity,
        Field::Onset,
        Field::Place,
        Field::Vaccine,
        Field::Lot,
        Field::DoseNo,
        Field::GivenOn,
        Field::DosePlace,
        Field::SampleId,
        Field::SourceCase,
        Field::SourceNationalId,
        Field::SourceName,
        Field::SourceBirth,
        Field::Degree,
        Field::ExposedAt,
        Field::Relation,
        Field::VenueName,
        Field::VenueKind,
        Field::Capacity,
        Field::Opens,
        Field::Closes,
        Field::VenueCode,
        Field::TimeIn,
        Field::TimeOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::Birth => "birth",
            Field::Sex => "sex",
            Field::NationalId => "national_id",
            Field::Phone => "phone",
            Field::Address => "address",
            Field::Commune => "commune",
            Field::District => "district",
            Field::Province => "province",
            Field::SampleAt => "sample_at",
            Field::ResultAt => "result_at",
            Field::Result => "result",
            Field::TestKind => "test_kind",
            Field::Ct => "ct",
            Field::Severity => "severity",
            Field::Onset => "onset",
            Field::Place => "place",
            Field::Vaccine => "vaccine",
            Field::Lot => "lot",
            Field::DoseNo => "dose_no",
            Field::GivenOn => "given_on",
            Field::DosePlace => "dose_place",
            Field::SampleId => "sample_id",
            Field::SourceCase => "source_case",
            Field::SourceNationalId => "source_national_id",
            Field::SourceName => "source_name",
            Field::SourceBirth => "source_birth",
            Field::Degree => "degree",
            Field::ExposedAt => "exposed_at",
            Field::Relation => "relation",
            Field::VenueName => "venue_name",
            Field::VenueKind => "venue_kind",
            Field::Capacity => "capacity",
            Field::Opens => "opens",
            Field::Closes => "closes",
            Field::VenueCode => "venue_code",
            Field::TimeIn => "time_in",
            Field::TimeOut => "time_out",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The field of a form (`PersonInput`, `CaseInput`) a refusal names, as a column.
    pub fn of_form_field(field: &str) -> Option<Field> {
        Some(match field {
            "full_name" => Field::FullName,
            "birth_date" => Field::Birth,
            "sex" => Field::Sex,
            "national_id" => Field::NationalId,
            "phone" => Field::Phone,
            "address" => Field::Address,
            "unit" => Field::Commune,
            "test.sample_at" => Field::SampleAt,
            "test.result_at" => Field::ResultAt,
            "test.positive" => Field::Result,
            "test.kind" => Field::TestKind,
            "test.ct" => Field::Ct,
            "severity" => Field::Severity,
            "onset" => Field::Onset,
            // The dose form's fields (`DoseInput`).
            "product" => Field::Vaccine,
            "lot" => Field::Lot,
            "dose_no" => Field::DoseNo,
            "given_on" => Field::GivenOn,
            // A lab list's result sampled before every case of its person.
            "case" => Field::Result,
            _ => return None,
        })
    }
}

/// Headers as the 2021 lists wrote them, folded; a header is recognised when its folded
/// form is one of these.
const SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::FullName,
        &[
            "ho ten",
            "ho va ten",
            "ten",
            "full name",
            "name",
            "ho ten benh nhan",
            "ho ten f0",
        ],
    ),
    (
        Field::Birth,
        &[
            "nam sinh",
            "ngay sinh",
            "ngay thang nam sinh",
            "birth date",
            "date of birth",
            "birth year",
            "year of birth",
            "dob",
        ],
    ),
    (Field::Sex, &["gioi tinh", "gioi", "sex", "gender"]),
    (
        Field::NationalId,
        &[
            "cccd",
            "cmnd",
            "cccd cmnd",
            "cmnd cccd",
            "so cccd",
            "so cmnd",
            "so cccd cmnd",
            "can cuoc",
            "national id",
            "id number",
        ],
    ),
    (
        Field::Phone,
        &[
            "sdt",
            "so dien thoai",
            "dien thoai",
            "dt",
            "phone",
            "phone number",
            "mobile",
        ],
    ),
    (
        Field::Address,
        &["dia chi", "dia chi cu tru", "noi o", "address"],
    ),
    (
        Field::Commune,
        &[
            "xa phuong",
            "phuong xa",
            "xa",
            "phuong",
            "xa phuong thi tran",
            "commune",
            "ward",
            "don vi",
            "unit",
        ],
    ),
    (
        Field::District,
        &[
            "quan huyen",
            "huyen quan",
            "quan",
            "huyen",
            "quan huyen thi xa",
            "district",
        ],
    ),
    (
        Field::Province,
        &["tinh", "tinh thanh pho", "tinh tp", "thanh pho", "province"],
    ),
    (
        Field::SampleAt,
        &[
            "ngay lay mau",
            "thoi gian lay mau",
            "ngay lay mau xet nghiem",
            "sample date",
            "sampled",
            "sample time",
            "sample at",
        ],
    ),
    (
        Field::ResultAt,
        &[
            "ngay co ket qua",
            "ngay tra ket qua",
            "ngay ket qua",
            "thoi gian co ket qua",
            "result date",
            "result time",
            "result at",
        ],
    ),
    (
        Field::Result,
        &[
            "ket qua",
            "ket qua xet nghiem",
            "kq",
            "kq xn",
            "result",
            "test result",
        ],
    ),
    (
        Field::TestKind,
        &[
            "loai xet nghiem",
            "loai xn",
            "phuong phap xet nghiem",
            "xet nghiem",
            "test kind",
            "test type",
            "test",
            "method",
        ],
    ),
    (Field::Ct, &["ct", "chi so ct", "gia tri ct", "ct value"]),
    (
        Field::Severity,
        &[
            "muc do",
            "muc do benh",
            "phan loai",
            "tinh trang",
            "severity",
        ],
    ),
    (
        Field::Onset,
        &[
            "ngay khoi phat",
            "ngay khoi benh",
            "khoi phat",
            "onset",
            "symptom onset",
        ],
    ),
    (
        Field::Place,
        &[
            "noi cach ly dieu tri",
            "noi cach ly",
            "noi dieu tri",
            "noi cach ly hoac dieu tri",
            "co so dieu tri",
            "place of isolation",
            "isolation place",
            "treatment place",
            "place",
        ],
    ),
    // Vaccination lists of 2021.
    (
        Field::Vaccine,
        &[
            "vaccine",
            "vac xin",
            "vacxin",
            "loai vac xin",
            "ten vac xin",
            "loai vaccine",
            "ten vaccine",
            "vaccine name",
            "product",
        ],
    ),
    (
        Field::Lot,
        &[
            "lo",
            "so lo",
            "lo vac xin",
            "so lo vac xin",
            "lot",
            "lot number",
            "batch",
        ],
    ),
    (
        Field::DoseNo,
        &[
            "mui",
            "mui so",
            "mui thu",
            "mui tiem",
            "mui tiem thu",
            "dose",
            "dose number",
            "dose no",
        ],
    ),
    (
        Field::GivenOn,
        &[
            "ngay tiem",
            "ngay tiem chung",
            "thoi gian tiem",
            "date given",
            "vaccination date",
            "date of vaccination",
        ],
    ),
    (
        Field::DosePlace,
        &[
            "noi tiem",
            "dia diem tiem",
            "diem tiem",
            "co so tiem",
            "don vi tiem",
            "vaccination place",
            "place of vaccination",
            "vaccinated at",
        ],
    ),
    // Lab result lists.
    (
        Field::SampleId,
        &[
            "ma mau",
            "ma so mau",
            "so hieu mau",
            "ma xet nghiem",
            "sample id",
            "sample code",
            "specimen id",
        ],
    ),
    // F1 lists: the columns of the contact's exposure (the source's own columns are
    // `SOURCE_SYNONYMS`, read before these for kind `contacts`).
    (
        Field::Degree,
        &[
            "f1 f2",
            "loai tiep xuc",
            "cap tiep xuc",
            "muc do tiep xuc",
            "degree",
            "contact degree",
        ],
    ),
    (
        Field::ExposedAt,
        &[
            "ngay tiep xuc cuoi",
            "ngay tiep xuc cuoi cung",
            "ngay tiep xuc",
            "thoi gian tiep xuc",
            "thoi gian tiep xuc cuoi",
            "ngay tiep xuc gan nhat",
            "last exposure",
            "last exposure date",
            "exposure date",
            "exposed at",
        ],
    ),
    (
        Field::Relation,
        &[
            "moi quan he",
            "quan he",
            "quan he voi f0",
            "moi quan he voi f0",
            "noi tiep xuc",
            "dia diem tiep xuc",
            "hoan canh tiep xuc",
            "relation",
            "relationship",
            "contact setting",
            "place of contact",
        ],
    ),
    // Venue lists a district kept.
    (
        Field::VenueName,
        &[
            "ten dia diem",
            "ten co so",
            "ten dia diem kinh doanh",
            "dia diem",
            "co so",
            "venue",
            "venue name",
            "place name",
        ],
    ),
    (
        Field::VenueKind,
        &[
            "loai",
            "loai dia diem",
            "loai hinh",
            "loai hinh kinh doanh",
            "loai co so",
            "kind",
            "type",
            "venue kind",
            "venue type",
        ],
    ),
    (
        Field::Capacity,
        &["suc chua", "so nguoi toi da", "capacity", "max people"],
    ),
    (
        Field::Opens,
        &[
            "gio mo cua",
            "mo cua",
            "gio mo",
            "opens",
            "opening time",
            "open",
            "opening hour",
        ],
    ),
    (
        Field::Closes,
        &[
            "gio dong cua",
            "dong cua",
            "gio dong",
            "closes",
            "closing time",
            "close",
            "closing hour",
        ],
    ),
    // Check-ins exported by another system.
    (
        Field::VenueCode,
        &[
            "ma dia diem",
            "ma qr",
            "ma qr dia diem",
            "venue id",
            "venue code",
            "qr code",
        ],
    ),
    (
        Field::TimeIn,
        &[
            "gio vao",
            "thoi gian vao",
            "thoi diem vao",
            "check in",
            "checkin",
            "time in",
            "check in time",
        ],
    ),
    (
        Field::TimeOut,
        &[
            "gio ra",
            "thoi gian ra",
            "thoi diem ra",
            "check out",
            "checkout",
            "time out",
            "check out time",
        ],
    ),
];

/// An F1 list's headers naming its source case and person: "Họ tên F0" there is the
/// source's name, while an F0 list means its own person by it, so for kind `contacts`
/// these are read first and win over `SYNONYMS`.
const SOURCE_SYNONYMS: &[(Field, &[&str])] = &[
    (
        Field::SourceCase,
        &[
            "ma f0",
            "ma ca f0",
            "ma ca benh",
            "ma ca benh f0",
            "ma so f0",
            "ma benh nhan f0",
            "source case",
            "source case id",
            "case id",
        ],
    ),
    (
        Field::SourceNationalId,
        &[
            "cccd f0",
            "cmnd f0",
            "cccd cmnd f0",
            "cmnd cccd f0",
            "so cccd f0",
            "source national id",
        ],
    ),
    (
        Field::SourceName,
        &[
            "ho ten f0",
            "ho va ten f0",
            "ten f0",
            "ho ten ca benh",
            "ho ten nguoi f0",
            "source name",
            "source case name",
        ],
    ),
    (
        Field::SourceBirth,
        &[
            "nam sinh f0",
            "ngay sinh f0",
            "source birth year",
            "source birth date",
            "source birth",
        ],
    ),
];

/// A header folded for matching: lower case without diacritics, punctuation as spaces,
/// spaces collapsed ("CCCD/CMND" → "cccd cmnd", "SĐT" → "sdt").
pub fn fold_header(h: &str) -> String {
    fold_diacritics(h)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The field a header names, if recognised.
pub fn recognise(header: &str) -> Option<Field> {
    let h = fold_header(header);
    find_in(SYNONYMS, &h)
}

fn find_in(table: &[(Field, &[&str])], folded: &str) -> Option<Field> {
    table
        .iter()
        .find(|(_, words)| words.contains(&folded))
        .map(|(f, _)| *f)
}

/// The field a header names in a list of `kind`: a kind's own table first (an F1 list's
/// "Họ tên F0" is its source's name), then the common one.
pub fn recognise_as(kind: super::Kind, header: &str) -> Option<Field> {
    let h = fold_header(header);
    let own = match kind {
        super::Kind::Contacts => find_in(SOURCE_SYNONYMS, &h),
        _ => None,
    };
    own.or_else(|| find_in(SYNONYMS, &h))
        .filter(|f| kind.fields().contains(f))
}

/// The field of each column (none: the column is not read). A field is given to one
/// column at most: the first that names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping(pub Vec<Option<Field>>);

impl Mapping {
    /// The mapping proposed for these headers.
    pub fn propose(headers: &[String]) -> Mapping {
        Mapping::propose_with(headers, recognise)
    }

    /// The mapping proposed for these headers in a list of `kind` ([`recognise_as`]).
    pub fn propose_for(kind: super::Kind, headers: &[String]) -> Mapping {
        Mapping::propose_with(headers, |h| recognise_as(kind, h))
    }

    fn propose_with(headers: &[String], recognise: impl Fn(&str) -> Option<Field>) -> Mapping {
        let mut taken = Vec::new();
        Mapping(
            headers
                .iter()
                .map(|h| {
                    let f = recognise(h).filter(|f| !taken.contains(f))?;
                    taken.push(f);
                    Some(f)
                })
                .collect(),
        )
    }

    /// The column holding `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.0.iter().position(|f| *f == Some(field))
    }

    /// A saved mapping (by header text) laid over these headers: a saved header decides
    /// its column; a header it does not know keeps the proposal.
    pub fn with_saved(headers: &[String], saved: &[(String, Option<Field>)]) -> Mapping {
        Mapping::propose(headers).saved_over(headers, saved)
    }

    /// [`Mapping::with_saved`] over the proposal for a list of `kind`.
    pub fn with_saved_for(
        kind: super::Kind,
        headers: &[String],
        saved: &[(String, Option<Field>)],
    ) -> Mapping {
        Mapping::propose_for(kind, headers).saved_over(headers, saved)
    }

    fn saved_over(mut self, headers: &[String], saved: &[(String, Option<Field>)]) -> Mapping {
        for (i, h) in headers.iter().enumerate() {
            let key = fold_header(h);
            if let Some((_, f)) = saved.iter().find(|(s, _)| fold_header(s) == key) {
                self.set(i, *f);
            }
        }
        self
    }

    /// Gives column `col` to `field` (taking it from any other column).
    pub fn set(&mut self, col: usize, field: Option<Field>) {
        if col >= self.0.len() {
            return;
        }
        if let Some(f) = field {
            for other in self.0.iter_mut() {
                if *other == Some(f) {
                    *other = None;
                }
            }
        }
        self.0[col] = field;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source table holds an F1 list's source columns only: any other field's words
    /// there would be recognised for F1 lists alone (a venue list's headers went there once
    /// in a merge, and venue lists were read without them).
    /// A header is read as a field of the list's own kind only: a venue list's "Giờ vào"
    /// column is not a check-in time, an F0 list's "Tên địa điểm" no venue name.
    #[test]
    fn a_kind_reads_its_own_fields_only() {
        use crate::import::Kind;
        assert_eq!(recognise_as(Kind::Checkins, "Giờ vào"), Some(Field::TimeIn));
        assert_eq!(recognise_as(Kind::Venues, "Giờ vào"), None);
        assert_eq!(recognise_as(Kind::Cases, "Tên địa điểm"), None);
        assert_eq!(
            recognise_as(Kind::Venues, "Tên địa điểm"),
            Some(Field::VenueName)
        );
        for kind in [
            Kind::Cases,
            Kind::Doses,
            Kind::Labs,
            Kind::Contacts,
            Kind::Venues,
            Kind::Checkins,
        ] {
            for f in kind.fields() {
                assert!(Field::ALL.contains(f));
            }
        }
    }

    #[test]
    fn the_source_table_holds_only_source_columns() {
        for (f, _) in SOURCE_SYNONYMS {
            assert!(
                matches!(
                    f,
                    Field::SourceCase
                        | Field::SourceNationalId
                        | Field::SourceName
                        | Field::SourceBirth
                ),
                "{f:?}"
            );
        }
        for f in Field::ALL {
            let known = SYNONYMS.iter().chain(SOURCE_SYNONYMS).any(|(g, _)| *g == f);
            assert!(known, "{f:?} has no header words");
        }
    }

    #[test]
    fn headers_are_recognised_with_or_without_diacritics_in_any_language() {
        for (h, f) in [
            ("Họ tên", Field::FullName),
            ("HO TEN", Field::FullName),
            ("Full name", Field::FullName),
            ("Năm sinh", Field::Birth),
            ("CCCD/CMND", Field::NationalId),
            ("SĐT", Field::Phone),
            ("Xã/Phường", Field::Commune),
            ("Quận/Huyện", Field::District),
            ("Ngày lấy mẫu", Field::SampleAt),
            ("Kết quả", Field::Result),
            ("Loại xét nghiệm", Field::TestKind),
            ("Nơi cách ly/điều trị", Field::Place),
        ] {
            assert_eq!(recognise(h), Some(f), "{h}");
        }
        assert_eq!(recognise("Ghi chú"), None);
    }

    #[test]
    fn an_f1_list_reads_the_f0_columns_as_its_source() {
        let headers: Vec<String> = [
            "Họ tên F0",
            "Họ tên",
            "Năm sinh F0",
            "Năm sinh",
            "CCCD F0",
            "CCCD",
            "Mã F0",
            "Ngày tiếp xúc cuối",
            "Mối quan hệ",
            "F1/F2",
        ]
        .map(String::from)
        .to_vec();
        let m = Mapping::propose_for(crate::import::Kind::Contacts, &headers);
        assert_eq!(
            m.0,
            vec![
                Some(Field::SourceName),
                Some(Field::FullName),
                Some(Field::SourceBirth),
                Some(Field::Birth),
                Some(Field::SourceNationalId),
                Some(Field::NationalId),
                Some(Field::SourceCase),
                Some(Field::ExposedAt),
                Some(Field::Relation),
                Some(Field::Degree),
            ]
        );
        // An F0 list keeps reading "Họ tên F0" as its own person's name.
        assert_eq!(recognise("Họ tên F0"), Some(Field::FullName));
        assert_eq!(
            recognise_as(crate::import::Kind::Cases, "Họ tên F0"),
            Some(Field::FullName)
        );
    }

    #[test]
    fn a_field_goes_to_one_column() {
        let headers: Vec<String> = ["Họ tên", "Tên", "SĐT"].map(String::from).to_vec();
        let mut m = Mapping::propose(&headers);
        assert_eq!(m.0, vec![Some(Field::FullName), None, Some(Field::Phone)]);
        m.set(1, Some(Field::FullName));
        assert_eq!(m.0, vec![None, Some(Field::FullName), Some(Field::Phone)]);
    }
}
