//! Our records as FHIR R4 resources, the parts the API's reads (`/fhir/Patient/{id}/$everything`)
//! and a hand-over's Bundle (`App::case_bundle`) both write: units with their names, and a
//! person's doses and stays with the facilities and units they name.

use std::collections::BTreeMap;

use domain::{CaseId, FacilityId, PersonId, Structure, UnitLevel};
use fhir::model::{Organization, Resource};
use fhir::out::{self, UnitNames};
use fhir::Installation;
use store::{Caller, StayEpisode, StoreError};

use crate::registry::Registry;
use crate::App;

/// A unit with its commune, district and province names (the district and province only
/// when they are not the unit itself).
pub fn unit_names(structure: Structure, code: &str) -> UnitNames {
    let reg = Registry::of(structure);
    let name_at = |level| reg.ancestor_at(code, level).map(|u| u.full_name());
    let level = reg.get(code).map(|u| u.level);
    UnitNames {
        structure: structure.as_str().into(),
        code: code.into(),
        name: reg.name(code),
        district: name_at(UnitLevel::District)
            .filter(|_| level.is_some_and(|l| l != UnitLevel::District)),
        province: name_at(UnitLevel::Province)
            .filter(|_| level.is_some_and(|l| l != UnitLevel::Province)),
    }
}

/// Organizations by id: each unit or facility once, however many resources name it.
pub type Organizations = BTreeMap<String, Organization>;

impl App {
    /// The Immunizations of `person`'s doses (given in units of `structure`) and the
    /// Encounters of `stays` (those of case `only_case`, when given) with their facilities'
    /// Locations; the units and facilities they
    /// name go into `orgs`. A facility outside the caller's scope is named by its stay only.
    /// The reads are audited by the store (at `now_s`).
    #[allow(clippy::too_many_arguments)]
    pub async fn care_resources(
        &self,
        caller: &Caller,
        at: &Installation,
        person: PersonId,
        structure: Structure,
        stays: &[StayEpisode],
        only_case: Option<CaseId>,
        orgs: &mut Organizations,
        now_s: i64,
    ) -> Result<Vec<Resource>, StoreError> {
        let mut res = Vec::new();
        for dose in self
            .store
            .person_doses(caller, person, now_s)
            .await?
            .unwrap_or_default()
        {
            let place = unit_names(structure, dose.place.as_str());
            orgs.entry(out::unit_id(&place))
                .or_insert_with(|| out::unit_organization(&place));
            res.push(Resource::Immunization(out::immunization(
                person, &dose, &place,
            )));
        }
        let mut locations = BTreeMap::new();
        for s in stays
            .iter()
            .filter(|s| only_case.is_none_or(|c| s.case_id == Some(c.0)))
        {
            res.push(Resource::Encounter(out::encounter(at, person, s)));
            let Some(fid) = s.facility_id else { continue };
            if locations.contains_key(&fid) {
                continue;
            }
            // A facility id has no public constructor: it is made by parsing, as from a path.
            let Ok(f) = fid.to_string().parse::<FacilityId>() else {
                continue;
            };
            if let Some(fb) = self.store.get_facility(&caller.scope, f).await? {
                let f = &fb.facility;
                let fu = unit_names(f.structure, f.unit_code.as_str());
                orgs.entry(out::unit_id(&fu))
                    .or_insert_with(|| out::unit_organization(&fu));
                orgs.insert(
                    format!("facility-{fid}"),
                    out::facility_organization(at, f, &fu),
                );
                locations.insert(fid, out::location(at, f, &fb.beds, &fu));
            }
        }
        res.extend(locations.into_values().map(Resource::Location));
        Ok(res)
    }
}
