//! The app on a random port over a test database, with the demo seeded: what the HTTP and browser
//! tests start from.

use crate::state::SystemClock;
use crate::{AppState, Config};
use ggzy_core::clock::Clock;
use ggzy_seal::sign::PlatformKey;
use ggzy_store::demo::DemoAccount;
use ggzy_store::{Db, demo, events};
use std::sync::Arc;

pub struct Spawned {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: AppState,
    pub accounts: Vec<DemoAccount>,
}

pub async fn spawn_app(db: &Db, config: Config) -> Spawned {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let key = PlatformKey::generate();
    events::register_key(db, &key, clock.now())
        .await
        .expect("register key");
    let accounts = demo::seed(db, clock.now()).await.expect("seed demo");
    let state = AppState::new(db.clone(), clock, key, Some(accounts.clone()), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(crate::serve(
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
