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

/// Domain separation for the salted commitment of a sealed event.
const SEALED_COMMITMENT: &[u8] = b"ggzy-sealed-commitment-v1";

impl EventRecord {
    /// SM3 over a salt and the full record: binds the sealed event's content without showing it.
    /// The salt (32 random bytes) stops anyone from confirming a guess ("did bidder X bid?") by
    /// hashing candidate records.
    pub fn commitment(&self, salt: &[u8]) -> [u8; 32] {
        use sm3::Digest;
        let mut h = sm3::Sm3::new();
        h.update(SEALED_COMMITMENT);
        h.update((salt.len() as u32).to_be_bytes());
        h.update(salt);
        h.update(self.canonical_bytes());
        h.finalize().into()
    }

    /// What the chain hashes for a sealed event: its position and time and the commitment, and
    /// nothing of its kind, subject or content, so the public log shows that something happened
    /// but not what or about which trade. At the event's moment the salt is published and the
    /// content can be checked against the commitment.
    pub fn sealed_bytes(&self, commitment: &[u8; 32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(b"ggzy-sealed-v1");
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.at.timestamp_micros().to_be_bytes());
        out.extend_from_slice(commitment);
        out
    }

    /// The bytes the chain hashes: the whole record, or its sealed form when it has a salt.
    pub fn chained_bytes(&self, salt: Option<&[u8]>) -> Vec<u8> {
        match salt {
            None => self.canonical_bytes(),
            Some(s) => self.sealed_bytes(&self.commitment(s)),
        }
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

    #[test]
    fn a_sealed_event_hides_its_content_and_binds_it() {
        let e = EventRecord {
            seq: 7,
            id: Uuid::nil(),
            at: DateTime::from_timestamp(0, 0).expect("ts"),
            actor_id: None,
            actor_role: "entity_user".into(),
            address: "127.0.0.1".into(),
            region_code: "330200".into(),
            kind: "lot.bid_accepted".into(),
            subject: "lot:1".into(),
            payload: "{}".into(),
        };
        let sealed = e.chained_bytes(Some(b"salt"));
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("lot") && !text.contains("bid"), "{text}");
        // Another subject or another salt commits differently; no salt is the plain record.
        let other = EventRecord {
            subject: "lot:2".into(),
            ..e.clone()
        };
        assert_ne!(other.chained_bytes(Some(b"salt")), sealed);
        assert_ne!(e.chained_bytes(Some(b"pepper")), sealed);
        assert_eq!(e.chained_bytes(None), e.canonical_bytes());
    }
}
