//! Snapshots of what people read of a lot: its tender notice, its opening record and its log.
//! Every backend is held to the same snapshot, so the backends also agree with each other. Ids,
//! hashes and signatures differ from run to run and are replaced by their kind.

use crate::support::{seeded, who};
use chrono::Duration;
use ggzy_demo::tendering::{self as demo_tendering, Walk};
use ggzy_store::tendering::bids;
use ggzy_store::vault::BidVault;
use ggzy_store::{events, notices};
use serde_json::{Value, json};
use std::sync::Arc;

/// `[uuid]` for an id, `[hex]` for a hash, key or signature, `[size]` for a sealed envelope's
/// length (its signature's encoding varies by a few bytes): what changes between runs.
fn normalized(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(normal_text(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(normalized).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| match k.as_str() {
                    "envelope_size" => (k, json!("[size]")),
                    _ => (k, normalized(v)),
                })
                .collect(),
        ),
        other => other,
    }
}

fn normal_text(s: &str) -> String {
    s.split_inclusive(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .map(|part| {
            let word = part.trim_end_matches(|c: char| !(c.is_ascii_hexdigit() || c == '-'));
            let rest = &part[word.len()..];
            if uuid::Uuid::parse_str(word).is_ok() && word.len() == 36 {
                format!("[uuid]{rest}")
            } else if word.len() >= 32 && word.chars().all(|c| c.is_ascii_hexdigit()) {
                format!("[hex]{rest}")
            } else {
                part.to_string()
            }
        })
        .collect()
}

#[test]
fn normalizing_replaces_ids_and_hashes_only() {
    let id = "0196b0a2-0000-7000-8000-000000000001";
    let hash = "ab".repeat(32);
    assert_eq!(
        normal_text(&format!("lot:{id} sm3 {hash}, 回执 R-0001")),
        "lot:[uuid] sm3 [hex], 回执 R-0001"
    );
}

#[tokio::test]
async fn a_lot_reads_the_same_on_every_backend() {
    for (t, now) in seeded().await {
        let vault = Arc::new(BidVault::temporary().expect("vault"));
        let t0 = now - Duration::days(20);
        let lot = demo_tendering::walk(&t.db, &vault, "快照工程", "open_tender", Walk::Opened, t0)
            .await
            .expect("walk");
        let principal = who(&t.db, "principal").await;

        let mut notice = None;
        for n in notices::latest(&t.db, "construction", 100)
            .await
            .expect("notices")
        {
            let n = ggzy_store::tendering::notices::notice(&t.db, n.id)
                .await
                .expect("notice");
            if n.lot_id == Some(lot) && n.notice_kind == "tender" {
                notice = Some(n);
            }
        }
        let notice = notice.expect("the lot's tender notice");
        insta::assert_snapshot!(
            "tender_notice",
            normal_text(&format!("{}\n\n{}", notice.title, notice.body))
        );

        let record = bids::opening_record(&t.db, &principal, lot)
            .await
            .expect("record")
            .expect("opened");
        insta::assert_json_snapshot!(
            "opening_record",
            normalized(serde_json::to_value(&record).expect("json"))
        );

        let log: Vec<Value> = events::list(&t.db, Some(&format!("lot:{lot}")), None, 500)
            .await
            .expect("log")
            .into_iter()
            .rev()
            .map(|e| {
                let payload: Value = serde_json::from_str(&e.payload).expect("payload");
                json!({"kind": e.kind, "actor_role": e.actor_role, "at": e.at, "payload": normalized(payload)})
            })
            .collect();
        insta::assert_json_snapshot!("lot_log", log);
        t.cleanup().await;
    }
}
