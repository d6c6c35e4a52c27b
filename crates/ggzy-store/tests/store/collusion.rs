//! Collusion indicators at real openings on every backend: bids sealed, submitted and opened as
//! usual, each constructed case raising its alert with its evidence, and each near miss raising
//! none. Then the case is handled: acknowledged, investigated and closed with a finding that
//! becomes a credit record, and a case left alone escalates.

use crate::support::{code, seeded, who};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::alert::Status;
use ggzy_demo::tendering::{self as demo, BidPlan, Walk};
use ggzy_store::alerts::{self, AlertFilter, AlertView, CloseInput, StepInput};
use ggzy_store::tendering::bids::{Origin, PriceLineInput};
use ggzy_store::vault::BidVault;
use ggzy_store::{Db, collusion};
use std::io::Write;
use std::sync::Arc;
use uuid::Uuid;

const USERS: [&str; 4] = demo::BIDDERS;

/// A Word document whose properties name its author, program, creation time and company.
fn docx(author: &str, created: &str, company: &str, body: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(vec![]));
    let o =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("docProps/core.xml", o).expect("zip");
    write!(w, "<cp:coreProperties><dc:creator>{author}</dc:creator><dcterms:created>{created}</dcterms:created></cp:coreProperties>").expect("zip");
    w.start_file("docProps/app.xml", o).expect("zip");
    write!(w, "<Properties><Application>Microsoft Office Word</Application><Company>{company}</Company></Properties>").expect("zip");
    w.start_file("word/document.xml", o).expect("zip");
    w.write_all(body.repeat(200).as_bytes()).expect("zip");
    w.finish().expect("zip").into_inner()
}

/// Four independent bids: every trace different, prices scattered.
fn plans(prices: [&str; 4]) -> Vec<BidPlan> {
    USERS
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut form = demo::bid_form(i);
            form.price = prices[i].into();
            form.price_in_words = String::new();
            form.bond_account = Some(format!("3301 0000 0000 00{i}"));
            form.contact = Some(ggzy_core::collusion::Contact {
                name: Some(format!("联系人{i}")),
                phone: Some(format!("1390000000{i}")),
                email: Some(format!("c{i}@bid.example.cn")),
            });
            BidPlan {
                user: u,
                form,
                files: vec![
                    (
                        "技术标.docx".into(),
                        docx(
                            &format!("编制人{i}"),
                            &format!("2026-01-0{}T09:00:00Z", i + 1),
                            &format!("单位{i}"),
                            &format!("技术方案{i}"),
                        ),
                    ),
                    (
                        "fingerprint.json".into(),
                        format!(r#"{{"machine":"m{i}"}}"#).into_bytes(),
                    ),
                ],
                origin: Origin {
                    address: format!("192.0.2.{}", 10 + i),
                    fingerprint: String::new(),
                },
            }
        })
        .collect()
}

/// Each price also in words, as the bid tool writes it.
fn with_words(mut p: Vec<BidPlan>) -> Vec<BidPlan> {
    for b in &mut p {
        b.form.price_in_words = ggzy_core::evaluation::amount_in_words(
            ggzy_core::Money::parse_yuan("price", &b.form.price).expect("price"),
        )
        .expect("words");
    }
    p
}

async fn opened(db: &Db, name: &str, plans: Vec<BidPlan>, t0: DateTime<Utc>) -> Uuid {
    let vault = Arc::new(BidVault::temporary().expect("vault"));
    let lot = demo::walk(db, &vault, name, "open_tender", Walk::Published, t0)
        .await
        .expect("published");
    demo::tender_with(db, &vault, lot, with_words(plans), t0)
        .await
        .expect("bids");
    demo::open_at_deadline(db, &vault, lot, t0)
        .await
        .expect("opened");
    // The opening plans the check; the scheduler runs it on its next tick.
    let tick = demo::tender_notice(t0).bid_deadline + Duration::minutes(11);
    let fired = ggzy_store::regime::run_due(db, tick)
        .await
        .expect("scheduler");
    assert!(
        fired
            .iter()
            .any(|f| f.lot_id == lot && f.action == "collusion_check"),
        "{fired:?}"
    );
    lot
}

