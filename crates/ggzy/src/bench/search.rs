//! `ggzy bench --search-notices N`: full-text search over N notices of generated Chinese text,
//! against the same query as a `LIKE` scan on the same database in the same run; indexing
//! throughput, index size, and how soon a newly published notice is found.

use super::*;
use ggzy_store::notices::{self, NewNotice, SearchQuery};

const PLACES: [&str; 12] = [
    "海曙区",
    "鄞州区",
    "江北区",
    "北仑区",
    "镇海区",
    "奉化区",
    "余姚市",
    "慈溪市",
    "宁海县",
    "象山县",
    "东钱湖",
    "三江口",
];
const THINGS: [&str; 16] = [
    "道路",
    "桥梁",
    "学校",
    "医院",
    "综合管廊",
    "绿道",
    "污水处理厂",
    "体育馆",
    "图书馆",
    "地铁站",
    "停车场",
    "农贸市场",
    "堤防",
    "公园",
    "安置房",
    "变电站",
];
const WORKS: [&str; 8] = [
    "改造", "新建", "扩建", "维修", "提升", "加固", "改建", "绿化",
];
const SERVICES: [&str; 6] = ["施工", "监理", "设计", "勘察", "采购", "物业管理"];
const KINDS: [(&str, &str, &str); 6] = [
    ("construction", "tender", "招标公告"),
    ("construction", "candidates", "中标候选人公示"),
    ("construction", "result", "中标结果公告"),
    ("procurement", "tender", "采购公告"),
    ("procurement", "result", "中标（成交）结果公告"),
    ("land_mining", "announcement", "出让公告"),
];
const REGIONS: [&str; 3] = ["330200", "330203", "330212"];

struct Generated {
    trade_kind: &'static str,
    notice_kind: &'static str,
    title: String,
    body: String,
    region: &'static str,
    amount: i64,
    terms: String,
}

fn generate(i: usize, rnd: &mut impl FnMut() -> u64) -> Generated {
    let mut pick = |n: usize| (rnd() % n as u64) as usize;
    let place = PLACES[pick(PLACES.len())];
    let thing = THINGS[pick(THINGS.len())];
    let work = WORKS[pick(WORKS.len())];
    let service = SERVICES[pick(SERVICES.len())];
    let (trade_kind, notice_kind, label) = KINDS[pick(KINDS.len())];
    let region = REGIONS[pick(REGIONS.len())];
    let amount = (pick(50_000) as i64 + 10) * 1_000_000;
    let title = format!("宁波市{place}{thing}{work}工程{service}项目{label}");
    let body = format!(
        "{title}\n项目名称：宁波市{place}{thing}{work}工程\n统一交易标识码：A01-91330200MA2H00006C-20260101-{i:06}-001\n\
         估算价：¥{}.00\n一、招标范围\n本项目位于{place}，主要内容为{thing}{work}，包括土建、安装及配套{service}，计划工期三百六十五日历天。\n\
         二、投标人资格要求\n投标人须具备相应资质，近三年内完成过类似{thing}工程业绩，项目负责人须具备注册执业资格。本次招标不接受联合体投标。\n\
         三、时间安排\n文件获取、投标截止和开标时间详见招标文件。\n四、文件获取\n凡在本平台注册的主体均可在线免费获取文件。\n五、联系方式\n招标人：宁波市{place}建设管理中心",
        amount / 100
    );
    let terms = notices::search_terms(trade_kind, notice_kind, region, &title, &body);
    Generated {
        trade_kind,
        notice_kind,
        title,
        body,
        region,
        amount,
        terms,
    }
}

const COLUMNS: usize = 10;

/// Insert `n` generated notices in batches, cutting their words on every core; notices/s.
async fn fill(db: &Db, n: usize) -> Result<f64> {
    let start = Instant::now();
    let t0 = Utc::now() - chrono::Duration::days(400);
    let batch = 500;
    let workers = std::thread::available_parallelism().map_or(2, |c| c.get());
    let mut done = 0;
    while done < n {
        let size = batch.min(n - done);
        let per = size.div_ceil(workers);
        let mut handles = Vec::new();
        for w in 0..workers {
            let from = done + w * per;
            let to = (from + per).min(done + size);
            handles.push(tokio::task::spawn_blocking(move || {
                let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (from as u64).wrapping_mul(0x2545_f491);
                let mut rnd = move || {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                };
                (from..to)
                    .map(|i| (i, generate(i, &mut rnd)))
                    .collect::<Vec<_>>()
            }));
        }
        let mut rows = Vec::with_capacity(size);
        for h in handles {
            rows.extend(h.await?);
        }
        let placeholders: Vec<String> = (0..rows.len())
            .map(|r| {
                let p: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", r * COLUMNS + c))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO notices (id, seq, trade_kind, notice_kind, title, region_code, body, published_at, amount, terms) VALUES {}",
            placeholders.join(", ")
        );
        let mut tx = db.begin().await?;
        ggzy_store::on_tx!(&mut tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (i, g) in &rows {
                q = q
                    .bind(uuid::Uuid::now_v7())
                    .bind(*i as i64 + 1_000_000_000)
                    .bind(g.trade_kind)
                    .bind(g.notice_kind)
                    .bind(&g.title)
                    .bind(g.region)
                    .bind(&g.body)
                    .bind(t0 + chrono::Duration::seconds(*i as i64 * 30))
                    .bind(g.amount)
                    .bind(&g.terms);
            }
            q.execute(c).await.map(|_| ())?
        });
        tx.commit().await?;
        done += size;
    }
    // What autovacuum (PostgreSQL) or `PRAGMA optimize` and the scheduler's index merges
    // (SQLite) do in production while notices keep coming.
    ggzy_store::db_exec!(db, "ANALYZE");
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let merging = Instant::now();
    notices::merge_index(db, 1_000_000).await?;
    println!(
        "index segments merged in {:.1} s",
        merging.elapsed().as_secs_f64()
    );
    Ok(rate)
}

