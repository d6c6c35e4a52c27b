//! Where bids live: each bidder's sealed envelope exactly as received, written and fsynced before
//! the receipt's transaction commits so that an acknowledged bid survives a crash; and, after the
//! opening, the decrypted archives sealed at rest under the vault key for the committee. Before the
//! opening nothing here is readable by the platform: the envelopes need the lot's opening key,
//! which exists only as custodians' shares.

use crate::error::{ServiceError, ServiceResult};
use ggzy_seal::atrest::MasterKey;
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub struct BidVault {
    dir: PathBuf,
    key: MasterKey,
}

impl std::fmt::Debug for BidVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never appears in logs.
        f.debug_struct("BidVault")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("bid vault: {e}"))
}

impl BidVault {
    /// Open (or create) the vault under `dir`: `dir/vault.key` (owner-only) and `dir/bids/`.
    pub fn open(dir: &Path) -> ServiceResult<Self> {
        std::fs::create_dir_all(dir.join("bids")).map_err(io)?;
        let key_path = dir.join("vault.key");
        let key = match std::fs::read_to_string(&key_path) {
            Ok(s) => {
                let b = hex::decode(s.trim())
                    .map_err(|e| ServiceError::Internal(format!("vault.key: {e}")))?;
                let arr: [u8; 32] = b
                    .try_into()
                    .map_err(|_| ServiceError::Internal("vault.key is not 32 bytes".into()))?;
                MasterKey::from_bytes(arr)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let k = MasterKey::generate();
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(&key_path).map_err(io)?;
                f.write_all(hex::encode(k.bytes()).as_bytes()).map_err(io)?;
                f.sync_all().map_err(io)?;
                k
            }
            Err(e) => return Err(io(e)),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            key,
        })
    }

    /// A vault in a fresh temporary directory (tests, benchmarks); the directory is kept.
    pub fn temporary() -> ServiceResult<Self> {
        let d = tempfile::tempdir().map_err(io)?;
        Self::open(&d.keep())
    }

    fn path(&self, lot: Uuid, bid: Uuid, ext: &str) -> PathBuf {
        self.dir
            .join("bids")
            .join(lot.to_string())
            .join(format!("{bid}.{ext}"))
    }

    pub fn seal_form(&self, lot: Uuid, bid: Uuid, form: &[u8]) -> Vec<u8> {
        self.key.seal(lot.as_bytes(), &aad(bid, b"form"), form)
    }

    pub fn open_form(&self, lot: Uuid, bid: Uuid, sealed: &[u8]) -> ServiceResult<Vec<u8>> {
        self.key
            .open(lot.as_bytes(), &aad(bid, b"form"), sealed)
            .map_err(|e| ServiceError::Internal(format!("bid {bid} form: {e}")))
    }

    /// Write durably: temporary file, fsync, rename, fsync the directory.
    fn write_durably(path: &Path, bytes: &[u8]) -> ServiceResult<()> {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(io)?;
        let tmp = path.with_extension("part");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io)
    }

    /// Store a bidder's sealed envelope as received, before its receipt commits. The platform
    /// cannot read it: only the lot's rebuilt opening key can. Blocking: call from `spawn_blocking`.
    pub fn store_envelope(&self, lot: Uuid, bid: Uuid, envelope: &[u8]) -> ServiceResult<()> {
        Self::write_durably(&self.path(lot, bid, "env"), envelope)
    }

    pub fn read_envelope(&self, lot: Uuid, bid: Uuid) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(lot, bid, "env"))
    }

    /// Where an envelope lives (tests damage it there to play a storage fault).
    pub fn envelope_path(&self, lot: Uuid, bid: Uuid) -> PathBuf {
        self.path(lot, bid, "env")
    }

    /// Keep a decrypted archive for the committee, sealed at rest. Only the opening calls this.
    pub fn store_opened(&self, lot: Uuid, bid: Uuid, payload: &[u8]) -> ServiceResult<()> {
        let sealed = self
            .key
            .seal(lot.as_bytes(), &aad(bid, b"package"), payload);
        Self::write_durably(&self.path(lot, bid, "opened"), &sealed)
    }

    /// A decrypted archive (only after the opening; the services check that).
    pub fn read_opened(&self, lot: Uuid, bid: Uuid) -> ServiceResult<Vec<u8>> {
        let sealed = std::fs::read(self.path(lot, bid, "opened")).map_err(io)?;
        self.key
            .open(lot.as_bytes(), &aad(bid, b"package"), &sealed)
            .map_err(|e| ServiceError::Internal(format!("bid {bid} package: {e}")))
    }

    /// Every file under the vault, for tests that look for plaintext at rest.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn aad(bid: Uuid, part: &[u8]) -> Vec<u8> {
    let mut v = bid.as_bytes().to_vec();
    v.extend_from_slice(part);
    v
}
