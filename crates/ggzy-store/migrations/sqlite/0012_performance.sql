-- After the contract, until it is performed: supplementary contracts of a procurement (补充合同,
-- together at most 10% of the original, 政府采购法 Art 49) and the acceptance (验收) or, for
-- works, the performance record. Each is published as a notice and names it.
CREATE TABLE contract_supplements (
    id          BLOB PRIMARY KEY,
    lot_id      BLOB NOT NULL REFERENCES contracts(lot_id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    signed_on   DATE NOT NULL,
    reason      TEXT NOT NULL,
    notice_id   BLOB NOT NULL REFERENCES notices(id),
    recorded_by BLOB NOT NULL REFERENCES accounts(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX contract_supplements_lot ON contract_supplements(lot_id);

CREATE TABLE contract_acceptances (
    lot_id      BLOB PRIMARY KEY REFERENCES contracts(lot_id),
    accepted_on DATE NOT NULL,
    passed      INTEGER NOT NULL,
    summary     TEXT NOT NULL,
    notice_id   BLOB NOT NULL REFERENCES notices(id),
    recorded_by BLOB NOT NULL REFERENCES accounts(id),
    recorded_at TEXT NOT NULL
);
