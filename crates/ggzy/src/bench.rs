//! `ggzy bench`: the numbers in docs/BENCHMARKS.md, each against a baseline measured in the same run.

use anyhow::{Context, Result};
use chrono::Utc;
use ggzy_store::events::{self, NewEvent};
use ggzy_store::{Db, on_db};
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
    db.migrate().await?;
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
    let rows: (i64, i64) = on_db!(&db, |p| sqlx::query_as(
        "SELECT COUNT(*), SUM(LENGTH(payload) + LENGTH(hash)) FROM events"
    )
    .fetch_one(p)
    .await?);
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

/// A demo city on a fresh SQLite file under GGZY_BENCH_DIR and one open-tender lot whose notice
/// went out at `t0`: what both tendering benchmarks start from.
struct BenchLot {
    dir: tempfile::TempDir,
    db: Db,
    vault: std::sync::Arc<ggzy_store::vault::BidVault>,
    lot: uuid::Uuid,
    notice: ggzy_store::tendering::notices::TenderNoticeInput,
}

async fn bench_lot(name: &str, t0: chrono::DateTime<Utc>) -> Result<BenchLot> {
    use ggzy_store::tendering::{intake, notices};
    let dir = tempfile::tempdir_in(
        std::env::var("GGZY_BENCH_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().display().to_string()),
    )?;
    let db = Db::open_sqlite(&dir.path().join("bench.db")).await?;
    db.migrate().await?;
    ggzy_demo::seed(&db, t0).await?;
    let vault = std::sync::Arc::new(ggzy_store::vault::BidVault::open(
        &dir.path().join("vault"),
    )?);
    let principal = ggzy_store::accounts::actor_of(&db, "principal", "127.0.0.1").await?;
    let reg = intake::register_project(
        &db,
        &principal,
        &ggzy_demo::tendering::project_input(
            name,
            "一标段",
            "open_tender",
            ggzy_demo::tendering::points_method(),
        ),
        t0,
    )
    .await?;
    let lot = reg.lots[0].lot_id;
    let notice = ggzy_demo::tendering::tender_notice(t0);
    notices::publish_tender_notice(&db, &principal, lot, &notice, t0).await?;
    Ok(BenchLot {
        dir,
        db,
        vault,
        lot,
        notice,
    })
}

/// The deadline minute: `n` bids of `mib` MiB to one lot through the bid service (seal, fsync,
/// receipt transaction), against writing and fsyncing the same bytes to plain files at the same
/// concurrency. Afterwards every receipt is checked against the database and the vault.
async fn deadline_minute(n: usize, mib: usize, conc: usize) -> Result<()> {
    use ggzy_store::tendering::bids;
    use std::sync::Arc;
    let t0 = Utc::now();
    let BenchLot {
        dir,
        db,
        vault,
        lot,
        ..
    } = bench_lot("压测工程", t0).await?;
    // Bidders: the demo's entities, each modifying its bid many times (every upload is a full bid
    // with its own receipt, as at a real deadline where bidders re-upload).
    let mut actors = vec![];
    for u in [
        "bidder", "entity03", "entity04", "entity05", "entity06", "entity07", "entity08",
        "entity09", "entity10", "entity11",
    ] {
        actors.push(Arc::new(
            ggzy_store::accounts::actor_of(&db, u, "198.51.100.7").await?,
        ));
    }
    let size = mib * 1024 * 1024;
    let mut base = vec![0u8; size];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut base);
    let base = Arc::new(base);
    let at = t0 + chrono::Duration::days(10);

    // Baseline: the same bytes written and fsynced to plain files, same concurrency.
    let copy_dir = dir.path().join("copy");
    std::fs::create_dir_all(&copy_dir)?;
    let sem = Arc::new(tokio::sync::Semaphore::new(conc));
    let started = Instant::now();
    let mut tasks = vec![];
    for i in 0..n {
        let (base, sem, path) = (base.clone(), sem.clone(), copy_dir.join(format!("{i}.bin")));
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire_owned().await?;
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                use std::io::Write;
                let mut data = base.as_ref().clone();
                data[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let mut f = std::fs::File::create(&path)?;
                f.write_all(&data)?;
                f.sync_all()
            })
            .await??;
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let copy = started.elapsed();
    std::fs::remove_dir_all(&copy_dir)?;

    let started = Instant::now();
    let mut tasks = vec![];
    for i in 0..n {
        let (base, sem, db, vault, actor) = (
            base.clone(),
            sem.clone(),
            db.clone(),
            vault.clone(),
            actors[i % actors.len()].clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire_owned().await?;
            let mut data = base.as_ref().clone();
            data[..8].copy_from_slice(&(i as u64).to_le_bytes());
            // The bidder's tool seals before uploading; that is the bidder's machine's work, so
            // it is outside the latency (but inside the wall time, which makes the ratio
            // conservative).
            let user = actor.username.clone().unwrap_or_default();
            let envelope = ggzy_demo::tendering::seal_bid(
                &db,
                lot,
                &user,
                &ggzy_demo::tendering::bid_form(i),
                vec![("bid.bin".into(), data)],
            )
            .await?;
            let t = Instant::now();
            let r = bids::submit(
                &db,
                &vault,
                &actor,
                lot,
                envelope,
                &bids::Origin::default(),
                &move || at,
            )
            .await?;
            anyhow::Ok((t.elapsed(), r.receipt_no, r.bid_id, r.package_sm3))
        }));
    }
    let mut lat = vec![];
    let mut receipts = vec![];
    for t in tasks {
        let (l, no, id, sm3) = t.await??;
        lat.push(l);
        receipts.push((no, id, sm3));
    }
    let took = started.elapsed();
    lat.sort();
    let p = |q: f64| {
        lat[((lat.len() as f64 * q).ceil() as usize)
            .saturating_sub(1)
            .min(lat.len() - 1)]
    };
    // Lost receipts: a receipt without its row, or whose package no longer opens to the same bytes.
    let mut lost = 0;
    for (k, (no, id, sm3)) in receipts.iter().enumerate() {
        let found: Option<(String,)> = on_db!(&db, |p| sqlx::query_as(
            "SELECT receipt_no FROM bids WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?);
        if found.map(|f| f.0) != Some(no.clone()) {
            lost += 1;
            continue;
        }
        // A sample is read back and hashed again: the stored envelope is the one its receipt names.
        if k % 50 == 0 {
            let bytes = vault.read_envelope(lot, *id)?;
            if bytes.len() < size || ggzy_seal::to_hex(&ggzy_seal::sm3(&[&bytes])) != *sm3 {
                lost += 1;
            }
        }
    }
    let total_mib = (n * mib) as f64;
    println!(
        "deadline minute: {n} bids × {mib} MiB to one lot on SQLite, {conc} in flight: {:.1} s ({:.0} MiB/s, {:.1} bids/s); plain file copy of the same bytes: {:.1} s ({:.0} MiB/s); ratio {:.2}",
        took.as_secs_f64(),
        total_mib / took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        copy.as_secs_f64(),
        total_mib / copy.as_secs_f64(),
        copy.as_secs_f64() / took.as_secs_f64()
    );
    println!(
        "  receipt latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; lost receipts: {lost}",
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3,
        lat[lat.len() - 1].as_secs_f64() * 1e3
    );
    anyhow::ensure!(lost == 0, "{lost} receipts lost");
    db.close().await;
    Ok(())
}

/// OpenSSL's single-core rate for `args` at 16 KiB blocks, bytes per second, measured now.
fn openssl_rate(args: &[&str]) -> Result<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "3", "-bytes", "16384"])
        .args(args)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // The result line ends with the rate in thousands of bytes per second, e.g. "123456.78k".
    let last = text
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with('k'))
        .ok_or_else(|| anyhow::anyhow!("openssl speed {args:?} printed no rate: {text}"))?;
    let k: f64 = last
        .split_whitespace()
        .last()
        .and_then(|v| v.trim_end_matches('k').parse().ok())
        .ok_or_else(|| anyhow::anyhow!("unreadable rate: {last}"))?;
    Ok(k * 1000.0)
}

