//! `ggzy bench --auction-bids N`: sustained accepted auction bids per second, every bid durable
//! before its acknowledgement, on SQLite and PostgreSQL, against bare durable inserts of the same
//! rows in the same run; the p99 acknowledgement latency; and the delay for an acknowledged bid
//! to reach 2,000 connected SSE watchers.

use anyhow::{Context, Result};
use chrono::Utc;
use ggzy_demo as demo;
use ggzy_store::auctions::{self, AuctionInput, BidInput, BidRow};
use ggzy_store::{Actor, Db, db_all, db_exec};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIDDERS: [&str; 8] = [
    "bidder", "entity03", "entity04", "entity05", "entity06", "entity07", "entity08", "entity09",
];

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

async fn setup(db: &Db) -> Result<(uuid::Uuid, Vec<Actor>)> {
    let now = Utc::now();
    demo::seed(db, now).await?;
    let staff = ggzy_store::accounts::actor_of(db, "staff", "127.0.0.1").await?;
    let id = auctions::create(
        db,
        &staff,
        &AuctionInput {
            name: "压测拍卖".into(),
            region_code: "330200".into(),
            trade_kind: "other".into(),
            start_price: "1".into(),
            increment: "0.01".into(),
            reserve: None,
            opens_at: now,
            free_until: now + chrono::Duration::days(1),
            extension_secs: None,
        },
        now,
    )
    .await?;
    let mut actors = vec![];
    for u in BIDDERS {
        let a = ggzy_store::accounts::actor_of(db, u, "127.0.0.1").await?;
        auctions::admit(db, &staff, id, a.entity_id.context("entity")?, now).await?;
        actors.push(a);
    }
    Ok((id, actors))
}

/// `n` bids from eight bidders at once, each one whole increment or more above the price it last
/// saw; races lose with "too low" as they would in a hall. Returns (accepted/s, ack latencies s).
async fn bidding(
    db: &Db,
    id: uuid::Uuid,
    actors: Vec<Actor>,
    n: usize,
) -> Result<(f64, Vec<f64>, usize)> {
    let top = Arc::new(AtomicI64::new(100));
    let accepted = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for (k, a) in actors.into_iter().enumerate() {
        let (db, top, accepted) = (db.clone(), top.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            let mut refused = 0usize;
            let mut i = 0;
            while (accepted.load(Ordering::Relaxed) as usize) < n {
                i += 1;
                let amount = top.load(Ordering::Relaxed) + 1 + (k as i64 % 3);
                let input = BidInput {
                    amount: format!("{}.{:02}", amount / 100, amount % 100),
                    idempotency_key: format!("{k}-{i}"),
                };
                let t = Instant::now();
                match auctions::bid(&db, &a, id, &input, Utc::now()).await {
                    Ok(ack) => {
                        lat.push(t.elapsed().as_secs_f64());
                        top.fetch_max(ack.amount, Ordering::Relaxed);
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => {
                        refused += 1;
                        // Learn the price that beat us, as a hall page does from its stream.
                        if let Ok(v) = auctions::view(&db, id, Utc::now()).await {
                            top.fetch_max(v.current, Ordering::Relaxed);
                        }
                    }
                }
            }
            (lat, refused)
        }));
    }
    let mut lat = vec![];
    let mut refused = 0;
    for t in tasks {
        let (l, r) = t.await?;
        lat.extend(l);
        refused += r;
    }
    let secs = started.elapsed().as_secs_f64();
    Ok((lat.len() as f64 / secs, lat, refused))
}

