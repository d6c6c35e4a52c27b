//! The bid tool and the custodian's tool: everything here runs on the user's machine, offline,
//! with keys that never reach the platform.

use anyhow::{Context, Result, bail};
use ggzy_seal::envelope::{self, FINGERPRINT_FILE, FORM_FILE, SealInput};
use ggzy_seal::keys::{KeyFile, PublicKey, SecretKey};
use ggzy_store::receipts::{self, SignedReceipt};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Whose key: the username, or the entity's credit code. Written into the file for people.
    #[arg(long)]
    pub owner: String,
    /// Where to write the key file (mode 0600).
    #[arg(long)]
    pub out: PathBuf,
}

/// Make an SM2 key pair; print the public key to register on the platform.
pub fn keygen(a: &KeygenArgs) -> Result<()> {
    let k = SecretKey::generate();
    let json = serde_json::to_vec_pretty(&KeyFile::new(&a.owner, &k))?;
    write_private(&a.out, &json)?;
    println!("{}", k.public().to_hex());
    eprintln!(
        "key written to {}; register the public key above under 我的密钥 (/keys) or POST /api/v1/keys",
        a.out.display()
    );
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn read_key(path: &Path) -> Result<(String, SecretKey)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    KeyFile::parse(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

#[derive(clap::Args)]
pub struct SealArgs {
    /// The bid folder: `bid_form.json` (the price and the other opening items) and the bid files.
    pub folder: PathBuf,
    /// The lot's 统一交易标识码, as on the notice.
    #[arg(long)]
    pub lot: String,
    /// The lot's opening public key (SEC1 hex), as published with the notice.
    #[arg(long)]
    pub opening_key: String,
    /// The bidder's unified social credit code.
    #[arg(long)]
    pub bidder: String,
    /// The bidder's signing key file, from `ggzy keygen`, registered as `bid_signing`.
    #[arg(long)]
    pub key: PathBuf,
    /// Where to write the envelope.
    #[arg(long)]
    pub out: PathBuf,
}

/// The client fingerprint kept inside the envelope for collusion checks (条例 Art 40): hashed,
/// so the platform learns whether two bids came from one machine, not which machine.
fn fingerprint() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let host = read("/etc/hostname");
    let machine = read("/etc/machine-id");
    let mut macs = vec![];
    if let Ok(dir) = std::fs::read_dir("/sys/class/net") {
        for e in dir.flatten() {
            let m = read(&format!("{}/address", e.path().display()));
            if !m.trim().is_empty() && m.trim() != "00:00:00:00:00:00" {
                macs.push(m.trim().to_string());
            }
        }
    }
    macs.sort();
    let h = |s: &str| ggzy_seal::to_hex(&ggzy_seal::sm3(&[b"ggzy-fp", s.trim().as_bytes()]));
    serde_json::json!({
        "host": h(&host),
        "machine": h(&machine),
        "network": h(&macs.join(",")),
    })
    .to_string()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out)?;
        } else {
            let name = p
                .strip_prefix(root)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            envelope::check_name(&name).map_err(|e| anyhow::anyhow!(e))?;
            out.push((name, std::fs::read(&p)?));
        }
    }
    Ok(())
}

pub fn seal(a: &SealArgs) -> Result<()> {
    let (_, key) = read_key(&a.key)?;
    let opening = PublicKey::from_hex(&a.opening_key)
        .map_err(|_| anyhow::anyhow!("--opening-key is not an SM2 public key"))?;
    let mut files = vec![];
    collect(&a.folder, &a.folder, &mut files)?;
    let form: ggzy_store::tendering::bids::BidFormInput = serde_json::from_slice(
        files
            .iter()
            .find(|(n, _)| n == FORM_FILE)
            .map(|(_, b)| b.as_slice())
            .with_context(|| format!("{} has no {FORM_FILE}", a.folder.display()))?,
    )
    .with_context(|| format!("{FORM_FILE} is not a bid form"))?;
    files.retain(|(n, _)| n != FINGERPRINT_FILE);
    files.push((FINGERPRINT_FILE.into(), fingerprint().into_bytes()));
    let sealed_at = chrono::Utc::now().to_rfc3339();
    let env = envelope::seal(
        &SealInput {
            lot: &a.lot,
            bidder: &a.bidder,
            opening_key: &opening,
            bond: &form.bond,
            sealed_at: &sealed_at,
            tool: concat!("ggzy-seal ", env!("CARGO_PKG_VERSION")),
        },
        &key,
        &files,
    );
    std::fs::write(&a.out, &env).with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "sealed {} files into {} ({} bytes), SM3 {}",
        files.len(),
        a.out.display(),
        env.len(),
        ggzy_seal::to_hex(&ggzy_seal::sm3(&[&env]))
    );
    Ok(())
}

#[derive(clap::Args)]
pub struct VerifyReceiptArgs {
    /// The receipt JSON the platform returned (or the page's download).
    pub receipt: PathBuf,
    /// The platform's public key as published; without it the key inside the receipt is used.
    #[arg(long)]
    pub platform_key: Option<String>,
    /// The envelope file: check it is the one the receipt names.
    #[arg(long)]
    pub envelope: Option<PathBuf>,
    /// A later published tree head (the JSON of GET /api/v1/log/head): check the log still holds
    /// the bid.
    #[arg(long)]
    pub head: Option<PathBuf>,
    /// The consistency proof from the receipt's tree to that head (/api/v1/log/proof/consistency).
    #[arg(long)]
    pub consistency: Option<PathBuf>,
}

