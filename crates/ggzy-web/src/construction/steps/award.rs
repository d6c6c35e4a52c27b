//! From the members' sheets to the contract: signing the report, the candidates' publicity, the
//! award, the contract, bond refunds, the tendering report, re-tendering and complaints.

use super::*;

/// A member's sheet: `s.<bidder>.<criterion>` scores and `r.<bidder>` rejections.
#[derive(Deserialize)]
pub struct SheetForm {
    #[serde(flatten)]
    cells: BTreeMap<String, String>,
}

impl SheetForm {
    fn sheet(&self) -> Result<MemberSheet, ServiceError> {
        let mut sheet = MemberSheet::default();
        let mut errs = ggzy_core::Invalid::default();
        for (k, val) in &self.cells {
            if let Some((b, c)) = k.strip_prefix("s.").and_then(|r| r.split_once('.'))
                && let Ok(b) = b.parse::<Uuid>()
            {
                match val.trim().parse::<u32>() {
                    Ok(n) => {
                        sheet.scores.entry(b).or_default().insert(c.to_string(), n);
                    }
                    Err(_) if val.trim().is_empty() => {}
                    Err(_) => errs.push(FieldError::new(
                        format!("scores.{b}.{c}"),
                        "evaluation.score_format",
                        "分值应为整数",
                        "Scores are whole numbers",
                    )),
                }
            }
            if let Some(b) = k.strip_prefix("r.")
                && let Ok(b) = b.parse::<Uuid>()
                && let Some(r) = RejectionReason::parse(val)
            {
                sheet.rejections.insert(b, r);
            }
        }
        if !errs.is_empty() {
            return Err(errs.into());
        }
        // A rejected bid is not scored, whatever the page sent for it.
        let rejected: Vec<Uuid> = sheet.rejections.keys().copied().collect();
        for b in rejected {
            sheet.scores.remove(&b);
        }
        Ok(sheet)
    }
}

impl Step for SheetForm {
    const NAME: &'static str = "sheet";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let sheet = self.sheet()?;
        evaluation::submit_sheet(&s.db, a, lot, &sheet, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    dissent: String,
}

impl Step for SignForm {
    const NAME: &'static str = "sign";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::SignInput {
            dissent: Some(self.dissent),
        };
        evaluation::sign_report(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct PublicityForm {
    #[serde(default)]
    until: String,
}

impl Step for PublicityForm {
    const NAME: &'static str = "publicity";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::PublicityInput {
            until: at("until", &self.until)?,
        };
        evaluation::start_publicity(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    winner: String,
}

impl Step for AwardForm {
    const NAME: &'static str = "award";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let winner = self.winner.trim().parse().map_err(|_| {
            FieldError::new(
                "winner",
                "award.winner",
                "请选择中标人",
                "Choose the winner",
            )
        })?;
        evaluation::award(&s.db, a, lot, &evaluation::AwardInput { winner }, s.now()).await
    }
}

#[derive(Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    signed_on: String,
}

impl Step for ContractForm {
    const NAME: &'static str = "contract";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::ContractInput {
            signed_on: parse_day("signed_on", &self.signed_on)?,
            amount: self.amount,
        };
        evaluation::record_contract(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct SupplementForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    signed_on: String,
    #[serde(default)]
    reason: String,
}

impl Step for SupplementForm {
    const NAME: &'static str = "supplement";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = performance::SupplementInput {
            signed_on: parse_day("signed_on", &self.signed_on)?,
            amount: self.amount,
            reason: self.reason,
        };
        performance::record_supplement(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct AcceptanceForm {
    #[serde(default)]
    accepted_on: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    summary: String,
}

impl Step for AcceptanceForm {
    const NAME: &'static str = "acceptance";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let passed = match self.verdict.as_str() {
            "passed" => true,
            "failed" => false,
            _ => return Err(FieldError::required("verdict").into()),
        };
        let i = performance::AcceptanceInput {
            accepted_on: parse_day("accepted_on", &self.accepted_on)?,
            passed,
            summary: self.summary,
        };
        performance::record_acceptance(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    bidder_id: String,
    #[serde(default)]
    refunded_on: String,
}

impl Step for RefundForm {
    const NAME: &'static str = "refund";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let bidder_id = self.bidder_id.trim().parse().map_err(|_| {
            FieldError::new(
                "bidder_id",
                "refund.bidder",
                "请选择投标人",
                "Choose the bidder",
            )
        })?;
        let i = evaluation::RefundInput {
            bidder_id,
            refunded_on: parse_day("refunded_on", &self.refunded_on)?,
        };
        evaluation::mark_refunded(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    body: String,
}

impl Step for ReportForm {
    const NAME: &'static str = "report";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = evaluation::TenderingReportInput { body: self.body };
        evaluation::submit_tendering_report(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct RetenderForm {}

impl Step for RetenderForm {
    const NAME: &'static str = "retender";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        intake::retender(&s.db, a, lot, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct TerminateForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    purchase_cancelled: Option<String>,
}

impl Step for TerminateForm {
    const NAME: &'static str = "terminate";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = ggzy_store::regime::TerminationInput {
            reason: self.reason,
            purchase_cancelled: checked(&self.purchase_cancelled),
        };
        ggzy_store::regime::terminate(&s.db, a, lot, &i, s.now())
            .await
            .map(drop)
    }
}

#[derive(Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    knew_on: String,
    #[serde(default)]
    objection_id: String,
}

impl Step for ComplaintForm {
    const NAME: &'static str = "complaint";
    async fn run(self, s: &AppState, a: &Actor, lot: Uuid) -> Result<(), ServiceError> {
        let i = complaints::ComplaintInput {
            knew_on: parse_day("knew_on", &self.knew_on)?,
            objection_id: self.objection_id.trim().parse().ok(),
            text: self.text,
        };
        complaints::file(&s.db, a, lot, &i, s.now()).await.map(drop)
    }
}

#[derive(Deserialize)]
pub struct HandleComplaintForm {
    #[serde(default)]
    complaint_id: String,
    #[serde(default)]
    accept: String,
    #[serde(default)]
    text: String,
}

impl Step for HandleComplaintForm {
    const NAME: &'static str = "handle-complaint";
    async fn run(self, s: &AppState, a: &Actor, _lot: Uuid) -> Result<(), ServiceError> {
        let cid = uuid_or(&self.complaint_id, ServiceError::NotFound("complaint"))?;
        let i = complaints::ComplaintDecision {
            accept: self.accept != "no",
            text: some_text(&self.text),
        };
        complaints::handle(&s.db, a, cid, &i, s.now())
            .await
            .map(drop)
    }
}
