//! Notices (公告／公示) and the disclosure catalogue (信息公开目录清单): for every trade kind, each
//! kind of notice the platform publishes, what it must say, when it is published, how long it
//! runs at the least and which article requires it (国办发〔2015〕63号 §11; RULES.md §1.10, §3.2).
//!
//! The catalogue below is the statutory default. The store copies it into a table that admins
//! maintain; publishing reads the table, so a changed requirement applies from the next notice
//! without a release. A notice is never edited once published: a change is a new notice that
//! names the one it changes.
//!
//! Search works on words, not substrings: Chinese has no spaces, so titles and bodies are cut
//! into words (jieba) once, when the notice is published, and queries the same way.

use crate::error::FieldError;
use crate::rulepack::Confidence;
use jieba_rs::Jieba;
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// One line of the catalogue, as shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NoticeKindSpec {
    /// `construction`, `procurement`, `land_mining` or `state_property`.
    pub trade_kind: &'static str,
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// The labels the notice's text must carry (its statutory content).
    pub content: &'static [&'static str],
    /// When it is published: the step that publishes it.
    pub moment_zh: &'static str,
    pub moment_en: &'static str,
    /// The shortest period it must run, in days (calendar unless the basis says working days).
    pub min_days: Option<u32>,
    pub working_days: bool,
    /// Regulation and article.
    pub basis: &'static str,
    pub confidence: Confidence,
}

const LOT: &[&str] = &["统一交易标识码"];
const TENDER: &[&str] = &[
    "项目名称",
    "统一交易标识码",
    "招标范围",
    "资格要求",
    "联合体",
    "时间安排",
    "文件获取",
    "联系方式",
];
const CANDIDATES: &[&str] = &[
    "统一交易标识码",
    "第1名",
    "投标报价",
    "工期",
    "质量",
    "项目负责人",
    "公示期",
];
const CORRECTION: &[&str] = &["统一交易标识码", "原公告", "更正事项"];
const TERMINATION: &[&str] = &["统一交易标识码", "原公告", "终止原因"];
const ORDER: &[&str] = &["统一交易标识码", "监督部门", "依据", "事由"];
/// What a violation notice names (招标投标违法行为记录公告暂行办法 Art 9 [S]).
const PENALTY: &[&str] = &[
    "当事人",
    "统一社会信用代码",
    "违法事实",
    "处罚依据",
    "处理决定",
    "决定机关",
    "决定日期",
];

#[allow(clippy::too_many_arguments)]
const fn k(
    trade_kind: &'static str,
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    content: &'static [&'static str],
    moment: (&'static str, &'static str),
    min_days: Option<u32>,
    working_days: bool,
    basis: &'static str,
    confidence: Confidence,
) -> NoticeKindSpec {
    NoticeKindSpec {
        trade_kind,
        code,
        name_zh,
        name_en,
        content,
        moment_zh: moment.0,
        moment_en: moment.1,
        min_days,
        working_days,
        basis,
        confidence,
    }
}

use Confidence::{Secondary as S, Unconfirmed as U, Verified as V};

