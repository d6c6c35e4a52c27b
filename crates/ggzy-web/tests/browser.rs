//! One real-browser test in headless Chromium: register an entity through the form, sign in, see
//! the workspace. Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them and runs
//! this with `--features browser`. Screenshots go to `GGZY_SCREENSHOTS` when it is set.

use fantoccini::{ClientBuilder, Locator};
use ggzy_demo::testing::TestDb;
use ggzy_web::Config;
use std::time::{Duration, Instant};

struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver() -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let child = std::process::Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e} (install Debian's chromium-driver)"));
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (Driver(child), format!("http://127.0.0.1:{port}"))
}

async fn shot(c: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("GGZY_SCREENSHOTS") {
        let png = c.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(format!("{dir}/{name}.png"), png).expect("write");
    }
}

async fn fill(c: &fantoccini::Client, name: &str, value: &str) {
    let el = c
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(&format!("[name=\"{name}\"]")))
        .await
        .unwrap_or_else(|e| panic!("field {name}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
}

async fn click(c: &fantoccini::Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Waits for the element: a click on a submit button returns before the next page has loaded.
async fn text_of(c: &fantoccini::Client, css: &str) -> String {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

/// The element's text once it holds `want` (a submitted form reloads the same page), or what it
/// held after 20 seconds.
async fn text_until(c: &fantoccini::Client, css: &str, want: &str) -> String {
    let mut last = String::new();
    for _ in 0..80 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if t.contains(want) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    last
}

#[tokio::test]
async fn register_an_entity_and_sign_in_in_a_real_browser() {
    let t = TestDb::sqlite().await;
    let base = ggzy_demo::app::spawn_app(&t.db, Config::default())
        .await
        .base;

    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1600",
                     format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("webdriver session");

    c.goto(&format!("{base}/")).await.expect("home");
    let body = text_of(&c, "main").await;
    assert!(
        body.contains("暂无公告"),
        "home explains its empty notice lists"
    );
    shot(&c, "home").await;

    click(&c, "a.btn.small[href='/register']").await;
    let code = (0..100)
        .find_map(|k| ggzy_core::uscc::complete(&format!("91330203MA2B{:04}", 100 + k)))
        .expect("code");
    // First with a wrong check character: the page says which field and why.
    let wrong = format!(
        "{}{}",
        &code.as_str()[..17],
        if code.as_str().ends_with('1') {
            '2'
        } else {
            '1'
        }
    );
    for (name, value) in [
        ("entity.uscc", wrong.as_str()),
        ("entity.name", "宁波浏览器测试有限公司"),
        ("entity.legal_representative", "钱七"),
        ("entity.contact_name", "钱七"),
        ("entity.contact_phone", "13857401234"),
        ("user.username", "qianqi"),
        ("user.display_name", "钱七"),
        ("user.password", "Browser-pass-2026"),
        ("user.password_confirm", "Browser-pass-2026"),
    ] {
        fill(&c, name, value).await;
    }
    click(&c, "form[action='/register'] button[type=submit]").await;
    let err = text_of(&c, "[id=\"entity.uscc-err\"]").await;
    assert!(
        err.contains("校验"),
        "credit-code error explains the check: {err}"
    );
    shot(&c, "register-error").await;

    fill(&c, "entity.uscc", code.as_str()).await;
    fill(&c, "user.password", "Browser-pass-2026").await;
    fill(&c, "user.password_confirm", "Browser-pass-2026").await;
    click(&c, "form[action='/register'] button[type=submit]").await;
    let notice = text_of(&c, "p.ok").await;
    assert!(notice.contains("qianqi"), "{notice}");
    shot(&c, "login").await;

    fill(&c, "username", "qianqi").await;
    fill(&c, "password", "Browser-pass-2026").await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    c.wait()
        .for_url(&url::Url::parse(&format!("{base}/workspace")).expect("url"))
        .await
        .expect("workspace");
    let ws = text_of(&c, "main").await;
    assert!(
        ws.contains("宁波浏览器测试有限公司") && ws.contains(code.as_str()),
        "{ws}"
    );
    shot(&c, "workspace").await;

    c.goto(&format!("{base}/lang?to=en")).await.expect("lang");
    let home = text_of(&c, "main").await;
    assert!(home.contains("No notices yet"));
    c.close().await.expect("close");
    t.cleanup().await;
}

async fn browser(url: &str, profile: &std::path::Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1800",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(url)
        .await
        .expect("webdriver session")
}

async fn sign_in(c: &fantoccini::Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    fill(c, "username", user).await;
    fill(c, "password", ggzy_demo::DEMO_PASSWORD).await;
    // Accounts with a second factor type the code their authenticator shows at the server's time.
    if let Some(secret) = ggzy_demo::accounts_listing()
        .into_iter()
        .find(|a| a.username == user)
        .and_then(|a| a.totp_secret)
    {
        let health: serde_json::Value = reqwest::get(format!("{base}/healthz"))
            .await
            .expect("healthz")
            .json()
            .await
            .expect("json");
        let now: chrono::DateTime<chrono::Utc> = health["now"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("server time");
        let code =
            ggzy_store::accounts::totp::code_at(&secret, now.timestamp() as u64).expect("code");
        fill(c, "totp", &code).await;
    }
    click(c, "form[action='/login'] button[type=submit]").await;
    c.wait()
        .for_url(&url::Url::parse(&format!("{base}/workspace")).expect("url"))
        .await
        .expect("signed in");
}

async fn sign_out(c: &fantoccini::Client) {
    click(c, "form[action='/logout'] button").await;
    c.wait()
        .for_element(Locator::Css("a[href='/login']"))
        .await
        .expect("signed out");
}

/// Beijing wall-clock for a datetime-local input.
fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn a_tender_from_notice_to_opening_record_in_a_real_browser() {
    let t = TestDb::sqlite().await;
    let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
    let t0 = ggzy_demo::testing::epoch();
    clock.set(t0);
    let app = ggzy_demo::app::spawn_app_with_clock(&t.db, Config::default(), clock.clone()).await;
    let base = app.base.clone();
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;

    // The principal registers a project (进场登记) and publishes its notice.
    sign_in(&c, &base, "principal").await;
    c.goto(&format!("{base}/projects/new"))
        .await
        .expect("intake");
    for (k, v) in [
        ("name", "浏览器测试道路工程"),
        ("total_investment", "30000000"),
        ("state_budget", "30000000"),
        ("lot_name", "施工标段"),
        ("estimated_price", "25000000"),
        ("bid_bond", "900000"),
        ("max_price", ""),
        ("supervising_department", "宁波市住房和城乡建设局"),
        // The principal's own scoring criteria: price 60, two subjective and one objective.
        ("price_points", "60"),
        ("c1_name", "施工组织设计"),
        ("c1_points", "25"),
        ("c2_name", "项目管理机构"),
        ("c2_points", "10"),
        ("c3_name", "类似工程业绩"),
        ("c3_points", "5"),
    ] {
        fill(&c, k, v).await;
    }
    click(&c, "form[action='/projects/new'] button[type=submit]").await;
    let err = text_of(&c, ".field.invalid .err").await;
    assert!(
        err.contains("2%") && err.contains("第26条"),
        "the bond over 2% is refused with its rule: {err}"
    );
    shot(&c, "intake-error").await;
    fill(&c, "bid_bond", "500000").await;
    click(&c, "form[action='/projects/new'] button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("registered"));
    let lot_url = c.current_url().await.expect("url");
    let lot_path = lot_url.path().to_string();
    // Before the notice the principal states the qualifications bidders must hold; an unknown
    // type is fine (the registry grows), a grade is picked from the ladders.
    fill(&c, "name", "建筑工程施工总承包").await;
    c.execute(
        "document.getElementById('q-grade-0').value = '二级'",
        vec![],
    )
    .await
    .expect("grade");
    shot(&c, "lot-qualifications-form").await;
    click(&c, "#qualifications-form button[type=submit]").await;
    let stated = text_until(&c, "#qualifications", "建筑工程施工总承包 二级及以上").await;
    assert!(stated.contains("建筑工程施工总承包 二级及以上"), "{stated}");
    // The walk's other bidders build roads: the principal widens the conditions again.
    c.find(Locator::Css("#q-name-0"))
        .await
        .expect("field")
        .clear()
        .await
        .expect("clear");
    c.execute("document.getElementById('q-grade-0').value = ''", vec![])
        .await
        .expect("grade");
    click(&c, "#qualifications-form button[type=submit]").await;
    let stated = text_until(&c, "#qualifications", "未要求特定资质").await;
    assert!(stated.contains("未要求特定资质"), "{stated}");
    let deadline = t0 + chrono::Duration::days(21);
    for (k, v) in [
        ("documents_from", local(t0 + chrono::Duration::hours(1))),
        ("documents_until", local(t0 + chrono::Duration::days(6))),
        ("bid_deadline", local(t0 + chrono::Duration::days(19))),
    ] {
        c.execute(
            &format!("document.querySelector('[name={k}]').value = '{v}';"),
            vec![],
        )
        .await
        .expect("set date");
    }
    fill(&c, "scope", "道路新建，工期 300 日历天").await;
    fill(&c, "qualification", "市政公用工程施工总承包三级及以上").await;
    fill(&c, "contact", "陈工 0574-87000000").await;
    fill(&c, "documents", "招标文件正文（测试）").await;
    click(&c, "#notice-form button[type=submit]").await;
    let refused = text_of(&c, ".alert li").await;
    assert!(
        refused.contains("20") && refused.contains("第24条"),
        "19 days to the deadline is refused citing 法 Art 24: {refused}"
    );
    shot(&c, "notice-refused").await;
    for (k, v) in [
        ("documents_from", local(t0 + chrono::Duration::hours(1))),
        ("documents_until", local(t0 + chrono::Duration::days(6))),
        ("bid_deadline", local(deadline)),
    ] {
        c.execute(
            &format!("document.querySelector('[name={k}]').value = '{v}';"),
            vec![],
        )
        .await
        .expect("set date");
    }
    for (k, v) in [
        ("scope", "道路新建，工期 300 日历天"),
        ("qualification", "市政公用工程施工总承包三级及以上"),
        ("contact", "陈工 0574-87000000"),
        ("documents", "招标文件正文（测试）"),
    ] {
        fill(&c, k, v).await;
    }
    click(&c, "#notice-form button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("notice"));
    assert!(text_of(&c, "#stage").await.contains("招标中"));
    sign_out(&c).await;

    // A bidder gets the documents and uploads its bid; the receipt shows the package's SM3.
    clock.set(t0 + chrono::Duration::days(3));
    sign_in(&c, &base, "bidder").await;
    c.goto(&format!("{base}{lot_path}")).await.expect("lot");
    click(&c, "ul.notices a[href^='/documents/']").await;
    assert!(text_of(&c, "pre.doc").await.contains("招标文件正文"));
    c.goto(&format!("{base}{lot_path}")).await.expect("lot");
    // The key tool: the demo signing key is listed; a new pair made in the page registers.
    c.goto(&format!("{base}/keys")).await.expect("keys");
    assert!(text_of(&c, "main").await.contains("投标签名"));
    click(&c, "#keygen").await;
    let public = c
        .find(Locator::Css("#k-pub"))
        .await
        .expect("public key field")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert_eq!(
        public.len(),
        130,
        "an uncompressed SM2 public key was made in the page"
    );
    shot(&c, "keys").await;
    click(&c, "#key-form button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("公钥已登记"));
    c.goto(&format!("{base}{lot_path}")).await.expect("lot");
    // The bid is sealed in the page: the form, the files and the entity's key file never leave the
    // machine unencrypted.
    let pkg = profile.path().join("投标文件.txt");
    std::fs::write(&pkg, b"browser bid package").expect("package");
    let keyfile = profile.path().join("bidder.ggzykey.json");
    std::fs::write(
        &keyfile,
        serde_json::to_vec(&ggzy_seal::keys::KeyFile::new(
            "bidder",
            &ggzy_demo::demo_key("bidder/bid_signing"),
        ))
        .expect("json"),
    )
    .expect("key file");
    for (k, v) in [
        ("price", "24800000"),
        ("price_in_words", "人民币贰仟肆佰捌拾万元整"),
        ("duration_days", "290"),
        ("project_manager", "王建军"),
    ] {
        fill(&c, k, v).await;
    }
    for (name, path) in [("files", &pkg), ("keyfile", &keyfile)] {
        c.find(Locator::Css(&format!("#bid-form input[name={name}]")))
            .await
            .expect("file input")
            .send_keys(&path.display().to_string())
            .await
            .expect("choose file");
    }
    shot(&c, "bid-sealing-form").await;
    click(&c, "#bid-form button[type=submit]").await;
    let receipt = text_of(&c, "#receipt").await;
    assert!(
        receipt.contains("回执") && receipt.contains("SM3"),
        "{receipt}"
    );
    // The page's signed receipt verifies offline.
    let href = c
        .find(Locator::Css("#receipt-download"))
        .await
        .expect("download link")
        .attr("href")
        .await
        .expect("attr")
        .expect("href");
    let json = href.split_once(',').expect("data url").1;
    let json: String =
        url::form_urlencoded::parse(format!("x={}", json.replace('+', "%2B")).as_bytes())
            .next()
            .expect("decoded")
            .1
            .into_owned();
    let signed: ggzy_store::receipts::SignedReceipt =
        serde_json::from_str(&json).expect("receipt json");
    ggzy_store::receipts::verify(&signed, Some(&app.state.key.public_hex())).expect("verifies");
    shot(&c, "bid-receipt").await;

    // Two more bidders (sealed by their tools), then the deadline passes and the opening convenes.
    let lot: uuid::Uuid = lot_path
        .trim_start_matches("/lots/")
        .parse()
        .expect("lot id");
    for (i, u) in ["entity03", "entity05"].iter().enumerate() {
        let a = ggzy_store::accounts::actor_of(&t.db, u, "127.0.0.1")
            .await
            .expect("actor");
        let at = t0 + chrono::Duration::days(4);
        let envelope = ggzy_demo::tendering::seal_bid(
            &t.db,
            lot,
            u,
            &ggzy_demo::tendering::bid_form(i + 1),
            vec![("bid.txt".into(), u.as_bytes().to_vec())],
        )
        .await
        .expect("seal");
        ggzy_store::tendering::bids::submit(
            &t.db,
            &app.state.vault,
            &a,
            lot,
            envelope,
            &ggzy_store::tendering::bids::Origin::default(),
            &move || at,
        )
        .await
        .expect("bid");
    }
    sign_out(&c).await;
    clock.set(deadline + chrono::Duration::seconds(2));
    let start = Instant::now();
    while ggzy_store::tendering::sealing::opening_key(&t.db, lot)
        .await
        .expect("key")
        .and_then(|k| k.convened_at)
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the opening did not convene"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A custodian decrypts its share in the page with its key file; two more follow with the CLI
    // route (services here) and the third share opens the lot.
    let ckey = profile.path().join("custodian.ggzykey.json");
    std::fs::write(
        &ckey,
        serde_json::to_vec(&ggzy_seal::keys::KeyFile::new(
            "custodian",
            &ggzy_demo::demo_key("custodian/custody"),
        ))
        .expect("json"),
    )
    .expect("key file");
    sign_in(&c, &base, "custodian").await;
    c.goto(&format!("{base}{lot_path}")).await.expect("lot");
    c.find(Locator::Css("form.share-form input[name=keyfile]"))
        .await
        .expect("share form")
        .send_keys(&ckey.display().to_string())
        .await
        .expect("choose key");
    assert!(text_of(&c, "#awaiting-shares").await.contains("0 / 3"));
    shot(&c, "custodian-share").await;
    click(&c, "form.share-form button[type=submit]").await;
    assert!(
        text_of(&c, "#done").await.contains("share"),
        "the share was accepted"
    );
    assert!(text_of(&c, "#sealing").await.contains("已提交"));
    sign_out(&c).await;
    for u in ["custodian2", "custodian3"] {
        let a = ggzy_store::accounts::actor_of(&t.db, u, "127.0.0.1")
            .await
            .expect("actor");
        let at = ggzy_core::clock::Clock::now(clock.as_ref());
        let sealed = ggzy_store::tendering::sealing::sealed_share(&t.db, &a, lot, at)
            .await
            .expect("sealed");
        let share = ggzy_demo::demo_key(&format!("{u}/custody"))
            .decrypt(&hex::decode(sealed.sealed_share).expect("hex"))
            .expect("decrypt");
        ggzy_store::tendering::sealing::submit_share(
            &t.db,
            &app.state.vault,
            &a,
            lot,
            &ggzy_store::tendering::sealing::ShareInput {
                share: hex::encode(share),
            },
            &move || at,
        )
        .await
        .expect("share");
    }
    // Eighteen days on, the bidder's session has long expired: sign in again.
    sign_in(&c, &base, "bidder").await;
    c.goto(&format!("{base}{lot_path}")).await.expect("lot");
    let record = text_of(&c, "main").await;
    assert!(
        record.contains("开标记录")
            && record.contains("人民币贰仟肆佰捌拾万元整")
            && record.contains("王建军"),
        "the envelope sealed in the browser opened on the platform: {record}"
    );
    assert_eq!(
        c.find_all(Locator::Css("#opening + p + .table-wrap tbody tr"))
            .await
            .expect("rows")
            .len(),
        3
    );
    assert!(text_of(&c, "#transcript + table").await.contains("已解密"));
    shot(&c, "opening-record").await;
    c.close().await.expect("close");
    t.cleanup().await;
}

/// A drawn expert in a real browser: accepts the invitation on the lot page, signs in on the day
/// with the identity number, and scores every bid; an out-of-range score comes back refused.
#[tokio::test]
async fn a_drawn_expert_accepts_signs_in_and_scores_in_a_real_browser() {
    use ggzy_demo::tendering::{self as demo_tendering, Walk};
    use ggzy_store::accounts::actor_of;
    use ggzy_store::experts::draw::{self, DrawInput, GroupInput, ReplyInput};
    let t = TestDb::sqlite().await;
    let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
    let now = ggzy_demo::testing::epoch();
    let t0 = now - chrono::Duration::days(22);
    // The walk runs at the server's own time: with the clock at now, the server's scheduler could
    // see the walk's bid deadline as past and open (and fail) the lot before the walk's bids are in.
    clock.set(t0);
    let app = ggzy_demo::app::spawn_app_with_clock(&t.db, Config::default(), clock.clone()).await;
    let base = app.base.clone();
    let lot = demo_tendering::walk(
        &t.db,
        &app.state.vault,
        "浏览器评标测试工程",
        "open_tender",
        Walk::Opened,
        t0,
    )
    .await
    .expect("opened lot");
    clock.set(now);
    // Centre staff draw the committee (the page form does the same through /lots/{id}/draw).
    let staff = actor_of(&t.db, "staff", "127.0.0.1").await.expect("staff");
    let input = DrawInput {
        groups: vec![
            GroupInput {
                specialty: "A08".into(),
                count: 3,
            },
            GroupInput {
                specialty: "A09".into(),
                count: 2,
            },
        ],
        representatives: vec![],
        evaluation_on: ggzy_store::tendering::day(now).to_string(),
        reply_within_minutes: Some(120),
        cross_region: vec![],
    };
    draw::request(&t.db, &staff, lot, &input, now)
        .await
        .expect("draw");
    let picks = draw::view(&t.db, &staff, lot)
        .await
        .expect("view")
        .expect("draw")
        .picks
        .expect("picks");
    let me = picks[0].username.clone();
    for p in &picks[1..] {
        let a = actor_of(&t.db, &p.username, "127.0.0.1")
            .await
            .expect("expert");
        draw::reply(
            &t.db,
            &a,
            lot,
            &ReplyInput {
                accept: true,
                reason: String::new(),
            },
            now,
        )
        .await
        .expect("accept");
    }

    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    sign_in(&c, &base, &me).await;
    let lot_url = format!("{base}/lots/{lot}");
    c.goto(&lot_url).await.expect("lot");
    assert!(text_of(&c, "#invitation h3").await.contains("抽取"));
    shot(&c, "expert-invitation").await;
    click(&c, "#invitation button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("draw-reply"));
    // The committee is formed: the sign-in form shows the demo identity number to type.
    let hint = text_of(&c, "#check-in p.muted code").await;
    fill(&c, "id_number", "110105194912310021").await;
    click(&c, "#check-in button[type=submit]").await;
    assert!(
        text_of(&c, ".alert li")
            .await
            .contains("身份证号码与专家库登记不一致")
    );
    fill(&c, "id_number", &hint).await;
    click(&c, "#check-in button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("check-in"));
    c.execute("document.getElementById('draw').scrollIntoView()", vec![])
        .await
        .expect("scroll");
    shot(&c, "expert-draw-card").await;
    // Score every bid: the objective criterion the same for everyone, one value out of range first.
    let inputs = c
        .find_all(Locator::Css("#sheet input[type=number]"))
        .await
        .expect("inputs");
    assert!(!inputs.is_empty(), "the scoring form lists the opened bids");
    let names: Vec<String> = {
        let mut v = vec![];
        for i in &inputs {
            v.push(i.attr("name").await.expect("attr").expect("name"));
        }
        v
    };
    for (k, n) in names.iter().enumerate() {
        let value = if n.ends_with(".technical") {
            if k == 0 { "26" } else { "20" }
        } else if n.ends_with(".manager") {
            "8"
        } else {
            "4"
        };
        // The browser's own range check would stop the form; the server's is the one under test.
        c.execute(&format!("document.querySelector('[name=\"{n}\"]').removeAttribute('max'); document.querySelector('[name=\"{n}\"]').value = '{value}';"), vec![])
            .await
            .expect("set score");
    }
    click(&c, "#sheet button[type=submit]").await;
    assert!(
        text_of(&c, ".alert li")
            .await
            .contains("分值应在 0 至 25 之间")
    );
    shot(&c, "expert-score-refused").await;
    for n in names.iter().filter(|n| n.ends_with(".technical")) {
        fill(&c, n, "20").await;
    }
    for n in names.iter().filter(|n| n.ends_with(".manager")) {
        fill(&c, n, "8").await;
    }
    for n in names.iter().filter(|n| n.ends_with(".record")) {
        fill(&c, n, "4").await;
    }
    click(&c, "#sheet button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("sheet"));
    shot(&c, "expert-scored").await;
    c.close().await.expect("close");
}

/// A losing supplier files a challenge (质疑) to a procurement result on the lot page: a step
/// challenge without its day is refused with the field named, the result challenge is filed with
/// the deadlines the platform fixes, and the buyer answers it through its own form.
/// A request for quotation walked to its report and awarded to the first candidate 30 hours
/// ago, on a server whose clock then moved on to the test epoch.
struct Awarded {
    t: TestDb,
    base: String,
    spec: ggzy_demo::procurement::Spec,
    lot: uuid::Uuid,
    row: ggzy_store::tendering::LotRow,
    winner: uuid::Uuid,
}

async fn awarded_procurement() -> Awarded {
    use ggzy_demo::procurement as demo_procurement;
    use ggzy_demo::tendering::Walk;
    use ggzy_store::accounts::actor_of;
    let t = TestDb::sqlite().await;
    let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
    let now = ggzy_demo::testing::epoch();
    // The walk runs at the server's own time, so its scheduler never sees a reply window of the
    // walk's expert draw as already over; then the clock moves on to now.
    let t0 = now - chrono::Duration::days(9);
    clock.set(t0);
    let app = ggzy_demo::app::spawn_app_with_clock(&t.db, Config::default(), clock.clone()).await;
    let spec = demo_procurement::specs().swap_remove(4); // request for quotation
    let lot = demo_procurement::walk(&t.db, &app.state.vault, &spec, Walk::Reported, t0)
        .await
        .expect("reported procurement");
    clock.set(now);
    let principal = actor_of(&t.db, "principal", "127.0.0.1")
        .await
        .expect("principal");
    let row = ggzy_store::tendering::load(&t.db, lot).await.expect("lot");
    let winner = row.state.candidates[0];
    ggzy_store::evaluation::award(
        &t.db,
        &principal,
        lot,
        &ggzy_store::evaluation::AwardInput { winner },
        now - chrono::Duration::hours(30),
    )
    .await
    .expect("award");
    Awarded {
        t,
        base: app.base.clone(),
        spec,
        lot,
        row,
        winner,
    }
}

#[tokio::test]
async fn a_supplier_challenges_a_procurement_result_in_a_real_browser() {
    use ggzy_demo::procurement as demo_procurement;
    use ggzy_store::accounts::actor_of;
    let Awarded {
        t,
        base,
        spec,
        lot,
        row,
        winner,
    } = awarded_procurement().await;
    let mut loser = String::new();
    for u in demo_procurement::SUPPLIERS {
        let a = actor_of(&t.db, u, "127.0.0.1").await.expect("supplier");
        if a.entity_id
            .is_some_and(|e| row.state.bidders.contains(&e) && e != winner)
        {
            loser = u.to_string();
            break;
        }
    }
    assert!(!loser.is_empty(), "a losing supplier");

    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    c.goto(&format!("{base}/procurement"))
        .await
        .expect("procurement page");
    assert!(text_of(&c, "#procurements").await.contains(spec.name));
    shot(&c, "procurement-list").await;
    sign_in(&c, &base, &loser).await;
    c.goto(&format!("{base}/lots/{lot}"))
        .await
        .expect("lot page");
    assert!(
        text_of(&c, "#deadlines")
            .await
            .contains("对结果提出质疑的截止日")
    );
    // A challenge to a step needs the day that step ended.
    c.execute(
        "document.querySelector('#ch-subject').value = 'process';",
        vec![],
    )
    .await
    .expect("subject");
    fill(&c, "text", "询价小组未按询价通知书规定的时间开启响应文件。").await;
    click(&c, "#challenge-form button[type=submit]").await;
    let refused = text_of(&c, ".alert li").await;
    assert!(refused.contains("所质疑环节的结束日期"), "{refused}");
    shot(&c, "challenge-refused").await;
    c.execute(
        "document.querySelector('#ch-subject').value = 'result';",
        vec![],
    )
    .await
    .expect("subject");
    fill(
        &c,
        "text",
        "成交供应商报价的电脑型号不满足询价通知书的配置要求，请求重新评审。",
    )
    .await;
    click(&c, "#challenge-form button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("challenge"));
    let filed = text_of(&c, "#challenges").await;
    assert!(
        filed.contains("成交供应商报价的电脑型号") && filed.contains("待答复"),
        "{filed}"
    );
    shot(&c, "challenge-filed").await;
    sign_out(&c).await;
    // The buyer sees the challenge, its reply day, and answers it.
    sign_in(&c, &base, "principal").await;
    c.goto(&format!("{base}/lots/{lot}"))
        .await
        .expect("lot page");
    let ids = c
        .find_all(Locator::Css("textarea[name='reply']"))
        .await
        .expect("reply forms");
    assert_eq!(ids.len(), 1, "one pending challenge to answer");
    ids[0]
        .send_keys("经复核，成交供应商的配置满足询价通知书要求，质疑不成立。")
        .await
        .expect("type");
    click(&c, "form:has(textarea[name='reply']) button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("challenge-reply"));
    assert!(text_of(&c, "#challenges").await.contains("质疑不成立"));
    shot(&c, "challenge-answered").await;
    c.close().await.expect("close");
}

/// Two bidders in two browsers sit in one auction hall: each bid one of them places appears on
/// the other's page live (over SSE), with the price, the leading paddle and the end updated.
#[tokio::test]
async fn two_bidders_see_each_others_bids_live_in_the_auction_hall() {
    use ggzy_store::accounts::actor_of;
    use ggzy_store::auctions::{self, AuctionInput};
    let t = TestDb::sqlite().await;
    let app = ggzy_demo::app::spawn_app(&t.db, Config::default()).await;
    let base = app.base.clone();
    let now = ggzy_demo::testing::epoch();
    let staff = actor_of(&t.db, "staff", "127.0.0.1").await.expect("staff");
    let id = auctions::create(
        &t.db,
        &staff,
        &AuctionInput {
            name: "宁波市鄞州区 2026-31 号地块网上拍卖".into(),
            region_code: "330200".into(),
            trade_kind: "land_use".into(),
            start_price: "50000000".into(),
            increment: "500000".into(),
            reserve: Some("50500000".into()),
            opens_at: now,
            free_until: now + chrono::Duration::minutes(20),
            extension_secs: None,
        },
        now,
    )
    .await
    .expect("auction");
    for u in ["bidder", "entity03"] {
        let a = actor_of(&t.db, u, "127.0.0.1").await.expect(u);
        auctions::admit(&t.db, &staff, id, a.entity_id.expect("entity"), now)
            .await
            .expect("admit");
    }
    let (_d, url) = start_driver().await;
    let (pa, pb) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let a = browser(&url, pa.path()).await;
    let b = browser(&url, pb.path()).await;
    sign_in(&a, &base, "bidder").await;
    sign_in(&b, &base, "entity03").await;
    let hall = format!("{base}/auctions/{id}/hall");
    a.goto(&hall).await.expect("hall a");
    b.goto(&hall).await.expect("hall b");
    for c in [&a, &b] {
        c.wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#live[data-state=live]"))
            .await
            .expect("live stream connected");
    }
    assert_eq!(text_of(&a, "#bid-form .paddle").await, "101");
    assert_eq!(text_of(&b, "#bid-form .paddle").await, "102");

    // A bids the starting price; B sees it arrive without reloading.
    click(&a, "#bid").await;
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#bids tbody tr[data-seq='1']"))
        .await
        .expect("B sees A's bid live");
    assert_eq!(text_of(&b, "#leader").await, "101");
    assert!(text_of(&b, "#current").await.contains("50,000,000"));
    // B raises by one increment (its amount field now holds the next minimum); A sees it.
    click(&b, "#bid").await;
    a.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#bids tbody tr[data-seq='2']"))
        .await
        .expect("A sees B's bid live");
    assert_eq!(text_of(&a, "#leader").await, "102");
    assert!(text_of(&a, "#current").await.contains("50,500,000"));
    // A bid under the current price plus one increment is refused with the reason, in the page.
    fill(&a, "amount", "50600000").await;
    click(&a, "#bid").await;
    let start = Instant::now();
    loop {
        let m = text_of(&a, "#bid-msg").await;
        if m.contains("加价幅度") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "refusal shown: {m}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shot(&a, "auction-hall-bidder-a").await;
    shot(&b, "auction-hall-bidder-b").await;
    // The public watches the same hall without a bid form.
    let (pc, _) = (tempfile::tempdir().expect("c"), ());
    let c = browser(&url, pc.path()).await;
    c.goto(&hall).await.expect("watch");
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#bids tbody tr[data-seq='2']"))
        .await
        .expect("a watcher catches up");
    assert!(
        c.find(Locator::Css("#bid-form")).await.is_err(),
        "no bid form for the public"
    );
    shot(&c, "auction-hall-public").await;
    for x in [a, b, c] {
        x.close().await.expect("close");
    }
    t.cleanup().await;
}

/// A member of the public, signed in as nobody, types a project's Chinese name into the home
/// page's search box, finds its notices with the words marked, opens the result and follows it
/// to the whole deal.
#[tokio::test]
async fn the_public_finds_a_deal_by_a_chinese_phrase_and_follows_it_to_its_result() {
    let Awarded { t, base, spec, .. } = awarded_procurement().await;
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    c.goto(&base).await.expect("home");
    fill(&c, "q", spec.name).await;
    click(&c, ".home-search button[type=submit]").await;
    let found = text_of(&c, ".results").await;
    assert!(found.contains(spec.name), "{found}");
    let marked = c.find_all(Locator::Css(".hits mark")).await.expect("marks");
    assert!(!marked.is_empty(), "the words are marked");
    shot(&c, "public-search").await;
    // Narrow to results with the facet, then open the result notice.
    click(&c, ".facets a[href*='notice_kind=result']").await;
    let results = text_of(&c, ".hits").await;
    assert!(results.contains("结果公告"), "{results}");
    click(&c, ".hits h3 a").await;
    let body = text_of(&c, "pre.doc").await;
    assert!(body.contains("中标（成交）供应商"), "{body}");
    shot(&c, "public-notice").await;
    click(&c, ".notice a[href^='/deals/']").await;
    let timeline = text_of(&c, ".timeline").await;
    assert!(
        timeline.contains("采购公告") && timeline.contains("中标（成交）结果公告"),
        "{timeline}"
    );
    shot(&c, "public-deal").await;
    c.close().await.expect("close");
    t.cleanup().await;
}

/// After a procurement's contract the buyer works on the lot page: a supplementary contract one
/// fen over the 10% room is refused with its article and the typed values kept, the acceptance
/// is recorded, and the public reads it on the supplier's page.
#[tokio::test]
async fn the_buyer_records_the_acceptance_and_the_public_reads_it_on_the_suppliers_page() {
    let Awarded {
        t,
        base,
        lot,
        winner,
        ..
    } = awarded_procurement().await;
    let now = ggzy_demo::testing::epoch();
    let principal = ggzy_store::accounts::actor_of(&t.db, "principal", "127.0.0.1")
        .await
        .expect("principal");
    let today = ggzy_store::tendering::day(now);
    ggzy_store::evaluation::record_contract(
        &t.db,
        &principal,
        lot,
        &ggzy_store::evaluation::ContractInput {
            amount: "1000000.00".into(),
            signed_on: today,
        },
        now,
    )
    .await
    .expect("contract");
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    sign_in(&c, &base, "principal").await;
    c.goto(&format!("{base}/lots/{lot}#performance"))
        .await
        .expect("lot");
    let card = text_of(&c, "#performance").await;
    assert!(card.contains("100000.00"), "the room is 10%: {card}");
    let set_day = |name: &'static str| {
        let c = c.clone();
        let day = today.to_string();
        async move {
            c.execute(
                &format!("document.querySelector('[name={name}]').value = arguments[0]"),
                vec![serde_json::json!(day)],
            )
            .await
            .expect("set day");
        }
    };
    fill(&c, "amount", "100000.01").await;
    set_day("signed_on").await;
    fill(&c, "reason", "新增同型号设备").await;
    click(&c, "form[action$='/supplement'] button[type=submit]").await;
    let refused = text_of(&c, "[role=alert]").await;
    assert!(
        refused.contains("百分之十") && refused.contains("第49条"),
        "{refused}"
    );
    let kept = c
        .find(Locator::Css("[name=reason]"))
        .await
        .expect("reason")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("新增同型号设备"),
        "what was typed stays"
    );
    shot(&c, "performance-refused").await;

    set_day("accepted_on").await;
    click(&c, "input[name=verdict][value=passed]").await;
    fill(&c, "summary", "到货安装调试完毕，各项技术指标符合合同约定").await;
    click(&c, "form[action$='/acceptance'] button[type=submit]").await;
    assert!(text_of(&c, "#done").await.contains("acceptance"));
    assert!(text_of(&c, "#performance").await.contains("验收合格"));
    shot(&c, "performance-accepted").await;

    sign_out(&c).await;
    c.goto(&format!("{base}/entities/{winner}"))
        .await
        .expect("supplier");
    let record = text_of(&c, "main").await;
    assert!(record.contains("履约验收结果公告"), "{record}");
    shot(&c, "supplier-record").await;
    c.close().await.expect("close");
    t.cleanup().await;
}

/// The department records a bidding ban on the credit page: one day longer than its article allows
/// is refused on its field with the article and the typed values kept; corrected, it is published,
/// and the public finds the company by its credit code and reads the ban.
#[tokio::test]
async fn a_supervisor_records_a_ban_and_the_public_finds_it_by_credit_code() {
    let t = TestDb::sqlite().await;
    let base = ggzy_demo::app::spawn_app(&t.db, Config::default())
        .await
        .base;
    let e07 = ggzy_store::accounts::actor_of(&t.db, "entity07", "127.0.0.1")
        .await
        .expect("entity07");
    let uscc = ggzy_store::tendering::sealing::uscc_of(&t.db, e07.entity_id.expect("entity"))
        .await
        .expect("uscc");
    let first = (ggzy_demo::testing::epoch() + chrono::Duration::hours(8)).date_naive();
    let two_years = first
        .checked_add_months(chrono::Months::new(24))
        .expect("date");
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    sign_in(&c, &base, "supervisor").await;
    c.goto(&format!("{base}/credit")).await.expect("credit");
    let list = text_of(&c, "#bans").await;
    assert!(
        list.contains("甬建罚〔2025〕17号"),
        "the demo's ban: {list}"
    );
    let set = |name: &'static str, value: String| {
        let c = c.clone();
        async move {
            c.execute(
                &format!("document.getElementById('cr-{name}').value = arguments[0]"),
                vec![serde_json::json!(value)],
            )
            .await
            .expect("set");
        }
    };
    // The lookup form above has a field of the same name: the record form's is set by its id.
    set("uscc", uscc.clone()).await;
    set("kind", "bidding_ban".into()).await;
    set("ground", "tender_collusion".into()).await;
    fill(&c, "decision_no", "甬建罚〔2025〕40号").await;
    fill(&c, "authority", "宁波市住房和城乡建设局").await;
    fill(&c, "basis", "招标投标法实施条例第六十七条").await;
    fill(&c, "facts", "与其他投标人串通投标").await;
    set("decided_on", first.to_string()).await;
    set("starts_on", first.to_string()).await;
    set("ends_on", two_years.to_string()).await;
    fill(&c, "region_code", "330200").await;
    shot(&c, "credit-form").await;
    click(&c, "#record-form button[type=submit]").await;
    let refused = text_of(&c, "[role=alert]").await;
    assert!(
        refused.contains("1至2年") && refused.contains("第67条"),
        "{refused}"
    );
    let kept = c
        .find(Locator::Css("[name=decision_no]"))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("甬建罚〔2025〕40号"));
    shot(&c, "credit-refused").await;
    set("ends_on", two_years.pred_opt().expect("date").to_string()).await;
    click(&c, "#record-form button[type=submit]").await;
    let standing = text_of(&c, "#standing").await;
    assert!(standing.contains("生效的限制记录"), "{standing}");

    sign_out(&c).await;
    c.goto(&format!("{base}/credit")).await.expect("credit");
    fill(&c, "uscc", &uscc).await;
    click(&c, "form[role=search] button[type=submit]").await;
    let records = text_of(&c, "#records").await;
    assert!(
        records.contains("甬建罚〔2025〕40号") && records.contains("工程建设"),
        "{records}"
    );
    shot(&c, "credit-company").await;

    // The company objects to the ban from its own credit page…
    sign_in(&c, &base, "entity07").await;
    c.goto(&format!("{base}/credit/{uscc}"))
        .await
        .expect("own page");
    click(&c, "#own-records details summary").await;
    c.find(Locator::Css(".objection-form textarea"))
        .await
        .expect("reason")
        .send_keys("涉案项目我单位未参与投标，相关投标文件系他人冒用我单位名义提交。")
        .await
        .expect("type");
    shot(&c, "credit-objection").await;
    click(&c, ".objection-form button[type=submit]").await;
    let filed = text_of(&c, "#correction-list").await;
    assert!(
        filed.contains("异议") && filed.contains("待处理"),
        "{filed}"
    );
    sign_out(&c).await;
    c.goto(&format!("{base}/credit/{uscc}"))
        .await
        .expect("public page");
    let records = text_of(&c, "#records").await;
    assert!(records.contains("提出异议，处理中"), "{records}");

    // …and a supervisor who did not record it upholds the objection from the queue.
    sign_in(&c, &base, "supervisor2").await;
    c.goto(&format!("{base}/credit")).await.expect("credit");
    let queue = text_of(&c, "#queue-list").await;
    assert!(queue.contains("甬建罚〔2025〕40号"), "{queue}");
    click(&c, ".decision-form input[value=grant]").await;
    c.find(Locator::Css(".decision-form textarea"))
        .await
        .expect("reason")
        .send_keys("经核查投标记录，该投标文件非该单位提交，异议成立。")
        .await
        .expect("type");
    shot(&c, "credit-queue").await;
    click(&c, ".decision-form button[type=submit]").await;
    let standing = text_of(&c, "#standing").await;
    assert!(standing.contains("没有限制"), "{standing}");
    let outcome = text_of(&c, "#correction-list").await;
    assert!(outcome.contains("异议成立"), "{outcome}");
    let grade = text_of(&c, "#grade").await;
    assert!(grade.contains("100"), "revoked, it counts nothing: {grade}");
    shot(&c, "credit-upheld").await;
    c.close().await.expect("close");
    t.cleanup().await;
}

/// The department revokes a record whose decision was quashed: a supervisor other than the one
/// who entered it fills the form on the company's credit page, and the company's standing and
/// grade come back at once, with nothing left to revoke.
#[tokio::test]
async fn another_supervisor_revokes_a_quashed_record_on_the_company_page() {
    let t = TestDb::sqlite().await;
    let base = ggzy_demo::app::spawn_app(&t.db, Config::default())
        .await
        .base;
    let e05 = ggzy_store::accounts::actor_of(&t.db, "entity05", "127.0.0.1")
        .await
        .expect("entity05");
    let uscc = ggzy_store::tendering::sealing::uscc_of(&t.db, e05.entity_id.expect("entity"))
        .await
        .expect("uscc");
    let supervisor = ggzy_store::accounts::actor_of(&t.db, "supervisor", "127.0.0.1")
        .await
        .expect("supervisor");
    let now = ggzy_demo::testing::epoch();
    let first = (now + chrono::Duration::hours(8)).date_naive();
    ggzy_store::credit::record(
        &t.db,
        &supervisor,
        &ggzy_store::credit::RecordInput {
            uscc: uscc.clone(),
            kind: "bidding_ban".into(),
            ground: Some("tender_fraud".into()),
            decision_no: "甬建罚〔2025〕52号".into(),
            authority: "宁波市住房和城乡建设局".into(),
            basis: "招标投标法实施条例第六十八条".into(),
            facts: "提供虚假业绩证明。".into(),
            decided_on: first,
            starts_on: first,
            ends_on: first.checked_add_months(chrono::Months::new(12)),
            region_code: "330200".into(),
            ..Default::default()
        },
        now,
    )
    .await
    .expect("recorded");
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    sign_in(&c, &base, "supervisor2").await;
    c.goto(&format!("{base}/credit/{uscc}"))
        .await
        .expect("company page");
    let standing = text_of(&c, "#standing").await;
    assert!(standing.contains("生效的限制记录"), "{standing}");
    click(&c, "#revocable-records details summary").await;
    c.find(Locator::Css(".revocation-form input[name=document_no]"))
        .await
        .expect("document")
        .send_keys("甬政复决〔2026〕3号")
        .await
        .expect("type");
    c.find(Locator::Css(".revocation-form textarea"))
        .await
        .expect("reason")
        .send_keys("行政复议决定撤销原处罚决定，依职权撤销该信用记录。")
        .await
        .expect("type");
    shot(&c, "credit-revoke").await;
    click(&c, ".revocation-form button[type=submit]").await;
    // The form reloads the same page: wait for the new one's text.
    let standing = text_until(&c, "#standing", "没有限制").await;
    assert!(standing.contains("没有限制"), "{standing}");
    let grade = text_until(&c, "#grade", "100").await;
    assert!(grade.contains("100"), "revoked, it counts nothing: {grade}");
    let left = text_until(&c, "#revocable", "没有可撤销").await;
    assert!(
        !left.contains("甬建罚〔2025〕52号") && left.contains("没有可撤销"),
        "nothing left to revoke: {left}"
    );
    c.close().await.expect("close");
    t.cleanup().await;
}

#[tokio::test]
async fn a_supervisor_closes_a_collusion_alert_with_a_finding_that_becomes_a_credit_record() {
    let t = TestDb::sqlite().await;
    // The demo seed opens a lot whose bidders share an address and a bond account.
    let base = ggzy_demo::app::spawn_app(&t.db, Config::default())
        .await
        .base;
    let (_driver, url) = start_driver().await;
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&url, profile.path()).await;
    sign_in(&c, &base, "supervisor").await;
    click(&c, "nav a[href='/supervision']").await;
    let counts = text_of(&c, "#alert-counts").await;
    assert!(
        counts.contains("不同投标人从同一网络地址递交投标文件")
            && counts.contains("不同投标人的投标保证金从同一账户转出"),
        "{counts}"
    );
    shot(&c, "supervision-dashboard").await;
    click(&c, "#alerts a[href^='/supervision/alerts/']").await;
    let shared = text_of(&c, "#alert-shared").await;
    assert!(!shared.is_empty(), "the evidence names what they share");
    click(&c, "#acknowledge").await;
    let status = text_until(&c, "#alert-status", "已受理").await;
    assert!(status.contains("已受理"), "{status}");
    click(&c, "#investigate").await;
    let status = text_until(&c, "#alert-status", "调查中").await;
    assert!(status.contains("调查中"), "{status}");

    click(&c, "input[name=finding][value=credit_record]").await;
    fill(
        &c,
        "note",
        "经调取递交记录，两家投标人的投标文件由同一人递交，记入信用记录。",
    )
    .await;
    click(&c, "#record-fields summary").await;
    let company = c
        .find(Locator::Css("#rec-uscc option:nth-child(2)"))
        .await
        .expect("a bidder to choose");
    let name = company.text().await.expect("name");
    company.click().await.expect("choose");
    fill(&c, "decision_no", "甬建监〔2026〕31号").await;
    fill(&c, "authority", "宁波市住房和城乡建设局").await;
    shot(&c, "supervision-close").await;
    click(&c, "#close").await;
    let finding = text_until(&c, "#alert-finding", "记入信用记录").await;
    assert!(finding.contains("记入信用记录"), "{finding}");
    let status = text_of(&c, "#alert-status").await;
    assert!(status.contains("已办结"), "{status}");
    shot(&c, "supervision-closed").await;

    click(&c, "#credit-link").await;
    let records = text_until(&c, "#records", "甬建监〔2026〕31号").await;
    assert!(
        records.contains("甬建监〔2026〕31号") && records.contains("平台监管发现"),
        "the finding is on {name}'s public credit page: {records}"
    );
    c.close().await.expect("close");
    t.cleanup().await;
}
