//! The demo and the fixtures tests start from, kept out of the production libraries: a city with
//! two county branches, one account per role, a dozen entities with qualifications (this file);
//! experts, construction lots, procurements and grants at every stage, walked through the same
//! services a user would call; fresh test databases (`testing`) and the app on a random port
//! (`app`). Idempotent: seeding a database that already has the demo city does nothing.

pub mod app;
pub mod credit;
pub mod experts;
pub mod grants;
pub mod procurement;
pub mod tendering;
pub mod testing;

use chrono::{DateTime, Utc};
use ggzy_core::account::{NewPassword, UserInput, Username};
use ggzy_core::entity::{EntityInput, QualificationInput};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Role;
use ggzy_core::uscc;
use ggzy_store::accounts::{RecordedBy, add_grant, open_account};
use ggzy_store::actor::Actor;
use ggzy_store::db::Db;
use ggzy_store::entities::{self, RegistrationInput};
use ggzy_store::error::ServiceResult;
use ggzy_store::regions::{self, RegionInput};

/// Shared by every demo account; printed at start. Never used outside `--demo`.
pub const DEMO_PASSWORD: &str = "Demo-2026-ggzy";

pub const REGIONS: [(&str, &str); 4] = [
    ("330000", "浙江省"),
    ("330200", "宁波市"),
    ("330203", "海曙区"),
    ("330212", "鄞州区"),
];

pub use ggzy_web::state::{DemoAccount, DemoGuide};

/// What the pages of a demo server tell a visitor about these accounts and the demo experts.
pub fn guide(accounts: &[DemoAccount]) -> DemoGuide {
    DemoGuide {
        accounts: accounts.to_vec(),
        password: DEMO_PASSWORD.into(),
        expert_id_numbers: experts::usernames()
            .map(|u| (u.to_string(), experts::id_number(u)))
            .collect(),
    }
}

/// Demo TOTP secrets are fixed so that the demo login page can show the current code.
fn demo_secret(username: &str) -> String {
    let h = ggzy_seal::sm3(&[b"ggzy-demo-totp", username.as_bytes()]);
    let mut b = [0u8; 20];
    b.copy_from_slice(&h[..20]);
    totp_rs::Secret::from(b).to_base32()
}

