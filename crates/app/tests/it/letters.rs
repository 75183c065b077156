//! Thank-you letters recorded on both sides (issue #17, "What travels" 4), on both databases:
//! HCMC ("79", store A) thanks Hà Nội ("01", store B); the transport is in-process (A's
//! unsent messages handed to B's `receive` through the application's dispatcher).

use chrono::NaiveDate;
use domain::aid::{AidStatus, LetterDirection, LetterDraft, LetterKind, LetterPartner};
use link::registry::Refusal;
use link::{Envelope, Kind};
use store::aid::{AidFilter, Receipt};
use store::{both_databases, Caller, Letter, PageRequest, Received, Store};

use app::gift::{advance_donation, record_donation, record_letter_sent};
use app::letters::{new_letter, record_letter, LetterBody, LetterInput};

use crate::app_at_now;
use crate::link_gift::masks_and_money;
use crate::linked::{deliver, link_pair, other_db, Side};

/// HCMC sends what `hcmc_sends` lists to Hà Nội, which sends gifts and letters back.
async fn link_both(hcmc: &mut app::App, hanoi: &mut app::App, hcmc_sends: &[Kind]) {
    let a = Side {
        code: "79",
        name: "Thành phố Hồ Chí Minh",
        sends: hcmc_sends,
    };
    let b = Side {
        code: "01",
        name: "Thành phố Hà Nội",
        sends: &[Kind::Gift, Kind::Letter],
    };
    link_pair(hcmc, a, hanoi, b).await;
}

/// HCMC's letter to Hà Nội of 29 October 2021, for its doctors and supplies.
fn help_letter(to: &str) -> LetterDraft {
    new_letter(
        &LetterInput {
            to: Some(to.into()),
            kind: Some("help".into()),
            on_date: Some("2021-10-29".into()),
            subject: Some("Thư cảm ơn Thành phố Hà Nội".into()),
            text: Some(
                "Cảm ơn Thành phố Hà Nội đã chi viện đội ngũ y, bác sĩ và vật tư y tế.".into(),
            ),
            signed_by: Some("Chủ tịch UBND TP. Hồ Chí Minh".into()),
            ..LetterInput::default()
        },
        NaiveDate::from_ymd_opt(2021, 11, 20).unwrap(),
    )
    .unwrap()
}

async fn letters(app: &app::App) -> Vec<Letter> {
    app.store
        .list_letters(&PageRequest::first(100))
        .await
        .unwrap()
        .items
}

async fn a_help_letter_sent_by_hcmc_is_recorded_at_hanoi_as_received_once(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Letter]).await;
    let admin = Caller::system("test");

    let id = record_letter(&a, &admin, &help_letter("01")).await.unwrap();
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    assert_eq!(unsent[0].1, "link.79.01.letter");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, format!("letter:79:{}", id.get()));
    let body: LetterBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!((body.v, body.kind.as_str()), (1, "help"));

    let here = letters(&a).await;
    assert_eq!(here.len(), 1);
    assert_eq!(here[0].row.direction, LetterDirection::Sent);
    assert_eq!(here[0].row.partner_code.as_deref(), Some("01"));
    assert_eq!(here[0].row.partner_name, "Thành phố Hà Nội");

    // Delivered twice: recorded once.
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let there = letters(&b).await;
    assert_eq!(there.len(), 1, "{there:?}");
    let l = &there[0].row;
    assert_eq!(l.direction, LetterDirection::Received);
    assert_eq!(l.kind, LetterKind::Help);
    assert_eq!(l.partner_code.as_deref(), Some("79"));
    assert_eq!(l.partner_name, "Thành phố Hồ Chí Minh");
    assert_eq!(l.on_date, NaiveDate::from_ymd_opt(2021, 10, 29).unwrap());
    assert_eq!(
        l.text,
        "Cảm ơn Thành phố Hà Nội đã chi viện đội ngũ y, bác sĩ và vật tư y tế."
    );
    assert_eq!(l.signed_by, "Chủ tịch UBND TP. Hồ Chí Minh");
    assert_eq!(there[0].created_by, "link:79");
    // Nothing goes back, nothing was set aside.
    assert!(b.store.unsent(100).await.unwrap().is_empty());
}

