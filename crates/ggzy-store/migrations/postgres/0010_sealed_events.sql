-- Hardening (#16): events about secret information (who bid, who applied) are chained as a salted
-- commitment, so the public log stays verifiable without telling anyone how many bids a lot has.
-- `salt` is set on such events; `release_key` names the moment (`lot:…@opened`) whose row in
-- `releases` makes the content public.

ALTER TABLE events ADD COLUMN salt TEXT;
ALTER TABLE events ADD COLUMN release_key TEXT;
CREATE INDEX events_release_key ON events(release_key);

CREATE TABLE releases (
    key          TEXT PRIMARY KEY,
    released_at  TIMESTAMPTZ NOT NULL
);

-- Who appointed each role (NULL for self-registration and first-start seeding): no single
-- account may appoint enough of a lot's key custodians to open its bids alone.
ALTER TABLE role_grants ADD COLUMN granted_by UUID REFERENCES accounts(id);
