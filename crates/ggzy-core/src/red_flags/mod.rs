//! Red flags over procurement data in OCDS: OCDS Cardinal's indicators with its definitions and
//! defaults (`../shared/design/RED_FLAGS.md`), so that what ggzy finds in a file of compiled
//! releases compares with what Cardinal finds in the same file. Pure: the caller reads the file
//! and feeds the releases in order, then takes the flags.
//!
//! The indicators a process decides alone (R003, R018, R028, R030, R035, R036) are set as each
//! release arrives; the ones that compare a process, buyer or tenderer with all the others (R024,
//! R025, R038, R048, R058) gather what they need and decide in [`Engine::finish`] with Tukey's
//! fences, quartiles as Hyndman and Fan's type 8 (the definition the `statrs` crate Cardinal uses
//! computes), unless the settings fix a threshold.

pub mod ocds;
mod settings;

pub use settings::{R003Settings, Settings};

use ocds::{Bid, Release};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An indicator, by Cardinal's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Code {
    /// Short submission period.
    R003,
    /// Single bid received.
    R018,
    /// Price close to winning bid.
    R024,
    /// Excessive unsuccessful bids.
    R025,
    /// Identical bid prices.
    R028,
    /// Late bid won.
    R030,
    /// All except winning bid disqualified.
    R035,
    /// Lowest bid disqualified.
    R036,
    /// Excessive disqualified bids.
    R038,
    /// Heterogeneous supplier.
    R048,
    /// Heavily discounted bid.
    R058,
}

impl Code {
    pub const ALL: [Self; 11] = [
        Self::R003,
        Self::R018,
        Self::R024,
        Self::R025,
        Self::R028,
        Self::R030,
        Self::R035,
        Self::R036,
        Self::R038,
        Self::R048,
        Self::R058,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::R003 => "R003",
            Self::R018 => "R018",
            Self::R024 => "R024",
            Self::R025 => "R025",
            Self::R028 => "R028",
            Self::R030 => "R030",
            Self::R035 => "R035",
            Self::R036 => "R036",
            Self::R038 => "R038",
            Self::R048 => "R048",
            Self::R058 => "R058",
        }
    }
}

type Results = BTreeMap<String, BTreeMap<Code, f64>>;

/// The flags, grouped as Cardinal groups them; an empty group is left out.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Flags {
    #[serde(rename = "OCID", skip_serializing_if = "BTreeMap::is_empty")]
    pub ocid: Results,
    #[serde(rename = "Buyer", skip_serializing_if = "BTreeMap::is_empty")]
    pub buyer: Results,
    #[serde(rename = "ProcuringEntity", skip_serializing_if = "BTreeMap::is_empty")]
    pub procuring_entity: Results,
    #[serde(rename = "Tenderer", skip_serializing_if = "BTreeMap::is_empty")]
    pub tenderer: Results,
    /// The quartiles and fences each comparing indicator used, by name.
    #[serde(rename = "Meta", skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<Code, BTreeMap<String, f64>>,
}

fn set(group: &mut Results, id: &str, code: Code, value: f64) {
    group.entry(id.to_string()).or_default().insert(code, value);
}

/// Feeds releases in file order (the main currency is the first one seen unless set).
pub struct Engine {
    settings: Settings,
    currency: Option<String>,
    flags: Flags,
    /// R024 and R058: per process, (second-lowest valid bid − winning bid) ÷ winning bid, with
    /// the winner and the runner-up.
    second_lowest: BTreeMap<String, (f64, [String; 2])>,
    /// R025: per tenderer, processes won and processes with one of its valid bids.
    wins: BTreeMap<String, (u64, u64)>,
    /// R038: disqualified and submitted bids per buyer, procuring entity and tenderer.
    disqualified: [BTreeMap<String, (u64, u64)>; 3],
    /// R048: per supplier, the processes it was awarded and its items' classification prefixes.
    classes: BTreeMap<String, (usize, BTreeSet<String>)>,
    /// Releases read, and those left out (no string `ocid`, cancelled, or excluded).
    pub read: u64,
    pub excluded: u64,
}

