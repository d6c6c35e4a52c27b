//! The event log (C5): an SM3 hash chain, an RFC 6962 Merkle tree over it and SM2-signed tree
//! heads. Appending happens inside the caller's transaction, so an event exists exactly when the
//! change it describes does.

use crate::db::{Db, Tx};
use crate::error::{ServiceError, ServiceResult};
use crate::{db_all, db_exec, db_one, on_db, on_tx, tx_exec, tx_one};
use chrono::{DateTime, Utc};
use ggzy_core::clock::truncate_micros;
use ggzy_core::disclosure;
use ggzy_core::event::EventRecord;
use ggzy_seal::merkle::{self, CompactRange};
use ggzy_seal::sign::{self, PlatformKey};
use ggzy_seal::{Hash, chain_hash, from_hex, to_hex};
use serde::Serialize;
use uuid::Uuid;

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub address: String,
    pub region_code: String,
    pub kind: &'static str,
    pub subject: String,
    pub payload: serde_json::Value,
}

impl NewEvent {
    /// An event done by `actor` (its account, role and address) in `region`.
    pub fn by(
        actor: &crate::Actor,
        region: &str,
        kind: &'static str,
        subject: String,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            actor_id: actor.account_id,
            actor_role: actor.role_label(None),
            address: actor.address.clone(),
            region_code: region.to_string(),
            kind,
            subject,
            payload,
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub address: String,
    pub region_code: String,
    pub kind: String,
    pub subject: String,
    pub payload: String,
    pub hash: String,
    /// Set on an event about secret information: the chain holds a commitment to it.
    pub salt: Option<String>,
    /// The moment that publishes a sealed event (`lot:…@opened`).
    pub release_key: Option<String>,
    /// The moment has come: the salt and content may be shown to anyone.
    pub released: bool,
}

impl StoredEvent {
    /// The bytes the chain hashed for this row.
    pub fn chained_bytes(&self) -> Vec<u8> {
        let salt = self.salt.as_deref().and_then(|s| hex::decode(s).ok());
        self.record().chained_bytes(salt.as_deref())
    }

    /// Whether anyone may read what this event says (a public event, or a sealed one whose
    /// moment has come); otherwise the public sees only its time, hash and commitment.
    pub fn readable(&self) -> bool {
        self.salt.is_none() || self.released
    }

    /// The salted commitment of a sealed event, hex.
    pub fn commitment(&self) -> Option<String> {
        let salt = hex::decode(self.salt.as_deref()?).ok()?;
        Some(to_hex(&self.record().commitment(&salt)))
    }

