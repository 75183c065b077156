//! The communes of the chosen province (2021 structure) and their districts.

use domain::{Structure, UnitLevel, UnitType};

use super::Commune;
use crate::params::{Params, SimError};

/// What `build` returns besides the people: the province's communes and their districts.
pub(crate) struct Geography {
    pub communes: Vec<Commune>,
    /// Dense district index of each commune.
    pub district_of: Vec<u32>,
    pub districts: usize,
}

pub(crate) fn geography(params: &Params) -> Result<Geography, SimError> {
    let units =
        domain::refdata::units(Structure::S2021).map_err(|e| SimError::RefData(e.to_string()))?;
    let code = params.province_code.as_str();
    let province = units
        .iter()
        .find(|u| {
            u.level == UnitLevel::Province && u.code.as_str() == code && !u.unit_type.is_foreign()
        })
        .ok_or_else(|| SimError::UnknownProvince(code.to_string()))?;
    let prefix = province.path.as_str().to_string();
    let districts: Vec<&domain::Unit> = units
        .iter()
        .filter(|u| u.level == UnitLevel::District && u.path.as_str().starts_with(&prefix))
        .collect();
    let mut communes = Vec::new();
    let mut district_of = Vec::new();
    for u in units
        .iter()
        .filter(|u| u.level == UnitLevel::Commune && u.path.as_str().starts_with(&prefix))
    {
        let parent = u.parent_code.as_ref().map(|c| c.as_str()).unwrap_or("");
        let Some(d) = districts.iter().position(|d| d.code.as_str() == parent) else {
            continue;
        };
        communes.push(Commune {
            code: u.code.as_str().to_string(),
            name: u.name.clone(),
            unit_type: u.unit_type,
            urban: matches!(u.unit_type, UnitType::Phuong | UnitType::ThiTran),
            district_code: parent.to_string(),
            district_name: districts[d].name.clone(),
            lat: u.lat.or(districts[d].lat).unwrap_or(0.0),
            lon: u.lon.or(districts[d].lon).unwrap_or(0.0),
            population: 0,
        });
        district_of.push(d as u32);
    }
    if communes.is_empty() {
        return Err(SimError::UnknownProvince(code.to_string()));
    }
    Ok(Geography {
        communes,
        district_of,
        districts: districts.len(),
    })
}

/// Splits `total` over weights by largest remainder, so the parts sum exactly.
pub(super) fn apportion(total: u32, weights: &[f64]) -> Vec<u32> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * f64::from(total)).collect();
    let mut parts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let given: u32 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        parts[i] += 1;
    }
    parts
}
