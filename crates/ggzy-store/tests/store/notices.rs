//! Disclosure: the catalogue admins keep and every publication obeys, search by Chinese words
//! with filters and facets, and a feed whose cursor never skips or repeats under racing
//! publishers.

use crate::support::{code, seeded, who};
use chrono::{DateTime, Duration, Utc};
use ggzy_core::notice::DEFAULT_CATALOGUE;
use ggzy_store::Db;
use ggzy_store::notices::{self, FeedFilter, NewNotice, NoticeKindEdit, SearchQuery};
use std::collections::BTreeSet;
use uuid::Uuid;

async fn publish(db: &Db, n: NewNotice<'_>, at: DateTime<Utc>) -> Result<Uuid, String> {
    let mut tx = db.begin().await.expect("begin");
    match notices::publish(&mut tx, &n, at).await {
        Ok((id, _)) => {
            tx.commit().await.expect("commit");
            Ok(id)
        }
        Err(e) => Err(code(&e)),
    }
}

fn result<'a>(title: &'a str, body: &'a str, region: &'a str) -> NewNotice<'a> {
    NewNotice {
        trade_kind: "construction",
        notice_kind: "result",
        title,
        body,
        region,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_catalogue_ships_every_kind_and_a_publication_must_carry_its_content() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let kinds = notices::catalogue(db).await.expect("catalogue");
        assert_eq!(kinds.len(), DEFAULT_CATALOGUE.len());
        let result_kind = kinds
            .iter()
            .find(|k| k.kind.trade_kind == "construction" && k.kind.code == "result")
            .expect("result");
        assert_eq!(result_kind.required_content, ["统一交易标识码", "中标人"]);

        // Just inside: every label present. Just outside: one missing, named with its basis.
        let ok = publish(
            db,
            result("结果", "统一交易标识码：X\n中标人：甲", "330200"),
            now,
        )
        .await;
        assert!(ok.is_ok(), "{ok:?}");
        let missing = publish(db, result("结果", "统一交易标识码：X", "330200"), now).await;
        assert_eq!(missing, Err("notice.missing_content".into()));
        let unknown = publish(
            db,
            NewNotice {
                notice_kind: "gossip",
                ..result("x", "x", "330200")
            },
            now,
        )
        .await;
        assert_eq!(unknown, Err("notice.not_in_catalogue".into()));

        // Only an admin keeps the catalogue; a new requirement holds from the next notice.
        let edit = NoticeKindEdit {
            required_content: vec!["统一交易标识码".into(), "中标人".into(), "中标价".into()],
            min_days: Some(3),
            working_days: false,
            moment_zh: "确定中标人后".into(),
            moment_en: "when the winner is decided".into(),
            basis: "招标投标法 第45条".into(),
            confidence: "secondary".into(),
        };
        let staff = who(db, "staff").await;
        let refused = notices::update_kind(db, &staff, "construction", "result", &edit, now).await;
        assert_eq!(code(&refused.expect_err("staff")), "forbidden:config_admin");
        let admin = who(db, "admin").await;
        let bad = NoticeKindEdit {
            min_days: Some(366),
            ..edit.clone()
        };
        let refused = notices::update_kind(db, &admin, "construction", "result", &bad, now).await;
        assert_eq!(
            code(&refused.expect_err("366 days")),
            "catalogue.bad_period"
        );
        let kept = notices::update_kind(db, &admin, "construction", "result", &edit, now)
            .await
            .expect("admin");
        assert_eq!(kept.required_content.len(), 3);
        assert_eq!(kept.kind.min_days, Some(3));
        let now_missing = publish(
            db,
            result("结果", "统一交易标识码：X\n中标人：甲", "330200"),
            now,
        )
        .await;
        assert_eq!(now_missing, Err("notice.missing_content".into()));
        // A restart seeds only what is missing: the admin's line stays.
        ggzy_store::migrate(db).await.expect("migrate");
        let again = notices::catalogue(db).await.expect("catalogue");
        assert!(
            again
                .iter()
                .any(|k| k.kind.code == "result" && k.required_content.len() == 3)
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_demo_city_is_found_by_chinese_words_and_every_filter_narrows_it() {
    for (t, now) in seeded().await {
        let db = &t.db;
        let road = "鄞州区东钱湖大道改造工程施工中标结果公告";
        let body = "统一交易标识码：T1\n中标人：宁波路桥建设有限公司\n本工程为东钱湖大道改造，全长3.2公里。";
        let big = publish(
            db,
            NewNotice {
                amount: Some(52_000_000_00),
                deal_code: Some("T1"),
                ..result(road, body, "330212")
            },
            now,
        )
        .await
        .expect("road");
        let small = publish(
            db,
            NewNotice {
                amount: Some(800_000_00),
                deal_code: Some("T2"),
                ..result(
                    "海曙区学校食堂改造工程中标结果公告",
                    "统一交易标识码：T2\n中标人：海曙建工",
                    "330203",
                )
            },
            now + Duration::days(3),
        )
        .await
        .expect("school");
        let search = |q: SearchQuery| async move { notices::search(db, &q).await };

        // Words, not substrings: 改造 finds both; 钱湖 is no word of either title.
        let both = search(SearchQuery {
            q: "改造 工程".into(),
            ..Default::default()
        })
        .await
        .expect("search");
        let ids: BTreeSet<Uuid> = both.hits.iter().map(|h| h.notice.id).collect();
        assert!(ids.contains(&big) && ids.contains(&small), "{ids:?}");
        assert_eq!(
            both.total,
            both.facets.trade_kind.iter().map(|f| f.count).sum::<i64>()
        );
        let partial = search(SearchQuery {
            q: "钱湖大".into(),
            ..Default::default()
        })
        .await
        .expect("search");
        assert!(
            partial.hits.iter().all(|h| h.notice.id != big),
            "{:?}",
            partial.terms
        );
        let road_hit = search(SearchQuery {
            q: "东钱湖大道".into(),
            ..Default::default()
        })
        .await
        .expect("search");
        assert_eq!(road_hit.hits.first().map(|h| h.notice.id), Some(big));
        let marked: Vec<&str> = road_hit.hits[0]
            .snippet
            .iter()
            .filter(|f| f.hit)
            .map(|f| f.text.as_str())
            .collect();
        assert!(!marked.is_empty(), "{:?}", road_hit.hits[0].snippet);

        // Ranking: a title naming the words comes before a newer notice naming them only in
        // its text; by date, the newer first.
        let in_text = publish(
            db,
            result(
                "海曙区某项目中标结果公告",
                "统一交易标识码：T3\n中标人：甲\n内容：学校食堂维修",
                "330203",
            ),
            now + Duration::days(4),
        )
        .await
        .expect("text only");
        let order = |r: &notices::SearchResult| -> Vec<Uuid> {
            r.hits
                .iter()
                .map(|h| h.notice.id)
                .filter(|id| [small, in_text].contains(id))
                .collect()
        };
        let ranked = search(SearchQuery {
            q: "学校 食堂".into(),
            ..Default::default()
        })
        .await
        .expect("ranked");
        assert_eq!(order(&ranked), [small, in_text], "{}", t.name);
        let newest = search(SearchQuery {
            q: "学校 食堂".into(),
            sort: Some("date".into()),
            ..Default::default()
        })
        .await
        .expect("by date");
        assert_eq!(order(&newest), [in_text, small], "{}", t.name);

        // Region with its branches: the city finds both, a district only its own.
        let city = search(SearchQuery {
            q: "改造".into(),
            region: Some("330200".into()),
            ..Default::default()
        })
        .await
        .expect("city");
        assert!(city.hits.iter().any(|h| h.notice.id == small));
        let district = search(SearchQuery {
            q: "改造".into(),
            region: Some("330212".into()),
            ..Default::default()
        })
        .await
        .expect("district");
        assert!(
            district
                .hits
                .iter()
                .all(|h| h.notice.region_code == "330212")
        );
        assert!(district.hits.iter().any(|h| h.notice.id == big));

        // Amount: just inside and just outside ¥52,000,000.
        for (min, found) in [("52000000", true), ("52000000.01", false)] {
            let r = search(SearchQuery {
                q: "改造".into(),
                min_amount: Some(min.into()),
                ..Default::default()
            })
            .await
            .expect("amount");
            assert_eq!(r.hits.iter().any(|h| h.notice.id == big), found, "{min}");
        }
        // Dates are Beijing days: the school notice is three days later.
        let day = |d: DateTime<Utc>| {
            (d + Duration::hours(8))
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        };
        let first_day = search(SearchQuery {
            q: "改造".into(),
            from: Some(day(now)),
            to: Some(day(now)),
            ..Default::default()
        })
        .await
        .expect("dates");
        assert!(first_day.hits.iter().any(|h| h.notice.id == big));
        assert!(first_day.hits.iter().all(|h| h.notice.id != small));
        // Newest first on request; facets count what matched.
        let by_date = search(SearchQuery {
            q: "改造".into(),
            sort: Some("date".into()),
            ..Default::default()
        })
        .await
        .expect("date");
        assert_eq!(by_date.hits.first().map(|h| h.notice.id), Some(small));
        let regions: Vec<(&str, i64)> = by_date
            .facets
            .region
            .iter()
            .map(|f| (f.value.as_str(), f.count))
            .collect();
        assert!(regions.contains(&("330212", 1)) || regions.iter().any(|r| r.0 == "330212"));
        // Paging.
        let page2 = search(SearchQuery {
            q: "改造".into(),
            per_page: Some(1),
            page: Some(2),
            sort: Some("date".into()),
            ..Default::default()
        })
        .await
        .expect("page 2");
        assert_eq!(page2.hits.len(), 1);
        assert_ne!(page2.hits[0].notice.id, small);
        // A bad filter is refused on its field.
        let bad = search(SearchQuery {
            region: Some("3302".into()),
            ..Default::default()
        })
        .await
        .expect_err("bad region");
        assert_eq!(code(&bad), "region.code");

        // No words: everything, newest first; and names suggest themselves.
        let all = search(SearchQuery::default()).await.expect("all");
        assert_eq!(all.sort, "date");
        assert_eq!(all.hits.first().map(|h| h.notice.id), Some(in_text));
        let companies = notices::suggest(db, "宁波").await.expect("suggest");
        assert!(
            companies.iter().any(|s| s.kind == "company"),
            "{companies:?}"
        );
        assert!(
            notices::suggest(db, "%")
                .await
                .expect("suggest")
                .iter()
                .all(|s| s.text.contains('%'))
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_feed_cursor_never_skips_or_repeats_while_publishers_race_readers() {
    for (t, now) in seeded().await {
        let db = t.db.clone();
        let start: Vec<_> = notices::feed(&db, None, &FeedFilter::default(), 500)
            .await
            .expect("feed");
        let cursor0 = start.last().map(|n| n.seq);
        const PUBLISHERS: usize = 4;
        const EACH: usize = 15;
        let mut tasks = Vec::new();
        for p in 0..PUBLISHERS {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..EACH {
                    let title = format!("并发发布测试{p}号第{i}条");
                    let id = publish(
                        &db,
                        result(&title, "统一交易标识码：R\n中标人：甲", "330200"),
                        now,
                    )
                    .await
                    .expect("publish");
                    ids.push(id);
                }
                ids
            }));
        }
        let reader = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut cursor = cursor0;
                let mut seen = Vec::new();
                for _ in 0..20_000 {
                    let page = notices::feed(&db, cursor, &FeedFilter::default(), 7)
                        .await
                        .expect("feed");
                    if let Some(last) = page.last() {
                        cursor = Some(last.seq);
                    }
                    seen.extend(page.into_iter().map(|n| (n.seq, n.id)));
                    if seen.len() >= PUBLISHERS * EACH {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                }
                seen
            })
        };
        let mut published = BTreeSet::new();
        for task in tasks {
            published.extend(task.await.expect("publisher"));
        }
        let seen = reader.await.expect("reader");
        let seqs: Vec<i64> = seen.iter().map(|s| s.0).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "out of order: {seqs:?}"
        );
        let ids: BTreeSet<Uuid> = seen.iter().map(|s| s.1).collect();
        assert_eq!(ids.len(), seen.len(), "a notice came twice");
        assert_eq!(ids, published, "the feed skipped a notice");
        // Filters: a district's feed carries none of the city's notices.
        let district = FeedFilter {
            region: Some(ggzy_core::region::DivisionCode::parse("r", "330212").expect("code")),
            ..Default::default()
        };
        let none = notices::feed(&db, cursor0, &district, 500)
            .await
            .expect("feed");
        assert!(none.is_empty());
        t.cleanup().await;
    }
}
