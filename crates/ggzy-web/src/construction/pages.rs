//! Pages for construction tendering: the public list and notices, one page per lot whose panels
//! follow who is looking (tenderer, bidder, centre, committee member, supervisor), and project
//! intake. Forms post back with the CSRF token; refusals re-render the page with each field's
//! message and the rule it cites.

use crate::auth::{CsrfToken, CurrentActor};
use crate::construction::api::{
    BidReceipt, LotDetail, accept_bid, fingerprint, lot_detail, read_bid_upload,
};
use crate::pages::Visit;
use crate::pages::{Layout, error_page, forbidden_page, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Extension, Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ggzy_core::FieldError;
use ggzy_core::evaluation::{Criterion, Outcome, RejectionReason, Scorer};
use ggzy_core::procedure::Stage;
use ggzy_store::evaluation::{self, FollowUp, MemberView, RefundView};
use ggzy_store::tendering::bids::{self, MyBid, OpeningRecord, Origin};
use ggzy_store::tendering::complaints::{self, ComplaintView};
use ggzy_store::tendering::intake::{self, LotSummary};
use ggzy_store::tendering::notices::{
    self, ApplicationView, DocumentSummary, Downloader, ObjectionView,
};
use ggzy_store::tendering::sealing;
use ggzy_store::tendering::viewer::{LotActions, Viewer};
use ggzy_store::tendering::{self, InboxItem};
use ggzy_store::{Actor, ServiceError};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lots", get(lots_page))
        .route("/lots/{id}", get(lot_page))
        .route(
            "/lots/{id}/bid",
            post(bid_upload).layer(axum::extract::DefaultBodyLimit::max(
                bids::MAX_ENVELOPE_BYTES + 1024 * 1024,
            )),
        )
        .route("/keys", get(keys_page).post(keys_submit))
        .route("/documents/{id}", get(document_page))
}

/// A Beijing wall-clock time for display.
pub fn bj(t: &DateTime<Utc>) -> String {
    let east8 = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&east8).format("%Y-%m-%d %H:%M").to_string()
}

fn yuan(fen: i64) -> String {
    ggzy_core::Money::from_fen(fen).to_string()
}

/// `datetime-local` input (Beijing time) to an instant.
pub(crate) fn parse_local(field: &str, v: &str) -> Result<DateTime<Utc>, FieldError> {
    NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M")
        .map(|n| DateTime::<Utc>::from_naive_utc_and_offset(n - chrono::Duration::hours(8), Utc))
        .map_err(|_| {
            FieldError::new(
                field,
                "datetime.format",
                "请填写日期和时间（北京时间）",
                "Enter a date and time (Beijing time)",
            )
        })
}

pub(crate) fn parse_day(field: &str, v: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "date.format", "请填写日期", "Enter a date"))
}

pub(crate) struct Err3 {
    pub(crate) field: String,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) rule: String,
}

impl From<FieldError> for Err3 {
    fn from(e: FieldError) -> Err3 {
        Err3 {
            rule: e.rule.map(|r| r.cite()).unwrap_or_default(),
            field: e.field,
            zh: e.message_zh,
            en: e.message_en,
        }
    }
}

#[derive(Template)]
#[template(path = "lots.html")]
struct LotsPage {
    l: Layout,
    public: Vec<LotSummary>,
    mine: Vec<LotSummary>,
    signed_in: bool,
    can_register: bool,
    inbox: Vec<InboxItem>,
}

