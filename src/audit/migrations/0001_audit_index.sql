-- The audit index: one row per record flushed to R2, for search and export. The R2
-- segments are the record of truth; verification checks that these rows match them.
CREATE TABLE audit_records (
  tenant   TEXT NOT NULL,
  agent    TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  time     TEXT NOT NULL,      -- ISO 8601, UTC
  kind     TEXT NOT NULL,
  action   TEXT,
  resource TEXT,
  decision TEXT,
  code     TEXT,
  rules    TEXT NOT NULL,      -- JSON array of rule ids
  hash     TEXT NOT NULL,      -- the chain hash
  segment  TEXT NOT NULL,      -- the R2 key of the segment holding the record
  record   TEXT NOT NULL,      -- the record's canonical JSON (params already redacted)
  PRIMARY KEY (tenant, agent, seq)
);
CREATE INDEX audit_records_by_time ON audit_records (tenant, time DESC, agent DESC, seq DESC);

-- One row per segment, with its signed checkpoint.
CREATE TABLE audit_segments (
  tenant     TEXT NOT NULL,
  agent      TEXT NOT NULL,
  first_seq  INTEGER NOT NULL,
  last_seq   INTEGER NOT NULL,
  key        TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  head_hash  TEXT NOT NULL,
  checkpoint TEXT NOT NULL,
  PRIMARY KEY (tenant, agent, first_seq)
);
