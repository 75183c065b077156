//! A transmission graph as SVG, laid out by time and generation: x is the case's day (a
//! dated axis across the top), y a lane. Lanes follow a depth-first walk of the forest of
//! infector → infectee links (roots by day), each case taking the first free lane at or
//! below its infector's, so a chain of transmission reads left to right along one lane and
//! a case's infectees sit just under it. The server draws everything (up to [`MAX_NODES`]);
//! app.js only zooms and pans by changing the viewBox.

use std::collections::{HashMap, HashSet};

use maud::{html, Markup};

/// Cases drawn at most: above this the page says so and draws the first ones.
pub const MAX_NODES: usize = 2_000;

/// A case in the graph.
pub struct Node {
    pub id: i64,
    /// Its day (onset, else confirmation) as a day number (days since 1970-01-01).
    pub day: i64,
    pub label: String,
    pub title: String,
    pub href: String,
}

/// A link from an infector to an infectee, with its reason as a tooltip.
pub struct Link {
    pub from: i64,
    pub to: i64,
    pub title: String,
    /// `venue` (dashed), `household` or `declared` (solid), `added` by a tracer.
    pub kind: &'static str,
}

const COL_W: f64 = 64.0;
const ROW_H: f64 = 24.0;
const PAD: f64 = 24.0;
/// Room above the first lane for the dated axis.
const AXIS_H: f64 = 28.0;
const R: f64 = 7.0;

/// Each node's lane (by id), and the number of lanes.
pub fn lanes(nodes: &[Node], links: &[Link]) -> (HashMap<i64, usize>, usize) {
    let day: HashMap<i64, i64> = nodes.iter().map(|n| (n.id, n.day)).collect();
    // Each case's infector in the layout: the earliest linked case not later than it. A
    // link's direction is the rule's; a link that runs back in time (the infectee's day
    // before the infector's, as onset and confirmation vary) is read the other way, so a
    // parent is never right of its child.
    let mut parent: HashMap<i64, i64> = HashMap::new();
    let mut consider = |child: i64, cand: i64| {
        let (Some(&dc), Some(&dp)) = (day.get(&child), day.get(&cand)) else {
            return;
        };
        if dp > dc || cand == child {
            return;
        }
        let better = match parent.get(&child) {
            None => true,
            Some(&old) => (dp, cand) < (day[&old], old),
        };
        if better {
            parent.insert(child, cand);
        }
    };
    for l in links {
        if day.get(&l.from) <= day.get(&l.to) {
            consider(l.to, l.from);
        } else {
            consider(l.from, l.to);
        }
    }
    // Same-day pairs could point at each other: break such cycles by keeping the parent
    // only when it is earlier, or the same day and a smaller id.
    parent.retain(|c, p| (day[p], *p) < (day[c], *c));
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, p) in &parent {
        children.entry(*p).or_default().push(*c);
    }
    for kids in children.values_mut() {
        kids.sort_by_key(|k| (day[k], *k));
    }
    let mut roots: Vec<i64> = nodes
        .iter()
        .map(|n| n.id)
        .filter(|id| !parent.contains_key(id))
        .collect();
    roots.sort_by_key(|r| (day[r], *r));
    roots.dedup();

    let mut taken: HashSet<(usize, i64)> = HashSet::new();
    let mut lane: HashMap<i64, usize> = HashMap::new();
    let mut count = 0;
    // Depth-first, with an explicit stack (a chain of 2,000 would overflow recursion).
    for root in roots {
        let mut stack = vec![(root, 0usize)];
        while let Some((id, from)) = stack.pop() {
            if lane.contains_key(&id) {
                continue;
            }
            let d = day[&id];
            let mut l = from;
            while taken.contains(&(l, d)) {
                l += 1;
            }
            taken.insert((l, d));
            lane.insert(id, l);
            count = count.max(l + 1);
            if let Some(kids) = children.get(&id) {
                // Reversed so the earliest child is walked first and takes the parent's lane.
                for k in kids.iter().rev() {
                    stack.push((*k, l));
                }
            }
        }
    }
    (lane, count)
}

/// Positions: (x, y) of each node's centre by id.
pub fn layout(nodes: &[Node], links: &[Link]) -> HashMap<i64, (f64, f64)> {
    let first = nodes.iter().map(|n| n.day).min().unwrap_or(0);
    let (lane, _) = lanes(nodes, links);
    nodes
        .iter()
        .filter_map(|n| {
            let l = *lane.get(&n.id)?;
            Some((
                n.id,
                (
                    PAD + COL_W * (n.day - first) as f64,
                    PAD + AXIS_H + ROW_H * l as f64,
                ),
            ))
        })
        .collect()
}

