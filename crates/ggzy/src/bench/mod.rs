//! `ggzy bench`: the numbers in docs/BENCHMARKS.md, each against a baseline measured in the same run.

mod collusion;
mod evaluation;
mod flags;
mod sealed;
mod search;
use evaluation::*;
use sealed::*;

use anyhow::{Context, Result};
use chrono::Utc;
use ggzy_store::events::{self, NewEvent};
use ggzy_store::{Db, db_one};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Events appended one transaction each, hashed and bare, per backend.
    #[arg(long, default_value_t = 2000)]
    appends: usize,
    /// Size of the log `ggzy verify` is timed over.
    #[arg(long, default_value_t = 1_000_000)]
    verify_events: usize,
    /// PostgreSQL server for the append benchmark (a fresh database is created and dropped).
    #[arg(long, env = "GGZY_TEST_PG_URL")]
    pg_url: Option<String>,
    /// The deadline minute: this many bids to one lot on SQLite (0 skips it).
    #[arg(long, default_value_t = 2000)]
    deadline_bids: usize,
    /// Size of each bid package in MiB.
    #[arg(long, default_value_t = 5)]
    deadline_mib: usize,
    /// Bids in flight at once.
    #[arg(long, default_value_t = 32)]
    deadline_concurrency: usize,
    /// Run only the deadline-minute benchmark.
    #[arg(long)]
    deadline_only: bool,
    /// Run only the opening benchmark: seal, submit and open this many bids (0 skips it).
    #[arg(long, default_value_t = 0)]
    opening_bids: usize,
    /// Size of each sealed bid in MB (10^6 bytes) for the opening benchmark.
    #[arg(long, default_value_t = 10)]
    opening_mb: usize,
    /// Run only the expert-draw benchmark over a pool of this many experts (0 skips it).
    #[arg(long, default_value_t = 0)]
    draw_pool: usize,
    /// Draws timed in the expert-draw benchmark.
    #[arg(long, default_value_t = 50)]
    draw_runs: usize,
    /// Run only the procurement scoring benchmark: a points evaluation of this many bids (0 skips it).
    #[arg(long, default_value_t = 0)]
    score_bids: usize,
    /// Scored criteria per bid.
    #[arg(long, default_value_t = 20)]
    score_criteria: usize,
    /// Members scoring every bid.
    #[arg(long, default_value_t = 7)]
    score_experts: usize,
    /// Evaluations timed.
    #[arg(long, default_value_t = 200)]
    score_runs: usize,
    /// Run only the auction benchmark: this many accepted bids per backend (0 skips it).
    #[arg(long, default_value_t = 0)]
    auction_bids: usize,
    /// SSE watchers connected in the auction benchmark (0 skips the fan-out).
    #[arg(long, default_value_t = 2000)]
    auction_watchers: usize,
    /// Run only the notice-search benchmark.
    #[arg(long)]
    search: bool,
    /// Notices of generated Chinese text the search benchmark indexes.
    #[arg(long, default_value_t = 1_000_000)]
    search_notices: usize,
    /// Searches timed (the LIKE baseline runs on every tenth).
    #[arg(long, default_value_t = 200)]
    search_runs: usize,
    /// Run only the red-flags benchmark over this many generated OCDS releases (0 skips it).
    #[arg(long, default_value_t = 0)]
    flags: usize,
    /// Run only the collusion benchmark: the indicators over an opening of this many bids (0
    /// skips it), on SQLite and on PostgreSQL when `GGZY_TEST_PG_URL` is set.
    #[arg(long, default_value_t = 0)]
    collusion: usize,
    /// Checks timed in the collusion benchmark.
    #[arg(long, default_value_t = 20)]
    collusion_runs: usize,
}

fn sample_event(i: usize) -> NewEvent {
    NewEvent {
        actor_id: Some(uuid::Uuid::now_v7()),
        actor_role: "entity_user".into(),
        address: "203.0.113.17".into(),
        region_code: "330203".into(),
        kind: "bid.received",
        subject: format!("lot:{i}"),
        payload: serde_json::json!({ "package_sm3": "9f".repeat(32), "size": 1_048_576 + i, "note": "投标文件已接收" }),
    }
}

