//! End-to-end HTTP tests against the app on a random port, on SQLite and (with
//! `GGZY_TEST_PG_URL`) PostgreSQL.

use chrono::Utc;
use ggzy_demo as demo;
use ggzy_demo::testing::TestDb;
use ggzy_store::events;
use ggzy_web::{AppState, Config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

struct TestApp {
    base: String,
    client: reqwest::Client,
    csrf: String,
    state: AppState,
    accounts: Vec<demo::DemoAccount>,
    db: Option<TestDb>,
    backend: &'static str,
}

impl TestApp {
    async fn spawn(t: TestDb, config: Config) -> TestApp {
        Self::spawn_with_clock(
            t,
            config,
            std::sync::Arc::new(ggzy_demo::app::TestClock::default()),
        )
        .await
    }

    async fn spawn_with_clock(
        t: TestDb,
        config: Config,
        clock: std::sync::Arc<dyn ggzy_core::clock::Clock>,
    ) -> TestApp {
        let ggzy_demo::app::Spawned {
            base,
            state,
            accounts,
        } = ggzy_demo::app::spawn_app_with_clock(&t.db, config, clock).await;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let csrf: Value = client
            .get(format!("{base}/api/v1/csrf"))
            .send()
            .await
            .expect("csrf")
            .json()
            .await
            .expect("json");
        let csrf = csrf["token"].as_str().expect("token").to_string();
        TestApp {
            base,
            client,
            csrf,
            state,
            accounts,
            backend: t.name,
            db: Some(t),
        }
    }

    async fn all() -> Vec<TestApp> {
        let mut v = Vec::new();
        for t in TestDb::all().await {
            v.push(TestApp::spawn(t, Config::default()).await);
        }
        v
    }

    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    async fn post(&self, p: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(p))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, p: &str) -> (StatusCode, Value) {
        let r = self.client.get(self.url(p)).send().await.expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A form post carrying this browser's CSRF token.
    async fn form(
        &self,
        p: &str,
        fields: &[(&str, &str)],
        header: Option<(&str, &str)>,
    ) -> reqwest::Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let mut req = self.client.post(self.url(p)).form(&all);
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        req.send().await.expect("form post")
    }

    fn code(&self, user: &str) -> String {
        let sec = self
            .accounts
            .iter()
            .find(|a| a.username == user)
            .and_then(|a| a.totp_secret.clone())
            .expect("secret");
        ggzy_store::accounts::totp::code_at(&sec, self.state.now().timestamp() as u64)
            .expect("code")
    }

    async fn login(&self, user: &str) -> (StatusCode, Value) {
        let totp = self
            .accounts
            .iter()
            .find(|a| a.username == user)
            .and_then(|a| a.totp_secret.as_ref())
            .map(|_| self.code(user))
            .unwrap_or_default();
        self.post(
            "/api/v1/session",
            json!({ "username": user, "password": demo::DEMO_PASSWORD, "totp": totp }),
        )
        .await
    }

    async fn finish(mut self) {
        if let Some(t) = self.db.take() {
            t.cleanup().await;
        }
    }
}

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ggzy_session="))
        .expect("session cookie")
        .to_string()
}

fn uscc(n: u32) -> String {
    (0..100)
        .find_map(|k| ggzy_core::uscc::complete(&format!("91330212MA2W{:04}", n * 100 + k)))
        .expect("code")
        .as_str()
        .to_string()
}

fn registration(code: &str, user: &str) -> Value {
    json!({
        "entity": {
            "uscc": code, "name": "鄞州测试工程有限公司", "kind": "company", "legal_representative": "王五",
            "region_code": "330212", "contact_name": "王五", "contact_phone": "0574-87654321",
            "qualifications": [{ "name": "建筑工程施工总承包", "grade": "三级", "certificate_no": "D3302", "issuer": "宁波市住房和城乡建设局", "valid_from": "2020-01-01", "valid_until": "2021-01-01" }]
        },
        "user": { "username": user, "display_name": "王五", "password": "Strong-pass-2026" }
    })
}

#[tokio::test]
async fn registration_over_the_api_once_per_credit_code() {
    for app in TestApp::all().await {
        let code = uscc(1);
        let (st, body) = app
            .post("/api/v1/entities", registration(&code, "wangwu"))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{}: {body}", app.backend);
        let id = body["entity_id"].as_str().expect("id").to_string();

        let (st, body) = app
            .post("/api/v1/entities", registration(&code, "wangwu2"))
            .await;
        assert_eq!(st, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "entity.already_registered");
        assert_eq!(body["fields"][0]["field"], "entity.uscc");
        assert!(
            body["message_zh"].as_str().is_some_and(|s| !s.is_empty())
                && body["message_en"].as_str().is_some_and(|s| !s.is_empty())
        );

        // The public view: registration visible, contacts hidden, expired qualification marked.
        let (st, view) = app.get(&format!("/api/v1/entities/{id}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(view["contact_phone"], Value::Null);
        assert_eq!(view["qualifications"][0]["status"], "expired");
        let (_, found) = app.get(&format!("/api/v1/entities?q={code}")).await;
        assert_eq!(found.as_array().map(Vec::len), Some(1));

        // Bad input: a wrong check digit, an unknown field, bad JSON, a wrong content type.
        let mut bad = registration("91350100M000100Y44", "zhaoliu");
        let (st, body) = app.post("/api/v1/entities", bad.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["fields"][0]["code"], "uscc.check_digit", "{body}");
        bad["entity"]["colour"] = json!("red");
        let (st, body) = app.post("/api/v1/entities", bad).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "json.shape");
        assert!(
            body["message_en"].as_str().unwrap_or("").contains("colour"),
            "{body}"
        );
        let r = app
            .client
            .post(app.url("/api/v1/entities"))
            .header("x-csrf-token", &app.csrf)
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let r = app
            .client
            .post(app.url("/api/v1/entities"))
            .header("x-csrf-token", &app.csrf)
            .body("x")
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        app.finish().await;
    }
}

#[tokio::test]
async fn csrf_body_limit_and_unknown_routes() {
    let app = TestApp::spawn(TestDb::sqlite().await, Config::default()).await;
    let r = app
        .client
        .post(app.url("/api/v1/entities"))
        .json(&registration(&uscc(2), "nocsrf1"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["code"], "csrf.mismatch");
    // A fresh client without the cookie at all.
    let bare = reqwest::Client::new();
    let r = bare
        .post(app.url("/api/v1/session"))
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.expect("json")["code"],
        "csrf.missing"
    );
    // A form post with the wrong token.
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", "0".repeat(48)),
            ("username", "bidder".into()),
            ("password", "x".into()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A stranger's write is refused before its body is read, however large.
    let big = json!({ "table": "x".repeat(ggzy_web::MAX_BODY_BYTES + 10) });
    let r = app
        .client
        .put(app.url("/api/v1/calendar"))
        .header("x-csrf-token", &app.csrf)
        .json(&big)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.expect("json")["code"],
        "auth.required"
    );
    // Signed in, bodies over 1 MiB are refused with a problem, not read.
    app.as_user("admin").await;
    let r = app
        .client
        .put(app.url("/api/v1/calendar"))
        .header("x-csrf-token", &app.csrf)
        .json(&big)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        r.json::<Value>().await.expect("json")["code"],
        "body.too_large"
    );
    let r = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (st, body) = app
        .get(&format!("/api/v1/entities/{}", uuid::Uuid::now_v7()))
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // Malformed path and query values are problems too, never plain text.
    let r = app
        .client
        .get(app.url("/api/v1/entities/not-a-uuid"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (st, body) = app.get("/api/v1/log/proof/inclusion?seq=abc&size=1").await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("request.invalid"))
    );
    // A form with fields missing is answered with the form again, not a bare rejection.
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("csrf", app.csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// PostgreSQL cannot store a NUL character, so no text may carry one: refused as bad input, in a
/// query, a form or a JSON body, on every backend alike — never a server error.
#[tokio::test]
async fn a_nul_character_is_bad_input_everywhere() {
    for app in TestApp::all().await {
        let b = app.backend;
        let (st, body) = app.get("/api/v1/notices?q=%E9%81%93%00%E8%B7%AF").await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("text.nul")),
            "{b}: {body}"
        );
        let (st, body) = app.get("/api/v1/entities?q=%00").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {body}");
        let (st, body) = app
            .post("/api/v1/entities", json!({"name": "甲\u{0}乙"}))
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("text.nul")),
            "{b}: {body}"
        );
        let r = app.form("/register", &[("name", "甲\u{0}乙")], None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        // Just inside: the same requests without the character are answered as usual.
        let (st, _) = app.get("/api/v1/notices?q=%E9%81%93%E8%B7%AF").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        app.finish().await;
    }
}

#[tokio::test]
async fn roles_are_enforced_at_the_route_with_the_missing_permission_named() {
    for app in TestApp::all().await {
        let (st, me) = app.login("bidder").await;
        assert_eq!(st, StatusCode::OK, "{me}");
        assert_eq!(me["roles"][0]["role"], "entity_user");
        let staff = json!({ "username": "branchstaff", "display_name": "海曙 陈工", "password": "Branch-staff-42", "role": "center_staff", "region_code": "330203" });
        let (st, body) = app.post("/api/v1/accounts", staff.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_eq!(body["missing_permission"], "account_admin");
        let r = app
            .client
            .delete(app.url("/api/v1/session"))
            .header("x-csrf-token", &app.csrf)
            .send()
            .await
            .expect("logout");
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let (st, _) = app.get("/api/v1/me").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);

        // Staff-side accounts need the second factor.
        let (st, body) = app
            .post(
                "/api/v1/session",
                json!({ "username": "admin", "password": demo::DEMO_PASSWORD }),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.totp_required"))
        );
        let (st, _) = app.login("admin").await;
        assert_eq!(st, StatusCode::OK);
        let (st, created) = app.post("/api/v1/accounts", staff).await;
        assert_eq!(st, StatusCode::CREATED, "{}: {created}", app.backend);
        assert!(created["totp_secret"].is_string());
        let id = created["id"].as_str().expect("id");
        let (st, body) = app
            .post(
                &format!("/api/v1/accounts/{id}/roles"),
                json!({ "role": "supervisor", "region_code": "330200" }),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "role.separation_of_duties");
        assert_eq!(body["fields"][0]["rule"]["article"], "10");
        let (st, list) = app.get("/api/v1/accounts").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            list.as_array()
                .is_some_and(|l| l.iter().any(|a| a["username"] == "branchstaff"))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let config = Config {
        login_attempts: 3,
        login_window: Duration::from_secs(60),
        ..Config::default()
    };
    let app = TestApp::spawn(TestDb::sqlite().await, config).await;
    for _ in 0..3 {
        let (st, _) = app
            .post(
                "/api/v1/session",
                json!({ "username": "nobody1", "password": "whatever-123" }),
            )
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, body) = app
        .post(
            "/api/v1/session",
            json!({ "username": "nobody1", "password": "whatever-123" }),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("auth.rate_limited"))
    );
    app.finish().await;
}

#[tokio::test]
async fn the_log_serves_signed_heads_and_proofs_that_verify() {
    for app in TestApp::all().await {
        app.state.sign_head().await.expect("sign");
        let (st, head) = app.get("/api/v1/log/head").await;
        assert_eq!(st, StatusCode::OK);
        let size = head["head"]["size"].as_i64().expect("size");
        let root = ggzy_seal::from_hex(head["head"]["root"].as_str().expect("root")).expect("hex");
        let msg = ggzy_seal::sign::tree_head_message(
            size as u64,
            &root,
            chrono::DateTime::parse_from_rfc3339(head["head"]["signed_at"].as_str().expect("t"))
                .expect("ts")
                .timestamp_micros(),
        );
        let sig = hex::decode(head["head"]["signature"].as_str().expect("sig")).expect("hex");
        assert!(
            ggzy_seal::sign::verify(head["public_key"].as_str().expect("pk"), &msg, &sig)
                .expect("key")
        );

        let (st, p) = app
            .get(&format!("/api/v1/log/proof/inclusion?seq=3&size={size}"))
            .await;
        assert_eq!(st, StatusCode::OK);
        let path: Vec<_> = p["audit_path"]
            .as_array()
            .expect("path")
            .iter()
            .map(|h| ggzy_seal::from_hex(h.as_str().expect("s")).expect("h"))
            .collect();
        let leaf = ggzy_seal::from_hex(p["leaf_hash"].as_str().expect("leaf")).expect("h");
        assert!(
            ggzy_seal::merkle::verify_inclusion(2, size as u64, &leaf, &path, &root),
            "{}",
            app.backend
        );
        // The leaf is the event's chain hash under the RFC 6962 leaf prefix.
        let (_, evs) = app.get("/api/v1/log/events?before=4&limit=1").await;
        let ev3 = evs
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["seq"] == 3)
            .expect("event 3");
        assert_eq!(
            events::leaf_of(ev3["hash"].as_str().expect("hash")),
            Some(leaf)
        );

        app.post("/api/v1/entities", registration(&uscc(5), "logtest1"))
            .await;
        app.state.sign_head().await.expect("sign");
        let (_, head2) = app.get("/api/v1/log/head").await;
        let size2 = head2["head"]["size"].as_i64().expect("size");
        let (st, c) = app
            .get(&format!(
                "/api/v1/log/proof/consistency?from={size}&to={size2}"
            ))
            .await;
        assert_eq!(st, StatusCode::OK);
        let proof: Vec<_> = c["proof"]
            .as_array()
            .expect("proof")
            .iter()
            .map(|h| ggzy_seal::from_hex(h.as_str().expect("s")).expect("h"))
            .collect();
        let root2 =
            ggzy_seal::from_hex(head2["head"]["root"].as_str().expect("root")).expect("hex");
        assert!(ggzy_seal::merkle::verify_consistency(
            size as u64,
            size2 as u64,
            &root,
            &root2,
            &proof
        ));
        let (st, body) = app
            .get(&format!(
                "/api/v1/log/proof/inclusion?seq=1&size={}",
                size2 + 100
            ))
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("log.size"))
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn pages_render_in_both_languages_with_explaining_empty_states() {
    let app = TestApp::spawn(TestDb::sqlite().await, Config::default()).await;
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(
        home.contains("暂无公告") && home.contains("工程建设") && home.contains("lang=\"zh-CN\"")
    );
    let r = app
        .client
        .get(app.url("/lang?to=en"))
        .header("referer", format!("{}/entities", app.base))
        .send()
        .await
        .expect("lang");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/entities");
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("text");
    assert!(home.contains("No notices yet") && home.contains("lang=\"en\""));
    let search = app
        .client
        .get(app.url("/entities?q=不存在的公司"))
        .send()
        .await
        .expect("s")
        .text()
        .await
        .expect("t");
    assert!(search.contains("Nothing matches"));
    // Open redirects are refused.
    let r = app
        .client
        .get(app.url("/lang?to=zh&back=//evil.example"))
        .send()
        .await
        .expect("lang");
    assert_eq!(r.headers()["location"], "/");
    for p in [
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/api/docs/",
        "/static/app.css",
        "/log",
        "/register",
        "/login",
    ] {
        assert_eq!(
            app.client
                .get(app.url(p))
                .send()
                .await
                .expect("get")
                .status(),
            StatusCode::OK,
            "{p}"
        );
    }
    // Workspace asks for sign-in first.
    let r = app
        .client
        .get(app.url("/workspace"))
        .send()
        .await
        .expect("ws");
    assert_eq!(r.headers()["location"], "/login");
    app.finish().await;
}

