-- Approvals show operators what they approve: the decision, the params (DLP-flagged values
-- masked) and the cost; an approved request's ticket must be claimed by claim_expires_at.
ALTER TABLE approvals ADD COLUMN decision TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN params TEXT NOT NULL DEFAULT '{}';
ALTER TABLE approvals ADD COLUMN cost TEXT NOT NULL DEFAULT 'null';
ALTER TABLE approvals ADD COLUMN claim_expires_at INTEGER;
