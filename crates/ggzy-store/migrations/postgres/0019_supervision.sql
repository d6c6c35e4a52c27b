-- What the collusion indicators read from an opened bid beyond its row in bids (条例 Art 40; 87号令
-- Art 37): the declared bond account and contact person, and each file's hash and metadata.
CREATE TABLE bid_traces (
    bid_id        UUID PRIMARY KEY REFERENCES bids(id),
    lot_id        UUID NOT NULL REFERENCES lots(id),
    bond_account  TEXT,
    contact_name  TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    project_manager TEXT,
    price         BIGINT,
    price_error   BIGINT,
    files         TEXT NOT NULL
);
CREATE INDEX bid_traces_lot ON bid_traces(lot_id);

-- Alerts are cases: raised, acknowledged, under investigation, closed with a finding.
ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'raised';
ALTER TABLE alerts ADD COLUMN owner_id UUID REFERENCES accounts(id);
ALTER TABLE alerts ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN finding TEXT;
ALTER TABLE alerts ADD COLUMN credit_record_id UUID REFERENCES credit_records(id);
ALTER TABLE alerts ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN event_seq BIGINT;
CREATE INDEX alerts_open ON alerts(status, due_at);

CREATE TABLE alert_steps (
    alert_id  UUID NOT NULL REFERENCES alerts(id),
    n         INTEGER NOT NULL,
    step      TEXT NOT NULL,
    actor_id  UUID REFERENCES accounts(id),
    note      TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, n)
);
