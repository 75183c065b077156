//! Checks of a boundary a locality supplies, before it replaces a unit's cell on the map: a
//! wrong code in a file would otherwise draw one commune where another is.

use geo::coordinate_position::{coord_pos_relative_to_ring, CoordPos};
use geo::orient::Direction;
use geo::{
    BoundingRect, Contains, Coord, Line, LineIntersection, LineString, MultiPolygon, Orient, Point,
    Polygon, Rect,
};

use crate::outline::multipolygon_of;
use crate::{Projection, Xy};

/// How far a supplied boundary may lie from the unit's official centre. The centres come
/// from the registry package and sit inside their commune, but not always exactly; a few
/// kilometres allow for that while catching a boundary filed under the wrong code.
pub const MAX_CENTRE_DISTANCE_KM: f64 = 5.0;

/// Points in one unit's boundary, all rings together. A commune surveyed finely (a
/// cadastral outline along every bend of a river) has a few tens of thousands of points; the
/// map draws a province of hundreds of communes from them, so every point more costs every
/// drawing. Checking a shape at this size takes about a third of a second.
pub const MAX_SHAPE_POINTS: usize = 50_000;

/// Rings (outer rings, islands and holes) in one unit's boundary: a coastal commune with
/// hundreds of islets fits; the nesting check costs rings × points, so this bounds it too.
pub const MAX_RINGS: usize = 1_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoundaryError {
    #[error("not a GeoJSON Polygon or MultiPolygon: {0}")]
    Shape(String),
    #[error("a ring has fewer than 3 distinct points")]
    Ring,
    #[error("a point lies outside longitude -180..180 or latitude -90..90")]
    Coordinates,
    #[error("the boundary lies {0:.1} km from the unit's official centre")]
    Far(f64),
    #[error("the boundary has {0} points or rings, more than a unit's boundary needs")]
    TooLarge(usize),
    #[error("ring {0} crosses itself or another ring, or runs along one")]
    Crossing(RingRef),
    #[error("hole {0} does not lie inside its polygon, or lies inside another hole")]
    HoleOutside(RingRef),
    #[error("polygon {0} overlaps another polygon of the same boundary")]
    Overlap(usize),
}

impl BoundaryError {
    /// Where in the geometry the fault is, as a path below the geometry
    /// (`coordinates[0][2]`), when it lies in one ring or polygon.
    pub fn path(&self) -> Option<String> {
        match self {
            BoundaryError::Crossing(r) | BoundaryError::HoleOutside(r) => Some(r.path()),
            BoundaryError::Overlap(p) => Some(format!("coordinates[{p}]")),
            _ => None,
        }
    }
}

/// A ring of the supplied geometry: its polygon (always 0 for a Polygon) and its place in
/// that polygon (0 the outer ring, then the holes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingRef {
    pub polygon: usize,
    pub ring: usize,
    multi: bool,
}

impl RingRef {
    fn path(self) -> String {
        if self.multi {
            format!("coordinates[{}][{}]", self.polygon, self.ring)
        } else {
            format!("coordinates[{}]", self.ring)
        }
    }
}

impl std::fmt::Display for RingRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.path())
    }
}

/// Points and rings of a GeoJSON Polygon or MultiPolygon (or a Feature of one), counted on
/// the JSON before anything is built from it; anything else counts 0 (the check names it).
pub fn count_points(geometry: &serde_json::Value) -> (usize, usize) {
    let geometry = geometry.get("geometry").unwrap_or(geometry);
    fn list(v: &serde_json::Value) -> &[serde_json::Value] {
        v.as_array().map(Vec::as_slice).unwrap_or_default()
    }
    let polygon = |p: &serde_json::Value| {
        list(p).iter().fold((0usize, 0usize), |(n, r), ring| {
            (n + list(ring).len(), r + 1)
        })
    };
    let coordinates = geometry
        .get("coordinates")
        .unwrap_or(&serde_json::Value::Null);
    match geometry.get("type").and_then(|t| t.as_str()) {
        Some("Polygon") => polygon(coordinates),
        Some("MultiPolygon") => list(coordinates)
            .iter()
            .map(polygon)
            .fold((0, 0), |(n, r), (pn, pr)| (n + pn, r + pr)),
        _ => (0, 0),
    }
}

