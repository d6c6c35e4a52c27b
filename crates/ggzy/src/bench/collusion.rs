//! The collusion indicators over one large opening: every indicator over 1,000 opened bids' stored
//! traces (and their bidders' earlier deals), against reading the same stored fields once, in the
//! same run, on each backend.

use anyhow::{Context, Result};
use chrono::Duration;
use ggzy_core::collusion::FileTrace;
use ggzy_demo::testing::TestDb;
use ggzy_store::vault::BidVault;
use ggzy_store::{Db, collusion};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// `n` opened bids with five files each; one bidder in fifty shares its address with the next,
/// so the indicators have groups to build.
async fn insert_bids(db: &Db, lot: Uuid, n: usize) -> Result<()> {
    let (account,): (Uuid,) =
        ggzy_store::db_one!(db, "SELECT id FROM accounts WHERE username = 'bidder'");
    let now = ggzy_demo::testing::epoch();
    let mut tx = db.begin().await?;
    for i in 0..n {
        let entity = Uuid::now_v7();
        let bid = Uuid::now_v7();
        let host = if i % 50 == 1 { i - 1 } else { i };
        let uscc = format!("91330200B{i:08}X");
        let files: Vec<FileTrace> = (0..5)
            .map(|k| FileTrace {
                name: format!("第{k}册.docx"),
                sm3: format!("{:064x}", i * 5 + k),
                size: 200_000 + (i * 37 + k) as u64,
                author: Some(format!("编制人{i}")),
                software: Some("WPS Office".into()),
                created: Some(format!(
                    "2026-01-{:02}T{:02}:{:02}:00Z",
                    1 + k,
                    i % 24,
                    i % 60
                )),
                company: Some(format!("基准投标人{i}有限公司")),
            })
            .collect();
        let price = 5_000_000_000i64 + ((i as i64 * 2_654_435_761) ^ 0x5bd1_e995) % 500_000_000;
        ggzy_store::tx_exec!(
            &mut tx,
            "INSERT INTO entities (id, uscc, name, kind, legal_representative, region_code, contact_name, contact_phone, created_at) VALUES ($1, $2, $3, 'company', '法人', '330200', '联系人', '13900000000', $4)",
            entity,
            &uscc,
            format!("基准投标人{i}有限公司"),
            now
        );
        ggzy_store::tx_exec!(
            &mut tx,
            "INSERT INTO bids (id, lot_id, bidder_id, account_id, status, receipt_no, package_name, package_size, package_sm3, sealed_form, bond, address, fingerprint, received_at, event_seq) VALUES ($1, $2, $3, $4, 'active', $5, 'envelope', 1, $6, $7, 800000, $8, $9, $10, 1)",
            bid,
            lot,
            entity,
            account,
            format!("BENCH-{i:06}"),
            format!("{i:064x}"),
            Vec::<u8>::new(),
            format!("10.{}.{}.{}", host / 65_536, (host / 256) % 256, host % 256),
            format!("sm3:{i:060x}"),
            now + Duration::milliseconds(i as i64)
        );
        ggzy_store::tx_exec!(
            &mut tx,
            "INSERT INTO bid_traces (bid_id, lot_id, bond_account, contact_name, contact_phone, contact_email, project_manager, price, price_error, files) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)",
            bid,
            lot,
            format!("3301{i:012}"),
            format!("联系人{i}"),
            format!("139{i:08}"),
            format!("bid{i}@example.cn"),
            format!("项目经理{i}"),
            price,
            serde_json::to_string(&files)?
        );
    }
    tx.commit().await?;
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

pub(super) async fn collusion(n: usize, runs: usize) -> Result<()> {
    let mut dbs = vec![TestDb::sqlite().await];
    dbs.extend(TestDb::postgres().await);
    for t in dbs {
        let now = ggzy_demo::testing::epoch();
        ggzy_demo::seed(&t.db, now).await.context("seed")?;
        let vault = Arc::new(BidVault::temporary()?);
        let lot = ggzy_demo::tendering::walk(
            &t.db,
            &vault,
            "串通识别基准工程",
            "open_tender",
            ggzy_demo::tendering::Walk::Published,
            now - Duration::days(30),
        )
        .await
        .context("lot")?;
        insert_bids(&t.db, lot, n).await?;
        let (mut read, mut check) = (vec![], vec![]);
        let mut fired = 0;
        for _ in 0..runs.max(1) {
            let s = Instant::now();
            let got = collusion::read_only(&t.db, lot).await?;
            read.push(s.elapsed().as_secs_f64() * 1e3);
            anyhow::ensure!(got == n, "read {got} of {n} traces");
            let s = Instant::now();
            fired = collusion::check_lot(&t.db, lot, now).await?.len();
            check.push(s.elapsed().as_secs_f64() * 1e3);
        }
        let (r, c) = (median(read), median(check));
        println!(
            "collusion indicators at a {n}-bid opening ({}): {c:.1} ms median of {runs} (reading the same stored fields once: {r:.1} ms; ratio {:.2}); {fired} signals; goal < 1000 ms",
            t.name,
            c / r
        );
        t.cleanup().await;
    }
    Ok(())
}
