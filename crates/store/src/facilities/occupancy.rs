//! Occupancy: occupied beds per facility and day; capacity and beds occupied per unit.

use std::collections::BTreeMap;

use sqlx::Row;

use domain::facility::BedType;
use domain::{FacilityId, Scope, Structure, UnitLevel};

use super::{corrupt, CasesInCare, OccupancyPoint, UnitBeds, SERIES_DAYS_MAX};
use crate::sql::{Sql, Val};
use crate::vaccination::{code_of_path, count, path_len};
use crate::{Result, Store};

impl Store {
    /// Occupied beds at the end of each local day of `[from_day, from_day + days)` for every
    /// facility in the scope (optionally one), by bed type: one read of the stays that
    /// overlap the period, then a sweep. Days since 1970-01-01 in a locality `utc_offset_s`
    /// ahead of UTC.
    pub async fn occupancy_series(
        &self,
        scope: &Scope,
        structure: Structure,
        facility_id: Option<FacilityId>,
        from_day: i64,
        days: i64,
        utc_offset_s: i64,
    ) -> Result<Vec<OccupancyPoint>> {
        let days = days.clamp(0, SERIES_DAYS_MAX);
        let end_of = |day: i64| (day + 1) * 86_400 - utc_offset_s;
        let (start_s, end_s) = (end_of(from_day - 1), end_of(from_day + days - 1));
        let mut sql = Sql::new(
            self.dialect,
            "SELECT facility_id, bed_type, from_s, until_s FROM stays WHERE place = 'facility' AND structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("unit_path", scope, structure);
        if let Some(f) = facility_id {
            sql.push(" AND facility_id = ").bind(Val::Int(f.get()));
        }
        sql.push(" AND from_s < ").bind(Val::Int(end_s));
        sql.push(" AND (until_s IS NULL OR until_s >= ")
            .bind(Val::Int(start_s));
        sql.push(")");
        // Per (facility, bed): +1 on the day a stay starts, -1 the day after its last night.
        let mut deltas: BTreeMap<(FacilityId, BedType), Vec<i64>> = BTreeMap::new();
        let day_of = |t: i64| (t + utc_offset_s).div_euclid(86_400);
        for r in sql.query().fetch_all(&self.pool).await? {
            let bed: String = r.try_get(1)?;
            let bed: BedType = bed.parse().map_err(|_| corrupt("stays.bed_type"))?;
            let key = (FacilityId::new(r.try_get(0)?), bed);
            let d = deltas
                .entry(key)
                .or_insert_with(|| vec![0; days as usize + 1]);
            // Counted on a day when still there at its end.
            let first = (day_of(r.try_get(2)?) - from_day).max(0);
            let gone = r
                .try_get::<Option<i64>, _>(3)?
                .map_or(days, |u: i64| (day_of(u) - from_day).clamp(0, days));
            if first < gone {
                d[first as usize] += 1;
                d[gone as usize] -= 1;
            }
        }
        let mut out = Vec::new();
        for ((facility_id, bed_type), d) in deltas {
            let mut n = 0;
            for (i, delta) in d.iter().take(days as usize).enumerate() {
                n += delta;
                out.push(OccupancyPoint {
                    day: from_day + i as i64,
                    facility_id,
                    bed_type,
                    occupied: n,
                });
            }
        }
        Ok(out)
    }

    /// F0 in care at `at_s` within the scope (stays open then, of a case), by the case's
    /// severity and where they are (a bed type, or home): the share of each severity cared
    /// for at home, as the locality's records show it.
    pub async fn cases_in_care(
        &self,
        scope: &Scope,
        structure: Structure,
        at_s: i64,
    ) -> Result<Vec<CasesInCare>> {
        let mut sql = Sql::new(
            self.dialect,
            "SELECT c.severity, CASE WHEN s.place = 'home' THEN NULL ELSE s.bed_type END AS bed,
             COUNT(*) FROM stays s JOIN cases c ON c.id = s.case_id WHERE s.structure = ",
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("s.unit_path", scope, structure);
        sql.push(" AND s.from_s <= ").bind(Val::Int(at_s));
        sql.push(" AND (s.until_s IS NULL OR s.until_s > ")
            .bind(Val::Int(at_s));
        sql.push(") GROUP BY c.severity, bed");
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let severity: String = r.try_get(0)?;
                let bed: Option<String> = r.try_get(1)?;
                Ok(CasesInCare {
                    severity: severity.parse().map_err(|_| corrupt("cases.severity"))?,
                    bed_type: bed
                        .map(|b| b.parse().map_err(|_| corrupt("stays.bed_type")))
                        .transpose()?,
                    n: r.try_get(2)?,
                })
            })
            .collect()
    }

    /// Capacity and beds occupied at `at_s` for every unit of `level` in the scope and bed
    /// type, in one query. Capacity is the facilities' current one (its history is not
    /// kept); occupied counts the stays open at `at_s`.
    pub async fn beds_by_unit(
        &self,
        scope: &Scope,
        structure: Structure,
        level: UnitLevel,
        at_s: i64,
    ) -> Result<Vec<UnitBeds>> {
        let Some(len) = path_len(structure, level) else {
            return Ok(Vec::new());
        };
        let pre = |t: &str| format!("SUBSTR({t}.unit_path, 1, {len})");
        let (pf, ps) = (pre("f"), pre("s"));
        let mut sql = Sql::new(
            self.dialect,
            &format!(
                "SELECT pre, bed_type, CAST(SUM(cap) AS BIGINT), CAST(SUM(occ) AS BIGINT) FROM (
                 SELECT {pf} AS pre, b.bed_type, SUM(b.capacity) AS cap, 0 AS occ
                 FROM facilities f JOIN facility_beds b ON b.facility_id = f.id WHERE f.structure = "
            ),
        );
        sql.bind(Val::Text(structure.as_str().into()));
        sql.push_scope("f.unit_path", scope, structure);
        sql.push(&format!(
            " GROUP BY {pf}, b.bed_type UNION ALL SELECT {ps} AS pre, s.bed_type, 0, COUNT(*)
             FROM stays s WHERE s.place = 'facility' AND s.structure = "
        ))
        .bind(Val::Text(structure.as_str().into()));
        sql.push_scope("s.unit_path", scope, structure);
        sql.push(" AND s.from_s <= ").bind(Val::Int(at_s));
        sql.push(" AND (s.until_s IS NULL OR s.until_s > ")
            .bind(Val::Int(at_s));
        sql.push(&format!(
            ") GROUP BY {ps}, s.bed_type) t GROUP BY pre, bed_type ORDER BY pre, bed_type"
        ));
        sql.query()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                let pre: String = r.try_get(0)?;
                let bed: String = r.try_get(1)?;
                Ok(UnitBeds {
                    unit_code: code_of_path(&pre),
                    bed_type: bed.parse().map_err(|_| corrupt("beds.bed_type"))?,
                    capacity: count(r, 2)?,
                    occupied: count(r, 3)?,
                })
            })
            .collect()
    }
}
