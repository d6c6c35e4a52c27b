-- Online auctions (#7, first part): one row per auction with its rules (the reserve among them,
-- never served before the end) and folded state, the admitted bidders with their anonymous
-- paddle numbers, and every accepted bid — durable before it is acknowledged, one per price, a
-- retry with the same idempotency key finding the bid it already made.

CREATE TABLE auctions (
    id          BLOB PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,
    trade_kind  TEXT NOT NULL,
    rules       TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_by  BLOB NOT NULL REFERENCES accounts(id),
    created_at  TEXT NOT NULL
);

CREATE TABLE auction_bidders (
    auction_id  BLOB NOT NULL REFERENCES auctions(id),
    entity_id   BLOB NOT NULL REFERENCES entities(id),
    paddle      INTEGER NOT NULL,
    admitted_at TEXT NOT NULL,
    PRIMARY KEY (auction_id, entity_id),
    CONSTRAINT auction_bidders_paddle_key UNIQUE (auction_id, paddle)
);

CREATE TABLE auction_bids (
    auction_id      BLOB NOT NULL REFERENCES auctions(id),
    seq             INTEGER NOT NULL,
    paddle          INTEGER NOT NULL,
    entity_id       BLOB NOT NULL REFERENCES entities(id),
    amount          INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    accepted_at     TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    PRIMARY KEY (auction_id, seq),
    CONSTRAINT auction_bids_amount_key UNIQUE (auction_id, amount),
    CONSTRAINT auction_bids_idempotency_key UNIQUE (auction_id, entity_id, idempotency_key)
);
