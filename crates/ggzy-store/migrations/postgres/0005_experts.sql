-- The expert pool (专家库), verifiable draws, confirmation, online-evaluation extras and expert credit.
CREATE TABLE specialties (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE experts (
    id              UUID PRIMARY KEY,
    account_id      UUID NOT NULL UNIQUE REFERENCES accounts(id),
    name            TEXT NOT NULL,
    id_number_sm3   TEXT NOT NULL,
    birth_date      DATE NOT NULL,
    title           TEXT NOT NULL,
    senior_title    BOOLEAN NOT NULL,
    practice_years  BIGINT NOT NULL,
    employer_uscc   TEXT,
    employer_name   TEXT,
    department_uscc TEXT,
    region_code     TEXT NOT NULL REFERENCES regions(code),
    phone           TEXT NOT NULL,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL,
    status_reason   TEXT,
    dishonest       BOOLEAN NOT NULL,
    dishonest_checked_at TIMESTAMPTZ,
    recommended_by  UUID REFERENCES entities(id),
    applied_at      TIMESTAMPTZ NOT NULL,
    vetted_by       UUID REFERENCES accounts(id),
    vetted_at       TIMESTAMPTZ
);
CREATE INDEX experts_status ON experts(status, region_code);

CREATE TABLE expert_specialties (
    expert_id UUID NOT NULL REFERENCES experts(id),
    code      TEXT NOT NULL,
    PRIMARY KEY (expert_id, code)
);
CREATE INDEX expert_specialties_code ON expert_specialties(code, expert_id);

-- Former employers (with the day the expert left) and declared conflicts: credit codes.
CREATE TABLE expert_ties (
    expert_id UUID NOT NULL REFERENCES experts(id),
    kind      TEXT NOT NULL,
    uscc      TEXT NOT NULL,
    note      TEXT NOT NULL,
    left_on   DATE,
    PRIMARY KEY (expert_id, kind, uscc)
);

CREATE TABLE expert_unavailability (
    id         UUID PRIMARY KEY,
    expert_id  UUID NOT NULL REFERENCES experts(id),
    from_day   DATE NOT NULL,
    until_day  DATE NOT NULL,
    reason     TEXT NOT NULL
);
CREATE INDEX expert_unavailability_expert ON expert_unavailability(expert_id);

CREATE TABLE expert_bans (
    id          UUID PRIMARY KEY,
    expert_id   UUID NOT NULL REFERENCES experts(id),
    from_day    DATE NOT NULL,
    until_day   DATE,
    scope       TEXT NOT NULL,
    regulation  TEXT NOT NULL,
    article     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_by UUID NOT NULL REFERENCES accounts(id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX expert_bans_expert ON expert_bans(expert_id);

CREATE TABLE expert_misconduct (
    id           UUID PRIMARY KEY,
    expert_id    UUID NOT NULL REFERENCES experts(id),
    lot_id       UUID REFERENCES lots(id),
    on_day       DATE NOT NULL,
    points       BIGINT NOT NULL,
    regulation   TEXT NOT NULL,
    article      TEXT NOT NULL,
    description  TEXT NOT NULL,
    voids_scores BOOLEAN NOT NULL,
    recorded_by  UUID NOT NULL REFERENCES accounts(id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX expert_misconduct_expert ON expert_misconduct(expert_id);

CREATE TABLE expert_ratings (
    lot_id     UUID NOT NULL REFERENCES lots(id),
    expert_id  UUID NOT NULL REFERENCES experts(id),
    rater_side TEXT NOT NULL,
    rated_by   UUID NOT NULL REFERENCES accounts(id),
    stars      BIGINT NOT NULL,
    comment    TEXT NOT NULL,
    rated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lot_id, expert_id, rater_side)
);

CREATE TABLE fee_standards (
    region_code      TEXT PRIMARY KEY REFERENCES regions(code),
    per_session      BIGINT NOT NULL,
    session_hours    BIGINT NOT NULL,
    remote_allowance BIGINT NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE expert_fees (
    lot_id      UUID NOT NULL REFERENCES lots(id),
    expert_id   UUID NOT NULL REFERENCES experts(id),
    amount      BIGINT NOT NULL,
    basis       TEXT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    paid_at     TIMESTAMPTZ,
    PRIMARY KEY (lot_id, expert_id)
);

-- One draw per lot; redraws are further rounds with their own seed and snapshot.
CREATE TABLE expert_draws (
    id              UUID PRIMARY KEY,
    lot_id          UUID NOT NULL UNIQUE REFERENCES lots(id),
    region_code     TEXT NOT NULL,
    requested_by    UUID NOT NULL REFERENCES accounts(id),
    requested_at    TIMESTAMPTZ NOT NULL,
    evaluation_on   DATE NOT NULL,
    reply_within_minutes BIGINT NOT NULL,
    scope           TEXT NOT NULL,
    group_spec      TEXT NOT NULL,
    representatives TEXT NOT NULL,
    status          TEXT NOT NULL,
    formed_at       TIMESTAMPTZ,
    revealed_at     TIMESTAMPTZ
);

CREATE TABLE draw_rounds (
    draw_id      UUID NOT NULL REFERENCES expert_draws(id),
    round        BIGINT NOT NULL,
    seed         TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    snapshot_sm3 TEXT NOT NULL,
    snapshot     TEXT NOT NULL,
    screening    TEXT NOT NULL,
    reply_by     TIMESTAMPTZ NOT NULL,
    drawn_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (draw_id, round)
);

CREATE TABLE draw_picks (
    draw_id        UUID NOT NULL REFERENCES expert_draws(id),
    expert_id      UUID NOT NULL REFERENCES experts(id),
    round          BIGINT NOT NULL,
    pick_order     BIGINT NOT NULL,
    group_index    BIGINT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT,
    replied_at     TIMESTAMPTZ,
    checked_in_at  TIMESTAMPTZ,
    check_in_address TEXT,
    PRIMARY KEY (draw_id, expert_id)
);

-- In-platform messages to an account, and what the email/SMS sender still has to send.
CREATE TABLE notifications (
    id         UUID PRIMARY KEY,
    account_id UUID NOT NULL REFERENCES accounts(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notifications_account ON notifications(account_id, created_at);

CREATE TABLE outbox (
    id         UUID PRIMARY KEY,
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ
);

-- Rule-based warnings for supervisors (预警), with their evidence.
CREATE TABLE alerts (
    id          UUID PRIMARY KEY,
    region_code TEXT NOT NULL,
    lot_id      UUID REFERENCES lots(id),
    kind        TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    raised_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_region ON alerts(region_code, raised_at);

-- Written clarification requests from the committee to a bidder (法 Art 39; 条例 Art 52).
CREATE TABLE evaluation_clarifications (
    id          UUID PRIMARY KEY,
    lot_id      UUID NOT NULL REFERENCES lots(id),
    bidder_id   UUID NOT NULL REFERENCES entities(id),
    asked_by    UUID NOT NULL REFERENCES accounts(id),
    question    TEXT NOT NULL,
    asked_at    TIMESTAMPTZ NOT NULL,
    answer      TEXT,
    answered_by UUID REFERENCES accounts(id),
    answered_at TIMESTAMPTZ
);
CREATE INDEX evaluation_clarifications_lot ON evaluation_clarifications(lot_id, asked_at);

-- The department that supervises a region's trades of one kind, so its staff are kept off its
-- own projects (条例 Art 46).
CREATE TABLE supervising_departments (
    region_code TEXT NOT NULL REFERENCES regions(code),
    trade_kind  TEXT NOT NULL,
    uscc        TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (region_code, trade_kind)
);