/// The opening: `n` sealed bids of `mb` MB each, opened from custodians' shares on SQLite —
/// every envelope hashed against its logged commitment, its signature checked, SM4-GCM decrypted,
/// the archive hashed and stored for the committee. Compared with OpenSSL's SM4-CTR plus SM3 on
/// one core, measured in the same run; also the sealing rate of the bid tool's `seal`.
async fn opening(n: usize, mb: usize) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let sm4 = openssl_rate(&["-evp", "sm4-ctr"])?;
    let sm3 = openssl_rate(&["-evp", "sm3"])?;
    // One pass of each over the same bytes: the rates combine harmonically.
    let openssl = 1.0 / (1.0 / sm4 + 1.0 / sm3);
    println!(
        "openssl speed (1 core, 16 KiB blocks): sm4-ctr {:.0} MB/s, sm3 {:.0} MB/s, both in sequence {:.0} MB/s",
        sm4 / 1e6,
        sm3 / 1e6,
        openssl / 1e6
    );
    let BenchLot {
        dir: _dir,
        db,
        vault,
        lot,
        notice,
    } = bench_lot("开标压测工程", Utc::now() - chrono::Duration::days(30)).await?;
    // The lot's real opening key and custody, as published with the notice: the bench seals to
    // it and rebuilds it from the demo custodians' shares exactly as the opening does.
    let published = ggzy_store::tendering::sealing::opening_key(&db, lot)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no opening key"))?;
    let opening_pk = ggzy_seal::keys::PublicKey::from_hex(&published.public_key)?;
    let signer = ggzy_demo::demo_key("bidder/bid_signing");
    let size = mb * 1_000_000;
    let mut body = vec![0u8; size];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut body);
    let form = serde_json::to_vec(&ggzy_demo::tendering::bid_form(0))?;
    let mut sealing = Duration::ZERO;
    let mut stored = vec![];
    let mut total = 0u64;
    for i in 0..n {
        body[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let files = vec![
            (ggzy_seal::envelope::FORM_FILE.to_string(), form.clone()),
            ("bid.bin".to_string(), body.clone()),
        ];
        let started = Instant::now();
        let env = ggzy_seal::envelope::seal(
            &ggzy_seal::envelope::SealInput {
                lot: &published.lot_trade_code,
                bidder: "91330212MA2W000001",
                opening_key: &opening_pk,
                bond: "800000",
                sealed_at: "bench",
                tool: "bench",
            },
            &signer,
            &files,
        );
        sealing += started.elapsed();
        total += env.len() as u64;
        let id = uuid::Uuid::now_v7();
        vault.store_envelope(lot, id, &env)?;
        stored.push(ggzy_store::tendering::sealing::BidToOpen {
            id,
            bidder: id,
            name: String::new(),
            receipt_no: String::new(),
            envelope_sm3: ggzy_seal::to_hex(&ggzy_seal::sm3(&[&env])),
            received_at: Utc::now(),
            bond: 0,
        });
    }
    println!(
        "sealing (ggzy seal's envelope::seal, 1 core): {n} × {mb} MB in {:.1} s = {:.0} MB/s",
        sealing.as_secs_f64(),
        (n * size) as f64 / sealing.as_secs_f64() / 1e6
    );
    let at = notice.bid_deadline + chrono::Duration::minutes(5);
    let mut shares = vec![];
    for u in ggzy_demo::CUSTODIANS {
        let a = ggzy_store::accounts::actor_of(&db, u, "127.0.0.1").await?;
        let sealed = ggzy_store::tendering::sealing::sealed_share(&db, &a, lot, at).await?;
        let k = ggzy_demo::demo_key(&format!("{u}/custody"));
        shares.push(ggzy_seal::shamir::Share::from_bytes(
            &k.decrypt(&hex::decode(sealed.sealed_share)?)?,
        )?);
    }
    // Drop the page cache's advantage: the envelopes were just written; a real opening reads
    // them after days. (Without root the cache cannot be dropped; the figure is then a bound.)
    let _ = std::fs::write("/proc/sys/vm/drop_caches", "1");
    let started = Instant::now();
    let commitments = ggzy_seal::shamir::Commitments::from_hex(&published.commitments)?;
    let key = commitments.rebuild(&shares)?;
    let results = ggzy_store::tendering::sealing::open_all(&vault, lot, &key, &stored);
    drop(key);
    let took = started.elapsed();
    let opened = results
        .iter()
        .filter(|r| matches!(r, ggzy_store::tendering::sealing::Opened::Ok { .. }))
        .count();
    anyhow::ensure!(opened == n, "only {opened} of {n} envelopes opened");
    let rate = total as f64 / took.as_secs_f64();
    println!(
        "opening: {n} envelopes ({:.0} MB) hashed against their commitments, signature-checked, decrypted, hashed and stored for the committee in {:.1} s = {:.0} MB/s on {cores} cores; ratio to OpenSSL sm4-ctr+sm3 per core used: {:.2}",
        total as f64 / 1e6,
        took.as_secs_f64(),
        rate / 1e6,
        rate / (openssl * cores as f64)
    );
    Ok(())
}

