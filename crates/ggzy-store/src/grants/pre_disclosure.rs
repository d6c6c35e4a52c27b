//! The pre-disclosure of a state-property transfer that hands over control (信息预披露, 32号令
//! Art 13–14): published by the centre within 10 working days of the approval, for at least 20
//! working days before the formal announcement, under its own deal code. The announcement names
//! it ([`claim`]), once; from then on each deal's timeline shows the other's notices.

use super::*;
use crate::{tx_exec, tx_one};

/// What a pre-disclosure states (Art 14 [S]): the object, who owns it, the approval and the
/// latest financial figures; buyer conditions only where the transfer sets any.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreDisclosureInput {
    /// The project, as the formal announcement will name it.
    pub name: String,
    pub region_code: String,
    /// 转让标的基本情况
    pub subject: String,
    /// 转让标的企业的股东结构
    pub shareholders: String,
    /// 产权转让行为的决策及批准情况: the approving document.
    pub approval_ref: String,
    /// The day the transfer was approved.
    pub approved_on: NaiveDate,
    /// 最近一个年度审计报告和最近一期财务报表中的主要财务指标
    pub financials: String,
    /// 受让方资格条件, if any.
    #[serde(default)]
    pub conditions: String,
    /// Where those conditions were filed with the SASAC.
    #[serde(default)]
    pub conditions_filed_ref: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PreDisclosureView {
    pub id: Uuid,
    /// Its own deal code (`GY…`).
    pub code: String,
    pub region_code: String,
    pub name: String,
    pub approved_on: NaiveDate,
    pub published_at: DateTime<Utc>,
    pub notice_id: Uuid,
    /// The formal announcement's deal code, once one names this pre-disclosure.
    pub grant_code: Option<String>,
}

const VIEW: &str = "SELECT id, code, region_code, name, approved_on, published_at, notice_id, grant_code FROM pre_disclosures";

