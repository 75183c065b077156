//! Maps as SVG: units' cells (from `atlas`) filled by a measure, with a tooltip and a link on
//! each; units that lie off the mainland drawn as points from their registry points; and
//! Vietnam's archipelagos, Hoàng Sa and Trường Sa, in insets with their islands.

use std::collections::HashMap;
use std::fmt::Write;

use atlas::{Archipelago, ArchipelagoKey, Atlas, Projection, Xy};
use geo::{MapCoords, MultiPolygon};
use maud::{html, Markup, PreEscaped};

/// How one unit is drawn.
pub struct Shade {
    pub fill: &'static str,
    /// The tooltip: name and figure.
    pub title: String,
    pub href: Option<String>,
}

/// A unit drawn as a point with its name: one whose cell has no land in Natural Earth.
pub struct Marker {
    pub at: Xy,
    pub label: String,
    pub shade: Option<Shade>,
}

/// An archipelago drawn in an inset: its islands, its name as Vietnam's in both languages,
/// and the units of the map that hold it.
pub struct Inset {
    pub archipelago: &'static Archipelago,
    pub units: Vec<InsetUnit>,
}

/// A unit listed in an inset, named in Vietnamese and English.
pub struct InsetUnit {
    /// "Huyện Hoàng Sa, Thành phố Đà Nẵng".
    pub name_vi: String,
    /// "Hoang Sa District, Da Nang City".
    pub name_en: String,
    pub shade: Option<Shade>,
}

/// Units without a figure: outside the caller's scope, or no data.
pub const NO_DATA: &str = "#e3e5e8";
const LAND: &str = "#f1efe9";
const SEA: &str = "#dbe9f4";
const WIDTH: f64 = 760.0;
/// The tallest a map is drawn: a long country or province is fitted to this height, leaving
/// the sea beside it for the insets, as official maps do.
const MAX_HEIGHT: f64 = 900.0;
const PAD: f64 = 10.0;
/// Off-mainland points further than this from the cells' frame go to an inset, so that a
/// province with an island 300 km out is not drawn as a speck.
const INSET_BEYOND_KM: f64 = 60.0;
const INSET_W: f64 = 264.0;
/// The box the islands are fitted to inside an inset.
const ISLANDS_W: f64 = 240.0;
const ISLANDS_H: f64 = 110.0;
const ROW: f64 = 30.0;

impl Inset {
    fn height(&self) -> f64 {
        // Two lines of title, the islands, a row per unit.
        44.0 + ISLANDS_H + 8.0 + ROW * self.units.len() as f64 + 6.0
    }
}

