//! Each indicator on a constructed case and on its near miss, from four bids that share nothing.

use super::*;

fn id(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

fn yuan(y: i64) -> Money {
    Money::from_fen(y * 100)
}

fn bid(n: u8) -> BidTrace {
    BidTrace {
        bidder: id(n),
        bidder_name: format!("投标人{n}有限公司"),
        address: format!("10.0.0.{n}"),
        fingerprint: format!("sm3:machine-{n}"),
        bond_account: Some(format!("6222 0000 0000 000{n}")),
        contact: Contact {
            name: Some(format!("联系人{n}")),
            phone: Some(format!("1380000000{n}")),
            email: Some(format!("bid{n}@example.cn")),
        },
        project_manager: Some(format!("项目经理{n}")),
        files: vec![FileTrace {
            name: "技术标.docx".into(),
            sm3: format!("{n:064}"),
            size: 50_000,
            author: Some(format!("编制人{n}")),
            software: Some("Microsoft Office Word".into()),
            created: Some(format!("2026-03-0{n}T09:00:00Z")),
            company: Some(format!("投标人{n}有限公司")),
        }],
        price: Some(yuan(
            [10_000_000, 10_230_000, 10_910_000, 11_470_000][(n as usize - 1) % 4],
        )),
        price_error: None,
    }
}

fn four() -> Vec<BidTrace> {
    (1..=4).map(bid).collect()
}

fn fired(bids: &[BidTrace]) -> Vec<Signal> {
    check(
        &Opening {
            bids,
            ceiling: Some(yuan(12_000_000)),
            history: &[],
        },
        &CollusionPack::v2026(),
    )
}

fn only(bids: &[BidTrace], i: Indicator) -> Vec<Signal> {
    fired(bids)
        .into_iter()
        .filter(|s| s.indicator == i)
        .collect()
}

#[track_caller]
fn fires_on(bids: &[BidTrace], i: Indicator, who: &[u8]) -> Signal {
    let s = only(bids, i);
    assert_eq!(s.len(), 1, "{i:?} should fire once: {s:?}");
    assert_eq!(s[0].bidders, who.iter().map(|n| id(*n)).collect::<Vec<_>>());
    s[0].clone()
}

#[track_caller]
fn silent_on(bids: &[BidTrace], i: Indicator) {
    assert_eq!(only(bids, i), vec![], "{i:?} should stay silent");
}

#[test]
fn four_independent_bids_raise_nothing() {
    assert_eq!(fired(&four()), vec![]);
}

#[test]
fn same_address_and_fingerprint() {
    let mut b = four();
    b[2].address = " 10.0.0.1 ".into();
    let s = fires_on(&b, Indicator::SameAddress, &[1, 3]);
    assert_eq!(s.shared, "10.0.0.1");
    assert_eq!(s.severity, Severity::Medium);
    b[2].address = "10.0.0.11".into();
    silent_on(&b, Indicator::SameAddress);

    b[3].fingerprint = "sm3:machine-2".into();
    fires_on(&b, Indicator::SameFingerprint, &[2, 4]);
    b[3].fingerprint = String::new();
    b[1].fingerprint = String::new();
    // No fingerprint reported by two browsers ties nobody.
    silent_on(&b, Indicator::SameFingerprint);
}

#[test]
fn same_bond_account_typed_two_ways() {
    let mut b = four();
    b[3].bond_account = Some("6222-0000-0000-0001".into());
    let s = fires_on(&b, Indicator::SameBondAccount, &[1, 4]);
    assert_eq!(s.severity, Severity::High);
    b[3].bond_account = Some("6222-0000-0000-0011".into());
    silent_on(&b, Indicator::SameBondAccount);
}

#[test]
fn same_contact_by_name_phone_or_email() {
    let mut b = four();
    b[1].contact.phone = Some("138-0000-0001".into());
    let s = fires_on(&b, Indicator::SameContact, &[1, 2]);
    assert_eq!(s.shared, "电话 13800000001");
    b[1].contact.phone = Some("13800000009".into());
    silent_on(&b, Indicator::SameContact);
    b[1].contact.email = Some("BID1@example.cn".into());
    fires_on(&b, Indicator::SameContact, &[1, 2]);
    b[1].contact.email = Some("bid1@example.com".into());
    silent_on(&b, Indicator::SameContact);
}

#[test]
fn same_project_manager() {
    let mut b = four();
    b[2].project_manager = Some("项目经理4".into());
    fires_on(&b, Indicator::SameProjectManager, &[3, 4]);
    b[2].project_manager = Some("项目经理40".into());
    silent_on(&b, Indicator::SameProjectManager);
}

#[test]
fn identical_file_but_not_a_small_blank_form() {
    let mut b = four();
    b[1].files[0].sm3 = b[0].files[0].sm3.clone();
    fires_on(&b, Indicator::IdenticalFile, &[1, 2]);
    // The same small form every bidder fills in is not evidence.
    for f in b.iter_mut().flat_map(|b| b.files.iter_mut()) {
        f.size = 1023;
    }
    silent_on(&b, Indicator::IdenticalFile);
}

#[test]
fn same_document_metadata_needs_all_three_and_a_real_author() {
    let mut b = four();
    b[3].files[0].author = Some("编制人1".into());
    b[3].files[0].created = Some("2026-03-01T09:00:00Z".into());
    fires_on(&b, Indicator::SameDocumentMetadata, &[1, 4]);
    b[3].files[0].created = Some("2026-03-01T09:00:01Z".into());
    silent_on(&b, Indicator::SameDocumentMetadata);
    for n in [0, 3] {
        b[n].files[0].author = Some("Administrator".into());
        b[n].files[0].created = Some("2026-03-01T09:00:00Z".into());
    }
    silent_on(&b, Indicator::SameDocumentMetadata);
}

#[test]
fn a_document_naming_another_bidder_is_mixed() {
    let mut b = four();
    b[1].files[0].company = Some("投标人3有限公司".into());
    fires_on(&b, Indicator::MixedDocuments, &[2, 3]);
    b[1].files[0].company = Some("投标人9有限公司".into());
    silent_on(&b, Indicator::MixedDocuments);
}

#[test]
fn identical_prices_and_identical_errors() {
    let mut b = four();
    b[1].price = Some(yuan(10_000_000));
    fires_on(&b, Indicator::IdenticalPrices, &[1, 2]);
    b[1].price = Some(Money::from_fen(1_000_000_001));
    silent_on(&b, Indicator::IdenticalPrices);

    b[0].price_error = Some(-9_000);
    b[2].price_error = Some(-9_000);
    let s = fires_on(&b, Indicator::IdenticalErrors, &[1, 3]);
    assert_eq!(s.shared, "少计 ¥90.00");
    b[2].price_error = Some(9_000);
    silent_on(&b, Indicator::IdenticalErrors);
}

#[test]
fn evenly_spaced_prices_need_four_in_a_row() {
    let mut b = four();
    for (i, p) in [10_000_000, 10_200_000, 10_400_000, 10_601_000]
        .iter()
        .enumerate()
    {
        b[i].price = Some(yuan(*p));
    }
    fires_on(&b, Indicator::EvenlySpacedPrices, &[1, 2, 3, 4]);
    // The last gap 1.5% off the first: outside the 1% tolerance.
    b[3].price = Some(yuan(10_603_000));
    silent_on(&b, Indicator::EvenlySpacedPrices);
    b[3].price = None;
    b[2].price = Some(yuan(10_400_000));
    // Three in a row is not yet a pattern.
    silent_on(&b, Indicator::EvenlySpacedPrices);
}

#[test]
fn prices_in_a_narrow_band_under_the_ceiling() {
    let mut b = four();
    for (i, p) in [11_880_000, 11_900_000, 11_950_000, 12_000_000]
        .iter()
        .enumerate()
    {
        b[i].price = Some(yuan(*p));
    }
    fires_on(&b, Indicator::PricesNearCeiling, &[1, 2, 3, 4]);
    b[0].price = Some(yuan(11_879_999));
    silent_on(&b, Indicator::PricesNearCeiling);
}

#[test]
fn cover_bids_bunch_above_a_clear_lowest() {
    let mut b = four();
    for (i, p) in [9_000_000, 10_000_000, 10_100_000, 10_200_000]
        .iter()
        .enumerate()
    {
        b[i].price = Some(yuan(*p));
    }
    fires_on(&b, Indicator::CoverBids, &[1, 2, 3, 4]);
    // The lowest only 9.9% under the next.
    b[0].price = Some(yuan(9_010_000));
    silent_on(&b, Indicator::CoverBids);
    b[0].price = Some(yuan(9_000_000));
    // The rest spread over 2.1%.
    b[3].price = Some(yuan(10_210_000));
    silent_on(&b, Indicator::CoverBids);
}

#[test]
fn rotation_over_three_earlier_deals() {
    let b = four();
    let deal = |n: &str, who: &[u8], w: u8| PastDeal {
        deal: n.into(),
        bidders: who.iter().map(|n| id(*n)).collect(),
        winner: id(w),
    };
    let pack = CollusionPack::v2026();
    let run = |history: &[PastDeal]| {
        check(
            &Opening {
                bids: &b,
                ceiling: None,
                history,
            },
            &pack,
        )
        .into_iter()
        .filter(|s| s.indicator == Indicator::Rotation)
        .collect::<Vec<_>>()
    };
    let ring = [
        deal("A", &[1, 2, 3, 9], 1),
        deal("B", &[1, 2, 3], 2),
        deal("C", &[1, 2, 3], 3),
    ];
    let s = run(&ring);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].bidders, vec![id(1), id(2), id(3)]);
    // One of the three went to an outsider: two deals are not a rotation.
    let outsider = [
        ring[0].clone(),
        ring[1].clone(),
        deal("C", &[1, 2, 3, 9], 9),
    ];
    assert_eq!(run(&outsider), vec![]);
    // The same company winning every time is not taking turns.
    let same = [
        deal("A", &[1, 2, 3], 1),
        deal("B", &[1, 2, 3], 1),
        deal("C", &[1, 2, 3], 1),
    ];
    assert_eq!(run(&same), vec![]);
}

