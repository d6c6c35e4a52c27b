//! The announcement of a grant (出让公告 / 挂牌公告): its terms checked against the trade kind's
//! pack, the notice published, the listing or auction set up to open at its time.

use super::*;
use crate::{tx_exec, tx_one};

/// A grant's terms that passed every check of the trade kind's pack.
struct Terms {
    name: String,
    region: DivisionCode,
    kind: TradeKind,
    method: GrantMethod,
    start: Money,
    increment: Money,
    reserve: Option<Money>,
    deposit: Money,
    appraisal: Option<Money>,
    consent_ref: Option<String>,
    apply_until: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    free_until: DateTime<Utc>,
}

fn parse_terms(
    input: &GrantInput,
    cal: &ggzy_core::calendar::Calendar,
    pre_disclosed: Result<Option<NaiveDate>, FieldError>,
    now: DateTime<Utc>,
) -> ServiceResult<Terms> {
    let mut errs = Invalid::default();
    let name = text(&mut errs, "name", &input.name, 200);
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    let kind = TradeKind::parse(&input.trade_kind);
    if kind.is_none() {
        errs.push(FieldError::new(
            "trade_kind",
            "grant.trade_kind",
            "交易类型应为 国有建设用地使用权/矿业权/企业国有产权",
            "The trade kind is land_use, mining_right or state_property",
        ));
    }
    let method = GrantMethod::parse(&input.method);
    if method.is_none() {
        errs.push(FieldError::new(
            "method",
            "grant.method",
            "交易方式应为 挂牌/拍卖/网络竞价",
            "The method is listing, auction or multi_quote",
        ));
    }
    if let (Some(k), Some(m)) = (kind, method)
        && let Err(e) = check_method(k, m)
    {
        errs.push(e);
    }
    let start = money(&mut errs, "start_price", &input.start_price);
    let increment = money(&mut errs, "increment", &input.increment);
    let reserve = optional_money(&mut errs, "reserve", input.reserve.as_deref());
    let deposit_amount = money(&mut errs, "deposit", &input.deposit);
    for (f, v) in [
        ("start_price", start),
        ("increment", increment),
        ("deposit", deposit_amount),
    ] {
        if v.is_some_and(|m| m.fen() <= 0) {
            errs.push(FieldError::new(
                f,
                "grant.amount",
                "金额应大于零",
                "The amount is positive",
            ));
        }
    }
    let appraisal = optional_money(&mut errs, "appraisal", input.appraisal.as_deref());
    let consent_ref = optional_text(&mut errs, "consent_ref", input.consent_ref.as_deref(), 200);
    let d = &input.details;
    for (f, v, max) in [
        ("details.location", &d.location, 300),
        ("details.area", &d.area, 100),
        ("details.purpose", &d.purpose, 200),
        ("details.planning", &d.planning, 1000),
        ("details.term", &d.term, 100),
        ("details.conditions", &d.conditions, 2000),
        ("details.approval_ref", &d.approval_ref, 200),
        ("details.conditions_filed_ref", &d.conditions_filed_ref, 200),
    ] {
        if v.chars().count() > max {
            errs.push(FieldError::too_long(f, max));
        }
    }
    let today = cn_date(now);
    let (apply_until, starts_at, free_until) = (
        truncate_micros(input.apply_until),
        truncate_micros(input.starts_at),
        truncate_micros(input.free_until),
    );
    if apply_until <= now || apply_until > free_until {
        errs.push(FieldError::new(
            "apply_until",
            "grant.apply_until",
            "报名和保证金截止时间应在现在之后、挂牌截止（或自由竞价结束）之前",
            "Applications close after now and no later than the listing close (or the free stage's end)",
        ));
    }
    if free_until <= starts_at {
        errs.push(FieldError::new(
            "free_until",
            "grant.times",
            "挂牌截止（或自由竞价结束）应晚于开始时间",
            "The listing close (or the free stage's end) is after the start",
        ));
    }
    if let (Some(k), Some(m)) = (kind, method) {
        let pack = k.pack();
        if let Err(e) = check_announcement(&pack, cal, today, cn_date(starts_at)) {
            errs.push(e);
        }
        if m == GrantMethod::Listing
            && let Err(e) = check_listing(&pack, cal, cn_date(starts_at), cn_date(free_until))
        {
            errs.push(e);
        }
        if k == TradeKind::StateProperty {
            let pre = pre_disclosed.map_err(|e| errs.push(e)).ok().flatten();
            check_state_property(
                &mut errs,
                input,
                (cal, today, pre),
                appraisal,
                start,
                consent_ref.is_some(),
            );
        }
    }
    let (
        Some(name),
        Some(region),
        Some(kind),
        Some(method),
        Some(start),
        Some(increment),
        Some(dep),
    ) = (name, region, kind, method, start, increment, deposit_amount)
    else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    Ok(Terms {
        name,
        region,
        kind,
        method,
        start,
        increment,
        reserve,
        deposit: dep,
        appraisal,
        consent_ref,
        apply_until,
        starts_at,
        free_until,
    })
}

