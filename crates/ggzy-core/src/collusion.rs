//! Collusion indicators at an opening (串通投标的识别): what the bids of one lot have in common
//! that different bidders' bids should not, each indicator defined once with its basis and its
//! threshold in [`CollusionPack`].
//!
//! 招标投标法实施条例 Art 40 [V] deems bids collusive when they were prepared or handled by the
//! same entity or person, name the same project-management member, are abnormally identical or
//! priced in a regular pattern, are mixed into each other, or have their bonds paid from the same
//! account; 87号令 Art 37 [V] adds the same contact person. The law names the facts but no
//! thresholds, so every number here is ggzy's configurable default [U]. An indicator raises an
//! alert for the supervisor with its evidence; it decides nothing about any bid (only the committee
//! and the supervisor do, 条例 Art 40 and 67).

pub use crate::alert::Severity;
use crate::money::Money;
use crate::rulepack::{Confidence, Limit};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// What the platform holds about one bid once its envelope is open: where and how it was
/// submitted, what the bidder declared, and what its files say about themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidTrace {
    pub bidder: Uuid,
    /// The bidder's registered name, for the evidence and for spotting its name in another's files.
    pub bidder_name: String,
    /// The network address the envelope arrived from.
    pub address: String,
    /// The hashed machine fingerprint the sealing tool reported (empty when none).
    pub fingerprint: String,
    /// The account the bid bond was paid from (条例 Art 26: the bidder's basic account).
    pub bond_account: Option<String>,
    pub contact: Contact,
    pub project_manager: Option<String>,
    pub files: Vec<FileTrace>,
    /// The price as stated, when the envelope opened.
    pub price: Option<Money>,
    /// Stated minus arithmetically corrected price, in fen, when the bid has an arithmetic error.
    pub price_error: Option<i64>,
}

/// The contact person a bid names (联系人).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// One file inside an opened envelope, with the metadata office documents and PDFs carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileTrace {
    pub name: String,
    pub sm3: String,
    pub size: u64,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub software: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    /// The organisation the document names as its owner (Word's 单位, PDF has none).
    #[serde(default)]
    pub company: Option<String>,
}

/// A lot the same bidders met in before, for rotation: who bid and who won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastDeal {
    pub deal: String,
    pub bidders: Vec<Uuid>,
    pub winner: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    SameAddress,
    SameFingerprint,
    SameBondAccount,
    SameContact,
    SameProjectManager,
    IdenticalFile,
    SameDocumentMetadata,
    MixedDocuments,
    IdenticalPrices,
    IdenticalErrors,
    EvenlySpacedPrices,
    PricesNearCeiling,
    CoverBids,
    Rotation,
    LosersSubcontracted,
}

impl Indicator {
    pub const ALL: [Indicator; 15] = [
        Self::SameAddress,
        Self::SameFingerprint,
        Self::SameBondAccount,
        Self::SameContact,
        Self::SameProjectManager,
        Self::IdenticalFile,
        Self::SameDocumentMetadata,
        Self::MixedDocuments,
        Self::IdenticalPrices,
        Self::IdenticalErrors,
        Self::EvenlySpacedPrices,
        Self::PricesNearCeiling,
        Self::CoverBids,
        Self::Rotation,
        Self::LosersSubcontracted,
    ];

