-- SQLite twin. Construction tendering (#3): projects and lots with their pinned rule pack and procedure state,
-- documents and downloads, objections, bids (sealed at rest), opening, evaluation, award, contract,
-- bond refunds, the inbox that pushes clarifications, and the persisted schedule.

CREATE TABLE projects (
    id                  BLOB PRIMARY KEY,
    trade_code          TEXT NOT NULL CONSTRAINT projects_trade_code_key UNIQUE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    principal_id        BLOB NOT NULL REFERENCES entities(id),
    agency_id           BLOB REFERENCES entities(id),
    region_code         TEXT NOT NULL REFERENCES regions(code),
    supervising_department TEXT NOT NULL,
    total_investment    INTEGER NOT NULL,
    state_budget        INTEGER NOT NULL,
    state_owned_leading INTEGER NOT NULL,
    international       INTEGER NOT NULL,
    pack_version        TEXT NOT NULL,
    created_by          BLOB NOT NULL REFERENCES accounts(id),
    created_at          TEXT NOT NULL
);
CREATE INDEX projects_region ON projects(region_code, created_at);

-- The sequence part of 统一交易标识码: per kind, principal and day.
CREATE TABLE trade_code_seq (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE lots (
    id                      BLOB PRIMARY KEY,
    project_id              BLOB NOT NULL REFERENCES projects(id),
    seq                     INTEGER NOT NULL,
    trade_code              TEXT NOT NULL CONSTRAINT lots_trade_code_key UNIQUE,
    name                    TEXT NOT NULL,
    category                TEXT NOT NULL,
    estimated_price         INTEGER NOT NULL,
    bid_bond                INTEGER NOT NULL,
    max_price               INTEGER,
    procedure_kind          TEXT NOT NULL,
    invited_ground          TEXT,
    must_tender             INTEGER NOT NULL,
    state_funds_controlling INTEGER NOT NULL,
    assessment              TEXT NOT NULL,
    method                  TEXT NOT NULL,
    stage                   TEXT NOT NULL,
    state                   TEXT NOT NULL,
    bid_deadline            TEXT,
    retender_of             BLOB REFERENCES lots(id),
    updated_at              TEXT NOT NULL
);
CREATE INDEX lots_project ON lots(project_id, seq);
CREATE INDEX lots_stage ON lots(stage);

CREATE TABLE lot_documents (
    id           BLOB PRIMARY KEY,
    lot_id       BLOB NOT NULL REFERENCES lots(id),
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    sm3          TEXT NOT NULL,
    published_by BLOB REFERENCES accounts(id),
    published_at TEXT NOT NULL
);
CREATE INDEX lot_documents_lot ON lot_documents(lot_id, published_at);

CREATE TABLE document_downloads (
    id          BLOB PRIMARY KEY,
    document_id BLOB NOT NULL REFERENCES lot_documents(id),
    lot_id      BLOB NOT NULL REFERENCES lots(id),
    entity_id   BLOB NOT NULL REFERENCES entities(id),
    account_id  BLOB NOT NULL REFERENCES accounts(id),
    address     TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX document_downloads_lot ON document_downloads(lot_id, entity_id);

CREATE TABLE prequal_applications (
    lot_id     BLOB NOT NULL REFERENCES lots(id),
    entity_id  BLOB NOT NULL REFERENCES entities(id),
    statement  TEXT NOT NULL,
    address    TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    passed     INTEGER,
    PRIMARY KEY (lot_id, entity_id)
);

CREATE TABLE objections (
    id         BLOB PRIMARY KEY,
    lot_id     BLOB NOT NULL REFERENCES lots(id),
    subject    TEXT NOT NULL,
    entity_id  BLOB REFERENCES entities(id),
    raised_by  BLOB NOT NULL REFERENCES accounts(id),
    text       TEXT NOT NULL,
    raised_at  TEXT NOT NULL,
    reply      TEXT,
    replied_by BLOB REFERENCES accounts(id),
    replied_at TEXT,
    in_time    INTEGER
);
CREATE INDEX objections_lot ON objections(lot_id, raised_at);

CREATE TABLE bids (
    id           BLOB PRIMARY KEY,
    lot_id       BLOB NOT NULL REFERENCES lots(id),
    bidder_id    BLOB NOT NULL REFERENCES entities(id),
    account_id   BLOB NOT NULL REFERENCES accounts(id),
    status       TEXT NOT NULL,
    receipt_no   TEXT NOT NULL CONSTRAINT bids_receipt_key UNIQUE,
    package_name TEXT NOT NULL,
    package_size INTEGER NOT NULL,
    package_sm3  TEXT NOT NULL,
    sealed_form  BLOB NOT NULL,
    bond         INTEGER NOT NULL,
    address      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    event_seq    INTEGER NOT NULL
);
CREATE UNIQUE INDEX bids_one_active ON bids(lot_id, bidder_id) WHERE status = 'active';
CREATE INDEX bids_lot ON bids(lot_id, received_at);

-- Written once by the opening, readable by the lot's bidders, parties and supervisors.
CREATE TABLE opening_records (
    lot_id    BLOB PRIMARY KEY REFERENCES lots(id),
    opened_at TEXT NOT NULL,
    record    TEXT NOT NULL
);

CREATE TABLE committee_members (
    lot_id       BLOB NOT NULL REFERENCES lots(id),
    account_id   BLOB NOT NULL REFERENCES accounts(id),
    member_kind  TEXT NOT NULL,
    assignment   TEXT NOT NULL,
    assigned_by  BLOB NOT NULL REFERENCES accounts(id),
    assigned_at  TEXT NOT NULL,
    sheet        TEXT,
    submitted_at TEXT,
    signed_at    TEXT,
    dissent      TEXT,
    PRIMARY KEY (lot_id, account_id)
);

CREATE TABLE evaluation_reports (
    lot_id      BLOB PRIMARY KEY REFERENCES lots(id),
    outcome     TEXT NOT NULL,
    reported_by BLOB NOT NULL REFERENCES accounts(id),
    reported_at TEXT NOT NULL
);

CREATE TABLE contracts (
    lot_id      BLOB PRIMARY KEY REFERENCES lots(id),
    winner_id   BLOB NOT NULL REFERENCES entities(id),
    amount      INTEGER NOT NULL,
    signed_on   DATE NOT NULL,
    recorded_by BLOB NOT NULL REFERENCES accounts(id),
    recorded_at TEXT NOT NULL
);

CREATE TABLE bond_refunds (
    lot_id      BLOB NOT NULL REFERENCES lots(id),
    bidder_id   BLOB NOT NULL REFERENCES entities(id),
    amount      INTEGER NOT NULL,
    due_on      DATE NOT NULL,
    refunded_on DATE,
    PRIMARY KEY (lot_id, bidder_id)
);

CREATE TABLE tendering_reports (
    lot_id       BLOB PRIMARY KEY REFERENCES lots(id),
    body         TEXT NOT NULL,
    submitted_by BLOB NOT NULL REFERENCES accounts(id),
    submitted_at TEXT NOT NULL
);

-- Messages pushed to an entity: clarifications to downloaders, award and result notices.
CREATE TABLE inbox (
    id         BLOB PRIMARY KEY,
    entity_id  BLOB NOT NULL REFERENCES entities(id),
    lot_id     BLOB REFERENCES lots(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX inbox_entity ON inbox(entity_id, created_at);

-- Side effects that happen at a time (opening at the deadline, end of publicity). A row fires once:
-- the runner claims it with `fired_at IS NULL` inside the transaction that does the work.
CREATE TABLE schedule (
    id       BLOB PRIMARY KEY,
    lot_id   BLOB NOT NULL REFERENCES lots(id),
    action   TEXT NOT NULL,
    due_at   TEXT NOT NULL,
    fired_at TEXT,
    outcome  TEXT
);
CREATE INDEX schedule_due ON schedule(fired_at, due_at);

ALTER TABLE notices ADD COLUMN lot_id BLOB REFERENCES lots(id);
