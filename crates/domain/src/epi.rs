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
}
