//! What every handler shares: the database, the injected clock, the platform key and the caches.

use crate::auth::RateLimiter;
use chrono::{DateTime, Utc};
use ggzy_core::clock::{Acceleration, Clock};
use ggzy_seal::sign::PlatformKey;
use ggzy_store::Db;
use ggzy_store::events::LeafCache;
use std::sync::Arc;
use std::time::Duration;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Virtual time running `factor` times faster than the wall clock, for demos of deadlines.
pub struct AcceleratedClock(pub Acceleration);

impl AcceleratedClock {
    pub fn starting_now(factor: u32) -> Self {
        let now = Utc::now();
        Self(Acceleration {
            real_origin: now,
            virtual_origin: now,
            factor,
        })
    }
}

impl Clock for AcceleratedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.virtual_at(Utc::now())
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` even without `X-Forwarded-Proto: https` (set when TLS terminates
    /// in front of ggzy without that header).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` hops are believed (the client's own hops never are).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts per address per window.
    pub login_attempts: u32,
    pub login_window: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trusted_proxies: vec![],
            login_attempts: 20,
            login_window: Duration::from_secs(300),
        }
    }
}

/// A demo account as the sign-in page lists it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: ggzy_core::role::Role,
    pub region: String,
    /// Base32 TOTP secret for roles that need a second factor.
    pub totp_secret: Option<String>,
}

/// What `serve --demo` lets the pages tell a visitor: the accounts to try with their password
/// and current codes, and the identity number each demo expert checks in with. The demo crate
/// fills it; the production server runs without one.
#[derive(Debug, Clone, Default)]
pub struct DemoGuide {
    pub accounts: Vec<DemoAccount>,
    pub password: String,
    pub expert_id_numbers: std::collections::BTreeMap<String, String>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub key: Arc<PlatformKey>,
    pub leaves: Arc<tokio::sync::Mutex<LeafCache>>,
    /// Present in `--demo` mode only: what the pages tell a visitor trying the demo.
    pub demo: Option<Arc<DemoGuide>>,
    pub config: Arc<Config>,
    pub login_limiter: Arc<RateLimiter>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Sealed bid packages until the opening.
    pub vault: Arc<ggzy_store::vault::BidVault>,
    /// Live auction watchers.
    pub hall: Arc<crate::grants::hall::Hall>,
}

impl AppState {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        key: PlatformKey,
        demo: Option<DemoGuide>,
        config: Config,
        vault: Arc<ggzy_store::vault::BidVault>,
    ) -> Self {
        let limiter = RateLimiter::new(config.login_attempts, config.login_window);
        Self {
            db,
            clock,
            key: Arc::new(key),
            leaves: Arc::new(tokio::sync::Mutex::new(LeafCache::default())),
            demo: demo.map(Arc::new),
            config: Arc::new(config),
            login_limiter: Arc::new(limiter),
            metrics: crate::metrics_handle(),
            vault,
            hall: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Sign a tree head when the log has grown; called on a timer and at start.
    pub async fn sign_head(
        &self,
    ) -> ggzy_store::ServiceResult<Option<ggzy_store::events::TreeHead>> {
        let mut cache = self.leaves.lock().await;
        ggzy_store::events::sign_head(&self.db, &mut cache, &self.key, self.now()).await
    }

    /// Fire due schedule rows (openings at the deadline, ends of publicity) every `every`; on
    /// start this catches up on whatever fell due while the server was down. Every 60th round
    /// also merges a little of the search index.
    pub fn spawn_scheduler(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut ticks: u64 = 0;
            loop {
                tick.tick().await;
                ticks += 1;
                if ticks % 60 == 0
                    && let Err(e) = ggzy_store::notices::merge_index(&state.db, 500).await
                {
                    tracing::warn!(error = %e, "search index merge failed");
                }
                if let Err(e) = ggzy_store::regime::run_due(&state.db, state.now()).await {
                    tracing::warn!(error = %e, "schedule run failed");
                }
                if let Err(e) = ggzy_store::grants::run_due(&state.db, state.now()).await {
                    tracing::warn!(error = %e, "closing grants failed");
                }
            }
        });
    }

    /// Deliver queued SMS and email every `every` through `sender` (the development transport
    /// appends them to a file; production plugs in a gateway).
    pub fn spawn_sender(&self, sender: Arc<dyn ggzy_store::notify::Sender>, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) =
                    ggzy_store::notify::drain(&state.db, sender.as_ref(), state.now()).await
                {
                    tracing::warn!(error = %e, "outbox delivery failed");
                }
            }
        });
    }

    /// Keep signing heads every `every` until the process ends.
    pub fn spawn_signer(&self, every: Duration) {
        let state = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = state.sign_head().await {
                    tracing::warn!(error = %e, "tree head signing failed");
                }
            }
        });
    }
}
