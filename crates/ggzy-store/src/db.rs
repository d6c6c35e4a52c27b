//! One handle over SQLite or PostgreSQL.
//!
//! Every query is written once, with `$1` placeholders that both drivers understand, and run by
//! the [`on_db!`] / [`on_tx!`] macros, which expand the same body once per backend so the types
//! check against each driver. Schema differences live only in the per-backend migrations.

use ggzy_core::code::StoredCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static PG_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Run `$body` with `$c` bound to the pool of whichever backend `$db` is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($c) => $body,
            $crate::db::Db::Pg($c) => $body,
        }
    };
}

/// Run `$body` with `$c` bound to the open transaction's connection (`&mut *$c`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// One statement, written once: `sqlx::query` (or `query_as`) with its bind values in order, run
/// on whichever backend the pool (`db_…!`) or open transaction (`tx_…!`) is. `…_exec!` returns the
/// rows it changed; `…_one!`, `…_opt!` and `…_all!` return one row, an optional row or every row,
/// typed by the binding they are assigned to (a tuple or a `FromRow` struct).
#[macro_export]
macro_rules! db_exec {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_db!($db, |c| sqlx::query($sql)$(.bind($arg))*.execute(c).await?.rows_affected())
    };
}

#[macro_export]
macro_rules! db_one {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_db!($db, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_one(c).await?)
    };
}

#[macro_export]
macro_rules! db_opt {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_db!($db, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_optional(c).await?)
    };
}

#[macro_export]
macro_rules! db_all {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_db!($db, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_all(c).await?)
    };
}

#[macro_export]
macro_rules! tx_exec {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |c| sqlx::query($sql)$(.bind($arg))*.execute(c).await?.rows_affected())
    };
}

#[macro_export]
macro_rules! tx_one {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_one(c).await?)
    };
}

#[macro_export]
macro_rules! tx_opt {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_optional(c).await?)
    };
}

#[macro_export]
macro_rules! tx_all {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        $crate::on_tx!($tx, |c| sqlx::query_as($sql)$(.bind($arg))*.fetch_all(c).await?)
    };
}

/// A domain enum in a TEXT column as its stable code (`ggzy_core::code::StoredCode`), on either
/// backend: rows read it typed, statements bind it typed, and an unknown code fails the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coded<T>(pub T);

impl<DB: sqlx::Database, T> sqlx::Type<DB> for Coded<T>
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database, T: StoredCode> sqlx::Decode<'r, DB> for Coded<T>
where
    String: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let code = <String as sqlx::Decode<DB>>::decode(value)?;
        T::from_code(&code)
            .map(Coded)
            .ok_or_else(|| format!("unknown code {code:?}").into())
    }
}

impl<'q, DB: sqlx::Database, T: StoredCode> sqlx::Encode<'q, DB> for Coded<T>
where
    &'static str: sqlx::Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut DB::ArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&'static str as sqlx::Encode<'q, DB>>::encode_by_ref(&self.0.code(), buf)
    }
}

impl Db {
    /// `sqlite://path` / a bare path, or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Pg(pool))
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            Self::open_sqlite(Path::new(path)).await
        }
    }

    pub async fn open_sqlite(path: &Path) -> Result<Db, sqlx::Error> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: an acknowledged receipt must survive a power cut, not only a process crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A search reads a few MiB of index pages per word: keep them in the connection's
            // own cache (32 MiB, filled only as used) instead of re-reading them from the OS on
            // every query.
            .pragma("cache_size", "-32768")
            // Read pages through a shared memory map: every pooled connection then reads the
            // OS's cached pages in place, so a connection's first search after a quiet spell (or
            // after a scan filled its own cache with other pages) costs no copying; writes still
            // go through the WAL.
            .pragma("mmap_size", "1073741824");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    /// Apply the schema's migrations. [`crate::migrate`] also brings the data they describe up
    /// to date; call that.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Db::Pg(p) => PG_MIGRATIONS.run(p).await,
        }
    }

    /// A write transaction. SQLite starts it `IMMEDIATE` so that two writers queue on the busy
    /// timeout instead of failing when a read lock cannot be upgraded.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn close(&self) {
        on_db!(self, |p| p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Pg(t) => t.rollback().await,
        }
    }
}

/// Which unique constraint a database error broke, by its PostgreSQL name or the column SQLite
/// names in its message (`UNIQUE constraint failed: entities.uscc`).
pub fn unique_violation(e: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(d) = e else {
        return None;
    };
    if !d.is_unique_violation() {
        return None;
    }
    const KNOWN: [(&str, &str, &str); 7] = [
        (
            "credit_corrections_one_pending",
            "credit_corrections.record_id, credit_corrections.kind",
            "credit_corrections.pending",
        ),
        (
            "credit_records_decision",
            "credit_records.source, credit_records.decision_no",
            "credit_records.decision",
        ),
        (
            "party_keys_pkey",
            "party_keys.public_key",
            "party_keys.public_key",
        ),
        (
            "bids_envelope_once",
            "bids.lot_id, bids.package_sm3",
            "bids.envelope",
        ),
        ("entities_uscc_key", "entities.uscc", "entities.uscc"),
        (
            "accounts_username_key",
            "accounts.username",
            "accounts.username",
        ),
        ("regions_pkey", "regions.code", "regions.code"),
    ];
    let msg = d.message();
    KNOWN.iter().find_map(|(pg, lite, key)| {
        (d.constraint() == Some(*pg) || msg.contains(lite)).then_some(*key)
    })
}
