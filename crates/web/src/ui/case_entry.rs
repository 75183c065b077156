//! The line list of new cases (issue #15, item 2): a table form of N rows, each a case for a
//! registered person (by number) or for a person registered with it (name, birth date,
//! phone, commune chosen by name). Every row is checked first; if any is wrong nothing is
//! saved and each row's field shows its error (`App::create_cases`, one transaction). More
//! rows come by a button that keeps what was typed, without JavaScript.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use maud::{html, Markup};
use serde::Deserialize;

use super::cases::local_input_time;
use super::person_entry::communes;
use super::shell::Ui;
use super::{t, tr};
use crate::messages::reason_message;
use crate::{AppState, Lang};
use app::case_batch::{LineInput, LINES_MAX};
use app::cases::{CaseError, CaseInput, TestInput};
use domain::person::PersonInput;
use domain::{FieldError, Reason};

/// Rows shown at first, and added by "more rows".
const ROWS_DEFAULT: usize = 5;

/// The columns of a row: the form's name, the use case's field, the label's id.
const COLUMNS: &[(&str, &str, &str)] = &[
    ("person_id", "person_id", "line-person-id"),
    ("full_name", "full_name", "person-full-name"),
    ("birth_date", "birth_date", "person-birth-date"),
    ("phone", "phone", "person-phone"),
    ("unit", "unit", "person-residence"),
    ("sample_at", "test.sample_at", "field-sample-at"),
    ("kind", "test.kind", "field-test-kind"),
    ("result_at", "test.result_at", "field-result-at"),
    ("ct", "test.ct", "field-ct"),
    ("severity", "severity", "col-severity"),
];

/// The row's fields as typed, by the form's names.
type Row = HashMap<&'static str, String>;

fn value<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

fn rows_of(form: &[(String, String)], n: usize) -> Vec<Row> {
    let mut rows = vec![Row::new(); n];
    for (k, v) in form {
        let Some((i, name)) = k.split_once('.') else {
            continue;
        };
        let (Ok(i), Some((name, _, _))) = (
            i.trim_start_matches('r').parse::<usize>(),
            COLUMNS.iter().find(|(c, _, _)| *c == name),
        ) else {
            continue;
        };
        if let Some(row) = rows.get_mut(i) {
            row.insert(*name, v.clone());
        }
    }
    rows
}

fn rows_wanted(n: Option<&str>) -> usize {
    n.and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(ROWS_DEFAULT)
        .clamp(1, LINES_MAX)
}

/// A row as the use case takes it; what the form itself could not read is named in `errors`
/// (the Ct, written with a decimal comma or point).
fn line_of(
    row: &Row,
    units: &HashMap<&str, &str>,
    scope: &domain::Scope,
    errors: &mut Vec<FieldError>,
) -> LineInput {
    let get = |n: &str| value(row, n).map(str::to_string);
    // A commune by its name as the list offers it, else as typed ("phuc xa, ba dinh", a
    // code) when that names exactly one commune of the scope; anything else goes on as
    // typed for the use case to refuse.
    let unit = get("unit").map(|u| match units.get(u.as_str()) {
        Some(code) => code.to_string(),
        None => {
            let found: Vec<_> = crate::registry::Registry::of(domain::Structure::S2021)
                .find(&u, scope, 2)
                .into_iter()
                .filter(|c| c.level == domain::UnitLevel::Commune)
                .collect();
            match found.as_slice() {
                [one] => one.code.to_string(),
                _ => u.clone(),
            }
        }
    });
    let person_id = match get("person_id") {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(FieldError::new("person_id", Reason::InvalidFormat));
                Some(0)
            }
        },
    };
    let new_person = ["full_name", "birth_date", "phone", "unit"]
        .iter()
        .any(|n| value(row, n).is_some());
    let ct = match get("ct") {
        None => None,
        Some(c) => match c.replace(',', ".").parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FieldError::new("test.ct", Reason::InvalidFormat));
                None
            }
        },
    };
    LineInput {
        person_id,
        person: new_person.then(|| PersonInput {
            full_name: get("full_name"),
            national_id: None,
            phone: get("phone"),
            birth_date: get("birth_date"),
            sex: None,
            unit,
        }),
        address: None,
        case: CaseInput {
            person_id: None,
            severity: get("severity"),
            onset: None,
            test: Some(TestInput {
                kind: get("kind"),
                sample_at: local_input_time(&get("sample_at")),
                result_at: local_input_time(&get("result_at")),
                ct,
            }),
            isolation_at: None,
            community: None,
        },
    }
}

/// The label of a use case's field (`test.sample_at`) in the page's language.
fn column_label(lang: Lang, field: &str) -> String {
    COLUMNS
        .iter()
        .find(|(_, f, _)| *f == field)
        .map_or_else(|| field.to_string(), |(_, _, id)| t(lang, id))
}