pub fn verify_receipt(a: &VerifyReceiptArgs) -> Result<()> {
    let r: SignedReceipt = serde_json::from_slice(&std::fs::read(&a.receipt)?)
        .with_context(|| format!("{} is not a ggzy receipt", a.receipt.display()))?;
    receipts::verify(&r, a.platform_key.as_deref())
        .map_err(|e| anyhow::anyhow!("receipt does not verify: {e}"))?;
    println!(
        "OK: receipt {} for lot {}: envelope SM3 {} is event #{} of the log, inside the signed tree of size {} (root {})",
        r.receipt_no,
        r.lot_trade_code,
        r.envelope_sm3,
        r.event.seq,
        r.tree_head.size,
        r.tree_head.root
    );
    if let Some(p) = &a.envelope {
        receipts::verify_envelope(&r, &std::fs::read(p)?)
            .map_err(|e| anyhow::anyhow!("envelope does not match: {e}"))?;
        println!("OK: {} is the envelope the receipt names", p.display());
    }
    if let Some(h) = &a.head {
        // The body of GET /api/v1/log/head.
        #[derive(serde::Deserialize)]
        struct Head {
            head: ggzy_store::events::TreeHead,
        }
        #[derive(serde::Deserialize)]
        struct Proof {
            proof: Vec<String>,
        }
        let head: Head = serde_json::from_slice(&std::fs::read(h)?)
            .with_context(|| format!("{} is not a tree head", h.display()))?;
        let proof = match &a.consistency {
            Some(c) => serde_json::from_slice::<Proof>(&std::fs::read(c)?)?.proof,
            None => vec![],
        };
        receipts::verify_later_head(&r, &head.head, &proof)
            .map_err(|e| anyhow::anyhow!("later head: {e}"))?;
        println!("OK: the log of size {} still contains it", head.head.size);
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct OpenShareArgs {
    /// The sealed share JSON from GET /api/v1/lots/{id}/custody/share.
    pub sealed: PathBuf,
    /// The custodian's key file (`ggzy keygen`, registered as `custody`).
    #[arg(long)]
    pub key: PathBuf,
}

/// Decrypt one's share locally; print it for the workspace page or POST .../custody/share.
pub fn open_share(a: &OpenShareArgs) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Sealed {
        sealed_share: String,
        share_index: i64,
    }
    let s: Sealed = serde_json::from_slice(&std::fs::read(&a.sealed)?)
        .with_context(|| format!("{} is not a sealed share", a.sealed.display()))?;
    let (_, key) = read_key(&a.key)?;
    let der = hex::decode(&s.sealed_share).context("sealed_share is not hex")?;
    let mut share = key
        .decrypt(&der)
        .map_err(|_| anyhow::anyhow!("this key does not decrypt the share (wrong key file?)"))?;
    let parsed = ggzy_seal::shamir::Share::from_bytes(&share)
        .map_err(|_| anyhow::anyhow!("the decrypted share is malformed"))?;
    if i64::from(parsed.index) != s.share_index {
        bail!(
            "the share says index {}, expected {}",
            parsed.index,
            s.share_index
        );
    }
    println!("{}", parsed.to_hex());
    ggzy_seal::keys::wipe(&mut share);
    Ok(())
}

#[derive(clap::Args)]
pub struct VerifyDrawArgs {
    /// The draw proof JSON, as served at /api/v1/lots/{id}/draw/proof once the result is public.
    pub proof: PathBuf,
}

/// Recompute every round of a published draw: the seed against its logged commitment, the pool
/// snapshot against its logged SM3, and the drawn experts from both. Exits 1 on the first mismatch.
pub fn verify_draw(a: &VerifyDrawArgs) -> Result<()> {
    let p: ggzy_store::experts::draw::DrawProof = serde_json::from_slice(&std::fs::read(&a.proof)?)
        .with_context(|| format!("{} is not a ggzy draw proof", a.proof.display()))?;
    if p.rounds.is_empty() {
        anyhow::bail!("the proof holds no round");
    }
    for r in &p.rounds {
        ggzy_core::draw::verify(r).map_err(|e| anyhow::anyhow!("draw does not verify: {e}"))?;
        let eligible: Vec<String> = r
            .groups
            .iter()
            .map(|g| format!("{}:{}", g.specialty, g.eligible.len()))
            .collect();
        println!(
            "OK: round {} of lot {}: seed matches commitment {}, pool snapshot {} ({}), {} experts recomputed",
            r.round,
            p.trade_code,
            r.commitment,
            r.snapshot_sm3,
            eligible.join(" "),
            r.picks.len()
        );
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct FlagsArgs {
    /// OCDS compiled releases, one JSON object per line.
    pub file: PathBuf,
    /// Settings in Cardinal's INI layout; without it every indicator runs with its defaults.
    #[arg(long)]
    pub settings: Option<PathBuf>,
}

/// The red flags of a file of OCDS compiled releases, as JSON grouped like Cardinal's output.
/// A line that is not a JSON object is counted and named on stderr, never fatal.
pub fn flags(a: &FlagsArgs) -> Result<()> {
    use ggzy_core::red_flags::{Engine, Settings, ocds::Release};
    use std::io::BufRead;
    let settings = match &a.settings {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Settings::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {} ({})", p.display(), e.message_en, e.field))?
        }
        None => Settings::default(),
    };
    let file =
        std::fs::File::open(&a.file).with_context(|| format!("opening {}", a.file.display()))?;
    let mut engine = Engine::new(settings);
    let mut unreadable = 0u64;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Release>(&line) {
            Ok(r) => engine.add(&r),
            Err(e) => {
                unreadable += 1;
                if unreadable <= 10 {
                    eprintln!("line {}: not a release: {e}", i + 1);
                }
            }
        }
    }
    eprintln!(
        "{} releases read, {} left out (no ocid, cancelled or excluded), {unreadable} unreadable lines",
        engine.read, engine.excluded
    );
    println!("{}", serde_json::to_string(&engine.finish())?);
    Ok(())
}
