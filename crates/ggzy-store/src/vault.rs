//! Where bid packages live until and after the opening: sealed files in the data directory, written
//! and fsynced before the receipt's transaction commits, so an acknowledged bid survives a crash.
//!
//! One interface for the at-rest sealing; the bidder-side envelope (sealed-bids issue) replaces
//! what `seal`/`open` do without changing the callers.

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

    fn path(&self, lot: Uuid, bid: Uuid) -> PathBuf {
        self.dir
            .join("bids")
            .join(lot.to_string())
            .join(format!("{bid}.sealed"))
    }

    pub fn seal_form(&self, lot: Uuid, bid: Uuid, form: &[u8]) -> Vec<u8> {
        self.key.seal(lot.as_bytes(), &aad(bid, b"form"), form)
    }

    pub fn open_form(&self, lot: Uuid, bid: Uuid, sealed: &[u8]) -> ServiceResult<Vec<u8>> {
        self.key
            .open(lot.as_bytes(), &aad(bid, b"form"), sealed)
            .map_err(|e| ServiceError::Internal(format!("bid {bid} form: {e}")))
    }

    /// Seal and store a package durably; returns its SM3 (of the plaintext, for the receipt).
    /// Blocking: call from `spawn_blocking`.
    pub fn store_package(&self, lot: Uuid, bid: Uuid, package: &[u8]) -> ServiceResult<[u8; 32]> {
        let hash = ggzy_seal::sm3(&[package]);
        let sealed = self
            .key
            .seal(lot.as_bytes(), &aad(bid, b"package"), package);
        let path = self.path(lot, bid);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&dir).map_err(io)?;
        let tmp = path.with_extension("part");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&sealed).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        Ok(hash)
    }

    /// Read and decrypt a package (only after the opening; the services check that).
    pub fn read_package(&self, lot: Uuid, bid: Uuid) -> ServiceResult<Vec<u8>> {
        let sealed = std::fs::read(self.path(lot, bid)).map_err(io)?;
        self.key
            .open(lot.as_bytes(), &aad(bid, b"package"), &sealed)
            .map_err(|e| ServiceError::Internal(format!("bid {bid} package: {e}")))
    }

    /// The stored bytes as they sit on disk (for tests that check nothing is readable).
    pub fn raw_package(&self, lot: Uuid, bid: Uuid) -> ServiceResult<Vec<u8>> {
        std::fs::read(self.path(lot, bid)).map_err(io)
    }
}

fn aad(bid: Uuid, part: &[u8]) -> Vec<u8> {
    let mut v = bid.as_bytes().to_vec();
    v.extend_from_slice(part);
    v
}
