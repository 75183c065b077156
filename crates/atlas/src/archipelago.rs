//! Hoàng Sa and Trường Sa, Vietnam's archipelagos: their islands (Natural Earth, public
//! domain; `scripts/geo/archipelagos.js`) and the box each lies in. They are hundreds of
//! kilometres out, so maps draw them in an inset, as Vietnamese official maps do, rather
//! than stretch the mainland to reach them.

use std::sync::OnceLock;

use geo::{BoundingRect, MultiPolygon};

use crate::outline::{multipolygon_of, OutlineError};

const ARCHIPELAGOS: &str = include_str!("../../../data/geo/archipelagos.geojson");

/// Which archipelago.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchipelagoKey {
    HoangSa,
    TruongSa,
}

/// One archipelago: its names and its islands in longitude/latitude.
#[derive(Debug, Clone)]
pub struct Archipelago {
    pub key: ArchipelagoKey,
    /// "Quần đảo Hoàng Sa".
    pub name_vi: String,
    /// "Hoang Sa archipelago".
    pub name_en: String,
    pub islands: MultiPolygon<f64>,
    /// West, south, east, north: the sea area the archipelago's units' points fall in.
    pub bbox: [f64; 4],
}

impl Archipelago {
    /// Whether a unit's official point lies in the archipelago's sea area.
    pub fn holds(&self, lon: f64, lat: f64) -> bool {
        let [w, s, e, n] = self.bbox;
        (w..=e).contains(&lon) && (s..=n).contains(&lat)
    }

    /// The islands' extent, (west, south) and (east, north).
    pub fn extent(&self) -> ((f64, f64), (f64, f64)) {
        match self.islands.bounding_rect() {
            Some(r) => ((r.min().x, r.min().y), (r.max().x, r.max().y)),
            None => {
                let [w, s, e, n] = self.bbox;
                ((w, s), (e, n))
            }
        }
    }
}

/// Both archipelagos, north to south.
pub fn archipelagos() -> Result<&'static [Archipelago], &'static OutlineError> {
    static ALL: OnceLock<Result<Vec<Archipelago>, OutlineError>> = OnceLock::new();
    ALL.get_or_init(|| parse(ARCHIPELAGOS))
        .as_ref()
        .map(Vec::as_slice)
}

fn parse(text: &str) -> Result<Vec<Archipelago>, OutlineError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let features = value
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or(OutlineError::Shape("archipelagos: no features"))?;
    features
        .iter()
        .map(|f| {
            let props = f
                .get("properties")
                .ok_or(OutlineError::Shape("archipelago without properties"))?;
            let text = |k: &str| {
                props
                    .get(k)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .ok_or(OutlineError::Shape("archipelago without a name"))
            };
            let key = match text("key")?.as_str() {
                "hoang_sa" => ArchipelagoKey::HoangSa,
                "truong_sa" => ArchipelagoKey::TruongSa,
                _ => return Err(OutlineError::Shape("unknown archipelago")),
            };
            let bbox: Vec<f64> = props
                .get("box")
                .and_then(|b| b.as_array())
                .map(|b| b.iter().filter_map(|v| v.as_f64()).collect())
                .unwrap_or_default();
            let bbox: [f64; 4] = bbox
                .try_into()
                .map_err(|_| OutlineError::Shape("archipelago box is not four numbers"))?;
            Ok(Archipelago {
                key,
                name_vi: text("name_vi")?,
                name_en: text("name_en")?,
                islands: multipolygon_of(f)?,
                bbox,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_archipelagos_have_islands_inside_their_boxes() {
        let all = archipelagos().unwrap();
        assert_eq!(
            all.iter().map(|a| a.key).collect::<Vec<_>>(),
            [ArchipelagoKey::HoangSa, ArchipelagoKey::TruongSa]
        );
        for a in all {
            assert!(
                a.islands.0.len() >= 5,
                "{}: {}",
                a.name_vi,
                a.islands.0.len()
            );
            let ((w, s), (e, n)) = a.extent();
            assert!(a.holds(w, s) && a.holds(e, n), "{}", a.name_vi);
        }
        // The units' official points (data/units) fall in their archipelago.
        assert!(all[0].holds(112.135, 16.568));
        assert!(all[1].holds(114.45, 9.71));
        assert!(
            !all[0].holds(108.2, 16.05),
            "Đà Nẵng's mainland is not in Hoàng Sa"
        );
        assert!(
            !all[1].holds(109.19, 12.24),
            "Nha Trang is not in Trường Sa"
        );
    }
}
