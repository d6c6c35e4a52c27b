//! `ggzy`: the platform server and its operator tools in one binary.

mod bench;
mod bench_auction;
mod tool;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use ggzy_core::clock::Clock;
use ggzy_demo as demo;
use ggzy_seal::sign::PlatformKey;
use ggzy_store::{Db, calendar, events};
use ggzy_web::state::{AcceleratedClock, SystemClock};
use ggzy_web::{AppState, Config};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ggzy",
    version,
    about = "ggzy — 统一公共资源交易平台 (unified public resource trading platform)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// Data directory: the SQLite file, the platform signing key.
    #[arg(long, default_value = "./data", env = "GGZY_DATA")]
    data: PathBuf,
    /// `postgres://user@host/db` to use PostgreSQL; default: SQLite at DATA/ggzy.db.
    #[arg(long, env = "GGZY_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform: migrate, then serve the portal and the API.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "GGZY_LISTEN")]
        listen: SocketAddr,
        /// Seed a demo city with two branches, one account per role and a dozen entities.
        #[arg(long)]
        demo: bool,
        /// Run virtual time this many times faster than the wall clock (demos of deadlines).
        #[arg(long, default_value_t = 1, env = "GGZY_CLOCK_FACTOR")]
        clock_factor: u32,
        /// Start virtual time at this instant (RFC 3339) instead of now: demos and drills of an
        /// opening day. Never in production.
        #[arg(long, env = "GGZY_CLOCK_START")]
        clock_start: Option<chrono::DateTime<chrono::Utc>>,
        /// Mark cookies Secure even if the proxy does not send X-Forwarded-Proto: https.
        #[arg(long, env = "GGZY_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Addresses of your own reverse proxies, comma-separated: only the X-Forwarded-For hops
        /// they append are believed.
        #[arg(long = "trust-proxy", env = "GGZY_TRUST_PROXY", value_delimiter = ',')]
        trust_proxy: Vec<std::net::IpAddr>,
        /// Seconds between signed tree heads of the event log.
        #[arg(long, default_value_t = 10)]
        sign_every: u64,
        /// A folder where the national credit lists are dropped (named for their list, e.g.
        /// `judgment_defaulter-2026-12-01.csv`); each is imported once and moved to `done/`.
        #[arg(long, env = "GGZY_CREDIT_INBOX")]
        credit_inbox: Option<PathBuf>,
        /// Seconds between looks into the credit inbox.
        #[arg(long, default_value_t = 600)]
        credit_every: u64,
    },
    /// Apply the embedded migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Recompute the event chain and every signed tree head; exit 1 naming the first bad row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the current code of a TOTP secret (for demo staff accounts and operators).
    Totp {
        /// Base32 secret as printed by `serve --demo` or shown when an account was created.
        secret: String,
    },
    /// Measure cold start, idle memory, append throughput and verify time (see docs/BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Make an SM2 key pair (bid signing or custody) into a key file; print the public key.
    Keygen(tool::KeygenArgs),
    /// The bid tool: seal a bid folder into an envelope for one lot, offline.
    Seal(tool::SealArgs),
    /// Check a bid receipt offline: platform signature, log event, inclusion in a signed tree.
    VerifyReceipt(tool::VerifyReceiptArgs),
    /// Red flags (OCDS Cardinal's indicators) over a file of OCDS compiled releases, as JSON.
    Flags(tool::FlagsArgs),
    /// Recompute a published expert draw from its proof (GET /api/v1/lots/{id}/draw/proof).
    VerifyDraw(tool::VerifyDrawArgs),
    /// Custodians' tools.
    #[command(subcommand)]
    Custody(CustodyCommand),
    /// Company credit: the national lists.
    #[command(subcommand)]
    Credit(CreditCommand),
}

