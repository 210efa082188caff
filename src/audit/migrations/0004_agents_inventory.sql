-- The tenant's agents, as operators list them: when each was first and last seen, how many
-- decisions and denies its chain holds, and its trust, suspension and spend when its records
-- were last flushed. Each agent's object writes its own row with every flushed batch;
-- `through_seq` makes a retried batch count once.
CREATE TABLE agents (
  tenant      TEXT NOT NULL,
  agent       TEXT NOT NULL,
  first_seen  TEXT NOT NULL,     -- ISO 8601, UTC
  last_seen   TEXT NOT NULL,
  decisions   INTEGER NOT NULL,
  denies      INTEGER NOT NULL,
  approvals   INTEGER NOT NULL,  -- decisions that asked a human
  trust       REAL NOT NULL,
  suspended   INTEGER NOT NULL,  -- 1 when suspended (kill switch or breaker)
  spend_usd   REAL,              -- used in the period of the agent's first USD budget
  budget_usd  REAL,              -- that budget's limit (null: no USD budget)
  budget_per  TEXT,              -- day | month
  through_seq INTEGER NOT NULL,
  PRIMARY KEY (tenant, agent)
);
CREATE INDEX agents_by_last_seen ON agents (tenant, last_seen DESC);
