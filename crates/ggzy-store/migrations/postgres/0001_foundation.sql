-- Foundation: regions, entities, accounts, sessions, the event log, calendar.
-- Times are TIMESTAMPTZ (UTC), money is BIGINT fen, ids are UUIDv7.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE entities (
    id                   UUID PRIMARY KEY,
    uscc                 TEXT NOT NULL CONSTRAINT entities_uscc_key UNIQUE,
    name                 TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    legal_representative TEXT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions(code),
    address              TEXT,
    contact_name         TEXT NOT NULL,
    contact_phone        TEXT NOT NULL,
    contact_email        TEXT,
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX entities_name ON entities(name);

CREATE TABLE qualifications (
    id             UUID PRIMARY KEY,
    entity_id      UUID NOT NULL REFERENCES entities(id),
    name           TEXT NOT NULL,
    grade          TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    valid_from     DATE NOT NULL,
    valid_until    DATE NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX qualifications_entity ON qualifications(entity_id);

CREATE TABLE accounts (
    id            UUID PRIMARY KEY,
    username      TEXT NOT NULL CONSTRAINT accounts_username_key UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    entity_id     UUID REFERENCES entities(id),
    region_code   TEXT NOT NULL REFERENCES regions(code),
    totp_secret   TEXT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX accounts_entity ON accounts(entity_id);

CREATE TABLE role_grants (
    account_id  UUID NOT NULL REFERENCES accounts(id),
    role        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions(code),
    granted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, role, region_code)
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  UUID NOT NULL REFERENCES accounts(id),
    address     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    id          UUID NOT NULL UNIQUE,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    UUID,
    actor_role  TEXT NOT NULL,
    address     TEXT NOT NULL,
    region_code TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX events_subject ON events(subject);

-- One row: the last sequence number and hash. Appending updates it first, which serialises
-- appenders on its row lock and keeps the chain gapless.
CREATE TABLE event_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO event_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE platform_keys (
    key_id     TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tree_heads (
    size      BIGINT PRIMARY KEY,
    root      TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL,
    key_id    TEXT NOT NULL REFERENCES platform_keys(key_id),
    signature TEXT NOT NULL
);

CREATE TABLE calendar_days (
    day  DATE PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL
);

-- Filled by the trading capabilities; the portal lists the latest per trade kind.
CREATE TABLE notices (
    id           UUID PRIMARY KEY,
    trade_kind   TEXT NOT NULL,
    notice_kind  TEXT NOT NULL,
    title        TEXT NOT NULL,
    region_code  TEXT NOT NULL REFERENCES regions(code),
    body         TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_kind_time ON notices(trade_kind, published_at);