/// The statutory default catalogue, in the order a deal publishes.
pub const DEFAULT_CATALOGUE: &[NoticeKindSpec] = &[
    // 工程建设
    k(
        "construction",
        "prequal",
        "资格预审公告",
        "Prequalification notice",
        TENDER,
        (
            "发出资格预审文件时",
            "when the prequalification documents are issued",
        ),
        Some(5),
        false,
        "招标投标法实施条例 第15、16条；招标公告和公示信息发布管理办法",
        V,
    ),
    k(
        "construction",
        "prequal_result",
        "资格预审结果公告",
        "Prequalification result",
        &["统一交易标识码", "通过资格预审的申请人", "申请人数量"],
        (
            "开标时（申请人名单在开标前保密）",
            "at the opening (the applicants stay secret until then)",
        ),
        None,
        false,
        "招标投标法实施条例 第19、22条；电子招标投标办法 第21条",
        S,
    ),
    k(
        "construction",
        "tender",
        "招标公告",
        "Tender notice",
        TENDER,
        ("发出招标文件时", "when the tender documents are issued"),
        Some(20),
        false,
        "招标投标法 第16、24条；招标投标法实施条例 第15条",
        V,
    ),
    k(
        "construction",
        "clarification",
        "澄清与修改",
        "Clarification or amendment",
        LOT,
        (
            "投标截止时间至少15日前",
            "at least 15 days before the bid deadline",
        ),
        Some(15),
        false,
        "招标投标法实施条例 第21条",
        V,
    ),
    k(
        "construction",
        "correction",
        "更正公告",
        "Correction notice",
        CORRECTION,
        ("已发布公告的内容变更时", "when a published notice changes"),
        None,
        false,
        "招标公告和公示信息发布管理办法",
        S,
    ),
    k(
        "construction",
        "postponed",
        "开标延期公告",
        "Opening postponed",
        LOT,
        (
            "解密份额不足、开标延期时",
            "when too few key shares arrive and the opening is postponed",
        ),
        None,
        false,
        "电子招标投标办法 第29条",
        U,
    ),
    k(
        "construction",
        "failed",
        "流标（招标失败）公告",
        "Failed tender",
        LOT,
        (
            "投标人不足3个或全部投标被否决时",
            "when fewer than 3 bid or every bid is rejected",
        ),
        None,
        false,
        "招标投标法 第28、42条；招标投标法实施条例 第19、44条",
        V,
    ),
    k(
        "construction",
        "candidates",
        "中标候选人公示",
        "Candidate publicity",
        CANDIDATES,
        (
            "收到评标报告之日起3日内",
            "within 3 days of receiving the evaluation report",
        ),
        Some(3),
        false,
        "招标投标法实施条例 第54条",
        V,
    ),
    k(
        "construction",
        "result",
        "中标结果公告",
        "Award result",
        &["统一交易标识码", "中标人"],
        ("确定中标人后", "when the winner is decided"),
        None,
        false,
        "招标投标法 第45条；招标公告和公示信息发布管理办法",
        S,
    ),
    k(
        "construction",
        "contract",
        "合同订立信息",
        "Contract signed",
        &["统一交易标识码", "合同金额", "签订日期"],
        ("书面合同订立后", "when the written contract is signed"),
        None,
        false,
        "招标投标法 第46条；电子招标投标办法 第41条",
        S,
    ),
    k(
        "construction",
        "performance",
        "履约及验收信息",
        "Performance and acceptance",
        &["统一交易标识码", "合同履行情况", "验收结论"],
        (
            "工程竣工验收（合同履行完毕）后",
            "when the works are accepted and the contract performed",
        ),
        None,
        false,
        "国办发〔2015〕63号 第11条；公共资源交易平台系统数据规范（GCJS_CONTRACT_PERFORMANCE）",
        S,
    ),
    k(
        "construction",
        "termination",
        "终止公告",
        "Termination notice",
        TERMINATION,
        ("招标人终止招标时", "when the tenderer ends the tender"),
        None,
        false,
        "招标投标法实施条例 第31条",
        V,
    ),
    k(
        "construction",
        "complaint_decision",
        "投诉处理决定公告",
        "Complaint decision",
        &["统一交易标识码", "处理决定", "处理机关"],
        (
            "行政监督部门作出投诉处理决定后",
            "when the supervising department decides a complaint",
        ),
        None,
        false,
        "招标投标法实施条例 第61、79条；国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "construction",
        "supervision_order",
        "监督指令公告",
        "Supervision order",
        ORDER,
        (
            "监督部门责令暂停、恢复、改正或终止交易活动时",
            "when the supervisor orders the trade suspended, resumed, corrected or ended",
        ),
        None,
        false,
        "电子招标投标办法 第52条；招标投标法实施条例 第62条；国办发〔2015〕63号 第14条",
        S,
    ),
    // 政府采购
    k(
        "procurement",
        "intention",
        "采购意向",
        "Procurement intention",
        &["采购项目名称", "采购需求概况", "预算金额", "预计采购时间"],
        (
            "采购活动开始30日前",
            "30 days before the procurement starts",
        ),
        Some(30),
        false,
        "财库〔2020〕10号",
        U,
    ),
    k(
        "procurement",
        "tender",
        "采购公告",
        "Procurement notice",
        TENDER,
        (
            "发出采购文件时",
            "when the procurement documents are issued",
        ),
        Some(5),
        true,
        "政府采购货物和服务招标投标管理办法（87号令）第13、16条",
        V,
    ),
    k(
        "procurement",
        "single_source",
        "单一来源公示",
        "Single-source publicity",
        TENDER,
        (
            "报财政部门批准前",
            "before approval of the single-source method",
        ),
        Some(5),
        true,
        "政府采购法实施条例 第38条",
        V,
    ),
    k(
        "procurement",
        "clarification",
        "澄清与修改",
        "Clarification or amendment",
        LOT,
        (
            "提交投标文件截止15日前",
            "at least 15 days before the deadline",
        ),
        Some(15),
        false,
        "87号令 第27条",
        V,
    ),
    k(
        "procurement",
        "correction",
        "更正公告",
        "Correction notice",
        CORRECTION,
        ("已发布公告的内容变更时", "when a published notice changes"),
        None,
        false,
        "87号令 第27条；政府采购信息发布管理办法",
        S,
    ),
    k(
        "procurement",
        "postponed",
        "开标延期公告",
        "Opening postponed",
        LOT,
        (
            "解密份额不足、开标延期时",
            "when too few key shares arrive and the opening is postponed",
        ),
        None,
        false,
        "电子招标投标办法 第29条",
        U,
    ),
    k(
        "procurement",
        "failed",
        "废标公告",
        "Procurement failed",
        LOT,
        (
            "供应商不足或全部投标无效时",
            "when too few suppliers respond or every bid is invalid",
        ),
        None,
        false,
        "政府采购法 第36条",
        V,
    ),
    k(
        "procurement",
        "result",
        "中标（成交）结果公告",
        "Award result",
        &[
            "统一交易标识码",
            "中标（成交）供应商",
            "中标（成交）金额",
            "评审委员会",
            "公告期限",
        ],
        (
            "确定中标（成交）供应商之日起2个工作日内",
            "within 2 working days of the decision",
        ),
        Some(1),
        true,
        "政府采购法实施条例 第43条；87号令 第69条",
        V,
    ),
    k(
        "procurement",
        "contract",
        "合同公告",
        "Contract notice",
        &["统一交易标识码", "合同金额", "签订日期"],
        (
            "合同签订之日起2个工作日内",
            "within 2 working days of signing",
        ),
        None,
        true,
        "政府采购法实施条例 第50条",
        V,
    ),
    k(
        "procurement",
        "contract_change",
        "补充合同公告",
        "Supplementary contract",
        &["统一交易标识码", "原合同", "补充金额", "变更原因"],
        (
            "签订补充合同之日起2个工作日内",
            "within 2 working days of signing a supplementary contract",
        ),
        None,
        false,
        "政府采购法 第49条；政府采购法实施条例 第50条",
        S,
    ),
    k(
        "procurement",
        "acceptance",
        "履约验收结果公告",
        "Acceptance result",
        &["统一交易标识码", "验收结论", "验收日期"],
        (
            "采购人组织履约验收后",
            "after the buyer's acceptance of the performance",
        ),
        None,
        false,
        "政府采购法实施条例 第45条",
        S,
    ),
    k(
        "procurement",
        "complaint_decision",
        "投诉处理决定公告",
        "Complaint decision",
        &["统一交易标识码", "处理决定"],
        (
            "财政部门作出处理决定后",
            "when the finance department decides",
        ),
        None,
        false,
        "政府采购法实施条例 第58条",
        V,
    ),
    k(
        "procurement",
        "termination",
        "终止公告",
        "Termination notice",
        TERMINATION,
        (
            "采购人终止采购活动时",
            "when the buyer ends the procurement",
        ),
        None,
        false,
        "87号令 第29条",
        S,
    ),
    k(
        "procurement",
        "supervision_order",
        "监督指令公告",
        "Supervision order",
        ORDER,
        (
            "监督部门责令暂停、恢复、改正或终止交易活动时",
            "when the supervisor orders the trade suspended, resumed, corrected or ended",
        ),
        None,
        false,
        "政府采购法 第57条；电子招标投标办法 第52条；国办发〔2015〕63号 第14条",
        S,
    ),
    // 土地和矿业权
    k(
        "land_mining",
        "announcement",
        "出让公告",
        "Grant announcement",
        &["标的", "交易方式", "保证金"],
        (
            "挂牌或拍卖开始20日前",
            "20 days before the listing or auction starts",
        ),
        Some(20),
        false,
        "招标拍卖挂牌出让国有建设用地使用权规定 第10条；矿业权出让交易规则",
        S,
    ),
    k(
        "land_mining",
        "correction",
        "变更公告",
        "Change notice",
        CORRECTION,
        (
            "公告发布后需变更公告内容时",
            "when a published notice's content changes",
        ),
        None,
        false,
        "招标拍卖挂牌出让国有建设用地使用权规定 第10条（公告内容）",
        U,
    ),
    k(
        "land_mining",
        "result",
        "成交公示",
        "Deal result",
        &["标的", "竞得（受让）人", "成交价"],
        ("成交确认后", "after the deal is confirmed"),
        Some(10),
        true,
        "招标拍卖挂牌出让国有建设用地使用权规定 第21条；矿业权出让交易规则",
        S,
    ),
    k(
        "land_mining",
        "failed",
        "未成交公告",
        "No deal",
        &["标的"],
        ("交易未成交时", "when the trade ends without a deal"),
        None,
        false,
        "招标拍卖挂牌出让国有建设用地使用权规定 第19条",
        S,
    ),
    k(
        "land_mining",
        "termination",
        "终止公告",
        "Termination notice",
        TERMINATION,
        (
            "出让人在竞价结束前终止出让时",
            "when the grantor ends the grant before the close",
        ),
        None,
        false,
        "招标拍卖挂牌出让国有土地使用权规范（试行）（国土资发〔2006〕114号）",
        U,
    ),
    // 国有产权
    k(
        "state_property",
        "pre_disclosure",
        "信息预披露公告",
        "Pre-disclosure",
        &["转让标的", "股东结构", "批准情况", "主要财务指标"],
        (
            "转让导致控制权转移的，转让行为获批后 10 个工作日内",
            "within 10 working days of the approval, where control changes",
        ),
        Some(20),
        true,
        "企业国有资产交易监督管理办法 第13、14条",
        S,
    ),
    k(
        "state_property",
        "announcement",
        "产权转让公告",
        "Transfer announcement",
        &["标的", "交易方式", "保证金"],
        ("正式披露信息时", "when the transfer is formally disclosed"),
        Some(20),
        true,
        "企业国有资产交易监督管理办法 第13条",
        S,
    ),
    k(
        "state_property",
        "correction",
        "变更公告",
        "Change notice",
        CORRECTION,
        (
            "公告发布后需变更公告内容时",
            "when a published notice's content changes",
        ),
        None,
        false,
        "企业国有资产交易监督管理办法 第13条",
        U,
    ),
    k(
        "state_property",
        "result",
        "交易结果公告",
        "Deal result",
        &["标的", "竞得（受让）人", "成交价"],
        ("签订交易合同后", "after the transfer contract is signed"),
        Some(5),
        true,
        "企业国有资产交易监督管理办法 第29条",
        S,
    ),
    k(
        "state_property",
        "failed",
        "未成交公告",
        "No deal",
        &["标的"],
        ("交易未成交时", "when the trade ends without a deal"),
        None,
        false,
        "企业国有资产交易监督管理办法 第18条",
        U,
    ),
    k(
        "state_property",
        "termination",
        "终结公告",
        "Termination notice",
        TERMINATION,
        (
            "转让方在竞价结束前终结交易时",
            "when the transferor ends the trade before the close",
        ),
        None,
        false,
        "企业国有资产交易监督管理办法；企业国有资产交易操作规则（国资发产权规〔2025〕17号）",
        U,
    ),
    // 监管信息: a department's penalties and bans, under the trade they concern.
    k(
        "construction",
        "penalty",
        "行政处罚决定公告",
        "Penalty decision",
        PENALTY,
        (
            "行政监督部门作出处罚或取消资格决定后",
            "when the supervising department decides a penalty or a ban",
        ),
        None,
        false,
        "招标投标违法行为记录公告暂行办法 第9条；国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "construction",
        "penalty_revocation",
        "处罚决定撤销公告",
        "Penalty revoked",
        &["原公告", "撤销理由", "撤销依据"],
        (
            "处罚决定被撤销或记录有误而撤销时",
            "when the decision is quashed or the record was in error",
        ),
        None,
        false,
        "招标投标违法行为记录公告暂行办法 第9条；国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "procurement",
        "penalty",
        "行政处罚决定公告",
        "Penalty decision",
        PENALTY,
        (
            "行政监督部门作出处罚或取消资格决定后",
            "when the supervising department decides a penalty or a ban",
        ),
        None,
        false,
        "政府采购法实施条例 第63条；国办发〔2015〕63号 第11条",
        V,
    ),
    k(
        "procurement",
        "penalty_revocation",
        "处罚决定撤销公告",
        "Penalty revoked",
        &["原公告", "撤销理由", "撤销依据"],
        (
            "处罚决定被撤销或记录有误而撤销时",
            "when the decision is quashed or the record was in error",
        ),
        None,
        false,
        "政府采购法实施条例 第63条；国办发〔2015〕63号 第11条",
        V,
    ),
    k(
        "land_mining",
        "penalty",
        "行政处罚决定公告",
        "Penalty decision",
        PENALTY,
        (
            "行政监督部门作出处罚或取消资格决定后",
            "when the supervising department decides a penalty or a ban",
        ),
        None,
        false,
        "国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "land_mining",
        "penalty_revocation",
        "处罚决定撤销公告",
        "Penalty revoked",
        &["原公告", "撤销理由", "撤销依据"],
        (
            "处罚决定被撤销或记录有误而撤销时",
            "when the decision is quashed or the record was in error",
        ),
        None,
        false,
        "国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "state_property",
        "penalty",
        "行政处罚决定公告",
        "Penalty decision",
        PENALTY,
        (
            "行政监督部门作出处罚或取消资格决定后",
            "when the supervising department decides a penalty or a ban",
        ),
        None,
        false,
        "国办发〔2015〕63号 第11条",
        S,
    ),
    k(
        "state_property",
        "penalty_revocation",
        "处罚决定撤销公告",
        "Penalty revoked",
        &["原公告", "撤销理由", "撤销依据"],
        (
            "处罚决定被撤销或记录有误而撤销时",
            "when the decision is quashed or the record was in error",
        ),
        None,
        false,
        "国办发〔2015〕63号 第11条",
        S,
    ),
];

