//! The demo's land, mining and property trades, walked through the same services at past
//! instants so `serve --demo` shows each side at once: a land listing running now with quotes
//! and a bidder who asked to go on, a mining-right auction in its free stage, a state-property
//! transfer already bid, confirmed and published, and a controlling stake pre-disclosed. Dates
//! are found on the calendar, so the statutory periods hold whatever day the demo starts.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::calendar::Calendar;
use ggzy_core::grant::{GrantPack, Period};
use ggzy_core::tender_schedule::{cn_date, cn_day_start};
use ggzy_store::accounts::actor_of;
use ggzy_store::db::Db;
use ggzy_store::db_one;
use ggzy_store::error::ServiceResult;
use ggzy_store::grants::{self, ConfirmInput, GrantDetails, GrantInput, GrantView, ReviewInput};
use ggzy_store::{Actor, auctions};

/// 10:00 Beijing time on `d`.
fn at_ten(d: NaiveDate) -> DateTime<Utc> {
    cn_day_start(d) + Duration::hours(10)
}

/// The latest day at least `p` before `to`.
fn before(cal: &Calendar, p: Period, to: NaiveDate) -> NaiveDate {
    let mut d = to - Duration::days(1);
    while !p.holds(cal, d, to).unwrap_or(true) {
        d -= Duration::days(1);
    }
    d
}

/// The earliest day at least `p` after `from`.
fn after(cal: &Calendar, p: Period, from: NaiveDate) -> NaiveDate {
    let mut d = from + Duration::days(1);
    while !p.holds(cal, from, d).unwrap_or(true) {
        d += Duration::days(1);
    }
    d
}

fn input(
    name: &str,
    kind: &str,
    method: &str,
    details: GrantDetails,
    prices: (&str, &str, Option<&str>, &str),
    times: (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>),
) -> GrantInput {
    GrantInput {
        name: name.into(),
        region_code: "330200".into(),
        trade_kind: kind.into(),
        method: method.into(),
        details,
        start_price: prices.0.into(),
        increment: prices.1.into(),
        reserve: prices.2.map(Into::into),
        deposit: prices.3.into(),
        apply_until: times.0,
        starts_at: times.1,
        free_until: times.2,
        extension_secs: None,
        appraisal: None,
        redisclosure: false,
        consent_ref: None,
        control_change: false,
        pre_disclosure: None,
    }
}

/// Apply, pay the deposit through an imported statement and be admitted.
async fn seat(
    db: &Db,
    staff: &Actor,
    g: &GrantView,
    bidders: &[&Actor],
    tag: &str,
    at: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut csv = String::from("交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n");
    for (i, b) in bidders.iter().enumerate() {
        let a = grants::apply(db, b, g.id, at).await?;
        let (name,): (String,) =
            db_one!(db, "SELECT name FROM entities WHERE id = $1", a.entity_id);
        csv.push_str(&format!(
            "DEMO-{tag}-{i},{},{},\"{name}\",6222020{i:04},{}\n",
            cn_date(at),
            g.deposit / 100,
            a.account_no
        ));
    }
    grants::import_statement(db, staff, &ggzy_core::deposit::csv_rows(&csv), at).await?;
    for b in bidders {
        if let Some(e) = b.entity_id {
            grants::review(
                db,
                staff,
                g.id,
                e,
                &ReviewInput {
                    admit: true,
                    reason: None,
                },
                at,
            )
            .await?;
        }
    }
    Ok(())
}

fn bid(amount: &str, key: &str) -> auctions::BidInput {
    auctions::BidInput {
        amount: amount.into(),
        idempotency_key: key.into(),
    }
}

