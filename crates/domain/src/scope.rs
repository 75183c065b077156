//! A caller's jurisdiction: the subtrees of administrative units whose records it may see.
//!
//! Every read of personal data is filtered by a `Scope`; a record outside it is treated as
//! if it did not exist (the API answers 404, not 403, so existence does not leak).

use crate::units::{Structure, UnitPath};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The whole country and every partner locality (unit code `VN`).
    everything: bool,
    /// Subtree roots, per structure. Never overlapping after `normalise`.
    roots: Vec<(Structure, UnitPath)>,
}

impl Scope {
    pub fn everything() -> Scope {
        Scope {
            everything: true,
            roots: Vec::new(),
        }
    }

    /// A scope of the given subtrees; nested roots are folded into their ancestors.
    pub fn of(roots: impl IntoIterator<Item = (Structure, UnitPath)>) -> Scope {
        let mut roots: Vec<_> = roots.into_iter().collect();
        roots.sort();
        roots.dedup();
        let mut kept: Vec<(Structure, UnitPath)> = Vec::with_capacity(roots.len());
        for (s, p) in roots {
            // Sorted order puts an ancestor right before its descendants.
            if let Some((ls, lp)) = kept.last() {
                if *ls == s && lp.contains(&p) {
                    continue;
                }
            }
            kept.push((s, p));
        }
        Scope {
            everything: false,
            roots: kept,
        }
    }

    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// The subtree roots in one structure (empty for `everything`: check that first).
    pub fn roots_in(&self, structure: Structure) -> impl Iterator<Item = &UnitPath> {
        self.roots
            .iter()
            .filter(move |(s, _)| *s == structure)
            .map(|(_, p)| p)
    }

    pub fn roots(&self) -> &[(Structure, UnitPath)] {
        &self.roots
    }

    pub fn contains(&self, structure: Structure, path: &UnitPath) -> bool {
        self.everything || self.roots_in(structure).any(|root| root.contains(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::UnitCode;

    fn path(codes: &[&str]) -> UnitPath {
        codes.iter().fold(UnitPath::root(), |p, c| {
            p.child(&UnitCode::parse(c).unwrap())
        })
    }

    #[test]
    fn scope_contains_its_subtrees_only() {
        let scope = Scope::of([(Structure::S2021, path(&["01", "001"]))]);
        assert!(scope.contains(Structure::S2021, &path(&["01", "001", "00001"])));
        assert!(!scope.contains(Structure::S2021, &path(&["01", "002", "00040"])));
        assert!(!scope.contains(Structure::S2021, &path(&["01"])));
        // The same codes in the other structure are other territory.
        assert!(!scope.contains(Structure::S2025, &path(&["01", "001", "00001"])));
        assert!(Scope::everything().contains(Structure::S2025, &path(&["79"])));
    }

    #[test]
    fn nested_roots_fold_into_ancestor() {
        let scope = Scope::of([
            (Structure::S2021, path(&["01", "001"])),
            (Structure::S2021, path(&["01"])),
            (Structure::S2021, path(&["01", "001", "00001"])),
        ]);
        assert_eq!(scope.roots().len(), 1);
        assert_eq!(scope.roots()[0].1, path(&["01"]));
    }
}
