use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}
fn code(s: &str) -> SpecialtyCode {
    SpecialtyCode::parse("s", s).expect("code")
}
fn region(s: &str) -> DivisionCode {
    DivisionCode::parse("r", s).expect("region")
}

fn expert(n: u128) -> ExpertProfile {
    ExpertProfile {
        id: Uuid::from_u128(n),
        status: ExpertStatus::Active,
        specialties: vec![code("A040103")],
        senior_title: true,
        practice_years: 12,
        region: region("330203"),
        employer: Some(format!("E{n}")),
        former_employers: vec![],
        conflicts: vec![],
        department: None,
        unavailable: vec![],
        dishonest: false,
        bans: vec![],
        credit_score: 100,
        services: vec![],
    }
}

fn spec() -> DrawSpec {
    DrawSpec {
        groups: vec![(code("A04"), 1)],
        day: d("2026-12-10"),
        scope: Scope::Local(region("330200")),
        trade_kind: "construction".into(),
        parties: Parties {
            principal: "P".into(),
            agency: Some("AG".into()),
            bidders: vec!["B1".into(), "B2".into()],
            supervising_department: Some("DEPT".into()),
        },
        tender_evaluation: true,
    }
}

fn why(e: &ExpertProfile) -> Vec<Exclusion> {
    exclusions(e, &spec(), &ExpertPack::v2025(), &BTreeSet::new())
}

#[test]
fn practice_years_and_title_floor_just_inside_and_outside() {
    let mut e = expert(1);
    e.practice_years = 8;
    assert!(why(&e).is_empty());
    e.practice_years = 7;
    assert_eq!(why(&e), vec![Exclusion::Unqualified]);
    e.practice_years = 20;
    e.senior_title = false;
    assert_eq!(why(&e), vec![Exclusion::Unqualified]);
}

#[test]
fn former_employees_of_a_party_wait_three_years() {
    let mut e = expert(1);
    // Left the bidder 3 years ago to the day: eligible again; a day later than that: not.
    e.former_employers = vec![("B2".into(), d("2023-12-10"))];
    assert!(why(&e).is_empty());
    e.former_employers = vec![("B2".into(), d("2023-12-11"))];
    assert_eq!(why(&e), vec![Exclusion::FormerPartyEmployee]);
    e.former_employers = vec![("OTHER".into(), d("2026-01-01"))];
    assert!(why(&e).is_empty());
}

#[test]
fn each_tie_excludes_with_its_own_reason() {
    let mut e = expert(1);
    e.employer = Some("AG".into());
    assert_eq!(why(&e), vec![Exclusion::PartyEmployee]);
    let mut e = expert(1);
    e.conflicts = vec!["B1".into()];
    assert_eq!(why(&e), vec![Exclusion::DeclaredConflict]);
    let mut e = expert(1);
    e.department = Some("DEPT".into());
    assert_eq!(why(&e), vec![Exclusion::SupervisingStaff]);
    e.department = Some("OTHER-DEPT".into());
    assert!(why(&e).is_empty());
    let mut e = expert(1);
    e.dishonest = true;
    e.status = ExpertStatus::Suspended;
    assert_eq!(why(&e), vec![Exclusion::Inactive, Exclusion::Dishonest]);
}

#[test]
fn unavailable_days_are_inclusive() {
    let mut e = expert(1);
    e.unavailable = vec![(d("2026-12-01"), d("2026-12-10"))];
    assert_eq!(why(&e), vec![Exclusion::Unavailable]);
    e.unavailable = vec![(d("2026-12-11"), d("2026-12-20"))];
    assert!(why(&e).is_empty());
}

