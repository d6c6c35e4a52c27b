//! What an event is, and the exact bytes its hash covers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// One row of the event log as stored (without its hashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EventRecord {
    /// Gapless position in the log, from 1.
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// None for anonymous actions (self-registration before an account exists) and the system.
    pub actor_id: Option<Uuid>,
    /// Role the actor acted in; `public` or `system` when no account.
    pub actor_role: String,
    /// The network address the command came from (电子招标投标办法 Art 49).
    pub address: String,
    pub region_code: String,
    /// Dotted event kind, e.g. `entity.registered`.
    pub kind: String,
    /// What the event is about, e.g. `entity:<uuid>`.
    pub subject: String,
    /// JSON text exactly as stored; hashed byte for byte.
    pub payload: String,
}

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

impl EventRecord {
    /// Versioned, length-prefixed encoding: unambiguous, so no two different rows share bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.payload.len());
        out.extend_from_slice(b"ggzy-event-v1");
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.at.timestamp_micros().to_be_bytes());
        put(
            &mut out,
            self.actor_id
                .as_ref()
                .map(|u| u.as_bytes().as_slice())
                .unwrap_or(&[]),
        );
        for s in [
            &self.actor_role,
            &self.address,
            &self.region_code,
            &self.kind,
            &self.subject,
            &self.payload,
        ] {
            put(&mut out, s.as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_cannot_bleed_into_each_other() {
        let base = EventRecord {
            seq: 1,
            id: Uuid::nil(),
            at: DateTime::from_timestamp(0, 0).expect("ts"),
            actor_id: None,
            actor_role: "public".into(),
            address: "127.0.0.1".into(),
            region_code: "330200".into(),
            kind: "a.b".into(),
            subject: "x".into(),
            payload: "{}".into(),
        };
        let mut moved = base.clone();
        moved.kind = "a.bx".into();
        moved.subject = String::new();
        assert_ne!(base.canonical_bytes(), moved.canonical_bytes());
    }
}