#[derive(Subcommand)]
enum CreditCommand {
    /// Import one list file (CSV, XLSX or JSON; columns in docs/CREDIT_IMPORT.md) once: an entry
    /// already held is counted and left. Prints the report as JSON.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// `administrative_penalty`, `judgment_defaulter`, `major_tax_violator` or
        /// `procurement_serious_violation`.
        #[arg(long)]
        list: String,
        file: PathBuf,
    },
    /// Import every list file waiting in a folder, as `serve --credit-inbox` does on its schedule.
    ImportFolder {
        #[command(flatten)]
        db: DbArgs,
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CustodyCommand {
    /// Decrypt one's opening-key share with one's custody key, locally; print it for submission.
    OpenShare(tool::OpenShareArgs),
}

fn database_url(a: &DbArgs) -> Result<String> {
    Ok(match &a.database_url {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&a.data)
                .with_context(|| format!("creating data directory {}", a.data.display()))?;
            format!("sqlite://{}", a.data.join("ggzy.db").display())
        }
    })
}

async fn open(a: &DbArgs) -> Result<Db> {
    let url = database_url(a)?;
    let db = Db::connect(&url).await.with_context(|| {
        format!(
            "connecting to the {} database",
            if url.starts_with("postgres") {
                "PostgreSQL"
            } else {
                "SQLite"
            }
        )
    })?;
    ggzy_store::migrate(&db)
        .await
        .context("applying migrations")?;
    Ok(db)
}

