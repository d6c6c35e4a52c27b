//! The market-entity registry (统一注册): an entity registers once, with its credit code, legal
//! representative, contacts and qualifications, and the record serves every trade kind and region.

use crate::error::{FieldError, Invalid, optional_text, text};
use crate::region::DivisionCode;
use crate::uscc::Uscc;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// 企业
    Company,
    /// 事业单位 / 机关 / 社会组织
    Institution,
    /// 个体工商户
    SoleTrader,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Company => "company",
            Self::Institution => "institution",
            Self::SoleTrader => "sole_trader",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "company" => Some(Self::Company),
            "institution" => Some(Self::Institution),
            "sole_trader" => Some(Self::SoleTrader),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Company => "企业",
            Self::Institution => "事业单位/社会组织",
            Self::SoleTrader => "个体工商户",
        }
    }
}

/// A qualification (资质) as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    /// e.g. 建筑工程施工总承包
    pub name: String,
    /// e.g. 一级
    #[serde(default)]
    pub grade: String,
    pub certificate_no: String,
    /// Issuing body, e.g. 浙江省住房和城乡建设厅
    pub issuer: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD
    pub valid_until: String,
}

/// A registration as submitted: the entity and its first user.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityInput {
    pub uscc: String,
    pub name: String,
    /// company | institution | sole_trader
    pub kind: String,
    pub legal_representative: String,
    /// GB/T 2260 code of the region the entity belongs to on this platform.
    pub region_code: String,
    #[serde(default)]
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub qualifications: Vec<QualificationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewQualification {
    pub name: String,
    pub grade: String,
    pub certificate_no: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEntity {
    pub uscc: Uscc,
    pub name: String,
    pub kind: EntityKind,
    pub legal_representative: String,
    pub region: DivisionCode,
    pub address: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
    pub qualifications: Vec<NewQualification>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualificationStatus {
    NotYetValid,
    Valid,
    Expired,
}

impl QualificationStatus {
    /// Valid through the whole of `valid_until`.
    pub fn on(valid_from: NaiveDate, valid_until: NaiveDate, today: NaiveDate) -> Self {
        if today < valid_from {
            Self::NotYetValid
        } else if today > valid_until {
            Self::Expired
        } else {
            Self::Valid
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::NotYetValid => "未生效",
            Self::Valid => "有效",
            Self::Expired => "已过期",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYetValid => "not_yet_valid",
            Self::Valid => "valid",
            Self::Expired => "expired",
        }
    }
}

pub const MAX_QUALIFICATIONS: usize = 50;

pub fn parse_date(errs: &mut Invalid, field: &str, s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        errs.push(FieldError::required(field));
        return None;
    }
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errs.push(FieldError::new(
                field,
                "date.format",
                "日期格式应为 YYYY-MM-DD",
                "Dates are written YYYY-MM-DD",
            ));
            None
        }
    }
}

/// Mainland mobile numbers (11 digits starting 1[3-9]) or landlines written with an area code
/// (`0574-87654321`).
pub fn parse_phone(errs: &mut Invalid, field: &str, s: &str) -> Option<String> {
    let v: String = s.trim().chars().filter(|c| *c != ' ').collect();
    if v.is_empty() {
        errs.push(FieldError::required(field));
        return None;
    }
    let b = v.as_bytes();
    let mobile = b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    let landline = v.split_once('-').is_some_and(|(area, num)| {
        area.starts_with('0')
            && (3..=4).contains(&area.len())
            && (7..=8).contains(&num.len())
            && area.bytes().chain(num.bytes()).all(|c| c.is_ascii_digit())
    });
    if mobile || landline {
        Some(v)
    } else {
        errs.push(FieldError::new(
            field,
            "phone.format",
            "请填写 11 位手机号码，或带区号的固定电话（如 0574-87654321）",
            "Enter an 11-digit mobile number or a landline with its area code (e.g. 0574-87654321)",
        ));
        None
    }
}

pub fn parse_email(errs: &mut Invalid, field: &str, s: &str) -> Option<String> {
    let v = s.trim();
    if v.is_empty() {
        return None;
    }
    let ok = v.len() <= 254
        && v.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
        && !v.contains(char::is_whitespace);
    if ok {
        Some(v.to_string())
    } else {
        errs.push(FieldError::new(
            field,
            "email.format",
            "电子邮箱格式不正确",
            "Not a valid email address",
        ));
        None
    }
}

impl QualificationInput {
    pub fn parse(&self, errs: &mut Invalid, prefix: &str) -> Option<NewQualification> {
        let f = |n: &str| format!("{prefix}{n}");
        let name = text(errs, &f("name"), &self.name, 100);
        let grade = optional_text(errs, &f("grade"), Some(&self.grade), 50).unwrap_or_default();
        let certificate_no = text(errs, &f("certificate_no"), &self.certificate_no, 64);
        let issuer = text(errs, &f("issuer"), &self.issuer, 100);
        let from = parse_date(errs, &f("valid_from"), &self.valid_from);
        let until = parse_date(errs, &f("valid_until"), &self.valid_until);
        if let (Some(a), Some(b)) = (from, until)
            && b < a
        {
            errs.push(FieldError::new(
                f("valid_until"),
                "qualification.dates",
                "有效期截止日期不能早于起始日期",
                "The validity end date cannot be before its start date",
            ));
            return None;
        }
        Some(NewQualification {
            name: name?,
            grade,
            certificate_no: certificate_no?,
            issuer: issuer?,
            valid_from: from?,
            valid_until: until?,
        })
    }
}

