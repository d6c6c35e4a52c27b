//! Fresh databases for tests: a temporary SQLite file always, and a new PostgreSQL database per
//! test when `GGZY_TEST_PG_URL` is set (`.ci/run` sets it), dropped again afterwards.

use ggzy_store::db::Db;
use sqlx::Connection;

pub const PG_ENV: &str = "GGZY_TEST_PG_URL";

/// The instant tests start from: Monday 12 May 2025, 10:00 in Beijing. Tests never read the wall
/// clock, so they pass on any day; the working-day calendar covers this instant and the months
/// the tests walk after it (no test reaches past 2026).
pub fn epoch() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_747_015_200, 0).unwrap_or_default()
}

/// A migrated, empty database and what keeps it alive.
pub struct TestDb {
    pub db: Db,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
    /// Handed to a test by [`TestDb::all`]: a panic while it is alive names this backend.
    running: bool,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open_sqlite(&dir.path().join("ggzy.db"))
            .await
            .expect("open sqlite");
        ggzy_store::migrate(&db).await.expect("migrate sqlite");
        TestDb {
            db,
            name: "sqlite",
            _dir: Some(dir),
            pg_drop: None,
            running: false,
        }
    }

    /// None when `GGZY_TEST_PG_URL` is unset.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = std::env::var(PG_ENV).ok().filter(|s| !s.is_empty())?;
        let name = format!("ggzy_t_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to GGZY_TEST_PG_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let url = with_database(&admin_url, &name);
        let db = Db::connect(&url).await.expect("connect to test database");
        ggzy_store::migrate(&db).await.expect("migrate postgres");
        Some(TestDb {
            db,
            name: "postgres",
            _dir: None,
            pg_drop: Some((admin_url, name)),
            running: false,
        })
    }

    /// SQLite, then PostgreSQL when configured: the backends every conformance test runs on.
    /// The directory holding the SQLite file (and its WAL): the whole database, for tests that
    /// play an attacker with a copy of it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }

    /// SQLite, then PostgreSQL when configured. Each is marked as running when the loop takes
    /// it, so that a failing assertion is followed by the name of the backend it failed on.
    pub async fn all() -> impl Iterator<Item = TestDb> {
        let mut v = vec![Self::sqlite().await];
        v.extend(Self::postgres().await);
        v.into_iter().map(|mut t| {
            t.running = true;
            t
        })
    }

    pub async fn cleanup(mut self) {
        self.running = false;
        self.db.close().await;
        if let Some((admin, name)) = self.pg_drop.take() {
            drop_database(&admin, &name).await;
        }
    }
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
    }
}

impl Drop for TestDb {
    /// A test that panics never reaches [`TestDb::cleanup`]: its backend is named after the
    /// failure, and its PostgreSQL database is dropped here, on a thread and runtime of its own
    /// (a drop cannot await, and the test's runtime is unwinding).
    fn drop(&mut self) {
        if self.running && std::thread::panicking() {
            eprintln!("^ the failure above happened on the {} backend", self.name);
        }
        if let Some((admin, name)) = self.pg_drop.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_database(&admin, &name));
                }
            })
            .join();
        }
    }
}

/// Replace the database name in a PostgreSQL URL, keeping its query string.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A minimal XLSX workbook whose first sheet holds `sheet_data` (the inside of `<sheetData>`),
/// with an optional `dimension` claim: what the statement tests and the hostile-file suite upload.
pub fn workbook(dimension: Option<&str>, sheet_data: &str) -> Vec<u8> {
    use std::io::Write;
    let dim = dimension.map_or_else(String::new, |d| format!(r#"<dimension ref="{d}"/>"#));
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        ),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in parts {
            zip.start_file(name, opts).expect("zip entry");
            zip.write_all(body.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip finish");
    }
    out.into_inner()
}

/// A workbook whose sheet inflates to `mib` MiB of blank rows from a few kilobytes: a zip bomb.
pub fn zip_bomb_workbook(mib: usize) -> Vec<u8> {
    let row = "<row></row>";
    workbook(None, &row.repeat(mib * (1 << 20) / row.len()))
}
