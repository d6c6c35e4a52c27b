//! One real-browser test in headless Chromium: register an entity through the form, sign in, see
//! the workspace. Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them and runs
//! this with `--features browser`. Screenshots go to `GGZY_SCREENSHOTS` when it is set.

use fantoccini::{ClientBuilder, Locator};
use ggzy_store::testing::TestDb;
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

#[tokio::test]
async fn register_an_entity_and_sign_in_in_a_real_browser() {
    let t = TestDb::sqlite().await;
    let base = ggzy_web::testing::spawn_app(&t.db, Config::default())
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