/// Checks `geometry` (a GeoJSON Feature or geometry) as the boundary of a unit whose official
/// centre is `centre` (longitude, latitude; `None` skips that check), and returns it as a
/// GeoJSON geometry ready to keep: rings closed, repeated points dropped, and wound as
/// RFC 7946 says (outer rings counter-clockwise, holes clockwise). Either winding is
/// accepted, as the RFC asks of readers, since many tools write the other one.
///
/// A valid boundary is simple: no ring crosses itself or another, touches itself, or runs
/// along another ring; rings of different polygons or a hole and its outer ring may touch at
/// a shared point. Holes lie inside their polygon and outside each other; polygons do not
/// overlap (an island in a lake, inside another polygon's hole, is fine).
pub fn check_boundary(
    geometry: &serde_json::Value,
    centre: Option<(f64, f64)>,
) -> Result<serde_json::Value, BoundaryError> {
    let (points, rings) = count_points(geometry);
    if points > MAX_SHAPE_POINTS {
        return Err(BoundaryError::TooLarge(points));
    }
    if rings > MAX_RINGS {
        return Err(BoundaryError::TooLarge(rings));
    }
    let multi = geometry
        .get("geometry")
        .unwrap_or(geometry)
        .get("type")
        .and_then(|t| t.as_str())
        == Some("MultiPolygon");
    let shape = multipolygon_of(geometry).map_err(|e| BoundaryError::Shape(e.to_string()))?;
    if shape.0.is_empty() {
        return Err(BoundaryError::Shape("no polygon".into()));
    }
    // Repeated points add nothing and would make segments of no length.
    let shape = MultiPolygon::new(
        shape
            .0
            .into_iter()
            .map(|p| {
                let (exterior, interiors) = p.into_inner();
                Polygon::new(
                    without_repeats(exterior),
                    interiors.into_iter().map(without_repeats).collect(),
                )
            })
            .collect(),
    );
    // An open ring is closed when parsed (as GeoJSON readers commonly allow); what cannot
    // be mended is a ring without area.
    for ring in rings_of(&shape) {
        let pts = &ring.0;
        if pts.len() < 4 {
            return Err(BoundaryError::Ring);
        }
        if pts
            .iter()
            .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
        {
            return Err(BoundaryError::Coordinates);
        }
    }
    let refs = ring_refs(&shape, multi);
    if let Some(r) = first_crossing(&shape) {
        return Err(BoundaryError::Crossing(refs[r]));
    }
    check_nesting(&shape, &refs)?;
    if let Some((lon, lat)) = centre {
        let km = distance_km(&shape, lon, lat);
        if km > MAX_CENTRE_DISTANCE_KM {
            return Err(BoundaryError::Far(km));
        }
    }
    let shape = shape.orient(Direction::Default);
    let ring_json = |r: &LineString<f64>| -> serde_json::Value {
        r.0.iter().map(|c| serde_json::json!([c.x, c.y])).collect()
    };
    let polygon_json = |p: &Polygon<f64>| -> serde_json::Value {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .map(ring_json)
            .collect()
    };
    Ok(if multi {
        serde_json::json!({
            "type": "MultiPolygon",
            "coordinates": shape.0.iter().map(polygon_json).collect::<Vec<_>>(),
        })
    } else {
        serde_json::json!({"type": "Polygon", "coordinates": polygon_json(&shape.0[0])})
    })
}

fn without_repeats(ring: LineString<f64>) -> LineString<f64> {
    let mut pts = ring.0;
    pts.dedup();
    LineString::new(pts)
}

