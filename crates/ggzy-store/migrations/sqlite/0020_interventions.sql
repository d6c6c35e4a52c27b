-- Supervisors' orders on a deal (责令暂停／恢复／改正／终止), each with its legal basis and published;
-- an order to correct waits for the principal's answer until its due time.
CREATE TABLE interventions (
    id           BLOB PRIMARY KEY,
    lot_id       BLOB NOT NULL REFERENCES lots(id),
    region_code  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    basis        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    due_at       TEXT,
    lifts        BLOB REFERENCES interventions(id),
    issued_by    BLOB NOT NULL REFERENCES accounts(id),
    issued_at    TEXT NOT NULL,
    notice_id    BLOB REFERENCES notices(id),
    answer       TEXT,
    answered_by  BLOB REFERENCES accounts(id),
    answered_at  TEXT,
    event_seq    INTEGER NOT NULL
);
CREATE INDEX interventions_lot ON interventions(lot_id, issued_at);

-- Reports of violations (举报) from the public, about a deal, a company, an expert, the centre's
-- staff or the centre itself, and from centre staff to the supervisor. Each is an alert case
-- (alerts.kind 'report'), so it is handled, escalated and answered like one; the reporter follows
-- it with its number and the secret given once at filing, stored only as a hash.
CREATE TABLE reports (
    id            BLOB PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    region_code   TEXT NOT NULL,
    about         TEXT NOT NULL,
    deal_code     TEXT,
    accused       TEXT NOT NULL,
    facts         TEXT NOT NULL,
    reporter_kind TEXT NOT NULL,
    reporter_id   BLOB REFERENCES accounts(id),
    reporter_name TEXT,
    contact       TEXT,
    secret_sm3    TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    alert_id      BLOB NOT NULL REFERENCES alerts(id)
);
CREATE INDEX reports_alert ON reports(alert_id);
