//! The map of the locality: communes (or districts) coloured by a measure, each linking to
//! its cases. Figures come from the caller's scope only; units outside it are drawn grey.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use atlas::{Atlas, Site};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use domain::lang::{count, decimal};
use domain::{Structure, Unit, UnitLevel};
use maud::html;
use serde::Deserialize;

use super::islands::{at_sea, insets_for};
use super::map_svg::{choropleth, Marker, Shade};
use super::shell::Ui;
use super::{t, tr};
use crate::local_time::{day_start_s, local_date};
use crate::registry::Registry;
use crate::{AppState, Lang};

/// What the map colours.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Measure {
    /// New cases in the last 7 days per 100,000 residents.
    Incidence,
    /// New cases in the last 7 days.
    Cases,
}

impl Measure {
    fn parse(s: Option<&str>) -> Measure {
        match s {
            Some("cases") => Measure::Cases,
            _ => Measure::Incidence,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Measure::Incidence => "incidence",
            Measure::Cases => "cases",
        }
    }

    /// Class limits (lower bounds) and colours. The incidence classes are the case bands of
    /// the risk-level rules (under 20, 20–50, 50–150, 150 and more per 100,000 a week), with
    /// two more above 150 so that a heavy wave still shows where it is heaviest.
    fn classes(self) -> &'static [(f64, &'static str)] {
        match self {
            Measure::Incidence => &[
                (0.0, "#ffffff"),
                (f64::MIN_POSITIVE, "#fee5d9"),
                (20.0, "#fcbba1"),
                (50.0, "#fc9272"),
                (150.0, "#fb6a4a"),
                (500.0, "#de2d26"),
                (1500.0, "#a50f15"),
            ],
            Measure::Cases => &[
                (0.0, "#ffffff"),
                (1.0, "#fee5d9"),
                (5.0, "#fcae91"),
                (20.0, "#fb6a4a"),
                (50.0, "#cb181d"),
            ],
        }
    }

    pub(super) fn colour(self, v: f64) -> &'static str {
        self.classes()
            .iter()
            .rev()
            .find(|(lo, _)| v >= *lo)
            .map_or("#ffffff", |(_, c)| c)
    }
}

#[derive(Deserialize)]
pub(super) struct MapQuery {
    unit: Option<String>,
    measure: Option<String>,
    level: Option<String>,
}

const STRUCTURE: Structure = Structure::S2021;

