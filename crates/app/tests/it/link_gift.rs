//! Aid between linked localities (issue #17, "What travels" 4), on both databases: Hà Nội
//! ("01", store A) gives Vientiane ("LA-VT", store B); the transport is in-process (A's unsent
//! messages handed to B's `receive` through the application's dispatcher, and back).

use chrono::NaiveDate;
use domain::aid::{item, AidStatus, Currency, GoodsLine, Money, NeedStatus, PartyKind};
use domain::{DonationId, UnitCode};
use link::registry::Refusal;
use link::{Envelope, Kind};
use store::aid::{AidFilter, Donation, NewDonation, NewNeed, PartyRef, Receipt};
use store::{both_databases, Caller, PageRequest, Received, Store};

use app::gift::{
    advance_donation, close_need, post_need, record_donation, record_letter_sent, GiftBody,
};

use crate::linked::{deliver, link_pair, other_db, Side};
use crate::{app_at_now, NOW};

/// Vientiane's registry knows Hà Nội for `hanoi_sends`; Hà Nội's knows Vientiane for
/// receipts and needs; both apps are linked.
async fn link_both(a: &mut app::App, b: &mut app::App, hanoi_sends: &[Kind]) {
    let hn = Side {
        code: "01",
        name: "Hà Nội",
        sends: hanoi_sends,
    };
    let vt = Side {
        code: "LA-VT",
        name: "Viêng Chăn",
        sends: &[Kind::GiftReceipt, Kind::Need, Kind::Letter],
    };
    link_pair(a, hn, b, vt).await;
}

fn locality(code: &str) -> PartyRef {
    PartyRef {
        kind: PartyKind::Locality,
        code_or_id: code.into(),
    }
}

/// Masks and 20,000.00 USD, as Hà Nội gave Vientiane in August 2021.
pub(crate) fn masks_and_money(donor: &str, recipient: &str) -> NewDonation {
    NewDonation {
        donor: locality(donor),
        recipient: locality(recipient),
        money: Some(Money {
            amount_minor: 2_000_000,
            currency: Currency::USD,
        }),
        goods: vec![GoodsLine {
            item: item("masks").unwrap(),
            quantity: 1_000_000,
        }],
        on_date: NaiveDate::from_ymd_opt(2021, 8, 26).unwrap(),
        status: AidStatus::Pledged,
        source: "Báo Nhân Dân".into(),
        source_quote: None,
        note: Some("khẩu trang và tiền mặt".into()),
    }
}

async fn ledger(app: &app::App) -> Vec<Donation> {
    app.store
        .list_donations(
            &Caller::system("test"),
            &AidFilter::default(),
            &PageRequest::first(100),
        )
        .await
        .unwrap()
        .items
}

async fn one(app: &app::App, id: DonationId) -> Donation {
    app.store
        .get_donation(&Caller::system("test"), id)
        .await
        .unwrap()
        .unwrap()
        .donation
}

async fn a_gift_reaches_the_recipient_and_its_receipt_comes_back(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Gift]).await;
    let admin = Caller::system("test");

    let id = record_donation(&a, &admin, &masks_and_money("01", "LA-VT"))
        .await
        .unwrap();
    let unsent = a.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "{unsent:?}");
    assert_eq!(unsent[0].1, "link.01.LA-VT.gift");
    let env = Envelope::from_bytes(&unsent[0].2).unwrap();
    assert_eq!(env.record, format!("gift:01:{}", id.get()));
    let body: GiftBody = serde_json::from_value(env.body.clone()).unwrap();
    assert_eq!(body.money.as_ref().unwrap().amount_minor, 2_000_000);
    assert_eq!(body.money.as_ref().unwrap().currency, "USD");
    assert_eq!(body.recipient.unit_code, "LA-VT");

    // Delivered twice: taken in once.
    assert_eq!(
        deliver(&a, &b, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let on_b = ledger(&b).await;
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    let incoming = &on_b[0];
    assert_eq!(incoming.donor.kind, PartyKind::Locality);
    assert_eq!(incoming.donor.code_or_id, "01");
    assert_eq!(incoming.recipient.code_or_id, "LA-VT");
    assert_eq!(incoming.status, AidStatus::Pledged);
    assert_eq!(
        incoming.money,
        Some(Money {
            amount_minor: 2_000_000,
            currency: Currency::USD
        })
    );
    assert_eq!(incoming.goods.len(), 1);
    assert_eq!(
        (incoming.goods[0].item.as_str(), incoming.goods[0].quantity),
        ("masks", 1_000_000)
    );
    assert_eq!(incoming.source, "Báo Nhân Dân");
    // Vientiane cannot dispatch Hà Nội's gift: that step is the donor's.
    assert!(
        advance_donation(&b, &admin, incoming.id, AidStatus::Dispatched, None, None)
            .await
            .is_err()
    );
    assert!(b.store.unsent(100).await.unwrap().is_empty());

    // Hà Nội dispatches: the same row moves, no second row.
    advance_donation(&a, &admin, id, AidStatus::Dispatched, None, None)
        .await
        .unwrap();
    assert_eq!(deliver(&a, &b, 1).await, [Received::Applied]);
    let on_b = ledger(&b).await;
    assert_eq!(on_b.len(), 1);
    assert_eq!(on_b[0].status, AidStatus::Dispatched);
    let b_id = on_b[0].id;

    // Vientiane receives 15,000.00 USD and 900,000 masks: the shortfall flows back.
    let receipt = Receipt {
        money_minor: Some(1_500_000),
        goods: vec![("masks".into(), 900_000)],
    };
    advance_donation(
        &b,
        &admin,
        b_id,
        AidStatus::Received,
        Some(&receipt),
        Some("thiếu một phần"),
    )
    .await
    .unwrap();
    let back = b.store.unsent(100).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].1, "link.LA-VT.01.gift_receipt");
    assert_eq!(
        deliver(&b, &a, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let mine = one(&a, id).await;
    assert_eq!(mine.status, AidStatus::Received);
    assert_eq!(mine.received_money_minor, Some(1_500_000));
    assert_eq!(mine.money_shortfall_minor(), Some(500_000));
    assert_eq!(mine.goods[0].received_quantity, Some(900_000));

    // Thanked there by letter (which acknowledges): acknowledged here.
    assert_eq!(
        record_letter_sent(&b, &admin, b_id, "vi").await.unwrap(),
        Some(AidStatus::Acknowledged)
    );
    // The acknowledgement and the letter itself (recorded there as received).
    assert_eq!(
        deliver(&b, &a, 1).await,
        [Received::Applied, Received::Applied]
    );
    let mine = one(&a, id).await;
    assert_eq!(mine.status, AidStatus::Acknowledged);
    assert_eq!(mine.received_money_minor, Some(1_500_000));
    // Nothing was set aside on either side.
    assert!(a.store.unsent(100).await.unwrap().is_empty());
    assert_eq!(ledger(&a).await.len(), 1);
}

async fn a_gift_to_a_party_that_is_not_a_linked_locality_enqueues_nothing(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Gift]).await;
    let admin = Caller::system("test");
    // Hậu Giang is not linked; a gift between two others is not Hà Nội's to send.
    for (donor, recipient) in [("01", "93"), ("79", "LA-VT")] {
        let id = record_donation(&a, &admin, &masks_and_money(donor, recipient))
            .await
            .unwrap();
        advance_donation(&a, &admin, id, AidStatus::Dispatched, None, None)
            .await
            .unwrap();
    }
    assert!(a.store.unsent(100).await.unwrap().is_empty());
    assert_eq!(ledger(&a).await.len(), 2);
}