fn demo_uscc(region: &str, n: u32) -> String {
    // Walk bodies until both check characters come out valid; deterministic per (region, n).
    (0..100u32)
        .find_map(|k| uscc::complete(&format!("91{region}MA2H{:04}", n * 100 + k)))
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

struct DemoEntity {
    name: &'static str,
    region: &'static str,
    legal_rep: &'static str,
    quals: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
}

const ISSUER_ZJ: &str = "浙江省住房和城乡建设厅";
const ISSUER_NB: &str = "宁波市住房和城乡建设局";

const ENTITIES: [DemoEntity; 12] = [
    DemoEntity {
        name: "宁波市城建投资集团有限公司",
        region: "330200",
        legal_rep: "陈建国",
        quals: &[],
    },
    DemoEntity {
        name: "宁波甬诚招标代理有限公司",
        region: "330203",
        legal_rep: "王丽华",
        quals: &[(
            "工程招标代理",
            "甲级",
            "2023-03-01",
            "2028-02-28",
            ISSUER_ZJ,
        )],
    },
    DemoEntity {
        name: "浙江东海建设集团有限公司",
        region: "330212",
        legal_rep: "李海涛",
        quals: &[
            (
                "建筑工程施工总承包",
                "一级",
                "2022-05-10",
                "2027-05-09",
                ISSUER_ZJ,
            ),
            (
                "市政公用工程施工总承包",
                "二级",
                "2021-01-01",
                "2025-12-31",
                ISSUER_NB,
            ),
        ],
    },
    DemoEntity {
        name: "宁波海曙路桥工程有限公司",
        region: "330203",
        legal_rep: "张伟",
        quals: &[(
            "公路工程施工总承包",
            "二级",
            "2024-02-01",
            "2029-01-31",
            ISSUER_ZJ,
        )],
    },
    DemoEntity {
        name: "鄞州市政园林建设有限公司",
        region: "330212",
        legal_rep: "赵敏",
        quals: &[(
            "市政公用工程施工总承包",
            "三级",
            "2020-06-01",
            "2025-05-31",
            ISSUER_NB,
        )],
    },
    DemoEntity {
        name: "宁波明州建筑设计研究院有限公司",
        region: "330200",
        legal_rep: "孙立",
        quals: &[(
            "工程设计建筑行业",
            "甲级",
            "2023-09-01",
            "2028-08-31",
            "中华人民共和国住房和城乡建设部",
        )],
    },
    DemoEntity {
        name: "浙江四明工程监理有限公司",
        region: "330203",
        legal_rep: "周静",
        quals: &[(
            "工程监理综合资质",
            "甲级",
            "2022-11-15",
            "2027-11-14",
            "中华人民共和国住房和城乡建设部",
        )],
    },
    DemoEntity {
        name: "宁波天一信息技术有限公司",
        region: "330212",
        legal_rep: "吴斌",
        quals: &[(
            "信息系统集成服务",
            "二级",
            "2024-04-01",
            "2027-03-31",
            "中国电子信息行业联合会",
        )],
    },
    DemoEntity {
        name: "宁波港城物业服务有限公司",
        region: "330203",
        legal_rep: "郑芳",
        quals: &[],
    },
    DemoEntity {
        name: "浙江甬江水利建设有限公司",
        region: "330212",
        legal_rep: "冯涛",
        quals: &[(
            "水利水电工程施工总承包",
            "二级",
            "2021-08-01",
            "2026-07-31",
            ISSUER_ZJ,
        )],
    },
    DemoEntity {
        name: "宁波和丰地产开发有限公司",
        region: "330200",
        legal_rep: "钱坤",
        quals: &[(
            "房地产开发企业资质",
            "二级",
            "2023-01-01",
            "2026-12-31",
            ISSUER_NB,
        )],
    },
    DemoEntity {
        name: "宁波鼓楼医疗器械有限公司",
        region: "330203",
        legal_rep: "何琳",
        quals: &[(
            "医疗器械经营许可",
            "",
            "2022-03-01",
            "2027-02-28",
            "宁波市市场监督管理局",
        )],
    },
];

/// Staff-side demo accounts: (username, display name, role, region).
const STAFF: [(&str, &str, Role, &str); 13] = [
    ("admin", "平台管理员", Role::Admin, "330200"),
    ("staff", "交易中心 刘工", Role::CenterStaff, "330200"),
    ("supervisor", "行业监督 黄科长", Role::Supervisor, "330200"),
    // A second supervisor: whoever recorded a credit decision does not judge the objection to it.
    ("supervisor2", "行业监督 陈科长", Role::Supervisor, "330200"),
    ("auditor", "审计 许审计师", Role::Auditor, "330200"),
    ("expert", "评标专家 林教授", Role::Expert, "330200"),
    ("expert2", "评标专家 周高工", Role::Expert, "330200"),
    ("expert3", "评标专家 吴教授", Role::Expert, "330200"),
    ("expert4", "评标专家 郑高工", Role::Expert, "330200"),
    ("expert5", "评标专家 孙高工", Role::Expert, "330200"),
    (
        "custodian",
        "交易中心 密钥保管 马主任",
        Role::Custodian,
        "330200",
    ),
    (
        "custodian2",
        "住建局 密钥保管 何科长",
        Role::Custodian,
        "330200",
    ),
    (
        "custodian3",
        "公证处 密钥保管 蒋公证员",
        Role::Custodian,
        "330200",
    ),
];

/// Accounts that hold opening-key shares in the demo (with the principal).
pub const CUSTODIANS: [&str; 3] = ["custodian", "custodian2", "custodian3"];

/// A demo account's SM2 key, derived from its name so the demo, the tests and a person trying
/// the demo all hold the same key without it being stored anywhere. Never for real accounts.
pub fn demo_key(username: &str) -> ggzy_seal::keys::SecretKey {
    let mut i = 0u32;
    loop {
        let h = ggzy_seal::sm3(&[b"ggzy-demo-sm2", username.as_bytes(), &i.to_be_bytes()]);
        if let Ok(k) = ggzy_seal::keys::SecretKey::from_bytes(h) {
            return k;
        }
        i += 1;
    }
}

/// The first entity is the demo principal, the second the agency, the third the bidder.
fn company_username(i: usize) -> String {
    match i {
        0 => "principal".to_string(),
        1 => "agency".to_string(),
        2 => "bidder".to_string(),
        n => format!("entity{n:02}"),
    }
}

/// Register the demo keys: custody keys for the custodians and the principal, signing keys for
/// every company account.
async fn register_demo_keys(db: &Db, now: DateTime<Utc>) -> ServiceResult<()> {
    use ggzy_store::tendering::sealing::{BID_SIGNING, CUSTODY, KeyInput, register_key};
    let companies = (0..ENTITIES.len()).map(company_username);
    let custody = CUSTODIANS.iter().map(|u| (u.to_string(), CUSTODY));
    let signing = companies.map(|u| (u, BID_SIGNING));
    for (u, purpose) in custody
        .chain(std::iter::once(("principal".to_string(), CUSTODY)))
        .chain(signing)
    {
        let a = ggzy_store::accounts::actor_of(db, &u, "127.0.0.1").await?;
        // One name, two keys: the principal's custody key differs from its signing key.
        let k = demo_key(&format!("{u}/{purpose}"));
        register_key(
            db,
            &a,
            &KeyInput {
                purpose: purpose.into(),
                public_key: k.public().to_hex(),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Seed the demo. Returns the demo accounts (empty when the demo city already existed).
pub async fn seed(db: &Db, now: DateTime<Utc>) -> ServiceResult<Vec<DemoAccount>> {
    if regions::get(db, "330200").await?.is_some() {
        return Ok(accounts_listing());
    }
    let system = Actor::system();
    for (code, name) in REGIONS {
        if regions::get(db, code).await?.is_none() {
            regions::create(
                db,
                &system,
                &RegionInput {
                    code: code.into(),
                    name: name.into(),
                },
                now,
            )
            .await?;
        }
    }
    let password = NewPassword::parse("password", DEMO_PASSWORD, None)?;
    for (username, display, role, region) in STAFF {
        let region = DivisionCode::parse("region", region)?;
        let secret = role.requires_totp().then(|| demo_secret(username));
        let mut tx = db.begin().await?;
        let username = Username::parse("username", username)?;
        open_account(
            &mut tx,
            &RecordedBy::system(),
            &username,
            display,
            &password,
            role,
            &region,
            secret.as_deref(),
            now,
        )
        .await?;
        tx.commit().await?;
    }
    let mut usccs = vec![];
    for (i, e) in ENTITIES.iter().enumerate() {
        let username = company_username(i);
        let input = RegistrationInput {
            entity: EntityInput {
                uscc: demo_uscc(e.region, i as u32),
                name: e.name.into(),
                kind: "company".into(),
                legal_representative: e.legal_rep.into(),
                region_code: e.region.into(),
                address: format!("浙江省宁波市{}", regions_name(e.region)),
                contact_name: e.legal_rep.into(),
                contact_phone: format!("1385740{:04}", 1000 + i),
                contact_email: format!("{username}@example.cn"),
                qualifications: e
                    .quals
                    .iter()
                    .enumerate()
                    .map(
                        |(k, (name, grade, from, until, issuer))| QualificationInput {
                            name: (*name).into(),
                            grade: (*grade).into(),
                            certificate_no: format!("D{}{:03}", e.region, i * 10 + k),
                            issuer: (*issuer).into(),
                            valid_from: (*from).into(),
                            valid_until: (*until).into(),
                        },
                    )
                    .collect(),
            },
            user: UserInput {
                username: username.clone(),
                display_name: format!("{} 经办人", e.legal_rep),
                password: DEMO_PASSWORD.into(),
            },
        };
        let reg = entities::register(db, &system, &input, now).await?;
        usccs.push((reg.entity_id, demo_uscc(e.region, i as u32)));
        let extra = match i {
            0 => Some(Role::Principal),
            1 => Some(Role::Agency),
            _ => None,
        };
        if let Some(role) = extra {
            let region = DivisionCode::parse("region", e.region)?;
            let mut tx = db.begin().await?;
            add_grant(
                &mut tx,
                &RecordedBy::system(),
                reg.account_id,
                role,
                &region,
                now,
            )
            .await?;
            tx.commit().await?;
        }
    }
    register_demo_keys(db, now).await?;
    crate::experts::seed(db, &usccs, &password, now).await?;
    crate::credit::seed(db, now).await?;
    Ok(accounts_listing())
}

fn regions_name(code: &str) -> &'static str {
    REGIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, n)| n)
}

/// What `serve --demo` prints: every demo account, its role and, for staff, its TOTP secret.
pub fn accounts_listing() -> Vec<DemoAccount> {
    let mut out: Vec<DemoAccount> = STAFF
        .iter()
        .map(|(u, _, role, region)| DemoAccount {
            username: (*u).into(),
            role: *role,
            region: (*region).into(),
            totp_secret: role.requires_totp().then(|| demo_secret(u)),
        })
        .collect();
    for (u, role, region) in [
        ("principal", Role::Principal, "330200"),
        ("agency", Role::Agency, "330203"),
        ("bidder", Role::EntityUser, "330212"),
    ] {
        out.push(DemoAccount {
            username: u.into(),
            role,
            region: region.into(),
            totp_secret: None,
        });
    }
    out
}
