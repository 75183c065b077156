//! Commune cells: Voronoi cells of the official centroids, cut where the province ends and
//! at the country's outline.

use std::collections::BTreeMap;

use geo::{
    BooleanOps, BoundingRect, Centroid, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect,
};
use voronoice::{BoundingBox, Point, VoronoiBuilder};

use crate::outline::{country_outline, multipolygon_of, parse_multipolygon, OutlineError};
use crate::{Projection, Xy};

/// A unit's official centroid.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub code: String,
    pub lon: f64,
    pub lat: f64,
}

/// One unit's shape on the map, in the projected plane.
#[derive(Debug, Clone)]
pub struct Cell {
    pub code: String,
    pub shape: MultiPolygon<f64>,
    /// Where its label or marker goes: the centroid of the official point, projected.
    pub centre: Xy,
}

/// The cells of a set of units and the country's outline around them, in one projection.
#[derive(Debug, Clone)]
pub struct Atlas {
    pub projection: Projection,
    pub cells: Vec<Cell>,
    /// The country's outline cut to the cells' surroundings, for the background.
    pub land: MultiPolygon<f64>,
}

/// How far beyond its neighbours a cell at the edge of the set may reach, as a multiple of
/// the median distance to its Delaunay neighbours. 0.75 keeps edge communes about as large
/// as interior ones; the outline cuts them further where the land ends.
const REACH: f64 = 0.75;
/// Bounds of that reach, in km: a commune with far neighbours (mountains, islands) is still
/// drawn, and none swallows a neighbouring province.
const REACH_MIN_KM: f64 = 1.0;
const REACH_MAX_KM: f64 = 25.0;
/// Vertices of the circle that bounds an edge cell.
const CIRCLE_SIDES: usize = 32;
/// Margin around the sites for the background outline, km.
const MARGIN_KM: f64 = 8.0;

