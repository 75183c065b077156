//! Venue lists a district kept (kind `venues`): the place's name, its kind as the lists
//! wrote it ("Chợ", "Nhà hàng", "market" → `domain::epi::VenueKind`'s slugs, by the table
//! [`KIND_NAMES`]), its address, its commune by name (`row::resolve_unit`, narrowed by the
//! district's and province's cells), its capacity and opening hours. Each row is checked by
//! the venue form's own check (`venues::new_venue`) and written by its write
//! (`Store::create_venue_in`), all in one transaction with the import's record. A venue of
//! the same folded name in the same commune is already there (`VenueAlready`) and is not
//! written again, so a second import of the list (or of another list naming the same
//! places) changes nothing. After a commit the tracing index reloads its links, as after
//! the venue form, so the new venues' kinds set the overlap of contacts there.

use std::collections::HashSet;

use domain::epi::VenueKind;
use domain::text::fold_diacritics;
use domain::{FieldError, Reason, Structure};
use store::{Caller, NewImport, NewVenue};

use super::header::{Field, Mapping};
use super::named::{self, Sheet};
use super::row::{self, Cells};
use super::{
    Committed, ImportError, Kind, Outcome, Preview, Progress, RowError, RowPreview, Upload,
    PROGRESS_EVERY,
};
use crate::venues::{new_venue, VenueInput};
use crate::App;

/// The names lists give each kind of venue, folded (lower case, no diacritics): Vietnamese
/// first, then English. A kind's slug and its page label are recognised too.
pub const KIND_NAMES: &[(VenueKind, &[&str])] = &[
    (VenueKind::Market, &["cho", "cho dan sinh", "market"]),
    (
        VenueKind::Supermarket,
        &["sieu thi", "trung tam thuong mai", "supermarket", "mall"],
    ),
    (
        VenueKind::Restaurant,
        &["nha hang", "quan an", "restaurant", "eatery"],
    ),
    (
        VenueKind::Cafe,
        &["quan ca phe", "ca phe", "cafe", "coffee", "coffee shop"],
    ),
    (VenueKind::Office, &["van phong", "co quan", "office"]),
    (
        VenueKind::Factory,
        &["nha may", "xuong", "xi nghiep", "factory"],
    ),
    (
        VenueKind::IndustrialPark,
        &["khu cong nghiep", "kcn", "industrial park"],
    ),
    (VenueKind::School, &["truong hoc", "truong", "school"]),
    (VenueKind::Hospital, &["benh vien", "hospital"]),
    (VenueKind::Clinic, &["phong kham", "tram y te", "clinic"]),
    (VenueKind::Pagoda, &["chua", "den", "pagoda", "temple"]),
    (VenueKind::Church, &["nha tho", "church"]),
    (
        VenueKind::ApartmentLobby,
        &["sanh chung cu", "chung cu", "apartment lobby", "apartment"],
    ),
    (VenueKind::BusStation, &["ben xe", "bus station"]),
];

/// A kind as written, as the venue form's slug; an unknown one is passed on as typed, for
/// the form's check to name (`UnknownValue`).
pub fn kind_slug(s: &str) -> String {
    let f = fold_diacritics(s.trim())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    KIND_NAMES
        .iter()
        .find(|(k, names)| {
            names.contains(&f.as_str())
                || k.as_str() == f.replace(' ', "_")
                || fold_diacritics(k.label_vi()) == f
        })
        .map_or(f.clone(), |(k, _)| k.as_str().to_string())
}

/// Hours as typed ("7:00", "07:00:00", "7h", "7h30", a time cell read as
/// "1899-12-31 07:00:00") as the form's "HH:MM"; anything else as typed.
fn hours_text(s: &str) -> String {
    let t = s
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let (h, m) = match t.split_once(':').or_else(|| t.split_once('h')) {
        Some((h, rest)) => (h, rest.split(':').next().unwrap_or_default()),
        None => return s.trim().to_string(),
    };
    let m = if m.is_empty() { "0" } else { m };
    match (h.parse::<u32>(), m.parse::<u32>()) {
        (Ok(h), Ok(m)) if h <= 24 && m < 60 => format!("{h:02}:{m:02}"),
        _ => s.trim().to_string(),
    }
}