impl Engine {
    fn on(&self, c: Code) -> bool {
        self.settings.indicators.contains(&c)
    }

    pub fn new(settings: Settings) -> Self {
        Self {
            currency: settings.currency.clone(),
            settings,
            flags: Flags::default(),
            second_lowest: BTreeMap::new(),
            wins: BTreeMap::new(),
            disqualified: Default::default(),
            classes: BTreeMap::new(),
            read: 0,
            excluded: 0,
        }
    }

    pub fn add(&mut self, r: &Release) {
        self.read += 1;
        let Some(ocid) = r.ocid.as_deref() else {
            self.excluded += 1;
            return;
        };
        let cancelled = r
            .tender
            .as_ref()
            .is_some_and(|t| t.status.as_deref() == Some("cancelled"));
        let excluded = r
            .method_details()
            .is_some_and(|d| self.settings.excluded_method_details.contains(d));
        if cancelled || excluded {
            self.excluded += 1;
            return;
        }
        if self.on(Code::R003) {
            self.short_submission_period(r, ocid);
        }
        if self.on(Code::R018) {
            self.single_bid(r, ocid);
        }
        let prices = self.prices_comparable(r);
        if prices && self.on(Code::R028) {
            self.identical_prices(r, ocid);
        }
        if self.on(Code::R030) {
            self.late_bid_won(r, ocid);
        }
        if self.on(Code::R035) {
            self.all_but_winner_disqualified(r, ocid);
        }
        if prices && self.on(Code::R036) {
            self.lowest_bid_disqualified(r, ocid);
        }
        if prices && (self.on(Code::R024) || self.on(Code::R058)) {
            self.gather_second_lowest(r, ocid);
        }
        if self.on(Code::R025) {
            self.gather_wins(r);
        }
        if self.on(Code::R038) {
            self.gather_disqualified(r);
        }
        if self.on(Code::R048) {
            self.gather_classes(r);
        }
    }

    /// The flags, once every release is in: the comparing indicators decide now.
    pub fn finish(mut self) -> Flags {
        if self.on(Code::R024) {
            self.price_close_to_winner();
        }
        if self.on(Code::R058) {
            self.heavily_discounted();
        }
        if self.on(Code::R025) {
            self.excessive_unsuccessful();
        }
        if self.on(Code::R038) {
            self.excessive_disqualified();
        }
        if self.on(Code::R048) {
            self.heterogeneous_supplier();
        }
        self.flags
    }

    /// Prices compare under the process's method: listed where a list of comparable methods is
    /// set, not listed where a list of incomparable ones is.
    fn prices_comparable(&self, r: &Release) -> bool {
        let details = r.method_details();
        let s = &self.settings;
        let listed = |set: &BTreeSet<String>| details.is_some_and(|d| set.contains(d));
        (s.price_comparison_methods.is_empty() || listed(&s.price_comparison_methods))
            && !listed(&s.no_price_comparison_methods)
    }

    /// R003: fewer whole days between the tender period's start and end than the threshold (per
    /// method details where the table sets one).
    fn short_submission_period(&mut self, r: &Release, ocid: &str) {
        let Some(t) = &r.tender else { return };
        let s = &self.settings.r003;
        if let Some(methods) = &s.procurement_methods
            && !t
                .procurement_method
                .as_deref()
                .is_some_and(|m| methods.contains(m))
        {
            return;
        }
        let Some(p) = &t.tender_period else { return };
        let parse = |d: &Option<String>| {
            d.as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
        };
        let (Some(start), Some(end)) = (parse(&p.start_date), parse(&p.end_date)) else {
            return;
        };
        let threshold = t
            .procurement_method_details
            .as_deref()
            .and_then(|d| s.by_method_details.get(d))
            .copied()
            .unwrap_or(s.threshold);
        if (end - start).num_days() < threshold {
            set(&mut self.flags.ocid, ocid, Code::R003, 1.0);
        }
    }

