//! Cooperation agreements and activities between localities, and emulation campaigns.

use chrono::NaiveDate;
use domain::aid::{ActivityKind, DEFAULT_COOPERATION_FIELDS};
use domain::time::Dates;
use domain::{AgreementId, DonationId, FieldError, Reason, UnitCode};
use store::aid::{CampaignTask, Commendation, NewActivity, NewAgreement, NewCampaign};

use super::bounded;
use crate::input::{in_range, opt_date, req_date, required, slug, text, unit};

/// The dates of agreements and their activities: from 2019-12 to ten years after today.
/// Agreements run for years; and they are facts of cooperation rather than of the outbreak,
/// so a locality whose clock is set in a past outbreak (a 2021 demo) still records one signed
/// later (the Hà Nội – Hồ Chí Minh City MoU of 2023) and its meetings.
fn cooperation_dates(today: NaiveDate) -> Dates {
    Dates::ahead(today, 3_653)
}

/// A commitment of an agreement as given.
#[derive(Debug, Clone, Default)]
pub struct CommitmentInput {
    pub text: String,
    pub owner: String,
    /// 0–100.
    pub progress_pct: i64,
}

/// An agreement as given.
#[derive(Debug, Clone, Default)]
pub struct AgreementInput {
    pub title: Option<String>,
    /// Unit codes of the two parties.
    pub party_a: Option<String>,
    pub party_b: Option<String>,
    pub signed_on: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Default: the nine fields of the 2023 Hà Nội – HCMC MoU.
    pub fields: Option<Vec<String>>,
    pub commitments: Vec<CommitmentInput>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// An agreement from its input: every field checked, every error reported at once.
pub fn new_agreement(
    r: &AgreementInput,
    today: NaiveDate,
) -> Result<NewAgreement, Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = text("title", r.title.as_deref(), &mut errors);
    let title = required("title", title, &mut errors);
    let party_a = unit("party_a", r.party_a.as_deref(), &mut errors);
    let party_b = unit("party_b", r.party_b.as_deref(), &mut errors);
    let years = cooperation_dates(today);
    let signed_on = req_date("signed_on", r.signed_on.as_deref(), years, &mut errors);
    let starts_on = req_date("starts_on", r.starts_on.as_deref(), years, &mut errors);
    let ends_on = opt_date("ends_on", r.ends_on.as_deref(), years, &mut errors);
    if ends_on.is_some() && ends_on < starts_on {
        errors.push(FieldError::new("ends_on", Reason::OutOfRange));
    }
    let fields = r.fields.clone().unwrap_or_else(|| {
        DEFAULT_COOPERATION_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect()
    });
    bounded("fields", &fields, &mut errors);
    bounded("commitments", &r.commitments, &mut errors);
    if r.commitments
        .iter()
        .any(|c| !(0..=100).contains(&c.progress_pct))
    {
        errors.push(FieldError::new(
            "commitments.progress_pct",
            Reason::OutOfRange,
        ));
    }
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (
        Some(title),
        Some(party_a),
        Some(party_b),
        Some(signed_on),
        Some(starts_on),
        Some(source),
        true,
    ) = (
        title,
        party_a,
        party_b,
        signed_on,
        starts_on,
        source,
        errors.is_empty(),
    )
    else {
        return Err(errors);
    };
    Ok(NewAgreement {
        title,
        party_a,
        party_b,
        signed_on,
        starts_on,
        ends_on,
        fields,
        commitments: r
            .commitments
            .iter()
            .map(|c| (c.text.clone(), c.owner.clone(), c.progress_pct))
            .collect(),
        source,
        source_quote,
    })
}

/// An activity (delegation visit, online talks, conference) as given.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub agreement_id: Option<AgreementId>,
    /// `delegation_visit`, `online_talks` or `conference`.
    pub kind: Option<String>,
    pub date: Option<String>,
    /// Unit codes: who received the delegation, and who came.
    pub host: Option<String>,
    pub guest: Option<String>,
    pub title: Option<String>,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// Gifts the activity carried or announced.
    pub donation_ids: Vec<DonationId>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// An activity from its input: every field checked, every error reported at once.
