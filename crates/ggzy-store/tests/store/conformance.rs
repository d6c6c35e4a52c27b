//! The store conformance suite: every store function, on SQLite and (when `GGZY_TEST_PG_URL` is
//! set) on PostgreSQL, with the same assertions.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::account::UserInput;
use ggzy_core::entity::{EntityInput, QualificationInput, QualificationStatus};
use ggzy_core::role::{Permission, Role};
use ggzy_core::uscc;
use ggzy_demo as demo;
use ggzy_demo::testing::TestDb;
use ggzy_seal::sign::PlatformKey;
use ggzy_store::accounts::{self, GrantInput, LoginInput, StaffAccountInput, totp};
use ggzy_store::entities::{self, RegistrationInput};
use ggzy_store::events::{self, Finding, LeafCache};
use ggzy_store::{Actor, Db, ServiceError, calendar, on_db, regions};

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:30:00.123456Z")
        .expect("ts")
        .with_timezone(&Utc)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).expect("date")
}

async fn seeded(db: &Db) -> Vec<demo::DemoAccount> {
    demo::seed(db, t0()).await.expect("demo seeds")
}

fn registration(uscc: &str, username: &str) -> RegistrationInput {
    RegistrationInput {
        entity: EntityInput {
            uscc: uscc.into(),
            name: "宁波测试建设有限公司".into(),
            kind: "company".into(),
            legal_representative: "测试人".into(),
            region_code: "330203".into(),
            address: String::new(),
            contact_name: "联系人".into(),
            contact_phone: "13857400001".into(),
            contact_email: String::new(),
            qualifications: vec![
                QualificationInput {
                    name: "建筑工程施工总承包".into(),
                    grade: "二级".into(),
                    certificate_no: "D1".into(),
                    issuer: "浙江省住房和城乡建设厅".into(),
                    valid_from: "2020-01-01".into(),
                    valid_until: "2026-03-01".into(),
                },
                QualificationInput {
                    name: "市政公用工程施工总承包".into(),
                    grade: "三级".into(),
                    certificate_no: "D2".into(),
                    issuer: "宁波市住房和城乡建设局".into(),
                    valid_from: "2020-01-01".into(),
                    valid_until: "2026-03-02".into(),
                },
            ],
        },
        user: UserInput {
            username: username.into(),
            display_name: "经办人".into(),
            password: "Correct-horse-9".into(),
        },
    }
}

fn fresh_uscc(n: u32) -> String {
    (0..100)
        .find_map(|k| uscc::complete(&format!("91330203MA2T{:04}", n * 100 + k)))
        .expect("code")
        .as_str()
        .to_string()
}

async fn login(
    db: &Db,
    user: &str,
    pw: &str,
    code: &str,
    at: DateTime<Utc>,
) -> Result<Actor, ServiceError> {
    let s = accounts::login(
        db,
        &LoginInput {
            username: user.into(),
            password: pw.into(),
            totp: code.into(),
        },
        "10.0.0.9",
        at,
    )
    .await?;
    accounts::session_actor(db, &s.token, "10.0.0.9", at).await
}

fn code_for(accounts: &[demo::DemoAccount], user: &str, at: DateTime<Utc>) -> String {
    let secret = accounts
        .iter()
        .find(|a| a.username == user)
        .and_then(|a| a.totp_secret.clone())
        .expect("secret");
    totp::code_at(&secret, at.timestamp() as u64).expect("code")
}

