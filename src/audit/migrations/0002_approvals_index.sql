-- The tenant-wide view of approvals, for operators' queues. The agents' Durable Objects are
-- the truth; each one copies its approvals here as they open and settle.
CREATE TABLE approvals (
  tenant      TEXT NOT NULL,
  agent       TEXT NOT NULL,
  id          TEXT NOT NULL,
  status      TEXT NOT NULL,     -- pending | approved | denied | expired
  action      TEXT NOT NULL,
  resource    TEXT NOT NULL,
  rules       TEXT NOT NULL,     -- JSON array of rule ids
  created_at  INTEGER NOT NULL,  -- epoch ms
  expires_at  INTEGER NOT NULL,
  decided_at  INTEGER,
  decided_by  TEXT,
  note        TEXT,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX approvals_by_status ON approvals (tenant, status, created_at DESC);
