-- Supervisors' orders on a deal (责令暂停／恢复／改正／终止), each with its legal basis and published;
-- an order to correct waits for the principal's answer until its due time.
CREATE TABLE interventions (
    id           UUID PRIMARY KEY,
    lot_id       UUID NOT NULL REFERENCES lots(id),
    region_code  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    basis        TEXT NOT NULL,
    reason       TEXT NOT NULL,
    due_at       TIMESTAMPTZ,
    lifts        UUID REFERENCES interventions(id),
    issued_by    UUID NOT NULL REFERENCES accounts(id),
    issued_at    TIMESTAMPTZ NOT NULL,
    notice_id    UUID REFERENCES notices(id),
    answer       TEXT,
    answered_by  UUID REFERENCES accounts(id),
    answered_at  TIMESTAMPTZ,
    event_seq    BIGINT NOT NULL
);
CREATE INDEX interventions_lot ON interventions(lot_id, issued_at);

-- Reports of violations (举报) from the public, about a deal, a company, an expert, the centre's
-- staff or the centre itself, and from centre staff to the supervisor. Each is an alert case
-- (alerts.kind 'report'), so it is handled, escalated and answered like one; the reporter follows
-- it with its number and the secret given once at filing, stored only as a hash.
CREATE TABLE reports (
    id            UUID PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    region_code   TEXT NOT NULL,
    about         TEXT NOT NULL,
    deal_code     TEXT,
    accused       TEXT NOT NULL,
    facts         TEXT NOT NULL,
    reporter_kind TEXT NOT NULL,
    reporter_id   UUID REFERENCES accounts(id),
    reporter_name TEXT,
    contact       TEXT,
    secret_sm3    TEXT NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    alert_id      UUID NOT NULL REFERENCES alerts(id)
);
CREATE INDEX reports_alert ON reports(alert_id);