/// The same rows, inserted bare into `table` (one durable transaction each) by `writers` at once.
async fn bare_inserts(db: &Db, id: uuid::Uuid, table: &str, writers: usize) -> Result<f64> {
    let rows: Vec<(
        i64,
        i64,
        i64,
        uuid::Uuid,
        String,
        chrono::DateTime<Utc>,
        chrono::DateTime<Utc>,
    )> = db_all!(
        db,
        "SELECT seq, paddle, amount, entity_id, idempotency_key, accepted_at, ends_at FROM auction_bids WHERE auction_id = $1 ORDER BY seq",
        id
    );
    let ddl = match db {
        Db::Sqlite(_) => {
            "CREATE TABLE {t} (auction_id BLOB, seq INTEGER, paddle INTEGER, entity_id BLOB, amount INTEGER, idempotency_key TEXT, accepted_at TEXT, ends_at TEXT, PRIMARY KEY (auction_id, seq))"
        }
        Db::Pg(_) => {
            "CREATE TABLE {t} (auction_id UUID, seq BIGINT, paddle BIGINT, entity_id UUID, amount BIGINT, idempotency_key TEXT, accepted_at TIMESTAMPTZ, ends_at TIMESTAMPTZ, PRIMARY KEY (auction_id, seq))"
        }
    };
    let ddl = ddl.replace("{t}", table);
    db_exec!(db, sqlx::AssertSqlSafe(ddl.clone()));
    let insert = format!(
        "INSERT INTO {table} (auction_id, seq, paddle, entity_id, amount, idempotency_key, accepted_at, ends_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    );
    let rows = Arc::new(rows);
    let next = Arc::new(AtomicI64::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..writers {
        let (db, rows, next, insert) = (db.clone(), rows.clone(), next.clone(), insert.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(r) = rows.get(i) else {
                    return Ok::<_, anyhow::Error>(());
                };
                let mut tx = db.begin().await?;
                ggzy_store::tx_exec!(
                    &mut tx,
                    sqlx::AssertSqlSafe(insert.clone()),
                    id,
                    r.0,
                    r.1,
                    r.3,
                    r.2,
                    &r.4,
                    r.5,
                    r.6
                );
                tx.commit().await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(rows.len() as f64 / started.elapsed().as_secs_f64())
}

async fn backend(name: &str, db: &Db, n: usize) -> Result<()> {
    let (id, actors) = setup(db).await?;
    let (rate, mut lat, refused) = bidding(db, id, actors, n).await?;
    let bare = bare_inserts(db, id, "bench_bids", BIDDERS.len()).await?;
    let serial = bare_inserts(db, id, "bench_bids_serial", 1).await?;
    println!(
        "{name}: {rate:.0} accepted bids/s durable before ack ({} accepted, {refused} refused as outbid), bare durable inserts of the same rows {bare:.0}/s by {} writers (ratio {:.2}), {serial:.0}/s by one writer (ratio {:.2}); ack latency p50 {:.1} ms, p99 {:.1} ms",
        lat.len(),
        BIDDERS.len(),
        rate / bare,
        rate / serial,
        pct(&mut lat, 0.5) * 1e3,
        pct(&mut lat, 0.99) * 1e3
    );
    Ok(())
}

/// `watchers` SSE connections to one auction over real TCP; `bids` bids placed through the
/// service and published as the bid handler does; for each, the delay from its acknowledgement to
/// its arrival at every watcher.
async fn fan_out(watchers: usize, bids: usize) -> Result<()> {
    let t = ggzy_demo::testing::TestDb::sqlite().await;
    let (id, actors) = setup(&t.db).await?;
    let key = ggzy_seal::sign::PlatformKey::generate();
    let vault = Arc::new(ggzy_store::vault::BidVault::temporary()?);
    let state = ggzy_web::AppState::new(
        t.db.clone(),
        Arc::new(ggzy_web::state::SystemClock),
        key,
        None,
        ggzy_web::Config::default(),
        vault,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(ggzy_web::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    // Receipt times per bid sequence number, per watcher.
    let got: Arc<std::sync::Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let mut conns = vec![];
    let connected = Arc::new(AtomicI64::new(0));
    for _ in 0..watchers {
        let (got, connected) = (got.clone(), connected.clone());
        conns.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.write_all(format!("GET /api/v1/auctions/{id}/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n").as_bytes()).await?;
            let mut buf = vec![0u8; 16 * 1024];
            let mut text = String::new();
            let mut seen = 0i64;
            let mut counted = false;
            loop {
                let n = s.read(&mut buf).await?;
                if n == 0 {
                    return Ok::<_, anyhow::Error>(());
                }
                let at = Instant::now();
                if !counted {
                    counted = true;
                    connected.fetch_add(1, Ordering::Relaxed);
                }
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
                while let Some(p) = text.find("\nid: ") {
                    let rest = &text[p + 5..];
                    let Some(end) = rest.find('\n') else { break };
                    if let Ok(seq) = rest[..end].trim().parse::<i64>() {
                        if seq > seen {
                            seen = seq;
                            got.lock().map_err(|_| anyhow::anyhow!("lock"))?.push((seq, at));
                        }
                    }
                    text = rest[end..].to_string();
                }
                if seen >= bids as i64 {
                    return Ok(());
                }
            }
        }));
    }
    let start = Instant::now();
    while (connected.load(Ordering::Relaxed) as usize) < watchers {
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(60),
            "only {} watchers connected",
            connected.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut acked_at = vec![];
    let mut ack_lat = vec![];
    for i in 0..bids {
        let a = &actors[i % 2];
        let amount = 100 + i as i64;
        let t0 = Instant::now();
        let ack = auctions::bid(
            &t.db,
            a,
            id,
            &BidInput {
                amount: format!("{}.{:02}", amount / 100, amount % 100),
                idempotency_key: format!("w{i}"),
            },
            Utc::now(),
        )
        .await?;
        let acked = Instant::now();
        ack_lat.push((acked - t0).as_secs_f64());
        state.hall.publish(
            id,
            BidRow {
                seq: ack.seq,
                paddle: i64::from(ack.paddle),
                amount: ack.amount,
                accepted_at: ack.accepted_at,
                ends_at: ack.ends_at,
            },
        );
        acked_at.push((ack.seq, acked));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for c in conns {
        tokio::time::timeout(Duration::from_secs(30), c)
            .await
            .context("watchers finished")???;
    }
    let got = got.lock().map_err(|_| anyhow::anyhow!("lock"))?.clone();
    let mut delays: Vec<f64> = got
        .iter()
        .filter_map(|(seq, at)| {
            acked_at
                .iter()
                .find(|(s, _)| s == seq)
                .map(|(_, a)| at.saturating_duration_since(*a).as_secs_f64())
        })
        .collect();
    let delivered = delays.len();
    println!(
        "SSE fan-out to {watchers} watchers, {bids} bids: {delivered} of {} deliveries; delay from acknowledgement to arrival p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (the acknowledgement itself: p50 {:.1} ms, p99 {:.1} ms; ratio of p99s {:.1})",
        watchers * bids,
        pct(&mut delays, 0.5) * 1e3,
        pct(&mut delays, 0.99) * 1e3,
        pct(&mut delays, 1.0) * 1e3,
        pct(&mut ack_lat, 0.5) * 1e3,
        pct(&mut ack_lat, 0.99) * 1e3,
        pct(&mut delays, 0.99) / pct(&mut ack_lat, 0.99).max(1e-9)
    );
    t.cleanup().await;
    Ok(())
}

pub async fn run(n: usize, watchers: usize, pg_url: Option<&str>) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let sqlite = Db::open_sqlite(&dir.path().join("auction.db")).await?;
    ggzy_store::migrate(&sqlite).await?;
    backend("SQLite", &sqlite, n).await?;
    sqlite.close().await;
    match pg_url.filter(|u| !u.is_empty()) {
        Some(_) => {
            let t = ggzy_demo::testing::TestDb::postgres()
                .await
                .context("PostgreSQL test database")?;
            backend("PostgreSQL", &t.db, n).await?;
            t.cleanup().await;
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or set GGZY_TEST_PG_URL)"),
    }
    if watchers > 0 {
        fan_out(watchers, 50).await?;
    }
    Ok(())
}
