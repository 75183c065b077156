//! The map of the whole country: provinces (of either structure) coloured by a figure, with
//! Hoàng Sa and Trường Sa in their insets. Drawn on the dashboard of a national account and
//! on the risk pages at province level.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use atlas::Atlas;
use domain::{Structure, UnitLevel};
use maud::Markup;

use super::islands::insets_for;
use super::map_svg::{choropleth, Shade};
use crate::registry::Registry;

/// How far shapes are simplified, km: the country is drawn at about half a pixel per km, so
/// this is within a pixel and a half.
const TOLERANCE_KM: f64 = 3.0;

/// The country's map: `shades` by province code; provinces without one are drawn as no data.
pub(super) async fn national_map(
    title: &str,
    structure: Structure,
    shades: &HashMap<String, Shade>,
) -> Option<Markup> {
    let atlas = provinces(structure).await?;
    let registry = Registry::of(structure);
    let shade = |code: &str| {
        shades.get(code).map(|s| Shade {
            fill: s.fill,
            title: s.title.clone(),
            href: s.href.clone(),
        })
    };
    let insets = insets_for(registry, None, UnitLevel::Province, &shade);
    Some(choropleth(title, &atlas, shades, &[], &insets, None))
}

/// The provinces' shapes, as kept in `data/geo/provinces_<structure>.geojson`: building
/// them from the 10,600 communes of 2021 takes seconds of geometry, so it is done once, by
/// [`build`], when the reference data change (a test fails until the files are rebuilt).
pub(super) async fn provinces(structure: Structure) -> Option<Arc<Atlas>> {
    type Cache = Mutex<HashMap<Structure, Arc<Atlas>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(a) = cache.lock().ok()?.get(&structure) {
        return Some(a.clone());
    }
    let kept = match structure {
        Structure::S2021 => include_str!("../../../../data/geo/provinces_2021.geojson"),
        Structure::S2025 => include_str!("../../../../data/geo/provinces_2025.geojson"),
    };
    let atlas = tokio::task::spawn_blocking(move || Atlas::from_kept(kept, TOLERANCE_KM))
        .await
        .ok()?
        .map_err(|e| tracing::error!("national map: {e}"))
        .ok()?;
    let atlas = Arc::new(atlas);
    cache.lock().ok()?.insert(structure, atlas.clone());
    Some(atlas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::UnitKind;

    use crate::ui::islands::at_sea;

    /// Parts of a province smaller than this are not drawn (a pixel is 4 km² at this scale).
    const MIN_PART_KM2: f64 = 4.0;

    /// Decimal places of longitude and latitude kept: about 1 km, half a pixel.
    const KEPT_DECIMALS: i32 = 2;

    /// The provinces built from their communes' cells (the same cells as the provinces' own
    /// maps), joined by province and simplified.
    fn build(structure: Structure) -> Option<Atlas> {
        let registry = Registry::of(structure);
        let sites: Vec<atlas::Site> = registry
            .provinces()
            .filter(|p| p.kind == UnitKind::Domestic)
            .flat_map(|p| registry.communes_under(p.code.as_str()))
            .filter(|u| !at_sea(u))
            .filter_map(crate::ui::map::site_of)
            .collect();
        if sites.is_empty() {
            return None;
        }
        let communes = Atlas::from_sites(&sites)
            .map_err(|e| tracing::error!("national map outline: {e}"))
            .ok()?;
        let provinces = communes.dissolve(|code| {
            registry
                .ancestor_at(code, UnitLevel::Province)
                .map(|p| p.code.to_string())
        });
        Some(provinces.solid(MIN_PART_KM2).simplified(TOLERANCE_KM))
    }

    /// Every province of both structures is drawn, with land, and the archipelagos are in
    /// their insets, not stretching the mainland.
    #[tokio::test]
    async fn the_country_is_drawn_province_by_province_in_both_structures() {
        for (structure, n) in [(Structure::S2021, 63), (Structure::S2025, 34)] {
            let atlas = provinces(structure).await.unwrap();
            assert_eq!(atlas.cells.len(), n, "{structure:?}");
            assert!(atlas.cells.iter().all(|c| !c.shape.0.is_empty()));
            // The mainland and its near islands span about 1,650 km north to south, not the
            // 1,900 km down to Trường Sa.
            let ((_, y0), (_, y1)) = atlas.extent();
            assert!((1_500.0..1_800.0).contains(&(y1 - y0)), "{}", y1 - y0);
            let svg = national_map("VN", structure, &HashMap::new())
                .await
                .unwrap()
                .into_string();
            assert!(svg.contains("data-archipelago=\"hoang-sa\""));
            assert!(svg.contains("data-archipelago=\"truong-sa\""));
            assert!(svg.contains("Quần đảo Hoàng Sa (Việt Nam)"));
            assert!(svg.contains("Truong Sa archipelago (Viet Nam)"));
            assert!(!svg.contains("d=\"\""), "no empty shapes");
        }
    }

    /// The kept provinces are what the reference data build today. To rebuild them after a
    /// change of units or outline: `CHONGDICH_REGENERATE=1 cargo test -p web --lib kept`
    /// (`scripts/geo/provinces.sh`).
    #[test]
    fn the_kept_provinces_are_those_the_reference_data_build() {
        for structure in [Structure::S2021, Structure::S2025] {
            let built = build(structure).unwrap().to_geojson(KEPT_DECIMALS);
            let text = serde_json::to_string(&built).unwrap() + "\n";
            let path = format!(
                "{}/../../data/geo/provinces_{}.geojson",
                env!("CARGO_MANIFEST_DIR"),
                structure.as_str()
            );
            if std::env::var_os("CHONGDICH_REGENERATE").is_some() {
                std::fs::write(&path, &text).unwrap();
            }
            let kept = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                kept == text,
                "{path} is stale: CHONGDICH_REGENERATE=1 cargo test -p web --lib kept"
            );
        }
    }
}
