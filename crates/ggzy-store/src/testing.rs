//! Fresh databases for tests: a temporary SQLite file always, and a new PostgreSQL database per
//! test when `GGZY_TEST_PG_URL` is set (`.ci/run` sets it), dropped again afterwards.

use crate::db::Db;
use sqlx::Connection;

pub const PG_ENV: &str = "GGZY_TEST_PG_URL";

/// A migrated, empty database and what keeps it alive.
pub struct TestDb {
    pub db: Db,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open_sqlite(&dir.path().join("ggzy.db"))
            .await
            .expect("open sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDb {
            db,
            name: "sqlite",
            _dir: Some(dir),
            pg_drop: None,
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
        db.migrate().await.expect("migrate postgres");
        Some(TestDb {
            db,
            name: "postgres",
            _dir: None,
            pg_drop: Some((admin_url, name)),
        })
    }

    /// SQLite, then PostgreSQL when configured: the backends every conformance test runs on.
    /// The directory holding the SQLite file (and its WAL): the whole database, for tests that
    /// play an attacker with a copy of it.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }

    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![Self::sqlite().await];
        v.extend(Self::postgres().await);
        v
    }

    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((admin, name)) = self.pg_drop
            && let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
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
