//! Which of Vietnam's archipelagos a map covers, and the units listed in each inset: every
//! map of Đà Nẵng, Khánh Hòa (or the provinces that succeeded them) or of the whole country
//! draws Hoàng Sa and Trường Sa, in either structure.

use atlas::{archipelagos, Archipelago};
use domain::{Unit, UnitKind, UnitLevel};

use super::map_svg::{Inset, InsetUnit, Shade};
use crate::registry::Registry;

/// The insets of a map of `frame` (a province or district; `None` for the country) whose
/// units are drawn at `level`: one per archipelago the frame holds, listing its units at
/// that level, each with `shade` of the unit it is counted in.
pub(super) fn insets_for(
    registry: &Registry,
    frame: Option<&Unit>,
    level: UnitLevel,
    shade: &dyn Fn(&str) -> Option<Shade>,
) -> Vec<Inset> {
    let Ok(all) = archipelagos() else {
        tracing::error!("archipelagos: embedded data unreadable");
        return Vec::new();
    };
    all.iter()
        .filter_map(|a| {
            let tops = top_units(registry, frame, a);
            let units: Vec<InsetUnit> = tops
                .into_iter()
                .flat_map(|top| rows(registry, top, level, shade))
                .collect();
            (!units.is_empty()).then_some(Inset {
                archipelago: a,
                units,
            })
        })
        .collect()
}

/// Whether a unit's official point lies in one of the archipelagos: such units are drawn in
/// the insets, never as cells or loose points.
pub(super) fn at_sea(u: &Unit) -> bool {
    let (Some(lon), Some(lat)) = (u.lon, u.lat) else {
        return false;
    };
    archipelagos().is_ok_and(|all| all.iter().any(|a| a.holds(lon, lat)))
}

/// The units at `level` that lie in an archipelago, under `provinces` (codes): the rows a
/// risk table lists even when no resident is on record there, so the archipelagos are never
/// missing from it.
pub(super) fn units_at_sea<'r>(
    registry: &'r Registry,
    provinces: &[&str],
    level: UnitLevel,
) -> Vec<&'r Unit> {
    let Ok(all) = archipelagos() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for code in provinces {
        let Some(province) = registry.get(code) else {
            continue;
        };
        for a in all {
            for top in top_units(registry, Some(province), a) {
                match level {
                    UnitLevel::District => out.push(top),
                    UnitLevel::Commune => {
                        let communes = registry.communes_under(top.code.as_str());
                        if communes.is_empty() {
                            out.push(top);
                        } else {
                            out.extend(communes);
                        }
                    }
                    UnitLevel::Province | UnitLevel::Country => {}
                }
            }
        }
    }
    out
}

/// The highest units under `frame` (or in the country) lying in `a`: a district (2021) or a
/// special zone (2025), or the frame itself when it lies there.
fn top_units<'r>(
    registry: &'r Registry,
    frame: Option<&'r Unit>,
    a: &Archipelago,
) -> Vec<&'r Unit> {
    let holds = |u: &Unit| match (u.lon, u.lat) {
        (Some(lon), Some(lat)) => u.kind == UnitKind::Domestic && a.holds(lon, lat),
        _ => false,
    };
    let mut stack: Vec<&Unit> = match frame {
        Some(f) => vec![f],
        None => registry
            .provinces()
            .filter(|p| p.kind == UnitKind::Domestic)
            .collect(),
    };
    let mut out = Vec::new();
    while let Some(u) = stack.pop() {
        // A province's own point is on its mainland: only units below it can lie at sea.
        if u.level != UnitLevel::Province && holds(u) {
            out.push(u);
        } else if u.level != UnitLevel::Commune {
            stack.extend(registry.children(u.code.as_str()));
        }
    }
    out.sort_by(|x, y| x.code.cmp(&y.code));
    out
}