    /// R018: one tenderer in an open or selective procedure.
    fn single_bid(&mut self, r: &Release, ocid: &str) {
        let Some(t) = &r.tender else { return };
        let open = matches!(t.procurement_method.as_deref(), Some("open" | "selective"));
        if open && t.number_of_tenderers == Some(1.0) {
            set(&mut self.flags.ocid, ocid, Code::R018, 1.0);
        }
    }

    /// R028: two submitted bids from different sets of tenderers at the same amount and
    /// currency. A tenderer may submit more than one bid at its own price.
    fn identical_prices(&mut self, r: &Release, ocid: &str) {
        let mut seen: HashMap<(u64, &str), BTreeSet<&str>> = HashMap::new();
        for b in r.bids().iter().filter(|b| b.submitted()) {
            let Some((amount, currency)) = amount_of(b) else {
                continue;
            };
            let ids: BTreeSet<&str> = b.tenderer_ids().collect();
            if ids.is_empty() {
                continue;
            }
            let key = (amount.to_bits(), currency);
            if let Some(other) = seen.get(&key)
                && *other != ids
            {
                set(&mut self.flags.ocid, ocid, Code::R028, 1.0);
                for id in ids.iter().chain(other) {
                    set(&mut self.flags.tenderer, id, Code::R028, 1.0);
                }
            }
            seen.insert(key, ids);
        }
    }

    /// R030: a valid bid dated after the tender period's end (compared as written) is from a
    /// supplier of an active award.
    fn late_bid_won(&mut self, r: &Release, ocid: &str) {
        let Some(end) = r
            .tender
            .as_ref()
            .and_then(|t| t.tender_period.as_ref())
            .and_then(|p| p.end_date.as_deref())
        else {
            return;
        };
        let winners = r.active_suppliers();
        for b in r.bids().iter().filter(|b| b.has_status("valid")) {
            if b.date.as_deref().is_none_or(|d| d <= end) {
                continue;
            }
            for id in b.tenderer_ids().filter(|id| winners.contains(id)) {
                set(&mut self.flags.ocid, ocid, Code::R030, 1.0);
                set(&mut self.flags.tenderer, id, Code::R030, 1.0);
            }
        }
    }

    /// R035: every award final; one tenderer with valid bids, who is exactly the active awards'
    /// suppliers; at least the threshold of other tenderers disqualified. The process's value is
    /// that number; the winner's is 0.
    fn all_but_winner_disqualified(&mut self, r: &Release, ocid: &str) {
        if !r.awards_final() {
            return;
        }
        let valid: BTreeSet<&str> = r
            .bids()
            .iter()
            .filter(|b| b.has_status("valid"))
            .flat_map(Bid::tenderer_ids)
            .collect();
        let [winner] = valid.iter().copied().collect::<Vec<_>>()[..] else {
            return;
        };
        if r.active_suppliers() != valid {
            return;
        }
        let disqualified: BTreeSet<&str> = r
            .bids()
            .iter()
            .filter(|b| b.has_status("disqualified"))
            .flat_map(Bid::tenderer_ids)
            .filter(|id| *id != winner)
            .collect();
        if disqualified.len() >= self.settings.r035_threshold.max(1) {
            set(
                &mut self.flags.ocid,
                ocid,
                Code::R035,
                disqualified.len() as f64,
            );
            set(&mut self.flags.tenderer, winner, Code::R035, 0.0);
        }
    }

    /// R036: with an active award, the lowest submitted amount in the main currency is a
    /// disqualified bid's (the first one seen wins a tie), and some valid bid has an amount.
    fn lowest_bid_disqualified(&mut self, r: &Release, ocid: &str) {
        if !r.awards.iter().any(|a| a.has_status("active")) {
            return;
        }
        let mut lowest: Option<(f64, bool)> = None;
        let mut valid_priced = false;
        for b in r.bids().iter().filter(|b| b.submitted()) {
            let (Some(status), Some((amount, currency))) = (b.status.as_deref(), amount_of(b))
            else {
                continue;
            };
            if !self.main_currency(currency) {
                continue;
            }
            if lowest.is_none_or(|(low, _)| amount < low) {
                lowest = Some((amount, status == "disqualified"));
            }
            valid_priced |= status == "valid";
        }
        if lowest.is_some_and(|(_, disqualified)| disqualified) && valid_priced {
            set(&mut self.flags.ocid, ocid, Code::R036, 1.0);
        }
    }
}