#[test]
fn bans_cover_their_period_and_scope() {
    let mut e = expert(1);
    e.bans = vec![Ban {
        from: d("2026-01-01"),
        until: Some(d("2026-12-10")),
        scope: vec!["construction".into()],
    }];
    assert_eq!(why(&e), vec![Exclusion::Banned]);
    e.bans[0].until = Some(d("2026-12-09"));
    assert!(why(&e).is_empty());
    e.bans[0].until = None;
    e.bans[0].scope = vec!["procurement".into()];
    assert!(why(&e).is_empty(), "a procurement ban does not bar works");
    e.bans[0].scope = vec![];
    assert_eq!(why(&e), vec![Exclusion::Banned]);
}

#[test]
fn credit_floor_and_frequency_cap_just_inside_and_outside() {
    let mut e = expert(1);
    e.credit_score = 60;
    assert!(why(&e).is_empty());
    e.credit_score = 59;
    assert_eq!(why(&e), vec![Exclusion::LowCredit]);
    let mut e = expert(1);
    // Two services for the same principal within 180 days: fine; a third: excluded.
    e.services = vec![("P".into(), d("2026-10-01")), ("P".into(), d("2026-11-01"))];
    assert!(why(&e).is_empty());
    e.services.push(("P".into(), d("2026-06-14")));
    assert_eq!(why(&e), vec![Exclusion::FrequentWithPrincipal]);
    e.services[2].1 = d("2026-06-13");
    assert!(why(&e).is_empty(), "181 days ago is outside the window");
}

#[test]
fn too_few_names_the_numbers() {
    let mut a = expert(1);
    a.employer = Some("P".into());
    let b = expert(2);
    let mut sp = spec();
    sp.groups = vec![(code("A04"), 2)];
    let s = screen(&[a, b], &sp, &ExpertPack::v2025(), &BTreeSet::new());
    let e = too_few(&s).expect("short");
    assert_eq!(e.code, "draw.too_few_experts");
    assert!(
        e.message_en.contains("needs 2 but only 1"),
        "{}",
        e.message_en
    );
    assert!(
        e.message_en.contains("party_employee: 1"),
        "{}",
        e.message_en
    );
    assert!(e.message_zh.contains("系招标人"), "{}", e.message_zh);
}

#[test]
fn scope_and_specialty_decide_who_is_considered() {
    let mut far = expert(1);
    far.region = region("330100");
    let mut goods = expert(2);
    goods.specialties = vec![code("B0116")];
    let near = expert(3);
    let s = screen(
        &[far.clone(), goods, near],
        &spec(),
        &ExpertPack::v2025(),
        &BTreeSet::new(),
    );
    assert_eq!(s.considered, 1);
    assert_eq!(s.groups[0].eligible, vec![Uuid::from_u128(3)]);
    let mut remote = spec();
    remote.scope = Scope::CrossRegion(vec![region("330200"), region("330100")]);
    let s = screen(&[far], &remote, &ExpertPack::v2025(), &BTreeSet::new());
    assert_eq!(s.groups[0].eligible, vec![Uuid::from_u128(1)]);
}

#[test]
fn credit_cycle_resets_after_twelve_quiet_months() {
    let ds = [
        Deduction {
            on: d("2026-01-10"),
            points: 10,
        },
        Deduction {
            on: d("2026-06-01"),
            points: 5,
        },
    ];
    assert_eq!(credit_score(&ds, d("2026-05-31"), 12), 90);
    assert_eq!(credit_score(&ds, d("2027-05-31"), 12), 85);
    assert_eq!(credit_score(&ds, d("2027-06-01"), 12), 100);
    let late = [
        Deduction {
            on: d("2025-01-10"),
            points: 30,
        },
        Deduction {
            on: d("2026-02-01"),
            points: 5,
        },
    ];
    assert_eq!(
        credit_score(&late, d("2026-03-01"), 12),
        95,
        "the second starts a new cycle"
    );
    assert_eq!(
        credit_score(
            &[Deduction {
                on: d("2026-01-01"),
                points: 150
            }],
            d("2026-01-02"),
            12
        ),
        0
    );
}

