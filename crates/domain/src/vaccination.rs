//! COVID-19 vaccine doses: products, the primary series, and the groups coverage is counted
//! in (Decision 4800 criterion 2, Decision 218 criteria 2a/2b).

use crate::slug_enum;

slug_enum!(
    /// Vaccine products given in Vietnam 2021–2022.
    Product {
        AstraZeneca = "astrazeneca",
        Pfizer = "pfizer",
        Moderna = "moderna",
        Sinopharm = "sinopharm",
        SputnikV = "sputnik_v",
        Janssen = "janssen",
        Abdala = "abdala",
        HayatVax = "hayat_vax",
    }
);

impl Product {
    /// Doses of the primary series: one for Janssen, three for Abdala, two otherwise (the
    /// products' licences as used by the Ministry of Health).
    pub fn primary_doses(self) -> u8 {
        match self {
            Product::Janssen => 1,
            Product::Abdala => 3,
            _ => 2,
        }
    }

    /// The product of a label as the simulator and paper registers spell it
    /// ("Pfizer-BioNTech", "Sinopharm (Vero Cell)").
    pub fn from_label(label: &str) -> Option<Product> {
        let l = label.to_ascii_lowercase();
        let found = [
            ("astra", Product::AstraZeneca),
            ("pfizer", Product::Pfizer),
            ("comirnaty", Product::Pfizer),
            ("moderna", Product::Moderna),
            ("spikevax", Product::Moderna),
            ("sinopharm", Product::Sinopharm),
            ("vero", Product::Sinopharm),
            ("sputnik", Product::SputnikV),
            ("janssen", Product::Janssen),
            ("abdala", Product::Abdala),
            ("hayat", Product::HayatVax),
        ]
        .into_iter()
        .find(|(k, _)| l.contains(k))
        .map(|(_, p)| p);
        found.or_else(|| label.parse().ok())
    }
}

/// The age from which a person counts in the adult coverage of Decision 4800 (18+). [V]
pub const ADULT_AGE: u32 = 18;
/// The age from which a person counts as high-risk for Decision 218 criterion 2b. [A] The
/// decision names "people at high risk" (older people and people with comorbidities); persons
/// carry no comorbidity flag, so age ≥ 50 alone stands for the group (the 4800 draft's
/// "over 50").
pub const HIGH_RISK_AGE: u32 = 50;

slug_enum!(
    /// The age group a dose is counted in, by age on the day it was given.
    AgeGroup {
        Under18 = "under_18",
        Adult18To49 = "18_49",
        Adult50Plus = "50_plus",
        Unknown = "unknown",
    }
);

impl AgeGroup {
    pub fn of_age(age: Option<u32>) -> AgeGroup {
        match age {
            None => AgeGroup::Unknown,
            Some(a) if a < ADULT_AGE => AgeGroup::Under18,
            Some(a) if a < HIGH_RISK_AGE => AgeGroup::Adult18To49,
            Some(_) => AgeGroup::Adult50Plus,
        }
    }
}

/// Whether dose `dose_no` of `product` completes the primary series.
pub fn completes_series(product: Product, dose_no: u8) -> bool {
    dose_no == product.primary_doses()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_series() {
        assert_eq!(
            Product::from_label("Sinopharm (Vero Cell)"),
            Some(Product::Sinopharm)
        );
        assert_eq!(
            Product::from_label("Pfizer-BioNTech"),
            Some(Product::Pfizer)
        );
        assert_eq!(Product::from_label("moderna"), Some(Product::Moderna));
        assert_eq!(Product::from_label("water"), None);
        assert!(completes_series(Product::Janssen, 1));
        assert!(!completes_series(Product::AstraZeneca, 1));
        assert!(completes_series(Product::AstraZeneca, 2));
        assert_eq!(AgeGroup::of_age(Some(17)), AgeGroup::Under18);
        assert_eq!(AgeGroup::of_age(Some(18)), AgeGroup::Adult18To49);
        assert_eq!(AgeGroup::of_age(Some(50)), AgeGroup::Adult50Plus);
    }
}
