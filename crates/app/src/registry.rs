//! The administrative units in memory, for pages and maps: names, levels, parents and
//! children by code. Built once from the embedded reference data (the same the database's
//! registry is loaded from), so a page never queries SQL for a unit's name.

use std::collections::HashMap;
use std::sync::OnceLock;

use domain::{Structure, Unit, UnitLevel};

fn fold(s: &str) -> String {
    domain::text::fold_diacritics(s.trim())
}

pub struct Registry {
    units: Vec<Unit>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
    /// Each unit's name and full name folded (`domain::text::fold_diacritics`), for finding
    /// a unit by what a user types.
    folded: Vec<(String, String)>,
}

impl Registry {
    /// The registry of a structure; empty (and logged) if the embedded data could not be read,
    /// which a test rules out.
    pub fn of(structure: Structure) -> &'static Registry {
        static R2021: OnceLock<Registry> = OnceLock::new();
        static R2025: OnceLock<Registry> = OnceLock::new();
        let cell = match structure {
            Structure::S2021 => &R2021,
            Structure::S2025 => &R2025,
        };
        cell.get_or_init(|| {
            let units = domain::refdata::units(structure).unwrap_or_else(|e| {
                tracing::error!("units {}: {e}", structure.as_str());
                Vec::new()
            });
            Registry::new(units)
        })
    }

    fn new(units: Vec<Unit>) -> Registry {
        let by_code = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.to_string(), i))
            .collect();
        let mut children: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            let parent = u
                .parent_code
                .as_ref()
                .map_or(String::new(), |p| p.to_string());
            children.entry(parent).or_default().push(i);
        }
        let folded = units
            .iter()
            .map(|u| (fold(&u.name), fold(&u.full_name())))
            .collect();
        Registry {
            units,
            by_code,
            children,
            folded,
        }
    }

    /// The units within `scope` a user means by `typed`: a code, or a name with or without
    /// its type and diacritics ("phuc xa", "Phường Phúc Xá"), optionally followed by a
    /// comma and a parent's name ("trung hoa, cau giay"). Exact names first, then names
    /// that begin so; at most `limit`, in reference order.
    pub fn find(&self, typed: &str, scope: &domain::Scope, limit: usize) -> Vec<&Unit> {
        let typed = typed.trim();
        let in_scope = |u: &Unit| scope.contains(u.structure, &u.path);
        if let Some(u) = self.get(typed) {
            return if in_scope(u) { vec![u] } else { Vec::new() };
        }
        let mut parts = typed.split(',').map(fold);
        let name = parts.next().unwrap_or_default();
        let parent = parts.next().filter(|p| !p.is_empty());
        if name.is_empty() {
            return Vec::new();
        }
        let under = |u: &Unit| {
            let Some(parent) = &parent else { return true };
            let mut at = u.parent_code.as_ref();
            while let Some(code) = at {
                let Some(&i) = self.by_code.get(code.as_str()) else {
                    return false;
                };
                let (bare, full) = &self.folded[i];
                if bare == parent || full == parent {
                    return true;
                }
                at = self.units[i].parent_code.as_ref();
            }
            false
        };
        for exact in [true, false] {
            let found: Vec<&Unit> = self
                .units
                .iter()
                .zip(&self.folded)
                .filter(|(_, (bare, full))| {
                    if exact {
                        *bare == name || *full == name
                    } else {
                        bare.starts_with(&name) || full.starts_with(&name)
                    }
                })
                .map(|(u, _)| u)
                .filter(|u| in_scope(u) && under(u))
                .take(limit)
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code).map(|&i| &self.units[i])
    }

    /// The unit's name as people say it ("Phường Phúc Xá"), or the code if unknown.
    pub fn name(&self, code: &str) -> String {
        self.get(code)
            .map_or_else(|| code.to_string(), Unit::full_name)
    }

    /// A unit and its parent by name, "Phường Phúc Xá, Quận Ba Đình" (a province alone: its
    /// parent is the country); the code when unknown.
    pub fn name_with_parent(&self, code: &str) -> String {
        match self
            .get(code)
            .and_then(|u| u.parent_code.as_ref())
            .and_then(|p| self.get(p.as_str()))
            .filter(|p| p.level != domain::UnitLevel::Province)
        {
            Some(parent) => format!("{}, {}", self.name(code), parent.full_name()),
            None => self.name(code),
        }
    }

    /// Direct children; the provinces (and partner countries) for `""`.
    pub fn children(&self, code: &str) -> impl Iterator<Item = &Unit> {
        self.children
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.units[i])
    }

    /// Every commune under `code` (the unit itself if it is a commune).
    pub fn communes_under(&self, code: &str) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut stack = vec![code.to_string()];
        while let Some(c) = stack.pop() {
            match self.get(&c) {
                Some(u) if u.level == UnitLevel::Commune => out.push(u),
                _ => stack.extend(self.children(&c).map(|u| u.code.to_string())),
            }
        }
        out
    }

    /// The ancestor of `code` at `level` (itself if it is at that level).
    pub fn ancestor_at(&self, code: &str, level: UnitLevel) -> Option<&Unit> {
        let mut u = self.get(code)?;
        loop {
            if u.level == level {
                return Some(u);
            }
            u = self.get(&u.parent_code.as_ref()?.to_string())?;
        }
    }

    pub fn provinces(&self) -> impl Iterator<Item = &Unit> {
        self.children("").filter(|u| u.level == UnitLevel::Province)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_knows_names_parents_and_communes() {
        let r = Registry::of(Structure::S2021);
        assert_eq!(r.provinces().count(), 63);
        assert_eq!(r.communes_under("01").len(), 526);
        assert_eq!(r.name("01"), "Thành phố Hà Nội");
        let district = r
            .ancestor_at("00001", UnitLevel::District)
            .map(|u| u.code.to_string());
        assert_eq!(district.as_deref(), Some("001"));
        assert_eq!(Registry::of(Structure::S2025).provinces().count(), 34);
    }

    #[test]
    fn a_unit_is_found_by_what_a_user_types() {
        let r = Registry::of(Structure::S2021);
        let all = domain::Scope::everything();
        let codes = |typed: &str, scope: &domain::Scope| -> Vec<String> {
            r.find(typed, scope, 20)
                .iter()
                .map(|u| u.code.to_string())
                .collect()
        };
        assert_eq!(codes("00001", &all), ["00001"]);
        assert_eq!(codes("phuc xa", &all), ["00001"]);
        assert_eq!(codes("Phường Phúc Xá", &all), ["00001"]);
        assert_eq!(codes("PHUONG PHUC XA, ba dinh", &all), ["00001"]);
        // A name several units share: each, and the parent tells them apart.
        let trung_hoa = codes("trung hoa", &all);
        assert!(trung_hoa.len() > 1, "{trung_hoa:?}");
        let cau_giay = codes("trung hoa, cau giay", &all);
        assert_eq!(cau_giay.len(), 1, "{cau_giay:?}");
        // Outside the caller's scope: nothing, even typed exactly.
        let tay_ho = r.get("003").unwrap();
        let scope = domain::Scope::of([(Structure::S2021, tay_ho.path.clone())]);
        assert!(codes("phuc xa", &scope).is_empty());
        assert!(codes("", &all).is_empty());
        // Begins with, when nothing is named so exactly.
        assert!(codes("hoan ki", &all).contains(&"002".to_string()));
    }
}
