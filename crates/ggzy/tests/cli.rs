//! The binary as an operator uses it: `--help`, `migrate`, and `verify` catching an edited row.

use std::process::Command;

fn ggzy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ggzy"))
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["verify", "--help"],
        &["bench", "--help"],
        &["totp", "--help"],
        &["verify-draw", "--help"],
    ] {
        let out = ggzy().args(sub).output().expect("run");
        assert!(out.status.success(), "{sub:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{sub:?}"
        );
    }
    let out = ggzy().args(["serve", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--demo", "--listen", "--data", "--database-url"] {
        assert!(text.contains(flag), "serve --help mentions {flag}");
    }
}

#[tokio::test]
async fn verify_names_the_row_edited_behind_the_platforms_back() {
    let dir = tempfile::tempdir().expect("dir");
    let out = ggzy()
        .args(["migrate", "--data"])
        .arg(dir.path())
        .output()
        .expect("migrate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let db = ggzy_store::Db::open_sqlite(&dir.path().join("ggzy.db"))
        .await
        .expect("open");
    ggzy_demo::seed(&db, ggzy_demo::testing::epoch())
        .await
        .expect("seed");
    let out = ggzy()
        .args(["verify", "--data"])
        .arg(dir.path())
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "clean log verifies: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("OK:"));

    // Someone with write access to the database changes who registered entity rows.
    let ggzy_store::Db::Sqlite(pool) = &db else {
        unreachable!("sqlite")
    };
    sqlx::query("UPDATE events SET address = '10.6.6.6' WHERE seq = 12")
        .execute(pool)
        .await
        .expect("edit");
    db.close().await;
    let out = ggzy()
        .args(["verify", "--data"])
        .arg(dir.path())
        .output()
        .expect("verify");
    assert!(
        !out.status.success(),
        "an edited log must fail verification"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("event seq 12"), "names the row: {err}");
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// A server whose clock starts at the tests' fixed instant, never at the wall clock's date.
async fn start(dir: &std::path::Path, port: u16, factor: u32) -> Server {
    start_at(dir, port, factor, Some(ggzy_demo::testing::epoch())).await
}

async fn start_at(
    dir: &std::path::Path,
    port: u16,
    factor: u32,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> Server {
    let mut cmd = ggzy();
    cmd.arg("serve");
    if let Some(at) = at {
        cmd.args(["--clock-start", &at.to_rfc3339()]);
    }
    let child = cmd
        .args([
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--clock-factor",
            &factor.to_string(),
            "--data",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let s = Server(child);
    let start = std::time::Instant::now();
    while reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "server did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    s
}

/// A client signed in as a demo account, with its CSRF token.
/// The TOTP code is computed at the server's own time (it may run on a virtual clock).
async fn signed_in(base: &str, user: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let csrf: serde_json::Value = c
        .get(format!("{base}/api/v1/csrf"))
        .send()
        .await
        .expect("csrf")
        .json()
        .await
        .expect("json");
    let csrf = csrf["token"].as_str().expect("token").to_string();
    let secret = ggzy_demo::accounts_listing()
        .into_iter()
        .find(|a| a.username == user)
        .and_then(|a| a.totp_secret);
    let server_now: chrono::DateTime<chrono::Utc> = json(format!("{base}/healthz")).await["now"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the server tells its time");
    let code = secret
        .and_then(|s| ggzy_store::accounts::totp::code_at(&s, server_now.timestamp() as u64))
        .unwrap_or_default();
    let r = c
        .post(format!("{base}/api/v1/session"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"username": user, "password": ggzy_demo::DEMO_PASSWORD, "totp": code}))
        .send()
        .await
        .expect("login");
    assert!(r.status().is_success(), "{user} signs in");
    (c, csrf)
}

/// Sign in as a demo custodian, fetch the sealed share, decrypt it locally, submit it.
async fn custodian_submits(port: u16, user: &str, lot: &str) -> serde_json::Value {
    let base = format!("http://127.0.0.1:{port}");
    let (c, csrf) = signed_in(&base, user).await;
    let sealed: serde_json::Value = c
        .get(format!("{base}/api/v1/lots/{lot}/custody/share"))
        .send()
        .await
        .expect("share")
        .json()
        .await
        .expect("json");
    let key = ggzy_demo::demo_key(&format!("{user}/custody"));
    let share = key
        .decrypt(&hex::decode(sealed["sealed_share"].as_str().expect("sealed")).expect("hex"))
        .expect("decrypts");
    let r = c
        .post(format!("{base}/api/v1/lots/{lot}/custody/share"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"share": hex::encode(share)}))
        .send()
        .await
        .expect("submit");
    assert!(r.status().is_success(), "{user}: {}", r.status());
    r.json().await.expect("json")
}

async fn json(url: String) -> serde_json::Value {
    reqwest::get(url)
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

async fn openings(port: u16, lot: &str) -> usize {
    let mut n = 0;
    let mut before: Option<i64> = None;
    loop {
        let q = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let page = json(format!(
            "http://127.0.0.1:{port}/api/v1/log/events?limit=200{q}"
        ))
        .await;
        let rows = page.as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            return n;
        }
        n += rows
            .iter()
            .filter(|e| e["kind"] == "lot.opened" && e["subject"] == format!("lot:{lot}"))
            .count();
        before = rows.iter().filter_map(|e| e["seq"].as_i64()).min();
    }
}

/// The server is killed (as in a crash) before the bid deadline and again after the opening; the
/// opening happens exactly once, and a later start does not repeat it.
#[tokio::test]
async fn opening_happens_once_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let s = start(dir.path(), port, 1).await;
    let lots = json(format!(
        "http://127.0.0.1:{port}/api/v1/lots/public?limit=50"
    ))
    .await;
    let lot = lots
        .as_array()
        .expect("lots")
        .iter()
        .find(|l| l["stage"] == "tendering")
        .expect("a tendering demo lot")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(openings(port, &lot).await, 0);
    receipt_verifies_offline(dir.path(), port, &lot).await;
    drop(s);

    // Virtual time five million times faster: the deadline nine days ahead passes within a second
    // and the opening convenes, waiting for the custodians.
    let s = start(dir.path(), port, 5_000_000).await;
    let started = std::time::Instant::now();
    loop {
        let k = json(format!(
            "http://127.0.0.1:{port}/api/v1/lots/{lot}/opening-key"
        ))
        .await;
        if k["convened_at"].is_string() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "not convened: {k}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let d = json(format!("http://127.0.0.1:{port}/api/v1/lots/{lot}")).await;
    drop(s);

    // On the opening day at real speed the custodians sign in and return their shares over HTTP;
    // the third opens the lot. Then the server is killed again.
    let deadline: chrono::DateTime<chrono::Utc> = d["bid_deadline"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("deadline");
    let day = deadline + chrono::Duration::minutes(1);
    let s = start_at(dir.path(), port, 1, Some(day)).await;
    let mut stage = serde_json::Value::Null;
    for u in ggzy_demo::CUSTODIANS {
        stage = custodian_submits(port, u, &lot).await["stage"].clone();
    }
    assert_eq!(stage, "evaluating");
    drop(s);

    let _s = start_at(
        dir.path(),
        port,
        1,
        Some(day + chrono::Duration::minutes(5)),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(openings(port, &lot).await, 1, "opened exactly once");
    let d = json(format!("http://127.0.0.1:{port}/api/v1/lots/{lot}")).await;
    assert_eq!(d["stage"]["code"], "evaluating");
}

/// A bidder seals and uploads through HTTP; `ggzy verify-receipt` accepts the receipt against the
/// published platform key, the envelope file and a later tree head — and rejects an altered one.
async fn receipt_verifies_offline(d: &std::path::Path, port: u16, lot: &str) {
    let base = format!("http://127.0.0.1:{port}");
    let (c, csrf) = signed_in(&base, "entity09").await;
    let key = json(format!("{base}/api/v1/lots/{lot}/opening-key")).await;
    let me = json_with(&c, format!("{base}/api/v1/me")).await;
    let entity = json_with(
        &c,
        format!(
            "{base}/api/v1/entities/{}",
            me["entity_id"].as_str().expect("entity")
        ),
    )
    .await;
    let uscc = entity["uscc"].as_str().expect("uscc").to_string();
    let envelope = ggzy_seal::envelope::seal(
        &ggzy_seal::envelope::SealInput {
            lot: key["lot_trade_code"].as_str().expect("code"),
            bidder: &uscc,
            opening_key: &ggzy_seal::keys::PublicKey::from_hex(
                key["public_key"].as_str().expect("pk"),
            )
            .expect("pk"),
            bond: "800000",
            sealed_at: "cli test",
            tool: "cli test",
        },
        &ggzy_demo::demo_key("entity09/bid_signing"),
        &[(
            "bid_form.json".into(),
            serde_json::to_vec(&ggzy_demo::tendering::bid_form(2)).expect("json"),
        )],
    );
    std::fs::write(d.join("bid.ggzybid"), &envelope).expect("write");
    let r = c
        .post(format!("{base}/api/v1/lots/{lot}/bids"))
        .header("x-csrf-token", &csrf)
        .multipart(reqwest::multipart::Form::new().part(
            "envelope",
            reqwest::multipart::Part::bytes(envelope).file_name("bid.ggzybid"),
        ))
        .send()
        .await
        .expect("upload");
    let status = r.status();
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
    let receipt = d.join("receipt.json");
    std::fs::write(&receipt, body["signed"].to_string()).expect("write");
    // A later head: wait for the signer, then fetch the head and the consistency proof.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let head = json(format!("{base}/api/v1/log/head")).await;
    let platform = head["public_key"].as_str().expect("key").to_string();
    let from = body["signed"]["tree_head"]["size"].as_i64().expect("size");
    let to = head["head"]["size"].as_i64().expect("head size");
    std::fs::write(d.join("head.json"), head.to_string()).expect("write");
    let proof = json(format!(
        "{base}/api/v1/log/proof/consistency?from={from}&to={to}"
    ))
    .await;
    std::fs::write(d.join("consistency.json"), proof.to_string()).expect("write");
    let out = ggzy()
        .args(["verify-receipt", "--platform-key", &platform, "--envelope"])
        .arg(d.join("bid.ggzybid"))
        .arg("--head")
        .arg(d.join("head.json"))
        .arg("--consistency")
        .arg(d.join("consistency.json"))
        .arg(&receipt)
        .output()
        .expect("verify-receipt");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("OK: receipt"));
    // One changed character anywhere that matters and it fails.
    let forged = body["signed"].to_string().replacen(
        &body["receipt_no"].as_str().expect("no")[..6],
        "HZ0000",
        1,
    );
    std::fs::write(d.join("forged.json"), forged).expect("write");
    let out = ggzy()
        .args(["verify-receipt"])
        .arg(d.join("forged.json"))
        .output()
        .expect("run");
    assert!(!out.status.success(), "an altered receipt must not verify");
    let out = ggzy()
        .args(["verify-receipt", "--platform-key", "04ab"])
        .arg(&receipt)
        .output()
        .expect("run");
    assert!(
        !out.status.success(),
        "another platform key must not verify"
    );
}

async fn json_with(c: &reqwest::Client, url: String) -> serde_json::Value {
    c.get(url)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json")
}

/// The bid tool and the custodian tool, offline: `keygen`, `seal` a folder, and the platform's
/// checks accept the result; `custody open-share` decrypts a share; `verify-receipt` rejects a
/// receipt that was altered.
#[test]
fn keygen_seal_and_open_share_offline() {
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path();
    let key = d.join("bidder.ggzykey.json");
    let out = ggzy()
        .args(["keygen", "--owner", "bidder", "--out"])
        .arg(&key)
        .output()
        .expect("keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    assert_eq!(public.len(), 130);
    // Refuses to overwrite a key.
    let out = ggzy()
        .args(["keygen", "--owner", "x", "--out"])
        .arg(&key)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("must not exist yet"));

    let folder = d.join("bid");
    std::fs::create_dir_all(folder.join("技术标")).expect("mkdir");
    std::fs::write(
        folder.join("bid_form.json"),
        serde_json::to_vec(&ggzy_demo::tendering::bid_form(0)).expect("json"),
    )
    .expect("form");
    std::fs::write(folder.join("技术标/施工组织设计.txt"), "施工组织设计 正文").expect("file");
    let opening = ggzy_seal::keys::SecretKey::generate();
    let env = d.join("bid.ggzybid");
    let out = ggzy()
        .args([
            "seal",
            "--lot",
            "A02-TEST-001",
            "--bidder",
            "91330212MA2W000001",
            "--opening-key",
            &opening.public().to_hex(),
            "--key",
        ])
        .arg(&key)
        .arg("--out")
        .arg(&env)
        .arg(&folder)
        .output()
        .expect("seal");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&env).expect("envelope");
    let e = ggzy_seal::envelope::Envelope::parse(&bytes).expect("well-formed");
    e.verify_signature().expect("signed");
    assert_eq!(e.signer_key.to_hex(), public);
    let p = e.open(&opening).expect("opens with the opening key");
    assert_eq!(
        p.file("技术标/施工组织设计.txt"),
        Some("施工组织设计 正文".as_bytes())
    );
    assert!(
        p.file("fingerprint.json").is_some(),
        "the tool records a hashed fingerprint"
    );

    // A custodian's share, encrypted to its key, comes back out with `custody open-share`.
    let ckey = d.join("custodian.ggzykey.json");
    let out = ggzy()
        .args(["keygen", "--owner", "custodian", "--out"])
        .arg(&ckey)
        .output()
        .expect("keygen");
    let cpub =
        ggzy_seal::keys::PublicKey::from_hex(String::from_utf8(out.stdout).expect("utf8").trim())
            .expect("pk");
    let (_, shares) = ggzy_seal::shamir::deal(2, 3).expect("deal");
    let sealed = serde_json::json!({"share_index": 2, "sealed_share": hex::encode(cpub.encrypt(&shares[1].to_bytes())), "lot_id": "x", "custodian_key": cpub.to_hex()});
    std::fs::write(d.join("sealed.json"), sealed.to_string()).expect("write");
    let out = ggzy()
        .args(["custody", "open-share", "--key"])
        .arg(&ckey)
        .arg(d.join("sealed.json"))
        .output()
        .expect("open-share");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf8").trim(),
        shares[1].to_hex()
    );
    // The bidder's key is not the custodian's.
    let out = ggzy()
        .args(["custody", "open-share", "--key"])
        .arg(&key)
        .arg(d.join("sealed.json"))
        .output()
        .expect("open-share");
    assert!(!out.status.success());
}

/// A published expert draw recomputes with `ggzy verify-draw`; the same proof with one expert
/// taken out of the pool snapshot fails, naming the snapshot.
#[tokio::test]
async fn verify_draw_recomputes_a_published_draw_and_refuses_a_changed_pool() {
    let dir = tempfile::tempdir().expect("dir");
    let db = ggzy_store::Db::open_sqlite(&dir.path().join("ggzy.db"))
        .await
        .expect("open");
    ggzy_store::migrate(&db).await.expect("migrate");
    let now = ggzy_demo::testing::epoch();
    ggzy_demo::seed(&db, now).await.expect("seed");
    let vault = std::sync::Arc::new(ggzy_store::vault::BidVault::temporary().expect("vault"));
    ggzy_demo::tendering::seed(&db, &vault, now)
        .await
        .expect("tendering demo");
    let ggzy_store::Db::Sqlite(pool) = &db else {
        unreachable!("sqlite")
    };
    let (lot,): (uuid::Uuid,) = sqlx::query_as("SELECT id FROM lots WHERE stage = 'awarded'")
        .fetch_one(pool)
        .await
        .expect("awarded demo lot");
    let proof = ggzy_store::experts::draw::proof(&db, lot)
        .await
        .expect("proof");
    assert!(proof.revealed);
    let good = dir.path().join("proof.json");
    std::fs::write(&good, serde_json::to_vec(&proof).expect("json")).expect("write");
    let out = ggzy().arg("verify-draw").arg(&good).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.starts_with("OK: round 1"), "{text}");
    assert_eq!(text.lines().count(), proof.rounds.len());

    let mut bad = proof.clone();
    let drawn = bad.rounds[0].picks[0].expert;
    bad.rounds[0].groups[0].eligible.retain(|e| *e != drawn);
    let path = dir.path().join("changed.json");
    std::fs::write(&path, serde_json::to_vec(&bad).expect("json")).expect("write");
    let out = ggzy().arg("verify-draw").arg(&path).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pool snapshot does not match"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db.close().await;
}

/// Four bidders race in an auction while the server is killed (SIGKILL, no shutdown); after a
/// restart every acknowledged bid is there with the sequence number and amount it was
/// acknowledged with, the folded state agrees with the stored bids, and a retry of an
/// acknowledged bid is answered with its first acknowledgement instead of bidding again.
#[tokio::test]
async fn every_acknowledged_bid_survives_a_crash_mid_auction() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let s = start(dir.path(), port, 1).await;
    let (staff, staff_csrf) = signed_in(&base, "staff").await;
    let now = ggzy_demo::testing::epoch();
    let created: serde_json::Value = staff
        .post(format!("{base}/api/v1/auctions"))
        .header("x-csrf-token", &staff_csrf)
        .json(&serde_json::json!({"name": "崩溃测试拍卖", "region_code": "330200", "trade_kind": "other",
            "start_price": "1000", "increment": "1", "opens_at": now.to_rfc3339(),
            "free_until": (now + chrono::Duration::hours(1)).to_rfc3339()}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("auction id").to_string();
    let mut bidders = vec![];
    for u in ["bidder", "entity03", "entity04", "entity05"] {
        let (c, csrf) = signed_in(&base, u).await;
        let me: serde_json::Value = c
            .get(format!("{base}/api/v1/me"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("json");
        let r = staff
            .post(format!("{base}/api/v1/auctions/{id}/bidders"))
            .header("x-csrf-token", &staff_csrf)
            .json(&serde_json::json!({"entity_id": me["entity_id"]}))
            .send()
            .await
            .expect("admit");
        assert!(r.status().is_success(), "admit {u}");
        bidders.push((c, csrf));
    }
    let acked = std::sync::Arc::new(std::sync::Mutex::new(
        Vec::<(i64, i64, String, usize)>::new(),
    ));
    let mut tasks = vec![];
    for (n, (c, csrf)) in bidders.into_iter().enumerate() {
        let (base, id, acked) = (base.clone(), id.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let Ok(r) = c.get(format!("{base}/api/v1/auctions/{id}")).send().await else { return };
                let Ok(v) = r.json::<serde_json::Value>().await else { return };
                let min = v["minimum_next"].as_i64().unwrap_or(100_000);
                let key = format!("b{n}-{i}");
                let body = serde_json::json!({"amount": format!("{}.{:02}", min / 100, min % 100), "idempotency_key": key});
                let Ok(r) = c.post(format!("{base}/api/v1/auctions/{id}/bids")).header("x-csrf-token", &csrf).json(&body).send().await else { return };
                if r.status() == reqwest::StatusCode::CREATED {
                    let Ok(a) = r.json::<serde_json::Value>().await else { return };
                    acked.lock().expect("lock").push((a["seq"].as_i64().expect("seq"), a["amount"].as_i64().expect("amount"), key, n));
                }
            }
        }));
    }
    // Let the load build up, then pull the plug while bids are in flight.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    drop(s);
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 10,
        "the load got going: {} bids",
        acked.len()
    );

    // Restarted a minute later on the server's clock, inside the free stage.
    let _s = start_at(
        dir.path(),
        port,
        1,
        Some(ggzy_demo::testing::epoch() + chrono::Duration::minutes(1)),
    )
    .await;
    let stored = json(format!("{base}/api/v1/auctions/{id}/bids")).await;
    let stored = stored.as_array().expect("bids").clone();
    for (seq, amount, key, _) in &acked {
        assert!(
            stored
                .iter()
                .any(|b| b["seq"] == *seq && b["amount"] == *amount),
            "acknowledged bid {seq} ({key}, {amount}) is stored"
        );
    }
    // The stored bids are one unbroken, strictly rising sequence, and the state agrees with them.
    for (i, b) in stored.iter().enumerate() {
        assert_eq!(b["seq"].as_i64(), Some(i as i64 + 1));
        if i > 0 {
            assert!(b["amount"].as_i64() > stored[i - 1]["amount"].as_i64());
        }
    }
    let v = json(format!("{base}/api/v1/auctions/{id}")).await;
    assert_eq!(v["accepted"].as_u64(), Some(stored.len() as u64));
    assert_eq!(v["current"], stored.last().expect("a bid")["amount"]);
    // A retry of the first acknowledged bid is its acknowledgement again, not a new bid.
    let (seq, amount, key, n) = acked[0].clone();
    let user = ["bidder", "entity03", "entity04", "entity05"][n];
    let (c, csrf) = signed_in(&base, user).await;
    let r: serde_json::Value = c
        .post(format!("{base}/api/v1/auctions/{id}/bids"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"amount": format!("{}.{:02}", amount / 100, amount % 100), "idempotency_key": key}))
        .send()
        .await
        .expect("retry")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (r["seq"].as_i64(), r["replayed"].as_bool()),
        (Some(seq), Some(true))
    );
    let after = json(format!("{base}/api/v1/auctions/{id}")).await;
    assert_eq!(after["accepted"], v["accepted"]);
}