impl Engine {
    /// The main currency: set, or the first seen.
    fn main_currency(&mut self, currency: &str) -> bool {
        currency == self.currency.get_or_insert_with(|| currency.to_string())
    }

    /// R024/R058's ratio, where the winner's lowest valid bid is not above every other valid
    /// bid (otherwise price was not the criterion). Valid bids count with one tenderer each.
    fn gather_second_lowest(&mut self, r: &Release, ocid: &str) {
        let Some(winner) = r.sole_winner() else {
            return;
        };
        let mut won: Option<f64> = None;
        let mut runner_up: Option<(f64, &str)> = None;
        for b in r.bids().iter().filter(|b| b.has_status("valid")) {
            let (Some(id), Some((amount, currency))) = (sole_tenderer(b), amount_of(b)) else {
                continue;
            };
            if !self.main_currency(currency) {
                continue;
            }
            if id == winner {
                won = Some(won.map_or(amount, |w| w.min(amount)));
            } else if runner_up.is_none_or(|(low, _)| amount < low) {
                runner_up = Some((amount, id));
            }
        }
        if let (Some(w), Some((second, id))) = (won, runner_up)
            && second >= w
        {
            self.second_lowest.insert(
                ocid.to_string(),
                ((second - w) / w, [winner.to_string(), id.to_string()]),
            );
        }
    }

    /// R025's counts: each tenderer with a valid bid once per process, and whether it won.
    fn gather_wins(&mut self, r: &Release) {
        let Some(winner) = r.sole_winner() else {
            return;
        };
        let bidders: BTreeSet<&str> = r
            .bids()
            .iter()
            .filter(|b| b.has_status("valid"))
            .filter_map(sole_tenderer)
            .collect();
        for id in bidders {
            let e = self.wins.entry(id.to_string()).or_default();
            e.0 += u64::from(id == winner);
            e.1 += 1;
        }
    }

    /// R038's counts: disqualified and submitted bids per buyer, procuring entity and tenderer.
    fn gather_disqualified(&mut self, r: &Release) {
        let submitted: Vec<&Bid> = r.bids().iter().filter(|b| b.submitted()).collect();
        if submitted.is_empty() {
            return;
        }
        let mut out = 0;
        for b in &submitted {
            let d = u64::from(b.has_status("disqualified"));
            out += d;
            for id in b.tenderer_ids() {
                let e = self.disqualified[2].entry(id.to_string()).or_default();
                e.0 += d;
                e.1 += 1;
            }
        }
        let buyer = r.buyer.as_ref().and_then(|b| b.id.as_deref());
        let entity = r
            .tender
            .as_ref()
            .and_then(|t| t.procuring_entity.as_ref())
            .and_then(|p| p.id.as_deref());
        for (i, id) in [(0, buyer), (1, entity)] {
            if let Some(id) = id {
                let e = self.disqualified[i].entry(id.to_string()).or_default();
                e.0 += out;
                e.1 += submitted.len() as u64;
            }
        }
    }

    /// R048's sets: per sole supplier of an active award, the process once and the first
    /// `digits` characters of its items' classification ids.
    fn gather_classes(&mut self, r: &Release) {
        let digits = self.settings.r048.digits;
        let mut seen = BTreeSet::new();
        for a in r.awards.iter().filter(|a| a.has_status("active")) {
            let Some(supplier) = a.sole_supplier() else {
                continue;
            };
            for id in a
                .items
                .iter()
                .filter_map(|i| i.classification.as_ref()?.id.as_deref())
            {
                let e = self.classes.entry(supplier.to_string()).or_default();
                if seen.insert(supplier) {
                    e.0 += 1;
                }
                e.1.insert(id.chars().take(digits).collect());
            }
        }
    }

