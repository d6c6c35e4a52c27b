//! The expert specialty classification (专家专业分类, RULES.md §6.3): a variable-depth code tree,
//! class letter A 工程 / B 货物 / C 服务 followed by one two-digit block per level. The table is data
//! that admins replace; experts and requests are matched by code prefix.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A specialty code such as `A040103`, checked for shape (not for presence in a table).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SpecialtyCode(String);

impl SpecialtyCode {
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim().to_ascii_uppercase();
        let mut chars = s.chars();
        let ok = matches!(chars.next(), Some('A' | 'B' | 'C'))
            && (s.len() - 1) % 2 == 0
            && s.len() <= 11
            && chars.all(|c| c.is_ascii_digit());
        if ok {
            Ok(Self(s))
        } else {
            Err(FieldError::new(
                field,
                "specialty.format",
                "专业代码应为 A/B/C 加若干组两位数字，例如 A040103",
                "A specialty code is A, B or C followed by two-digit blocks, e.g. A040103",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Levels below the class: `A` is 0, `A04` is 1, `A040103` is 3.
    pub fn depth(&self) -> usize {
        (self.0.len() - 1) / 2
    }

    pub fn parent(&self) -> Option<SpecialtyCode> {
        (self.depth() > 0).then(|| Self(self.0[..self.0.len() - 2].to_string()))
    }

    /// Whether this code lies under `other` (or is it): an A040103 expert serves an A04 request.
    pub fn within(&self, other: &SpecialtyCode) -> bool {
        self.0.starts_with(&other.0)
    }

    /// The trade class: works, goods or services.
    pub fn class_zh(&self) -> &'static str {
        match self.0.as_bytes()[0] {
            b'A' => "工程",
            b'B' => "货物",
            _ => "服务",
        }
    }
}

impl TryFrom<String> for SpecialtyCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse("specialty", &s).map_err(|e| e.message_en)
    }
}

impl From<SpecialtyCode> for String {
    fn from(c: SpecialtyCode) -> String {
        c.0
    }
}

impl std::fmt::Display for SpecialtyCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The classification table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialtyTree {
    names: BTreeMap<SpecialtyCode, String>,
}

impl SpecialtyTree {
    /// Parse the data file: `CODE<TAB>NAME` per line, `#` comments; every code's parent is listed
    /// before it, and no code appears twice.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let mut names = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let field = format!("line {}", i + 1);
            let (code, name) = line.split_once('\t').ok_or_else(|| {
                FieldError::new(
                    field.clone(),
                    "specialty.line",
                    "每行应为“代码<制表符>名称”",
                    "Each line is CODE<TAB>NAME",
                )
            })?;
            let code = SpecialtyCode::parse(&field, code)?;
            if let Some(p) = code.parent() {
                if !names.contains_key(&p) {
                    return Err(FieldError::new(
                        field,
                        "specialty.orphan",
                        format!("{code} 的上级代码 {p} 应先列出"),
                        format!("The parent {p} of {code} must be listed first"),
                    ));
                }
            }
            let name = name.trim();
            if name.is_empty() {
                return Err(FieldError::required(field));
            }
            if names.insert(code.clone(), name.to_string()).is_some() {
                return Err(FieldError::new(
                    field,
                    "specialty.duplicate",
                    format!("代码 {code} 重复"),
                    format!("Code {code} appears twice"),
                ));
            }
        }
        if names.is_empty() {
            return Err(FieldError::new(
                "table",
                "specialty.empty",
                "专业分类表为空",
                "The classification is empty",
            ));
        }
        Ok(Self { names })
    }

    /// The table shipped with ggzy (see the file's header for its provenance).
    pub fn default_cn() -> Self {
        Self::parse(include_str!("../data/specialties.txt")).unwrap_or_default()
    }

    pub fn name(&self, code: &SpecialtyCode) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    pub fn contains(&self, code: &SpecialtyCode) -> bool {
        self.names.contains_key(code)
    }

    /// The code with its ancestors' names: `工程 › 设计 › 建筑工程 › 结构`.
    pub fn path_zh(&self, code: &SpecialtyCode) -> String {
        let mut parts = vec![];
        let mut c = Some(code.clone());
        while let Some(k) = c {
            parts.push(self.name(&k).unwrap_or(k.as_str()).to_string());
            c = k.parent();
        }
        parts.reverse();
        parts.join(" › ")
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SpecialtyCode, &str)> {
        self.names.iter().map(|(c, n)| (c, n.as_str()))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Look up a code given by a user: well formed and present in the table.
    pub fn code(&self, field: &str, input: &str) -> Result<SpecialtyCode, FieldError> {
        let c = SpecialtyCode::parse(field, input)?;
        if self.contains(&c) {
            Ok(c)
        } else {
            Err(FieldError::new(
                field,
                "specialty.unknown",
                format!("专业分类中没有代码 {c}"),
                format!("The classification has no code {c}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_a_class_and_two_digit_levels() {
        for ok in ["A", "a04", "A040103", "B011904", "C0201"] {
            assert!(SpecialtyCode::parse("s", ok).is_ok(), "{ok}");
        }
        for bad in ["", "D01", "A1", "A0X", "A040", "A0102030405060"] {
            assert_eq!(
                SpecialtyCode::parse("s", bad).map_err(|e| e.code),
                Err("specialty.format"),
                "{bad}"
            );
        }
        let c = SpecialtyCode::parse("s", "A040103").expect("code");
        assert_eq!(c.depth(), 3);
        assert_eq!(c.parent().map(String::from).as_deref(), Some("A0401"));
        let a04 = SpecialtyCode::parse("s", "A04").expect("code");
        assert!(c.within(&a04));
        assert!(!a04.within(&c));
    }

    #[test]
    fn the_shipped_table_parses_and_names_paths() {
        let t = SpecialtyTree::default_cn();
        assert!(t.len() > 40);
        let c = t.code("s", "A040103").expect("listed");
        assert_eq!(t.path_zh(&c), "工程 › 设计 › 建筑工程 › 结构");
        assert_eq!(
            t.code("s", "A0499").map_err(|e| e.code),
            Err("specialty.unknown")
        );
    }

    #[test]
    fn a_table_lists_parents_first_and_codes_once() {
        assert_eq!(
            SpecialtyTree::parse("A\t工程\nA0401\t建筑工程\n").map_err(|e| e.code),
            Err("specialty.orphan")
        );
        assert_eq!(
            SpecialtyTree::parse("A\t工程\nA\t工程\n").map_err(|e| e.code),
            Err("specialty.duplicate")
        );
        assert_eq!(
            SpecialtyTree::parse("A 工程\n").map_err(|e| e.code),
            Err("specialty.line")
        );
        assert!(SpecialtyTree::parse("# only comments\n").is_err());
    }
}