    /// The alert rule's name, `collusion.<indicator>`.
    pub fn rule(self) -> &'static str {
        match self {
            Self::SameAddress => "collusion.same_address",
            Self::SameFingerprint => "collusion.same_fingerprint",
            Self::SameBondAccount => "collusion.same_bond_account",
            Self::SameContact => "collusion.same_contact",
            Self::SameProjectManager => "collusion.same_project_manager",
            Self::IdenticalFile => "collusion.identical_file",
            Self::SameDocumentMetadata => "collusion.same_document_metadata",
            Self::MixedDocuments => "collusion.mixed_documents",
            Self::IdenticalPrices => "collusion.identical_prices",
            Self::IdenticalErrors => "collusion.identical_errors",
            Self::EvenlySpacedPrices => "collusion.evenly_spaced_prices",
            Self::PricesNearCeiling => "collusion.prices_near_ceiling",
            Self::CoverBids => "collusion.cover_bids",
            Self::Rotation => "collusion.rotation",
            Self::LosersSubcontracted => "collusion.losers_subcontracted",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Self::SameAddress => "不同投标人从同一网络地址递交投标文件",
            Self::SameFingerprint => "不同投标人的投标文件由同一台设备编制或加密",
            Self::SameBondAccount => "不同投标人的投标保证金从同一账户转出",
            Self::SameContact => "不同投标人的联系人、电话或邮箱相同",
            Self::SameProjectManager => "不同投标人载明的项目管理成员为同一人",
            Self::IdenticalFile => "不同投标人的投标文件中有完全相同的文件",
            Self::SameDocumentMetadata => "不同投标人的文件作者、编制软件和创建时间相同",
            Self::MixedDocuments => "投标人的文件载明的单位是另一投标人（相互混装）",
            Self::IdenticalPrices => "不同投标人的投标报价相同",
            Self::IdenticalErrors => "不同投标人的报价有相同的计算错误",
            Self::EvenlySpacedPrices => "投标报价呈等差的规律性差异",
            Self::PricesNearCeiling => "全部投标报价集中在最高投标限价附近的窄幅内",
            Self::CoverBids => "一家明显最低、其余报价扎堆偏高（陪标）",
            Self::Rotation => "同一组投标人轮流中标",
            Self::LosersSubcontracted => "未中标的投标人成为中标人的分包人",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Self::SameAddress => "Different bidders submitted from the same network address",
            Self::SameFingerprint => {
                "Different bidders' envelopes were prepared on the same machine"
            }
            Self::SameBondAccount => "Different bidders' bonds were paid from the same account",
            Self::SameContact => "Different bidders name the same contact person, phone or e-mail",
            Self::SameProjectManager => "Different bidders name the same project manager",
            Self::IdenticalFile => "Different bidders' envelopes hold an identical file",
            Self::SameDocumentMetadata => {
                "Different bidders' documents share author, software and creation time"
            }
            Self::MixedDocuments => "A bidder's document names another bidder as its organisation",
            Self::IdenticalPrices => "Different bidders quoted the same price",
            Self::IdenticalErrors => "Different bidders made the same arithmetic error",
            Self::EvenlySpacedPrices => "Prices are evenly spaced",
            Self::PricesNearCeiling => "Every price sits in a narrow band below the ceiling",
            Self::CoverBids => "One clearly lowest bid with the rest bunched above it (cover bids)",
            Self::Rotation => "The same group of bidders takes turns winning",
            Self::LosersSubcontracted => "Losing bidders became the winner's subcontractors",
        }
    }

    /// The provision the indicator reads (the fact is [V]; its threshold is ggzy's [U]).
    pub fn basis(self) -> &'static str {
        match self {
            Self::SameAddress | Self::SameFingerprint => {
                "招标投标法实施条例第四十条第（一）（二）项"
            }
            Self::SameBondAccount => "招标投标法实施条例第四十条第（六）项",
            Self::SameContact => "政府采购货物和服务招标投标管理办法（87号令）第三十七条",
            Self::SameProjectManager => "招标投标法实施条例第四十条第（三）项",
            Self::IdenticalFile | Self::SameDocumentMetadata => {
                "招标投标法实施条例第四十条第（一）（四）项"
            }
            Self::MixedDocuments => "招标投标法实施条例第四十条第（五）项",
            Self::IdenticalPrices
            | Self::IdenticalErrors
            | Self::EvenlySpacedPrices
            | Self::PricesNearCeiling
            | Self::CoverBids => "招标投标法实施条例第四十条第（四）项",
            Self::Rotation | Self::LosersSubcontracted => "招标投标法实施条例第三十九条",
        }
    }
}

/// One indicator that fired: which bidders it ties together and what they share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub indicator: Indicator,
    pub severity: Severity,
    /// The bidders involved, in a stable order.
    pub bidders: Vec<Uuid>,
    /// What they share, as shown to the supervisor (an address, a file's hash, a price …).
    pub shared: String,
}

/// The thresholds of the indicators and their severities; every value is [U], ggzy's
/// configurable default, since no regulation fixes a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollusionPack {
    /// Files smaller than this are ignored by the identical-file indicator: blank forms the
    /// documents hand every bidder are small and identical by design.
    pub min_file_bytes: Limit<u64>,
    /// Document authors too generic to tie anyone (the office suites' defaults).
    pub generic_authors: &'static [&'static str],
    /// Sorted prices in a row whose gaps agree within the tolerance count as evenly spaced.
    pub evenly_spaced_run: Limit<usize>,
    pub spacing_tolerance_permille: Limit<i64>,
    /// Every price within this share below the ceiling, with at least `band_min_bids` bids.
    pub ceiling_band_permille: Limit<i64>,
    pub band_min_bids: Limit<usize>,
    /// The lowest bid this far below all others while the others lie within the spread.
    pub cover_gap_permille: Limit<i64>,
    pub cover_spread_permille: Limit<i64>,
    pub cover_min_bids: Limit<usize>,
    /// Past deals in which at least `rotation_group` of today's bidders met and one of them won.
    pub rotation_group: Limit<usize>,
    pub rotation_deals: Limit<usize>,
    pub rotation_winners: Limit<usize>,
    pub rotation_years: Limit<i64>,
}

