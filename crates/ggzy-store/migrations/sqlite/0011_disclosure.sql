-- Disclosure (信息公开): the catalogue admins maintain, and notices that are found by their words,
-- tied to their deal and to the log, and fed to the public in the order they were published.

CREATE TABLE notice_kinds (
    trade_kind   TEXT NOT NULL,
    code         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    name_zh      TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    content      TEXT NOT NULL,
    moment_zh    TEXT NOT NULL,
    moment_en    TEXT NOT NULL,
    min_days     INTEGER,
    working_days BOOLEAN NOT NULL,
    basis        TEXT NOT NULL,
    confidence   TEXT NOT NULL,
    updated_by   BLOB REFERENCES accounts(id),
    updated_at   TEXT,
    PRIMARY KEY (trade_kind, code)
);

-- seq is the seq of the notice's `notice.published` event: the feed's order and its log proof.
-- Notices published before this migration get negative numbers, oldest first.
ALTER TABLE notices ADD COLUMN seq INTEGER;
ALTER TABLE notices ADD COLUMN deal_code TEXT;
ALTER TABLE notices ADD COLUMN grant_id BLOB REFERENCES grants(id);
ALTER TABLE notices ADD COLUMN amount INTEGER;
ALTER TABLE notices ADD COLUMN principal_id BLOB REFERENCES entities(id);
ALTER TABLE notices ADD COLUMN winner_id BLOB REFERENCES entities(id);
ALTER TABLE notices ADD COLUMN corrects BLOB REFERENCES notices(id);
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

-- The words were cut by jieba when the notice was published; the index keeps only the words
-- (contentless) and is filled by the triggers, so it commits with the notice.
CREATE VIRTUAL TABLE notice_search USING fts5(terms, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TRIGGER notices_search_insert AFTER INSERT ON notices WHEN new.terms <> '' BEGIN
    INSERT INTO notice_search(rowid, terms) VALUES (new.seq, new.terms);
END;
CREATE TRIGGER notices_search_terms AFTER UPDATE OF terms ON notices WHEN old.terms = '' AND new.terms <> '' BEGIN
    INSERT INTO notice_search(rowid, terms) VALUES (new.seq, new.terms);
END;
