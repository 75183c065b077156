//! A transmission graph as SVG: cases left to right by confirmation day, each day's cases
//! stacked in the order of the cases that link to them (the barycentre heuristic), so that
//! links mostly run forward in time without crossing.

use std::collections::{BTreeMap, HashMap};

use maud::{html, Markup};

/// A case in the graph.
pub struct Node {
    pub id: i64,
    /// The local day it was confirmed, as a day number (days since 1970-01-01).
    pub day: i64,
    pub label: String,
    pub title: String,
    pub href: String,
}

/// A link between two cases, with its reason as a tooltip.
pub struct Link {
    pub from: i64,
    pub to: i64,
    pub title: String,
    /// `venue` (dashed), `household` or `declared`.
    pub kind: &'static str,
}

const COL_W: f64 = 70.0;
const ROW_H: f64 = 26.0;
const PAD: f64 = 24.0;

/// Positions: (x, y) of each node by id.
pub fn layout(nodes: &[Node], links: &[Link]) -> HashMap<i64, (f64, f64)> {
    let mut days: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for n in nodes {
        days.entry(n.day).or_default().push(n.id);
    }
    let mut sources: HashMap<i64, Vec<i64>> = HashMap::new();
    for l in links {
        sources.entry(l.to).or_default().push(l.from);
        sources.entry(l.from).or_default().push(l.to);
    }
    let first = days.keys().next().copied().unwrap_or(0);
    let mut row: HashMap<i64, f64> = HashMap::new();
    let mut pos = HashMap::new();
    for (day, ids) in &mut days {
        // Order by the mean row of already placed neighbours; unlinked cases last, by id.
        let key = |id: &i64| {
            let placed: Vec<f64> = sources
                .get(id)
                .into_iter()
                .flatten()
                .filter_map(|s| row.get(s).copied())
                .collect();
            if placed.is_empty() {
                f64::MAX
            } else {
                placed.iter().sum::<f64>() / placed.len() as f64
            }
        };
        ids.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.cmp(b)));
        for (i, id) in ids.iter().enumerate() {
            row.insert(*id, i as f64);
            let x = PAD + COL_W * (day - first) as f64;
            pos.insert(*id, (x, PAD + ROW_H * i as f64));
        }
    }
    pos
}

/// The graph: nodes link to their case; `day_label` names a day column.
pub fn transmission_graph(
    title: &str,
    nodes: &[Node],
    links: &[Link],
    day_label: impl Fn(i64) -> String,
) -> Markup {
    let pos = layout(nodes, links);
    let width = pos.values().map(|p| p.0).fold(0.0, f64::max) + PAD + 40.0;
    let height = pos.values().map(|p| p.1).fold(0.0, f64::max) + PAD + 30.0;
    let mut columns: BTreeMap<i64, f64> = BTreeMap::new();
    for n in nodes {
        if let Some(p) = pos.get(&n.id) {
            columns.insert(n.day, p.0);
        }
    }
    html! {
        svg.graph xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
            width=(format!("{width:.0}")) height=(format!("{height:.0}"))
            viewBox={ "0 0 " (format!("{width:.0}")) " " (format!("{height:.0}")) } {
            title { (title) }
            @for (day, x) in &columns {
                text x=(format!("{x:.1}")) y=(format!("{:.1}", height - 8.0)) text-anchor="middle" font-size="10" fill="#5f6368" { (day_label(*day)) }
            }
            @for l in links {
                @if let (Some(a), Some(b)) = (pos.get(&l.from), pos.get(&l.to)) {
                    line x1=(format!("{:.1}", a.0)) y1=(format!("{:.1}", a.1)) x2=(format!("{:.1}", b.0)) y2=(format!("{:.1}", b.1))
                        stroke=(if l.kind == "venue" { "#ef6c00" } else { "#6a1b9a" }) stroke-width="1.6"
                        stroke-dasharray=[(l.kind == "venue").then_some("4 3")] {
                        title { (l.title) }
                    }
                }
            }
            @for n in nodes {
                @if let Some(p) = pos.get(&n.id) {
                    a href=(n.href) {
                        circle cx=(format!("{:.1}", p.0)) cy=(format!("{:.1}", p.1)) r="8" fill="#b71c1c" stroke="#fff" stroke-width="1.5" {
                            title { (n.title) }
                        }
                        text x=(format!("{:.1}", p.0 + 11.0)) y=(format!("{:.1}", p.1 + 4.0)) font-size="10" fill="#263238" { (n.label) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, day: i64) -> Node {
        Node {
            id,
            day,
            label: id.to_string(),
            title: format!("Ca {id}"),
            href: format!("/cases/{id}"),
        }
    }

    #[test]
    fn cases_run_left_to_right_by_day_and_follow_their_sources() {
        let nodes = [
            node(1, 10),
            node(2, 10),
            node(3, 11),
            node(4, 11),
            node(5, 12),
        ];
        let links = [
            Link {
                from: 2,
                to: 3,
                title: "venue".into(),
                kind: "venue",
            },
            Link {
                from: 1,
                to: 4,
                title: "hh".into(),
                kind: "household",
            },
        ];
        let pos = layout(&nodes, &links);
        assert!(pos[&1].0 < pos[&3].0 && pos[&3].0 < pos[&5].0);
        // Case 4 (from case 1, the top row) is placed above case 3 (from case 2).
        assert!(pos[&4].1 < pos[&3].1);
        let svg = transmission_graph("g", &nodes, &links, |d| d.to_string()).into_string();
        assert_eq!(svg.matches("<circle").count(), 5);
        assert_eq!(svg.matches("<line").count(), 2);
        assert!(svg.contains("href=\"/cases/5\"") && svg.contains("stroke-dasharray"));
    }
}
