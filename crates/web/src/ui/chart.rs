//! Charts drawn on the server as SVG: axes, labels, and a `<title>` on every mark as its
//! tooltip. No script.

use domain::lang::{decimal, Lang};
use maud::{html, Markup};

/// The epidemic curve: new cases per day as bars, the 7-day average as a line.
/// `days` are `(label, count)` in order; `title` names the chart for screen readers.
pub fn epi_curve(lang: Lang, title: &str, avg_label: &str, days: &[(String, i64)]) -> Markup {
    const W: f64 = 900.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 36.0;
    const TOP: f64 = 12.0;
    let n = days.len().max(1) as f64;
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let (step, top) = axis(max);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let bar_w = plot_w / n;
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);
    let avg: Vec<f64> = (0..days.len())
        .map(|i| {
            let lo = i.saturating_sub(6);
            let window = &days[lo..=i];
            window.iter().map(|d| d.1 as f64).sum::<f64>() / window.len() as f64
        })
        .collect();
    let line: String = avg
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{:.1},{:.1}", LEFT + bar_w * (i as f64 + 0.5), y(*a)))
        .collect::<Vec<_>>()
        .join(" ");
    let ticks: Vec<f64> = (0..=(top / step).round() as usize)
        .map(|k| step * k as f64)
        .collect();
    let label_every = (days.len() / 8).max(1);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(title) class="chart" {
            title { (title) }
            @for t in &ticks {
                line x1=(LEFT) x2=(W - 8.0) y1=(y(*t)) y2=(y(*t)) stroke="#dadce0" {}
                text x=(LEFT - 6.0) y=(y(*t) + 4.0) text-anchor="end" font-size="11" fill="#5f6368" { (tick(lang, *t, step)) }
            }
            @for (i, (label, count)) in days.iter().enumerate() {
                rect x=(format!("{:.1}", LEFT + bar_w * i as f64 + 1.0)) y=(format!("{:.1}", y(*count as f64)))
                     width=(format!("{:.1}", (bar_w - 2.0).max(1.0))) height=(format!("{:.1}", plot_h * *count as f64 / top))
                     fill="#ef9a9a" {
                    title { (label) ": " (decimal(*count as f64, 0, lang)) " · " (avg_label) " " (decimal(avg[i], 1, lang)) }
                }
                @if i % label_every == 0 {
                    text x=(format!("{:.1}", LEFT + bar_w * (i as f64 + 0.5))) y=(H - BOTTOM + 16.0)
                         text-anchor="middle" font-size="11" fill="#5f6368" { (label) }
                }
            }
            polyline points=(line) fill="none" stroke="#b71c1c" stroke-width="2.5" {}
            line x1=(LEFT) x2=(W - 8.0) y1=(y(0.0)) y2=(y(0.0)) stroke="#5f6368" {}
        }
    }
}

/// An axis label: as many decimals as the step needs, written the reader's way.
fn tick(lang: Lang, v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else {
        2
    };
    decimal(v, decimals, lang)
}

/// A round step for an axis reaching `max` in about four steps (1, 2 or 5 times a power of
/// ten), and the round top it gives.
fn axis(max: f64) -> (f64, f64) {
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        1.0
    };
    let raw = max / 4.0;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(raw);
    (step, (max / step).ceil() * step)
}

/// One point of a series with its uncertainty band.
pub struct BandPoint {
    pub label: String,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
}

