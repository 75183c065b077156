//! Hand-over of a case between linked localities (issue #17, "What travels" 2), on both
//! databases: Hà Nội ("01", store A) hands case 1 over to HCMC ("79", store B); the
//! transport is in-process (A's unsent messages handed to B's `receive` through
//! `app::link::dispatch`, and back).

use app::care::{AdmitInput, CareError, DischargeInput, TransferInput};
use app::cases::{CaseError, CaseTestInput, StatusInput};
use app::handover::{HandoverError, OfferBody};
use app::vaccination::{dose, DoseInput};
use domain::facility::{BedType, FacilityKind};
use domain::{CaseId, Reason, Role, Structure, UnitCode};
use link::{Envelope, Kind};
use store::{
    both_databases, Caller, HandoverDirection, HandoverStatus, NewFacility, Received, Store,
    StoreError,
};

use crate::linked::{code, deliver, link_pair, other_db, Side};
use crate::{app_at_now, national, seed, NOW};

/// A may send hand-overs to B, B answers to A; each app is linked.
async fn link_both(a: &mut app::App, b: &mut app::App) {
    let hn = Side {
        code: "01",
        name: "Hà Nội",
        sends: &[Kind::Handover],
    };
    let hcm = Side {
        code: "79",
        name: "TP. Hồ Chí Minh",
        sends: &[Kind::HandoverAnswer],
    };
    link_pair(a, hn, b, hcm).await;
}

/// The positive PCR test of case 1 (a case is taken in through its test).
pub(crate) fn positive_pcr() -> CaseTestInput {
    CaseTestInput {
        kind: Some("pcr".into()),
        sample_at: Some("2021-11-19T08:00:00+07:00".into()),
        result_at: Some("2021-11-19T20:00:00+07:00".into()),
        positive: Some(true),
        ct: Some(22.5),
    }
}

/// Hà Nội's seed (case 1 of person 1 in commune 00001) with a PCR test on the case, two
/// doses of person 1, and a stay of case 1 in a facility there (answered).
async fn a_case_with_tests_doses_and_a_stay(a: &app::App) -> domain::FacilityId {
    seed(&a.store, 2).await;
    let system = Caller::system("test");
    assert!(a
        .add_case_test(&system, CaseId(1), &positive_pcr())
        .await
        .unwrap());
    let today = a.today();
    let doses: Vec<_> = [(1, "2021-08-01"), (2, "2021-09-01")]
        .iter()
        .map(|(n, on)| {
            dose(
                &DoseInput {
                    client_id: Some(format!("d{n}")),
                    person_id: Some(1),
                    product: Some("pfizer".into()),
                    dose_no: Some(*n),
                    given_on: Some((*on).into()),
                    unit: Some("00001".into()),
                    lot: None,
                },
                today,
                &mut Vec::new(),
            )
            .unwrap()
        })
        .collect();
    a.record_doses(&system, &doses).await.unwrap();
    let facility = a
        .store
        .create_facility(
            &system,
            &NewFacility {
                name: "Khu thu dung Phúc Xá".into(),
                kind: FacilityKind::F0Isolation,
                structure: Structure::S2021,
                unit_code: UnitCode::parse("00001").unwrap(),
                address: None,
                beds: vec![(BedType::F0Tier1, 10)],
            },
            NOW,
        )
        .await
        .unwrap();
    a.admit(
        &system,
        Some(facility),
        &AdmitInput {
            case_id: Some(1),
            ..AdmitInput::default()
        },
    )
    .await
    .unwrap()
    .unwrap();
    facility
}

fn recovered() -> StatusInput {
    StatusInput {
        status: Some("recovered".into()),
        severity: Some("mild".into()),
        ..StatusInput::default()
    }
}

fn refused_as_handed_over(fields: &[domain::FieldError]) -> bool {
    fields
        .iter()
        .any(|f| f.field == "handed_over" && f.reason == Reason::NotAllowed)
}

