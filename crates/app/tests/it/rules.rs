//! A locality's override of a policy value: the field at fault named, the rule in force
//! changed at once.

use app::rules::{OverrideError, OverrideInput};
use chrono::NaiveDate;
use store::{both_databases, Store};

use crate::app_at_now;

async fn an_override_names_its_fault_or_takes_effect(store: Store) {
    let app = app_at_now(store);
    let admin = crate::national(&app, "admin", domain::Role::Administrator).await;
    let key = "risk.transmission.cases_per_100k_week.cut_offs.2";
    let input = |key: &str, value: &str| OverrideInput {
        file: Some("risk_levels".into()),
        document: Some("4800/QĐ-BYT".into()),
        key: Some(key.into()),
        value: Some(value.into()),
        note: Some("Quyết định của BCĐ thành phố".into()),
    };
    for (k, v, field) in [
        ("risk.transmission.nothing.cut_offs.2", "1.0", "key"),
        (key, "\"nhiều\"", "value"),
        (key, "10.0", "value"),
        ("", "1.0", "key"),
    ] {
        let Err(OverrideError::Invalid(fields)) =
            app.override_policy(admin.user.id, &input(k, v)).await
        else {
            panic!("{k} = {v} is refused");
        };
        assert_eq!(fields[0].field, field, "{k} = {v}");
    }
    let (_, rec) = app
        .override_policy(admin.user.id, &input(key, "175.0"))
        .await
        .unwrap();
    assert_eq!(rec.new_value, "175.0");
    let day = NaiveDate::from_ymd_opt(2021, 11, 20).unwrap();
    let rule = app.rules.risk().on(day).unwrap().clone();
    assert_eq!(rule.document, "4800/QĐ-BYT");
    let cut = format!("{:?}", rule.transmission);
    assert!(cut.contains("175.0"), "{cut}");
}

both_databases!(an_override_names_its_fault_or_takes_effect);