impl LotsPage {
    fn failed(&self, code: &str) -> bool {
        Stage::parse(code) == Some(Stage::Failed)
    }
    fn stage(&self, code: &str) -> String {
        Stage::parse(code).map_or(code.to_string(), |s| {
            self.l.t(s.label_zh(), s.label_en()).to_string()
        })
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
}

async fn lots_page(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("lots");
    let load = async {
        let public = intake::public_lots(&s.db, 100).await?;
        let mine = if a.account_id.is_some() {
            intake::list_lots(&s.db, &a, None, 200).await?
        } else {
            vec![]
        };
        let inbox = tendering::inbox(&s.db, &a).await?;
        Ok::<_, ServiceError>((public, mine, inbox))
    };
    match load.await {
        Ok((public, mine, inbox)) => render(&LotsPage {
            l,
            public,
            mine,
            signed_in: a.account_id.is_some(),
            can_register: a.has(ggzy_core::role::Permission::ProjectRegister),
            inbox,
        }),
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Template)]
#[template(path = "lot.html")]
struct LotPage {
    l: Layout,
    d: LotDetail,
    estimated: String,
    bond: String,
    max_price: String,
    docs: Vec<DocumentSummary>,
    viewer: Viewer,
    /// What this viewer may do now, decided by the store.
    actions: LotActions,
    stage: Stage,
    downloaders: Option<Vec<Downloader>>,
    objections: Vec<ObjectionView>,
    applications: Vec<ApplicationView>,
    my_bids: Vec<MyBid>,
    record: Option<OpeningRecord>,
    members: Vec<MemberView>,
    draw: Option<ggzy_store::experts::draw::DrawView>,
    clarifications: Vec<evaluation::EvaluationClarification>,
    /// The specialty mix suggested in the draw form.
    /// The specialties a draw can ask for (code, name), offered as suggestions.
    specialties: Vec<(String, String)>,
    today: String,
    /// In demo mode, the viewing expert's identity number for the sign-in form.
    demo_id_number: Option<String>,
    outcome: Option<Outcome>,
    report: Option<Outcome>,
    refunds: Vec<RefundView>,
    complaints: Vec<ComplaintView>,
    /// The supervisor's orders on the lot, published.
    interventions: Vec<ggzy_store::regime::InterventionView>,
    follow: Option<FollowUp>,
    /// Supplements and the acceptance after the contract.
    performance: Option<ggzy_store::evaluation::performance::Performance>,
    criteria: Vec<Criterion>,
    /// The qualifications bidders must hold (资格条件).
    qualifications: Vec<ggzy_core::qualification::Requirement>,
    /// The registry's qualification types, offered while the tenderer may state them.
    qualification_types: Vec<String>,
    reasons: Vec<RejectionReason>,
    stages: Vec<(String, &'static str)>,
    entities: Vec<(Uuid, String)>,
    names: BTreeMap<Uuid, String>,
    errors: Vec<Err3>,
    /// What a refused form held, so it comes back filled in.
    values: BTreeMap<String, String>,
    done: Option<String>,
    receipt: Option<BidReceipt>,
    deadline_passed: bool,
    opening_key: Option<sealing::OpeningKeyView>,
    transcript: Option<sealing::Transcript>,
    /// The viewing bidder's credit code, for the envelope header.
    bidder_uscc: String,
    my_custody: Option<i64>,
    /// A government procurement's method, grounds, deadlines, challenges and complaints.
    gp: Option<GpCard>,
}

/// What the lot page shows of a government procurement.
pub struct GpCard {
    terms: ggzy_store::procurement::ProcurementTerms,
    deadlines: Vec<ggzy_store::procurement::Deadline>,
    challenges: Vec<ggzy_store::procurement::challenges::ChallengeView>,
    complaints: Vec<ggzy_store::procurement::challenges::GpComplaintView>,
    draw: Option<ggzy_store::experts::draw::DrawProof>,
    final_quotes: Vec<ggzy_store::procurement::FinalQuoteView>,
    /// The start step: `notice`, `invite`, or `draw` (an invited tender draws first).
    start: &'static str,
    challengeable: bool,
}

impl LotPage {
    /// The rows of the qualifications form: those stated, then blank ones up to at least three.
    fn qualification_rows(&self) -> Vec<(usize, String, String)> {
        let rows = (self.qualifications.len() + 1).max(3);
        (0..rows)
            .map(|i| match self.qualifications.get(i) {
                Some(q) => (i, q.name.clone(), q.min_grade.clone()),
                None => (i, String::new(), String::new()),
            })
            .collect()
    }
    fn ground(&self, g: &ggzy_core::procurement::Ground) -> &'static str {
        self.l.t(g.label_zh(), g.label_en())
    }
    fn today_after(&self, d: &NaiveDate) -> bool {
        self.today.as_str() > d.to_string().as_str()
    }
    fn submitted(&self, k: &sealing::OpeningKeyView) -> usize {
        k.custodians
            .iter()
            .filter(|c| c.submitted_at.is_some())
            .count()
    }
    fn receipt_json(&self, r: &BidReceipt) -> String {
        let js = serde_json::to_string_pretty(&r.signed).unwrap_or_default();
        form_urlencoded::byte_serialize(js.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    }
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
    fn yuan(&self, f: &i64) -> String {
        yuan(*f)
    }
    fn money(&self, m: &ggzy_core::Money) -> String {
        m.to_string()
    }
    fn name(&self, id: &Uuid) -> String {
        self.names
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
    fn score(&self, x: &Option<i64>) -> String {
        x.map_or("—".into(), ggzy_core::score::show)
    }
    fn is(&self, stage: Stage) -> bool {
        self.stage == stage
    }
    fn val(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    /// A draw group's field as typed, when the page comes back refused.
    fn group(&self, k: &usize, field: &str) -> String {
        self.val(&format!("g{k}_{field}"))
    }
    fn reason(&self, r: &RejectionReason) -> String {
        format!("（{}）{}", r.item(), self.l.t(r.label_zh(), r.label_en()))
    }
    fn lang_pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.l.t("zh", "en") == "zh" { zh } else { en }
    }
    fn draw_status(&self, s: &str) -> &'static str {
        match s {
            "confirming" => self.l.t("等待专家确认", "waiting for replies"),
            "formed" => self.l.t("评标委员会已组建", "committee formed"),
            "published" => self.l.t("结果已公开", "published"),
            "short" => self.l.t("补抽人数不足", "redraw short of experts"),
            _ => self.l.t("抽取中", "drawing"),
        }
    }
    fn pick_status(&self, s: &str) -> &'static str {
        match s {
            "invited" => self.l.t("待答复", "invited"),
            "accepted" => self.l.t("已确认参加", "accepted"),
            "declined" => self.l.t("不参加", "declined"),
            "no_answer" => self.l.t("逾期未答复", "no answer"),
            _ => self.l.t("其他", "other"),
        }
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn lot_page(
    State(s): State<AppState>,
    visit: Visit,
    Path(id): Path<Uuid>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let Visit { a, l } = visit.at("lots");
    lot_response(&s, &a, l, id, vec![], q.done, None).await
}

async fn lot_response(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    done: Option<String>,
    receipt: Option<BidReceipt>,
) -> Response {
    lot_response_with(s, a, l, id, errors, done, receipt, BTreeMap::new()).await
}

/// The lot page; `values` refill a refused form.
#[allow(clippy::too_many_arguments)]
async fn lot_response_with(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    done: Option<String>,
    receipt: Option<BidReceipt>,
    values: BTreeMap<String, String>,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    match build_lot(s, a, l, id, errors, done, receipt).await {
        Ok(mut p) => {
            p.values = values;
            let mut r = render(&p);
            *r.status_mut() = status;
            r
        }
        Err((l, e)) => {
            let st = StatusCode::from_u16(crate::problem::ApiError(e).problem().status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error_page(l, st, ServiceError::NotFound("lot"))
        }
    }
}

/// What the lot page shows of a government procurement; none for a construction lot.
async fn gp_card(
    s: &AppState,
    a: &Actor,
    row: &tendering::LotRow,
) -> Result<Option<GpCard>, ServiceError> {
    let id = row.id;
    let now = s.now();
    Ok(match ggzy_store::procurement::terms(&s.db, row).await? {
        Some(terms) => {
            let supplier_draw = ggzy_store::procurement::supplier_draw(&s.db, a, id).await?;
            use ggzy_core::procurement::PurchaseMethod as M;
            let start = match terms.method {
                M::InvitedTender if supplier_draw.is_none() => "draw",
                M::InvitedTender | M::SingleSource => "invite",
                M::CompetitiveNegotiation => "invite_or_notice",
                _ => "notice",
            };
            Some(GpCard {
                deadlines: ggzy_store::procurement::deadlines(&s.db, id, tendering::day(now))
                    .await?,
                challenges: ggzy_store::procurement::challenges::challenges(&s.db, a, id).await?,
                complaints: ggzy_store::procurement::challenges::complaints(&s.db, a, id).await?,
                final_quotes: ggzy_store::procurement::final_quotes(&s.db, a, id, now).await?,
                draw: supplier_draw,
                start,
                challengeable: ggzy_store::procurement::challenges::challengeable(row.state.stage),
                terms,
            })
        }
        None => None,
    })
}

/// The specialties a draw can ask for (code, name), offered as suggestions in the draw form.
async fn draw_specialties(s: &AppState) -> Vec<(String, String)> {
    ggzy_store::experts::specialty_tree(&s.db)
        .await
        .map(|t| {
            t.iter()
                .map(|(c, n)| (c.as_str().to_string(), n.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The main stages of a lot, each done, now or to come.
fn stage_bar(l: &Layout, stage: Stage) -> Vec<(String, &'static str)> {
    let order = [
        Stage::Registered,
        Stage::Tendering,
        Stage::Evaluating,
        Stage::Reported,
        Stage::Publicity,
        Stage::Awarded,
        Stage::Contracted,
    ];
    // Prequalification happens before the tender notice, on the first stretch of the road.
    let at = match stage {
        Stage::Prequalifying | Stage::Prequalified => Stage::Registered,
        s => s,
    };
    let Some(cur) = order.iter().position(|x| *x == at) else {
        // Failed or ended: the road stops here, so only where it stopped is shown.
        return vec![(l.t(stage.label_zh(), stage.label_en()).to_string(), "now")];
    };
    order
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let class = match i.cmp(&cur) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "now",
                std::cmp::Ordering::Greater => "",
            };
            (l.t(st.label_zh(), st.label_en()).to_string(), class)
        })
        .collect()
}

/// The names of every entity the page mentions: candidates, applicants, invitees, the drawn
/// suppliers, the winner and the bidders on the opening record.
async fn names_of(
    s: &AppState,
    row: &tendering::LotRow,
    gp: Option<&GpCard>,
    record: Option<&OpeningRecord>,
) -> Result<BTreeMap<Uuid, String>, ServiceError> {
    let mut names = BTreeMap::new();
    let mut ids: Vec<Uuid> = row.state.candidates.clone();
    ids.extend(row.state.applicants.iter().copied());
    ids.extend(row.state.admitted.iter().flatten().copied());
    if let Some(g) = gp {
        for r in g.draw.iter().flat_map(|d| d.rounds.iter()) {
            ids.extend(r.groups.iter().flat_map(|g| g.eligible.iter().copied()));
        }
    }
    ids.extend(row.state.winner);
    if let Some(r) = record {
        for line in &r.lines {
            names.insert(line.bidder_id, line.bidder_name.clone());
        }
    }
    for i in ids {
        if let std::collections::btree_map::Entry::Vacant(v) = names.entry(i) {
            v.insert(tendering::entity_name(&s.db, i).await?);
        }
    }
    Ok(names)
}

async fn build_lot(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    errors: Vec<FieldError>,
    done: Option<String>,
    receipt: Option<BidReceipt>,
) -> Result<LotPage, (Layout, ServiceError)> {
    macro_rules! t {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return Err((l, e.into())),
            }
        };
    }
    let now = s.now();
    let tendering::viewer::LotView {
        lot: row,
        viewer,
        member,
        actions,
    } = t!(tendering::viewer::view_for(&s.db, a, id, now).await);
    let d = t!(lot_detail(s, &row).await);
    let opening_key = t!(sealing::opening_key(&s.db, id).await);
    let transcript = t!(sealing::transcript(&s.db, id).await);
    let bidder_uscc = match a.entity_id {
        Some(e) => t!(sealing::uscc_of(&s.db, e).await),
        None => String::new(),
    };
    let my_custody = t!(sealing::my_custody(&s.db, a).await)
        .into_iter()
        .find(|c| c.lot_id == id)
        .map(|c| c.share_index);
    let docs = t!(notices::documents(&s.db, id).await);
    let downloaders = notices::downloaders(&s.db, a, id, now).await.ok();
    let objections = t!(notices::objections(&s.db, a, id).await);
    let applications = t!(notices::applications(&s.db, a, id).await);
    let my_bids = if viewer.is_bidder() {
        t!(bids::my_bids(&s.db, a, id).await)
    } else {
        vec![]
    };
    let record = bids::opening_record(&s.db, a, id).await.ok().flatten();
    let members = t!(evaluation::members(&s.db, a, id).await);
    let draw = ggzy_store::experts::draw::view(&s.db, a, id)
        .await
        .ok()
        .flatten();
    let clarifications = evaluation::bidder_clarifications(&s.db, a, id)
        .await
        .unwrap_or_default();
    let demo_id_number = match (
        &s.demo,
        &a.username,
        draw.as_ref().and_then(|d| d.mine.as_ref()),
    ) {
        (Some(d), Some(u), Some(_)) => d.expert_id_numbers.get(u).cloned(),
        _ => None,
    };
    let outcome = if member || viewer.is_official() {
        evaluation::outcome(&s.db, a, id).await.ok()
    } else {
        None
    };
    let report = evaluation::report(&s.db, a, id).await.ok().flatten();
    let refunds = t!(evaluation::refunds(&s.db, a, id).await);
    let gp = t!(gp_card(s, a, &row).await);
    // A procurement's challenges and complaints are shown by its own card, not as objections.
    let (objections, complaints) = if gp.is_some() {
        (vec![], vec![])
    } else {
        (objections, t!(complaints::list(&s.db, a, id).await))
    };
    // A procurement's deadlines after the award are on its own card.
    let follow = if row.gp.is_none() && viewer.follows_award() && row.state.winner.is_some() {
        Some(t!(
            evaluation::follow_up(&s.db, id, tendering::day(now)).await
        ))
    } else {
        None
    };
    let performance = t!(ggzy_store::evaluation::performance::performance(&s.db, &row).await);
    let interventions = t!(ggzy_store::regime::interventions(&s.db, id).await);
    let (qualifications, qualification_types) =
        t!(lot_qualifications(s, id, actions.set_qualifications).await);
    let stages = stage_bar(&l, row.state.stage);
    let names = t!(names_of(s, &row, gp.as_ref(), record.as_ref()).await);
    let entities = if viewer.is_tenderer() && row.state.stage == Stage::Registered {
        t!(invitable(s, a, now).await)
    } else {
        vec![]
    };
    let errors = errors.into_iter().map(Err3::from).collect();
    let specialties = if draw.is_none() && viewer.is_centre() {
        draw_specialties(s).await
    } else {
        vec![]
    };
    Ok(LotPage {
        estimated: yuan(d.estimated_price),
        bond: yuan(d.bid_bond),
        max_price: d.max_price.map(yuan).unwrap_or_default(),
        criteria: row.method.criteria().to_vec(),
        qualifications,
        qualification_types,
        deadline_passed: row.state.dates.is_some_and(|x| now >= x.bid_deadline),
        d,
        docs,
        viewer,
        actions,
        stage: row.state.stage,
        downloaders,
        objections,
        applications,
        my_bids,
        record,
        members,
        draw,
        clarifications,
        specialties,
        today: tendering::day(now).to_string(),
        demo_id_number,
        outcome,
        report,
        refunds,
        complaints,
        interventions,
        follow,
        performance,
        reasons: RejectionReason::ALL.to_vec(),
        stages,
        entities,
        names,
        errors,
        values: BTreeMap::new(),
        done,
        receipt,
        opening_key,
        transcript,
        bidder_uscc,
        my_custody,
        gp,
        l,
    })
}

/// The qualifications the lot requires, and the registry's types when the viewer may state them.
async fn lot_qualifications(
    s: &AppState,
    id: Uuid,
    offer_types: bool,
) -> Result<(Vec<ggzy_core::qualification::Requirement>, Vec<String>), ServiceError> {
    let stated = tendering::qualifications::of(&s.db, id).await?;
    let types = if offer_types {
        tendering::qualifications::known_types(&s.db).await?
    } else {
        vec![]
    };
    Ok((stated, types))
}

/// The registered entities a tenderer may invite, for the invitation form.
async fn invitable(
    s: &AppState,
    a: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, String)>, ServiceError> {
    Ok(
        ggzy_store::entities::search(&s.db, a, None, tendering::day(now), 60)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect(),
    )
}

pub(crate) fn v<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

pub(crate) async fn refusal_page(
    s: &AppState,
    a: &Actor,
    l: Layout,
    id: Uuid,
    e: ServiceError,
    values: BTreeMap<String, String>,
) -> Response {
    match e {
        ServiceError::Invalid(i) => lot_response_with(s, a, l, id, i.0, None, None, values).await,
        ServiceError::OutOfOrder {
            stage,
            waits_for,
            reason,
        } => {
            let fe = FieldError::new(
                "stage",
                "procedure.out_of_order",
                format!("当前阶段（{stage}）不能进行此操作：{reason}；等待：{waits_for}"),
                format!("Not possible at stage '{stage}': {reason}; it waits for {waits_for}"),
            );
            let mut r = lot_response(s, a, l, id, vec![fe], None, None).await;
            *r.status_mut() = StatusCode::CONFLICT;
            r
        }
        e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated) => {
            let st = crate::problem::ApiError(e).problem().status;
            forbidden_page(l, a, st)
        }
        e => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

#[derive(Deserialize)]
struct CsrfQuery {
    #[allow(dead_code)]
    csrf: Option<String>,
}

async fn bid_upload(
    State(s): State<AppState>,
    CurrentActor(a): CurrentActor,
    h: HeaderMap,
    Extension(c): Extension<CsrfToken>,
    Path(id): Path<Uuid>,
    Query(_q): Query<CsrfQuery>,
    mp: Multipart,
) -> Response {
    let l = Layout::new(&h, &c, &a, "lots");
    let r = async {
        let (envelope, fp) = read_bid_upload(mp).await?;
        let origin = Origin {
            address: a.address.clone(),
            fingerprint: fingerprint(fp, &h),
        };
        accept_bid(&s, &a, id, envelope, &origin).await
    }
    .await;
    match r {
        Ok(receipt) => {
            let mut resp =
                lot_response(&s, &a, l, id, vec![], Some("bid".into()), Some(receipt)).await;
            *resp.status_mut() = StatusCode::CREATED;
            resp
        }
        Err(e) => refusal_page(&s, &a, l, id, e, BTreeMap::new()).await,
    }
}

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    l: Layout,
    title: String,
    kind: String,
    body: String,
    sm3: String,
    published: String,
    lot_id: Option<Uuid>,
}

async fn document_page(State(s): State<AppState>, visit: Visit, Path(id): Path<Uuid>) -> Response {
    let Visit { a, l } = visit.at("lots");
    match notices::download(&s.db, &a, id, s.now()).await {
        Ok(d) => render(&DocumentPage {
            l,
            title: d.title,
            kind: d.kind,
            body: d.body,
            sm3: d.sm3,
            published: bj(&d.published_at),
            lot_id: Some(d.lot_id),
        }),
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            let st = crate::problem::ApiError(e).problem().status;
            forbidden_page(l, &a, st)
        }
        Err(ServiceError::Invalid(i)) => {
            match notices::document_lot(&s.db, id).await.ok().flatten() {
                Some(lot) => lot_response(&s, &a, l, lot, i.0, None, None).await,
                None => error_page(l, StatusCode::NOT_FOUND, ServiceError::NotFound("document")),
            }
        }
        Err(e) => error_page(l, StatusCode::NOT_FOUND, e),
    }
}

#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    l: Layout,
    keys: Vec<sealing::PartyKeyView>,
    tasks: Vec<sealing::CustodyTask>,
    bidder: bool,
    custodian: bool,
    owner: String,
    errors: Vec<FieldError>,
    done: Option<String>,
}

impl KeysPage {
    fn bj(&self, t: &DateTime<Utc>) -> String {
        bj(t)
    }
}

async fn keys_response(
    s: &AppState,
    a: &Actor,
    l: Layout,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> Response {
    if a.account_id.is_none() {
        return forbidden_page(l, a, 401);
    }
    let custodian = a.has(ggzy_core::role::Permission::KeyCustody)
        || a.has(ggzy_core::role::Permission::ProjectRegister);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = render(&KeysPage {
        keys: sealing::my_keys(&s.db, a).await.unwrap_or_default(),
        tasks: if custodian {
            sealing::my_custody(&s.db, a).await.unwrap_or_default()
        } else {
            vec![]
        },
        bidder: a.entity_id.is_some(),
        custodian,
        owner: a.username.clone().unwrap_or_default(),
        errors,
        done,
        l,
    });
    *r.status_mut() = status;
    r
}

async fn keys_page(State(s): State<AppState>, visit: Visit) -> Response {
    let Visit { a, l } = visit.at("keys");
    keys_response(&s, &a, l, vec![], None).await
}

async fn keys_submit(
    State(s): State<AppState>,
    visit: Visit,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let Visit { a, l } = visit.at("keys");
    let input = sealing::KeyInput {
        purpose: v(&f, "purpose").into(),
        public_key: v(&f, "public_key").trim().into(),
    };
    match sealing::register_key(&s.db, &a, &input, s.now()).await {
        Ok(k) => keys_response(&s, &a, l, vec![], Some(k.fingerprint)).await,
        Err(ServiceError::Invalid(i)) => keys_response(&s, &a, l, i.0, None).await,
        Err(e @ (ServiceError::Forbidden(_) | ServiceError::Unauthenticated)) => {
            let st = crate::problem::ApiError(e).problem().status;
            forbidden_page(l, &a, st)
        }
        Err(e) => error_page(l, StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