/// The platform's SM2 key lives in the data directory, readable by the owner only.
fn load_or_create_key(dir: &Path) -> Result<PlatformKey> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("platform-sm2.key");
    if let Ok(hex) = std::env::var("GGZY_PLATFORM_KEY") {
        return PlatformKey::from_secret_hex(&hex)
            .context("GGZY_PLATFORM_KEY is not an SM2 private key");
    }
    if path.exists() {
        let s = std::fs::read_to_string(&path)?;
        return PlatformKey::from_secret_hex(&s)
            .with_context(|| format!("{} is not an SM2 private key", path.display()));
    }
    let key = PlatformKey::generate();
    write_private(&path, &key.secret_hex())?;
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, s: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(s.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, s: &str) -> Result<()> {
    std::fs::write(path, s)?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    db_args: DbArgs,
    listen: SocketAddr,
    with_demo: bool,
    clock_factor: u32,
    clock_start: Option<chrono::DateTime<chrono::Utc>>,
    secure_cookies: bool,
    trust_proxy: Vec<std::net::IpAddr>,
    sign_every: u64,
    credit_inbox: Option<PathBuf>,
    credit_every: u64,
) -> Result<()> {
    let started = std::time::Instant::now();
    let db = open(&db_args).await?;
    calendar::seed_default(&db).await?;
    let clock: Arc<dyn Clock> = if let Some(at) = clock_start {
        Arc::new(AcceleratedClock(ggzy_core::clock::Acceleration {
            real_origin: chrono::Utc::now(),
            virtual_origin: at,
            factor: clock_factor.max(1),
        }))
    } else if clock_factor > 1 {
        Arc::new(AcceleratedClock::starting_now(clock_factor))
    } else {
        Arc::new(SystemClock)
    };
    let key = load_or_create_key(&db_args.data)?;
    events::register_key(&db, &key, clock.now()).await?;
    let vault = Arc::new(ggzy_store::vault::BidVault::open(
        &db_args.data.join("vault"),
    )?);
    let demo_accounts = if with_demo {
        let accounts = demo::seed(&db, clock.now()).await?;
        ggzy_demo::tendering::seed(&db, &vault, clock.now()).await?;
        ggzy_demo::procurement::seed(&db, &vault, clock.now()).await?;
        ggzy_demo::grants::seed(&db, clock.now()).await?;
        Some(accounts)
    } else {
        None
    };
    let config = Config {
        secure_cookies,
        trusted_proxies: trust_proxy,
        ..Config::default()
    };
    let state = AppState::new(
        db.clone(),
        clock,
        key,
        demo_accounts.as_deref().map(ggzy_demo::guide),
        config,
        vault,
    );
    state.sign_head().await?;
    state.spawn_signer(Duration::from_secs(sign_every.max(1)));
    state.spawn_scheduler(Duration::from_secs(1));
    // Development transport for SMS and email: one JSON line per message under the data directory.
    state.spawn_sender(
        Arc::new(ggzy_store::notify::FileSender(
            db_args.data.join("outbox.jsonl"),
        )),
        Duration::from_secs(2),
    );
    if let Some(dir) = credit_inbox {
        spawn_credit_inbox(state.clone(), dir, Duration::from_secs(credit_every.max(1)));
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    println!(
        "ggzy 正在运行 / serving on http://{addr}/  ({} database, ready in {} ms)",
        db.backend(),
        started.elapsed().as_millis()
    );
    if let Some(accounts) = &demo_accounts {
        println!(
            "\n演示账号 / demo accounts — password for all: {}",
            demo::DEMO_PASSWORD
        );
        for a in accounts {
            let totp = a
                .totp_secret
                .as_deref()
                .map(|s| {
                    format!("  TOTP secret {s} (code: ggzy totp {s}, or see the sign-in page)")
                })
                .unwrap_or_default();
            println!(
                "  {:<11} {} / {} @ {}{totp}",
                a.username,
                a.role.label_zh(),
                a.role.label_en(),
                a.region
            );
        }
        println!();
    }
    ggzy_web::serve(listener, state, shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

/// Look into the credit inbox on a schedule; a failure is logged and tried again next time.
fn spawn_credit_inbox(state: AppState, dir: PathBuf, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match ggzy_store::credit::import::import_folder(&state.db, &dir, state.now()).await {
                Ok(done) => {
                    for r in done {
                        tracing::info!(list = %r.list, file = %r.file, added = r.added, already_held = r.already_held, refused = r.refused.len(), "credit list imported");
                    }
                }
                Err(e) => tracing::warn!(error = %e, dir = %dir.display(), "credit inbox"),
            }
        }
    });
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GGZY_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            db,
            listen,
            demo,
            clock_factor,
            clock_start,
            secure_cookies,
            trust_proxy,
            sign_every,
            credit_inbox,
            credit_every,
        } => {
            serve(
                db,
                listen,
                demo,
                clock_factor,
                clock_start,
                secure_cookies,
                trust_proxy,
                sign_every,
                credit_inbox,
                credit_every,
            )
            .await
        }
        Command::Migrate { db } => {
            let d = open(&db).await?;
            println!("migrations applied ({})", d.backend());
            Ok(())
        }
        Command::Verify { db } => {
            let d = open(&db).await?;
            let started = std::time::Instant::now();
            let report = events::verify(&d).await?;
            let ms = started.elapsed().as_millis();
            if report.findings.is_empty() {
                println!(
                    "OK: {} events, chain intact; {} signed tree heads match and verify ({ms} ms)",
                    report.events, report.tree_heads_checked
                );
                Ok(())
            } else {
                for f in &report.findings {
                    eprintln!("MISMATCH: {f}");
                }
                bail!("the event log does not verify: {}", report.findings[0])
            }
        }
        Command::Totp { secret } => {
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            match ggzy_store::accounts::totp::code_at(&secret, now) {
                Some(c) => {
                    println!("{c}");
                    Ok(())
                }
                None => bail!("not a base32 TOTP secret"),
            }
        }
        Command::Bench(args) => bench::run(args).await,
        Command::Keygen(a) => tool::keygen(&a),
        Command::Seal(a) => tool::seal(&a),
        Command::VerifyReceipt(a) => tool::verify_receipt(&a),
        Command::Flags(a) => tool::flags(&a),
        Command::VerifyDraw(a) => tool::verify_draw(&a),
        Command::Custody(CustodyCommand::OpenShare(a)) => tool::open_share(&a),
        Command::Credit(CreditCommand::Import { db, list, file }) => {
            let kind = ggzy_core::credit::RecordKind::parse(&list)
                .filter(|k| ggzy_core::credit::lists::importable(*k))
                .with_context(|| format!("{list} is not a list that can be imported"))?;
            let d = open(&db).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("list");
            let r = ggzy_store::credit::import::import(&d, kind, name, &bytes, chrono::Utc::now())
                .await?;
            print_json(&r)
        }
        Command::Credit(CreditCommand::ImportFolder { db, dir }) => {
            let d = open(&db).await?;
            let done =
                ggzy_store::credit::import::import_folder(&d, &dir, chrono::Utc::now()).await?;
            print_json(&done)
        }
    }
}
