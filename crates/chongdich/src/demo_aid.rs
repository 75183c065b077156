//! The demo's aid ledger: the gifts of the source reports (`data/seeds/aid.toml`, each with
//! its report and sentence) and simulated relief rounds for the demo's lockdown zones.

use anyhow::{bail, Context, Result};
use chrono::{Duration, NaiveDate};
use domain::aid::{self, AidStatus, Currency, FxRate, GoodsLine, Money, PartyKind, ReliefKind};
use domain::{Structure, UnitCode};
use serde::Deserialize;
use store::aid::{NewDonation, NewOrg, NewRound, NewZone, PartyRef};
use store::{Caller, Store};

const SEEDS: &str = include_str!("../../../data/seeds/aid.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seeds {
    rate: Vec<Rate>,
    org: Vec<Org>,
    donation: Vec<Gift>,
    relief: Relief,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rate {
    base: String,
    quote: String,
    rate: String,
    date: NaiveDate,
    assumed: bool,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Org {
    key: String,
    kind: String,
    name: String,
    unit: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Gift {
    donor: String,
    /// One recipient, or the same gift to each of several.
    recipient: Option<String>,
    #[serde(default)]
    recipients: Vec<String>,
    money: Option<String>,
    #[serde(default)]
    goods: Vec<Goods>,
    date: NaiveDate,
    status: String,
    source: String,
    quote: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Goods {
    item: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Relief {
    zones: usize,
    round_name: String,
    kind: String,
    given_percent: u64,
    households_max: usize,
}

/// Marks a database whose aid facts are loaded, so a rerun adds nothing twice.
const META_AID: &str = "demo_aid_loaded";

/// Loads the report facts and simulates relief for the demo locality `o`, once.
pub async fn load(store: &Store, o: &sim::Outcome) -> Result<()> {
    if store.meta(META_AID).await?.is_some() {
        return Ok(());
    }
    let seeds: Seeds = toml::from_str(SEEDS).context("data/seeds/aid.toml")?;
    let system = Caller::system("demo");
    let now = chrono::Utc::now().timestamp();
    for r in &seeds.rate {
        let currency = |c: &str| {
            c.parse::<Currency>()
                .map_err(|e| anyhow::anyhow!("rate currency {c}: {}", e.code()))
        };
        // A rate is written like an amount with six decimals: millionths.
        let micro = Currency::USD
            .parse_major(&r.rate)
            .map_err(|e| anyhow::anyhow!("rate {}: {}", r.rate, e.code()))?
            * 10_000;
        store
            .put_fx_rate(&FxRate {
                base: currency(&r.base)?,
                quote: currency(&r.quote)?,
                rate_micro: micro,
                on_date: r.date,
                source: r.source.clone(),
                assumed: r.assumed,
            })
            .await?;
    }
    let mut orgs = std::collections::HashMap::new();
    for org in &seeds.org {
        let id = store
            .add_aid_org(
                &system,
                &NewOrg {
                    kind: org
                        .kind
                        .parse()
                        .map_err(|_| anyhow::anyhow!("org kind {}", org.kind))?,
                    name: org.name.clone(),
                    unit: UnitCode::parse(&org.unit)
                        .map_err(|_| anyhow::anyhow!("org unit {}", org.unit))?,
                },
                now,
            )
            .await?;
        orgs.insert(org.key.as_str(), (org.kind.as_str(), id));
    }
    let party = |s: &str| -> Result<PartyRef> {
        match s.split_once(':') {
            Some(("locality", code)) => Ok(PartyRef {
                kind: PartyKind::Locality,
                code_or_id: code.to_string(),
            }),
            Some(("org", key)) => {
                let (kind, id) = orgs
                    .get(key)
                    .with_context(|| format!("unknown org {key}"))?;
                Ok(PartyRef {
                    kind: kind
                        .parse()
                        .map_err(|_| anyhow::anyhow!("org kind {kind}"))?,
                    code_or_id: id.to_string(),
                })
            }
            _ => bail!("party {s:?}: expected locality:CODE or org:KEY"),
        }
    };
    let mut gifts = 0;
    for g in &seeds.donation {
        let money = g.money.as_deref().map(parse_money).transpose()?;
        let goods = g
            .goods
            .iter()
            .map(|l| {
                Ok(GoodsLine {
                    item: aid::item(&l.item).with_context(|| format!("unknown item {}", l.item))?,
                    quantity: l.quantity,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let status: AidStatus = g
            .status
            .parse()
            .map_err(|_| anyhow::anyhow!("status {}", g.status))?;
        for recipient in g.recipient.iter().chain(&g.recipients) {
            let new = NewDonation {
                donor: party(&g.donor)?,
                recipient: party(recipient)?,
                money,
                goods: goods.clone(),
                on_date: g.date,
                status,
                source: g.source.clone(),
                source_quote: Some(g.quote.clone()),
                note: g.note.clone(),
            };
            store
                .create_donation(&system, &new, now)
                .await
                .with_context(|| format!("gift {} → {recipient}", g.donor))?;
            gifts += 1;
        }
    }
    let zones = simulate_relief(store, &system, o, &seeds.relief, now).await?;
    store.set_meta(META_AID, "1").await?;
    eprintln!("aid: {gifts} gifts from the reports, {zones} lockdown zones with relief rounds");
    Ok(())
}

/// "40000 USD" → minor units of USD.
fn parse_money(s: &str) -> Result<Money> {
    let (amount, code) = s.split_once(' ').with_context(|| format!("money {s:?}"))?;
    let currency: Currency = code
        .parse()
        .map_err(|e: domain::Reason| anyhow::anyhow!("currency {code}: {}", e.code()))?;
    Ok(Money {
        amount_minor: currency
            .parse_major(amount)
            .map_err(|e| anyhow::anyhow!("amount {amount}: {}", e.code()))?,
        currency,
    })
}

/// Locks down the communes with the most households and hands most of them a package.
async fn simulate_relief(
    store: &Store,
    system: &Caller,
    o: &sim::Outcome,
    r: &Relief,
    now: i64,
) -> Result<usize> {
    let kind: ReliefKind = r
        .kind
        .parse()
        .map_err(|_| anyhow::anyhow!("relief kind {}", r.kind))?;
    let mut households = vec![0_i64; o.communes.len()];
    for &c in &o.households.commune {
        households[c as usize] += 1;
    }
    let mut people = vec![0_i64; o.communes.len()];
    for i in 0..o.people.len() {
        people[o.people.commune(i as u32) as usize] += 1;
    }
    let mut order: Vec<usize> = (0..o.communes.len()).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(households[c]), c));
    let starts_on = o.params.start_date;
    let ends_on = starts_on + Duration::days(i64::from(o.params.days));
    let mut made = 0;
    for &c in order.iter().take(r.zones).filter(|&&c| households[c] > 0) {
        let commune = &o.communes[c];
        let code = UnitCode::parse(&commune.code)
            .map_err(|_| anyhow::anyhow!("commune {}", commune.code))?;
        let zone = store
            .create_zone(
                system,
                &NewZone {
                    name: format!("Vùng phong tỏa {}", commune.name),
                    structure: Structure::S2021,
                    unit: code.clone(),
                    starts_on,
                    ends_on: Some(ends_on),
                    population: people[c],
                    households: households[c],
                },
                now,
            )
            .await?;
        let round = store
            .create_round(
                system,
                zone,
                &NewRound {
                    name: r.round_name.clone(),
                    kind,
                    starts_on: starts_on + Duration::days(2),
                },
                now,
            )
            .await?
            .context("the system sees every zone")?;
        let unit = store
            .unit_unscoped(Structure::S2021, &code)
            .await?
            .with_context(|| format!("commune {code} is not in the registry"))?;
        let ids = store
            .household_ids_in(Structure::S2021, &unit.path, r.households_max as i64)
            .await?;
        // Every household but the last (100 - given_percent) % in id order: the gap to close.
        let given = ids.len() * r.given_percent.min(100) as usize / 100;
        store
            .bulk_packages(round, &ids[..given], o.t0_s + 2 * 86_400)
            .await?;
        made += 1;
    }
    Ok(made)
}