#[test]
fn fees_count_started_sessions() {
    let std = FeeStandard {
        per_session: Money::from_fen(40_000),
        session_hours: 4,
        remote_allowance: Money::from_fen(10_000),
    };
    let t0 = DateTime::parse_from_rfc3339("2026-12-10T01:00:00Z")
        .expect("t")
        .to_utc();
    let h = |m: i64| t0 + chrono::Duration::minutes(m);
    assert_eq!(evaluation_fee(&std, t0, h(30), false, false).fen(), 40_000);
    assert_eq!(evaluation_fee(&std, t0, h(240), false, false).fen(), 40_000);
    assert_eq!(evaluation_fee(&std, t0, h(241), false, false).fen(), 80_000);
    assert_eq!(evaluation_fee(&std, t0, h(241), true, false).fen(), 90_000);
    assert_eq!(evaluation_fee(&std, t0, h(241), true, true).fen(), 0);
}

#[test]
fn age_counts_whole_years() {
    assert_eq!(age_on(d("1956-12-10"), d("2026-12-09")), 69);
    assert_eq!(age_on(d("1956-12-10"), d("2026-12-10")), 70);
}

fn arb_expert() -> impl Strategy<Value = ExpertProfile> {
    let party = prop::sample::select(vec!["P", "AG", "B1", "B2", "X", "Y"]);
    (
        1u128..60,
        0u8..4,
        any::<bool>(),
        5u32..20,
        prop::sample::select(vec!["330203", "330212", "330100"]),
        prop::option::of(party.clone()),
        prop::collection::vec(party.clone(), 0..2),
        any::<bool>(),
        50u32..101,
        prop::sample::select(vec!["A040103", "A0901", "B011601"]),
        prop::option::of(0u32..20),
    )
        .prop_map(
            |(n, st, senior, years, region_s, employer, conflicts, dishonest, credit, sp, off)| {
                let mut e = expert(n);
                e.status = [
                    ExpertStatus::Active,
                    ExpertStatus::Active,
                    ExpertStatus::Suspended,
                    ExpertStatus::Removed,
                ][st as usize];
                e.senior_title = senior;
                e.practice_years = years;
                e.region = region(region_s);
                e.employer = employer.map(String::from);
                e.conflicts = conflicts.into_iter().map(String::from).collect();
                e.dishonest = dishonest;
                e.credit_score = credit;
                e.specialties = vec![code(sp)];
                if let Some(o) = off {
                    let day = d("2026-12-01") + chrono::Duration::days(i64::from(o));
                    e.unavailable = vec![(day, day)];
                }
                e
            },
        )
}

proptest! {
    /// No draw ever returns an excluded expert, or one outside the specialty or scope.
    #[test]
    fn no_draw_returns_an_excluded_expert(
        pool in prop::collection::vec(arb_expert(), 0..60),
        seed in any::<[u8; 32]>(),
        a in 1u32..4,
        b in 0u32..3,
    ) {
        let mut pool = pool;
        pool.sort_by_key(|e| e.id);
        pool.dedup_by_key(|e| e.id);
        let mut sp = spec();
        sp.groups = vec![(code("A04"), a), (code("A09"), b)];
        let pack = ExpertPack::v2025();
        let already: BTreeSet<Uuid> = [Uuid::from_u128(5)].into();
        let s = screen(&pool, &sp, &pack, &already);
        if let Ok(picks) = crate::draw::draw(&seed, &s.groups) {
            prop_assert!(too_few(&s).is_none());
            for p in picks {
                let e = pool.iter().find(|e| e.id == p.expert).expect("from the pool");
                prop_assert!(exclusions(e, &sp, &pack, &already).is_empty());
                prop_assert!(sp.scope.admits(&e.region));
                let g = &sp.groups[p.group as usize].0;
                prop_assert!(e.specialties.iter().any(|c| c.within(g)));
            }
        }
    }
}
