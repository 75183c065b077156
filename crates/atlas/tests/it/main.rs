//! The cells of real provinces from the official centroids.

use atlas::{Atlas, Site};
use domain::{Structure, UnitLevel};
use geo::{Area, BooleanOps, Contains, Point};

fn communes_of(structure: Structure, province: &str) -> Vec<(Site, String)> {
    let units = domain::refdata::units(structure).expect("units");
    let district_of: std::collections::HashMap<String, String> = units
        .iter()
        .filter(|u| u.level == UnitLevel::District)
        .map(|u| {
            (
                u.code.to_string(),
                u.parent_code
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune)
        .filter_map(|u| {
            let parent = u.parent_code.as_ref()?.to_string();
            let in_province =
                parent == province || district_of.get(&parent).is_some_and(|p| p == province);
            let site = Site {
                code: u.code.to_string(),
                lon: u.lon?,
                lat: u.lat?,
            };
            in_province.then_some((site, parent))
        })
        .collect()
}

#[test]
fn ha_noi_communes_tile_the_province_without_overlap() {
    let communes = communes_of(Structure::S2021, "01");
    assert_eq!(
        communes.len(),
        526,
        "Hà Nội had 526 communes just before 1 July 2025"
    );
    let sites: Vec<Site> = communes.iter().map(|(s, _)| s.clone()).collect();
    let atlas = Atlas::from_sites(&sites).expect("outline");
    assert_eq!(atlas.cells.len(), sites.len());

    let areas: Vec<f64> = atlas
        .cells
        .iter()
        .map(|c| c.shape.unsigned_area())
        .collect();
    assert!(areas.iter().all(|&a| a > 0.01), "every commune is drawn");
    let total: f64 = areas.iter().sum();
    // Official area 3,358.6 km²; cells come from points, so a fair margin.
    assert!(
        (2_400.0..4_400.0).contains(&total),
        "Hà Nội's cells cover {total:.0} km²"
    );

    // Cells do not overlap: two neighbours' intersection has no area.
    for pair in atlas.cells.windows(2) {
        let overlap = pair[0].shape.intersection(&pair[1].shape).unsigned_area();
        assert!(
            overlap < 1e-6,
            "{} and {} overlap by {overlap}",
            pair[0].code,
            pair[1].code
        );
    }
    // Each commune's own point is in its cell (Hà Nội is inland: the outline cuts nothing).
    let outside = atlas
        .cells
        .iter()
        .filter(|c| !c.shape.contains(&Point::new(c.centre.0, c.centre.1)))
        .count();
    assert_eq!(outside, 0);
}

#[test]
fn districts_are_the_union_of_their_communes() {
    let communes = communes_of(Structure::S2021, "01");
    let sites: Vec<Site> = communes.iter().map(|(s, _)| s.clone()).collect();
    let atlas = Atlas::from_sites(&sites).expect("outline");
    let parent: std::collections::HashMap<&str, &str> = communes
        .iter()
        .map(|(s, p)| (s.code.as_str(), p.as_str()))
        .collect();
    let districts = atlas.dissolve(|code| parent.get(code).map(|p| p.to_string()));
    assert_eq!(districts.cells.len(), 30, "Hà Nội has 30 districts");
    let communes_area: f64 = atlas.cells.iter().map(|c| c.shape.unsigned_area()).sum();
    let districts_area: f64 = districts
        .cells
        .iter()
        .map(|c| c.shape.unsigned_area())
        .sum();
    assert!((communes_area - districts_area).abs() / communes_area < 1e-6);
}

#[test]
fn coastal_cells_stop_at_the_coast() {
    // Quảng Ninh: islands and a long coast. No cell may reach into the sea.
    let communes = communes_of(Structure::S2021, "22");
    let sites: Vec<Site> = communes.iter().map(|(s, _)| s.clone()).collect();
    let atlas = Atlas::from_sites(&sites).expect("outline");
    for cell in &atlas.cells {
        let outside = cell.shape.difference(&atlas.land).unsigned_area();
        assert!(
            outside < 1e-3,
            "{} reaches {outside} km² into the sea",
            cell.code
        );
    }
}

#[test]
fn supplied_boundaries_replace_the_cells() {
    let square = r#"{"type":"Polygon","coordinates":[[[105.8,21.0],[105.9,21.0],[105.9,21.1],[105.8,21.1],[105.8,21.0]]]}"#;
    let atlas = Atlas::from_geojson(&[("00001".into(), square.into())]).expect("parses");
    let area = atlas.cells[0].shape.unsigned_area();
    // 0.1° × 0.1° at 21° N ≈ 10.39 km × 11.13 km.
    assert!((area - 115.7).abs() < 1.0, "{area}");
    assert!(Atlas::from_geojson(&[("x".into(), "{\"type\":\"Point\"}".into())]).is_err());
}
