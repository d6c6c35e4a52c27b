-- Land-use, mining-right and state-property trades (#7): the grant with its announcement, terms
-- and result; applications with their deposit sub-accounts, admission and refunds; and the bank
-- statement lines the deposits were matched from. The bidding itself is `auctions`.

CREATE TABLE grants (
    id                   BLOB PRIMARY KEY,
    no                   INTEGER NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions(code),
    trade_kind           TEXT NOT NULL,
    method               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    details              TEXT NOT NULL,
    pack_version         TEXT NOT NULL,
    deposit              INTEGER NOT NULL,
    announced_at         TEXT NOT NULL,
    apply_until          TEXT NOT NULL,
    auction_id           BLOB NOT NULL REFERENCES auctions(id),
    final_auction_id     BLOB REFERENCES auctions(id),
    state                TEXT NOT NULL,
    winner_entity_id     BLOB REFERENCES entities(id),
    price                INTEGER,
    closed_at            TEXT,
    outcome              TEXT,
    confirm_by           DATE,
    confirmed_at         TEXT,
    confirmation         TEXT,
    result_by            DATE,
    result_published_at  TEXT,
    created_by           BLOB NOT NULL REFERENCES accounts(id),
    created_at           TEXT NOT NULL,
    CONSTRAINT grants_no_key UNIQUE (no)
);
CREATE INDEX grants_state ON grants(state);

CREATE TABLE grant_applications (
    grant_id         BLOB NOT NULL REFERENCES grants(id),
    entity_id        BLOB NOT NULL REFERENCES entities(id),
    seq              INTEGER NOT NULL,
    account_no       TEXT NOT NULL,
    applied_at       TEXT NOT NULL,
    status           TEXT NOT NULL,
    reason           TEXT,
    reviewed_by      BLOB REFERENCES accounts(id),
    reviewed_at      TEXT,
    received         INTEGER NOT NULL DEFAULT 0,
    received_on      DATE,
    paddle           INTEGER,
    go_on            INTEGER NOT NULL DEFAULT 0,
    refund_due       DATE,
    refunded_on      DATE,
    applied_to_price INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grant_id, entity_id),
    CONSTRAINT grant_applications_account_key UNIQUE (account_no)
);

CREATE TABLE bank_credits (
    id            BLOB PRIMARY KEY,
    bank_ref      TEXT NOT NULL,
    booked_on     DATE NOT NULL,
    amount        INTEGER NOT NULL,
    payer_name    TEXT NOT NULL,
    payer_account TEXT NOT NULL,
    account_no    TEXT NOT NULL,
    grant_id      BLOB REFERENCES grants(id),
    entity_id     BLOB REFERENCES entities(id),
    matched       TEXT NOT NULL,
    imported_by   BLOB NOT NULL REFERENCES accounts(id),
    imported_at   TEXT NOT NULL,
    CONSTRAINT bank_credits_ref_key UNIQUE (bank_ref)
);