    fn note(&mut self, code: Code, name: &str, v: f64) {
        self.flags
            .meta
            .entry(code)
            .or_default()
            .insert(name.to_string(), v);
    }

    /// R024: the ratio at or below the lower fence (nothing when Q1 or the fence is not
    /// positive: then most processes are that close).
    fn price_close_to_winner(&mut self) {
        let ratios: Vec<f64> = self.second_lowest.values().map(|v| v.0).collect();
        let (fence, q1) = match self.settings.r024_threshold {
            Some(t) => (t, 1.0),
            None => {
                let (q1, q3) = quartiles(&ratios);
                self.note(Code::R024, "q1", q1);
                self.note(Code::R024, "q3", q3);
                (q1 - 1.5 * (q3 - q1), q1)
            }
        };
        self.note(Code::R024, "lower_fence", fence);
        if q1 <= 0.0 || fence <= 0.0 {
            return;
        }
        let hits: Vec<(String, f64, [String; 2])> = self
            .second_lowest
            .iter()
            .filter(|(_, v)| v.0 <= fence)
            .map(|(o, v)| (o.clone(), v.0, v.1.clone()))
            .collect();
        for (ocid, ratio, pair) in hits {
            set(&mut self.flags.ocid, &ocid, Code::R024, ratio);
            for id in &pair {
                set(&mut self.flags.tenderer, id, Code::R024, 0.0);
            }
        }
    }

    /// R058: the ratio at or above the upper fence (a positive one).
    fn heavily_discounted(&mut self) {
        let ratios: Vec<f64> = self.second_lowest.values().map(|v| v.0).collect();
        let fence = match self.settings.r058_threshold {
            Some(t) => t,
            None => {
                let (q1, q3) = quartiles(&ratios);
                self.note(Code::R058, "q1", q1);
                self.note(Code::R058, "q3", q3);
                q3 + 1.5 * (q3 - q1)
            }
        };
        self.note(Code::R058, "upper_fence", fence);
        if fence <= 0.0 {
            return;
        }
        let hits: Vec<(String, f64, String)> = self
            .second_lowest
            .iter()
            .filter(|(_, v)| v.0 >= fence)
            .map(|(o, v)| (o.clone(), v.0, v.1[0].clone()))
            .collect();
        for (ocid, ratio, winner) in hits {
            set(&mut self.flags.ocid, &ocid, Code::R058, ratio);
            set(&mut self.flags.tenderer, &winner, Code::R058, 0.0);
        }
    }

    /// R025: a tenderer among the most active (its processes at or above the percentile) whose
    /// share of wins is at or below the lower fence.
    fn excessive_unsuccessful(&mut self) {
        let mut counts: Vec<f64> = self.wins.values().map(|v| v.1 as f64).collect();
        counts.sort_by(f64::total_cmp);
        let busy = quantile(&counts, self.settings.r025.percentile as f64 / 100.0);
        let ratios: Vec<f64> = self
            .wins
            .values()
            .map(|v| v.0 as f64 / v.1 as f64)
            .collect();
        let (fence, q1) = match self.settings.r025.threshold {
            Some(t) => (t, 1.0),
            None => {
                let (q1, q3) = quartiles(&ratios);
                self.note(Code::R025, "q1", q1);
                self.note(Code::R025, "q3", q3);
                (q1 - 1.5 * (q3 - q1), q1)
            }
        };
        self.note(Code::R025, "upper_fence", busy);
        self.note(Code::R025, "lower_fence", fence);
        if q1 <= 0.0 || fence <= 0.0 {
            return;
        }
        for (id, (won, of)) in &self.wins {
            let ratio = *won as f64 / *of as f64;
            if *of as f64 >= busy && ratio <= fence {
                set(&mut self.flags.tenderer, id, Code::R025, ratio);
            }
        }
    }

