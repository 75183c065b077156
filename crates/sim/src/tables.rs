//! Hard-coded demographic, naming and clinical tables, each with its source.

/// Share of the population in each 5-year age band (0–4, 5–9, …, 80–84, 85+), in percent.
///
/// Shape of Vietnam's 2019 Population and Housing Census (GSO, "Completed results of the
/// 2019 Viet Nam population and housing census", population by 5-year age group), rounded:
/// 0–14 is 24.3%, 15–64 is 68.0%, 65+ is 7.7% in the census. Values are normalised on use.
pub(crate) const AGE_PYRAMID_2019: [f64; 18] = [
    8.2, 8.7, 7.4, 6.6, 7.0, 8.1, 8.3, 7.6, 7.1, 6.5, 5.9, 5.2, 4.2, 3.0, 1.8, 1.2, 0.9, 1.1,
];

/// The oldest age the simulator gives anyone; the 85+ band is spread over 85..=AGE_MAX
/// with a falling weight.
pub(crate) const AGE_MAX: u8 = 100;

/// Household size distribution (1..=8 persons), percent. Shaped on the 2019 census (mean
/// household size 3.5 nationally; multi-generation households common in rural communes);
/// the exact census table was not at hand, so the shares are an approximation (assumed).
pub(crate) const HOUSEHOLD_SIZE: [f64; 8] = [10.0, 20.0, 22.0, 25.0, 12.0, 7.0, 3.0, 1.0];

/// Surnames and their approximate share of the population, in percent (commonly cited
/// estimates, e.g. Lê Trung Hoa's survey as quoted in the literature on Vietnamese names:
/// Nguyễn ~38%, Trần ~11–12%, Lê ~9.5%, Phạm ~7%, Hoàng/Huỳnh ~5%, Phan ~4.5%, Vũ/Võ ~3.9%…).
/// The northern spellings (Hoàng, Vũ) get most of the shared shares since the default
/// province is Hà Nội. The long tail is lumped into the minor names at the end.
pub(crate) const SURNAMES: [(&str, f64); 40] = [
    ("Nguyễn", 38.4),
    ("Trần", 11.5),
    ("Lê", 9.5),
    ("Phạm", 7.0),
    ("Hoàng", 4.0),
    ("Huỳnh", 1.1),
    ("Phan", 4.5),
    ("Vũ", 3.0),
    ("Võ", 0.9),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Trương", 0.6),
    ("Đinh", 0.6),
    ("Đoàn", 0.4),
    ("Trịnh", 0.5),
    ("Đào", 0.5),
    ("Mai", 0.4),
    ("Lương", 0.4),
    ("Hà", 0.4),
    ("Phùng", 0.3),
    ("Lưu", 0.3),
    ("Cao", 0.3),
    ("Tạ", 0.3),
    ("Triệu", 0.2),
    ("Chu", 0.2),
    ("Kiều", 0.2),
    ("Tô", 0.2),
    ("Thái", 0.2),
    ("Quách", 0.1),
    ("Nghiêm", 0.1),
    ("Khúc", 0.1),
    ("Lại", 0.1),
    ("Đàm", 0.1),
    ("Lã", 0.1),
    ("Kim", 0.1),
];

pub(crate) const MIDDLE_MALE: [&str; 22] = [
    "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Ngọc", "Tuấn", "Gia", "Bảo",
    "Hoàng", "Đình", "Trọng", "Mạnh", "Tiến", "Duy", "Anh", "Quốc", "Hải", "Thế",
];

pub(crate) const MIDDLE_FEMALE: [&str; 22] = [
    "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng", "Kim", "Bảo", "Khánh", "Mai", "Diệu",
    "Hải", "Thùy", "Quỳnh", "Lan", "Hà", "Tuyết", "Bích", "Mỹ", "Hoài", "Vân",
];

/// Given names, most frequent first; drawn with Zipf-like weights 1/(rank + 4).
pub(crate) const GIVEN_MALE: [&str; 45] = [
    "Anh", "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Nam", "Long", "Quân", "Hoàng", "Sơn", "Thắng",
    "Trung", "Cường", "Đức", "Hiếu", "Huy", "Khánh", "Phúc", "Bình", "Tùng", "Việt", "Khoa",
    "Kiên", "Lâm", "Bảo", "Đạt", "Thành", "Tiến", "Vinh", "Hưng", "Phong", "Quang", "Toàn",
    "Thịnh", "Nghĩa", "Chiến", "Hòa", "Lộc", "Tài", "Duy", "Khải", "Phát", "An", "Khôi",
];