const BARE_DDL_SQLITE: &str = "CREATE TABLE bench_bare (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, at TEXT NOT NULL, actor_id BLOB, actor_role TEXT NOT NULL, address TEXT NOT NULL, region_code TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, payload TEXT NOT NULL)";
const BARE_DDL_PG: &str = "CREATE TABLE bench_bare (seq BIGINT PRIMARY KEY, id UUID NOT NULL, at TIMESTAMPTZ NOT NULL, actor_id UUID, actor_role TEXT NOT NULL, address TEXT NOT NULL, region_code TEXT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, payload TEXT NOT NULL)";

/// Appends/s through the event log (chain head lock, SM3, insert) vs the same rows inserted bare,
/// each one transaction, as a command would.
async fn append_ratio(db: &Db, n: usize) -> Result<(f64, f64)> {
    match db {
        Db::Sqlite(p) => sqlx::query(BARE_DDL_SQLITE).execute(p).await.map(|_| ())?,
        Db::Pg(p) => sqlx::query(BARE_DDL_PG).execute(p).await.map(|_| ())?,
    }
    let bare_start = Instant::now();
    for i in 0..n {
        let ev = sample_event(i);
        let mut tx = db.begin().await?;
        ggzy_store::on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO bench_bare (seq, id, at, actor_id, actor_role, address, region_code, kind, subject, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(i as i64 + 1)
        .bind(uuid::Uuid::now_v7())
        .bind(Utc::now())
        .bind(ev.actor_id)
        .bind(&ev.actor_role)
        .bind(&ev.address)
        .bind(&ev.region_code)
        .bind(ev.kind)
        .bind(&ev.subject)
        .bind(ev.payload.to_string())
        .execute(c)
        .await
        .map(|_| ())?
        });
        tx.commit().await?;
    }
    let bare = n as f64 / bare_start.elapsed().as_secs_f64();
    let hashed_start = Instant::now();
    for i in 0..n {
        let mut tx = db.begin().await?;
        events::append(&mut tx, sample_event(i), Utc::now()).await?;
        tx.commit().await?;
    }
    let hashed = n as f64 / hashed_start.elapsed().as_secs_f64();
    Ok((hashed, bare))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Start `ggzy serve` on a fresh data directory and time it to the first 200 from /healthz.