/// A land listing running now: opened ten days ago, closing when its 10 working days are up
/// (and not before the day after tomorrow).
async fn land_listing(
    db: &Db,
    cal: &Calendar,
    staff: &Actor,
    [b1, b2, b3]: [&Actor; 3],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let today = cn_date(now);
    let land = GrantPack::land();
    let opens = today - Duration::days(10);
    let closes = after(cal, land.listing.value, opens).max(today + Duration::days(2));
    let announced = at_ten(before(cal, land.announcement.value, opens)) - Duration::days(1);
    let g = grants::announce(
        db,
        staff,
        &input(
            "宁波市鄞州区 YZ2026-18 号地块国有建设用地使用权",
            "land_use",
            "listing",
            GrantDetails {
                location: "鄞州区首南街道，东至天童南路，南至规划道路".into(),
                area: "32,614 平方米".into(),
                purpose: "商服用地（零售商业、商务金融）".into(),
                planning: "容积率 1.5–2.8，建筑密度 ≤ 40%，绿地率 ≥ 25%，限高 80 米".into(),
                term: "40 年".into(),
                conditions: "中华人民共和国境内的法人和其他组织，可独立或联合竞买".into(),
                ..GrantDetails::default()
            },
            ("326000000", "1000000", Some("330000000"), "65000000"),
            (
                at_ten(closes) - Duration::days(1),
                at_ten(opens),
                at_ten(closes) + Duration::hours(5),
            ),
        ),
        announced,
    )
    .await?;
    let paid = at_ten(opens) - Duration::days(2);
    seat(db, staff, &g, &[b1, b2, b3], "land", paid).await?;
    let q = at_ten(opens) + Duration::hours(1);
    auctions::bid(db, b1, g.auction_id, &bid("326000000", "demo-l1"), q).await?;
    auctions::bid(
        db,
        b2,
        g.auction_id,
        &bid("328000000", "demo-l2"),
        q + Duration::days(3),
    )
    .await?;
    auctions::bid(
        db,
        b1,
        g.auction_id,
        &bid("329000000", "demo-l3"),
        q + Duration::days(6),
    )
    .await?;
    grants::go_on(db, b2, g.id, q + Duration::days(6)).await?;
    Ok(())
}

/// A mining-right auction in its free stage now: it opened a quarter of an hour ago.
async fn mining_auction(
    db: &Db,
    cal: &Calendar,
    staff: &Actor,
    [b1, b2, b3]: [&Actor; 3],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mining = GrantPack::mining();
    let opens = now - Duration::minutes(15);
    let announced = at_ten(before(cal, mining.announcement.value, cn_date(opens)));
    let g = grants::announce(
        db,
        staff,
        &input(
            "宁波市奉化区萧王庙街道建筑用石料（凝灰岩）矿采矿权",
            "mining_right",
            "auction",
            GrantDetails {
                location: "奉化区萧王庙街道".into(),
                area: "0.1284 平方千米".into(),
                purpose: "建筑用石料（凝灰岩），露天开采，生产规模 120 万吨/年".into(),
                term: "8 年".into(),
                conditions: "具备露天矿山开采能力的企业法人".into(),
                ..GrantDetails::default()
            },
            ("48600000", "200000", Some("50000000"), "9720000"),
            (opens - Duration::days(1), opens, opens + Duration::hours(2)),
        ),
        announced,
    )
    .await?;
    seat(
        db,
        staff,
        &g,
        &[b1, b2, b3],
        "mining",
        announced + Duration::days(5),
    )
    .await?;
    auctions::bid(
        db,
        b3,
        g.auction_id,
        &bid("48600000", "demo-m1"),
        opens + Duration::minutes(2),
    )
    .await?;
    auctions::bid(
        db,
        b1,
        g.auction_id,
        &bid("49000000", "demo-m2"),
        opens + Duration::minutes(9),
    )
    .await?;
    Ok(())
}