fn stroke(kind: &str) -> &'static str {
    match kind {
        "venue" => "#ef6c00",
        "added" => "#00897b",
        _ => "#6a1b9a",
    }
}

/// The graph: nodes link to their case; `day_label` names a day on the axis. The legend is
/// the caller's (it is text in the page's language): [`legend_line`] draws its samples.
pub fn transmission_graph(
    title: &str,
    nodes: &[Node],
    links: &[Link],
    day_label: impl Fn(i64) -> String,
) -> Markup {
    let pos = layout(nodes, links);
    let first = nodes.iter().map(|n| n.day).min().unwrap_or(0);
    let last = nodes.iter().map(|n| n.day).max().unwrap_or(0);
    let width = PAD * 2.0 + COL_W * (last - first) as f64 + 60.0;
    let height = pos.values().map(|p| p.1).fold(PAD + AXIS_H, f64::max) + PAD;
    // One tick a day when days are few, else every 2nd, 7th… so labels do not collide.
    let step = ((last - first) / 40 + 1).max(1);
    let f = |v: f64| format!("{v:.1}");
    html! {
        svg.graph xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title) tabindex="0"
            data-zoom="1"
            width=(format!("{width:.0}")) height=(format!("{height:.0}"))
            viewBox={ "0 0 " (format!("{width:.0}")) " " (format!("{height:.0}")) } {
            title { (title) }
            defs {
                @for kind in ["venue", "added", "household"] {
                    marker id={ "arrow-" (kind) } viewBox="0 0 10 10" refX="10" refY="5"
                        markerWidth="7" markerHeight="7" orient="auto-start-reverse" {
                        path d="M0,0 L10,5 L0,10 z" fill=(stroke(kind)) {}
                    }
                }
            }
            g.axis {
                @for d in (first..=last).step_by(step as usize) {
                    @let x = PAD + COL_W * (d - first) as f64;
                    line x1=(f(x)) y1=(f(PAD + 8.0)) x2=(f(x)) y2=(f(height - 4.0)) stroke="#eceff1" stroke-width="1" {}
                    text x=(f(x)) y=(f(PAD)) text-anchor="middle" font-size="10" fill="#5f6368" { (day_label(d)) }
                }
            }
            g.links {
                @for l in links {
                    @if let (Some(a), Some(b)) = (pos.get(&l.from), pos.get(&l.to)) {
                        @let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                        @let len = (dx * dx + dy * dy).sqrt().max(1.0);
                        // From circle edge to circle edge, so the arrowhead shows.
                        @let (ux, uy) = (dx / len * R, dy / len * R);
                        @let marker = match l.kind { "venue" => "venue", "added" => "added", _ => "household" };
                        line x1=(f(a.0 + ux)) y1=(f(a.1 + uy)) x2=(f(b.0 - ux)) y2=(f(b.1 - uy))
                            stroke=(stroke(l.kind)) stroke-width=(if l.kind == "added" { "2.2" } else { "1.4" })
                            stroke-dasharray=[(l.kind == "venue").then_some("4 3")]
                            marker-end={ "url(#arrow-" (marker) ")" } {
                            title { (l.title) }
                        }
                    }
                }
            }
            g.nodes {
                @for n in nodes {
                    @if let Some(p) = pos.get(&n.id) {
                        a href=(n.href) {
                            title { (n.title) }
                            circle cx=(f(p.0)) cy=(f(p.1)) r=(R) fill="#b71c1c" stroke="#fff" stroke-width="1.5" {}
                            text x=(f(p.0 + R + 2.0)) y=(f(p.1 + 3.5)) font-size="9" fill="#263238" { (n.label) }
                        }
                    }
                }
            }
        }
    }
}