async fn a_letter_to_a_partner_that_is_not_linked_is_recorded_here_only(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Letter]).await;
    let admin = Caller::system("test");
    // Hậu Giang ("93") has no system of its own; an embassy is named only.
    record_letter(&a, &admin, &help_letter("93")).await.unwrap();
    let embassy = LetterDraft {
        partner: LetterPartner::Named("Đại sứ quán Nhật Bản".into()),
        ..help_letter("01")
    };
    record_letter(&a, &admin, &embassy).await.unwrap();
    assert!(a.store.unsent(100).await.unwrap().is_empty());
    let here = letters(&a).await;
    assert_eq!(here.len(), 2);
    assert_eq!(here[1].row.partner_name, "Hậu Giang");
    assert_eq!(here[0].row.partner_code, None);
    assert_eq!(here[0].row.partner_name, "Đại sứ quán Nhật Bản");
    // An unknown locality code is refused.
    assert!(record_letter(&a, &admin, &help_letter("X9")).await.is_err());
}

async fn a_gift_letter_for_a_received_gift_acknowledges_it_at_the_donor(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::GiftReceipt, Kind::Letter]).await;
    let admin = Caller::system("test");

    // Hà Nội gives HCMC, dispatches it; HCMC receives it.
    let donor_id = record_donation(&b, &admin, &masks_and_money("01", "79"))
        .await
        .unwrap();
    advance_donation(&b, &admin, donor_id, AidStatus::Dispatched, None, None)
        .await
        .unwrap();
    assert_eq!(
        deliver(&b, &a, 1).await,
        [Received::Applied, Received::Applied]
    );
    let mine = a
        .store
        .list_donations(&admin, &AidFilter::default(), &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(mine.len(), 1);
    let receipt = Receipt {
        money_minor: Some(2_000_000),
        goods: vec![("masks".into(), 1_000_000)],
    };
    advance_donation(
        &a,
        &admin,
        mine[0].id,
        AidStatus::Received,
        Some(&receipt),
        None,
    )
    .await
    .unwrap();
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);

    // HCMC thanks by letter: acknowledged here and, through the receipt, at Hà Nội; Hà Nội
    // records the letter as received, naming its gift.
    assert_eq!(
        record_letter_sent(&a, &admin, mine[0].id, "vi")
            .await
            .unwrap(),
        Some(AidStatus::Acknowledged)
    );
    let mut unsent: Vec<String> = a
        .store
        .unsent(100)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.1)
        .collect();
    unsent.sort();
    assert_eq!(unsent, ["link.79.01.gift_receipt", "link.79.01.letter"]);
    assert_eq!(
        deliver(&a, &b, 1).await,
        [Received::Applied, Received::Applied]
    );
    let at_donor = b
        .store
        .get_donation(&admin, donor_id)
        .await
        .unwrap()
        .unwrap()
        .donation;
    assert_eq!(at_donor.status, AidStatus::Acknowledged);
    let there = letters(&b).await;
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].row.kind, LetterKind::Gift);
    assert_eq!(there[0].row.direction, LetterDirection::Received);
    assert_eq!(there[0].row.donation_id, Some(donor_id));
    let here = letters(&a).await;
    assert_eq!(here[0].row.direction, LetterDirection::Sent);
    assert_eq!(here[0].row.donation_id, Some(mine[0].id));
    // The printed letter is on the gift's page as before.
    let detail = a
        .store
        .get_donation(&admin, mine[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.letters.len(), 1);
}

async fn a_letter_from_a_locality_not_allowed_to_send_letters_is_refused(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    // Hà Nội's registry lets HCMC send receipts only.
    link_both(&mut a, &mut b, &[Kind::GiftReceipt]).await;
    let admin = Caller::system("test");
    record_letter(&a, &admin, &help_letter("01")).await.unwrap();
    assert_eq!(
        deliver(&a, &b, 1).await,
        [Received::Refused(Refusal::KindNotAllowed)]
    );
    assert!(letters(&b).await.is_empty());
}

both_databases!(
    a_help_letter_sent_by_hcmc_is_recorded_at_hanoi_as_received_once,
    a_letter_to_a_partner_that_is_not_linked_is_recorded_here_only,
    a_gift_letter_for_a_received_gift_acknowledges_it_at_the_donor,
    a_letter_from_a_locality_not_allowed_to_send_letters_is_refused,
);
