//! Gifts of money and goods between localities and organisations.

use chrono::NaiveDate;
use domain::aid::{self, AidStatus, Currency, GoodsLine, Money, PartyKind};
use domain::time::Dates;
use domain::{FieldError, OrgId, Reason, UnitCode};
use store::aid::{NewDonation, PartyRef, PartySel};

use crate::input::{req_date, required, slug, text};

/// A donor or a recipient as given.
#[derive(Debug, Clone, Default)]
pub struct PartyInput {
    /// `locality`, `party_committee`, …, `individual`.
    pub kind: String,
    /// A unit code for a locality ("01", "LA-VT"), an organisation id otherwise.
    pub code_or_id: String,
}

/// An amount of money in minor units as given: a whole number, or what an edge could tell of
/// a value that is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountInput {
    #[default]
    Missing,
    Whole(i64),
    /// A whole number beyond an i64: out of range, not malformed.
    TooBig,
    Malformed,
}

/// Money as given.
#[derive(Debug, Clone, Default)]
pub struct MoneyInput {
    pub amount_minor: AmountInput,
    pub currency: Option<String>,
}

/// A line of goods as given.
#[derive(Debug, Clone, Default)]
pub struct GoodsInput {
    /// A catalogue slug.
    pub item: String,
    pub quantity: i64,
}

/// A gift as given.
#[derive(Debug, Clone, Default)]
pub struct DonationInput {
    pub donor: Option<PartyInput>,
    pub recipient: Option<PartyInput>,
    pub money: Option<MoneyInput>,
    pub goods: Vec<GoodsInput>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    /// Default `pledged`; a gift recorded later may start further along.
    pub status: Option<String>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
    pub note: Option<String>,
}

/// `01`, `LA-VT` (a unit and everything in it) or `org:5` (one organisation).
pub fn party_sel(s: &str) -> Result<PartySel, Reason> {
    match s.strip_prefix("org:") {
        Some(id) => id
            .parse::<i64>()
            .ok()
            .filter(|&i| i > 0)
            .map(|i| PartySel::Org(OrgId::new(i)))
            .ok_or(Reason::InvalidFormat),
        None => UnitCode::parse(s).map(PartySel::Unit),
    }
}

fn party_ref(
    field: &str,
    p: Option<&PartyInput>,
    errors: &mut Vec<FieldError>,
) -> Option<PartyRef> {
    let p = required(field, p, errors)?;
    let kind = slug::<PartyKind>(&format!("{field}.kind"), Some(&p.kind), errors);
    let code = required(
        &format!("{field}.code_or_id"),
        Some(p.code_or_id.trim()).filter(|c| !c.is_empty() && c.len() <= 32),
        errors,
    );
    Some(PartyRef {
        kind: kind?,
        code_or_id: code?.to_string(),
    })
}

fn money_field(m: Option<&MoneyInput>, errors: &mut Vec<FieldError>) -> Option<Money> {
    let m = m?;
    let amount = match m.amount_minor {
        AmountInput::Whole(a) if aid::amount_in_bounds(a) => Some(a),
        AmountInput::Whole(_) | AmountInput::TooBig => {
            errors.push(FieldError::new("money.amount_minor", Reason::OutOfRange));
            None
        }
        AmountInput::Missing => required::<i64>("money.amount_minor", None, errors),
        AmountInput::Malformed => {
            errors.push(FieldError::new("money.amount_minor", Reason::InvalidFormat));
            None
        }
    };
    let currency = slug::<Currency>("money.currency", m.currency.as_deref(), errors);
    Some(Money {
        amount_minor: amount?,
        currency: currency?,
    })
}

/// A gift from its input: every bad field named at once. Its date has happened by `today`.
pub fn new_donation(r: &DonationInput, today: NaiveDate) -> Result<NewDonation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let donor = party_ref("donor", r.donor.as_ref(), &mut errors);
    let recipient = party_ref("recipient", r.recipient.as_ref(), &mut errors);
    let money = money_field(r.money.as_ref(), &mut errors);
    let mut goods = Vec::new();
    for (i, g) in r.goods.iter().enumerate() {
        match aid::item(&g.item) {
            None => errors.push(FieldError::new(
                format!("goods[{i}].item"),
                Reason::UnknownValue,
            )),
            Some(_) if !aid::quantity_in_bounds(g.quantity) => errors.push(FieldError::new(
                format!("goods[{i}].quantity"),
                Reason::OutOfRange,
            )),
            Some(item) => goods.push(GoodsLine {
                item,
                quantity: g.quantity,
            }),
        }
    }
    if r.goods.len() > store::aid::GOODS_LINES_MAX {
        errors.push(FieldError::new("goods", Reason::TooLong));
    }
    if r.money.is_none() && r.goods.is_empty() {
        errors.push(FieldError::new("money", Reason::Required));
    }
    let on_date = req_date("date", r.date.as_deref(), Dates::past(today), &mut errors);
    let status = match r.status.as_deref() {
        None | Some("") => Some(AidStatus::Pledged),
        s => slug::<AidStatus>("status", s, &mut errors),
    };
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let note = text("note", r.note.as_deref(), &mut errors);
    let (Some(donor), Some(recipient), Some(on_date), Some(status), Some(source), true) =
        (donor, recipient, on_date, status, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewDonation {
        donor,
        recipient,
        money,
        goods,
        on_date,
        status,
        source,
        source_quote,
        note,
    })
}

/// An organisation that gives or receives aid, as given.
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    /// A party kind's slug other than `locality` (a locality is a unit, not registered).
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The organisation's locality (unit code).
    pub unit: Option<String>,
}

/// An organisation from its input, every bad field named.
pub fn new_org(r: &OrgInput) -> Result<store::aid::NewOrg, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = slug::<PartyKind>("kind", r.kind.as_deref(), &mut errors);
    if kind == Some(PartyKind::Locality) {
        errors.push(FieldError::new("kind", Reason::UnknownValue));
    }
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let unit = crate::input::unit("unit", r.unit.as_deref(), &mut errors);
    let (Some(kind), Some(name), Some(unit), true) = (kind, name, unit, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(store::aid::NewOrg { kind, name, unit })
}