const fn u<T>(value: T) -> Limit<T> {
    Limit {
        value,
        regulation: "ggzy 默认值（法规未规定阈值）",
        article: "—",
        confidence: Confidence::Unconfirmed,
    }
}

impl CollusionPack {
    pub const fn v2026() -> Self {
        Self {
            min_file_bytes: u(1024),
            generic_authors: &[
                "administrator",
                "admin",
                "user",
                "microsoft office user",
                "微软用户",
                "微软中国",
                "lenovo",
                "dell",
                "hp",
                "walkinnet",
            ],
            evenly_spaced_run: u(4),
            spacing_tolerance_permille: u(10),
            ceiling_band_permille: u(10),
            band_min_bids: u(3),
            cover_gap_permille: u(100),
            cover_spread_permille: u(20),
            cover_min_bids: u(3),
            rotation_group: u(3),
            rotation_deals: u(3),
            rotation_winners: u(2),
            rotation_years: u(3),
        }
    }

    pub fn severity(&self, i: Indicator) -> Severity {
        use Indicator::*;
        match i {
            SameFingerprint | SameBondAccount | IdenticalFile | MixedDocuments
            | IdenticalErrors => Severity::High,
            SameAddress | SameContact | SameProjectManager | SameDocumentMetadata
            | IdenticalPrices | Rotation | LosersSubcontracted => Severity::Medium,
            EvenlySpacedPrices | PricesNearCeiling | CoverBids => Severity::Low,
        }
    }
}

/// The lot as the price indicators and rotation need it.
#[derive(Debug, Clone, Default)]
pub struct Opening<'a> {
    pub bids: &'a [BidTrace],
    /// The published maximum price (最高投标限价), when there is one.
    pub ceiling: Option<Money>,
    /// Earlier awarded deals in the lookback window that any of today's bidders took part in.
    pub history: &'a [PastDeal],
}

/// Every indicator over one opening, in [`Indicator::ALL`] order then by what is shared.
pub fn check(opening: &Opening<'_>, pack: &CollusionPack) -> Vec<Signal> {
    let bids = opening.bids;
    let mut out = vec![];
    let mut push = |i: Indicator, groups: Vec<(String, BTreeSet<Uuid>)>| {
        for (shared, bidders) in groups {
            out.push(Signal {
                indicator: i,
                severity: pack.severity(i),
                bidders: bidders.into_iter().collect(),
                shared,
            });
        }
    };
    push(
        Indicator::SameAddress,
        shared_by(bids, |b| one(norm(&b.address))),
    );
    push(
        Indicator::SameFingerprint,
        shared_by(bids, |b| one(norm(&b.fingerprint))),
    );
    push(
        Indicator::SameBondAccount,
        shared_by(bids, |b| one(b.bond_account.as_deref().and_then(account))),
    );
    push(Indicator::SameContact, shared_by(bids, contact_keys));
    push(
        Indicator::SameProjectManager,
        shared_by(bids, |b| one(b.project_manager.as_deref().and_then(norm))),
    );
    push(
        Indicator::IdenticalFile,
        shared_by(bids, |b| {
            b.files
                .iter()
                .filter(|f| f.size >= pack.min_file_bytes.value)
                .map(|f| format!("SM3 {}", f.sm3))
                .collect()
        }),
    );
    push(
        Indicator::SameDocumentMetadata,
        shared_by(bids, |b| {
            b.files
                .iter()
                .filter_map(|f| metadata_key(f, pack))
                .collect()
        }),
    );
    push(Indicator::MixedDocuments, mixed_documents(bids));
    push(
        Indicator::IdenticalPrices,
        shared_by(bids, |b| one(b.price.map(|p| p.to_string()))),
    );
    push(
        Indicator::IdenticalErrors,
        shared_by(bids, |b| {
            one(b.price_error.filter(|e| *e != 0).map(|e| {
                let sign = if e < 0 { "少计" } else { "多计" };
                format!("{sign} {}", Money::from_fen(e.abs()))
            }))
        }),
    );
    let prices = priced(bids);
    push(
        Indicator::EvenlySpacedPrices,
        evenly_spaced(&prices, pack).into_iter().collect(),
    );
    push(
        Indicator::PricesNearCeiling,
        near_ceiling(&prices, opening.ceiling, pack)
            .into_iter()
            .collect(),
    );
    push(
        Indicator::CoverBids,
        cover_bids(&prices, pack).into_iter().collect(),
    );
    push(
        Indicator::Rotation,
        rotation(bids, opening.history, pack).into_iter().collect(),
    );
    out
}

