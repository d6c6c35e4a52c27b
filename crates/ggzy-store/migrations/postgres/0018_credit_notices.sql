-- The notice a department's decision was published under (行政处罚决定公告), so that its
-- revocation is published as a new notice linked to it rather than an edit.
ALTER TABLE credit_records ADD COLUMN notice_id UUID REFERENCES notices(id);