/// A state-property transfer's own rules: the price rests on the appraisal, a change of control
/// is pre-disclosed (`pre`: the day its pre-disclosure was published), buyer conditions are
/// filed first.
fn check_state_property(
    errs: &mut Invalid,
    input: &GrantInput,
    (cal, today, pre): (&ggzy_core::calendar::Calendar, NaiveDate, Option<NaiveDate>),
    appraisal: Option<Money>,
    start: Option<Money>,
    consented: bool,
) {
    let d = &input.details;
    match (appraisal, start) {
        (None, _) => errs.push(
            FieldError::new(
                "appraisal",
                "property.appraisal_required",
                "企业国有产权转让应以经核准或备案的评估结果为基础确定转让底价",
                "A state-property price rests on the approved or filed appraisal",
            )
            .with_rule(grant::PROPERTY, "12"),
        ),
        (Some(a), Some(p)) => {
            if let Err(e) = check_listing_price(a, p, !input.redisclosure, consented) {
                errs.push(FieldError {
                    field: "start_price".into(),
                    ..e
                });
            }
        }
        _ => {}
    }
    if input.control_change
        && let Err(e) = check_pre_disclosure(cal, pre, today)
    {
        errs.push(FieldError {
            field: "pre_disclosure".into(),
            ..e
        });
    }
    if !d.conditions.trim().is_empty() && d.conditions_filed_ref.trim().is_empty() {
        errs.push(super::pre_disclosure::conditions_not_filed(
            "details.conditions_filed_ref",
        ));
    }
}

/// Announce a grant (centre staff of the region): the terms are checked against the trade
/// kind's pack, the announcement is published, and the listing or auction is set up to open at
/// its time. The reserve is kept with the auction, never in the notice or the log.
pub async fn announce(
    db: &Db,
    actor: &Actor,
    input: &GrantInput,
    now: DateTime<Utc>,
) -> ServiceResult<GrantView> {
    let cal = crate::calendar::load(db).await?;
    let pre_disclosure = input
        .pre_disclosure
        .as_deref()
        .map(str::trim)
        .filter(|c| input.control_change && !c.is_empty());
    let pre_disclosed = match pre_disclosure {
        Some(c) => super::pre_disclosure::published_on(db, c, input.region_code.trim())
            .await
            .map(Some),
        None => Ok(None),
    };
    let t = parse_terms(input, &cal, pre_disclosed, now)?;
    actor.require(Permission::IntakeProcess, &t.region)?;
    let pack = t.kind.pack();
    let rules = AuctionRules {
        start_price: t.start,
        increment: t.increment,
        reserve: t.reserve,
        opens_at: t.starts_at,
        free_until: t.free_until,
        // A listing and a sealed-quote window have no timed stage: they close at their hour and
        // the close decides what follows.
        extension_secs: if matches!(t.method, GrantMethod::Listing | GrantMethod::OneQuote) {
            0
        } else {
            input
                .extension_secs
                .unwrap_or(pack.extension_secs.value)
                .clamp(10, 3600)
        },
    };
    let mut tx = db.begin().await?;
    let by = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let auction = auctions::create_in(
        &mut tx,
        actor,
        by,
        t.region.as_str(),
        &t.name,
        t.kind.code(),
        rules,
        now,
    )
    .await?;
    if t.method == GrantMethod::OneQuote {
        tx_exec!(
            &mut tx,
            "UPDATE auctions SET sealed = 1 WHERE id = $1",
            auction
        );
    }
    let (last,): (Option<i64>,) = tx_one!(&mut tx, "SELECT MAX(no) FROM grants");
    let no = last.unwrap_or(0) + 1;
    let id = Uuid::now_v7();
    let stored = Stored {
        details: input.details.clone(),
        appraisal: t.appraisal.map(Money::fen),
        consent_ref: t.consent_ref.clone(),
        pre_disclosure: pre_disclosure.map(str::to_string),
    };
    tx_exec!(
        &mut tx,
        "INSERT INTO grants (id, no, region_code, trade_kind, method, name, details, pack_version, deposit, announced_at, apply_until, auction_id, state, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $10)",
        id,
        no,
        t.region.as_str(),
        t.kind.code(),
        t.method.code(),
        &t.name,
        json(&stored)?,
        pack.version,
        t.deposit.fen(),
        truncate_micros(now),
        t.apply_until,
        auction,
        Coded(GrantState::Open),
        actor.account_id
    );
    if let Some(c) = pre_disclosure {
        super::pre_disclosure::claim(&mut tx, c, id, &ggzy_core::grant::deal_code(no)).await?;
    }
    let body = announcement_body(&t, &stored);
    publish(
        &mut tx,
        (id, no),
        t.kind,
        "announcement",
        &format!("{}公告：{}", t.method.label_zh(), t.name),
        &body,
        t.region.as_str(),
        Some(t.start.fen()),
        None,
        now,
    )
    .await?;
    log(&mut tx, actor, t.region.as_str(), id, "grant.announced", serde_json::json!({"no": no, "trade_kind": t.kind.code(), "method": t.method.code(), "auction": auction, "start_price": t.start.fen(), "deposit": t.deposit.fen(), "apply_until": t.apply_until, "starts_at": t.starts_at, "free_until": t.free_until, "pack": pack.version}), now).await?;
    tx.commit().await?;
    view(db, id, Some(actor), now).await
}