fn rings_of(shape: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Each ring's place in the supplied geometry, in the order of [`rings_of`].
fn ring_refs(shape: &MultiPolygon<f64>, multi: bool) -> Vec<RingRef> {
    shape
        .0
        .iter()
        .enumerate()
        .flat_map(|(polygon, p)| {
            (0..=p.interiors().len()).map(move |ring| RingRef {
                polygon,
                ring,
                multi,
            })
        })
        .collect()
}

/// One segment of a ring, for the crossing search: which ring, and where in it.
#[derive(Debug, Clone, Copy)]
struct Segment {
    line: Line<f64>,
    ring: u32,
    index: u32,
    of: u32,
}

impl Segment {
    fn follows(&self, other: &Segment) -> bool {
        self.ring == other.ring && (other.index + 1) % other.of == self.index
    }

    fn has_end(&self, c: Coord<f64>) -> bool {
        self.line.start == c || self.line.end == c
    }
}

/// The first ring (by its place in [`rings_of`]) found to cross or touch itself, cross
/// another ring, or run along one; `None` when the rings are simple and meet at most at
/// shared points.
///
/// Candidate pairs come from an R-tree of the segments' boxes (O(n log n) for n segments
/// and the few boxes that overlap), and each pair is intersected with robust predicates.
/// geo 0.29's Bentley–Ottmann sweep was used before: on some near-degenerate rings it
/// looped for ever (found by `boundary_fuzz`), which would hold a server thread.
fn first_crossing(shape: &MultiPolygon<f64>) -> Option<usize> {
    use geo::line_intersection::line_intersection;
    use rstar::primitives::GeomWithData;
    use rstar::{RTree, RTreeObject};

    let mut segments = Vec::new();
    for (r, ring) in rings_of(shape).enumerate() {
        let of = ring.0.len() - 1;
        segments.extend(ring.lines().enumerate().map(|(i, line)| Segment {
            line,
            ring: r as u32,
            index: i as u32,
            of: of as u32,
        }));
    }
    let tree = RTree::bulk_load(
        segments
            .iter()
            .enumerate()
            .map(|(i, s)| GeomWithData::new(s.line, i))
            .collect(),
    );
    for (i, a) in segments.iter().enumerate() {
        for near in tree.locate_in_envelope_intersecting(&a.line.envelope()) {
            let j = near.data;
            if j <= i {
                continue;
            }
            let b = &segments[j];
            let Some(meeting) = line_intersection(a.line, b.line) else {
                continue;
            };
            let allowed = match meeting {
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper: false,
                } => {
                    // Neighbours in a ring meet at their shared point; different rings may
                    // touch where both have a point.
                    (a.follows(b) || b.follows(a))
                        || (a.ring != b.ring && a.has_end(intersection) && b.has_end(intersection))
                }
                _ => false,
            };
            if !allowed {
                // Segments come ring by ring and `b` follows `a`: the first meeting found
                // is in the lowest ring that has one.
                return Some(a.ring as usize);
            }
        }
    }
    None
}

/// Holes inside their polygon and outside each other; polygons outside each other (or in a
/// hole of another). Rings do not cross here, so one point of a ring tells where all of it
/// lies: the middle of its first segment, which no other ring touches.
fn check_nesting(shape: &MultiPolygon<f64>, refs: &[RingRef]) -> Result<(), BoundaryError> {
    let probe = |ring: &LineString<f64>| -> Coord<f64> {
        let (a, b) = (ring.0[0], ring.0[1]);
        Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        }
    };
    let boxes: Vec<Option<Rect<f64>>> = rings_of(shape).map(|r| r.bounding_rect()).collect();
    let inside = |c: Coord<f64>, ring: &LineString<f64>, b: Option<Rect<f64>>| -> bool {
        b.is_some_and(|b| b.contains(&c)) && coord_pos_relative_to_ring(c, ring) == CoordPos::Inside
    };
    // The index in `rings_of` order of each polygon's outer ring.
    let firsts: Vec<usize> = shape
        .0
        .iter()
        .scan(0, |next, p| {
            let first = *next;
            *next += 1 + p.interiors().len();
            Some(first)
        })
        .collect();
    for (pi, p) in shape.0.iter().enumerate() {
        let base = firsts[pi];
        for (hi, hole) in p.interiors().iter().enumerate() {
            let c = probe(hole);
            let nested = p
                .interiors()
                .iter()
                .enumerate()
                .any(|(oi, other)| oi != hi && inside(c, other, boxes[base + 1 + oi]));
            if !inside(c, p.exterior(), boxes[base]) || nested {
                return Err(BoundaryError::HoleOutside(refs[base + 1 + hi]));
            }
        }
        let c = probe(p.exterior());
        for (qi, q) in shape.0.iter().enumerate() {
            let qbase = firsts[qi];
            if qi == pi || !inside(c, q.exterior(), boxes[qbase]) {
                continue;
            }
            let in_hole = q
                .interiors()
                .iter()
                .enumerate()
                .any(|(hi, h)| inside(c, h, boxes[qbase + 1 + hi]));
            if !in_hole {
                return Err(BoundaryError::Overlap(pi));
            }
        }
    }
    Ok(())
}