/// A short sample of a link kind's line, for the legend beside the graph.
pub fn legend_line(kind: &str) -> Markup {
    html! {
        svg width="36" height="10" aria-hidden="true" {
            line x1="1" y1="5" x2="35" y2="5" stroke=(stroke(kind))
                stroke-width=(if kind == "added" { "2.2" } else { "1.6" })
                stroke-dasharray=[(kind == "venue").then_some("4 3")] {}
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

    fn link(from: i64, to: i64, kind: &'static str) -> Link {
        Link {
            from,
            to,
            title: format!("{from} → {to}"),
            kind,
        }
    }

    #[test]
    fn a_chain_reads_left_to_right_on_one_lane_and_siblings_sit_below() {
        let nodes = [
            node(1, 10),
            node(2, 13),
            node(3, 16),
            node(4, 13),
            node(5, 11),
        ];
        let links = [
            link(1, 2, "household"),
            link(2, 3, "venue"),
            link(1, 4, "added"),
        ];
        let pos = layout(&nodes, &links);
        // The chain 1 → 2 → 3 stays on the first lane, left to right.
        assert_eq!(pos[&1].1, pos[&2].1);
        assert_eq!(pos[&2].1, pos[&3].1);
        assert!(pos[&1].0 < pos[&2].0 && pos[&2].0 < pos[&3].0);
        // 4, infected by 1 on the same day as 2, goes just below.
        assert_eq!(pos[&4].1, pos[&1].1 + ROW_H);
        // 5, unlinked, is a root of its own, after 1 by day: first free lane at day 11.
        assert_eq!(pos[&5].1, pos[&1].1);
        let svg = transmission_graph("g", &nodes, &links, |d| d.to_string()).into_string();
        assert_eq!(svg.matches("<circle").count(), 5);
        assert_eq!(svg.matches("<line").count(), 3 + 7);
        assert!(svg.contains("href=\"/cases/5\"") && svg.contains("stroke-dasharray"));
        assert!(svg.contains("marker-end=\"url(#arrow-added)\""));
        assert!(svg.contains("<title>Ca 3</title>"));
    }

    #[test]
    fn a_link_back_in_time_is_read_the_other_way() {
        let nodes = [node(1, 12), node(2, 10)];
        let links = [link(1, 2, "declared")];
        let (lane, n) = lanes(&nodes, &links);
        assert_eq!((lane[&1], lane[&2], n), (0, 0, 1));
        // Same day both ways: no cycle, both placed.
        let nodes = [node(1, 10), node(2, 10)];
        let links = [link(1, 2, "venue"), link(2, 1, "venue")];
        let (lane, n) = lanes(&nodes, &links);
        assert_eq!((lane[&1], lane[&2], n), (0, 1, 2));
    }

    /// A cluster of 2,000 like the demo's largest: a few superspreaders at workplaces,
    /// chains, and cases linked to several others.
    fn big(n: i64) -> (Vec<Node>, Vec<Link>) {
        let mut seed = 7u64;
        let mut rnd = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let nodes: Vec<Node> = (0..n).map(|i| node(i, 100 + i * 28 / n)).collect();
        let mut links = Vec::new();
        for i in 1..n {
            let from = if rnd(4) == 0 {
                rnd(5) as i64
            } else {
                rnd(i as u64) as i64
            };
            let kind = ["venue", "household", "declared", "added"][rnd(4) as usize];
            links.push(link(from, i, kind));
            if rnd(3) == 0 {
                links.push(link(i, rnd(i as u64) as i64, "venue"));
            }
        }
        (nodes, links)
    }

    #[test]
    fn two_thousand_cases_no_overlap_infectees_not_left_of_infectors_and_fast() {
        let (nodes, links) = big(MAX_NODES as i64);
        let started = std::time::Instant::now();
        let svg = transmission_graph("g", &nodes, &links, |d| d.to_string()).into_string();
        let took = started.elapsed();
        // Measured in a test (debug) build on the shared 2-core dev machine: 25–33 ms for the
        // layout and the 0.85 MB of SVG; 100 ms leaves room for a slower machine.
        assert!(took.as_millis() < 100, "2,000 cases took {took:?}");
        assert_eq!(svg.matches("<circle").count(), MAX_NODES);

        let pos = layout(&nodes, &links);
        assert_eq!(pos.len(), MAX_NODES);
        let mut seen = HashSet::new();
        for p in pos.values() {
            // Lanes and days are a grid: two nodes overlap only on the same spot.
            assert!(seen.insert((p.0 as i64, p.1 as i64)), "two nodes at {p:?}");
        }
        let day: HashMap<i64, i64> = nodes.iter().map(|n| (n.id, n.day)).collect();
        for l in &links {
            // An infectee is right of or level with its infector (a link back in time is
            // drawn as it is, its arrow pointing left, and is not the layout's tree).
            if day[&l.from] <= day[&l.to] {
                assert!(pos[&l.from].0 <= pos[&l.to].0);
            }
        }
        // Each linked case has a linked case not later than it on its lane or above (its
        // layout parent): infectees sit at or below their infector, never above.
        let (lane, count) = lanes(&nodes, &links);
        assert!(count < MAX_NODES / 4, "{count} lanes");
        for n in &nodes {
            let earlier: Vec<i64> = links
                .iter()
                .filter_map(|l| match (l.from == n.id, l.to == n.id) {
                    (true, false) => Some(l.to),
                    (false, true) => Some(l.from),
                    _ => None,
                })
                .filter(|m| (day[m], *m) < (n.day, n.id))
                .collect();
            if !earlier.is_empty() {
                assert!(earlier.iter().any(|m| lane[m] <= lane[&n.id]));
            }
        }
    }
}
