-- Sealed bids (电子招标投标办法 Art 26–31): keys people hold, each lot's opening key split among
-- custodians, envelopes instead of platform-encrypted packages, and the opening transcript.

-- Public halves only: bidders sign envelopes with theirs, custodians receive shares under theirs.
CREATE TABLE party_keys (
    public_key  TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    account_id  UUID NOT NULL REFERENCES accounts(id),
    entity_id   UUID REFERENCES entities(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('bid_signing', 'custody')),
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX party_keys_account ON party_keys(account_id, purpose);
CREATE INDEX party_keys_entity ON party_keys(entity_id, purpose);

-- Per-region custody settings; a region without a row inherits from its parent, then the default.
CREATE TABLE custody_policies (
    region_code      TEXT PRIMARY KEY REFERENCES regions(code),
    threshold        INTEGER NOT NULL CHECK (threshold >= 2),
    postpone_minutes INTEGER NOT NULL CHECK (postpone_minutes >= 1)
);

-- The public key and Feldman commitments; the private key is never stored anywhere.
CREATE TABLE opening_keys (
    lot_id       UUID PRIMARY KEY REFERENCES lots(id),
    public_key   TEXT NOT NULL,
    commitments  TEXT NOT NULL,
    threshold    INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    convened_at  TIMESTAMPTZ,
    opened_at    TIMESTAMPTZ
);

CREATE TABLE custody_shares (
    lot_id          UUID NOT NULL REFERENCES lots(id),
    share_index     INTEGER NOT NULL,
    account_id      UUID NOT NULL REFERENCES accounts(id),
    label           TEXT NOT NULL,
    custodian_key   TEXT NOT NULL,
    sealed_share    TEXT NOT NULL,
    submitted_share TEXT,
    submitted_at    TIMESTAMPTZ,
    PRIMARY KEY (lot_id, share_index)
);
CREATE INDEX custody_shares_account ON custody_shares(account_id);

ALTER TABLE bids ADD COLUMN signer_key TEXT NOT NULL DEFAULT '';
ALTER TABLE bids ADD COLUMN outcome TEXT;
ALTER TABLE bids ADD COLUMN outcome_reason TEXT;
ALTER TABLE bids ADD COLUMN payload_sm3 TEXT;
-- The same envelope twice is a replay, whoever sends it.
CREATE UNIQUE INDEX bids_envelope_once ON bids(lot_id, package_sm3);

CREATE TABLE opening_transcripts (
    lot_id       UUID PRIMARY KEY REFERENCES lots(id),
    published_at TIMESTAMPTZ NOT NULL,
    transcript   TEXT NOT NULL
);