#[test]
fn losers_named_as_subcontractors() {
    let pack = CollusionPack::v2026();
    let bidders = [id(1), id(2), id(3)];
    let s = losers_subcontracted(&bidders, id(1), &[(id(3), "投标人3有限公司".into())], &pack)
        .expect("fires");
    assert_eq!(s.bidders, vec![id(1), id(3)]);
    assert_eq!(
        losers_subcontracted(&bidders, id(1), &[(id(8), "其他公司".into())], &pack),
        None
    );
}

/// Independent prices: splitmix64 of the bidder's number.
fn scattered(n: u32) -> i64 {
    let mut z = (n as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 1) as i64
}

#[test]
fn a_thousand_bids_sharing_nothing_raise_nothing() {
    let bids: Vec<BidTrace> = (0..1000u32)
        .map(|n| {
            let mut b = bid(1);
            b.bidder = Uuid::from_u128(n as u128 + 1);
            b.bidder_name = format!("公司{n}");
            b.address = format!("10.1.{}.{}", n / 256, n % 256);
            b.fingerprint = format!("fp{n}");
            b.bond_account = Some(format!("62{n:08}"));
            b.contact = Contact::default();
            b.project_manager = Some(format!("经理{n}"));
            b.files[0].sm3 = format!("{n:064}");
            b.files[0].author = Some(format!("作者{n}"));
            b.files[0].company = None;
            b.price = Some(Money::from_fen(1_000_000_000 + scattered(n) % 100_000_000));
            b
        })
        .collect();
    assert_eq!(fired(&bids), vec![]);
}