/// The map: `shades` by unit code (cells without one are drawn as no data), `markers` units
/// drawn as points, `insets` the archipelagos the map covers, `emphasis` a unit outlined in
/// bold (the one a user came from).
pub fn choropleth(
    title: &str,
    atlas: &Atlas,
    shades: &HashMap<String, Shade>,
    markers: &[Marker],
    insets: &[Inset],
    emphasis: Option<&str>,
) -> Markup {
    let ((x0, y0), (x1, y1)) = atlas.extent();
    // A frame with no land drawn at all (every unit at sea) still gets a box.
    let (x0, y0, x1, y1) = if x0.is_finite() && y0.is_finite() {
        (x0, y0, x1, y1)
    } else {
        (-1.0, -1.0, 1.0, 1.0)
    };
    let (near, far): (Vec<&Marker>, Vec<&Marker>) = markers.iter().partition(|m| {
        m.at.0 > x0 - INSET_BEYOND_KM
            && m.at.0 < x1 + INSET_BEYOND_KM
            && m.at.1 > y0 - INSET_BEYOND_KM
            && m.at.1 < y1 + INSET_BEYOND_KM
    });
    let (x0, y0, x1, y1) = near.iter().fold((x0, y0, x1, y1), |(a, b, c, d), m| {
        (a.min(m.at.0), b.min(m.at.1), c.max(m.at.0), d.max(m.at.1))
    });
    let span_x = (x1 - x0).max(1e-6);
    let span_y = (y1 - y0).max(1e-6);
    let scale = ((WIDTH - 2.0 * PAD) / span_x).min((MAX_HEIGHT - 2.0 * PAD) / span_y);
    let land_w = span_x * scale;
    let land_h = (span_y * scale + 2.0 * PAD).max(120.0);
    // Insets go in the sea east of the mainland, as on official maps: within the width when
    // the mainland leaves room, else the map is drawn wider.
    let width = if insets.is_empty() {
        WIDTH
    } else {
        WIDTH.max(PAD + land_w + PAD + INSET_W + PAD)
    };
    let column_h: f64 = insets.iter().map(|i| i.height() + PAD).sum();
    let mut placed = Vec::new();
    let mut y = (land_h - column_h).max(PAD);
    for inset in insets {
        placed.push((inset, (width - PAD - INSET_W, y)));
        y += inset.height() + PAD;
    }
    let insets_bottom = land_h.max(y);
    let far_h = if far.is_empty() {
        0.0
    } else {
        28.0 + 22.0 * far.len() as f64
    };
    let height = insets_bottom + far_h;
    let to_px = |(x, y): Xy| (PAD + (x - x0) * scale, PAD + (y - y0) * scale);

    let land = path_of(&atlas.land, &to_px);
    html! {
        svg.map xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
            viewBox={ "0 0 " (format!("{width:.0}")) " " (format!("{height:.0}")) } {
            title { (title) }
            rect x="0" y="0" width=(format!("{width:.0}")) height=(format!("{height:.0}")) fill=(SEA) {}
            path d=(land) fill=(LAND) stroke="#b9b4a6" stroke-width="0.8" {}
            @for cell in atlas.cells.iter().filter(|c| !c.shape.0.is_empty()) {
                @let shade = shades.get(&cell.code);
                @let d = path_of(&cell.shape, &to_px);
                @let fill = shade.map_or(NO_DATA, |s| s.fill);
                @let stroke = if emphasis == Some(cell.code.as_str()) { "stroke:#111;stroke-width:2.5" } else { "stroke:#9e9e9e;stroke-width:0.4" };
                @match shade.and_then(|s| s.href.as_ref().map(|h| (s, h))) {
                    Some((s, href)) => a href=(href) {
                        path.cell d=(d) fill=(fill) style=(stroke) { title { (s.title) } }
                    },
                    None => path.cell d=(d) fill=(fill) style=(stroke) {
                        @if let Some(s) = shade { title { (s.title) } }
                    },
                }
            }
            @for m in &near { (marker(m, to_px(m.at))) }
            @for (inset, at) in &placed { (inset_of(inset, *at)) }
            @if !far.is_empty() {
                @let top = insets_bottom + 6.0;
                rect x=(PAD) y=(top) width=(width - 2.0 * PAD) height=(far_h - 12.0)
                    fill=(SEA) stroke="#7a8a99" stroke-dasharray="4 3" {}
                @for (i, m) in far.iter().enumerate() {
                    (marker(m, (PAD + 20.0, top + 20.0 + 22.0 * i as f64)))
                }
            }
        }
    }
}