#[tokio::test]
async fn register_and_sign_in_through_the_forms() {
    let app = TestApp::spawn(TestDb::sqlite().await, Config::default()).await;
    let code = uscc(7);
    let mut form = vec![
        ("csrf", app.csrf.clone()),
        ("entity.uscc", code.clone()),
        ("entity.name", "鄞州表单测试有限公司".into()),
        ("entity.kind", "company".into()),
        ("entity.legal_representative", "赵六".into()),
        ("entity.region_code", "330212".into()),
        ("entity.contact_name", "赵六".into()),
        ("entity.contact_phone", "13857409999".into()),
        (
            "entity.qualifications[0].name",
            "市政公用工程施工总承包".into(),
        ),
        ("entity.qualifications[0].valid_from", "2020-01-01".into()),
        ("user.username", "zhaoliu".into()),
        ("user.display_name", "赵六".into()),
        ("user.password", "Form-pass-2026".into()),
        ("user.password_confirm", "Form-pass-2026".into()),
    ];
    // A half-filled qualification row gets its own messages; the form keeps what was typed.
    let r = app
        .client
        .post(app.url("/register"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.expect("html");
    assert!(
        html.contains("entity.qualifications[0].issuer-err") || html.contains("此项为必填项"),
        "field message shown"
    );
    assert!(html.contains("鄞州表单测试有限公司"));
    assert!(
        !html.contains("Form-pass-2026"),
        "passwords are never echoed"
    );
    form.retain(|(k, _)| !k.starts_with("entity.qualifications"));
    let r = app
        .client
        .post(app.url("/register"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .form(
            "/login",
            &[("username", "zhaoliu"), ("password", "Form-pass-2026")],
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r);
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );
    let ws = app
        .client
        .get(app.url("/workspace"))
        .send()
        .await
        .expect("ws")
        .text()
        .await
        .expect("t");
    assert!(ws.contains("鄞州表单测试有限公司") && ws.contains(&code));
    // A market-entity user cannot use the administrator's form.
    let r = app
        .form(
            "/workspace/accounts",
            &[
                ("username", "sneaky1"),
                ("password", "Sneaky-pass-1"),
                ("role", "admin"),
                ("region_code", "330200"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Behind TLS the cookie is Secure.
    let r = app
        .form(
            "/login",
            &[("username", "zhaoliu"), ("password", "Form-pass-2026")],
            Some(("x-forwarded-proto", "https")),
        )
        .await;
    let cookie = session_cookie(&r);
    assert!(cookie.contains("; Secure"), "{cookie}");
    // A wrong password re-renders the form with the reason.
    let r = app
        .form(
            "/login",
            &[("username", "zhaoliu"), ("password", "wrong-pass-1")],
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.expect("t").contains("用户名或密码不正确"));
    app.finish().await;
}

/// Every type the OpenAPI document can name has a name of its own. utoipa keeps one schema per
/// name, so two types called `GrantInput` made `POST /api/v1/grants` document the role grant's
/// body; this scans every crate's source for `ToSchema` types and fails on any name used twice.
#[test]
fn every_openapi_schema_name_is_unique() {
    fn rs_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                rs_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![];
    for c in ["ggzy-core", "ggzy-seal", "ggzy-store", "ggzy-web"] {
        rs_files(&root.join(c).join("src"), &mut files);
    }
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.trim_start().starts_with("#[derive(") && l.contains("ToSchema")) {
                continue;
            }
            let mut alias = None;
            for next in lines.iter().skip(i + 1).take(8) {
                let t = next.trim();
                if let Some(rest) = t.strip_prefix("#[schema(as = ") {
                    alias = rest
                        .split(')')
                        .next()
                        .map(|a| a.rsplit("::").next().unwrap_or(a).trim().to_string());
                }
                let decl = t
                    .strip_prefix("pub struct ")
                    .or_else(|| t.strip_prefix("pub enum "));
                if let Some(d) = decl {
                    let name: String = d
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    seen.entry(alias.clone().unwrap_or(name))
                        .or_default()
                        .push(format!("{}:{}", f.display(), i + 1));
                    break;
                }
            }
        }
    }
    assert!(
        seen.len() > 100,
        "the scan found the schemas: {}",
        seen.len()
    );
    let dupes: Vec<_> = seen.iter().filter(|(_, at)| at.len() > 1).collect();
    assert!(dupes.is_empty(), "schema names used twice: {dupes:#?}");

    // And the two bodies the collision documented wrongly say what the server takes.
    let doc = serde_json::to_value(ggzy_web::openapi()).expect("json");
    let body = |path: &str| {
        let r = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .expect("a body")
            .rsplit('/')
            .next()
            .expect("name")
            .to_string();
        doc["components"]["schemas"][r].clone()
    };
    assert!(body("/api/v1/grants")["properties"]["trade_kind"].is_object());
    let reply = body("/api/v1/lots/{id}/draw/reply");
    assert!(reply["properties"]["accept"].is_object() && reply["properties"]["reply"].is_null());
}

#[tokio::test]
async fn the_openapi_document_is_stable() {
    // The whole document, every capability's part included.
    let doc = serde_json::to_value(ggzy_web::openapi()).expect("json");
    insta::assert_json_snapshot!("openapi", doc);
}

impl TestApp {
    /// Switch the session to `user` (one browser, several people in turn).
    async fn as_user(&self, user: &str) -> Value {
        let (st, me) = self.login(user).await;
        assert_eq!(st, StatusCode::OK, "{user}: {me}");
        me
    }

    async fn put(&self, p: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .put(self.url(p))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Seal a bid as `user`'s bid tool would (the lot's published opening key, the user's
    /// registered demo signing key) and upload the envelope.
    async fn bid(
        &self,
        lot: &str,
        user: &str,
        price: &str,
        words: &str,
        package: &[u8],
    ) -> (StatusCode, Value) {
        let path = format!("/api/v1/lots/{lot}/bids");
        let r = match self.envelope(lot, user, price, words, package).await {
            Ok(envelope) => self.upload(&path, envelope).await,
            Err(key) => return (StatusCode::CONFLICT, key),
        };
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The sealed envelope `user`'s bid tool makes, or the lot's answer when it has no opening
    /// key yet.
    async fn envelope(
        &self,
        lot: &str,
        user: &str,
        price: &str,
        words: &str,
        package: &[u8],
    ) -> Result<Vec<u8>, Value> {
        let form = json!({"price": price, "price_in_words": words, "lines": [], "duration_days": 500, "quality": "合格", "project_manager": "王建军", "bond": "800000"});
        let (_, key) = self.get(&format!("/api/v1/lots/{lot}/opening-key")).await;
        let Some(public) = key["public_key"].as_str() else {
            return Err(key);
        };
        let me = ggzy_store::accounts::actor_of(&self.state.db, user, "127.0.0.1")
            .await
            .expect("actor");
        let uscc =
            ggzy_store::tendering::sealing::uscc_of(&self.state.db, me.entity_id.expect("entity"))
                .await
                .expect("uscc");
        let envelope = ggzy_seal::envelope::seal(
            &ggzy_seal::envelope::SealInput {
                lot: key["lot_trade_code"].as_str().expect("code"),
                bidder: &uscc,
                opening_key: &ggzy_seal::keys::PublicKey::from_hex(public).expect("pk"),
                bond: "800000",
                sealed_at: "test",
                tool: "http test",
            },
            &ggzy_demo::demo_key(&format!("{user}/bid_signing")),
            &[
                ("bid_form.json".into(), form.to_string().into_bytes()),
                ("package.txt".into(), package.to_vec()),
            ],
        );
        Ok(envelope)
    }

    /// Upload an envelope as the bid tool (the API) or the lot page's form (`/lots/{id}/bid`).
    async fn upload(&self, path: &str, envelope: Vec<u8>) -> reqwest::Response {
        let mp = reqwest::multipart::Form::new()
            .text("fingerprint", "test-machine-1")
            .part(
                "envelope",
                reqwest::multipart::Part::bytes(envelope).file_name("bid.ggzybid"),
            );
        self.client
            .post(format!("{}?csrf={}", self.url(path), self.csrf))
            .header("x-csrf-token", &self.csrf)
            .multipart(mp)
            .send()
            .await
            .expect("bid")
    }

    /// Waits for the scheduler to convene the opening the clock has reached, then opens it with
    /// the custodians' shares.
    async fn open_when_convened(&self, lot: &str) -> Value {
        let mut convened = false;
        for _ in 0..50 {
            let (_, k) = self.get(&format!("/api/v1/lots/{lot}/opening-key")).await;
            if k["convened_at"].is_string() {
                convened = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            convened,
            "{}: the scheduler convened the opening",
            self.backend
        );
        self.custodians_open(lot).await
    }

    /// Every demo custodian fetches its sealed share, decrypts it locally and submits it.
    async fn custodians_open(&self, lot: &str) -> Value {
        let mut last = Value::Null;
        for u in ggzy_demo::CUSTODIANS {
            self.as_user(u).await;
            let (st, sealed) = self.get(&format!("/api/v1/lots/{lot}/custody/share")).await;
            assert_eq!(st, StatusCode::OK, "{u}: {sealed}");
            let k = ggzy_demo::demo_key(&format!("{u}/custody"));
            let share = k
                .decrypt(
                    &hex::decode(sealed["sealed_share"].as_str().expect("sealed")).expect("hex"),
                )
                .expect("decrypts");
            let (st, out) = self
                .post(
                    &format!("/api/v1/lots/{lot}/custody/share"),
                    json!({"share": hex::encode(share)}),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{u}: {out}");
            last = out;
        }
        last
    }

    async fn stage(&self, lot: &str) -> String {
        self.get(&format!("/api/v1/lots/{lot}")).await.1["stage"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339()
}

fn notice_json(t0: chrono::DateTime<Utc>) -> Value {
    let c = ggzy_demo::tendering::content();
    json!({
        "documents_from": iso(t0 + chrono::Duration::hours(1)), "documents_until": iso(t0 + chrono::Duration::days(6)),
        "bid_deadline": iso(t0 + chrono::Duration::days(21)),
        "scope": c.scope, "qualification": c.qualification, "contact": c.contact, "documents": c.documents
    })
}

/// One procedure from intake to contract over the API, with the clock moved across each period.
async fn lifecycle(app: &TestApp, clock: &ggzy_demo::app::TestClock, procedure: &str) {
    let b = app.backend;
    let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(100);
    clock.set(t0);
    let bidders = ["bidder", "entity03", "entity05", "entity07"];
    let mut ids = vec![];
    for u in bidders {
        ids.push(
            app.as_user(u).await["entity_id"]
                .as_str()
                .expect("entity")
                .to_string(),
        );
    }
    app.as_user("principal").await;
    let mut input = serde_json::to_value(ggzy_demo::tendering::project_input(
        "API 测试工程",
        "一标段",
        procedure,
        ggzy_demo::tendering::points_method(),
    ))
    .expect("json");
    if procedure == "invited" {
        input["state_budget"] = json!("0");
    }
    let (st, reg) = app.post("/api/v1/projects", input).await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {reg}");
    let lot = reg["lots"][0]["lot_id"].as_str().expect("lot").to_string();
    let mut notice = notice_json(t0);
    let mut admitted = bidders.len();
    match procedure {
        "prequalification" => {
            let mut pq = notice_json(t0);
            pq.as_object_mut().map(|o| o.remove("bid_deadline"));
            pq["applications_due"] = json!(iso(t0 + chrono::Duration::days(12)));
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/prequal-notice"), pq)
                .await;
            assert_eq!(st, StatusCode::OK, "{b}: {body}");
            for u in bidders {
                app.as_user(u).await;
                let (st, body) = app
                    .post(
                        &format!("/api/v1/lots/{lot}/prequal-applications"),
                        json!({"statement": "满足要求"}),
                    )
                    .await;
                assert_eq!(st, StatusCode::OK, "{b}: {body}");
            }
            clock.set(t0 + chrono::Duration::days(13));
            app.as_user("principal").await;
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/prequal-review"),
                    json!({"passed": ids[..3]}),
                )
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (StatusCode::OK, Some("prequalified")),
                "{b}: {body}"
            );
            admitted = 3;
            let t1 = t0 + chrono::Duration::days(14);
            clock.set(t1);
            app.as_user("principal").await;
            notice = notice_json(t1);
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/notice"), notice.clone())
                .await;
            assert_eq!(st, StatusCode::OK, "{b}: {body}");
        }
        "invited" => {
            let mut inv = notice.clone();
            inv["invitees"] = json!(ids[..2]);
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/invitations"), inv.clone())
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("tender.too_few_invitees")
                ),
                "{b}: {body}"
            );
            inv["invitees"] = json!(ids[..3]);
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/invitations"), inv)
                .await;
            assert_eq!(st, StatusCode::OK, "{b}: {body}");
            admitted = 3;
        }
        _ => {
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/notice"), notice.clone())
                .await;
            assert_eq!(st, StatusCode::OK, "{b}: {body}");
        }
    }
    let deadline: chrono::DateTime<Utc> = notice["bid_deadline"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("deadline");
    clock.set(deadline - chrono::Duration::days(10));
    app.as_user("principal").await;
    let (_, docs) = app.get(&format!("/api/v1/lots/{lot}/documents")).await;
    let tender_doc = docs
        .as_array()
        .and_then(|d| d.iter().find(|d| d["kind"] == "tender"))
        .expect("tender doc")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut receipts = vec![];
    for (i, u) in bidders.iter().enumerate() {
        app.as_user(u).await;
        let (st, body) = app.get(&format!("/api/v1/documents/{tender_doc}")).await;
        let (bst, receipt) = app
            .bid(
                &lot,
                u,
                &format!("{}", 49_000_000 + i * 100_000),
                [
                    "人民币肆仟玖佰万元整",
                    "人民币肆仟玖佰壹拾万元整",
                    "人民币肆仟玖佰贰拾万元整",
                    "人民币肆仟玖佰叁拾万元整",
                ][i],
                format!("package {u}").as_bytes(),
            )
            .await;
        if i < admitted {
            assert_eq!(st, StatusCode::OK, "{b} {u}: {body}");
            assert_eq!(bst, StatusCode::CREATED, "{b} {u}: {receipt}");
            // The signed receipt checks offline against the platform's published key.
            let signed: ggzy_store::receipts::SignedReceipt =
                serde_json::from_value(receipt["signed"].clone()).expect("signed receipt");
            ggzy_store::receipts::verify(&signed, Some(&app.state.key.public_hex()))
                .expect("receipt verifies");
            assert_eq!(
                signed.envelope_sm3,
                receipt["package_sm3"].as_str().expect("sm3")
            );
            receipts.push(receipt);
        } else {
            assert_eq!(body["code"], "document.not_admitted", "{b}: {body}");
            assert_eq!(receipt["code"], "bid.not_admitted", "{b}: {receipt}");
        }
    }
    // Sealed until the opening, even to the centre.
    app.as_user("staff").await;
    let (st, body) = app
        .get(&format!(
            "/api/v1/bids/{}/package",
            receipts[0]["bid_id"].as_str().expect("bid")
        ))
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("bid.sealed_until_opening")
        ),
        "{b}: {body}"
    );
    let (st, body) = app
        .post(&format!("/api/v1/lots/{lot}/open"), json!({}))
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("procedure.out_of_order")),
        "{b}: {body}"
    );
    // Before the deadline no custodian gets a share.
    app.as_user("custodian").await;
    let (st, body) = app.get(&format!("/api/v1/lots/{lot}/custody/share")).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("custody.before_deadline")
        ),
        "{b}: {body}"
    );
    // At the deadline the scheduler convenes the opening; the custodians' shares open it.
    clock.set(deadline + chrono::Duration::seconds(1));
    let out = app.open_when_convened(&lot).await;
    assert_eq!(out["stage"], "evaluating", "{b}: {out}");
    let (_, transcript) = app
        .get(&format!("/api/v1/lots/{lot}/opening-transcript"))
        .await;
    assert_eq!(
        transcript["lines"].as_array().map(Vec::len),
        Some(admitted),
        "{b}: {transcript}"
    );
    app.as_user(bidders[0]).await;
    let (_, record) = app.get(&format!("/api/v1/lots/{lot}/opening-record")).await;
    assert_eq!(
        record["lines"].as_array().map(Vec::len),
        Some(admitted),
        "{b}: {record}"
    );
    if procedure == "open_tender" {
        // A complaint to the supervising department: too late at 11 days, handled by the supervisor.
        let today = ggzy_store::tendering::day(deadline);
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/complaints"),
                json!({"text": "开标程序违规", "knew_on": today - chrono::Duration::days(11)}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("complaint.too_late")),
            "{b}: {body}"
        );
        let (st, c) = app
            .post(
                &format!("/api/v1/lots/{lot}/complaints"),
                json!({"text": "开标程序违规", "knew_on": today}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {c}");
        let (st, body) = app
            .post(
                &format!("/api/v1/complaints/{}", c["id"].as_str().expect("id")),
                json!({"accept": true}),
            )
            .await;
        assert_eq!(
            (st, body["missing_permission"].as_str()),
            (StatusCode::FORBIDDEN, Some("supervise")),
            "{b}: {body}"
        );
        app.as_user("supervisor").await;
        let (st, body) = app
            .post(
                &format!("/api/v1/complaints/{}", c["id"].as_str().expect("id")),
                json!({"accept": true}),
            )
            .await;
        assert_eq!(
            (st, body["ok"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{b}: {body}"
        );
        let (st, body) = app
            .post(
                &format!("/api/v1/complaints/{}", c["id"].as_str().expect("id")),
                json!({"accept": true, "text": "投诉不成立，驳回"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        // The decision is public on the lot's deal page.
        let (_, lot_json) = app.get(&format!("/api/v1/lots/{lot}")).await;
        let code = lot_json["trade_code"].as_str().expect("trade code");
        let (st, deal) = app.get(&format!("/api/v1/deals/{code}")).await;
        assert_eq!(st, StatusCode::OK, "{b}: {deal}");
        assert!(
            deal["notices"]
                .as_array()
                .expect("notices")
                .iter()
                .any(|n| n["notice_kind"] == "complaint_decision"
                    && n["body"].as_str().is_some_and(|t| t.contains("投诉不成立"))),
            "{b}: {deal}"
        );
    }
    // The committee is drawn at random: four is too few; five across two specialties is drawn,
    // the drawn list hidden from the principal, every drawn expert accepts and signs in. The
    // groups are the demo pool's deepest (building and municipal works): the demo's own lots
    // have already used the smaller ones for this principal, and an expert who served the same
    // principal three times in 180 days is rightly passed over.
    app.as_user("staff").await;
    let today = ggzy_store::tendering::day(ggzy_core::clock::Clock::now(clock)).to_string();
    let draw_body = |n: u32| json!({"groups": [{"specialty": "A0801", "count": n}, {"specialty": "A0802", "count": 2}], "evaluation_on": today});
    let (st, body) = app
        .post(&format!("/api/v1/lots/{lot}/draw"), draw_body(2))
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("evaluation.committee_size")
        ),
        "{b}: {body}"
    );
    let (st, body) = app
        .post(&format!("/api/v1/lots/{lot}/draw"), draw_body(3))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {body}");
    let (_, proof) = app.get(&format!("/api/v1/lots/{lot}/draw/proof")).await;
    assert_eq!(proof["revealed"], false, "{b}: {proof}");
    let seated = seat_drawn_committee(app, &lot).await;
    assert_eq!(seated.len(), 5, "{b}");
    app.as_user("principal").await;
    let (_, v) = app.get(&format!("/api/v1/lots/{lot}/draw")).await;
    assert!(
        v["picks"].is_null(),
        "{b}: the principal must not see the drawn list: {v}"
    );
    let bidder_ids: Vec<String> = record["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["bidder_id"].as_str().expect("id").to_string())
        .collect();
    for (k, e) in seated.iter().enumerate() {
        app.as_user(e).await;
        let mut scores = serde_json::Map::new();
        for (i, id) in bidder_ids.iter().enumerate() {
            scores.insert(
                id.clone(),
                // The fifth member marks one bidder's management far below the others: an alert.
                json!({"technical": 20 + (i % 3), "manager": if k == 4 && i == 0 { 0 } else { 8 }, "record": 4}),
            );
        }
        if k == 0 {
            let mut over = scores.clone();
            over.insert(
                bidder_ids[0].clone(),
                json!({"technical": 26, "manager": 8, "record": 4}),
            );
            let (st, body) = app
                .put(
                    &format!("/api/v1/lots/{lot}/sheet"),
                    json!({"scores": over}),
                )
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("evaluation.score_out_of_range")
                ),
                "{b}: {body}"
            );
        }
        let (st, body) = app
            .put(
                &format!("/api/v1/lots/{lot}/sheet"),
                json!({"scores": scores}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    }
    for e in &seated {
        app.as_user(e).await;
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/report/sign"), json!({}))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    }
    assert_eq!(app.stage(&lot).await, "reported");
    app.as_user("supervisor").await;
    let (_, alerts) = app.get("/api/v1/alerts").await;
    assert!(
        alerts
            .as_array()
            .expect("alerts")
            .iter()
            .any(|a| a["lot_id"] == lot.as_str()
                && a["kind"] == "evaluation.abnormal_score"
                && a["evidence"]["score"] == 0),
        "{b}: the abnormal score reaches the supervisor: {alerts}"
    );
    // Publicity: 2 days is too short; 3 days passes; no award before it ends.
    app.as_user("principal").await;
    let (_, report) = app.get(&format!("/api/v1/lots/{lot}/report")).await;
    let first = report["candidates"][0].as_str().expect("first").to_string();
    let second = report["candidates"][1]
        .as_str()
        .expect("second")
        .to_string();
    let from = deadline + chrono::Duration::days(1);
    clock.set(from);
    app.as_user("principal").await;
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/publicity"),
            json!({"until": iso(from + chrono::Duration::days(2))}),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("award.publicity_short")
        ),
        "{b}: {body}"
    );
    let until = from + chrono::Duration::days(3);
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/publicity"),
            json!({"until": iso(until)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {body}");
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/award"),
            json!({"winner": first}),
        )
        .await;
    assert_eq!(
        (st, body["waits_for"].as_str()),
        (StatusCode::CONFLICT, Some("publicity_end_then_award")),
        "{b}: {body}"
    );
    clock.set(until + chrono::Duration::hours(1));
    app.as_user("principal").await;
    if procedure != "invited" {
        // State funds control: only the first-ranked may win (条例 Art 55).
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/award"),
                json!({"winner": second}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("award.first_ranked")),
            "{b}: {body}"
        );
    }
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/award"),
            json!({"winner": first}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {body}");
    let signed = until + chrono::Duration::days(5);
    clock.set(signed);
    app.as_user("principal").await;
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/contract"),
            json!({"amount": "49000000", "signed_on": ggzy_store::tendering::day(signed)}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {body}");
    assert_eq!(app.stage(&lot).await, "contracted");
    let (_, refunds) = app.get(&format!("/api/v1/lots/{lot}/refunds")).await;
    assert_eq!(refunds.as_array().map(Vec::len), Some(admitted));
    assert_eq!(
        refunds[0]["due_on"],
        json!(ggzy_store::tendering::day(signed) + chrono::Duration::days(5))
    );
    // Every step is in the log.
    let kinds: Vec<String> = ggzy_store::events::list(&app.state.db, None, None, 1000)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.subject == format!("lot:{lot}"))
        .map(|e| e.kind)
        .collect();
    for k in [
        "lot.bid_accepted",
        "lot.opened",
        "lot.evaluation_reported",
        "lot.publicity_started",
        "lot.awarded",
        "lot.contract_recorded",
    ] {
        assert!(
            kinds.iter().any(|x| x == k),
            "{b}: {k} missing from {kinds:?}"
        );
    }
    public_record(app, &lot, procedure).await;
}

/// What the public sees of a finished lot, signed in as nobody: its notices found by a Chinese
/// phrase, its whole deal in order, and the same notices in the feed.
async fn public_record(app: &TestApp, lot: &str, procedure: &str) {
    let b = app.backend;
    let public = reqwest::Client::new();
    let get = |p: String| {
        let public = public.clone();
        let url = app.url(&p);
        async move {
            let r = public.get(url).send().await.expect("send");
            let st = r.status();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, found) = get("/api/v1/notices?q=API%20测试工程&sort=date".into()).await;
    assert_eq!(st, StatusCode::OK, "{b}: {found}");
    let hits = found["hits"].as_array().expect("hits");
    let deal = hits
        .iter()
        .find(|h| h["notice_kind"] == "contract")
        .and_then(|h| h["deal_code"].as_str())
        .unwrap_or_else(|| panic!("{b}: no contract notice found in {found}"))
        .to_string();
    assert!(
        hits.iter().any(|h| h["snippet"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["hit"] == true))),
        "{b}: no marked snippet"
    );
    let (st, whole) = get(format!("/api/v1/deals/{deal}")).await;
    assert_eq!(st, StatusCode::OK, "{b}: {whole}");
    assert!(
        whole["notices"]
            .as_array()
            .is_some_and(|n| n.iter().all(|n| n["lot_id"] == lot)),
        "{b}: {whole}"
    );
    let kinds: Vec<&str> = whole["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["notice_kind"].as_str())
        .collect();
    // An invited tender invites by letter: its first public notice is the candidates'.
    let expected: &[&str] = match procedure {
        // Who passed the prequalification is published at the opening, not before.
        "prequalification" => &[
            "prequal",
            "prequal_result",
            "candidates",
            "result",
            "contract",
        ],
        "invited" => &["candidates", "result", "contract"],
        _ => &["tender", "candidates", "result", "contract"],
    };
    let published: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| expected.contains(k))
        .collect();
    assert_eq!(
        published, expected,
        "{b} {procedure}: the deal published {kinds:?}"
    );
    // The feed carries the same notices, and from the last cursor nothing more.
    let (st, feed) = get("/api/v1/notices/feed?limit=500".into()).await;
    assert_eq!(st, StatusCode::OK, "{b}: {feed}");
    let items = feed["items"].as_array().expect("items");
    let of_deal = items
        .iter()
        .filter(|n| n["deal_code"] == deal.as_str())
        .count();
    assert_eq!(of_deal, kinds.len(), "{b}: feed and deal disagree");
    let cursor = feed["next_cursor"].as_str().expect("cursor");
    // The server's own timers may publish other lots' notices meanwhile; none of this deal's
    // comes again, and an empty page hands the same cursor back.
    let (_, after) = get(format!("/api/v1/notices/feed?cursor={cursor}")).await;
    let again = after["items"].as_array().expect("items");
    assert!(
        again.iter().all(|n| n["deal_code"] != deal.as_str()),
        "{b}: {after}"
    );
    if again.is_empty() {
        assert_eq!(after["next_cursor"], cursor);
    }
    let (st, bad) = get("/api/v1/notices/feed?cursor=12".into()).await;
    assert_eq!(
        (st, bad["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("feed.bad_cursor")),
        "{b}: {bad}"
    );
    // The day's bulk download carries the deal's last notice.
    let last = &whole["notices"]
        .as_array()
        .expect("notices")
        .last()
        .expect("last")
        .clone();
    let at: chrono::DateTime<Utc> = last["published_at"]
        .as_str()
        .expect("at")
        .parse()
        .expect("time");
    let day = (at + chrono::Duration::hours(8)).date_naive();
    let lines = public
        .get(app.url(&format!("/api/v1/notices/daily/{day}")))
        .send()
        .await
        .expect("daily")
        .text()
        .await
        .expect("text");
    assert!(
        lines
            .lines()
            .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|n| n["id"] == last["id"])),
        "{b}: the daily download lacks {}",
        last["id"]
    );
    // A published notice is corrected by a new notice linked to it, by its tenderer only.
    let first = whole["notices"][0]["id"].as_str().expect("id").to_string();
    let path = format!("/api/v1/notices/{first}/corrections");
    app.as_user("bidder").await;
    let (st, body) = app
        .post(&path, json!({"changes": "联系电话更正为 0574-88880000"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}: {body}");
    app.as_user("principal").await;
    let (st, body) = app.post(&path, json!({"changes": " "})).await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("required")),
        "{b}: {body}"
    );
    let (st, body) = app
        .post(&path, json!({"changes": "联系电话更正为 0574-88880000"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {body}");
    let (_, original) = get(format!("/api/v1/notices/{first}")).await;
    assert_eq!(
        original["corrections"][0]["id"], body["id"],
        "{b}: {original}"
    );
    assert_eq!(original["corrections"][0]["notice_kind"], "correction");
    let (_, again) = get(format!("/api/v1/deals/{deal}")).await;
    assert_eq!(
        again["notices"].as_array().map(Vec::len),
        Some(kinds.len() + 1)
    );
}

/// The accepted experts of a lot's draw, as the staff who ran it sees them, in draw order.
async fn drawn_members(app: &TestApp, lot: &str) -> Vec<String> {
    app.as_user("staff").await;
    let (_, v) = app.get(&format!("/api/v1/lots/{lot}/draw")).await;
    v["picks"]
        .as_array()
        .expect("the runner sees the picks")
        .iter()
        .filter(|p| p["status"] == "accepted")
        .map(|p| p["username"].as_str().expect("username").to_string())
        .collect()
}

/// Every invited expert accepts over the API (the first after trying to decline without a reason)
/// until the committee is formed; then each signs in with the identity number.
async fn seat_drawn_committee(app: &TestApp, lot: &str) -> Vec<String> {
    loop {
        app.as_user("staff").await;
        let (_, v) = app.get(&format!("/api/v1/lots/{lot}/draw")).await;
        let invited: Vec<String> = v["picks"]
            .as_array()
            .expect("picks")
            .iter()
            .filter(|p| p["status"] == "invited")
            .map(|p| p["username"].as_str().expect("username").to_string())
            .collect();
        if invited.is_empty() {
            assert_eq!(v["status"], "formed", "{v}");
            break;
        }
        for u in invited {
            app.as_user(&u).await;
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/draw/reply"),
                    json!({"accept": false}),
                )
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("draw.reason_required")
                ),
                "{body}"
            );
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/draw/reply"),
                    json!({"accept": true}),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{body}");
        }
    }
    let seated = drawn_members(app, lot).await;
    for u in &seated {
        app.as_user(u).await;
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/draw/check-in"),
                json!({"id_number": "110105194912310021"}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("draw.identity_mismatch")
            ),
            "{body}"
        );
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/draw/check-in"),
                json!({"id_number": ggzy_demo::experts::id_number(u)}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
    }
    seated
}

#[tokio::test]
async fn each_procedure_from_intake_to_contract_over_the_api() {
    for procedure in ["open_tender", "prequalification", "invited"] {
        for t in TestDb::all().await {
            let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
            // Many people take turns in one browser here; the per-address sign-in limit is not under test.
            let config = Config {
                login_attempts: 10_000,
                ..Config::default()
            };
            let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
            lifecycle(&app, &clock, procedure).await;
            app.finish().await;
        }
    }
}

/// A tenderer ends a tender over the API before its deadline; a bidder may not, a reason is
/// required, and afterwards anyone reads the termination on the notice's and the deal's pages and
/// in the feed, while the lot refuses any further step.
#[tokio::test]
async fn an_ended_tender_is_public_on_its_deal_page() {
    for app in TestApp::all().await {
        let b = app.backend;
        app.as_user("principal").await;
        let (st, lots) = app.get("/api/v1/lots?stage=tendering").await;
        assert_eq!(st, StatusCode::OK, "{b}: {lots}");
        let lot = lots
            .as_array()
            .and_then(|l| l.iter().find(|x| x["procedure_kind"] == "open_tender"))
            .expect("the demo has an open tender under way")
            .clone();
        let (id, code) = (
            lot["id"].as_str().expect("id"),
            lot["trade_code"].as_str().expect("code"),
        );
        let path = format!("/api/v1/lots/{id}/termination");
        app.as_user("bidder").await;
        let (st, body) = app.post(&path, json!({"reason": "我方不想参加了"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}: {body}");
        app.as_user("principal").await;
        let (st, body) = app.post(&path, json!({"reason": " "})).await;
        assert_eq!(
            (st, body["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
            "{b}: {body}"
        );
        let (st, body) = app
            .post(
                &path,
                json!({"reason": "上级主管部门调整建设计划，本标段暂停实施"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {body}");
        let notice = body["id"].as_str().expect("notice").to_string();
        let (st, body) = app.post(&path, json!({"reason": "再次终止"})).await;
        assert_eq!(
            (st, body["stage"].as_str()),
            (StatusCode::CONFLICT, Some("terminated")),
            "{b}: {body}"
        );

        // The public, signed in as nobody.
        let public = reqwest::Client::new();
        let read = |p: String| {
            let public = public.clone();
            let url = app.url(&p);
            async move {
                let r = public.get(url).send().await.expect("get");
                assert_eq!(r.status(), StatusCode::OK, "{p}");
                r.json::<Value>().await.expect("json")
            }
        };
        let n = read(format!("/api/v1/notices/{notice}")).await;
        assert_eq!(n["notice_kind"], "termination", "{b}: {n}");
        assert!(
            n["body"]
                .as_str()
                .is_some_and(|t| t.contains("终止原因：上级主管部门调整建设计划")),
            "{n}"
        );
        let deal = read(format!("/api/v1/deals/{code}")).await;
        let kinds: Vec<&str> = deal["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .filter_map(|x| x["notice_kind"].as_str())
            .collect();
        assert_eq!(kinds.first(), Some(&"tender"), "{b}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&"termination"), "{b}: {kinds:?}");
        let feed = read("/api/v1/notices/feed?notice_kind=termination&limit=500".into()).await;
        assert!(feed.to_string().contains(&notice), "{b}: {feed}");
        app.finish().await;
    }
}

/// A state-property pre-disclosure over the API and the page form: refused to a bidder, refused
/// with its article when it comes later than 10 working days after the approval, published under
/// its own code, and offered to the announcing staff until an announcement names it.
#[tokio::test]
async fn a_pre_disclosure_is_published_under_its_own_code_over_the_api_and_the_form() {
    for app in TestApp::all().await {
        let b = app.backend;
        let today = ggzy_store::tendering::day(app.state.now());
        let cal = ggzy_core::calendar::Calendar::default_cn();
        let body = |approved: chrono::NaiveDate| {
            json!({"name": "宁波某国有控股公司 60% 股权", "region_code": "330200",
                   "subject": "60% 股权，转让后控股权转移", "shareholders": "宁波市国资委 100%",
                   "approval_ref": "甬国资产权〔2026〕40号", "approved_on": approved,
                   "financials": "资产总额 2.1 亿元"})
        };
        let path = "/api/v1/grants/pre-disclosures";
        app.as_user("bidder").await;
        let (st, _) = app.post(path, body(today)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        app.as_user("staff").await;
        let (st, none) = app.get(path).await;
        assert_eq!((st, none), (StatusCode::OK, json!([])), "{b}");
        // Eleven working days after the approval is late; ten is in time.
        let mut eleven_before = today;
        while cal.working_days_between(eleven_before, today) < 11 {
            eleven_before -= chrono::Duration::days(1);
        }
        let (st, e) = app.post(path, body(eleven_before)).await;
        assert_eq!(
            (
                st,
                e["code"].as_str(),
                e["fields"][0]["rule"]["article"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("property.pre_disclosure_late"),
                Some("13")
            ),
            "{b}: {e}"
        );
        let ten_before = eleven_before + chrono::Duration::days(1);
        let (st, p) = app.post(path, body(ten_before)).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {p}");
        let code = p["code"].as_str().expect("code");
        assert!(code.starts_with("GY"), "{p}");
        let (_, open) = app.get(path).await;
        assert_eq!(open[0]["code"].as_str(), Some(code), "{b}: {open}");

        // The public reads it on its deal page.
        let r = reqwest::get(app.url(&format!("/api/v1/deals/{code}")))
            .await
            .expect("deal");
        let deal: Value = r.json().await.expect("json");
        assert_eq!(
            deal["notices"][0]["notice_kind"], "pre_disclosure",
            "{b}: {deal}"
        );

        // The page form: a bad date is a field error; a good one leads to the deal page.
        let mut fields = vec![
            ("name", "宁波某国有控股公司 70% 股权"),
            ("region_code", "330200"),
            ("subject", "70% 股权"),
            ("shareholders", "宁波市国资委 100%"),
            ("approval_ref", "甬国资产权〔2026〕41号"),
            ("approved_on", "昨天"),
            ("financials", "资产总额 3 亿元"),
        ];
        let r = app.form("/grants/pre-disclosures", &fields, None).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text().await.expect("html");
        assert!(html.contains("日期格式应为 YYYY-MM-DD"), "{b}");
        let day = today.to_string();
        fields[5] = ("approved_on", &day);
        let r = app.form("/grants/pre-disclosures", &fields, None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let to = r.headers()["location"].to_str().expect("location");
        assert!(to.starts_with("/deals/GY"), "{to}");
        let page = app.client.get(app.url(to)).send().await.expect("deal page");
        assert!(page.text().await.expect("html").contains("70% 股权"), "{b}");
        app.finish().await;
    }
}

/// After a procurement's contract, over the API: a supplement a fen over the 10% room is refused
/// with its article, the acceptance is published, and the supplier's public record lists it.
#[tokio::test]
async fn a_contract_is_supplemented_within_ten_percent_and_accepted_over_the_api() {
    for app in TestApp::all().await {
        let b = app.backend;
        app.as_user("principal").await;
        let (_, lots) = app.get("/api/v1/lots?stage=contracted").await;
        let lot = lots
            .as_array()
            .and_then(|l| l.iter().find(|x| x["procedure_kind"] == "gp_open_tender"))
            .unwrap_or_else(|| panic!("{b}: a contracted procurement in the demo: {lots}"))["id"]
            .as_str()
            .expect("id")
            .to_string();
        let (st, p) = app
            .get(&format!("/api/v1/lots/{lot}/contract/performance"))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {p}");
        let room = p["supplement_room"].as_i64().expect("room");
        let today = clock_now(&app)
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("tz"))
            .date_naive();
        let over = json!({
            "amount": format!("{}.{:02}", (room + 1) / 100, (room + 1) % 100),
            "signed_on": today.to_string(),
            "reason": "新增同型号设备",
        });
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/contract/supplements"), over)
            .await;
        assert_eq!(
            (
                st,
                body["fields"][0]["code"].as_str(),
                body["fields"][0]["rule"]["article"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("contract.supplement_over_10"),
                Some("49")
            ),
            "{b}: {body}"
        );
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/contract/acceptance"),
                json!({"accepted_on": today.to_string(), "passed": true, "summary": "到货验收合格"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let notice = body["id"].as_str().expect("notice").to_string();
        let (_, detail) = app.get(&format!("/api/v1/lots/{lot}")).await;
        let winner = detail["winner"].as_str().expect("winner").to_string();
        let public = reqwest::Client::new();
        let record: Value = public
            .get(app.url(&format!("/api/v1/entities/{winner}/record")))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert!(
            record["performed"]
                .as_array()
                .is_some_and(|p| p.iter().any(|n| n["id"] == notice.as_str())),
            "{b}: {record}"
        );
        app.finish().await;
    }
}

/// The second half of a tender through the pages' forms (not the API): the demo lot under
/// evaluation is scored, signed, published, awarded and contracted by posting the forms a browser
/// would post.
#[tokio::test]
async fn evaluation_to_contract_through_the_page_forms() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let now = ggzy_demo::testing::epoch();
        clock.set(now);
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let b = app.backend;
        let (_, lots) = app.get("/api/v1/lots/public?limit=50").await;
        let lot = lots
            .as_array()
            .expect("lots")
            .iter()
            .find(|l| l["stage"] == "evaluating")
            .expect("demo lot under evaluation")["id"]
            .as_str()
            .expect("id")
            .to_string();
        let seated = drawn_members(&app, &lot).await;
        app.as_user(&seated[0]).await;
        let (_, record) = app.get(&format!("/api/v1/lots/{lot}/opening-record")).await;
        let bidders: Vec<String> = record["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .map(|l| l["bidder_id"].as_str().expect("id").to_string())
            .collect();
        let post = |fields: Vec<(String, String)>| {
            let lot = lot.clone();
            let app = &app;
            async move {
                // Each step has its route: `("action", "sheet")` posts to `/lots/{id}/sheet`.
                let step = fields
                    .iter()
                    .find(|(k, _)| k == "action")
                    .map(|(_, v)| v.replace('_', "-"))
                    .expect("a step");
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .filter(|(k, _)| k != "action")
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                app.form(&format!("/lots/{lot}/{step}"), &pairs, None).await
            }
        };
        for (k, e) in seated.iter().enumerate() {
            app.as_user(e).await;
            if k >= 2 {
                let mut f = vec![("action".to_string(), "sheet".to_string())];
                for (i, id) in bidders.iter().enumerate() {
                    f.push((format!("s.{id}.technical"), (20 + i).to_string()));
                    f.push((format!("s.{id}.manager"), "8".into()));
                    // Objective: the same score the demo's first two members gave.
                    f.push((format!("s.{id}.record"), (3 + i % 2).to_string()));
                }
                if k == 2 {
                    // An out-of-range score re-renders the page with the field's message.
                    let mut bad = f.clone();
                    bad[1].1 = "30".into();
                    let r = post(bad).await;
                    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
                    assert!(
                        r.text()
                            .await
                            .expect("page")
                            .contains("分值应在 0 至 25 之间")
                    );
                }
                let r = post(f).await;
                assert_eq!(
                    r.status(),
                    StatusCode::SEE_OTHER,
                    "{b}: {:?}",
                    r.text().await
                );
            }
        }
        for (k, e) in seated.iter().enumerate() {
            app.as_user(e).await;
            let r = post(vec![
                ("action".into(), "sign".into()),
                (
                    "dissent".into(),
                    if k == 4 {
                        "技术评分偏高".into()
                    } else {
                        String::new()
                    },
                ),
            ])
            .await;
            assert_eq!(
                r.status(),
                StatusCode::SEE_OTHER,
                "{b}: {:?}",
                r.text().await
            );
        }
        assert_eq!(app.stage(&lot).await, "reported", "{b}");
        app.as_user("principal").await;
        let until = now + chrono::Duration::days(3) + chrono::Duration::hours(1);
        let local = |t: chrono::DateTime<Utc>| {
            (t + chrono::Duration::hours(8))
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        };
        let r = post(vec![
            ("action".into(), "publicity".into()),
            ("until".into(), local(now + chrono::Duration::days(2))),
        ])
        .await;
        let page = r.text().await.expect("page");
        assert!(
            page.contains("中标候选人公示期不得少于 3 日") && page.contains("第54条"),
            "{b}: refusal names the rule"
        );
        let r = post(vec![
            ("action".into(), "publicity".into()),
            ("until".into(), local(until)),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let (_, report) = app.get(&format!("/api/v1/lots/{lot}/report")).await;
        let first = report["candidates"][0].as_str().expect("first").to_string();
        let r = post(vec![
            ("action".into(), "award".into()),
            ("winner".into(), first.clone()),
        ])
        .await;
        assert_eq!(
            r.status(),
            StatusCode::CONFLICT,
            "{b}: no award during publicity"
        );
        clock.set(until + chrono::Duration::hours(1));
        app.as_user("principal").await;
        let r = post(vec![
            ("action".into(), "award".into()),
            ("winner".into(), first),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let today = ggzy_store::tendering::day(until + chrono::Duration::hours(1)).to_string();
        let r = post(vec![
            ("action".into(), "contract".into()),
            ("amount".into(), "49500000".into()),
            ("signed_on".into(), today.clone()),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        assert_eq!(app.stage(&lot).await, "contracted", "{b}");
        let r = post(vec![
            ("action".into(), "report".into()),
            ("body".into(), "书面报告".into()),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let page = app
            .client
            .get(app.url(&format!("/lots/{lot}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            page.contains("投标保证金退还") && page.contains("合同已签订"),
            "{b}"
        );
        // After the award the principal rates each expert through the page; the draw is public.
        assert!(page.contains("评价评标专家"), "{b}");
        let (_, members) = app.get(&format!("/api/v1/lots/{lot}/committee")).await;
        let first = members[0]["account_id"]
            .as_str()
            .expect("member")
            .to_string();
        let r = post(vec![
            ("action".into(), "rate".into()),
            ("account_id".into(), first.clone()),
            ("stars".into(), "4".into()),
        ])
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let r = post(vec![
            ("action".into(), "rate".into()),
            ("account_id".into(), first),
            ("stars".into(), "4".into()),
        ])
        .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: rated twice"
        );
        let (_, proof) = app.get(&format!("/api/v1/lots/{lot}/draw/proof")).await;
        assert_eq!(proof["revealed"], true, "{b}: {proof}");
        app.finish().await;
    }
}

/// The expert pool over the API and the pages on every backend: an application with field
/// errors, then accepted; vetting by the department only; the new expert signs in with the role;
/// misconduct with its legal basis lowers the credit shown on the expert's page.
#[tokio::test]
async fn experts_apply_are_vetted_and_carry_credit_over_the_api_and_pages() {
    for t in TestDb::all().await {
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn(t, config).await;
        let b = app.backend;
        let mut body = json!({
            "username": "newexpert", "password": demo::DEMO_PASSWORD, "name": "钟南", "id_number": "110105194912310021",
            "birth_date": "1975-06-01", "title": "高级工程师", "senior_title": true, "practice_years": 12,
            "employer_uscc": "91350100M000100Y43", "employer_name": "福州某设计院", "region_code": "330203",
            "phone": "13905740000", "email": "zhong@example.cn", "specialties": ["A0801", "A9999"],
            "former_employers": [{"uscc": "91350100M000100Y44", "left_on": "2025-01-01"}]
        });
        let (st, e) = app.post("/api/v1/experts", body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {e}");
        let fields: Vec<&str> = e["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|x| x["field"].as_str())
            .collect();
        for f in ["id_number", "specialties[1]", "former_employers[0].uscc"] {
            assert!(fields.contains(&f), "{b}: {f} in {fields:?}");
        }
        body["id_number"] = json!(ggzy_core::expert::complete_id_number("33020319750601123"));
        body["specialties"] = json!(["A0801", "A090101"]);
        body["former_employers"] = json!([]);
        let (st, created) = app.post("/api/v1/experts", body.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {created}");
        let id = created["id"].as_str().expect("id").to_string();
        // Centre staff may read the registry but not vet; the department vets.
        app.as_user("staff").await;
        let (_, list) = app.get("/api/v1/experts?status=pending").await;
        assert!(
            list.as_array()
                .expect("list")
                .iter()
                .any(|x| x["id"] == id.as_str()),
            "{b}: {list}"
        );
        let (st, _) = app
            .post(
                &format!("/api/v1/experts/{id}/status"),
                json!({"status": "active"}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        app.as_user("supervisor").await;
        let (st, e) = app
            .post(
                &format!("/api/v1/experts/{id}/status"),
                json!({"status": "refused"}),
            )
            .await;
        assert_eq!(
            (st, e["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("expert.reason_required")
            ),
            "{b}"
        );
        let (st, _) = app
            .post(
                &format!("/api/v1/experts/{id}/status"),
                json!({"status": "active"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (st, e) = app.post(&format!("/api/v1/experts/{id}/misconduct"), json!({
            "description": "评标中私下接触投标人", "regulation": "招标投标法实施条例", "article": "72", "points": 30,
            "ban": {"until": "2099-12-31", "scope": ["construction"]}
        })).await;
        assert_eq!(st, StatusCode::OK, "{b}: {e}");
        let page = app
            .client
            .get(app.url(&format!("/experts/{id}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            page.contains("id=\"credit-score\">70<") && page.contains("2099-12-31"),
            "{b}"
        );
        // The same record through the page's own step, with a ban over two trades.
        let r = app
            .form(
                &format!("/experts/{id}/misconduct"),
                &[
                    ("description", "迟到且未请假"),
                    ("regulation", "评标专家和评标专家库管理暂行办法"),
                    ("article", "15"),
                    ("points", "10"),
                    ("ban", "on"),
                    ("ban_until", "2099-06-30"),
                    ("ban_scope", "construction"),
                    ("ban_scope", "procurement"),
                ],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let page = r.text().await.expect("text");
        assert!(
            page.contains("id=\"credit-score\">60<") && page.contains("2099-06-30"),
            "{b}"
        );
        // The centre records the dishonest-debtor query; the supervisor may not.
        let r = app
            .form(
                &format!("/experts/{id}/credit-check"),
                &[("dishonest", "no")],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{b}");
        app.as_user("staff").await;
        let r = app
            .form(
                &format!("/experts/{id}/credit-check"),
                &[("dishonest", "no")],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        assert!(r.text().await.expect("text").contains("id=\"done\""), "{b}");
        let registry = app
            .client
            .get(app.url("/experts"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            registry.contains("钟南") && registry.contains("林教授"),
            "{b}"
        );
        // The approved expert signs in with the expert role and sees an explained empty page.
        let (st, me) = app.login("newexpert").await;
        assert_eq!(st, StatusCode::OK, "{b}: {me}");
        let mine = app
            .client
            .get(app.url("/experts/me"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            mine.contains("暂无抽取邀请") && mine.contains("禁止评标"),
            "{b}"
        );
        let (_, sp) = app.get("/api/v1/specialties").await;
        assert!(
            sp.as_array()
                .expect("table")
                .iter()
                .any(|x| x["code"] == "A040103"),
            "{b}"
        );
        app.finish().await;
    }
}

/// One government procurement by `method` from registration to contract over the API, with a
/// refusal of bad input at each step that has one and a challenge that stops the contract.
async fn procurement_lifecycle(
    app: &TestApp,
    clock: &ggzy_demo::app::TestClock,
    method: ggzy_core::procurement::PurchaseMethod,
    t0: chrono::DateTime<Utc>,
) {
    use ggzy_core::procurement::PurchaseMethod as M;
    let b = app.backend;
    clock.set(t0);
    let users = ggzy_demo::procurement::SUPPLIERS;
    let mut ids = vec![];
    for u in users {
        ids.push(
            app.as_user(u).await["entity_id"]
                .as_str()
                .expect("entity")
                .to_string(),
        );
    }
    app.as_user("principal").await;
    let spec = ggzy_demo::procurement::specs()
        .into_iter()
        .find(|s| s.method == method)
        .expect("spec");
    let mut input = json!({
        "name": format!("API {}", spec.name), "region_code": "330200", "supervising_department": "宁波市财政局",
        "category": spec.category, "budget": spec.budget, "method": method.code(), "grounds": spec.grounds,
        "approval_ref": spec.approval, "bid_bond": "20000", "evaluation": spec.evaluation, "sme_small_percent": 10
    });
    if method != M::OpenTender {
        // Without its lawful ground the method is refused, citing the law.
        let mut bare = input.clone();
        bare["grounds"] = json!([]);
        let (st, body) = app.post("/api/v1/procurement/projects", bare).await;
        assert_eq!(
            (st, body["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("procurement.no_ground")
            ),
            "{b}: {body}"
        );
        assert!(
            body["fields"][0]["rule"]["article"].is_string(),
            "{b}: the rule is cited: {body}"
        );
    }
    let (st, reg) = app.post("/api/v1/procurement/projects", input.take()).await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {reg}");
    let lot = reg["lots"][0]["lot_id"].as_str().expect("lot").to_string();
    let (_, terms) = app.get(&format!("/api/v1/lots/{lot}/procurement")).await;
    assert_eq!(
        terms["method"],
        serde_json::to_value(method).expect("json"),
        "{b}: {terms}"
    );
    let cal = ggzy_core::calendar::Calendar::default_cn();
    let (from, until, deadline) = ggzy_demo::procurement::notice_dates(method, t0, &cal);
    let c = ggzy_demo::procurement::content();
    let mut notice = json!({
        "documents_from": iso(from), "documents_until": iso(until), "bid_deadline": iso(deadline),
        "scope": c.scope, "qualification": c.qualification, "contact": c.contact, "documents": c.documents
    });
    let invitees: Vec<String> = match method {
        M::InvitedTender => {
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/supplier-draw"),
                    json!({"suppliers": ids[..5], "count": 3}),
                )
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("procurement.list_too_short")
                ),
                "{b}: {body}"
            );
            let (st, proof) = app
                .post(
                    &format!("/api/v1/lots/{lot}/supplier-draw"),
                    json!({"suppliers": ids, "count": 3}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{b}: {proof}");
            let round: ggzy_core::draw::PublishedRound =
                serde_json::from_value(proof["rounds"][0].clone()).expect("round");
            ggzy_core::draw::verify(&round).expect("anyone recomputes the supplier draw");
            round.picks.iter().map(|p| p.expert.to_string()).collect()
        }
        M::CompetitiveNegotiation => ids[..3].to_vec(),
        M::SingleSource => ids[..1].to_vec(),
        _ => vec![],
    };
    if invitees.is_empty() {
        // A response period one day short of its minimum is refused with its rule.
        let pack = ggzy_core::procurement::ProcurementPack::v2022();
        let d0 = ggzy_store::tendering::day(from);
        let days = |n: u32| chrono::Duration::days(i64::from(n));
        let minimum = match method {
            M::OpenTender | M::InvitedTender => d0 + days(pack.tender_issue_to_deadline.value.0),
            M::CompetitiveConsultation => d0 + days(pack.consultation_issue_to_response.value.0),
            M::RequestForQuotation => cal.add_working_days(d0, pack.rfq_issue_to_response.value),
            M::CompetitiveNegotiation => {
                cal.add_working_days(d0, pack.negotiation_issue_to_response.value)
            }
            M::SingleSource => cal.add_working_days(d0, pack.single_source_publicity.value),
        };
        assert!(
            ggzy_store::tendering::day(deadline) >= minimum,
            "{b}: the demo's dates are lawful"
        );
        let short_deadline =
            ggzy_core::tender_schedule::cn_day_start(minimum - chrono::Duration::days(1))
                + chrono::Duration::hours(9)
                + chrono::Duration::minutes(30);
        let mut short = notice.clone();
        short["bid_deadline"] = json!(iso(short_deadline));
        short["documents_until"] =
            json!(iso(until.min(short_deadline - chrono::Duration::hours(1))));
        {
            let (st, body) = app.post(&format!("/api/v1/lots/{lot}/notice"), short).await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("procurement.period_short")
                ),
                "{b} {method:?}: {body}"
            );
        }
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/notice"), notice.clone())
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    } else {
        if method == M::CompetitiveNegotiation {
            let mut two = notice.clone();
            two["invitees"] = json!(invitees[..2]);
            let (st, body) = app
                .post(&format!("/api/v1/lots/{lot}/invitations"), two)
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("procurement.too_few_suppliers")
                ),
                "{b}: {body}"
            );
        }
        notice["invitees"] = json!(invitees);
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/invitations"), notice.clone())
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    }
    clock.set(from + chrono::Duration::hours(2));
    let (_, docs) = app.get(&format!("/api/v1/lots/{lot}/documents")).await;
    let doc = docs[0]["id"].as_str().expect("doc").to_string();
    let mut bidders = vec![];
    for (i, u) in users.iter().enumerate() {
        if !invitees.is_empty() && !invitees.contains(&ids[i]) || invitees.is_empty() && i >= 3 {
            continue;
        }
        app.as_user(u).await;
        let (st, body) = app.get(&format!("/api/v1/documents/{doc}")).await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let (price, words) = if method == M::SingleSource {
            ("4380000", "人民币肆佰叁拾捌万元整")
        } else {
            [
                ("1720000", "人民币壹佰柒拾贰万元整"),
                ("1690000", "人民币壹佰陆拾玖万元整"),
                ("1750000", "人民币壹佰柒拾伍万元整"),
            ][bidders.len() % 3]
        };
        let (st, receipt) = app.bid(&lot, u, price, words, b"response").await;
        assert_eq!(st, StatusCode::CREATED, "{b} {u}: {receipt}");
        bidders.push((u.to_string(), ids[i].clone()));
    }
    clock.set(deadline + chrono::Duration::seconds(1));
    let out = app.open_when_convened(&lot).await;
    assert_eq!(out["stage"], "evaluating", "{b} {method:?}: {out}");
    app.as_user("staff").await;
    let today = ggzy_store::tendering::day(deadline).to_string();
    let (st, body) = app.post(&format!("/api/v1/lots/{lot}/draw"), json!({"groups": [{"specialty": "A0801", "count": 3}, {"specialty": "A0802", "count": 2}], "evaluation_on": today})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {body}");
    let seated = seat_drawn_committee(app, &lot).await;
    if method.final_quotes() {
        app.as_user("principal").await;
        let due = deadline + chrono::Duration::hours(2);
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/final-quotes/request"),
                json!({"due": iso(due)}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        for (k, (u, _)) in bidders.iter().enumerate() {
            app.as_user(u).await;
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/final-quotes"),
                    json!({"price": "99000000"}),
                )
                .await;
            assert_eq!(
                (st, body["code"].as_str()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("procurement.over_budget")
                ),
                "{b}: {body}"
            );
            let price = if method == M::SingleSource {
                4_300_000
            } else {
                1_600_000 + 10_000 * k as i64
            };
            let (st, body) = app
                .post(
                    &format!("/api/v1/lots/{lot}/final-quotes"),
                    json!({"price": price.to_string()}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{b}: {body}");
        }
        clock.set(due + chrono::Duration::minutes(1));
    }
    for (k, e) in seated.iter().enumerate() {
        app.as_user(e).await;
        let mut scores = serde_json::Map::new();
        if !spec.evaluation.criteria().is_empty() {
            for (i, (_, id)) in bidders.iter().enumerate() {
                scores.insert(
                    id.clone(),
                    json!({"technical": 28 + (i + k) % 3, "service": 12, "record": 8}),
                );
            }
        }
        let (st, body) = app
            .put(
                &format!("/api/v1/lots/{lot}/sheet"),
                json!({"scores": scores}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    }
    for e in &seated {
        app.as_user(e).await;
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/report/sign"), json!({}))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
    }
    assert_eq!(app.stage(&lot).await, "reported", "{b} {method:?}");
    app.as_user("principal").await;
    let (_, report) = app.get(&format!("/api/v1/lots/{lot}/report")).await;
    let ranked: Vec<String> = report["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| c.as_str().expect("id").to_string())
        .collect();
    if method == M::CompetitiveNegotiation {
        assert_eq!(
            ranked[0], bidders[0].1,
            "{b}: the lowest final quote ranks first: {report}"
        );
    }
    if ranked.len() > 1 {
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/award"),
                json!({"winner": ranked[1]}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("award.ranked_order")),
            "{b}: {body}"
        );
    }
    let award_at = deadline + chrono::Duration::days(1);
    clock.set(award_at);
    app.as_user("principal").await;
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/award"),
            json!({"winner": ranked[0]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {body}");
    let (_, deadlines) = app.get(&format!("/api/v1/lots/{lot}/deadlines")).await;
    assert!(
        deadlines
            .as_array()
            .expect("deadlines")
            .iter()
            .any(|d| d["key"] == "result_challenge"),
        "{b}: {deadlines}"
    );
    // A loser challenges the result; the contract waits for the reply.
    let challenge_at = award_at + chrono::Duration::days(1);
    clock.set(challenge_at);
    let signed_on = ggzy_store::tendering::day(challenge_at);
    if let Some((u, _)) = bidders.iter().find(|(_, id)| *id != ranked[0]) {
        app.as_user(u).await;
        let (_, mine) = app.get(&format!("/api/v1/lots/{lot}/report")).await;
        assert_eq!(
            mine["results"].as_array().map(Vec::len),
            Some(1),
            "{b}: its own score and rank only: {mine}"
        );
        let (st, ch) = app
            .post(
                &format!("/api/v1/lots/{lot}/challenges"),
                json!({"subject": "result", "text": "对成交结果有异议"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {ch}");
        app.as_user("principal").await;
        let (st, body) = app
            .post(
                &format!("/api/v1/lots/{lot}/contract"),
                json!({"amount": "1690000", "signed_on": signed_on}),
            )
            .await;
        assert_eq!(
            (st, body["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("procurement.challenge_pending")
            ),
            "{b}: {body}"
        );
        let (st, body) = app
            .post(
                &format!(
                    "/api/v1/lots/{lot}/challenges/{}/reply",
                    ch["id"].as_str().expect("id")
                ),
                json!({"reply": "质疑不成立", "upheld": false}),
            )
            .await;
        assert_eq!(
            (st, body["in_time"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{b}: {body}"
        );
    }
    clock.set(challenge_at + chrono::Duration::days(2));
    app.as_user("principal").await;
    let (st, body) = app
        .post(
            &format!("/api/v1/lots/{lot}/contract"),
            json!({"amount": "1690000", "signed_on": signed_on}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {body}");
    assert_eq!(app.stage(&lot).await, "contracted", "{b} {method:?}");
}

#[tokio::test]
async fn each_procurement_method_from_registration_to_contract_over_the_api() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let start = ggzy_demo::testing::epoch() + chrono::Duration::days(200);
        for (i, m) in ggzy_core::procurement::PurchaseMethod::ALL
            .into_iter()
            .enumerate()
        {
            procurement_lifecycle(
                &app,
                &clock,
                m,
                start + chrono::Duration::days(40 * i as i64),
            )
            .await;
        }
        app.finish().await;
    }
}

/// Read SSE `bid` events from a live stream until `want` of them arrived.
async fn sse_bids(
    app: &TestApp,
    auction: &str,
    last_event_id: Option<&str>,
    want: usize,
) -> Vec<i64> {
    let mut req = app
        .client
        .get(app.url(&format!("/api/v1/auctions/{auction}/events")));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let mut r = req.send().await.expect("sse");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/event-stream")
    );
    let mut text = String::new();
    let mut seqs = vec![];
    while seqs.len() < want {
        let chunk = tokio::time::timeout(Duration::from_secs(10), r.chunk())
            .await
            .expect("an event within 10 s")
            .expect("chunk")
            .expect("stream open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        seqs = text
            .split("\n\n")
            .filter(|e| e.contains("event: bid"))
            .filter_map(|e| {
                e.lines()
                    .find_map(|l| l.strip_prefix("id: "))
                    .and_then(|s| s.trim().parse().ok())
            })
            .collect();
    }
    seqs
}

/// Apply as each of `users`, pay each deposit through an imported statement and be admitted by
/// the centre, all over the API. Returns the entity ids.
async fn seat_over_api(app: &TestApp, gid: &str, users: &[&str], deposit_yuan: i64) -> Vec<String> {
    let b = app.backend;
    let mut ids = vec![];
    let mut lines = String::from("交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n");
    for (i, u) in users.iter().enumerate() {
        let me = app.as_user(u).await;
        let id = me["entity_id"].as_str().expect("entity").to_string();
        let (_, e) = app.get(&format!("/api/v1/entities/{id}")).await;
        let (st, a) = app
            .post(&format!("/api/v1/grants/{gid}/applications"), json!({}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {a}");
        lines.push_str(&format!(
            "{gid}-{i},2027-01-02,{deposit_yuan},{},622200{i},{}\n",
            e["name"].as_str().expect("name"),
            a["account_no"].as_str().expect("acct")
        ));
        ids.push(id);
    }
    app.as_user("staff").await;
    let (st, s) = app
        .post("/api/v1/deposits/statements", json!({"csv": lines}))
        .await;
    assert_eq!(
        (st, s["credited"].as_u64()),
        (StatusCode::OK, Some(users.len() as u64)),
        "{b}: {s}"
    );
    for id in &ids {
        let (st, a) = app
            .post(
                &format!("/api/v1/grants/{gid}/applications/{id}/review"),
                json!({"admit": true}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {a}");
    }
    ids
}

/// One grant from announcement to result over the API: apply, pay (statement import), admit,
/// bid, close, confirm, publish. Returns the grant.
async fn grant_flow(
    app: &TestApp,
    clock: &ggzy_demo::app::TestClock,
    kind: &str,
    method: &str,
    t0: chrono::DateTime<Utc>,
) -> Value {
    let b = app.backend;
    let day = chrono::Duration::days(1);
    clock.set(t0);
    // 30 calendar days cover every announcement period (20 working days is 28 days without holidays).
    let starts = t0 + day * 30;
    let closes = if method == "listing" {
        starts + day * 15
    } else {
        starts + chrono::Duration::minutes(30)
    };
    app.as_user("staff").await;
    let mut input = json!({
        "name": format!("API {kind} {method}"), "region_code": "330200", "trade_kind": kind, "method": method,
        "details": {"location": "宁波市鄞州区", "area": "12000", "purpose": "商服用地"},
        "start_price": "10000000", "increment": "100000", "reserve": "10100000", "deposit": "1000000",
        "apply_until": iso(closes - day), "starts_at": iso(starts), "free_until": iso(closes)
    });
    if kind == "state_property" {
        input["appraisal"] = json!("10000000");
        input["reserve"] = Value::Null;
        input["start_price"] = json!("9000000");
        let (st, p) = app.post("/api/v1/grants", input.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {p}");
        assert_eq!(
            p["fields"][0]["code"], "property.below_appraisal",
            "{b}: {p}"
        );
        assert!(
            p["fields"][0]["rule"]["regulation"]
                .as_str()
                .is_some_and(|r| r.contains("企业国有资产"))
        );
        input["start_price"] = json!("10000000");
    }
    let (st, g) = app.post("/api/v1/grants", input).await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {g}");
    let gid = g["id"].as_str().expect("id").to_string();
    let auction = g["auction_id"].as_str().expect("auction").to_string();
    let (_, list) = app.get("/api/v1/grants").await;
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|x| x["id"] == g["id"])
    );

    clock.set(t0 + day);
    seat_over_api(app, &gid, &["bidder", "entity03", "entity04"], 1_000_000).await;

    // Bidding: a bid below the minimum is refused with its code; accepted bids stream live.
    clock.set(starts + chrono::Duration::minutes(1));
    app.as_user("bidder").await;
    let (st, p) = app
        .post(
            &format!("/api/v1/auctions/{auction}/bids"),
            json!({"amount": "9900000", "idempotency_key": "low"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {p}");
    assert_eq!(p["fields"][0]["code"], "auction.too_low");
    let (st, a1) = app
        .post(
            &format!("/api/v1/auctions/{auction}/bids"),
            json!({"amount": "10000000", "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {a1}");
    let (st, again) = app
        .post(
            &format!("/api/v1/auctions/{auction}/bids"),
            json!({"amount": "10000000", "idempotency_key": "k1"}),
        )
        .await;
    assert_eq!(
        (st, again["seq"].clone(), again["replayed"].clone()),
        (StatusCode::OK, a1["seq"].clone(), json!(true))
    );
    if method == "listing" {
        let (st, _) = app
            .post(&format!("/api/v1/grants/{gid}/go-on"), json!({}))
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    app.as_user("entity03").await;
    let (st, a2) = app
        .post(
            &format!("/api/v1/auctions/{auction}/bids"),
            json!({"amount": "10100000", "idempotency_key": "k2"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}: {a2}");
    // A watcher that saw bid 1 resumes with Last-Event-ID and gets exactly bid 2.
    assert_eq!(sse_bids(app, &auction, Some("1"), 1).await, vec![2]);
    let (_, view) = app.get(&format!("/api/v1/auctions/{auction}")).await;
    assert_eq!(
        (
            view["current"].as_i64(),
            view["high_paddle"].as_u64(),
            view["reserve"].clone()
        ),
        (Some(1_010_000_000), Some(102), Value::Null)
    );

    // The close (the server's scheduler runs every 200 ms in tests).
    let mut current = auction.clone();
    clock.set(
        chrono::DateTime::parse_from_rfc3339(view["ends_at"].as_str().expect("ends"))
            .expect("t")
            .with_timezone(&Utc),
    );
    let mut g = wait_for_grant(app, &gid, |g| g["state"] != "open").await;
    if method == "listing" {
        assert_eq!(g["state"], "auction", "{b}: a bidder asked to go on");
        current = g["final_auction_id"].as_str().expect("final").to_string();
        let (_, fin) = app.get(&format!("/api/v1/auctions/{current}")).await;
        assert_eq!(
            fin["start_price"].as_i64(),
            Some(1_020_000_000),
            "top quote + one increment"
        );
        clock.set(
            chrono::DateTime::parse_from_rfc3339(fin["opens_at"].as_str().expect("o"))
                .expect("t")
                .with_timezone(&Utc)
                + chrono::Duration::seconds(5),
        );
        app.as_user("entity04").await;
        let (st, a3) = app
            .post(
                &format!("/api/v1/auctions/{current}/bids"),
                json!({"amount": "10200000", "idempotency_key": "f1"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {a3}");
        clock.set(
            chrono::DateTime::parse_from_rfc3339(a3["ends_at"].as_str().expect("e"))
                .expect("t")
                .with_timezone(&Utc),
        );
        g = wait_for_grant(app, &gid, |g| g["state"] != "auction").await;
    }
    assert_eq!(g["state"], "deal", "{b}: {g}");
    let (_, fin) = app.get(&format!("/api/v1/auctions/{current}")).await;
    assert!(
        fin["reserve"].is_i64() || kind == "state_property",
        "the reserve shows after the end: {fin}"
    );

    app.as_user("staff").await;
    let mut confirm = json!({"contract_by": (clock_now(app) + day * 10).date_naive().to_string()});
    if kind == "state_property" {
        confirm["payment"] = json!({"kind": "lump_sum"});
    }
    let (st, c) = app
        .post(&format!("/api/v1/grants/{gid}/confirmation"), confirm)
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {c}");
    let (st, r) = app
        .post(&format!("/api/v1/grants/{gid}/result"), json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}: {r}");
    let (_, apps) = app.get(&format!("/api/v1/grants/{gid}/applications")).await;
    let due: Vec<_> = apps
        .as_array()
        .expect("apps")
        .iter()
        .filter(|a| a["refund_due"].is_string())
        .collect();
    assert_eq!(due.len(), 2, "{b}: the two losers' deposits are due back");
    let (_, public) = app
        .client
        .get(app.url(&format!("/api/v1/grants/{gid}")))
        .send()
        .await
        .map(|r| (r.status(), r))
        .expect("get");
    let public: Value = public.json().await.expect("json");
    assert!(
        public["winner_name"].is_string(),
        "published: the winner is named"
    );
    r
}

fn clock_now(app: &TestApp) -> chrono::DateTime<Utc> {
    app.state.now()
}

async fn wait_for_grant(app: &TestApp, gid: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let (_, g) = app.get(&format!("/api/v1/grants/{gid}")).await;
        if done(&g) {
            return g;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("grant {gid} did not move");
}

#[tokio::test]
async fn land_listing_mining_auction_and_property_bidding_over_the_api() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(400);
        grant_flow(&app, &clock, "land_use", "listing", t0).await;
        grant_flow(
            &app,
            &clock,
            "mining_right",
            "auction",
            t0 + chrono::Duration::days(60),
        )
        .await;
        grant_flow(
            &app,
            &clock,
            "state_property",
            "multi_quote",
            t0 + chrono::Duration::days(120),
        )
        .await;
        // The pages render for the public and for staff.
        for p in ["/grants", "/grants?kind=land_use"] {
            let r = app.client.get(app.url(p)).send().await.expect("page");
            assert_eq!(r.status(), StatusCode::OK, "{p}");
        }
        app.finish().await;
    }
}

fn bj_local(t: chrono::DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The id in a `/grants/{id}` redirect.
fn grant_location(r: &reqwest::Response) -> String {
    let loc = r.headers()["location"].to_str().expect("location");
    loc.trim_start_matches("/grants/")
        .split('?')
        .next()
        .expect("id")
        .to_string()
}

/// A land listing that goes on to an auction, driven through the page forms wherever a person
/// uses a form (announcement, application, statement upload, admission, go-on, confirmation,
/// result, refund); the bids go through the hall's API as the hall page sends them.
#[tokio::test]
async fn a_land_listing_through_the_page_forms() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let b = app.backend;
        let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(300);
        let day = chrono::Duration::days(1);
        clock.set(t0);
        let starts = t0 + day * 21;
        let closes = starts + day * 15;
        app.as_user("staff").await;
        let mut fields = vec![
            ("trade_kind", "land_use".to_string()),
            ("method", "listing".into()),
            ("name", "表单测试地块".into()),
            ("region_code", "330200".into()),
            ("location", "宁波市海曙区".into()),
            ("purpose", "商业用地".into()),
            ("start_price", "20000000".into()),
            ("increment", "200000".into()),
            ("reserve", "20200000".into()),
            ("deposit", "4000000".into()),
            ("apply_until", bj_local(closes - day)),
            ("starts_at", bj_local(t0 + day * 19)),
            ("free_until", bj_local(closes)),
        ];
        let r = app
            .form(
                "/grants",
                &fields
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
                None,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: 19 days of announcement"
        );
        let html = r.text().await.expect("html");
        assert!(
            html.contains("data-field=\"starts_on\"") && html.contains("公告"),
            "{b}: the field and the rule are named"
        );
        fields[11].1 = bj_local(starts);
        let r = app
            .form(
                "/grants",
                &fields
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let gid = grant_location(&r);
        let page = format!("/grants/{gid}");

        // Two bidders apply on the page; each sees its own sub-account.
        clock.set(t0 + day);
        let mut accounts = vec![];
        let mut ids = vec![];
        let mut names = vec![];
        for u in ["bidder", "entity03"] {
            let me = app.as_user(u).await;
            let id = me["entity_id"].as_str().expect("entity").to_string();
            let (_, e) = app.get(&format!("/api/v1/entities/{id}")).await;
            names.push(e["name"].as_str().expect("name").to_string());
            ids.push(id);
            let r = app.form(&format!("{page}/apply"), &[], None).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: {u} applies");
            let html = app
                .client
                .get(app.url(&page))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("html");
            let acct = html
                .split("id=\"account-no\">")
                .nth(1)
                .and_then(|s| s.split('<').next())
                .expect("the page shows the sub-account")
                .to_string();
            assert!(ggzy_core::deposit::is_sub_account(&acct), "{acct}");
            accounts.push(acct);
        }

        // The deposits desk: the statement uploaded as a file.
        app.as_user("staff").await;
        let mut csv = String::from("交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n");
        for i in 0..2 {
            csv.push_str(&format!(
                "F{gid}-{i},2027-01-05,4000000.00,{},62220{i},{}\n",
                names[i], accounts[i]
            ));
        }
        let form = reqwest::multipart::Form::new().part(
            "statement",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("statement.csv"),
        );
        let r = app
            .client
            .post(app.url(&format!("/deposits?csrf={}", app.csrf)))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), StatusCode::OK, "{b}");
        let html = r.text().await.expect("html");
        assert!(
            html.contains("id=\"import-summary\"") && html.contains("入账 2"),
            "{b}: {html}"
        );
        let r = app
            .client
            .post(app.url(&format!("/deposits?csrf={}", app.csrf)))
            .multipart(reqwest::multipart::Form::new().part(
                "statement",
                reqwest::multipart::Part::bytes(b"x,y\n1,2\n".to_vec()).file_name("bad.csv"),
            ))
            .send()
            .await
            .expect("upload");
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a statement without its columns"
        );
        for id in &ids {
            let r = app
                .form(&format!("{page}/admit"), &[("entity", id)], None)
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: admitted");
        }
        let html = app
            .client
            .get(app.url(&page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains(&names[0]) && html.contains(&names[1]),
            "{b}: staff see the applicants"
        );

        // The listing: quotes through the hall's API, the go-on request on the page.
        let (_, g) = app.get(&format!("/api/v1/grants/{gid}")).await;
        let listing = g["auction_id"].as_str().expect("listing").to_string();
        clock.set(starts + chrono::Duration::hours(2));
        app.as_user("bidder").await;
        let (st, _) = app
            .post(
                &format!("/api/v1/auctions/{listing}/bids"),
                json!({"amount": "20000000", "idempotency_key": "p1"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let r = app.form(&format!("{page}/go-on"), &[], None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: go on");
        let hall = app
            .client
            .get(app.url(&format!("/auctions/{listing}/hall")))
            .send()
            .await
            .expect("hall");
        assert_eq!(hall.status(), StatusCode::OK);
        assert!(
            hall.text().await.expect("html").contains("id=\"bid-form\""),
            "{b}: an admitted bidder gets the bid form"
        );
        clock.set(closes);
        let g = wait_for_grant(&app, &gid, |g| g["state"] == "auction").await;
        let fin = g["final_auction_id"].as_str().expect("final").to_string();
        let (_, v) = app.get(&format!("/api/v1/auctions/{fin}")).await;
        let opens = chrono::DateTime::parse_from_rfc3339(v["opens_at"].as_str().expect("opens"))
            .expect("t")
            .with_timezone(&Utc);
        clock.set(opens + chrono::Duration::seconds(1));
        app.as_user("entity03").await;
        let (st, ack) = app
            .post(
                &format!("/api/v1/auctions/{fin}/bids"),
                json!({"amount": "20400000", "idempotency_key": "p2"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {ack}");
        clock.set(
            chrono::DateTime::parse_from_rfc3339(ack["ends_at"].as_str().expect("e"))
                .expect("t")
                .with_timezone(&Utc),
        );
        wait_for_grant(&app, &gid, |g| g["state"] == "deal").await;

        // Confirmation, result and the loser's refund on the page.
        app.as_user("staff").await;
        let r = app
            .form(
                &format!("{page}/confirm"),
                &[("contract_by", "not a date")],
                None,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a bad date"
        );
        assert!(
            r.text()
                .await
                .expect("html")
                .contains("data-field=\"contract_by\"")
        );
        let by = (clock_now(&app) + day * 10).date_naive().to_string();
        let r = app
            .form(&format!("{page}/confirm"), &[("contract_by", &by)], None)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: confirmed");
        let r = app.form(&format!("{page}/result"), &[], None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}: published");
        let today = clock_now(&app).date_naive().to_string();
        let r = app
            .form(
                &format!("{page}/refund"),
                &[("entity", &ids[0]), ("refunded_on", &today)],
                None,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{b}: the loser's deposit recorded as refunded"
        );
        let html = app
            .client
            .get(app.url(&page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("id=\"confirmation\"") && html.contains("成交确认书"),
            "{b}"
        );
        let public = reqwest::get(app.url(&page))
            .await
            .expect("public")
            .text()
            .await
            .expect("html");
        assert!(
            public.contains(&names[1]),
            "{b}: the published result names the winner"
        );
        assert!(
            !public.contains(&names[0]),
            "{b}: the public never sees the loser's name"
        );
        app.finish().await;
    }
}

/// A state-property transfer by one sealed quote each, over the API and the trade's page: quotes
/// refused outside the window and a second quote refused, the quotes unreadable until the close,
/// then public with their commitments; the highest wins.
#[tokio::test]
async fn a_one_sealed_quote_transfer_over_the_api_and_page() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let b = app.backend;
        let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(500);
        let day = chrono::Duration::days(1);
        clock.set(t0);
        // 20 working days of disclosure across the National Day holiday.
        let starts = t0 + day * 42;
        let closes = starts + chrono::Duration::hours(1);
        app.as_user("staff").await;
        let (st, g) = app
            .post(
                "/api/v1/grants",
                json!({"name": "一次报价股权", "region_code": "330200", "trade_kind": "state_property", "method": "one_quote",
                       "start_price": "5000000", "increment": "10000", "deposit": "500000", "appraisal": "5000000",
                       "apply_until": iso(starts - day), "starts_at": iso(starts), "free_until": iso(closes)}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {g}");
        let gid = g["id"].as_str().expect("id").to_string();
        clock.set(t0 + day);
        seat_over_api(&app, &gid, &["bidder", "entity03"], 500_000).await;

        clock.set(starts + chrono::Duration::minutes(5));
        app.as_user("bidder").await;
        let (st, p) = app
            .post(
                &format!(
                    "/api/v1/auctions/{}/bids",
                    g["auction_id"].as_str().expect("a")
                ),
                json!({"amount": "5000000", "idempotency_key": "k"}),
            )
            .await;
        assert_eq!(
            (st, p["fields"][0]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("auction.sealed")),
            "{b}"
        );
        let (st, qa) = app
            .post(
                &format!("/api/v1/grants/{gid}/quotes"),
                json!({"amount": "5200000"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {qa}");
        let (st, p) = app
            .post(
                &format!("/api/v1/grants/{gid}/quotes"),
                json!({"amount": "5300000"}),
            )
            .await;
        assert_eq!(
            (st, p["fields"][0]["code"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("grant.quote_once")),
            "{b}"
        );
        // The other buyer quotes through the page form.
        app.as_user("entity03").await;
        let r = app
            .form(
                &format!("/grants/{gid}/quote"),
                &[("amount", "5250000")],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let html = app
            .client
            .get(app.url(&format!("/grants/{gid}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("id=\"my-quote\""),
            "{b}: the buyer sees its own quote"
        );
        let (st, p) = app.get(&format!("/api/v1/grants/{gid}/quotes")).await;
        assert_eq!(
            (st, p["fields"][0]["code"].clone()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!("grant.quotes_sealed")
            ),
            "{b}"
        );

        clock.set(closes);
        let g = wait_for_grant(&app, &gid, |g| g["state"] != "open").await;
        assert_eq!(
            (g["state"].clone(), g["price"].as_i64()),
            (json!("deal"), Some(525_000_000)),
            "{b}: {g}"
        );
        let (st, quotes) = app.get(&format!("/api/v1/grants/{gid}/quotes")).await;
        assert_eq!(st, StatusCode::OK);
        let quotes = quotes.as_array().expect("quotes").clone();
        assert_eq!(quotes.len(), 2);
        assert!(
            quotes.iter().any(|q| q["commitment"] == qa["commitment"]),
            "{b}: the logged commitment matches"
        );
        let public = reqwest::get(app.url(&format!("/grants/{gid}")))
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            public.contains("id=\"quotes\""),
            "{b}: the quotes are public after the close"
        );
        app.finish().await;
    }
}

/// The authorization matrix of the attack suite: every API write of the OpenAPI document, sent
/// by every kind of account and by a stranger, with an empty body and made-up ids. Who gets past
/// authorization (any answer but 401/403) is compared with `tests/authz.tsv`, the reviewed
/// expectation kept as data: an unexpected allow fails, and so does an unexpected deny. A new
/// write without a row fails too. `GGZY_AUTHZ_WRITE=1` writes what was observed, for review.
#[tokio::test]
async fn authorization_matrix_of_every_write() {
    const WHO: [&str; 9] = [
        "anonymous",
        "bidder",
        "principal",
        "staff",
        "supervisor",
        "auditor",
        "admin",
        "expert",
        "custodian",
    ];
    let app = TestApp::spawn(
        TestDb::sqlite().await,
        Config {
            login_attempts: 10_000,
            ..Config::default()
        },
    )
    .await;
    let doc = serde_json::to_value(ggzy_web::openapi()).expect("json");
    let mut writes = vec![];
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for m in ops.as_object().expect("ops").keys() {
            if m != "get" {
                writes.push((m.to_uppercase(), path.clone()));
            }
        }
    }
    writes.sort();
    let mut observed: std::collections::BTreeMap<(String, String), Vec<&str>> = Default::default();
    for who in WHO {
        if who == "anonymous" {
            let _ = app
                .client
                .delete(app.url("/api/v1/session"))
                .header("x-csrf-token", &app.csrf)
                .send()
                .await;
        } else {
            app.as_user(who).await;
        }
        for (m, path) in &writes {
            // Sign-in and sign-out would change who is asking.
            if path == "/api/v1/session" {
                continue;
            }
            let url = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        if seg == "{code}" {
                            "330200".to_string()
                        } else {
                            uuid::Uuid::now_v7().to_string()
                        }
                    } else {
                        seg.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let r = app
                .client
                .request(m.parse().expect("method"), app.url(&url))
                .header("x-csrf-token", &app.csrf)
                .json(&json!({}))
                .send()
                .await
                .expect("send");
            assert!(
                r.status().as_u16() < 500,
                "{who} {m} {path}: {}",
                r.status()
            );
            let allowed = !matches!(r.status().as_u16(), 401 | 403);
            let e = observed.entry((m.clone(), path.clone())).or_default();
            if allowed {
                e.push(who);
            }
        }
    }
    let text: String = observed
        .iter()
        .map(|((m, p), who)| {
            format!(
                "{m}\t{p}\t{}\n",
                if who.is_empty() {
                    "-".to_string()
                } else {
                    who.join(",")
                }
            )
        })
        .collect();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/authz.tsv");
    if std::env::var("GGZY_AUTHZ_WRITE").is_ok() {
        let head = "# Who may use each API write (reviewed): METHOD, route, the principals that get past\n# authorization with an empty body. Regenerate with GGZY_AUTHZ_WRITE=1 and review the diff.\n";
        std::fs::write(&file, format!("{head}{text}")).expect("write");
    }
    let expected: String = std::fs::read_to_string(&file)
        .expect("tests/authz.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let want: std::collections::BTreeMap<&str, &str> = expected
        .lines()
        .filter_map(|l| l.rsplit_once('\t'))
        .collect();
    let mut problems = vec![];
    for line in text.lines() {
        let (route, got) = line.rsplit_once('\t').expect("row");
        match want.get(route) {
            None => problems.push(format!("no expectation for {route} (observed: {got})")),
            Some(w) if *w != got => {
                let w: std::collections::BTreeSet<&str> = w.split(',').collect();
                let g: std::collections::BTreeSet<&str> = got.split(',').collect();
                for extra in g.difference(&w).filter(|x| **x != "-") {
                    problems.push(format!("UNEXPECTED ALLOW: {extra} on {route}"));
                }
                for missing in w.difference(&g).filter(|x| **x != "-") {
                    problems.push(format!("unexpected deny: {missing} on {route}"));
                }
            }
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.finish().await;
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Hostile files of the attack suite: a sheet claiming every cell of Excel, a zip bomb, a huge
/// CSV field, deep JSON nesting, invalid UTF-8 and an oversized upload from a stranger. Each is
/// a 4xx; the server stays healthy and its memory bounded.
#[tokio::test]
async fn hostile_files_are_bad_input_and_the_server_stays_up() {
    use base64::Engine;
    let app = TestApp::spawn(TestDb::sqlite().await, Config::default()).await;
    let before = rss_kib();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let corner = ggzy_demo::testing::workbook(
        Some("A1:XFD1048576"),
        r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let bomb = ggzy_demo::testing::zip_bomb_workbook(64);
    // A stranger is refused before the file is read.
    let (st, body) = app
        .post(
            "/api/v1/deposits/statements",
            json!({ "xlsx_base64": b64(&corner) }),
        )
        .await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("auth.required"))
    );
    app.as_user("staff").await;
    for (what, file) in [("corner", &corner), ("bomb", &bomb)] {
        let (st, body) = app
            .post(
                "/api/v1/deposits/statements",
                json!({ "xlsx_base64": b64(file) }),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {body}");
        assert_eq!(body["fields"][0]["field"], "xlsx_base64", "{what}: {body}");
        assert_eq!(
            body["fields"][0]["code"], "deposit.xlsx_beyond_limits",
            "{what}: {body}"
        );
        assert!(body["message_zh"].is_string() && body["message_en"].is_string());
    }
    // A CSV with one field of most of a megabyte: refused as a statement, not a crash.
    let (st, _) = app
        .post(
            "/api/v1/deposits/statements",
            json!({ "csv": format!("交易流水号\n{}", "9".repeat(900_000)) }),
        )
        .await;
    assert!(st.is_client_error(), "{st}");
    // Deep nesting and invalid UTF-8 in a public write.
    for raw in [
        "[".repeat(200_000).into_bytes(),
        b"{\"entity\": \"\xff\xfe\"}".to_vec(),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/entities"))
            .header("x-csrf-token", &app.csrf)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("send");
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    // An oversized upload from a stranger is refused without being read.
    let stranger = reqwest::Client::new();
    let r = stranger
        .post(app.url(&format!("/api/v1/lots/{}/bids", uuid::Uuid::now_v7())))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b'x'; 40 << 20])
        .send()
        .await;
    assert!(r.is_err() || r.is_ok_and(|r| r.status().is_client_error()));
    let (st, health) = app.get("/healthz").await;
    assert_eq!(
        (st, health["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 400 * 1024, "memory grew by {grown} KiB");
    app.finish().await;
}

/// The fuzz targets of `fuzz/` on the stable toolchain: every parser that reads outside input
/// (statements as XLSX and CSV, the calendar and specialty tables, envelopes, shares, receipts)
/// gets seeds mutated by a deterministic generator for a bounded time (`GGZY_FUZZ_SECONDS`,
/// default 4). A panic or a 5xx-worthy surprise fails; errors are the expected answer.
#[test]
fn every_outside_parser_survives_mutated_input() {
    let seconds: u64 = std::env::var("GGZY_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let seeds: Vec<Vec<u8>> = vec![
        ggzy_demo::testing::workbook(
            Some("A1:F2"),
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>交易流水号</t></is></c></row><row r="2"><c r="C2"><v>1500</v></c></row>"#,
        ),
        "交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\nB1,2026-03-03,100.00,某公司,6222,6222000000000001\n"
            .as_bytes()
            .to_vec(),
        ggzy_core::calendar::DEFAULT_TABLE.as_bytes()[..400].to_vec(),
        b"01\t\xe5\xbb\xba\xe7\xad\x91\n0101\tx\n".to_vec(),
        b"GGZYENV1\x00\x00\x00\x10{\"v\":1}".to_vec(),
        b"01ab".repeat(17),
        br#"{"kind":"ggzy-bid-receipt-v1","event":{}}"#.to_vec(),
    ];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let start = std::time::Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < std::time::Duration::from_secs(seconds) {
        let mut d = seeds[(next() % seeds.len() as u64) as usize].clone();
        for _ in 0..(1 + next() % 8) {
            let r = next();
            let i = if d.is_empty() {
                0
            } else {
                (r >> 8) as usize % d.len()
            };
            match r % 4 {
                0 if !d.is_empty() => d[i] ^= (r >> 32) as u8,
                1 => d.insert(i, (r >> 40) as u8),
                2 if !d.is_empty() => {
                    d.remove(i);
                }
                _ => {
                    let chunk: Vec<u8> = d[i..].iter().take(64).copied().collect();
                    d.splice(i..i, chunk);
                }
            }
        }
        if let Ok(rows) = ggzy_store::xlsx::rows(&d) {
            let _ = ggzy_core::deposit::parse_statement(&rows);
        }
        let text = String::from_utf8_lossy(&d);
        let _ = ggzy_core::deposit::parse_statement(&ggzy_core::deposit::csv_rows(&text));
        let _ = ggzy_core::calendar::parse_table(&text);
        let _ = ggzy_core::specialty::SpecialtyTree::parse(&text);
        let _ = ggzy_seal::envelope::Envelope::parse(&d);
        let _ = ggzy_seal::shamir::Share::from_bytes(&d);
        let _ = ggzy_seal::shamir::Share::parse_hex(&text);
        if let Ok(r) = serde_json::from_slice::<ggzy_store::receipts::SignedReceipt>(&d) {
            let _ = ggzy_store::receipts::verify(&r, None);
        }
        runs += 1;
    }
    assert!(runs > 100, "the harness ran: {runs}");
}

/// Who reads what, and when: every API read as every kind of account, as the staff and the
/// supervisor of another region, as a company that only downloaded the documents and one that
/// did nothing, and as a stranger, with each path id set to a real lot, bid and document. A
/// bid's secrets (its id, its envelope's SM3, its bidder on the lot's own routes and pages, and who
/// downloaded the documents) must reach nobody but their owner before the opening; after it the
/// opening record publishes them. What each principal saw is compared with `tests/secrets.tsv`,
/// the reviewed expectation: an unexpected reader fails. `GGZY_AUTHZ_WRITE=1` rewrites it.
#[tokio::test]
async fn secret_reads_before_and_after_their_moment() {
    let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
    let app = TestApp::spawn_with_clock(
        TestDb::sqlite().await,
        Config {
            login_attempts: 10_000,
            ..Config::default()
        },
        clock.clone(),
    )
    .await;
    let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(100);
    clock.set(t0);
    // Another region's centre staff and supervisor: a branch the city's lot is not in.
    app.as_user("admin").await;
    let mut elsewhere = vec![];
    for (user, role) in [
        ("staff_yinzhou", "center_staff"),
        ("supervisor_yinzhou", "supervisor"),
    ] {
        let (st, made) = app
            .post(
                "/api/v1/accounts",
                json!({"username": user, "display_name": user, "password": "Another-region-2025", "role": role, "region_code": "330212"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{made}");
        elsewhere.push((
            user,
            made["totp_secret"].as_str().expect("totp").to_string(),
        ));
    }
    let bidders = ["bidder", "entity03", "entity05"];
    let mut entity_ids = vec![];
    for u in bidders.iter().chain(&["entity07"]) {
        entity_ids.push(
            app.as_user(u).await["entity_id"]
                .as_str()
                .expect("entity")
                .to_string(),
        );
    }
    app.as_user("principal").await;
    let input = serde_json::to_value(ggzy_demo::tendering::project_input(
        "保密测试工程",
        "一标段",
        "open_tender",
        ggzy_demo::tendering::points_method(),
    ))
    .expect("json");
    let (st, reg) = app.post("/api/v1/projects", input).await;
    assert_eq!(st, StatusCode::CREATED, "{reg}");
    let lot = reg["lots"][0]["lot_id"].as_str().expect("lot").to_string();
    let notice = notice_json(t0);
    // The document closes the flattened notice body; so does the server.
    let mut extra = notice.clone();
    extra["bogus"] = json!(1);
    let (st, body) = app.post(&format!("/api/v1/lots/{lot}/notice"), extra).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (st, body) = app
        .post(&format!("/api/v1/lots/{lot}/notice"), notice.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let deadline: chrono::DateTime<Utc> = notice["bid_deadline"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("deadline");
    clock.set(deadline - chrono::Duration::days(10));
    let (_, docs) = app.get(&format!("/api/v1/lots/{lot}/documents")).await;
    let doc = docs
        .as_array()
        .and_then(|d| d.iter().find(|d| d["kind"] == "tender"))
        .expect("tender doc")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut secrets = vec![];
    let mut bid_ids = vec![];
    for (i, u) in bidders.iter().chain(&["entity07"]).enumerate() {
        app.as_user(u).await;
        let (st, body) = app.get(&format!("/api/v1/documents/{doc}")).await;
        assert_eq!(st, StatusCode::OK, "{u}: {body}");
        if i == bidders.len() {
            break; // entity07 downloads and does not bid
        }
        let (st, receipt) = app
            .bid(
                &lot,
                u,
                &format!("{}", 49_000_000 + i * 100_000),
                "人民币肆仟玖佰万元整",
                b"p",
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{u}: {receipt}");
        let bid = receipt["bid_id"].as_str().expect("bid").to_string();
        secrets.push(bid.clone());
        secrets.push(receipt["package_sm3"].as_str().expect("sm3").to_string());
        bid_ids.push(bid);
    }
    let doc_paths = serde_json::to_value(ggzy_web::openapi()).expect("json");
    let mut reads: Vec<String> = vec![];
    for (path, ops) in doc_paths["paths"].as_object().expect("paths") {
        // The auction stream never ends; its bids are swept through `/auctions/{id}/bids`.
        if ops.get("get").is_some() && !path.ends_with("/events") || path == "/api/v1/log/events" {
            reads.push(path.clone());
        }
    }
    // The pages that show a lot, a grant, an auction, their documents, the log or one's own work.
    reads.extend(
        [
            "/",
            "/lots",
            "/lots/{id}",
            "/log",
            "/workspace",
            "/documents/{id}",
            "/notices/{id}",
            "/grants",
            "/grants/{id}",
            "/auctions/{id}/hall",
            "/deposits",
        ]
        .map(String::from),
    );
    reads.sort();
    let ids = [lot.clone(), bid_ids[0].clone(), doc.clone()];
    // Pages name companies rather than numbering them.
    let mut who_bid = entity_ids.clone();
    for e in &entity_ids {
        let (_, v) = app.get(&format!("/api/v1/entities/{e}")).await;
        who_bid.push(v["name"].as_str().expect("name").to_string());
    }
    let who: Vec<String> = [
        "anonymous",
        "bidder",
        "entity03",
        "entity07",
        "entity09",
        "principal",
        "staff",
        "supervisor",
        "auditor",
        "admin",
        "expert",
        "custodian",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(elsewhere.iter().map(|(u, _)| u.to_string()))
    .collect();
    let sweep = Sweep {
        app: &app,
        reads,
        who,
        elsewhere,
    };
    let mut observed = String::new();
    let mut record = |moment: &str, seen: std::collections::BTreeMap<String, Vec<String>>| {
        for (route, w) in seen {
            observed.push_str(&format!("{moment}\t{route}\t{}\n", w.join(",")));
        }
    };
    record("before_opening", sweep.run(&ids, &secrets, &who_bid).await);
    clock.set(deadline + chrono::Duration::seconds(1));
    app.as_user("staff").await;
    let out = app.open_when_convened(&lot).await;
    assert_eq!(out["stage"], "evaluating", "{out}");
    record("after_opening", sweep.run(&ids, &secrets, &who_bid).await);

    // A land grant's applicants, their deposits and admissions, until it closes.
    let t1 = deadline + chrono::Duration::days(2);
    clock.set(t1);
    app.as_user("staff").await;
    let day = chrono::Duration::days(1);
    let (starts, closes) = (t1 + day * 30, t1 + day * 45);
    let (st, g) = app
        .post(
            "/api/v1/grants",
            json!({
                "name": "保密测试地块", "region_code": "330200", "trade_kind": "land_use", "method": "listing",
                "details": {"location": "宁波市鄞州区", "area": "12000", "purpose": "商服用地"},
                "start_price": "10000000", "increment": "100000", "reserve": "10100000", "deposit": "1000000",
                "apply_until": iso(closes - day), "starts_at": iso(starts), "free_until": iso(closes)
            }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    let gid = g["id"].as_str().expect("id").to_string();
    let auction = g["auction_id"].as_str().expect("auction").to_string();
    clock.set(t1 + day);
    let applicants = seat_over_api(&app, &gid, &["bidder", "entity03"], 1_000_000).await;
    let mut who_applied = applicants.clone();
    for e in &applicants {
        let (_, v) = app.get(&format!("/api/v1/entities/{e}")).await;
        who_applied.push(v["name"].as_str().expect("name").to_string());
    }
    record(
        "before_close",
        sweep
            .run(&[gid.clone(), auction.clone()], &[], &who_applied)
            .await,
    );
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/secrets.tsv");
    if std::env::var("GGZY_AUTHZ_WRITE").is_ok() {
        let head = "# Who reads a bid's secrets (reviewed): moment, API read or page, the principals whose\n# answer carries a bid id, an envelope SM3, or (on the object's own routes) a bidder, a\n# downloader or a grant's applicant.\n# Before the opening: each bidder its own bid; the principal who downloaded (电子招标投标办法\n# Art 21 lets the tenderer and its agency know). Nobody else, in no region.\n# Before a grant closes: each applicant itself, and the centre that admits on the deposit.\n# Regenerate with GGZY_AUTHZ_WRITE=1 and review the diff.\n";
        std::fs::write(&file, format!("{head}{observed}")).expect("write");
    }
    let expected: String = std::fs::read_to_string(&file)
        .expect("tests/secrets.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let want: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> = expected
        .lines()
        .filter_map(|l| l.rsplit_once('\t'))
        .map(|(k, v)| (k, v.split(',').collect()))
        .collect();
    let mut problems = vec![];
    for line in observed.lines() {
        let (key, got) = line.rsplit_once('\t').expect("row");
        let empty = Default::default();
        let w = want.get(key).unwrap_or(&empty);
        for reader in got.split(',').filter(|r| !w.contains(r)) {
            problems.push(format!("UNEXPECTED READER: {reader} on {key}"));
        }
    }
    let got: std::collections::BTreeSet<&str> = observed
        .lines()
        .filter_map(|l| l.rsplit_once('\t'))
        .map(|(k, _)| k)
        .collect();
    for key in want.keys().filter(|k| !got.contains(*k)) {
        problems.push(format!("no longer read by anyone (update the file): {key}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.finish().await;
}

/// One sweep of the secret-reads matrix: every read in `reads` as everyone in `who`, with each
/// path id set to each of `ids`.
struct Sweep<'a> {
    app: &'a TestApp,
    reads: Vec<String>,
    who: Vec<String>,
    /// Accounts made for the test (another region's), with their TOTP secrets.
    elsewhere: Vec<(&'static str, String)>,
}

impl Sweep<'_> {
    /// Which principals got an answer carrying one of `secrets` anywhere, or one of `keyed` on a
    /// route about the object itself (elsewhere, in the public registry, a company's id or name
    /// is only a name).
    async fn run(
        &self,
        ids: &[String],
        secrets: &[String],
        keyed: &[String],
    ) -> std::collections::BTreeMap<String, Vec<String>> {
        let app = self.app;
        let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for w in &self.who {
            if w == "anonymous" {
                let _ = app
                    .client
                    .delete(app.url("/api/v1/session"))
                    .header("x-csrf-token", &app.csrf)
                    .send()
                    .await;
            } else if let Some((_, secret)) = self.elsewhere.iter().find(|(u, _)| u == w) {
                let code =
                    ggzy_store::accounts::totp::code_at(secret, app.state.now().timestamp() as u64)
                        .expect("code");
                let (st, me) = app
                    .post(
                        "/api/v1/session",
                        json!({"username": w, "password": "Another-region-2025", "totp": code}),
                    )
                    .await;
                assert_eq!(st, StatusCode::OK, "{w}: {me}");
            } else {
                app.as_user(w).await;
            }
            for route in &self.reads {
                let is_keyed = route.contains('{');
                let urls: Vec<String> = if is_keyed {
                    ids.iter()
                        .map(|id| route.replace("{id}", id).replace("{code}", "330200"))
                        .filter(|u| !u.contains('{'))
                        .collect()
                } else {
                    vec![route.clone()]
                };
                for url in urls {
                    let r = app
                        .client
                        .get(app.url(&url))
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await
                        .expect("send");
                    let status = r.status();
                    assert!(status.as_u16() < 500, "{w} GET {url}: {status}");
                    let text = r.text().await.unwrap_or_default();
                    let reveals = secrets.iter().any(|s| text.contains(s.as_str()))
                        || (is_keyed && keyed.iter().any(|e| text.contains(e.as_str())));
                    if status.is_success() && reveals {
                        let e = seen.entry(route.clone()).or_default();
                        if !e.contains(w) {
                            e.push(w.clone());
                        }
                    }
                }
            }
        }
        seen
    }
}

/// Problem bodies are what a client and its user read when something is refused: the same
/// fields, codes, both languages and the regulation for a rule, on every backend.
#[tokio::test]
async fn problem_bodies_read_the_same_on_every_backend() {
    for app in TestApp::all().await {
        let (st, _) = app.login("bidder").await;
        assert_eq!(st, StatusCode::OK);
        let staff = json!({ "username": "branchstaff", "display_name": "海曙 陈工", "password": "Branch-staff-42", "role": "center_staff", "region_code": "330203" });
        let (st, forbidden) = app.post("/api/v1/accounts", staff.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        insta::assert_json_snapshot!("problem_forbidden", forbidden);

        let (st, _) = app.login("admin").await;
        assert_eq!(st, StatusCode::OK);
        let (st, created) = app.post("/api/v1/accounts", staff).await;
        assert_eq!(st, StatusCode::CREATED, "{}: {created}", app.backend);
        let id = created["id"].as_str().expect("id");
        let (st, refused) = app
            .post(
                &format!("/api/v1/accounts/{id}/roles"),
                json!({ "role": "supervisor", "region_code": "330200" }),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        insta::assert_json_snapshot!("problem_rule_refusal", refused);

        let (st, unknown) = app
            .post(
                "/api/v1/accounts",
                json!({ "username": "x", "nonsense": 1 }),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        insta::assert_json_snapshot!("problem_bad_body", unknown);
        app.finish().await;
    }
}

#[tokio::test]
async fn credit_records_are_kept_by_supervisors_and_public_over_the_api_and_pages() {
    for t in TestDb::all().await {
        let app = TestApp::spawn(t, Config::default()).await;
        let b = app.backend;
        let e05 = ggzy_store::accounts::actor_of(&app.state.db, "entity05", "127.0.0.1")
            .await
            .expect("entity05");
        let uscc =
            ggzy_store::tendering::sealing::uscc_of(&app.state.db, e05.entity_id.expect("entity"))
                .await
                .expect("uscc");
        let today = (app.state.now() + chrono::Duration::hours(8)).date_naive();
        let last = today
            .checked_add_months(chrono::Months::new(24))
            .and_then(|d| d.pred_opt())
            .expect("date");
        let body = json!({
            "uscc": uscc, "kind": "bidding_ban", "ground": "tender_collusion",
            "decision_no": "甬建罚〔2025〕31号", "authority": "宁波市住房和城乡建设局",
            "basis": "招标投标法实施条例第六十七条", "facts": "与其他投标人串通投标。",
            "decided_on": today, "starts_on": today, "ends_on": last, "region_code": "330200"
        });
        // Anonymous and a bidder may not record; the empty public list explains itself.
        let (st, _) = app.post("/api/v1/credit/records", body.clone()).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
        // A company with no record: its page says so; the public list holds the demo's ban.
        let page = app
            .client
            .get(app.url(&format!("/credit/{uscc}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            page.contains("没有在公示期内的信用记录")
                && page.contains("该主体目前没有限制参与交易的记录"),
            "{b}"
        );
        let page = app
            .client
            .get(app.url("/credit"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            page.contains("甬建罚〔2025〕17号") && !page.contains("id=\"record-form\""),
            "{b}"
        );
        app.as_user("bidder").await;
        let (st, _) = app.post("/api/v1/credit/records", body.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        let (st, _) = app.get("/api/v1/credit/checks?deal_code=X").await;
        assert_eq!(
            st,
            StatusCode::FORBIDDEN,
            "{b}: the check log names who bid"
        );

        app.as_user("supervisor").await;
        // Article 67 allows one to two years: one day over two is refused, citing it.
        let mut long = body.clone();
        long["ends_on"] = json!(last.succ_opt().expect("date"));
        let (st, e) = app.post("/api/v1/credit/records", long).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {e}");
        assert_eq!(e["fields"][0]["code"], "credit.ban_length", "{b}: {e}");
        assert_eq!(e["fields"][0]["field"], "ends_on", "{b}: {e}");
        assert_eq!(e["fields"][0]["rule"]["article"], "67", "{b}: {e}");
        let (st, rec) = app.post("/api/v1/credit/records", body.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {rec}");
        assert_eq!(rec["in_force"], true, "{b}");
        assert_eq!(rec["bars"], json!(["construction"]), "{b}: {rec}");
        let (st, e) = app.post("/api/v1/credit/records", body.clone()).await;
        assert_eq!(
            (st, e["fields"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("credit.already_recorded")
            ),
            "{b}: {e}"
        );
        // The page's form refuses a bad date on its field, in Chinese, and keeps what was typed.
        let r = app
            .form(
                "/credit/records",
                &[
                    ("uscc", uscc.as_str()),
                    ("kind", "bidding_ban"),
                    ("ground", "tender_fraud"),
                    ("decision_no", "甬建罚〔2025〕32号"),
                    ("authority", "宁波市住房和城乡建设局"),
                    ("basis", "招标投标法实施条例第六十八条"),
                    ("facts", "弄虚作假"),
                    ("decided_on", "2025-13-01"),
                    ("starts_on", "2025-05-12"),
                    ("ends_on", ""),
                    ("region_code", "330200"),
                ],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let page = r.text().await.expect("text");
        assert!(
            page.contains("日期格式应为 YYYY-MM-DD") && page.contains("甬建罚〔2025〕32号"),
            "{b}"
        );

        // Anyone reads it, on the list, by the company, and on its page.
        app.client
            .delete(app.url("/api/v1/session"))
            .header("x-csrf-token", &app.csrf)
            .send()
            .await
            .expect("out");
        let (st, bans) = app.get("/api/v1/credit/bans").await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert!(
            bans.as_array()
                .expect("list")
                .iter()
                .any(|x| x["decision_no"] == "甬建罚〔2025〕31号"),
            "{b}: {bans}"
        );
        let (_, mine) = app.get(&format!("/api/v1/credit/companies/{uscc}")).await;
        assert_eq!(mine.as_array().expect("list").len(), 1, "{b}: {mine}");
        // The ban takes 40 of 100 points by the published formula: grade C, naming the ban.
        let (st, g) = app
            .get(&format!("/api/v1/credit/companies/{uscc}/grade"))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(
            (g["grade"].as_str(), g["score"].as_u64()),
            (Some("C"), Some(60)),
            "{b}: {g}"
        );
        assert_eq!(
            g["lines"][0]["record"]["decision_no"], "甬建罚〔2025〕31号",
            "{b}: {g}"
        );
        let (_, f) = app.get("/api/v1/credit/formula").await;
        assert_eq!(f["version"], "credit-grade-2026", "{b}");
        let (st, _) = app.get("/api/v1/credit/companies/not-a-code").await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let page = app
            .client
            .get(app.url(&format!("/credit/{uscc}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        assert!(
            page.contains("甬建罚〔2025〕31号") && page.contains("id=\"standing\""),
            "{b}"
        );
        assert!(page.contains("该主体目前有生效的限制记录"), "{b}");
        let r = app
            .client
            .get(app.url(&format!("/credit?uscc={uscc}")))
            .send()
            .await
            .expect("lookup");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        app.finish().await;
    }
}

/// An objection over the API and the pages, on every backend: the company objects to a ban, the
/// public page marks the record as disputed without showing what the company wrote, and another
/// supervisor upholds it from the queue on the credit page, which revokes the record.
#[tokio::test]
async fn a_company_objects_and_another_supervisor_upholds_it_over_the_api_and_pages() {
    for t in TestDb::all().await {
        let app = TestApp::spawn(t, Config::default()).await;
        let b = app.backend;
        let text = |p: String| {
            let req = app.client.get(app.url(&p));
            async move { req.send().await.expect("page").text().await.expect("text") }
        };
        let e05 = ggzy_store::accounts::actor_of(&app.state.db, "entity05", "127.0.0.1")
            .await
            .expect("entity05");
        let uscc =
            ggzy_store::tendering::sealing::uscc_of(&app.state.db, e05.entity_id.expect("entity"))
                .await
                .expect("uscc");
        let today = (app.state.now() + chrono::Duration::hours(8)).date_naive();
        let last = today
            .checked_add_months(chrono::Months::new(12))
            .and_then(|d| d.pred_opt())
            .expect("date");
        app.as_user("supervisor").await;
        let (st, rec) = app
            .post(
                "/api/v1/credit/records",
                json!({
                    "uscc": uscc, "kind": "bidding_ban", "ground": "tender_collusion",
                    "decision_no": "甬建罚〔2026〕41号", "authority": "宁波市住房和城乡建设局",
                    "basis": "招标投标法实施条例第六十七条", "facts": "与其他投标人串通投标。",
                    "decided_on": today, "starts_on": today, "ends_on": last, "region_code": "330200"
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {rec}");
        let id = rec["id"].as_str().expect("id").to_string();
        // Shared at once through the exchange, with the company's grade.
        let (st, x) = app.get("/api/v1/credit/exchange?after=0&limit=1000").await;
        assert_eq!(st, StatusCode::OK, "{b}: {x}");
        assert_eq!(x["format"], "ggzy-credit-exchange/1", "{b}");
        let listed = |x: &Value| {
            x["records"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["id"].as_str() == Some(id.as_str())))
        };
        assert!(listed(&x), "{b}: {x}");
        assert!(
            x["grades"].as_array().is_some_and(|g| g
                .iter()
                .any(|g| g["uscc"] == uscc.as_str() && g["grade"] == "C")),
            "{b}: {x}"
        );

        // The company sees its record with the objection form; an empty reason is refused on
        // its field, in Chinese.
        app.as_user("entity05").await;
        let page = text(format!("/credit/{uscc}")).await;
        assert!(
            page.contains(&format!("action=\"/credit/records/{id}/objection\"")),
            "{b}"
        );
        let r = app
            .form(
                &format!("/credit/records/{id}/objection"),
                &[("reason", " ")],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().await.expect("text").contains("此项为必填项"),
            "{b}"
        );
        let (st, c) = app
            .post(
                &format!("/api/v1/credit/records/{id}/objections"),
                json!({"reason": "涉案项目我单位未参与投标，请核查。"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {c}");
        assert_eq!(
            (c["kind"].as_str(), c["pending"].as_bool()),
            (Some("objection"), Some(true)),
            "{b}: {c}"
        );
        let (st, e) = app
            .post(
                &format!("/api/v1/credit/records/{id}/objections"),
                json!({"reason": "再次提出"}),
            )
            .await;
        assert_eq!(
            e["fields"][0]["code"], "credit.already_pending",
            "{b}: {st} {e}"
        );
        let (_, mine) = app
            .get(&format!("/api/v1/credit/corrections?uscc={uscc}"))
            .await;
        assert_eq!(mine.as_array().map(Vec::len), Some(1), "{b}: {mine}");
        // A repair of a ban opens only when the ban has ended.
        let (st, e) = app
            .post(
                &format!("/api/v1/credit/records/{id}/repairs"),
                json!({"reason": "已整改", "commitment": true}),
            )
            .await;
        assert_eq!(
            (st, e["fields"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("credit.repair_too_early")
            ),
            "{b}: {e}"
        );

        // The public sees that the record is disputed, not what the company wrote.
        app.client
            .delete(app.url("/api/v1/session"))
            .header("x-csrf-token", &app.csrf)
            .send()
            .await
            .expect("out");
        let page = text(format!("/credit/{uscc}")).await;
        assert!(page.contains("当事人提出异议，处理中"), "{b}");
        assert!(
            !page.contains("我单位未参与投标") && !page.contains("/objection\""),
            "{b}"
        );
        let (st, _) = app.get("/api/v1/credit/corrections").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");

        // Another supervisor finds it in the queue and upholds it with a reason.
        app.as_user("supervisor2").await;
        let (_, queue) = app.get("/api/v1/credit/corrections").await;
        let cid = c["id"].as_str().expect("id");
        assert_eq!(queue[0]["id"].as_str(), Some(cid), "{b}: {queue}");
        let page = text("/credit".to_string()).await;
        assert!(
            page.contains(&format!("action=\"/credit/corrections/{cid}/decision\"")),
            "{b}"
        );
        let r = app
            .form(
                &format!("/credit/corrections/{cid}/decision"),
                &[("outcome", "grant"), ("reason", "")],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let r = app
            .form(
                &format!("/credit/corrections/{cid}/decision"),
                &[
                    ("outcome", "grant"),
                    ("reason", "经核查，投标记录中无该单位。"),
                ],
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        let (_, g) = app
            .get(&format!("/api/v1/credit/companies/{uscc}/grade"))
            .await;
        assert_eq!(
            g["score"].as_u64(),
            Some(100),
            "{b}: revoked, it counts nothing: {g}"
        );
        let (_, shown) = app.get(&format!("/api/v1/credit/companies/{uscc}")).await;
        assert_eq!(shown.as_array().map(Vec::len), Some(0), "{b}: {shown}");
        let (_, queue) = app.get("/api/v1/credit/corrections").await;
        assert_eq!(queue.as_array().map(Vec::len), Some(0), "{b}: {queue}");
        let (_, x) = app.get("/api/v1/credit/exchange").await;
        assert!(
            !listed(&x),
            "{b}: a revoked record leaves the exchange: {x}"
        );
        app.finish().await;
    }
}

/// The qualifications a lot requires, over the API on every backend: the tenderer states them
/// before the notice (a bad grade is refused on its field, a bidder may not), they are fixed once
/// the notice is out, and a bidder without a valid certificate of the type is refused its bid.
#[tokio::test]
async fn a_lot_requires_qualifications_and_a_bid_without_one_is_refused_over_the_api() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(100);
        clock.set(t0);
        let app = TestApp::spawn_with_clock(t, Config::default(), clock.clone()).await;
        let b = app.backend;
        app.as_user("principal").await;
        let input = serde_json::to_value(ggzy_demo::tendering::project_input(
            "水利资质测试工程",
            "一标段",
            "open_tender",
            ggzy_demo::tendering::points_method(),
        ))
        .expect("json");
        let (st, reg) = app.post("/api/v1/projects", input).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {reg}");
        let lot = reg["lots"][0]["lot_id"].as_str().expect("lot").to_string();
        let path = format!("/api/v1/lots/{lot}/qualifications");
        let (st, e) = app
            .put(
                &path,
                json!({"requirements": [{"name": "水利水电工程施工总承包", "min_grade": "二等"}]}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {e}");
        assert_eq!(
            e["fields"][0]["field"], "requirements[0].min_grade",
            "{b}: {e}"
        );
        let (st, set) = app
            .put(
                &path,
                json!({"requirements": [{"name": "水利水电工程施工总承包", "min_grade": "二级"}]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {set}");
        let (_, got) = app.get(&path).await;
        assert_eq!(got, set, "{b}");
        let (st, body) = app
            .post(&format!("/api/v1/lots/{lot}/notice"), notice_json(t0))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let (st, e) = app.put(&path, json!({"requirements": []})).await;
        assert_eq!(
            (st, e["fields"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("qualification.fixed")
            ),
            "{b}: {e}"
        );

        app.as_user("bidder").await;
        let (st, _) = app.put(&path, json!({"requirements": []})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        clock.set(t0 + chrono::Duration::days(7));
        app.as_user("bidder").await;
        let (st, e) = app
            .bid(&lot, "bidder", "9800000", "玖佰捌拾万元整", b"response")
            .await;
        assert_eq!(
            (st, e["fields"][0]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("qualification.missing")
            ),
            "{b}: {e}"
        );
        assert_eq!(e["fields"][0]["rule"]["article"], "51", "{b}: {e}");
        app.finish().await;
    }
}

/// A company on the court's list of 失信被执行人 is refused wherever it takes part, on the pages
/// as over the API, each refusal naming the record and citing its basis: a prequalification
/// application (the lot page's form and the API), a bid (the page's upload and the bid tool's
/// API), a grant application (the grant page's form and the API) and, listed again after its
/// admission, a bid in the auction hall.
#[tokio::test]
async fn a_listed_company_is_refused_on_the_pages_and_over_the_api_with_its_basis() {
    for t in TestDb::all().await {
        let clock = std::sync::Arc::new(ggzy_demo::app::TestClock::default());
        let t0 = ggzy_demo::testing::epoch() + chrono::Duration::days(100);
        let day = chrono::Duration::days(1);
        clock.set(t0);
        let config = Config {
            login_attempts: 10_000,
            ..Config::default()
        };
        let app = TestApp::spawn_with_clock(t, config, clock.clone()).await;
        let b = app.backend;
        let e05 = ggzy_store::accounts::actor_of(&app.state.db, "entity05", "127.0.0.1")
            .await
            .expect("entity05");
        let uscc =
            ggzy_store::tendering::sealing::uscc_of(&app.state.db, e05.entity_id.expect("entity"))
                .await
                .expect("uscc");
        let listed_on = (t0 - day + chrono::Duration::hours(8)).date_naive();
        app.as_user("supervisor").await;
        let (st, rec) = app
            .post(
                "/api/v1/credit/records",
                json!({
                    "uscc": uscc, "kind": "judgment_defaulter",
                    "decision_no": "（2026）浙0212执901号", "authority": "宁波市鄞州区人民法院",
                    "basis": "最高人民法院关于公布失信被执行人名单信息的若干规定第一条",
                    "facts": "有履行能力而拒不履行生效法律文书确定的义务。",
                    "decided_on": listed_on, "starts_on": listed_on, "region_code": "330200"
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {rec}");
        let record = format!("credit_record:{}", rec["id"].as_str().expect("id"));
        let refused = |st: StatusCode, e: &Value, regulation: &str| {
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {e}");
            assert_eq!(e["fields"][0]["code"], "credit.barred", "{b}: {e}");
            assert_eq!(e["fields"][0]["record"], json!(record), "{b}: {e}");
            assert_eq!(e["fields"][0]["rule"]["regulation"], regulation, "{b}: {e}");
        };
        let page_refused = |st: StatusCode, html: &str, regulation: &str| {
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {html}");
            assert!(
                html.contains("失信被执行人") && html.contains(regulation),
                "{b}: the page names the list and its basis"
            );
        };

        // A prequalification: the lot page's form, then the API.
        app.as_user("principal").await;
        let mut lots = vec![];
        for procedure in ["prequalification", "open_tender"] {
            let input = serde_json::to_value(ggzy_demo::tendering::project_input(
                &format!("信用联合惩戒测试工程（{procedure}）"),
                "一标段",
                procedure,
                ggzy_demo::tendering::points_method(),
            ))
            .expect("json");
            let (st, reg) = app.post("/api/v1/projects", input).await;
            assert_eq!(st, StatusCode::CREATED, "{b}: {reg}");
            lots.push(reg["lots"][0]["lot_id"].as_str().expect("lot").to_string());
        }
        let mut pq = notice_json(t0);
        pq.as_object_mut().map(|o| o.remove("bid_deadline"));
        pq["applications_due"] = json!(iso(t0 + day * 12));
        let (st, body) = app
            .post(&format!("/api/v1/lots/{}/prequal-notice", lots[0]), pq)
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let (st, body) = app
            .post(&format!("/api/v1/lots/{}/notice", lots[1]), notice_json(t0))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        app.as_user("entity05").await;
        let r = app
            .form(
                &format!("/lots/{}/apply", lots[0]),
                &[("statement", "满足资格条件")],
                None,
            )
            .await;
        let st = r.status();
        page_refused(st, &r.text().await.expect("html"), "法〔2016〕285号");
        let (st, e) = app
            .post(
                &format!("/api/v1/lots/{}/prequal-applications", lots[0]),
                json!({"statement": "满足资格条件"}),
            )
            .await;
        refused(st, &e, "法〔2016〕285号");

        // A bid on the last day: the page's upload, then the bid tool's API.
        clock.set(t0 + day * 20);
        app.as_user("entity05").await;
        let envelope = app
            .envelope(&lots[1], "entity05", "9800000", "玖佰捌拾万元整", b"bid")
            .await
            .expect("envelope");
        let r = app
            .upload(&format!("/lots/{}/bid", lots[1]), envelope.clone())
            .await;
        let st = r.status();
        page_refused(st, &r.text().await.expect("html"), "法〔2016〕285号");
        let r = app
            .upload(&format!("/api/v1/lots/{}/bids", lots[1]), envelope)
            .await;
        let st = r.status();
        refused(st, &r.json().await.expect("json"), "法〔2016〕285号");

        // A grant application: the grant page's form, then the API.
        clock.set(t0);
        app.as_user("staff").await;
        let (st, g) = app
            .post(
                "/api/v1/grants",
                json!({
                    "name": "信用联合惩戒测试地块", "region_code": "330200", "trade_kind": "land_use",
                    "method": "listing",
                    "details": {"location": "宁波市鄞州区", "area": "12000", "purpose": "商服用地"},
                    "start_price": "10000000", "increment": "100000", "reserve": "10100000",
                    "deposit": "1000000", "apply_until": iso(t0 + day * 50),
                    "starts_at": iso(t0 + day * 30), "free_until": iso(t0 + day * 51)
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {g}");
        let gid = g["id"].as_str().expect("id").to_string();
        clock.set(t0 + day);
        app.as_user("entity05").await;
        let r = app.form(&format!("/grants/{gid}/apply"), &[], None).await;
        let st = r.status();
        page_refused(st, &r.text().await.expect("html"), "发改财金〔2016〕141号");
        let (st, e) = app
            .post(&format!("/api/v1/grants/{gid}/applications"), json!({}))
            .await;
        refused(st, &e, "发改财金〔2016〕141号");

        // Every refusal is in the check log, which a supervisor reads.
        app.as_user("supervisor").await;
        for id in &lots {
            let (_, lot) = app.get(&format!("/api/v1/lots/{id}")).await;
            let deal = lot["trade_code"].as_str().unwrap_or_default().to_string();
            let (st, checks) = app
                .get(&format!("/api/v1/credit/checks?deal_code={deal}"))
                .await;
            assert_eq!(st, StatusCode::OK, "{b}: {checks}");
            assert!(
                checks
                    .as_array()
                    .is_some_and(|c| c.iter().any(|x| x["uscc"] == json!(uscc))),
                "{b}: {checks}"
            );
        }

        // The court removes the company: another supervisor revokes the record on the company's
        // credit page (never whoever entered it), and the company may apply again.
        let id = rec["id"].as_str().expect("id");
        let revoke = [
            ("document_no", "（2026）浙0212执901号之一"),
            ("reason", "被执行人已履行完毕，法院屏蔽失信信息。"),
        ];
        let r = app
            .form(&format!("/credit/records/{id}/revocation"), &revoke, None)
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().await.expect("html").contains("其他监管人员"),
            "{b}: the page says who may revoke"
        );
        app.as_user("supervisor2").await;
        let page = app
            .client
            .get(app.url(&format!("/credit/{uscc}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            page.contains(&format!("action=\"/credit/records/{id}/revocation\"")),
            "{b}: the supervisor is offered the revocation"
        );
        let r = app
            .form(&format!("/credit/records/{id}/revocation"), &revoke, None)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{b}");
        app.as_user("entity05").await;
        let (st, applied) = app
            .post(&format!("/api/v1/grants/{gid}/applications"), json!({}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {applied}");

        // Admitted while clear, listed again the next day: its bid in the hall is refused.
        app.as_user("staff").await;
        let (_, e) = app
            .get(&format!(
                "/api/v1/entities/{}",
                e05.entity_id.expect("entity")
            ))
            .await;
        let statement = format!(
            "交易流水号,记账日期,金额,付款人名称,付款账号,收款子账号\n{gid}-5,2027-01-02,1000000,{},6222005,{}\n",
            e["name"].as_str().expect("name"),
            applied["account_no"].as_str().expect("account")
        );
        let (st, body) = app
            .post("/api/v1/deposits/statements", json!({"csv": statement}))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let (st, body) = app
            .post(
                &format!(
                    "/api/v1/grants/{gid}/applications/{}/review",
                    e05.entity_id.expect("entity")
                ),
                json!({"admit": true}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {body}");
        let relisted = (t0 + day * 2 + chrono::Duration::hours(8)).date_naive();
        app.as_user("supervisor").await;
        let (st, rec) = app
            .post(
                "/api/v1/credit/records",
                json!({
                    "uscc": uscc, "kind": "judgment_defaulter",
                    "decision_no": "（2026）浙0203执77号", "authority": "宁波市海曙区人民法院",
                    "basis": "最高人民法院关于公布失信被执行人名单信息的若干规定第一条",
                    "facts": "违反财产报告制度。",
                    "decided_on": relisted, "starts_on": relisted, "region_code": "330200"
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {rec}");
        clock.set(t0 + day * 30 + chrono::Duration::minutes(1));
        app.as_user("entity05").await;
        let auction = g["auction_id"].as_str().expect("auction");
        let (st, e) = app
            .post(
                &format!("/api/v1/auctions/{auction}/bids"),
                json!({"amount": "10000000", "idempotency_key": "listed"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {e}");
        assert_eq!(e["fields"][0]["code"], "credit.barred", "{b}: {e}");
        assert_eq!(
            e["fields"][0]["rule"]["regulation"], "发改财金〔2016〕141号",
            "{b}: {e}"
        );
        app.finish().await;
    }
}

/// The demo's colluding opening raises its alerts; a supervisor finds them on the dashboard and
/// the pages, takes one, investigates it and closes it with a credit record, which the company's
/// public credit page then shows; nobody else may read or handle it.
#[tokio::test]
async fn a_supervisor_handles_a_collusion_alert_to_a_credit_record_over_the_api_and_pages() {
    for app in TestApp::all().await {
        let b = app.backend;
        let (st, _) = app.get("/api/v1/alerts").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{b}");
        app.as_user("bidder").await;
        let (st, body) = app.get("/api/v1/alerts").await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}: {body}");
        let (st, _) = app
            .post(
                &format!("/api/v1/alerts/{}/acknowledgement", uuid::Uuid::nil()),
                json!({}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");

        app.as_user("supervisor").await;
        let (st, list) = app.get("/api/v1/alerts?kind=collusion.same_address").await;
        assert_eq!(st, StatusCode::OK, "{b}: {list}");
        let alert = list
            .as_array()
            .and_then(|l| l.first())
            .cloned()
            .expect("the demo's same-address alert");
        let id = alert["id"].as_str().expect("id").to_string();
        assert_eq!(alert["status"], "raised", "{b}");
        assert_eq!(alert["evidence"]["shared"], "10.0.8.20", "{b}");
        let uscc = alert["evidence"]["bidders"][1]["uscc"]
            .as_str()
            .expect("uscc")
            .to_string();
        let (_, board) = app.get("/api/v1/alerts/dashboard").await;
        let kinds: Vec<&str> = board
            .as_array()
            .expect("counts")
            .iter()
            .filter_map(|c| c["kind"].as_str())
            .collect();
        assert!(
            kinds.contains(&"collusion.same_address")
                && kinds.contains(&"collusion.same_bond_account"),
            "{b}: {board}"
        );
        let page = app
            .client
            .get(app.url("/supervision"))
            .send()
            .await
            .expect("page");
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("html");
        assert!(html.contains("不同投标人从同一网络地址递交投标文件"), "{b}");
        let html = app
            .client
            .get(app.url(&format!("/supervision/alerts/{id}")))
            .send()
            .await
            .expect("case page")
            .text()
            .await
            .expect("html");
        assert!(
            html.contains("10.0.8.20") && html.contains("招标投标法实施条例第四十条"),
            "{b}"
        );

        let (st, case) = app
            .post(
                &format!("/api/v1/alerts/{id}/acknowledgement"),
                json!({"note": "已受理"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {case}");
        assert_eq!(case["alert"]["status"], "acknowledged");
        app.as_user("supervisor2").await;
        let (st, refused) = app
            .post(&format!("/api/v1/alerts/{id}/investigation"), json!({}))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {refused}");
        assert_eq!(refused["fields"][0]["code"], "alert.not_owner", "{b}");
        app.as_user("supervisor").await;
        let (st, _) = app
            .post(
                &format!("/api/v1/alerts/{id}/investigation"),
                json!({"note": "调取两家投标人的递交记录"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let today = ggzy_store::tendering::day(app.state.now()).to_string();
        let (st, closed) = app
            .post(
                &format!("/api/v1/alerts/{id}/closure"),
                json!({"finding": "credit_record", "note": "查实两家投标文件由同一人递交", "record": {
                    "uscc": uscc, "kind": "platform_finding", "decision_no": "甬建监〔2026〕21号",
                    "authority": "宁波市住房和城乡建设局", "basis": "招标投标法实施条例第四十条",
                    "facts": "与另一投标人从同一网络地址递交投标文件", "decided_on": today,
                    "starts_on": today, "region_code": "330200"}}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {closed}");
        assert_eq!(closed["alert"]["status"], "closed");
        assert_eq!(closed["alert"]["finding"], "credit_record");
        assert_eq!(closed["alert"]["credit_uscc"], uscc.as_str());
        let (_, records) = app.get(&format!("/api/v1/credit/companies/{uscc}")).await;
        assert!(
            records.to_string().contains("甬建监〔2026〕21号"),
            "{b}: the finding is on the company's public record: {records}"
        );
        let (st, again) = app
            .post(
                &format!("/api/v1/alerts/{id}/closure"),
                json!({"finding": "no_issue", "note": "x"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(again["fields"][0]["code"], "alert.closed", "{b}");
        app.finish().await;
    }
}

/// A supervisor suspends a demo tender over the API: the lot reports the hold, a bid is refused
/// citing the rule, the order is public on the lot; the supervisor resumes it from the lot page's
/// form; the principal answers an order to correct; nobody else may order or answer.
#[tokio::test]
async fn a_supervisor_suspends_resumes_and_orders_a_correction_over_the_api_and_pages() {
    for app in TestApp::all().await {
        let b = app.backend;
        app.as_user("principal").await;
        let (_, lots) = app.get("/api/v1/lots?stage=tendering").await;
        let id = lots
            .as_array()
            .and_then(|l| l.iter().find(|x| x["procedure_kind"] == "open_tender"))
            .and_then(|x| x["id"].as_str())
            .expect("the demo has an open tender under way")
            .to_string();
        let path = format!("/api/v1/lots/{id}/interventions");
        let order = json!({"kind": "suspend", "basis": "招标投标法实施条例 第62条", "reason": "投诉处理期间暂停"});
        let (st, body) = app.post(&path, order.clone()).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}: {body}");

        app.as_user("supervisor").await;
        let (st, bad) = app
            .post(
                &path,
                json!({"kind": "correct", "basis": "x", "reason": "y"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad}");
        assert_eq!(bad["fields"][0]["field"], "due_at", "{b}: {bad}");
        let (st, held) = app.post(&path, order).await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {held}");
        let (_, lot) = app.get(&format!("/api/v1/lots/{id}")).await;
        assert_eq!(lot["held_by"], held["id"], "{b}: {lot}");

        app.as_user("principal").await;
        let (st, refused) = app
            .post(
                &format!("/api/v1/lots/{id}/termination"),
                json!({"reason": "不再建设"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {refused}");
        assert_eq!(refused["fields"][0]["code"], "procedure.held_by_order");
        assert_eq!(
            refused["fields"][0]["rule"]["article"], "52",
            "{b}: {refused}"
        );

        // The public reads the order; the supervisor lifts it from the lot page.
        let anonymous = reqwest::Client::new()
            .get(app.url(&path))
            .send()
            .await
            .expect("orders");
        assert_eq!(anonymous.status(), StatusCode::OK, "{b}");
        let orders: Value = anonymous.json().await.expect("json");
        assert_eq!(orders[0]["kind"], "suspend", "{b}: {orders}");
        app.as_user("supervisor").await;
        let page = app
            .client
            .get(app.url(&format!("/lots/{id}")))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html");
        assert!(
            page.contains("id=\"held\"") && page.contains("id=\"order-form\""),
            "{b}"
        );
        let r = app
            .form(
                &format!("/lots/{id}/order"),
                &[
                    ("kind", "resume"),
                    ("basis", "招标投标法实施条例 第62条"),
                    ("reason", "投诉已处理完毕"),
                    ("due_at", ""),
                ],
                None,
            )
            .await;
        let to = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(to.contains("done=order"), "{b}: {} {to}", r.status());
        let (_, lot) = app.get(&format!("/api/v1/lots/{id}")).await;
        assert_eq!(lot["held_by"], Value::Null, "{b}");

        let due = (app.state.now() + chrono::Duration::days(5)).to_rfc3339();
        let (st, correct) = app
            .post(&path, json!({"kind": "correct", "basis": "电子招标投标办法 第52条", "reason": "补充公开评标办法", "due_at": due}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {correct}");
        let answer = format!(
            "/api/v1/interventions/{}/answer",
            correct["id"].as_str().expect("id")
        );
        app.as_user("bidder").await;
        let (st, _) = app.post(&answer, json!({"answer": "x"})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
        app.as_user("principal").await;
        let (st, answered) = app
            .post(&answer, json!({"answer": "已发布澄清公告补充评标办法"}))
            .await;
        assert_eq!(st, StatusCode::OK, "{b}: {answered}");
        assert_eq!(answered["answer"], "已发布澄清公告补充评标办法");
        app.finish().await;
    }
}

/// Anyone reports a violation about the centre itself, anonymously; the report becomes a
/// high-severity alert for the region's supervisor, who reads the facts, closes the case, and the
/// reporter reads the answer with the number and secret — a wrong secret reads as no report.
#[tokio::test]
async fn an_anonymous_report_about_the_centre_is_answered_through_its_alert() {
    for app in TestApp::all().await {
        let b = app.backend;
        let (st, bad) = app
            .post(
                "/api/v1/reports",
                json!({"about": "centre", "accused": "", "facts": ""}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad}");
        let (st, receipt) = app
            .post(
                "/api/v1/reports",
                json!({"about": "centre", "accused": "交易中心", "facts": "开标现场收取未公示的场地费", "region_code": "330200"}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}: {receipt}");
        let lookup = json!({"number": receipt["number"], "secret": receipt["secret"]});
        let (st, progress) = app.post("/api/v1/reports/progress", lookup.clone()).await;
        assert_eq!(st, StatusCode::OK, "{b}: {progress}");
        assert_eq!(progress["status"], "received", "{b}");
        let (st, _) = app
            .post(
                "/api/v1/reports/progress",
                json!({"number": receipt["number"], "secret": "WRONGSECRET23456"}),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{b}");

        app.as_user("supervisor").await;
        let (_, list) = app.get("/api/v1/alerts?kind=report").await;
        let alert = list
            .as_array()
            .and_then(|l| l.first())
            .cloned()
            .expect("the report's alert");
        assert_eq!(alert["severity"], "high", "{b}");
        let id = alert["id"].as_str().expect("id").to_string();
        let (st, report) = app.get(&format!("/api/v1/alerts/{id}/report")).await;
        assert_eq!(st, StatusCode::OK, "{b}: {report}");
        assert_eq!(report["facts"], "开标现场收取未公示的场地费");
        assert_eq!(report["reporter_name"], Value::Null, "anonymous");
        let (st, _) = app
            .post(
                &format!("/api/v1/alerts/{id}/closure"),
                json!({"finding": "warning", "note": "已责令交易中心停止收取并退还"}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (_, progress) = app.post("/api/v1/reports/progress", lookup).await;
        assert_eq!(progress["status"], "answered", "{b}: {progress}");
        assert_eq!(progress["answer"], "已责令交易中心停止收取并退还");
        app.finish().await;
    }
}