pub(super) async fn map_page(
    State(state): State<AppState>,
    ui: Ui,
    Query(q): Query<MapQuery>,
) -> Response {
    let lang = ui.lang;
    let registry = Registry::of(STRUCTURE);
    let measure = Measure::parse(q.measure.as_deref());
    let now = state.now_s();
    let week_from = day_start_s(local_date(now) - chrono::Days::new(6));
    let (cases, residents) = tokio::join!(
        state.store.cases_by_unit(
            &ui.me.scope,
            STRUCTURE,
            local_date(week_from),
            local_date(now)
        ),
        state.store.residents_by_unit(&ui.me.scope, STRUCTURE),
    );
    let (cases, residents) = match (cases, residents) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return ui.failed("map", &e),
    };

    let focus = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(code) => match registry.get(code) {
            Some(u) if u.level != UnitLevel::Country => u,
            _ => return ui.fail(StatusCode::NOT_FOUND),
        },
        None => match default_focus(&ui, registry, &residents) {
            Some(u) => u,
            None => return ui.fail(StatusCode::NOT_FOUND),
        },
    };
    // A commune is shown among the communes of its district.
    let (frame, emphasis) = match focus.level {
        UnitLevel::Commune => (
            registry
                .ancestor_at(focus.code.as_str(), UnitLevel::District)
                .unwrap_or(focus),
            Some(focus.code.to_string()),
        ),
        _ => (focus, None),
    };
    let Some(province) = registry.ancestor_at(frame.code.as_str(), UnitLevel::Province) else {
        return ui.fail(StatusCode::NOT_FOUND);
    };
    let by_district = q.level.as_deref() == Some("district") && frame.level == UnitLevel::Province;

    let (Some((atlas, drawing)), Some((communes, _))) = (
        atlas_for(&state, province, by_district).await,
        atlas_for(&state, province, false).await,
    ) else {
        return ui.fail(StatusCode::INTERNAL_SERVER_ERROR);
    };
    // Only the frame's units are drawn.
    let in_frame = |code: &str| {
        frame.level == UnitLevel::Province
            || frame.path.contains(
                &registry
                    .get(code)
                    .map_or_else(domain::UnitPath::root, |u| u.path.clone()),
            )
    };
    let atlas = Atlas {
        projection: atlas.projection,
        land: atlas.land.clone(),
        cells: atlas
            .cells
            .iter()
            .filter(|c| in_frame(&c.code))
            .cloned()
            .collect(),
    };

    // Figures per drawn unit: communes roll up to their district when the map is by district.
    let level = if by_district {
        UnitLevel::District
    } else {
        UnitLevel::Commune
    };
    let roll = |rows: &[(String, i64)]| {
        let mut out: HashMap<String, i64> = HashMap::new();
        for (code, n) in rows {
            if let Some(u) = registry.ancestor_at(code, level) {
                *out.entry(u.code.to_string()).or_default() += n;
            }
        }
        out
    };
    let cases = roll(&cases);
    let residents = roll(&residents);
    // Figures only for the caller's units; the rest of the frame is context, drawn grey.
    let in_scope = |code: &str| {
        registry
            .get(code)
            .is_some_and(|u| ui.me.scope.contains(STRUCTURE, &u.path))
    };
    let value = |code: &str| -> Option<f64> {
        if !in_scope(code) {
            return None;
        }
        let n = *cases.get(code).unwrap_or(&0) as f64;
        match measure {
            Measure::Cases => Some(n),
            Measure::Incidence => residents
                .get(code)
                .filter(|&&r| r > 0)
                .map(|&r| n * 100_000.0 / r as f64),
        }
    };
    let figure = |code: &str, v: f64| -> String {
        let name = registry.name(code);
        let n = cases.get(code).copied().unwrap_or(0);
        match measure {
            Measure::Cases => tr(
                lang,
                "map-tip-cases",
                &[("unit", name), ("cases", count(n, lang))],
            ),
            Measure::Incidence => tr(
                lang,
                "map-tip-incidence",
                &[
                    ("unit", name),
                    ("cases", count(n, lang)),
                    ("rate", decimal(v, 1, lang)),
                ],
            ),
        }
    };
    let shade = |code: &str| {
        value(code).map(|v| Shade {
            fill: measure.colour(v),
            title: figure(code, v),
            href: Some(format!(
                "/cases?unit={code}&from={}",
                local_date(week_from).format("%Y-%m-%d")
            )),
        })
    };
    let shades: HashMap<String, Shade> = atlas
        .cells
        .iter()
        .filter_map(|c| shade(&c.code).map(|s| (c.code.clone(), s)))
        .collect();
    // Units with no land in Natural Earth's outline are drawn as points; the archipelagos'
    // in their insets.
    let insets = insets_for(registry, Some(frame), level, &shade);
    let markers: Vec<Marker> = offshore_units(registry, frame, &communes)
        .into_iter()
        .filter(|u| !at_sea(u))
        .map(|u| Marker {
            at: atlas
                .projection
                .project(u.lon.unwrap_or_default(), u.lat.unwrap_or_default()),
            label: u.full_name(),
            shade: shade(u.code.as_str()),
        })
        .collect();

    let mut ranked: Vec<(String, f64)> = shades
        .keys()
        .filter_map(|c| Some((c.clone(), value(c)?)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let title = tr(
        lang,
        "map-title",
        &[("unit", registry.name(frame.code.as_str()))],
    );
    let link = |m: Measure, by_district: bool| {
        format!(
            "/map?unit={}&measure={}{}",
            focus.code,
            m.slug(),
            if by_district { "&level=district" } else { "" }
        )
    };
    let body = html! {
        h1 { (title) }
        p.muted { (t(lang, &format!("map-measure-{}", measure.slug()))) " · " (drawing.describe(lang)) }
        nav.tabs.noprint aria-label=(t(lang, "map-options")) {
            @for m in [Measure::Incidence, Measure::Cases] {
                a href=(link(m, by_district)) aria-current=[(m == measure).then_some("page")] { (t(lang, &format!("map-measure-{}", m.slug()))) }
            }
            @if frame.level == UnitLevel::Province {
                a href=(link(measure, false)) aria-current=[(!by_district).then_some("page")] { (t(lang, "map-by-commune")) }
                a href=(link(measure, true)) aria-current=[by_district.then_some("page")] { (t(lang, "map-by-district")) }
            } @else {
                a href={ "/map?unit=" (province.code) "&measure=" (measure.slug()) } { (registry.name(province.code.as_str())) }
            }
            button type="button" data-print { (t(lang, "print")) }
        }
        (choropleth(&title, &atlas, &shades, &markers, &insets, emphasis.as_deref()))
        (legend(lang, measure))
        h2 { (t(lang, "map-top")) }
        @if ranked.is_empty() { p { (t(lang, "map-none")) } }
        @else {
            table {
                thead { tr { th { (t(lang, "col-unit")) } th { (t(lang, "map-col-cases")) } th { (t(lang, "map-col-rate")) } } }
                tbody { @for (code, _) in ranked.iter().take(15) {
                    @let n = cases.get(code).copied().unwrap_or(0);
                    @let r = residents.get(code).copied().unwrap_or(0);
                    tr {
                        td { a href={ "/map?unit=" (code) "&measure=" (measure.slug()) } { (registry.name(code)) } }
                        td { a href={ "/cases?unit=" (code) } { (count(n, lang)) } }
                        td { @if r > 0 { (decimal(n as f64 * 100_000.0 / r as f64, 1, lang)) } }
                    }
                } }
            }
        }
    };
    ui.page(&title, body)
}

pub(super) fn legend(lang: Lang, measure: Measure) -> maud::Markup {
    let classes = measure.classes();
    let n = |v: f64| decimal(v, 0, lang);
    let label = |i: usize| -> String {
        let lo = classes[i].0;
        match (i, classes.get(i + 1)) {
            (0, _) => "0".to_string(),
            (_, Some((hi, _))) if lo <= f64::MIN_POSITIVE => format!("> 0 – < {}", n(*hi)),
            (_, Some((hi, _))) => format!("{} – < {}", n(lo), n(*hi)),
            (_, None) => format!("≥ {}", n(lo)),
        }
    };
    html! {
        ul.legend aria-label=(t(lang, "map-legend")) {
            @for (i, (_, colour)) in classes.iter().enumerate() {
                li { span.swatch style={ "background:" (colour) } {} (label(i)) }
            }
            li { span.swatch style={ "background:" (super::map_svg::NO_DATA) } {} (t(lang, "map-no-data")) }
        }
    }
}

/// Where a user's map opens: their jurisdiction, or for a national account the province
/// with the most residents on record (the locality this system serves).
fn default_focus<'r>(
    ui: &Ui,
    registry: &'r Registry,
    residents: &[(String, i64)],
) -> Option<&'r Unit> {
    if let Some(root) = ui.me.scope.roots_in(STRUCTURE).next() {
        let code = root.as_str().trim_end_matches('/').rsplit('/').next()?;
        return registry.get(code);
    }
    let mut per_province: HashMap<String, i64> = HashMap::new();
    for (code, n) in residents {
        if let Some(p) = registry.ancestor_at(code, UnitLevel::Province) {
            *per_province.entry(p.code.to_string()).or_default() += n;
        }
    }
    let best = per_province
        .into_iter()
        .max_by_key(|(c, n)| (*n, std::cmp::Reverse(c.clone())));
    match best {
        Some((code, _)) => registry.get(&code),
        None => registry.get("01"),
    }
}

