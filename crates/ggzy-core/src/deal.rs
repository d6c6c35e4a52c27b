//! A deal's life as the public reads it beside its notices (国办发〔2015〕63号 §11: the whole
//! process open): the dates its notices set and what has followed from them, and a name for each
//! step its log records. Only dates a published notice states or a public step fixed are here:
//! the evaluation's report time or a final-quote deadline sent to invited suppliers are not.

use crate::procedure::Lot;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyDateKind {
    /// 资格预审申请截止
    ApplicationsDue,
    /// 招标（采购）文件获取开始 / 截止
    DocumentsFrom,
    DocumentsUntil,
    /// 投标截止和开标时间 (法 Art 34: one instant)
    BidDeadline,
    /// 中标候选人公示期满
    PublicityUntil,
    /// 暂停采购活动至 (政府采购法 Art 57)
    SuspendedUntil,
    /// 报名及保证金截止
    GrantApplyUntil,
    /// 挂牌（竞价）开始
    BiddingOpens,
    /// 挂牌截止 / 自由竞价结束
    FreeStageEnds,
    /// 竞价结束
    BiddingEnded,
}

impl KeyDateKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ApplicationsDue => "资格预审申请截止",
            Self::DocumentsFrom => "文件获取开始",
            Self::DocumentsUntil => "文件获取截止",
            Self::BidDeadline => "投标截止及开标",
            Self::PublicityUntil => "候选人公示期满",
            Self::SuspendedUntil => "暂停采购活动至",
            Self::GrantApplyUntil => "报名及保证金截止",
            Self::BiddingOpens => "挂牌（竞价）开始",
            Self::FreeStageEnds => "挂牌截止／自由竞价结束",
            Self::BiddingEnded => "竞价结束",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::ApplicationsDue => "Prequalification applications close",
            Self::DocumentsFrom => "Documents available from",
            Self::DocumentsUntil => "Documents available until",
            Self::BidDeadline => "Bid deadline and opening",
            Self::PublicityUntil => "Candidate publicity ends",
            Self::SuspendedUntil => "Procurement suspended until",
            Self::GrantApplyUntil => "Applications and deposits close",
            Self::BiddingOpens => "Listing (bidding) opens",
            Self::FreeStageEnds => "Listing closes / free bidding ends",
            Self::BiddingEnded => "Bidding ended",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KeyDate {
    pub kind: KeyDateKind,
    pub at: DateTime<Utc>,
    pub label_zh: &'static str,
    pub label_en: &'static str,
}

impl KeyDate {
    pub fn new(kind: KeyDateKind, at: DateTime<Utc>) -> Self {
        Self {
            kind,
            at,
            label_zh: kind.label_zh(),
            label_en: kind.label_en(),
        }
    }
}

/// A lot's public dates, in time order.
pub fn lot_dates(lot: &Lot) -> Vec<KeyDate> {
    use KeyDateKind::*;
    let mut v: Vec<KeyDate> = [
        (ApplicationsDue, lot.applications_due),
        (DocumentsFrom, lot.dates.as_ref().map(|d| d.documents_from)),
        (
            DocumentsUntil,
            lot.dates.as_ref().map(|d| d.documents_until),
        ),
        (BidDeadline, lot.dates.as_ref().map(|d| d.bid_deadline)),
        (PublicityUntil, lot.publicity_until),
        (SuspendedUntil, lot.suspended_until),
    ]
    .into_iter()
    .filter_map(|(k, at)| at.map(|at| KeyDate::new(k, at)))
    .collect();
    v.sort_by_key(|d| d.at);
    v
}

/// A grant's public dates, from its announcement and, once over, the end of its bidding.
pub fn grant_dates(
    apply_until: DateTime<Utc>,
    opens: DateTime<Utc>,
    free_until: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
) -> Vec<KeyDate> {
    use KeyDateKind::*;
    let mut v = vec![
        KeyDate::new(GrantApplyUntil, apply_until),
        KeyDate::new(BiddingOpens, opens),
        KeyDate::new(FreeStageEnds, free_until),
    ];
    v.extend(ended.map(|at| KeyDate::new(BiddingEnded, at)));
    v.sort_by_key(|d| d.at);
    v
}