/// A line with its shaded band (e.g. R(t) with its 95% interval, or projected bed demand),
/// optionally a horizontal reference line (R = 1, bed capacity) and a mark where the
/// projection starts. Every point has a tooltip.
pub fn band_chart(
    lang: Lang,
    title: &str,
    points: &[BandPoint],
    reference: Option<(f64, &str)>,
    projected_from: Option<usize>,
) -> Markup {
    const W: f64 = 900.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 52.0;
    const BOTTOM: f64 = 36.0;
    const TOP: f64 = 12.0;
    let n = points.len().max(2) as f64;
    let max = points
        .iter()
        .map(|p| p.upper.max(p.mean))
        .chain(reference.map(|r| r.0))
        .fold(0.0f64, f64::max);
    let (step, top) = axis(max * 1.05);
    let plot_w = W - LEFT - 8.0;
    let plot_h = H - TOP - BOTTOM;
    let x = |i: usize| LEFT + plot_w * i as f64 / (n - 1.0);
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));
    let fmt = |v: f64| decimal(v, if v >= 100.0 { 0 } else { 2 }, lang);
    let mean: String = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.mean)))
        .collect::<Vec<_>>()
        .join(" ");
    let band: String = points
        .iter()
        .enumerate()
        .map(|(i, p)| (x(i), y(p.upper)))
        .chain(
            points
                .iter()
                .enumerate()
                .rev()
                .map(|(i, p)| (x(i), y(p.lower))),
        )
        .map(|(a, b)| format!("{a:.1},{b:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let ticks: Vec<f64> = (0..=(top / step).round() as usize)
        .map(|k| step * k as f64)
        .collect();
    let label_every = (points.len() / 8).max(1);
    let slot = plot_w / n;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(title) class="chart" {
            title { (title) }
            @for t in &ticks {
                line x1=(LEFT) x2=(W - 8.0) y1=(y(*t)) y2=(y(*t)) stroke="#dadce0" {}
                text x=(LEFT - 6.0) y=(y(*t) + 4.0) text-anchor="end" font-size="11" fill="#5f6368" { (tick(lang, *t, step)) }
            }
            @if let Some(k) = projected_from.filter(|k| *k < points.len()) {
                rect x=(format!("{:.1}", x(k))) y=(TOP) width=(format!("{:.1}", W - 8.0 - x(k))) height=(plot_h) fill="#f5f5f5" {}
            }
            polygon points=(band) fill="#ef9a9a" fill-opacity="0.45" stroke="none" {}
            polyline points=(mean) fill="none" stroke="#b71c1c" stroke-width="2.2" {}
            @if let Some((v, label)) = reference {
                line x1=(LEFT) x2=(W - 8.0) y1=(format!("{:.1}", y(v))) y2=(format!("{:.1}", y(v))) stroke="#1a237e" stroke-width="1.5" stroke-dasharray="6 4" {}
                text x=(W - 10.0) y=(format!("{:.1}", y(v) - 4.0)) text-anchor="end" font-size="12" fill="#1a237e" { (label) }
            }
            @for (i, p) in points.iter().enumerate() {
                rect x=(format!("{:.1}", x(i) - slot / 2.0)) y=(TOP) width=(format!("{slot:.1}")) height=(plot_h) fill="transparent" {
                    title { (p.label) ": " (fmt(p.mean)) " (" (fmt(p.lower)) "–" (fmt(p.upper)) ")" }
                }
                @if i % label_every == 0 {
                    text x=(format!("{:.1}", x(i))) y=(H - BOTTOM + 16.0) text-anchor="middle" font-size="11" fill="#5f6368" { (p.label) }
                }
            }
            line x1=(LEFT) x2=(W - 8.0) y1=(y(0.0)) y2=(y(0.0)) stroke="#5f6368" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_has_a_bar_and_tooltip_per_day_and_an_average_line() {
        let days: Vec<(String, i64)> = (1..=14).map(|d| (format!("{d:02}/11"), d * 3)).collect();
        let svg = epi_curve(Lang::Vi, "Đường cong dịch", "TB 7 ngày", &days).into_string();
        assert_eq!(svg.matches("<rect").count(), 14);
        assert!(svg.contains("14/11: 42 · TB 7 ngày 33,0"));
        assert!(svg.contains("<polyline"));
        // Ticks at round steps up to a round top at or above the highest bar (42 → 0..60 by 20).
        assert!(svg.contains(">20<") && svg.contains(">60<") && !svg.contains(">15<"));
    }

    #[test]
    fn band_chart_draws_the_band_the_line_the_reference_and_tooltips() {
        let points: Vec<BandPoint> = (0..10)
            .map(|i| BandPoint {
                label: format!("{i:02}/01"),
                mean: 1.0 + f64::from(i) / 10.0,
                lower: 0.8,
                upper: 2.5,
            })
            .collect();
        let svg =
            band_chart(Lang::Vi, "R(t)", &points, Some((1.0, "R = 1")), Some(7)).into_string();
        assert!(svg.contains("<polygon") && svg.contains("<polyline"));
        assert!(svg.contains("R = 1") && svg.contains("stroke-dasharray"));
        assert!(svg.contains("09/01: 1,90 (0,80–2,50)"));
        assert_eq!(svg.matches("<title>").count(), 11);
    }
}
