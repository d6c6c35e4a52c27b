-- Company credit (信用): records keyed by the credit code, whether or not the company is in this
-- platform's registry (the national lists name companies that never registered here). A record
-- is never deleted: an upheld objection revokes it, and it leaves public view when its
-- publication period ends; the log keeps every step.
CREATE TABLE credit_records (
    id              UUID PRIMARY KEY,
    uscc            TEXT NOT NULL,
    entity_name     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    ground          TEXT,
    major           BOOLEAN NOT NULL DEFAULT FALSE,
    -- Where the record came from: this platform's supervisor, or an imported list.
    source          TEXT NOT NULL,
    decision_no     TEXT NOT NULL,
    authority       TEXT NOT NULL,
    basis           TEXT NOT NULL,
    facts           TEXT NOT NULL,
    decided_on      DATE NOT NULL,
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ,
    published_until DATE,
    status          TEXT NOT NULL DEFAULT 'active',
    -- Log events a platform finding rests on, as a JSON array of sequence numbers.
    evidence        TEXT NOT NULL DEFAULT '[]',
    region_code     TEXT NOT NULL REFERENCES regions(code),
    recorded_by     UUID REFERENCES accounts(id),
    recorded_at     TIMESTAMPTZ NOT NULL,
    event_seq       BIGINT NOT NULL,
    CONSTRAINT credit_records_decision UNIQUE (source, decision_no, uscc, kind)
);
CREATE INDEX credit_records_uscc ON credit_records(uscc, status);
CREATE INDEX credit_records_public ON credit_records(kind, status, starts_at);

-- When each company was checked for which trade, at which point of participation, and what the
-- check found (财库〔2016〕125号: the check and its record at each procurement's deadline).
CREATE TABLE credit_checks (
    id          UUID PRIMARY KEY,
    uscc        TEXT NOT NULL,
    trade       TEXT NOT NULL,
    point       TEXT NOT NULL,
    deal_code   TEXT NOT NULL,
    checked_for TIMESTAMPTZ NOT NULL,
    checked_at  TIMESTAMPTZ NOT NULL,
    record_id   UUID REFERENCES credit_records(id),
    CONSTRAINT credit_checks_once UNIQUE (uscc, point, deal_code, checked_for)
);
CREATE INDEX credit_checks_deal ON credit_checks(deal_code, point);