/// Losing bidders of a deal named among its winner's subcontractors (checked when the winner
/// declares them, after the award).
pub fn losers_subcontracted(
    bidders: &[Uuid],
    winner: Uuid,
    subcontractors: &[(Uuid, String)],
    pack: &CollusionPack,
) -> Option<Signal> {
    let losers: BTreeSet<Uuid> = bidders.iter().copied().filter(|b| *b != winner).collect();
    let named: Vec<&(Uuid, String)> = subcontractors
        .iter()
        .filter(|(s, _)| losers.contains(s))
        .collect();
    if named.is_empty() {
        return None;
    }
    let mut involved: BTreeSet<Uuid> = named.iter().map(|(s, _)| *s).collect();
    involved.insert(winner);
    Some(Signal {
        indicator: Indicator::LosersSubcontracted,
        severity: pack.severity(Indicator::LosersSubcontracted),
        bidders: involved.into_iter().collect(),
        shared: named
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、"),
    })
}

fn one(v: Option<String>) -> Vec<String> {
    v.into_iter().collect()
}

/// Trimmed and case-folded, or nothing when empty.
fn norm(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_lowercase())
}

/// An account number with its spaces and dashes dropped, so the same account typed two ways
/// still matches.
fn account(s: &str) -> Option<String> {
    let digits: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    (!digits.is_empty()).then_some(digits)
}

