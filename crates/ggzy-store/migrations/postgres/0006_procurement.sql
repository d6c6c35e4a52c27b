-- Government procurement (#6): the regime of a project, the buyer's plan and intentions, the
-- method's lawful grounds, the invited-tender supplier draw, final quotes, and challenges (质疑)
-- and complaints (投诉) with their working-day deadlines. Challenges reuse `objections`, complaints
-- reuse `complaints`: one table per thing, the regime decides the deadlines.

ALTER TABLE projects ADD COLUMN trade_kind TEXT NOT NULL DEFAULT 'construction';
ALTER TABLE projects ADD COLUMN item_category TEXT;
ALTER TABLE projects ADD COLUMN sme_reserved BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE projects ADD COLUMN gp_pack_version TEXT;
ALTER TABLE projects ADD COLUMN intention_id UUID;

ALTER TABLE lots ADD COLUMN method_grounds TEXT;
ALTER TABLE lots ADD COLUMN approval_ref TEXT;
ALTER TABLE lots ADD COLUMN sme_deduction TEXT;

CREATE TABLE procurement_intentions (
    id             UUID PRIMARY KEY,
    principal_id   UUID NOT NULL REFERENCES entities(id),
    region_code    TEXT NOT NULL REFERENCES regions(code),
    name           TEXT NOT NULL,
    category       TEXT NOT NULL,
    budget         BIGINT NOT NULL,
    sme_reserved   BOOLEAN NOT NULL,
    expected_month TEXT NOT NULL,
    description    TEXT NOT NULL,
    published_by   UUID NOT NULL REFERENCES accounts(id),
    published_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX procurement_intentions_region ON procurement_intentions(region_code, published_at);

CREATE TABLE supplier_draws (
    lot_id       UUID PRIMARY KEY REFERENCES lots(id),
    listed       TEXT NOT NULL,
    seed         TEXT NOT NULL,
    commitment   TEXT NOT NULL,
    snapshot_sm3 TEXT NOT NULL,
    picks        TEXT NOT NULL,
    drawn_by     UUID NOT NULL REFERENCES accounts(id),
    drawn_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE final_quotes (
    lot_id       UUID NOT NULL REFERENCES lots(id),
    bidder_id    UUID NOT NULL REFERENCES entities(id),
    price        BIGINT NOT NULL,
    account_id   UUID NOT NULL REFERENCES accounts(id),
    submitted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lot_id, bidder_id)
);

ALTER TABLE objections ADD COLUMN knew_on DATE;
ALTER TABLE objections ADD COLUMN reply_by DATE;
ALTER TABLE objections ADD COLUMN complaint_by DATE;
ALTER TABLE objections ADD COLUMN upheld BOOLEAN;

ALTER TABLE complaints ADD COLUMN suspended_until TIMESTAMPTZ;
ALTER TABLE complaints ADD COLUMN published_at TIMESTAMPTZ;

ALTER TABLE bond_refunds ADD COLUMN late_interest BIGINT;