/// Units under `frame` whose point is off Natural Earth's land: districts without communes
/// (Hoàng Sa) and communes whose cell came out empty (Trường Sa).
fn offshore_units<'r>(registry: &'r Registry, frame: &'r Unit, atlas: &Atlas) -> Vec<&'r Unit> {
    let drawn: std::collections::HashSet<&str> = atlas
        .cells
        .iter()
        .filter(|c| !c.shape.0.is_empty())
        .map(|c| c.code.as_str())
        .collect();
    let mut out: Vec<&Unit> = registry
        .communes_under(frame.code.as_str())
        .into_iter()
        .filter(|u| !drawn.contains(u.code.as_str()))
        .collect();
    let districts = if frame.level == UnitLevel::Province {
        registry.children(frame.code.as_str()).collect()
    } else {
        vec![frame]
    };
    out.extend(districts.into_iter().filter(|d| {
        d.level == UnitLevel::District && registry.children(d.code.as_str()).next().is_none()
    }));
    out.retain(|u| u.lat.is_some() && u.lon.is_some());
    out
}

/// What a province's map is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Drawing {
    /// Cells built around the official centres (no boundaries supplied).
    Cells,
    /// The boundaries the locality supplied (`/api/v1/boundaries`).
    Boundaries,
    /// Some boundaries supplied but not every unit's: cells until the set is complete, since
    /// a map of both would overlap.
    Partial { have: usize, need: usize },
}

