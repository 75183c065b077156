//! The UI's words, from Fluent files (`crates/web/locales/{vi,en}/main.ftl`) compiled in.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use crate::Lang;

/// One Fluent file per area of the UI and language: (name, Vietnamese, English). A new area
/// adds its pair of files here; a test checks both languages have the same messages.
macro_rules! ftl {
    ($($name:literal),* $(,)?) => {
        &[$(($name,
            include_str!(concat!("../../locales/vi/", $name, ".ftl")),
            include_str!(concat!("../../locales/en/", $name, ".ftl")))),*]
    };
}
const FILES: &[(&str, &str, &str)] = ftl![
    "citizen",
    "main",
    "care",
    "aid",
    "export",
    "persons",
    "capacity",
    "places",
    "report",
    "imports",
    "national",
    "linked",
    "letters",
    "careaway",
    "exposures",
    "clusters"
];

fn build(
    lang: &str,
    texts: impl Iterator<Item = (&'static str, &'static str)>,
) -> FluentBundle<FluentResource> {
    let id = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Bidi isolation marks would show as stray characters in plain HTML text.
    bundle.set_use_isolating(false);
    for (name, text) in texts {
        let resource =
            FluentResource::try_new(text.to_string()).unwrap_or_else(|(partial, errors)| {
                tracing::error!("{lang}/{name}.ftl: {} parse errors", errors.len());
                partial
            });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!("{lang}/{name}.ftl: {} duplicate messages", errors.len());
        }
    }
    bundle
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<(FluentBundle<FluentResource>, FluentBundle<FluentResource>)> =
        OnceLock::new();
    let (vi, en) = BUNDLES.get_or_init(|| {
        (
            build("vi", FILES.iter().map(|(n, vi, _)| (*n, *vi))),
            build("en", FILES.iter().map(|(n, _, en)| (*n, *en))),
        )
    });
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The text of message `id`; the id itself if it is missing (a test checks none is).
pub fn t(lang: Lang, id: &str) -> String {
    tr(lang, id, &[])
}

/// The text of message `id` with its variables.
pub fn tr(lang: Lang, id: &str, args: &[(&str, String)]) -> String {
    let bundle = bundle(lang);
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_string();
    };
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(*k, v.clone());
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fargs), &mut errors)
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&str> {
        text.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
            .filter(|k| !k.is_empty() && !k.starts_with('#'))
            .collect()
    }

    #[test]
    fn both_languages_have_every_message_and_parse() {
        let mut seen = std::collections::HashSet::new();
        for (name, vi, en) in FILES {
            assert_eq!(ids(vi), ids(en), "{name}.ftl differs between vi and en");
            for id in ids(vi) {
                assert!(seen.insert(id), "{id} is defined twice");
                assert_ne!(t(Lang::Vi, id), id, "vi lacks {id}");
                assert_ne!(t(Lang::En, id), id, "en lacks {id}");
            }
        }
        assert_eq!(
            tr(Lang::Vi, "case-title", &[("id", "7".into())]),
            "Ca bệnh số 7"
        );
        assert_eq!(tr(Lang::En, "case-title", &[("id", "7".into())]), "Case 7");
    }
}
