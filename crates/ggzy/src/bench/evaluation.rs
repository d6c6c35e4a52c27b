//! The evaluation benchmarks: procurement scoring at scale and the expert draw from a large pool.

use super::*;

/// Scoring and ranking one points-method procurement evaluation (87号令 Art 55): arithmetic
/// correction, final prices, the small-enterprise deduction, the budget ceiling, the price score,
/// the members' criteria averaged, the abnormally-low flag, the same-brand rule and the ranking.
/// Baseline in the same run: the bare arithmetic of summing every member's scores per bid and
/// sorting the totals.
pub(super) fn procurement_scoring(bids: usize, criteria: usize, experts: usize, runs: usize) {
    use ggzy_core::evaluation::{
        self as ev, BidForm, Criterion, MemberSheet, Method, OpenedBid, Pricing,
    };
    use ggzy_core::procurement::{SmeDeduction, SmeStatus};
    use std::collections::BTreeMap;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let each = 60 / criteria.max(1) as u32;
    let method = Method::Points {
        price_points: 40,
        criteria: (0..criteria)
            .map(|k| Criterion {
                key: format!("c{k:02}"),
                name: format!("因素{k}"),
                max_points: each.max(1),
                objective: k % 5 == 0,
                scorer: ggzy_core::evaluation::Scorer::Members,
            })
            .collect(),
    };
    let t0 = chrono::Utc::now();
    let opened: Vec<OpenedBid> = (0..bids)
        .map(|i| {
            let r = next();
            OpenedBid {
                bidder: uuid::Uuid::from_u128(i as u128 + 1),
                form: BidForm {
                    price: ggzy_core::Money::from_fen(150_000_000 + (r % 30_000_000) as i64),
                    price_in_words: String::new(),
                    lines: vec![],
                    duration_days: 60,
                    quality: "合格".into(),
                    project_manager: "张三".into(),
                    brand: Some(format!("品牌{}", r % (bids as u64 * 4 / 5).max(1))),
                    sme: Some(if r % 3 == 0 {
                        SmeStatus::SmallOrMicro
                    } else {
                        SmeStatus::None
                    }),
                },
                received_at: t0 + chrono::Duration::milliseconds(i as i64),
            }
        })
        .collect();
    let sheets: Vec<MemberSheet> = (0..experts)
        .map(|_| {
            let mut s = MemberSheet::default();
            for b in &opened {
                let scores: BTreeMap<String, u32> = (0..criteria)
                    .map(|k| {
                        (
                            format!("c{k:02}"),
                            (next() % u64::from(each.max(1) + 1)) as u32,
                        )
                    })
                    .collect();
                s.scores.insert(b.bidder, scores);
            }
            s
        })
        .collect();
    let pricing = Pricing {
        final_prices: BTreeMap::new(),
        sme: Some(SmeDeduction {
            small_bp: 1_000,
            partner_bp: 400,
        }),
        ceiling: Some(ggzy_core::Money::from_fen(175_000_000)),
        same_brand: true,
        abnormally_low_bp: Some(2_000),
    };
    let time = |f: &dyn Fn() -> usize| -> (Vec<f64>, usize) {
        let mut v = Vec::with_capacity(runs);
        let mut keep = 0;
        for _ in 0..runs {
            let t = Instant::now();
            keep ^= f();
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
        v.sort_by(f64::total_cmp);
        (v, keep)
    };
    let pct = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let (full, k1) = time(&|| {
        let o = ev::evaluate_with(
            &method,
            &opened,
            &sheets,
            3,
            &pricing,
            &ev::CreditGrades::default(),
        );
        o.candidates.len() + o.results.len()
    });
    let (bare, k2) = time(&|| {
        let mut totals: Vec<(i64, uuid::Uuid)> = opened
            .iter()
            .map(|b| {
                let sum: i64 = sheets
                    .iter()
                    .map(|s| {
                        s.scores[&b.bidder]
                            .values()
                            .map(|x| i64::from(*x))
                            .sum::<i64>()
                    })
                    .sum();
                (sum, b.bidder)
            })
            .collect();
        totals.sort_unstable();
        totals.len()
    });
    println!(
        "procurement points evaluation: {bids} bids × {criteria} criteria × {experts} members ({} scores), {runs} runs",
        bids * criteria * experts
    );
    println!(
        "  full evaluation (SME deduction, ceiling, price score, criteria, abnormally low, same brand, ranking): p50 {:.2} ms, p99 {:.2} ms",
        pct(&full, 0.5),
        pct(&full, 0.99)
    );
    println!(
        "  baseline, bare sum of every score and sort: p50 {:.2} ms, p99 {:.2} ms; ratio {:.2}x  (checksum {})",
        pct(&bare, 0.5),
        pct(&bare, 0.99),
        pct(&full, 0.5) / pct(&bare, 0.5).max(1e-9),
        k1 ^ k2
    );
}

/// A pool of `n` experts spread over the leaves and regions, about one in ten caught by one of
/// the avoidance rules (suspended, no senior title, tied to a party, away, dishonest, banned, low
/// credit, served the principal too often) — deterministic, so runs compare.
fn synthetic_pool(
    n: usize,
    day: chrono::NaiveDate,
    leaves: &[ggzy_core::specialty::SpecialtyCode],
    regions: &[ggzy_core::region::DivisionCode],
) -> Vec<ggzy_core::expert::ExpertProfile> {
    use ggzy_core::expert::{Ban, ExpertProfile, ExpertStatus};
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    (0..n)
        .map(|i| {
            let r = next();
            let tie = r % 100;
            let party = |k: u64| match k % 3 {
                0 => "P0".to_string(),
                1 => "AG0".to_string(),
                _ => format!("B{}", k % 12),
            };
            ExpertProfile {
                id: uuid::Uuid::from_u128(i as u128 + 1),
                status: if tie == 0 {
                    ExpertStatus::Suspended
                } else {
                    ExpertStatus::Active
                },
                specialties: vec![leaves[(r >> 8) as usize % leaves.len()].clone()],
                senior_title: tie != 1,
                practice_years: 5 + (r >> 20) as u32 % 25,
                region: regions[(r >> 28) as usize % regions.len()].clone(),
                employer: Some(if tie == 2 {
                    party(r >> 32)
                } else {
                    format!("E{}", i % 50_000)
                }),
                former_employers: if tie == 3 {
                    vec![(party(r >> 34), day - chrono::Duration::days(300))]
                } else {
                    vec![]
                },
                conflicts: if tie == 4 {
                    vec![party(r >> 36)]
                } else {
                    vec![]
                },
                department: (tie == 5).then(|| "DEPT".to_string()),
                unavailable: if tie == 6 { vec![(day, day)] } else { vec![] },
                dishonest: tie == 7,
                bans: if tie == 8 {
                    vec![Ban {
                        from: day - chrono::Duration::days(10),
                        until: None,
                        scope: vec![],
                    }]
                } else {
                    vec![]
                },
                credit_score: if tie == 9 { 40 } else { 100 },
                services: if tie == 10 {
                    vec![("P0".into(), day - chrono::Duration::days(5)); 3]
                } else {
                    vec![]
                },
            }
        })
        .collect()
}

/// Drawing 7 experts across three specialties from a pool of `n` with every avoidance rule, as
/// the domain does it (screen, check, snapshot hash, draw), against a bare scan of the same pool
/// for the requested specialties, timed in the same run.
pub(super) fn expert_draw(n: usize, runs: usize) -> Result<()> {
    use ggzy_core::draw;
    use ggzy_core::expert::{self as ex, DrawSpec, ExpertPack, Parties, Scope};
    use ggzy_core::region::DivisionCode;
    use ggzy_core::specialty::{SpecialtyCode, SpecialtyTree};
    use std::collections::BTreeSet;
    let tree = SpecialtyTree::default_cn();
    let leaves: Vec<SpecialtyCode> = tree
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c.depth() >= 2)
        .collect();
    let region = |s: &str| DivisionCode::parse("r", s).expect("region");
    let regions = [
        region("330203"),
        region("330212"),
        region("330200"),
        region("330100"),
    ];
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("day");
    let parties = Parties {
        principal: "P0".into(),
        agency: Some("AG0".into()),
        bidders: (0..12).map(|i| format!("B{i}")).collect(),
        supervising_department: Some("DEPT".into()),
    };
    let rss0 = rss_kib(std::process::id());
    let t = Instant::now();
    let pool = synthetic_pool(n, day, &leaves, &regions);
    let built = t.elapsed();
    let rss1 = rss_kib(std::process::id());
    let code = |s: &str| SpecialtyCode::parse("s", s).expect("code");
    let spec = DrawSpec {
        groups: vec![(code("A0801"), 3), (code("A0802"), 2), (code("A0901"), 2)],
        day,
        scope: Scope::Local(region("330200")),
        trade_kind: "construction".into(),
        parties,
        tender_evaluation: true,
    };
    let pack = ExpertPack::v2025();
    let mut times = vec![];
    let mut bases = vec![];
    let mut eligible = 0;
    for k in 0..runs {
        let t = Instant::now();
        let matched = pool
            .iter()
            .filter(|e| {
                spec.groups
                    .iter()
                    .any(|(g, _)| e.specialties.iter().any(|c| c.within(g)))
            })
            .count();
        bases.push(t.elapsed());
        std::hint::black_box(matched);
        let t = Instant::now();
        let s = ex::screen(&pool, &spec, &pack, &BTreeSet::new());
        anyhow::ensure!(
            ex::too_few(&s).is_none(),
            "the bench pool cannot fill the request"
        );
        let seed = ggzy_seal::sm3(&[b"bench", &(k as u64).to_be_bytes()]);
        let _commitment = draw::commitment(&seed);
        let _snapshot = draw::snapshot_hash(&s.groups);
        let picks = draw::draw(&seed, &s.groups).map_err(|e| anyhow::anyhow!("short {e:?}"))?;
        times.push(t.elapsed());
        anyhow::ensure!(picks.len() == 7);
        eligible = s.groups.iter().map(|g| g.eligible.len()).sum::<usize>();
    }
    let pct = |v: &mut Vec<std::time::Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * p).round() as usize]
    };
    let (p50, p99) = (pct(&mut times, 0.5), pct(&mut times, 0.99));
    let b50 = pct(&mut bases, 0.5);
    println!(
        "expert draw: pool {n} built in {:.1} s; {} eligible across A0801×3 A0802×2 A0901×2 (local scope, every avoidance rule)",
        built.as_secs_f64(),
        eligible
    );
    println!(
        "  draw (screen + snapshot SM3 + commitment + draw), {runs} runs: p50 {:.1} ms, p99 {:.1} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    println!(
        "  baseline: bare specialty scan of the same pool p50 {:.1} ms; ratio draw/scan {:.2}",
        b50.as_secs_f64() * 1e3,
        p50.as_secs_f64() / b50.as_secs_f64().max(1e-9)
    );
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!(
            "  memory: pool resident {:.0} MiB ({:.0} bytes per expert); process {:.0} MiB",
            (b.saturating_sub(a)) as f64 / 1024.0,
            (b.saturating_sub(a)) as f64 * 1024.0 / n as f64,
            b as f64 / 1024.0
        );
    }
    Ok(())
}