pub(crate) const GIVEN_FEMALE: [&str; 44] = [
    "Linh", "Hương", "Lan", "Trang", "Hoa", "Mai", "Hà", "Ngọc", "Thảo", "Huyền", "Phương", "Hằng",
    "Nga", "Thủy", "Hạnh", "Nhung", "Yến", "Dung", "Vân", "Anh", "Chi", "Giang", "Hiền", "Loan",
    "Oanh", "Quỳnh", "Thu", "Uyên", "Vy", "My", "Hồng", "Liên", "Tâm", "Tuyết", "Ánh", "Diệp",
    "Hải", "Khánh", "Ly", "Nhi", "Thơ", "Trinh", "Thư", "Hân",
];

/// Clinical tables by 10-year age band (0–9, …, 70–79, 80+), as overall probabilities per
/// infection. Symptomatic, severe, critical and death shares are Covasim's defaults
/// (covasim/parameters.py, `get_prognoses`): symptomatic from Davies et al. 2020 (Nat Med),
/// severe from Verity et al. / Imperial College Report 9, critical from CDC MMWR 69(12),
/// deaths (infection fatality ratio) from O'Driscoll et al. 2021 (Nature). Vietnam's
/// severity scale (4689/QĐ-BYT) also has "moderate" (SpO2 94–96%), which these sources
/// do not split out: its shares are an assumption (assumed) of the same rising shape.
pub(crate) const P_SYMPTOMATIC: [f64; 9] = [0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90];
pub(crate) const P_MODERATE: [f64; 9] = [0.004, 0.008, 0.02, 0.035, 0.05, 0.075, 0.10, 0.12, 0.13];
pub(crate) const P_SEVERE: [f64; 9] = [
    0.00050, 0.00165, 0.00720, 0.02080, 0.03430, 0.07650, 0.13280, 0.20655, 0.24570,
];
pub(crate) const P_CRITICAL: [f64; 9] = [
    0.00003, 0.00008, 0.00036, 0.00104, 0.00216, 0.00933, 0.03639, 0.08923, 0.17420,
];
pub(crate) const P_DEATH: [f64; 9] = [
    0.00002, 0.00002, 0.00010, 0.00032, 0.00098, 0.00265, 0.00766, 0.02439, 0.08292,
];

/// Relative susceptibility by 10-year band (Covasim's `rel_sus`, from Zhang et al. 2020,
/// Science): children catch the virus less often per contact, the very old more.
pub(crate) const REL_SUSCEPTIBILITY: [f64; 9] =
    [0.34, 0.67, 1.00, 1.00, 1.00, 1.00, 1.24, 1.47, 1.47];

#[inline]
pub(crate) fn band10(age: u8) -> usize {
    usize::from(age / 10).min(8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinical_tables_are_nested() {
        for b in 0..9 {
            assert!(P_CRITICAL[b] <= P_SEVERE[b]);
            assert!(P_DEATH[b] <= P_CRITICAL[b]);
            assert!(P_SEVERE[b] + P_MODERATE[b] < P_SYMPTOMATIC[b]);
            if b > 0 {
                assert!(P_SEVERE[b] >= P_SEVERE[b - 1]);
                assert!(P_SYMPTOMATIC[b] >= P_SYMPTOMATIC[b - 1]);
            }
        }
    }

    #[test]
    fn pyramid_matches_the_census_broad_groups() {
        let total: f64 = AGE_PYRAMID_2019.iter().sum();
        let kids: f64 = AGE_PYRAMID_2019[..3].iter().sum::<f64>() / total;
        let old: f64 = AGE_PYRAMID_2019[13..].iter().sum::<f64>() / total;
        assert!((kids - 0.243).abs() < 0.01, "{kids}");
        assert!((old - 0.077).abs() < 0.01, "{old}");
        let nguyen = SURNAMES[0].1 / SURNAMES.iter().map(|s| s.1).sum::<f64>();
        assert!((nguyen - 0.38).abs() < 0.02, "{nguyen}");
    }
}
