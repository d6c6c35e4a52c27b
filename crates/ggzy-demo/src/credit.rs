//! The demo city's credit: a court's list of 失信被执行人 and the procurement-violation list
//! imported as files the way an operator would, and a bidding ban decided by the department, all
//! on companies that do not trade in the demo (so its walks and the tests stay clear).

use chrono::{DateTime, Duration, Months, Utc};
use ggzy_core::credit::RecordKind;
use ggzy_core::uscc;
use ggzy_store::accounts::actor_of;
use ggzy_store::credit::{self, RecordInput, import};
use ggzy_store::{Db, ServiceError, ServiceResult};

fn outsider(n: u32) -> String {
    (0..10)
        .find_map(|k| uscc::complete(&format!("91330200MA7X{:04}", n * 10 + k)))
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

fn day(t: DateTime<Utc>) -> String {
    (t + Duration::hours(8)).date_naive().to_string()
}

pub async fn seed(db: &Db, now: DateTime<Utc>) -> ServiceResult<()> {
    let defaulters = format!(
        "被执行人名称,统一社会信用代码,执行法院,执行依据文号,立案时间,列入日期,失信行为情形\n\
         宁波市某建筑劳务有限公司,{},宁波市鄞州区人民法院,（2024）浙0212执3521号,{},{},有履行能力而拒不履行生效法律文书确定义务\n\
         宁波某园林绿化工程有限公司,{},宁波市海曙区人民法院,（2025）浙0203执188号,{},{},违反财产报告制度\n",
        outsider(1),
        day(now - Duration::days(400)),
        day(now - Duration::days(200)),
        outsider(2),
        day(now - Duration::days(120)),
        day(now - Duration::days(60)),
    );
    import::import(
        db,
        RecordKind::JudgmentDefaulter,
        "judgment_defaulter-demo.csv",
        defaulters.as_bytes(),
        now,
    )
    .await?;
    let violations = format!(
        r#"[{{"供应商名称": "宁波某信息技术有限公司", "统一社会信用代码": "{}", "处罚机关": "宁波市财政局", "处罚决定书文号": "甬财采罚〔2025〕4号", "处罚日期": "{}", "禁止参加政府采购活动截止日期": "{}", "主要违法事实": "提供虚假材料谋取中标", "处罚依据": "政府采购法第七十七条第一款第（一）项"}}]"#,
        outsider(3),
        day(now - Duration::days(90)),
        day(now + Duration::days(640)),
    );
    import::import(
        db,
        RecordKind::ProcurementSeriousViolation,
        "procurement_serious_violation-demo.json",
        violations.as_bytes(),
        now,
    )
    .await?;
    let banned = outsider(4);
    if credit::all_of(db, &banned).await?.is_empty() {
        let supervisor = actor_of(db, "supervisor", "127.0.0.1").await?;
        let first = (now - Duration::days(30) + Duration::hours(8)).date_naive();
        let last = first
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .ok_or(ServiceError::Internal("date".into()))?;
        credit::record(
            db,
            &supervisor,
            &RecordInput {
                uscc: banned,
                entity_name: "宁波某市政工程有限公司".into(),
                kind: RecordKind::BiddingBan.code().into(),
                ground: Some("tender_collusion".into()),
                decision_no: "甬建罚〔2025〕17号".into(),
                authority: "宁波市住房和城乡建设局".into(),
                basis: "招标投标法第五十三条；招标投标法实施条例第六十七条".into(),
                facts: "在某道路工程投标中与其他投标人约定报价，串通投标。".into(),
                decided_on: first,
                starts_on: first,
                ends_on: Some(last),
                region_code: "330200".into(),
                ..RecordInput::default()
            },
            now,
        )
        .await?;
    }
    Ok(())
}