/// The rows for one unit at sea on a map drawn at `level`.
fn rows(
    registry: &Registry,
    top: &Unit,
    level: UnitLevel,
    shade: &dyn Fn(&str) -> Option<Shade>,
) -> Vec<InsetUnit> {
    let row = |u: &Unit, counted_in: &Unit, with_province: Option<&Unit>| {
        let (name_vi, name_en) = match with_province {
            Some(p) => (
                format!("{}, {}", u.full_name(), p.full_name()),
                format!("{}, {}", u.full_name_en(), p.full_name_en()),
            ),
            None => (u.full_name(), u.full_name_en()),
        };
        InsetUnit {
            name_vi,
            name_en,
            shade: shade(counted_in.code.as_str()),
        }
    };
    match level {
        UnitLevel::Province | UnitLevel::Country => {
            match registry.ancestor_at(top.code.as_str(), UnitLevel::Province) {
                Some(p) => vec![row(top, p, Some(p))],
                None => Vec::new(),
            }
        }
        UnitLevel::District => vec![row(top, top, None)],
        UnitLevel::Commune => {
            let communes = registry.communes_under(top.code.as_str());
            if communes.is_empty() {
                // Hoàng Sa had no communes in 2021: the district stands for itself.
                vec![row(top, top, None)]
            } else {
                communes.into_iter().map(|c| row(c, c, None)).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Structure;

    fn names(insets: &[Inset]) -> Vec<(String, Vec<String>)> {
        insets
            .iter()
            .map(|i| {
                (
                    i.archipelago.name_vi.clone(),
                    i.units
                        .iter()
                        .map(|u| format!("{} / {}", u.name_vi, u.name_en))
                        .collect(),
                )
            })
            .collect()
    }

    /// Every province holding an archipelago, in both structures, gets its inset, with its
    /// units named in Vietnamese and English; the country's map gets both; no other
    /// province gets one.
    #[test]
    fn every_map_that_covers_an_archipelago_has_its_inset() {
        let none = |_: &str| None;
        for structure in [Structure::S2021, Structure::S2025] {
            let r = Registry::of(structure);
            let da_nang = r.get("48").unwrap();
            let khanh_hoa = r.get("56").unwrap();
            let hs = names(&insets_for(r, Some(da_nang), UnitLevel::Commune, &none));
            assert_eq!(hs.len(), 1, "{structure:?}: {hs:?}");
            assert_eq!(hs[0].0, "Quần đảo Hoàng Sa");
            let expected_hs = match structure {
                Structure::S2021 => "Huyện Hoàng Sa / Hoang Sa District",
                Structure::S2025 => "Đặc khu Hoàng Sa / Hoang Sa Special Zone",
            };
            assert_eq!(hs[0].1, [expected_hs]);

            let ts = names(&insets_for(r, Some(khanh_hoa), UnitLevel::Commune, &none));
            assert_eq!(ts.len(), 1, "{structure:?}: {ts:?}");
            assert_eq!(ts[0].0, "Quần đảo Trường Sa");
            let expected_ts: &[&str] = match structure {
                Structure::S2021 => &[
                    "Thị trấn Trường Sa / Truong Sa Township",
                    "Xã Song Tử Tây / Song Tu Tay Commune",
                    "Xã Sinh Tồn / Sinh Ton Commune",
                ],
                Structure::S2025 => &["Đặc khu Trường Sa / Truong Sa Special Zone"],
            };
            let mut got = ts[0].1.clone();
            got.sort();
            let mut want: Vec<String> = expected_ts.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(got, want);

            let country = names(&insets_for(r, None, UnitLevel::Province, &none));
            assert_eq!(country.len(), 2, "{structure:?}: {country:?}");
            assert!(country[0].1[0].contains("Hoàng Sa, Thành phố Đà Nẵng"));
            assert!(country[1].1[0].contains("Trường Sa, Tỉnh Khánh Hòa"));

            for p in r
                .provinces()
                .filter(|p| !["48", "56"].contains(&p.code.as_str()))
            {
                assert!(
                    insets_for(r, Some(p), UnitLevel::Commune, &none).is_empty(),
                    "{structure:?} {}",
                    p.name
                );
            }
        }
    }
}
