//! The vocabulary of the epidemic records: venues, check-ins, cases, tests, doses.

use crate::slug_enum;

slug_enum!(
    /// What a venue is; tracing rules (minimum overlap) and transmission settings depend on it.
    VenueKind {
        Market = "market",
        Supermarket = "supermarket",
        Restaurant = "restaurant",
        Cafe = "cafe",
        Office = "office",
        Factory = "factory",
        IndustrialPark = "industrial_park",
        School = "school",
        Hospital = "hospital",
        Clinic = "clinic",
        Pagoda = "pagoda",
        Church = "church",
        ApartmentLobby = "apartment_lobby",
        BusStation = "bus_station",
    }
);

impl VenueKind {
    /// The Vietnamese name of the kind, for pages and posters.
    pub fn label_vi(self) -> &'static str {
        match self {
            VenueKind::Market => "Chợ",
            VenueKind::Supermarket => "Siêu thị",
            VenueKind::Restaurant => "Nhà hàng",
            VenueKind::Cafe => "Quán cà phê",
            VenueKind::Office => "Văn phòng",
            VenueKind::Factory => "Nhà máy",
            VenueKind::IndustrialPark => "Khu công nghiệp",
            VenueKind::School => "Trường học",
            VenueKind::Hospital => "Bệnh viện",
            VenueKind::Clinic => "Phòng khám",
            VenueKind::Pagoda => "Chùa",
            VenueKind::Church => "Nhà thờ",
            VenueKind::ApartmentLobby => "Sảnh chung cư",
            VenueKind::BusStation => "Bến xe",
        }
    }
}

slug_enum!(
    /// Who scanned: the visitor scanned the venue's QR, or the venue's staff scanned the
    /// visitor's personal QR (PC-Covid, VNeID, chip ID card).
    ScanMode {
        SelfScan = "self_scan",
        StaffScan = "staff_scan",
    }
);

slug_enum!(
    /// Severity classes of Decision 4689/QĐ-BYT.
    Severity {
        Asymptomatic = "asymptomatic",
        Mild = "mild",
        Moderate = "moderate",
        Severe = "severe",
        Critical = "critical",
    }
);

slug_enum!(
    CaseStatus {
        /// Under isolation or treatment.
        Active = "active",
        Recovered = "recovered",
        Died = "died",
    }
);

/// Why a change of a case's status is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRefusal {
    /// The move is not one the case's life allows (see [`CaseStatus::can_move_to`]).
    Transition,
    /// The change is dated before what the record already holds: the case's current status,
    /// its confirming test or its onset.
    TooEarly,
}

impl CaseStatus {
    /// The moves a case may make. Only an active case changes: its severity and isolation
    /// (active → active), and its outcome (→ recovered, → died). Both outcomes are final.
    /// A reinfection after recovery is a new case registered from its own positive test
    /// (`POST /api/v1/cases`), so that its test, onset and history start afresh and the first
    /// episode's stay in the tallies is not rewritten; a recovery or death recorded by mistake
    /// is corrected by an administrator in the database, with its audit.
    pub fn can_move_to(self, to: CaseStatus) -> bool {
        match (self, to) {
            (CaseStatus::Active, _) => true,
            (CaseStatus::Recovered | CaseStatus::Died, _) => false,
        }
    }
}

/// Whether a case whose status is `from` since `since_s` (its last recorded change, or its
/// confirmation, onset or outcome when later) may change to `to` at `at_s`. A change dated at
/// or after the last one keeps the history, read in time order, ending on the case's status.
pub fn check_status_change(
    from: CaseStatus,
    since_s: i64,
    to: CaseStatus,
    at_s: i64,
) -> Result<(), StatusRefusal> {
    if !from.can_move_to(to) {
        Err(StatusRefusal::Transition)
    } else if at_s < since_s {
        Err(StatusRefusal::TooEarly)
    } else {
        Ok(())
    }
}

slug_enum!(
    TestKind {
        Pcr = "pcr",
        Antigen = "antigen",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for k in VenueKind::ALL {
            assert_eq!(k.as_str().parse::<VenueKind>(), Ok(*k));
        }
        assert_eq!(
            "karaoke".parse::<VenueKind>(),
            Err(crate::Reason::UnknownValue)
        );
        assert_eq!("staff_scan".parse::<ScanMode>(), Ok(ScanMode::StaffScan));
        assert_eq!(Severity::ALL.len(), 5);
    }

    #[test]
    fn only_active_cases_change_and_never_back_in_time() {
        use CaseStatus::*;
        for to in CaseStatus::ALL {
            assert!(Active.can_move_to(*to));
            assert!(!Died.can_move_to(*to), "died is final");
            assert!(!Recovered.can_move_to(*to), "a reinfection is a new case");
        }
        assert_eq!(
            check_status_change(Died, 100, Active, 200),
            Err(StatusRefusal::Transition)
        );
        assert_eq!(
            check_status_change(Active, 100, Died, 99),
            Err(StatusRefusal::TooEarly)
        );
        assert_eq!(check_status_change(Active, 100, Recovered, 100), Ok(()));
    }
}
