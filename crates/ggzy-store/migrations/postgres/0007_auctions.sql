-- Online auctions (#7, first part): one row per auction with its rules (the reserve among them,
-- never served before the end) and folded state, the admitted bidders with their anonymous
-- paddle numbers, and every accepted bid — durable before it is acknowledged, one per price, a
-- retry with the same idempotency key finding the bid it already made.

CREATE TABLE auctions (
    id          UUID PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,
    trade_kind  TEXT NOT NULL,
    rules       TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_by  UUID NOT NULL REFERENCES accounts(id),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE auction_bidders (
    auction_id  UUID NOT NULL REFERENCES auctions(id),
    entity_id   UUID NOT NULL REFERENCES entities(id),
    paddle      BIGINT NOT NULL,
    admitted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (auction_id, entity_id),
    CONSTRAINT auction_bidders_paddle_key UNIQUE (auction_id, paddle)
);

CREATE TABLE auction_bids (
    auction_id      UUID NOT NULL REFERENCES auctions(id),
    seq             BIGINT NOT NULL,
    paddle          BIGINT NOT NULL,
    entity_id       UUID NOT NULL REFERENCES entities(id),
    amount          BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    accepted_at     TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (auction_id, seq),
    CONSTRAINT auction_bids_amount_key UNIQUE (auction_id, amount),
    CONSTRAINT auction_bids_idempotency_key UNIQUE (auction_id, entity_id, idempotency_key)
);
