/**
 * @module
 * Audit records as the exports write them: NDJSON (the chained record, as in a segment),
 * CSV (one flat row per record) and OCSF (API Activity, class 6003). Params are already
 * redacted in the record, so no format can leak what the chain does not hold.
 */
import type { JsonValue } from '../lib/json.js';
import type { ChainedRecord } from './chain.js';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
  ocsf: 'application/x-ndjson',
};

export const CSV_COLUMNS = [
  'time',
  'tenant',
  'agent',
  'seq',
  'kind',
  'action',
  'resource',
  'decision',
  'code',
  'rules',
  'policy_hash',
  'request_id',
  'params',
  'hash',
] as const;

/** RFC 4180 quoting, and a leading `'` on text a spreadsheet would run as a formula. */
function csvCell(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow({ record, hash }: ChainedRecord): string {
  const cells = CSV_COLUMNS.map((c) => {
    if (c === 'hash') return csvCell(hash);
    if (c === 'rules') return csvCell(Array.isArray(record.rules) ? record.rules.join(';') : null);
    return csvCell(record[c]);
  });
  return `${cells.join(',')}\r\n`;
}

/** OCSF dispositions: Allowed, Blocked, Delayed (waiting for a human). */
const DISPOSITION: Record<string, [number, string]> = {
  allow: [1, 'Allowed'],
  deny: [2, 'Blocked'],
  require_approval: [14, 'Delayed'],
};

/**
 * One record as an OCSF 1.3 API Activity event (class_uid 6003, category 6, activity
 * Other: 99). See the README for the field-by-field mapping.
 */
export function ocsfEvent({ record, hash }: ChainedRecord): { [key: string]: JsonValue } {
  const decision = typeof record.decision === 'string' ? record.decision : null;
  const [dispositionId, disposition] = (decision ? DISPOSITION[decision] : undefined) ?? [0, 'Unknown'];
  return {
    class_uid: 6003,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: 99,
    activity_name: record.kind,
    type_uid: 600399,
    time: Date.parse(record.time),
    severity_id: decision === 'deny' ? 3 : 1,
    status_id: decision === 'deny' ? 2 : 1,
    status: decision === 'deny' ? 'Failure' : 'Success',
    status_code: typeof record.code === 'string' ? record.code : null,
    disposition_id: dispositionId,
    disposition,
    actor: { user: { uid: record.agent, type: 'Agent' } },
    api: {
      operation: typeof record.action === 'string' ? record.action : record.kind,
      request: { uid: typeof record.request_id === 'string' ? record.request_id : null },
    },
    resources: typeof record.resource === 'string' ? [{ name: record.resource }] : [],
    policy: {
      uid: typeof record.policy_hash === 'string' ? record.policy_hash : null,
      name: Array.isArray(record.rules) ? record.rules.join(',') : null,
    },
    metadata: {
      version: '1.3.0',
      product: { name: 'Tollgate', vendor_name: 'Tollgate' },
      tenant_uid: record.tenant,
      sequence: record.seq,
      uid: hash,
    },
    unmapped: { record },
  };
}

/** One exported line (or CSV row) of a record. */
export function exportLine(format: ExportFormat, entry: ChainedRecord): string {
  if (format === 'csv') return csvRow(entry);
  if (format === 'ocsf') return `${JSON.stringify(ocsfEvent(entry))}\n`;
  return `${JSON.stringify({ hash: entry.hash, record: entry.record })}\n`;
}
