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
