-- A state-property transfer that hands over control is pre-disclosed (信息预披露) within 10 working
-- days of its approval and for at least 20 before the formal announcement (32号令 Art 13). The
-- pre-disclosure has its own deal code; the announcement that follows names it once, and from
-- then on each deal's timeline shows the other's notices.
CREATE TABLE pre_disclosures (
    id          BLOB PRIMARY KEY,
    no          INTEGER NOT NULL UNIQUE,
    code        TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL REFERENCES regions(code),
    name        TEXT NOT NULL,
    approved_on DATE NOT NULL,
    published_at TEXT NOT NULL,
    notice_id   BLOB NOT NULL REFERENCES notices(id),
    grant_id    BLOB UNIQUE REFERENCES grants(id),
    grant_code  TEXT UNIQUE,
    created_by  BLOB NOT NULL REFERENCES accounts(id)
);
CREATE INDEX pre_disclosures_region ON pre_disclosures(region_code, grant_id);
