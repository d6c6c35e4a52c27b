//! The demo expert pool: the five named demo experts and 31 more, with specialties, employers,
//! ties and a few who the avoidance rules must keep off (a bidder's employee, a former employee of
//! the principal, a suspended expert, one too junior, one on leave, one 失信, one from the
//! supervising department), so a demo draw shows every kind of exclusion.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ggzy_core::Money;
use ggzy_core::account::NewPassword;
use ggzy_core::clock::truncate_micros;
use ggzy_core::expert::{FeeStandard, complete_id_number};
use ggzy_core::region::DivisionCode;
use ggzy_core::role::Role;
use ggzy_core::specialty::SpecialtyTree;
use ggzy_store::accounts::{hash_password, insert_grant};
use ggzy_store::db::Db;
use ggzy_store::error::ServiceResult;
use ggzy_store::experts::credit::put_fee_standard;
use ggzy_store::{Actor, tx_exec, tx_opt};
use uuid::Uuid;

/// The department supervising Ningbo's construction trades (a demo credit code, both checks valid).
pub fn dept_uscc() -> String {
    ggzy_core::uscc::complete("11330200MB000000")
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// (username, name, title, senior, years, specialty, employer index into the demo entities or
/// none, tie). The first five are the accounts `demo` already made.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    u32,
    &'static str,
    Tie,
);

#[derive(Clone, Copy)]
enum Tie {
    None,
    /// Works for the demo entity with this index (2 = the demo bidder).
    Employee(usize),
    /// Left the demo entity with this index this many days before the seed.
    Former(usize, i64),
    Suspended,
    OnLeave,
    Dishonest,
    Department,
}