/// The trade kinds a notice belongs to (公共资源交易平台管理暂行办法 Art 8: the four sectors).
pub const TRADE_KINDS: [(&str, &str, &str); 4] = [
    ("construction", "工程建设", "Construction"),
    ("procurement", "政府采购", "Government procurement"),
    ("land_mining", "土地和矿业权", "Land and mining rights"),
    ("state_property", "国有产权", "State property"),
];

pub fn trade_kind_known(s: &str) -> bool {
    TRADE_KINDS.iter().any(|(k, _, _)| *k == s)
}

/// The catalogue's labels the text leaves out, in the catalogue's order.
pub fn missing_content<'a>(required: &'a [String], body: &str) -> Vec<&'a str> {
    required
        .iter()
        .map(String::as_str)
        .filter(|label| !body.contains(label))
        .collect()
}

/// An admin's edit of a catalogue line: the labels must be short, distinct and non-empty, the
/// period sane and the basis named.
pub fn check_edit(
    content: &[String],
    min_days: Option<i64>,
    basis: &str,
) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut seen = BTreeSet::new();
    if content.len() > 30 {
        errs.push(FieldError::new(
            "content",
            "catalogue.too_many_labels",
            "法定内容最多30项",
            "At most 30 content labels",
        ));
    }
    for label in content {
        let l = label.trim();
        if l.is_empty() || l.chars().count() > 20 || !seen.insert(l) {
            errs.push(FieldError::new(
                "content",
                "catalogue.bad_label",
                "法定内容项须为1至20个字且不得重复",
                "Each content label must be 1 to 20 characters and appear once",
            ));
            break;
        }
    }
    if min_days.is_some_and(|d| !(1..=365).contains(&d)) {
        errs.push(FieldError::new(
            "min_days",
            "catalogue.bad_period",
            "最短公告期须为1至365日",
            "The minimum period must be 1 to 365 days",
        ));
    }
    if basis.trim().is_empty() || basis.chars().count() > 200 {
        errs.push(FieldError::new(
            "basis",
            "catalogue.basis_required",
            "须写明依据（法规名称和条款），不超过200字",
            "Name the basis (regulation and article), up to 200 characters",
        ));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

fn is_word(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// The words a notice is found by: its title and body cut for search (long words and the words
/// inside them), lower-cased, space-separated, for the databases' own full-text indexes.
pub fn index_terms(title: &str, body: &str) -> String {
    let mut out = String::with_capacity((title.len() + body.len()) * 2);
    for text in [title, body] {
        for t in JIEBA.cut_for_search(text, true) {
            let w = t.word;
            if is_word(w) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&w.to_lowercase());
            }
        }
    }
    out
}

