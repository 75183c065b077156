//! Stable cluster numbers (issue #19): the linking rule regroups recent cases into components
//! each time it runs; this decides which numbered cluster each component is, so that a
//! cluster keeps its number as it grows, and merges and splits are recorded rather than
//! renumbering everything.
//!
//! Pure: the components (case ids) and the numbers the cases had before in, decisions out.

use std::collections::{BTreeMap, HashMap};

/// What a component is, in the numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    /// The numbered cluster `0`, which keeps its number.
    Keep(i64),
    /// A new cluster; `split_from` when most of its numbered cases came from a cluster whose
    /// number another component kept.
    New { split_from: Option<i64> },
}

/// The decisions for one run of the rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settlement {
    /// One per component, in the order given.
    pub assigned: Vec<Assigned>,
    /// Numbered clusters taken into another: (cluster, index of the component it became),
    /// ascending by cluster.
    pub merged: Vec<(i64, usize)>,
}

/// Numbers `components` (each a set of case ids; a case in at most one) given `before`, the
/// cluster each case was in (cases not in it were in none).
///
/// Each numbered cluster goes to the component holding most of its cases, and each component
/// takes at most one number: pairs are taken greedily by shared cases (most first; ties: the
/// older, i.e. lower, number, then the earlier component). So a cluster that only grew keeps
/// its number; of two that came together the larger keeps its number and the other is
/// merged into it; of a cluster that fell apart, the largest part keeps the number and the
/// others are new clusters split from it. A numbered cluster that has cases in components
/// but kept no number is merged into the component holding most of them.
pub fn settle(components: &[Vec<i64>], before: &HashMap<i64, i64>) -> Settlement {
    // (component, cluster) -> shared cases
    let mut shared: BTreeMap<(usize, i64), usize> = BTreeMap::new();
    for (i, members) in components.iter().enumerate() {
        for case in members {
            if let Some(&k) = before.get(case) {
                *shared.entry((i, k)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<(usize, i64, usize)> =
        shared.iter().map(|(&(i, k), &n)| (i, k, n)).collect();
    pairs.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)).then(a.0.cmp(&b.0)));

    let mut assigned: Vec<Option<i64>> = vec![None; components.len()];
    let mut kept: HashMap<i64, usize> = HashMap::new();
    for &(i, k, _) in &pairs {
        if assigned[i].is_none() && !kept.contains_key(&k) {
            assigned[i] = Some(k);
            kept.insert(k, i);
        }
    }
    // Where each numbered cluster's cases mostly went: the first pair of it in the order.
    let mut most: BTreeMap<i64, usize> = BTreeMap::new();
    for &(i, k, _) in &pairs {
        most.entry(k).or_insert(i);
    }
    let assigned = assigned
        .iter()
        .enumerate()
        .map(|(i, a)| match a {
            Some(k) => Assigned::Keep(*k),
            None => Assigned::New {
                // The cluster most of this component's numbered cases came from.
                split_from: pairs.iter().find(|p| p.0 == i).map(|p| p.1),
            },
        })
        .collect();
    let merged = most
        .into_iter()
        .filter(|(k, _)| !kept.contains_key(k))
        .collect();
    Settlement { assigned, merged }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn before(pairs: &[(i64, i64)]) -> HashMap<i64, i64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn a_new_component_is_a_new_cluster() {
        let s = settle(&[vec![1, 2]], &HashMap::new());
        assert_eq!(s.assigned, [Assigned::New { split_from: None }]);
        assert!(s.merged.is_empty());
    }

    #[test]
    fn a_cluster_that_grew_keeps_its_number() {
        let s = settle(&[vec![1, 2, 3, 9]], &before(&[(1, 7), (2, 7)]));
        assert_eq!(s.assigned, [Assigned::Keep(7)]);
        assert!(s.merged.is_empty());
    }

    #[test]
    fn of_two_that_came_together_the_larger_keeps_its_number() {
        let b = before(&[(1, 7), (2, 7), (3, 4), (4, 4), (5, 4)]);
        let s = settle(&[vec![1, 2, 3, 4, 5, 6]], &b);
        assert_eq!(s.assigned, [Assigned::Keep(4)]);
        assert_eq!(s.merged, [(7, 0)]);
        // Equal sizes: the older number.
        let b = before(&[(1, 7), (2, 7), (3, 4), (4, 4)]);
        let s = settle(&[vec![1, 2, 3, 4]], &b);
        assert_eq!(s.assigned, [Assigned::Keep(4)]);
        assert_eq!(s.merged, [(7, 0)]);
    }

    #[test]
    fn of_a_cluster_that_fell_apart_the_largest_part_keeps_the_number() {
        let b = before(&[(1, 7), (2, 7), (3, 7), (4, 7), (5, 7)]);
        let s = settle(&[vec![1, 2], vec![3, 4, 5], vec![8, 9]], &b);
        assert_eq!(
            s.assigned,
            [
                Assigned::New {
                    split_from: Some(7)
                },
                Assigned::Keep(7),
                Assigned::New { split_from: None },
            ]
        );
        assert!(s.merged.is_empty());
    }

    #[test]
    fn a_cluster_split_between_two_others_merges_into_the_one_with_most_of_it() {
        // 7 = {1,2,3}; 4 = {4,5,6,7}; 5 = {8,9,10,11}. Now {1,2,4,5,6,7} and {3,8,9,10,11}.
        let b = before(&[
            (1, 7),
            (2, 7),
            (3, 7),
            (4, 4),
            (5, 4),
            (6, 4),
            (7, 4),
            (8, 5),
            (9, 5),
            (10, 5),
            (11, 5),
        ]);
        let s = settle(&[vec![1, 2, 4, 5, 6, 7], vec![3, 8, 9, 10, 11]], &b);
        assert_eq!(s.assigned, [Assigned::Keep(4), Assigned::Keep(5)]);
        assert_eq!(s.merged, [(7, 0)]);
    }

    fn partition(n: usize, labels: &[usize]) -> Vec<Vec<i64>> {
        let mut groups: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        for (case, l) in labels.iter().enumerate().take(n) {
            groups.entry(*l).or_default().push(case as i64);
        }
        groups.into_values().filter(|g| g.len() >= 2).collect()
    }

    proptest! {
        /// Whatever came before: no number goes to two components, every numbered cluster
        /// with cases in the components is kept or merged (not both, not neither), and a
        /// merge points to a component holding some of its cases.
        #[test]
        fn numbers_are_kept_once_and_every_old_cluster_is_accounted_for(
            now in proptest::collection::vec(0usize..6, 1..40),
            old in proptest::collection::vec(proptest::option::of(0i64..5), 1..40),
        ) {
            let components = partition(now.len(), &now);
            let b: HashMap<i64, i64> = old
                .iter()
                .enumerate()
                .filter_map(|(c, k)| k.map(|k| (c as i64, k + 100)))
                .collect();
            let s = settle(&components, &b);
            prop_assert_eq!(s.assigned.len(), components.len());
            let kept: Vec<i64> = s.assigned.iter().filter_map(|a| match a { Assigned::Keep(k) => Some(*k), _ => None }).collect();
            let mut unique = kept.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), kept.len());
            let present: std::collections::BTreeSet<i64> = components.iter().flatten().filter_map(|c| b.get(c).copied()).collect();
            for k in &present {
                let is_kept = kept.contains(k);
                let is_merged = s.merged.iter().any(|(m, _)| m == k);
                prop_assert!(is_kept != is_merged, "cluster {} kept {} merged {}", k, is_kept, is_merged);
            }
            for (k, i) in &s.merged {
                prop_assert!(components[*i].iter().any(|c| b.get(c) == Some(k)));
            }
            // A component keeps a number only if it holds some of that cluster's cases.
            for (i, a) in s.assigned.iter().enumerate() {
                if let Assigned::Keep(k) = a {
                    prop_assert!(components[i].iter().any(|c| b.get(c) == Some(k)));
                }
            }
        }

        /// Running again on its own result changes nothing: numbers are stable while the
        /// components are.
        #[test]
        fn settling_twice_keeps_every_number(now in proptest::collection::vec(0usize..6, 1..40)) {
            let components = partition(now.len(), &now);
            let first = settle(&components, &HashMap::new());
            let mut b = HashMap::new();
            for (i, members) in components.iter().enumerate() {
                prop_assert_eq!(first.assigned[i], Assigned::New { split_from: None });
                for c in members {
                    b.insert(*c, 1000 + i as i64);
                }
            }
            let again = settle(&components, &b);
            for (i, a) in again.assigned.iter().enumerate() {
                prop_assert_eq!(*a, Assigned::Keep(1000 + i as i64));
            }
            prop_assert!(again.merged.is_empty());
        }
    }
}