/// The same question as a `LIKE` scan: each word a substring of the title or body, the same two
/// filters, the newest 20 and the three facet counts.
async fn like_scan(db: &Db, words: &[&str], trade: &str, region_prefix: &str) -> Result<usize> {
    let cond = words
        .iter()
        .map(|w| format!("(n.title LIKE '%{w}%' OR n.body LIKE '%{w}%')"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let from = format!(
        "FROM notices n JOIN regions r ON r.code = n.region_code WHERE {cond} AND n.trade_kind = $1 AND n.region_code LIKE $2"
    );
    let list = format!("SELECT n.id {from} ORDER BY n.seq DESC LIMIT 20");
    let rows: Vec<(uuid::Uuid,)> =
        ggzy_store::db_all!(db, sqlx::AssertSqlSafe(list), trade, region_prefix);
    for col in ["n.trade_kind", "n.notice_kind", "n.region_code"] {
        let sql = format!("SELECT {col}, COUNT(*) {from} GROUP BY {col}");
        let _: Vec<(String, i64)> =
            ggzy_store::db_all!(db, sqlx::AssertSqlSafe(sql), trade, region_prefix);
    }
    Ok(rows.len())
}

fn p(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

async fn index_bytes(db: &Db) -> Result<Option<i64>> {
    Ok(match db {
        Db::Pg(p) => {
            let (b,): (i64,) = sqlx::query_as("SELECT pg_relation_size('notices_tsv')")
                .fetch_one(p)
                .await?;
            Some(b)
        }
        Db::Sqlite(p) => sqlx::query_as::<_, (i64,)>(
            "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'notice_search%'",
        )
        .fetch_one(p)
        .await
        .ok()
        .map(|r| r.0),
    })
}

async fn search_on(db: &Db, name: &str, n: usize, runs: usize) -> Result<()> {
    ggzy_demo::seed(db, Utc::now()).await?;
    let rate = fill(db, n).await?;
    match index_bytes(db).await? {
        Some(b) => println!(
            "{name}: indexed {n} notices at {rate:.0}/s (words cut and inserted); full-text index {:.1} MiB ({:.0} bytes/notice)",
            b as f64 / 1048576.0,
            b as f64 / n as f64
        ),
        None => println!(
            "{name}: indexed {n} notices at {rate:.0}/s; index size not reported by this build"
        ),
    }
    let q = SearchQuery {
        q: "道路 改造".into(),
        trade_kind: Some("construction".into()),
        region: Some("330212".into()),
        ..Default::default()
    };
    let mut fts = Vec::with_capacity(runs);
    let mut like = Vec::with_capacity(runs);
    let mut total = 0;
    for i in 0..runs {
        let t = Instant::now();
        let r = notices::search(db, &q).await?;
        fts.push(t.elapsed());
        total = r.total;
        // The baseline is slow: time it on every tenth run only.
        if i % 10 == 0 {
            let t = Instant::now();
            like_scan(db, &["道路", "改造"], "construction", "330212%").await?;
            like.push(t.elapsed());
        }
    }
    fts.sort();
    like.sort();
    println!(
        "{name}: \"道路 改造\" + trade + region over {n} notices ({total} match): full-text p50 {:.1} ms, p99 {:.1} ms; LIKE scan p50 {:.0} ms, p99 {:.0} ms; p99 ratio {:.0}x faster",
        p(&fts, 0.5),
        p(&fts, 0.99),
        p(&like, 0.5),
        p(&like, 0.99),
        p(&like, 0.99) / p(&fts, 0.99).max(1e-6)
    );
    // A notice published now is found by its words as soon as its transaction commits.
    let start = Instant::now();
    let mut tx = db.begin().await?;
    notices::publish(
        &mut tx,
        &NewNotice {
            trade_kind: "construction",
            notice_kind: "result",
            title: "宁波市象山县渔港防波堤加固工程中标结果公告",
            body: "统一交易标识码：B1\n中标人：宁波港航建设有限公司",
            region: "330212",
            ..Default::default()
        },
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    let found = notices::search(
        db,
        &SearchQuery {
            q: "防波堤".into(),
            ..Default::default()
        },
    )
    .await?;
    println!(
        "{name}: a newly published notice found by search {:.1} ms after publishing began ({} hit)",
        start.elapsed().as_secs_f64() * 1e3,
        found.total
    );
    Ok(())
}

pub(super) async fn search(n: usize, runs: usize, pg_url: Option<&str>) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let sqlite = Db::open_sqlite(&dir.path().join("search.db")).await?;
    ggzy_store::migrate(&sqlite).await?;
    search_on(&sqlite, "SQLite", n, runs).await?;
    sqlite.close().await;
    match pg_url.filter(|u| !u.is_empty()) {
        Some(_) => {
            let t = ggzy_demo::testing::TestDb::postgres()
                .await
                .context("PostgreSQL test database")?;
            search_on(&t.db, "PostgreSQL", n, runs).await?;
            t.cleanup().await;
        }
        None => println!("PostgreSQL: skipped (pass --pg-url or set GGZY_TEST_PG_URL)"),
    }
    Ok(())
}
