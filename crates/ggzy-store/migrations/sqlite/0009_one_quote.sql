-- 一次报价 (#7): one sealed quote per qualified buyer of a state-property transfer, read by nobody
-- until the window closes (the log holds an SM3 commitment to each meanwhile). The grant's auction
-- row then only keeps the window and the paddles: `sealed` makes it refuse open bids.

CREATE TABLE grant_quotes (
    grant_id  BLOB NOT NULL REFERENCES grants(id),
    entity_id BLOB NOT NULL REFERENCES entities(id),
    paddle    INTEGER NOT NULL,
    amount    INTEGER NOT NULL,
    quoted_at TEXT NOT NULL,
    PRIMARY KEY (grant_id, entity_id)
);

ALTER TABLE auctions ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
