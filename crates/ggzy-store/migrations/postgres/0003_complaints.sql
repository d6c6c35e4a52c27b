-- Complaints (投诉) to the supervising department, 条例 Art 60–61.
CREATE TABLE complaints (
    id           UUID PRIMARY KEY,
    lot_id       UUID NOT NULL REFERENCES lots(id),
    entity_id    UUID NOT NULL REFERENCES entities(id),
    filed_by     UUID NOT NULL REFERENCES accounts(id),
    objection_id UUID REFERENCES objections(id),
    text         TEXT NOT NULL,
    knew_on      DATE NOT NULL,
    filed_at     TIMESTAMPTZ NOT NULL,
    accept_due   DATE NOT NULL,
    decide_due   DATE NOT NULL,
    accepted     BOOLEAN,
    accepted_at  TIMESTAMPTZ,
    decision     TEXT,
    decided_by   UUID REFERENCES accounts(id),
    decided_at   TIMESTAMPTZ
);
CREATE INDEX complaints_lot ON complaints(lot_id, filed_at);