const POOL: [Row; 36] = [
    (
        "expert",
        "林教授",
        "教授级高级工程师",
        true,
        22,
        "A080201",
        Tie::None,
    ),
    (
        "expert2",
        "周高工",
        "高级工程师",
        true,
        15,
        "A080101",
        Tie::None,
    ),
    ("expert3", "吴教授", "教授", true, 18, "A080202", Tie::None),
    (
        "expert4",
        "郑高工",
        "高级经济师",
        true,
        12,
        "A090101",
        Tie::None,
    ),
    (
        "expert5",
        "孙高工",
        "高级工程师",
        true,
        10,
        "A090102",
        Tie::None,
    ),
    (
        "expert06",
        "王振华",
        "高级工程师",
        true,
        14,
        "A080101",
        Tie::None,
    ),
    (
        "expert07",
        "陈立新",
        "高级工程师",
        true,
        9,
        "A080102",
        Tie::None,
    ),
    (
        "expert08",
        "刘海涛",
        "教授级高级工程师",
        true,
        25,
        "A080201",
        Tie::None,
    ),
    (
        "expert09",
        "杨卫东",
        "高级工程师",
        true,
        11,
        "A080202",
        Tie::None,
    ),
    (
        "expert10",
        "黄建平",
        "高级工程师",
        true,
        16,
        "A0803",
        Tie::None,
    ),
    (
        "expert11",
        "赵美玲",
        "高级经济师",
        true,
        13,
        "A090101",
        Tie::None,
    ),
    (
        "expert12",
        "徐国庆",
        "高级会计师",
        true,
        20,
        "A090102",
        Tie::None,
    ),
    (
        "expert13",
        "朱晓东",
        "高级工程师",
        true,
        8,
        "A080101",
        Tie::None,
    ),
    (
        "expert14",
        "胡文斌",
        "高级工程师",
        true,
        17,
        "A080201",
        Tie::None,
    ),
    (
        "expert15",
        "郭志强",
        "高级工程师",
        true,
        19,
        "A080202",
        Tie::None,
    ),
    (
        "expert16",
        "何丽娟",
        "高级经济师",
        true,
        10,
        "A090101",
        Tie::None,
    ),
    (
        "expert17",
        "高鹏",
        "高级工程师",
        true,
        12,
        "A080102",
        Tie::None,
    ),
    (
        "expert18",
        "罗斌",
        "高级工程师",
        true,
        9,
        "A080301",
        Tie::None,
    ),
    (
        "expert19",
        "梁红",
        "高级经济师",
        true,
        14,
        "A090102",
        Tie::None,
    ),
    (
        "expert20",
        "宋健",
        "高级工程师",
        true,
        21,
        "A080201",
        Tie::None,
    ),
    (
        "expert21",
        "唐亮",
        "高级工程师",
        true,
        13,
        "A080101",
        Tie::Employee(2),
    ),
    (
        "expert22",
        "韩雪",
        "高级工程师",
        true,
        11,
        "A080202",
        Tie::Former(0, 400),
    ),
    (
        "expert23",
        "冯刚",
        "高级工程师",
        true,
        16,
        "A080101",
        Tie::Suspended,
    ),
    ("expert24", "曹阳", "工程师", false, 6, "A080201", Tie::None),
    (
        "expert25",
        "彭飞",
        "高级工程师",
        true,
        12,
        "A080102",
        Tie::OnLeave,
    ),
    (
        "expert26",
        "曾凡",
        "高级经济师",
        true,
        15,
        "A090101",
        Tie::Dishonest,
    ),
    (
        "expert27",
        "吕强",
        "高级工程师",
        true,
        18,
        "A080201",
        Tie::Department,
    ),
    (
        "expert28",
        "苏敏",
        "高级工程师",
        true,
        10,
        "A080202",
        Tie::None,
    ),
    (
        "expert29",
        "蒋涛",
        "高级经济师",
        true,
        9,
        "A090102",
        Tie::None,
    ),
    (
        "expert30",
        "蔡峰",
        "高级工程师",
        true,
        14,
        "A080101",
        Tie::None,
    ),
    (
        "expert31",
        "施明",
        "高级工程师",
        true,
        12,
        "A080101",
        Tie::None,
    ),
    (
        "expert32",
        "崔磊",
        "高级工程师",
        true,
        15,
        "A080102",
        Tie::None,
    ),
    (
        "expert33",
        "龚平",
        "教授级高级工程师",
        true,
        24,
        "A080101",
        Tie::None,
    ),
    (
        "expert34",
        "程雪",
        "高级工程师",
        true,
        11,
        "A080102",
        Tie::None,
    ),
    (
        "expert35",
        "袁斌",
        "高级工程师",
        true,
        17,
        "A080101",
        Tie::None,
    ),
    (
        "expert36",
        "邵宁",
        "高级工程师",
        true,
        13,
        "A080102",
        Tie::None,
    ),
];

/// The demo usernames of the pool beyond the five named experts.
pub fn pool_usernames() -> impl Iterator<Item = &'static str> {
    POOL.iter().skip(5).map(|r| r.0)
}

/// Every demo expert's username, the five named ones first.
pub fn usernames() -> impl Iterator<Item = &'static str> {
    POOL.iter().map(|r| r.0)
}

/// A demo expert's identity card number, so a person trying the demo can sign in on the day.
pub fn id_number(username: &str) -> String {
    let i = POOL.iter().position(|r| r.0 == username).unwrap_or(0);
    complete_id_number(&format!(
        "33020319{:02}0{}15{:03}",
        60 + i,
        1 + i % 9,
        100 + i
    ))
}

