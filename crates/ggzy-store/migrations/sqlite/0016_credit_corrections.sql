-- A company's objection (异议) to one of its credit records, or its request for credit repair
-- (信用修复), and the department's decision. One of each kind is pending per record at a time.
CREATE TABLE credit_corrections (
    id              BLOB PRIMARY KEY,
    record_id       BLOB NOT NULL REFERENCES credit_records(id),
    uscc            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    -- A repair comes with the company's credit commitment (信用承诺).
    commitment      INTEGER NOT NULL DEFAULT 0,
    filed_by        BLOB NOT NULL REFERENCES accounts(id),
    filed_at        TEXT NOT NULL,
    due_on          DATE NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    decided_by      BLOB REFERENCES accounts(id),
    decided_at      TEXT,
    decision_reason TEXT,
    filed_seq       INTEGER NOT NULL,
    decided_seq     INTEGER
);
CREATE UNIQUE INDEX credit_corrections_one_pending ON credit_corrections(record_id, kind) WHERE state = 'pending';
CREATE INDEX credit_corrections_uscc ON credit_corrections(uscc, filed_at);
CREATE INDEX credit_corrections_state ON credit_corrections(state, due_on);
