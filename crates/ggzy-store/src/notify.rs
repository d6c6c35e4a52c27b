//! Telling people things: in-platform notifications to an account, and an outbox that an email or
//! SMS sender drains. The sender is an interface; the development transport appends each message
//! to a file so a demo or a test can read what would have gone out.

use crate::db::{Db, Tx};
use crate::error::ServiceResult;
use crate::{db_all, db_exec, tx_exec, tx_opt};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notification {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A message to one account, in-platform and queued for its email and SMS address.
pub struct Message<'a> {
    pub account: Uuid,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

pub(crate) async fn send(tx: &mut Tx, m: &Message<'_>, now: DateTime<Utc>) -> ServiceResult<()> {
    let now = truncate_micros(now);
    tx_exec!(
        tx,
        "INSERT INTO notifications (id, account_id, kind, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::now_v7(),
        m.account,
        m.kind,
        m.title,
        m.body,
        m.link,
        now
    );
    // Experts carry a phone and an email; other accounts get the in-platform message only.
    let addr: Option<(String, String)> = tx_opt!(
        tx,
        "SELECT phone, email FROM experts WHERE account_id = $1",
        m.account
    );
    if let Some((phone, email)) = addr {
        for (channel, address) in [("sms", phone), ("email", email)] {
            tx_exec!(
                tx,
                "INSERT INTO outbox (id, channel, address, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                Uuid::now_v7(),
                channel,
                &address,
                m.title,
                m.body,
                now
            );
        }
    }
    Ok(())
}

pub async fn for_account(db: &Db, account: Uuid) -> ServiceResult<Vec<Notification>> {
    Ok(db_all!(
        db,
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
        account
    ))
}

/// One outgoing email or SMS.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub channel: String,
    pub address: String,
    pub subject: String,
    pub body: String,
}

/// Delivers outbox messages. Production plugs in an SMS gateway or SMTP relay.
pub trait Sender: Send + Sync {
    fn deliver(&self, m: &OutboxMessage) -> std::io::Result<()>;
}

/// The development transport: one line of JSON per message in a file.
pub struct FileSender(pub std::path::PathBuf);

impl Sender for FileSender {
    fn deliver(&self, m: &OutboxMessage) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.0)?;
        let line = serde_json::to_string(m).map_err(std::io::Error::other)?;
        writeln!(f, "{line}")
    }
}

/// Deliver what is waiting; a message that fails stays queued for the next run.
pub async fn drain(db: &Db, sender: &dyn Sender, now: DateTime<Utc>) -> ServiceResult<usize> {
    let rows: Vec<OutboxMessage> = db_all!(
        db,
        "SELECT id, channel, address, subject, body FROM outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT 200"
    );
    let mut n = 0;
    for m in rows {
        if let Err(e) = sender.deliver(&m) {
            tracing::warn!(channel = m.channel, error = %e, "message not delivered; will retry");
            continue;
        }
        db_exec!(
            db,
            "UPDATE outbox SET sent_at = $1 WHERE id = $2",
            truncate_micros(now),
            m.id
        );
        n += 1;
    }
    Ok(n)
}