async fn cold_start() -> Result<(Duration, Option<u64>, Duration)> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&exe)
        .args(["serve", "--data"])
        .arg(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("starting ggzy serve")?;
    let url = format!("http://127.0.0.1:{port}/healthz");
    let ready = loop {
        if started.elapsed() > Duration::from_secs(30) {
            anyhow::bail!("server did not become ready in 30 s");
        }
        if health_ok(&url).await {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Idle: let start-up work finish, then read the resident set.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss = child.id().and_then(rss_kib);
    // Baseline in the same run: the bare process start of the same binary (`--help`).
    let b = Instant::now();
    tokio::process::Command::new(&exe)
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .status()
        .await?;
    let baseline = b.elapsed();
    child.kill().await.ok();
    Ok((ready, rss, baseline))
}

async fn health_ok(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut s) = tokio::net::TcpStream::connect(host).await else {
        return false;
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if s.write_all(
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    buf.starts_with(b"HTTP/1.1 200")
}

/// Fill a SQLite log with `n` events (batched transactions) and time `verify` over it against a
/// baseline of reading the same rows without hashing.
async fn verify_time(n: usize) -> Result<(Duration, Duration, Duration)> {
    let dir = tempfile::tempdir()?;
    let db = Db::open_sqlite(&dir.path().join("verify.db")).await?;
    ggzy_store::migrate(&db).await?;
    let fill = Instant::now();
    let batch = 10_000;
    let mut done = 0;
    while done < n {
        let mut tx = db.begin().await?;
        for i in done..(done + batch).min(n) {
            events::append(&mut tx, sample_event(i), Utc::now()).await?;
        }
        tx.commit().await?;
        done = (done + batch).min(n);
        eprint!("\r  filling log: {done}/{n}");
    }
    eprintln!();
    let filled = fill.elapsed();
    let key = ggzy_seal::sign::PlatformKey::generate();
    events::register_key(&db, &key, Utc::now()).await?;
    events::sign_head(&db, &mut events::LeafCache::default(), &key, Utc::now()).await?;
    let scan = Instant::now();
    let rows: (i64, i64) = db_one!(
        &db,
        "SELECT COUNT(*), SUM(LENGTH(payload) + LENGTH(hash)) FROM events"
    );
    let scan = scan.elapsed();
    let v = Instant::now();
    let report = events::verify(&db).await?;
    let verify = v.elapsed();
    anyhow::ensure!(
        report.findings.is_empty() && report.events == rows.0,
        "verify failed on the benchmark log"
    );
    Ok((verify, scan, filled))
}

pub async fn run(a: BenchArgs) -> Result<()> {
    println!(
        "ggzy bench — {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    if a.flags > 0 {
        return flags::flags(a.flags);
    }
    if a.collusion > 0 {
        return collusion::collusion(a.collusion, a.collusion_runs).await;
    }
    if a.search {
        return search::search(a.search_notices, a.search_runs, a.pg_url.as_deref()).await;
    }
    if a.opening_bids > 0 {
        return opening(a.opening_bids, a.opening_mb).await;
    }
    if a.auction_bids > 0 {
        return crate::bench_auction::run(a.auction_bids, a.auction_watchers, a.pg_url.as_deref())
            .await;
    }
    if a.draw_pool > 0 {
        return expert_draw(a.draw_pool, a.draw_runs);
    }
    if a.score_bids > 0 {
        procurement_scoring(
            a.score_bids,
            a.score_criteria,
            a.score_experts,
            a.score_runs,
        );
        return Ok(());
    }
    if a.deadline_bids > 0 {
        deadline_minute(a.deadline_bids, a.deadline_mib, a.deadline_concurrency).await?;
    }
    if a.deadline_only {
        return Ok(());
    }
    let (ready, rss, baseline) = cold_start().await?;
    println!(
        "cold start to serving (fresh SQLite data dir, migrations, key): {:.0} ms  (bare process start `ggzy --help`: {:.1} ms, ratio {:.1}x)",
        ready.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        ready.as_secs_f64() / baseline.as_secs_f64()
    );
    match rss {
        Some(kib) => println!(
            "idle resident memory after start: {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("idle resident memory: not available on this OS"),
    }

    let dir = tempfile::tempdir()?;
    let sqlite = Db::open_sqlite(&dir.path().join("bench.db")).await?;
    ggzy_store::migrate(&sqlite).await?;
    let (h, b) = append_ratio(&sqlite, a.appends).await?;
    println!(
        "SQLite appends/s, one transaction each: hashed {h:.0}, bare {b:.0}, ratio {:.2}",
        h / b
    );
    sqlite.close().await;

    match a.pg_url.as_deref().filter(|u| !u.is_empty()) {
        Some(_) => {
            let t = ggzy_demo::testing::TestDb::postgres()
                .await
                .context("PostgreSQL test database")?;
            let (h, b) = append_ratio(&t.db, a.appends).await?;
            println!(
                "PostgreSQL appends/s, one transaction each: hashed {h:.0}, bare {b:.0}, ratio {:.2}",
                h / b
            );
            t.cleanup().await;
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or set GGZY_TEST_PG_URL)"),
    }

    let (verify, scan, filled) = verify_time(a.verify_events).await?;
    println!(
        "ggzy verify over {} events: {:.2} s  (plain read of the same rows: {:.2} s, ratio {:.1}x; filling took {:.1} s)",
        a.verify_events,
        verify.as_secs_f64(),
        scan.as_secs_f64(),
        verify.as_secs_f64() / scan.as_secs_f64().max(1e-9),
        filled.as_secs_f64()
    );
    Ok(())
}
