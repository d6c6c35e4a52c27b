-- Construction tendering (#3): projects and lots with their pinned rule pack and procedure state,
-- documents and downloads, objections, bids (sealed at rest), opening, evaluation, award, contract,
-- bond refunds, the inbox that pushes clarifications, and the persisted schedule.

CREATE TABLE projects (
    id                  UUID PRIMARY KEY,
    trade_code          TEXT NOT NULL CONSTRAINT projects_trade_code_key UNIQUE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    principal_id        UUID NOT NULL REFERENCES entities(id),
    agency_id           UUID REFERENCES entities(id),
    region_code         TEXT NOT NULL REFERENCES regions(code),
    supervising_department TEXT NOT NULL,
    total_investment    BIGINT NOT NULL,
    state_budget        BIGINT NOT NULL,
    state_owned_leading BOOLEAN NOT NULL,
    international       BOOLEAN NOT NULL,
    pack_version        TEXT NOT NULL,
    created_by          UUID NOT NULL REFERENCES accounts(id),
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX projects_region ON projects(region_code, created_at);

-- The sequence part of 统一交易标识码: per kind, principal and day.
CREATE TABLE trade_code_seq (
    prefix TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

CREATE TABLE lots (
    id                      UUID PRIMARY KEY,
    project_id              UUID NOT NULL REFERENCES projects(id),
    seq                     INTEGER NOT NULL,
    trade_code              TEXT NOT NULL CONSTRAINT lots_trade_code_key UNIQUE,
    name                    TEXT NOT NULL,
    category                TEXT NOT NULL,
    estimated_price         BIGINT NOT NULL,
    bid_bond                BIGINT NOT NULL,
    max_price               BIGINT,
    procedure_kind          TEXT NOT NULL,
    invited_ground          TEXT,
    must_tender             BOOLEAN NOT NULL,
    state_funds_controlling BOOLEAN NOT NULL,
    assessment              TEXT NOT NULL,
    method                  TEXT NOT NULL,
    stage                   TEXT NOT NULL,
    state                   TEXT NOT NULL,
    bid_deadline            TIMESTAMPTZ,
    retender_of             UUID REFERENCES lots(id),
    updated_at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX lots_project ON lots(project_id, seq);
CREATE INDEX lots_stage ON lots(stage);

CREATE TABLE lot_documents (
    id           UUID PRIMARY KEY,
    lot_id       UUID NOT NULL REFERENCES lots(id),
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    sm3          TEXT NOT NULL,
    published_by UUID REFERENCES accounts(id),
    published_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX lot_documents_lot ON lot_documents(lot_id, published_at);

CREATE TABLE document_downloads (
    id          UUID PRIMARY KEY,
    document_id UUID NOT NULL REFERENCES lot_documents(id),
    lot_id      UUID NOT NULL REFERENCES lots(id),
    entity_id   UUID NOT NULL REFERENCES entities(id),
    account_id  UUID NOT NULL REFERENCES accounts(id),
    address     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX document_downloads_lot ON document_downloads(lot_id, entity_id);

CREATE TABLE prequal_applications (
    lot_id     UUID NOT NULL REFERENCES lots(id),
    entity_id  UUID NOT NULL REFERENCES entities(id),
    statement  TEXT NOT NULL,
    address    TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    passed     BOOLEAN,
    PRIMARY KEY (lot_id, entity_id)
);

CREATE TABLE objections (
    id         UUID PRIMARY KEY,
    lot_id     UUID NOT NULL REFERENCES lots(id),
    subject    TEXT NOT NULL,
    entity_id  UUID REFERENCES entities(id),
    raised_by  UUID NOT NULL REFERENCES accounts(id),
    text       TEXT NOT NULL,
    raised_at  TIMESTAMPTZ NOT NULL,
    reply      TEXT,
    replied_by UUID REFERENCES accounts(id),
    replied_at TIMESTAMPTZ,
    in_time    BOOLEAN
);
CREATE INDEX objections_lot ON objections(lot_id, raised_at);

CREATE TABLE bids (
    id           UUID PRIMARY KEY,
    lot_id       UUID NOT NULL REFERENCES lots(id),
    bidder_id    UUID NOT NULL REFERENCES entities(id),
    account_id   UUID NOT NULL REFERENCES accounts(id),
    status       TEXT NOT NULL,
    receipt_no   TEXT NOT NULL CONSTRAINT bids_receipt_key UNIQUE,
    package_name TEXT NOT NULL,
    package_size BIGINT NOT NULL,
    package_sm3  TEXT NOT NULL,
    sealed_form  BYTEA NOT NULL,
    bond         BIGINT NOT NULL,
    address      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    event_seq    BIGINT NOT NULL
);
CREATE UNIQUE INDEX bids_one_active ON bids(lot_id, bidder_id) WHERE status = 'active';
CREATE INDEX bids_lot ON bids(lot_id, received_at);

-- Written once by the opening, readable by the lot's bidders, parties and supervisors.
CREATE TABLE opening_records (
    lot_id    UUID PRIMARY KEY REFERENCES lots(id),
    opened_at TIMESTAMPTZ NOT NULL,
    record    TEXT NOT NULL
);

CREATE TABLE committee_members (
    lot_id       UUID NOT NULL REFERENCES lots(id),
    account_id   UUID NOT NULL REFERENCES accounts(id),
    member_kind  TEXT NOT NULL,
    assignment   TEXT NOT NULL,
    assigned_by  UUID NOT NULL REFERENCES accounts(id),
    assigned_at  TIMESTAMPTZ NOT NULL,
    sheet        TEXT,
    submitted_at TIMESTAMPTZ,
    signed_at    TIMESTAMPTZ,
    dissent      TEXT,
    PRIMARY KEY (lot_id, account_id)
);

CREATE TABLE evaluation_reports (
    lot_id      UUID PRIMARY KEY REFERENCES lots(id),
    outcome     TEXT NOT NULL,
    reported_by UUID NOT NULL REFERENCES accounts(id),
    reported_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE contracts (
    lot_id      UUID PRIMARY KEY REFERENCES lots(id),
    winner_id   UUID NOT NULL REFERENCES entities(id),
    amount      BIGINT NOT NULL,
    signed_on   DATE NOT NULL,
    recorded_by UUID NOT NULL REFERENCES accounts(id),
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE bond_refunds (
    lot_id      UUID NOT NULL REFERENCES lots(id),
    bidder_id   UUID NOT NULL REFERENCES entities(id),
    amount      BIGINT NOT NULL,
    due_on      DATE NOT NULL,
    refunded_on DATE,
    PRIMARY KEY (lot_id, bidder_id)
);

CREATE TABLE tendering_reports (
    lot_id       UUID PRIMARY KEY REFERENCES lots(id),
    body         TEXT NOT NULL,
    submitted_by UUID NOT NULL REFERENCES accounts(id),
    submitted_at TIMESTAMPTZ NOT NULL
);

-- Messages pushed to an entity: clarifications to downloaders, award and result notices.
CREATE TABLE inbox (
    id         UUID PRIMARY KEY,
    entity_id  UUID NOT NULL REFERENCES entities(id),
    lot_id     UUID REFERENCES lots(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX inbox_entity ON inbox(entity_id, created_at);

-- Side effects that happen at a time (opening at the deadline, end of publicity). A row fires once:
-- the runner claims it with `fired_at IS NULL` inside the transaction that does the work.
CREATE TABLE schedule (
    id       UUID PRIMARY KEY,
    lot_id   UUID NOT NULL REFERENCES lots(id),
    action   TEXT NOT NULL,
    due_at   TIMESTAMPTZ NOT NULL,
    fired_at TIMESTAMPTZ,
    outcome  TEXT
);
CREATE INDEX schedule_due ON schedule(fired_at, due_at);

ALTER TABLE notices ADD COLUMN lot_id UUID REFERENCES lots(id);