impl Atlas {
    /// Cells for `sites` (at least one), on Natural Earth's outline of Vietnam.
    pub fn from_sites(sites: &[Site]) -> Result<Atlas, &'static OutlineError> {
        let country = country_outline()?;
        Ok(Self::cells_on(sites, country))
    }

    fn cells_on(sites: &[Site], country: &MultiPolygon<f64>) -> Atlas {
        let n = sites.len().max(1) as f64;
        let lon0 = sites.iter().map(|s| s.lon).sum::<f64>() / n;
        let lat0 = sites.iter().map(|s| s.lat).sum::<f64>() / n;
        let projection = Projection::around(lon0, lat0);
        let mut points: Vec<Xy> = sites
            .iter()
            .map(|s| projection.project(s.lon, s.lat))
            .collect();
        separate_duplicates(&mut points);

        let (lo, hi) = bounds(&points);
        let frame = Rect::new(
            Coord {
                x: lo.0 - MARGIN_KM,
                y: lo.1 - MARGIN_KM,
            },
            Coord {
                x: hi.0 + MARGIN_KM,
                y: hi.1 + MARGIN_KM,
            },
        );
        // The outline is cut to the frame once, so each cell meets a small polygon.
        let land = project_multi(country, &projection)
            .intersection(&MultiPolygon::from(frame.to_polygon()));

        let cells = voronoi_cells(&points, &frame);
        let cells = sites
            .iter()
            .zip(points.iter())
            .zip(cells)
            .map(|((site, &centre), (cell, reach))| {
                let cut = Polygon::new(LineString::from(cell), vec![])
                    .intersection(&circle(centre, reach));
                let shape = if land_covers(&land, &cut) {
                    cut
                } else {
                    cut.intersection(&land)
                };
                Cell {
                    code: site.code.clone(),
                    shape,
                    centre,
                }
            })
            .collect();
        Atlas {
            projection,
            cells,
            land,
        }
    }

    /// Real boundaries where a locality has them: (code, GeoJSON Feature or geometry) each.
    pub fn from_geojson(units: &[(String, String)]) -> Result<Atlas, OutlineError> {
        let shapes = units
            .iter()
            .map(|(code, text)| parse_multipolygon(text).map(|s| (code.clone(), s)))
            .collect::<Result<Vec<_>, _>>()?;
        let all: Vec<Coord<f64>> = shapes
            .iter()
            .flat_map(|(_, s)| s.0.iter().flat_map(|p| p.exterior().0.iter().copied()))
            .collect();
        let n = all.len().max(1) as f64;
        let projection = Projection::around(
            all.iter().map(|c| c.x).sum::<f64>() / n,
            all.iter().map(|c| c.y).sum::<f64>() / n,
        );
        let cells = projected_cells(shapes, &projection);
        // Pairwise, not one by one: folding into a growing land redoes its whole outline for
        // every unit.
        let land = union_all(cells.iter().map(|c| &c.shape));
        Ok(Atlas {
            projection,
            cells,
            land,
        })
    }

    /// The cells of parent units: each the union of its children's cells. `parent_of` names
    /// a child's parent, or `None` to leave the child out.
    pub fn dissolve(&self, parent_of: impl Fn(&str) -> Option<String>) -> Atlas {
        let mut groups: BTreeMap<String, Vec<&Cell>> = BTreeMap::new();
        for cell in &self.cells {
            if let Some(parent) = parent_of(&cell.code) {
                groups.entry(parent).or_default().push(cell);
            }
        }
        let cells = groups
            .into_iter()
            .map(|(code, children)| {
                let shape = union_all(children.iter().map(|c| &c.shape));
                let n = children.len() as f64;
                let centre = (
                    children.iter().map(|c| c.centre.0).sum::<f64>() / n,
                    children.iter().map(|c| c.centre.1).sum::<f64>() / n,
                );
                Cell {
                    code,
                    shape,
                    centre,
                }
            })
            .collect();
        Atlas {
            projection: self.projection,
            cells,
            land: self.land.clone(),
        }
    }

    /// The same map with the holes of every shape filled and its parts smaller than
    /// `min_km2` left out: joining cells leaves slivers between them, which at a national
    /// scale are noise, not places.
    pub fn solid(&self, min_km2: f64) -> Atlas {
        use geo::Area;
        self.map_shapes(|shape| {
            MultiPolygon::new(
                shape
                    .0
                    .iter()
                    .map(|p| Polygon::new(p.exterior().clone(), vec![]))
                    .filter(|p| p.unsigned_area() >= min_km2)
                    .collect(),
            )
        })
    }

    /// The same map with every shape simplified to within `tolerance_km` (Ramer–Douglas–
    /// Peucker): a national map drawn at half a pixel per kilometre needs no 10 m detail.
    pub fn simplified(&self, tolerance_km: f64) -> Atlas {
        use geo::Simplify;
        let mut out = self.map_shapes(|shape| shape.simplify(&tolerance_km));
        out.land = self.land.simplify(&tolerance_km);
        out
    }

    /// The same map with `f` applied to every cell's shape.
    fn map_shapes(&self, f: impl Fn(&MultiPolygon<f64>) -> MultiPolygon<f64>) -> Atlas {
        Atlas {
            projection: self.projection,
            cells: self
                .cells
                .iter()
                .map(|c| Cell {
                    code: c.code.clone(),
                    shape: f(&c.shape),
                    centre: c.centre,
                })
                .collect(),
            land: self.land.clone(),
        }
    }

    /// The cells as a GeoJSON FeatureCollection in longitude/latitude (to `decimals`
    /// places), each Feature with its `code`: to keep a drawing that is slow to build.
    pub fn to_geojson(&self, decimals: i32) -> serde_json::Value {
        let k = 10f64.powi(decimals);
        let round = |v: f64| (v * k).round() / k;
        let features: Vec<serde_json::Value> = self
            .cells
            .iter()
            .map(|c| {
                let polygons: Vec<Vec<Vec<[f64; 2]>>> = c
                    .shape
                    .0
                    .iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(|ring| {
                                ring.0
                                    .iter()
                                    .map(|c| {
                                        let (lon, lat) = self.projection.unproject((c.x, c.y));
                                        [round(lon), round(lat)]
                                    })
                                    .collect()
                            })
                            .collect()
                    })
                    .collect();
                serde_json::json!({
                    "type": "Feature",
                    "properties": { "code": c.code },
                    "geometry": { "type": "MultiPolygon", "coordinates": polygons },
                })
            })
            .collect();
        serde_json::json!({ "type": "FeatureCollection", "features": features })
    }

    /// Cells kept by [`Atlas::to_geojson`], on the country's outline (simplified to within
    /// `tolerance_km`) as the land behind them.
    pub fn from_kept(text: &str, tolerance_km: f64) -> Result<Atlas, OutlineError> {
        use geo::Simplify;
        let value: serde_json::Value = serde_json::from_str(text)?;
        let features = value
            .get("features")
            .and_then(|f| f.as_array())
            .ok_or(OutlineError::Shape("kept cells: no features"))?;
        let shapes = features
            .iter()
            .map(|f| {
                let code = f
                    .pointer("/properties/code")
                    .and_then(|c| c.as_str())
                    .ok_or(OutlineError::Shape("kept cell without a code"))?;
                Ok((code.to_string(), multipolygon_of(f)?))
            })
            .collect::<Result<Vec<_>, OutlineError>>()?;
        let country = country_outline().map_err(|_| OutlineError::Shape("country outline"))?;
        let centre = country
            .bounding_rect()
            .ok_or(OutlineError::Shape("empty outline"))?
            .center();
        let projection = Projection::around(centre.x, centre.y);
        let cells = projected_cells(shapes, &projection);
        Ok(Atlas {
            projection,
            cells,
            land: project_multi(country, &projection).simplify(&tolerance_km),
        })
    }

    /// The smallest rectangle holding every drawn cell and its marker. Cells with no land
    /// (a unit out at sea, beyond Natural Earth's coastline) are left out: their point would
    /// stretch the frame and squeeze the mainland into a corner.
    pub fn extent(&self) -> (Xy, Xy) {
        let drawn = || self.cells.iter().filter(|c| !c.shape.0.is_empty());
        let mut points: Vec<Xy> = drawn().map(|c| c.centre).collect();
        for cell in drawn() {
            if let Some(r) = cell.shape.bounding_rect() {
                points.push((r.min().x, r.min().y));
                points.push((r.max().x, r.max().y));
            }
        }
        bounds(&points)
    }
}