    /// R038: per buyer, procuring entity and tenderer with enough submitted bids, the share
    /// disqualified at or above the upper fence (a positive one).
    fn excessive_disqualified(&mut self) {
        let s = &self.settings.r038;
        let minimum = [
            s.minimum_contracting_processes,
            s.minimum_contracting_processes,
            s.minimum_submitted_bids,
        ];
        let names = ["Buyer", "ProcuringEntity", "Tenderer"];
        let threshold = s.threshold;
        let groups = std::mem::take(&mut self.disqualified);
        for (i, group) in groups.into_iter().enumerate() {
            let ratios: BTreeMap<String, f64> = group
                .into_iter()
                .filter(|(_, (_, of))| *of >= minimum[i])
                .map(|(id, (d, of))| (id, d as f64 / of as f64))
                .collect();
            if ratios.is_empty() {
                continue;
            }
            let fence = match threshold {
                Some(t) => t,
                None => {
                    let values: Vec<f64> = ratios.values().copied().collect();
                    let (q1, q3) = quartiles(&values);
                    self.note(Code::R038, &format!("{}_q1", names[i]), q1);
                    self.note(Code::R038, &format!("{}_q3", names[i]), q3);
                    q3 + 1.5 * (q3 - q1)
                }
            };
            self.note(Code::R038, &format!("{}_upper_fence", names[i]), fence);
            if fence <= 0.0 {
                continue;
            }
            let out = match i {
                0 => &mut self.flags.buyer,
                1 => &mut self.flags.procuring_entity,
                _ => &mut self.flags.tenderer,
            };
            for (id, ratio) in ratios.iter().filter(|(_, r)| **r >= fence) {
                set(out, id, Code::R038, *ratio);
            }
        }
    }

    /// R048: a supplier awarded in enough processes whose items span at least the upper fence
    /// of distinct classification prefixes.
    fn heterogeneous_supplier(&mut self) {
        let s = &self.settings.r048;
        let (minimum, threshold) = (s.minimum_contracting_processes, s.threshold);
        let spans: BTreeMap<String, f64> = std::mem::take(&mut self.classes)
            .into_iter()
            .filter(|(_, (n, _))| *n >= minimum)
            .map(|(id, (_, codes))| (id, codes.len() as f64))
            .collect();
        let fence = match threshold {
            Some(t) => t as f64,
            None => {
                let values: Vec<f64> = spans.values().copied().collect();
                let (q1, q3) = quartiles(&values);
                self.note(Code::R048, "q1", q1);
                self.note(Code::R048, "q3", q3);
                q3 + 1.5 * (q3 - q1)
            }
        };
        self.note(Code::R048, "upper_fence", fence);
        for (id, span) in spans.iter().filter(|(_, n)| **n >= fence) {
            set(&mut self.flags.tenderer, id, Code::R048, *span);
        }
    }
}

/// The quantile `tau` of sorted values by Hyndman and Fan's definition 8 (median-unbiased);
/// NaN for no values.
fn quantile(sorted: &[f64], tau: f64) -> f64 {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&tau) {
        return f64::NAN;
    }
    let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
    let k = h.floor();
    if k < 1.0 || tau == 0.0 {
        return sorted[0];
    }
    if k >= n as f64 || tau == 1.0 {
        return sorted[n - 1];
    }
    let (a, b) = (sorted[k as usize - 1], sorted[k as usize]);
    a + (h - k) * (b - a)
}

/// The lower and upper quartiles.
fn quartiles(values: &[f64]) -> (f64, f64) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    (quantile(&v, 0.25), quantile(&v, 0.75))
}

/// A bid's one tenderer, when it has exactly one.
fn sole_tenderer(b: &Bid) -> Option<&str> {
    match &b.tenderers[..] {
        [one] => one.id.as_deref(),
        _ => None,
    }
}

/// A bid's amount and currency, when it states both.
fn amount_of(b: &Bid) -> Option<(f64, &str)> {
    let v = b.value.as_ref()?;
    Some((v.amount?, v.currency.as_deref()?))
}

#[cfg(test)]
mod tests;