    pub fn record(&self) -> EventRecord {
        EventRecord {
            seq: self.seq,
            id: self.id,
            at: self.at,
            actor_id: self.actor_id,
            actor_role: self.actor_role.clone(),
            address: self.address.clone(),
            region_code: self.region_code.clone(),
            kind: self.kind.clone(),
            subject: self.subject.clone(),
            payload: self.payload.clone(),
        }
    }
}

const EVENT_COLUMNS: &str = "e.seq, e.id, e.at, e.actor_id, e.actor_role, e.address, e.region_code, e.kind, e.subject, e.payload, e.hash, e.salt, e.release_key, (r.key IS NOT NULL) AS released";
const EVENT_FROM: &str = "events e LEFT JOIN releases r ON r.key = e.release_key";

/// Publish what was sealed until `key` (`lot:…@opened`), in the caller's transaction. Appending
/// an event that marks a moment does this by itself; call it for subjects the moment also
/// concerns (a grant's auctions when the grant closes).
pub async fn release(tx: &mut Tx, key: &str, at: DateTime<Utc>) -> ServiceResult<()> {
    tx_exec!(
        tx,
        "INSERT INTO releases (key, released_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        key,
        truncate_micros(at)
    );
    Ok(())
}

/// Append one event in `tx`. Bumping `event_head` first takes its row lock (PostgreSQL) or relies
/// on the IMMEDIATE write lock (SQLite), so concurrent appenders queue and the chain stays linear.
pub async fn append(tx: &mut Tx, ev: NewEvent, at: DateTime<Utc>) -> ServiceResult<StoredEvent> {
    let (seq, prev): (i64, String) = tx_one!(
        tx,
        "UPDATE event_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"
    );
    let prev = from_hex(&prev)
        .ok_or_else(|| ServiceError::Internal("event_head.hash is not a hash".into()))?;
    let record = EventRecord {
        seq,
        id: Uuid::now_v7(),
        at: truncate_micros(at),
        actor_id: ev.actor_id,
        actor_role: ev.actor_role,
        address: ev.address,
        region_code: ev.region_code,
        kind: ev.kind.to_string(),
        subject: ev.subject,
        payload: ev.payload.to_string(),
    };
    // The one rule of what is secret until when (ggzy_core::disclosure) decides which events
    // are chained sealed, and which events publish them.
    let secret = disclosure::secret_of_event(&record.kind);
    let salt: Option<[u8; 32]> = secret.map(|_| rand::random());
    let release_key = secret.map(|s| s.moment().key(&record.subject));
    let hash = to_hex(&chain_hash(
        &prev,
        &record.chained_bytes(salt.as_ref().map(|s| s.as_slice())),
    ));
    let salt_hex = salt.map(|s| to_hex(&s));
    if let Some(m) = disclosure::moment_of_event(&record.kind) {
        release(tx, &m.key(&record.subject), record.at).await?;
    }
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO events (seq, id, at, actor_id, actor_role, address, region_code, kind, subject, payload, hash, salt, release_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(record.seq)
        .bind(record.id)
        .bind(record.at)
        .bind(record.actor_id)
        .bind(&record.actor_role)
        .bind(&record.address)
        .bind(&record.region_code)
        .bind(&record.kind)
        .bind(&record.subject)
        .bind(&record.payload)
        .bind(&hash)
        .bind(&salt_hex)
        .bind(&release_key)
        .execute(&mut *c)
        .await?.rows_affected();
        sqlx::query("UPDATE event_head SET hash = $1 WHERE id = 1")
            .bind(&hash)
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(StoredEvent {
        seq: record.seq,
        id: record.id,
        at: record.at,
        actor_id: record.actor_id,
        actor_role: record.actor_role,
        address: record.address,
        region_code: record.region_code,
        kind: record.kind,
        subject: record.subject,
        payload: record.payload,
        hash,
        salt: salt_hex,
        release_key,
        released: false,
    })
}

pub async fn size(db: &Db) -> ServiceResult<i64> {
    let (n,): (i64,) = db_one!(db, "SELECT seq FROM event_head WHERE id = 1");
    Ok(n)
}

/// Newest first, optionally only those about `subject`. A subject's list leaves out its sealed
/// events until their moment, so counting a lot's rows cannot count its bids.
pub async fn list(
    db: &Db,
    subject: Option<&str>,
    before_seq: Option<i64>,
    limit: i64,
) -> ServiceResult<Vec<StoredEvent>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM {EVENT_FROM} WHERE ($1 IS NULL OR (e.subject = $1 AND (e.salt IS NULL OR r.key IS NOT NULL))) AND e.seq < $2 ORDER BY e.seq DESC LIMIT $3"
    );
    let rows = on_db!(db, |p| sqlx::query_as::<_, StoredEvent>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(subject)
    .bind(before_seq.unwrap_or(i64::MAX))
    .bind(limit.clamp(1, 500))
    .fetch_all(p)
    .await?);
    Ok(rows)
}

pub async fn get(db: &Db, seq: i64) -> ServiceResult<StoredEvent> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM {EVENT_FROM} WHERE e.seq = $1");
    on_db!(db, |p| sqlx::query_as::<_, StoredEvent>(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(seq)
    .fetch_optional(p)
    .await?)
    .ok_or(ServiceError::NotFound("event"))
}

/// The Merkle leaf of an event is its chain hash: the tree commits to the chain, and the chain
/// to every field.
pub fn leaf_of(hash_hex: &str) -> Option<Hash> {
    from_hex(hash_hex).map(|h| merkle::leaf_hash(&h))
}

