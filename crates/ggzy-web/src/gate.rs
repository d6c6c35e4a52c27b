//! Who may send a body to each API write, decided from the route alone, before a byte of the body
//! is read or parsed. Each write names the permissions any one of which lets an account use it
//! (in some region: the service then checks the region and the object, a second time). A write
//! missing here is refused to everyone but the public writes of [`crate::auth`], so a new route
//! cannot be forgotten open; the attack suite's authorization matrix checks the table against
//! what each role may really do.

use axum::http::Method;
use ggzy_core::role::Permission::{self, *};

/// (method, route as matched, permissions).
pub const WRITES: &[(&str, &str, &[Permission])] = &[
    ("POST", "/api/v1/accounts", &[AccountAdmin]),
    ("POST", "/api/v1/accounts/{id}/roles", &[AccountAdmin]),
    ("POST", "/api/v1/regions", &[ConfigAdmin]),
    ("POST", "/api/v1/credit/records", &[Supervise]),
    // A company objects to its own record or asks for its repair; a supervisor decides.
    (
        "POST",
        "/api/v1/credit/records/{id}/objections",
        &[EntityManage],
    ),
    (
        "POST",
        "/api/v1/credit/records/{id}/repairs",
        &[EntityManage],
    ),
    (
        "POST",
        "/api/v1/credit/corrections/{id}/decision",
        &[Supervise],
    ),
    (
        "POST",
        "/api/v1/credit/records/{id}/revocation",
        &[Supervise],
    ),
    // A supervisor of the alert's region handles it; the service checks the region and owner.
    ("POST", "/api/v1/alerts/{id}/acknowledgement", &[Supervise]),
    ("POST", "/api/v1/alerts/{id}/investigation", &[Supervise]),
    ("POST", "/api/v1/alerts/{id}/closure", &[Supervise]),
    // A supervisor orders; the lot's principal (or agency) answers an order to correct.
    ("POST", "/api/v1/lots/{id}/interventions", &[Supervise]),
    (
        "POST",
        "/api/v1/interventions/{id}/answer",
        &[ProjectRegister],
    ),
    ("PUT", "/api/v1/calendar", &[ConfigAdmin]),
    (
        "PUT",
        "/api/v1/disclosure/catalogue/{trade_kind}/{code}",
        &[ConfigAdmin],
    ),
    ("PUT", "/api/v1/specialties", &[ConfigAdmin]),
    (
        "PUT",
        "/api/v1/regions/{code}/custody-policy",
        &[ConfigAdmin],
    ),
    ("PUT", "/api/v1/regions/{code}/fee-standard", &[ConfigAdmin]),
    (
        "POST",
        "/api/v1/entities/{id}/qualifications",
        &[EntityManage],
    ),
    // Keys: a bidder's signing key, a custodian's or a principal's custody key.
    (
        "POST",
        "/api/v1/keys",
        &[EntityManage, KeyCustody, ProjectRegister],
    ),
    (
        "DELETE",
        "/api/v1/keys/{public_key}",
        &[EntityManage, KeyCustody, ProjectRegister],
    ),
    // Construction and procurement: the tenderer or buyer (and its agency).
    ("POST", "/api/v1/projects", &[ProjectRegister]),
    ("POST", "/api/v1/procurement/projects", &[ProjectRegister]),
    ("POST", "/api/v1/procurement/intentions", &[ProjectRegister]),
    (
        "POST",
        "/api/v1/lots/{id}/prequal-notice",
        &[ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/prequal-review",
        &[ProjectRegister],
    ),
    ("POST", "/api/v1/lots/{id}/notice", &[ProjectRegister]),
    (
        "PUT",
        "/api/v1/lots/{id}/qualifications",
        &[ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/notices/{id}/corrections",
        &[ProjectRegister, IntakeProcess],
    ),
    ("POST", "/api/v1/lots/{id}/invitations", &[ProjectRegister]),
    (
        "POST",
        "/api/v1/lots/{id}/supplier-draw",
        &[ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/clarifications",
        &[ProjectRegister],
    ),
    ("POST", "/api/v1/objections/{id}/reply", &[ProjectRegister]),
    (
        "POST",
        "/api/v1/lots/{id}/challenges/{cid}/reply",
        &[ProjectRegister],
    ),
    ("POST", "/api/v1/lots/{id}/publicity", &[ProjectRegister]),
    ("POST", "/api/v1/lots/{id}/award", &[ProjectRegister]),
    ("POST", "/api/v1/lots/{id}/contract", &[ProjectRegister]),
    (
        "POST",
        "/api/v1/lots/{id}/contract/supplements",
        &[ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/contract/acceptance",
        &[ProjectRegister],
    ),
    ("POST", "/api/v1/lots/{id}/refunds", &[ProjectRegister]),
    ("POST", "/api/v1/lots/{id}/retender", &[ProjectRegister]),
    ("POST", "/api/v1/lots/{id}/termination", &[ProjectRegister]),
    (
        "POST",
        "/api/v1/lots/{id}/tendering-report",
        &[ProjectRegister],
    ),
    // The committee: drawn experts and the tenderer's representatives.
    (
        "PUT",
        "/api/v1/lots/{id}/sheet",
        &[Evaluate, ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/report/sign",
        &[Evaluate, ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/bidder-clarifications",
        &[Evaluate, ProjectRegister],
    ),
    (
        "POST",
        "/api/v1/lots/{id}/final-quotes/request",
        &[Evaluate, ProjectRegister],
    ),
    ("POST", "/api/v1/lots/{id}/draw/reply", &[Evaluate]),
    ("POST", "/api/v1/lots/{id}/draw/check-in", &[Evaluate]),
    ("POST", "/api/v1/experts/me/unavailability", &[Evaluate]),
    ("POST", "/api/v1/experts/me/conflicts", &[Evaluate]),
    // Bidders and suppliers.
    ("POST", "/api/v1/lots/{id}/bids", &[EntityManage]),
    ("DELETE", "/api/v1/lots/{id}/bids/mine", &[EntityManage]),
    (
        "POST",
        "/api/v1/lots/{id}/prequal-applications",
        &[EntityManage],
    ),
    ("POST", "/api/v1/lots/{id}/objections", &[EntityManage]),
    ("POST", "/api/v1/lots/{id}/complaints", &[EntityManage]),
    ("POST", "/api/v1/lots/{id}/challenges", &[EntityManage]),
    (
        "POST",
        "/api/v1/lots/{id}/procurement-complaints",
        &[EntityManage],
    ),
    ("POST", "/api/v1/lots/{id}/final-quotes", &[EntityManage]),
    (
        "POST",
        "/api/v1/bidder-clarifications/{id}/answer",
        &[EntityManage],
    ),
    ("POST", "/api/v1/grants/{id}/applications", &[EntityManage]),
    ("POST", "/api/v1/grants/{id}/go-on", &[EntityManage]),
    ("POST", "/api/v1/grants/{id}/quotes", &[EntityManage]),
    ("POST", "/api/v1/auctions/{id}/bids", &[EntityManage]),
    // Key custody: custodians and the principal.
    (
        "POST",
        "/api/v1/lots/{id}/custody/share",
        &[KeyCustody, ProjectRegister],
    ),
    // The trading centre.
    ("POST", "/api/v1/lots/{id}/open", &[IntakeProcess]),
    ("POST", "/api/v1/lots/{id}/draw", &[IntakeProcess]),
    (
        "POST",
        "/api/v1/experts/{id}/credit-check",
        &[IntakeProcess],
    ),
    ("POST", "/api/v1/grants", &[IntakeProcess]),
    ("POST", "/api/v1/grants/pre-disclosures", &[IntakeProcess]),
    (
        "POST",
        "/api/v1/grants/{id}/applications/{entity}/review",
        &[IntakeProcess],
    ),
    (
        "POST",
        "/api/v1/grants/{id}/applications/{entity}/refund",
        &[IntakeProcess],
    ),
    ("POST", "/api/v1/grants/{id}/confirmation", &[IntakeProcess]),
    ("POST", "/api/v1/grants/{id}/result", &[IntakeProcess]),
    ("POST", "/api/v1/grants/{id}/termination", &[IntakeProcess]),
    ("POST", "/api/v1/deposits/statements", &[IntakeProcess]),
    ("POST", "/api/v1/auctions", &[IntakeProcess]),
    ("POST", "/api/v1/auctions/{id}/bidders", &[IntakeProcess]),
    // Supervision.
    ("POST", "/api/v1/complaints/{id}", &[Supervise]),
    (
        "POST",
        "/api/v1/procurement-complaints/{id}/steps",
        &[Supervise],
    ),
    ("POST", "/api/v1/experts/{id}/misconduct", &[Supervise]),
    ("POST", "/api/v1/experts/{id}/status", &[Supervise]),
    (
        "POST",
        "/api/v1/lots/{id}/ratings",
        &[ProjectRegister, Supervise],
    ),
];

/// The permissions a write to `route` needs (any one of them), or None when the route is not an
/// API write of the table.
pub fn needs(method: &Method, route: &str) -> Option<&'static [Permission]> {
    WRITES
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, p)| *p)
}
