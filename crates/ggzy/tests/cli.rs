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
    ggzy_store::demo::seed(&db, chrono::Utc::now())
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

async fn start(dir: &std::path::Path, port: u16, factor: u32) -> Server {
    let child = ggzy()
        .args([
            "serve",
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
    drop(s);

    // Virtual time five million times faster: the deadline nine days ahead passes within a second.
    let s = start(dir.path(), port, 5_000_000).await;
    let started = std::time::Instant::now();
    loop {
        let d = json(format!("http://127.0.0.1:{port}/api/v1/lots/{lot}")).await;
        if d["stage"]["code"] == "evaluating" {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "not opened: {d}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(s);

    let _s = start(dir.path(), port, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(openings(port, &lot).await, 1, "opened exactly once");
    let d = json(format!("http://127.0.0.1:{port}/api/v1/lots/{lot}")).await;
    assert_eq!(d["stage"]["code"], "evaluating");
}