impl Drawing {
    pub(super) fn describe(self, lang: Lang) -> String {
        match self {
            Drawing::Cells => t(lang, "map-how"),
            Drawing::Boundaries => t(lang, "map-how-boundaries"),
            Drawing::Partial { have, need } => tr(
                lang,
                "map-how-partial",
                &[("have", have.to_string()), ("need", need.to_string())],
            ),
        }
    }
}

/// A province's map: its units' supplied boundaries when every unit drawn has one, else the
/// cells around the official centres. Kept until a boundary under the province changes.
///
/// The drawing is built once per change, off the request: one build per province, kind
/// and boundary stamp, however many requests ask meanwhile (they wait for that build, never
/// start their own). A request waits at most [`MAP_WAIT`] for a build; past that it gets the
/// last drawing built (or the cells), so a slow build never holds up a page. An import
/// starts the build itself ([`prepare`]).
pub(super) async fn atlas_for(
    state: &AppState,
    province: &Unit,
    by_district: bool,
) -> Option<(Arc<Atlas>, Drawing)> {
    let code = province.code.to_string();
    let stamp = match state.store.boundary_stamp(STRUCTURE, &province.path).await {
        Ok(s) if s.count > 0 => s,
        Ok(_) => return cells(code, by_district).await,
        Err(e) => {
            tracing::warn!("map boundaries: {e}; drawing cells");
            return cells(code, by_district).await;
        }
    };
    let (mut latest, last_good) = build_for(state, province, by_district, stamp)?;
    let built = match tokio::time::timeout(MAP_WAIT, latest.wait_for(Option::is_some)).await {
        Ok(Ok(done)) => done.clone().flatten(),
        _ => None,
    };
    match built.or(last_good) {
        Some(drawing) => Some(drawing),
        None => cells(code, by_district).await,
    }
}

