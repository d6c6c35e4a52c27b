-- Complaints (投诉) to the supervising department, 条例 Art 60–61.
CREATE TABLE complaints (
    id           BLOB PRIMARY KEY,
    lot_id       BLOB NOT NULL REFERENCES lots(id),
    entity_id    BLOB NOT NULL REFERENCES entities(id),
    filed_by     BLOB NOT NULL REFERENCES accounts(id),
    objection_id BLOB REFERENCES objections(id),
    text         TEXT NOT NULL,
    knew_on      DATE NOT NULL,
    filed_at     TEXT NOT NULL,
    accept_due   DATE NOT NULL,
    decide_due   DATE NOT NULL,
    accepted     INTEGER,
    accepted_at  TEXT,
    decision     TEXT,
    decided_by   BLOB REFERENCES accounts(id),
    decided_at   TEXT
);
CREATE INDEX complaints_lot ON complaints(lot_id, filed_at);