/// Filter tokens indexed beside a notice's words, so that the index itself narrows a search by
/// trade, notice kind and region (with its branches) instead of the database checking each
/// matching row: `xt…` the trade, `xk…` the kind, `xr…` the region at each of its three levels.
/// Letters and digits only, so both full-text tokenizers keep each one whole.
pub fn filter_tokens(trade_kind: &str, notice_kind: &str, region_code: &str) -> String {
    let clean = |s: &str| -> String { s.chars().filter(char::is_ascii_alphanumeric).collect() };
    let region = clean(region_code);
    let mut out = format!("xt{} xk{}", clean(trade_kind), clean(notice_kind));
    for len in [2, 4, 6] {
        if let Some(prefix) = region.get(..len) {
            out.push_str(&format!(" xr{prefix}"));
        }
    }
    out
}

/// The tokens that ask the index for one trade, kind and region (a region's `branch_prefix`).
pub fn filter_query(
    trade_kind: Option<&str>,
    notice_kind: Option<&str>,
    region_prefix: Option<&str>,
) -> Vec<String> {
    let clean = |s: &str| -> String { s.chars().filter(char::is_ascii_alphanumeric).collect() };
    let mut out = Vec::new();
    if let Some(t) = trade_kind {
        out.push(format!("xt{}", clean(t)));
    }
    if let Some(k) = notice_kind {
        out.push(format!("xk{}", clean(k)));
    }
    if let Some(r) = region_prefix {
        out.push(format!("xr{}", clean(r)));
    }
    out
}

