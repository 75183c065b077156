//! The demo's aid ledger: the gifts of the source reports (`data/seeds/aid.toml`, each with
//! its report and sentence) and simulated relief rounds for the demo's lockdown zones.

use anyhow::{bail, Context, Result};
use chrono::{Duration, NaiveDate};
use domain::aid::{self, AidStatus, Currency, FxRate, GoodsLine, Money, PartyKind, ReliefKind};
use domain::{DonationId, Structure, UnitCode};
use serde::Deserialize;
use store::aid::{
    CampaignTask, NewActivity, NewAgreement, NewCampaign, NewDonation, NewOrg, NewRound, NewZone,
    PartyRef,
};
use store::{Caller, Store};

const SEEDS: &str = include_str!("../../../data/seeds/aid.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seeds {
    rate: Vec<Rate>,
    org: Vec<Org>,
    donation: Vec<Gift>,
    activity: Vec<Meeting>,
    agreement: Vec<Mou>,
    campaign: Vec<Movement>,
    relief: Relief,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meeting {
    kind: String,
    date: NaiveDate,
    host: String,
    guest: String,
    agreement: Option<String>,
    title: String,
    participants: Option<String>,
    outcome: Option<String>,
    #[serde(default)]
    gifts: Vec<String>,
    source: String,
    quote: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mou {
    key: String,
    title: String,
    party_a: String,
    party_b: String,
    signed_on: NaiveDate,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    fields: Vec<String>,
    source: String,
    quote: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Movement {
    name: String,
    launched_on: NaiveDate,
    launched_by: String,
    unit: String,
    units: Vec<String>,
    tasks: Vec<Task>,
    source: String,
    quote: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Task {
    title: String,
    indicator: Option<String>,
    target: Option<i64>,
    progress: Option<i64>,
}

fn code(s: &str) -> Result<UnitCode> {
    UnitCode::parse(s).map_err(|e| anyhow::anyhow!("unit {s}: {}", e.code()))
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
    /// For activities to name the gifts they carried.
    key: Option<String>,
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
    zones: Vec<ReliefZone>,
    round_name: String,
    kind: String,
    given_percent: u64,
    households_max: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReliefZone {
    communes: usize,
    /// Only the households numbered 1 to this on their street (an address-limited zone).
    house_numbers: Option<usize>,
}

/// Marks a database whose aid facts are loaded, so a rerun adds nothing twice.
const META_AID: &str = "demo_aid_loaded";

/// Loads the report facts and simulates relief for the demo locality `o`, once. Gifts
/// between two of the `linked` localities are left out: in the linked demo their donors
/// record them and they travel ([`linked_gifts`]).
pub async fn load(store: &Store, o: &sim::Outcome, linked: &[&str]) -> Result<()> {
    if store.meta(META_AID).await?.is_some() {
        return Ok(());
    }
    let seeds: Seeds = toml::from_str(SEEDS).context("data/seeds/aid.toml")?;
    let system = Caller::system("demo");
    let now = app::clock::WallClock::now_s();
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
            .put_fx_rate(
                &system,
                &FxRate {
                    base: currency(&r.base)?,
                    quote: currency(&r.quote)?,
                    rate_micro: micro,
                    on_date: r.date,
                    source: r.source.clone(),
                    assumed: r.assumed,
                },
                now,
            )
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
                    unit: code(&org.unit)?,
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
    let mut gift_ids: std::collections::HashMap<&str, Vec<DonationId>> =
        std::collections::HashMap::new();
    let mut travelled = std::collections::HashSet::new();
    for g in &seeds.donation {
        let (money, goods, status) = parts(g)?;
        for recipient in g.recipient.iter().chain(&g.recipients) {
            if between(&g.donor, recipient, linked).is_some() {
                travelled.insert(g.key.as_deref().unwrap_or(""));
                continue;
            }
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
            let id = store
                .create_donation(&system, &new, now)
                .await
                .with_context(|| format!("gift {} → {recipient}", g.donor))?;
            gift_ids
                .entry(g.key.as_deref().unwrap_or(""))
                .or_default()
                .push(id);
        }
    }
    let gifts: usize = gift_ids.values().map(Vec::len).sum();
    let mut agreements = std::collections::HashMap::new();
    for a in &seeds.agreement {
        let new = NewAgreement {
            title: a.title.clone(),
            party_a: code(&a.party_a)?,
            party_b: code(&a.party_b)?,
            signed_on: a.signed_on,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            fields: a.fields.clone(),
            commitments: Vec::new(),
            source: a.source.clone(),
            source_quote: Some(a.quote.clone()),
        };
        agreements.insert(
            a.key.as_str(),
            store.create_agreement(&system, &new, now).await?,
        );
    }
    for m in &seeds.activity {
        let mut donation_ids = Vec::new();
        for key in m.gifts.iter().filter(|k| !travelled.contains(k.as_str())) {
            donation_ids.extend(
                gift_ids
                    .get(key.as_str())
                    .with_context(|| format!("unknown gift {key}"))?,
            );
        }
        let agreement_id = match &m.agreement {
            Some(k) => Some(
                *agreements
                    .get(k.as_str())
                    .with_context(|| format!("unknown agreement {k}"))?,
            ),
            None => None,
        };
        let new = NewActivity {
            agreement_id,
            kind: m
                .kind
                .parse()
                .map_err(|_| anyhow::anyhow!("activity kind {}", m.kind))?,
            on_date: m.date,
            host: code(&m.host)?,
            guest: code(&m.guest)?,
            title: m.title.clone(),
            participants: m.participants.clone(),
            outcome: m.outcome.clone(),
            donation_ids,
            source: m.source.clone(),
            source_quote: Some(m.quote.clone()),
        };
        store.add_activity(&system, &new, now).await?;
    }
    for c in &seeds.campaign {
        let new = NewCampaign {
            name: c.name.clone(),
            launched_on: c.launched_on,
            launched_by: c.launched_by.clone(),
            unit: code(&c.unit)?,
            tasks: c
                .tasks
                .iter()
                .map(|t| CampaignTask {
                    no: 0,
                    title: t.title.clone(),
                    indicator: t.indicator.clone(),
                    target: t.target,
                    progress: t.progress,
                })
                .collect(),
            units: c.units.iter().map(|u| code(u)).collect::<Result<_>>()?,
            source: c.source.clone(),
            source_quote: Some(c.quote.clone()),
        };
        store.create_campaign(&system, &new, now).await?;
    }
    let zones = simulate_relief(store, &system, o, &seeds.relief, now).await?;
    store.set_meta(META_AID, "1").await?;
    eprintln!(
        "aid: {gifts} gifts, {} activities, {} agreements, {} campaigns from the reports; {zones} lockdown zones with relief rounds",
        seeds.activity.len(),
        seeds.agreement.len(),
        seeds.campaign.len()
    );
    Ok(())
}

/// A seed gift's money, goods and the status the report gives it.
fn parts(g: &Gift) -> Result<(Option<Money>, Vec<GoodsLine>, AidStatus)> {
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
    Ok((money, goods, status))
}

/// The donor's and the recipient's codes when both are localities among `linked`.
fn between<'a>(donor: &'a str, recipient: &'a str, linked: &[&str]) -> Option<(&'a str, &'a str)> {
    let d = donor.strip_prefix("locality:")?;
    let r = recipient.strip_prefix("locality:")?;
    (linked.contains(&d) && linked.contains(&r)).then_some((d, r))
}

/// A report's gift between two linked localities, for its donor to record (pledged) and
/// take to the report's status with its recipient.
pub struct LinkedGift {
    pub key: String,
    pub donor: String,
    pub recipient: String,
    pub new: NewDonation,
    pub status: AidStatus,
}

/// The reports' gifts between two of the `linked` localities.
pub fn linked_gifts(linked: &[&str]) -> Result<Vec<LinkedGift>> {
    let seeds: Seeds = toml::from_str(SEEDS).context("data/seeds/aid.toml")?;
    let mut out = Vec::new();
    for g in &seeds.donation {
        for recipient in g.recipient.iter().chain(&g.recipients) {
            let Some((donor, to)) = between(&g.donor, recipient, linked) else {
                continue;
            };
            let (money, goods, status) = parts(g)?;
            let locality = |code: &str| PartyRef {
                kind: PartyKind::Locality,
                code_or_id: code.to_owned(),
            };
            out.push(LinkedGift {
                key: g.key.clone().unwrap_or_default(),
                donor: donor.to_owned(),
                recipient: to.to_owned(),
                new: NewDonation {
                    donor: locality(donor),
                    recipient: locality(to),
                    money,
                    goods,
                    on_date: g.date,
                    status: AidStatus::Pledged,
                    source: g.source.clone(),
                    source_quote: Some(g.quote.clone()),
                    note: g.note.clone(),
                },
                status,
            });
        }
    }
    Ok(out)
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

/// Locks down the communes with the most households (several communes in one zone, or a
/// few addresses of one) and hands most of each zone's households a package.
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
    let mut residents = vec![0_i64; o.households.len()];
    for &h in &o.people.household {
        residents[h as usize] += 1;
    }
    let mut order: Vec<usize> = (0..o.communes.len())
        .filter(|&c| households[c] > 0)
        .collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(households[c]), c));
    let starts_on = o.params.start_date;
    let ends_on = starts_on + Duration::days(i64::from(o.params.days));
    let mut communes = order.into_iter();
    let mut made = 0;
    for spec in &r.zones {
        let picked: Vec<usize> = communes.by_ref().take(spec.communes).collect();
        if picked.is_empty() {
            break;
        }
        let numbers = spec.house_numbers.unwrap_or(usize::MAX);
        // The declared figures: the simulated households (and their people) of the zone.
        let (mut hh, mut people) = (0, 0);
        for (h, &c) in o.households.commune.iter().enumerate() {
            if picked.contains(&(c as usize)) && crate::demo::house_number(h) <= numbers {
                hh += 1;
                people += residents[h];
            }
        }
        let names: Vec<&str> = picked
            .iter()
            .map(|&c| o.communes[c].name.as_str())
            .collect();
        let addresses: Vec<String> = match spec.house_numbers {
            Some(n) => (1..=n)
                .flat_map(|k| names.iter().map(move |c| crate::demo::house_address(k, c)))
                .collect(),
            None => Vec::new(),
        };
        let units = picked
            .iter()
            .map(|&c| {
                UnitCode::parse(&o.communes[c].code)
                    .map_err(|_| anyhow::anyhow!("commune {}", o.communes[c].code))
            })
            .collect::<Result<Vec<_>>>()?;
        let name = match spec.house_numbers {
            Some(n) => format!("Vùng phong tỏa số 1–{n}, {}", names.join(" – ")),
            None => format!("Vùng phong tỏa {}", names.join(" – ")),
        };
        let zone = store
            .create_zone(
                system,
                &NewZone {
                    name,
                    structure: Structure::S2021,
                    units,
                    addresses,
                    starts_on,
                    ends_on: Some(ends_on),
                    population: people,
                    households: hh,
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
        let ids = store
            .zone_household_ids(zone, r.households_max as i64)
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
