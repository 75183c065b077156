//! Times the cells of one province and of the whole country: `cargo run --release -p atlas --example timing`.
use std::time::Instant;

use atlas::{Atlas, Site};
use domain::{Structure, UnitLevel};

fn main() {
    let units = domain::refdata::units(Structure::S2021).expect("units");
    let parent: std::collections::HashMap<String, String> = units
        .iter()
        .filter_map(|u| Some((u.code.to_string(), u.parent_code.as_ref()?.to_string())))
        .collect();
    let sites: Vec<Site> = units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .filter_map(|u| {
            Some(Site {
                code: u.code.to_string(),
                lon: u.lon?,
                lat: u.lat?,
            })
        })
        .collect();
    let province = |c: &str| parent.get(c).and_then(|d| parent.get(d)).cloned();
    let ha_noi: Vec<Site> = sites
        .iter()
        .filter(|s| province(&s.code).as_deref() == Some("01"))
        .cloned()
        .collect();
    for _ in 0..3 {
        let t = Instant::now();
        let a = Atlas::from_sites(&ha_noi).expect("outline");
        println!("Hà Nội {} communes: {:?}", a.cells.len(), t.elapsed());
    }
    let t = Instant::now();
    let all = Atlas::from_sites(&sites).expect("outline");
    println!("country {} communes: {:?}", all.cells.len(), t.elapsed());
    let t = Instant::now();
    let provinces = all.dissolve(|c| province(c));
    println!(
        "dissolved into {} provinces: {:?}",
        provinces.cells.len(),
        t.elapsed()
    );
}