/// How well a title answers the query words: each word the title names counts, and the words
/// standing together as typed count once more. Titles say what a notice is about, so a search's
/// order is this, then the newest.
pub fn title_relevance(title: &str, terms: &[String]) -> u32 {
    let title = title.to_lowercase();
    let named = terms.iter().filter(|t| title.contains(t.as_str())).count() as u32;
    let together = terms.len() > 1 && title.contains(&terms.concat());
    named + u32::from(together)
}

/// The words of a query, each once, in order; at most 8 so one request cannot ask for thousands.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    JIEBA
        .cut(q, true)
        .into_iter()
        .map(|t| t.word)
        .filter(|w| is_word(w))
        .map(str::to_lowercase)
        .filter(|w| seen.insert(w.clone()))
        .take(8)
        .collect()
}

/// A piece of a snippet; `hit` marks a query word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Fragment {
    pub text: String,
    pub hit: bool,
}

/// About `width` characters of `text` around the first query word, with every query word in it
/// marked. Without a match, the start of the text.
pub fn snippet(text: &str, terms: &[String], width: usize) -> Vec<Fragment> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    let lower: Vec<char> = chars
        .iter()
        .flat_map(|c| c.to_lowercase().take(1))
        .collect();
    let terms: Vec<Vec<char>> = terms
        .iter()
        .map(|t| t.chars().collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    let at = |i: usize| -> Option<usize> {
        terms
            .iter()
            .filter(|t| lower[i..].starts_with(t))
            .map(Vec::len)
            .max()
    };
    let first = (0..lower.len()).find(|&i| at(i).is_some()).unwrap_or(0);
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let mut out: Vec<Fragment> = Vec::new();
    let mut push = |s: String, hit: bool| match out.last_mut() {
        Some(last) if last.hit == hit => last.text.push_str(&s),
        _ => out.push(Fragment { text: s, hit }),
    };
    if start > 0 {
        push("…".into(), false);
    }
    let mut i = start;
    while i < end {
        match at(i) {
            Some(n) => {
                let n = n.min(end - i);
                push(chars[i..i + n].iter().collect(), true);
                i += n;
            }
            None => {
                push(chars[i].to_string(), false);
                i += 1;
            }
        }
    }
    if end < chars.len() {
        push("…".into(), false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_line_is_unique_known_and_has_a_basis() {
        let mut seen = BTreeSet::new();
        for k in DEFAULT_CATALOGUE {
            assert!(trade_kind_known(k.trade_kind), "{k:?}");
            assert!(seen.insert((k.trade_kind, k.code)), "twice: {k:?}");
            let content: Vec<String> = k.content.iter().map(|s| s.to_string()).collect();
            assert!(
                check_edit(&content, k.min_days.map(i64::from), k.basis).is_ok(),
                "{k:?}"
            );
        }
        for (t, _, _) in TRADE_KINDS {
            for code in ["result", "failed"] {
                assert!(seen.contains(&(t, code)), "{t} has no {code} notice");
            }
        }
    }

    #[test]
    fn missing_content_names_each_absent_label() {
        let req: Vec<String> = ["统一交易标识码", "中标人"].map(String::from).into();
        assert!(missing_content(&req, "统一交易标识码：X\n中标人：甲公司").is_empty());
        assert_eq!(missing_content(&req, "统一交易标识码：X"), vec!["中标人"]);
    }

    #[test]
    fn catalogue_edits_are_bounded() {
        let ok: Vec<String> = vec!["中标人".into()];
        assert!(check_edit(&ok, Some(1), "条例 第1条").is_ok());
        assert!(check_edit(&ok, Some(365), "条例 第1条").is_ok());
        assert!(check_edit(&ok, Some(0), "条例 第1条").is_err());
        assert!(check_edit(&ok, Some(366), "条例 第1条").is_err());
        assert!(check_edit(&ok, None, " ").is_err());
        let twice: Vec<String> = vec!["中标人".into(), "中标人".into()];
        assert!(check_edit(&twice, None, "条例").is_err());
        let many: Vec<String> = (0..31).map(|i| format!("项{i}")).collect();
        assert!(check_edit(&many, None, "条例").is_err());
        let thirty: Vec<String> = (0..30).map(|i| format!("项{i}")).collect();
        assert!(check_edit(&thirty, None, "条例").is_ok());
    }

    #[test]
    fn chinese_text_is_cut_into_words_not_characters() {
        let t = index_terms("鄞州区道路改造工程施工招标公告", "");
        let words: Vec<&str> = t.split(' ').collect();
        assert!(words.contains(&"道路"), "{t}");
        assert!(words.contains(&"改造"), "{t}");
        assert!(words.contains(&"招标"), "{t}");
        assert!(
            !words.contains(&"路"),
            "single characters of words are not indexed: {t}"
        );
        assert_eq!(query_terms("道路 改造，道路"), vec!["道路", "改造"]);
        assert!(query_terms("，。！").is_empty());
        assert_eq!(query_terms("一 二 三 四 五 六 七 八 九 十").len(), 8);
    }

    #[test]
    fn a_region_filter_token_is_indexed_at_every_level_above_the_notice() {
        let t = filter_tokens("land_mining", "complaint_decision", "330212");
        assert_eq!(t, "xtlandmining xkcomplaintdecision xr33 xr3302 xr330212");
        let asked = filter_query(Some("land_mining"), None, Some("3302"));
        assert!(
            asked.iter().all(|a| t.split(' ').any(|w| w == a)),
            "{asked:?}"
        );
        assert!(!t.split(' ').any(|w| w == "xr3303"));
    }

    #[test]
    fn a_title_naming_more_of_the_words_ranks_higher() {
        let q = query_terms("道路 改造");
        let both = title_relevance("宁波市海曙区道路改造工程施工招标公告", &q);
        let apart = title_relevance("宁波市道路及桥梁提升改造工程", &q);
        let one = title_relevance("宁波市海曙区道路新建工程", &q);
        let none = title_relevance("宁波市学校维修工程", &q);
        assert!(
            both > apart && apart > one && one > none,
            "{both} {apart} {one} {none}"
        );
        assert_eq!(none, 0);
        assert_eq!(title_relevance("ABC 工程", &query_terms("abc")), 1);
    }

    #[test]
    fn snippet_marks_the_query_words_near_the_first_match() {
        let body = format!(
            "{}鄞州区道路改造工程招标{}",
            "甲".repeat(100),
            "乙".repeat(100)
        );
        let s = snippet(&body, &["道路".into(), "招标".into()], 40);
        assert!(s.first().is_some_and(|f| f.text.starts_with('…')), "{s:?}");
        assert!(s.last().is_some_and(|f| f.text.ends_with('…')), "{s:?}");
        let hits: Vec<&str> = s
            .iter()
            .filter(|f| f.hit)
            .map(|f| f.text.as_str())
            .collect();
        assert_eq!(hits, vec!["道路", "招标"]);
        let len: usize = s.iter().map(|f| f.text.chars().count()).sum();
        assert!(len <= 42, "{len}");
        let none = snippet("短文", &["道路".into()], 40);
        assert_eq!(
            none,
            vec![Fragment {
                text: "短文".into(),
                hit: false
            }]
        );
    }
}