/// Scoring and ranking one points-method procurement evaluation (87号令 Art 55): arithmetic
/// correction, final prices, the small-enterprise deduction, the budget ceiling, the price score,
/// the members' criteria averaged, the abnormally-low flag, the same-brand rule and the ranking.
/// Baseline in the same run: the bare arithmetic of summing every member's scores per bid and
/// sorting the totals.
fn procurement_scoring(bids: usize, criteria: usize, experts: usize, runs: usize) {
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
        let o = ev::evaluate_with(&method, &opened, &sheets, 3, &pricing);
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

pub async fn run(a: BenchArgs) -> Result<()> {
    println!(
        "ggzy bench — {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
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
    sqlite.migrate().await?;
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

/// Drawing 7 experts across three specialties from a pool of `n` with every avoidance rule, as
/// the domain does it (screen, check, snapshot hash, draw), against a bare scan of the same pool
/// for the requested specialties, timed in the same run.
fn expert_draw(n: usize, runs: usize) -> Result<()> {
    use ggzy_core::draw;
    use ggzy_core::expert::{
        self as ex, Ban, DrawSpec, ExpertPack, ExpertProfile, ExpertStatus, Parties, Scope,
    };
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
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let pool: Vec<ExpertProfile> = (0..n)
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
        .collect();
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
