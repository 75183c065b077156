//! Maps as SVG: units' cells (from `atlas`) filled by a measure, with a tooltip and a link on
//! each, and the units that lie off the mainland (Hoàng Sa, Trường Sa) drawn from their
//! registry points.

use std::collections::HashMap;
use std::fmt::Write;

use atlas::{Atlas, Xy};
use geo::MultiPolygon;
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

/// Units without a figure: outside the caller's scope, or no data.
pub const NO_DATA: &str = "#e3e5e8";
const LAND: &str = "#f1efe9";
const WIDTH: f64 = 760.0;
const PAD: f64 = 10.0;
/// Off-mainland points further than this from the cells' frame go to an inset, so that a
/// province with an archipelago 300 km out is not drawn as a speck.
const INSET_BEYOND_KM: f64 = 60.0;

/// The map: `shades` by unit code (cells without one are drawn as no data), `emphasis` a
/// unit outlined in bold (the one a user came from).
pub fn choropleth(
    title: &str,
    atlas: &Atlas,
    shades: &HashMap<String, Shade>,
    markers: &[Marker],
    emphasis: Option<&str>,
) -> Markup {
    let ((x0, y0), (x1, y1)) = atlas.extent();
    let (near, far): (Vec<&Marker>, Vec<&Marker>) = markers.iter().partition(|m| {
        m.at.0 > x0 - INSET_BEYOND_KM
            && m.at.0 < x1 + INSET_BEYOND_KM
            && m.at.1 > y0 - INSET_BEYOND_KM
            && m.at.1 < y1 + INSET_BEYOND_KM
    });
    let (x0, y0, x1, y1) = near.iter().fold((x0, y0, x1, y1), |(a, b, c, d), m| {
        (a.min(m.at.0), b.min(m.at.1), c.max(m.at.0), d.max(m.at.1))
    });
    let span = (x1 - x0).max(1e-6);
    let scale = (WIDTH - 2.0 * PAD) / span;
    let inset_h = if far.is_empty() {
        0.0
    } else {
        28.0 + 22.0 * far.len() as f64
    };
    let height = ((y1 - y0) * scale + 2.0 * PAD).max(120.0) + inset_h;
    let to_px = |(x, y): Xy| (PAD + (x - x0) * scale, PAD + (y - y0) * scale);

    let land = path_of(&atlas.land, &to_px);
    html! {
        svg.map xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
            viewBox={ "0 0 " (WIDTH) " " (format!("{height:.0}")) } {
            title { (title) }
            rect x="0" y="0" width=(WIDTH) height=(format!("{height:.0}")) fill="#dbe9f4" {}
            path d=(land) fill=(LAND) stroke="#b9b4a6" stroke-width="0.8" {}
            @for cell in &atlas.cells {
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
            @if !far.is_empty() {
                @let top = height - inset_h + 6.0;
                rect x=(PAD) y=(top) width=(WIDTH - 2.0 * PAD) height=(inset_h - 12.0)
                    fill="#dbe9f4" stroke="#7a8a99" stroke-dasharray="4 3" {}
                @for (i, m) in far.iter().enumerate() {
                    (marker(m, (PAD + 20.0, top + 20.0 + 22.0 * i as f64)))
                }
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
    match m.shade.as_ref().and_then(|s| s.href.as_ref()) {
        Some(href) => html! { a href=(href) { (dot) } },
        None => dot,
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
