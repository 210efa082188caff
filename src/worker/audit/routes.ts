/**
 * @module
 * The audit API, for operators of the tenant: search, a per-minute summary, streaming
 * export, and verification.
 */
import { Hono } from 'hono';
import { CONTENT_TYPES, csvHeader, EXPORT_FORMATS, exportLine, type ExportFormat } from '../../audit/export-formats.js';
import { segmentPrefix } from '../../audit/segment.js';
import { pendingSummary } from '../../audit/staleness.js';
import { auditTail } from '../agents.js';
import { auditRecords, decodeCursor, encodeCursor, parseAuditFilter } from './search.js';
import { auditSummary, MAX_SUMMARY_MINUTES } from './summary.js';
import { verifyAgentAudit } from './verify.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { operatorCaller } from '../principal.js';

const MAX_LIMIT = 500;
const SEGMENTS_PER_PAGE = 50;

/** The audit API; every route is for the tenant's operators. */
export const auditRoutes = new Hono<AppEnv>();
auditRoutes.get('/audit', async (c) => {
  const { tenant } = operatorCaller(c);
  const query = new URL(c.req.url).searchParams;
  const filter = parseAuditFilter(query, ['limit', 'cursor']);
  const limitText = query.get('limit') ?? '50';
  const limit = Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new ApiError('invalid_request', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  const cursor = query.get('cursor');
  const records = [];
  let more = false;
  for await (const entry of auditRecords(c.env, tenant, filter, cursor === null ? null : decodeCursor(cursor))) {
    if (records.length === limit) {
      more = true;
      break;
    }
    records.push(entry);
  }
  return c.json({ records, next_cursor: more ? encodeCursor(records[records.length - 1].record) : null });
});

auditRoutes.get('/audit/summary', async (c) => {
  const { tenant } = operatorCaller(c);
  const minutes = Number(c.req.query('minutes') ?? '60');
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SUMMARY_MINUTES)
    throw new ApiError('invalid_request', `minutes: must be a whole number from 1 to ${MAX_SUMMARY_MINUTES}`);
  return c.json(await auditSummary(c.env.AUDIT_DB, tenant, Date.now(), minutes));
});

auditRoutes.get('/audit/export', async (c) => {
  const { tenant } = operatorCaller(c);
  const query = new URL(c.req.url).searchParams;
  const format = (query.get('format') ?? 'ndjson') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new ApiError('invalid_request', `format: must be one of ${EXPORT_FORMATS.join(', ')}`);
  const records = auditRecords(c.env, tenant, parseAuditFilter(query, ['format']), null);
  const encoder = new TextEncoder();
  let started = false;
  // Pulled a record at a time: an export of any size streams in constant memory.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === 'csv') controller.enqueue(encoder.encode(csvHeader()));
      started = true;
      const next = await records.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(exportLine(format, next.value)));
    },
  });
  const extension = format === 'csv' ? 'csv' : 'ndjson';
  return new Response(body, {
    headers: {
      'content-type': CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="tollgate-audit-${format}.${extension}"`,
      'x-request-id': c.get('requestId'),
    },
  });
});

// The raw segments of one agent, for verifying offline (`tollgate audit verify <url>`).
auditRoutes.get('/audit/segments', async (c) => {
  const { tenant } = operatorCaller(c);
  const agent = c.req.query('agent');
  if (!agent) throw new ApiError('invalid_request', 'agent: is required (the agent whose segments to list)');
  const cursor = c.req.query('cursor');
  const listing = await c.env.AUDIT_BUCKET.list({
    prefix: segmentPrefix(tenant, agent),
    cursor: cursor || undefined,
    limit: SEGMENTS_PER_PAGE,
  });
  const segments = await Promise.all(
    listing.objects.map(async (o) => ({
      key: o.key,
      text: (await (await c.env.AUDIT_BUCKET.get(o.key))?.text()) ?? '',
    })),
  );
  const { flushed, pending } = await auditTail(c.env, tenant, agent);
  return c.json({
    agent,
    flushed,
    pending: pendingSummary(pending, flushed.seq),
    segments,
    next_cursor: listing.truncated ? listing.cursor : null,
  });
});

auditRoutes.get('/audit/verify', async (c) => {
  const { tenant } = operatorCaller(c);
  const agent = c.req.query('agent');
  if (!agent) throw new ApiError('invalid_request', 'agent: is required (the agent whose chain to verify)');
  return c.json(await verifyAgentAudit(c.env, tenant, agent));
});