impl EntityInput {
    /// Parse-don't-validate: every field is checked and every error reported at once.
    pub fn parse(&self) -> Result<NewEntity, Invalid> {
        let mut errs = Invalid::default();
        let uscc = Uscc::parse(&self.uscc).map_err(|e| errs.push(e)).ok();
        let name = text(&mut errs, "name", &self.name, 100);
        let kind = EntityKind::parse(self.kind.trim());
        if kind.is_none() {
            errs.push(FieldError::new(
                "kind",
                "entity.kind",
                "主体类型应为 企业、事业单位/社会组织 或 个体工商户",
                "Kind must be company, institution or sole_trader",
            ));
        }
        let legal_representative = text(
            &mut errs,
            "legal_representative",
            &self.legal_representative,
            50,
        );
        let region = DivisionCode::parse("region_code", &self.region_code)
            .map_err(|e| errs.push(e))
            .ok();
        let address = optional_text(&mut errs, "address", Some(&self.address), 200);
        let contact_name = text(&mut errs, "contact_name", &self.contact_name, 50);
        let contact_phone = parse_phone(&mut errs, "contact_phone", &self.contact_phone);
        let contact_email = parse_email(&mut errs, "contact_email", &self.contact_email);
        if self.qualifications.len() > MAX_QUALIFICATIONS {
            errs.push(FieldError::new(
                "qualifications",
                "qualification.too_many",
                format!("资质最多 {MAX_QUALIFICATIONS} 项"),
                format!("At most {MAX_QUALIFICATIONS} qualifications"),
            ));
        }
        let quals: Vec<_> = self
            .qualifications
            .iter()
            .take(MAX_QUALIFICATIONS)
            .enumerate()
            .map(|(i, q)| q.parse(&mut errs, &format!("qualifications[{i}].")))
            .collect();
        if !errs.is_empty() {
            return Err(errs);
        }
        let (
            Some(uscc),
            Some(name),
            Some(kind),
            Some(legal_representative),
            Some(region),
            Some(contact_name),
            Some(contact_phone),
        ) = (
            uscc,
            name,
            kind,
            legal_representative,
            region,
            contact_name,
            contact_phone,
        )
        else {
            return Err(errs);
        };
        Ok(NewEntity {
            uscc,
            name,
            kind,
            legal_representative,
            region,
            address,
            contact_name,
            contact_phone,
            contact_email,
            qualifications: quals.into_iter().flatten().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample() -> EntityInput {
        EntityInput {
            uscc: "91350100M000100Y43".into(),
            name: "福州示例建设有限公司".into(),
            kind: "company".into(),
            legal_representative: "张三".into(),
            region_code: "350100".into(),
            address: String::new(),
            contact_name: "李四".into(),
            contact_phone: "13800138000".into(),
            contact_email: "bid@example.com".into(),
            qualifications: vec![QualificationInput {
                name: "建筑工程施工总承包".into(),
                grade: "一级".into(),
                certificate_no: "D135000001".into(),
                issuer: "福建省住房和城乡建设厅".into(),
                valid_from: "2024-01-01".into(),
                valid_until: "2028-12-31".into(),
            }],
        }
    }

    #[test]
    fn a_good_registration_parses() {
        let e = sample().parse().expect("valid");
        assert_eq!(e.qualifications.len(), 1);
        assert_eq!(e.kind, EntityKind::Company);
    }

    #[test]
    fn every_bad_field_is_reported_by_name() {
        let mut s = sample();
        s.uscc = "91350100M000100Y44".into();
        s.contact_phone = "12345".into();
        s.contact_email = "nope".into();
        s.qualifications[0].valid_until = "2023-12-31".into();
        let errs = s.parse().unwrap_err();
        let fields: Vec<_> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "uscc",
                "contact_phone",
                "contact_email",
                "qualifications[0].valid_until"
            ]
        );
    }

    #[test]
    fn qualification_status_boundaries() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let (a, b) = (d("2025-01-01"), d("2025-12-31"));
        assert_eq!(
            QualificationStatus::on(a, b, d("2024-12-31")),
            QualificationStatus::NotYetValid
        );
        assert_eq!(QualificationStatus::on(a, b, a), QualificationStatus::Valid);
        assert_eq!(QualificationStatus::on(a, b, b), QualificationStatus::Valid);
        assert_eq!(
            QualificationStatus::on(a, b, d("2026-01-01")),
            QualificationStatus::Expired
        );
    }

    #[test]
    fn phones() {
        let mut e = Invalid::default();
        assert!(parse_phone(&mut e, "p", "138 0013 8000").is_some());
        assert!(parse_phone(&mut e, "p", "0574-87654321").is_some());
        assert!(e.is_empty());
        assert!(parse_phone(&mut e, "p", "12800138000").is_none());
        assert!(parse_phone(&mut e, "p", "574-87654321").is_none());
    }
}