pub(crate) async fn seed(
    db: &Db,
    entity_usccs: &[(Uuid, String)],
    password: &NewPassword,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let now = truncate_micros(now);
    let tree = SpecialtyTree::default_cn();
    let region = DivisionCode::parse("region", "330200")?;
    // One hash for every pool account: they share the demo password, and hashing 31 times would
    // only slow the demo down.
    let hash = hash_password(password)?;
    let mut tx = db.begin().await?;
    for (c, n) in tree.iter() {
        tx_exec!(
            &mut tx,
            "INSERT INTO specialties (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            c.as_str(),
            n
        );
    }
    tx_exec!(
        &mut tx,
        "INSERT INTO supervising_departments (region_code, trade_kind, uscc, name) VALUES ('330200', 'construction', $1, '宁波市住房和城乡建设局')",
        dept_uscc()
    );
    let today = ggzy_store::tendering::day(now);
    for (i, (username, name, title, senior, years, specialty, tie)) in POOL.iter().enumerate() {
        let existing: Option<(Uuid,)> = tx_opt!(
            &mut tx,
            "SELECT id FROM accounts WHERE username = $1",
            username
        );
        let account = match existing {
            Some((a,)) => a,
            None => {
                let a = Uuid::now_v7();
                tx_exec!(
                    &mut tx,
                    "INSERT INTO accounts (id, username, display_name, password_hash, region_code, created_at) VALUES ($1, $2, $3, $4, '330200', $5)",
                    a,
                    username,
                    format!("评标专家 {name}"),
                    &hash,
                    now
                );
                insert_grant(&mut tx, a, Role::Expert, &region, None, now).await?;
                a
            }
        };
        let own_employer = format!("91330200MA2{:06}", 100 + i);
        let own_employer = ggzy_core::uscc::complete(&own_employer[..16])
            .map(|u| u.to_string())
            .unwrap_or_default();
        let employer = match tie {
            Tie::Employee(e) => entity_usccs
                .get(*e)
                .map(|x| x.1.clone())
                .unwrap_or_default(),
            _ => own_employer,
        };
        let status = if matches!(tie, Tie::Suspended) {
            "suspended"
        } else {
            "active"
        };
        let id = Uuid::now_v7();
        let birth =
            NaiveDate::from_ymd_opt(1960 + i as i32, 1 + (i % 9) as u32, 15).unwrap_or(today);
        tx_exec!(&mut tx, "INSERT INTO experts (id, account_id, name, id_number_sm3, birth_date, title, senior_title, practice_years, employer_uscc, employer_name, department_uscc, region_code, phone, email, status, status_reason, dishonest, dishonest_checked_at, applied_at, vetted_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)", id, account, *name, ggzy_store::experts::id_number_sm3(&id_number(username)), birth, *title, *senior, *years as i64, &employer, if matches!(tie, Tie::Employee(_)) { "投标人单位" } else { "宁波市某设计研究院" }, matches!(tie, Tie::Department).then(dept_uscc), if i % 3 == 0 { "330203" } else { "330200" }, format!("1390574{:04}", 1000 + i), format!("{username}@experts.example.cn"), status, matches!(tie, Tie::Suspended).then_some("年度考核不合格，暂停评标资格"), matches!(tie, Tie::Dishonest), now, now);
        tx_exec!(
            &mut tx,
            "INSERT INTO expert_specialties (expert_id, code) VALUES ($1, $2)",
            id,
            *specialty
        );
        match tie {
            Tie::Former(e, days) => {
                let u = entity_usccs
                    .get(*e)
                    .map(|x| x.1.clone())
                    .unwrap_or_default();
                tx_exec!(
                    &mut tx,
                    "INSERT INTO expert_ties (expert_id, kind, uscc, note, left_on) VALUES ($1, 'former_employer', $2, '原工作单位', $3)",
                    id,
                    u,
                    today - Duration::days(*days)
                );
            }
            Tie::OnLeave => {
                tx_exec!(
                    &mut tx,
                    "INSERT INTO expert_unavailability (id, expert_id, from_day, until_day, reason) VALUES ($1, $2, $3, $4, '出差')",
                    Uuid::now_v7(),
                    id,
                    today - Duration::days(60),
                    today + Duration::days(60)
                );
            }
            _ => {}
        }
    }
    tx.commit().await?;
    put_fee_standard(
        db,
        &Actor::system(),
        &region,
        &FeeStandard {
            per_session: Money::from_fen(40_000),
            session_hours: 4,
            remote_allowance: Money::from_fen(20_000),
        },
        now,
    )
    .await?;
    Ok(())
}
