-- What the collusion indicators read from an opened bid beyond its row in bids (条例 Art 40; 87号令
-- Art 37): the declared bond account and contact person, and each file's hash and metadata.
CREATE TABLE bid_traces (
    bid_id        BLOB PRIMARY KEY REFERENCES bids(id),
    lot_id        BLOB NOT NULL REFERENCES lots(id),
    bond_account  TEXT,
    contact_name  TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    project_manager TEXT,
    price         INTEGER,
    price_error   INTEGER,
    files         TEXT NOT NULL
);
CREATE INDEX bid_traces_lot ON bid_traces(lot_id);

-- Alerts are cases: raised, acknowledged, under investigation, closed with a finding.
ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'raised';
ALTER TABLE alerts ADD COLUMN owner_id BLOB REFERENCES accounts(id);
ALTER TABLE alerts ADD COLUMN due_at TEXT;
ALTER TABLE alerts ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN finding TEXT;
ALTER TABLE alerts ADD COLUMN credit_record_id BLOB REFERENCES credit_records(id);
ALTER TABLE alerts ADD COLUMN closed_at TEXT;
ALTER TABLE alerts ADD COLUMN event_seq INTEGER;
CREATE INDEX alerts_open ON alerts(status, due_at);

CREATE TABLE alert_steps (
    alert_id  BLOB NOT NULL REFERENCES alerts(id),
    n         INTEGER NOT NULL,
    step      TEXT NOT NULL,
    actor_id  BLOB REFERENCES accounts(id),
    note      TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (alert_id, n)
);
