-- Land-use, mining-right and state-property trades (#7): the grant with its announcement, terms
-- and result; applications with their deposit sub-accounts, admission and refunds; and the bank
-- statement lines the deposits were matched from. The bidding itself is `auctions`.

CREATE TABLE grants (
    id                   UUID PRIMARY KEY,
    no                   BIGINT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions(code),
    trade_kind           TEXT NOT NULL,
    method               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    details              TEXT NOT NULL,
    pack_version         TEXT NOT NULL,
    deposit              BIGINT NOT NULL,
    announced_at         TIMESTAMPTZ NOT NULL,
    apply_until          TIMESTAMPTZ NOT NULL,
    auction_id           UUID NOT NULL REFERENCES auctions(id),
    final_auction_id     UUID REFERENCES auctions(id),
    state                TEXT NOT NULL,
    winner_entity_id     UUID REFERENCES entities(id),
    price                BIGINT,
    closed_at            TIMESTAMPTZ,
    outcome              TEXT,
    confirm_by           DATE,
    confirmed_at         TIMESTAMPTZ,
    confirmation         TEXT,
    result_by            DATE,
    result_published_at  TIMESTAMPTZ,
    created_by           UUID NOT NULL REFERENCES accounts(id),
    created_at           TIMESTAMPTZ NOT NULL,
    CONSTRAINT grants_no_key UNIQUE (no)
);
CREATE INDEX grants_state ON grants(state);

CREATE TABLE grant_applications (
    grant_id         UUID NOT NULL REFERENCES grants(id),
    entity_id        UUID NOT NULL REFERENCES entities(id),
    seq              BIGINT NOT NULL,
    account_no       TEXT NOT NULL,
    applied_at       TIMESTAMPTZ NOT NULL,
    status           TEXT NOT NULL,
    reason           TEXT,
    reviewed_by      UUID REFERENCES accounts(id),
    reviewed_at      TIMESTAMPTZ,
    received         BIGINT NOT NULL DEFAULT 0,
    received_on      DATE,
    paddle           BIGINT,
    go_on            BIGINT NOT NULL DEFAULT 0,
    refund_due       DATE,
    refunded_on      DATE,
    applied_to_price BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grant_id, entity_id),
    CONSTRAINT grant_applications_account_key UNIQUE (account_no)
);

CREATE TABLE bank_credits (
    id            UUID PRIMARY KEY,
    bank_ref      TEXT NOT NULL,
    booked_on     DATE NOT NULL,
    amount        BIGINT NOT NULL,
    payer_name    TEXT NOT NULL,
    payer_account TEXT NOT NULL,
    account_no    TEXT NOT NULL,
    grant_id      UUID REFERENCES grants(id),
    entity_id     UUID REFERENCES entities(id),
    matched       TEXT NOT NULL,
    imported_by   UUID NOT NULL REFERENCES accounts(id),
    imported_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT bank_credits_ref_key UNIQUE (bank_ref)
);