/// Distance in km from (lon, lat) to the shape: 0 inside it.
fn distance_km(shape: &MultiPolygon<f64>, lon: f64, lat: f64) -> f64 {
    if shape.contains(&Point::new(lon, lat)) {
        return 0.0;
    }
    let projection = Projection::around(lon, lat);
    let project = |ring: &LineString<f64>| -> Vec<Xy> {
        ring.0
            .iter()
            .map(|Coord { x, y }| projection.project(*x, *y))
            .collect()
    };
    shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| {
            let pts = project(ring);
            (1..pts.len())
                .map(|i| to_segment((0.0, 0.0), pts[i - 1], pts[i]))
                .collect::<Vec<_>>()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Distance from `p` to the segment `a`–`b`.
fn to_segment(p: Xy, a: Xy, b: Xy) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - x).powi(2) + (p.1 - y).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(lon: f64, lat: f64, side: f64) -> serde_json::Value {
        serde_json::json!({"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
            [lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]
        ]]}})
    }

    fn polygon(rings: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"type": "Polygon", "coordinates": rings})
    }

    #[test]
    fn a_square_around_the_centre_passes_and_one_far_away_does_not() {
        assert!(check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.05))).is_ok());
        // 0.01° of latitude is 1.1 km: just outside, still within reach.
        assert!(check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.11))).is_ok());
        match check_boundary(&square(105.8, 21.0, 0.1), Some((105.85, 21.3))) {
            Err(BoundaryError::Far(km)) => assert!((km - 22.3).abs() < 0.5, "{km}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn broken_geometry_is_refused_with_the_reason() {
        let line = serde_json::json!({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.8, 21.0]]]});
        assert_eq!(check_boundary(&line, None), Err(BoundaryError::Ring));
        let open = serde_json::json!({"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1]]]});
        let closed = check_boundary(&open, None).expect("closed when parsed");
        assert_eq!(closed["coordinates"][0].as_array().map(Vec::len), Some(5));
        let wild = serde_json::json!({"type": "Polygon", "coordinates": [[[1058.0, 21.0], [105.9, 21.0], [105.9, 21.1], [1058.0, 21.0]]]});
        assert_eq!(check_boundary(&wild, None), Err(BoundaryError::Coordinates));
        let point = serde_json::json!({"type": "Point", "coordinates": [105.8, 21.0]});
        assert!(matches!(
            check_boundary(&point, None),
            Err(BoundaryError::Shape(_))
        ));
    }

    #[test]
    fn a_bow_tie_and_a_ring_touching_itself_are_refused() {
        let bow_tie = polygon(serde_json::json!([[
            [0.0, 0.0],
            [1.0, 1.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [0.0, 0.0]
        ]]));
        let e = check_boundary(&bow_tie, None).unwrap_err();
        assert_eq!(e.path().as_deref(), Some("coordinates[0]"));
        // Passes through (1, 1) twice: simple as a drawing, not as a ring.
        let figure_eight = polygon(serde_json::json!([[
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [2.0, 2.0],
            [1.0, 2.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0]
        ]]));
        assert!(matches!(
            check_boundary(&figure_eight, None),
            Err(BoundaryError::Crossing(_))
        ));
        let spike = polygon(serde_json::json!([[
            [0.0, 0.0],
            [2.0, 0.0],
            [3.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [0.0, 0.0]
        ]]));
        assert!(matches!(
            check_boundary(&spike, None),
            Err(BoundaryError::Crossing(_))
        ));
    }

    #[test]
    fn holes_lie_inside_their_polygon_and_polygons_apart() {
        let outer = serde_json::json!([[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0], [0.0, 0.0]]);
        let hole = serde_json::json!([[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [1.0, 1.0]]);
        let away = serde_json::json!([[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 6.0], [5.0, 5.0]]);
        let inner = serde_json::json!([[1.2, 1.2], [1.8, 1.2], [1.8, 1.8], [1.2, 1.8], [1.2, 1.2]]);
        assert!(check_boundary(&polygon(serde_json::json!([outer, hole])), None).is_ok());
        let e = check_boundary(&polygon(serde_json::json!([outer, away])), None).unwrap_err();
        assert_eq!(e.path().as_deref(), Some("coordinates[1]"));
        assert!(matches!(
            check_boundary(&polygon(serde_json::json!([outer, hole, inner])), None),
            Err(BoundaryError::HoleOutside(_))
        ));
        let multi = |polygons: serde_json::Value| serde_json::json!({"type": "MultiPolygon", "coordinates": polygons});
        // An island in the lake is fine; the same square outside a hole overlaps.
        assert!(check_boundary(
            &multi(serde_json::json!([[outer, hole], [inner], [away]])),
            None
        )
        .is_ok());
        let e = check_boundary(&multi(serde_json::json!([[outer], [inner]])), None).unwrap_err();
        assert_eq!(e.path().as_deref(), Some("coordinates[1]"));
        // Two squares sharing a corner touch at a point only.
        let corner =
            serde_json::json!([[4.0, 4.0], [5.0, 4.0], [5.0, 5.0], [4.0, 5.0], [4.0, 4.0]]);
        assert!(check_boundary(&multi(serde_json::json!([[outer], [corner]])), None).is_ok());
        // Sharing an edge is not a touch.
        let beside =
            serde_json::json!([[4.0, 0.0], [5.0, 0.0], [5.0, 4.0], [4.0, 4.0], [4.0, 0.0]]);
        assert!(matches!(
            check_boundary(&multi(serde_json::json!([[outer], [beside]])), None),
            Err(BoundaryError::Crossing(_))
        ));
    }

    #[test]
    fn either_winding_is_accepted_and_kept_as_rfc_7946_says() {
        use geo::Winding;
        let clockwise = polygon(serde_json::json!([
            [[0.0, 0.0], [0.0, 4.0], [4.0, 4.0], [4.0, 0.0], [0.0, 0.0]],
            [[1.0, 1.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [1.0, 1.0]]
        ]));
        let kept = check_boundary(&clockwise, None).expect("valid");
        let shape = multipolygon_of(&kept).expect("parses");
        assert!(shape.0[0].exterior().is_ccw());
        assert!(shape.0[0].interiors()[0].is_cw());
    }

    #[test]
    fn a_boundary_over_the_limit_is_refused_before_it_is_read() {
        let n = MAX_SHAPE_POINTS + 1;
        let ring: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                [105.0 + 0.1 * t.cos(), 21.0 + 0.1 * t.sin()]
            })
            .collect();
        assert_eq!(
            check_boundary(&polygon(serde_json::json!([ring])), None),
            Err(BoundaryError::TooLarge(n))
        );
    }

    #[test]
    fn a_fine_boundary_at_the_limit_is_checked_quickly() {
        let n = MAX_SHAPE_POINTS - 1;
        let mut ring: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.1 * (1.0 + 0.05 * ((i * 7919 % 13) as f64 / 13.0));
                [105.0 + r * t.cos(), 21.0 + r * t.sin()]
            })
            .collect();
        ring.push(ring[0]);
        let started = std::time::Instant::now();
        assert!(check_boundary(
            &polygon(serde_json::json!([ring.clone()])),
            Some((105.0, 21.0))
        )
        .is_ok());
        // Far below what a quadratic check would take (over a billion segment pairs), even
        // unoptimised.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        // Half-way round, one point out beyond the far side: its segments cut the ring there.
        ring[n / 2] = [105.2, 21.0];
        assert!(matches!(
            check_boundary(&polygon(serde_json::json!([ring])), None),
            Err(BoundaryError::Crossing(_))
        ));
    }
}