async fn cases_on(app: &app::App) -> i64 {
    app.store
        .count_cases(
            &Caller::system("test"),
            Structure::S2021,
            &store::CaseFilter::default(),
            1000,
        )
        .await
        .unwrap()
        .unwrap()
}

async fn incoming(app: &app::App) -> Vec<store::Handover> {
    app.store
        .handovers(Some(HandoverDirection::In), 100)
        .await
        .unwrap()
}

/// Accepted: B has the person, the case, its test, the doses and the stay; A's case refuses
/// every change from then on; a second delivery of each message changes nothing.
async fn a_handover_accepted_moves_the_case_and_leaves_a_read_only_copy(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    let facility = a_case_with_tests_doses_and_a_stay(&a).await;
    let cmd_a = national(&a, "command", Role::Command).await;
    let cmd_b = national(&b, "command", Role::Command).await;
    let viewer = national(&a, "viewer", Role::Viewer).await;

    assert!(matches!(
        a.hand_over(&viewer, CaseId(1), &code("79"), "chuyển viện")
            .await,
        Err(HandoverError::Forbidden)
    ));
    let Err(HandoverError::Invalid(f)) = a.hand_over(&cmd_a, CaseId(1), &code("48"), "x").await
    else {
        panic!("an unknown locality is refused");
    };
    assert_eq!(f[0].field, "to");
    let id = a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "chuyển viện vào TP.HCM")
        .await
        .unwrap()
        .expect("case 1 is the caller's");
    // Pending: handed over once at a time.
    let Err(HandoverError::Invalid(f)) = a.hand_over(&cmd_a, CaseId(1), &code("79"), "x").await
    else {
        panic!("a case pending hand-over is not handed over again");
    };
    assert_eq!(
        (f[0].field.as_str(), f[0].reason),
        ("case", Reason::Duplicate)
    );
    let unsent = a.store.unsent(10).await.unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(unsent[0].1, "link.01.79.handover");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, "case:01:1");
    let body: OfferBody = serde_json::from_value(env.body).unwrap();
    assert_eq!((body.action.as_str(), body.handover), ("offer", id));

    // Delivered twice: kept once, pending, not in B's records.
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let offers = incoming(&b).await;
    assert_eq!(offers.len(), 1);
    let offer = &offers[0];
    assert_eq!(offer.status, HandoverStatus::Pending);
    assert_eq!((offer.peer.as_str(), offer.remote_id), ("01", Some(id)));
    assert!(offer.bundle.is_some());
    assert_eq!(cases_on(&b).await, 0, "an offer is not a record yet");

    let case_b = b
        .answer_handover(&cmd_b, offer.id, true, Some("nhận"))
        .await
        .unwrap()
        .expect("the case taken in");
    // Answered: not again.
    assert!(matches!(
        b.answer_handover(&cmd_b, offer.id, false, None).await,
        Err(HandoverError::Invalid(_))
    ));
    let detail = b
        .store
        .get_case(&cmd_b, CaseId(case_b), NOW)
        .await
        .unwrap()
        .expect("B has the case");
    assert_eq!(detail.tests.len(), 1, "{:?}", detail.tests);
    assert_eq!(detail.tests[0].ct, Some(22.5));
    let record = b
        .store
        .person_record(&cmd_b, detail.case.person_id, NOW)
        .await
        .unwrap()
        .expect("B has the person");
    assert_eq!(record.person.full_name, "Người 1");
    assert_eq!(record.doses.len(), 2, "{:?}", record.doses);
    assert_eq!(record.stays.len(), 1, "{:?}", record.stays);
    assert_eq!(
        record.stays[0].facility_name.as_deref(),
        Some("Khu thu dung Phúc Xá")
    );
    let accepted = b.store.handover(offer.id).await.unwrap().unwrap();
    assert_eq!(accepted.status, HandoverStatus::Accepted);
    assert_eq!(accepted.case_id, Some(case_b));

    // Until the answer arrives, A's case is still A's.
    assert!(a
        .store
        .case_handed_over_to(CaseId(1))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        deliver(&b, &a, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let out = a.store.handover(id).await.unwrap().unwrap();
    assert_eq!(out.status, HandoverStatus::Accepted);
    assert_eq!(out.answer_reason.as_deref(), Some("nhận"));

    // A's copy is read-only.
    let Err(CaseError::Store(StoreError::Invalid(f))) =
        a.update_case_status(&cmd_a, CaseId(1), &recovered()).await
    else {
        panic!("a status change of a case handed over is refused");
    };
    assert!(refused_as_handed_over(&f), "{f:?}");
    let Err(CaseError::Store(StoreError::Invalid(f))) = a
        .add_case_test(
            &cmd_a,
            CaseId(1),
            &CaseTestInput {
                kind: Some("antigen".into()),
                positive: Some(false),
                ..CaseTestInput::default()
            },
        )
        .await
    else {
        panic!("a test on a case handed over is refused");
    };
    assert!(refused_as_handed_over(&f), "{f:?}");
    let stay = a
        .store
        .person_record(&cmd_a, domain::PersonId(1), NOW)
        .await
        .unwrap()
        .unwrap()
        .stays[0]
        .id;
    let Err(CareError::Store(StoreError::Invalid(f))) = a
        .discharge(
            &cmd_a,
            domain::StayId::new(stay),
            &DischargeInput {
                reason: Some("recovered".into()),
                ..DischargeInput::default()
            },
        )
        .await
    else {
        panic!("a discharge of a case handed over is refused");
    };
    assert!(refused_as_handed_over(&f), "{f:?}");
    let Err(CareError::Store(StoreError::Invalid(f))) = a
        .transfer(
            &cmd_a,
            domain::StayId::new(stay),
            &TransferInput {
                facility_id: Some(facility.get()),
                bed_type: Some("oxygen".into()),
                ..TransferInput::default()
            },
        )
        .await
    else {
        panic!("a transfer of a case handed over is refused");
    };
    assert!(refused_as_handed_over(&f), "{f:?}");
    let Err(CareError::Store(StoreError::Invalid(f))) = a
        .admit(
            &cmd_a,
            None,
            &AdmitInput {
                case_id: Some(1),
                ..AdmitInput::default()
            },
        )
        .await
    else {
        panic!("an admission of a case handed over is refused");
    };
    assert!(refused_as_handed_over(&f), "{f:?}");
    // Handed over: not again.
    assert!(matches!(
        a.hand_over(&cmd_a, CaseId(1), &code("79"), "x").await,
        Err(HandoverError::Invalid(_))
    ));
}

/// Rejected: B keeps nothing of it; A's hand-over is closed rejected and its case stays
/// changeable (and may be handed over again).
async fn a_handover_rejected_keeps_nothing_and_the_case_stays_the_senders(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    a_case_with_tests_doses_and_a_stay(&a).await;
    let cmd_a = national(&a, "command", Role::Command).await;
    let cmd_b = national(&b, "command", Role::Command).await;
    let id = a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "chuyển viện")
        .await
        .unwrap()
        .unwrap();
    deliver(&a, &b, 1).await;
    let offer = incoming(&b).await.remove(0);
    assert_eq!(
        b.answer_handover(&cmd_b, offer.id, false, Some("hết giường"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(cases_on(&b).await, 0);
    let rejected = b.store.handover(offer.id).await.unwrap().unwrap();
    assert_eq!(rejected.status, HandoverStatus::Rejected);
    assert_eq!(rejected.bundle, None, "nothing of it kept");
    assert_eq!(
        deliver(&b, &a, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let out = a.store.handover(id).await.unwrap().unwrap();
    assert_eq!(out.status, HandoverStatus::Rejected);
    assert_eq!(out.answer_reason.as_deref(), Some("hết giường"));
    assert!(a
        .update_case_status(&cmd_a, CaseId(1), &recovered())
        .await
        .unwrap());
    let again = a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "lần hai")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(again, id);
}

/// Withdrawn before acceptance: B marks the offer withdrawn and refuses to answer it. A
/// withdrawal that crosses an acceptance: the acceptance stands on both sides.
async fn a_withdrawn_handover_cannot_be_answered_and_an_acceptance_before_it_stands(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    a_case_with_tests_doses_and_a_stay(&a).await;
    let cmd_a = national(&a, "command", Role::Command).await;
    let cmd_b = national(&b, "command", Role::Command).await;
    let id = a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "chuyển viện")
        .await
        .unwrap()
        .unwrap();
    deliver(&a, &b, 1).await;
    assert!(a.withdraw_handover(&cmd_a, id).await.unwrap());
    // Withdrawn: not again.
    assert!(matches!(
        a.withdraw_handover(&cmd_a, id).await,
        Err(HandoverError::Invalid(_))
    ));
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let offer = incoming(&b).await.remove(0);
    assert_eq!(offer.status, HandoverStatus::Withdrawn);
    assert_eq!(offer.bundle, None);
    let Err(HandoverError::Invalid(f)) = b.answer_handover(&cmd_b, offer.id, true, None).await
    else {
        panic!("an answer to a withdrawn offer is refused");
    };
    assert_eq!(
        (f[0].field.as_str(), f[0].reason),
        ("handover", Reason::NotAllowed)
    );
    assert_eq!(cases_on(&b).await, 0);
    assert!(a.store.unsent(10).await.unwrap().is_empty());
    assert!(a
        .update_case_status(&cmd_a, CaseId(1), &recovered())
        .await
        .unwrap());

    // Again; B accepts before the withdrawal arrives.
    let second = a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "lần hai")
        .await
        .unwrap()
        .unwrap();
    deliver(&a, &b, 1).await;
    let offer = incoming(&b)
        .await
        .into_iter()
        .find(|h| h.remote_id == Some(second))
        .unwrap();
    let case_b = b
        .answer_handover(&cmd_b, offer.id, true, None)
        .await
        .unwrap()
        .unwrap();
    assert!(a.withdraw_handover(&cmd_a, second).await.unwrap());
    deliver(&a, &b, 1).await;
    let kept = b.store.handover(offer.id).await.unwrap().unwrap();
    assert_eq!(
        kept.status,
        HandoverStatus::Accepted,
        "the acceptance stands"
    );
    assert_eq!(kept.case_id, Some(case_b));
    deliver(&b, &a, 1).await;
    assert_eq!(
        a.store.handover(second).await.unwrap().unwrap().status,
        HandoverStatus::Accepted
    );
    assert_eq!(
        a.store
            .case_handed_over_to(CaseId(1))
            .await
            .unwrap()
            .as_deref(),
        Some("79")
    );
}

/// A case without its positive test is not offered: the receiver makes a case from it, as the
/// form does, and could never accept. Nothing is written or sent.
async fn a_case_without_its_positive_test_is_not_offered(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b).await;
    seed(&a.store, 2).await;
    let cmd_a = national(&a, "command", Role::Command).await;
    let Err(HandoverError::Invalid(f)) = a.hand_over(&cmd_a, CaseId(1), &code("79"), "x").await
    else {
        panic!("a case without a positive test is refused");
    };
    assert_eq!(
        (f[0].field.as_str(), f[0].reason),
        ("test", Reason::Required)
    );
    assert!(a.store.unsent(10).await.unwrap().is_empty());
    assert!(a.store.open_handover_of(CaseId(1)).await.unwrap().is_none());
    assert!(a
        .add_case_test(&Caller::system("test"), CaseId(1), &positive_pcr())
        .await
        .unwrap());
    assert!(a
        .hand_over(&cmd_a, CaseId(1), &code("79"), "x")
        .await
        .unwrap()
        .is_some());
}

both_databases!(
    a_case_without_its_positive_test_is_not_offered,
    a_handover_accepted_moves_the_case_and_leaves_a_read_only_copy
);
both_databases!(a_handover_rejected_keeps_nothing_and_the_case_stays_the_senders);
both_databases!(a_withdrawn_handover_cannot_be_answered_and_an_acceptance_before_it_stands);