/// One archipelago's inset at `(x, y)`: a framed box with its name as Vietnam's, its islands
/// at their own scale (filled as the first unit listed), and its units with their figures.
fn inset_of(inset: &Inset, (x, y): Xy) -> Markup {
    let a = inset.archipelago;
    let ((w, s), (e, n)) = a.extent();
    let projection = Projection::around((w + e) / 2.0, (s + n) / 2.0);
    let (px0, py0) = projection.project(w, n);
    let (px1, py1) = projection.project(e, s);
    let scale = (ISLANDS_W / (px1 - px0).max(1e-6)).min(ISLANDS_H / (py1 - py0).max(1e-6));
    // Centred in the islands' box.
    let ox = x + (INSET_W - (px1 - px0) * scale) / 2.0;
    let oy = y + 44.0 + (ISLANDS_H - (py1 - py0) * scale) / 2.0;
    let islands: MultiPolygon<f64> = a.islands.map_coords(|c| {
        let (px, py) = projection.project(c.x, c.y);
        geo::Coord { x: px, y: py }
    });
    let to_px = |(px, py): Xy| (ox + (px - px0) * scale, oy + (py - py0) * scale);
    let fill = inset
        .units
        .first()
        .and_then(|u| u.shade.as_ref())
        .map_or("#8d8a80", |s| s.fill);
    let key = match a.key {
        ArchipelagoKey::HoangSa => "hoang-sa",
        ArchipelagoKey::TruongSa => "truong-sa",
    };
    let rows_top = y + 44.0 + ISLANDS_H + 8.0;
    html! {
        g.archipelago data-archipelago=(key) {
            rect x=(x) y=(y) width=(INSET_W) height=(format!("{:.0}", inset.height()))
                fill=(SEA) stroke="#7a8a99" stroke-dasharray="4 3" {}
            text.archipelago-name x=(format!("{:.1}", x + 8.0)) y=(format!("{:.1}", y + 18.0)) font-size="13" font-weight="bold" fill="#263238" {
                (a.name_vi) " (Việt Nam)"
            }
            text x=(format!("{:.1}", x + 8.0)) y=(format!("{:.1}", y + 35.0)) font-size="12" font-style="italic" fill="#37474f" {
                (a.name_en) " (Viet Nam)"
            }
            // The islands are specks at any scale: a stroke keeps each one visible.
            path.islands d=(path_of(&islands, &to_px)) fill=(fill) stroke="#37474f" stroke-width="3" stroke-linejoin="round" {
                title { (a.name_vi) " · " (a.name_en) }
            }
            @for (i, u) in inset.units.iter().enumerate() {
                (inset_row(u, (x + 14.0, rows_top + 8.0 + ROW * i as f64)))
            }
        }
    }
}

fn marker(m: &Marker, (x, y): Xy) -> Markup {
    let fill = m.shade.as_ref().map_or("#455a64", |s| s.fill);
    let dot = html! {
        circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="6" fill=(fill) stroke="#263238" stroke-width="1.5" {
            @if let Some(s) = &m.shade { title { (s.title) } }
        }
        text x=(format!("{:.1}", x + 10.0)) y=(format!("{:.1}", y + 4.0)) font-size="13" fill="#263238" { (m.label) }
    };
    linked(m.shade.as_ref(), dot)
}

/// A unit's row in an inset: a dot of its colour, its Vietnamese name and under it the
/// English one.
fn inset_row(u: &InsetUnit, (x, y): Xy) -> Markup {
    let fill = u.shade.as_ref().map_or("#455a64", |s| s.fill);
    let row = html! {
        circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="6" fill=(fill) stroke="#263238" stroke-width="1.5" {
            @if let Some(s) = &u.shade { title { (s.title) } }
        }
        text x=(format!("{:.1}", x + 11.0)) y=(format!("{:.1}", y + 4.0)) font-size="12" fill="#263238" { (u.name_vi) }
        text x=(format!("{:.1}", x + 11.0)) y=(format!("{:.1}", y + 16.0)) font-size="10" font-style="italic" fill="#37474f" { (u.name_en) }
    };
    linked(u.shade.as_ref(), row)
}

fn linked(shade: Option<&Shade>, inner: Markup) -> Markup {
    match shade.and_then(|s| s.href.as_ref()) {
        Some(href) => html! { a href=(href) { (inner) } },
        None => inner,
    }
}

/// An SVG path of a multipolygon, to 0.1 px.
fn path_of(shape: &MultiPolygon<f64>, to_px: &impl Fn(Xy) -> Xy) -> PreEscaped<String> {
    let mut d = String::new();
    for poly in &shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for (i, c) in ring.0.iter().enumerate() {
                let (x, y) = to_px((c.x, c.y));
                let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
    }
    PreEscaped(d)
}