/// A state-property transfer bid a month ago, confirmed and published.
async fn property_transfer(
    db: &Db,
    cal: &Calendar,
    staff: &Actor,
    [_, b2, b3]: [&Actor; 3],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let today = cn_date(now);
    let property = GrantPack::property();
    let opens = today - Duration::days(30);
    let announced = at_ten(before(cal, property.announcement.value, opens));
    let mut p = input(
        "宁波市某国有控股商贸有限公司 35% 股权",
        "state_property",
        "multi_quote",
        GrantDetails {
            purpose: "宁波某商贸有限公司（注册资本 5,000 万元）35% 股权，不涉及控股权转移".into(),
            approval_ref: "甬国资产权〔2026〕12号".into(),
            ..GrantDetails::default()
        },
        ("21800000", "100000", None, "2000000"),
        (
            at_ten(opens) - Duration::days(1),
            at_ten(opens),
            at_ten(opens) + Duration::hours(1),
        ),
    );
    p.appraisal = Some("21800000".into());
    let g = grants::announce(db, staff, &p, announced).await?;
    seat(
        db,
        staff,
        &g,
        &[b2, b3],
        "property",
        announced + Duration::days(3),
    )
    .await?;
    let t = at_ten(opens);
    auctions::bid(
        db,
        b2,
        g.auction_id,
        &bid("21800000", "demo-p1"),
        t + Duration::minutes(5),
    )
    .await?;
    auctions::bid(
        db,
        b3,
        g.auction_id,
        &bid("22100000", "demo-p2"),
        t + Duration::minutes(40),
    )
    .await?;
    let last = auctions::bid(
        db,
        b2,
        g.auction_id,
        &bid("22300000", "demo-p3"),
        t + Duration::seconds(3630),
    )
    .await?;
    grants::settle(db, g.id, last.ends_at).await?;
    let next_day = last.ends_at + Duration::days(1);
    grants::confirm(
        db,
        staff,
        g.id,
        &ConfirmInput {
            contract_by: cn_date(next_day) + Duration::days(10),
            payment: Some(ggzy_core::grant::PaymentTerms::LumpSum),
        },
        next_day,
    )
    .await?;
    grants::publish_result(db, staff, g.id, next_day + Duration::hours(1)).await?;
    Ok(())
}

/// One grant of each kind, at different steps.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> ServiceResult<()> {
    let (n,): (i64,) = db_one!(db, "SELECT COUNT(*) FROM grants");
    if n > 0 {
        return Ok(());
    }
    let cal = ggzy_store::calendar::load(db).await?;
    let staff = actor_of(db, "staff", "127.0.0.1").await?;
    let b1 = actor_of(db, "bidder", "127.0.0.1").await?;
    let b2 = actor_of(db, "entity03", "127.0.0.1").await?;
    let b3 = actor_of(db, "entity04", "127.0.0.1").await?;
    let bidders = [&b1, &b2, &b3];
    land_listing(db, &cal, &staff, bidders, now).await?;
    mining_auction(db, &cal, &staff, bidders, now).await?;
    property_transfer(db, &cal, &staff, bidders, now).await?;
    pre_disclosure(db, &staff, now).await
}

/// A controlling stake pre-disclosed three days ago: its formal announcement is yet to come.
async fn pre_disclosure(db: &Db, staff: &Actor, now: DateTime<Utc>) -> ServiceResult<()> {
    let today = cn_date(now);
    grants::pre_disclose(
        db,
        staff,
        &grants::PreDisclosureInput {
            name: "宁波市某国有物流集团有限公司 51% 股权".into(),
            region_code: "330200".into(),
            subject: "宁波某国有物流集团有限公司 51% 股权，转让后控股权转移".into(),
            shareholders: "宁波市国有资本投资运营有限公司 100%".into(),
            approval_ref: "甬国资产权〔2026〕31号".into(),
            approved_on: today - Duration::days(7),
            financials: "2025 年度审计：资产总额 8.6 亿元，负债总额 5.1 亿元，所有者权益 3.5 亿元，营业收入 12.4 亿元，净利润 0.42 亿元".into(),
            conditions: String::new(),
            conditions_filed_ref: String::new(),
        },
        at_ten(today - Duration::days(3)),
    )
    .await?;
    Ok(())
}
