/**
 * @module
 * `POST /v1/decide` and `/v1/decide/batch`: an agent asks before it acts, through the
 * decision pipeline (`decision-pipeline.ts`).
 */
import { Hono } from 'hono';
import { readJsonObject } from '../body.js';
import { decideAll, engineRequest } from '../decision-pipeline.js';
import type { AppEnv } from '../env.js';
import { ApiError } from '../errors.js';
import { agentCaller } from '../principal.js';

const MAX_BATCH = 100;

export const decideRoutes = new Hono<AppEnv>()
  .post('/decide', async (c) => {
    const agent = agentCaller(c);
    const request = engineRequest(await readJsonObject(c), agent, 'body');
    const [decision] = await decideAll(c, agent, [request]);
    // A reused idempotency key is a conflict, not a decision (in a batch, that request's entry says so).
    if (decision.code === 'idempotency_mismatch')
      throw new ApiError(
        'idempotency_mismatch',
        decision.reasons[0]?.message ?? 'idempotency_key was first used with a different request',
      );
    return c.json(decision);
  })
  .post('/decide/batch', async (c) => {
    const agent = agentCaller(c);
    const body = await readJsonObject(c);
    const requests = body.requests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
      throw new ApiError('invalid_request', `requests: must be an array of 1 to ${MAX_BATCH} decision requests`);
    }
    const checked = requests.map((r, i) => engineRequest(r, agent, `requests[${i}]`));
    return c.json({ results: await decideAll(c, agent, checked) });
  });