/// The public name of a step the log records about a deal; `None` for the rest, which the page
/// shows by their code.
pub fn step_label(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "lot.procedure" => ("确定交易方式", "Procedure chosen"),
        "lot.prequal_notice_published" => ("发布资格预审公告", "Prequalification notice"),
        "lot.notice_published" => ("发布招标（采购）公告", "Notice published"),
        "lot.notice_corrected" => ("发布更正公告", "Notice corrected"),
        "lot.max_price" => ("公布最高投标限价", "Ceiling price published"),
        "lot.invited" => ("发出投标邀请", "Invitations sent"),
        "lot.supplier_draw_committed" | "lot.suppliers_drawn" => {
            ("随机抽取供应商", "Suppliers drawn at random")
        }
        "document.downloaded" => ("获取招标（采购）文件", "Documents obtained"),
        "lot.bid_accepted" => ("递交投标文件（回执）", "Bid received (receipt)"),
        "lot.bid_withdrawn" => ("撤回投标文件", "Bid withdrawn"),
        "lot.share_submitted" => ("提交解密密钥份额", "Key share submitted"),
        "lot.opening_postponed" => ("开标延期", "Opening postponed"),
        "lot.opening_convened" => ("开标会开始", "Opening convened"),
        "lot.opening_key_published" => ("公布开标密钥", "Opening key published"),
        "lot.opened" => ("开标", "Bids opened"),
        "lot.opening_record" => ("开标记录", "Opening record"),
        "lot.opening_transcript" => ("开标过程记录", "Opening transcript"),
        "lot.failed_too_few_bids" => ("投标人少于3个，不予开标", "Too few bids: not opened"),
        "lot.committee_assigned" => ("组建评标委员会", "Committee formed"),
        "draw.committed" => ("专家抽取承诺（先承诺后抽取）", "Expert draw committed"),
        "draw.drawn" => ("随机抽取评标专家", "Experts drawn"),
        "draw.revealed" => ("公开抽取种子", "Draw seed revealed"),
        "draw.accepted" => ("专家确认参加", "Expert accepted"),
        "draw.declined" => ("专家不能参加", "Expert declined"),
        "draw.checked_in" => ("专家签到", "Expert checked in"),
        "lot.sheet_submitted" => ("评委提交评分表", "Score sheet submitted"),
        "lot.final_quotes_requested" => ("要求最后报价", "Final quotes requested"),
        "lot.final_quote_submitted" => ("递交最后报价", "Final quote received"),
        "lot.evaluation_reported" => ("提交评标报告", "Evaluation reported"),
        "lot.report_signed" => ("评标报告签署", "Report signed"),
        "lot.publicity_started" => ("中标候选人公示开始", "Candidate publicity starts"),
        "lot.publicity_ended" => ("中标候选人公示结束", "Candidate publicity ends"),
        "lot.objection_raised" | "lot.opening_objection" => ("提出异议", "Objection raised"),
        "lot.objection_answered" | "lot.opening_objection_answered" => {
            ("答复异议", "Objection answered")
        }
        "lot.complaint_filed" => ("提出投诉", "Complaint filed"),
        "lot.complaint_handled" | "lot.complaint_reviewed" => ("投诉受理", "Complaint handled"),
        "lot.complaint_decided" => ("投诉处理决定", "Complaint decided"),
        "lot.suspended" => ("暂停采购活动", "Suspended"),
        "lot.resumed" => ("恢复采购活动", "Resumed"),
        "lot.awarded" => ("确定中标（成交）人", "Awarded"),
        "lot.contract_recorded" => ("合同订立", "Contract signed"),
        "lot.contract_supplemented" => ("签订补充合同", "Contract supplemented"),
        "lot.contract_accepted" => ("履约验收", "Acceptance"),
        "lot.tendering_report_submitted" => ("提交招标投标情况书面报告", "Tendering report"),
        "lot.bond_refunded" => ("退还投标保证金", "Bond refunded"),
        "lot.terminated" => ("终止交易", "Ended"),
        "lot.retendered" => ("重新招标", "Re-tendered"),
        "grant.pre_disclosed" => ("信息预披露", "Pre-disclosed"),
        "grant.announced" => ("发布出让（转让）公告", "Announced"),
        "grant.notice_corrected" => ("发布变更公告", "Notice changed"),
        "grant.listing_closed" => ("挂牌截止", "Listing closed"),
        "grant.applied" => ("竞买申请", "Application received"),
        "grant.deposit_received" => ("保证金到账", "Deposit received"),
        "grant.admitted" => ("竞买资格确认", "Bidder admitted"),
        "grant.closed" => ("竞价结束", "Bidding closed"),
        "grant.go_on" => ("转入现场（网上）竞价", "Went on to an auction"),
        "grant.confirmed" => ("签订成交确认书", "Deal confirmed"),
        "grant.result_published" => ("公布交易结果", "Result published"),
        "grant.terminated" => ("终止交易", "Ended"),
        "notice.published" => ("发布公告", "Notice published"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procedure::ProcedureKind;
    use crate::tender_schedule::TenderDates;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("t")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_lot_shows_only_the_dates_it_has_and_in_time_order() {
        let mut lot = Lot::new(ProcedureKind::OpenTender, false);
        assert!(lot_dates(&lot).is_empty());
        lot.publicity_until = Some(t("2026-04-10T00:00:00Z"));
        lot.dates = Some(TenderDates {
            documents_from: t("2026-03-02T01:00:00Z"),
            documents_until: t("2026-03-09T09:00:00Z"),
            bid_deadline: t("2026-03-23T01:30:00Z"),
        });
        let kinds: Vec<KeyDateKind> = lot_dates(&lot).iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [
                KeyDateKind::DocumentsFrom,
                KeyDateKind::DocumentsUntil,
                KeyDateKind::BidDeadline,
                KeyDateKind::PublicityUntil
            ]
        );
    }

    #[test]
    fn a_grant_adds_its_end_once_bidding_is_over() {
        let (a, o, f) = (
            t("2026-03-20T08:00:00Z"),
            t("2026-03-23T02:00:00Z"),
            t("2026-04-03T07:00:00Z"),
        );
        assert_eq!(grant_dates(a, o, f, None).len(), 3);
        let ended = grant_dates(a, o, f, Some(t("2026-04-03T07:04:10Z")));
        assert_eq!(
            ended.last().map(|d| d.kind),
            Some(KeyDateKind::BiddingEnded)
        );
    }

    #[test]
    fn the_main_steps_have_names_in_both_languages() {
        for k in [
            "lot.opened",
            "lot.awarded",
            "grant.closed",
            "lot.complaint_decided",
        ] {
            let (zh, en) = step_label(k).expect(k);
            assert!(!zh.is_empty() && !en.is_empty());
        }
        assert_eq!(step_label("lot.something_new"), None);
    }
}