/// Publish a pre-disclosure (centre staff of the region).
pub async fn pre_disclose(
    db: &Db,
    actor: &Actor,
    input: &PreDisclosureInput,
    now: DateTime<Utc>,
) -> ServiceResult<PreDisclosureView> {
    let mut errs = Invalid::default();
    let region = DivisionCode::parse("region_code", &input.region_code)
        .map_err(|e| errs.push(e))
        .ok();
    if let Some(r) = &region {
        actor.require(Permission::IntakeProcess, r)?;
    }
    let name = text(&mut errs, "name", &input.name, 200);
    let subject = text(&mut errs, "subject", &input.subject, 2000);
    let shareholders = text(&mut errs, "shareholders", &input.shareholders, 2000);
    let approval = text(&mut errs, "approval_ref", &input.approval_ref, 200);
    let financials = text(&mut errs, "financials", &input.financials, 2000);
    let conditions = optional_text(&mut errs, "conditions", Some(&input.conditions), 2000);
    let filed = optional_text(
        &mut errs,
        "conditions_filed_ref",
        Some(&input.conditions_filed_ref),
        200,
    );
    if conditions.is_some() && filed.is_none() {
        errs.push(conditions_not_filed("conditions_filed_ref"));
    }
    let cal = crate::calendar::load(db).await?;
    let today = cn_date(now);
    if let Err(e) = grant::check_pre_disclosure_in_time(&cal, input.approved_on, today) {
        errs.push(e);
    }
    let (Some(region), Some(name), Some(subject), Some(shareholders), Some(approval), Some(fin)) =
        (region, name, subject, shareholders, approval, financials)
    else {
        return Err(errs.into());
    };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let by = actor.account_id.ok_or(ServiceError::Unauthenticated)?;
    let runs_until = cal.add_working_days(today, ggzy_core::calendar::WorkingDays(20));
    let mut body = format!(
        "项目名称：{name}\n转让标的：{subject}\n股东结构：{shareholders}\n批准情况：{approval}（{} 批准）\n主要财务指标：{fin}\n",
        input.approved_on
    );
    if let (Some(c), Some(f)) = (&conditions, &filed) {
        body.push_str(&format!("受让方资格条件：{c}\n资格条件备案：{f}\n"));
    }
    body.push_str(&format!(
        "预披露期：自本公告发布之日起不少于 20 个工作日（至 {runs_until}）。转让底价、保证金和交易方式以正式披露公告为准。\n"
    ));
    let mut tx = db.begin().await?;
    let (last,): (Option<i64>,) = tx_one!(&mut tx, "SELECT MAX(no) FROM pre_disclosures");
    let no = last.unwrap_or(0) + 1;
    let code = grant::pre_disclosure_code(no);
    let id = Uuid::now_v7();
    let (notice, _) = crate::notices::publish(
        &mut tx,
        &crate::notices::NewNotice {
            trade_kind: TradeKind::StateProperty.notice_sector(),
            notice_kind: "pre_disclosure",
            title: &format!("信息预披露：{name}"),
            body: &body,
            region: region.as_str(),
            deal_code: Some(&code),
            ..Default::default()
        },
        now,
    )
    .await?;
    tx_exec!(
        &mut tx,
        "INSERT INTO pre_disclosures (id, no, code, region_code, name, approved_on, published_at, notice_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        no,
        &code,
        region.as_str(),
        &name,
        input.approved_on,
        truncate_micros(now),
        notice,
        by
    );
    events::append(
        &mut tx,
        NewEvent::by(
            actor,
            region.as_str(),
            "grant.pre_disclosed",
            format!("pre_disclosure:{id}"),
            serde_json::json!({"code": code, "approved_on": input.approved_on, "notice": notice, "runs_until": runs_until}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    get(db, &code).await
}

/// Buyer conditions set without their filing, refused on `field`.
pub(super) fn conditions_not_filed(field: &str) -> FieldError {
    FieldError::new(
        field,
        "property.conditions_not_filed",
        "设置受让方资格条件的，应在信息披露前报国资监管机构备案",
        "Buyer conditions are filed with the SASAC before disclosure",
    )
    .with_rule(grant::PROPERTY, "15")
}

pub async fn get(db: &Db, code: &str) -> ServiceResult<PreDisclosureView> {
    let sql = format!("{VIEW} WHERE code = $1");
    let v: Option<PreDisclosureView> = db_opt!(db, sqlx::AssertSqlSafe(sql), code);
    v.ok_or(ServiceError::NotFound("pre_disclosure"))
}

/// The pre-disclosures no announcement has named yet, in the regions where `actor` announces:
/// the choices of the announcement form.
pub async fn unclaimed(db: &Db, actor: &Actor) -> ServiceResult<Vec<PreDisclosureView>> {
    let sql = format!("{VIEW} WHERE grant_id IS NULL ORDER BY no DESC LIMIT 200");
    let all: Vec<PreDisclosureView> = db_all!(db, sqlx::AssertSqlSafe(sql));
    Ok(all
        .into_iter()
        .filter(|p| actor.covers(Permission::IntakeProcess, &p.region_code))
        .collect())
}

/// The day a pre-disclosure named by an announcement was published, for the 20-working-day
/// check; refused on the field when it is unknown, another region's, or already named.
pub(super) async fn published_on(
    db: &Db,
    code: &str,
    region: &str,
) -> Result<NaiveDate, FieldError> {
    let unknown = || {
        FieldError::new(
            "pre_disclosure",
            "property.pre_disclosure_unknown",
            "本区域没有这个未使用的信息预披露编号",
            "No unused pre-disclosure of this region has this code",
        )
    };
    match get(db, code.trim()).await {
        Ok(p) if p.region_code == region && p.grant_code.is_none() => Ok(cn_date(p.published_at)),
        _ => Err(unknown()),
    }
}

/// Name the pre-disclosure in the announcement's transaction; a second announcement racing for
/// the same one finds it taken.
pub(super) async fn claim(
    tx: &mut Tx,
    code: &str,
    grant: Uuid,
    grant_code: &str,
) -> ServiceResult<()> {
    let done = tx_exec!(
        tx,
        "UPDATE pre_disclosures SET grant_id = $1, grant_code = $2 WHERE code = $3 AND grant_id IS NULL",
        grant,
        grant_code,
        code.trim()
    );
    if done == 1 {
        Ok(())
    } else {
        Err(FieldError::new(
            "pre_disclosure",
            "property.pre_disclosure_unknown",
            "这个信息预披露已被另一正式披露使用",
            "Another announcement already names this pre-disclosure",
        )
        .into())
    }
}
