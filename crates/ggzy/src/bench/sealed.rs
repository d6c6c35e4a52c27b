//! The sealed-bid benchmarks: the deadline minute (envelopes received, checked, stored and
//! receipted) and the opening (decryption and hashing against OpenSSL in the same run).

use super::*;
use ggzy_store::db_opt;

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
    ggzy_store::migrate(&db).await?;
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

/// The baseline: the same bytes written and fsynced to plain files at the same concurrency.
async fn fsynced_copy(
    base: &std::sync::Arc<Vec<u8>>,
    n: usize,
    conc: usize,
    dir: &std::path::Path,
) -> Result<Duration> {
    use std::sync::Arc;
    std::fs::create_dir_all(&dir)?;
    let sem = Arc::new(tokio::sync::Semaphore::new(conc));
    let started = Instant::now();
    let mut tasks = vec![];
    for i in 0..n {
        let (base, sem, path) = (base.clone(), sem.clone(), dir.join(format!("{i}.bin")));
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
    std::fs::remove_dir_all(dir)?;
    Ok(copy)
}

/// Lost receipts: a receipt without its row, or whose package no longer opens to the same bytes.
async fn count_lost(
    db: &Db,
    vault: &ggzy_store::vault::BidVault,
    lot: uuid::Uuid,
    receipts: &[(String, uuid::Uuid, String)],
    size: usize,
) -> Result<usize> {
    let mut lost = 0;
    for (k, (no, id, sm3)) in receipts.iter().enumerate() {
        let found: Option<(String,)> = db_opt!(db, "SELECT receipt_no FROM bids WHERE id = $1", id);
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
    Ok(lost)
}

/// The deadline minute: `n` bids of `mib` MiB to one lot through the bid service (seal, fsync,
/// receipt transaction), against writing and fsyncing the same bytes to plain files at the same
/// concurrency. Afterwards every receipt is checked against the database and the vault.
pub(super) async fn deadline_minute(n: usize, mib: usize, conc: usize) -> Result<()> {
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

    let copy = fsynced_copy(&base, n, conc, &dir.path().join("copy")).await?;
    let sem = Arc::new(tokio::sync::Semaphore::new(conc));
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
    let lost = count_lost(&db, &vault, lot, &receipts, size).await?;
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
pub(super) async fn opening(n: usize, mb: usize) -> Result<()> {
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