#[tokio::test]
async fn regions_form_a_tree_and_refuse_orphans_and_duplicates() {
    for t in TestDb::all().await {
        let db = &t.db;
        seeded(db).await;
        let all = regions::list(db).await.expect("list");
        assert_eq!(all.len(), 4, "{}", t.name);
        let haishu = all.iter().find(|r| r.code == "330203").expect("haishu");
        assert_eq!(haishu.parent_code.as_deref(), Some("330200"));
        assert_eq!(haishu.level, "county");
        let sys = Actor::system();
        let orphan = regions::create(
            db,
            &sys,
            &regions::RegionInput {
                code: "330302".into(),
                name: "鹿城区".into(),
            },
            t0(),
        )
        .await;
        assert!(
            matches!(orphan, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "region.parent_missing"),
            "{}",
            t.name
        );
        let dup = regions::create(
            db,
            &sys,
            &regions::RegionInput {
                code: "330203".into(),
                name: "x".into(),
            },
            t0(),
        )
        .await;
        assert!(
            matches!(dup, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "region.exists"),
            "{}",
            t.name
        );
        // Migrations are idempotent: a restart applies nothing twice.
        ggzy_store::migrate(&db).await.expect("second migrate");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_entity_registers_once_with_its_qualifications_and_first_user() {
    for t in TestDb::all().await {
        let db = &t.db;
        seeded(db).await;
        let public = Actor::public("192.0.2.1");
        let code = fresh_uscc(1);
        let reg = entities::register(db, &public, &registration(&code, "tester01"), t0())
            .await
            .expect("registers");

        let view = entities::get(db, &public, reg.entity_id, today())
            .await
            .expect("view");
        assert_eq!(view.uscc, code);
        assert_eq!(view.contact_phone, None, "the public does not see contacts");
        let statuses: Vec<_> = view
            .qualifications
            .iter()
            .map(|q| (q.certificate_no.as_str(), q.status))
            .collect();
        // Valid through the whole of its last day; expired the day after.
        assert!(
            statuses.contains(&("D2", QualificationStatus::Valid)),
            "{statuses:?}"
        );
        assert!(
            statuses.contains(&("D1", QualificationStatus::Expired)),
            "{statuses:?}"
        );

        let me = login(db, "tester01", "Correct-horse-9", "", t0())
            .await
            .expect("first user signs in");
        assert_eq!(me.entity_id, Some(reg.entity_id));
        assert_eq!(me.roles(), vec![Role::EntityUser]);
        let own = entities::get(db, &me, reg.entity_id, today())
            .await
            .expect("own view");
        assert_eq!(own.contact_phone.as_deref(), Some("13857400001"));

        // Same code again, in lower case and with another user: refused, naming the field.
        let again = entities::register(
            db,
            &public,
            &registration(&code.to_lowercase(), "tester02"),
            t0(),
        )
        .await;
        match again {
            Err(ServiceError::Invalid(i)) => {
                assert_eq!(i.0[0].code, "entity.already_registered", "{}", t.name);
                assert_eq!(i.0[0].field, "entity.uscc");
            }
            other => panic!("{}: expected refusal, got {other:?}", t.name),
        }
        // A taken username is a field error under user., and nothing of the entity remains.
        let taken =
            entities::register(db, &public, &registration(&fresh_uscc(2), "tester01"), t0()).await;
        assert!(
            matches!(taken, Err(ServiceError::Invalid(ref i)) if i.0[0].field == "user.username" && i.0[0].code == "username.taken"),
            "{}: {taken:?}",
            t.name
        );
        assert!(
            entities::search(db, &public, Some(&fresh_uscc(2)), today(), 10)
                .await
                .expect("search")
                .is_empty()
        );

        // Bad input: every error at once, with codes.
        let mut bad = registration("91350100M000100Y44", "x");
        bad.entity.contact_phone = "12345".into();
        let Err(ServiceError::Invalid(i)) = entities::register(db, &public, &bad, t0()).await
        else {
            panic!("bad input accepted")
        };
        let codes: Vec<_> = i.0.iter().map(|e| e.code).collect();
        assert!(
            codes.contains(&"uscc.check_digit")
                && codes.contains(&"phone.format")
                && codes.contains(&"username.format"),
            "{codes:?}"
        );

        // Search finds by name fragment and by code.
        assert_eq!(
            entities::search(db, &public, Some("测试建设"), today(), 10)
                .await
                .expect("s")
                .len(),
            1
        );
        assert_eq!(
            entities::search(db, &public, Some(&code), today(), 10)
                .await
                .expect("s")
                .len(),
            1
        );
        assert_eq!(entities::count(db).await.expect("count"), 13);

        // The registration is an event in the same transaction.
        let ev = events::get(db, reg.event_seq).await.expect("event");
        assert_eq!(ev.kind, "entity.registered");
        assert_eq!(ev.address, "192.0.2.1");
        assert_eq!(ev.subject, format!("entity:{}", reg.entity_id));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    for t in TestDb::all().await {
        let db = &t.db;
        seeded(db).await;
        let pw = demo::DEMO_PASSWORD;
        // Just inside: four failures, then the right password still works and resets the count.
        for _ in 0..4 {
            assert!(
                matches!(login(db, "bidder", "wrong-password-1", "", t0()).await, Err(ServiceError::SignIn(ref e)) if e.code == "auth.bad_credentials")
            );
        }
        login(db, "bidder", pw, "", t0())
            .await
            .expect("fourth failure does not lock");
        // Just outside: the fifth failure in a row locks. The answer does not change when it
        // does, so nobody learns from it that the username exists.
        for i in 0..5 {
            let r = login(db, "bidder", "wrong-password-1", "", t0()).await;
            assert!(
                matches!(r, Err(ServiceError::SignIn(ref e)) if e.code == "auth.bad_credentials"),
                "{}: attempt {i}: {r:?}",
                t.name
            );
        }
        let r = login(
            db,
            "bidder",
            pw,
            "",
            t0() + Duration::minutes(15) - Duration::seconds(1),
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::SignIn(ref e)) if e.code == "auth.bad_credentials"),
            "{}: the right password is refused while locked",
            t.name
        );
        login(db, "bidder", pw, "", t0() + Duration::minutes(15))
            .await
            .expect("lock ends after 15 minutes");
        // Unknown users get the same answer as wrong passwords.
        assert!(
            matches!(login(db, "nobody-here", pw, "", t0()).await, Err(ServiceError::SignIn(ref e)) if e.code == "auth.bad_credentials")
        );
        t.cleanup().await;
    }
}

/// Wrong passwords sent at once each count (the count is kept by the database, not read before
/// the check), and so do wrong second-factor codes: both reach the lock-out.
#[tokio::test]
async fn concurrent_wrong_passwords_and_wrong_codes_reach_the_lock_out() {
    for t in TestDb::all().await {
        let db = &t.db;
        let demo_accounts = seeded(db).await;
        let pw = demo::DEMO_PASSWORD;
        let tries = (0..5).map(|_| login(db, "bidder", "wrong-password-1", "", t0()));
        for r in futures_util::future::join_all(tries).await {
            assert!(r.is_err());
        }
        assert!(
            login(db, "bidder", pw, "", t0()).await.is_err(),
            "{}: five concurrent failures lock",
            t.name
        );
        // Four wrong codes do not lock; the fifth does, even with the right password each time.
        for _ in 0..4 {
            assert!(login(db, "staff", pw, "000000", t0()).await.is_err());
        }
        let code = code_for(&demo_accounts, "staff", t0());
        login(db, "staff", pw, &code, t0())
            .await
            .expect("four wrong codes do not lock, and success resets the count");
        for _ in 0..5 {
            assert!(login(db, "staff", pw, "000000", t0()).await.is_err());
        }
        assert!(
            login(db, "staff", pw, &code, t0()).await.is_err(),
            "{}: five wrong codes lock",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn staff_need_a_second_factor_and_sessions_expire() {
    for t in TestDb::all().await {
        let db = &t.db;
        let demo_accounts = seeded(db).await;
        let pw = demo::DEMO_PASSWORD;
        let r = login(db, "staff", pw, "", t0()).await;
        assert!(
            matches!(r, Err(ServiceError::SignIn(ref e)) if e.code == "auth.totp_required"),
            "{r:?}"
        );
        let r = login(db, "staff", pw, "000000", t0()).await;
        assert!(
            matches!(r, Err(ServiceError::SignIn(ref e)) if e.code == "auth.bad_credentials"),
            "{r:?}"
        );
        let staff = login(
            db,
            "staff",
            pw,
            &code_for(&demo_accounts, "staff", t0()),
            t0(),
        )
        .await
        .expect("staff with code");
        assert_eq!(staff.roles(), vec![Role::CenterStaff]);

        let s = accounts::login(
            db,
            &LoginInput {
                username: "bidder".into(),
                password: pw.into(),
                totp: String::new(),
            },
            "a",
            t0(),
        )
        .await
        .expect("login");
        assert!(
            accounts::session_actor(
                db,
                &s.token,
                "a",
                t0() + accounts::SESSION_TTL - Duration::seconds(1)
            )
            .await
            .is_ok()
        );
        assert!(matches!(
            accounts::session_actor(db, &s.token, "a", t0() + accounts::SESSION_TTL).await,
            Err(ServiceError::Unauthenticated)
        ));
        let actor = accounts::session_actor(db, &s.token, "a", t0())
            .await
            .expect("actor");
        accounts::logout(db, &s.token, &actor, t0())
            .await
            .expect("logout");
        assert!(matches!(
            accounts::session_actor(db, &s.token, "a", t0()).await,
            Err(ServiceError::Unauthenticated)
        ));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn roles_are_checked_in_the_service_and_duties_stay_separate() {
    for t in TestDb::all().await {
        let db = &t.db;
        let demo_accounts = seeded(db).await;
        let pw = demo::DEMO_PASSWORD;
        let admin = login(
            db,
            "admin",
            pw,
            &code_for(&demo_accounts, "admin", t0()),
            t0(),
        )
        .await
        .expect("admin");
        let bidder = login(db, "bidder", pw, "", t0()).await.expect("bidder");

        let input = StaffAccountInput {
            username: "staff2".into(),
            display_name: "海曙分中心 陈工".into(),
            password: "Branch-staff-42".into(),
            role: "center_staff".into(),
            region_code: "330203".into(),
        };
        let r = accounts::create_staff_account(db, &bidder, &input, t0()).await;
        assert!(
            matches!(r, Err(ServiceError::Forbidden(Permission::AccountAdmin))),
            "{r:?}"
        );
        let created = accounts::create_staff_account(db, &admin, &input, t0())
            .await
            .expect("admin creates staff");
        assert!(
            created.totp_secret.is_some(),
            "centre staff get a second factor"
        );

        // 管办分离: the same person cannot supervise where they serve (a city grant covers its branches).
        let sup = GrantInput {
            role: "supervisor".into(),
            region_code: "330200".into(),
        };
        let r = accounts::grant_role(db, &admin, created.id, &sup, t0()).await;
        assert!(
            matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "role.separation_of_duties" && i.0[0].rule.is_some()),
            "{r:?}"
        );
        // In a disjoint branch it is allowed.
        let other = GrantInput {
            role: "supervisor".into(),
            region_code: "330212".into(),
        };
        accounts::grant_role(db, &admin, created.id, &other, t0())
            .await
            .expect("disjoint region");
        // Self-service roles are not handed out by admins; unknown regions are refused.
        let r = accounts::create_staff_account(
            db,
            &admin,
            &StaffAccountInput {
                role: "entity_user".into(),
                username: "x1234".into(),
                ..input.clone()
            },
            t0(),
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "role.self_service")
        );
        let r = accounts::create_staff_account(
            db,
            &admin,
            &StaffAccountInput {
                region_code: "330281".into(),
                username: "x5678".into(),
                ..input.clone()
            },
            t0(),
        )
        .await;
        assert!(
            matches!(r, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "region.unknown"),
            "{r:?}"
        );
        assert!(
            accounts::list_accounts(db, &admin)
                .await
                .expect("list")
                .iter()
                .any(|a| a.account.username == "staff2")
        );
        assert!(matches!(
            accounts::list_accounts(db, &bidder).await,
            Err(ServiceError::Forbidden(Permission::AccountAdmin))
        ));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_event_log_chains_signs_proves_and_detects_an_edited_row() {
    for t in TestDb::all().await {
        let db = &t.db;
        seeded(db).await;
        let n = events::size(db).await.expect("size");
        assert!(n >= 20, "demo appends events");
        let key = PlatformKey::generate();
        events::register_key(db, &key, t0()).await.expect("key");
        let mut cache = LeafCache::default();
        let head = events::sign_head(db, &mut cache, &key, t0())
            .await
            .expect("sign")
            .expect("new head");
        assert_eq!(head.size, n);
        assert!(
            events::sign_head(db, &mut cache, &key, t0())
                .await
                .expect("sign")
                .is_none(),
            "no new head without new events"
        );

        // Inclusion and consistency proofs verify against the signed root.
        let root = ggzy_seal::from_hex(&head.root).expect("root");
        let leaves = cache.leaves().to_vec();
        let proof = ggzy_seal::merkle::inclusion_proof(&leaves, 4).expect("proof");
        assert!(ggzy_seal::merkle::verify_inclusion(
            4, n as u64, &leaves[4], &proof, &root
        ));

        entities::register(
            db,
            &Actor::public("198.51.100.7"),
            &registration(&fresh_uscc(3), "tester03"),
            t0(),
        )
        .await
        .expect("register");
        let head2 = events::sign_head(db, &mut cache, &key, t0() + Duration::seconds(1))
            .await
            .expect("sign")
            .expect("head");
        let cons =
            ggzy_seal::merkle::consistency_proof(cache.leaves(), n as usize).expect("consistency");
        assert!(ggzy_seal::merkle::verify_consistency(
            n as u64,
            head2.size as u64,
            &root,
            &ggzy_seal::from_hex(&head2.root).expect("r"),
            &cons
        ));

        let clean = events::verify(db).await.expect("verify");
        assert!(
            clean.findings.is_empty(),
            "{}: {:?}",
            t.name,
            clean.findings
        );
        assert_eq!(clean.tree_heads_checked, 2);

        // Someone with database access edits one row.
        let victim = 7i64;
        on_db!(db, |p| sqlx::query(
            "UPDATE events SET payload = '{\"edited\":true}' WHERE seq = $1"
        )
        .bind(victim)
        .execute(p)
        .await
        .expect("edit")
        .rows_affected());
        let report = events::verify(db).await.expect("verify");
        assert_eq!(
            report.findings.first(),
            Some(&Finding::RowMismatch { seq: victim }),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn recomputing_the_chain_after_an_edit_still_fails_the_signed_head() {
    for t in TestDb::all().await {
        let db = &t.db;
        seeded(db).await;
        let key = PlatformKey::generate();
        events::register_key(db, &key, t0()).await.expect("key");
        events::sign_head(db, &mut LeafCache::default(), &key, t0())
            .await
            .expect("sign");
        // A careful forger rewrites row 3 and recomputes every later hash.
        let rows = events::list(db, None, None, 500).await.expect("rows");
        let mut rows: Vec<_> = rows.into_iter().rev().collect();
        rows[2].payload = "{\"forged\":true}".into();
        let mut prev = ggzy_seal::GENESIS;
        for r in &mut rows {
            let h = ggzy_seal::chain_hash(&prev, &r.chained_bytes());
            r.hash = ggzy_seal::to_hex(&h);
            prev = h;
        }
        for r in &rows {
            on_db!(db, |p| sqlx::query(
                "UPDATE events SET payload = $1, hash = $2 WHERE seq = $3"
            )
            .bind(&r.payload)
            .bind(&r.hash)
            .bind(r.seq)
            .execute(p)
            .await
            .expect("forge")
            .rows_affected());
        }
        on_db!(db, |p| sqlx::query("UPDATE event_head SET hash = $1")
            .bind(ggzy_seal::to_hex(&prev))
            .execute(p)
            .await
            .expect("forge head")
            .rows_affected());
        let report = events::verify(db).await.expect("verify");
        assert!(
            matches!(
                report.findings.first(),
                Some(Finding::TreeHeadMismatch {
                    first_unproven: 1,
                    ..
                })
            ),
            "{}: {:?}",
            t.name,
            report.findings
        );
        // Deleting the last row is caught by the head row.
        let t2 = TestDb::sqlite().await;
        seeded(&t2.db).await;
        on_db!(&t2.db, |p| sqlx::query(
            "DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)"
        )
        .execute(p)
        .await
        .expect("delete")
        .rows_affected());
        assert!(matches!(
            events::verify(&t2.db).await.expect("v").findings.first(),
            Some(Finding::HeadMismatch { .. })
        ));
        t2.cleanup().await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_calendar_is_data_admins_replace() {
    for t in TestDb::all().await {
        let db = &t.db;
        let demo_accounts = seeded(db).await;
        calendar::seed_default(db).await.expect("seed");
        let cal = calendar::load(db).await.expect("load");
        let oct1 = NaiveDate::from_ymd_opt(2026, 10, 1).expect("d");
        assert!(!cal.is_working_day(oct1));
        let admin = login(
            db,
            "admin",
            demo::DEMO_PASSWORD,
            &code_for(&demo_accounts, "admin", t0()),
            t0(),
        )
        .await
        .expect("admin");
        let bidder = login(db, "bidder", demo::DEMO_PASSWORD, "", t0())
            .await
            .expect("bidder");
        let table = "# test\n2027-01-01 holiday 元旦\n2027-01-04 holiday 测试假日\n";
        assert!(matches!(
            calendar::replace(db, &bidder, table, t0()).await,
            Err(ServiceError::Forbidden(Permission::ConfigAdmin))
        ));
        let bad = calendar::replace(db, &admin, "2027-13-01 holiday x", t0()).await;
        assert!(matches!(bad, Err(ServiceError::Invalid(ref i)) if i.0[0].code == "calendar.line"));
        assert_eq!(
            calendar::replace(db, &admin, table, t0())
                .await
                .expect("replace"),
            2
        );
        let cal = calendar::load(db).await.expect("load");
        assert!(
            !cal.is_working_day(NaiveDate::from_ymd_opt(2027, 1, 4).expect("d")),
            "{}",
            t.name
        );
        assert!(
            cal.is_working_day(oct1),
            "the old table is gone: 2026-10-01 is a plain Thursday now"
        );
        t.cleanup().await;
    }
}

/// One column as both backends can describe it: its type family (SQLite has no UUID, BOOLEAN or
/// TIMESTAMPTZ, so a UUID is a BLOB, a flag an INTEGER, an instant TEXT) and whether it may be
/// NULL.
type Columns = std::collections::BTreeMap<(String, String), (&'static str, bool)>;

fn family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "uuid" | "blob" | "bytea" => "bytes",
        "integer" | "bigint" | "smallint" | "boolean" => "integer",
        "text" | "character varying" | "timestamp with time zone" | "timestamptz" => "text",
        "date" => "date",
        "real" | "double precision" => "real",
        other => panic!("no family for the column type {other}: add it here"),
    }
}

/// The two migrations describe one schema: the same tables, the same columns with the same
/// nullability, and types of the same family. A column added to one backend only, or NOT NULL on
/// one side, fails here before it fails in production on the other.
#[tokio::test]
async fn sqlite_and_postgresql_schemas_agree_table_by_table_and_column_by_column() {
    let Some(pg) = TestDb::postgres().await else {
        eprintln!("GGZY_TEST_PG_URL is unset: the schemas are compared in CI's PostgreSQL step");
        return;
    };
    let lite = TestDb::sqlite().await;
    let Db::Sqlite(sqlite) = &lite.db else {
        panic!("sqlite")
    };
    let Db::Pg(postgres) = &pg.db else {
        panic!("postgres")
    };
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'notice_search%' ORDER BY name",
    )
    .fetch_all(sqlite)
    .await
    .expect("tables");
    let mut on_sqlite = Columns::new();
    for (table,) in &tables {
        let cols: Vec<(String, String, bool, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
                .bind(table)
                .fetch_all(sqlite)
                .await
                .expect("columns");
        for (name, declared, not_null, pk) in cols {
            // A primary-key column is never NULL in practice, whatever SQLite's declaration says.
            let nullable = !(not_null || pk > 0);
            on_sqlite.insert((table.clone(), name), (family(&declared), nullable));
        }
    }
    let cols: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(postgres)
    .await
    .expect("columns");
    // The full-text index is each backend's own: an FTS5 table beside `notices` on SQLite
    // (skipped above), a generated `tsvector` column inside it on PostgreSQL.
    let on_postgres: Columns = cols
        .into_iter()
        .filter(|(t, c, _, _)| !(t == "notices" && c == "tsv"))
        .map(|(t, c, ty, null)| ((t, c), (family(&ty), null == "YES")))
        .collect();
    assert!(on_sqlite.len() > 300, "{} columns read", on_sqlite.len());
    let mut differences = vec![];
    for (key, lite) in &on_sqlite {
        match on_postgres.get(key) {
            None => differences.push(format!("{}.{} only on SQLite", key.0, key.1)),
            Some(pg) if pg != lite => differences.push(format!(
                "{}.{}: SQLite {lite:?}, PostgreSQL {pg:?}",
                key.0, key.1
            )),
            Some(_) => {}
        }
    }
    for key in on_postgres.keys().filter(|k| !on_sqlite.contains_key(*k)) {
        differences.push(format!("{}.{} only on PostgreSQL", key.0, key.1));
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    lite.cleanup().await;
    pg.cleanup().await;
}