pub fn new_activity(r: &ActivityInput, today: NaiveDate) -> Result<NewActivity, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = slug::<ActivityKind>("kind", r.kind.as_deref(), &mut errors);
    let on_date = req_date(
        "date",
        r.date.as_deref(),
        cooperation_dates(today),
        &mut errors,
    );
    let host = unit("host", r.host.as_deref(), &mut errors);
    let guest = unit("guest", r.guest.as_deref(), &mut errors);
    let title = text("title", r.title.as_deref(), &mut errors);
    let title = required("title", title, &mut errors);
    let participants = text("participants", r.participants.as_deref(), &mut errors);
    let outcome = text("outcome", r.outcome.as_deref(), &mut errors);
    bounded("donation_ids", &r.donation_ids, &mut errors);
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (Some(kind), Some(on_date), Some(host), Some(guest), Some(title), Some(source), true) =
        (kind, on_date, host, guest, title, source, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(NewActivity {
        agreement_id: r.agreement_id,
        kind,
        on_date,
        host,
        guest,
        title,
        participants,
        outcome,
        donation_ids: r.donation_ids.clone(),
        source,
        source_quote,
    })
}

/// A commitment's progress, 0–100 %.
pub fn commitment_progress(progress_pct: Option<i64>) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    in_range("progress_pct", progress_pct, 0..=100, &mut errors).ok_or(errors)
}

/// A key task of a campaign as given.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub title: String,
    pub indicator: Option<String>,
    pub target: Option<i64>,
    pub progress: Option<i64>,
}

/// An emulation campaign as given.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub launched_on: Option<String>,
    pub launched_by: Option<String>,
    /// The launching jurisdiction (a unit code of the caller's).
    pub unit: Option<String>,
    pub tasks: Vec<TaskInput>,
    /// Units taking part.
    pub units: Vec<String>,
    pub source: Option<String>,
    pub source_quote: Option<String>,
}

/// A campaign from its input: every field checked, every error reported at once.
pub fn new_campaign(r: &CampaignInput, today: NaiveDate) -> Result<NewCampaign, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = text("name", r.name.as_deref(), &mut errors);
    let name = required("name", name, &mut errors);
    let launched_on = req_date(
        "launched_on",
        r.launched_on.as_deref(),
        Dates::planned(today),
        &mut errors,
    );
    let launched_by = text("launched_by", r.launched_by.as_deref(), &mut errors);
    let launched_by = required("launched_by", launched_by, &mut errors);
    let launching = unit("unit", r.unit.as_deref(), &mut errors);
    bounded("tasks", &r.tasks, &mut errors);
    bounded("units", &r.units, &mut errors);
    if r.tasks.iter().any(|t| t.title.trim().is_empty()) {
        errors.push(FieldError::new("tasks.title", Reason::Required));
    }
    let units: Vec<UnitCode> = r
        .units
        .iter()
        .filter_map(|u| unit("units", Some(u), &mut errors))
        .collect();
    let source = text("source", r.source.as_deref(), &mut errors);
    let source = required("source", source, &mut errors);
    let source_quote = text("source_quote", r.source_quote.as_deref(), &mut errors);
    let (Some(name), Some(launched_on), Some(launched_by), Some(unit), Some(source), true) = (
        name,
        launched_on,
        launched_by,
        launching,
        source,
        errors.is_empty(),
    ) else {
        return Err(errors);
    };
    Ok(NewCampaign {
        name,
        launched_on,
        launched_by,
        unit,
        tasks: r
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
        units,
        source,
        source_quote,
    })
}

/// A task's progress: a count in the task's indicator, never negative.
pub fn task_progress(progress: Option<i64>) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    in_range("progress", progress, 0..=i64::MAX, &mut errors).ok_or(errors)
}

/// A commendation as given.
#[derive(Debug, Clone, Default)]
pub struct CommendationInput {
    pub recipient: Option<String>,
    /// A collective (unit, team) rather than a person.
    pub collective: bool,
    pub reason: Option<String>,
    pub on_date: Option<String>,
}

/// A commendation from its input.
pub fn new_commendation(
    r: &CommendationInput,
    today: NaiveDate,
) -> Result<Commendation, Vec<FieldError>> {
    let mut errors = Vec::new();
    let recipient = text("recipient", r.recipient.as_deref(), &mut errors);
    let recipient = required("recipient", recipient, &mut errors);
    let reason = text("reason", r.reason.as_deref(), &mut errors);
    let reason = required("reason", reason, &mut errors);
    let on_date = req_date(
        "on_date",
        r.on_date.as_deref(),
        Dates::past(today),
        &mut errors,
    );
    let (Some(recipient), Some(reason), Some(on_date), true) =
        (recipient, reason, on_date, errors.is_empty())
    else {
        return Err(errors);
    };
    Ok(Commendation {
        recipient,
        collective: r.collective,
        reason,
        on_date: on_date.to_string(),
    })
}
