//! What stays secret, and until when (保密与公开的时点). One rule per kind of information, written
//! down here once; the event log, the API, the pages and the feeds all ask this module instead
//! of deciding for themselves.
//!
//! - Who obtained the documents, who bid and how many did, stays secret until the opening: the
//!   tenderer may not disclose the names or number of potential bidders (招标投标法 Art 22 [V]),
//!   and on an e-platform downloaders' names and numbers stay secret before the deadline
//!   (电子招标投标办法 Art 21 [V]). A prequalification's applicants and an invited procurement's
//!   drawn suppliers are potential bidders too, kept the same way.
//! - Who applied for a land, mining-right or property trade, who paid a deposit and who was
//!   admitted stays secret until the trade closes: the same rule for bidders, applied by ggzy to
//!   the 招拍挂 and property exchanges, where bidders compete by paddle number [U].
//! - The evaluation committee's names stay secret until the result is final (招标投标法 Art 37;
//!   87号令 Art 45 [V]), so an expert's service on a lot shows on their record after the award.
//! - Who raised a challenge, objection or complaint is for the parties and the supervisor, not
//!   for the public pages of the lot.
//!
//! The event log stays publicly verifiable while it keeps these secrets: an event about secret
//! information is chained as a salted commitment (see [`crate::event::EventRecord::sealed_bytes`]);
//! the salt and the content are published at the moment below.

use serde::Serialize;

/// The moment a piece of information becomes public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// The lot's bids are opened (or it fails for too few bids at the deadline).
    Opened,
    /// The grant or its auction has closed, with or without a deal.
    Closed,
    /// The lot is awarded.
    Awarded,
}

impl Moment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Closed => "closed",
            Self::Awarded => "awarded",
        }
    }

    /// The release key of a subject at this moment: `lot:…@opened`.
    pub fn key(self, subject: &str) -> String {
        format!("{subject}@{}", self.as_str())
    }
}

/// Kinds of secret information, each with its moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    /// Who downloaded the documents, who bid, withdrew or was refused, and how many.
    Bidders,
    /// An invited procurement's drawn suppliers and a prequalification's applicants.
    PotentialBidders,
    /// A grant's applicants, deposits, admissions and quotes, and their number.
    GrantApplicants,
    /// The members of an evaluation committee and the lots an expert serves on.
    Committee,
}

impl Secret {
    pub fn moment(self) -> Moment {
        match self {
            Self::Bidders | Self::PotentialBidders => Moment::Opened,
            Self::GrantApplicants => Moment::Closed,
            Self::Committee => Moment::Awarded,
        }
    }
}

/// The secret an event of `kind` would reveal, if any.
pub fn secret_of_event(kind: &str) -> Option<Secret> {
    Some(match kind {
        "document.downloaded"
        | "lot.bid_accepted"
        | "lot.bid_withdrawn"
        | "lot.envelope_refused" => Secret::Bidders,
        "lot.invited"
        | "lot.suppliers_drawn"
        | "lot.prequal_applied"
        | "lot.prequal_passed"
        | "lot.prequal_failed"
        | "lot.prequal_clarified" => Secret::PotentialBidders,
        "grant.applied"
        | "grant.admitted"
        | "grant.refused"
        | "grant.deposit_received"
        | "grant.deposit_not_received"
        | "grant.go_on"
        | "grant.quoted"
        | "grant.applications_closed"
        | "grant.review_closed"
        | "auction.bidder_admitted" => Secret::GrantApplicants,
        _ => return None,
    })
}

/// The moment an event of `kind` marks, if it marks one: appending it publishes what was kept
/// until then about the same subject.
pub fn moment_of_event(kind: &str) -> Option<Moment> {
    Some(match kind {
        "lot.opened" | "lot.failed_too_few_bids" => Moment::Opened,
        "grant.closed" => Moment::Closed,
        "lot.awarded" => Moment::Awarded,
        _ => return None,
    })
}

/// Whether `secret` may be shown to the public now, given which moments its subject reached.
pub fn public(secret: Secret, reached: &[Moment]) -> bool {
    reached.contains(&secret.moment())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sealed_kind_has_a_moment_that_some_event_reaches() {
        for kind in [
            "document.downloaded",
            "lot.bid_accepted",
            "lot.suppliers_drawn",
            "grant.applied",
            "auction.bidder_admitted",
        ] {
            let s = secret_of_event(kind).expect(kind);
            let reached_by = ["lot.opened", "grant.closed", "lot.awarded"]
                .into_iter()
                .filter(|k| moment_of_event(k) == Some(s.moment()))
                .count();
            assert_eq!(reached_by, 1, "{kind}");
        }
        assert_eq!(secret_of_event("lot.notice_published"), None);
        assert_eq!(
            secret_of_event("lot.opened"),
            None,
            "a moment is itself public"
        );
    }

    #[test]
    fn before_and_after_the_moment() {
        assert!(!public(Secret::Bidders, &[]));
        assert!(!public(Secret::Bidders, &[Moment::Closed]));
        assert!(public(Secret::Bidders, &[Moment::Opened]));
        assert!(!public(Secret::Committee, &[Moment::Opened]));
        assert!(public(
            Secret::Committee,
            &[Moment::Opened, Moment::Awarded]
        ));
        assert_eq!(Moment::Opened.key("lot:1"), "lot:1@opened");
    }
}