async fn a_gift_from_a_locality_not_allowed_to_send_gifts_is_refused(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    // Vientiane takes referrals from Hà Nội, not gifts.
    link_both(&mut a, &mut b, &[Kind::Referral]).await;
    record_donation(&a, &Caller::system("test"), &masks_and_money("01", "LA-VT"))
        .await
        .unwrap();
    assert_eq!(
        deliver(&a, &b, 1).await,
        [Received::Refused(Refusal::KindNotAllowed)]
    );
    assert!(ledger(&b).await.is_empty());
}

async fn a_need_published_by_vientiane_is_seen_in_hanoi_and_its_closing_travels(store: Store) {
    let db_b = other_db(&store).await;
    let (mut a, mut b) = (app_at_now(store), app_at_now(db_b.store.clone()));
    link_both(&mut a, &mut b, &[Kind::Gift]).await;
    let admin = Caller::system("test");
    let need = NewNeed {
        unit: UnitCode::parse("LA-VT").unwrap(),
        item: item("masks").unwrap(),
        quantity: 500_000,
        by_date: NaiveDate::from_ymd_opt(2021, 12, 1).unwrap(),
        note: Some("khẩu trang cho bệnh viện".into()),
    };
    let id = post_need(&b, &admin, &need).await.unwrap();
    let unsent = b.store.unsent(100).await.unwrap();
    assert_eq!(unsent.len(), 1, "one partner: Hà Nội");
    assert_eq!(unsent[0].1, "link.LA-VT.01.need");
    assert_eq!(
        deliver(&b, &a, 2).await,
        [Received::Applied, Received::Duplicate]
    );
    let seen = a.store.open_needs(None).await.unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].from_locality.as_deref(), Some("LA-VT"));
    assert_eq!(seen[0].unit_code, "LA-VT");
    assert_eq!(
        (seen[0].item.as_str(), seen[0].quantity),
        ("masks", 500_000)
    );
    // Matched like a need posted here.
    assert_eq!(
        a.store.match_needs("masks", None, NOW).await.unwrap().len(),
        1
    );
    // Hà Nội cannot close Vientiane's need; Vientiane's closing travels.
    assert!(!close_need(&a, &admin, seen[0].id, NeedStatus::Withdrawn)
        .await
        .unwrap());
    assert!(close_need(&b, &admin, id, NeedStatus::Met).await.unwrap());
    assert_eq!(deliver(&b, &a, 1).await, [Received::Applied]);
    assert!(a.store.open_needs(None).await.unwrap().is_empty());
    assert!(a.store.unsent(100).await.unwrap().is_empty());
}

both_databases!(
    a_need_published_by_vientiane_is_seen_in_hanoi_and_its_closing_travels,
    a_gift_reaches_the_recipient_and_its_receipt_comes_back,
    a_gift_to_a_party_that_is_not_a_linked_locality_enqueues_nothing,
    a_gift_from_a_locality_not_allowed_to_send_gifts_is_refused,
);