/// Errors by form row and use-case field: `rows.N.field` with N the row of the form.
fn by_row(errors: &[FieldError], form_rows: &[usize]) -> HashMap<(usize, String), Reason> {
    let mut out = HashMap::new();
    for e in errors {
        let Some(rest) = e.field.strip_prefix("rows.") else {
            continue;
        };
        if let Some((i, field)) = rest.split_once('.') {
            if let Some(&row) = i.parse::<usize>().ok().and_then(|i| form_rows.get(i)) {
                out.entry((row, field.to_string())).or_insert(e.reason);
            }
        }
    }
    out
}

fn form_page(
    ui: &Ui,
    rows: &[Row],
    errors: &HashMap<(usize, String), Reason>,
    general: &[FieldError],
) -> Markup {
    let lang = ui.lang;
    let communes = communes(ui);
    let mut listed: Vec<_> = errors.iter().collect();
    listed.sort_by(|a, b| a.0.cmp(b.0));
    let err = |row: usize, field: &str| {
        errors
            .get(&(row, field.to_string()))
            .map(|r| reason_message(*r, lang))
    };
    html! {
        h1 { (t(lang, "line-title")) }
        p.muted { (t(lang, "line-hint")) }
        @if !errors.is_empty() || !general.is_empty() {
            p.error role="alert" { (t(lang, "line-refused")) }
            ul.refusal {
                @for g in general { li { (reason_message(g.reason, lang)) } }
                @for ((row, field), reason) in &listed { li {
                    (tr(lang, "line-row", &[("row", (row + 1).to_string())])) " — "
                    strong { (column_label(lang, field)) } ": " (reason_message(**reason, lang))
                } }
            }
        }
        form.entry.line-list method="post" action="/cases/new" {
            input type="hidden" name="rows" value=(rows.len());
            div.scroll { table {
                thead { tr {
                    th { "#" }
                    @for (_, _, label) in COLUMNS { th scope="col" { (t(lang, label)) } }
                } }
                tbody { @for (i, row) in rows.iter().enumerate() { tr {
                    th scope="row" { (i + 1) }
                    @for (name, field, label) in COLUMNS {
                        @let id = format!("r{i}-{name}");
                        @let fname = format!("r{i}.{name}");
                        @let e = err(i, field);
                        @let v = row.get(name).cloned().unwrap_or_default();
                        @let aria = format!("{} {}", tr(lang, "line-row", &[("row", (i + 1).to_string())]), t(lang, label));
                        td {
                            @match *name {
                                "unit" => {
                                    // One list of the scope's communes for every row, typed by name.
                                    input id=(id) name=(fname) type="text" list="communes" value=(v) aria-label=(aria)
                                        autocomplete="off" aria-invalid=[e.map(|_| "true")];
                                }
                                "kind" => {
                                    select id=(id) name=(fname) aria-label=(aria) aria-invalid=[e.map(|_| "true")] {
                                        option value="" selected[v.is_empty()] { (t(lang, "form-choose")) }
                                        @for k in domain::epi::TestKind::ALL {
                                            option value=(k.as_str()) selected[v == k.as_str()] { (super::cases::test_kind_name(lang, *k)) }
                                        }
                                    }
                                }
                                "severity" => {
                                    select id=(id) name=(fname) aria-label=(aria) aria-invalid=[e.map(|_| "true")] {
                                        option value="" selected[v.is_empty()] { (t(lang, "form-choose")) }
                                        @for s in domain::epi::Severity::ALL {
                                            option value=(s.as_str()) selected[v == s.as_str()] { (t(lang, &format!("severity-{}", s.as_str()))) }
                                        }
                                    }
                                }
                                _ => {
                                    @let kind = match *name {
                                        "birth_date" => "date",
                                        "sample_at" | "result_at" => "datetime-local",
                                        "phone" => "tel",
                                        "person_id" | "ct" => "text",
                                        _ => "text",
                                    };
                                    input id=(id) name=(fname) type=(kind) value=(v) aria-label=(aria)
                                        inputmode=[matches!(*name, "person_id" | "ct").then_some("decimal")]
                                        aria-invalid=[e.map(|_| "true")];
                                }
                            }
                            @if let Some(e) = e { span.field-error { (e) } }
                        }
                    }
                } } }
            } }
            datalist id="communes" { @for (_, name) in &communes { option value=(name) {} } }
            div {
                button.primary type="submit" name="action" value="save" { (t(lang, "line-save")) }
                " "
                button type="submit" name="action" value="more" { (t(lang, "line-more")) }
            }
        }
        p { a href="/cases" { "← " (t(lang, "cases-title")) } }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    rows: Option<String>,
}

/// `GET /cases/new?rows=N`: an empty line list of N rows (5 unless asked).
pub(super) async fn line_list_form(ui: Ui, Query(q): Query<NewQuery>) -> Response {
    let rows = vec![Row::new(); rows_wanted(q.rows.as_deref())];
    let body = form_page(&ui, &rows, &HashMap::new(), &[]);
    ui.page(&t(ui.lang, "line-title"), body)
}

/// `POST /cases/new`: every non-empty row saved as a case (with its new person), or none
/// and each error shown; "more rows" shows the rows again with five more, nothing saved.
pub(super) async fn create_line_list(
    State(state): State<AppState>,
    ui: Ui,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let lang = ui.lang;
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let n = rows_wanted(field("rows"));
    let mut rows = rows_of(&form, n);
    if field("action") == Some("more") {
        rows.resize(
            rows_wanted(Some(&(n + ROWS_DEFAULT).to_string())),
            Row::new(),
        );
        let body = form_page(&ui, &rows, &HashMap::new(), &[]);
        return ui.page(&t(lang, "line-title"), body);
    }
    // Rows left empty are not lines.
    let form_rows: Vec<usize> = (0..rows.len())
        .filter(|&i| COLUMNS.iter().any(|(c, _, _)| value(&rows[i], c).is_some()))
        .collect();
    let communes = communes(&ui);
    let units: HashMap<&str, &str> = communes
        .iter()
        .map(|(code, name)| (name.as_str(), code.as_str()))
        .collect();
    let mut form_errors = Vec::new();
    let lines: Vec<LineInput> = form_rows
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let mut errors = Vec::new();
            let line = line_of(&rows[i], &units, &ui.me.scope, &mut errors);
            form_errors.extend(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(store::row_field(k, &e.field), e.reason)),
            );
            line
        })
        .collect();
    let result = if form_errors.is_empty() {
        state.create_cases(&ui.me, &lines).await
    } else {
        // The use case's own checks too, so that every bad field is named at once.
        if let Err(more) = app::case_batch::check_lines(&lines, state.now_s(), state.today()) {
            for e in more {
                if !form_errors.iter().any(|x| x.field == e.field) {
                    form_errors.push(e);
                }
            }
        }
        Err(CaseError::Invalid(form_errors))
    };
    let fields = match result {
        Ok(created) => {
            let body = html! {
                h1 { (t(lang, "line-title")) }
                p.ok role="status" { (tr(lang, "line-saved", &[("n", domain::lang::count(created.len() as i64, lang))])) }
                table {
                    thead { tr {
                        th { "#" } th { (t(lang, "line-case")) } th { (t(lang, "line-person")) }
                    } }
                    tbody { @for (k, c) in created.iter().enumerate() { tr {
                        td { (form_rows.get(k).map_or(k, |i| *i) + 1) }
                        td { a href={ "/cases/" (c.case_id) } { (c.case_id) } }
                        td { a href={ "/persons/" (c.person_id) } { (c.person_id) }
                             @if c.new_person { " (" (t(lang, "line-new-person")) ")" } }
                    } } }
                }
                p { a href="/cases/new" { (t(lang, "line-again")) } " · " a href="/cases" { (t(lang, "cases-title")) } }
            };
            return ui.page(&t(lang, "line-title"), body);
        }
        Err(CaseError::Invalid(fields)) => fields,
        Err(CaseError::Store(store::StoreError::Invalid(fields))) => fields,
        Err(CaseError::Store(e)) => return ui.failed("line list", &e),
    };
    let general: Vec<FieldError> = fields
        .iter()
        .filter(|e| !e.field.starts_with("rows."))
        .cloned()
        .collect();
    let errors = by_row(&fields, &form_rows);
    let body = form_page(&ui, &rows, &errors, &general);
    (
        StatusCode::BAD_REQUEST,
        ui.page(&t(lang, "line-title"), body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The commune of a new person's row: the label the list offers, or typed as a user
    /// would without diacritics ("phuc xa, ba dinh"); a name several communes share, or none
    /// has, goes on as typed (the use case refuses it).
    #[test]
    fn a_rows_commune_is_read_as_offered_or_as_typed() {
        let all = domain::Scope::everything();
        let offered = HashMap::from([("Phường Phúc Xá, Quận Ba Đình", "00001")]);
        let unit_of = |typed: &str| {
            let row: Row = HashMap::from([
                ("full_name", "Nguyễn Văn A".to_string()),
                ("unit", typed.to_string()),
            ]);
            let mut errors = Vec::new();
            let line = line_of(&row, &offered, &all, &mut errors);
            line.person.and_then(|p| p.unit)
        };
        assert_eq!(
            unit_of("Phường Phúc Xá, Quận Ba Đình").as_deref(),
            Some("00001")
        );
        assert_eq!(unit_of("phuc xa, ba dinh").as_deref(), Some("00001"));
        assert_eq!(unit_of("trung hoa").as_deref(), Some("trung hoa"));
        assert_eq!(unit_of("khong co").as_deref(), Some("khong co"));
    }
}
