import { describe, expect, it } from 'vitest';
import type { ChainedRecord } from './chain.js';
import { csvHeader, csvRow, exportLine, ocsfEvent } from './export-formats.js';

const entry: ChainedRecord = {
  hash: 'ab'.repeat(32),
  record: {
    seq: 7,
    time: '2026-11-23T10:00:00.000Z',
    tenant: 'acme',
    agent: 'a1',
    kind: 'decision',
    request_id: 'r1',
    action: 'db.query',
    resource: 'db:prod/users',
    decision: 'require_approval',
    code: 'rule',
    rules: ['a', 'b'],
    policy_hash: 'sha256:00',
    params: { note: '=cmd|"calc"' },
  },
};

describe('exports', () => {
  it('csv: one row per record under a fixed header, quoted by RFC 4180, formulas defused', () => {
    expect(csvHeader()).toBe(
      'time,tenant,agent,seq,kind,action,resource,decision,code,rules,policy_hash,request_id,params,hash\r\n',
    );
    expect(csvRow(entry)).toBe(
      `2026-11-23T10:00:00.000Z,acme,a1,7,decision,db.query,db:prod/users,require_approval,rule,a;b,sha256:00,r1,"{""note"":""=cmd|\\""calc\\""""}",${'ab'.repeat(32)}\r\n`,
    );
    expect(csvRow({ ...entry, record: { ...entry.record, action: '=HYPERLINK("x")' } })).toContain(
      `,"'=HYPERLINK(""x"")",`,
    );
  });

  it('ocsf: an API Activity event with the record mapped field by field', () => {
    expect(ocsfEvent(entry)).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 99,
      type_uid: 600399,
      activity_name: 'decision',
      time: Date.parse('2026-11-23T10:00:00.000Z'),
      disposition_id: 14,
      disposition: 'Delayed',
      status_id: 1,
      status_code: 'rule',
      actor: { user: { uid: 'a1', type: 'Agent' } },
      api: { operation: 'db.query', request: { uid: 'r1' } },
      resources: [{ name: 'db:prod/users' }],
      policy: { uid: 'sha256:00', name: 'a,b' },
      metadata: { version: '1.3.0', sequence: 7, uid: 'ab'.repeat(32), tenant_uid: 'acme' },
      unmapped: { record: entry.record },
    });
  });

  it('ndjson: the chained record, as a segment line', () => {
    expect(JSON.parse(exportLine('ndjson', entry))).toEqual({ hash: entry.hash, record: entry.record });
  });
});
