//! `ggzy flags` over generated OCDS compiled releases against the same file parsed into
//! `serde_json::Value` and dropped, in the same run.

use anyhow::Result;
use ggzy_core::red_flags::{Engine, Settings, ocds::Release};
use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;

/// A small deterministic generator, so every run reads the same file.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const METHODS: [&str; 3] = ["open", "selective", "limited"];
const STATUSES: [&str; 10] = [
    "valid",
    "valid",
    "valid",
    "valid",
    "valid",
    "valid",
    "valid",
    "valid",
    "disqualified",
    "withdrawn",
];

/// One compiled release: a tender with its period (one in ten short), 1–8 bids from a pool of
/// 20,000 companies (one in ten disqualified, one in ten withdrawn), and the award to the lowest valid bid with
/// one to three classified items.
fn release(i: usize, m: &mut Mix) -> String {
    let method = METHODS[m.below(3) as usize];
    // Most periods meet the 20 days the law asks; one in ten is short.
    let days = if m.below(10) == 0 {
        3 + m.below(12)
    } else {
        20 + m.below(25)
    };
    let start = 1_600_000_000 + (i as i64) * 600;
    let end = start + (days as i64) * 86_400 + m.below(86_400) as i64;
    let iso = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .unwrap_or_default()
            .to_rfc3339()
    };
    let n = 1 + m.below(8);
    let base = 100_000 + m.below(9_000_000);
    let mut bids = Vec::with_capacity(n as usize);
    let mut best: Option<(u64, u64)> = None;
    for _ in 0..n {
        let firm = m.below(20_000);
        let amount = base + m.below(base / 5 + 1);
        let status = STATUSES[m.below(10) as usize];
        if status == "valid" && best.is_none_or(|(a, _)| amount < a) {
            best = Some((amount, firm));
        }
        let late = if m.below(50) == 0 { 3_600 } else { -3_600 };
        bids.push(format!(
            r#"{{"id":"{i}-{firm}","status":"{status}","date":"{}","value":{{"amount":{amount},"currency":"CNY"}},"tenderers":[{{"id":"T{firm}","name":"Firm {firm}"}}]}}"#,
            iso(end + late)
        ));
    }
    let awards = match best {
        Some((amount, firm)) => {
            let items: Vec<String> = (0..1 + m.below(3))
                .map(|k| {
                    format!(
                        r#"{{"id":"{k}","classification":{{"scheme":"CPV","id":"{:08}"}},"quantity":1}}"#,
                        10_000_000 + m.below(80) * 1_000_000
                    )
                })
                .collect();
            format!(
                r#"[{{"id":"A{i}","status":"active","value":{{"amount":{amount},"currency":"CNY"}},"suppliers":[{{"id":"T{firm}"}}],"items":[{}]}}]"#,
                items.join(",")
            )
        }
        None => "[]".into(),
    };
    format!(
        r#"{{"ocid":"ocds-ggzy-{i}","date":"{}","buyer":{{"id":"B{}","name":"Buyer"}},"tender":{{"id":"{i}","status":"complete","procurementMethod":"{method}","procurementMethodDetails":"公开招标","numberOfTenderers":{n},"procuringEntity":{{"id":"P{}"}},"tenderPeriod":{{"startDate":"{}","endDate":"{}"}}}},"bids":{{"details":[{}]}},"awards":{awards}}}"#,
        iso(end),
        m.below(2_000),
        m.below(500),
        iso(start),
        iso(end),
        bids.join(",")
    )
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

pub(super) fn flags(n: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("releases.jsonl");
    let started = Instant::now();
    let mut out = BufWriter::new(std::fs::File::create(&path)?);
    let mut m = Mix(2026);
    for i in 0..n {
        writeln!(out, "{}", release(i, &mut m))?;
    }
    out.flush()?;
    drop(out);
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "generated {n} compiled releases ({:.0} MiB) in {:.1} s",
        bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let lines = || -> Result<std::io::Lines<std::io::BufReader<std::fs::File>>> {
        Ok(std::io::BufReader::new(std::fs::File::open(&path)?).lines())
    };

    let t = Instant::now();
    let mut values = 0usize;
    for l in lines()? {
        let v: serde_json::Value = serde_json::from_str(&l?)?;
        values += usize::from(v.is_object());
    }
    let base = t.elapsed().as_secs_f64();
    let rss_base = peak_rss_mib();

    let t = Instant::now();
    let mut engine = Engine::new(Settings::default());
    for l in lines()? {
        let r: Release = serde_json::from_str(&l?)?;
        engine.add(&r);
    }
    let flags = engine.finish();
    let took = t.elapsed().as_secs_f64();
    let rss = peak_rss_mib();
    let flagged = flags.ocid.len();
    println!(
        "baseline, parse every line into serde_json::Value: {:.0} releases/s ({values} objects)",
        n as f64 / base
    );
    println!(
        "ggzy flags, all eleven indicators: {:.0} releases/s, ratio {:.2} of the baseline; {flagged} processes and {} tenderers flagged",
        n as f64 / took,
        base / took,
        flags.tenderer.len()
    );
    if let (Some(b), Some(p)) = (rss_base, rss) {
        println!(
            "peak resident memory of the process: {p:.0} MiB (after the baseline: {b:.0} MiB)"
        );
    }
    Ok(())
}