/// The announcement's text: the object, the method, the details, the prices and the times.
fn announcement_body(t: &Terms, s: &Stored) -> String {
    let (kind, method, name) = (t.kind, t.method, &t.name);
    let (start, increment, deposit) = (t.start, t.increment, t.deposit);
    let (apply_until, starts_at, free_until) = (t.apply_until, t.starts_at, t.free_until);
    let has_reserve = t.reserve.is_some();
    let bj = |t: DateTime<Utc>| {
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let d = &s.details;
    let mut b = format!(
        "标的：{name}（{}）\n交易方式：{}\n",
        kind.label_zh(),
        method.label_zh()
    );
    for (k, v) in [
        ("坐落", &d.location),
        ("面积", &d.area),
        ("用途/矿种/标的企业", &d.purpose),
        ("规划指标", &d.planning),
        ("年限", &d.term),
        ("竞买人（受让方）资格条件", &d.conditions),
        ("批准文件", &d.approval_ref),
        ("资格条件备案", &d.conditions_filed_ref),
    ] {
        if !v.trim().is_empty() {
            b.push_str(&format!("{k}：{v}\n"));
        }
    }
    if let Some(a) = s.appraisal {
        b.push_str(&format!("评估值：{}\n", Money::from_fen(a)));
    }
    if let Some(p) = &s.pre_disclosure {
        b.push_str(&format!("信息预披露：{p}\n"));
    }
    b.push_str(&format!(
        "起始价：{start}\n加价幅度：{increment}\n{}\n竞买保证金：{deposit}（以到达本人专属子账号为准）\n报名及保证金截止：{}\n{}：{} 至 {}\n",
        if has_reserve { "本次交易设有底价，底价在交易结束前保密" } else { "本次交易不设底价" },
        bj(apply_until),
        if method == GrantMethod::Listing { "挂牌期" } else { "自由竞价" },
        bj(starts_at),
        bj(free_until),
    ));
    if method == GrantMethod::Listing {
        b.push_str("挂牌截止时，如有竞买人表示愿意继续竞价，转入网上限时竞价，起始价为最高挂牌报价加一个加价幅度。\n");
    } else {
        b.push_str("自由竞价结束后进入限时竞价：限时内有新报价的，自该报价起重新计时。\n");
    }
    b
}

/// A grant's notice: its deal code is the grant's number, its amount the price it states.
#[allow(clippy::too_many_arguments)]
pub(super) async fn publish(
    tx: &mut Tx,
    grant: (Uuid, i64),
    kind: TradeKind,
    notice_kind: &str,
    title: &str,
    body: &str,
    region: &str,
    amount: Option<i64>,
    winner: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let deal = ggzy_core::grant::deal_code(grant.1);
    crate::notices::publish(
        tx,
        &crate::notices::NewNotice {
            trade_kind: kind.notice_sector(),
            notice_kind,
            title,
            body,
            region,
            deal_code: Some(&deal),
            grant_id: Some(grant.0),
            amount,
            winner_id: winner,
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(())
}