/// The column of the name: its own, else the person's name column (a sheet's "Tên").
fn name_field(m: &Mapping) -> Field {
    if m.column(Field::VenueName).is_some() || m.column(Field::FullName).is_none() {
        Field::VenueName
    } else {
        Field::FullName
    }
}

/// The column of a venue form's field.
fn column_of(m: &Mapping, form: &str) -> Option<Field> {
    Some(match form {
        "name" => name_field(m),
        "kind" => Field::VenueKind,
        "unit" | "structure" => Field::Commune,
        "address" => Field::Address,
        "capacity" => Field::Capacity,
        "opens" => Field::Opens,
        "closes" => Field::Closes,
        _ => return None,
    })
}

/// A row judged: the venue to write and what it is, or its refusals.
type Judged = Result<(NewVenue, Outcome), Vec<RowError>>;

impl App {
    async fn judge_venue_row(
        &self,
        caller: &Caller,
        sheet: &Sheet,
        cells: &[String],
        units: &mut row::UnitCache,
    ) -> Result<Judged, ImportError> {
        let m = &sheet.mapping;
        let c = Cells { mapping: m, cells };
        let mut errors: Vec<RowError> = Vec::new();
        let unit = match c.get(Field::Commune) {
            None => {
                errors.push(sheet.refusal(Field::Commune, Reason::Required));
                None
            }
            Some(commune) => {
                match units.resolve(commune, c.get(Field::District), c.get(Field::Province)) {
                    Ok(u) => Some(u),
                    Err(r) => {
                        errors.push(sheet.refusal(Field::Commune, r));
                        None
                    }
                }
            }
        };
        let (structure, unit) = match unit.as_deref().map(|u| u.strip_prefix("2025:")) {
            Some(Some(code)) => (Some("2025".to_string()), Some(code.to_string())),
            _ => (None, unit),
        };
        let capacity = match c.get(Field::Capacity) {
            None => None,
            Some(s) => match s.replace(['.', ',', ' '], "").parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(sheet.refusal(Field::Capacity, Reason::InvalidFormat));
                    None
                }
            },
        };
        let input = VenueInput {
            name: c.get(name_field(m)).map(str::to_string),
            kind: c.get(Field::VenueKind).map(kind_slug),
            unit,
            structure,
            address: c.get(Field::Address).map(str::to_string),
            capacity,
            opens: c.get(Field::Opens).map(hours_text),
            closes: c.get(Field::Closes).map(hours_text),
        };
        let checked = new_venue(&input);
        let form_errors: Vec<FieldError> = checked.as_ref().err().cloned().unwrap_or_default();
        for e in form_errors {
            let field = column_of(m, &e.field);
            // A field the row's own reading refused is not also named by the form's check.
            if !errors.iter().any(|r| r.field == field) {
                errors.push(match field {
                    Some(f) => sheet.refusal(f, e.reason),
                    None => RowError {
                        field: None,
                        column: None,
                        reason: e.reason,
                    },
                });
            }
        }
        let (Ok(venue), true) = (checked, errors.is_empty()) else {
            return Ok(Err(errors));
        };
        // Out of the caller's jurisdiction: refused here, as the store would at commit.
        let u = crate::registry::Registry::of(venue.structure).get(venue.unit_code.as_str());
        if !u.is_some_and(|u| caller.scope.contains(u.structure, &u.path)) {
            return Ok(Err(vec![sheet.refusal(Field::Commune, Reason::OutOfScope)]));
        }
        let known = self
            .store
            .venues_named(venue.structure, &venue.unit_code, &venue.name)
            .await?;
        let outcome = match known.first() {
            Some(id) => Outcome::VenueAlready(*id),
            None => Outcome::New,
        };
        Ok(Ok((venue, outcome)))
    }

    /// Reads and judges a venue list: the preview and the venues to write (line, venue).
    pub(super) async fn judge_venues(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<(Preview, Sheet, Vec<(usize, NewVenue)>), ImportError> {
        let sha256 = upload.sha256();
        let imported = self
            .store
            .import_by_hash(upload.kind.as_str(), &sha256)
            .await?;
        let mut sheet = Sheet::read(Kind::Venues, upload.bytes, mapping)?;
        let rows = std::mem::take(&mut sheet.rows);
        let total = rows.len();
        let mut previews = Vec::with_capacity(total);
        let mut ready = Vec::new();
        let mut units = row::UnitCache::default();
        // A place written once, however often the file repeats it.
        let mut seen: HashSet<(Structure, String, String)> = HashSet::new();
        for (i, (line, cells)) in rows.into_iter().enumerate() {
            if i % PROGRESS_EVERY == 0 {
                progress(i, total);
            }
            let judged = self
                .judge_venue_row(caller, &sheet, &cells, &mut units)
                .await?;
            let outcome = match judged {
                Ok((venue, outcome)) => {
                    let key = (
                        venue.structure,
                        venue.unit_code.to_string(),
                        fold_diacritics(&venue.name),
                    );
                    if !seen.insert(key) {
                        let field = name_field(&sheet.mapping);
                        Outcome::Refused(vec![sheet.refusal(field, Reason::Duplicate)])
                    } else {
                        if outcome == Outcome::New {
                            ready.push((line, venue));
                        }
                        outcome
                    }
                }
                Err(errors) => Outcome::Refused(errors),
            };
            previews.push(RowPreview { line, outcome });
        }
        progress(total, total);
        let preview = sheet.preview(Kind::Venues, sha256, imported, previews);
        Ok((preview, sheet, ready))
    }

    /// Judges the list again and writes its new venues with the import's record, or
    /// nothing; then the tracing index learns the new venues' kinds.
    pub(super) async fn commit_venues(
        &self,
        caller: &Caller,
        upload: &Upload<'_>,
        mapping: Option<&Mapping>,
        progress: Progress<'_>,
    ) -> Result<Committed, ImportError> {
        let (preview, sheet, ready) = self.judge_venues(caller, upload, mapping, progress).await?;
        if let Some(record) = preview.imported {
            return Ok(Committed::unchanged(record));
        }
        let file_name = upload.stored_name();
        let import = NewImport {
            kind: Kind::Venues.as_str(),
            file_name: &file_name,
            sha256: &preview.sha256,
            counts: named::import_counts(&preview.counts),
        };
        let (lines, venues): (Vec<usize>, Vec<NewVenue>) = ready.into_iter().unzip();
        let written = self
            .store
            .commit_venue_import(caller, &import, &venues, self.now_s())
            .await;
        let written = match written {
            Ok((commit, created)) => {
                if !created.is_empty() {
                    if let Err(e) = self.contacts.reload_links(&self.store).await {
                        // Registered; until the next reload their check-ins count under the
                        // default overlap (as after the venue form).
                        tracing::error!("reloading tracing links after a venue import: {e}");
                    }
                }
                Ok(commit)
            }
            Err(e) => Err(e),
        };
        super::committed(written, preview, |fields| {
            let m = &sheet.mapping;
            named::refused_at_commit(&sheet, &lines, &fields, &|f| column_of(m, f))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_the_names_lists_gave_them() {
        for (text, slug) in [
            ("Chợ", "market"),
            ("CHỢ DÂN SINH", "market"),
            ("Nhà hàng", "restaurant"),
            ("Siêu thị", "supermarket"),
            ("Trường học", "school"),
            ("Quán cà phê", "cafe"),
            ("market", "market"),
            ("Bus station", "bus_station"),
            ("industrial_park", "industrial_park"),
            ("Sảnh chung cư", "apartment_lobby"),
        ] {
            assert_eq!(kind_slug(text), slug, "{text}");
        }
        // Every kind has a name in the table.
        for k in VenueKind::ALL {
            assert!(KIND_NAMES.iter().any(|(n, _)| n == k), "{k:?}");
        }
        assert_eq!(kind_slug("Karaoke"), "karaoke");
    }

    #[test]
    fn hours_as_typed() {
        assert_eq!(hours_text("7:00"), "07:00");
        assert_eq!(hours_text("07:30:00"), "07:30");
        assert_eq!(hours_text("7h"), "07:00");
        assert_eq!(hours_text("21h30"), "21:30");
        assert_eq!(hours_text("1899-12-31 07:00:00"), "07:00");
        assert_eq!(hours_text("24:00"), "24:00");
        assert_eq!(hours_text("sáng"), "sáng");
    }
}
