-- Disclosure (信息公开): the catalogue admins maintain, and notices that are found by their words,
-- tied to their deal and to the log, and fed to the public in the order they were published.

CREATE TABLE notice_kinds (
    trade_kind   TEXT NOT NULL,
    code         TEXT NOT NULL,
    position     BIGINT NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    content      TEXT NOT NULL,
    moment_zh    TEXT NOT NULL,
    moment_en    TEXT NOT NULL,
    min_days     BIGINT,
    working_days BOOLEAN NOT NULL,
    basis        TEXT NOT NULL,
    confidence   TEXT NOT NULL,
    updated_by   UUID REFERENCES accounts(id),
    updated_at   TIMESTAMPTZ,
    PRIMARY KEY (trade_kind, code)
);

-- seq is the seq of the notice's `notice.published` event: the feed's order and its log proof.
-- Notices published before this migration get negative numbers, oldest first.
ALTER TABLE notices ADD COLUMN seq BIGINT;
ALTER TABLE notices ADD COLUMN deal_code TEXT;
ALTER TABLE notices ADD COLUMN grant_id UUID REFERENCES grants(id);
ALTER TABLE notices ADD COLUMN amount BIGINT;
ALTER TABLE notices ADD COLUMN principal_id UUID REFERENCES entities(id);
ALTER TABLE notices ADD COLUMN winner_id UUID REFERENCES entities(id);
ALTER TABLE notices ADD COLUMN corrects UUID REFERENCES notices(id);
ALTER TABLE notices ADD COLUMN terms TEXT NOT NULL DEFAULT '';
UPDATE notices SET seq = -x.rn
  FROM (SELECT id, row_number() OVER (ORDER BY published_at DESC, id DESC) AS rn FROM notices) x
 WHERE x.id = notices.id;
UPDATE notices SET deal_code = (SELECT trade_code FROM lots WHERE lots.id = notices.lot_id)
 WHERE lot_id IS NOT NULL;
CREATE UNIQUE INDEX notices_seq ON notices(seq);
CREATE INDEX notices_deal ON notices(deal_code, seq);
CREATE INDEX notices_time ON notices(published_at);
CREATE INDEX notices_winner ON notices(winner_id);
CREATE INDEX notices_principal ON notices(principal_id);

-- The words were cut by jieba when the notice was published; 'simple' only lower-cases them.
ALTER TABLE notices ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED;
CREATE INDEX notices_tsv ON notices USING GIN (tsv);
