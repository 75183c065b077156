//! Links the caller knows outside check-ins: households, declared contacts, isolation times.

use crate::{PersonIdx, TraceError};

/// The largest household (or other group) [`Adjacency::from_groups`] accepts: a group of `k`
/// stores `k * (k - 1)` links, so a dormitory entered as one household would cost megabytes
/// and make every member an F1 of every other.
pub const MAX_GROUP: usize = 1_000;

/// Undirected person → persons links in CSR form (households).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Adjacency {
    offsets: Vec<u32>,
    targets: Vec<PersonIdx>,
}

impl Adjacency {
    /// No links at all.
    pub fn empty() -> Adjacency {
        Adjacency::default()
    }

    /// Links each pair both ways; self-pairs and repeats are dropped.
    pub fn from_pairs(
        n_people: u32,
        pairs: &[(PersonIdx, PersonIdx)],
    ) -> Result<Adjacency, TraceError> {
        let mut both = Vec::with_capacity(2 * pairs.len());
        for (at, &(a, b)) in pairs.iter().enumerate() {
            check_person(at, a, n_people)?;
            check_person(at, b, n_people)?;
            if a != b {
                both.push((a, b));
                both.push((b, a));
            }
        }
        Ok(Adjacency::from_directed(n_people, both))
    }

    /// Links every member of each group to every other member (households).
    pub fn from_groups<G: AsRef<[PersonIdx]>>(
        n_people: u32,
        groups: &[G],
    ) -> Result<Adjacency, TraceError> {
        let mut both = Vec::new();
        for (at, group) in groups.iter().enumerate() {
            let group = group.as_ref();
            if group.len() > MAX_GROUP {
                return Err(TraceError::GroupTooLarge {
                    at,
                    len: group.len(),
                    max: MAX_GROUP,
                });
            }
            for &p in group {
                check_person(at, p, n_people)?;
            }
            for &a in group {
                both.extend(group.iter().filter(|&&b| b != a).map(|&b| (a, b)));
            }
        }
        Ok(Adjacency::from_directed(n_people, both))
    }

    fn from_directed(n_people: u32, mut pairs: Vec<(PersonIdx, PersonIdx)>) -> Adjacency {
        pairs.sort_unstable();
        pairs.dedup();
        let (offsets, targets) = csr(n_people, &pairs, |&(a, _)| a, |&(_, b)| b);
        Adjacency { offsets, targets }
    }

    /// The persons linked to `person` (none if it is beyond the people known when built).
    #[inline]
    pub fn row(&self, person: PersonIdx) -> &[PersonIdx] {
        row(&self.offsets, &self.targets, person)
    }

    pub fn bytes(&self) -> usize {
        4 * (self.offsets.capacity() + self.targets.capacity())
    }
}

/// A declared contact between two persons at a time, in a setting the caller numbers
/// (e.g. 0 = unspecified, 1 = work, 2 = meal...). The engine only carries the setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeclaredContact {
    pub a: PersonIdx,
    pub b: PersonIdx,
    pub t_s: i64,
    pub setting: u8,
}

/// One entry of a person's declared contacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeclaredEdge {
    pub person: PersonIdx,
    pub t_s: i64,
    pub setting: u8,
}

/// Declared contacts, person → (person, time, setting), in CSR form; each declaration
/// counts for both persons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    offsets: Vec<u32>,
    edges: Vec<DeclaredEdge>,
}

impl Declared {
    pub fn empty() -> Declared {
        Declared::default()
    }

    /// Self-contacts and exact repeats are dropped.
    pub fn from_contacts(
        n_people: u32,
        contacts: &[DeclaredContact],
    ) -> Result<Declared, TraceError> {
        let mut both = Vec::with_capacity(2 * contacts.len());
        for (at, c) in contacts.iter().enumerate() {
            check_person(at, c.a, n_people)?;
            check_person(at, c.b, n_people)?;
            if c.a != c.b {
                both.push((c.a, c.t_s, c.b, c.setting));
                both.push((c.b, c.t_s, c.a, c.setting));
            }
        }
        both.sort_unstable();
        both.dedup();
        let (offsets, edges) = csr(
            n_people,
            &both,
            |&(a, ..)| a,
            |&(_, t_s, person, setting)| DeclaredEdge {
                person,
                t_s,
                setting,
            },
        );
        Ok(Declared { offsets, edges })
    }

    /// The contacts `person` declared or was declared in, by time.
    #[inline]
    pub fn row(&self, person: PersonIdx) -> &[DeclaredEdge] {
        row(&self.offsets, &self.edges, person)
    }

    pub fn bytes(&self) -> usize {
        4 * self.offsets.capacity() + self.edges.capacity() * std::mem::size_of::<DeclaredEdge>()
    }
}

/// When known F1s were isolated; an F1's contacts count as F2 only until then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Isolation {
    people: Vec<PersonIdx>,
    at_s: Vec<i64>,
}

static NO_ISOLATION: Isolation = Isolation::none();

impl Isolation {
    /// Nobody's isolation time is known: every F1 gets the default.
    pub const fn none() -> Isolation {
        Isolation {
            people: Vec::new(),
            at_s: Vec::new(),
        }
    }

    pub(crate) fn none_ref() -> &'static Isolation {
        &NO_ISOLATION
    }

    /// `(person, isolated_at_s)` pairs; a person listed twice keeps the earlier time.
    pub fn new(mut pairs: Vec<(PersonIdx, i64)>) -> Isolation {
        pairs.sort_unstable();
        pairs.dedup_by_key(|&mut (p, _)| p);
        Isolation {
            people: pairs.iter().map(|&(p, _)| p).collect(),
            at_s: pairs.iter().map(|&(_, t)| t).collect(),
        }
    }

    pub fn get(&self, person: PersonIdx) -> Option<i64> {
        self.people
            .binary_search(&person)
            .ok()
            .map(|at| self.at_s[at])
    }
}

fn check_person(at: usize, person: PersonIdx, n_people: u32) -> Result<(), TraceError> {
    if person < n_people {
        Ok(())
    } else {
        Err(TraceError::PersonOutOfRange {
            at,
            person,
            n_people,
        })
    }
}

/// CSR over `n_people` rows from items sorted by their row.
fn csr<S, T>(
    n_people: u32,
    sorted: &[S],
    row_of: impl Fn(&S) -> PersonIdx,
    value: impl Fn(&S) -> T,
) -> (Vec<u32>, Vec<T>) {
    let mut offsets = vec![0u32; n_people as usize + 1];
    for s in sorted {
        offsets[row_of(s) as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    (offsets, sorted.iter().map(value).collect())
}

#[inline]
fn row<'a, T>(offsets: &[u32], items: &'a [T], person: PersonIdx) -> &'a [T] {
    let p = person as usize;
    match (offsets.get(p), offsets.get(p + 1)) {
        (Some(&a), Some(&b)) => &items[a as usize..b as usize],
        _ => &[],
    }
}
