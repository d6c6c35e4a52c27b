//! The settings file, in the INI layout Cardinal reads: global keys first, then a section per
//! indicator to compute (an indicator without a section is not computed), `[exclusions]` and
//! `[R003.procurement_method_details]`. Lists are pipe-separated; `#` or `;` starts a comment.

use super::Code;
use crate::error::FieldError;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct R003Settings {
    /// Whole days below which the submission period is short.
    pub threshold: i64,
    /// A minimum per `procurementMethodDetails` (e.g. per statute).
    pub by_method_details: BTreeMap<String, i64>,
    /// Only these `procurementMethod`s, when set.
    pub procurement_methods: Option<BTreeSet<String>>,
}

impl Default for R003Settings {
    fn default() -> Self {
        Self {
            threshold: 15,
            by_method_details: BTreeMap::new(),
            procurement_methods: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct R025Settings {
    /// Tenderers at or above this percentile of processes bid in are compared.
    pub percentile: usize,
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct R038Settings {
    pub threshold: Option<f64>,
    /// Submitted bids a tenderer needs to be compared.
    pub minimum_submitted_bids: u64,
    /// Submitted bids a buyer or procuring entity needs to be compared.
    pub minimum_contracting_processes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct R048Settings {
    /// Leading characters of a classification id that make its class.
    pub digits: usize,
    pub threshold: Option<usize>,
    /// Processes a supplier needs to be compared.
    pub minimum_contracting_processes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub indicators: BTreeSet<Code>,
    /// The main currency; otherwise the first one seen.
    pub currency: Option<String>,
    pub excluded_method_details: BTreeSet<String>,
    pub price_comparison_methods: BTreeSet<String>,
    pub no_price_comparison_methods: BTreeSet<String>,
    pub r003: R003Settings,
    /// Other tenderers disqualified for R035.
    pub r035_threshold: usize,
    /// Fixed fences in place of the computed ones.
    pub r024_threshold: Option<f64>,
    pub r058_threshold: Option<f64>,
    pub r025: R025Settings,
    pub r038: R038Settings,
    pub r048: R048Settings,
}

impl Default for Settings {
    /// Every indicator, with Cardinal's defaults.
    fn default() -> Self {
        Self {
            indicators: Code::ALL.into_iter().collect(),
            currency: None,
            excluded_method_details: BTreeSet::new(),
            price_comparison_methods: BTreeSet::new(),
            no_price_comparison_methods: BTreeSet::new(),
            r003: R003Settings::default(),
            r035_threshold: 1,
            r024_threshold: None,
            r058_threshold: None,
            r025: R025Settings {
                percentile: 75,
                threshold: None,
            },
            r038: R038Settings {
                threshold: None,
                minimum_submitted_bids: 2,
                minimum_contracting_processes: 2,
            },
            r048: R048Settings {
                digits: 2,
                threshold: None,
                minimum_contracting_processes: 20,
            },
        }
    }
}

/// A settings file is small; anything longer is not one.
const MAX_BYTES: usize = 64 * 1024;
const MAX_LINES: usize = 2_000;

fn pipe_list(v: &str) -> BTreeSet<String> {
    v.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn bad(line: usize, zh: String, en: String) -> FieldError {
    FieldError::new(format!("settings:{line}"), "red_flags.settings", zh, en)
}

impl Settings {
    /// Read a settings file. Only the indicators with a section are computed; an indicator
    /// this build does not compute, an unknown key or a value of the wrong kind is refused
    /// with its line.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        if text.len() > MAX_BYTES || text.lines().count() > MAX_LINES {
            return Err(bad(
                0,
                "设置文件过大".into(),
                "The settings file is too large".into(),
            ));
        }
        let mut s = Settings {
            indicators: BTreeSet::new(),
            ..Settings::default()
        };
        let mut section = String::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.split(['#', ';']).next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.trim().to_string();
                if section == "exclusions" || section == "R003.procurement_method_details" {
                    continue;
                }
                match Code::parse(&section) {
                    Some(c) => {
                        s.indicators.insert(c);
                    }
                    None => {
                        return Err(bad(
                            n,
                            format!("没有指标 {section}"),
                            format!("{section} is not an indicator"),
                        ));
                    }
                }
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(bad(
                    n,
                    "应为“名称 = 值”".into(),
                    "Expected 'key = value'".into(),
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            let number = || {
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| {
                        bad(
                            n,
                            format!("{key} 应为自然数"),
                            format!("{key} is a natural number"),
                        )
                    })
            };
            let ratio = || {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(n, format!("{key} 应为数值"), format!("{key} is a number")))
            };
            match (section.as_str(), key) {
                ("", "currency") => s.currency = Some(value.to_string()),
                ("", "price_comparison_procurement_methods") => {
                    s.price_comparison_methods = pipe_list(value)
                }
                ("", "no_price_comparison_procurement_methods") => {
                    s.no_price_comparison_methods = pipe_list(value)
                }
                ("exclusions", "procurement_method_details") => {
                    s.excluded_method_details = pipe_list(value)
                }
                ("R003", "threshold") => s.r003.threshold = number()?,
                ("R003", "procurement_methods") => {
                    s.r003.procurement_methods = Some(pipe_list(value))
                }
                ("R003.procurement_method_details", _) => {
                    s.r003.by_method_details.insert(key.to_string(), number()?);
                }
                ("R035", "threshold") => s.r035_threshold = number()? as usize,
                ("R024", "threshold") => s.r024_threshold = Some(ratio()?),
                ("R058", "threshold") => s.r058_threshold = Some(ratio()?),
                ("R025", "threshold") => s.r025.threshold = Some(ratio()?),
                ("R025", "percentile") => s.r025.percentile = number()?.min(100) as usize,
                ("R038", "threshold") => s.r038.threshold = Some(ratio()?),
                ("R038", "minimum_submitted_bids") => {
                    s.r038.minimum_submitted_bids = number()? as u64
                }
                ("R038", "minimum_contracting_processes") => {
                    s.r038.minimum_contracting_processes = number()? as u64
                }
                ("R048", "digits") => s.r048.digits = number()? as usize,
                ("R048", "threshold") => s.r048.threshold = Some(number()? as usize),
                ("R048", "minimum_contracting_processes") => {
                    s.r048.minimum_contracting_processes = number()? as usize
                }
                _ => {
                    return Err(bad(
                        n,
                        format!("[{section}] 中没有设置项 {key}"),
                        format!("[{section}] has no setting {key}"),
                    ));
                }
            }
        }
        Ok(s)
    }
}
