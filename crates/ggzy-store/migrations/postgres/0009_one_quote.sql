-- 一次报价 (#7): one sealed quote per qualified buyer of a state-property transfer, read by nobody
-- until the window closes (the log holds an SM3 commitment to each meanwhile). The grant's auction
-- row then only keeps the window and the paddles: `sealed` makes it refuse open bids.

CREATE TABLE grant_quotes (
    grant_id  UUID NOT NULL REFERENCES grants(id),
    entity_id UUID NOT NULL REFERENCES entities(id),
    paddle    BIGINT NOT NULL,
    amount    BIGINT NOT NULL,
    quoted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (grant_id, entity_id)
);

ALTER TABLE auctions ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