fn contact_keys(b: &BidTrace) -> Vec<String> {
    let c = &b.contact;
    let phone = c
        .phone
        .as_deref()
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|p| p.len() >= 7);
    [
        c.name
            .as_deref()
            .and_then(norm)
            .map(|n| format!("联系人 {n}")),
        phone.map(|p| format!("电话 {p}")),
        c.email
            .as_deref()
            .and_then(norm)
            .map(|e| format!("邮箱 {e}")),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Author, software and creation time together, when all three are known and the author is not
/// a suite's default.
fn metadata_key(f: &FileTrace, pack: &CollusionPack) -> Option<String> {
    let author = f.author.as_deref().and_then(norm)?;
    if pack.generic_authors.contains(&author.as_str()) {
        return None;
    }
    let software = f.software.as_deref().and_then(norm)?;
    let created = f.created.as_deref().and_then(norm)?;
    Some(format!("作者 {author}；软件 {software}；创建 {created}"))
}

/// Values shared by two or more different bidders, each with those bidders; a bidder repeating a
/// value in its own bid ties no one.
fn shared_by(
    bids: &[BidTrace],
    keys: impl Fn(&BidTrace) -> Vec<String>,
) -> Vec<(String, BTreeSet<Uuid>)> {
    let mut by: HashMap<String, BTreeSet<Uuid>> = HashMap::new();
    for b in bids {
        for k in keys(b) {
            by.entry(k).or_default().insert(b.bidder);
        }
    }
    let mut out: Vec<(String, BTreeSet<Uuid>)> =
        by.into_iter().filter(|(_, s)| s.len() >= 2).collect();
    out.sort();
    out
}

fn mixed_documents(bids: &[BidTrace]) -> Vec<(String, BTreeSet<Uuid>)> {
    let names: HashMap<String, Uuid> = bids
        .iter()
        .filter_map(|b| norm(&b.bidder_name).map(|n| (n, b.bidder)))
        .collect();
    let mut out: BTreeMap<String, BTreeSet<Uuid>> = BTreeMap::new();
    for b in bids {
        for f in &b.files {
            let Some(owner) = f.company.as_deref().and_then(norm) else {
                continue;
            };
            if let Some(other) = names.get(&owner).filter(|o| **o != b.bidder) {
                out.entry(format!(
                    "{}：{}",
                    f.name,
                    f.company.as_deref().unwrap_or("")
                ))
                .or_default()
                .extend([b.bidder, *other]);
            }
        }
    }
    out.into_iter().collect()
}

/// Each bidder's price once (its lowest if it somehow has two), ascending.
fn priced(bids: &[BidTrace]) -> Vec<(i64, Uuid)> {
    let mut best: HashMap<Uuid, i64> = HashMap::new();
    for b in bids {
        if let Some(p) = b.price {
            let e = best.entry(b.bidder).or_insert(p.fen());
            *e = (*e).min(p.fen());
        }
    }
    let mut v: Vec<(i64, Uuid)> = best.into_iter().map(|(b, p)| (p, b)).collect();
    v.sort();
    v
}

/// The longest run of sorted distinct prices whose successive gaps are all within the tolerance
/// of the run's first gap.
fn evenly_spaced(prices: &[(i64, Uuid)], pack: &CollusionPack) -> Option<(String, BTreeSet<Uuid>)> {
    let need = pack.evenly_spaced_run.value.max(3);
    let tol = pack.spacing_tolerance_permille.value;
    let mut best: Option<(usize, usize)> = None;
    let mut start = 0;
    while start + 2 < prices.len() {
        let gap = prices[start + 1].0 - prices[start].0;
        let mut end = start + 1;
        while gap > 0
            && end + 1 < prices.len()
            && ((prices[end + 1].0 - prices[end].0) - gap).abs() as i128 * 1000
                <= gap as i128 * tol as i128
        {
            end += 1;
        }
        if end + 1 - start >= need && best.is_none_or(|(s, e)| end - start > e - s) {
            best = Some((start, end));
        }
        start = if end > start + 1 { end } else { start + 1 };
    }
    let (s, e) = best?;
    let run = &prices[s..=e];
    Some((
        format!(
            "{} 个报价间隔约 {}：{}",
            run.len(),
            Money::from_fen(run[1].0 - run[0].0),
            run.iter()
                .map(|(p, _)| Money::from_fen(*p).to_string())
                .collect::<Vec<_>>()
                .join("、")
        ),
        run.iter().map(|(_, b)| *b).collect(),
    ))
}

fn near_ceiling(
    prices: &[(i64, Uuid)],
    ceiling: Option<Money>,
    pack: &CollusionPack,
) -> Option<(String, BTreeSet<Uuid>)> {
    let c = ceiling?.fen();
    if c <= 0 || prices.len() < pack.band_min_bids.value {
        return None;
    }
    let floor = c as i128 * (1000 - pack.ceiling_band_permille.value) as i128 / 1000;
    let all_in = prices.iter().all(|(p, _)| *p <= c && (*p as i128) >= floor);
    all_in.then(|| {
        (
            format!(
                "全部 {} 个报价在最高投标限价 {} 以下 {}‰ 以内",
                prices.len(),
                Money::from_fen(c),
                pack.ceiling_band_permille.value
            ),
            prices.iter().map(|(_, b)| *b).collect(),
        )
    })
}

fn cover_bids(prices: &[(i64, Uuid)], pack: &CollusionPack) -> Option<(String, BTreeSet<Uuid>)> {
    if prices.len() < pack.cover_min_bids.value.max(3) {
        return None;
    }
    let low = prices[0].0 as i128;
    let rest = &prices[1..];
    let (lo, hi) = (rest[0].0 as i128, rest[rest.len() - 1].0 as i128);
    let gap_ok = (lo - low) * 1000 >= lo * pack.cover_gap_permille.value as i128;
    let tight = (hi - lo) * 1000 <= lo * pack.cover_spread_permille.value as i128;
    (gap_ok && tight).then(|| {
        (
            format!(
                "最低报价 {}，其余 {} 个在 {} 至 {} 之间",
                Money::from_fen(prices[0].0),
                rest.len(),
                Money::from_fen(rest[0].0),
                Money::from_fen(rest[rest.len() - 1].0)
            ),
            prices.iter().map(|(_, b)| *b).collect(),
        )
    })
}

/// Today's bidders who met in at least `rotation_deals` earlier deals (at least `rotation_group`
/// of them each time), every one won by one of them, with at least `rotation_winners` different
/// winners.
fn rotation(
    bids: &[BidTrace],
    history: &[PastDeal],
    pack: &CollusionPack,
) -> Option<(String, BTreeSet<Uuid>)> {
    let today: BTreeSet<Uuid> = bids.iter().map(|b| b.bidder).collect();
    let mut deals = vec![];
    let mut ring: BTreeSet<Uuid> = BTreeSet::new();
    let mut winners: BTreeSet<Uuid> = BTreeSet::new();
    for d in history {
        let met: BTreeSet<Uuid> = d
            .bidders
            .iter()
            .copied()
            .filter(|b| today.contains(b))
            .collect();
        if met.len() >= pack.rotation_group.value && met.contains(&d.winner) {
            deals.push(d.deal.as_str());
            winners.insert(d.winner);
            ring.extend(met);
        }
    }
    (deals.len() >= pack.rotation_deals.value && winners.len() >= pack.rotation_winners.value).then(
        || {
            (
                format!(
                    "此前 {} 个项目由其中 {} 家轮流中标：{}",
                    deals.len(),
                    winners.len(),
                    deals.join("、")
                ),
                ring,
            )
        },
    )
}

#[cfg(test)]
mod tests;
