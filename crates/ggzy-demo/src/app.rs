//! The app on a random port over a test database, with the demo seeded: what the HTTP and browser
//! tests start from.

use crate::DemoAccount;
use ggzy_core::clock::Clock;
use ggzy_seal::sign::PlatformKey;
use ggzy_store::{Db, events};
use ggzy_web::{AppState, Config};
use std::sync::Arc;

pub struct Spawned {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: AppState,
    pub accounts: Vec<DemoAccount>,
}

/// A clock a test sets by hand, to walk a tender across its statutory periods. Until it is set it
/// runs at real speed from [`crate::testing::epoch`], never from the wall clock's date.
pub struct TestClock {
    set: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    started: std::time::Instant,
}

impl Default for TestClock {
    fn default() -> Self {
        Self {
            set: std::sync::Mutex::new(None),
            started: std::time::Instant::now(),
        }
    }
}

impl TestClock {
    pub fn set(&self, t: chrono::DateTime<chrono::Utc>) {
        *self
            .set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(t);
    }
}

impl Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.set
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .unwrap_or_else(|| {
                crate::testing::epoch()
                    + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
            })
    }
}

pub async fn spawn_app(db: &Db, config: Config) -> Spawned {
    spawn_app_with_clock(db, config, Arc::new(TestClock::default())).await
}

pub async fn spawn_app_with_clock(db: &Db, config: Config, clock: Arc<dyn Clock>) -> Spawned {
    let key = PlatformKey::generate();
    events::register_key(db, &key, clock.now())
        .await
        .expect("register key");
    let accounts = crate::seed(db, clock.now()).await.expect("seed demo");
    let vault = Arc::new(ggzy_store::vault::BidVault::temporary().expect("vault"));
    crate::tendering::seed(db, &vault, clock.now())
        .await
        .expect("seed tendering demo");
    crate::procurement::seed(db, &vault, clock.now())
        .await
        .expect("seed procurement demo");
    let state = AppState::new(
        db.clone(),
        clock,
        key,
        Some(crate::guide(&accounts)),
        config,
        vault,
    );
    state.spawn_scheduler(std::time::Duration::from_millis(200));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(ggzy_web::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Spawned {
        base,
        state,
        accounts,
    }
}