/// Leaf hashes for seq `from+1 ..= to`, in order.
pub async fn leaves(db: &Db, from: i64, to: i64) -> ServiceResult<Vec<Hash>> {
    let rows: Vec<(i64, String)> = db_all!(
        db,
        "SELECT seq, hash FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        from,
        to
    );
    rows.iter()
        .map(|(seq, h)| {
            leaf_of(h)
                .ok_or_else(|| ServiceError::Internal(format!("event {seq} has a malformed hash")))
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TreeHead {
    pub size: i64,
    /// SM3 Merkle root, hex.
    pub root: String,
    pub signed_at: DateTime<Utc>,
    pub key_id: String,
    /// SM2 signature (r‖s), hex, over `ggzy-sth-v1 ‖ size ‖ root ‖ signed_at µs`.
    pub signature: String,
}

pub async fn latest_head(db: &Db) -> ServiceResult<Option<TreeHead>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, TreeHead>(
        "SELECT size, root, signed_at, key_id, signature FROM tree_heads ORDER BY size DESC LIMIT 1"
    )
    .fetch_optional(p)
    .await?))
}

pub fn key_id(key: &PlatformKey) -> String {
    // Short, stable name for a public key: the first 8 bytes of its SM3.
    to_hex(&ggzy_seal::sm3(&[key.public_hex().as_bytes()]))[..16].to_string()
}

/// Record the platform's public key so that `verify` and outside readers can check signatures.
pub async fn register_key(db: &Db, key: &PlatformKey, now: DateTime<Utc>) -> ServiceResult<String> {
    let id = key_id(key);
    db_exec!(
        db,
        "INSERT INTO platform_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING",
        &id,
        key.public_hex(),
        truncate_micros(now)
    );
    Ok(id)
}

pub async fn public_keys(db: &Db) -> ServiceResult<Vec<(String, String)>> {
    Ok(db_all!(
        db,
        "SELECT key_id, public_key FROM platform_keys ORDER BY created_at"
    ))
}

/// Keeps the Merkle tree in memory so that proofs and new heads cost no table scan and only
/// O(log² n) hashes; appends only.
#[derive(Debug, Default)]
pub struct LeafCache {
    tree: merkle::Tree,
}

impl LeafCache {
    /// Bring the cache up to the current log size; returns the size.
    pub async fn refresh(&mut self, db: &Db) -> ServiceResult<usize> {
        let n = size(db).await?;
        let have = self.tree.len() as i64;
        if n > have {
            for l in leaves(db, have, n).await? {
                self.tree.push(l);
            }
        }
        Ok(self.tree.len())
    }

    pub fn leaves(&self) -> &[Hash] {
        self.tree.leaves()
    }

    pub fn tree(&self) -> &merkle::Tree {
        &self.tree
    }
}

/// Sign a head for the current size if the log grew since the last one. Returns the new head.
pub async fn sign_head(
    db: &Db,
    cache: &mut LeafCache,
    key: &PlatformKey,
    now: DateTime<Utc>,
) -> ServiceResult<Option<TreeHead>> {
    let n = cache.refresh(db).await?;
    let last = latest_head(db).await?.map_or(0, |h| h.size);
    if n as i64 <= last {
        return Ok(None);
    }
    let root = cache
        .tree()
        .root(n)
        .ok_or_else(|| ServiceError::Internal("tree shorter than its size".into()))?;
    let at = truncate_micros(now);
    let sig = key.sign(&sign::tree_head_message(
        n as u64,
        &root,
        at.timestamp_micros(),
    ));
    let head = TreeHead {
        size: n as i64,
        root: to_hex(&root),
        signed_at: at,
        key_id: key_id(key),
        signature: hex::encode(sig),
    };
    db_exec!(
        db,
        "INSERT INTO tree_heads (size, root, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING",
        head.size,
        &head.root,
        head.signed_at,
        &head.key_id,
        &head.signature
    );
    Ok(Some(head))
}

