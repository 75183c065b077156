use chrono::Datelike;

use super::geography::Geography;
use super::*;
use crate::params::{Params, SimError};

fn small() -> (Params, Geography, Population) {
    let params = Params {
        people: 20_000,
        ..Params::default()
    };
    let mut geo = geography(&params).unwrap();
    let pop = build(&params, &mut geo);
    (params, geo, pop)
}

#[test]
fn hanoi_has_its_communes() {
    let geo = geography(&Params::default()).unwrap();
    // 2021 structure (after the 2019–2020 mergers): 160 wards, 21 towns, 345 communes.
    assert_eq!(geo.communes.len(), 526);
    assert_eq!(geo.districts, 30);
    assert!(
        geo.communes
            .iter()
            .filter(|c| c.unit_type == UnitType::Phuong)
            .count()
            > 150
    );
    let bad = Params {
        province_code: "99".into(),
        ..Params::default()
    };
    assert!(matches!(geography(&bad), Err(SimError::UnknownProvince(_))));
}

#[test]
fn population_has_census_shape() {
    let (params, geo, pop) = small();
    let p = &pop.people;
    assert_eq!(p.len(), params.people as usize);
    let n = p.len() as f64;
    let share = |f: &dyn Fn(u8) -> bool| p.age.iter().filter(|&&a| f(a)).count() as f64 / n;
    let kids = share(&|a| a < 15);
    let old = share(&|a| a >= 65);
    assert!((0.19..0.30).contains(&kids), "0-14: {kids}");
    assert!((0.05..0.12).contains(&old), "65+: {old}");
    let mean_hh = n / pop.households.len() as f64;
    assert!((3.2..3.8).contains(&mean_hh), "household size {mean_hh}");
    // Wards are denser than rural communes.
    let mean = |urban: bool| {
        let v: Vec<f64> = geo
            .communes
            .iter()
            .filter(|c| c.urban == urban && c.unit_type != UnitType::ThiTran)
            .map(|c| f64::from(c.population))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean(true) > 1.6 * mean(false));
    let phones = (0..p.len())
        .filter(|&i| p.age[i] >= 12)
        .map(|i| f64::from(u8::from(p.has_phone[i])))
        .collect::<Vec<_>>();
    let phone_share = phones.iter().sum::<f64>() / phones.len() as f64;
    assert!((phone_share - 0.75).abs() < 0.05, "{phone_share}");
    assert!(p
        .age
        .iter()
        .zip(&p.has_phone)
        .all(|(&a, &ph)| a >= 12 || !ph));
}

#[test]
fn identities_are_well_formed_and_unique() {
    let (params, _, pop) = small();
    let p = &pop.people;
    let mut ids = std::collections::HashSet::new();
    let mut phones = std::collections::HashSet::new();
    let mut nguyen = 0;
    for i in 0..p.len() as u32 {
        let id = p.national_id(i);
        assert_eq!(id.len(), 12, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert!(id.starts_with("001"));
        let birth = p.birth_date(i);
        let age = params.start_date.years_since(birth).unwrap();
        assert_eq!(age, u32::from(p.age[i as usize]), "{birth}");
        let century_sex = id.as_bytes()[3] - b'0';
        let female = p.sex[i as usize] == Sex::Female;
        assert_eq!(century_sex % 2 == 1, female);
        assert_eq!(century_sex >= 2, birth.year() >= 2000);
        assert_eq!(&id[4..6], &format!("{:02}", birth.year() % 100));
        assert!(ids.insert(id));
        if let Some(ph) = p.phone(i) {
            assert_eq!(ph.len(), 10);
            assert!(ph.starts_with("09") && ph.bytes().all(|b| b.is_ascii_digit()));
            assert!(phones.insert(ph));
        }
        let name = p.full_name(i);
        assert_eq!(name.split(' ').count(), 3, "{name}");
        nguyen += usize::from(name.starts_with("Nguyễn "));
    }
    let share = nguyen as f64 / p.len() as f64;
    assert!((0.32..0.45).contains(&share), "Nguyễn {share}");
}

#[test]
fn children_share_the_household_surname() {
    let (_, _, pop) = small();
    let p = &pop.people;
    for h in 0..200 {
        let m = pop.households.members(h);
        let head = m.start;
        let surname = |i: u32| p.full_name(i).split(' ').next().unwrap().to_string();
        for i in m {
            if p.role[i as usize] == Role::Child {
                assert_eq!(surname(i), surname(head));
            }
        }
    }
}
