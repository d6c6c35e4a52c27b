//! Field-level validation errors with a stable code and messages in Chinese and English.

use serde::Serialize;

/// Where a rule comes from: a regulation and its article, cited in every refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub regulation: &'static str,
    /// Empty for a notice (通知) cited as a whole.
    pub article: &'static str,
}

impl RuleRef {
    /// `招标投标法实施条例 第67条`, or the notice's name alone.
    pub fn cite(&self) -> String {
        if self.article.is_empty() {
            self.regulation.to_string()
        } else {
            format!("{} 第{}条", self.regulation, self.article)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input field, as named in the form or JSON body (`qualifications[0].valid_until`).
    pub field: String,
    /// Stable machine-readable code, e.g. `uscc.check_digit`.
    pub code: &'static str,
    pub message_zh: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<RuleRef>,
    /// The stored record that caused a refusal (`credit_record:<id>`), for the refused to look up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            message_zh: zh.into(),
            message_en: en.into(),
            rule: None,
            record: None,
        }
    }

    pub fn with_record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }

    pub fn with_rule(mut self, regulation: &'static str, article: &'static str) -> Self {
        self.rule = Some(RuleRef {
            regulation,
            article,
        });
        self
    }

    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, "required", "此项为必填项", "This field is required")
    }

    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            field,
            "too_long",
            format!("不能超过 {max} 个字符"),
            format!("Must be at most {max} characters"),
        )
    }

    /// Prefix the field path, for errors from nested values (`contacts[1].` + `phone`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

/// One or more field errors; what every parse of user input returns on failure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, Invalid> {
        if self.0.is_empty() { Ok(ok) } else { Err(self) }
    }
}

impl From<FieldError> for Invalid {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message_en)?;
        }
        Ok(())
    }
}

/// Trim a required text field and check its length in characters (not bytes: Chinese names).
pub fn text(errs: &mut Invalid, field: &str, value: &str, max_chars: usize) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        errs.push(FieldError::required(field));
        None
    } else if v.chars().count() > max_chars {
        errs.push(FieldError::too_long(field, max_chars));
        None
    } else {
        Some(v.to_string())
    }
}

/// Like [`text`] but an empty value is fine.
pub fn optional_text(
    errs: &mut Invalid,
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) if v.chars().count() > max_chars => {
            errs.push(FieldError::too_long(field, max_chars));
            None
        }
        Some(v) => Some(v.to_string()),
    }
}