/// What `ggzy verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Finding {
    /// A row whose stored hash is not SM3(previous ‖ its fields): edited, inserted or reordered.
    RowMismatch { seq: i64 },
    /// Sequence numbers must run 1, 2, 3 … without gaps.
    Gap { expected: i64, found: i64 },
    /// The head row says the log is longer or ends elsewhere than the rows do (rows deleted).
    HeadMismatch { head_seq: i64, last_seq: i64 },
    /// A signed tree head whose root does not match the rows; `first_unproven` is the first seq
    /// after the last head that still matches.
    TreeHeadMismatch { size: i64, first_unproven: i64 },
    /// A tree head whose signature does not verify under the recorded key.
    BadSignature { size: i64 },
    /// A tree head that claims more events than the log holds.
    TreeHeadBeyondLog { size: i64 },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RowMismatch { seq } => write!(
                f,
                "event seq {seq}: stored hash does not match its contents and the chain (first bad row)"
            ),
            Self::Gap { expected, found } => write!(
                f,
                "event seq {found}: expected seq {expected} (rows missing or renumbered)"
            ),
            Self::HeadMismatch { head_seq, last_seq } => write!(
                f,
                "event_head says {head_seq} events but the last row is seq {last_seq}"
            ),
            Self::TreeHeadMismatch {
                size,
                first_unproven,
            } => write!(
                f,
                "signed tree head of size {size} does not match the rows; first event not covered by an earlier good head: seq {first_unproven}"
            ),
            Self::BadSignature { size } => write!(
                f,
                "signed tree head of size {size}: SM2 signature does not verify"
            ),
            Self::TreeHeadBeyondLog { size } => write!(
                f,
                "signed tree head of size {size} covers events that are no longer in the log"
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub events: i64,
    pub tree_heads_checked: usize,
    pub findings: Vec<Finding>,
}

/// Recompute the chain and every signed tree head from the database in one streaming pass.
/// Stops at the first broken row (everything after it is unprovable anyway).
pub async fn verify(db: &Db) -> ServiceResult<VerifyReport> {
    use futures_util::TryStreamExt;

    let keys: std::collections::HashMap<String, String> =
        public_keys(db).await?.into_iter().collect();
    let heads: Vec<TreeHead> = on_db!(db, |p| sqlx::query_as::<_, TreeHead>(
        "SELECT size, root, signed_at, key_id, signature FROM tree_heads ORDER BY size"
    )
    .fetch_all(p)
    .await?);
    let mut findings = Vec::new();
    for h in &heads {
        let ok = match (
            keys.get(&h.key_id),
            from_hex(&h.root),
            hex::decode(&h.signature),
        ) {
            (Some(pk), Some(root), Ok(sig)) => sign::verify(
                pk,
                &sign::tree_head_message(h.size as u64, &root, h.signed_at.timestamp_micros()),
                &sig,
            )
            .unwrap_or(false),
            _ => false,
        };
        if !ok {
            findings.push(Finding::BadSignature { size: h.size });
        }
    }
    let mut next_head = heads.iter().peekable();
    let mut range = CompactRange::new();
    let mut prev = ggzy_seal::GENESIS;
    let mut expected = 1i64;
    let mut last_good_head = 0i64;
    let mut checked = 0usize;
    let sql = format!("SELECT {EVENT_COLUMNS} FROM {EVENT_FROM} ORDER BY e.seq");
    let mut broken = false;
    macro_rules! scan {
        ($p:expr) => {{
            let mut rows =
                sqlx::query_as::<_, StoredEvent>(sqlx::AssertSqlSafe(sql.as_str())).fetch($p);
            while let Some(ev) = rows.try_next().await? {
                if ev.seq != expected {
                    findings.push(Finding::Gap {
                        expected,
                        found: ev.seq,
                    });
                    broken = true;
                    break;
                }
                let h = chain_hash(&prev, &ev.chained_bytes());
                if to_hex(&h) != ev.hash {
                    findings.push(Finding::RowMismatch { seq: ev.seq });
                    broken = true;
                    break;
                }
                prev = h;
                range.push(merkle::leaf_hash(&h));
                while let Some(head) = next_head.next_if(|hd| hd.size == ev.seq) {
                    checked += 1;
                    if head.root == to_hex(&range.root()) {
                        last_good_head = head.size;
                    } else {
                        findings.push(Finding::TreeHeadMismatch {
                            size: head.size,
                            first_unproven: last_good_head + 1,
                        });
                    }
                }
                expected += 1;
            }
        }};
    }
    on_db!(db, |p| scan!(p));
    let last_seq = expected - 1;
    if !broken {
        let head_seq = size(db).await?;
        if head_seq != last_seq {
            findings.push(Finding::HeadMismatch { head_seq, last_seq });
        }
        for h in next_head {
            findings.push(Finding::TreeHeadBeyondLog { size: h.size });
        }
    }
    Ok(VerifyReport {
        events: last_seq,
        tree_heads_checked: checked,
        findings,
    })
}