/// How long a page waits for a drawing being built before it draws the last one it has.
/// Boundaries within the import limits build in a second or two; this is for the rest.
const MAP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Starts building the drawings of `province` for the boundaries it has now, unless they
/// are built or being built: called after an import, so that pages find them ready.
pub(crate) async fn prepare(state: &AppState, province: &Unit) {
    match state.store.boundary_stamp(STRUCTURE, &province.path).await {
        Ok(stamp) if stamp.count > 0 => {
            for by_district in [false, true] {
                build_for(state, province, by_district, stamp);
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("map boundaries: {e}"),
    }
}

/// One build's result, once it is done: the drawing, or `None` if even the cells failed.
type Built = Option<(Arc<Atlas>, Drawing)>;

/// What is known of one province's drawing of one kind.
#[derive(Default)]
struct Slot {
    /// The build for the latest stamp seen: its stamp and where its result appears.
    latest: Option<(
        store::BoundaryStamp,
        tokio::sync::watch::Receiver<Option<Built>>,
    )>,
    /// The last drawing built, whatever its stamp: drawn while a newer one is built.
    good: Option<(Arc<Atlas>, Drawing)>,
}

type Slots = Mutex<HashMap<(String, bool), Slot>>;

fn slots() -> &'static Slots {
    static SLOTS: OnceLock<Slots> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

/// Builds of drawings from supplied boundaries started since the process began.
static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many drawings have been built from supplied boundaries (for tests: concurrent pages
/// must share one build).
pub fn builds_started() -> usize {
    BUILDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The build of the drawing for `stamp`, started here unless it already was, and the last
/// drawing built before it.
#[allow(clippy::type_complexity)]
fn build_for(
    state: &AppState,
    province: &Unit,
    by_district: bool,
    stamp: store::BoundaryStamp,
) -> Option<(
    tokio::sync::watch::Receiver<Option<Built>>,
    Option<(Arc<Atlas>, Drawing)>,
)> {
    let key = (province.code.to_string(), by_district);
    let mut all = slots().lock().ok()?;
    let slot = all.entry(key.clone()).or_default();
    if let Some((s, rx)) = &slot.latest {
        if *s == stamp {
            return Some((rx.clone(), slot.good.clone()));
        }
    }
    let (tx, rx) = tokio::sync::watch::channel(None);
    slot.latest = Some((stamp, rx.clone()));
    let good = slot.good.clone();
    drop(all);
    BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let state = state.clone();
    let path = province.path.clone();
    tokio::spawn(async move {
        let built = build(&state, &key.0, &path, key.1).await;
        if let Ok(mut all) = slots().lock() {
            let slot = all.entry(key).or_default();
            // A build finishing after a newer one does not replace it.
            let newest = slot.latest.as_ref().is_some_and(|(s, _)| *s == stamp);
            if let Some(b) = built.clone().filter(|_| newest || slot.good.is_none()) {
                slot.good = Some(b);
            }
        }
        let _ = tx.send(Some(built));
    });
    Some((rx, good))
}

/// The cells of a province (reference data only, kept once built).
async fn cells(code: String, by_district: bool) -> Built {
    tokio::task::spawn_blocking(move || province_atlas(&code, by_district))
        .await
        .ok()
        .flatten()
        .map(|a| (a, Drawing::Cells))
}

/// Builds a province's drawing from the boundaries stored now.
async fn build(state: &AppState, code: &str, path: &domain::UnitPath, by_district: bool) -> Built {
    let code = code.to_string();
    let supplied = match state.store.boundaries_under(STRUCTURE, path).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!("map boundaries: {e}; drawing cells");
            return cells(code, by_district).await;
        }
    };
    let registry = Registry::of(STRUCTURE);
    let have: HashMap<&str, &str> = supplied
        .iter()
        .map(|b| (b.unit_code.as_str(), b.geometry.as_str()))
        .collect();
    // The units the map draws: communes with an official centre (the others are markers)
    // and their districts.
    let communes: Vec<&Unit> = registry
        .communes_under(&code)
        .into_iter()
        .filter(|u| u.lat.is_some() && u.lon.is_some())
        .collect();
    let mut districts: Vec<&Unit> = communes
        .iter()
        .filter_map(|u| registry.ancestor_at(u.code.as_str(), UnitLevel::District))
        .collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    districts.dedup_by(|a, b| a.code == b.code);
    let complete = |units: &[&Unit]| units.iter().all(|u| have.contains_key(u.code.as_str()));
    let shapes = |units: &[&Unit]| -> Vec<(String, String)> {
        units
            .iter()
            .filter_map(|u| Some((u.code.to_string(), have.get(u.code.as_str())?.to_string())))
            .collect()
    };
    // Districts are drawn from their own boundaries, or dissolved from their communes'.
    let (source, dissolve) = if by_district && complete(&districts) {
        (Some(shapes(&districts)), false)
    } else if complete(&communes) {
        (Some(shapes(&communes)), by_district)
    } else {
        (None, false)
    };
    match source {
        Some(units) => {
            let built = tokio::task::spawn_blocking(move || {
                Atlas::from_geojson(&units).map(|a| if dissolve { by_districts(&a) } else { a })
            })
            .await
            .ok()?;
            match built {
                Ok(a) => Some((Arc::new(a), Drawing::Boundaries)),
                Err(e) => {
                    tracing::warn!("map boundaries of {code}: {e}; drawing cells");
                    cells(code, by_district).await
                }
            }
        }
        None => {
            let need = communes.len();
            let have = communes
                .iter()
                .filter(|u| have.contains_key(u.code.as_str()))
                .count();
            let (a, _) = cells(code, by_district).await?;
            Some((a, Drawing::Partial { have, need }))
        }
    }
}

/// Commune shapes joined into their districts'.
fn by_districts(communes: &Atlas) -> Atlas {
    let registry = Registry::of(STRUCTURE);
    communes.dissolve(|code| {
        registry
            .ancestor_at(code, UnitLevel::District)
            .map(|d| d.code.to_string())
    })
}

/// A unit's official point as a site of the map's cells, if it has one.
pub(super) fn site_of(u: &Unit) -> Option<Site> {
    Some(Site {
        code: u.code.to_string(),
        lon: u.lon?,
        lat: u.lat?,
    })
}

/// The cells of a province's communes (or districts), made once and kept: the geometry
/// depends only on the embedded reference data.
fn province_atlas(province: &str, by_district: bool) -> Option<Arc<Atlas>> {
    type Cache = Mutex<HashMap<(String, bool), Arc<Atlas>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (province.to_string(), by_district);
    if let Some(a) = cache.lock().ok()?.get(&key) {
        return Some(a.clone());
    }
    let registry = Registry::of(STRUCTURE);
    let atlas = if by_district {
        by_districts(&*province_atlas(province, false)?)
    } else {
        let sites: Vec<Site> = registry
            .communes_under(province)
            .into_iter()
            .filter_map(site_of)
            .collect();
        if sites.is_empty() {
            return None;
        }
        Atlas::from_sites(&sites)
            .map_err(|e| tracing::error!("map outline: {e}"))
            .ok()?
    };
    let atlas = Arc::new(atlas);
    cache.lock().ok()?.insert(key, atlas.clone());
    Some(atlas)
}