async fn collusion_alerts(db: &Db, lot: Uuid) -> Vec<AlertView> {
    let sup = who(db, "supervisor").await;
    let mut v: Vec<AlertView> = alerts::list(db, &sup, &AlertFilter::default())
        .await
        .expect("alerts")
        .into_iter()
        .filter(|a| a.lot_id == Some(lot) && a.kind.starts_with("collusion."))
        .collect();
    v.sort_by(|a, b| a.kind.cmp(&b.kind));
    v
}

fn kinds(v: &[AlertView]) -> Vec<&str> {
    v.iter().map(|a| a.kind.as_str()).collect()
}

#[tokio::test]
async fn each_identity_indicator_fires_on_its_case_and_not_on_its_near_miss() {
    for (t, now) in seeded().await {
        let t0 = now - Duration::days(60);
        // bidder and entity03 share everything one at a time; entity05's document names entity07.
        let mut p = plans(["50100000", "49800000", "50800000", "49500000"]);
        p[1].origin.address = p[0].origin.address.clone();
        p[1].files[1].1 = p[0].files[1].1.clone();
        p[1].form.bond_account = Some("330100000000000".into());
        p[1].form.contact.as_mut().expect("contact").phone = Some("139-0000-0000".into());
        p[1].form.project_manager = p[0].form.project_manager.clone();
        let same = p[0].files[0].1.clone();
        p[1].files.push(("施工组织设计.docx".into(), same));
        let e7 = who(&t.db, "entity07").await;
        let seventh =
            ggzy_store::entities::get(&t.db, &e7, e7.entity_id.expect("entity"), now.date_naive())
                .await
                .expect("entity07")
                .name;
        p[2].files[0].1 = docx("编制人2", "2026-01-03T09:00:00Z", &seventh, "技术方案2");
        p[3].form.price = "50100000".into();
        let lines = |up: &str| {
            vec![PriceLineInput {
                name: "土建".into(),
                quantity: 2,
                unit_price: up.into(),
            }]
        };
        p[0].form.lines = lines("25049000");
        p[3].form.lines = lines("25049000");
        let lot = opened(&t.db, "串通识别工程", p, t0).await;
        let raised = collusion_alerts(&t.db, lot).await;
        assert_eq!(
            kinds(&raised),
            vec![
                "collusion.identical_errors",
                "collusion.identical_file",
                "collusion.identical_prices",
                "collusion.mixed_documents",
                "collusion.same_address",
                "collusion.same_bond_account",
                "collusion.same_contact",
                "collusion.same_document_metadata",
                "collusion.same_fingerprint",
                "collusion.same_project_manager",
            ],
            "{}",
            t.name
        );
        let address = raised
            .iter()
            .find(|a| a.kind == "collusion.same_address")
            .expect("address");
        assert_eq!(address.evidence["shared"], "192.0.2.10", "{}", t.name);
        assert_eq!(
            address.evidence["bidders"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(
            address.evidence["basis"],
            "招标投标法实施条例第四十条第（一）（二）项"
        );
        assert!(
            address.event_seq.is_some()
                && address.evidence["events"]
                    .as_array()
                    .is_some_and(|e| e.len() == 2)
        );
        assert_eq!(address.status, Status::Raised);
        let bond = raised
            .iter()
            .find(|a| a.kind == "collusion.same_bond_account")
            .expect("bond");
        assert_eq!(bond.severity, "high");

        // The near miss of each: one character, one second or one fen apart.
        let mut q = plans(["50100000", "49800000", "50800000", "49500000"]);
        q[1].origin.address = "192.0.2.100".into();
        q[1].files[1].1 = br#"{"machine":"m0 "}"#.to_vec();
        q[1].form.bond_account = Some("330100000000001".into());
        q[1].form.contact.as_mut().expect("contact").phone = Some("139-0000-0009".into());
        q[1].form.project_manager = format!("{}甲", q[0].form.project_manager);
        q[2].files[0].1 = docx("编制人0", "2026-01-01T09:00:01Z", "某有限公司", "技术方案0");
        q[3].form.price = "50100000.01".into();
        let lot = opened(&t.db, "串通近似工程", q, t0).await;
        assert_eq!(
            kinds(&collusion_alerts(&t.db, lot).await),
            Vec::<&str>::new(),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn price_patterns_fire_on_their_case_and_not_on_their_near_miss() {
    for (t, now) in seeded().await {
        let t0 = now - Duration::days(60);
        // Each case with its near miss: the ceiling is 54,000,000.
        let cases: [(&str, [&str; 4], &[&str]); 4] = [
            // Four prices 100,000 apart inside the ceiling's 1% band.
            (
                "规律报价工程",
                ["53700000", "53800000", "53900000", "54000000"],
                &[
                    "collusion.evenly_spaced_prices",
                    "collusion.prices_near_ceiling",
                ],
            ),
            // The last gap 101,500 (1.5% off), and the lowest 1.1% under the ceiling.
            (
                "规律近似工程",
                ["53406000", "53700000", "53800000", "53901500"],
                &[],
            ),
            // One bid 10% under three bunched within 2%.
            (
                "陪标工程",
                ["45000000", "50000000", "50500000", "51000000"],
                &["collusion.cover_bids"],
            ),
            // The lowest only 9.9% under the rest.
            (
                "陪标近似工程",
                ["45050000", "50000000", "50500000", "51000000"],
                &[],
            ),
        ];
        let mut lot = Uuid::nil();
        for (name, prices, want) in cases {
            lot = opened(&t.db, name, plans(prices), t0).await;
            assert_eq!(
                kinds(&collusion_alerts(&t.db, lot).await),
                want.to_vec(),
                "{name} on {}",
                t.name
            );
        }

        // The stored traces read back as the indicators saw them.
        let found = collusion::check_lot(&t.db, lot, now).await.expect("check");
        assert_eq!(found, vec![]);
        assert_eq!(collusion::read_only(&t.db, lot).await.expect("read"), 4);
    }
}

#[tokio::test]
async fn a_supervisor_handles_an_alert_to_a_credit_record_and_an_idle_one_escalates() {
    for (t, now) in seeded().await {
        let t0 = now - Duration::days(60);
        let mut p = plans(["50100000", "49800000", "50800000", "49500000"]);
        p[1].origin.address = p[0].origin.address.clone();
        p[3].form.bond_account = p[2].form.bond_account.clone();
        let lot = opened(&t.db, "预警处置工程", p, t0).await;
        let raised = collusion_alerts(&t.db, lot).await;
        assert_eq!(
            kinds(&raised),
            vec!["collusion.same_address", "collusion.same_bond_account"]
        );
        let (addr, bond) = (raised[0].id, raised[1].id);
        let sup = who(&t.db, "supervisor").await;
        let at = t0 + Duration::days(22);

        // Not a bidder's, not the centre staff's to read or handle.
        for u in ["bidder", "staff"] {
            let a = who(&t.db, u).await;
            assert!(
                alerts::list(&t.db, &a, &AlertFilter::default())
                    .await
                    .is_err(),
                "{u}"
            );
            let e = alerts::advance(
                &t.db,
                &a,
                addr,
                ggzy_core::alert::Step::Acknowledge,
                &StepInput::default(),
                at,
            )
            .await
            .expect_err(u);
            assert_eq!(code(&e), "forbidden:supervise", "{u}");
        }
        let case = alerts::advance(
            &t.db,
            &sup,
            addr,
            ggzy_core::alert::Step::Acknowledge,
            &StepInput {
                note: "已受理".into(),
            },
            at,
        )
        .await
        .expect("ack");
        assert_eq!(case.alert.status, Status::Acknowledged);
        assert_eq!(case.alert.owner_id, sup.account_id);
        let e = alerts::advance(
            &t.db,
            &sup,
            addr,
            ggzy_core::alert::Step::Acknowledge,
            &StepInput::default(),
            at,
        )
        .await
        .expect_err("twice");
        assert_eq!(code(&e), "alert.out_of_order");
        alerts::advance(
            &t.db,
            &sup,
            addr,
            ggzy_core::alert::Step::Investigate,
            &StepInput {
                note: "调取递交记录".into(),
            },
            at,
        )
        .await
        .expect("investigate");
        let e = alerts::close(
            &t.db,
            &sup,
            addr,
            &CloseInput {
                finding: "credit_record".into(),
                note: "查实".into(),
                record: None,
            },
            at,
        )
        .await
        .expect_err("no record");
        assert_eq!(code(&e), "alert.record_required");
        let e = alerts::close(
            &t.db,
            &sup,
            addr,
            &CloseInput {
                finding: "guilty".into(),
                note: "x".into(),
                record: None,
            },
            at,
        )
        .await
        .expect_err("finding");
        assert_eq!(code(&e), "alert.finding");

        let uscc = case.alert.evidence["bidders"][1]["uscc"]
            .as_str()
            .expect("uscc")
            .to_string();
        let record = ggzy_store::credit::RecordInput {
            uscc: uscc.clone(),
            entity_name: String::new(),
            kind: "platform_finding".into(),
            ground: None,
            major: false,
            decision_no: "甬建监〔2026〕9号".into(),
            authority: "宁波市住房和城乡建设局".into(),
            basis: "招标投标法实施条例第四十条".into(),
            facts: "与另一投标人从同一网络地址递交投标文件".into(),
            decided_on: ggzy_store::tendering::day(at),
            starts_on: ggzy_store::tendering::day(at),
            ends_on: None,
            published_until: None,
            region_code: "330200".into(),
            evidence: vec![],
            trade_kind: None,
        };
        let closed = alerts::close(
            &t.db,
            &sup,
            addr,
            &CloseInput {
                finding: "credit_record".into(),
                note: "查实两家由同一人办理投标".into(),
                record: Some(record),
            },
            at,
        )
        .await
        .expect("close");
        assert_eq!(closed.alert.status, Status::Closed);
        assert_eq!(
            closed
                .steps
                .iter()
                .map(|s| s.step.as_str())
                .collect::<Vec<_>>(),
            ["acknowledged", "investigating", "closed"]
        );
        let rec = closed.alert.credit_record_id.expect("record");
        let on_file = ggzy_store::credit::all_of(&t.db, &uscc)
            .await
            .expect("records");
        let r = on_file
            .iter()
            .find(|r| r.id == rec)
            .expect("the finding's record");
        assert_eq!(r.kind, "platform_finding");
        let evidence: Vec<i64> = serde_json::from_str(&r.evidence).expect("evidence");
        assert!(
            evidence.contains(&closed.alert.event_seq.expect("seq")),
            "{evidence:?}"
        );
        let e = alerts::close(
            &t.db,
            &sup,
            addr,
            &CloseInput {
                finding: "no_issue".into(),
                note: "x".into(),
                record: None,
            },
            at,
        )
        .await
        .expect_err("closed");
        assert_eq!(code(&e), "alert.closed");

        // Left alone past its two days, the other case escalates once, then again after two more.
        let deadline = raised[1].due_at.expect("due");
        assert_eq!(
            alerts::escalate_overdue(&t.db, deadline - Duration::seconds(1))
                .await
                .expect("esc"),
            0
        );
        assert_eq!(
            alerts::escalate_overdue(&t.db, deadline)
                .await
                .expect("esc"),
            1
        );
        assert_eq!(
            alerts::escalate_overdue(&t.db, deadline + Duration::hours(1))
                .await
                .expect("esc"),
            0
        );
        let c = alerts::case(&t.db, &sup, bond).await.expect("case");
        assert_eq!((c.alert.escalations, c.alert.status), (1, Status::Raised));
        let board = alerts::dashboard(&t.db, &sup, deadline)
            .await
            .expect("board");
        let row = board
            .iter()
            .find(|c| c.kind == "collusion.same_bond_account")
            .expect("row");
        assert_eq!((row.open, row.escalated, row.high), (1, 1, 1));
    }
}