/// Shapes in longitude/latitude as cells of the plane, each marked at its centroid.
fn projected_cells(shapes: Vec<(String, MultiPolygon<f64>)>, projection: &Projection) -> Vec<Cell> {
    shapes
        .into_iter()
        .map(|(code, s)| {
            let shape = project_multi(&s, projection);
            let centre = shape.centroid().map_or((0.0, 0.0), |c| (c.x(), c.y()));
            Cell {
                code,
                shape,
                centre,
            }
        })
        .collect()
}

/// Union of many polygons by halves, so each step joins shapes of similar size.
fn union_all<'a>(shapes: impl Iterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    let mut level: Vec<MultiPolygon<f64>> = shapes.cloned().collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => a.union(b),
                [a] => a.clone(),
                _ => MultiPolygon::new(vec![]),
            })
            .collect();
    }
    level.pop().unwrap_or_else(|| MultiPolygon::new(vec![]))
}

/// Whether the cell lies inside the land with room to spare, so cutting it would change
/// nothing: its bounding box meets no edge of the land.
fn land_covers(land: &MultiPolygon<f64>, cell: &MultiPolygon<f64>) -> bool {
    let Some(r) = cell.bounding_rect() else {
        return true;
    };
    let boundary_hit = land
        .0
        .iter()
        .any(|p| p.exterior().intersects(&r) || p.interiors().iter().any(|h| h.intersects(&r)));
    !boundary_hit && land.intersects(&r)
}

/// Each site's Voronoi cell (convex, inside `frame`) and how far an edge cell may reach.
fn voronoi_cells(points: &[Xy], frame: &Rect<f64>) -> Vec<(Vec<Coord<f64>>, f64)> {
    let centre = frame.center();
    let built = VoronoiBuilder::default()
        .set_sites(points.iter().map(|&(x, y)| Point { x, y }).collect())
        .set_bounding_box(BoundingBox::new(
            Point {
                x: centre.x,
                y: centre.y,
            },
            frame.width(),
            frame.height(),
        ))
        .build();
    let Some(v) = built else {
        // One or two sites, or all on a line: each gets its circle alone.
        let corners = frame.to_polygon().exterior().0.clone();
        return points
            .iter()
            .map(|_| (corners.clone(), REACH_MAX_KM))
            .collect();
    };
    (0..points.len())
        .map(|i| {
            let cell = v.cell(i);
            let ring: Vec<Coord<f64>> = cell
                .iter_vertices()
                .map(|p| Coord { x: p.x, y: p.y })
                .collect();
            let here = points[i];
            let mut d: Vec<f64> = cell
                .iter_neighbors()
                .map(|j| dist(here, points[j]))
                .collect();
            d.sort_by(f64::total_cmp);
            let median = d.get(d.len() / 2).copied().unwrap_or(REACH_MAX_KM);
            (ring, (REACH * median).clamp(REACH_MIN_KM, REACH_MAX_KM))
        })
        .collect()
}

fn circle(c: Xy, r: f64) -> MultiPolygon<f64> {
    let ring: Vec<Coord<f64>> = (0..CIRCLE_SIDES)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / CIRCLE_SIDES as f64;
            Coord {
                x: c.0 + r * a.cos(),
                y: c.1 + r * a.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::from(ring), vec![]).into()
}

/// Two communes can share a centroid in the registry; Voronoi needs distinct sites.
fn separate_duplicates(points: &mut [Xy]) {
    let mut seen: BTreeMap<(i64, i64), u32> = BTreeMap::new();
    for p in points.iter_mut() {
        let key = ((p.0 * 1000.0).round() as i64, (p.1 * 1000.0).round() as i64);
        let k = seen.entry(key).or_insert(0);
        if *k > 0 {
            let a = f64::from(*k) * 2.4;
            p.0 += 0.05 * a.cos();
            p.1 += 0.05 * a.sin();
        }
        *k += 1;
    }
}

fn project_multi(m: &MultiPolygon<f64>, p: &Projection) -> MultiPolygon<f64> {
    let ring = |r: &LineString<f64>| {
        LineString::from(
            r.0.iter()
                .map(|c| {
                    let (x, y) = p.project(c.x, c.y);
                    Coord { x, y }
                })
                .collect::<Vec<_>>(),
        )
    };
    MultiPolygon::new(
        m.0.iter()
            .map(|poly| {
                Polygon::new(
                    ring(poly.exterior()),
                    poly.interiors().iter().map(ring).collect(),
                )
            })
            .collect(),
    )
}

fn bounds(points: &[Xy]) -> (Xy, Xy) {
    points.iter().fold(
        (
            (f64::INFINITY, f64::INFINITY),
            (f64::NEG_INFINITY, f64::NEG_INFINITY),
        ),
        |(lo, hi), &(x, y)| ((lo.0.min(x), lo.1.min(y)), (hi.0.max(x), hi.1.max(y))),
    )
}

fn dist(a: Xy, b: Xy) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}
